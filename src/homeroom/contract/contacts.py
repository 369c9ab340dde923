"""Checks of the optional contacts table: families' contact details, one row per contact.

A contact must name a student of the students table, once per (student_id, contact_id). A bad
email or language is kept empty (the contact can still be called); a yes/no flag that is
neither rejects the row, because reading `may_contact = maybe` as "yes" would call a family
that asked not to be. A student has at most one primary contact: later ones are kept as not
primary, and said so. No reason quotes a value: every column but the ids is personal.
"""

from __future__ import annotations

from homeroom.contract.fields import sql_text
from homeroom.contract.readers import RawTable
from homeroom.contract.stages import (
    REQUIRED,
    SOFT,
    STRICT,
    Field,
    dup_reason,
    keep_first,
    parse_stage,
)
from homeroom.contract.work import Work, fail

_SOFT_TEXT = ("relationship", "phone", "address_line1", "address_line2", "city", "state")


def check_contacts(work: Work, raw: RawTable, *, students: str) -> str:
    """The contacts kept, with may_contact (default true) and is_primary (default false) set.

    `students` is the final students relation: a contact of a student who was set aside is
    set aside too.
    """
    work.say("checking contacts")
    fields = [
        Field("student_id", "str", REQUIRED),
        Field("contact_id", "str", REQUIRED),
        Field("name", "str", REQUIRED),
        *(Field(name, "str", SOFT) for name in _SOFT_TEXT),
        Field("postal_code", "str", SOFT),
        Field("email", "email", SOFT),
        Field("language", "language", SOFT),
        Field("may_contact", "bool", STRICT),
        Field("is_primary", "bool", STRICT),
    ]
    parsed = parse_stage(work, raw, fields, noun="contact")
    known = _known_students(work, raw.label, parsed, students)
    unique = keep_first(
        work, "contacts", raw.label, "contacts_unique", known, ["student_id", "contact_id"],
        col="contact_id", reason=dup_reason("student_id and contact_id"),
    )  # fmt: skip
    return _one_primary(work, raw.label, unique)


def _known_students(work: Work, file: str, parsed: str, students: str) -> str:
    """A contact of a student not in `students` is set aside; only those lines are copied."""
    unknown_student = fail("student_id", "'student_id is not in students'", "unknown student")
    unknown = work.table(
        "contacts_linked_all",
        f"SELECT s._line, {unknown_student} AS _fail "
        f"FROM {parsed} s ANTI JOIN (SELECT DISTINCT student_id FROM {students}) st "
        "ON st.student_id = s.student_id",
    )
    if not work.reject("contacts", file, unknown):
        return parsed
    return work.view("contacts_linked", f"SELECT * FROM {parsed} ANTI JOIN {unknown} USING (_line)")


def _one_primary(work: Work, file: str, contacts: str) -> str:
    """Defaults filled in; a student's second primary contact kept as not primary, reported.

    The first primary (lowest line) of each student is found on the narrow rows; the wide
    rows are read, not copied.
    """
    firsts = work.table(
        "contacts_ranked",
        f"SELECT student_id, min(_line) AS _first_primary FROM {contacts} WHERE is_primary "
        "GROUP BY student_id",
    )
    work.add(
        f"SELECT 'contacts', {sql_text(file)}, c._line, 'is_primary', "
        "'the student already has a primary contact (line ' || p._first_primary || '); "
        "kept this contact as not primary', 'second primary contact', FALSE "
        f"FROM {contacts} c JOIN {firsts} p USING (student_id) "
        "WHERE c.is_primary AND c._line <> p._first_primary"
    )
    return work.view(
        "contacts_final",
        "SELECT c.* EXCLUDE (may_contact, is_primary), coalesce(c.may_contact, TRUE) AS "
        "may_contact, (coalesce(c.is_primary, FALSE) AND c._line = p._first_primary) AS "
        f"is_primary FROM {contacts} c LEFT JOIN {firsts} p USING (student_id)",
    )
