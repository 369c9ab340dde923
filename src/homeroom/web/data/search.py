"""Finding a student by id or name among the students the user may see.

The text comes in a POST body (never an address), is matched as plain text (no wildcards)
and is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from homeroom.web.data.common import query, with_school_names
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

SEARCH_COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "school_year",
    "school_id",
    "school_name",
    "grade_level",
)
MAX_SEARCH = 100


@dataclass(frozen=True)
class StudentSearch:
    """The first `limit` matches (`rows`: SEARCH_COLUMNS) of `total`; more means refine."""

    rows: pd.DataFrame
    total: int
    limit: int

    @property
    def cut(self) -> bool:
        """Whether some matches were left out."""
        return self.total > len(self.rows)


def student_search(serving: ServingData, scope: Scope, text: str, limit: int = 20) -> StudentSearch:
    """Students whose id starts with the text, or whose first or last name starts with each of
    its words ("ana gar"), among those with a stay at the user's schools; exact id first.
    The text is matched as plain text (no wildcards).

    One row per student (SEARCH_COLUMNS) with their latest stay the user may see, and how many
    students match in all.
    """
    clause, params = scope.student_filter("e.school_id")
    limit = max(1, min(int(limit), MAX_SEARCH))
    words = [w for w in text.lower().split() if w][:4]
    if not words:
        return StudentSearch(pd.DataFrame(columns=list(SEARCH_COLUMNS)), 0, limit)
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
        "SELECT count(*) OVER () AS total_rows, s.student_id, r.first_name, r.last_name, "
        "s.school_year, s.school_id, s.grade_level FROM stays s LEFT JOIN roster r "
        "ON r.student_id = s.student_id AND r.school_year = s.school_year WHERE s.n = 1 "
        "ORDER BY lower(s.student_id) = ? DESC, r.last_name, r.first_name, s.student_id LIMIT ?"
    )
    name_params = [w for w in words for _ in range(2)]
    with serving.cursor() as cur:
        frame = query(cur, sql, [whole, *name_params, *params, whole, limit])
    total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
    frame = with_school_names(serving, frame.drop(columns="total_rows"))
    return StudentSearch(frame.loc[:, list(SEARCH_COLUMNS)], total, limit)


__all__ = ["MAX_SEARCH", "SEARCH_COLUMNS", "StudentSearch", "student_search"]
