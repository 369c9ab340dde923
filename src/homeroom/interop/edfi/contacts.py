"""contacts: Ed-Fi parents (Data Standard 3 and 4) or contacts (5) and their student associations.

Data Standard 5 renamed Parent to Contact (`parentUniqueId` → `contactUniqueId`,
StudentParentAssociation → StudentContactAssociation); both are read. One row per association:
the person gives the name, phone, email, address and language, the association the
relationship, whether the family may be contacted and whether this is the primary contact.
Where a person has several phones, emails or addresses, the primary or home one is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from homeroom.contract.schema import CONTACT_COLUMNS
from homeroom.interop.edfi import vocab
from homeroom.interop.edfi.descriptors import code_value
from homeroom.interop.edfi.resources import Record, Resources, field, items, text, where
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult

COLUMNS = (*CONTACT_COLUMNS, SOURCE_FILE, SOURCE_LINE)
# A restriction that forbids contact (free text in Ed-Fi): "No contact", "Do not contact",
# "Court order", "Restraining order". Others ("Call after 5 pm") leave may_contact true.
_NO_CONTACT = re.compile(
    r"\b(no|not|never)\b[^.;]*\bcontact|\bcourt\b|\brestrain|\bprotective order", re.IGNORECASE
)


_TRUE = ("true", "1", "yes")  # Ed-Fi booleans as JSON, XML and ODS rows give them


@dataclass(frozen=True)
class _Standard:
    """Where one Data Standard keeps its people and their student links."""

    people: str
    associations: str
    reference: str
    unique_id: str


STANDARDS = (
    _Standard("parents", "studentParentAssociations", "parentReference", "parentUniqueId"),
    _Standard("contacts", "studentContactAssociations", "contactReference", "contactUniqueId"),
)


def contacts_table(resources: Resources, result: ImportResult) -> pd.DataFrame | None:
    """The contacts table, or None when the source holds no parents or contacts at all."""
    if not any(resources.get(s.associations) or resources.get(s.people) for s in STANDARDS):
        return None
    rows: list[dict] = []
    for standard in STANDARDS:
        people = _people(resources.get(standard.people, []), standard, result)
        for record in resources.get(standard.associations, []):
            row = _row(record, standard, people, result)
            if row is not None:
                rows.append(row)
    restricted = sum(1 for r in rows if r["may_contact"] == "false")
    if restricted:
        result.note(
            f"contacts: {restricted:,} contact(s) with a contactRestrictions that forbids "
            "contact were given may_contact false"
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _people(records: list[Record], standard: _Standard, result: ImportResult) -> dict[str, Record]:
    people: dict[str, Record] = {}
    for record in records:
        person = text(record.get(standard.unique_id))
        if person is None:
            file, line = where(record)
            result.reject("contacts", file, line, "contact_id", f"{standard.unique_id} is empty")
            continue
        people.setdefault(person, record)
    return people


def _row(
    record: Record, standard: _Standard, people: dict[str, Record], result: ImportResult
) -> dict | None:
    file, line = where(record)
    student = field(record, "studentReference", "studentUniqueId")
    person_id = field(record, standard.reference, standard.unique_id)
    if student is None or person_id is None:
        missing = "student_id" if student is None else "contact_id"
        result.reject("contacts", file, line, missing, f"{standard.associations}: no {missing}")
        return None
    person = people.get(person_id)
    if person is None:
        result.reject(
            "contacts", file, line, "contact_id",
            f"{standard.unique_id} {person_id} is not in {standard.people}",
        )  # fmt: skip
        return None
    name = " ".join(
        part for part in (text(person.get("firstName")), text(person.get("lastSurname"))) if part
    )
    return {
        "student_id": student,
        "contact_id": person_id,
        "name": name or None,  # validation sets a nameless contact aside
        "relationship": relationship(text(record.get("relationDescriptor"))),
        "phone": _phone(person),
        "email": _email(person),
        "language": _language(person),
        **_address(person),
        "may_contact": _may_contact(record),
        "is_primary": _is_primary(record),
        SOURCE_FILE: file,
        SOURCE_LINE: line,
    }


def relationship(descriptor: str | None) -> str | None:
    """`…RelationDescriptor#Mother` → `mother`; `#StepFather` → `step father`."""
    if not descriptor:
        return None
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code_value(descriptor))
    return " ".join(words.split()).lower() or None


def _best(records: list[Record], rank: Callable[[Record], tuple]) -> Record | None:
    return min(records, key=rank) if records else None


def _kind(record: Record, descriptor: str) -> str:
    return vocab.key(text(record.get(descriptor)))


def _priority(record: Record) -> int:
    order = text(record.get("orderOfPriority"))
    return int(order) if order and order.isdigit() else 99


def _phone(person: Record) -> str | None:
    kinds = ("home", "mobile", "work")
    best = _best(
        [p for p in items(person, "telephones") if text(p.get("telephoneNumber"))],
        lambda p: (
            _priority(p),
            _rank_of(_kind(p, "telephoneNumberTypeDescriptor"), kinds),
        ),
    )
    return text(best.get("telephoneNumber")) if best else None


def _email(person: Record) -> str | None:
    kinds = ("home/personal", "personal", "home", "work")
    best = _best(
        [e for e in items(person, "electronicMails") if text(e.get("electronicMailAddress"))],
        lambda e: (
            (text(e.get("primaryEmailAddressIndicator")) or "").lower() not in _TRUE,
            _rank_of(_kind(e, "electronicMailTypeDescriptor"), kinds),
        ),
    )
    return text(best.get("electronicMailAddress")) if best else None


def _address(person: Record) -> dict[str, str | None]:
    kinds = ("home", "physical", "mailing")
    best = _best(
        [a for a in items(person, "addresses") if text(a.get("streetNumberName"))],
        lambda a: (_rank_of(_kind(a, "addressTypeDescriptor"), kinds),),
    )
    best = best or {}
    state = text(best.get("stateAbbreviationDescriptor"))
    return {
        "address_line1": text(best.get("streetNumberName")),
        "address_line2": text(best.get("apartmentRoomSuiteNumber")),
        "city": text(best.get("city")),
        "state": code_value(state) if state else None,
        "postal_code": text(best.get("postalCode")),
    }


def _rank_of(kind: str, preferred: tuple[str, ...]) -> int:
    return preferred.index(kind) if kind in preferred else len(preferred)


def _language(person: Record) -> str | None:
    """The person's home language if one is marked, else the first listed (ISO 639-1)."""
    languages = items(person, "languages")
    for item in languages:
        uses = [vocab.key(text(u.get("languageUseDescriptor"))) for u in items(item, "uses")]
        if any("home" in u for u in uses):
            return vocab.home_language(text(item.get("languageDescriptor")))
    if languages:
        return vocab.home_language(text(languages[0].get("languageDescriptor")))
    return None


def _may_contact(association: Record) -> str:
    restriction = text(association.get("contactRestrictions"))
    return "false" if restriction and _NO_CONTACT.search(restriction) else "true"


def _is_primary(association: Record) -> str | None:
    """primaryContactStatus where given; else the first contactPriority is the primary."""
    status = text(association.get("primaryContactStatus"))
    if status is not None:
        return "true" if status.lower() in _TRUE else "false"
    priority = text(association.get("contactPriority"))
    if priority is not None:
        return "true" if priority == "1" else "false"
    return None
