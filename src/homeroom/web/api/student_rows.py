"""The API's student list: each student in the caller's scope once, at their latest stay in
scope, with the district-wide absence rate and tier as of the data's latest date.

School staff and administrators list the students enrolled in the school year of the data's
latest date (a student who left years ago is not on today's list, though their record still
opens by id); a partner lists every student with a consent in force, whatever the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from homeroom.web.data.common import query
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


@dataclass(frozen=True)
class StudentRows:
    rows: pd.DataFrame  # student_id, first_name, last_name, school_id, grade_level, rate, tier
    total: int
    as_of: Any


def student_rows(
    serving: ServingData, scope: Scope, *, school_id: str | None, limit: int, offset: int
) -> StudentRows:
    """One page of the caller's students, by student id."""
    clause, params = scope.student_filter("e.school_id")
    conditions = [f"({clause})"]
    values: list[Any] = list(params)
    if not scope.is_partner:
        conditions.append("e.school_year = ?")
        values.append(serving.school_year_of(serving.latest_date))
    if school_id is not None:
        conditions.append("e.school_id = ?")
        values.append(str(school_id))
    snapshot = serving.resolve()
    stays = (
        "WITH stays AS (SELECT e.student_id, e.school_id, e.grade_level, e.school_year, "
        "row_number() OVER (PARTITION BY e.student_id "
        "ORDER BY e.school_year DESC, e.entry_date DESC, e.school_id) AS n "
        f"FROM enrollments e WHERE {' AND '.join(conditions)}) "
    )
    page = (
        f"{stays}, names AS (SELECT student_id, arg_max(first_name, school_year) AS first_name, "
        "arg_max(last_name, school_year) AS last_name FROM roster GROUP BY student_id) "
        "SELECT s.student_id, nm.first_name, nm.last_name, s.school_id, s.grade_level, "
        "d.absence_rate, d.tier "
        "FROM stays s LEFT JOIN names nm ON nm.student_id = s.student_id "
        "LEFT JOIN schools sc ON sc.school_id = s.school_id "
        "LEFT JOIN district_rows d ON d.student_id = s.student_id AND d.as_of = ? "
        "AND d.district_id = sc.district_id "
        "WHERE s.n = 1 ORDER BY s.student_id LIMIT ? OFFSET ?"
    )
    with serving.cursor() as cur:
        total = int(
            cur.execute(f"{stays} SELECT count(*) FROM stays WHERE n = 1", values).fetchall()[0][0]
        )
        frame = query(cur, page, [*values, snapshot.as_of, limit, offset])
    return StudentRows(frame, total, snapshot.as_of)


def full_name(first: Any, last: Any) -> str | None:
    parts = [str(p) for p in (first, last) if p is not None and not pd.isna(p) and str(p)]
    return " ".join(parts) or None
