"""The `chance` part of a student's record (GET /api/v1/students/{id}): the latest saved ranked
queue's chance, main factors, date and rank; null without one; for a partner, only with
`attendance_detail` in the consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

from web.api.conftest import refer

QUEUE_DAY = dt.date(2025, 5, 19)


@pytest.fixture
def saved(api) -> Iterator[dict[str, str]]:  # noqa: ANN001
    """A saved queue of three of the first school's students (ranks 1-3), removed afterwards:
    {"ranked": the second, "model-less": the third (no chance), "missing": one not in it}."""
    from homeroom.definitions import load_definition
    from homeroom.signals.queue_store import ABOUT_FILE, queue_path, save_queue

    first, second, third, missing = (api.fresh(api.schools[0]) for _ in range(4))
    rows = pd.DataFrame(
        {
            "student_id": [first, second, third],
            "school_id": api.schools[0],
            "rank": [1, 2, 3],
            "suggested_tier": [3, 2, None],
            "chance_chronic": [0.81, 0.34, float("nan")],
            "main_reason": ["Chronically absent last year", "Missing school at a pace", ""],
            "rules": ["prior_year_chronic", "pace", ""],
            "main_factors": ["a; b", "absent 6 of the last 20 school days; grade 9", ""],
        }
    )
    save_queue(api.workspace, rows, QUEUE_DAY, load_definition("default"), "chronic")
    yield {"ranked": second, "model-less": third, "missing": missing}
    path = queue_path(api.workspace)
    path.unlink()
    path.with_name(ABOUT_FILE).unlink()


def test_staff_get_the_chance_of_the_saved_queue(api, saved) -> None:  # noqa: ANN001
    body = api.client("staff").get(f"/api/v1/students/{saved['ranked']}").json()
    assert body["chance"] == {
        "chance_chronic": pytest.approx(0.34),
        "main_factors": ["absent 6 of the last 20 school days", "grade 9"],
        "as_of": "2025-05-19",
        "rank": 2,
    }
    plain = api.client("staff").get(f"/api/v1/students/{saved['model-less']}").json()
    assert plain["chance"] == {"chance_chronic": None, "main_factors": [],
                               "as_of": "2025-05-19", "rank": 3}  # fmt: skip
    missing = api.client("staff").get(f"/api/v1/students/{saved['missing']}").json()
    assert "chance" in missing and missing["chance"] is None


def test_without_a_saved_queue_the_chance_is_null(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    body = api.client("admin").get(f"/api/v1/students/{student}").json()
    assert "chance" in body and body["chance"] is None


def test_a_partner_gets_the_chance_only_with_attendance_detail(api, saved) -> None:  # noqa: ANN001
    student = saved["ranked"]
    made = [
        refer(api, student, api.clinic, scope=["attendance_summary"]),
        refer(api, student, api.mentors, scope=["attendance_detail"]),
    ]
    try:
        summary_only = api.client("clinic").get(f"/api/v1/students/{student}").json()
        assert "flags" in summary_only and "chance" not in summary_only
        detail = api.client("mentors").get(f"/api/v1/students/{student}").json()
        staff = api.client("staff").get(f"/api/v1/students/{student}").json()
        assert detail["chance"] == staff["chance"] and detail["chance"]["rank"] == 2
    finally:  # other tests count each partner's students
        for body in made:
            withdrawn = api.client("admin").post(f"/api/v1/consents/{body['consent_id']}/withdraw")
            assert withdrawn.status_code == 200, withdrawn.text
