"""The pages' stylesheet: a focus ring people can see (WCAG 2.1 non-text contrast, 3:1)."""

from __future__ import annotations

import re
from pathlib import Path

import homeroom.web

CSS = (Path(homeroom.web.__file__).parent / "static" / "app.css").read_text()
# Every background a link, button or field sits on: the page, the grey bands (toolbar, table
# heads, headlines), the dark header, and the notice, alert and warning boxes.
BACKGROUNDS = ["paper", "band", "top", "notice-bg", "alert-bg", "warning-bg"]


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS)
    assert root is not None
    return dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", root.group(1)))


def luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted([luminance(a), luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert round(contrast("#000", "#fff"), 2) == 21.0
    assert round(contrast("#f2b705", "#ffffff"), 2) == 1.82  # the old gold ring


def test_focus_colour_has_3_to_1_against_white_and_every_background() -> None:
    found = variables()
    focus = found["focus"]
    assert contrast(focus, "#ffffff") >= 3
    for name in BACKGROUNDS:
        assert contrast(focus, found[name]) >= 3, name


def test_the_backgrounds_checked_are_the_ones_the_page_uses() -> None:
    # A box painted with a literal colour would escape the contrast test above.
    for selector in ["header.top", ".toolbar", ".notice", ".alert", ".notice.warning", "th"]:
        rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
        assert rule is not None, selector
        background = re.search(r"background:\s*([^;]+);", rule.group(1))
        assert background is not None, selector
        assert background.group(1).strip().startswith("var(--"), selector


def test_every_focusable_thing_and_the_date_fields_use_the_focus_ring() -> None:
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", CSS))
    ring = {
        " ".join(selector.split()): body
        for selector, body in rules.items()
        if "focus" in selector and "var(--focus)" in body
    }
    selectors = ", ".join(ring)
    assert ":focus-visible" in selectors
    assert 'input[type="date"]:focus-within' in selectors
    assert "::-webkit-calendar-picker-indicator:focus-visible" in selectors
    for body in ring.values():
        width = re.search(r"outline:\s*(\d+)px solid var\(--focus\)", body)
        assert width is not None and int(width.group(1)) >= 2, body
    assert "#f2b705" not in " ".join(ring.values())
