"""The school early-warning page: newly flagged since the last run, why, sorted by need."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from homeroom.resolver import resolve
from homeroom.signals.store import newly_flagged, save_run
from homeroom.signals.watch import watch_list
from web.conftest import STUDENT_ID

CAPTION = re.compile(r"<caption>(\d+) students( newly flagged)?</caption>")


@pytest.fixture(scope="module")
def two_runs(district):  # noqa: ANN001, ANN201
    """Runs as of 1 March and 1 April of the later year, saved in the workspace."""
    for day in (dt.date(2025, 3, 1), dt.date(2025, 4, 1)):
        with resolve(workspace=district.workspace, as_of=day) as request:
            found = watch_list(request)
        save_run(district.workspace, found.flags, found.as_of)
    return newly_flagged(district.workspace, school_id=district.staff_school)


def _rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def test_staff_see_who_is_newly_flagged_at_their_school(district, two_runs, client_for):  # noqa: ANN001
    client = client_for("staff")
    html = client.get(f"/schools/{district.staff_school}/signals").text
    expected = two_runs["student_id"].nunique()
    assert expected > 0, "the synthetic district should have new flags between the runs"
    assert CAPTION.search(html).group(1) == str(expected)
    rows = _rows(client.get(f"/schools/{district.staff_school}/signals?format=csv").text)
    assert {r["Student ID"] for r in rows} == set(two_runs["student_id"])
    school = html.split("<h1>Early warning: ", 1)[1].split("</h1>", 1)[0]
    assert {(r["School ID"], r["School"]) for r in rows} == {(district.staff_school, school)}
    assert {(r["School year"], r["School year (label)"]) for r in rows} == {("2025", "2024-25")}
    for row in rows:
        fresh = set(two_runs.loc[two_runs["student_id"] == row["Student ID"], "rule"])
        assert set(row["New since the last run"].split(", ")) == fresh


def test_sorted_by_need_intensive_first(district, two_runs, client_for):  # noqa: ANN001
    client = client_for("admin")
    rows = _rows(client.get(f"/schools/{district.staff_school}/signals?show=all&format=csv").text)
    order = {"3": 0, "2": 1, "": 2}
    needs = [order[r["Suggested tier"]] for r in rows]
    assert needs == sorted(needs)
    assert len(rows) >= two_runs["student_id"].nunique()


def test_other_schools_and_aggregate_roles_are_refused(district, two_runs, client_for):  # noqa: ANN001
    other = next(s for s in district.schools if s != district.staff_school)
    assert client_for("staff").get(f"/schools/{other}/signals").status_code == 403
    for role in ("viewer", "analyst"):
        answer = client_for(role).get(f"/schools/{district.staff_school}/signals")
        assert answer.status_code == 403
        assert not STUDENT_ID.search(answer.text)


def test_viewing_the_list_is_audited(district, two_runs, client_for):  # noqa: ANN001
    from homeroom.casebook.audit import audit_entries

    before = len(audit_entries(district.store, action="watch_list_viewed"))
    client_for("staff").get(f"/schools/{district.staff_school}/signals")
    entries = audit_entries(district.store, action="watch_list_viewed")
    assert len(entries) == before + 1
    assert entries[-1].username == "staff"
    assert set(entries[-1].detail["students"]) == set(two_runs["student_id"])
