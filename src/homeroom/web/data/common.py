"""What every page's data shares: errors, column words, small readers of the serving file."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd

from homeroom.contract.schema import GRADE_LEVELS
from homeroom.definitions import Definition
from homeroom.definitions.profile import TIERS
from homeroom.reports import labels
from homeroom.reports.groups import GroupRate, GroupTable, suppress
from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS
from homeroom.web.snapshot import ServingData

AT_RISK_OR_WORSE = TIERS[1:]  # at_risk, moderate_chronic, severe_chronic

# Export headers: each column as a district data team says it.
COLUMN_TITLES = {
    "student_id": "Student ID",
    "first_name": "First name",
    "last_name": "Last name",
    "school_id": "School ID",
    "school_name": "School",
    "district_id": "District ID",
    "school_year": "School year",
    "school_year_label": "School year (label)",
    "year_end": "Year's last school day",
    "tardies": "Late arrivals",
    "tardy_days": "Late arrivals (days)",
    "early_departures": "Early departures",
    "early_departure_days": "Early departures (days)",
    "grade_level": "Grade",
    "as_of": "As of",
    "date": "Date",
    "days_enrolled": "Days enrolled",
    "days_absent": "Days absent",
    "days_excused": "Days excused",
    "days_unexcused": "Days unexcused",
    "days_suspended": "Days suspended",
    "absence_rate": "Absence rate",
    "eligible": "Eligible",
    "chronically_absent": "Chronically absent",
    "tier": "Tier",
    "unexcused_absences": "Unexcused absences",
    "truant": "Truant",
    "students_enrolled": "Students enrolled",
    "students_eligible": "Students eligible",
    "chronically_absent_count": "Chronically absent",
    "chronic_absence_rate": "Chronic absence rate",
    "ada": "ADA",
    "level": "Level",
    "prior_chronic_absence_rate": "Prior year's rate",
    "chronic_absence_rate_change": "Change (points)",
    "suppressed": "Suppressed",
    "month": "Month",
    "point": "Point",
    "change": "Change (points)",
    "membership": "Enrolled that day",
    "instructional": "School day",
    "after_data": "After the data",
    "category": "Attendance category",
    "recorded_days": "Absence recorded (days)",
    "counted_days": "Counted as absent (days)",
    "days": "Days with a record",
    "kind": "Snapshot",
    "entry_date": "Entry date",
    "exit_date": "Exit date",
    "column": "Student group",
    "group": "Group",
    "gap_to_all": "Gap to all students (points)",
    "gap_to_lowest": "Gap to lowest group (points)",
    "ratio_to_all": "Ratio to all students",
    "suppression": "Why hidden",
}
CATEGORY_LABELS = {
    "excused": "Excused absence",
    "unexcused": "Unexcused absence",
    "suspension": "Suspension (out of school)",
    "in_school_suspension": "In-school suspension",
    "tardy": "Tardy",
    "early_departure": "Early departure",
    "present": "Present",
    "remote_present": "Present (remote)",
}
GROUP_COLUMNS = ("sex", "race_ethnicity", "grade_level")  # besides the student flags


T = TypeVar("T")


def fresh(value: T) -> T:
    """A cached result with its frames copied, so a caller editing one cannot change the next
    request's (ServingData.cached keeps results between requests)."""
    if isinstance(value, pd.DataFrame):
        return value.copy()  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        frames = {
            f.name: getattr(value, f.name).copy()
            for f in fields(value)
            if isinstance(getattr(value, f.name), pd.DataFrame)
        }
        return replace(value, **frames) if frames else value
    return value


def group_tables(rows: pd.DataFrame, minimum: int) -> tuple[GroupTable, ...]:
    """The group tables of one unit's aggregate rows (group_column, group_value, counts), each
    suppressed by `homeroom.reports.groups.suppress`, in DEFAULT_GROUP_COLUMNS order.

    The same as `homeroom.reports.groups.group_table` per column, from one pass over plain
    records (a page builds eight of these; a frame per column costs more than the numbers).
    """
    by_column: dict[str, list[GroupRate]] = {}
    for r in rows.to_dict("records"):
        column = r["group_column"]
        if not column:
            continue
        value = None if labels.is_missing(r["group_value"]) else str(r["group_value"])
        by_column.setdefault(column, []).append(
            GroupRate(
                column=column,
                value=value,
                label=labels.group_label(column, value),
                students_eligible=int(r["students_eligible"]),
                chronically_absent_count=int(r["chronically_absent_count"]),
                chronic_absence_rate=number(r["chronic_absence_rate"]),
                change=number(r["chronic_absence_rate_change"]),
            )
        )
    tables = []
    for column in DEFAULT_GROUP_COLUMNS:
        if column not in by_column:
            continue
        groups = sorted(by_column[column], key=lambda g: labels.group_order(column, g.value))
        tables.append(
            GroupTable(column, labels.column_label(column), tuple(suppress(groups, minimum)))
        )
    return tuple(tables)


class StudentNotFound(LookupError):
    """No such student, or one outside the user's schools: the same answer for both, so a
    user cannot learn whether an id exists elsewhere. Show it as "not found" (404)."""

    def __init__(self) -> None:
        super().__init__("no student with that id among the records you may see")


def titled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with export headers (CSV, XLSX): known columns in words, others as they are."""
    return frame.rename(columns={c: COLUMN_TITLES.get(c, c) for c in frame.columns})


def definition_label(definition: Definition) -> str:
    return f"{definition.name} (version {definition.version})"


def category_label(category: str | None) -> str:
    if category is None:
        return "Present"
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


def number(value: Any) -> float | None:
    return None if labels.is_missing(value) else float(value)


def text(value: Any) -> str | None:
    return None if labels.is_missing(value) else str(value)


_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT"}
_INTEGERS |= {"UINTEGER", "UBIGINT"}
_FLOATS = {"FLOAT", "DOUBLE"}


def query(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None
) -> pd.DataFrame:
    """Run one statement; a frame of numbers as int64/float64/bool where none is missing, and
    everything else (text, dates, columns with gaps) as Python objects with None for missing.

    Built from the fetched tuples: page results are small, and pandas' own conversions of
    DuckDB's frames cost more than the query.
    """
    cur.execute(sql, params or [])
    rows = cur.fetchall()
    description = cur.description or []
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in description]
    data = {}
    for (name, duck_type, *_), values in zip(description, columns, strict=True):
        kind = str(duck_type)
        complete = None not in values
        if complete and kind in _INTEGERS:
            data[name] = pd.Series(np.array(values, dtype=np.int64))
        elif complete and kind in _FLOATS:
            data[name] = pd.Series(np.array(values, dtype=np.float64))
        elif complete and kind == "BOOLEAN":
            data[name] = pd.Series(np.array(values, dtype=bool))
        else:
            data[name] = pd.Series(list(values), dtype=object)
    return pd.DataFrame(data, columns=[d[0] for d in description])


def with_school_names(serving: ServingData, frame: pd.DataFrame) -> pd.DataFrame:
    """A `school_name` column beside `school_id`."""
    names = frame["school_id"].map(lambda s: serving.school_names.get(s, s) if s else None)
    position = list(frame.columns).index("school_id") + 1
    frame.insert(position, "school_name", names.astype(object))
    return frame


def with_year_label(frame: pd.DataFrame) -> pd.DataFrame:
    """A `school_year_label` column ("2024-25") beside `school_year` (2025)."""
    frame = frame.copy()
    position = list(frame.columns).index("school_year") + 1
    frame.insert(position, "school_year_label", frame["school_year"].map(labels.school_year))
    frame["school_year_label"] = frame["school_year_label"].astype(object)
    return frame


def grade_order_sql(column: str) -> str:
    """Grades in school order (PK, TK, KG, 01 … 12), not text order."""
    listed = ", ".join(f"'{g}'" for g in GRADE_LEVELS)
    return f"coalesce(list_position([{listed}], {column}), 100)"


def tier_order_sql(column: str) -> str:
    listed = ", ".join(f"'{t}'" for t in TIERS)
    return f"list_position([{listed}], {column})"
