"""Absences changed since the last load: re-coded, vanished or newly entered for past dates.

A district reloads its whole extract every week, so a change to last month's attendance is
invisible unless someone compares the loads. Comparing 100 million rows with 100 million rows
would be slow; instead each load is summarised per school and date (row count and a sum of row
hashes; the new load's in the pass over attendance the other monitors make) and only the
school-days whose summaries differ are compared row by row. In an ordinary
reload that is the days since the last load plus the few days someone edited.
"""

from __future__ import annotations

import pandas as pd

from homeroom.quality.context import Context, row_checksum
from homeroom.quality.result import INFO, OK, WARNING, Monitor, MonitorResult, PreviousLoad, plural

KEY = "changed_absences"
TITLE = "Absences changed since the last load"
EXPLANATION = (
    "Attendance rows of the previous load that now have another category or absent amount "
    "(re-coded), that are gone (disappeared), or that are new for dates before the previous "
    "load's last date (appeared late). Some late corrections are normal; many re-codings of one "
    "kind, or absences vanishing from past weeks, usually mean a changed code mapping or a "
    "partial extract: confirm with whoever exports the data."
)
MONITOR = Monitor(KEY, TITLE, EXPLANATION)
NO_PREVIOUS = "no previous load to compare with (a workspace compares each load with the last)"


def changed_absences(
    ctx: Context, previous: PreviousLoad | None, units_per_day: int | None
) -> MonitorResult:
    result = MONITOR.result
    if previous is None:
        return result(INFO, NO_PREVIOUS)
    ctx.say("comparing attendance with the previous load")
    old_units = int(previous.units_per_day)
    new_units = int(units_per_day or old_units)
    old = previous.table
    old_sums = ctx.temp(
        "old_sums",
        f"SELECT school_id, date, count(*) AS att_rows, {row_checksum(old_units)} AS checksum "
        f"FROM {old} GROUP BY ALL",
    )
    if ctx.checksum_units == new_units:
        new_sums = ctx.daily  # summed in the pass the other monitors make
    else:
        new_sums = ctx.temp(
            "new_sums",
            f"SELECT school_id, date, count(*) AS att_rows, {row_checksum(new_units)} AS checksum"
            f" FROM {ctx.t('attendance')} GROUP BY ALL",
        )
    last = ctx.scalar(f"SELECT max(date) FROM {old_sums}")
    if last is None:
        return result(INFO, "the previous load had no attendance rows to compare with")
    changes = _changes(ctx, old, old_sums, new_sums, old_units, new_units, last)
    kind = "list_position(['re-coded', 'disappeared', 'appeared'], change)"
    rows, total = ctx.frame(f"SELECT * FROM {changes} ORDER BY {kind}, school_id, date, student_id")
    if not total:
        return result(
            OK,
            f"no absence before {last} (the previous load's last date) was re-coded, removed "
            "or added",
        )
    detail = ctx.con.execute(
        "SELECT change, from_category, from_days, to_category, to_days, count(*) AS rows "
        f"FROM {changes} GROUP BY change, from_category, from_days, to_category, to_days "
        f"ORDER BY {kind}, rows DESC, from_category NULLS FIRST, "
        "to_category NULLS FIRST, from_days, to_days"
    ).df()
    return result(WARNING, _summary(detail, last), count=total, rows=rows, detail=detail)


def _changes(
    ctx: Context,
    old: str,
    old_sums: str,
    new_sums: str,
    old_units: int,
    new_units: int,
    last: object,
) -> str:
    """The rows that changed, compared only on the school-days whose summaries differ."""
    new = ctx.t("attendance")
    differing = ctx.temp(
        "differing_days",
        f"SELECT school_id, date FROM {old_sums} o FULL JOIN {new_sums} n "
        "USING (school_id, date) WHERE o.att_rows IS DISTINCT FROM n.att_rows "
        "OR o.checksum IS DISTINCT FROM n.checksum",
    )
    years = f"SELECT DISTINCT school_year FROM {ctx.t('enrollments')}"
    # Amounts of two loads compare exactly by cross-multiplying their units.
    amount_changed = (
        f"CAST(o.absent_units AS HUGEINT) * {new_units} <> "
        f"CAST(n.absent_units AS HUGEINT) * {old_units}"
    )
    change = (
        "CASE WHEN o.date IS NOT NULL AND n.date IS NOT NULL THEN CASE WHEN "
        f"o.category IS DISTINCT FROM n.category OR {amount_changed} THEN 're-coded' END "
        f"WHEN n.date IS NULL THEN CASE WHEN o.date < DATE '{last}' "
        f"AND o.school_year IN ({years}) THEN 'disappeared' END "
        f"WHEN n.date < DATE '{last}' THEN 'appeared' END"
    )
    changes = ctx.temp(
        "changes",
        "SELECT * FROM (SELECT "
        f"{change} AS change, coalesce(o.student_id, n.student_id) AS student_id, "
        "coalesce(o.school_id, n.school_id) AS school_id, coalesce(o.date, n.date) AS date, "
        f"o.category AS from_category, o.code AS from_code, "
        f"round(o.absent_units / {old_units}, 4) AS from_days, "
        f"n.category AS to_category, n.code AS to_code, "
        f"round(n.absent_units / {new_units}, 4) AS to_days "
        f"FROM (SELECT * FROM {old} SEMI JOIN {differing} USING (school_id, date)) o "
        f"FULL JOIN (SELECT * FROM {new} SEMI JOIN {differing} USING (school_id, date)) n "
        "ON o.student_id = n.student_id AND o.school_id = n.school_id AND o.date = n.date) "
        "WHERE change IS NOT NULL",
    )
    return changes


def _summary(detail: pd.DataFrame, last: object) -> str:
    counts = detail.groupby("change")["rows"].sum()
    parts = []
    recoded = detail[detail["change"] == "re-coded"]
    if len(recoded):
        pairs = ", ".join(
            f"{_side(r.from_category, r.from_days, r.to_days)} → "
            f"{_side(r.to_category, r.to_days, r.from_days)}: {r.rows:,}"
            for r in recoded.head(4).itertuples()
        )
        more = f", {len(recoded) - 4:,} more kinds" if len(recoded) > 4 else ""
        parts.append(f"{plural(int(counts['re-coded']), 'absence')} re-coded ({pairs}{more})")
    late = [
        f"{plural(int(counts[change]), 'row')} {change}"
        for change in ("disappeared", "appeared")
        if change in counts.index
    ]
    if late:
        parts.append(" and ".join(late) + f" on dates before {last}, the previous load's last date")
    return "; ".join(parts)


def _side(category: object, days: float, other: float) -> str:
    """`excused`, or `excused 0.5` when the amount is part of what changed."""
    if days == other:
        return str(category)
    return f"{category} {days:g}"
