"""A workspace load keeps the families' contacts like every table: all or nothing, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from homeroom.warehouse import connect, init_workspace, load_dataset, open_workspace
from homeroom.warehouse.loader import ShrinkRefused


def _contacts(root: Path) -> list[tuple]:
    con = connect(open_workspace(root), read_only=True)
    try:
        return con.execute(
            "SELECT student_id, contact_id, name, may_contact, is_primary FROM contacts "
            "ORDER BY student_id, contact_id"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def data(small_district: Path, tmp_path: Path) -> Path:
    """The synthetic district with two hand-made contacts of its first student and one bad."""
    folder = tmp_path / "data"
    shutil.copytree(small_district, folder)
    first = pd.read_csv(folder / "students.csv", dtype=str)["student_id"].iloc[0]
    (folder / "contacts.csv").write_text(
        "student_id,contact_id,name,may_contact,is_primary\n"
        f"{first},G1,Ann Doe,,yes\n"
        f"{first},G2,Bob Doe,no,\n"
        "NOT-A-STUDENT,G3,Cy Doe,,\n",
        encoding="utf-8",
    )
    return folder


def test_a_load_keeps_the_contacts_and_loading_twice_changes_nothing(data, tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    workspace = open_workspace(root)
    first = load_dataset(workspace, data)
    student = pd.read_csv(data / "students.csv", dtype=str)["student_id"].iloc[0]
    assert (first.rows_read["contacts"], first.rows_loaded["contacts"]) == (3, 2)
    quarantined = first.quarantine[first.quarantine["table"] == "contacts"]
    assert quarantined[["line", "column", "reason"]].values.tolist() == [
        [4, "student_id", "student_id is not in students"]
    ]
    expected = [(student, "G1", "Ann Doe", True, True), (student, "G2", "Bob Doe", False, False)]
    assert _contacts(root) == expected

    again = load_dataset(workspace, data)
    assert (again.status, again.load_id) == ("unchanged", first.load_id)
    assert _contacts(root) == expected


def test_a_refused_load_leaves_the_contacts_as_they_were(data, tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    workspace = open_workspace(root)
    load_dataset(workspace, data)
    before = _contacts(root)
    changed = tmp_path / "changed"
    shutil.copytree(data, changed)
    (changed / "contacts.csv").write_text("student_id,contact_id,name\n", encoding="utf-8")
    frame = pd.read_csv(changed / "attendance.csv", dtype=str)
    frame.iloc[:0].to_csv(changed / "attendance.csv", index=False)  # attendance would be empty
    with pytest.raises(ShrinkRefused):
        load_dataset(workspace, changed)
    assert _contacts(root) == before and len(before) == 2


def test_a_load_without_contacts_empties_them(data, tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    workspace = open_workspace(root)
    load_dataset(workspace, data)
    without = tmp_path / "without"
    shutil.copytree(data, without)
    (without / "contacts.csv").unlink()
    result = load_dataset(workspace, without)
    assert result.status == "loaded" and "contacts" not in result.rows_loaded
    assert _contacts(root) == []
