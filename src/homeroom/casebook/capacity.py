"""How many students a school's attendance team can take on this week: the work queue shows
that many first and says how many more wait."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, audit
from homeroom.casebook.plan_tables import QueueCapacity
from homeroom.casebook.store import Store

DEFAULT_CAPACITY = 10
MAX_CAPACITY = 1000


@dataclass(frozen=True)
class Capacity:
    students: int
    set_by: str | None  # None: the default, never set
    set_at: dt.datetime | None


def team_capacity(store: Store, school_id: str) -> Capacity:
    with store.session(write=False) as session:
        row = session.get(QueueCapacity, str(school_id))
        if row is None:
            return Capacity(DEFAULT_CAPACITY, None, None)
        return Capacity(row.students, row.set_by, row.set_at)


def set_team_capacity(store: Store, school_id: str, students: int, *, by: Actor) -> Capacity:
    if (
        isinstance(students, bool)
        or not isinstance(students, int)
        or not (0 < students <= MAX_CAPACITY)
    ):
        raise CaseworkError(f"capacity must be a whole number from 1 to {MAX_CAPACITY}", "students")
    with store.session() as session:
        row = session.get(QueueCapacity, str(school_id))
        now = store.now()
        if row is None:
            row = QueueCapacity(school_id=str(school_id), students=students, set_by=by.username,
                                set_at=now)  # fmt: skip
            session.add(row)
        else:
            row.students, row.set_by, row.set_at = students, by.username, now
        audit(session, store, by, "queue_capacity_set", str(school_id), subject_type="school",
              students=students)  # fmt: skip
        return Capacity(students, by.username, now)
