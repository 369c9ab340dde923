"""Finding a student by id or name, within the user's scope (district.py)."""

from __future__ import annotations

import datetime as dt

from homeroom.web.data import (
    student_search,
)
from homeroom.web.scope import Scope

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
STAFF_NONE = Scope.of("nobody", "school_staff")
VIEWER = Scope.of("viewer", "district_viewer")
ANALYST = Scope.of("analyst", "state_analyst")
SEP30 = dt.date(2024, 9, 30)


def test_search_by_id_or_name_within_scope(serving):
    def found(scope, text, **kwargs):  # noqa: ANN001, ANN202
        return student_search(serving, scope, text, **kwargs).rows

    assert list(found(ADMIN, "ana")["student_id"]) == ["A01"]
    assert list(found(ADMIN, "GAR")["student_id"]) == ["A01"]
    assert list(found(ADMIN, "ida moss")["student_id"]) == ["B03"]
    assert list(found(ADMIN, "a0", limit=3)["student_id"]) == [
        "A03",
        "A01",
        "A02",
    ]  # fmt: skip  (by last name: Diaz, Garcia, Lee)
    exact = found(ADMIN, "m01")
    assert list(exact["student_id"]) == ["M01"]
    assert (exact["school_id"].iloc[0], exact["school_year"].iloc[0]) == ("S2", 2025)
    assert found(ADMIN, "%").empty  # a wildcard is a plain character
    assert found(ADMIN, "   ").empty
    assert list(found(STAFF_S2, "mo")["student_id"]) == ["M01", "B03"]
    assert found(STAFF_S2, "ana").empty


def test_search_says_how_many_match_beyond_its_limit(serving):
    cut = student_search(serving, ADMIN, "a0", limit=3)
    assert (len(cut.rows), cut.total, cut.limit, cut.cut) == (3, 6, 3, True)  # A01 to A06
    whole = student_search(serving, ADMIN, "a0")
    assert (len(whole.rows), whole.total, whole.cut) == (6, 6, False)
    assert student_search(serving, STAFF_S2, "a0").total == 0  # A-students are all at S1
