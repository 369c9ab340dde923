"""`homeroom report`: the district summary on the terminal, and the printable report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.effect import report_effects
from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    EngineOption,
    WorkspaceOption,
    resolved,
    status,
)
from homeroom.cli.output import UsageProblem, err, out

if TYPE_CHECKING:
    import duckdb

    from homeroom.contract.tables import Tables
    from homeroom.reports.summary import Summary
    from homeroom.resolver import Resolved

EPILOG = (
    "Examples: `homeroom report --workspace district-2025 --out report.pdf` · "
    "`homeroom report --data exports/2025 --as-of 2025-01-31 --out report.html`"
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(epilog=EPILOG)(report)


def report(
    data: DataOption = None,
    workspace: WorkspaceOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the printable district report: FILE.pdf, or FILE.html (the same "
            "document as one self-contained page). Adds month-by-month trends.",
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="The same as --out FILE.html (kept for older scripts).")
    ] = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
    engine: EngineOption = None,
) -> None:
    """The district summary: chronic rate with ADA beside it, tiers, schools, largest gaps."""
    from homeroom.pipeline import MetricsSession
    from homeroom.reports import build_summary, render_terminal
    from homeroom.reports.pdf import SUFFIXES, write_report

    if out_file is not None and out_file.suffix.lower() not in SUFFIXES:
        raise UsageProblem(f"--out must end in .pdf or .html; got {out_file.name!r}")
    trend: tuple = ()
    effects: list[dict[str, object]] = []
    with (
        resolved(
            data=data, workspace=workspace, definition=definition, as_of=as_of, engine=engine
        ) as request,
        request.tables() as tables,
    ):
        # One pass over attendance and one roll-up per district and state for the whole summary,
        # not one per table in it (DuckDB keeps them; Spark recomputes from one copy of tables).
        keep = request.engine == "duckdb"
        with (
            MetricsSession(
                tables, request.definition, as_of=request.as_of, keep=keep, keep_rolled=keep
            ) as session,
            status("Computing the summary"),
        ):
            summary = build_summary(
                lambda level, by=(): session.frame(level, by=by),
                request.definition,
                title=request.title,
                as_of=request.as_of,
                names=unit_names(request.con),
            )
        summary = with_stale_schools(summary, request)
        if out_file is not None or html is not None:
            trend = month_trends(request, tables, summary)
            effects = report_effects(request)  # issue 14: rows only when there are supports
    render_terminal(summary, out)
    if html is not None:
        _write_html(html, summary, trend, effects)
    if out_file is not None:
        with status("Writing the report") as update:
            write_report(summary, out_file, trend, progress=update, effects=effects)
        out.print(f"Report: {out_file}")


def _write_html(html: Path, summary: Summary, trend: tuple, effects: list) -> None:
    from homeroom.reports.pdf import render_report

    with status("Writing the HTML report") as update:
        page = render_report(summary, trend, progress=update, effects=effects)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(page, encoding="utf-8")
    out.print(f"HTML report: {html}")


def with_stale_schools(summary: Summary, request: Resolved) -> Summary:
    """Schools whose attendance stops early are named in the report's notes, never hidden."""
    from homeroom.formats import stale_school_sentence

    stale = tuple(
        stale_school_sentence(s.school_name, s.last_recorded, s.school_days_missing, request.as_of)
        for s in request.stale
    )
    return dataclasses.replace(summary, notes=(*stale, *summary.notes)) if stale else summary


def month_trends(request: Resolved, tables: Tables, summary: Summary) -> tuple:
    """The unit's rate through each month end of each school year, up to the as-of date."""
    import pandas as pd
    from rich.progress import Progress

    from homeroom.metrics.months import month_ends
    from homeroom.pipeline import MetricsSession
    from homeroom.reports.trend import month_trend
    from homeroom.signals.history import year_tables

    spans = request.con.execute(
        "SELECT school_year, min(date), max(date) FROM calendar "
        "WHERE instructional GROUP BY school_year"
    ).fetchall()
    ends = month_ends(
        {int(y): (a, b) for y, a, b in spans}, request.as_of, through_year=summary.school_year
    )

    years = {end.date: end.school_year for end in ends}

    def rates_at(date: dt.date) -> pd.DataFrame:
        # The month end's own school year only: the trend reads no other, and each earlier
        # year's rows would be added up again at every month end.
        one_year = year_tables(tables, [years[date]])
        with MetricsSession(one_year, request.definition, as_of=date, keep=False) as at_date:
            return at_date.frame(summary.unit_kind)

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("Month-end rates for the trends", total=len(ends))
        return tuple(
            month_trend(
                rates_at,
                ends,
                summary,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        )


def unit_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """School and district names by id, for the report's tables."""
    rows = con.execute(
        "SELECT school_id, school_name FROM schools UNION ALL "
        "SELECT DISTINCT district_id, district_name FROM schools"
    ).fetchall()
    return {str(key): str(name) for key, name in rows}
