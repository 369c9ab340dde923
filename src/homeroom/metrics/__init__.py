"""The formulas, once, as Ibis expressions that know nothing of files or engines."""

from homeroom.contract.tables import Tables
from homeroom.metrics.aggregates import AGGREGATE_COLUMNS, LEVEL_KEYS, LEVEL_PER, aggregate
from homeroom.metrics.days import DAY_COLUMNS, membership_days
from homeroom.metrics.students import (
    PER_UNITS,
    STUDENT_COLUMNS,
    rolled_units,
    student_metrics,
    student_school_units,
)

__all__ = [
    "AGGREGATE_COLUMNS",
    "DAY_COLUMNS",
    "LEVEL_KEYS",
    "LEVEL_PER",
    "PER_UNITS",
    "STUDENT_COLUMNS",
    "Tables",
    "aggregate",
    "membership_days",
    "rolled_units",
    "student_metrics",
    "student_school_units",
]
