"""The predictive model's commands: `evaluate`, `train` and `score` (docs/signals.md, "Model").

`register(group)` adds them to a Typer app; meant for the `homeroom signals` group, so that they
run as `homeroom signals evaluate|train|score`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli_output import WorkspaceOption

if TYPE_CHECKING:
    from homeroom.contract.tables import Tables
    from homeroom.definitions import Definition
    from homeroom.warehouse import Workspace

DefinitionOption = Annotated[
    str | None,
    typer.Option(
        "--definition",
        "-d",
        help="A shipped definition or your own TOML file. Default: the workspace's, else "
        "`default`.",
    ),
]
ThreadsOption = Annotated[
    int,
    typer.Option(
        "--threads",
        help="Cores scikit-learn may use. 1 (the default) is much faster on a machine other "
        "work keeps busy; more helps little otherwise (docs/signals.md).",
        min=1,
    ),
]
NameOption = Annotated[
    str, typer.Option("--name", help="The model's name under WORKSPACE/models/.")
]


def register(group: typer.Typer) -> None:
    """Add `evaluate`, `train` and `score` to a Typer app (the `homeroom signals` group)."""
    group.command(
        name="evaluate",
        epilog="Example: `homeroom signals evaluate --workspace district --out evaluation.html`",
    )(evaluate)
    group.command(name="train", epilog="Example: `homeroom signals train --workspace district`")(
        train
    )
    group.command(
        name="score",
        epilog="Example: `homeroom signals score --as-of 2025-01-06 --out chances.csv`",
    )(score)


@contextmanager
def _tables(
    workspace: Path | None, data: Path | None, definition: str | None
) -> Iterator[tuple[Tables, Definition, Workspace | None]]:
    """The validated tables of a workspace's current load (read-only) or of a folder."""
    import duckdb

    from homeroom.cli import _definition, _warn_quarantined
    from homeroom.cli_output import UsageProblem
    from homeroom.engine import duckdb_tables

    if data is not None and workspace is not None:
        raise UsageProblem("--data reads a folder; leave out --workspace")
    if data is not None:
        from homeroom.contract import validate_dataset

        chosen = _definition(definition)
        con = duckdb.connect()
        try:
            report = validate_dataset(Path(data), con, definition=chosen)
            _warn_quarantined(data)(report)
            yield duckdb_tables(con, report.units_per_day), chosen, None
        finally:
            con.close()
        return
    from homeroom.pipeline import require_compatible_load
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(workspace)
    chosen = _definition(definition) if definition else space.definition()
    con = connect(space, read_only=True)
    try:
        current = require_compatible_load(con, space, chosen)
        yield duckdb_tables(con, current.units_per_day), chosen, space
    finally:
        con.close()


def _years(text: str | None) -> list[int] | None:
    from homeroom.cli_output import UsageProblem

    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise UsageProblem(f"years are school years like 2023,2024; got {text!r}") from exc


def _months(text: str) -> tuple[int, ...]:
    from homeroom.cli_output import UsageProblem

    try:
        months = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        months = ()
    if not months or not all(1 <= m <= 12 for m in months):
        raise UsageProblem(f"--months lists months 1-12 such as 9,10,11; got {text!r}")
    return months


def evaluate(
    out_file: Annotated[
        Path, typer.Option("--out", help="Write the report to FILE.html or FILE.md.")
    ],
    workspace: WorkspaceOption = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Evaluate on a dataset folder (validated first)."),
    ] = None,
    definition: DefinitionOption = None,
    test_year: Annotated[
        int | None,
        typer.Option("--test-year", help="The school year held out (default: the latest)."),
    ] = None,
    train_years: Annotated[
        str | None,
        typer.Option(
            "--train-years",
            help="School years to learn from, e.g. 2023,2024 (default: every year before the "
            "test year but the first).",
        ),
    ] = None,
    capacity: Annotated[
        float,
        typer.Option(
            help="Students the district can serve: a share of those enrolled (0.05 = 5%) or a "
            "number (e.g. 400)."
        ),
    ] = 0.05,
    cut: Annotated[
        float, typer.Option(help="The chance from which the model flags a student (0-1).")
    ] = 0.5,
    months: Annotated[
        str,
        typer.Option(
            help="Months whose first day is a check (and a training date), in school-year order."
        ),
    ] = "9,10,11,12,1,2,3",
    threads: ThreadsOption = 1,
) -> None:
    """Train on earlier years, test on a later one: AUC, precision and recall at capacity,
    calibration, the same by student group, and the lead time of waiting for the 10% line, the
    rules and the model. The report holds aggregates only."""
    from homeroom.cli import _status
    from homeroom.cli_output import UsageProblem, err
    from homeroom.signals.evaluation import evaluate as run_evaluation
    from homeroom.signals.evaluation_report import render
    from homeroom.signals.model import ModelError

    if out_file.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
        raise UsageProblem(f"--out must end in .html or .md; got {out_file.name}")
    if capacity <= 0 or not 0 <= cut <= 1:
        raise UsageProblem("--capacity must be above 0 and --cut between 0 and 1")
    with _tables(workspace, data, definition) as (tables, chosen, _space):
        try:
            with _status("Evaluating the early-warning strategies") as update:
                result = run_evaluation(
                    tables,
                    chosen,
                    test_year=test_year,
                    train_years=_years(train_years),
                    months=_months(months),
                    capacity=capacity,
                    cut=cut,
                    progress=update,
                    threads=threads,
                )
        except (ModelError, ValueError) as exc:
            raise UsageProblem(str(exc)) from exc
    out_file.write_text(render(result, out_file.suffix), encoding="utf-8")
    summary = result.strategies().set_index("strategy")
    err.print(
        f"Wrote {out_file}: tested on {result.test_year}, trained on "
        f"{', '.join(map(str, result.train_years))}; the model's AUC from "
        f"{result.by_date()['auc'].iloc[0]:.3f} ({result.dates[0]}) to "
        f"{result.by_date()['auc'].iloc[-1]:.3f} ({result.dates[-1]}); "
        f"rules flagged {summary.loc['rules', 'flagged_before_crossing']:.0%} and the model "
        f"{summary.loc['model_cut', 'flagged_before_crossing']:.0%} of the students who ended "
        "chronically absent before they crossed the line."
    )


def train(
    workspace: WorkspaceOption = None,
    definition: DefinitionOption = None,
    years: Annotated[
        str | None,
        typer.Option(
            "--years",
            help="School years to learn from, e.g. 2023,2024 (default: every year before the "
            "latest but the first).",
        ),
    ] = None,
    name: NameOption = "chronic",
    threads: ThreadsOption = 1,
) -> None:
    """Train the model on the workspace's earlier years and save it under WORKSPACE/models/."""
    from homeroom.cli import _status
    from homeroom.cli_output import UsageProblem, err
    from homeroom.signals.model import ModelError, save_model
    from homeroom.signals.model import train as run_training

    with _tables(workspace, None, definition) as (tables, chosen, space):
        try:
            with _status("Training the model") as update:
                model = run_training(
                    tables, chosen, _years(years), progress=update, threads=threads
                )
        except ModelError as exc:
            raise UsageProblem(str(exc)) from exc
        path = save_model(model, space.root, name)  # type: ignore[union-attr]
    took = sum(model.seconds.values())
    err.print(
        f"Trained on {', '.join(map(str, model.years))} ({model.rows:,} student-dates) in "
        f"{took:.0f} s; kept {model.method} calibration (Brier "
        f"{model.candidates[model.method]:.4f}, base rate "
        f"{model.candidates['base rate (no model)']:.4f}). Saved to {path}."
    )


def score(
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Write student_id, school_id, probability, top_factors (then school_year, "
            "district_id, grade_level) to FILE.csv, .parquet or .json.",
        ),
    ],
    workspace: WorkspaceOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Score as of this date (YYYY-MM-DD). Default: the last date with attendance, "
            "but not after today.",
        ),
    ] = None,
    name: NameOption = "chronic",
    explain: Annotated[
        float,
        typer.Option(
            help="Share of students, highest chance first, whose main factors are written "
            "(1 = all)."
        ),
    ] = 1.0,
    threads: ThreadsOption = 1,
) -> None:
    """Each enrolled student's chance of ending the year chronically absent, with the main
    factors in words. Writing the rows is recorded in the workspace's audit log."""
    from homeroom.cli import _as_of, _status
    from homeroom.cli_output import UsageProblem, err, frame_writer
    from homeroom.signals.model import ModelError, load_model
    from homeroom.signals.model import score as run_scoring
    from homeroom.signals.watch import latest_day

    writer = frame_writer(out_file)
    with _tables(workspace, None, None) as (tables, chosen, space):
        try:
            model = load_model(space.root, name)  # type: ignore[union-attr]
            day: dt.date = _as_of(as_of) or latest_day(tables)
            with _status(f"Scoring students as of {day.isoformat()}"):
                frame = run_scoring(tables, chosen, day, model, explain=explain, threads=threads)
        except ModelError as exc:
            raise UsageProblem(str(exc)) from exc
    space.audit(  # type: ignore[union-attr]
        "model_scores", rows=len(frame), as_of=day.isoformat(), out=str(out_file)
    )
    writer(frame, out_file)
    err.print(f"Wrote {len(frame):,} students to {out_file} (as of {day.isoformat()}).")
