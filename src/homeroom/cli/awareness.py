"""`homeroom awareness`: a one-page fact sheet on chronic absence for each school and district,
in English or Spanish, with chart images sized for social media and their alternative text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DefinitionOption,
    WorkspaceOption,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import UsageProblem, err

if TYPE_CHECKING:
    from homeroom.awareness.content import UnitFacts
    from homeroom.resolver import Resolved

EPILOG = (
    "Examples:\n\n"
    "`homeroom awareness --workspace district --language es --out awareness` "
    "(every school and the district, in Spanish)\n\n"
    "`homeroom awareness --workspace district --school D01-E01 --language en --out awareness` "
    "(one school)\n\n"
    "What the sheets say, their sources and the files written: docs/awareness.md"
)


def awareness(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Write into this folder: school-<id>/ and district-<id>/, each with "
            "sheet.<lang>.pdf, the chart PNGs and images.<lang>.json (their alt text).",
        ),
    ],
    language: Annotated[
        str, typer.Option("--language", help="en or es: the language of the sheets and images.")
    ] = "en",
    workspace: WorkspaceOption = None,
    school: Annotated[
        str | None, typer.Option("--school", help="Only this school's sheet (its id).")
    ] = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
) -> None:
    """A one-page fact sheet for each school and district (or one school): what chronic
    absence is, how it differs from truancy, the unit's rate beside the state's, and what
    families and the community can do; a figure from too few students is not shown."""
    from homeroom.awareness.languages import LANGUAGES
    from homeroom.awareness.material import write_all

    if language not in LANGUAGES:
        raise UsageProblem(f"--language must be one of {', '.join(LANGUAGES)}; got {language!r}")
    with resolved(workspace=workspace, definition=definition, as_of=as_of) as request:
        units = _facts(request, school)
        with status(f"Writing {len(units)} awareness sheets") as update:
            written = write_all(units, language, out_dir, progress=update)
        write_about(out_dir / f"awareness.{language}", request, len(units))
    private = f"; {written.private} without a number, for privacy" if written.private else ""
    err.print(
        f"Wrote {len(written.sheets)} sheets and {len(written.images)} images in {language} "
        f"to {out_dir}{private} ({words(request)})."
    )


def _facts(request: Resolved, school: str | None) -> list[UnitFacts]:
    """The sheets' facts from the metrics layer (aggregates only)."""
    from homeroom.awareness.content import gather
    from homeroom.pipeline import MetricsSession

    schools = request.con.execute("SELECT * FROM schools").fetchdf()
    if school is not None and school not in set(schools["school_id"].astype(str)):
        raise UsageProblem(f"--school {school!r} is not a school of this workspace's data")
    with (
        request.tables() as tables,
        MetricsSession(
            tables, request.definition, as_of=request.as_of, keep=request.engine == "duckdb"
        ) as session,
        status("Computing the rates"),
    ):
        return gather(session.frame, schools, request.definition, request.as_of, school=school)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(name="awareness", epilog=EPILOG)(awareness)
