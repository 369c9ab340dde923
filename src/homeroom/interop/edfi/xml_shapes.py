"""How an Ed-Fi interchange element becomes the record the ODS/API returns for it.

The XML and the API name the same things a little differently:

* element names are PascalCase (`<EntryDate>` is `entryDate`);
* a descriptor element drops the word: `<AttendanceEventCategory>` is
  `attendanceEventCategoryDescriptor`, `<EntryGradeLevel>` is `entryGradeLevelDescriptor`;
* a reference wraps its keys in an identity and nests references (`<SessionReference>
  <SessionIdentity><SessionName>…<SchoolReference><SchoolIdentity><SchoolId>`), where the API
  flattens them (`sessionReference: {sessionName, schoolYear, schoolId}`), or points at another
  element of the file (`<LocalEducationAgencyReference ref="LEAG_255901"/>`);
* the school year is the type `2021-2022`, where the API gives `schoolYear: 2022`
  (in a `schoolYearTypeReference`);
* `<AttendanceEvent>`, `<Name>` and `<BirthData>` group fields the API puts on the record itself;
* a repeated element is an API collection: `<CalendarEvent>` → `calendarEvents:
  [{calendarEventDescriptor}]`, `<Race>` → `races: [{raceDescriptor}]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeroom.interop.edfi.resources import school_year

# Groups whose fields the API puts on the record itself.
_FLATTENED = {"AttendanceEvent", "Name", "BirthData"}
# Repeated XML elements → (API collection, field inside each item).
_COLLECTIONS = {
    "CalendarEvent": ("calendarEvents", "calendarEventDescriptor"),
    "Race": ("races", "raceDescriptor"),
    "GradeLevel": ("gradeLevels", "gradeLevelDescriptor"),
    "StudentCharacteristic": ("studentCharacteristics", "studentCharacteristicDescriptor"),
    "Language": ("languages", "languageDescriptor"),
    "Disability": ("disabilities", "disabilityDescriptor"),
    "StudentIndicator": ("studentIndicators", None),
    "MeetingTime": ("meetingTimes", None),
    "ClassPeriod": ("classPeriods", None),
    "ProgramParticipation": ("programParticipations", None),
    "Address": ("addresses", None),
    "Telephone": ("telephones", None),
    "ElectronicMail": ("electronicMails", None),
}
# The key fields of an element another element may point at with ref="…".
_KEYS = {
    "School": ("schoolId",),
    "LocalEducationAgency": ("localEducationAgencyId",),
    "StateEducationAgency": ("stateEducationAgencyId",),
    "EducationServiceCenter": ("educationServiceCenterId",),
    "Student": ("studentUniqueId",),
    "Parent": ("parentUniqueId",),
    "Contact": ("contactUniqueId",),
    "Session": ("schoolId", "schoolYear", "sessionName"),
    "Calendar": ("calendarCode", "schoolId", "schoolYear"),
    "Section": ("localCourseCode", "schoolId", "schoolYear", "sectionIdentifier", "sessionName"),
    "ClassPeriod": ("classPeriodName", "schoolId"),
    "GradingPeriod": ("gradingPeriodDescriptor", "periodSequence", "schoolId", "schoolYear"),
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int | None
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "".join(self.text).strip()


def camel(tag: str) -> str:
    return tag[0].lower() + tag[1:] if tag else tag


def _is_descriptor(value: str) -> bool:
    return value.startswith(("uri://", "http://", "https://")) and (
        "Descriptor" in value or "#" in value
    )


def to_record(resource: str, node: Node) -> dict[str, Any]:
    """The API record for one top-level interchange element."""
    record = _fields(node)
    _lift_school_year(record, resource)
    return record


def _fields(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "ref" in node.attrs and not node.children:
        out["@ref"] = node.attrs["ref"]
    for child in node.children:
        if child.tag in _FLATTENED:
            for key, value in _fields(child).items():
                _put(out, key, value, repeated=False)
            continue
        if child.tag.endswith("Reference"):
            _put(out, camel(child.tag), _reference(child), repeated=False)
            continue
        # <StudentCharacteristic><StudentCharacteristic>uri</…></…>: the inner one is the value.
        if child.tag in _COLLECTIONS and child.tag != node.tag:
            name, inner = _COLLECTIONS[child.tag]
            if child.children:
                item = _fields(child)
                if inner and child.tag in {c.tag for c in child.children}:
                    # <Language><Language>uri</Language><LanguageUse>…</LanguageUse></Language>
                    item[inner] = item.pop(camel(child.tag) + "Descriptor", None) or item.pop(
                        camel(child.tag), None
                    )
                _put(out, name, item, repeated=True)
            else:
                _put(out, name, {inner or camel(child.tag): child.value}, repeated=True)
            continue
        if child.children:
            _put(out, camel(child.tag), _fields(child), repeated=True)
            continue
        key = camel(child.tag)
        value = child.value
        if _is_descriptor(value) and not key.endswith("Descriptor"):
            key += "Descriptor"
        _put(out, key, value, repeated=True)
    return out


def _put(out: dict[str, Any], key: str, value: Any, *, repeated: bool) -> None:
    if key not in out:
        out[key] = [value] if repeated and isinstance(value, dict) and key.endswith("s") else value
        return
    if not isinstance(out[key], list):
        out[key] = [out[key]]
    out[key].append(value)


def _reference(node: Node) -> dict[str, Any]:
    """A reference flattened to its key fields, as the API gives it."""
    keys: dict[str, Any] = {}
    if "ref" in node.attrs:
        keys["@ref"] = node.attrs["ref"]

    def walk(element: Node) -> None:
        for child in element.children:
            if child.children:
                walk(child)
            elif child.value:
                key = camel(child.tag)
                value: Any = child.value
                if key == "schoolYear":
                    value = _year_number(value)
                elif _is_descriptor(value) and not key.endswith("Descriptor"):
                    key += "Descriptor"
                keys.setdefault(key, value)

    walk(node)
    return keys


def _year_number(value: str) -> Any:
    year = school_year(value)
    return int(year) if year and year.isdigit() else value


def _lift_school_year(record: dict[str, Any], resource: str) -> None:
    """`<SchoolYear>2021-2022</SchoolYear>` → `schoolYearTypeReference: {schoolYear: 2022}`."""
    year = record.pop("schoolYear", None)
    if isinstance(year, str):
        record.setdefault("schoolYearTypeReference", {"schoolYear": _year_number(year)})


def reference_keys(tag: str, record: dict[str, Any]) -> dict[str, Any]:
    """What a `ref` to this element stands for: its key fields, as the API names them."""
    keys: dict[str, Any] = {}
    for name in _KEYS.get(tag, ()):
        if name in record:
            keys[name] = record[name]
        elif name == "schoolYear" and "schoolYearTypeReference" in record:
            keys[name] = record["schoolYearTypeReference"].get("schoolYear")
        elif name == "schoolId" and isinstance(record.get("schoolReference"), dict):
            keys[name] = record["schoolReference"].get("schoolId")
    if not keys:
        for name, value in record.items():
            if name.endswith(("Id", "UniqueId")) and isinstance(value, str):
                keys[name] = value
    return keys
