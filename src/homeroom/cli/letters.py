"""`homeroom letters`: print the families' letters of one kind, in each family's language.

Each letter printed is logged on the student's casebook as an action of kind `letter` (outcome
"<kind> letter printed"), so the same kind is not printed again within 30 days; writing the
file is recorded in the workspace's audit log like any export of student rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.casebook import cli_actor, open_casebook
from homeroom.cli.options import (
    AsOfOption,
    WorkspaceOption,
    record_view,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import UsageProblem, err

if TYPE_CHECKING:
    from homeroom.casebook import Store
    from homeroom.outreach.compose import Batch
    from homeroom.resolver import Resolved

EPILOG = (
    "Example:\n\n"
    "`homeroom letters --workspace district --kind nudge --school E01 --as-of 2025-01-31 "
    "--out nudge.pdf`\n\n"
    "`homeroom letters --workspace district --kind recognition --format csv --out merge.csv` "
    "(a mail-merge file; columns in docs/outreach.md)"
)
FORMATS = ("pdf", "csv")


def letters(
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="recognition, nudge, invitation or intensive (docs/outreach.md)."
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="Write the letters to this file (PDF, or CSV).")
    ],
    workspace: WorkspaceOption = None,
    school: Annotated[
        str | None, typer.Option("--school", help="Only this school's students (its id).")
    ] = None,
    as_of: AsOfOption = None,
    file_format: Annotated[
        str,
        typer.Option(
            "--format", help="pdf: one letter a page for a window envelope; csv: mail merge."
        ),
    ] = "pdf",
) -> None:
    """One letter a page for every student KIND fits as of the date who has a contact who may
    be contacted and no letter of that kind in the last 30 days, each in the family's language
    (English where no catalog exists). Each letter is logged on the student's casebook."""
    from homeroom.outreach.compose import KINDS

    if kind not in KINDS:
        raise UsageProblem(f"--kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if file_format not in FORMATS:
        raise UsageProblem(f"--format must be pdf or csv; got {file_format!r}")
    with (
        open_casebook(workspace) as (space, store),
        resolved(workspace=space.root, as_of=as_of) as request,
    ):
        batch = _print(request, store, kind, school, out_file, file_format)
        _log_letters(store, batch)
        record_view(request, "letters_rows", rows=len(batch.letters), kind=kind,
                    as_of=request.as_of.isoformat(), out=str(out_file),
                    school=school or "all")  # fmt: skip
        write_about(out_file, request, len(batch.letters))
    _summary(batch)
    err.print(f"Wrote {len(batch.letters):,} {kind} letters to {out_file} ({words(request)}).")


def _print(
    request: Resolved, store: Store, kind: str, school: str | None, out: Path, file_format: str
) -> Batch:
    from homeroom.outreach.compose import gather
    from homeroom.outreach.facts import school_phone
    from homeroom.outreach.printing import write_merge_csv, write_pdf

    with status(f"Writing {kind} letters") as update:
        update("finding the students and their contacts")
        batch = gather(request, store, kind, school_id=school)
        names = dict(request.con.execute("SELECT school_id, school_name FROM schools").fetchall())
        schools = {str(s): (str(n), school_phone(request, str(s))) for s, n in names.items()}
        if file_format == "csv":
            write_merge_csv(batch.letters, schools, out)
        else:
            write_pdf(batch.letters, schools, out, printed_on=store.now().date(), progress=update)
    return batch


def _log_letters(store: Store, batch: Batch) -> None:
    """Each letter printed, as an action of kind `letter` on its student's casebook."""
    from homeroom.casebook.actions import BULK_LIMIT, log_for_many
    from homeroom.outreach.recent import outcome

    pairs = [(lt.recipient.student_id, lt.recipient.school_id) for lt in batch.letters]
    for start in range(0, len(pairs), BULK_LIMIT):
        log_for_many(store, pairs[start : start + BULK_LIMIT], kind="letter",
                     outcome=outcome(batch.kind, "printed"), by=cli_actor())  # fmt: skip


def _summary(batch: Batch) -> None:
    """Letters by language, those in English for want of a catalog, and who was skipped."""
    from rich.table import Table

    table = Table(title=f"{batch.kind} letters, as of {batch.as_of.isoformat()}")
    table.add_column("")
    table.add_column("students", justify="right")
    for language, count in sorted(batch.by_language().items()):
        table.add_row(f"letters in {language}", f"{count:,}")
    for wanted, count in sorted(batch.fallbacks().items()):
        table.add_row(f"  in English: no catalog for {wanted}", f"{count:,}")
    for reason, count in sorted(batch.skipped_by_reason().items()):
        table.add_row(f"skipped: {reason}", f"{count:,}")
    err.print(table)


def register(app: typer.Typer) -> None:
    app.command(name="letters", epilog=EPILOG)(letters)
