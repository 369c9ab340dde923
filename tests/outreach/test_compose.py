"""Letters for the hand-made school (tests/outreach/families.py): who gets which kind, in
which language, saying the child's days, the classmates' median and the school's phone."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.casebook import CliActor, open_workspace_store
from homeroom.casebook.plans import open_plan
from homeroom.casebook.supports import add_support
from homeroom.casebook.users import add_user
from homeroom.outreach.compose import (
    LetterFacts,
    Recipient,
    compose,
    eligible,
    gather,
    grade_words,
    letters_for,
)
from homeroom.resolver import resolve
from homeroom.warehouse import open_workspace
from outreach.families import AS_OF, SCHOOL_PHONE, family_workspace

NOW = dt.datetime(2024, 9, 30, 12, tzinfo=dt.UTC)
BY = CliActor("cli:test")


@pytest.fixture(scope="module")
def request_and_store(tmp_path_factory):
    """The school resolved as of its 20th day, its casebook with two open plans: Ben tier 2,
    Chloé tier 3 (case manager Ms. Lee, a weekly check-in on offer)."""
    root = family_workspace(tmp_path_factory.mktemp("families"))
    store = open_workspace_store(open_workspace(root), clock=lambda: NOW)
    add_user(store, "lee", "school_staff", schools=["S1"], display_name="Ms. Lee",
             email="lee@example.org")  # fmt: skip
    visit = add_support(store, "Weekly check-in with a case manager", 3, by=BY)
    open_plan(store, student_id="B2", school_id="S1", tier=2, owner="lee", by=BY)
    open_plan(store, student_id="C3", school_id="S1", tier=3, owner="lee",
              supports=[visit.id], by=BY)  # fmt: skip
    with resolve(workspace=root) as request:
        yield request, store
    store.close()


@pytest.fixture(scope="module")
def nudges(request_and_store):
    request, store = request_and_store
    return gather(request, store, "nudge")


def _by_student(letters):
    return {letter.recipient.student_id: letter for letter in letters}


def test_the_nudge_goes_to_the_children_missing_school_who_have_a_contact(
    request_and_store, nudges
):
    assert request_and_store[0].as_of == AS_OF
    batch = nudges
    assert sorted(_by_student(batch.letters)) == ["A1", "B2", "C3"]
    assert [(s.student_id, s.reason) for s in batch.skipped] == [("E5", "no contact")]
    assert batch.by_language() == {"es": 1, "en": 2}
    assert batch.fallbacks() == {"fr": 1}  # Chloé's family asked for French: no catalog


def test_a_spanish_nudge_says_the_childs_days_with_the_half_the_median_and_the_phone(nudges):
    ana = _by_student(nudges.letters)["A1"]
    who = ana.recipient
    assert (who.contact_id, who.language, who.fallback) == ("G1", "es", False)
    assert who.address_lines == ("Rosa Diaz", "12 Elm Street", "Springfield, IL 62701")
    assert who.email == "rosa@example.org"
    assert ana.subject == "Cada día de escuela cuenta para Ana"
    assert "hasta el 27 de septiembre de 2024, Ana ha faltado 4½ días de escuela." in ana.text
    assert "compañeros de grado 3 en Lincoln Elementary es de 2 días (la mediana" in ana.text
    assert f"llámenos al {SCHOOL_PHONE}" in ana.text
    assert "4½ días de escuela" in ana.html


def test_an_english_nudge_and_one_in_english_for_want_of_a_catalog(nudges):
    letters = _by_student(nudges.letters)
    ben, chloe = letters["B2"], letters["C3"]
    assert "through September 27, 2024, Ben has missed 1 school day." in ben.text
    assert "grade 3 at Lincoln Elementary is 2 days (the median" in ben.text
    assert (chloe.recipient.language, chloe.recipient.wanted_language) == ("en", "fr")
    assert chloe.recipient.fallback
    assert "Chloé has missed 3 school days." in chloe.text


def test_recognition_skips_a_family_that_may_not_be_contacted(request_and_store):
    request, store = request_and_store
    batch = gather(request, store, "recognition")
    fay = _by_student(batch.letters)["F6"]
    assert [(s.student_id, s.reason) for s in batch.skipped] == [("D4", "may not contact")]
    assert list(_by_student(batch.letters)) == ["F6"]
    assert fay.recipient.language == "es"  # the contact gave none: the home language
    assert fay.subject == "Gracias: Fay viene a la escuela"


def test_plans_decide_the_invitation_and_the_intensive_letter(request_and_store):
    request, store = request_and_store
    invited = [r.student_id for r in eligible(request, "invitation", store=store)]
    assert "B2" in invited and "C3" not in invited  # Chloé's plan is tier 3
    (chloe,) = letters_for(request, store, "intensive")
    assert chloe.recipient.student_id == "C3"
    assert "Ms. Lee will work with you and Chloé" in chloe.text
    assert "- Weekly check-in with a case manager" in chloe.text
    assert f"Please call Ms. Lee at {SCHOOL_PHONE}." in chloe.text


def test_only_the_students_asked_for(request_and_store):
    request, store = request_and_store
    letters = letters_for(request, store, "nudge", student_ids=["B2", "E5"])
    assert [lt.recipient.student_id for lt in letters] == ["B2"]


def test_compose_alone_and_grades_in_words():
    who = Recipient("X1", "S9", "G9", "Sam Roe", "en", False, None, None, ("Sam Roe",))
    facts = LetterFacts(None, "Oak School", None, "KG", 0.5, 40, 1.0)
    letter = compose("nudge", who, facts, as_of=dt.date(2025, 1, 31))
    assert "your child has missed ½ school days." in letter.text
    assert "grade K at Oak School is 1 days" in letter.text
    assert "please call the school office." in letter.text  # no phone in homeroom.toml
    assert (grade_words("03"), grade_words("KG"), grade_words("PK")) == ("3", "K", "PK")
