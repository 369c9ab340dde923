"""A school's work queue: the students who need the attendance team's attention today.

One row per student: newly flagged by the early warning and without an open plan (`new`), a
follow-up due today (`follow_up_due`) or before today (`follow_up_overdue`), an open plan whose
review date has come (`review_due`). Flagged students come in the order of the latest ranked
queue (`homeroom signals queue`: the model's chance, tier 3 rules first), with its
`chance_chronic`; those it does not rank, and every flagged student before the first saved
queue, in the early-warning ranking's need order. Students not flagged but with something due
come after them, overdue first, then the earliest date. The team's capacity marks the first
rows as "this week" on the whole queue, so a filter never moves a student in or out of this
week's work.

`queue_rows` is the rule itself, over plain inputs (a school's ranked flags, its open plans and
its open follow-ups up to today); `school_queue` reads them from the stores for a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from homeroom.casebook.actions import KINDS, ActionInfo, open_follow_ups
from homeroom.casebook.capacity import team_capacity
from homeroom.casebook.casework import today as store_today
from homeroom.casebook.plans import PlanInfo, open_plans
from homeroom.formats import date_text
from homeroom.web.data.common import query

if TYPE_CHECKING:
    from homeroom.casebook.store import Store
    from homeroom.warehouse import Workspace
    from homeroom.web.data.flags import FlagSet
    from homeroom.web.snapshot import ServingData

STATUSES = {
    "new": "Newly flagged, no plan yet",
    "follow_up_due": "Follow-up due today",
    "follow_up_overdue": "Follow-up overdue",
    "review_due": "Plan review due",
}
# The most pressing first: a row's status (and its next step) is the first of its statuses.
_URGENCY = ("follow_up_overdue", "follow_up_due", "review_due", "new")
NOBODY = "nobody"  # the owner filter's value for students without a plan
QUEUE_COLUMNS = (
    "student_id",
    "school_id",
    "grade_level",
    "absence_rate",
    "suggested_tier",
    "main_rule",
    "main_reason",
    "rules",
    "reasons",
    "days_since_flagged",
    "need_rank",
    "plan_id",
    "plan_tier",
    "owner",
    "owner_name",
    "review_on",
    "follow_up_on",
    "follow_up_kind",
    "statuses",
    "status",
    "next_step",
    "this_week",
    "queue_rank",
    "chance_chronic",
)


@dataclass(frozen=True)
class Queue:
    """A school's queue for a page: its rows (QUEUE_COLUMNS plus first_name, last_name), the
    flags they came from (None before the first saved signals run), today and the capacity;
    `ranked_as_of`, the date of the saved ranked queue that ordered it (None: none saved)."""

    school_id: str
    rows: pd.DataFrame
    flags: FlagSet | None
    today: dt.date
    capacity: int
    ranked_as_of: dt.date | None = None


def queue_rows(
    ranked: pd.DataFrame,
    plans: Sequence[PlanInfo],
    follow_ups: Sequence[ActionInfo],
    today: dt.date,
    capacity: int | None = None,
    *,
    planned_elsewhere: Iterable[str] = (),
    saved: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The queue of one school, in need order (QUEUE_COLUMNS).

    RANKED: the school's rows of the early-warning ranking (FlagSet.school); PLANS: the
    school's open plans; FOLLOW_UPS: open follow-ups of the school's actions (later ones are
    ignored); CAPACITY: how many rows are this week's (None: all of them); PLANNED_ELSEWHERE:
    students with an open plan at another school (a student has one plan at a time: they are
    not `new` here, and that plan's review is the other school's); SAVED: the latest ranked
    queue's `student_id`, `queue_rank`, `chance_chronic` (web.data.chances.queue_ranks), whose
    rank orders the flagged rows it holds, ahead of those it does not.
    """
    plan_of = {p.student_id: p for p in plans if p.is_open}
    elsewhere = set(planned_elsewhere) - set(plan_of)
    due = _earliest_due(follow_ups, today)
    flagged = {str(s) for s in ranked["student_id"]}
    rows = []
    rank_of, chance_of = _saved_figures(saved)
    order = ranked.assign(_saved=ranked["student_id"].astype(str).map(rank_of).astype(float))
    order = order.sort_values(["_saved", "need_rank"], kind="stable", na_position="last")
    for flag in order.to_dict("records"):
        sid = str(flag["student_id"])
        row = _row(sid, flag, plan_of.get(sid), due.get(sid), today, sid in elsewhere)
        if row is not None:
            rows.append(row)
    others = (set(due) | {s for s, p in plan_of.items() if p.review_due(today)}) - flagged
    later = [_row(s, None, plan_of.get(s), due.get(s), today) for s in others]
    rows.extend(sorted((r for r in later if r is not None), key=_unflagged_order))
    frame = pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))
    limit = len(frame) if capacity is None else capacity
    frame["this_week"] = [n < limit for n in range(len(frame))]
    ids = frame["student_id"].astype(str)
    frame["queue_rank"] = ids.map(rank_of).astype("Int64")
    frame["chance_chronic"] = ids.map(chance_of).astype(float)
    for column in ("suggested_tier", "plan_tier", "plan_id", "need_rank", "days_since_flagged"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _saved_figures(saved: pd.DataFrame | None) -> tuple[dict[str, int], dict[str, float]]:
    """Student id -> the saved queue's rank, and -> its chance (only those with a chance)."""
    if saved is None or saved.empty:
        return {}, {}
    ids = saved["student_id"].astype(str)
    ranks = dict(zip(ids, (int(r) for r in saved["queue_rank"]), strict=True))
    chances = {
        s: float(c) for s, c in zip(ids, saved["chance_chronic"], strict=True) if pd.notna(c)
    }
    return ranks, chances


def _earliest_due(follow_ups: Iterable[ActionInfo], today: dt.date) -> dict[str, ActionInfo]:
    """Student id -> the earliest open follow-up on or before today."""
    found: dict[str, ActionInfo] = {}
    for action in follow_ups:
        day = action.follow_up_on
        if not action.follow_up_open() or day is None or day > today:
            continue
        known = found.get(action.student_id)
        if known is None or (day, action.id) < (known.follow_up_on or day, known.id):
            found[action.student_id] = action
    return found


def _row(
    student_id: str,
    flag: dict[str, Any] | None,
    plan: PlanInfo | None,
    follow_up: ActionInfo | None,
    today: dt.date,
    planned_elsewhere: bool = False,
) -> dict[str, Any] | None:
    """The student's row, or None when nothing about them needs attention today."""
    statuses = []
    if follow_up is not None and follow_up.follow_up_on is not None:
        statuses.append("follow_up_overdue" if follow_up.follow_up_on < today else "follow_up_due")
    if plan is not None and plan.review_due(today):
        statuses.append("review_due")
    if flag is not None and plan is None and not planned_elsewhere:
        statuses.append("new")
    if not statuses:
        return None
    statuses.sort(key=_URGENCY.index)
    flag = flag or {}
    return {
        "student_id": student_id,
        "school_id": flag.get("school_id", plan.school_id if plan else None),
        "grade_level": flag.get("grade_level"),
        "absence_rate": flag.get("absence_rate"),
        "suggested_tier": flag.get("suggested_tier"),
        "main_rule": flag.get("main_rule"),
        "main_reason": flag.get("main_reason"),
        "rules": list(flag.get("rules", [])),
        "reasons": list(flag.get("reasons", [])),
        "days_since_flagged": flag.get("days_since_flagged"),
        "need_rank": flag.get("need_rank"),
        "plan_id": plan.id if plan else None,
        "plan_tier": plan.tier if plan else None,
        "owner": plan.owner if plan else None,
        "owner_name": plan.owner_name if plan else None,
        "review_on": plan.review_on if plan else None,
        "follow_up_on": follow_up.follow_up_on if follow_up else None,
        "follow_up_kind": follow_up.kind if follow_up else None,
        "statuses": tuple(statuses),
        "status": statuses[0],
        "next_step": _next_step(statuses[0], follow_up),
        "this_week": False,
    }


def _next_step(status: str, follow_up: ActionInfo | None) -> str:
    if status in ("follow_up_overdue", "follow_up_due") and follow_up is not None:
        kind = KINDS.get(follow_up.kind, follow_up.kind).lower()
        return f"Follow up: {kind} (due {date_text(follow_up.follow_up_on)})"
    return "Review the plan" if status == "review_due" else "Make a plan"


def _unflagged_order(row: dict[str, Any]) -> tuple[int, dt.date, str]:
    # Overdue first, then the earliest date that is due, then the student id (a stable order).
    days = [d for d in (row["follow_up_on"], row["review_on"]) if d is not None]
    return (0 if row["status"] == "follow_up_overdue" else 1, min(days), row["student_id"])


def tier_matches(row: dict[str, Any] | pd.Series, tier: int) -> bool:
    """The tier filter: the plan's tier, else the suggested one (a conversation is tier 1)."""
    if pd.notna(row["plan_tier"]):
        return int(row["plan_tier"]) == tier
    suggested = row["suggested_tier"]
    return (1 if pd.isna(suggested) else int(suggested)) == tier


def filter_queue(
    rows: pd.DataFrame,
    *,
    grade: str | None = None,
    tier: int | None = None,
    owner: str | None = None,
    status: str | None = None,
) -> pd.DataFrame:
    """The rows that match every filter given (None: no filter); OWNER "nobody": no plan."""
    keep = pd.Series(True, index=rows.index)
    if grade:
        keep &= rows["grade_level"] == grade
    if tier is not None:
        keep &= rows.apply(lambda r: tier_matches(r, tier), axis=1).astype(bool)
    if owner == NOBODY:
        keep &= rows["owner"].isna()
    elif owner:
        keep &= rows["owner"] == owner
    if status:
        keep &= rows["statuses"].map(lambda s: status in s).astype(bool)
    return rows[keep].reset_index(drop=True)


def school_queue(store: Store, workspace: Workspace, serving: ServingData, school_id: str) -> Queue:
    """The school's queue today (the casebook's date), names and missing grades and rates
    filled from the latest snapshot. The caller has checked the user may see the school."""
    from homeroom.web.data.chances import latest_queue, queue_ranks
    from homeroom.web.data.flags import latest_flags

    day = store_today(store)
    flags = latest_flags(workspace)
    ranked = _empty_ranking() if flags is None else flags.school(school_id)
    capacity = team_capacity(store, school_id).students
    saved = latest_queue(workspace)
    rows = queue_rows(
        ranked,
        open_plans(store, school_ids=[school_id]),
        open_follow_ups(store, school_ids=[school_id], until=day),
        day,
        capacity,
        planned_elsewhere=_planned_elsewhere(store, ranked, school_id),
        saved=queue_ranks(saved) if saved is not None else None,
    )
    rows["school_id"] = school_id
    rows = _with_students(serving, school_id, rows)
    return Queue(school_id, rows, flags, day, capacity, saved.as_of if saved else None)


def queue_counts(store: Store, workspace: Workspace, school_ids: Iterable[str]) -> dict[str, int]:
    """School id -> how many students its queue holds today."""
    from homeroom.web.data.flags import latest_flags

    wanted = sorted(set(school_ids))
    day = store_today(store)
    flags = latest_flags(workspace)
    plans = open_plans(store, school_ids=wanted)
    follow_ups = open_follow_ups(store, school_ids=wanted, until=day)
    counts = {}
    for school in wanted:
        ranked = _empty_ranking() if flags is None else flags.school(school)
        mine = [p for p in plans if p.school_id == school]
        due = [a for a in follow_ups if a.school_id == school]
        elsewhere = _planned_elsewhere(store, ranked, school)
        counts[school] = len(queue_rows(ranked, mine, due, day, planned_elsewhere=elsewhere))
    return counts


def _planned_elsewhere(store: Store, ranked: pd.DataFrame, school_id: str) -> set[str]:
    """The school's flagged students whose open plan is at another school."""
    if ranked.empty:
        return set()
    plans = open_plans(store, student_ids=[str(s) for s in ranked["student_id"]])
    return {p.student_id for p in plans if p.school_id != school_id}


def _empty_ranking() -> pd.DataFrame:
    from homeroom.signals.ranking import RANK_COLUMNS

    return pd.DataFrame({c: pd.Series(dtype=object) for c in RANK_COLUMNS})


def _with_students(serving: ServingData, school_id: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Names for every row; grade and absence rate at the school as of the latest snapshot
    for students the early warning did not flag."""
    rows = rows.copy()
    if rows.empty:
        rows.insert(1, "first_name", pd.Series(dtype=object))
        rows.insert(2, "last_name", pd.Series(dtype=object))
        return rows
    as_of = serving.resolve(None).as_of
    with serving.cursor() as cur:
        cur.register("wanted", pd.DataFrame({"student_id": rows["student_id"].astype(str)}))
        found = query(
            cur,
            "SELECT w.student_id, any_value(s.first_name) AS first_name, "
            "any_value(s.last_name) AS last_name, any_value(r.grade_level) AS grade_now, "
            "any_value(r.absence_rate) AS rate_now FROM wanted w "
            "LEFT JOIN students s ON s.student_id = w.student_id "
            "LEFT JOIN student_rows r ON r.student_id = w.student_id AND r.school_id = ? "
            "AND r.as_of = ? GROUP BY w.student_id",
            [school_id, as_of],
        )
    found = found.set_index("student_id")
    ids = rows["student_id"].astype(str)
    rows.insert(1, "first_name", ids.map(found["first_name"]).astype(object))
    rows.insert(2, "last_name", ids.map(found["last_name"]).astype(object))
    rows["grade_level"] = rows["grade_level"].where(rows["grade_level"].notna(),
                                                    ids.map(found["grade_now"]))  # fmt: skip
    rows["absence_rate"] = rows["absence_rate"].where(rows["absence_rate"].notna(),
                                                      ids.map(found["rate_now"]))  # fmt: skip
    return rows
