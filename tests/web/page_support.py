"""How the pages write numbers and dates, for tests that compare them with the metrics layer."""

from __future__ import annotations

import datetime as dt
import re

from homeroom.definitions import load_definition
from homeroom.formats import percent_text

DEFINITION = load_definition("default")  # the test district's workspace definition


AT_RISK_OR_WORSE = {"at_risk", "moderate_chronic", "severe_chronic"}


TIER_WORDS = {
    "satisfactory": "Satisfactory",
    "at_risk": "At risk",
    "moderate_chronic": "Moderate chronic",
    "severe_chronic": "Severe chronic",
}


def pct(share: float) -> str:
    """A percentage where no label depends on it (ADA, a group's rate in a chart's table)."""
    return percent_text(share)


def level_pct(share: float) -> str:
    """A chronic absence rate beside a school level: never across a level's cut point."""
    return percent_text(share, DEFINITION.level_cuts)


def tier_pct(share: float) -> str:
    """A student's absence rate beside a tier: never across a tier's cut point."""
    return percent_text(share, (*DEFINITION.tier_cuts, DEFINITION.threshold_share))


def days(value: float) -> str:
    """Days as the pages write them: whole days bare, parts to two places without zeros."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")


def points(change: float) -> str:
    value = round(change * 100, 1)
    return "no change" if value == 0 else f"{value:+.1f} points"


def squeeze(html: str) -> str:
    """The page without the space between tags, so rows can be matched as one string."""
    return re.sub(r">\s+<", "><", html)


def shown_as_of(html: str) -> dt.date:
    return dt.date.fromisoformat(re.search(r'name="as_of" value="([\d-]+)"', html).group(1))


def ids_in(html: str) -> list[str]:
    """Student ids shown in the page's tables (each row's id after the student's name)."""
    return re.findall(r'<span class="hint">(S\d{7})</span>', html)
