"""The students, stays and schools of a SIS export: as its files give them, or derived from
the stays and attendance (and said so in the result's assumptions) when no file lists them.
"""

from __future__ import annotations

import pandas as pd

from homeroom.contract.schema import STUDENT_FLAGS, TABLES
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, source_line
from homeroom.interop.sis import values
from homeroom.interop.sis.matching import Assembly, col, frames, traced


def students(ctx: Assembly, stays: pd.DataFrame, from_totals: list[str]) -> pd.DataFrame:
    if "students" not in ctx.by_feed:
        ids = pd.Series(
            [*(stays["student_id"].tolist() if not stays.empty else []), *from_totals]
        ).dropna()
        ctx.result.assume(
            "no students file: the students are the ids of the stays, without demographics"
        )
        return pd.DataFrame({"student_id": ids.drop_duplicates().to_numpy()})
    frame = frames(ctx.by_feed["students"], "students")
    out = {
        "student_id": col(frame, "student_id"),
        "first_name": col(frame, "first_name"),
        "last_name": col(frame, "last_name"),
        "birth_date": ctx.dates(col(frame, "birth_date")),
        "sex": values.mapped(col(frame, "sex"), ctx.preset.sex),
        "race_ethnicity": values.race(
            col(frame, "race_ethnicity"),
            col(frame, "hispanic") if "hispanic" in frame.columns else None,
            ctx.preset,
        ),
        "home_language": col(frame, "home_language"),
    }
    if "school_year" in frame.columns:
        out["school_year"] = values.school_years(frame["school_year"], ctx.preset)
    for flag in STUDENT_FLAGS:
        if flag in frame.columns:
            out[flag] = values.booleans(frame[flag], ctx.preset)
    students = traced(frame, out)
    keys = ["student_id", "school_year"] if "school_year" in out else ["student_id"]
    # A file with one row per enrollment (Infinite Campus) repeats a mover's demographics on
    # each row: identical repeats are one student. Repeats that disagree are passed on, so
    # validation quarantines them with the line of the row it kept.
    values_only = [c for c in students.columns if c not in (SOURCE_FILE, SOURCE_LINE)]
    same = students.duplicated(values_only) & students["student_id"].notna()
    if same.any():
        ctx.result.note(
            f"{int(same.sum()):,} student rows repeat an earlier row of the same student "
            "exactly (one row per enrollment); each student was kept once"
        )
        students = students[~same]
    repeated = students.duplicated(keys) & students["student_id"].notna()
    if repeated.any() and len(ctx.by_feed["students"]) > 1:
        ctx.result.note(
            f"{int(repeated.sum()):,} students appear in more than one students file; "
            "the first row of each was kept"
        )
        students = students[~repeated]
    return students.reset_index(drop=True)


def enrollments(ctx: Assembly) -> pd.DataFrame:
    frame = ctx.resolve_students(frames(ctx.by_feed["enrollments"], "enrollments"), "enrollments")
    entry = ctx.dates(col(frame, "entry_date"))
    exit_ = ctx.dates(col(frame, "exit_date"))
    if "school_year" in frame.columns:
        year = values.school_years(frame["school_year"], ctx.preset)
    else:
        year = values.school_year_of(entry, ctx.preset)
        ctx.result.assume(
            "school_year of each stay from its entry date (a school year starts on "
            f"{ctx.preset.school_year_starts[0]:02d}-{ctx.preset.school_year_starts[1]:02d})"
        )
    stays = traced(
        frame,
        {
            "student_id": col(frame, "student_id"),
            "school_id": col(frame, "school_id"),
            "school_year": year,
            "grade_level": values.grades(col(frame, "grade_level"), ctx.preset),
            "entry_date": entry,
            "exit_date": exit_,
        },
    )
    if ctx.preset.exit_date == "exclusive":
        stays = _inclusive_exits(ctx, stays)
    return stays


def stays_from_attendance(ctx: Assembly, attendance: pd.DataFrame) -> pd.DataFrame:
    """No enrollments file: each student is enrolled at a school for the whole span of
    dates the attendance file covers there (the usual reading of a one-table export)."""
    rows = attendance.dropna(subset=["student_id", "school_id"]).copy()
    rows["parsed"] = pd.to_datetime(rows["date"], format="%Y-%m-%d", errors="coerce")
    rows = rows.dropna(subset=["parsed"])
    if rows.empty:
        return pd.DataFrame(columns=list(TABLES["enrollments"].names))
    rows["school_year"] = values.school_year_of(rows["date"], ctx.preset)
    span = rows.groupby(["school_id", "school_year"])["parsed"].agg(["min", "max"])
    grades = _attendance_grades(ctx)
    first = rows.sort_values(SOURCE_LINE).drop_duplicates(
        ["student_id", "school_id", "school_year"]
    )
    stays = []
    for _, row in first.iterrows():
        low, high = span.loc[(row["school_id"], row["school_year"])]
        grade = grades.get(row["student_id"]) or ctx.preset.default_grade or None
        stays.append(
            (row["student_id"], row["school_id"], row["school_year"], grade,
             low.strftime("%Y-%m-%d"), high.strftime("%Y-%m-%d"),
             row[SOURCE_FILE], row[SOURCE_LINE])
        )  # fmt: skip
    ctx.result.assume(
        "no enrollments file: every student in the attendance file was enrolled at each of "
        "its schools from the first to the last date the file gives for that school"
        + (
            f"; students without a grade column value are in grade {ctx.preset.default_grade}"
            " (the preset's default_grade)"
            if ctx.preset.default_grade
            else ""
        )
    )
    return pd.DataFrame(
        stays,
        columns=["student_id", "school_id", "school_year", "grade_level", "entry_date",
                 "exit_date", SOURCE_FILE, SOURCE_LINE],
    )  # fmt: skip


def _attendance_grades(ctx: Assembly) -> dict[str, str]:
    grades: dict[str, str] = {}
    for m in ctx.by_feed.get("attendance", []):
        if "grade_level" in m.frame.columns and "student_id" in m.frame.columns:
            pairs = m.frame[["student_id", "grade_level"]].dropna()
            converted = values.grades(pairs["grade_level"], ctx.preset)
            for student, grade in zip(pairs["student_id"], converted, strict=True):
                grades.setdefault(student, grade)
    return grades


def _inclusive_exits(ctx: Assembly, stays: pd.DataFrame) -> pd.DataFrame:
    """The SIS gives the first day not enrolled; the contract wants the last day enrolled."""
    exit_ = pd.to_datetime(stays["exit_date"], format="%Y-%m-%d", errors="coerce")
    entry = pd.to_datetime(stays["entry_date"], format="%Y-%m-%d", errors="coerce")
    no_show = exit_.notna() & entry.notna() & (exit_ <= entry)
    for _, row in stays[no_show].iterrows():
        ctx.result.reject(
            "enrollments",
            row[SOURCE_FILE],
            source_line(row[SOURCE_LINE]),
            "exit_date",
            f"exit date {row['exit_date']} is not after the entry date {row['entry_date']}: "
            "the SIS's exit date is the first day no longer enrolled, so the stay has no day "
            "(a no-show)",
        )
    stays = stays[~no_show].copy()
    exit_ = exit_[~no_show]
    day_before = (exit_ - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    stays["exit_date"] = day_before.where(exit_.notna(), stays["exit_date"]).astype(object)
    ctx.result.assume(
        f"preset {ctx.preset.source}: the SIS's exit date is the first day no longer "
        "enrolled; each was turned into the last day enrolled (the day before), the "
        "contract's inclusive exit_date"
    )
    return stays.reset_index(drop=True)


def schools(
    ctx: Assembly, stays: pd.DataFrame, attendance: pd.DataFrame | None = None
) -> pd.DataFrame:
    preset = ctx.preset
    if "schools" in ctx.by_feed:
        frame = frames(ctx.by_feed["schools"], "schools")
        district_id = col(frame, "district_id").fillna(preset.district_id or None)
        district_name = col(frame, "district_name").fillna(preset.district_name or None)
        minutes = col(frame, "day_minutes")
        if preset.day_minutes:
            minutes = minutes.fillna(str(preset.day_minutes))
        schools = traced(
            frame,
            {
                "school_id": col(frame, "school_id"),
                "school_name": col(frame, "school_name"),
                "district_id": district_id,
                "district_name": district_name,
                "state": col(frame, "state"),
                "calendar_id": col(frame, "calendar_id"),
                "day_minutes": minutes,
            },
        )
    else:
        ids = []
        for frame in (stays, attendance):
            if frame is not None and not frame.empty and "school_id" in frame.columns:
                ids.extend(frame["school_id"].dropna().tolist())
        ids = list(dict.fromkeys(ids))
        schools = pd.DataFrame(
            {
                "school_id": ids,
                "school_name": [f"School {i}" for i in ids],
                "district_id": preset.district_id or "district",
                "district_name": preset.district_name or "District",
                "day_minutes": str(preset.day_minutes) if preset.day_minutes else None,
            },
            dtype=object,
        )
        if attendance is not None:
            ctx.result.assume(
                "no schools file: each school id of the stays and attendance is a school, "
                "named by its id, in district "
                f"{preset.district_id or 'district'} ({preset.district_name or 'District'})"
            )
    if attendance is not None and "_day_minutes" in attendance.attrs:
        schools = _minutes_from_attendance(ctx, schools, attendance.attrs["_day_minutes"])
    return schools


def _minutes_from_attendance(
    ctx: Assembly, schools: pd.DataFrame, lengths: dict[str, str]
) -> pd.DataFrame:
    schools = schools.copy()
    missing = schools["day_minutes"].isna() if "day_minutes" in schools else None
    if missing is None:
        schools["day_minutes"] = None
        missing = schools["day_minutes"].isna()
    filled = schools.loc[missing, "school_id"].map(lengths)
    schools.loc[missing, "day_minutes"] = filled
    if filled.notna().any():
        ctx.result.assume(
            "a school's day_minutes (a full day's length) is the day length its attendance "
            "rows give most often"
        )
    return schools
