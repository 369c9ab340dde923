"""The people of the casework tests: who works where, and the command line acting for them.

school 0042: rivera (school staff) and gone (school staff, disabled); school 0043: lee (school
staff); kim (district administrator, every school); ana (district viewer, aggregates only).
"""

from __future__ import annotations

import datetime as dt

from casebook.support import PASSPHRASE, START
from homeroom.casebook import CliActor, Store, add_user, audit_entries, disable_user
from homeroom.casebook.audit import AuditEntry

OPS = CliActor("cli:ops")
TODAY = START.date()  # Monday 6 January 2025, the clock's first day


def day(offset: int) -> dt.date:
    """TODAY moved by OFFSET days."""
    return TODAY + dt.timedelta(days=offset)


def staff(store: Store) -> None:
    add_user(store, "rivera", "school_staff", password=PASSPHRASE, schools=["0042"])
    add_user(store, "gone", "school_staff", password=PASSPHRASE, schools=["0042"])
    disable_user(store, "gone")
    add_user(store, "lee", "school_staff", password=PASSPHRASE, schools=["0043"])
    add_user(store, "kim", "district_admin", password=PASSPHRASE)
    add_user(store, "ana", "district_viewer", password=PASSPHRASE)


def logged(store: Store, **filters: object) -> list[tuple[str, str, str, str | None]]:
    """(who, action, subject type, subject id) of the audit entries, oldest first."""
    return [(e.username, e.action, e.subject_type, e.subject_id) for e in entries(store, **filters)]


def entries(store: Store, **filters: object) -> list[AuditEntry]:
    return audit_entries(store, **filters)  # type: ignore[arg-type]
