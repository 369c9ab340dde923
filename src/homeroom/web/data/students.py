"""The student list: filtered, sorted pages of a snapshot's student rows, scoped.

Each function takes the user's `Scope` and filters with `scope.student_filter()` (which raises
ScopeError for aggregate-only roles), so no page can forget to. Search is in search.py and one
student's page in student_page.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.definitions.profile import TIERS
from homeroom.reports import labels
from homeroom.web.data.common import (
    AT_RISK_OR_WORSE,
    grade_order_sql,
    query,
    tier_order_sql,
    with_year_label,
)
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

STUDENT_ROW_COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "school_id",
    "school_name",
    "school_year",
    "school_year_label",
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
    # Not absences (never in the rate), reported beside them.
    "tardies",
    "tardy_days",
    "early_departures",
    "early_departure_days",
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
ROW_TABLES = ("student_rows", "district_rows")


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


def student_rows_select(scope: Scope, table: str) -> tuple[str, list[Any]]:
    """SELECT STUDENT_ROW_COLUMNS FROM a snapshot's student rows `r` WHERE (the scope) ..."""
    if table not in ROW_TABLES:
        raise ValueError(f"table must be one of {', '.join(ROW_TABLES)}")
    clause, params = scope.student_filter("r.school_id")
    columns = ", ".join(
        "sc.school_name" if c == "school_name" else f"r.{c}"
        for c in STUDENT_ROW_COLUMNS
        if c != "school_year_label"  # made in finished_rows, as labels.school_year writes it
    )
    return (
        f"SELECT {columns} FROM {table} r LEFT JOIN schools sc ON sc.school_id = r.school_id "
        f"WHERE ({clause})",
        list(params),
    )


def finished_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of `student_rows_select` as STUDENT_ROW_COLUMNS: the year's label added."""
    return with_year_label(frame).loc[:, list(STUDENT_ROW_COLUMNS)].reset_index(drop=True)


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
    _check_request(scope, school_id, sort, page_size)
    page = max(1, int(page))
    snapshot = serving.resolve(as_of)
    # Users who see every school read one row per student; staff (or a school filter) read
    # the rows of each school, so a mover's other school never shows through.
    per = "district" if school_id is None and scope.school_ids is None else "school"
    table = "district_rows" if per == "district" else "student_rows"
    select, params = student_rows_select(scope, table)
    conditions, values = _filters(school_id, grade, tier, group)
    since = None if newly_at_risk_since is None else serving.resolve(newly_at_risk_since).as_of
    if since is not None:
        conditions.append(_newly_at_risk(table, per))
        values.append(since)
    direction = "DESC" if descending else "ASC"
    order = ", ".join(f"{e} {direction} NULLS LAST" for e in SORTS[sort])
    sql = (
        f"{select.replace('SELECT ', 'SELECT count(*) OVER () AS total_rows, ', 1)} "
        f"AND r.as_of = ? {''.join(f' AND {c}' for c in conditions)} "
        f"ORDER BY {order}, r.student_id, r.school_id LIMIT ? OFFSET ?"
    )
    params = [*params, snapshot.as_of, *values]
    frame, total = _one_page(serving, sql, params, page, page_size)
    return StudentPage(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        rows=finished_rows(frame),
        total=total,
        page=page,
        page_size=page_size,
        pages=max(1, math.ceil(total / page_size)),
        sort=sort,
        descending=descending,
        per=per,
        newly_at_risk_since=since,
    )


def _check_request(scope: Scope, school_id: str | None, sort: str, page_size: int) -> None:
    scope.require_students()
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}; got {page_size}")
    if school_id is not None:
        scope.require_school(str(school_id))


def _filters(
    school_id: str | None, grade: str | None, tier: str | None, group: tuple[str, Any] | None
) -> tuple[list[str], list[Any]]:
    """SQL conditions on the rows `r` and their parameters, one per filter given."""
    conditions: list[str] = []
    params: list[Any] = []
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
    return conditions, params


def _newly_at_risk(table: str, per: str) -> str:
    """At risk or worse now, and not as of the earlier date (its parameter)."""
    worse = ", ".join(f"'{t}'" for t in AT_RISK_OR_WORSE)
    same_unit = "AND t.school_id = r.school_id" if per == "school" else ""
    return (
        f"r.tier IN ({worse}) AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.as_of = ? "
        f"AND t.student_id = r.student_id AND t.district_id = r.district_id {same_unit} "
        f"AND t.tier IN ({worse}))"
    )


def _one_page(
    serving: ServingData, sql: str, params: list[Any], page: int, page_size: int
) -> tuple[pd.DataFrame, int]:
    """The page's rows and the count of every match."""
    with serving.cursor() as cur:
        frame = query(cur, sql, [*params, page_size, (page - 1) * page_size])
        if frame.empty and page > 1:
            counted = f"SELECT count(*) FROM ({sql.split(' ORDER BY ')[0]})"
            total = int(cur.execute(counted, params).fetchall()[0][0])
        else:
            total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
    return frame, total


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


__all__ = [
    "GROUP_FILTERS",
    "SORTS",
    "STUDENT_ROW_COLUMNS",
    "StudentPage",
    "finished_rows",
    "student_list",
    "student_rows_select",
]
