"""What the letters say about each student, as of a date, read once for a whole batch.

One row per student and school of the as-of date's school year: the days absent as the
definition counts them, the attendance tier, the absence rate now and 30 days earlier (for
"improved"), the median days absent among classmates in the same grade and school, and the
child's first name and home language. Contacts come from the load's `contacts` table; the
school's phone from homeroom.toml (`[outreach.schools.<school_id>] phone`, else
`[outreach] phone` for the whole district): the canonical `schools` table has no phone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from homeroom.engine import to_frame
from homeroom.pipeline import metrics_expression
from homeroom.resolver import Resolved

MONTH = dt.timedelta(days=30)  # "the last month": the rate now against the rate 30 days before
_KEEP = ["student_id", "school_id", "school_name", "grade_level", "days_enrolled", "days_absent"]
_KEEP += ["absence_rate", "eligible", "tier", "school_year"]


def student_rows(resolved: Resolved, as_of: dt.date, school_id: str | None = None) -> pd.DataFrame:
    """Per student and school of the as-of date's year, with `rate_before` and
    `classmates_median` (the median days absent of the eligible students of that grade and
    school, the student included), `first_name` and `home_language`."""
    with resolved.tables() as tables:
        now = to_frame(metrics_expression(tables, resolved.definition, as_of=as_of))
        before = to_frame(metrics_expression(tables, resolved.definition, as_of=as_of - MONTH))
    if now.empty:
        return pd.DataFrame(columns=[*_KEEP, "rate_before", "classmates_median"])
    year = now["school_year"].max()
    rows = now.loc[now["school_year"] == year, _KEEP].copy()
    earlier = before.loc[before["school_year"] == year, ["student_id", "school_id"]].copy()
    earlier["rate_before"] = before.loc[before["school_year"] == year, "absence_rate"]
    rows = rows.merge(earlier, on=["student_id", "school_id"], how="left")
    counted = rows.loc[rows["eligible"].astype(bool)]
    medians = counted.groupby(["school_id", "grade_level"])["days_absent"].median()
    rows = rows.merge(
        medians.rename("classmates_median").reset_index(), on=["school_id", "grade_level"],
        how="left",
    )  # fmt: skip
    rows = rows.merge(_students(resolved), on="student_id", how="left")
    if school_id is not None:
        rows = rows.loc[rows["school_id"] == str(school_id)]
    return rows.sort_values(["school_id", "student_id"]).reset_index(drop=True)


def _columns(resolved: Resolved, table: str) -> set[str]:
    found = resolved.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {str(name) for (name,) in found}


def _students(resolved: Resolved) -> pd.DataFrame:
    """Each student's first name and home language (the latest year's row where per year)."""
    have = _columns(resolved, "students")
    pick = [f"{c}" if c in have else f"NULL AS {c}" for c in ("first_name", "home_language")]
    order = "ORDER BY school_year DESC NULLS LAST" if "school_year" in have else ""
    frame = resolved.con.execute(
        f"SELECT student_id, {', '.join(pick)} FROM ("
        f"SELECT *, row_number() OVER (PARTITION BY student_id {order}) AS _n FROM students"
        ") WHERE _n = 1"
    ).df()
    return frame.astype({"student_id": str})


def contacts(resolved: Resolved) -> pd.DataFrame:
    """The load's contacts (none when the dataset had no contacts table), primary first."""
    columns = ["student_id", "contact_id", "name", "email", "phone", "language"]
    columns += ["address_line1", "address_line2", "city", "state", "postal_code"]
    columns += ["may_contact", "is_primary"]
    if not _columns(resolved, "contacts"):
        return pd.DataFrame(columns=columns)
    frame = resolved.con.execute(
        f"SELECT {', '.join(columns)} FROM contacts "
        "ORDER BY student_id, is_primary DESC, name, contact_id"
    ).df()
    return frame.astype({"student_id": str, "contact_id": str})


def school_phone(resolved: Resolved, school_id: str) -> str | None:
    """The school's phone for families, from homeroom.toml's [outreach] settings."""
    settings: dict[str, Any] = resolved.workspace.settings if resolved.workspace else {}
    outreach = settings.get("outreach", {}) or {}
    school = (outreach.get("schools", {}) or {}).get(str(school_id), {}) or {}
    phone = school.get("phone") or outreach.get("phone")
    return str(phone) if phone else None
