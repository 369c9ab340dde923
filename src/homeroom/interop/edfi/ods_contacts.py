"""ODS table rows of parents (Data Standard 3, 4) or contacts (5) → API-shaped records.

The ODS keeps a person in `Parent.csv` (or `Contact.csv`) keyed by an internal `ParentUSI`,
their phones, emails, addresses and languages in child tables (`ParentTelephone.csv`, …), and
the link to a student in `StudentParentAssociation.csv`. The API shows one record per person
with those as collections, and the association with the person's unique id: this module builds
exactly that, so the converter reads an ODS extract as it reads the API.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from homeroom.interop.edfi.resources import FILE, LINE, Record, Resources

Row = dict[str, str]
Describe = Callable[[str | None], str | None]
Student = Callable[[Row], dict]

# (ODS word, API resource of people, API resource of associations)
_WORDS = (
    ("Parent", "parents", "studentParentAssociations"),
    ("Contact", "contacts", "studentContactAssociations"),
)


def people_resources(rows: dict[str, list[Row]], d: Describe, s: Student) -> Resources:
    """Parents or contacts with their collections, and their associations to students."""
    out: Resources = {}
    for word, people, associations in _WORDS:
        usi, unique = f"{word}USI", f"{word}UniqueId"
        api_unique = f"{word[0].lower()}{word[1:]}UniqueId"  # parentUniqueId, as the API
        children = _children(rows, word, usi, d)
        ids: dict[str, str] = {}
        for row in rows.get(word, []):
            ids[row.get(usi, "")] = row.get(unique, "")
            record: Record = {
                api_unique: row.get(unique),
                "firstName": row.get("FirstName"),
                "lastSurname": row.get("LastSurname"),
                **{name: found.get(row.get(usi, ""), []) for name, found in children.items()},
            }
            out.setdefault(people, []).append(_traced(record, row))
        reference = f"{word[0].lower()}{word[1:]}Reference"
        for row in rows.get(f"Student{word}Association", []):
            record = {
                "studentReference": s(row),
                reference: {api_unique: ids.get(row.get(usi, ""), row.get(usi))},
                "relationDescriptor": d(row.get("RelationDescriptorId")),
                "primaryContactStatus": row.get("PrimaryContactStatus"),
                "contactPriority": row.get("ContactPriority"),
                "contactRestrictions": row.get("ContactRestrictions"),
            }
            out.setdefault(associations, []).append(_traced(record, row))
    return out


def _traced(record: Record, row: Row) -> Record:
    record[FILE], record[LINE] = row["_file"], int(row["_line"])
    return record


def _children(
    rows: dict[str, list[Row]], word: str, usi: str, d: Describe
) -> dict[str, dict[str, list[dict]]]:
    """Per collection, the person's items by their USI."""
    found: dict[str, dict[str, list[dict]]] = {}
    for suffix, collection, build in _CHILD_TABLES:
        by_person: dict[str, list[dict]] = defaultdict(list)
        for row in rows.get(f"{word}{suffix}", []):
            by_person[row.get(usi, "")].append(build(row, d))
        found[collection] = dict(by_person)
    return found


def _telephone(row: Row, d: Describe) -> dict:
    return {
        "telephoneNumber": row.get("TelephoneNumber"),
        "telephoneNumberTypeDescriptor": d(row.get("TelephoneNumberTypeDescriptorId")),
        "orderOfPriority": row.get("OrderOfPriority"),
    }


def _email(row: Row, d: Describe) -> dict:
    return {
        "electronicMailAddress": row.get("ElectronicMailAddress"),
        "electronicMailTypeDescriptor": d(row.get("ElectronicMailTypeDescriptorId")),
        "primaryEmailAddressIndicator": row.get("PrimaryEmailAddressIndicator"),
    }


def _address(row: Row, d: Describe) -> dict:
    return {
        "addressTypeDescriptor": d(row.get("AddressTypeDescriptorId")),
        "streetNumberName": row.get("StreetNumberName"),
        "apartmentRoomSuiteNumber": row.get("ApartmentRoomSuiteNumber"),
        "city": row.get("City"),
        "stateAbbreviationDescriptor": d(row.get("StateAbbreviationDescriptorId")),
        "postalCode": row.get("PostalCode"),
    }


def _language(row: Row, d: Describe) -> dict:
    return {"languageDescriptor": d(row.get("LanguageDescriptorId"))}


_CHILD_TABLES = (
    ("Telephone", "telephones", _telephone),
    ("ElectronicMail", "electronicMails", _email),
    ("Address", "addresses", _address),
    ("Language", "languages", _language),
)
