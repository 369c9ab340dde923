"""Drawing a Vega-Lite chart (an Altair spec) to accessible inline SVG with vl-convert, offline.

vl-convert never fetches (`allowed_base_urls=[]`). The SVG then gets role="img", a <title> and
a <desc> it is labelled by, and ids prefixed with the chart's id, so many charts can sit inline
on one page; Vega's own ARIA roles are removed so a screen reader meets one described image.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from typing import Any

import vl_convert

from homeroom.reports.chart_data import Chart, Table
from homeroom.reports.palette import FONT, FONT_DIRECTORY, INK, MUTED

SVG_NS = "http://www.w3.org/2000/svg"
# A calendar's cells: the words of a cell's description -> (its kind of day, its ISO date).
Cells = dict[str, tuple[str, str]]
_CONFIG = {
    "font": FONT,
    "background": "#ffffff",
    "padding": 6,
    "view": {"stroke": None},
    "aria": False,  # role="img" and <desc> speak for the whole chart
    "axis": {
        "labelColor": MUTED,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
        "domainColor": "#8c8c8c",
        "tickColor": "#8c8c8c",
        "gridColor": "#e6e6e6",
    },
    "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11},
    "header": {"labelColor": INK},
    "text": {"font": FONT},
}
_LOCK = threading.Lock()
_FONTS_READY = False


def _ready() -> None:
    """Tell vl-convert where Debian's DejaVu fonts are, once, so labels are measured right."""
    global _FONTS_READY
    with _LOCK:
        if not _FONTS_READY:
            if FONT_DIRECTORY.is_dir():
                vl_convert.register_font_directory(str(FONT_DIRECTORY))
            _FONTS_READY = True


def vega_chart(chart_id: str, title: str, desc: str, chart: Any, table: Table) -> Chart:
    return Chart(chart_id, title, desc, render(chart, chart_id, title, desc), table)


def render(
    chart: Any,
    chart_id: str,
    title: str,
    desc: str,
    *,
    calendar: Cells | None = None,
) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError(f"chart id must be a plain name (letters, digits, - or _): {chart_id!r}")
    _ready()
    spec = chart.configure(**_CONFIG).to_dict(validate=False)
    # allowed_base_urls=[]: a spec can never fetch anything, whatever its data says.
    raw = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return _accessible(raw, chart_id, title, desc, calendar)


def _accessible(raw: str, chart_id: str, title: str, desc: str, calendar: Cells | None) -> str:
    """role="img" labelled by <title> and <desc>; ids made unique; calendar cells classed."""
    root = ET.fromstring(raw)
    q = f"{{{SVG_NS}}}"
    ids = {}
    for element in root.iter():
        if "id" in element.attrib:
            ids[element.attrib["id"]] = f"{chart_id}-{element.attrib['id']}"
            element.attrib["id"] = ids[element.attrib["id"]]
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if "url(#" in value or value.startswith("#"):
                element.attrib[name] = re.sub(
                    r"#([A-Za-z0-9_-]+)", lambda m: "#" + ids.get(m[1], m[1]), value
                )
        if calendar is not None and "aria-label" in element.attrib:
            _calendar_cell(element, calendar)
        # Vega's own ARIA roles would compete with role="img"; the <desc> speaks for it all.
        for name in ("role", "aria-roledescription", "aria-label", "aria-hidden"):
            element.attrib.pop(name, None)
    root.attrib.update(
        {
            "id": chart_id,
            "class": "chart",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        }
    )
    title_el = ET.Element(f"{q}title", {"id": f"{chart_id}-title"})
    title_el.text = title
    desc_el = ET.Element(f"{q}desc", {"id": f"{chart_id}-desc"})
    desc_el.text = desc
    root.insert(0, desc_el)
    root.insert(0, title_el)
    # Plain names and an explicit xmlns: ElementTree's prefix registry is global and other code
    # (WeasyPrint) changes it, which would turn <svg> into <ns0:svg> that HTML cannot draw.
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        for name in [n for n in element.attrib if n.startswith("{")]:
            element.attrib[name.rpartition("}")[2]] = element.attrib.pop(name)  # SVG 2: href
    attributes = {"xmlns": SVG_NS, **root.attrib}
    root.attrib.clear()
    root.attrib.update(attributes)
    return ET.tostring(root, encoding="unicode")


def _calendar_cell(element: ET.Element, cells: Cells) -> None:
    """A calendar cell: a class for its kind of day, its ISO date for scripts and tests, and
    its words as a hover <title>."""
    text = element.attrib["aria-label"]
    # Vega writes the description channel as "description: <text>" or just the text.
    words = text.split(": ", 1)[1] if text.startswith("description: ") else text
    if words not in cells:
        return
    kind, key = cells[words]
    element.attrib["class"] = f"day day-{kind}"
    element.attrib["data-date"] = key
    cell_title = ET.SubElement(element, f"{{{SVG_NS}}}title")
    cell_title.text = words
