"""A student's family contacts (data/district.py with a hand-made contacts file), scoped as the
student page is: A01 and M01 have stays at S1 (M01 moved to S2), B01 only at S2."""

from __future__ import annotations

import textwrap

import pytest

from datasets import write_dataset
from homeroom.warehouse import init_workspace, load_dataset
from homeroom.web.data import StudentNotFound, student_contacts
from homeroom.web.scope import Scope, ScopeError
from homeroom.web.snapshot import open_serving, prepare_serving
from web.data.district import DEFINITION, district

CONTACTS = """\
student_id,contact_id,name,relationship,phone,email,language,address_line1,address_line2,city,state,postal_code,may_contact,is_primary
A01,P2,Zoe Garcia,mother,555-0101,zoe@example.org,es,1 Elm St,,Lakeview,MN,55401,yes,no
A01,P1,Bea Garcia,grandmother,555-0102,,ES,1 Elm St,Apt 2,Lakeview,MN,55401,,yes
A01,P3,Al Garcia,father,,,,,,,,,no,
M01,P4,Sam Khan,father,555-0103,,,,,,,,,
"""
COLUMNS = [
    "contact_id", "name", "relationship", "phone", "email", "language", "address_line1",
    "address_line2", "city", "state", "postal_code", "may_contact", "is_primary",
]  # fmt: skip

ADMIN = Scope.of("admin", "district_admin")
STAFF_S1 = Scope.of("staff1", "school_staff", ["S1"])
STAFF_S2 = Scope.of("staff2", "school_staff", ["S2"])
VIEWER = Scope.of("viewer", "district_viewer")


@pytest.fixture(scope="module")
def contacts_serving(tmp_path_factory):
    root = tmp_path_factory.mktemp("contacts")
    data = write_dataset(root / "data", district().data())
    (data / "contacts.csv").write_text(textwrap.dedent(CONTACTS), encoding="utf-8")
    folder = root / "ws"
    folder.mkdir()
    (folder / "web.toml").write_text(DEFINITION, encoding="utf-8")
    workspace = init_workspace(folder, name="Hand district", definition="web.toml")
    result = load_dataset(workspace, data)
    assert result.rows_loaded["contacts"] == 4
    with open_serving(prepare_serving(workspace)) as serving:
        yield serving


def test_primary_first_then_by_name_with_the_canonical_columns(contacts_serving):
    frame = student_contacts(contacts_serving, ADMIN, "A01")
    assert list(frame.columns) == COLUMNS
    assert frame["contact_id"].tolist() == ["P1", "P3", "P2"]  # Bea (primary), Al, Zoe
    first = frame.iloc[0]
    assert (first["name"], first["language"], first["address_line2"]) == (
        "Bea Garcia",
        "es",
        "Apt 2",
    )
    assert frame["may_contact"].tolist() == [True, False, True]
    assert frame["is_primary"].tolist() == [True, False, False]
    assert frame.iloc[1]["phone"] is None


def test_a_student_without_contacts_gets_an_empty_frame(contacts_serving):
    frame = student_contacts(contacts_serving, ADMIN, "B02")
    assert frame.empty and list(frame.columns) == COLUMNS


def test_school_staff_reach_students_with_a_stay_at_their_schools(contacts_serving):
    assert student_contacts(contacts_serving, STAFF_S1, "A01")["contact_id"].tolist() == [
        "P1",
        "P3",
        "P2",
    ]
    # M01 moved from S1 to S2: both schools' staff reach the contacts, as the student page.
    assert student_contacts(contacts_serving, STAFF_S2, "M01")["name"].tolist() == ["Sam Khan"]
    assert student_contacts(contacts_serving, STAFF_S1, "M01")["name"].tolist() == ["Sam Khan"]
    with pytest.raises(StudentNotFound):
        student_contacts(contacts_serving, STAFF_S2, "A01")
    with pytest.raises(StudentNotFound):
        student_contacts(contacts_serving, ADMIN, "NOBODY")


def test_aggregate_roles_get_no_contacts(contacts_serving):
    with pytest.raises(ScopeError):
        student_contacts(contacts_serving, VIEWER, "A01")


def test_a_partner_needs_a_consent_covering_contacts(contacts_serving):
    with_contacts = Scope.partner("p", 1, {"A01": frozenset({"contacts"})})
    assert len(student_contacts(contacts_serving, with_contacts, "A01")) == 3
    summary_only = Scope.partner("p", 1, {"A01": frozenset({"attendance_summary"})})
    with pytest.raises(ScopeError):
        student_contacts(contacts_serving, summary_only, "A01")
    with pytest.raises(StudentNotFound):
        student_contacts(contacts_serving, with_contacts, "M01")


def test_the_serving_file_keeps_contacts_sorted_per_student(contacts_serving: object) -> None:
    with contacts_serving.cursor() as cur:  # type: ignore[attr-defined]
        rows = cur.execute("SELECT student_id, contact_id FROM contacts").fetchall()
    assert rows == [("A01", "P1"), ("A01", "P3"), ("A01", "P2"), ("M01", "P4")]
