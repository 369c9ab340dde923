"""homeroom.synth.contacts: one or two invented, unreachable guardians per student."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from homeroom.contract.languages import codes as language_codes
from homeroom.contract.schema import CONTACTS
from homeroom.synth import generate
from homeroom.synth.contacts import contacts_table
from homeroom.synth.population import FIRST_NAMES, LANGUAGES, LAST_NAMES, Students
from synth.generated import read


def _people(last: list[int], language: list[int]) -> Students:
    people = Students()
    people.append({"last_name": np.array(last), "home_language": np.array(language)})
    return people


def test_each_student_has_one_primary_and_at_most_one_more_guardian(tmp_path: Path) -> None:
    generate(tmp_path, students=2000, schools=4, seed=21)
    contacts = read(tmp_path, "contacts")
    students = read(tmp_path, "students")
    assert tuple(contacts.columns) == CONTACTS.names
    per_student = contacts.groupby("student_id").size()
    assert set(per_student.index) == set(students["student_id"])
    assert set(per_student) == {1, 2}
    # About SECOND_GUARDIAN (55%) of students list two guardians.
    assert 0.50 < (per_student == 2).mean() < 0.60
    primaries = contacts.groupby("student_id")["is_primary"].sum()
    assert (primaries == 1).all()
    assert contacts["contact_id"].is_unique
    # The guardian speaks the student's home language.
    joined = contacts.merge(students[["student_id", "home_language"]], on="student_id")
    assert (joined["language"] == joined["home_language"]).all()
    assert set(contacts["language"]) <= set(language_codes())
    # A few the school may not contact, about MAY_NOT_CONTACT (3%).
    assert 0.01 < (~contacts["may_contact"]).mean() < 0.05


def test_phones_and_emails_are_in_the_ranges_set_aside_for_fiction(tmp_path: Path) -> None:
    generate(tmp_path, students=500, schools=2, seed=4)
    contacts = read(tmp_path, "contacts")
    assert contacts["phone"].str.fullmatch(r"555-01\d\d").all()
    emails = contacts["email"].dropna()
    assert len(emails) > 0.7 * len(contacts)
    assert emails.str.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.org").all()
    assert contacts["name"].str.fullmatch(r"[A-Za-z]+ [A-Za-z ]+").all()
    # Two guardians of one student share the household's address.
    shared = contacts.groupby("student_id")["address_line1"].nunique()
    assert (shared == 1).all()


def test_a_hand_made_population_gets_names_from_the_lists() -> None:
    people = _people(last=[0, 3, 5], language=[0, 1, 2])
    ids = pa.array(["S1", "S2", "S3"])
    table = contacts_table(np.random.default_rng(0), people, ids).to_pandas()
    assert list(table["student_id"].drop_duplicates()) == ["S1", "S2", "S3"]
    assert table.groupby("student_id")["is_primary"].first().all()
    firsts = table["name"].str.split(" ").str[0]
    assert firsts.isin(FIRST_NAMES).all()
    lasts = table["name"].str.split(" ", n=1).str[1]
    assert lasts.isin(LAST_NAMES).all()
    by_student = dict(zip(table["student_id"], table["language"], strict=False))
    assert by_student == {"S1": LANGUAGES[0], "S2": LANGUAGES[1], "S3": LANGUAGES[2]}


def test_contacts_are_deterministic_by_seed(tmp_path: Path) -> None:
    generate(tmp_path / "a", students=300, schools=2, seed=8, fmt="csv")
    generate(tmp_path / "b", students=300, schools=2, seed=8, fmt="csv")
    generate(tmp_path / "c", students=300, schools=2, seed=9, fmt="csv")

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest(tmp_path / "a" / "contacts.csv") == digest(tmp_path / "b" / "contacts.csv")
    assert digest(tmp_path / "a" / "contacts.csv") != digest(tmp_path / "c" / "contacts.csv")


def test_the_other_tables_do_not_depend_on_the_contacts(tmp_path: Path, monkeypatch) -> None:
    import homeroom.synth as synth

    generate(tmp_path / "with", students=300, schools=2, seed=8, fmt="csv")

    def draws_more(rng: np.random.Generator, people: Students, ids: pa.Array) -> pa.Table:
        rng.random(10_000)  # a contacts generator that draws differently
        return contacts_table(rng, people, ids)

    monkeypatch.setattr(synth, "contacts_table", draws_more)
    generate(tmp_path / "other", students=300, schools=2, seed=8, fmt="csv")
    for name in ("schools", "students", "enrollments", "calendar", "attendance", "codes"):
        a, b = (tmp_path / d / f"{name}.csv" for d in ("with", "other"))
        assert a.read_bytes() == b.read_bytes(), name
    assert (tmp_path / "with" / "contacts.csv").read_bytes() != (
        tmp_path / "other" / "contacts.csv"
    ).read_bytes()
