"""The work queue pages: rows and their order, filters, capacity, the bulk action, downloads,
scoping and audit, on a copy of the test district with one saved early-warning run and a
casebook whose clock stands still on 10 March 2025."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from web.conftest import PASSWORD, csrf_of, read_csv, sign_in, student_key

TODAY = dt.date(2025, 3, 10)
NOON = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
BASE = "http://127.0.0.1"


@dataclass
class QueueWorld:
    app: Any
    store: Any
    workspace: Any
    school: str  # the staff user's school
    other: str  # a school the staff user does not have
    ranked: Any  # the school's early-warning ranking (need order)
    planned: str  # flagged, a plan, nothing due: not in the queue
    overdue: str  # flagged, no plan, a call whose follow-up was due 8 March
    reviewed: str  # not flagged, a plan whose review date is today
    clients: list

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        self.clients.append(client)
        return sign_in(client, username)

    def key(self, student_id: str) -> str:
        return student_key(self, student_id)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world(district, tmp_path_factory) -> QueueWorld:  # noqa: ANN001
    from homeroom.casebook.actions import log_action
    from homeroom.casebook.audit import CliActor
    from homeroom.casebook.partners import add_partner
    from homeroom.casebook.plans import open_plan
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.resolver import resolve
    from homeroom.signals.store import save_run, signals_folder
    from homeroom.signals.watch import watch_list
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app
    from homeroom.web.data.flags import latest_flags
    from homeroom.web.snapshot import find_serving

    root = tmp_path_factory.mktemp("queue")
    shutil.copytree(district.workspace.root, root / "ws")
    workspace = open_workspace(root / "ws")
    shutil.rmtree(signals_folder(workspace), ignore_errors=True)  # other modules' runs
    with resolve(workspace=workspace, as_of=dt.date(2025, 3, 1)) as request:
        found = watch_list(request)
    save_run(workspace, found.flags, found.as_of)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}", clock=lambda: NOON)
    school, other = district.schools[0], district.schools[1]
    add_user(store, "admin", "district_admin", password=PASSWORD)
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[school])
    add_user(store, "lee", "school_staff", password=PASSWORD, schools=[school])
    add_user(store, "elsewhere", "school_staff", password=PASSWORD, schools=[other])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    clinic = add_partner(store, "Eastside Clinic", "health", by=CliActor("cli:test"))
    add_user(store, "clinic", "partner", password=PASSWORD, partner_id=clinic.id)
    ranked = latest_flags(workspace).school(school)
    assert len(ranked) > 12, "the synthetic district should flag a dozen students at a school"
    planned, overdue = ranked["student_id"].iloc[0], ranked["student_id"].iloc[1]
    reviewed = _unflagged_student(workspace, school, set(ranked["student_id"]))
    by = CliActor("cli:test")
    open_plan(store, student_id=planned, school_id=school, tier=2, owner="staff",
              review_on=TODAY + dt.timedelta(days=20), by=by)  # fmt: skip
    open_plan(store, student_id=reviewed, school_id=school, tier=1, owner="lee",
              review_on=TODAY, by=by)  # fmt: skip
    log_action(store, student_id=overdue, school_id=school, kind="call", done_on="2025-03-03",
               follow_up_on="2025-03-08", by=by)  # fmt: skip
    app = create_app(workspace, store=store, secure_cookies=False,
                     serving_path=find_serving(workspace))  # fmt: skip
    made = QueueWorld(app, store, workspace, school, other, ranked, planned, overdue, reviewed, [])
    yield made
    for client in made.clients:
        client.close()
    store.close()


def _unflagged_student(workspace: Any, school: str, flagged: set[str]) -> str:
    import duckdb

    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        ids = con.execute(
            "SELECT DISTINCT student_id FROM enrollments "
            "WHERE school_id = ? AND school_year = 2025 ORDER BY 1",
            [school],
        ).fetchall()
    finally:
        con.close()
    return next(str(r[0]) for r in ids if str(r[0]) not in flagged)


def ids_of(rows: list[dict[str, str]]) -> list[str]:
    return [r["Student ID"] for r in rows]


def expected_order(world: QueueWorld) -> list[str]:
    """Every flagged student of the school but the one with a plan, in need order; then the
    unflagged student whose review is due."""
    flagged = [s for s in world.ranked["student_id"] if s != world.planned]
    return [*flagged, world.reviewed]


def test_rows_in_need_order_with_status_and_next_step(world: QueueWorld) -> None:
    rows = read_csv(world.client("staff").get(f"/schools/{world.school}/queue?format=csv"))
    assert ids_of(rows) == expected_order(world)
    by_id = {r["Student ID"]: r for r in rows}
    assert by_id[world.overdue]["Status"] == "Follow-up overdue"
    assert by_id[world.overdue]["Next step"] == "Follow up: phone call (due 8 March 2025)"
    assert by_id[world.reviewed]["Status"] == "Plan review due"
    assert by_id[world.reviewed]["Next step"] == "Review the plan"
    assert by_id[world.reviewed]["Owner"] == "lee"
    first = world.ranked.iloc[2]
    row = by_id[first["student_id"]]
    assert (row["Status"], row["Next step"]) == ("Newly flagged, no plan yet", "Make a plan")
    assert row["Main reason"] == first["main_reason"]
    assert row["Rules"] == ", ".join(first["rules"])
    assert len(row["Main reason"].split()) <= 12
    assert row["Days since first flagged"] == str(first["days_since_flagged"])
    # The default capacity, 10: the first ten are this week's.
    assert [r["This week"] for r in rows] == ["yes"] * 10 + ["no"] * (len(rows) - 10)


def test_the_page_links_each_row_to_the_student_and_the_plan(world: QueueWorld) -> None:
    html = world.client("staff").get(f"/schools/{world.school}/queue").text
    second = world.ranked["student_id"].iloc[2]
    key = world.key(second)
    assert f'href="/students/{key}?via=queue"' in html
    assert f'href="/students/{key}/plan">Make a plan</a>' in html
    assert world.planned not in html
    # The rule ids and the full evidence are one click away, behind a <details>.
    details = re.search(
        rf'value="{key}".*?<details class="alt"><summary>Rules and evidence</summary>'
        r"(.*?)</details>",
        html,
        re.S,
    ).group(1)
    for rule, reason in zip(world.ranked["rules"].iloc[2], world.ranked["reasons"].iloc[2],
                            strict=True):  # fmt: skip
        assert f"<code>{rule}</code>" in details and reason.replace("'", "&#39;") in details


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=follow_up_overdue", lambda w: [w.overdue]),
        ("status=review_due", lambda w: [w.reviewed]),
        ("owner=lee", lambda w: [w.reviewed]),
        ("owner=nobody", lambda w: [s for s in expected_order(w) if s != w.reviewed]),
        (
            "tier=1",
            lambda w: [
                w.reviewed,
                *[s for s in expected_order(w)[:-1] if _suggested(w, s) is None],
            ],
        ),  # fmt: skip
    ],
)
def test_filters(world: QueueWorld, query: str, expected: Any) -> None:
    rows = read_csv(world.client("staff").get(f"/schools/{world.school}/queue?{query}&format=csv"))
    assert sorted(ids_of(rows)) == sorted(expected(world))


def _suggested(world: QueueWorld, student_id: str) -> int | None:
    import pandas as pd

    tier = world.ranked.set_index("student_id").loc[student_id, "suggested_tier"]
    return None if pd.isna(tier) else int(tier)


def test_a_grade_filter_keeps_that_grade_only(world: QueueWorld) -> None:
    grade = str(world.ranked["grade_level"].iloc[2])
    client = world.client("staff")
    rows = read_csv(client.get(f"/schools/{world.school}/queue?grade={grade}&format=csv"))
    wanted = [s for s, g in zip(world.ranked["student_id"], world.ranked["grade_level"],
                                strict=True) if g == grade and s != world.planned]  # fmt: skip
    assert ids_of(rows)[: len(wanted)] == wanted
    assert client.get(f"/schools/{world.school}/queue?tier=4").status_code == 400
    assert client.get(f"/schools/{world.school}/queue?status=late").status_code == 400


def test_capacity_splits_this_week_from_those_who_wait(world: QueueWorld) -> None:
    from homeroom.casebook.capacity import team_capacity

    client = world.client("staff")
    path = f"/schools/{world.school}/queue"
    token = csrf_of(client.get(path).text)
    total = len(expected_order(world))
    try:
        answer = client.post(f"{path}/capacity", data={"csrf_token": token, "students": "3"},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303 and answer.headers["location"] == path
        assert team_capacity(world.store, world.school).students == 3
        html = client.get(path).text
        assert "The first 3 students in order of need" in html
        assert f"{total - 3} more wait" in html
        this_week = html.split('id="this-week"')[1].split("</table>")[0]
        assert re.findall(r'name="student" value="([0-9a-f]{20})"', this_week) == [
            world.key(s) for s in expected_order(world)[:3]
        ]
        refused = client.post(f"{path}/capacity", data={"csrf_token": token, "students": "0"})
        assert refused.status_code == 400
        assert team_capacity(world.store, world.school).students == 3
    finally:
        client.post(f"{path}/capacity", data={"csrf_token": token, "students": "10"})


def test_bulk_call_for_many_students(world: QueueWorld) -> None:
    from homeroom.casebook.actions import student_actions

    client = world.client("staff")
    path = f"/schools/{world.school}/queue"
    token = csrf_of(client.get(path).text)
    chosen = expected_order(world)[2:5]
    before = {s: len(student_actions(world.store, s)) for s in chosen}
    answer = client.post(
        f"{path}/bulk",
        data={"csrf_token": token, "student": [world.key(s) for s in chosen], "kind": "call",
              "on": "2025-03-10", "outcome": "left a message"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == f"{path}?logged=3"
    assert "Logged for 3 students." in client.get(answer.headers["location"]).text
    for student in chosen:
        actions = student_actions(world.store, student)
        assert len(actions) == before[student] + 1
        newest = actions[0]
        assert (newest.kind, newest.done_on, newest.outcome, newest.by, newest.school_id) == (
            "call",
            TODAY,
            "left a message",
            "staff",
            world.school,
        )


def test_bulk_is_all_or_nothing(world: QueueWorld, staff_elsewhere: str) -> None:
    from homeroom.casebook.actions import student_actions

    client = world.client("staff")
    path = f"/schools/{world.school}/queue"
    token = csrf_of(client.get(path).text)
    mine = expected_order(world)[5]
    before = len(student_actions(world.store, mine))
    for keys, kind in (
        ([world.key(mine), world.key(staff_elsewhere)], "call"),  # another school's student
        ([world.key(mine), "0" * 20], "call"),  # a key of nobody
        ([world.key(mine)], "home_visit"),  # not a tier-1 action
        ([], "call"),
    ):
        answer = client.post(f"{path}/bulk", data={"csrf_token": token, "student": keys,
                                                  "kind": kind, "on": "2025-03-10"})  # fmt: skip
        assert answer.status_code == 400
        assert staff_elsewhere not in answer.text
    assert len(student_actions(world.store, mine)) == before
    assert len(student_actions(world.store, staff_elsewhere)) == 0
    late = client.post(f"{path}/bulk", data={"csrf_token": token, "student": [world.key(mine)],
                                             "kind": "call", "on": "10/03/2025"})  # fmt: skip
    assert late.status_code == 400 and "2025-01-31" in late.text
    no_token = client.post(f"{path}/bulk", data={"student": [world.key(mine)], "kind": "call"})
    assert no_token.status_code in (400, 403)
    assert len(student_actions(world.store, mine)) == before


@pytest.fixture(scope="module")
def staff_elsewhere(world: QueueWorld) -> str:
    """A student enrolled at the other school only."""
    import duckdb

    con = duckdb.connect(str(world.workspace.warehouse), read_only=True)
    try:
        return str(con.execute(
            "SELECT student_id FROM enrollments GROUP BY student_id "
            "HAVING bool_and(school_id = ?) ORDER BY 1 LIMIT 1", [world.other],
        ).fetchall()[0][0])  # fmt: skip
    finally:
        con.close()


def test_scoping(world: QueueWorld) -> None:
    path = f"/schools/{world.school}/queue"
    for username in ("elsewhere", "viewer", "clinic"):
        client = world.client(username)
        assert client.get(path).status_code == 403
        assert client.get(f"{path}?format=csv").status_code == 403
        assert world.overdue not in client.get(path).text
    assert world.client("elsewhere").get("/queue", follow_redirects=False).headers[
        "location"] == f"/schools/{world.other}/queue"  # fmt: skip
    assert world.client("viewer").get("/queue").status_code == 403
    assert world.client("admin").get(path).status_code == 200
    assert world.client("admin").get("/schools/no-such-school/queue").status_code == 404


def test_the_choice_of_schools_counts_who_waits(world: QueueWorld) -> None:
    staff = world.client("staff").get("/queue", follow_redirects=False)
    assert (
        staff.status_code == 303 and staff.headers["location"] == f"/schools/{world.school}/queue"
    )
    html = world.client("admin").get("/queue").text
    cells = dict(re.findall(r'<a href="/schools/([^"/]+)/queue">[^<]*</a></th><td class="num">'
                            r"([\d,]+)</td>", html.replace("\n", "")))  # fmt: skip
    assert set(cells) == set(world.app.state.homeroom.serving.school_names)
    assert cells[world.school] == str(len(expected_order(world)))


def test_views_and_downloads_are_audited(world: QueueWorld) -> None:
    from homeroom.casebook.audit import audit_entries

    client = world.client("staff")
    client.get(f"/schools/{world.school}/queue?status=follow_up_overdue")
    (viewed,) = [e for e in audit_entries(world.store, action="work_queue_viewed")][-1:]
    assert (viewed.username, viewed.subject_type, viewed.subject_id) == (
        "staff",
        "school",
        world.school,
    )
    assert viewed.detail["students"] == [world.overdue]
    assert viewed.detail["filters"] == {"status": "follow_up_overdue"}
    client.get(f"/schools/{world.school}/queue?format=xlsx")
    exported = audit_entries(world.store, action="work_queue_exported")[-1]
    assert exported.detail["students"] == expected_order(world)
    assert exported.detail["format"] == "xlsx"


def test_without_a_signals_run_the_queue_still_lists_follow_ups_and_reviews(
    world: QueueWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from homeroom.web.data import flags

    monkeypatch.setattr(flags, "latest_flags", lambda _workspace: None)
    client = world.client("staff")
    html = client.get(f"/schools/{world.school}/queue").text
    assert "homeroom signals --workspace W" in html
    rows = read_csv(client.get(f"/schools/{world.school}/queue?format=csv"))
    # Overdue first, then by date: the follow-up of 8 March before the review of 10 March.
    assert ids_of(rows) == [world.overdue, world.reviewed]
    assert rows[0]["Status"] == "Follow-up overdue" and rows[0]["Main reason"] == ""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(
    not __import__("web.browser_support", fromlist=["CHROMIUM"]).CHROMIUM.exists(),
    reason="Debian's Chromium is not installed (see tests/web/test_browser.py)",
)
def test_a_full_queue_in_the_browser_has_no_axe_violations(world: QueueWorld) -> None:
    """The page with rows, the waiting list open and a rule's evidence open, the caseload with
    a plan: axe-core's WCAG 2.1 A/AA rules (test_browser checks the pages as they are empty)."""
    from web.browser_support import PageWatch, chromium, live_server, sign_in
    from web.test_browser import axe_violations

    found = {}
    with live_server(world.app) as base, chromium() as browser:
        page = browser.new_page()
        watch = PageWatch()
        watch.attach(page)
        sign_in(page, base, "staff", PASSWORD)
        page.goto(f"{base}/schools/{world.school}/queue")
        page.locator("details.waiting > summary").click()
        page.locator("#this-week details summary").first.click()
        found["queue"] = axe_violations(page)
        assert len(expected_order(world)) > 50  # page 1: this week's 10, and 40 who wait
        assert page.locator("#waiting tbody tr").count() == 40
        page.goto(f"{base}/caseload")
        found["caseload"] = axe_violations(page)
        assert page.locator("main tbody th a").count() == 1
    assert found == {"queue": [], "caseload": []}
    assert watch.errors == [] and watch.outside == []


def test_pages_of_fifty_the_rest_waiting_open(world: QueueWorld) -> None:
    client = world.client("staff")
    path = f"/schools/{world.school}/queue"
    total = len(expected_order(world))
    assert 50 < total <= 100
    first, second = client.get(path).text, client.get(f"{path}?page=2").text
    picked = re.compile(r'name="student" value="([0-9a-f]{20})"')
    assert picked.findall(first) + picked.findall(second) == [
        world.key(s) for s in expected_order(world)
    ]
    assert "<h2>This week</h2>" in first and "<h2>This week</h2>" not in second
    assert '<details class="waiting" open>' in second
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert client.get(f"{path}?page=x").status_code == 400


def nav_links(html: str) -> list[str]:
    nav = html.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_the_menu_by_role(world: QueueWorld) -> None:
    staff = nav_links(world.client("staff").get("/caseload").text)
    assert staff[:2] == ["/queue", "/caseload"] and "/supports" not in staff
    admin = nav_links(world.client("admin").get("/caseload").text)
    assert {"/queue", "/caseload", "/supports", "/partners", "/admin/users"} <= set(admin)
    viewer = nav_links(world.client("viewer").get("/").text)
    assert "/queue" not in viewer and "/caseload" not in viewer
    assert "/effect" in viewer and "/effect" in admin and "/effect" not in staff
    partner = world.client("clinic").get("/partner")
    assert partner.status_code == 200
    assert nav_links(partner.text) == ["/partner"]  # and the sign-out button beside it
    assert 'action="/logout"' in partner.text
