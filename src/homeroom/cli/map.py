"""`homeroom map FILE`: propose a SIS preset for an export Homeroom does not know yet.

It reads the file's headers and a sample of its values, shows what it thinks each column is
(with how sure it is and sample values), flags what it could not place, and writes a commented
preset TOML for the district to review before `homeroom import sis --preset FILE.toml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homeroom.cli.output import UsageProblem, out

_STYLE = {"high": "green", "medium": "yellow", "low": "red", "none": "dim"}


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(
        "map",
        epilog="Examples: `homeroom map attendance-export.csv` · `homeroom map "
        "export.xlsx --out my-district.toml --name my-district`, review the file, then "
        "`homeroom import sis --preset my-district.toml export.xlsx --out data/2025`",
    )(map_command)


def map_command(
    file: Annotated[Path, typer.Argument(help="A SIS export: CSV (any delimiter) or .xlsx.")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the proposed preset here (a .toml file)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The preset's name (default: the file's name).")
    ] = None,
) -> None:
    """Propose how a SIS export's columns map to Homeroom's tables, and write a preset to review."""
    from homeroom.interop.sis.propose import preset_toml, propose

    if out_file is not None and Path(out_file).suffix.lower() != ".toml":
        raise UsageProblem(f"--out must end in .toml; got {Path(out_file).name!r}")
    if out_file is not None and Path(out_file).exists():
        raise UsageProblem(f"{out_file} exists; choose another name or remove it first")
    proposal = propose(Path(file))
    table = proposal.table
    out.print(
        f"{table.label}: {len(table.rows):,} rows, {len(table.headers)} columns "
        f"({table.encoding}{', delimiter ' + repr(table.delimiter) if table.delimiter else ''})"
    )
    grid = Table(title="Proposed mapping", show_lines=False)
    for heading in ("column", "maps to", "confidence", "why", "sample values"):
        grid.add_column(heading)
    for guess in proposal.columns:
        style = _STYLE[guess.confidence]
        target = guess.role or "[dim]not placed[/]"
        if guess.date_format:
            target += f" [dim]({guess.date_format})[/]" if guess.role else ""
        grid.add_row(
            guess.header,
            target,
            f"[{style}]{guess.confidence}[/]",
            guess.why or "-",
            ", ".join(s[:20] for s in guess.samples[:4]),
        )
    out.print(grid)
    out.print(f"Feeds: {', '.join(proposal.feeds)}")
    for note in proposal.notes:
        out.print(f"[yellow]check:[/] {note}")
    unplaced = [g.header for g in proposal.columns if not g.role]
    if unplaced:
        out.print(f"[yellow]not placed:[/] {', '.join(unplaced)} (left aside unless you map them)")
    if out_file is None:
        out.print("Write this as a preset to review with --out FILE.toml")
        return
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    Path(out_file).write_text(preset_toml(proposal, name or Path(file).stem), encoding="utf-8")
    out.print(
        f"Wrote {out_file}. Review it (above all the \\[codes] table), then: homeroom import sis "
        f"--preset {out_file} {file} --out DATA_DIR"
    )
