"""The audit log: who saw or changed what, when and why. Append-only and tamper-evident.

Every view and export of a student record, and every change to accounts, adds one entry. The
database refuses to change, delete or replace entries (triggers made by the migrations), so even
a bug or a careless SQL session here cannot rewrite history; each entry is chained to the one
before it by hashes (casebook.audit_chain), so an edit past the triggers shows. Every student an
entry covers is indexed (audit_subjects), so a student's views in lists and exports are found.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from homeroom.casebook.audit_chain import entry_hash, lock_log, students_covered
from homeroom.casebook.models import AuditRecord, AuditSubject
from homeroom.casebook.store import Store
from homeroom.contract.tablefiles import CsvRows

EXPORT_COLUMNS = (
    "id", "at", "username", "role", "action", "subject_type", "subject_id", "reason", "detail",
)  # fmt: skip


class Actor(Protocol):
    """Who did it: a signed-in user's Scope, a User, or `CliActor`."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class CliActor:
    """Someone at the server's command line (who can reach the workspace files)."""

    username: str
    role: str = "cli"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime  # UTC
    username: str
    role: str
    action: str
    subject_type: str
    subject_id: str | None
    reason: str | None
    detail: dict[str, Any]


def record(
    store: Store,
    *,
    username: str,
    role: str,
    action: str,
    subject_type: str,
    subject_id: str | None = None,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry in its own transaction; returns its id.

    action: what happened, e.g. "student_viewed", "student_list_exported", "user_disabled".
    subject_type/subject_id: what it happened to, e.g. "student"/"S0042" or "user"/"kim".
    reason: why, when the person gave one. detail: anything else, kept as JSON.
    """
    with store.session() as session:
        return append(
            session,
            store.now(),
            username=username,
            role=role,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            detail=detail,
        )


def append(
    session: Session,
    at: dt.datetime,
    *,
    username: str,
    role: str,
    action: str,
    subject_type: str,
    subject_id: str | None = None,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append inside SESSION's transaction: the entry commits with the change it describes.

    The entry gets the next id and is chained to the last entry under the log's write lock.
    """
    if not action or not subject_type or not username:
        raise ValueError("an audit entry needs a username, an action and a subject_type")
    subject = None if subject_id is None else str(subject_id)
    text = json.dumps(dict(detail), sort_keys=True, default=str) if detail else None
    entry_id, previous = lock_log(session)
    # Hash the moment as the database gives it back (SQLite keeps microseconds, no offset).
    moment = at.astimezone(dt.UTC)
    session.add(
        AuditRecord(
            id=entry_id,
            at=moment,
            username=username,
            role=role,
            action=action,
            subject_type=subject_type,
            subject_id=subject,
            reason=reason or None,
            detail=text,
            previous_hash=previous,
            entry_hash=entry_hash(
                entry_id,
                moment,
                username,
                role,
                action,
                subject_type,
                subject,
                reason or None,
                text,
                previous,
            ),  # fmt: skip
        )
    )
    session.flush()
    # From the stored text, so the index says what the chained entry says.
    covered = students_covered(subject_type, subject, json.loads(text) if text else None)
    session.add_all(AuditSubject(entry_id=entry_id, student_id=s) for s in sorted(covered))
    session.flush()
    return entry_id


def audit_entries(
    store: Store,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    subject_id: str | None = None,
    student: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    """Entries oldest first (`newest_first`: the other way, as a page of the latest reads);
    with LIMIT, the most recent LIMIT of them.

    since: from this moment (a date: from its start, UTC). until: before this moment (a date:
    through its end, UTC). student: entries that showed this student, alone or in a list.
    """
    query = _filtered(since, until, username, action, subject_id, student)
    if limit is not None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = query.order_by(AuditRecord.id.desc()).limit(limit)
        with store.session(write=False) as session:
            rows = list(session.scalars(query))
        if not newest_first:
            rows.reverse()
    else:
        with store.session(write=False) as session:
            rows = list(session.scalars(query.order_by(AuditRecord.id)))
        if newest_first:
            rows.reverse()
    return [_entry(row) for row in rows]


def export_csv(
    store: Store,
    out: Path | TextIO,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    subject_id: str | None = None,
    student: str | None = None,
) -> int:
    """Write the entries (oldest first) as CSV with EXPORT_COLUMNS; returns how many.

    Times are ISO 8601 in UTC; detail is its JSON text. Streams, so a long log fits.
    """
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as handle:
            return export_csv(
                store,
                handle,
                since=since,
                until=until,
                username=username,
                action=action,
                subject_id=subject_id,
                student=student,
            )
    writer = CsvRows(out)  # the one export writer: formula-like text neutralised
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    query = _filtered(since, until, username, action, subject_id, student)
    query = query.order_by(AuditRecord.id)
    with store.session(write=False) as session:
        for row in session.scalars(query.execution_options(yield_per=1000)):
            writer.writerow(_csv_row(row))
            count += 1
    return count


def _filtered(
    since: dt.date | dt.datetime | None,
    until: dt.date | dt.datetime | None,
    username: str | None,
    action: str | None,
    subject_id: str | None,
    student: str | None = None,
) -> Select[AuditRecord]:
    query = select(AuditRecord)
    if since is not None:
        query = query.where(AuditRecord.at >= _moment(since, end_of_day=False))
    if until is not None:
        query = query.where(AuditRecord.at < _moment(until, end_of_day=True))
    if username is not None:
        query = query.where(AuditRecord.username == username)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    if subject_id is not None:
        query = query.where(AuditRecord.subject_id == str(subject_id))
    if student is not None:
        covering = select(AuditSubject.entry_id).where(AuditSubject.student_id == str(student))
        query = query.where(AuditRecord.id.in_(covering))
    return query


def _moment(value: dt.date | dt.datetime, *, end_of_day: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    day = value + dt.timedelta(days=1) if end_of_day else value
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _entry(row: AuditRecord) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        username=row.username,
        role=row.role,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        reason=row.reason,
        detail=json.loads(row.detail) if row.detail else {},
    )


def _csv_row(row: AuditRecord) -> list[str]:
    texts = [
        row.username, row.role, row.action, row.subject_type, row.subject_id, row.reason,
        row.detail,
    ]  # fmt: skip
    return [str(row.id), row.at.isoformat(), *(_cell(text) for text in texts)]


def _cell(text: str | None) -> str:
    return "" if text is None else text
