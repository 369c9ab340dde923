"""Monitors read from the quarantine: overlapping stays, unmapped codes, attendance without a stay.

Validation already rejected these rows one by one; the monitors gather them so a person sees
the pattern (one code missing from the codes table, one school whose stays were not exported)
rather than thousands of lines. The quarantine holds file, line and reason only, so the rows
behind each finding point at the file and line to look at.
"""

from __future__ import annotations

import pandas as pd

from homeroom.quality.result import INFO, OK, WARNING, Monitor, MonitorResult, plural

OVERLAPS_KEY = "overlapping_stays"
UNMAPPED_KEY = "unmapped_codes"
NOT_ENROLLED_KEY = "attendance_without_enrollment"

OVERLAPS_TITLE = "Overlapping enrollments"
UNMAPPED_TITLE = "Unmapped codes"
NOT_ENROLLED_TITLE = "Attendance without enrollment"

OVERLAPS_EXPLANATION = (
    "Stays that share a date with another stay of the same student, at any school. The earlier "
    "stay was kept and the later one left out, so the student's days at the later school are "
    "not counted. Usually an exit date was not entered at the first school, or the SIS writes "
    "exit_date as the first day no longer enrolled (then use a definition with exit_date = "
    '"exclusive").'
)
UNMAPPED_EXPLANATION = (
    "Values that are not in the codes table or not one of the contract's words, with how many "
    "rows each left out and where the first one is. Attendance rows with an unknown code are "
    "not counted as absences at all, so add each code to the codes table (or the import's "
    "mapping) with its category and load again."
)
NOT_ENROLLED_EXPLANATION = (
    "Attendance rows for a student on a date with no stay at that school, by school. These "
    "absences are not counted. Many rows at one school usually mean its enrollments were not "
    "all exported (or a stay's dates are wrong); a few are usually a stay entered late."
)
NO_QUARANTINE = "no quarantine was given to read"
OVERLAPS = Monitor(OVERLAPS_KEY, OVERLAPS_TITLE, OVERLAPS_EXPLANATION)
UNMAPPED = Monitor(UNMAPPED_KEY, UNMAPPED_TITLE, UNMAPPED_EXPLANATION)
NOT_ENROLLED = Monitor(NOT_ENROLLED_KEY, NOT_ENROLLED_TITLE, NOT_ENROLLED_EXPLANATION)

_OVERLAP = (
    r"overlaps the stay at school (?P<kept_school_id>.*?) from (?P<kept_from>\S+) to "
    r"(?P<kept_to>.+?) \(line (?P<kept_line>\d+)\)"
)
_NOT_IN_CODES = r"^code '(?P<value>.*)' (?:is not in codes|cannot be read: no codes table given)"
_NOT_ONE_OF = r"^(?P<column>[a-z_]+) '(?P<value>.*)' is not one of "
_NOT_ENROLLED = r"^student not enrolled at school (?P<school_id>.*) on (?P<date>\d{4}-\d{2}-\d{2})$"


def _with_source(frame: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows with `where`: file:line, and the source file:line of an import if known."""
    where = frame["file"].astype("string") + ":" + frame["line"].astype("string").fillna("")
    frame = frame.assign(where=where)
    if "source_file" in frame.columns and "source_line" in frame.columns:
        source = (
            frame["source_file"].astype("string")
            + ":"
            + frame["source_line"].astype("string").fillna("")
        )
        frame = frame.assign(source=source.where(frame["source_file"].notna(), None))
    return frame


def overlapping_stays(quarantine: pd.DataFrame | None) -> MonitorResult:
    result = OVERLAPS.result

    if quarantine is None:
        return result(INFO, NO_QUARANTINE)
    mine = quarantine[quarantine["table"].eq("enrollments")]
    parts = mine["reason"].astype("string").str.extract(_OVERLAP)
    found = _with_source(mine[parts["kept_school_id"].notna()])
    if found.empty:
        return result(OK, "no two stays of a student share a date")
    parts = parts.loc[found.index]
    columns = {
        "file": found["file"],
        "line": found["line"].astype("Int64"),
        "kept_school_id": parts["kept_school_id"],
        "kept_from": parts["kept_from"],
        "kept_to": parts["kept_to"],
        "kept_line": pd.to_numeric(parts["kept_line"]).astype("Int64"),
    }
    if "source" in found.columns:
        columns["source"] = found["source"]
    rows = pd.DataFrame(columns).reset_index(drop=True)
    return result(
        WARNING,
        f"{plural(len(rows), 'stay')} left out for overlapping an earlier stay of the same student",
        count=len(rows),
        rows=rows,
    )


def unmapped_codes(quarantine: pd.DataFrame | None) -> MonitorResult:
    result = UNMAPPED.result

    if quarantine is None:
        return result(INFO, NO_QUARANTINE)
    reasons = quarantine["reason"].astype("string")
    code = reasons.str.extract(_NOT_IN_CODES)
    word = reasons.str.extract(_NOT_ONE_OF)
    value = code["value"].fillna(word["value"])
    column = word["column"].where(code["value"].isna(), "code")
    found = _with_source(quarantine.assign(column_found=column, value=value)[value.notna()])
    if found.empty:
        return result(OK, "every code and category was known")
    # First by file then line: the row a person would look at first.
    found = found.sort_values(["file", "line"], kind="stable")
    grouped = found.groupby(["table", "column_found", "value"], sort=False, dropna=False)
    rows = grouped.agg(
        rows=("value", "size"),
        first_file=("file", "first"),
        first_line=("line", "first"),
        **({"first_source": ("source", "first")} if "source" in found.columns else {}),
    ).reset_index()
    rows = rows.rename(columns={"column_found": "column"})
    rows["first_line"] = rows["first_line"].astype("Int64")
    rows = rows.sort_values(
        ["rows", "table", "column", "value"], ascending=[False, True, True, True]
    )
    rows = rows.reset_index(drop=True)
    shown = ", ".join(
        f"'{v}' ({n:,})" for v, n in zip(rows["value"][:5], rows["rows"][:5], strict=True)
    )
    more = f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
    return result(
        WARNING,
        f"{plural(len(rows), 'unknown value')} on {plural(int(rows['rows'].sum()), 'row')}: "
        f"{shown}{more}",
        count=int(rows["rows"].sum()),
        rows=rows,
    )


def attendance_without_enrollment(quarantine: pd.DataFrame | None) -> MonitorResult:
    result = NOT_ENROLLED.result

    if quarantine is None:
        return result(INFO, NO_QUARANTINE)
    mine = quarantine[quarantine["table"].eq("attendance")]
    parts = mine["reason"].astype("string").str.extract(_NOT_ENROLLED)
    found = _with_source(mine.assign(**parts)[parts["school_id"].notna()])
    if found.empty:
        return result(OK, "every attendance row had a stay at its school on its date")
    found = found.sort_values(["file", "line"], kind="stable")
    rows = (
        found.groupby("school_id", sort=True)
        .agg(
            rows=("date", "size"),
            dates=("date", "nunique"),
            first_date=("date", "min"),
            last_date=("date", "max"),
            first_file=("file", "first"),
            first_line=("line", "first"),
            **({"first_source": ("source", "first")} if "source" in found.columns else {}),
        )
        .reset_index()
        .sort_values(["rows", "school_id"], ascending=[False, True])
        .reset_index(drop=True)
    )
    rows["first_line"] = rows["first_line"].astype("Int64")
    return result(
        WARNING,
        f"{plural(int(rows['rows'].sum()), 'attendance row')} at "
        f"{plural(len(rows), 'school')} on dates the student had no stay there",
        count=int(rows["rows"].sum()),
        rows=rows,
    )
