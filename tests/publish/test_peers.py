"""Peers on the public site: each district page lists the other districts like it, linked, with
their published rates only (a suppressed rate never reappears there)."""

from __future__ import annotations

import re

import pandas as pd

from homeroom.publish.cells import HIDDEN, SiteCells
from homeroom.publish.peers import published_rates
from publish.conftest import Site


def test_each_district_page_lists_the_other_as_a_peer_with_its_published_rates(site: Site) -> None:
    districts = pd.read_csv(site.out / "data" / "districts.csv", dtype=str)
    ids = sorted(districts.loc[districts["level"] == "district", "district_id"])
    assert len(ids) == 2
    for district, other in (ids, reversed(ids)):
        page = (site.out / "districts" / f"{district}.html").read_text(encoding="utf-8")
        assert "Districts like this one" in page
        assert f'href="../districts/{other}.html"' in page
        rate = districts.set_index("district_id").loc[other, "chronic_absence_rate"]
        section = page[page.index("Districts like this one") :]
        if rate != HIDDEN:
            shown = f"{float(rate) * 100:.1f}%"
            assert shown in re.sub(r"\s+", " ", section)


def test_published_rates_leave_suppressed_cells_unknown() -> None:
    cells = pd.DataFrame(
        {
            "level": ["district", "district", "school"],
            "district_id": ["D1", "D2", "D1"],
            "group_column": ["all", "all", "all"],
            "chronic_absence_rate": ["0.25", HIDDEN, "0.5"],
        }
    )
    site = SiteCells(years=(2025,), published={2025: cells}, state_id="ZZ", notes=())
    rates = published_rates(site).set_index("district_id")["chronic_absence_rate"]
    assert rates["D1"] == 0.25 and pd.isna(rates["D2"]) and len(rates) == 2
