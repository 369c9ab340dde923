"""Views and exports of student rows from the command line, recorded like the web's.

A command that shows or writes student-level rows records who, when and what twice: one line in
the workspace's audit/access.jsonl (readable without the casebook) and one entry in the
casebook's append-only audit log, where the web app's views go too (`homeroom audit list`
shows both). A view that cannot be recorded is refused: the error stops the command before it
shows the rows.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json

from homeroom.casebook.audit import record
from homeroom.casebook.store import CasebookError, open_workspace_store
from homeroom.warehouse import Workspace, WorkspaceError, private_files


@private_files()  # the access log and the casebook it may create: 0600 in a 0700 folder
def record_cli_view(workspace: Workspace, action: str, **details: object) -> None:
    """Record a view or export of student-level data by the person at the terminal."""
    user = _user()
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "user": user,
        "action": action,
        **details,
    }
    workspace.audit_path.parent.mkdir(parents=True, exist_ok=True)
    with workspace.audit_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True, default=str) + "\n")
    try:
        store = open_workspace_store(workspace)
    except CasebookError as exc:
        raise WorkspaceError(f"cannot record this view in the audit log: {exc}") from exc
    try:
        record(
            store,
            username=f"cli:{user}",
            role="cli",
            action=action,
            subject_type="student_rows",
            detail=details,
        )
    finally:
        store.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers; the log still records
        return "unknown"
