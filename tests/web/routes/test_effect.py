"""`GET /effect`: the district's administrators and viewers see each support's effect, chart
and table; school staff do not. On the web tests' district (no supports of its own)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb
import pytest

from homeroom.outreach.effect import Event
from homeroom.outreach.effect_match import Estimate
from homeroom.web.routes import effect as route


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    route._CACHE.clear()


def test_only_the_district_admin_and_viewer_see_it(client_for) -> None:
    assert client_for("staff").get("/effect").status_code == 403
    for who in ("admin", "viewer"):
        answer = client_for(who).get("/effect")
        assert answer.status_code == 200
        assert "No supports recorded yet" in answer.text  # this district has none


def test_a_support_from_the_casebook_is_estimated_and_too_few_to_conclude(
    client_for, district: Any, latest: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    student, school = con.execute(
        "SELECT student_id, school_id FROM enrollments WHERE school_year = 2025 "
        "ORDER BY student_id LIMIT 1"
    ).fetchall()[0]
    con.close()
    start = latest - dt.timedelta(days=60)
    monkeypatch.setattr(route, "casebook_events",
                        lambda store: [Event("home visit", student, school, start)])  # fmt: skip
    html = client_for("viewer").get("/effect").text
    cells = re.findall(r"<th scope=\"row\">([^<]+)</th>", html)
    assert cells == ["home visit", "All supports"]
    assert html.count("too few to conclude") >= 2
    assert student not in html  # aggregates only


def test_chart_and_table_show_each_effect_with_its_interval(
    client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        Estimate("letter", 400, 900, -3.0, -1.0, -2.0, -3.0, -1.0, "fewer absences"),
        Estimate("all", 400, 900, -3.0, -1.0, -2.0, -3.0, -1.0, "fewer absences"),
    ]
    monkeypatch.setattr(route, "effects", lambda resolved, events: rows)
    html = client_for("admin").get("/effect").text
    assert "-2.0" in html and "-3.0 to -1.0" in html and "fewer absences" in html
    # Scale from -3 to 1 over 420 units after a 170-unit label column: -2 at 275, 0 at 485.
    assert '<circle cx="275.0"' in html
    assert 'x1="170.0" y1="30" x2="380.0"' in html  # the letter's interval, -3 to -1
    assert 'x1="485.0"' in html  # the dashed line of no effect
