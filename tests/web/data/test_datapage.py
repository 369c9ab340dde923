"""The data page: load history, quarantine, and monitor rows only for roles that see students."""

from __future__ import annotations

import pytest

from homeroom.warehouse import open_workspace
from homeroom.web.data import data_page
from homeroom.web.scope import Scope
from homeroom.web.snapshot import open_serving, prepare_serving
from web.data.district import district, make_workspace

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
VIEWER = Scope.of("viewer", "district_viewer")


def attendance_line(**match: str) -> int:
    for index, row in enumerate(district().data()["attendance"]):
        if all(row.get(k) == v for k, v in match.items()):
            return index + 2  # the header is line 1
    raise LookupError(match)


def test_history_and_quarantine_with_file_line_and_reason(serving):
    page = data_page(serving, ADMIN)
    assert page.workspace_name == "Hand district" and page.load_id == 1
    assert list(page.load_history["status"]) == ["loaded"]
    assert "attendance 36" in page.load_history["rows_loaded"].iloc[0]  # 37 rows, 1 refused
    assert page.quarantine_total == 1
    row = page.quarantine.iloc[0]
    assert (row["table"], row["file"], row["column"]) == ("attendance", "attendance.csv", "date")
    assert row["line"] == attendance_line(student_id="A04", date="2024-09-10")
    assert row["reason"] == "student not enrolled at school S1 on 2024-09-10"
    assert list(page.quarantine_reasons["rows"]) == [1]


ANALYST = Scope.of("analyst", "state_analyst")


@pytest.mark.parametrize("scope", [VIEWER, ANALYST, STAFF_S2], ids=lambda s: s.role)
def test_only_district_admins_get_the_quarantines_rows(serving, scope):
    page = data_page(serving, scope)
    assert page.quarantine is None and page.quarantine_total == 1
    # Counts by table, column and kind of reason instead.
    assert page.quarantine_reasons.to_dict("records") == [
        {
            "table": "attendance",
            "column": "date",
            "reason": "student not enrolled at school S1 on 2024-09-10",
            "rows": 1,
        }
    ]
    assert data_page(serving, ADMIN).quarantine is not None


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (
            "race_ethnicity 'Okonkwo' is not one of asian, black; kept the student with it empty",
            "race_ethnicity '…' is not one of asian, black; kept the student with it empty",
        ),
        (
            "birth_date is not a date (YYYY-MM-DD): 'O'Brien, Ada' (an Excel date serial? it "
            "would be 2018-02-28; convert it to YYYY-MM-DD)",
            "birth_date is not a date (YYYY-MM-DD): '…' (an Excel date serial? it would be …; "
            "convert it to YYYY-MM-DD)",
        ),
        ("sex 'Quimby' is not one of F, M, X", "sex '…' is not one of F, M, X"),
        ("duplicate of line 7 for the same student", "duplicate of line 7 for the same student"),
    ],
)
def test_a_reasons_kind_quotes_no_value(reason: str, kind: str) -> None:
    """Reasons of loads made before reasons stopped quoting personal values still quote them."""
    from homeroom.web.data.datapage import reason_kind

    assert reason_kind(reason) == kind


@pytest.fixture(scope="module")
def reloaded(tmp_path_factory):
    """A second load re-coding A01's absence on 2 Sep (S1) and B03's on 3 Sep (S2)."""
    workspace = open_workspace(make_workspace(tmp_path_factory.mktemp("reload"), recoded_load=True))
    data = open_serving(prepare_serving(workspace))
    yield data
    data.close()


def test_monitor_rows_name_students_only_for_roles_that_see_them(reloaded):
    def changed(scope):
        page = data_page(reloaded, scope)
        assert page.load_id == 2 and len(page.load_history) == 2
        return next(m for m in page.monitors if m.key == "changed_absences")

    admin = changed(ADMIN)
    assert admin.count == 2 and admin.status == "warning" and not admin.withheld
    assert sorted(admin.rows["student_id"]) == ["A01", "B03"]
    staff = changed(STAFF_S2)
    assert list(staff.rows["student_id"]) == ["B03"] and staff.withheld
    assert staff.detail is not None  # counts by change, naming no student
    viewer = changed(VIEWER)
    assert viewer.rows is None and viewer.withheld
    assert viewer.summary == admin.summary and viewer.count == 2
