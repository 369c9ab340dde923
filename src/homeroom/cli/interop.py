"""`homeroom import …` and `homeroom export …`: bring data in from Ed-Fi, SIS exports and the
attendance spreadsheet, and write the spreadsheet back out.

Every import writes the canonical tables and `load_report.md` into --out, after validating them
as `homeroom load` would; the terminal shows the same counts, the quarantine and the monitors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli import export_fs195
from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    EngineOption,
    WorkspaceOption,
    choose_definition,
    record_view,
    resolved,
    status,
)
from homeroom.cli.output import UsageProblem, out, print_monitors, print_quarantine, print_rows

if TYPE_CHECKING:
    from homeroom.interop.result import ImportResult

import_app = typer.Typer(
    help="Bring data in from Ed-Fi, a SIS export or the attendance spreadsheet.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
export_app = typer.Typer(
    help="Write Homeroom's numbers in another layout (the attendance spreadsheet, the federal "
    "EDFacts FS195 file).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
pull_app = typer.Typer(
    help="Pull data from a live system (an Ed-Fi ODS/API).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

ImportOutOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="Folder to write the canonical tables and load_report.md."),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="csv (default, readable) or parquet (smaller, faster).")
]


def finish_import(
    result: ImportResult, out_dir: Path, fmt: str, definition_name: str | None
) -> None:
    """Write, validate and report an import; the shared tail of every `import` command."""
    from homeroom.interop import write_import

    if fmt not in ("csv", "parquet"):
        raise UsageProblem(f"--format must be csv or parquet; got {fmt!r}")
    definition = choose_definition(definition_name)
    with status(f"Writing {out_dir}") as update:
        written = write_import(
            result, Path(out_dir), definition=definition, fmt=fmt, progress=update
        )
    out.print(f"Imported {result.source_kind} into {written.out_dir}.")
    print_rows(written.validation.rows_read, written.validation.rows_loaded)
    for text in result.assumptions:
        out.print(f"assumed: {text}")
    unmapped = [m for m in result.mappings if not m.target]
    for mapping in unmapped[:10]:
        out.print(
            f"[yellow]not mapped:[/] {mapping.kind} {mapping.source!r} ({mapping.rows:,} rows)"
        )
    quarantine_path = written.out_dir / "import_quarantine.csv"
    print_quarantine(
        written.quarantine,
        quarantine_path if not written.quarantine.empty else None,
        written.validation.duplicates_collapsed,
    )
    if written.monitors:
        print_monitors(written.monitors)
    out.print(f"What was read, assumed, mapped and quarantined: {written.report_path}")


@import_app.command(
    "edfi",
    epilog="Examples: `homeroom import edfi exports/edfi-xml --out data/2022` · "
    "`homeroom import edfi studentSchoolAttendanceEvents.json --out data/2022`",
)
def import_edfi_command(
    source: Annotated[Path, typer.Argument(help="An Ed-Fi JSON or XML file, or a folder of them.")],
    out_dir: ImportOutOption,
    descriptor_map: Annotated[
        Path | None,
        typer.Option(
            "--descriptor-map",
            help="CSV mapping Ed-Fi descriptors to categories; start from the shipped one: "
            "`homeroom export edfi-descriptor-map --out FILE.csv`.",
        ),
    ] = None,
    fmt: FormatOption = "csv",
    definition: DefinitionOption = None,
) -> None:
    """Turn Ed-Fi data (ODS/API JSON resources or XML interchange files) into canonical tables."""
    from homeroom.interop.edfi import import_edfi

    with status(f"Reading {source}") as update:
        result = import_edfi(Path(source), descriptor_map=descriptor_map, progress=update)
    finish_import(result, out_dir, fmt, definition)


@import_app.command(
    "sis",
    epilog="Examples: `homeroom import sis --preset powerschool students.csv att.csv "
    "--out data/2025` · `homeroom import sis --preset my-district.toml export.csv --out data`",
)
def import_sis_command(
    files: Annotated[list[Path], typer.Argument(help="The SIS export files.")],
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            "-p",
            help="powerschool, infinite-campus, aeries, or a preset TOML file (see "
            "`homeroom map FILE`).",
        ),
    ],
    out_dir: ImportOutOption,
    fmt: FormatOption = "csv",
    definition: DefinitionOption = None,
) -> None:
    """Turn a SIS's own export files into canonical tables with a column-mapping preset."""
    from homeroom.interop.sis import import_sis

    with status(f"Reading {len(files)} file(s) with preset {preset}") as update:
        result = import_sis(preset, [Path(f) for f in files], progress=update)
    finish_import(result, out_dir, fmt, definition)


@import_app.command(
    "spreadsheet",
    epilog="Example: `homeroom import spreadsheet attendance-tracker-2025.xlsx --out data/2025`",
)
def import_spreadsheet_command(
    file: Annotated[
        Path,
        typer.Argument(help="The attendance spreadsheet: one row per student (.xlsx or .csv)."),
    ],
    out_dir: ImportOutOption,
    school_year: Annotated[
        int | None,
        typer.Option(help="The school year (2025 = 2024-25) when the file does not say."),
    ] = None,
    fmt: FormatOption = "csv",
    definition: DefinitionOption = None,
) -> None:
    """Start from the spreadsheet a district already keeps: days enrolled and absent per student."""
    from homeroom.interop.spreadsheet import import_spreadsheet

    with status(f"Reading {file}") as update:
        result = import_spreadsheet(Path(file), school_year=school_year, progress=update)
    finish_import(result, out_dir, fmt, definition)


@export_app.command(
    "spreadsheet",
    epilog="Examples: `homeroom export spreadsheet --data data/2025 --out check-2025.xlsx` · "
    "`homeroom export spreadsheet --workspace district-2025 --as-of 2025-01-31 --out jan.xlsx`",
)
def export_spreadsheet_command(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx file to write.")],
    data_dir: DataOption = None,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
    engine: EngineOption = None,
) -> None:
    """Write one row per student (days enrolled, absent, excused, unexcused, suspended, groups)
    in the attendance spreadsheet layout, to check Homeroom against a district's own sheet.

    From a data folder (--data) or a workspace's load (--workspace, or the one around you)."""
    from homeroom.interop.spreadsheet import export_spreadsheet

    if Path(out_file).suffix.lower() != ".xlsx":
        raise UsageProblem(f"--out must end in .xlsx; got {Path(out_file).name!r}")
    with resolved(
        data=data_dir, workspace=workspace, definition=definition, as_of=as_of, engine=engine
    ) as request:
        with status(f"Writing {out_file}") as update:
            summary = export_spreadsheet(request, Path(out_file), progress=update)
        record_view(request, "spreadsheet_export", rows=summary.rows, out=str(out_file))
    out.print(summary.describe())


@export_app.command(
    "edfi-descriptor-map",
    epilog="Example: `homeroom export edfi-descriptor-map --out descriptors.csv`, edit it, then "
    "`homeroom import edfi SOURCE --descriptor-map descriptors.csv --out DATA_DIR`",
)
def export_descriptor_map_command(
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The CSV file to write.")],
) -> None:
    """Write the shipped Ed-Fi descriptor → category map, for a district to edit."""
    import shutil

    from homeroom.interop.edfi import default_descriptor_map

    if Path(out_file).exists():
        raise UsageProblem(f"{out_file} exists; choose another name or remove it first")
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(default_descriptor_map(), out_file)
    out.print(f"Wrote {out_file}: one row per Ed-Fi descriptor with its Homeroom category.")


# The federal chronic-absenteeism file (docs/fs195.md); its options live in its own module.
export_app.command("fs195", epilog=export_fs195.EPILOG)(export_fs195.export_fs195)
