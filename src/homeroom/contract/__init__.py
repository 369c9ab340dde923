"""The canonical tables: schemas, readers, validation and quarantine (DESIGN.md section 4)."""

from homeroom.contract.errors import ContractError
from homeroom.contract.report import SourceFile, ValidationReport
from homeroom.contract.schema import (
    BASE_UNITS_PER_DAY,
    CATEGORIES,
    GRADE_LEVELS,
    QUARANTINE_COLUMNS,
    RACE_ETHNICITY,
    SEX,
    STUDENT_FLAGS,
    TABLES,
    TABLES_OPTIONAL,
    TABLES_REQUIRED,
    VALIDATED,
)
from homeroom.contract.tables import Tables
from homeroom.contract.validate import validate_dataset

__all__ = [
    "BASE_UNITS_PER_DAY",
    "CATEGORIES",
    "GRADE_LEVELS",
    "QUARANTINE_COLUMNS",
    "RACE_ETHNICITY",
    "SEX",
    "STUDENT_FLAGS",
    "TABLES",
    "TABLES_OPTIONAL",
    "TABLES_REQUIRED",
    "VALIDATED",
    "ContractError",
    "SourceFile",
    "Tables",
    "ValidationReport",
    "validate_dataset",
]
