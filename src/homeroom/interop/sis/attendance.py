"""The attendance rows of a SIS export: codes mapped through the preset, and period or minute
rows folded into daily rows; the codes table the mapped codes need.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.interop.daily import PROBLEM, PROBLEM_COLUMN, daily_attendance
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, Mapping, StoredTable
from homeroom.interop.sis import fastpath, folding
from homeroom.interop.sis.matching import Assembly, Matched, col, frames, traced


def stored_attendance(
    ctx: Assembly, schools: pd.DataFrame
) -> tuple[pd.DataFrame, StoredTable] | None:
    """The attendance files DuckDB holds, folded there into one stored table; with the
    schools and dates they hold (what the schools and a derived calendar need). None when
    an attendance file is not held by DuckDB: then all take the exact path."""
    matches = ctx.by_feed.get("attendance", [])
    if ctx.work is None or not matches or not all(m.raw for m in matches):
        for m in matches:
            if m.raw:
                m.frame, m.raw = fastpath.raw_frame(ctx, m), None
        return None
    work = ctx.work
    minutes = _school_minutes(schools)
    seen: list[pd.DataFrame] = []
    outs: list[str] = []
    rows = 0
    lengths: dict[str, str] = {}
    for m in matches:
        out = work.folder / f"attendance-{len(outs) + 1}.parquet"
        assert m.raw is not None
        folded = folding.fold_minutes(ctx, work.con, m.raw, m.table.label, minutes, out)
        seen.append(folded.seen)
        outs.append(str(folded.stored.path))
        rows += folded.stored.rows
        lengths.update(folded.lengths)
    stored = StoredTable(Path(outs[0]), rows)
    if len(outs) > 1:
        stored = StoredTable(work.folder / "attendance.parquet", rows)
        work.con.execute(
            f"COPY (SELECT * FROM read_parquet(?)) TO '{stored.path}' (FORMAT parquet)", [outs]
        )
    # Nothing more is asked of DuckDB: closing it now gives its pool back before the students
    # and schools are built as frames (the stored files stay in its folder).
    work.close()
    summary = pd.concat(seen, ignore_index=True).drop_duplicates()
    summary["code"] = None
    summary.attrs["_day_minutes"] = lengths
    return summary, stored


def _school_minutes(schools: pd.DataFrame) -> dict[str, int]:
    school_minutes = {}
    if "day_minutes" in schools.columns:
        for school, minutes in zip(schools["school_id"], schools["day_minutes"], strict=True):
            number = pd.to_numeric(pd.Series([minutes]), errors="coerce").iloc[0]
            if pd.notna(number) and float(number).is_integer() and number > 0:
                school_minutes[school] = int(number)
    return school_minutes


def attendance_rows(ctx: Assembly, schools: pd.DataFrame) -> pd.DataFrame:
    parts = []
    day_lengths: dict[str, str] = {}  # school id -> minutes, as text like the files'
    for m in ctx.by_feed["attendance"]:
        frame = ctx.resolve_students(m.frame.copy(), "attendance")
        frame = _code_ids(ctx, frame, m)
        folds = any(r in frame.columns for r in ("period", "periods_scheduled", "day_minutes"))
        if folds:
            part, lengths = _fold(ctx, frame, schools)
            day_lengths.update(lengths)
        else:
            part = _daily(ctx, frame)
        parts.append(part)
    attendance = pd.concat(parts, ignore_index=True)
    attendance.attrs["_day_minutes"] = day_lengths
    return attendance


def _code_ids(ctx: Assembly, frame: pd.DataFrame, m: Matched) -> pd.DataFrame:
    """Codes given as ids into the SIS's code table (PowerSchool's Attendance_CodeID)."""
    if "code_id" not in frame.columns:
        return frame
    lookup: dict[str, str | None] = {}
    for other in ctx.by_feed.get("code_lookup", []):
        pairs = other.frame[["code_id", "code"]] if "code" in other.frame else None
        if pairs is not None:
            lookup.update(zip(pairs["code_id"], pairs["code"], strict=True))
    if not lookup:
        raise ContractError(
            f"file {m.table.label} gives attendance codes as ids (preset column code_id); "
            "give the code table export too (for PowerSchool, Attendance_Code)"
        )
    ids = frame["code_id"]
    known = ids.isin(list(lookup))
    code = ids.map(lookup).astype(object)
    # A code id missing from the code table is passed on as the id itself, so validation
    # quarantines the row with the contract's "not in codes" reason and its line.
    code = code.where(known, ids.map(lambda v: f"id {v}" if isinstance(v, str) else v))
    code = code.where(~(known & code.isna()), "")  # a blank code (PowerSchool's present)
    frame["code"] = code.where(col(frame, "code").isna(), col(frame, "code"))
    return frame


def _category(ctx: Assembly, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Category, absent fraction and the code as the data says, from the preset's codes:
    the row's own category first, then its code, then its fallback code (say "A/E")."""
    codes = ctx.preset.codes
    category = col(frame, "category").map(lambda v: v.lower() if isinstance(v, str) else v)
    code = col(frame, "code")
    fallback = col(frame, "code_fallback")
    key = code.fillna("")
    in_table = key.isin(list(codes))
    by_fallback = ~in_table & fallback.isin(list(codes))
    chosen = key.where(in_table, fallback.where(by_fallback, None))
    looked = chosen.map(lambda c: codes[c].category if isinstance(c, str) else None)
    fraction = chosen.map(lambda c: codes[c].absent_fraction if isinstance(c, str) else None)
    _record_codes(ctx, code, fallback, chosen, category)
    return category.where(category.notna(), looked), fraction, chosen


def _record_codes(ctx: Assembly, code, fallback, chosen, category) -> None:
    counts = (
        pd.DataFrame({"code": code.fillna(""), "fb": fallback.fillna(""), "chosen": chosen})
        [category.isna().to_numpy()]
        .groupby(["code", "fb"], dropna=False)
        .agg(rows=("chosen", "size"), chosen=("chosen", "first"))
    )  # fmt: skip
    for (source, fb), row in counts.iterrows():
        target = ctx.preset.codes[row["chosen"]].category if isinstance(row["chosen"], str) else ""
        shown = source if not fb or source in ctx.preset.codes else f"{source} ({fb})"
        ctx.result.mappings.append(
            Mapping("attendance code", shown or "(blank)", target, int(row["rows"]))
        )


def _daily(ctx: Assembly, frame: pd.DataFrame) -> pd.DataFrame:
    category, fraction, chosen = _category(ctx, frame)
    code = col(frame, "code")
    given_fraction = col(frame, "absent_fraction")
    # Rows mapped through the fallback carry their category (the SIS's code stays in code).
    via_fallback = chosen.notna() & (chosen != code.fillna(""))
    row_category = col(frame, "category").where(~via_fallback, category)
    row_fraction = given_fraction.where(
        given_fraction.notna() | ~via_fallback,
        fraction.map(lambda f: None if f is None or pd.isna(f) else f"{f:g}"),
    )
    blank = code.isna() & col(frame, "category").isna() & chosen.notna()
    code = code.where(~blank, "")  # the blank code is a code ("" in the preset's table)
    return traced(
        frame,
        {
            "student_id": col(frame, "student_id"),
            "school_id": col(frame, "school_id"),
            "date": ctx.dates(col(frame, "date")),
            "category": row_category,
            "code": code.map(lambda c: "(blank)" if c == "" else c),
            "absent_fraction": row_fraction,
            "minutes_absent": col(frame, "minutes_absent"),
        },
    )


def _fold(
    ctx: Assembly, frame: pd.DataFrame, schools: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str]]:
    category, _fraction, _chosen = _category(ctx, frame)
    code = col(frame, "code")
    rows = pd.DataFrame(
        {
            "student_id": col(frame, "student_id").to_numpy(),
            "school_id": col(frame, "school_id").to_numpy(),
            "date": ctx.dates(col(frame, "date")).to_numpy(),
            "category": category.to_numpy(),
            SOURCE_FILE: frame[SOURCE_FILE].to_numpy(),
            SOURCE_LINE: frame[SOURCE_LINE].to_numpy(),
        }
    )
    unknown = category.isna() & code.notna()
    reasons = "code " + code.fillna("").str.slice(0, 40).map(repr) + " is not in the preset's codes"
    rows[PROBLEM] = reasons.where(unknown, None).to_numpy(dtype=object)
    rows[PROBLEM_COLUMN] = pd.Series("code", index=code.index).where(unknown, None).to_numpy(object)
    lengths: dict[str, str] = {}
    if "period" in frame.columns or "periods_scheduled" in frame.columns:
        rows["period"] = col(frame, "period").to_numpy()
        rows["periods_scheduled"] = col(frame, "periods_scheduled").to_numpy()
    else:
        rows["minutes_absent"] = col(frame, "minutes_absent").to_numpy()
        rows["day_minutes"] = col(frame, "day_minutes").to_numpy()
        numbers = pd.to_numeric(rows["day_minutes"], errors="coerce")
        common = (
            pd.DataFrame({"school": rows["school_id"], "minutes": numbers})
            .dropna()
            .groupby("school")["minutes"]
            .agg(lambda s: s.mode().iloc[0])
        )
        lengths = {k: str(int(v)) for k, v in common.items() if float(v).is_integer() and v > 0}
    school_minutes = _school_minutes(schools)
    for school, minutes in lengths.items():
        school_minutes.setdefault(school, int(minutes))
    daily = daily_attendance(rows, school_day_minutes=school_minutes)
    daily.apply_to(ctx.result)
    ctx.result.note(
        f"attendance: {daily.rows_in:,} period or minute rows folded into "
        f"{len(daily.attendance):,} daily rows ({len(daily.rejected):,} rejected)"
    )
    out = daily.attendance.copy()
    out["code"] = None
    return out, lengths


def codes_table(ctx: Assembly, attendance: pd.DataFrame) -> pd.DataFrame | None:
    if "code" not in attendance.columns or attendance["code"].isna().all():
        return None
    rows = []
    for code, spec in ctx.preset.codes.items():
        fraction = "" if spec.absent_fraction is None else f"{spec.absent_fraction:g}"
        rows.append(("(blank)" if code == "" else code, spec.category, fraction))
    if "codes" in ctx.by_feed:
        frame = frames(ctx.by_feed["codes"], "codes")
        for code, category, fraction in zip(
            col(frame, "code"), col(frame, "category"), col(frame, "absent_fraction"),
            strict=True,
        ):  # fmt: skip
            rows.append((code, category, fraction or ""))
    return pd.DataFrame(rows, columns=["code", "category", "absent_fraction"])
