"""Records left in their JSON file (file_records): each pass reads the same records as the
whole reader, a changed file stops the import, and another layout is read whole as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.file_records import FileRecords, file_records
from homeroom.interop.edfi.json_reader import read_json_records
from homeroom.interop.edfi.jsonfiles import items_text
from homeroom.interop.result import ImportResult

ITEMS = [
    {"studentUniqueId": "S1", "firstName": "Ana", "birthDate": "2012-03-04"},
    {"studentUniqueId": "S2", "studentReference": {"studentUniqueId": "S2"}, "n": 12345},
    {"studentUniqueId": "S3", "lastSurname": 'Ö\'Brien "Jr"'},
]


def _file(tmp_path: Path, text: str, name: str = "students.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_pass_gives_the_records_of_the_whole_reader(tmp_path: Path) -> None:
    path = _file(tmp_path, items_text(ITEMS))
    kept = file_records(path)
    assert kept is not None and len(kept) == 3 and kept
    whole = read_json_records(path, ImportResult("t", {}), "students")
    assert list(kept) == whole
    assert list(kept) == whole  # a second pass reads the file again
    both = FileRecords()
    both.extend(kept)
    both.extend([{"studentUniqueId": "X"}])
    assert len(both) == 4 and list(both) == [*whole, {"studentUniqueId": "X"}]
    with pytest.raises(TypeError):
        both[0]


def test_a_file_changed_between_passes_stops_the_import(tmp_path: Path) -> None:
    path = _file(tmp_path, items_text(ITEMS))
    kept = file_records(path)
    assert kept is not None
    path.write_text(items_text(ITEMS[:2]), encoding="utf-8")
    with pytest.raises(ContractError, match="students.json: the file changed"):
        list(kept)


@pytest.mark.parametrize(
    "text",
    [json.dumps(ITEMS), "[\n" + json.dumps(ITEMS[0]) + "\n", "[\n[1],\n" + json.dumps(ITEMS[0])],
)
def test_other_layouts_are_left_to_the_whole_reader(tmp_path: Path, text: str) -> None:
    assert file_records(_file(tmp_path, text)) is None
