"""One student's path through the casebook in a real browser (Debian's Chromium, Playwright):
the work queue, a plan, a logged call with a follow-up, a referral to a partner with the
family's consent, and the partner's view of that student (issue 13's acceptance walk).

The app serves a copy of the test district with one saved early-warning run and a casebook of
its own, so nothing here leaks into the other browser tests. Every page is watched as in
test_browser.py: nothing loaded from outside 127.0.0.1, no console error.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.browser_support import (
    CHROMIUM,
    VIEWPORT,
    PageWatch,
    chromium,
    live_server,
    screenshot,
    sign_in,
    sign_out,
)
from web.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's Chromium is not installed at {CHROMIUM} (the Makefile installs the "
        "chromium package; Playwright cannot download its own browser here)",
    ),
]
PARTNER_NAME = "Eastside Family Clinic"


@pytest.fixture(scope="module")
def world(district, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # noqa: ANN001
    from homeroom.casebook.audit import CliActor
    from homeroom.casebook.partners import add_partner
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.resolver import resolve
    from homeroom.signals.store import save_run, signals_folder
    from homeroom.signals.watch import watch_list
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app
    from homeroom.web.snapshot import find_serving

    root = tmp_path_factory.mktemp("casebook-walk")
    shutil.copytree(district.workspace.root, root / "ws")
    workspace = open_workspace(root / "ws")
    shutil.rmtree(signals_folder(workspace), ignore_errors=True)  # other modules' runs
    with resolve(workspace=workspace) as request:
        found = watch_list(request)
    save_run(workspace, found.flags, found.as_of)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}")
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[district.staff_school])
    clinic = add_partner(store, PARTNER_NAME, "health", by=CliActor("cli:test"))
    add_user(store, "clinic", "partner", password=PASSWORD, partner_id=clinic.id)
    serving = find_serving(workspace)
    assert serving is not None
    app = create_app(workspace, store=store, secure_cookies=False, serving_path=serving)
    return {"app": app, "store": store, "school": district.staff_school}


@pytest.fixture(scope="module")
def base_url(world: dict[str, Any]) -> Iterator[str]:
    with live_server(world["app"]) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = PageWatch()
    watch.attach(page)
    yield page, watch
    context.close()
    assert watch.outside == [], f"pages loaded resources from outside 127.0.0.1: {watch.outside}"
    assert watch.errors == [], f"the browser console reported errors: {watch.errors}"


def _submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_one_student_from_the_queue_to_the_partner(
    tab: tuple[Any, PageWatch], base_url: str, world: dict[str, Any], tmp_path: Path
) -> None:
    page, _watch = tab
    today = dt.date.today()
    follow_up = today + dt.timedelta(days=7)
    expires = today + dt.timedelta(days=180)

    # 1. School staff land on their school's work queue after signing in.
    sign_in(page, base_url, "staff", PASSWORD)
    assert page.url.endswith(f"/schools/{world['school']}/queue"), page.url
    assert page.locator("main h1").inner_text().startswith("Work queue")
    first = page.locator("main table#this-week tbody tr").first
    name = first.locator("th a").first.inner_text().strip()
    assert name
    screenshot(page, "casebook-queue", tmp_path)

    # 2. One step from the row to a plan: tier 2, a support, a goal and a review date.
    with page.expect_navigation():
        first.get_by_role("link", name="Make a plan").first.click()
    assert re.search(r"/students/[0-9a-f]{20}/plan$", page.url), page.url
    key = page.url.rsplit("/", 2)[-2]
    page.locator("main select[name=tier]").select_option("2")
    page.get_by_label("Home visit", exact=True).check()
    page.get_by_label("Goal", exact=True).fill("Miss no more than one day a month")
    page.get_by_label("Review on").fill((today + dt.timedelta(days=42)).isoformat())
    _submit(page, "Make the plan")
    assert page.url.startswith(f"{base_url}/students/{key}"), page.url
    main = page.locator("main").inner_text()
    assert "Home visit" in main and "Miss no more than one day a month" in main

    # 3. A call home, logged with a follow-up a week later.
    form = page.locator("form[action$='/actions']").first
    form.locator("select[name=kind]").select_option("call")
    form.get_by_label("Outcome").fill("Reached the mother; the bus route changed")
    form.get_by_label("Follow-up on").fill(follow_up.isoformat())
    _submit(page, "Log the action")
    timeline = page.locator("main").inner_text()
    assert "Reached the mother; the bus route changed" in timeline
    assert re.search(rf"{follow_up.day} {follow_up:%B} {follow_up.year}", timeline), timeline

    # 4. A referral to the clinic with the family's consent: summary and plan only.
    with page.expect_navigation():
        page.get_by_role("link", name="Refer to a partner").click()
    page.locator("main select[name=partner]").select_option(label=PARTNER_NAME + " (health)")
    page.get_by_label("Reason", exact=True).fill("Asthma; misses Mondays")
    page.get_by_label("Given by").fill("Maria (mother)")
    page.locator("main select[name=relationship]").select_option("parent")
    page.get_by_label("Given on").fill(today.isoformat())
    page.get_by_label("Expires on").fill(expires.isoformat())
    page.locator("input[name=scope][value=attendance_summary]").check()
    page.locator("input[name=scope][value=plan]").check()
    _submit(page, "Refer")
    assert page.url.startswith(f"{base_url}/students/{key}"), page.url
    referred = page.locator("main").inner_text()
    assert PARTNER_NAME in referred and "in force" in referred.lower()
    screenshot(page, "casebook-student", tmp_path)
    sign_out(page)

    # 5. The partner sees that student, and only what the consent covers.
    sign_in(page, base_url, "clinic", PASSWORD)
    assert page.url.endswith("/partner"), page.url
    listed = page.locator("main table tbody tr")
    assert listed.count() == 1
    assert listed.first.inner_text().split("\n")[0].strip().startswith(name.split(",")[0])
    with page.expect_navigation():
        listed.first.locator("a").first.click()
    assert page.url.endswith(f"/partner/students/{key}"), page.url
    seen = page.locator("main").inner_text()
    assert "Attendance summary" in seen  # attendance_summary
    assert "Home visit" in seen and "Reached the mother" in seen  # plan: supports, actions
    assert "Each absence" not in seen  # no attendance_detail
    assert page.locator("main h2", has_text="Family contacts").count() == 0
    screenshot(page, "casebook-partner", tmp_path)

    # The district's pages stay closed to the partner.
    answer = page.goto(f"{base_url}/students/{key}")
    assert answer is not None and answer.status == 403
    _watch.take_errors()  # the refused page's 403 is reported on the console
