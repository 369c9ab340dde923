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
    check_stage,
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
    known = check_stage(
        work, "contacts", raw.label, "contacts_linked", parsed,
        [("st.student_id IS NULL", fail("student_id", "'student_id is not in students'",
                                        "unknown student"))],
        joins=f"LEFT JOIN (SELECT DISTINCT student_id FROM {students}) st "
        "ON st.student_id = s.student_id",
    )  # fmt: skip
    unique = keep_first(
        work, "contacts", raw.label, "contacts_unique", known, ["student_id", "contact_id"],
        col="contact_id", reason=dup_reason("student_id and contact_id"),
    )  # fmt: skip
    return _one_primary(work, raw.label, unique)


def _one_primary(work: Work, file: str, contacts: str) -> str:
    """Defaults filled in; a student's second primary contact kept as not primary, reported."""
    ranked = work.table(
        "contacts_ranked",
        "SELECT * EXCLUDE (may_contact, is_primary), coalesce(may_contact, TRUE) AS may_contact, "
        "coalesce(is_primary, FALSE) AS _primary_given, "
        "first_value(CASE WHEN is_primary THEN _line END IGNORE NULLS) OVER ("
        "PARTITION BY student_id ORDER BY _line "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS _first_primary "
        f"FROM {contacts}",
    )
    demoted = "_primary_given AND _line <> _first_primary"
    work.add(
        f"SELECT 'contacts', {sql_text(file)}, _line, 'is_primary', "
        "'the student already has a primary contact (line ' || _first_primary || '); "
        "kept this contact as not primary', 'second primary contact', FALSE "
        f"FROM {ranked} WHERE {demoted}"
    )
    return work.view(
        "contacts_final",
        f"SELECT * EXCLUDE (_primary_given, _first_primary), "
        f"(_primary_given AND NOT ({demoted})) AS is_primary FROM {ranked}",
    )
