"""A SIS guardian export mapped by a preset's `contacts` file: none of the shipped presets'
exports carries guardians, so a district adds a [[files]] entry (docs/interop.md). Here the
PowerSchool fixture plus a hand-made tab-delimited guardian export naming students by
PowerSchool's internal ID (1 is student 1001, 2 is 1002), with no contact id column."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from homeroom.interop.sis import import_sis, load_preset
from homeroom.interop.sis.preset import parse_preset
from interop.sis.helpers import FIXTURES, written

GUARDIANS_SPEC = """
[[files]]
name = "Guardians"
feeds = ["contacts"]
signature = ["StudentID", "Guardian_First", "Guardian_Last", "Relationship"]
[files.columns]
student_ref = "StudentID"
first_name = "Guardian_First"
last_name = "Guardian_Last"
relationship = "Relationship"
phone = "Phone"
email = "Email"
language = "Language"
may_contact = "Contact_OK"
is_primary = "Primary"
"""
GUARDIANS = (
    "StudentID\tGuardian_First\tGuardian_Last\tRelationship\tPhone\tEmail\tLanguage\t"
    "Contact_OK\tPrimary\n"
    "1\tRosa\tRivera\tMother\t555-0101\trosa@example.org\tES\tY\tY\n"
    "1\tTom\tRivera\tFATHER\t\t\t\tN\tN\n"
    "2\tMei\tChen\tGrand  Mother\t555-0102\t\tzh\t\tY\n"
    "99\tNo\tOne\tAunt\t\t\t\t\t\n"
)


def _preset(tmp_path: Path) -> Path:
    """The shipped PowerSchool preset with the guardian export added, as a district would."""
    text = resources.files("homeroom.interop.sis").joinpath("presets", "powerschool.toml")
    path = tmp_path / "powerschool-with-guardians.toml"
    path.write_text(text.read_text(encoding="utf-8") + GUARDIANS_SPEC, encoding="utf-8")
    parse_preset(path.read_text(encoding="utf-8"), path.name)  # a valid preset
    return path


def _files(tmp_path: Path) -> list[Path]:
    guardians = tmp_path / "Guardians.txt"
    guardians.write_text(GUARDIANS, encoding="utf-8")
    return [*sorted((FIXTURES / "powerschool").iterdir()), guardians]


def test_a_guardian_export_becomes_contacts(tmp_path: Path) -> None:
    result = import_sis(str(_preset(tmp_path)), _files(tmp_path))
    contacts = result.tables["contacts"]
    rows = contacts[["student_id", "contact_id", "name", "relationship", "phone", "language",
                     "may_contact", "is_primary"]].astype(object)  # fmt: skip
    assert rows.where(rows.notna(), None).values.tolist() == [
        ["1001", "1001-1", "Rosa Rivera", "mother", "555-0101", "es", "true", "true"],
        ["1001", "1001-2", "Tom Rivera", "father", None, None, "false", "false"],
        ["1002", "1002-1", "Mei Chen", "grand mother", "555-0102", "zh", None, "true"],
    ]
    assert contacts["source_line"].tolist() == [2, 3, 4]
    # Student 99 is no student of the students export: set aside, with its line.
    rejected = result.rejected
    assert rejected[["table", "line", "column"]].values.tolist() == [["contacts", 5, "student_ref"]]
    assert any("numbered within its student" in a for a in result.assumptions)


def test_imported_guardians_validate_and_load(tmp_path: Path) -> None:
    result = import_sis(str(_preset(tmp_path)), _files(tmp_path))
    out = written(result, tmp_path / "out")
    assert out.validation.rows_loaded["contacts"] == 3
    contacts = out.quarantine[out.quarantine["table"] == "contacts"]
    assert contacts["stage"].tolist() == ["import"]  # student 99; validation found nothing


def test_the_shipped_presets_read_no_contacts() -> None:
    for name in ("powerschool", "infinite-campus", "aeries"):
        preset = load_preset(name)
        assert not any("contacts" in spec.feeds for spec in preset.files), name
