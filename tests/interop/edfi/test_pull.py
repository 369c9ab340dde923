"""`homeroom pull edfi` end to end against the local test API: what a district's data team sees."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from homeroom.definitions import load_definition
from homeroom.interop.edfi.pull import REQUIRED_RESOURCES, STATE_NAME
from homeroom.pipeline import metrics_for_folder
from interop.edfi.server import EdFiTestServer

ED_FI = "uri://ed-fi.org/"
SCHOOL = 255901001
SESSION = {"schoolId": SCHOOL, "schoolYear": 2025, "sessionName": "2024-2025 School Year"}
DAYS = ["2024-09-03", "2024-09-04", "2024-09-05", "2024-09-06"]
DAYS += ["2024-09-09", "2024-09-10", "2024-09-11", "2024-09-12", "2024-09-13"]
DAYS += ["2024-09-16", "2024-09-17", "2024-09-18"]


def _event(student: str, day: str, category: str, **extra) -> dict:
    return {
        "attendanceEventCategoryDescriptor": f"{ED_FI}AttendanceEventCategoryDescriptor#{category}",
        "eventDate": day,
        "schoolReference": {"schoolId": SCHOOL},
        "sessionReference": SESSION,
        "studentReference": {"studentUniqueId": student},
        **extra,
    }


def grand_bend() -> dict[str, list[dict]]:
    """One school, 12 school days (Labor Day off), two students, four events."""
    calendar = {"calendarCode": "GB", "schoolId": SCHOOL, "schoolYear": 2025}
    holiday = {"calendarEventDescriptor": f"{ED_FI}CalendarEventDescriptor#Holiday"}
    taught = {"calendarEventDescriptor": f"{ED_FI}CalendarEventDescriptor#Instructional day"}
    return {
        "localEducationAgencies": [
            {"localEducationAgencyId": 255901, "nameOfInstitution": "Grand Bend ISD"}
        ],
        "schools": [
            {
                "schoolId": SCHOOL,
                "nameOfInstitution": "Grand Bend High School",
                "localEducationAgencyReference": {"localEducationAgencyId": 255901},
                "gradeLevels": [
                    {"gradeLevelDescriptor": f"{ED_FI}GradeLevelDescriptor#Ninth grade"}
                ],
            }
        ],
        "calendars": [
            {
                "calendarCode": "GB",
                "schoolReference": {"schoolId": SCHOOL},
                "schoolYearTypeReference": {"schoolYear": 2025},
            }
        ],
        "calendarDates": [
            {"calendarReference": calendar, "date": "2024-09-02", "calendarEvents": [holiday]},
            *(
                {"calendarReference": calendar, "date": day, "calendarEvents": [taught]}
                for day in DAYS
            ),
        ],
        "sessions": [
            {
                "sessionName": SESSION["sessionName"],
                "schoolReference": {"schoolId": SCHOOL},
                "schoolYearTypeReference": {"schoolYear": 2025},
                "beginDate": DAYS[0],
                "endDate": DAYS[-1],
                "totalInstructionalDays": len(DAYS),
            }
        ],
        "students": [
            {"studentUniqueId": "604822", "firstName": "Lisa", "lastSurname": "Woods"},
            {"studentUniqueId": "604823", "firstName": "Ray", "lastSurname": "Ng"},
        ],
        "studentEducationOrganizationAssociations": [
            {
                "educationOrganizationReference": {"educationOrganizationId": 255901},
                "studentReference": {"studentUniqueId": "604822"},
                "sexDescriptor": f"{ED_FI}SexDescriptor#Female",
            }
        ],
        "studentSchoolAssociations": [
            {
                "entryDate": DAYS[0],
                "schoolReference": {"schoolId": SCHOOL},
                "studentReference": {"studentUniqueId": "604822"},
                "entryGradeLevelDescriptor": f"{ED_FI}GradeLevelDescriptor#Ninth grade",
                "schoolYearTypeReference": {"schoolYear": 2025},
            },
            {
                "entryDate": DAYS[0],
                "exitWithdrawDate": "2024-09-16",
                "schoolReference": {"schoolId": SCHOOL},
                "studentReference": {"studentUniqueId": "604823"},
                "entryGradeLevelDescriptor": f"{ED_FI}GradeLevelDescriptor#Ninth grade",
                "schoolYearTypeReference": {"schoolYear": 2025},
            },
        ],
        "studentSchoolAttendanceEvents": [
            _event("604822", "2024-09-04", "Unexcused Absence"),
            _event("604822", "2024-09-05", "Excused Absence", eventDuration=0.5),
            _event("604822", "2024-09-06", "Tardy"),
            _event("604823", "2024-09-16", "Unexcused Absence"),
        ],
    }


@pytest.fixture
def api():
    server = EdFiTestServer()
    for resource in REQUIRED_RESOURCES:
        server.resources[resource] = {}
    server.load(grand_bend())
    with server:
        yield server


@pytest.fixture
def credentials(api, monkeypatch):
    monkeypatch.setenv("HOMEROOM_EDFI_KEY", api.key)
    monkeypatch.setenv("HOMEROOM_EDFI_SECRET", api.secret)


def _flat(text: str) -> str:
    """Terminal text without the line breaks rich adds, so a wrapped secret would still show."""
    return "".join(text.split())


def _all_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()
    )


def test_help_shows_an_example_and_the_environment_variables(capsys):
    outcome = run(capsys, "pull", "edfi", "--help")
    assert outcome.exit_code == 0
    assert "Example" in outcome.stdout
    assert "HOMEROOM_EDFI_KEY" in outcome.stdout and "HOMEROOM_EDFI_SECRET" in outcome.stdout


def test_a_pull_writes_the_raw_store_the_canonical_tables_and_the_load_report(
    api, credentials, capsys, tmp_path
):
    out = tmp_path / "data"
    outcome = run(capsys, "pull", "edfi", "--url", api.root_url, "--out", out, "--school-year",
                  "2025")  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "Full pull up to change version" in outcome.stdout
    assert "Imported Ed-Fi" in outcome.stdout
    raw = out / "edfi-resources"
    events = json.loads((raw / "studentSchoolAttendanceEvents.json").read_text(encoding="utf-8"))
    assert len(events) == 4
    assert (raw / STATE_NAME).exists()
    enrollments = pd.read_csv(out / "enrollments.csv", dtype=str)
    assert sorted(enrollments["exit_date"].fillna("")) == ["", "2024-09-16"]
    report = (out / "load_report.md").read_text(encoding="utf-8")
    assert "Pulled from the Ed-Fi API" in report
    # Lisa: 12 days, 1 + 0.5 absent (the tardy gives no minutes); Ray: 10 days to Sep 16, 1.
    # Counted through the calendar's end, not to the latest event (the default as-of date).
    rows = metrics_for_folder(out, definition=load_definition("default"), as_of=dt.date(2100, 1, 1))
    got = {r.student_id: (r.days_enrolled, r.days_absent) for r in rows.itertuples()}
    assert got == {"604822": (12, 1.5), "604823": (10, 1.0)}


def test_the_second_pull_asks_only_for_changes(api, credentials, capsys, tmp_path):
    out = tmp_path / "data"
    assert run(capsys, "pull", "edfi", "--url", api.root_url, "--out", out).exit_code == 0
    (gone,) = [
        key
        for key, stored in api.resources["studentSchoolAttendanceEvents"].items()
        if stored.item["eventDate"] == "2024-09-04"
    ]
    api.delete("studentSchoolAttendanceEvents", gone)
    outcome = run(capsys, "pull", "edfi", "--url", api.root_url, "--out", out)
    assert outcome.exit_code == 0, outcome.stderr
    assert "Incremental pull" in outcome.stdout
    assert "1 deletion(s) applied" in outcome.stdout
    attendance = pd.read_csv(out / "attendance.csv", dtype=str)
    assert sorted(attendance["date"]) == ["2024-09-05", "2024-09-06", "2024-09-16"]


def test_secrets_given_on_the_command_line_are_never_printed_or_written(api, capsys, tmp_path):
    out = tmp_path / "data"
    outcome = run(
        capsys, "pull", "edfi", "--url", api.root_url, "--key", api.key, "--secret", api.secret,
        "--out", out,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    for text in (_flat(outcome.stdout), _flat(outcome.stderr), _all_text(out)):
        assert api.secret not in text
        assert api.key not in text


def test_wrong_credentials_exit_2_with_a_clear_message(api, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEROOM_EDFI_KEY", api.key)
    monkeypatch.setenv("HOMEROOM_EDFI_SECRET", "wrong-secret-value")
    out = tmp_path / "data"
    outcome = run(capsys, "pull", "edfi", "--url", api.root_url, "--out", out)
    assert outcome.exit_code == 2
    assert "refused the key and secret (401 invalid_client)" in " ".join(outcome.stderr.split())
    assert "Traceback" not in outcome.stderr
    assert "wrong-secret-value" not in _flat(outcome.stdout + outcome.stderr)
    assert not (out / "students.csv").exists()


def test_a_server_that_keeps_failing_exits_2_naming_the_resource(
    api, credentials, capsys, tmp_path
):
    api.fail("503", path="studentSchoolAttendanceEvents", times=None)
    outcome = run(capsys, "pull", "edfi", "--url", api.root_url, "--out", tmp_path / "data",
                  "--retries", "3", "--backoff", "0")  # fmt: skip
    assert outcome.exit_code == 2
    message = " ".join(outcome.stderr.split())
    assert (
        "studentSchoolAttendanceEvents: gave up after 3 tries in 0 s; the last answer was: "
        "503 Service Unavailable" in message
    )
    assert "Traceback" not in outcome.stderr
    assert not (tmp_path / "data" / "edfi-resources" / STATE_NAME).exists()


def test_transient_failures_are_retried_and_the_pull_succeeds(api, credentials, capsys, tmp_path):
    api.fail("429", path="students", retry_after="0")
    api.fail("drop", path="studentSchoolAssociations")
    api.fail("500", path="calendarDates")
    api.fail("expire", path="sessions")
    outcome = run(capsys, "pull", "edfi", "--url", api.root_url, "--out", tmp_path / "data",
                  "--backoff", "0.001")  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "3 retried" in outcome.stdout
    assert api.tokens_issued == 2


def test_an_unreachable_api_exits_2(capsys, tmp_path, monkeypatch):
    with EdFiTestServer() as gone:
        url = gone.root_url
    monkeypatch.setenv("HOMEROOM_EDFI_KEY", "k")
    monkeypatch.setenv("HOMEROOM_EDFI_SECRET", "s")
    outcome = run(capsys, "pull", "edfi", "--url", url, "--out", tmp_path, "--retries", "2",
                  "--backoff", "0")  # fmt: skip
    assert outcome.exit_code == 2
    assert "connection refused" in outcome.stderr


def test_without_a_secret_the_command_says_which_option_or_variable(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("HOMEROOM_EDFI_SECRET", raising=False)
    monkeypatch.setenv("HOMEROOM_EDFI_KEY", "k")
    outcome = run(capsys, "pull", "edfi", "--url", "https://ods.example.org/api", "--out",
                  tmp_path)  # fmt: skip
    assert outcome.exit_code == 2
    assert "--secret" in outcome.stderr
