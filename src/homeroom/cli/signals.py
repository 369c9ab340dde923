"""The `homeroom signals` command: the early-warning watch list as of a date.

One row per student, school and rule that fires (docs/signals.md, "Rules"). From a workspace
each run is also kept under <workspace>/signals/, so the school pages can show who is newly
flagged since the run before.

`homeroom signals` is also the group of the ranked queue (`queue`: every enrolled student in
need order, rules and model combined) and of the predictive model's commands (`evaluate`,
`train`, `score`, from homeroom.cli.signals_eval): with no command after it, it runs the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.casebook.cli_views import record_cli_view
from homeroom.cli import signals_eval
from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    EngineOption,
    WorkspaceOption,
    record_view,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import UsageProblem, err, frame_writer, out

if TYPE_CHECKING:
    import pandas as pd

    from homeroom.resolver import Resolved
    from homeroom.signals.model import ChronicModel
    from homeroom.warehouse import Workspace

EPILOG = (
    "Examples:\n\n"
    "`homeroom signals --as-of 2025-01-31 --out watch.csv` (the workspace's latest load)\n\n"
    "`homeroom signals --data exports/2025 --as-of 2024-10-01 --out october.csv`\n\n"
    "`homeroom signals --workspace district-2025 --definition mine.toml` (thresholds from "
    "your own definition's [signals] section)"
)


def register(app: typer.Typer) -> None:
    """Add the `signals` group to the `homeroom` app: the rules, and the model's commands."""
    group = typer.Typer(
        name="signals",
        invoke_without_command=True,
        no_args_is_help=False,
        rich_markup_mode="markdown",
    )
    group.callback(epilog=EPILOG)(signals)
    group.command(name="queue", epilog=QUEUE_EPILOG)(queue)
    signals_eval.register(group)
    app.add_typer(group, name="signals")


OutFileOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Write the rows (student_id, school_id, rule, suggested_tier, reason, then the "
        "evidence) to FILE.csv, .parquet or .json.",
    ),
]

SaveOption = Annotated[
    bool,
    typer.Option(
        "--save/--no-save",
        help="With a workspace: keep this run under WORKSPACE/signals/ (default) so the "
        "next run can say who is newly flagged.",
    ),
]


def signals(
    ctx: typer.Context,
    data: DataOption = None,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    out_file: OutFileOption = None,
    definition: DefinitionOption = None,
    engine: EngineOption = None,
    save: SaveOption = True,
) -> None:
    """Early warning: flag each student whose attendance has become a problem, with the reason.

    Rules (thresholds in the definition's [signals] section): last year chronically absent
    (early support) or severely (intensive); two absences a month since the first day (pace);
    10% and 20% absent this year so far; no improvement after early support began; 2-4 and 5+
    days absent in September; and patterns worth a conversation: Mondays and Fridays, days in a
    row, a recent rise, a new arrival. Writing student rows from a workspace is recorded in its
    audit log. The model's commands: `homeroom signals evaluate|train|score --help`.
    """
    if ctx.invoked_subcommand is not None:
        return  # one of the model's commands runs instead
    from homeroom.signals.history import SignalsError

    if data is not None and workspace is not None:
        raise UsageProblem("--data runs the rules on a folder; leave out --workspace")
    if out_file is not None:
        frame_writer(out_file)  # a file type it can write, before any work
    try:
        with resolved(
            data=data, workspace=workspace, definition=definition, as_of=as_of, engine=engine
        ) as request:
            space = request.workspace if save else None
            run_id, written, counts = _watch(request, space, out_file)
    except SignalsError as exc:
        raise UsageProblem(str(exc)) from exc
    new = None
    if request.workspace is not None and run_id is not None:
        from homeroom.signals.store import new_by_rule

        new = new_by_rule(request.workspace, run_id)
    _summary(request, counts, new)
    if written and out_file is not None:
        write_about(out_file, request, counts.rows)
        err.print(f"Wrote {counts.rows:,} rows to {out_file} ({words(request)}).")
    if run_id is not None and request.workspace is not None:
        err.print(f"Saved as signals run {run_id} in {request.workspace.root / 'signals'}.")
    if out_file is None:
        err.print("Add --out FILE.csv for the students and their reasons.")


@dataclass
class Counts:
    """What the summary says of a run: flag rows, students, students by rule."""

    rows: int = 0
    students: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _watch(
    request: Resolved, space: Workspace | None, out_file: Path | None
) -> tuple[int | None, bool, Counts]:
    """The rules run on the resolved request, their rows written a group of schools at a time
    to the file and (from a workspace) kept as a run: (run id, whether the file was written,
    the counts). A state's 8 million flag rows are never one frame."""
    from homeroom.contract.tableparts import FrameParts
    from homeroom.signals.flags import FLAG_SCHEMA, empty_flags, flag_parts
    from homeroom.signals.store import RunParts

    counts = Counts()
    with ExitStack() as stack:
        tables = stack.enter_context(request.tables())
        update = stack.enter_context(status("Flagging students"))
        found = stack.enter_context(
            flag_parts(
                tables,
                request.definition,
                request.as_of,
                progress=update,
                hand_back_memory=memory_limit(request),
            )
        )
        run = stack.enter_context(RunParts(space)) if space is not None else None
        file = stack.enter_context(FrameParts(out_file, FLAG_SCHEMA)) if out_file else None
        for part in found.parts():
            counts.rows += len(part)
            for sink in (run, file):
                if sink is not None:
                    sink.write(part)
        counts.by_rule = found.students_by_rule()
        counts.students = found.students_flagged()
        load_id = request.load.load_id if request.load is not None else None
        run_id = None
        if run is not None:
            run_id = run.finish(request.as_of, definition=request.definition, load_id=load_id)
        if request.workspace is not None and (run is not None or file is not None) and counts.rows:
            # Recorded before the file takes its name: no student rows leave unrecorded.
            record_cli_view(
                request.workspace,
                "signals_rows",
                rows=counts.rows,
                as_of=request.as_of.isoformat(),
                run_id=run_id,
                out=str(out_file) if out_file else "none",
            )
        if file is not None:
            file.finish(empty_flags())
    return run_id, file is not None, counts


QUEUE_EPILOG = (
    "Examples:\n\n"
    "`homeroom signals queue --workspace district --as-of 2024-10-01 --capacity 0.1 "
    "--out queue.csv` (the district's first 10%)\n\n"
    "`homeroom signals queue --data exports/2025 --school E01 --capacity 40 --out e01.csv`"
)


QueueOutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Write student_id, school_id, rank, suggested_tier, chance_chronic, "
        "main_reason, rules, main_factors to FILE.csv (or .xlsx, .parquet, .json).",
    ),
]
QueueSchoolOption = Annotated[
    str | None,
    typer.Option("--school", help="Rank within this school (its id) instead of the district."),
]
QueueCapacityOption = Annotated[
    float | None,
    typer.Option(
        help="Keep the first ones: a share of the students enrolled (0.1 = 10%) or a number "
        "(e.g. 400), as in `signals evaluate`. Default: everyone."
    ),
]
FocusOption = Annotated[
    str,
    typer.Option(
        help="early: students not yet chronically absent this year first (reach them before "
        "they cross the line), then those already over it; need: need order alone."
    ),
]
NoSaveOption = Annotated[
    bool,
    typer.Option(
        "--no-save",
        help="From a workspace, do not keep the whole list for the web app (it is kept when "
        "the list is the district's, in the default focus, as of the latest attendance).",
    ),
]


def queue(
    out_file: QueueOutOption,
    data: DataOption = None,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    school: QueueSchoolOption = None,
    capacity: QueueCapacityOption = None,
    definition: DefinitionOption = None,
    name: Annotated[
        str, typer.Option("--name", help="The trained model's name under WORKSPACE/models/.")
    ] = "chronic",
    threads: Annotated[int, typer.Option(help="Cores scikit-learn may use.", min=1)] = 1,
    focus: FocusOption = "early",
    no_save: NoSaveOption = False,
) -> None:
    """One ranked list: every student enrolled on the date, most need first (rank 1), the rules
    and the trained model's chance combined (docs/signals.md, "The ranked queue"). Without a
    trained model the rules alone order it and chance_chronic is empty. Writing the rows from a
    workspace is recorded in its audit log."""
    from homeroom.signals.ranking import queue_within_capacity

    writer = frame_writer(out_file)
    if data is not None and workspace is not None:
        raise UsageProblem("--data reads a folder; leave out --workspace")
    if capacity is not None and capacity <= 0:
        raise UsageProblem(f"--capacity must be above 0; got {capacity}")
    if focus not in ("early", "need"):
        raise UsageProblem(f"--focus is early or need; got {focus!r}")
    # The district's whole list as of the latest attendance is kept for the web app (its main
    # factors then worked out for everyone, not only the first ones).
    whole = data is None and school is None and as_of is None and focus == "early"
    whole = whole and not no_save
    counted: list[int] = []
    keep = _picker(school, None if whole else capacity, counted)
    with resolved(
        data=data, workspace=workspace, definition=definition, as_of=as_of, engine="duckdb"
    ) as request:
        ranked = _queue(request, name, threads, keep, focus)
        trained = not ranked["chance_chronic"].isna().all()
        if whole and request.workspace is not None:
            from homeroom.signals.queue_store import save_queue

            kept = save_queue(request.workspace, ranked, request.as_of, request.definition,
                              name if trained else None)  # fmt: skip
            err.print(f"Kept the whole list for the web app in {kept}.")
            ranked = queue_within_capacity(ranked, capacity)
    record_view(request, "signals_queue_rows", rows=len(ranked), as_of=request.as_of.isoformat(),
                out=str(out_file), school=school or "all")  # fmt: skip
    writer(ranked, out_file)
    write_about(out_file, request, len(ranked))
    model = f"model {name!r}" if trained else "no model trained"
    err.print(
        f"Wrote {len(ranked):,} of {counted[0]:,} students enrolled to {out_file} (rules and "
        f"{model}; {words(request)})."
    )


def _picker(
    school: str | None, capacity: float | None, counted: list[int]
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The rows wanted of the ranked list: a school's (ranked within it), then the first ones
    within capacity; `counted` gets how many there were before the capacity."""
    from homeroom.signals.ranking import queue_for_school, queue_within_capacity

    def keep(ranked: pd.DataFrame) -> pd.DataFrame:
        if school is not None:
            if not (ranked["school_id"] == school).any():
                raise UsageProblem(f"no student is enrolled at school {school!r} on that date")
            ranked = queue_for_school(ranked, school)
        counted.append(len(ranked))
        return queue_within_capacity(ranked, capacity)

    return keep


def _queue(
    request: Resolved,
    name: str,
    threads: int,
    keep: Callable[[pd.DataFrame], pd.DataFrame],
    focus: str,
) -> pd.DataFrame:
    """The need queue of the resolved request, with the workspace's model when one is trained."""
    from homeroom.signals.history import SignalsError
    from homeroom.signals.model import ModelError
    from homeroom.signals.queue import need_queue

    try:
        model = _trained_model(request, name)
        with request.tables() as tables, status("Ranking students") as update:
            return need_queue(
                tables,
                request.definition,
                request.as_of,
                model,
                threads=threads,
                progress=update,
                focus=focus,
                keep=keep,
                hand_back_memory=memory_limit(request),  # (the command's own connection)
            )
    except (SignalsError, ModelError) as exc:
        raise UsageProblem(str(exc)) from exc


def _trained_model(request: Resolved, name: str) -> ChronicModel | None:
    """The workspace's model NAME; None without a workspace or a model of that name."""
    from homeroom.signals.model_store import load_model, models_folder

    space = request.workspace
    if space is None or not (models_folder(space.root) / f"{name}.joblib").exists():
        return None
    return load_model(space.root, name)


def memory_limit(request: Resolved) -> str:
    """The memory limit of the request's DuckDB connection (homeroom.warehouse.memory)."""
    from homeroom.warehouse.memory import file_memory_limit

    space = request.workspace
    return space.memory_limit if space is not None else file_memory_limit()


def _summary(request: Resolved, counts: Counts, new: dict[str, int] | None) -> None:
    from rich.table import Table

    from homeroom.formats import date_text
    from homeroom.signals.rules import RULES

    as_of, name = date_text(request.as_of), request.definition.name
    table = Table(title=f"Early-warning flags as of {as_of} — definition {name}")
    table.add_column("rule")
    table.add_column("students", justify="right")
    if new is not None:
        table.add_column("new since last run", justify="right")
    table.add_column("suggested tier")
    words = {2: "2 early support", 3: "3 intensive", None: "- conversation"}
    for rule in RULES:
        row = [rule.id, f"{counts.by_rule.get(rule.id, 0):,}"]
        if new is not None:
            row.append(f"{new.get(rule.id, 0):,}")
        row.append(words[rule.suggested_tier])
        table.add_row(*row)
    out.print(table)
    out.print(f"{counts.students:,} students flagged, {counts.rows:,} flags.")
