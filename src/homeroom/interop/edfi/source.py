"""import_edfi: read an Ed-Fi JSON file, an XML interchange file or a folder of them."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.convert import resources_to_canonical
from homeroom.interop.edfi.event_columns import SchoolEvents
from homeroom.interop.edfi.file_records import FileRecords, file_records
from homeroom.interop.edfi.json_reader import JSON_LINES, read_json_records
from homeroom.interop.edfi.resources import FEEDS, Resources, resource_name
from homeroom.interop.edfi.xml_reader import read_xml_records
from homeroom.interop.result import ImportResult, SourceRead

SUFFIXES = (".json", *JSON_LINES, ".xml")
EVENTS = "studentSchoolAttendanceEvents"


def import_edfi(
    source: Path,
    *,
    descriptor_map: Path | None = None,
    progress: Callable[[str], None] | None = None,
    calendar_from_sessions: bool = True,
) -> ImportResult:
    """Canonical tables from Ed-Fi ODS/API JSON resources and/or XML interchange files."""
    step = progress or (lambda _message: None)
    source = Path(source)
    if not source.exists():
        raise ContractError(f"{source}: no such file or folder")
    files = (
        sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
        if source.is_dir()
        else [source]
    )
    result = ImportResult("Ed-Fi", {})
    resources: Resources = {}
    # The events, nine in ten records, are kept as columns rather than dicts (event_columns).
    events = SchoolEvents()
    kinds: set[str] = set()
    collecting = gc.isenabled()
    gc.disable()  # parsed records hold no cycles: collecting while millions are made is waste
    try:
        for path in files:
            suffix = path.suffix.lower()
            if suffix not in SUFFIXES:
                if source.is_dir():
                    result.note(f"{path.name}: not an Ed-Fi JSON or XML file; left aside")
                    continue
                raise ContractError(f"{path.name}: expected an Ed-Fi .json, .jsonl or .xml file")
            step(f"Reading {path.name}")
            kinds.add("XML interchange" if suffix == ".xml" else "ODS/API JSON")
            _read(path, result, resources, events)
    finally:
        if collecting:
            gc.enable()
    if not result.read:
        raise ContractError(
            f"{source}: no Ed-Fi resources found (expected files such as students.json or "
            "StudentSchoolAttendance.xml)"
        )
    result.source_kind = f"Ed-Fi ({', '.join(sorted(kinds))})"
    return resources_to_canonical(
        resources,
        descriptor_map=descriptor_map,
        source_kind=result.source_kind,
        calendar_from_sessions=calendar_from_sessions,
        progress=progress,
        result=result,
        school_events=events,
    )


def _read(path: Path, result: ImportResult, resources: Resources, events: SchoolEvents) -> None:
    """One file's records into `resources`, its attendance events into `events`."""
    if path.suffix.lower() == ".xml":
        found = read_xml_records(path)
    else:
        name = resource_name(path.stem)
        if name is None:
            result.note(
                f"{path.name}: the file name is not an Ed-Fi API resource Homeroom reads "
                "(e.g. students.json, studentSchoolAttendanceEvents.json); left aside"
            )
            return
        if name == EVENTS and (count := events.read_file(path)) is not None:
            result.read.append(SourceRead(path.name, name, count))
            return
        kept = file_records(path) if path.suffix.lower() == ".json" and name != EVENTS else None
        if kept is not None:  # left in the file, read again by each pass (file_records)
            resources.setdefault(name, FileRecords()).extend(kept)
            result.read.append(SourceRead(path.name, name, len(kept)))
            return
        found = {name: read_json_records(path, result, FEEDS.get(name, name))}
    for name, records in found.items():
        if name == EVENTS:
            events.add_records(records)
        else:
            resources.setdefault(name, FileRecords()).extend(records)
        result.read.append(SourceRead(path.name, name, len(records)))
