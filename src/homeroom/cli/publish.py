"""`homeroom publish`: the public site of chronic absence, as static files a CDN can serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DefinitionOption,
    WorkspaceOption,
    resolved,
    status,
    words,
)
from homeroom.cli.output import UsageProblem, err

EPILOG = (
    "Examples:\n\n"
    "`homeroom publish --workspace state-2025 --out site`\n\n"
    "`homeroom publish --workspace state-2025 --out site --definition edfacts --as-of 2025-01-31`"
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(epilog=EPILOG)(publish)


def publish(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="The site's folder: index.html (the state), districts/, schools/, data/*.csv. "
            "A folder this command wrote before is replaced whole; any other must be new or empty.",
        ),
    ],
    workspace: WorkspaceOption = None,
    definition: DefinitionOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The public site: state, district and school pages with the chronic absence rate beside
    ADA, the level, the trend, student groups and grades; every table also as CSV. Small groups
    are suppressed, with complementary suppression across the whole site."""
    from homeroom.publish.site import PublishError
    from homeroom.publish.site import publish as publish_site

    with resolved(workspace=workspace, definition=definition, as_of=as_of) as request:
        with status("Publishing the site") as update:
            try:
                written = publish_site(request, out, progress=update)
            except PublishError as exc:
                raise UsageProblem(str(exc)) from exc
        err.print(
            f"Wrote {written.pages:,} pages to {written.out} ({words(request)}); "
            f"{written.suppressed:,} of {written.cells:,} cells suppressed."
        )
