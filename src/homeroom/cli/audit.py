"""The `homeroom audit` commands: the audit log of every view and export of student records,
and every account change; listed on the terminal, exported as CSV (times in UTC), or its hash
chain verified (exit 4 when an entry was changed, removed or inserted out of order)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homeroom.cli.casebook import cli_actor, open_casebook
from homeroom.cli.options import WorkspaceOption
from homeroom.cli.output import EXIT_CHAIN_BROKEN, UsageProblem, err, out

audit_app = typer.Typer(
    help="The audit log: every view and export of student records, and every account change.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `homeroom` app."""
    app.add_typer(audit_app, name="audit")


def _shown(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _when(value: str | None, option: str) -> dt.date | dt.datetime | None:
    if value is None:
        return None
    try:
        if len(value) <= 10:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageProblem(
            f"{option} must be a date like 2025-01-31 or a time like 2025-01-31T14:00; "
            f"got {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="From this date (or UTC time, 2025-01-31T14:00) on."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", help="Through this date (or before this UTC time)."),
]
UserFilter = Annotated[str | None, typer.Option("--user", "-u", help="Only this username.")]
ActionFilter = Annotated[
    str | None,
    typer.Option("--action", "-a", help="Only this action, e.g. student_viewed, user_added."),
]
StudentFilter = Annotated[
    str | None,
    typer.Option(
        "--student",
        help="Only entries that showed this student id: alone, or in a list, search, watch "
        "list or export.",
    ),
]


@audit_app.command(
    "list",
    epilog=(
        "Examples:\n\n"
        "`homeroom audit list` (the latest 50 entries)\n\n"
        "`homeroom audit list --since 2025-01-01 --user rivera --limit 200`\n\n"
        "`homeroom audit list --student S0042` (who looked at this student's record)"
    ),
)
def audit_list(
    since: SinceOption = None,
    until: UntilOption = None,
    user: UserFilter = None,
    action: ActionFilter = None,
    student: StudentFilter = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show the latest N.", min=1)] = 50,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the audit log, oldest of the shown entries first. Times are UTC."""
    from homeroom.casebook import audit_entries

    since_day, until_day = _when(since, "--since"), _when(until, "--until")
    with open_casebook(workspace) as (space, store):
        entries = audit_entries(
            store,
            limit=limit,
            since=since_day,
            until=until_day,
            username=user,
            action=action,
            student=student,
        )
    if not entries:
        out.print("No audit entries match.")
        return
    table = Table(title=f"Audit log of {space.name} (times in UTC)")
    table.add_column("when", no_wrap=True)
    # Fold rather than cut: an id or a username must never be shown shortened.
    for column in ("who", "action", "about", "why", "detail"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            f"{entry.username} ({entry.role})",
            entry.action,
            entry.subject_type + (f" {entry.subject_id}" if entry.subject_id else ""),
            entry.reason or "",
            "\n".join(f"{key}={_shown(value)}" for key, value in sorted(entry.detail.items())),
        )
    out.print(table)
    if len(entries) == limit:
        err.print(f"Showing the latest {limit}; use --limit or `homeroom audit export` for more.")


@audit_app.command(
    "export",
    epilog="Examples: `homeroom audit export --out audit-2025.csv` · "
    "`homeroom audit export --since 2025-07-01 --until 2025-09-30 --out q1.csv`",
)
def audit_export(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The CSV file to write.")],
    since: SinceOption = None,
    until: UntilOption = None,
    user: UserFilter = None,
    action: ActionFilter = None,
    student: StudentFilter = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the audit log (or the entries matching the filters) to a CSV file.

    Columns: id, at (UTC, ISO 8601), username, role, action, subject_type, subject_id, reason,
    detail (JSON). The export itself is recorded in the log.
    """
    from homeroom.casebook import export_csv, record

    if out_file.suffix.lower() != ".csv":
        raise UsageProblem(f"--out must end in .csv; got {out_file.name!r}")
    since_day, until_day = _when(since, "--since"), _when(until, "--until")
    filters = {
        "since": since_day,
        "until": until_day,
        "username": user,
        "action": action,
        "student": student,
    }
    with open_casebook(workspace) as (_space, store):
        count = export_csv(
            store,
            out_file,
            since=since_day,
            until=until_day,
            username=user,
            action=action,
            student=student,
        )
        actor = cli_actor()
        record(
            store,
            username=actor.username,
            role=actor.role,
            action="audit_exported",
            subject_type="audit_log",
            detail={
                "rows": count,
                "out": str(out_file),
                **{key: str(value) for key, value in filters.items() if value is not None},
            },
        )
    err.print(f"Wrote {count:,} audit entries to {out_file}.")


@audit_app.command("verify", epilog="Example: `homeroom audit verify --workspace district`")
def audit_verify(workspace: WorkspaceOption = None) -> None:
    """Check the audit log's hash chain: every entry unchanged, none removed, none slipped in.

    Exits 0 when the chain is whole; otherwise names the first broken entry and why, and
    exits 4.
    """
    from homeroom.casebook.audit_chain import verify_chain

    with open_casebook(workspace) as (space, store):
        report = verify_chain(store)
    if report.whole:
        out.print(f"The audit log of {space.name}: the chain of {report.count:,} entries is whole.")
        return
    err.print(f"The audit log of {space.name} is broken at entry {report.broken_id}: {report.why}.")
    raise typer.Exit(EXIT_CHAIN_BROKEN)
