"""A partner's list of students (web/data/partner.py) on the hand-made district of
data/district.py: the consented students only, at their latest stay, with the rate and tier
only where the consent covers `attendance_summary`; and last year's rate
(web/data/casework.last_year) worked out by hand."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from homeroom.web.data.casework import LastYear, last_year
from homeroom.web.data.partner import partner_students
from homeroom.web.scope import Scope

SUMMARY = frozenset({"attendance_summary"})


def test_the_consented_students_with_the_summary_only_where_covered(serving) -> None:  # noqa: ANN001
    scope = Scope.partner(
        "clinic.kim", 7, {"M01": SUMMARY, "B01": frozenset({"contacts"}), "A02": SUMMARY}
    )
    rows = partner_students(serving, scope).to_dict("records")
    # By last name: Hale, Khan, Lee; nobody else of the district.
    assert [(r["student_id"], r["last_name"]) for r in rows] == [
        ("B01", "Hale"),
        ("M01", "Khan"),
        ("A02", "Lee"),
    ]
    hale, khan, lee = rows
    # Mo Khan moved from S1 to S2 on 1 November: his latest stay is at S2.
    assert (khan["school_id"], khan["school_name"], khan["grade_level"]) == (
        "S2",
        serving.school_names["S2"],
        "05",
    )
    assert (khan["as_of"], khan["days_enrolled"], khan["days_absent"]) == (
        dt.date(2024, 11, 15),
        55,
        4,
    )
    assert khan["absence_rate"] == pytest.approx(float(Fraction(4, 55)))
    assert khan["tier"] == "at_risk"
    assert (lee["school_id"], lee["days_absent"], lee["tier"]) == ("S1", 3, "at_risk")
    # Gia Hale's consent covers her contacts only: no rate, tier or days.
    assert (hale["school_id"], hale["first_name"]) == ("S2", "Gia")
    assert [hale[c] for c in ("as_of", "days_enrolled", "days_absent", "absence_rate", "tier")] == [
        None
    ] * 5


def test_a_partner_without_consents_has_no_students(serving) -> None:  # noqa: ANN001
    assert partner_students(serving, Scope.partner("p", 7, {})).empty


def test_last_years_rate_is_the_previous_years_end(serving) -> None:  # noqa: ANN001
    # A02 missed 2-11 October 2023: 8 of 80 days, 10%, moderate chronic at the year's end.
    assert last_year(serving, "A02", 2025) == LastYear(
        2024, dt.date(2023, 12, 22), 80, 8.0, pytest.approx(0.1), "moderate_chronic"
    )
    assert last_year(serving, "A04", 2025) is None  # no stay in 2023-24
