"""Bringing data in from where districts keep it: Ed-Fi, SIS exports, the attendance spreadsheet.

Every importer turns its source into the canonical tables (DESIGN.md section 4) and says what it
read, assumed, mapped and could not convert, in an `ImportResult`. `write_import` then writes the
tables and `load_report.md`, after validating them exactly as `homeroom load` would, so nothing
an import drops or guesses goes unrecorded.
"""

from homeroom.interop.output import ImportWritten, write_import
from homeroom.interop.result import ImportResult, Mapping, SourceRead

__all__ = ["ImportResult", "ImportWritten", "Mapping", "SourceRead", "write_import"]
