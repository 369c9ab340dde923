"""EDFacts: the federal files a state submits, from Homeroom's numbers (docs/fs195.md)."""

from homeroom.interop.edfacts.codes import CATEGORIES, Category
from homeroom.interop.edfacts.export import COUNTS_FILE, FS195Written, export_fs195
from homeroom.interop.edfacts.fs195 import (
    COUNT_COLUMNS,
    LevelRows,
    chronic_rows,
    fs195_counts,
    fs195_definition,
)
from homeroom.interop.edfacts.fs195_file import FS195FileError

__all__ = [
    "CATEGORIES",
    "COUNTS_FILE",
    "COUNT_COLUMNS",
    "Category",
    "FS195FileError",
    "FS195Written",
    "LevelRows",
    "chronic_rows",
    "export_fs195",
    "fs195_counts",
    "fs195_definition",
]
