"""FS195 counts: chronically absent students per school, district and state, by category.

The numbers come from the metrics layer (`pipeline.MetricsSession`, the student rows of
`homeroom metrics --level student --per school|district|state`): a student who moves is
counted at each school and district where eligible and chronically absent there, and once at
state level over the student's distinct membership days. Nothing here recomputes a formula; it
only counts the students the metrics call chronically absent, by the EDFacts codes of codes.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from homeroom.contract.schema import GRADE_LEVELS
from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import to_frame
from homeroom.interop.edfacts.codes import CATEGORIES, CATEGORY_COLUMNS, MISSING

# EDFacts levels and the metrics' unit each one counts over.
LEVEL_UNITS = {"SEA": "state", "LEA": "district", "SCH": "school"}
UNIT_KEYS = ("lea_id", "school_id")
COUNT_COLUMNS = ("level", "lea_id", "school_id", "category", "value", "student_count")
# FS195 counts students in kindergarten to grade 12 (and ungraded, which Homeroom has not):
# Generate 13.2 release notes, "Chronic Absenteeism (195)". Pre-kindergarten and TK are out.
FS195_GRADES = tuple(g for g in GRADE_LEVELS if g not in ("PK", "TK"))


def fs195_definition(edfacts: Definition, exit_date: str | None = None) -> Definition:
    """The shipped `edfacts` definition narrowed to the file's grades (when it names none).

    `exit_date`: the workspace's rule for reading exit dates (a fact of its data, not a policy),
    so the same load can be counted under `edfacts`.
    """
    grades = edfacts.grades or FS195_GRADES
    return dataclasses.replace(edfacts, grades=grades, exit_date=exit_date or edfacts.exit_date)


@dataclass(frozen=True)
class LevelRows:
    """One level's reporting units and its chronically absent students (no student ids)."""

    level: str
    units: pd.DataFrame  # lea_id, school_id: every unit with a student enrolled that year
    chronic: pd.DataFrame  # lea_id, school_id and CATEGORY_COLUMNS, one row a student


def chronic_rows(
    tables: Tables, definition: Definition, school_year: int, as_of: dt.date | None = None
) -> dict[str, LevelRows]:
    """Per level (SEA, LEA, SCH): its units and its chronically absent students' groups."""
    from homeroom.metrics.aggregates import with_groups
    from homeroom.pipeline import MetricsSession

    found: dict[str, LevelRows] = {}
    with MetricsSession(tables, definition, as_of=as_of) as session:
        for level, per in LEVEL_UNITS.items():
            rows = session.expression("student", per=per)
            rows = rows.filter(rows.school_year == school_year)
            keys = _unit_keys(rows, level)
            units = rows.select(**keys).distinct().order_by(list(UNIT_KEYS))
            chronic = with_groups(rows.filter(rows.chronically_absent), tables, CATEGORY_COLUMNS)
            chronic = chronic.select(**_unit_keys(chronic, level), **_groups(chronic))
            # Deduplicated again in pandas: on PySpark, DISTINCT over a projection of literals
            # (the state's blank ids) came back one row per student (checked against DuckDB).
            unit_rows = to_frame(units).drop_duplicates(ignore_index=True)
            found[level] = LevelRows(level, unit_rows, to_frame(chronic))
    return found


def _unit_keys(rows: ir.Table, level: str) -> dict[str, ir.Value]:
    blank = ibis.literal("")
    return {
        "lea_id": blank if level == "SEA" else rows.district_id,
        "school_id": rows.school_id if level == "SCH" else blank,
    }


def _groups(rows: ir.Table) -> dict[str, ir.Value]:
    return {c: rows[c] for c in CATEGORY_COLUMNS}


def level_counts(rows: LevelRows) -> pd.DataFrame:
    """counts.csv rows of one level: the total and every category's permitted values.

    Every permitted value gets a row at every unit (zero where no student has it), as
    Generate writes zero counts; MISSING only where a student's value is missing or unknown.
    """
    keys = list(UNIT_KEYS)
    units, chronic = rows.units[keys], rows.chronic
    totals = chronic.groupby(keys).size().rename("student_count").reset_index()
    total = units.merge(totals, on=keys, how="left").assign(category="total", value="all")
    frames = [total]
    for category in CATEGORIES:
        codes = chronic[category.column].map(category.code)
        coded = chronic.loc[:, keys].assign(value=codes).dropna(subset=["value"])
        counted = coded.groupby([*keys, "value"]).size().rename("student_count").reset_index()
        permitted = pd.DataFrame({"value": [v for v in category.permitted if v != MISSING]})
        grid = units.merge(permitted, how="cross")
        cells = grid.merge(counted, on=[*keys, "value"], how="outer")
        frames.append(cells.assign(category=category.name))
    out = pd.concat(frames, ignore_index=True).assign(level=rows.level)
    out["student_count"] = out["student_count"].fillna(0).astype("int64")
    return out.loc[:, list(COUNT_COLUMNS)]


def fs195_counts(rows: dict[str, LevelRows]) -> pd.DataFrame:
    """counts.csv: every level, unit, category and permitted value, in a stable order."""
    frames = [level_counts(rows[level]) for level in LEVEL_UNITS if level in rows]
    out = pd.concat(frames, ignore_index=True)
    categories = {name: i for i, name in enumerate(["total", *(c.name for c in CATEGORIES)])}
    levels = {name: i for i, name in enumerate(LEVEL_UNITS)}
    out = out.assign(_l=out["level"].map(levels), _c=out["category"].map(categories))
    out = out.sort_values(["_l", "lea_id", "school_id", "_c", "value"], kind="stable")
    return out.drop(columns=["_l", "_c"]).reset_index(drop=True)
