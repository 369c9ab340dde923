"""The charts: accessible SVG (role, title, desc), right numbers in words, nothing fetched."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from homeroom.reports import charts
from homeroom.reports.charts import (
    MonthRate,
    RateRow,
    Reference,
)
from homeroom.reports.summary import LevelCount, TierShare

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: charts.Chart) -> ET.Element:
    # Plain <svg> with the SVG namespace as default: HTML draws nothing with a prefix.
    assert chart.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "ns0:" not in chart.svg and "<svg:" not in chart.svg
    return ET.fromstring(chart.svg)


def marks(root: ET.Element, name: str) -> list[ET.Element]:
    """The drawn items of one named mark (Vega writes them in a group classed `<name>_marks`)."""
    groups = [
        g for g in root.iter(f"{SVG}g") if f"{name}_marks" in g.attrib.get("class", "").split()
    ]
    return [item for g in groups for item in g]


def texts(root: ET.Element, name: str) -> list[str]:
    return ["".join(t.itertext()) for t in marks(root, name)]


def assert_accessible(chart: charts.Chart) -> ET.Element:
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["id"] == chart.chart_id
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title, desc = root[0], root[1]
    assert (title.tag, title.attrib["id"], title.text) == (f"{SVG}title", title_id, chart.title)
    assert (desc.tag, desc.attrib["id"], desc.text) == (f"{SVG}desc", desc_id, chart.desc)
    # Every id is the chart's own, so several charts can share a page.
    ids = [e.attrib["id"] for e in root.iter() if "id" in e.attrib]
    assert all(i == chart.chart_id or i.startswith(f"{chart.chart_id}-") for i in ids)
    assert len(ids) == len(set(ids))
    # Nothing to fetch and nothing to run: the SVG namespace is the only URL.
    urls = re.findall(r"https?://[^\s\"'<>)]+", chart.svg)
    assert set(urls) <= {"http://www.w3.org/2000/svg"}
    assert "<script" not in chart.svg and "href" not in chart.svg
    assert re.search(r"url\((?!#)", chart.svg) is None
    # No Vega ARIA roles compete with role="img" inside.
    assert all(e.attrib.get("role") in (None, "img") for e in root.iter())
    return root


# -- trend ------------------------------------------------------------------------------------
def trend_points() -> list[MonthRate]:
    current = [(9, 0.12), (10, 0.14), (11, 0.15), (12, 0.16), (1, 0.17), (2, 0.185)]
    prior = [(9, 0.10), (10, 0.11), (11, 0.12), (12, 0.13), (1, 0.15), (2, 0.16), (3, 0.17)]
    return [
        *(MonthRate(2025, m, r) for m, r in current),
        *(MonthRate(2024, m, r) for m, r in prior),
        MonthRate(2025, 8, None),  # a few August days: nobody eligible yet
    ]


def test_trend_chart_says_how_the_year_went_and_compares_with_the_year_before():
    chart = charts.trend_chart(trend_points(), unit_name="Riverside Unified")
    root = assert_accessible(chart)
    assert chart.desc == (
        "Chronic absence in 2024-25 rose from 12.0% at the end of September to 18.5% at the "
        "end of February. At the same point of 2023-24 it was 16.0%."
    )
    # One line per school year, the current one thickest; its latest value written on it.
    lines = marks(root, "years")
    assert len(lines) == 2
    widths = sorted(float(line.attrib["stroke-width"]) for line in lines)
    assert widths == [1.75, 3.5]
    assert texts(root, "latest") == ["18.5%"]
    assert len(marks(root, "current")) == 6


def test_trend_table_puts_months_in_school_order_with_a_column_per_year():
    table = charts.trend_chart(trend_points()).table
    assert table.columns == ("Month end", "2023-24", "2024-25")
    # August is left out: no year had an eligible student at its end.
    assert [row[0] for row in table.rows] == [
        "September",
        "October",
        "November",
        "December",
        "January",
        "February",
        "March",
    ]
    assert table.rows[5] == ("February", "16.0%", "18.5%")
    assert table.rows[6] == ("March", "17.0%", "—")


def test_trend_sentence_for_a_falling_year_and_a_single_month():
    falling = [MonthRate(2025, 9, 0.2), MonthRate(2025, 10, 0.15)]
    assert charts.trend_chart(falling).desc == (
        "Chronic absence in 2024-25 fell from 20.0% at the end of September to 15.0% at the end "
        "of October."
    )
    one = charts.trend_chart([MonthRate(2025, 9, 0.2)])
    assert one.desc == "Chronic absence in 2024-25 was 20.0% at the end of September."


# -- tiers and levels -------------------------------------------------------------------------
TIERS = [
    TierShare("satisfactory", "Satisfactory", 500, 0.5),
    TierShare("at_risk", "At risk", 227, 0.227),
    TierShare("moderate_chronic", "Moderate chronic", 173, 0.173),
    TierShare("severe_chronic", "Severe chronic", 100, 0.1),
]


def test_tier_chart_labels_each_bar_with_count_and_share():
    chart = charts.tier_chart(TIERS)
    root = assert_accessible(chart)
    assert chart.desc == (
        "Of 1,000 eligible students, 500 (50.0%) satisfactory, 227 (22.7%) at risk, "
        "173 (17.3%) moderate chronic and 100 (10.0%) severe chronic."
    )
    assert texts(root, "values") == ["500 (50.0%)", "227 (22.7%)", "173 (17.3%)", "100 (10.0%)"]
    fills = [bar.attrib["fill"] for bar in marks(root, "bars")]
    assert fills == [charts.TIER_COLORS[t.tier] for t in TIERS]
    # Light fills get a dark outline, so each bar stands out from the page.
    assert all(bar.attrib["stroke"] == charts.OUTLINE for bar in marks(root, "bars"))
    assert chart.table.rows[1] == ("At risk", "227", "22.7%")


def test_level_chart_counts_schools_at_each_level():
    levels = [
        LevelCount("low", "Low", 0),
        LevelCount("modest", "Modest", 1),
        LevelCount("significant", "Significant", 2),
        LevelCount("high", "High", 1),
        LevelCount("extreme", "Extreme", 1),
        LevelCount(None, "Not rated", 1),
    ]
    chart = charts.level_chart(levels)
    root = assert_accessible(chart)
    assert chart.desc == (
        "Of 6 schools: 0 low, 1 modest, 2 significant, 1 high, 1 extreme and 1 not rated."
    )
    assert texts(root, "values") == ["0", "1", "2", "1", "1", "1"]
    assert chart.table.columns == ("Level", "Schools")


# -- rate bars --------------------------------------------------------------------------------
def grade_rows() -> list[RateRow]:
    return [
        RateRow("Kindergarten", 0.30, 100, level="extreme"),
        RateRow("Grade 1", 0.20, 150, level="high"),
        RateRow("Grade 2", None, None, "fewer than 10 students"),
        RateRow("Grade 9", 0.472, 250, level="extreme"),
    ]


def test_rate_bars_write_suppressed_rows_as_text_not_bars():
    chart = charts.rate_bars(
        grade_rows(),
        title="By grade",
        reference=Reference(0.273, "District 27.3%"),
        unit_word="Grade",
        chart_id="grades",
    )
    root = assert_accessible(chart)
    assert len(marks(root, "bars")) == 3
    assert texts(root, "values") == ["30.0%", "20.0%", "47.2%"]
    assert texts(root, "notes") == ["fewer than 10 students"]
    assert "Grade 2" in "".join(root.itertext())
    assert chart.desc == (
        "Highest Grade 9 at 47.2%, lowest Grade 1 at 20.0%; the dashed line is District 27.3%; "
        "1 of 4 not shown to protect small groups."
    )
    assert chart.table.rows[2] == ("Grade 2", "—", "fewer than 10 students")
    assert chart.table.rows[3] == ("Grade 9", "250", "47.2%")


def test_rate_bars_draw_the_reference_line_where_the_rate_is():
    chart = charts.rate_bars(grade_rows(), title="By grade", reference=Reference(0.273, "All"))
    root = parse(chart)
    (line,) = marks(root, "reference")
    assert line.attrib["stroke-dasharray"]
    assert texts(root, "reference_label") == ["All"]
    # The line sits at 27.3% of the axis: between Grade 1's bar (20%) and Kindergarten's (30%).
    x = float(re.search(r"translate\(([\d.]+)", line.attrib["transform"])[1])
    widths = {
        float(re.search(r"h([\d.]+)", bar.attrib["d"])[1]): bar for bar in marks(root, "bars")
    }
    twenty, thirty = sorted(widths)[0], sorted(widths)[1]
    assert x == pytest.approx(twenty * 0.273 / 0.20, rel=1e-3)
    assert twenty < x < thirty


def test_rate_bars_need_distinct_labels():
    with pytest.raises(ValueError, match="distinct"):
        charts.rate_bars([RateRow("A", 0.1), RateRow("A", 0.2)], title="x")


# -- shared -----------------------------------------------------------------------------------
def test_text_in_charts_and_tables_is_escaped():
    rows = [RateRow("Lincoln <&> Elementary", 0.2, 40), RateRow("<script>", 0.1, 30)]
    chart = charts.rate_bars(rows, title='Schools "A" & <B>', chart_id="s")
    root = assert_accessible(chart)
    assert "<script>" not in chart.svg
    assert "Lincoln <&> Elementary" in "".join(root.itertext())
    table = chart.table.html()
    assert "&lt;script&gt;" in table and "Lincoln &lt;&amp;&gt; Elementary" in table
    ET.fromstring(table)  # well-formed


def test_chart_ids_must_be_plain_names():
    with pytest.raises(ValueError, match="chart id"):
        charts.tier_chart(TIERS, chart_id='x" onload="alert(1)')


def test_figure_holds_the_svg_and_its_table():
    chart = charts.tier_chart(TIERS, chart_id="tiers")
    figure = chart.figure()
    root = ET.fromstring(figure)
    assert root.tag == "figure" and root.attrib["id"] == "tiers-figure"
    assert root.find(f"{SVG}svg") is not None
    assert root.find("details/table/caption").text == chart.title
