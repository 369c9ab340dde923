"""The site's cells: the metrics' numbers as they are, suppressed over the whole site.

A hand-made state checks the shaping and suppression exactly; the synthetic site checks the
published CSVs against `homeroom metrics` and the suppression relations across levels.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from homeroom.definitions import load_definition
from homeroom.publish.cells import site_cells
from publish.conftest import Site

# (district, school): {sex: (eligible, chronically absent)}; the district and state add up.
SCHOOLS = {
    ("D1", "S1"): {"F": (20, 4), "M": (10, 2)},
    ("D1", "S2"): {"F": (8, 2), "M": (7, 1)},
    ("D1", "S3"): {"F": (5, 1)},
    ("D2", "S4"): {"F": (25, 5), "M": (15, 6)},
}


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    frame["chronic_absence_rate"] = frame["chronically_absent_count"] / frame["students_eligible"]
    frame["ada"] = 0.9
    frame["level"] = "high"
    return frame


def hand_metrics(level: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """What the metrics layer answers for the hand-made state, in two school years."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (district, school), groups in SCHOOLS.items():
        for sex, (eligible, absent) in groups.items():
            unit = {"state": ("ZZ",), "district": (district,), "school": (district, school)}
            key = (*unit[level], *((sex,) if by else ()))
            totals[key][0] += eligible
            totals[key][1] += absent
    names = {
        "state": ["state"],
        "district": ["district_id"],
        "school": ["district_id", "school_id"],
    }
    records = [
        {
            "school_year": year,
            **dict(zip([*names[level], *by], key, strict=True)),
            "students_eligible": n,
            "chronically_absent_count": a,
        }
        for year in (2024, 2025)
        for key, (n, a) in sorted(totals.items())
    ]
    if "homeless" in by:
        raise ValueError("no column homeless")
    return _frame(records)


def published(year: int = 2025) -> pd.DataFrame:
    site = site_cells(hand_metrics, load_definition("default"), ("sex", "homeless"))
    assert site.years == (2024, 2025) and site.state_id == "ZZ"
    assert site.notes == ("Homelessness: not published (no column homeless)",)
    return site.published[year].set_index(
        ["level", "district_id", "school_id", "group_column", "group_value"]
    )


def test_small_cells_and_the_cells_that_would_give_them_back_are_hidden() -> None:
    cells = published()
    hidden = set(cells.index[cells["suppressed"]])
    small = {
        ("school", "D1", "S3", "all", "all"),
        ("school", "D1", "S3", "sex", "F"),
        ("school", "D1", "S2", "sex", "F"),
        ("school", "D1", "S2", "sex", "M"),
    }
    assert small <= hidden
    # District D1 (50) minus S1 (30) would give back S3's 5: S2 (15) is hidden with it.
    assert ("school", "D1", "S2", "all", "all") in hidden
    for shown in [("state", "", "", "all", "all"), ("district", "D1", "", "all", "all")]:
        assert shown not in hidden
    s1 = cells.loc[("school", "D1", "S1", "all", "all")]
    assert (s1["students_eligible"], s1["chronically_absent_count"]) == ("30", "6")
    assert float(s1["chronic_absence_rate"]) == 0.2
    assert s1["ada"] == 0.9 and s1["school_level"] == "high"
    s3 = cells.loc[("school", "D1", "S3", "all", "all")]
    assert list(s3[["students_eligible", "chronic_absence_rate"]]) == ["*", "*"]
    assert s3["ada"] is None and s3["school_level"] is None  # hidden with the rate


def test_each_year_is_suppressed_on_its_own_cells() -> None:
    assert published(2024)["suppressed"].tolist() == published(2025)["suppressed"].tolist()


def test_two_states_are_refused() -> None:
    def two_states(level: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
        frame = hand_metrics(level, by)
        if level == "state":
            frame = pd.concat([frame, frame.assign(state="YY")], ignore_index=True)
        return frame

    with pytest.raises(ValueError, match="2 states"):
        site_cells(two_states, load_definition("default"), ())


def public_rows(site: Site) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for name in ("districts.csv", "schools.csv", "groups.csv"):
        with (site.out / "data" / name).open(newline="", encoding="utf-8") as handle:
            found.extend(csv.DictReader(handle))
    return found


def test_no_published_total_has_exactly_one_hidden_part(site: Site) -> None:
    cells = {
        (r["level"], r["district_id"], r["school_id"], r["group_column"], r["group_value"]): r
        for r in public_rows(site)
    }
    relations: dict[tuple, list[tuple]] = defaultdict(list)
    for key in cells:
        level, district, school, column, value = key
        if column != "all":
            relations[(level, district, school, "all", "all")].append(key)
        if level == "school":
            relations[("district", district, "", column, value)].append(key)
        if level == "district":
            relations[("state", "", "", column, value)].append(key)
    checked = 0
    for total, parts in relations.items():
        if total in cells and cells[total]["students_eligible"] != "*":
            hidden = [p for p in parts if cells[p]["students_eligible"] == "*"]
            assert len(hidden) != 1, (total, hidden)
            checked += 1
    assert checked > 50


def test_every_cell_under_ten_is_hidden_and_the_rest_are_the_metrics_numbers(
    site: Site, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "grades.csv"
    outcome = run(
        capsys,
        "metrics",
        "--workspace",
        site.workspace,
        "--level",
        "school",
        "--by",
        "grade_level",
        "--out",
        out,
    )
    assert outcome.exit_code == 0, outcome.stderr
    metrics = pd.read_csv(out, dtype={"grade_level": str, "district_id": str, "school_id": str})
    metrics = metrics[metrics["school_year"] == metrics["school_year"].max()]
    cells = {
        (r["school_id"], r["group_value"]): r
        for r in public_rows(site)
        if r["level"] == "school" and r["group_column"] == "grade_level"
    }
    assert len(cells) == len(metrics)
    small = shown = 0
    for row in metrics.to_dict("records"):
        cell = cells[(row["school_id"], row["grade_level"])]
        if row["students_eligible"] < 10:
            assert cell["students_eligible"] == "*"
            small += 1
        elif cell["students_eligible"] != "*":
            assert int(cell["students_eligible"]) == row["students_eligible"]
            assert int(cell["chronically_absent_count"]) == row["chronically_absent_count"]
            assert float(cell["chronic_absence_rate"]) == pytest.approx(
                row["chronic_absence_rate"], abs=1e-12
            )
            shown += 1
    assert small > 0 and shown > 0
