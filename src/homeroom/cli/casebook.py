"""The casebook from the command line: opened for a workspace, and who is acting.

Whoever can run these commands can read the workspace's files, so they act as an administrator;
each change they make is itself written to the audit log as `cli:<login name>`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from homeroom.cli.output import UsageProblem

if TYPE_CHECKING:
    from homeroom.casebook import CliActor, Store
    from homeroom.warehouse import Workspace


@contextmanager
def open_casebook(workspace: Path | None) -> Iterator[tuple[Workspace, Store]]:
    """The workspace and its casebook; casebook problems become exit 2 with their message."""
    from homeroom.casebook import CasebookError, open_workspace_store
    from homeroom.warehouse import open_workspace

    space = open_workspace(workspace)
    try:
        store = open_workspace_store(space)
    except CasebookError as exc:
        raise UsageProblem(str(exc)) from exc
    try:
        yield space, store
    except CasebookError as exc:
        raise UsageProblem(str(exc)) from exc
    finally:
        store.close()


def cli_actor() -> CliActor:
    from homeroom.casebook import CliActor

    try:
        login = getpass.getuser()
    except Exception:  # noqa: BLE001 - some containers have no user name; still record the change
        login = "unknown"
    return CliActor(f"cli:{login}")
