"""Downloads of what a page shows: CSV (one table) or XLSX (every table, a sheet each)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from fastapi.responses import Response

from homeroom.contract.tablefiles import csv_text, xlsx_bytes
from homeroom.definitions import Definition
from homeroom.web.errors import BadRequest

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
        # tablefiles neutralises formula-like text ("=HYPERLINK(...)" in a name or username)
        body = csv_text(tables[key]).encode("utf-8")
        filename = f"{name}-{_file_part(key)}.csv" if len(tables) > 1 else f"{name}.csv"
    else:
        used: set[str] = set()
        body = xlsx_bytes({_sheet_name(key, used): frame for key, frame in tables.items()})
        filename = f"{name}.xlsx"
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _sheet_name(key: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", key)[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "homeroom"
