"""The work queue's rule (homeroom.web.data.queue.queue_rows) on hand-made inputs: who is in
it, with which status and next step, in which order, which rows are this week's, and what each
filter keeps."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from homeroom.casebook.actions import ActionInfo
from homeroom.casebook.plans import PlanInfo
from homeroom.web.data.queue import QUEUE_COLUMNS, filter_queue, queue_rows

TODAY = dt.date(2025, 3, 10)


def ranked(*rows: tuple[str, int | None, str]) -> pd.DataFrame:
    """A school's ranking: (student id, suggested tier, grade), in need order."""
    return pd.DataFrame(
        [
            {
                "student_id": sid,
                "school_id": "100",
                "school_year": 2025,
                "grade_level": grade,
                "suggested_tier": tier,
                "absence_rate": 0.2 - n / 100,
                "days_absent": 20.0,
                "prior_year_rate": None,
                "rules": ["chronic_so_far", "two_in_a_row"],
                "main_rule": "chronic_so_far",
                "main_reason": f"Missed {20 - n} of 100 days",
                "reasons": [f"Missed {20 - n} of 100 days", "Two absences in a row"],
                "need_rank": n + 1,
                "first_flagged_on": TODAY - dt.timedelta(days=7),
                "days_since_flagged": 7 + n,
            }
            for n, (sid, tier, grade) in enumerate(rows)
        ]
    )


def plan(
    pid: int, sid: str, *, tier: int = 2, owner: str = "staff", review: dt.date | None = None
) -> PlanInfo:
    return PlanInfo(pid, sid, "100", tier, owner, owner.title(), (), None,
                    dt.date(2025, 2, 1), review, "open", None, None, None, "staff")  # fmt: skip


def follow_up(
    aid: int, sid: str, on: dt.date, kind: str = "call", done: dt.date | None = None
) -> ActionInfo:
    return ActionInfo(aid, sid, "100", None, kind, dt.date(2025, 3, 1), "staff", "school_staff",
                      None, None, None, None, on, done,
                      dt.datetime(2025, 3, 1, tzinfo=dt.UTC))  # fmt: skip


def test_who_is_in_the_queue_and_why() -> None:
    flags = ranked(("A", 3, "05"), ("B", 2, "05"), ("C", None, "06"), ("D", 2, "06"))
    plans = [
        plan(1, "B"),  # flagged, a plan, nothing due: not in the queue
        plan(2, "C", review=TODAY),  # flagged, review due today
        plan(3, "E", review=TODAY - dt.timedelta(days=1), owner="lee"),  # not flagged, review due
        plan(4, "F", review=TODAY + dt.timedelta(days=1)),  # not flagged, review later: out
    ]
    follow_ups = [
        follow_up(10, "D", TODAY - dt.timedelta(days=2), "home_visit"),  # overdue, no plan
        follow_up(11, "D", TODAY, "text"),  # a later one of D: the earliest counts
        follow_up(12, "G", TODAY),  # not flagged, due today
        follow_up(13, "H", TODAY - dt.timedelta(days=5)),  # not flagged, overdue
        follow_up(14, "A", TODAY + dt.timedelta(days=3)),  # not due yet: A is only new
        follow_up(15, "B", TODAY - dt.timedelta(days=9), done=TODAY),  # done: not open
    ]
    rows = queue_rows(flags, plans, follow_ups, TODAY, capacity=3)
    assert list(rows.columns) == list(QUEUE_COLUMNS)
    # Flagged in need order (A, C, D), then unflagged: overdue H, then E (review 9 March)
    # before G (follow-up 10 March).
    assert rows["student_id"].tolist() == ["A", "C", "D", "H", "E", "G"]
    by_id = rows.set_index("student_id")
    assert by_id.loc["A", "statuses"] == ("new",)
    assert by_id.loc["C", "statuses"] == ("review_due",)
    assert by_id.loc["D", "statuses"] == ("follow_up_overdue", "new")
    assert by_id.loc["H", "status"] == "follow_up_overdue"
    assert by_id.loc["E", "status"] == "review_due"
    assert by_id.loc["G", "status"] == "follow_up_due"
    assert by_id.loc["A", "next_step"] == "Make a plan"
    assert by_id.loc["C", "next_step"] == "Review the plan"
    assert by_id.loc["D", "next_step"] == "Follow up: home visit (due 8 March 2025)"
    assert by_id.loc["G", "next_step"] == "Follow up: phone call (due 10 March 2025)"
    assert by_id.loc["E", "owner"] == "lee" and pd.isna(by_id.loc["A", "owner"])
    assert by_id.loc["D", "days_since_flagged"] == 10 and pd.isna(by_id.loc["H", "need_rank"])
    assert rows["this_week"].tolist() == [True, True, True, False, False, False]


def test_without_a_run_only_follow_ups_and_reviews() -> None:
    empty = ranked(("X", 2, "01")).iloc[0:0]
    rows = queue_rows(empty, [plan(1, "E", review=TODAY)], [follow_up(1, "G", TODAY)], TODAY)
    assert rows["student_id"].tolist() == ["E", "G"]  # both due 10 March: by student id
    assert rows["this_week"].all()  # no capacity given: every row


def test_nobody_due_is_an_empty_queue_with_its_columns() -> None:
    rows = queue_rows(ranked(("A", 2, "05")), [plan(1, "A")], [], TODAY)
    assert rows.empty and list(rows.columns) == list(QUEUE_COLUMNS)


@pytest.fixture
def queue() -> pd.DataFrame:
    flags = ranked(("A", 3, "05"), ("C", None, "06"), ("D", 2, "06"), ("K", 2, "05"))
    plans = [plan(2, "C", tier=1, review=TODAY), plan(5, "K", tier=3, owner="lee", review=TODAY)]
    return queue_rows(flags, plans, [follow_up(10, "D", TODAY - dt.timedelta(days=2))], TODAY, 2)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"grade": "05"}, ["A", "K"]),
        ({"tier": 3}, ["A", "K"]),  # A suggested 3; K's plan is tier 3
        ({"tier": 2}, ["D"]),  # K was suggested 2, but its plan's tier wins
        ({"tier": 1}, ["C"]),  # a conversation, and a tier-1 plan
        ({"owner": "nobody"}, ["A", "D"]),
        ({"owner": "lee"}, ["K"]),
        ({"status": "new"}, ["A", "D"]),
        ({"status": "follow_up_overdue"}, ["D"]),
        ({"status": "review_due"}, ["C", "K"]),
        ({"status": "follow_up_due"}, []),
        ({"grade": "06", "status": "new"}, ["D"]),
    ],
)
def test_filters(queue: pd.DataFrame, filters: dict, expected: list[str]) -> None:
    kept = filter_queue(queue, **filters)
    assert kept["student_id"].tolist() == expected


def test_a_filter_keeps_this_weeks_rows_as_the_whole_queue_has_them(queue: pd.DataFrame) -> None:
    assert filter_queue(queue, grade="06")[["student_id", "this_week"]].values.tolist() == [
        ["C", True],
        ["D", False],
    ]


def test_a_plan_at_another_school_is_a_plan() -> None:
    """One open plan a student: flagged here with a plan at their other school, they are not
    new here; only a follow-up logged here brings them into this school's queue."""
    flags = ranked(("A", 2, "05"), ("B", 2, "05"))
    rows = queue_rows(flags, [], [follow_up(1, "B", TODAY)], TODAY, planned_elsewhere=["A", "B"])
    assert rows["student_id"].tolist() == ["B"]
    assert rows["statuses"].tolist() == [("follow_up_due",)]
