"""Student rows: the list, search and the student page. Every query here is scoped.

Each function takes the user's `Scope` and filters with `scope.student_filter()` (which raises
ScopeError for aggregate-only roles), so no page can forget to. A student outside the user's
schools and a student who does not exist get the same `StudentNotFound`.

School staff may open the page of a student who has a stay (in any year) at one of their
schools; the page then shows that student's whole record in the district (every stay, the
district-wide rate), because an attendance team needs the history a student brings with them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from homeroom.contract.schema import CATEGORIES, STUDENT_FLAGS
from homeroom.definitions.profile import TIERS
from homeroom.engine import duckdb_tables
from homeroom.metrics import membership_days
from homeroom.reports import labels
from homeroom.web.snapshot import ServingData
from homeroom.web.data.common import (
    AT_RISK_OR_WORSE,
    StudentNotFound,
    category_label,
    definition_label,
    grade_order_sql,
    query,
    tier_order_sql,
    with_school_names,
)
from homeroom.web.data.common import (
    text as maybe_text,
)
from homeroom.web.scope import Scope

STUDENT_ROW_COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "school_id",
    "school_name",
    "grade_level",
    "days_enrolled",
    "days_absent",
    "days_excused",
    "days_unexcused",
    "days_suspended",
    "absence_rate",
    "tier",
    "eligible",
    "chronically_absent",
    "unexcused_absences",
    "truant",
)
CALENDAR_COLUMNS = (
    "date",
    "membership",
    "instructional",
    "after_data",
    "school_id",
    "school_name",
    "category",
    "recorded_units",
    "counted_units",
    "recorded_days",
    "counted_days",
)
SEARCH_COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "school_year",
    "school_id",
    "school_name",
    "grade_level",
)
# Columns a list may be filtered on as a student group: (column, value).
GROUP_FILTERS = ("sex", "race_ethnicity", *STUDENT_FLAGS, "home_language", "grade_level")
# The only sort keys a request may name; each is SQL written here, never taken from a request.
SORTS = {
    "absence_rate": ("r.absence_rate",),
    "days_absent": ("r.days_absent",),
    "days_enrolled": ("r.days_enrolled",),
    "days_excused": ("r.days_excused",),
    "days_unexcused": ("r.days_unexcused",),
    "days_suspended": ("r.days_suspended",),
    "unexcused_absences": ("r.unexcused_absences",),
    "student_id": ("r.student_id",),
    "name": ("r.last_name", "r.first_name"),
    "last_name": ("r.last_name", "r.first_name"),
    "first_name": ("r.first_name", "r.last_name"),
    "school_name": ("sc.school_name",),
    "grade_level": (grade_order_sql("r.grade_level"),),
    "tier": (tier_order_sql("r.tier"),),
}
MAX_PAGE_SIZE = 500
MAX_SEARCH = 100
ROW_TABLES = ("student_rows", "district_rows")
DAYS_PLACEHOLDER = "homeroom_student_placeholder"


@dataclass(frozen=True)
class StudentPage:
    """One page of a student list (rows: STUDENT_ROW_COLUMNS).

    `per` says how students are counted: "district" (one row per student, the latest school's
    name; for users who see every school and no school filter) or "school" (one row per
    student and school, a student who moved listed at each school).
    """

    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    rows: pd.DataFrame
    total: int
    page: int
    page_size: int
    pages: int
    sort: str
    descending: bool
    per: str
    newly_at_risk_since: dt.date | None


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


def student_rows_select(scope: Scope, table: str) -> tuple[str, list[Any]]:
    """SELECT STUDENT_ROW_COLUMNS FROM a snapshot's student rows `r` WHERE (the scope) ..."""
    if table not in ROW_TABLES:
        raise ValueError(f"table must be one of {', '.join(ROW_TABLES)}")
    clause, params = scope.student_filter("r.school_id")
    columns = ", ".join(
        "sc.school_name" if c == "school_name" else f"r.{c}" for c in STUDENT_ROW_COLUMNS
    )
    return (
        f"SELECT {columns} FROM {table} r LEFT JOIN schools sc ON sc.school_id = r.school_id "
        f"WHERE ({clause})",
        list(params),
    )


def student_list(
    serving: ServingData,
    scope: Scope,
    as_of: dt.date | None = None,
    *,
    school_id: str | None = None,
    grade: str | None = None,
    tier: str | None = None,
    group: tuple[str, Any] | None = None,
    newly_at_risk_since: dt.date | None = None,
    sort: str = "absence_rate",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> StudentPage:
    """A filtered, sorted page of students as of a date.

    `group`: (column, value) with column in GROUP_FILTERS; value None is "not recorded", flags
    take True/False (or yes/no words). `newly_at_risk_since`: students at risk or worse now who
    were satisfactory, not yet eligible or not enrolled as of that date.
    """
    scope.require_students()
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}; got {page_size}")
    page = max(1, int(page))
    if school_id is not None:
        scope.require_school(str(school_id))
    snapshot = serving.resolve(as_of)
    # Users who see every school read one row per student; staff (or a school filter) read
    # the rows of each school, so a mover's other school never shows through.
    per = "district" if school_id is None and scope.school_ids is None else "school"
    table = "district_rows" if per == "district" else "student_rows"
    select, params = student_rows_select(scope, table)
    conditions = ["r.as_of = ?"]
    params.append(snapshot.as_of)
    if school_id is not None:
        conditions.append("r.school_id = ?")
        params.append(str(school_id))
    if grade is not None:
        conditions.append("r.grade_level = ?")
        params.append(str(grade))
    if tier is not None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")
        conditions.append("r.tier = ?")
        params.append(tier)
    if group is not None:
        condition, value = _group_condition(group)
        conditions.append(condition)
        params += value
    since = None
    if newly_at_risk_since is not None:
        then = serving.resolve(newly_at_risk_since)
        since = then.as_of
        worse = ", ".join(f"'{t}'" for t in AT_RISK_OR_WORSE)
        same_unit = "AND t.school_id = r.school_id" if per == "school" else ""
        conditions.append(
            f"r.tier IN ({worse}) AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.as_of = ? "
            f"AND t.student_id = r.student_id AND t.district_id = r.district_id {same_unit} "
            f"AND t.tier IN ({worse}))"
        )
        params.append(since)
    direction = "DESC" if descending else "ASC"
    order = ", ".join(f"{e} {direction} NULLS LAST" for e in SORTS[sort])
    sql = (
        f"{select.replace('SELECT ', 'SELECT count(*) OVER () AS total_rows, ', 1)} "
        f"AND {' AND '.join(conditions)} "
        f"ORDER BY {order}, r.student_id, r.school_id LIMIT ? OFFSET ?"
    )
    with serving.cursor() as cur:
        frame = query(cur, sql, [*params, page_size, (page - 1) * page_size])
        if frame.empty and page > 1:
            counted = f"SELECT count(*) FROM ({sql.split(' ORDER BY ')[0]})"
            total = int(cur.execute(counted, params).fetchall()[0][0])
        else:
            total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
    return StudentPage(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        rows=frame.loc[:, list(STUDENT_ROW_COLUMNS)].reset_index(drop=True),
        total=total,
        page=page,
        page_size=page_size,
        pages=max(1, math.ceil(total / page_size)),
        sort=sort,
        descending=descending,
        per=per,
        newly_at_risk_since=since,
    )


def _group_condition(group: tuple[str, Any]) -> tuple[str, list[Any]]:
    column, value = group
    if column not in GROUP_FILTERS:
        raise ValueError(f"group column must be one of {', '.join(GROUP_FILTERS)}; got {column!r}")
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return f"r.{column} IS NULL", []
    if column in STUDENT_FLAGS:
        flag = labels.as_flag(value)
        if flag is None:
            raise ValueError(f"{column} takes true or false; got {value!r}")
        return f"r.{column} = ?", [flag]
    return f"r.{column} = ?", [str(value)]


def student_search(serving: ServingData, scope: Scope, text: str, limit: int = 20) -> pd.DataFrame:
    """Students whose id starts with the text, or whose first or last name starts with each of
    its words ("ana gar"), among those with a stay at the user's schools; exact id first.
    The text is matched as plain text (no wildcards).

    One row per student (SEARCH_COLUMNS) with their latest stay the user may see.
    """
    clause, params = scope.student_filter("e.school_id")
    words = [w for w in text.lower().split() if w][:4]
    if not words:
        return pd.DataFrame(columns=list(SEARCH_COLUMNS))
    limit = max(1, min(int(limit), MAX_SEARCH))
    whole = " ".join(words)
    name_match = " AND ".join(
        "(starts_with(first_key, ?) OR starts_with(last_key, ?))" for _ in words
    )
    sql = (
        "WITH hits AS (SELECT DISTINCT student_id FROM student_search "
        f"WHERE starts_with(id_key, ?) OR ({name_match})), "
        "stays AS (SELECT e.student_id, e.school_year, e.school_id, e.grade_level, "
        "row_number() OVER (PARTITION BY e.student_id "
        "ORDER BY e.school_year DESC, e.entry_date DESC) AS n "
        f"FROM enrollments e WHERE e.student_id IN (SELECT student_id FROM hits) AND ({clause})) "
        "SELECT s.student_id, r.first_name, r.last_name, s.school_year, s.school_id, "
        "s.grade_level FROM stays s LEFT JOIN roster r "
        "ON r.student_id = s.student_id AND r.school_year = s.school_year WHERE s.n = 1 "
        "ORDER BY lower(s.student_id) = ? DESC, r.last_name, r.first_name, s.student_id LIMIT ?"
    )
    name_params = [w for w in words for _ in range(2)]
    with serving.cursor() as cur:
        frame = query(cur, sql, [whole, *name_params, *params, whole, limit])
    frame = with_school_names(serving, frame)
    return frame.loc[:, list(SEARCH_COLUMNS)]


def student_detail(
    serving: ServingData,
    scope: Scope,
    student_id: str,
    school_year: int | None = None,
    as_of: dt.date | None = None,
) -> StudentDetail:
    """One student's page for a school year (default: their latest with data)."""
    clause, params = scope.student_filter("school_id")
    student_id = str(student_id)
    with serving.cursor() as cur:
        stays = query(
            cur,
            "SELECT school_year, school_id, grade_level, entry_date, exit_date, "
            f"({clause}) AS in_scope FROM enrollments "
            "WHERE student_id = ? ORDER BY school_year, entry_date",
            [*params, student_id],
        )
        if not stays["in_scope"].any():
            raise StudentNotFound
        stays = stays.drop(columns="in_scope")
        years = tuple(sorted({int(y) for y in stays["school_year"]}))
        year = _year(serving, years, school_year)
        through = min(as_of or serving.latest_date, serving.latest_date)
        # The student's days are the page's costliest query (mostly DuckDB planning it), and
        # the same for every user allowed to open the page: kept for the next view. Read only.
        days = serving.cached(
            ("student_days", student_id, year, through),
            lambda: query(
                cur,
                f"SELECT * FROM ({_days_sql(serving)}) AS d "
                "WHERE school_year = $year AND date <= $through ORDER BY date, school_id",
                {"student": student_id, "year": year, "through": through},
            ),
        )
        schools = tuple(sorted(set(stays.loc[stays["school_year"] == year, "school_id"])))
        dates = _dates(serving, cur, year, schools)
        tiers = query(
            cur,
            "SELECT as_of, kind, school_id, grade_level, days_enrolled, days_absent, "
            "absence_rate, eligible, tier FROM student_history "
            "WHERE student_id = ? AND school_year = ? AND as_of <= ? ORDER BY as_of",
            [student_id, year, through],
        )
        cur.execute("SELECT * FROM roster WHERE student_id = ?", [student_id])
        names = [d[0] for d in cur.description]
        person = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    units = serving.units_per_day
    person_row = _person(person, year)
    definition = serving.definition
    stays.insert(1, "school_year_label", stays["school_year"].map(labels.school_year))
    return StudentDetail(
        student_id=student_id,
        first_name=maybe_text(person_row.get("first_name")),
        last_name=maybe_text(person_row.get("last_name")),
        birth_date=person_row.get("birth_date"),
        school_year=year,
        school_year_label=labels.school_year(year),
        school_years=years,
        data_through=serving.latest_date,
        definition_label=definition_label(definition),
        threshold_share=None
        if definition.threshold_share is None
        else float(definition.threshold_share),
        threshold_days=None
        if definition.threshold_days is None
        else float(definition.threshold_days),
        threshold_label=definition.threshold_label,
        units_per_day=units,
        standing=_standing(serving, days),
        calendar=_calendar(serving, dates, days, units),
        categories=_categories(days, units),
        running=days.loc[
            :,
            [
                "date",
                "school_id",
                "days_enrolled",
                "days_absent",
                "absence_rate",
                "eligible",
                "chronically_absent",
                "tier",
            ],
        ].reset_index(drop=True),
        tiers=with_school_names(serving, tiers),
        enrollments=with_school_names(serving, stays),
        demographics=_demographics(person_row),
    )


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


def _person(rows: list[dict[str, Any]], year: int) -> dict[str, Any]:
    """The student's roster row for the year, else the nearest year before it, else after."""
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
    )


def _calendar(
    serving: ServingData, dates: pd.DataFrame, days: pd.DataFrame, units: int
) -> pd.DataFrame:
    # Plain Python: a year is a few hundred dates, where pandas' merges cost more than the rows.
    by_date = {
        r["date"]: r
        for r in days.loc[
            :, ["date", "school_id", "category", "recorded_units", "counted_units"]
        ].to_dict("records")
    }
    latest = serving.latest_date
    columns: dict[str, list[Any]] = {c: [] for c in CALENDAR_COLUMNS}
    for day, instructional in zip(dates["date"], dates["instructional"], strict=True):
        found = by_date.get(day)
        school = found["school_id"] if found else None
        recorded = int(found["recorded_units"]) if found else 0
        counted = int(found["counted_units"]) if found else 0
        values = (
            day,
            found is not None,
            bool(instructional),
            day > latest,
            school,
            serving.school_names.get(school, school) if school else None,
            found["category"] if found else None,
            recorded,
            counted,
            recorded / units,
            counted / units,
        )
        for column, value in zip(CALENDAR_COLUMNS, values, strict=True):
            columns[column].append(value)
    types = {"membership": bool, "instructional": bool, "after_data": bool}
    types |= {"recorded_units": "int64", "counted_units": "int64"}
    types |= {"recorded_days": "float64", "counted_days": "float64"}
    return pd.DataFrame(
        {c: pd.Series(v, dtype=types.get(c, object)) for c, v in columns.items()},
        columns=list(CALENDAR_COLUMNS),
    )


def _categories(days: pd.DataFrame, units: int) -> pd.DataFrame:
    totals: dict[str, list[int]] = {}
    for category, recorded, counted in zip(
        days["category"], days["recorded_units"], days["counted_units"], strict=True
    ):
        if category is None:
            continue
        held = totals.setdefault(category, [0, 0, 0])
        held[0] += 1
        held[1] += int(recorded)
        held[2] += int(counted)
    rows = [
        {
            "category": category,
            "category_label": category_label(category),
            "days": totals[category][0],
            "recorded_days": totals[category][1] / units,
            "counted_days": totals[category][2] / units,
        }
        for category in CATEGORIES
        if category in totals
    ]
    columns = ["category", "category_label", "days", "recorded_days", "counted_days"]
    return pd.DataFrame(rows, columns=columns)


def _demographics(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = [
        ("Sex", labels.group_label("sex", row.get("sex"))),
        ("Race and ethnicity", labels.group_label("race_ethnicity", row.get("race_ethnicity"))),
    ]
    for flag in STUDENT_FLAGS:
        pairs.append((labels.column_label(flag), labels.group_label(flag, row.get(flag))))
    pairs.append(("Home language", labels.group_label("home_language", row.get("home_language"))))
    return tuple(pairs)


__all__ = [
    "GROUP_FILTERS",
    "SEARCH_COLUMNS",
    "SORTS",
    "STUDENT_ROW_COLUMNS",
    "StudentDetail",
    "StudentPage",
    "StudentStanding",
    "student_detail",
    "student_list",
    "student_search",
]
