"""Rules of the optional contacts table, each against a hand-computed answer."""

from __future__ import annotations

from pathlib import Path

from homeroom.contract import TABLES_OPTIONAL, VALIDATED
from homeroom.contract.fields import PERSONAL_COLUMNS
from homeroom.contract.schema import CONTACTS

from .helpers import balanced, reasons, rows, run, write

HEADER = (
    "student_id,contact_id,name,relationship,phone,email,language,address_line1,address_line2,"
    "city,state,postal_code,may_contact,is_primary"
)
COLUMNS = (
    "student_id, contact_id, name, relationship, phone, email, language, address_line1, "
    "address_line2, city, state, postal_code, may_contact, is_primary"
)


def test_contacts_is_optional_with_the_contract_columns() -> None:
    assert "contacts" in TABLES_OPTIONAL
    assert CONTACTS.names == tuple(HEADER.split(","))
    assert tuple(VALIDATED["contacts"]) == CONTACTS.names
    assert CONTACTS.required == ("student_id", "contact_id", "name")


def test_contact_columns_are_personal() -> None:
    personal = {"name", "phone", "email", "address_line1", "address_line2", "city", "postal_code"}
    assert personal <= PERSONAL_COLUMNS
    assert "contact_id" not in PERSONAL_COLUMNS


def test_a_dataset_without_contacts_loads_an_empty_table(tmp_path: Path) -> None:
    report, con = run(write(tmp_path))
    assert rows(con, "SELECT count(*) FROM contacts") == [(0,)]
    described = {r[0]: r[1] for r in rows(con, "DESCRIBE contacts")}
    assert described["may_contact"] == "BOOLEAN" and described["name"] == "VARCHAR"
    assert "contacts" not in report.rows_read and "contacts" not in report.rows_loaded


def test_contacts_defaults_and_kept_values(tmp_path: Path) -> None:
    contacts = f"""
        {HEADER}
        001,P1,Maria One,Mother,555-0101,maria@example.org,ES,1 Elm St,Apt 2,Lakeview,MN,55401,,Y
        001,P2,Jon One,father,,,,,,,,,no,
        002,P3,Lee Two,guardian,555-0102,,en,,,,,,1,0
    """
    report, con = run(write(tmp_path, contacts=contacts))
    assert rows(con, f"SELECT {COLUMNS} FROM contacts ORDER BY student_id, contact_id") == [
        ("001", "P1", "Maria One", "Mother", "555-0101", "maria@example.org", "es", "1 Elm St",
         "Apt 2", "Lakeview", "MN", "55401", True, True),
        ("001", "P2", "Jon One", "father", None, None, None, None, None, None, None, None,
         False, False),
        ("002", "P3", "Lee Two", "guardian", "555-0102", None, "en", None, None, None, None,
         None, True, False),
    ]  # fmt: skip
    assert report.quarantined == 0
    assert report.rows_loaded["contacts"] == 3 and balanced(report)


def test_contacts_bad_rows_go_to_quarantine_without_quoting_values(tmp_path: Path) -> None:
    contacts = f"""
        {HEADER}
        001,P1,Maria One,mother,,maria.at.home,,,,,,,,true
        001,P1,Maria Again,mother,,,,,,,,,,
        009,P9,Nobody Known,aunt,,,,,,,,,,
        002,P2,,father,,,,,,,,,,
        002,P3,Lee Two,father,,,klingon,,,,,,maybe,
        003,P4,Cy Parent,mother,,,,,,,,,,yes
        003,P5,Cy Other,father,,,,,,,,,,yes
        ,P6,No Student,father,,,,,,,,,,
    """
    report, con = run(write(tmp_path, contacts=contacts))
    assert reasons(report, "contacts") == {
        2: "email does not look like an email address (name@example.org); kept the contact "
        "with it empty",
        3: "duplicate of line 2 for the same student_id and contact_id; kept the first",
        4: "student_id is not in students",
        5: "name is empty",
        6: "may_contact is not a yes/no value (true/false, 1/0, Y/N, yes/no, t/f)",
        8: "the student already has a primary contact (line 7); kept this contact as not primary",
        9: "student_id is empty",
    }
    q = report.quarantine.set_index("line")
    assert q.loc[2, "column"] == "email" and q.loc[8, "column"] == "is_primary"
    assert q.loc[6, "column"] == "may_contact" and q.loc[3, "column"] == "contact_id"
    assert set(q["file"]) == {"contacts.csv"}
    for reason in report.quarantine["reason"]:
        assert "maria" not in reason.lower() and "klingon" not in reason and "maybe" not in reason
    assert rows(con, "SELECT contact_id, email, is_primary FROM contacts ORDER BY 1") == [
        ("P1", None, True),
        ("P4", None, True),
        ("P5", None, False),
    ]
    assert report.rows_loaded["contacts"] == 3 and report.rows_rejected["contacts"] == 5
    assert balanced(report)


def test_a_bad_language_is_kept_empty(tmp_path: Path) -> None:
    contacts = f"""
        {HEADER}
        001,P1,Maria One,mother,,,Spanish,,,,,,,
    """
    report, con = run(write(tmp_path, contacts=contacts))
    assert rows(con, "SELECT language FROM contacts") == [(None,)]
    assert reasons(report, "contacts") == {
        2: "language is not an ISO 639-1 language code (two letters, e.g. en, es); kept the "
        "contact with it empty"
    }


def test_a_contact_of_a_student_set_aside_is_set_aside(tmp_path: Path) -> None:
    # Student 003 has no valid stay (its only stay names an unknown school): so has its contact.
    enrollments = """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        001,S1,2025,KG,2024-09-02,
        002,S1,2025,01,2024-09-02,
        003,S9,2025,02,2024-09-02,
    """
    attendance = """
        student_id,school_id,date,category
        001,S1,2024-09-03,unexcused
    """
    contacts = f"""
        {HEADER}
        003,P1,Cy Parent,mother,,,,,,,,,,
    """
    report, con = run(
        write(tmp_path, enrollments=enrollments, attendance=attendance, contacts=contacts)
    )
    assert reasons(report, "contacts") == {2: "student_id is not in students"}
    assert rows(con, "SELECT count(*) FROM contacts") == [(0,)]


def test_contacts_from_xlsx_and_parquet_match_csv(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"student_id": ["001", "002"], "contact_id": ["P1", "P2"], "name": ["A B", "C D"],
         "may_contact": ["no", "yes"], "is_primary": ["true", ""]}
    )  # fmt: skip
    expected = [("P1", "A B", False, True), ("P2", "C D", True, False)]
    for suffix in ("xlsx", "parquet"):
        folder = write(tmp_path / suffix)
        path = folder / f"contacts.{suffix}"
        if suffix == "xlsx":
            frame.to_excel(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        _report, con = run(folder)
        got = rows(con, "SELECT contact_id, name, may_contact, is_primary FROM contacts ORDER BY 1")
        assert got == expected, suffix


def test_contacts_and_supports_checked_but_not_kept_give_the_same_report(tmp_path: Path) -> None:
    # A folder's check, monitors and metrics read neither table: validated without writing
    # them, the counts, the quarantine (kept-empty notes included) and the notes are the same,
    # and neither table is there to be read as if empty.
    import duckdb

    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition

    contacts = f"""
        {HEADER}
        001,P1,Maria One,mother,,maria.at.home,,,,,,,,true
        001,P1,Maria Again,mother,,,,,,,,,,
        009,P9,Nobody Known,aunt,,,,,,,,,,
        003,P4,Cy Parent,mother,,,,,,,,,,yes
        003,P5,Cy Other,father,,,,,,,,,,yes
    """
    supports = """
        student_id,school_id,support,tier,start_date,end_date
        001,S1,letter,1,2024-09-03,
        009,S1,call,1,2024-09-03,
    """
    folder = write(tmp_path, contacts=contacts, supports=supports)
    definition = load_definition("default")
    kept, _ = run(folder)
    con = duckdb.connect()
    checked = validate_dataset(folder, con, definition=definition, contacts_and_supports=False)
    assert checked.rows_read == kept.rows_read
    assert checked.rows_loaded == kept.rows_loaded
    assert checked.rows_loaded["contacts"] == 3 and checked.rows_loaded["supports"] == 1
    assert checked.rows_rejected == kept.rows_rejected and balanced(checked)
    assert checked.notes == kept.notes
    order = ["table", "line", "column"]
    assert (
        checked.quarantine.sort_values(order)
        .reset_index(drop=True)
        .equals(kept.quarantine.sort_values(order).reset_index(drop=True))
    )
    assert rows(con, "SELECT count(*) FROM attendance") == [(kept.rows_loaded["attendance"],)]
    names = "SELECT table_name FROM information_schema.tables ORDER BY 1"
    assert {"attendance", "students"} <= {name for (name,) in rows(con, names)}
    assert not {"contacts", "supports"} & {name for (name,) in rows(con, names)}
