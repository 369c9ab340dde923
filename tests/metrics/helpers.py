"""Hand-made datasets for the metrics tests, run through files like a user's data.

Calendars are consecutive dates from Monday 2 September 2024 (school year 2025); `day(i)` is
the i-th date of the calendar, listed or not. `metrics` also checks that tests/reference.py
gives the same rows, so the numbers worked out by hand vouch for the reference the property
test relies on.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest

from datasets import AGGREGATE_KEYS, STUDENT_KEYS, Builder, compare, run
from homeroom.definitions import Definition, load_definition
from reference import Reference

YEAR = 2025
START = dt.date(2024, 9, 2)


def day(i: int, start: dt.date = START) -> dt.date:
    return start + dt.timedelta(days=i)


def approx(value: float) -> Any:
    return pytest.approx(value, abs=1e-12)


def school_with_calendar(days: int, **calendar: Any) -> Builder:
    """One school S1 (district D1) on calendar C1 of `days` dates."""
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.calendar("C1", YEAR, START, days, **calendar)
    return b


def variant(tmp_path: Path, base: str, **sections: dict[str, Any]) -> Definition:
    """A user definition file: `extends = base` and only the keys given."""
    lines = [f'extends = "{base}"']
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            text = f'"{value}"' if isinstance(value, str) else repr(value).replace("'", '"')
            lines.append(f"{key} = {text}")
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "mine.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_definition(path)


def metrics(
    tmp_path: Path, b: Builder, definition: str | Definition = "default", **request: Any
) -> list[dict[str, Any]]:
    """The engine's rows, after checking that tests/reference.py gives the same: the numbers
    worked out by hand below then vouch for the reference the property test relies on."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "data"
    if not isinstance(definition, Definition):
        definition = load_definition(definition)
    rows = run(folder, b, definition, **request)
    reference = Reference(b.data(), definition)
    level, per = request.get("level", "student"), request.get("per", "school")
    by, as_of = tuple(request.get("by", ())), request.get("as_of")
    if level == "student":
        expected = reference.student_rows(per=per, as_of=as_of)
        compare(rows, expected, STUDENT_KEYS[per], f"students per {per}")
    else:
        expected = reference.aggregates(level, by=by, as_of=as_of)
        compare(rows, expected, AGGREGATE_KEYS[level] + list(by), f"{level} by {by}")
    return rows


def by_student(
    tmp_path: Path, b: Builder, definition: str | Definition = "default", **request: Any
) -> dict[str, dict[str, Any]]:
    rows = metrics(tmp_path, b, definition, **request)
    keyed = {r["student_id"]: r for r in rows}
    assert len(keyed) == len(rows), "one row per student expected"
    return keyed


def by_school(
    tmp_path: Path, b: Builder, definition: str | Definition = "default", **request: Any
) -> dict[Any, dict[str, Any]]:
    rows = metrics(tmp_path, b, definition, level="school", **request)
    by = request.get("by", ())
    return {(r["school_year"], r["school_id"], *(r[c] for c in by)): r for r in rows}
