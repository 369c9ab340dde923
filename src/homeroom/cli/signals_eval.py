"""The predictive model's commands: `evaluate`, `train` and `score` (docs/signals.md, "Model").

`register(group)` adds them to a Typer app; meant for the `homeroom signals` group, so that they
run as `homeroom signals evaluate|train|score`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    WorkspaceOption,
    record_view,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import UsageProblem, err, frame_writer

if TYPE_CHECKING:
    from homeroom.resolver import Resolved

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


def _years(text: str | None) -> list[int] | None:

    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise UsageProblem(f"years are school years like 2023,2024; got {text!r}") from exc


def _months(text: str) -> tuple[int, ...]:

    try:
        months = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        months = ()
    if not months or not all(1 <= m <= 12 for m in months):
        raise UsageProblem(f"--months lists months 1-12 such as 9,10,11; got {text!r}")
    return months


OutFileOption = Annotated[
    Path,
    typer.Option(
        "--out", help="Write the report to FILE.html, FILE.md or FILE.json (for other tools)."
    ),
]

TestYearOption = Annotated[
    int | None,
    typer.Option("--test-year", help="The school year held out (default: the latest)."),
]

TrainYearsOption = Annotated[
    str | None,
    typer.Option(
        "--train-years",
        help="School years to learn from, e.g. 2023,2024 (default: every year before the "
        "test year but the first).",
    ),
]

CapacityOption = Annotated[
    float,
    typer.Option(
        help="Students the district can serve: a share of those enrolled (0.05 = 5%) or a "
        "number (e.g. 400)."
    ),
]

CutOption = Annotated[
    float, typer.Option(help="The chance from which the model flags a student (0-1).")
]

MonthsOption = Annotated[
    str,
    typer.Option(
        help="Months whose first day is a check (and a training date), in school-year order."
    ),
]


def evaluate(
    out_file: OutFileOption,
    workspace: WorkspaceOption = None,
    data: DataOption = None,
    definition: DefinitionOption = None,
    test_year: TestYearOption = None,
    train_years: TrainYearsOption = None,
    capacity: CapacityOption = 0.05,
    cut: CutOption = 0.5,
    months: MonthsOption = "9,10,11,12,1,2,3",
    threads: ThreadsOption = 1,
) -> None:
    """Train on earlier years, test on a later one: AUC, precision and recall at capacity,
    calibration, the same by student group, and the lead time of waiting for the 10% line, the
    rules and the model. The report holds aggregates only."""
    from homeroom.signals.evaluation import evaluate as run_evaluation
    from homeroom.signals.evaluation_report import render
    from homeroom.signals.model import ModelError

    if out_file.suffix.lower() not in (".html", ".htm", ".md", ".markdown", ".json"):
        raise UsageProblem(f"--out must end in .html, .md or .json; got {out_file.name}")
    if capacity <= 0 or not 0 <= cut <= 1:
        raise UsageProblem("--capacity must be above 0 and --cut between 0 and 1")
    if data is not None and workspace is not None:
        raise UsageProblem("--data reads a folder; leave out --workspace")
    # The evaluation runs on DuckDB whatever the workspace's engine (it reads many dates).
    with (
        resolved(data=data, workspace=workspace, definition=definition, engine="duckdb") as request,
        request.tables() as tables,
    ):
        try:
            with status("Evaluating the early-warning strategies") as update:
                result = run_evaluation(
                    tables,
                    request.definition,
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
    from homeroom.signals.model import ModelError
    from homeroom.signals.model_store import save_model
    from homeroom.signals.training import train as run_training

    with (
        resolved(workspace=workspace, definition=definition, engine="duckdb") as request,
        request.tables() as tables,
    ):
        try:
            with status("Training the model") as update:
                model = run_training(
                    tables, request.definition, _years(years), progress=update, threads=threads
                )
        except ModelError as exc:
            raise UsageProblem(str(exc)) from exc
        path = save_model(model, workspace_root(request), name)
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
    as_of: AsOfOption = None,
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
    from homeroom.signals.model import ModelError
    from homeroom.signals.model_store import load_model
    from homeroom.signals.scoring import score as run_scoring

    writer = frame_writer(out_file)
    with (
        resolved(workspace=workspace, as_of=as_of, engine="duckdb") as request,
        request.tables() as tables,
    ):
        day = request.as_of
        try:
            model = load_model(workspace_root(request), name)
            with status("Scoring students"):
                frame = run_scoring(
                    tables, request.definition, day, model, explain=explain, threads=threads
                )
        except ModelError as exc:
            raise UsageProblem(str(exc)) from exc
        record_view(
            request, "model_scores", rows=len(frame), as_of=day.isoformat(), out=str(out_file)
        )
        writer(frame, out_file)
        write_about(out_file, request, len(frame))
        err.print(f"Wrote {len(frame):,} students to {out_file} ({words(request)}).")


def workspace_root(request: Resolved) -> Path:
    """The model's commands keep their models under a workspace."""
    if request.workspace is None:
        raise UsageProblem("this command needs a workspace (--workspace DIR)")
    return request.workspace.root
