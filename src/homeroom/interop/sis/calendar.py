"""The calendar of a SIS export: its calendar file, or one derived from weekdays or from the
dates with attendance when the preset allows it (and said so in the result's assumptions).
"""

from __future__ import annotations

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.interop.sis import values
from homeroom.interop.sis.matching import Assembly, col, frames, traced


def calendar_rows(ctx: Assembly) -> pd.DataFrame:
    frame = frames(ctx.by_feed["calendar"], "calendar")
    date = ctx.dates(col(frame, "date"))
    calendar_id = col(frame, "calendar_id").where(
        col(frame, "calendar_id").notna(), col(frame, "school_id")
    )
    if "school_year" in frame.columns:
        year = values.school_years(frame["school_year"], ctx.preset)
    else:
        year = values.school_year_of(date, ctx.preset)
    headers = _instructional_headers(ctx)
    instructional = _instructional(ctx, frame, headers)
    return traced(
        frame,
        {
            "calendar_id": calendar_id,
            "school_year": year,
            "date": date,
            "instructional": instructional,
        },
    )


def _instructional_headers(ctx: Assembly) -> tuple[str, ...]:
    for m in ctx.by_feed["calendar"]:
        return m.spec.columns.get("instructional", ())
    return ()


def _instructional(ctx: Assembly, frame: pd.DataFrame, headers: tuple[str, ...]) -> pd.Series:
    """True when every instructional column is yes or a number above 0 (PowerSchool's
    InSession and MembershipValue); as given when one cannot be read."""
    cell = col(frame, "instructional")
    if len(headers) <= 1:
        return values.booleans(cell, ctx.preset)
    parts = cell.fillna("").str.split("/", expand=True)

    def one(value: str) -> str | None:
        word = value.strip().lower()
        if word in ("true", "yes", "y", "t", *ctx.preset.true_words):
            return "true"
        if word in ("false", "no", "n", "f", *ctx.preset.false_words):
            return "false"
        try:
            return "true" if float(word) > 0 else "false"
        except ValueError:
            return None

    read = parts.apply(lambda col: col.map(one))
    unreadable = read.isna().any(axis=1)
    truth = (read == "true").all(axis=1).map({True: "true", False: "false"})
    return truth.where(~unreadable, cell).astype(object)


def derived_calendar(
    ctx: Assembly, stays: pd.DataFrame, attendance: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    mode = ctx.preset.calendar_derive
    if mode == "none":
        raise ContractError(
            f"the files give no calendar and preset {ctx.preset.source} derives none; "
            'give the SIS\'s calendar export or set [calendar] derive = "weekdays"'
        )
    dates = _dates_seen(ctx, stays, attendance)
    if dates.empty:
        return pd.DataFrame(columns=["calendar_id", "school_year", "date", "instructional"])
    calendar_of = dict(
        zip(schools["school_id"], schools.get("calendar_id", schools["school_id"]), strict=True)
    )
    holidays = set(ctx.preset.holidays)
    rows: list[tuple[str, str, str, str]] = []
    for (school, year), group in dates.groupby(["school_id", "school_year"]):
        calendar_id = calendar_of.get(school)
        calendar_id = calendar_id if isinstance(calendar_id, str) else school
        if mode == "attendance_dates":
            span = _attendance_days(ctx, attendance, school, year)
        else:
            span = pd.bdate_range(group["parsed"].min(), group["parsed"].max())
        iso = [d.strftime("%Y-%m-%d") for d in span]
        kept = [d for d in iso if d not in holidays]
        rows.extend((calendar_id, year, d, "true") for d in kept)
        described = "weekdays" if mode == "weekdays" else "the dates with attendance rows"
        ctx.result.assume(
            f"no calendar file: the calendar of school {school} for {year} is {described} "
            f"from {iso[0] if iso else '-'} to {iso[-1] if iso else '-'} "
            f"({len(kept)} instructional days"
            + (f", less {len(iso) - len(kept)} holidays" if len(iso) > len(kept) else "")
            + ")"
        )
    return pd.DataFrame(rows, columns=["calendar_id", "school_year", "date", "instructional"])


def _dates_seen(ctx: Assembly, stays: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """Every school and date the stays and attendance name, with its school year."""
    seen = []
    if not stays.empty:
        for column in ("entry_date", "exit_date"):
            seen.append(stays[["school_id", column]].rename(columns={column: "date"}))
    if not attendance.empty:
        seen.append(attendance[["school_id", "date"]])
    dates = pd.concat(seen, ignore_index=True) if seen else pd.DataFrame()
    if dates.empty:
        return dates
    dates["parsed"] = pd.to_datetime(dates["date"], format="%Y-%m-%d", errors="coerce")
    dates = dates.dropna(subset=["parsed", "school_id"])
    dates["school_year"] = values.school_year_of(
        dates["parsed"].dt.strftime("%Y-%m-%d"), ctx.preset
    )
    return dates


def _attendance_days(
    ctx: Assembly, attendance: pd.DataFrame, school: str, year: str
) -> pd.DatetimeIndex:
    """The dates a school's attendance rows give in one school year."""
    days = sorted(
        set(
            pd.to_datetime(
                attendance.loc[attendance["school_id"] == school, "date"],
                format="%Y-%m-%d",
                errors="coerce",
            ).dropna()
        )
    )
    days = [
        d
        for d in days
        if str(values.school_year_of(pd.Series([d.strftime("%Y-%m-%d")]), ctx.preset).iloc[0])
        == year
    ]
    return pd.DatetimeIndex(days)
