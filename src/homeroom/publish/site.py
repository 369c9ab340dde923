"""`homeroom publish`: the public site, written in one pass.

All cells are asked of the metrics layer once (`publish.cells`), suppressed once a year, then
every page and CSV is rendered from them: no page asks for numbers of its own. The site is
written to a temporary folder beside the target and moved into place, so a reader never sees a
half-written site, and a failure leaves the previous one as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import pandas as pd

from homeroom.contract.tablefiles import write_csv
from homeroom.engine import to_frame
from homeroom.formats import as_of_words
from homeroom.publish.cells import ALL, PUBLIC_COLUMNS, SiteCells, site_cells
from homeroom.publish.pages import Formatter, Unit, unit_name, unit_page
from homeroom.publish.peers import peer_rows, site_peers
from homeroom.reports import labels, palette
from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS
from homeroom.reports.templating import package_environment

if TYPE_CHECKING:
    from homeroom.contract.tables import Tables
    from homeroom.definitions import Definition
    from homeroom.resolver import Resolved

MARKER = "site.json"  # names a folder as a site this command wrote (and may replace)
Keys = tuple[str, str, str]  # level, district_id, school_id


class PublishError(ValueError):
    """A target folder the site cannot be written to."""


@dataclass(frozen=True)
class Written:
    out: Path
    pages: int
    cells: int
    suppressed: int


def publish(
    request: Resolved,
    out: Path,
    progress: Callable[[str], None] | None = None,
    group_columns: Sequence[str] = DEFAULT_GROUP_COLUMNS,
) -> Written:
    """Compute every cell of the site for `request`, then write the site to `out`.

    Each (level, group column) is one metrics request (the defaults make 31), answered from
    each level's student rows kept once (`SiteMetrics`).
    """
    say = progress or (lambda _step: None)
    check_target(out)
    from homeroom.pipeline import MetricsSession
    from homeroom.publish.requests import SiteMetrics

    with request.tables() as tables:
        keep = request.engine == "duckdb"  # one pass over attendance for every table
        with (
            MetricsSession(tables, request.definition, as_of=request.as_of, keep=keep) as session,
            SiteMetrics(session, group_columns) as metrics,
        ):
            say("computing every cell")
            site = site_cells(metrics, request.definition, group_columns)
            say("finding each district's peers")
            peers = site_peers(metrics, site)
        names = unit_names(tables)
    say("writing the pages")
    about = {**request.about(), "minimum_group_size": request.definition.minimum_group_size}
    return write_site(site, request.definition, names, out, about, peers)


def unit_names(tables: Tables) -> dict[str, str]:
    """School and district names by id (ids show where a name is missing)."""
    frame = to_frame(
        tables.schools.select("school_id", "school_name", "district_id", "district_name")
    )
    names: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        for key, name in ((row.district_id, row.district_name), (row.school_id, row.school_name)):
            if not labels.is_missing(name):
                names[str(key)] = str(name)
    return names


def check_target(out: Path) -> None:
    """Refuse to replace a folder this command did not write: it may hold someone's files."""
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out}: not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise PublishError(
            f"{out}: the folder holds other files and no {MARKER}; give a new or empty folder"
        )


def write_site(
    site: SiteCells,
    definition: Definition,
    names: Mapping[str, str],
    out: Path,
    about: Mapping[str, object],
    peers: pd.DataFrame | None = None,
) -> Written:
    """Render every page and CSV into a temporary folder, then move it into place; `peers`
    (site_peers) adds "Districts like this one" to the district pages."""
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        pages = _write_pages(work, site, definition, names, about, peers)
        _write_csvs(work / "data", site)
        (work / MARKER).write_text(json.dumps(dict(about), indent=2) + "\n", encoding="utf-8")
        _move_into_place(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    latest = site.latest
    return Written(out, pages, len(latest), int(latest["suppressed"].sum()))


def page_files(latest: pd.DataFrame) -> dict[Keys, str]:
    """Each unit's page, by level and ids: index.html, districts/ID.html, schools/ID.html."""
    files: dict[Keys, str] = {("state", "", ""): "index.html"}
    taken: set[str] = set()
    units = latest[(latest["group_column"] == ALL) & (latest["level"] != "state")]
    for row in units.itertuples(index=False):
        folder, unit_id = (
            ("districts", row.district_id)
            if row.level == "district"
            else (
                "schools",
                row.school_id,
            )
        )
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(unit_id)) or "unit"
        file, n = f"{folder}/{name}.html", 1
        while file.lower() in taken:  # ids that differ only in case or punctuation
            n += 1
            file = f"{folder}/{name}-{n}.html"
        taken.add(file.lower())
        files[(str(row.level), str(row.district_id), str(row.school_id))] = file
    return files


def _write_pages(
    work: Path,
    site: SiteCells,
    definition: Definition,
    names: Mapping[str, str],
    about: Mapping[str, object],
    peers: pd.DataFrame | None = None,
) -> int:
    env = package_environment("homeroom.publish")
    fmt = Formatter(definition)
    files = page_files(site.latest)
    context = _site_context(site, definition, names, about)
    district_files = {d: f for (kind, d, _s), f in files.items() if kind == "district"}
    alike = peer_rows(peers, names, district_files) if peers is not None and len(peers) else {}
    state_name = unit_name("state", site.state_id, names)
    top = ((state_name, "index.html"),)
    for kind, district, school in files:
        parent: tuple[tuple[str, str], ...] = ()
        if kind == "district":
            parent = top
        elif kind == "school":
            parent = (
                *top,
                (unit_name("district", district, names), files[("district", district, "")]),
            )
        unit = unit_page(kind, (district, school), site, fmt, names, files, parent)
        extra = {"peers": alike.get(district, ())} if kind == "district" else {}
        _render(env, work, unit, {**context, **extra})
    css = env.get_template("site.css").render(palette=palette)
    (work / "site.css").write_text(css, encoding="utf-8")
    return len(files)


def _render(env: jinja2.Environment, work: Path, unit: Unit, context: Mapping[str, object]) -> None:
    root = "../" if "/" in unit.file else ""
    html = env.get_template(f"{unit.kind}.html").render(unit=unit, root=root, **context)
    target = work / unit.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def _site_context(
    site: SiteCells, definition: Definition, names: Mapping[str, str], about: Mapping[str, object]
) -> dict[str, object]:
    if definition.threshold_share is not None:
        missed = f"missed {float(definition.threshold_share * 100):g}% or more of their days"
    else:
        missed = f"missed {float(definition.threshold_days or 0):g} or more days"
    as_of = str(about.get("as_of", ""))
    words = as_of_words(dt.date.fromisoformat(as_of), definition.name, definition.version)
    return {
        "school_year": labels.school_year(site.years[-1]),
        "as_of_words": words,
        "missed": missed,
        "minimum": definition.minimum_group_size,
        "notes": site.notes,
        "state_name": unit_name("state", site.state_id, names),
    }


def _write_csvs(folder: Path, site: SiteCells) -> None:
    """The three tables of the latest year (exactly PUBLIC_COLUMNS), and the trend by year."""
    latest = site.latest
    whole = latest["group_column"] == ALL
    columns = list(PUBLIC_COLUMNS)
    write_csv(latest.loc[whole & (latest["level"] != "school"), columns], folder / "districts.csv")
    write_csv(latest.loc[whole & (latest["level"] == "school"), columns], folder / "schools.csv")
    write_csv(latest.loc[~whole, columns], folder / "groups.csv")
    trend = pd.concat(
        [
            frame.loc[frame["group_column"] == ALL, columns].assign(school_year=year)
            for year, frame in site.published.items()
        ],
        ignore_index=True,
    )
    write_csv(trend[["school_year", *columns]], folder / "trend.csv")


def _move_into_place(work: Path, out: Path) -> None:
    """Swap the finished site in; the old one (if any) goes only once the new one is there."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{work.name.rsplit('.', 1)[-1]}")
        out.rename(old)
    work.chmod(0o755)  # mkdtemp makes it private; a site is for the public
    work.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
