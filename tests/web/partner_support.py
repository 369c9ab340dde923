"""Partners, their accounts and consents for the partner tests: made through the casebook's
services, as `homeroom partners add` and a school's referral form make them."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb

from homeroom.casebook.audit import CliActor
from homeroom.casebook.casework import today
from homeroom.casebook.consents import refer
from homeroom.casebook.partners import add_partner
from homeroom.casebook.users import add_user
from web.conftest import PASSWORD

BY = CliActor("cli:test")
_numbers = itertools.count(1)


def new_partner(district, name: str) -> tuple[int, str]:  # noqa: ANN001
    """A partner organisation and one account of it: (partner id, username)."""
    number = next(_numbers)
    partner = add_partner(district.store, f"{name} {number}", "mentoring", by=BY)
    username = f"partner{number}_{partner.id}"
    add_user(district.store, username, "partner", password=PASSWORD, partner_id=partner.id, by=BY)
    return partner.id, username


def consent_to(
    district,  # noqa: ANN001
    partner_id: int,
    student_id: str,
    scope: list[str],
    *,
    days: int = 60,
) -> int:
    """A referral of the student to the partner with a consent in force for DAYS more days."""
    day = today(district.store)
    _, consent = refer(
        district.store,
        student_id=student_id,
        school_id=district.staff_school,
        partner_id=partner_id,
        reason="needs a mentor",
        consent={
            "given_by": "A. Guardian",
            "relationship": "guardian",
            "given_on": day - dt.timedelta(days=3),
            "expires_on": day + dt.timedelta(days=days),
            "scope": scope,
        },
        by=BY,
    )
    return consent.id


def touched(store) -> set[str]:  # noqa: ANN001
    """Students with a plan, an action or a referral already (other tests' work)."""
    from sqlalchemy import select

    from homeroom.casebook.partner_tables import Referral
    from homeroom.casebook.plan_tables import Action, Plan

    with store.session(write=False) as session:
        return {
            str(s)
            for table in (Plan, Action, Referral)
            for s in session.scalars(select(table.student_id).distinct())
        }


def students_of(district, first: int, count: int) -> list[str]:  # noqa: ANN001
    """COUNT students of the staff user's school (this year) that no test has worked on yet,
    from the FIRST in id order."""
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT student_id FROM enrollments WHERE school_id = ? AND school_year = "
            "(SELECT max(school_year) FROM enrollments) ORDER BY student_id",
            [district.staff_school],
        ).fetchall()
    finally:
        con.close()
    busy = touched(district.store)
    return [r[0] for r in rows if r[0] not in busy][first : first + count]


def contacts_of(district, student_id: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """The student's contacts' (name, phone)."""
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT name, phone FROM contacts WHERE student_id = ? ORDER BY name", [student_id]
        ).fetchall()
    finally:
        con.close()


def names_of(district, student_id: str) -> tuple[str, str]:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT first_name, last_name FROM students WHERE student_id = ? LIMIT 1",
            [student_id],
        ).fetchall()[0]
    finally:
        con.close()
