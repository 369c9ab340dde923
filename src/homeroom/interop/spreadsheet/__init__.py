"""The attendance spreadsheet districts already keep (one row per student and school, with days
enrolled and absent): `import_spreadsheet` reads it into canonical tables and
`export_spreadsheet` writes Homeroom's year totals back in the same layout."""

from homeroom.interop.spreadsheet.export import SpreadsheetSummary, export_spreadsheet
from homeroom.interop.spreadsheet.importer import import_spreadsheet

__all__ = ["SpreadsheetSummary", "export_spreadsheet", "import_spreadsheet"]
