"""Downloads of what a page shows: CSV (one table) or XLSX (every table, a sheet each)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from fastapi.responses import Response

from homeroom.definitions import Definition
from homeroom.web.errors import BadRequest

# Text a spreadsheet would run as a formula ("=HYPERLINK(...)"): it may come from outside
# (a username typed at the sign-in form, a name in the district's export).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Stamp:
    """What a download's numbers are: every row of it names the as-of date and definition."""

    as_of: dt.date
    definition: str  # name and version, "default 2026.2"

    @classmethod
    def of(cls, as_of: dt.date, definition: Definition) -> Stamp:
        return cls(as_of, f"{definition.name} {definition.version}")

    def columns(self) -> dict[str, str]:
        return {"Numbers as of": self.as_of.isoformat(), "Definition": self.definition}


def download(
    tables: Mapping[str, pd.DataFrame],
    basename: str,
    fmt: str,
    table: str | None = None,
    *,
    stamp: Stamp | None = None,
) -> Response:
    """The page's tables as a file. CSV holds TABLE (default: the first); XLSX holds them all.

    With a `stamp`, every table gets two last columns naming its as-of date and definition.
    """
    if fmt not in FORMATS:
        raise BadRequest("format must be csv or xlsx")
    if not tables:
        raise BadRequest("this page has no table to download")
    if stamp is not None:
        tables = {key: frame.assign(**stamp.columns()) for key, frame in tables.items()}
    name = _file_part(basename)
    if fmt == "csv":
        if table is not None and table not in tables:
            raise BadRequest(f"this page's tables are: {', '.join(tables)}")
        key = table if table is not None else next(iter(tables))
        body = _cells(tables[key]).to_csv(index=False).encode("utf-8")
        filename = f"{name}-{_file_part(key)}.csv" if len(tables) > 1 else f"{name}.csv"
    else:
        body = _workbook(tables)
        filename = f"{name}.xlsx"
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _workbook(tables: Mapping[str, pd.DataFrame]) -> bytes:
    from openpyxl.styles import Font

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        used: set[str] = set()
        for key, frame in tables.items():
            sheet = _sheet_name(key, used)
            _cells(frame).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
            worksheet.freeze_panes = "A2"
            for column in worksheet.columns:
                width = max(len(str(c.value or "")) for c in column[:200])
                worksheet.column_dimensions[column[0].column_letter].width = min(width + 2, 50)
    return buffer.getvalue()


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a spreadsheet should get it: formula-like text behind an apostrophe (as
    `homeroom audit export` writes it), mappings as JSON, times in UTC without a zone (Excel
    has none)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(_cell).astype(object)
    return out


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Mapping | list):
        value = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet_name(key: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", key)[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "homeroom"
