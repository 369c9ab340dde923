"""Downloads built in the app's worker process: the same files, a bounded queue, a clean stop."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient

from homeroom.web import exports
from homeroom.web.downloads import Job, build
from web.conftest import sign_in
from web.test_audit import last_id, log_of


def tables() -> dict[str, pd.DataFrame]:
    return {
        "schools": pd.DataFrame({"School": ["=SUM(A1)", "North"], "Students": [12, 30]}),
        "tiers": pd.DataFrame({"Tier": ["At risk"], "Rate": [0.25]}),
    }


def test_the_worker_writes_the_bytes_the_request_thread_wrote() -> None:
    stamp = exports.Stamp(pd.Timestamp("2025-01-31").date(), "default 2026.2")
    for fmt, table in [("csv", "tiers"), ("csv", None), ("xlsx", None)]:
        before = exports.download(tables(), "district", fmt, table, stamp=stamp)
        built = build(Job(tables(), "district", fmt, table, stamp))
        assert built.media_type == before.media_type
        assert built.disposition == before.headers["content-disposition"]
        if fmt == "csv":
            assert built.body == before.body
        else:  # a workbook carries the moment it was written; its sheets are what counts
            got = pd.read_excel(io.BytesIO(built.body), sheet_name=None)
            want = pd.read_excel(io.BytesIO(before.body), sheet_name=None)
            assert got.keys() == want.keys()
            for name in want:
                pd.testing.assert_frame_equal(got[name], want[name])


def test_a_download_through_the_app_is_built_in_the_worker(client_for, app) -> None:  # noqa: ANN001
    viewer = client_for("viewer")
    answer = viewer.get("/", params={"format": "csv", "table": "tiers"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert app.state.homeroom.downloads.running  # the pool exists: the file came from it


def test_with_every_slot_taken_a_download_is_refused_and_not_audited(
    client_for,
    app,
    district,  # noqa: ANN001
) -> None:
    staff = client_for("staff")
    queue = app.state.homeroom.downloads
    mark = last_id(district.store)
    taken = 0
    try:
        for _ in range(queue.max_waiting):
            queue.take_slot()
            taken += 1
        for query in [{"format": "xlsx"}, {"format": "csv", "grade": "03"}]:
            answer = staff.get("/students", params=query)
            assert answer.status_code == 503
            assert int(answer.headers["retry-after"]) > 0
            assert "Downloads are busy" in answer.text
            assert "Nothing was downloaded" in answer.text
            # Refused pages carry the same security headers as every page.
            assert answer.headers["x-content-type-options"] == "nosniff"
        school = staff.get(f"/schools/{district.staff_school}", params={"format": "xlsx"})
        assert school.status_code == 503
        assert log_of(district.store, mark, username="staff") == []
        assert staff.get("/students").status_code == 200  # pages are not downloads
    finally:
        for _ in range(taken):
            queue.give_slot()
    assert staff.get("/students", params={"format": "csv"}).status_code == 200
    logged = log_of(district.store, mark, username="staff", action="student_list_exported")
    assert len(logged) == 1


def test_the_worker_stops_with_the_app(district) -> None:  # noqa: ANN001
    from homeroom.web.app import create_app

    app = create_app(
        district.workspace,
        store=district.store,
        secure_cookies=False,
        serving_path=district.serving_path,
    )
    queue = app.state.homeroom.downloads
    assert not queue.running
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert queue.running  # started with the app, before any request
        sign_in(client, "viewer")
        assert client.get("/", params={"format": "xlsx"}).status_code == 200
        workers = list(queue._pool._processes.values())  # noqa: SLF001
        assert workers and all(w.is_alive() for w in workers)
    assert not queue.running
    assert not any(w.is_alive() for w in workers)
