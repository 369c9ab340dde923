"""Who each kind of letter is for, as of a date (docs/outreach.md, "The kinds").

- `recognition`: satisfactory attendance (the definition's lowest tier), or an absence rate
  that fell by 2 points or more over the last 30 days.
- `nudge`: at risk or chronically absent so far this year (any tier above satisfactory).
- `invitation`: an open tier-2 plan, or no open plan and the early-warning rules suggest tier 2.
- `intensive`: an open tier-3 plan (the letter is written with its owner, the case manager).

Only students counted in a rate (enough days enrolled) get `recognition` or `nudge`: a rate
over three days says little. Then each student needs a contact who may be contacted and no
letter of the same kind in the last 30 days; the others are skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

IMPROVED_POINTS = Fraction(2, 100)  # a fall of 2 percentage points in the absence rate
NO_CONTACT = "no contact"
MAY_NOT_CONTACT = "may not contact"
RECENT = "sent in the last 30 days"
SKIP_REASONS = (NO_CONTACT, MAY_NOT_CONTACT, RECENT)


def fits(
    kind: str,
    rows: pd.DataFrame,
    plan_tiers: Mapping[str, int],
    suggested_tiers: Mapping[str, int],
) -> pd.Series:
    """Whether each row (student and school) is one KIND is for.

    `plan_tiers`: student id -> tier of the open plan; `suggested_tiers`: student id -> the
    highest tier the early-warning rules suggest.
    """
    counted = rows["eligible"].fillna(False).astype(bool)
    students = rows["student_id"].astype(str)
    if kind == "recognition":
        return counted & ((rows["tier"] == "satisfactory") | improved(rows))
    if kind == "nudge":
        return counted & rows["tier"].notna() & (rows["tier"] != "satisfactory")
    plan = students.map(lambda s: plan_tiers.get(s))
    if kind == "invitation":
        suggested = students.map(lambda s: suggested_tiers.get(s))
        return (plan == 2) | (plan.isna() & (suggested == 2))
    if kind == "intensive":
        return plan == 3
    raise ValueError(f"kind must be one of recognition, nudge, invitation, intensive; got {kind!r}")


def improved(rows: pd.DataFrame) -> pd.Series:
    """The absence rate fell by 2 points or more since 30 days before (exact: no rounding at
    the cut, so 0.12 -> 0.10 is improved)."""

    def fell(now: object, before: object) -> bool:
        if pd.isna(now) or pd.isna(before):  # type: ignore[call-overload]
            return False
        drop = Fraction(str(before)) - Fraction(str(now))
        return drop >= IMPROVED_POINTS

    return pd.Series(
        [fell(n, b) for n, b in zip(rows["absence_rate"], rows["rate_before"], strict=True)],
        index=rows.index,
        dtype=bool,
    )


def pick_contact(contacts: pd.DataFrame) -> tuple[pd.Series | None, str | None]:
    """The contact to write to among a student's contacts (primary first), or why none.

    `contacts` is ordered primary first, then by name: the first who may be contacted wins.
    """
    if contacts.empty:
        return None, NO_CONTACT
    allowed = contacts.loc[contacts["may_contact"].fillna(True).astype(bool)]
    if allowed.empty:
        return None, MAY_NOT_CONTACT
    return allowed.iloc[0], None
