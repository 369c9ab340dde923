"""The web pages agree with the commands on a district whose attendance stops on 31 January, and
name the school whose own attendance stops earlier (issue 11, section 1).

Before the resolver the pages' default date was the last attendance row, not capped and not
shared with the commands, and nothing said that a school had sent no attendance for weeks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from homeroom.synth import generate
from web.conftest import PASSWORD, read_csv, sign_in

CUT = dt.date(2025, 1, 31)
QUIET_UNTIL = "2025-01-10"


@pytest.fixture(scope="module")
def cut_space(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """800 students at 4 schools, attendance cut at 31 January; one school's at 10 January."""
    from homeroom.warehouse import init_workspace, load_dataset

    root = tmp_path_factory.mktemp("web-one-truth")
    data = root / "data"
    generate(data, students=800, schools=4, years=1, seed=3, fmt="csv")
    attendance = pd.read_csv(data / "attendance.csv", dtype=str)
    quiet = pd.read_csv(data / "schools.csv", dtype=str)["school_name"].iloc[0]
    quiet_id = pd.read_csv(data / "schools.csv", dtype=str)["school_id"].iloc[0]
    keep = (attendance["date"] <= CUT.isoformat()) & (
        (attendance["school_id"] != quiet_id) | (attendance["date"] <= QUIET_UNTIL)
    )
    attendance[keep].to_csv(data / "attendance.csv", index=False)
    space = init_workspace(root / "ws")
    load_dataset(space, data)
    return space.root, quiet


@pytest.fixture(scope="module")
def admin(cut_space: tuple[Path, str]) -> Iterator[TestClient]:
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app

    workspace = open_workspace(cut_space[0])
    store = open_store(f"sqlite:///{cut_space[0] / 'casebook.sqlite'}")
    add_user(store, "admin", "district_admin", password=PASSWORD)
    client = TestClient(create_app(workspace, store=store, secure_cookies=False))
    yield sign_in(client, "admin")
    client.close()


def _metrics(root: Path, level: str, as_of: dt.date | None = None) -> pd.DataFrame:
    from homeroom.pipeline import metrics_for_workspace
    from homeroom.warehouse import open_workspace

    return metrics_for_workspace(open_workspace(root), level=level, as_of=as_of)


def test_the_pages_default_date_and_rates_are_the_commands(admin, cut_space):
    root, _quiet = cut_space
    rows = read_csv(admin.get("/", params={"format": "csv", "table": "schools"}))
    assert {r["Numbers as of"] for r in rows} == {CUT.isoformat()}
    assert {r["Definition"] for r in rows} == {"default 2026.2"}
    for want in (_metrics(root, "school"), _metrics(root, "school", CUT)):
        by_school = want.set_index("school_id")
        for row in rows:
            expected = by_school.loc[row["School ID"]]
            assert int(row["Chronically absent"]) == expected.chronically_absent_count
            assert math.isclose(float(row["Chronic absence rate"]), expected.chronic_absence_rate)
    district = _metrics(root, "district").iloc[0]
    page = admin.get("/").text
    assert "31 January 2025" in page
    shown = f"of {district.students_eligible:,} eligible students are chronically absent "
    assert f"{shown}({district.chronically_absent_count:,})" in page


def test_every_page_names_the_school_whose_attendance_stops_early(admin, cut_space):
    _root, quiet = cut_space
    for address in ("/", "/schools", "/equity", "/data"):
        html = " ".join(admin.get(address).text.split())
        assert "Attendance stops early at 1 school." in html, address
        assert f"{quiet}: no attendance recorded after 10 January 2025" in html, address
