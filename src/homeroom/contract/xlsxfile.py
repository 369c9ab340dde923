"""Read a worksheet of an .xlsx workbook into DuckDB as text, with each record's worksheet row."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.contract.fields import quote_ident
from homeroom.contract.sources import Source, column_positions, first_line, open_workbook, where
from homeroom.contract.work import Work

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


def _cell_text(value: object) -> str | None:
    """A worksheet cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    book = open_workbook(source.path)
    try:
        sheet = book[source.sheet] if source.sheet else book.worksheets[0]
        title = sheet.title
        data, lines = _sheet_rows(source, sheet)
    except ContractError:
        raise
    except Exception as exc:  # a zip that opens but whose sheet XML is damaged
        raise ContractError(
            f"{where(source)}: the workbook is damaged and cannot be read: {first_line(exc)}"
        ) from exc
    finally:
        book.close()
    frame = pd.DataFrame({name: pd.Series(v, dtype="object") for name, v in data.items()})
    frame["_line"] = pd.Series(lines, dtype="int64")
    view = work.name(f"xlsx_{source.table}")
    work.con.register(view, frame)
    try:
        casts = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" for n in data)
        relation = work.table(f"raw_{source.table}", f"SELECT {casts}, _line FROM {view}")
    finally:
        work.con.unregister(view)
    work.say(f"reading {source.label} sheet {title} ({len(lines):,} rows)")
    return relation, {name: "VARCHAR" for name in data}, len(lines)


def _empty(row: tuple | None) -> bool:
    return row is None or all(v is None or str(v).strip() == "" for v in row)


def _sheet_rows(
    source: Source, sheet: ReadOnlyWorksheet
) -> tuple[dict[str, list[str | None]], list[int]]:
    """The contract columns of a worksheet as text, and the worksheet row of each record.

    The header is the first row that is not empty (worksheet rows keep their numbers, so rows
    above it need no note); empty rows after it are not records.
    """
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    number, header = next(((n, row) for n, row in rows if not _empty(row)), (0, ()))
    if not number:
        raise ContractError(
            f"{where(source)}: sheet {sheet.title} is empty; expected a header row naming "
            "the columns"
        )
    positions = column_positions(
        source, [_cell_text(h) for h in header], header_line=f"row {number}"
    )
    data: dict[str, list[str | None]] = {name: [] for name in positions}
    lines: list[int] = []
    for number, row in rows:
        if _empty(row):
            continue  # an empty worksheet row is not a record
        lines.append(number)
        for name, index in positions.items():
            data[name].append(_cell_text(row[index]) if index < len(row) else None)
    return data, lines
