"""The students a community partner may see: those referred to it with a family's consent in
force today (the partner's Scope carries them, read afresh every request), with their name,
school and grade always, and their absence rate and tier only where the consent covers
`attendance_summary`.
"""

from __future__ import annotations

import pandas as pd

from homeroom.web.data.common import query
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

SUMMARY = "attendance_summary"
COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "school_id",
    "school_name",
    "grade_level",
    "school_year",
    "as_of",
    "days_enrolled",
    "days_absent",
    "absence_rate",
    "tier",
)
SUMMARY_COLUMNS = ("as_of", "days_enrolled", "days_absent", "absence_rate", "tier")


def partner_students(serving: ServingData, scope: Scope) -> pd.DataFrame:
    """One row a consented student: the latest stay (year, then entry), the roster's name of
    that year, and the district-wide standing at the latest date of that year (left empty
    where the consent does not cover the attendance summary). Ordered by name."""
    if not scope.is_partner:
        raise ValueError("partner_students is for a partner's scope")
    clause, params = scope.student_filter("e.school_id")
    if not params:
        return pd.DataFrame({c: [] for c in COLUMNS})
    with serving.cursor() as cur:
        rows = query(
            cur,
            "WITH stays AS (SELECT e.student_id, e.school_id, e.grade_level, e.school_year, "
            "row_number() OVER (PARTITION BY e.student_id ORDER BY e.school_year DESC, "
            "e.entry_date DESC, e.school_id) AS n FROM enrollments e "
            f"WHERE {clause}), "
            "latest AS (SELECT * FROM stays WHERE n = 1), "
            "standing AS (SELECT h.student_id, h.as_of, h.days_enrolled, h.days_absent, "
            "h.absence_rate, h.tier, row_number() OVER (PARTITION BY h.student_id "
            "ORDER BY h.as_of DESC) AS n FROM student_history h JOIN latest l "
            "ON l.student_id = h.student_id AND l.school_year = h.school_year) "
            "SELECT l.student_id, r.first_name, r.last_name, l.school_id, l.grade_level, "
            "l.school_year, s.as_of, s.days_enrolled, s.days_absent, s.absence_rate, s.tier "
            "FROM latest l LEFT JOIN roster r ON r.student_id = l.student_id "
            "AND r.school_year = l.school_year "
            "LEFT JOIN standing s ON s.student_id = l.student_id AND s.n = 1 "
            "ORDER BY r.last_name, r.first_name, l.student_id",
            params,
        )
    rows.insert(
        4, "school_name", [serving.school_names.get(str(s), str(s)) for s in rows["school_id"]]
    )
    for column in SUMMARY_COLUMNS:
        rows[column] = rows[column].astype(object)
    for i, student_id in enumerate(rows["student_id"]):
        if not scope.allows_field(str(student_id), SUMMARY):
            for column in SUMMARY_COLUMNS:
                rows.at[i, column] = None
    return rows.loc[:, list(COLUMNS)]


__all__ = ["partner_students"]
