"""Ed-Fi descriptors and the district-editable map from descriptors to Homeroom's words.

An Ed-Fi descriptor value is a namespace and a code value: `uri://ed-fi.org/Attendance
EventCategoryDescriptor#Excused Absence` (older ODS data writes `http://www.ed-fi.org/Descriptor/
AttendanceEventCategoryDescriptor.xml/Excused Absence`). The map (a CSV: `descriptor`,
`category`, `absent_fraction`, optional `note`) names a descriptor either by its whole value,
which matches only that namespace, or by its bare code value, which matches the code in any
namespace; a whole-value row wins over a code-value row. A row's category says which kind of
descriptor it maps: an attendance category (`excused`, … `remote_present`) maps attendance event
categories; `instructional` / `not_instructional` maps calendar events.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path

from homeroom.contract.errors import ContractError
from homeroom.contract.schema import CATEGORIES

ATTENDANCE = "attendance descriptor"
CALENDAR_EVENT = "calendar event descriptor"
CALENDAR_WORDS = ("instructional", "not_instructional")
MAP_FILE = "descriptor_map.csv"


def default_descriptor_map() -> Path:
    """The shipped descriptor map (a copy of it is what a district edits)."""
    return Path(str(resources.files("homeroom.interop.edfi").joinpath(MAP_FILE)))


@lru_cache(maxsize=4096)  # asked once per descriptor of every record: a few hundred values
def code_value(descriptor: str) -> str:
    """The code value of a descriptor (the part after `#`, or after the last `/`)."""
    text = descriptor.strip()
    if "#" in text:
        return text.rsplit("#", 1)[1].strip()
    if "://" in text and "/" in text.split("://", 1)[1]:
        return text.rsplit("/", 1)[1].strip()
    return text


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Target:
    category: str
    absent_fraction: str | None
    line: int


class DescriptorMap:
    """Lookups by kind (attendance or calendar event): whole value first, then code value."""

    def __init__(self, path: Path, rows: list[tuple[str, Target]]):
        self.path = path
        self._whole: dict[tuple[str, str], Target] = {}
        self._code: dict[tuple[str, str], Target] = {}
        for descriptor, target in rows:
            kind = CALENDAR_EVENT if target.category in CALENDAR_WORDS else ATTENDANCE
            whole = "#" in descriptor or "://" in descriptor
            table = self._whole if whole else self._code
            table[(kind, _key(descriptor))] = target

    def lookup(self, kind: str, descriptor: str) -> Target | None:
        found = self._whole.get((kind, _key(descriptor)))
        if found is None:
            found = self._code.get((kind, _key(code_value(descriptor))))
        return found


def load_descriptor_map(path: Path | None = None) -> DescriptorMap:
    """Read and check a descriptor map; a bad row stops the import naming file, line, column."""
    path = Path(path) if path is not None else default_descriptor_map()
    name = path.name
    reader = csv.reader(io.StringIO(_map_text(path), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ContractError(f"descriptor map {name}: the file is empty") from None
    for needed in ("descriptor", "category"):
        if needed not in header:
            raise ContractError(
                f"descriptor map {name}, line 1: required column {needed} is missing; found "
                f"columns: {', '.join(header) or 'none'}"
            )
    at = {column: header.index(column) for column in header}
    rows: list[tuple[str, Target]] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append(_map_row(name, at, record, reader.line_num, seen))
    return DescriptorMap(path, rows)


def _map_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContractError(f"descriptor map {path}: cannot be read ({error.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContractError(
            f"descriptor map {path.name}, line {line}: not UTF-8 text; save the file as UTF-8 (CSV)"
        ) from None


def _map_row(
    name: str,
    at: dict[str, int],
    record: list[str],
    line: int,
    seen: dict[tuple[str, str], int],
) -> tuple[str, Target]:
    """One row of the map, checked; `seen` remembers each descriptor's line."""

    def cell(column: str) -> str:
        index = at.get(column)
        return record[index].strip() if index is not None and index < len(record) else ""

    def problem(column: str, what: str) -> ContractError:
        number = at.get(column, 0) + 1
        return ContractError(
            f"descriptor map {name}, line {line}, column {column} ({number}): {what}"
        )

    allowed = (*CATEGORIES, *CALENDAR_WORDS)
    descriptor = cell("descriptor")
    if not descriptor:
        raise problem("descriptor", "descriptor is empty")
    category = cell("category").lower()
    if category not in allowed:
        raise problem("category", f"category {category!r} is not one of {', '.join(allowed)}")
    fraction = cell("absent_fraction") or None
    if fraction is not None:
        try:
            number = Decimal(fraction)
        except InvalidOperation:
            number = Decimal(-1)
        if not (number.is_finite() and 0 <= number <= 1):
            raise problem("absent_fraction", f"absent_fraction {fraction!r} is not 0 to 1")
        if category in CALENDAR_WORDS:
            raise problem("absent_fraction", "a calendar event row takes no absent_fraction")
    kind = CALENDAR_EVENT if category in CALENDAR_WORDS else ATTENDANCE
    key = (kind, _key(descriptor))
    if key in seen:
        raise problem("descriptor", f"descriptor repeats line {seen[key]}")
    seen[key] = line
    return descriptor, Target(category, fraction, line)
