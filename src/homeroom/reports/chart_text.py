"""The words and tables of every chart: one sentence with the numbers that matter (the SVG's
<desc>) and the same numbers as a table, shared by the Vega-Lite charts and the hand-drawn
student charts so both say exactly the same.

Dates read "5 March 2025" and percentages go through `formats.percent_text`: a rate printed
beside a line or a tier never shows on the wrong side of the cut it is compared with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

from homeroom.formats import date_text, percent_text
from homeroom.reports import labels
from homeroom.reports.chart_data import (
    CalendarDay,
    MonthRate,
    RateRow,
    Reference,
    RunningRate,
    Table,
    TierSnapshot,
)
from homeroom.reports.palette import MONTH_NAMES, SCHOOL_MONTHS

Cuts = Sequence[Fraction | float]


def joined(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def share_text(share: float) -> str:
    return f"{share * 100:g}%"


def trend_sentence(points: Sequence[MonthRate], current: int) -> str:
    order = {m: i for i, m in enumerate(SCHOOL_MONTHS)}
    mine = sorted(
        (p for p in points if p.school_year == current and p.rate is not None),
        key=lambda p: order[p.month],
    )
    year = labels.school_year(current)
    if not mine:
        return f"No student was eligible at any month end of {year}."
    first, last = mine[0], mine[-1]
    at_first = f"{percent_text(first.rate)} at the end of {MONTH_NAMES[first.month - 1]}"
    at_last = f"{percent_text(last.rate)} at the end of {MONTH_NAMES[last.month - 1]}"
    if first is last:
        sentence = f"Chronic absence in {year} was {at_first}."
    else:
        change = round((last.rate or 0) * 100, 1) - round((first.rate or 0) * 100, 1)
        verb = "rose" if change > 0 else "fell" if change < 0 else "held"
        if verb == "held":
            sentence = f"Chronic absence in {year} held at {at_first} and {at_last}."
        else:
            sentence = f"Chronic absence in {year} {verb} from {at_first} to {at_last}."
    before = [
        p
        for p in points
        if p.school_year < current and p.month == last.month and p.rate is not None
    ]
    if before:
        prior = max(before, key=lambda p: p.school_year)
        sentence += (
            f" At the same point of {labels.school_year(prior.school_year)} it was "
            f"{percent_text(prior.rate)}."
        )
    return sentence


def trend_table(
    points: Sequence[MonthRate], years: Sequence[int], months: Sequence[int], heading: str
) -> Table:
    rate = {(p.school_year, p.month): p.rate for p in points}
    rows = tuple(
        (
            MONTH_NAMES[m - 1],
            *(percent_text(rate[(y, m)]) if (y, m) in rate else "—" for y in years),
        )
        for m in months
    )
    columns = ("Month end", *(labels.school_year(y) for y in years))
    return Table(heading, columns, rows, (False, *(True for _ in years)))


def rates_sentence(rows: Sequence[RateRow], reference: Reference | None) -> str:
    shown = [r for r in rows if r.rate is not None]
    hidden = len(rows) - len(shown)
    parts = []
    if shown:
        high = max(shown, key=lambda r: r.rate or 0.0)
        low = min(shown, key=lambda r: r.rate or 0.0)
        if high is low:
            parts.append(f"{high.label}: {percent_text(high.rate)} chronically absent")
        else:
            parts.append(
                f"Highest {high.label} at {percent_text(high.rate)}, "
                f"lowest {low.label} at {percent_text(low.rate)}"
            )
    if reference is not None:
        parts.append(f"the dashed line is {reference.label}")
    if hidden:
        parts.append(f"{hidden} of {len(rows)} not shown to protect small groups")
    return ("; ".join(parts) or "No rates to show") + "."


def day_kind(day: CalendarDay | None) -> tuple[str, str]:
    if day is None or not day.membership:
        return "none", "not a membership day"
    category = f" ({day.category.replace('_', ' ')})" if day.category else ""
    if day.absent >= 1:
        return "absent", f"absent{category}"
    if day.absent > 0:
        return "partial", f"partly absent, {day.absent:g} of the day{category}"
    return "present", f"present{category}"


def calendar_sentence(member: Sequence[CalendarDay], first: dt.date, last: dt.date) -> str:
    if not member:
        return f"No membership days between {date_text(first)} and {date_text(last)}."
    absent = sum(1 for d in member if d.absent >= 1)
    partial = sum(1 for d in member if 0 < d.absent < 1)
    total = sum(d.absent for d in member)
    rate = total / len(member)
    return (
        f"{len(member)} membership days from {date_text(member[0].date)} to "
        f"{date_text(member[-1].date)}: absent on {absent}, partly absent on {partial}; "
        f"{total:g} days absent in all ({percent_text(rate)})."
    )


def calendar_table(member: Sequence[CalendarDay], title: str) -> Table:
    rows = []
    by_month: dict[tuple[int, int], list[CalendarDay]] = {}
    for d in sorted(member, key=lambda d: d.date):
        by_month.setdefault((d.date.year, d.date.month), []).append(d)
    for (year, month), days in by_month.items():
        missed = [d for d in days if d.absent > 0]
        dates = "; ".join(
            f"{d.date.day} ({day_kind(d)[1]})"
            for d in missed  # e.g. "3 (absent (unexcused))"
        )
        rows.append(
            (
                f"{MONTH_NAMES[month - 1]} {year}",
                str(len(days)),
                f"{sum(d.absent for d in days):g}",
                dates or "none",
            )
        )
    return Table(
        title,
        ("Month", "Membership days", "Days absent", "Dates missed"),
        tuple(rows),
        (False, True, True, False),
    )


def running_sentence(points: Sequence[RunningRate], threshold: float | None) -> str:
    cuts = () if threshold is None else (threshold,)
    last = points[-1]
    sentence = (
        f"The absence rate was {percent_text(last.rate, cuts)} on {date_text(last.date)}, "
        f"after {len(points)} membership days"
    )
    if threshold is None:
        return sentence + "."
    line = share_text(threshold)
    if last.rate >= threshold:
        since = last.date
        for p in reversed(points):
            if p.rate < threshold:
                break
            since = p.date
        return sentence + f", at or above the {line} line since {date_text(since)}."
    high = max(points, key=lambda p: p.rate)
    return (
        sentence + f", below the {line} line (highest {percent_text(high.rate, cuts)} on "
        f"{date_text(high.date)})."
    )


def running_table(
    points: Sequence[RunningRate], title: str, threshold: float | None = None
) -> Table:
    """The rate on the last membership day of each month (the whole series is too long)."""
    cuts = () if threshold is None else (threshold,)
    last: dict[tuple[int, int], tuple[int, RunningRate]] = {}
    for n, p in enumerate(points, start=1):
        last[(p.date.year, p.date.month)] = (n, p)
    return Table(
        title,
        ("Through", "Membership days so far", "Absence rate"),
        tuple((date_text(p.date), str(n), percent_text(p.rate, cuts)) for n, p in last.values()),
        (False, True, True),
    )


def tier_history_table(rows: Sequence[TierSnapshot], title: str, cuts: Cuts = ()) -> Table:
    """The tier history's text alternative (shared with the hand-drawn student chart); `cuts`
    are the definition's tier cut points, so a rate never shows across its tier's line."""
    return Table(
        title,
        ("Snapshot", "Tier", "Absence rate"),
        tuple(
            (
                date_text(s.date),
                labels.tier_label(s.tier) if s.tier else "Not counted",
                percent_text(s.rate, cuts),
            )
            for s in rows
        ),
        (False, False, True),
    )


def tier_history_sentence(rows: Sequence[TierSnapshot]) -> str:
    runs: list[tuple[str, dt.date]] = []
    for s in rows:
        name = labels.tier_label(s.tier).lower() if s.tier else "not counted"
        if not runs or runs[-1][0] != name:
            runs.append((name, s.date))
    first, last = date_text(rows[0].date), date_text(rows[-1].date)
    if len(runs) == 1:
        return f"{runs[0][0].capitalize()} at all {len(rows)} snapshots from {first} to {last}."
    steps = [f"{runs[0][0]} on {date_text(runs[0][1])}"]
    steps += [f"{name} from {date_text(day)}" for name, day in runs[1:]]
    text = joined(steps)
    return f"{text[0].upper()}{text[1:]} ({len(rows)} snapshots to {last})."
