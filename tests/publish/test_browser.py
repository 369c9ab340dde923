"""axe-core's WCAG 2.1 A/AA check on each page template of the site, opened as files."""

from __future__ import annotations

import pytest

from publish.conftest import Site
from web.browser_support import CHROMIUM, chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not at {CHROMIUM}"),
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_the_state_district_and_school_pages_have_no_axe_core_violations(site: Site) -> None:
    from axe_playwright_python.sync_playwright import Axe

    school = sorted((site.out / "schools").glob("*.html"))[0]
    found = {}
    with chromium() as browser:
        page = browser.new_page()
        for path in (site.out / "index.html", site.out / "districts" / "D01.html", school):
            page.goto(path.as_uri())
            assert page.locator("script").count() == 0
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
            violations = results.response["violations"]
            found[path.name] = [f"{v['id']}: {len(v['nodes'])} nodes" for v in violations]
        page.close()
    assert {name: lines for name, lines in found.items() if lines} == {}
