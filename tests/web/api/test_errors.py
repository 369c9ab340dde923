"""The API's errors are JSON `{"error", "field"}` and name no student: not in a refusal, not in
an unexpected failure's answer or log line."""

from __future__ import annotations

import logging

import pytest

from homeroom.web.api import students as student_routes


def test_an_unexpected_failure_is_a_json_500_logged_without_the_student(
    api,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,  # noqa: ANN001
) -> None:
    student = api.fresh(api.schools[0])

    def broken(*_args: object) -> None:
        raise RuntimeError(f"disk trouble reading {student}")

    monkeypatch.setattr(student_routes, "student_record", broken)
    with caplog.at_level(logging.ERROR, logger="homeroom.web.api"):
        answer = api.client("staff").get(f"/api/v1/students/{student}")
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "the request could not be answered; the error was logged",
        "field": None,
    }
    assert "RuntimeError" in caplog.text and student not in caplog.text


def test_refusals_name_the_field_and_never_the_student(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    client = api.client("staff")
    path = f"/api/v1/students/{student}/actions"
    bad_date = client.post(path, json={"kind": "call", "on": student})
    unknown = client.post(path, json={"kind": "call", "student": student})
    assert (bad_date.status_code, bad_date.json()["field"]) == (400, "on")
    assert (unknown.status_code, unknown.json()["field"]) == (400, "student")
    # The field is named; the value sent (here a student id) never is.
    assert student.lower() not in bad_date.text.lower()
    assert student.lower() not in unknown.text.lower()


def test_a_withdrawal_takes_no_fields(api) -> None:  # noqa: ANN001
    answer = api.client("admin").post("/api/v1/consents/1/withdraw", json={"why": "moved"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "unknown field 'why'; this endpoint takes no fields",
        "field": "why",
    }


def test_a_path_id_that_is_not_a_number_is_400_naming_it(api) -> None:  # noqa: ANN001
    answer = api.client("admin").post("/api/v1/consents/abc/withdraw")
    assert answer.status_code == 400 and answer.json()["field"] == "consent_id"
