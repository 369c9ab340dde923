"""The contacts of a SIS export: a guardian (or contacts) export, one contact per row.

A preset's file that feeds `contacts` maps its columns to the contract's (and may give
`first_name` and `last_name` for a SIS that splits the name, or `student_ref` for one that
names the student by its internal number). Without a `contact_id` column, a contact is
numbered within its student in file order (`1001-1`, `1001-2`), and the result says so.
"""

from __future__ import annotations

import pandas as pd

from homeroom.contract.schema import CONTACT_COLUMNS
from homeroom.interop.sis import values
from homeroom.interop.sis.matching import Assembly, col, frames, traced

_PLAIN = ("relationship", "phone", "email", "address_line1", "address_line2", "city", "state",
          "postal_code")  # fmt: skip


def contacts(ctx: Assembly) -> pd.DataFrame:
    frame = ctx.resolve_students(frames(ctx.by_feed["contacts"], "contacts"), "contacts")
    student = col(frame, "student_id")
    out: dict[str, pd.Series] = {"student_id": student, "contact_id": _ids(ctx, frame, student)}
    out["name"] = _names(frame)
    for column in _PLAIN:
        out[column] = col(frame, column)
    out["relationship"] = out["relationship"].map(
        lambda v: " ".join(v.split()).lower() if isinstance(v, str) else v
    )
    out["language"] = col(frame, "language").map(
        lambda v: v.strip().lower() if isinstance(v, str) else v
    )
    for flag in ("may_contact", "is_primary"):
        out[flag] = values.booleans(col(frame, flag), ctx.preset)
    return traced(frame, {c: out[c] for c in CONTACT_COLUMNS})


def _ids(ctx: Assembly, frame: pd.DataFrame, student: pd.Series) -> pd.Series:
    given = col(frame, "contact_id")
    if given.notna().all():
        return given
    number = student.groupby(student.fillna(""), sort=False).cumcount() + 1
    derived = student.astype(object) + "-" + number.astype(str)
    ctx.result.assume(
        "contacts: the export gives no contact id; each contact is numbered within its student "
        "in file order (student id, a dash and 1, 2, …), so a reordered export renumbers them"
    )
    return given.where(given.notna(), derived)


def _names(frame: pd.DataFrame) -> pd.Series:
    """The name column, else first and last name joined."""
    name = col(frame, "name")
    first, last = col(frame, "first_name").fillna(""), col(frame, "last_name").fillna("")
    joined = (first.str.strip() + " " + last.str.strip()).str.strip()
    return name.where(name.notna(), joined.where(joined != "", None))
