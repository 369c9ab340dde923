"""`homeroom effect`: did each support work, against matched students not yet served."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    WorkspaceOption,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import err, frame_writer, print_frame

if TYPE_CHECKING:
    from homeroom.outreach.effect import Event
    from homeroom.resolver import Resolved

EPILOG = (
    "Example:\n\n"
    "`homeroom effect --workspace district --out effect.csv`\n\n"
    "One row per kind of support and a row `all` pooling them: the change in absence rate "
    "(points) of the students served, of matched students not yet served, the difference "
    "with its 95% interval, and a conclusion. Method: docs/effect.md."
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(epilog=EPILOG)(effect)


def effect(
    data: DataOption = None,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the rows to FILE.csv, FILE.xlsx, FILE.parquet or FILE.json (with "
            "FILE.about.json beside it).",
        ),
    ] = None,
) -> None:
    """The effect of each kind of support on absence rates, in percentage points."""
    from homeroom.outreach.effect import as_frame, effects

    writer = frame_writer(out_file) if out_file is not None else None
    with resolved(
        data=data,
        workspace=workspace,
        definition=definition,
        as_of=as_of,
        doing=f"Reading {data}" if data else "Reading the workspace",
    ) as request:
        with status("Matching served students"):
            frame = as_frame(effects(request, _casebook_events(request)))
        if writer is not None and out_file is not None:
            writer(frame, out_file)
            write_about(out_file, request, len(frame))
            err.print(f"Wrote {len(frame):,} rows to {out_file} ({words(request)}).")
        else:
            print_frame(frame, f"Effect of supports — {words(request)}")


def _casebook_events(request: Resolved) -> list[Event]:
    """A workspace's plans, actions and imported supports; none for a folder of files."""
    from homeroom.casebook.store import CasebookError, open_workspace_store
    from homeroom.outreach.effect_sources import casebook_events

    if request.workspace is None:
        return []
    try:
        with open_workspace_store(request.workspace) as store:
            return casebook_events(store)
    except CasebookError as exc:
        err.print(f"[yellow]warning:[/] the casebook's supports are left out: {exc}")
        return []


def report_effects(request: Resolved) -> list[dict[str, object]]:
    """`homeroom report`'s section rows: empty when the data and casebook hold no supports."""
    from homeroom.outreach.effect import as_frame, effects

    rows = effects(request, _casebook_events(request))
    return as_frame(rows).to_dict("records") if rows else []  # type: ignore[return-value]
