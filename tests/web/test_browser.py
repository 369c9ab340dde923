"""The web app in a real browser: Debian's headless Chromium, driven by Playwright.

One server (uvicorn on 127.0.0.1) and one browser serve the whole module; each test gets a
fresh browser context (no cookies carried over). Every page a test opens is watched: it may
load nothing from outside 127.0.0.1 and its console may report no error, which also catches
Content-Security-Policy violations. Screenshots of each page go to the test's tmp folder and,
when $HOMEROOM_SCREENSHOTS names a folder, there too (docs/screenshots holds the committed ones).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeroom.definitions import load_definition
from homeroom.formats import date_text, percent_text
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

DEFAULT = load_definition("default")  # the test district's definition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's Chromium is not installed at {CHROMIUM} (the Makefile installs the "
        "chromium package; Playwright cannot download its own browser here)",
    ),
]

TIER_LABELS = {
    "satisfactory": "Satisfactory",
    "at_risk": "At risk",
    "moderate_chronic": "Moderate chronic",
    "severe_chronic": "Severe chronic",
}


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:  # noqa: ANN001
    with live_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


class Visit:
    """One test's browser tab, its watcher, and the address of the app."""

    def __init__(self, page: object, watch: PageWatch, base: str) -> None:
        self.page = page
        self.watch = watch
        self.base = base

    def go(self, path: str) -> object:
        return self.page.goto(self.base + path)

    def sign_in(self, username: str) -> None:
        sign_in(self.page, self.base, username, PASSWORD)
        assert "/login" not in self.page.url, self.page.locator("main").inner_text()

    def path(self) -> str:
        return self.page.url.removeprefix(self.base)


@pytest.fixture
def visit(browser, base_url: str) -> Iterator[Visit]:  # noqa: ANN001
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = PageWatch()
    watch.attach(page)
    yield Visit(page, watch, base_url)
    context.close()
    assert watch.outside == [], f"pages loaded resources from outside 127.0.0.1: {watch.outside}"
    assert watch.errors == [], f"the browser console reported errors: {watch.errors}"


# -- what a page shows ------------------------------------------------------------------------
def heading(page: object) -> str:
    return page.locator("main h1").first.inner_text().strip()


def check_charts(page: object) -> int:
    """Every chart is an <svg role="img"> with a non-empty <title>, drawn at a readable size."""
    charts = page.locator('main svg[role="img"]')
    count = charts.count()
    assert count > 0, f"no chart on {page.url}"
    for i in range(count):
        chart = charts.nth(i)
        title = chart.locator(":scope > title").first.text_content().strip()
        assert title, f"chart {i} on {page.url} has an empty <title>"
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50, (title, box)
    return count


def table(page: object, caption: str) -> object:
    """The page's table whose caption starts with CAPTION (charts carry tables of their own)."""
    return page.locator("main table").filter(
        has=page.locator("caption", has_text=re.compile("^" + re.escape(caption)))
    )


def column_texts(rows_of: object, index: int) -> list[str]:
    """The text of column INDEX (0 = the row header) in each body row of a table."""
    rows = rows_of.locator("tbody tr")
    return [
        rows.nth(i).locator("th, td").nth(index).inner_text().strip() for i in range(rows.count())
    ]


def student_rows(page: object) -> object:
    return table(page, "Page ")


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def meta(page: object) -> str:
    """The page's lines under the heading (school year, as-of date, counts)."""
    return " ".join(page.locator("main p.meta").all_inner_texts())


def match_count(page: object) -> int:
    found = re.search(r"([\d,]+) students match", meta(page))
    assert found, meta(page)
    return int(found.group(1).replace(",", ""))


def filter_select(page: object, name: str) -> object:
    return page.locator(f"main form[data-autosubmit] select[name={name}]")


def choose(page: object, name: str, value: str) -> None:
    """Pick VALUE in the list's NAME filter; app.js submits the form on change."""
    with page.expect_navigation():
        filter_select(page, name).select_option(value)


def follow(page: object, link: object) -> None:
    """Click LINK and wait for the page it leads to."""
    with page.expect_navigation():
        link.click()


def click_download(page: object, link_text: str) -> object:
    with page.expect_download() as info:
        page.locator("main .downloads a", has_text=re.compile(rf"^{re.escape(link_text)}$")).click()
    return info.value


# -- tests ------------------------------------------------------------------------------------
def test_admin_opens_every_page_with_its_heading_and_charts(visit: Visit, shots: Path) -> None:
    page = visit.page
    visit.go("/")
    assert visit.path().startswith("/login?next=")
    assert heading(page) == "Sign in"
    screenshot(page, "sign-in", shots)

    visit.sign_in("admin")
    assert visit.path() == "/"
    district_name = page.title().split(" · ")[0]
    assert heading(page) == district_name
    assert page.get_by_role("link", name="Students").is_visible()
    assert check_charts(page) >= 3  # tiers, school levels, trend (+ schools)
    screenshot(page, "district", shots)

    school_link = page.locator("main a[href^='/schools/']").first
    school_name = school_link.inner_text().strip()
    follow(page, school_link)
    assert visit.path().startswith("/schools/")
    assert heading(page) == school_name
    assert check_charts(page) >= 3  # tiers, trend, grades, groups
    screenshot(page, "school", shots)

    follow(page, page.get_by_role("link", name="Students", exact=True))
    assert heading(page) == "Students"
    assert student_rows(page).locator("tbody tr").count() == 50  # one full page
    screenshot(page, "students", shots)

    follow(page, page.get_by_role("link", name="Equity", exact=True))
    assert heading(page) == "Equity"
    assert check_charts(page) >= 2
    screenshot(page, "equity", shots)

    follow(page, page.get_by_role("link", name="Data", exact=True))
    assert heading(page) == "Data"
    assert page.get_by_role("heading", name="Load history").is_visible()
    assert page.locator("main table").count() >= 2  # monitors, load history (tables, no chart)
    screenshot(page, "data", shots)

    follow(page, page.get_by_role("link", name="Admin", exact=True))
    assert heading(page) == "Users"
    users = column_texts(table(page, "Who can sign in"), 0)
    # Other modules add partner and staff accounts to the shared district: the four are there.
    assert {"admin", "analyst", "staff", "viewer"} <= set(users)
    screenshot(page, "admin-users", shots)


def test_as_of_date_picker_shows_the_chosen_date(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("admin")
    dates = page.locator("#snapshot-dates option").evaluate_all("os => os.map(o => o.value)")
    assert len(dates) > 3
    chosen = dates[len(dates) // 2]
    assert chosen != page.get_by_label("As of").input_value()
    page.get_by_label("As of").fill(chosen)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert f"as_of={chosen}" in visit.path()
    in_words = date_text(dt.date.fromisoformat(chosen))  # "31 October 2024"
    assert f"through {in_words}" in meta(page)
    assert page.get_by_label("As of").input_value() == chosen
    check_charts(page)
    # The school links keep the date.
    follow(page, page.locator("main a[href^='/schools/']").first)
    assert f"through {in_words}" in meta(page)


FOCUS_RING = ("rgb(224, 62, 140)", "3px", "solid")  # --focus in app.css: 3:1 on every background
OUTLINE = (
    "e => { const s = getComputedStyle(e);"
    " return [s.outlineColor, s.outlineWidth, s.outlineStyle]; }"
)


def tab_to(page: object, condition: str, presses: int = 80) -> list[str]:
    """Press Tab until the focused element meets CONDITION (a JS test of `e`); the focused
    element's tag after each press."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        tag, met = page.evaluate(
            f"() => {{ const e = document.activeElement; return [e.tagName, ({condition})(e)]; }}"
        )
        seen.append(tag)
        if met:
            return seen
    raise AssertionError(f"Tab never reached {condition}: {seen}")


def test_keyboard_focus_ring_is_visible_on_links_and_date_fields(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("admin")
    visit.go("/")
    # A link in the dark header, then the as-of date field, then a download link on the band.
    tab_to(page, "e => e.tagName === 'A' && e.closest('header')")
    assert page.evaluate(f"() => ({OUTLINE})(document.activeElement)") == list(FOCUS_RING)
    tab_to(page, "e => e.type === 'date'")
    date_field = page.locator("main input[type=date]").first
    # Every stop inside the field (day, month, year, the calendar button) keeps the ring.
    assert date_field.evaluate(OUTLINE) == list(FOCUS_RING)
    for _ in range(4):
        page.keyboard.press("Tab")
        if not date_field.evaluate("e => e === document.activeElement"):
            break
        assert date_field.evaluate(OUTLINE) == list(FOCUS_RING)
    tab_to(page, "e => e.tagName === 'A' && e.closest('.downloads')")
    assert page.evaluate(f"() => ({OUTLINE})(document.activeElement)") == list(FOCUS_RING)
    assert date_field.evaluate(OUTLINE)[2] == "none"  # the ring leaves with the focus


def test_student_list_sorts_pages_and_filters(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("admin")
    visit.go("/students")
    total = match_count(page)
    assert total > 100  # more than two pages

    # Sort by days absent (the first click sorts highest first).
    follow(page, page.locator("main thead a", has_text="Days absent"))
    assert "sort=days_absent" in visit.path()
    absent = [number(t) for t in column_texts(student_rows(page), 5)]
    assert absent == sorted(absent, reverse=True)
    assert (
        page.locator('main thead th[aria-sort="descending"]').inner_text().startswith("Days absent")
    )
    first_page = column_texts(student_rows(page), 0)

    # The next page continues the same order.
    follow(page, page.get_by_role("link", name="Next ›"))
    assert "page=2" in visit.path() and "sort=days_absent" in visit.path()
    assert student_rows(page).locator("caption").inner_text().startswith("Page 2 of ")
    second = [number(t) for t in column_texts(student_rows(page), 5)]
    assert second == sorted(second, reverse=True) and second[0] <= absent[-1]
    assert not set(column_texts(student_rows(page), 0)) & set(first_page)

    # Tier: the select submits itself (app.js); the page starts again at 1.
    choose(page, "tier", "at_risk")
    assert "tier=at_risk" in visit.path() and "page=" not in visit.path()
    at_risk = match_count(page)
    assert 0 < at_risk < total
    tiers = column_texts(student_rows(page), 3)
    assert tiers and set(tiers) == {TIER_LABELS["at_risk"]}

    # School, on top of the tier.
    school_select = filter_select(page, "school")
    school_id, school_name = (
        school_select.locator("option").nth(1).evaluate("o => [o.value, o.textContent.trim()]")
    )
    choose(page, "school", school_id)
    assert f"school={school_id}" in visit.path() and "tier=at_risk" in visit.path()
    assert match_count(page) < at_risk
    schools, tiers = column_texts(student_rows(page), 1), column_texts(student_rows(page), 3)
    assert schools and set(schools) == {school_name}
    assert set(tiers) == {TIER_LABELS["at_risk"]}
    assert len(schools) == min(match_count(page), 50)


def test_student_page_draws_the_calendar_and_running_rate(visit: Visit, shots: Path) -> None:
    page = visit.page
    visit.sign_in("admin")
    visit.go("/students?tier=moderate_chronic")
    link = student_rows(page).locator("tbody th a").first
    listed_name = link.inner_text().strip()
    follow(page, link)
    assert re.fullmatch(r"/students/[0-9a-f]{20}\?via=list", visit.path())
    assert heading(page).startswith(listed_name)
    assert page.locator(".headline .tier").inner_text() == TIER_LABELS["moderate_chronic"]
    check_charts(page)

    calendar = page.locator('#calendar-figure svg[role="img"]')
    assert "attendance" in calendar.locator(":scope > title").text_content().lower()
    # One cell a school day: a school year has well over 100 of them.
    assert calendar.locator("rect, path").count() > 100
    running = page.locator('#running-rate-figure svg[role="img"]')
    assert running.locator(":scope > title").text_content().strip()
    assert "10%" in running.text_content()  # the chronic-absence line is labelled
    screenshot(page, "student", shots)


def test_downloads_through_the_browser(visit: Visit, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = visit.page
    visit.sign_in("admin")

    # The student list as CSV: every match of the filter, not just the page shown.
    visit.go("/students?tier=at_risk")
    shown = match_count(page)
    download = click_download(page, "CSV")
    assert re.fullmatch(r"students-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == shown
    assert {r["Tier"] for r in rows} == {"at_risk"}
    assert len({r["Student ID"] for r in rows}) == shown
    first_listed = student_rows(page).locator("tbody th .hint").first.inner_text().strip()
    assert rows[0]["Student ID"] == first_listed  # the list's order

    # The district workbook: a sheet per table on the page.
    visit.go("/")
    schools_table = table(page, "Chronic absence by school")
    on_page = dict(zip(column_texts(schools_table, 0), column_texts(schools_table, 2), strict=True))
    download = click_download(page, "all (XLSX)")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved, read_only=True)
    assert book.sheetnames == ["schools", "tiers", "trend"]
    sheet = list(book["schools"].values)
    header, body = sheet[0], sheet[1:]
    in_book = {
        # Beside its level, as the page writes it: never across a level's cut point.
        r[header.index("School")]: percent_text(
            r[header.index("Chronic absence rate")], DEFAULT.level_cuts
        )
        for r in body
    }
    assert in_book == on_page
    tiers = {r[0]: r[1] for r in list(book["tiers"].values)[1:]}
    # The four tiers together are the eligible students the headline counts.
    eligible = re.search(r"of ([\d,]+) eligible students", page.locator(".headline").inner_text())
    assert sum(tiers[label] for label in TIER_LABELS.values()) == number(eligible.group(1))
    book.close()


def test_school_staff_see_only_their_school(visit: Visit, district) -> None:  # noqa: ANN001
    page = visit.page
    visit.sign_in("staff")
    assert visit.path() == f"/schools/{district.staff_school}/queue"  # their work queue
    visit.go("/students")
    options = filter_select(page, "school").locator("option")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["", district.staff_school]
    school_name = options.nth(1).inner_text().strip()
    schools = column_texts(student_rows(page), 1)
    assert len(schools) == 50 and set(schools) == {school_name}
    # Sorted by school name the other way round: still only theirs.
    follow(page, page.locator("main thead a", has_text="School"))
    assert set(column_texts(student_rows(page), 1)) == {school_name}

    # Another school's page is refused.
    other = district.schools[1]
    answer = visit.go(f"/schools/{other}")
    assert answer.status == 403
    assert heading(page) == "Not available to you"
    refused = visit.watch.take_errors()
    assert len(refused) == 1 and "403" in refused[0], refused


def test_district_viewer_sees_no_student_rows(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("viewer")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="District").is_visible()
    assert nav.get_by_role("link", name="Schools").is_visible()
    assert nav.get_by_role("link", name="Students").count() == 0
    assert page.locator("main a[href^='/students/']").count() == 0
    check_charts(page)

    answer = visit.go("/students")
    assert answer.status == 403
    assert heading(page) == "Not available to you"
    assert page.locator("main table").count() == 0
    refused = visit.watch.take_errors()
    assert len(refused) == 1 and "403" in refused[0], refused


def test_after_sign_out_a_student_page_asks_for_sign_in(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("admin")
    visit.go("/students")
    follow(page, student_rows(page).locator("tbody th a").first)
    student_path = visit.path()
    assert student_path.startswith("/students/")

    sign_out(page)
    assert visit.path() == "/login"
    visit.go(student_path)
    assert visit.path().startswith("/login?next=%2Fstudents%2F")
    assert heading(page) == "Sign in"
    assert page.locator("main table").count() == 0


# -- accessibility ------------------------------------------------------------------------------
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: object) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, as "rule: how many nodes" lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['id']}: {len(v['nodes'])} nodes" for v in results.response["violations"]]


def test_every_page_has_no_axe_core_violations(visit: Visit) -> None:
    page = visit.page
    visit.go("/login")
    found = {"/login": axe_violations(page)}
    visit.sign_in("admin")
    school = str(page.locator("main a[href^='/schools/']").first.get_attribute("href"))
    school = school.split("?")[0]  # the link carries the page's as-of date
    visit.go("/students")
    student = str(page.locator("main a[href^='/students/']").first.get_attribute("href"))
    for path in (
        "/",
        "/schools",
        school,
        f"{school}/signals",
        "/students",
        student,
        "/equity",
        "/data",
        "/admin/users",
        "/admin/audit",
        "/queue",
        f"{school}/queue",
        "/caseload",
        "/supports",
        "/partners",
    ):
        visit.go(path)
        found[path] = axe_violations(page)
    assert {path: lines for path, lines in found.items() if lines} == {}
