"""The one palette and type of every chart and report page: colour-blind-safe and print-safe.

Colours come from ColorBrewer's PuOr (purples below the chronic threshold, oranges at and above
it), which stays distinct for the common kinds of colour blindness and in greyscale; the current
year's line is Okabe-Ito blue. Light fills get a dark outline, so every mark has at least 3:1
contrast with the white page. Import colours from here (charts, the printed page's CSS mirrors
them, the evaluation report), never write a second scale.
"""

from __future__ import annotations

from pathlib import Path

FONT = "DejaVu Sans"  # Debian's fonts-dejavu-core; vl-convert measures labels with it
FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
INK = "#1a1a1a"
MUTED = "#4d4d4d"  # 8.5:1 on white: axis labels stay readable when printed
RULE = "#d9d9d9"
OUTLINE = "#333333"  # light fills get a dark outline, so every mark is >= 3:1 against white

# PuOr: purples below the threshold, oranges at and above it.
TIER_COLORS = {
    "satisfactory": "#542788",
    "at_risk": "#b2abd2",
    "moderate_chronic": "#fdb863",
    "severe_chronic": "#b35806",
}
LEVEL_COLORS = {
    "low": "#542788",
    "modest": "#b2abd2",
    "significant": "#fdb863",
    "high": "#e08214",
    "extreme": "#b35806",
}
NOT_RATED_COLOR = "#bdbdbd"
BAR_COLOR = "#5e3c99"  # rate bars without a level
CURRENT_YEAR_COLOR = "#0072b2"  # Okabe-Ito blue, 5.2:1 on white
PRIOR_YEAR_COLORS = ("#4d4d4d", "#7a7a7a", "#8f8f8f", "#a3a3a3")
PRIOR_YEAR_DASHES = ((6, 3), (2, 2), (8, 3, 2, 3), (1, 3))
DAY_COLORS = {  # calendar cells
    "present": "#b2abd2",
    "partial": "#fdb863",
    "absent": "#b35806",
    "none": "#f2f2f2",
}
DAY_LABELS = {
    "present": "Present",
    "partial": "Partly absent",
    "absent": "Absent",
    "none": "No school, or not enrolled",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SCHOOL_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)  # a school year runs August to July
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
