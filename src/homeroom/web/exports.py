"""Downloads of what a page shows: CSV (one table) or XLSX (every table, a sheet each)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd
from fastapi.responses import Response

from homeroom.web.errors import BadRequest

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(
    tables: Mapping[str, pd.DataFrame], basename: str, fmt: str, table: str | None = None
) -> Response:
    """The page's tables as a file. CSV holds TABLE (default: the first); XLSX holds them all."""
    if fmt not in FORMATS:
        raise BadRequest("format must be csv or xlsx")
    if not tables:
        raise BadRequest("this page has no table to download")
    name = _file_part(basename)
    if fmt == "csv":
        key = table if table in tables else next(iter(tables))
        body = tables[key].to_csv(index=False).encode("utf-8")
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
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
            worksheet.freeze_panes = "A2"
            for column in worksheet.columns:
                width = max(len(str(c.value or "")) for c in column[:200])
                worksheet.column_dimensions[column[0].column_letter].width = min(width + 2, 50)
    return buffer.getvalue()


def _sheet_name(key: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", key)[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "homeroom"
