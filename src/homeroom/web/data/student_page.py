"""One student's page: their standing, every day of the year, tiers over time, every stay.

School staff may open the page of a student who has a stay (in any year) at one of their
schools; the page then shows that student's whole record in the district (every stay, the
district-wide rate), because an attendance team needs the history a student brings with them.
A student outside the user's schools and a student who does not exist get the same
`StudentNotFound`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.engine import duckdb_tables
from homeroom.metrics import membership_days
from homeroom.reports import labels
from homeroom.web.data.calendar import calendar_table, category_table
from homeroom.web.data.common import (
    StudentNotFound,
    definition_label,
    query,
    with_school_names,
    with_year_label,
)
from homeroom.web.data.common import text as maybe_text
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

DAYS_PLACEHOLDER = "homeroom_student_placeholder"
RUNNING_COLUMNS = (
    "date",
    "school_id",
    "days_enrolled",
    "days_absent",
    "absence_rate",
    "eligible",
    "chronically_absent",
    "tier",
    "tardies",
    "tardy_days",
    "early_departures",
    "early_departure_days",
)


@dataclass(frozen=True)
class StudentStanding:
    """The student's district-wide numbers for the year through `as_of`."""

    as_of: dt.date
    school_id: str
    school_name: str
    grade_level: str | None
    days_enrolled: int
    days_absent: float
    absence_rate: float
    eligible: bool
    chronically_absent: bool
    tier: str | None
    # Late arrivals and early departures: counted and shown apart, never absences.
    tardies: int = 0
    tardy_days: float = 0.0
    early_departures: int = 0
    early_departure_days: float = 0.0

    @property
    def tier_label(self) -> str:
        return labels.tier_label(self.tier) if self.tier else "Not yet eligible"


@dataclass(frozen=True)
class StudentDetail:
    """The student page for one school year.

    `calendar`: every date of the year's calendars of the student's schools, with
    `membership` (an enrolled school day through the data), `instructional`, `after_data`,
    the school, the attendance `category` and the absence in exact units (`recorded_units`,
    `counted_units`, of `units_per_day`) and in days (`recorded_days`, `counted_days`).
    `categories`: per attendance category, the dates with a record and their days.
    `running`: per membership day, the rate to date against `threshold_share` (or days absent
    against `threshold_days`), eligibility, chronic absence and tier that day.
    `tiers`: the tier at each month end (and the latest date) of the year.
    `enrollments`: every stay in every year.
    `demographics`: (label, value) pairs in words.
    """

    student_id: str
    first_name: str | None
    last_name: str | None
    birth_date: dt.date | None
    school_year: int
    school_year_label: str
    school_years: tuple[int, ...]
    data_through: dt.date
    definition_label: str
    threshold_share: float | None
    threshold_days: float | None
    threshold_label: str
    units_per_day: int
    standing: StudentStanding | None
    calendar: pd.DataFrame
    categories: pd.DataFrame
    running: pd.DataFrame
    tiers: pd.DataFrame
    enrollments: pd.DataFrame
    demographics: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return " ".join(parts) if parts else self.student_id


def student_detail(
    serving: ServingData,
    scope: Scope,
    student_id: str,
    school_year: int | None = None,
    as_of: dt.date | None = None,
) -> StudentDetail:
    """One student's page for a school year (default: their latest with data)."""
    student_id = str(student_id)
    with serving.cursor() as cur:
        stays = _stays(cur, scope, student_id)
        years = tuple(sorted({int(y) for y in stays["school_year"]}))
        year = _year(serving, years, school_year)
        through = min(as_of or serving.latest_date, serving.latest_date)
        days = _days(serving, cur, student_id, year, through)
        schools = tuple(sorted(set(stays.loc[stays["school_year"] == year, "school_id"])))
        dates = _dates(serving, cur, year, schools)
        tiers = query(
            cur,
            "SELECT as_of, kind, school_year, school_id, grade_level, days_enrolled, "
            "days_absent, absence_rate, eligible, tier FROM student_history "
            "WHERE student_id = ? AND school_year = ? AND as_of <= ? ORDER BY as_of",
            [student_id, year, through],
        )
        person = _person(cur, student_id, year)
    units = serving.units_per_day
    definition = serving.definition
    return StudentDetail(
        student_id=student_id,
        first_name=maybe_text(person.get("first_name")),
        last_name=maybe_text(person.get("last_name")),
        birth_date=person.get("birth_date"),
        school_year=year,
        school_year_label=labels.school_year(year),
        school_years=years,
        data_through=serving.latest_date,
        definition_label=definition_label(definition),
        threshold_share=_float(definition.threshold_share),
        threshold_days=_float(definition.threshold_days),
        threshold_label=definition.threshold_label,
        units_per_day=units,
        standing=_standing(serving, days),
        calendar=calendar_table(serving, dates, days, units),
        categories=category_table(days, units),
        running=with_school_names(
            serving, days.loc[:, list(RUNNING_COLUMNS)].reset_index(drop=True)
        ),
        tiers=with_school_names(serving, with_year_label(tiers)),
        enrollments=_enrollments(serving, stays),
        demographics=_demographics(person),
    )


def _days(
    serving: ServingData, cur: Any, student_id: str, year: int, through: dt.date
) -> pd.DataFrame:
    """The student's membership days of the year through a date (metrics.membership_days).

    The page's costliest query (mostly DuckDB planning it), and the same for every user
    allowed to open the page: kept for the next view. Read only.
    """
    return serving.cached(
        ("student_days", student_id, year, through),
        lambda: query(
            cur,
            f"SELECT * FROM ({_days_sql(serving)}) AS d "
            "WHERE school_year = $year AND date <= $through ORDER BY date, school_id",
            {"student": student_id, "year": year, "through": through},
        ),
    )


def _stays(cur: Any, scope: Scope, student_id: str) -> pd.DataFrame:
    """Every stay of the student, in every year; StudentNotFound unless one is in scope."""
    clause, params = scope.student_filter("school_id")
    stays = query(
        cur,
        "SELECT school_year, school_id, grade_level, entry_date, exit_date, "
        f"({clause}) AS in_scope FROM enrollments "
        "WHERE student_id = ? ORDER BY school_year, entry_date",
        [*params, student_id],
    )
    if not stays["in_scope"].any():
        raise StudentNotFound
    return stays.drop(columns="in_scope")


def _enrollments(serving: ServingData, stays: pd.DataFrame) -> pd.DataFrame:
    """The stays with the year's label, school names and `year_end`, the year's last school
    day: a stay with no exit date in a year that has ended lasted to that day."""
    stays = with_year_label(stays)
    spans = serving.year_spans
    stays["year_end"] = pd.Series(
        [spans[int(y)].last_day if int(y) in spans else None for y in stays["school_year"]],
        index=stays.index,
        dtype=object,
    )
    return with_school_names(serving, stays)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _dates(serving: ServingData, cur: Any, year: int, schools: tuple[str, ...]) -> pd.DataFrame:
    """Every date of the year's calendars of these schools, and whether it is a school day in
    any of them (the same for every student of those schools, so kept between requests)."""
    if not schools:
        return pd.DataFrame({"date": pd.Series(dtype=object), "instructional": []})

    def build() -> pd.DataFrame:
        marks = ", ".join("?" for _ in schools)
        return query(
            cur,
            "SELECT c.date, bool_or(c.instructional) AS instructional FROM calendar c "
            "WHERE c.school_year = ? AND c.calendar_id IN "
            f"(SELECT calendar_id FROM schools WHERE school_id IN ({marks})) "
            "GROUP BY c.date ORDER BY c.date",
            [year, *schools],
        )

    return serving.cached(("calendar_dates", year, schools), build).copy()


def _person(cur: Any, student_id: str, year: int) -> dict[str, Any]:
    """The student's roster row for the year, else the nearest year before it, else after."""
    cur.execute("SELECT * FROM roster WHERE student_id = ?", [student_id])
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    if not rows:
        return {}
    rows = sorted(
        rows, key=lambda r: (int(r["school_year"]) > year, abs(int(r["school_year"]) - year))
    )
    return rows[0]


def _year(serving: ServingData, years: tuple[int, ...], asked: int | None) -> int:
    if asked is not None:
        return int(asked)
    # The latest year the data reach, not a next year whose stays are only planned.
    reached = [
        y
        for y in years
        if y in serving.year_spans and serving.year_spans[y].first_date <= serving.latest_date
    ]
    return max(reached or years)


def _days_sql(serving: ServingData) -> str:
    """The student-day SQL of `homeroom.metrics.membership_days`, compiled once per file.

    Compiling the expression takes longer than running it, and only the student id changes,
    so it is compiled with a placeholder id that becomes the `$student` parameter.
    """

    def build() -> str:
        with serving.cursor() as cur:
            tables = duckdb_tables(cur, serving.units_per_day)
            expr = membership_days(tables, serving.definition, [DAYS_PLACEHOLDER])
            sql = ibis.to_sql(expr, dialect="duckdb")
        literal = f"'{DAYS_PLACEHOLDER}'"
        if literal not in sql:
            raise RuntimeError("the compiled student-day query lost its student placeholder")
        return sql.replace(literal, "$student")

    return serving.memo("membership_days_sql", build)


def _standing(serving: ServingData, days: pd.DataFrame) -> StudentStanding | None:
    if days.empty:
        return None
    last = days.iloc[-1]
    return StudentStanding(
        as_of=last["date"],
        school_id=str(last["school_id"]),
        school_name=serving.school_names.get(str(last["school_id"]), str(last["school_id"])),
        grade_level=maybe_text(last["grade_level"]),
        days_enrolled=int(last["days_enrolled"]),
        days_absent=float(last["days_absent"]),
        absence_rate=float(last["absence_rate"]),
        eligible=bool(last["eligible"]),
        chronically_absent=bool(last["chronically_absent"]),
        tier=maybe_text(last["tier"]),
        tardies=int(last["tardies"]),
        tardy_days=float(last["tardy_days"]),
        early_departures=int(last["early_departures"]),
        early_departure_days=float(last["early_departure_days"]),
    )


def _demographics(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = [
        ("Sex", labels.group_label("sex", row.get("sex"))),
        ("Race and ethnicity", labels.group_label("race_ethnicity", row.get("race_ethnicity"))),
    ]
    for flag in STUDENT_FLAGS:
        pairs.append((labels.column_label(flag), labels.group_label(flag, row.get(flag))))
    pairs.append(("Home language", labels.group_label("home_language", row.get("home_language"))))
    return tuple(pairs)


__all__ = ["StudentDetail", "StudentStanding", "student_detail"]
