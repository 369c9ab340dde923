"""The audit log's hash chain and its student index: what makes the log tamper-evident.

Each entry stores the hash of the entry before it and a hash of its own content (which covers
that previous hash), so changing, removing or slipping in an entry breaks the chain from there
on. `verify_chain` walks the log in id order and names the first entry that does not fit.
The database triggers stop mistakes and casual edits; the chain shows what someone who got
past them (with the database file or its owner's password) did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from homeroom.casebook.models import AuditRecord
from homeroom.casebook.store import Store

# The "previous hash" of the first entry.
GENESIS = "0" * 64

Problem = Literal["changed", "removed", "inserted"]


def entry_hash(
    entry_id: int,
    at: dt.datetime,
    username: str,
    role: str,
    action: str,
    subject_type: str,
    subject_id: str | None,
    reason: str | None,
    detail: str | None,
    previous: str,
) -> str:
    """SHA-256 of an entry's content and the previous entry's hash (hex).

    detail is the stored JSON text; it is hashed in canonical form (sorted keys, no spaces), so
    the hash depends on what it says, not on how a database spells it.
    """
    moment = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    canonical = None if not detail else _canonical(json.loads(detail))
    content = [
        entry_id,
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        username, role, action, subject_type, subject_id, reason, canonical, previous,
    ]  # fmt: skip
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(row: AuditRecord, previous: str) -> str:
    return entry_hash(
        row.id, row.at, row.username, row.role, row.action, row.subject_type, row.subject_id,
        row.reason, row.detail, previous,
    )  # fmt: skip


def students_covered(
    subject_type: str, subject_id: str | None, detail: Mapping[str, Any] | None
) -> set[str]:
    """Every student id an entry is about: its subject, and a list view's `students`."""
    covered = {str(subject_id)} if subject_type == "student" and subject_id else set()
    listed = (detail or {}).get("students")
    if isinstance(listed, list | tuple):
        covered.update(str(student) for student in listed if student is not None)
    return covered


def lock_log(session: Session) -> tuple[int, str]:
    """Take the log's write lock for SESSION's transaction; returns the next id and the hash
    the next entry chains to.

    SQLite writers already hold the database's write lock (BEGIN IMMEDIATE); PostgreSQL takes a
    table lock that readers pass but a second writer waits on, so two entries can never chain to
    the same predecessor.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    last = session.execute(
        select(AuditRecord.id, AuditRecord.entry_hash).order_by(AuditRecord.id.desc()).limit(1)
    ).first()
    if last is None:
        return 1, GENESIS
    return last.id + 1, last.entry_hash or GENESIS


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: whole, or the first broken entry and why."""

    count: int
    broken_id: int | None = None
    problem: Problem | None = None
    why: str = ""

    @property
    def whole(self) -> bool:
        return self.broken_id is None


def verify_chain(store: Store) -> ChainReport:
    """Walk the log in id order and name the first entry that does not fit the chain.

    An entry is "inserted" when the one after it chains to the entry before it; "removed" when
    its previous hash is not the hash of the entry before it (an entry in between is gone, or
    was rewritten together with its hash); "changed" when its content no longer gives its hash.
    Removing the newest entries cannot be told from the chain alone (see docs/security.md).
    """
    count = 0
    previous: AuditRecord | None = None
    with store.session(write=False) as session:
        query = select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=500)
        for row, following in _pairs(session.scalars(query)):
            count += 1
            broken = _check(row, previous, following)
            if broken is not None:
                return ChainReport(count=count, broken_id=row.id, problem=broken[0], why=broken[1])
            previous = row
    return ChainReport(count=count)


def _pairs(rows: Iterator[AuditRecord]) -> Iterator[tuple[AuditRecord, AuditRecord | None]]:
    """Each row with the one after it (None for the last)."""
    current = next(rows, None)
    while current is not None:
        following = next(rows, None)
        yield current, following
        current = following


def _check(
    row: AuditRecord, previous: AuditRecord | None, following: AuditRecord | None
) -> tuple[Problem, str] | None:
    expected = GENESIS if previous is None else previous.entry_hash
    after = "the start of the log" if previous is None else f"entry {previous.id}"
    if row.previous_hash is None or row.entry_hash is None:
        return (
            "inserted",
            "inserted by hand: it carries no chain hashes, so Homeroom did not write it",
        )
    if following is not None and expected is not None and following.previous_hash == expected:
        return "inserted", (
            f"inserted out of order: entry {following.id} follows {after} directly, "
            f"so entry {row.id} was put between them"
        )
    if row.previous_hash != expected:
        first = 1 if previous is None else previous.id + 1
        missing = f" (ids {first} to {row.id - 1} are missing)" if row.id > first else ""
        return "removed", (
            f"removed: its previous hash is not the hash of {after}, so an entry before it "
            f"was removed or rewritten{missing}"
        )
    if row.entry_hash != row_hash(row, row.previous_hash or GENESIS):
        return "changed", "changed: its content no longer matches its hash"
    return None
