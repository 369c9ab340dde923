"""Units of work for the test workers and their order (used by tests/conftest.py)."""

from __future__ import annotations

from pathlib import PurePosixPath

SPARK_UNIT = "spark modules (one Spark session)"
SECONDS_KEY = "homeroom/unit-seconds"  # in .pytest_cache; each unit's seconds in the last run


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its module (or class), the Spark modules as one."""
    module = nodeid.split("::", 1)[0]
    if "spark" in PurePosixPath(module).name:
        return SPARK_UNIT
    return nodeid.rsplit("::", 1)[0]


def order_of_units(units: dict[str, dict], seconds: dict[str, float]) -> list[str]:
    """Longest first: by the seconds a unit took last time where known; the Spark unit and
    then the units with most tests where not (the Spark unit is the longest by far)."""

    def key(unit: str) -> tuple:
        known = seconds.get(unit)
        return (known is None, -(known or 0.0), unit != SPARK_UNIT, -len(units[unit]))

    return sorted(units, key=key)
