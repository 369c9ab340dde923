"""Who each kind of letter is for, on hand-made rows, and which contact it goes to."""

from __future__ import annotations

import pandas as pd
import pytest

from homeroom.outreach import eligibility

# student, counted in a rate, tier, rate now, rate 30 days before
ROWS = pd.DataFrame(
    [
        ("S1", True, "satisfactory", 0.02, 0.03),
        ("S2", True, "at_risk", 0.06, 0.08),  # fell exactly 2 points: improved
        ("S3", True, "moderate_chronic", 0.12, 0.139),  # fell 1.9 points: not improved
        ("S4", True, "severe_chronic", 0.25, None),  # no rate a month ago
        ("S5", False, "satisfactory", 0.0, None),  # too few days to count
        ("S6", True, "at_risk", 0.07, 0.05),
    ],
    columns=["student_id", "eligible", "tier", "absence_rate", "rate_before"],
)
PLANS = {"S3": 2, "S4": 3}  # open plans' tiers
SUGGESTED = {"S2": 2, "S3": 3, "S6": 3, "S1": 2}


def _who(kind: str) -> list[str]:
    chosen = eligibility.fits(kind, ROWS, PLANS, SUGGESTED)
    return ROWS.loc[chosen, "student_id"].tolist()


@pytest.mark.parametrize(
    ("kind", "students"),
    [
        ("recognition", ["S1", "S2"]),  # satisfactory, or 2 points better
        ("nudge", ["S2", "S3", "S4", "S6"]),  # at risk or chronic, counted
        ("invitation", ["S1", "S2", "S3"]),  # tier-2 plan (S3), or no plan and tier 2 suggested
        ("intensive", ["S4"]),  # tier-3 plan
    ],
)
def test_each_kind_goes_to_the_students_it_fits(kind, students):
    assert _who(kind) == students


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        eligibility.fits("warning", ROWS, PLANS, SUGGESTED)


def _contacts(*rows: tuple[str, object]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["contact_id", "may_contact"])


def test_the_first_contact_who_may_be_contacted_gets_the_letter():
    chosen, why = eligibility.pick_contact(_contacts(("G1", False), ("G2", None), ("G3", True)))
    assert (chosen["contact_id"], why) == ("G2", None)  # an empty may_contact means yes


@pytest.mark.parametrize(
    ("contacts", "reason"),
    [(_contacts(), "no contact"), (_contacts(("G1", False)), "may not contact")],
)
def test_a_student_without_a_contact_to_write_to_is_skipped_with_the_reason(contacts, reason):
    assert eligibility.pick_contact(contacts) == (None, reason)
