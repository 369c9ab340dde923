"""The district summary's numbers: everything the terminal and HTML renderers print, as plain data.

Reports know nothing about files or engines: the numbers come from a `metrics` callable
(`metrics(level="district", by=("homeless",))` -> an aggregate frame, see docs/metrics.md).
Small groups are suppressed here, so the Summary never holds a number a report must not print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from homeroom.definitions import Definition
from homeroom.definitions.profile import SCHOOL_LEVELS, TIERS
from homeroom.metrics.groups import rate_band
from homeroom.reports import labels
from homeroom.reports.groups import Gap, GroupTable, group_table, largest_gaps, ranking_minimum

Metrics = Callable[..., pd.DataFrame]

DEFAULT_GROUP_COLUMNS = (
    "race_ethnicity",
    "economically_disadvantaged",
    "students_with_disabilities",
    "english_learner",
    "homeless",
    "foster_care",
    "sex",
    "grade_level",
)
GAP_LIMIT = 5


@dataclass(frozen=True)
class Headline:
    """The unit's own numbers for the report's year (not suppressed: it is the report's subject)."""

    students_enrolled: int
    students_eligible: int
    chronically_absent_count: int
    chronic_absence_rate: float | None
    ada: float | None
    level: str | None
    prior_school_year: int | None
    prior_chronic_absence_rate: float | None
    change: float | None

    @property
    def change_line(self) -> str | None:
        """ "Up 2.3 points from 25.0% in 2023-24"; None without a prior year."""
        if self.change is None or self.prior_school_year is None:
            return None
        since = (
            f"{labels.percent(self.prior_chronic_absence_rate)} in "
            f"{labels.school_year(self.prior_school_year)}"
        )
        if round(self.change * 100, 1) == 0:
            return f"No change from {since}"
        direction = "Up" if self.change > 0 else "Down"
        return f"{direction} {abs(self.change) * 100:.1f} points from {since}"


@dataclass(frozen=True)
class TierShare:
    tier: str
    label: str
    count: int
    share: float | None  # of eligible students


@dataclass(frozen=True)
class LevelCount:
    level: str | None  # None: not rated (nobody eligible, or too few students to show)
    label: str
    count: int


@dataclass(frozen=True)
class UnitRow:
    """A school or district line of a table; the numbers are None when it is suppressed."""

    unit_id: str
    name: str
    district_name: str | None  # for schools in a state summary
    students_eligible: int | None
    chronic_absence_rate: float | None
    ada: float | None
    level: str | None
    change: float | None
    suppressed: bool = False


@dataclass(frozen=True)
class YearRate:
    school_year: int
    label: str
    students_eligible: int
    chronic_absence_rate: float | None
    ada: float | None


@dataclass(frozen=True)
class Summary:
    """One district (or a state of several districts) in its latest school year."""

    title: str
    unit_kind: str  # "district" or "state"
    unit_id: str
    unit_name: str
    school_year: int
    school_year_label: str
    as_of: date | None
    definition: Definition
    headline: Headline
    ada_line: str  # ADA beside the chronic rate, in one sentence
    tiers: tuple[TierShare, ...]
    school_levels: tuple[LevelCount, ...]
    schools: tuple[UnitRow, ...]  # highest rate first
    district_levels: tuple[LevelCount, ...]  # a state summary only
    districts: tuple[UnitRow, ...]  # a state summary only
    groups: tuple[GroupTable, ...]
    gaps: tuple[Gap, ...]  # largest first
    grades: GroupTable | None
    years: tuple[YearRate, ...]  # oldest first; one entry when the data hold one year
    notes: tuple[str, ...]  # what could not be shown, and why

    @property
    def minimum_group_size(self) -> int:
        return self.definition.minimum_group_size

    @property
    def ranking_minimum(self) -> int:
        """Groups with fewer eligible students are shown but not ranked among the gaps."""
        return ranking_minimum(self.minimum_group_size)

    @property
    def suppressed_text(self) -> str:
        return f"fewer than {self.minimum_group_size} students"


def build_summary(
    metrics: Metrics,
    definition: Definition,
    *,
    title: str | None = None,
    as_of: date | None = None,
    group_columns: Sequence[str] = DEFAULT_GROUP_COLUMNS,
    names: Mapping[str, str] | None = None,
) -> Summary:
    """Ask `metrics` for the district (or state), its schools and groups, and shape the report.

    `names` maps school_id / district_id / state to a display name; ids print where it has none.
    `as_of` is only printed: the `metrics` callable is expected to be computed through that date.
    """
    names = dict(names or {})
    districts = _frame(metrics(level="district"), "district")
    year = int(districts["school_year"].max())
    several = districts.loc[districts["school_year"] == year, "district_id"].nunique() > 1
    kind, key = ("state", "state") if several else ("district", "district_id")
    units = _frame(metrics(level="state"), "state") if several else districts
    unit_id = _only_unit(units, key, year)
    unit_rows = units[_is(units[key], unit_id)].sort_values("school_year")
    current = unit_rows[unit_rows["school_year"] == year].iloc[0]
    unit_name = _unit_name(kind, unit_id, names)
    minimum = definition.minimum_group_size

    schools = _frame(metrics(level="school"), "school")
    schools = schools[schools["school_year"] == year]
    if kind == "district":
        schools = schools[_is(schools["district_id"], unit_id)]
    school_rows = _unit_rows(schools, "school_id", names, minimum, with_district=several)
    district_rows: tuple[UnitRow, ...] = ()
    if several:
        latest = districts[districts["school_year"] == year]
        district_rows = _unit_rows(latest, "district_id", names, minimum, with_district=False)

    tables, notes = _group_tables(metrics, kind, key, unit_id, year, group_columns, minimum)
    headline = _headline(current, year, unit_rows)
    return Summary(
        title=title or f"Chronic absence in {unit_name}, {labels.school_year(year)}",
        unit_kind=kind,
        unit_id=unit_id,
        unit_name=unit_name,
        school_year=year,
        school_year_label=labels.school_year(year),
        as_of=as_of,
        definition=definition,
        headline=headline,
        ada_line=ada_line(headline, definition),
        tiers=_tiers(current),
        school_levels=_level_counts(school_rows),
        schools=school_rows,
        district_levels=_level_counts(district_rows) if several else (),
        districts=district_rows,
        groups=tables,
        gaps=largest_gaps(tables, minimum, GAP_LIMIT),
        grades=next((t for t in tables if t.column == "grade_level"), None),
        years=_years(unit_rows),
        notes=tuple(notes),
    )


def rate_level(rate: float | None, definition: Definition) -> str | None:
    """The level band a rate falls in (for colouring charts; tables print the engine's level)."""
    return rate_band(rate, SCHOOL_LEVELS, definition.level_cuts)


def _unit_name(kind: str, unit_id: str, names: Mapping[str, str]) -> str:
    if unit_id in names:
        return names[unit_id]
    if kind == "state":
        # A bare state code reads as a code; the schools table may not name a state at all.
        return f"State {unit_id}" if unit_id else "All districts"
    return unit_id


def _frame(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        raise ValueError(
            f"the metrics hold no {level} rows: is the dataset loaded, and does the as-of date "
            "fall inside a school year?"
        )
    return frame


def _is(column: pd.Series, value: str) -> pd.Series:
    """Rows of one unit; a state may be empty when the schools table has no `state` column."""
    if value == "":
        return column.isna() | (column.astype(str) == "")
    return column.astype(str) == value


def _only_unit(units: pd.DataFrame, key: str, year: int) -> str:
    values = units.loc[units["school_year"] == year, key]
    found = sorted({"" if labels.is_missing(v) else str(v) for v in values})
    if len(found) != 1:
        raise ValueError(
            f"the data hold {len(found)} states ({', '.join(found)}); a summary covers one "
            "district or one state: load one state's districts at a time"
        )
    return found[0]


def _number(value: Any) -> float | None:
    return None if labels.is_missing(value) else float(value)


def _level(value: Any) -> str | None:
    return None if labels.is_missing(value) else str(value)


def _headline(current: pd.Series, year: int, unit_rows: pd.DataFrame) -> Headline:
    prior = _number(current.get("prior_chronic_absence_rate"))
    return Headline(
        students_enrolled=int(current["students_enrolled"]),
        students_eligible=int(current["students_eligible"]),
        chronically_absent_count=int(current["chronically_absent_count"]),
        chronic_absence_rate=_number(current["chronic_absence_rate"]),
        ada=_number(current["ada"]),
        level=_level(current["level"]),
        prior_school_year=year - 1 if prior is not None else None,
        prior_chronic_absence_rate=prior,
        change=_number(current.get("chronic_absence_rate_change")),
    )


def ada_line(headline: Headline, definition: Definition) -> str:
    """ADA beside the chronic rate: a high ADA can hide many students missing a lot of school."""
    rate = headline.chronic_absence_rate
    if rate is None:
        return f"ADA {labels.percent(headline.ada)}; no student was enrolled long enough to count."
    if definition.threshold_share is not None:
        missed = f"missed {float(definition.threshold_share * 100):g}% or more of their days"
    else:
        missed = f"missed {float(definition.threshold_days or 0):g} or more days"
    if rate == 0:
        return f"ADA {labels.percent(headline.ada)}, and no student {missed}."
    return (
        f"ADA {labels.percent(headline.ada)} — yet {labels.percent(rate)} of students "
        f"({labels.one_in(rate)}) {missed}."
    )


def _tiers(current: pd.Series) -> tuple[TierShare, ...]:
    eligible = int(current["students_eligible"])
    shares = []
    for tier in TIERS:
        number = int(current[f"{tier}_count"])
        share = number / eligible if eligible else None
        shares.append(TierShare(tier, labels.tier_label(tier), number, share))
    return tuple(shares)


def _unit_rows(
    frame: pd.DataFrame,
    id_column: str,
    names: Mapping[str, str],
    minimum: int,
    *,
    with_district: bool,
) -> tuple[UnitRow, ...]:
    rows = [
        _unit_row(r, id_column, names, minimum, with_district) for r in frame.to_dict("records")
    ]
    # Highest rate first; suppressed and unrated units last, by name.
    rows.sort(
        key=lambda r: (r.chronic_absence_rate is None, -(r.chronic_absence_rate or 0), r.name)
    )
    return tuple(rows)


def _unit_row(
    record: dict[str, Any],
    id_column: str,
    names: Mapping[str, str],
    minimum: int,
    with_district: bool,
) -> UnitRow:
    unit_id = str(record[id_column])
    district = str(record["district_id"]) if with_district else None
    name = names.get(unit_id, unit_id)
    district_name = names.get(district, district) if district is not None else None
    eligible = int(record["students_eligible"])
    if eligible < minimum:
        # A small school's rate, ADA and even its level would point at a handful of students.
        return UnitRow(unit_id, name, district_name, None, None, None, None, None, suppressed=True)
    return UnitRow(
        unit_id=unit_id,
        name=name,
        district_name=district_name,
        students_eligible=eligible,
        chronic_absence_rate=_number(record["chronic_absence_rate"]),
        ada=_number(record["ada"]),
        level=_level(record["level"]),
        change=_number(record.get("chronic_absence_rate_change")),
    )


def _level_counts(rows: Sequence[UnitRow]) -> tuple[LevelCount, ...]:
    counts = [
        LevelCount(level, labels.level_label(level), sum(r.level == level for r in rows))
        for level in SCHOOL_LEVELS
    ]
    unrated = sum(r.level is None for r in rows)
    if unrated:
        counts.append(LevelCount(None, "Not rated", unrated))
    return tuple(counts)


def _group_tables(
    metrics: Metrics,
    kind: str,
    key: str,
    unit_id: str,
    year: int,
    group_columns: Sequence[str],
    minimum: int,
) -> tuple[tuple[GroupTable, ...], list[str]]:
    tables: list[GroupTable] = []
    notes: list[str] = []
    for column in group_columns:
        try:
            frame = metrics(level=kind, by=(column,))
        except ValueError as exc:
            # A dataset without that student column still gets every other part of the report.
            notes.append(f"{labels.column_label(column)}: not shown ({exc})")
            continue
        frame = frame[(frame["school_year"] == year) & _is(frame[key], unit_id)]
        if frame.empty:
            notes.append(
                f"{labels.column_label(column)}: no students in {labels.school_year(year)}"
            )
            continue
        tables.append(group_table(frame, column, minimum))
    return tuple(tables), notes


def _years(unit_rows: pd.DataFrame) -> tuple[YearRate, ...]:
    return tuple(
        YearRate(
            school_year=int(r["school_year"]),
            label=labels.school_year(r["school_year"]),
            students_eligible=int(r["students_eligible"]),
            chronic_absence_rate=_number(r["chronic_absence_rate"]),
            ada=_number(r["ada"]),
        )
        for r in unit_rows.to_dict("records")
    )
