"""Apply a preset to a SIS's export files: recognise each file, map its columns and values, and
assemble the canonical tables (DESIGN.md section 4), with every row traced to its source line.

What the exports do not give is derived and said so in the result's assumptions: the students
and schools from the stays when no file lists them, a school's `day_minutes` from the
attendance file's day lengths, the school year from the entry date, the calendar from weekdays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.contract.schema import STUDENT_FLAGS, TABLES
from homeroom.interop.daily import PROBLEM, PROBLEM_COLUMN, daily_attendance
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, Mapping, SourceRead
from homeroom.interop.sis import values
from homeroom.interop.sis.preset import FileSpec, Preset, header_key
from homeroom.interop.sis.reading import SourceTable, read_source

TRACE = (SOURCE_FILE, SOURCE_LINE)


@dataclass
class Matched:
    table: SourceTable
    spec: FileSpec
    frame: pd.DataFrame  # one column per mapped role (text), plus source_file/source_line


def build(
    preset: Preset, files: list[Path], progress: Callable[[str], None] | None = None
) -> ImportResult:
    step = progress or (lambda _message: None)
    result = ImportResult(f"{preset.name} export (SIS preset {preset.source})", {})
    if preset.description:
        result.note(preset.description)
    if not files:
        raise ContractError("no SIS export files given")
    matched: list[Matched] = []
    for path in files:
        step(f"Reading {path.name}")
        for table in read_source(Path(path)):
            matched.append(_match(table, preset, result))
    by_feed: dict[str, list[Matched]] = {}
    for m in matched:
        for feed in m.spec.feeds:
            by_feed.setdefault(feed, []).append(m)
    step("Mapping the columns and values")
    return _Assembler(preset, result, by_feed).run()


# ----------------------------------------------------------------------------- recognising
def _match(table: SourceTable, preset: Preset, result: ImportResult) -> Matched:
    keys = [header_key(h) for h in table.headers]
    fitting = [spec for spec in preset.files if all(header_key(s) in keys for s in spec.signature)]
    if not fitting:
        wanted = "; ".join(f"{s.name}: {', '.join(s.signature)}" for s in preset.files)
        raise ContractError(
            f"file {table.label}: its headers match none of the files of preset "
            f"{preset.source} ({wanted}); found columns: {', '.join(table.headers[:30])}"
        )
    spec = max(fitting, key=lambda s: len(s.signature))
    feed = spec.feeds[0] if spec.feeds[0] in TABLES else "attendance"
    for line, reason in table.malformed:
        result.reject(feed, table.label, line, "", f"malformed line: {reason}")
    for text in table.notes:
        result.note(text)
    frame = pd.DataFrame(index=range(len(table.rows)))
    missing = []
    for role, headers in spec.columns.items():
        found = [keys.index(header_key(h)) for h in headers if header_key(h) in keys]
        if len(found) < len(headers):
            missing.extend(h for h in headers if header_key(h) not in keys)
        if not found:
            continue
        if len(found) == 1:
            frame[role] = table.column(found[0]).to_numpy()
        else:  # several headers make one value, e.g. status and excuse: "A/E"
            parts = [table.column(i).fillna("") for i in found]
            joined = parts[0].str.cat(parts[1:], sep="/")
            frame[role] = joined.where(joined.str.strip("/").ne(""), None).to_numpy()
        result.mappings.append(
            Mapping("column", f"{table.label}: {' + '.join(headers)}", role, len(frame))
        )
    if missing:
        result.note(
            f"{table.label} ({spec.name}): no column {', '.join(sorted(set(missing)))}; "
            "those values are left empty"
        )
    frame[SOURCE_FILE] = table.label
    frame[SOURCE_LINE] = pd.array(table.lines, dtype="Int64")
    read = len(table.rows) + len(table.malformed)
    if spec.keep:
        kept = pd.Series(True, index=frame.index)
        for header, allowed in spec.keep.items():
            if header_key(header) not in keys:
                raise ContractError(
                    f"file {table.label}: preset {preset.source} keeps rows by column {header}, "
                    "which the file does not have"
                )
            column = table.column(keys.index(header_key(header)))
            kept &= column.isin(allowed).to_numpy()
        aside = int((~kept).sum())
        if aside:
            what = ", ".join(f"{h} in {', '.join(v)}" for h, v in spec.keep.items())
            result.note(
                f"{table.label}: {aside:,} of {len(frame):,} rows left aside: the preset reads "
                f"only rows with {what}"
            )
        frame = frame[kept.to_numpy()].reset_index(drop=True)
    result.read.append(SourceRead(table.label, spec.name, read))
    return Matched(table, spec, frame)


def _frames(matches: list[Matched], feed: str) -> pd.DataFrame:
    frames = [m.frame for m in matches]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    frame.attrs["feed"] = feed
    return frame


def _col(frame: pd.DataFrame, role: str) -> pd.Series:
    if role in frame.columns:
        return frame[role].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _traced(frame: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    out = pd.DataFrame({name: series.to_numpy() for name, series in columns.items()})
    out[SOURCE_FILE] = frame[SOURCE_FILE].to_numpy()
    out[SOURCE_LINE] = frame[SOURCE_LINE].to_numpy()
    return out


# ------------------------------------------------------------------------------ assembling
class _Assembler:
    def __init__(self, preset: Preset, result: ImportResult, by_feed: dict[str, list[Matched]]):
        self.preset = preset
        self.result = result
        self.by_feed = by_feed
        self.refs: dict[str, str] = {}
        self.serials = 0

    def run(self) -> ImportResult:
        tables: dict[str, pd.DataFrame] = {}
        self.refs = self._student_refs()
        enrollments = [self._enrollments()] if "enrollments" in self.by_feed else []
        attendance_parts: list[pd.DataFrame] = []
        calendar_parts: list[pd.DataFrame] = []
        totals_students: list[str] = []
        if "totals" in self.by_feed:
            from homeroom.interop.sis.totals import totals_to_canonical

            frame = self._resolve_students(_frames(self.by_feed["totals"], "totals"), "attendance")
            placed = totals_to_canonical(frame, self.preset, self.result)
            enrollments.append(placed.enrollments)
            attendance_parts.append(placed.attendance)
            calendar_parts.append(placed.calendar)
            totals_students = placed.enrollments["student_id"].dropna().tolist()
        stays = pd.concat(enrollments, ignore_index=True) if enrollments else pd.DataFrame()
        schools = self._schools(stays)
        if "attendance" in self.by_feed:
            attendance_parts.append(self._attendance(schools))
            if stays.empty:
                stays = self._stays_from_attendance(attendance_parts[-1])
        attendance = (
            pd.concat(attendance_parts, ignore_index=True)
            if attendance_parts
            else pd.DataFrame(columns=["student_id", "school_id", "date", "category", *TRACE])
        )
        schools = self._schools(stays, attendance)
        tables["schools"] = schools
        tables["students"] = self._students(stays, totals_students)
        tables["enrollments"] = (
            stays if not stays.empty else pd.DataFrame(columns=list(TABLES["enrollments"].names))
        )
        if "calendar" in self.by_feed:
            calendar_parts.append(self._calendar())
        if not calendar_parts or all(p.empty for p in calendar_parts):
            calendar_parts.append(self._derived_calendar(stays, attendance, schools))
        tables["calendar"] = pd.concat(calendar_parts, ignore_index=True)
        tables["attendance"] = attendance
        codes = self._codes(attendance)
        if codes is not None:
            tables["codes"] = codes
        if self.serials:
            self.result.note(
                f"{self.serials:,} dates were Excel date serials (days since 1899-12-30) and "
                "were read as dates"
            )
        self.result.tables = tables
        return self.result

    # -- values ----------------------------------------------------------------------------
    def dates(self, series: pd.Series) -> pd.Series:
        converted = values.dates(series, self.preset)
        self.serials += converted.serials
        return converted.values

    # -- students --------------------------------------------------------------------------
    def _student_refs(self) -> dict[str, str]:
        """The SIS's internal student number → the student id, from the students files."""
        refs: dict[str, str] = {}
        for m in self.by_feed.get("students", []):
            if "student_ref" in m.frame.columns and "student_id" in m.frame.columns:
                pairs = m.frame[["student_ref", "student_id"]].dropna()
                refs.update(zip(pairs["student_ref"], pairs["student_id"], strict=True))
        return refs

    def _resolve_students(self, frame: pd.DataFrame, table: str) -> pd.DataFrame:
        """Rows that name the student by the SIS's internal number get the student id."""
        if "student_ref" not in frame.columns:
            return frame
        given = _col(frame, "student_id")
        refs = _col(frame, "student_ref")
        if not self.refs:
            raise ContractError(
                f"{frame[SOURCE_FILE].iloc[0] if len(frame) else 'a file'} names students by the "
                "SIS's internal number (the preset's student_ref column); give the students "
                "export too, which pairs that number with the student number"
            )
        resolved = refs.map(self.refs)
        unknown = given.isna() & refs.notna() & resolved.isna()
        for _, row in frame[unknown.to_numpy()].iterrows():
            self.result.reject(
                table,
                row[SOURCE_FILE],
                _line(row[SOURCE_LINE]),
                "student_ref",
                "the student's internal number is not the number of any student in the "
                "students export",
            )
        frame = frame[~unknown.to_numpy()].copy()
        frame["student_id"] = given[~unknown].where(given[~unknown].notna(), resolved[~unknown])
        return frame

    def _students(self, stays: pd.DataFrame, from_totals: list[str]) -> pd.DataFrame:
        if "students" not in self.by_feed:
            ids = pd.Series(
                [*(stays["student_id"].tolist() if not stays.empty else []), *from_totals]
            ).dropna()
            self.result.assume(
                "no students file: the students are the ids of the stays, without demographics"
            )
            return pd.DataFrame({"student_id": ids.drop_duplicates().to_numpy()})
        frame = _frames(self.by_feed["students"], "students")
        out = {
            "student_id": _col(frame, "student_id"),
            "first_name": _col(frame, "first_name"),
            "last_name": _col(frame, "last_name"),
            "birth_date": self.dates(_col(frame, "birth_date")),
            "sex": values.mapped(_col(frame, "sex"), self.preset.sex),
            "race_ethnicity": values.race(
                _col(frame, "race_ethnicity"),
                _col(frame, "hispanic") if "hispanic" in frame.columns else None,
                self.preset,
            ),
            "home_language": _col(frame, "home_language"),
        }
        if "school_year" in frame.columns:
            out["school_year"] = values.school_years(frame["school_year"], self.preset)
        for flag in STUDENT_FLAGS:
            if flag in frame.columns:
                out[flag] = values.booleans(frame[flag], self.preset)
        students = _traced(frame, out)
        keys = ["student_id", "school_year"] if "school_year" in out else ["student_id"]
        # A file with one row per enrollment (Infinite Campus) repeats a mover's demographics on
        # each row: identical repeats are one student. Repeats that disagree are passed on, so
        # validation quarantines them with the line of the row it kept.
        values_only = [c for c in students.columns if c not in (SOURCE_FILE, SOURCE_LINE)]
        same = students.duplicated(values_only) & students["student_id"].notna()
        if same.any():
            self.result.note(
                f"{int(same.sum()):,} student rows repeat an earlier row of the same student "
                "exactly (one row per enrollment); each student was kept once"
            )
            students = students[~same]
        repeated = students.duplicated(keys) & students["student_id"].notna()
        if repeated.any() and len(self.by_feed["students"]) > 1:
            self.result.note(
                f"{int(repeated.sum()):,} students appear in more than one students file; "
                "the first row of each was kept"
            )
            students = students[~repeated]
        return students.reset_index(drop=True)

    # -- enrollments -----------------------------------------------------------------------
    def _enrollments(self) -> pd.DataFrame:
        frame = self._resolve_students(
            _frames(self.by_feed["enrollments"], "enrollments"), "enrollments"
        )
        entry = self.dates(_col(frame, "entry_date"))
        exit_ = self.dates(_col(frame, "exit_date"))
        if "school_year" in frame.columns:
            year = values.school_years(frame["school_year"], self.preset)
        else:
            year = values.school_year_of(entry, self.preset)
            self.result.assume(
                "school_year of each stay from its entry date (a school year starts on "
                f"{self.preset.school_year_starts[0]:02d}-{self.preset.school_year_starts[1]:02d})"
            )
        stays = _traced(
            frame,
            {
                "student_id": _col(frame, "student_id"),
                "school_id": _col(frame, "school_id"),
                "school_year": year,
                "grade_level": values.grades(_col(frame, "grade_level"), self.preset),
                "entry_date": entry,
                "exit_date": exit_,
            },
        )
        if self.preset.exit_date == "exclusive":
            stays = self._inclusive_exits(stays)
        return stays

    def _stays_from_attendance(self, attendance: pd.DataFrame) -> pd.DataFrame:
        """No enrollments file: each student is enrolled at a school for the whole span of
        dates the attendance file covers there (the usual reading of a one-table export)."""
        rows = attendance.dropna(subset=["student_id", "school_id"]).copy()
        rows["parsed"] = pd.to_datetime(rows["date"], format="%Y-%m-%d", errors="coerce")
        rows = rows.dropna(subset=["parsed"])
        if rows.empty:
            return pd.DataFrame(columns=list(TABLES["enrollments"].names))
        rows["school_year"] = values.school_year_of(rows["date"], self.preset)
        span = rows.groupby(["school_id", "school_year"])["parsed"].agg(["min", "max"])
        grades = self._attendance_grades()
        first = rows.sort_values(SOURCE_LINE).drop_duplicates(
            ["student_id", "school_id", "school_year"]
        )
        stays = []
        for _, row in first.iterrows():
            low, high = span.loc[(row["school_id"], row["school_year"])]
            grade = grades.get(row["student_id"]) or self.preset.default_grade or None
            stays.append(
                (row["student_id"], row["school_id"], row["school_year"], grade,
                 low.strftime("%Y-%m-%d"), high.strftime("%Y-%m-%d"),
                 row[SOURCE_FILE], row[SOURCE_LINE])
            )  # fmt: skip
        self.result.assume(
            "no enrollments file: every student in the attendance file was enrolled at each of "
            "its schools from the first to the last date the file gives for that school"
            + (
                f"; students without a grade column value are in grade {self.preset.default_grade}"
                " (the preset's default_grade)"
                if self.preset.default_grade
                else ""
            )
        )
        return pd.DataFrame(
            stays,
            columns=["student_id", "school_id", "school_year", "grade_level", "entry_date",
                     "exit_date", SOURCE_FILE, SOURCE_LINE],
        )  # fmt: skip

    def _attendance_grades(self) -> dict[str, str]:
        grades: dict[str, str] = {}
        for m in self.by_feed.get("attendance", []):
            if "grade_level" in m.frame.columns and "student_id" in m.frame.columns:
                pairs = m.frame[["student_id", "grade_level"]].dropna()
                converted = values.grades(pairs["grade_level"], self.preset)
                for student, grade in zip(pairs["student_id"], converted, strict=True):
                    grades.setdefault(student, grade)
        return grades

    def _inclusive_exits(self, stays: pd.DataFrame) -> pd.DataFrame:
        """The SIS gives the first day not enrolled; the contract wants the last day enrolled."""
        exit_ = pd.to_datetime(stays["exit_date"], format="%Y-%m-%d", errors="coerce")
        entry = pd.to_datetime(stays["entry_date"], format="%Y-%m-%d", errors="coerce")
        no_show = exit_.notna() & entry.notna() & (exit_ <= entry)
        for _, row in stays[no_show].iterrows():
            self.result.reject(
                "enrollments",
                row[SOURCE_FILE],
                _line(row[SOURCE_LINE]),
                "exit_date",
                f"exit date {row['exit_date']} is not after the entry date {row['entry_date']}: "
                "the SIS's exit date is the first day no longer enrolled, so the stay has no day "
                "(a no-show)",
            )
        stays = stays[~no_show].copy()
        exit_ = exit_[~no_show]
        day_before = (exit_ - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
        stays["exit_date"] = day_before.where(exit_.notna(), stays["exit_date"]).astype(object)
        self.result.assume(
            f"preset {self.preset.source}: the SIS's exit date is the first day no longer "
            "enrolled; each was turned into the last day enrolled (the day before), the "
            "contract's inclusive exit_date"
        )
        return stays.reset_index(drop=True)

    # -- schools ---------------------------------------------------------------------------
    def _schools(self, stays: pd.DataFrame, attendance: pd.DataFrame | None = None) -> pd.DataFrame:
        preset = self.preset
        if "schools" in self.by_feed:
            frame = _frames(self.by_feed["schools"], "schools")
            district_id = _col(frame, "district_id").fillna(preset.district_id or None)
            district_name = _col(frame, "district_name").fillna(preset.district_name or None)
            minutes = _col(frame, "day_minutes")
            if preset.day_minutes:
                minutes = minutes.fillna(str(preset.day_minutes))
            schools = _traced(
                frame,
                {
                    "school_id": _col(frame, "school_id"),
                    "school_name": _col(frame, "school_name"),
                    "district_id": district_id,
                    "district_name": district_name,
                    "state": _col(frame, "state"),
                    "calendar_id": _col(frame, "calendar_id"),
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
                self.result.assume(
                    "no schools file: each school id of the stays and attendance is a school, "
                    "named by its id, in district "
                    f"{preset.district_id or 'district'} ({preset.district_name or 'District'})"
                )
        if attendance is not None and "_day_minutes" in attendance.attrs:
            schools = self._minutes_from_attendance(schools, attendance.attrs["_day_minutes"])
        return schools

    def _minutes_from_attendance(self, schools: pd.DataFrame, lengths: dict) -> pd.DataFrame:
        schools = schools.copy()
        missing = schools["day_minutes"].isna() if "day_minutes" in schools else None
        if missing is None:
            schools["day_minutes"] = None
            missing = schools["day_minutes"].isna()
        filled = schools.loc[missing, "school_id"].map(lengths)
        schools.loc[missing, "day_minutes"] = filled
        if filled.notna().any():
            self.result.assume(
                "a school's day_minutes (a full day's length) is the day length its attendance "
                "rows give most often"
            )
        return schools

    # -- attendance ------------------------------------------------------------------------
    def _attendance(self, schools: pd.DataFrame) -> pd.DataFrame:
        parts = []
        day_lengths: dict[str, int] = {}
        for m in self.by_feed["attendance"]:
            frame = self._resolve_students(m.frame.copy(), "attendance")
            frame = self._code_ids(frame, m)
            folds = any(r in frame.columns for r in ("period", "periods_scheduled", "day_minutes"))
            if folds:
                part, lengths = self._fold(frame, schools)
                day_lengths.update(lengths)
            else:
                part = self._daily(frame)
            parts.append(part)
        attendance = pd.concat(parts, ignore_index=True)
        attendance.attrs["_day_minutes"] = day_lengths
        return attendance

    def _code_ids(self, frame: pd.DataFrame, m: Matched) -> pd.DataFrame:
        """Codes given as ids into the SIS's code table (PowerSchool's Attendance_CodeID)."""
        if "code_id" not in frame.columns:
            return frame
        lookup: dict[str, str | None] = {}
        for other in self.by_feed.get("code_lookup", []):
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
        frame["code"] = code.where(_col(frame, "code").isna(), _col(frame, "code"))
        return frame

    def _category(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Category, absent fraction and the code as the data says, from the preset's codes:
        the row's own category first, then its code, then its fallback code (say "A/E")."""
        codes = self.preset.codes
        category = _col(frame, "category").map(lambda v: v.lower() if isinstance(v, str) else v)
        code = _col(frame, "code")
        fallback = _col(frame, "code_fallback")
        key = code.fillna("")
        in_table = key.isin(list(codes))
        by_fallback = ~in_table & fallback.isin(list(codes))
        chosen = key.where(in_table, fallback.where(by_fallback, None))
        looked = chosen.map(lambda c: codes[c].category if isinstance(c, str) else None)
        fraction = chosen.map(lambda c: codes[c].absent_fraction if isinstance(c, str) else None)
        self._record_codes(code, fallback, chosen, category)
        return category.where(category.notna(), looked), fraction, chosen

    def _record_codes(self, code, fallback, chosen, category) -> None:
        counts = (
            pd.DataFrame({"code": code.fillna(""), "fb": fallback.fillna(""), "chosen": chosen})
            [category.isna().to_numpy()]
            .groupby(["code", "fb"], dropna=False)
            .agg(rows=("chosen", "size"), chosen=("chosen", "first"))
        )  # fmt: skip
        for (source, fb), row in counts.iterrows():
            target = (
                self.preset.codes[row["chosen"]].category if isinstance(row["chosen"], str) else ""
            )
            shown = source if not fb or source in self.preset.codes else f"{source} ({fb})"
            self.result.mappings.append(
                Mapping("attendance code", shown or "(blank)", target, int(row["rows"]))
            )

    def _daily(self, frame: pd.DataFrame) -> pd.DataFrame:
        category, fraction, chosen = self._category(frame)
        code = _col(frame, "code")
        given_fraction = _col(frame, "absent_fraction")
        # Rows mapped through the fallback carry their category (the SIS's code stays in code).
        via_fallback = chosen.notna() & (chosen != code.fillna(""))
        row_category = _col(frame, "category").where(~via_fallback, category)
        row_fraction = given_fraction.where(
            given_fraction.notna() | ~via_fallback,
            fraction.map(lambda f: None if f is None or pd.isna(f) else f"{f:g}"),
        )
        blank = code.isna() & _col(frame, "category").isna() & chosen.notna()
        code = code.where(~blank, "")  # the blank code is a code ("" in the preset's table)
        return _traced(
            frame,
            {
                "student_id": _col(frame, "student_id"),
                "school_id": _col(frame, "school_id"),
                "date": self.dates(_col(frame, "date")),
                "category": row_category,
                "code": code.map(lambda c: "(blank)" if c == "" else c),
                "absent_fraction": row_fraction,
                "minutes_absent": _col(frame, "minutes_absent"),
            },
        )

    def _fold(self, frame: pd.DataFrame, schools: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        category, _fraction, _chosen = self._category(frame)
        code = _col(frame, "code")
        rows = pd.DataFrame(
            {
                "student_id": _col(frame, "student_id").to_numpy(),
                "school_id": _col(frame, "school_id").to_numpy(),
                "date": self.dates(_col(frame, "date")).to_numpy(),
                "category": category.to_numpy(),
                SOURCE_FILE: frame[SOURCE_FILE].to_numpy(),
                SOURCE_LINE: frame[SOURCE_LINE].to_numpy(),
            }
        )
        unknown = category.isna() & code.notna()
        rows[PROBLEM] = np.where(
            unknown.to_numpy(),
            "code " + code.fillna("").str.slice(0, 40).map(repr) + " is not in the preset's codes",
            None,
        )
        rows[PROBLEM_COLUMN] = np.where(unknown.to_numpy(), "code", None)
        lengths: dict[str, int] = {}
        if "period" in frame.columns or "periods_scheduled" in frame.columns:
            rows["period"] = _col(frame, "period").to_numpy()
            rows["periods_scheduled"] = _col(frame, "periods_scheduled").to_numpy()
        else:
            rows["minutes_absent"] = _col(frame, "minutes_absent").to_numpy()
            rows["day_minutes"] = _col(frame, "day_minutes").to_numpy()
            numbers = pd.to_numeric(rows["day_minutes"], errors="coerce")
            common = (
                pd.DataFrame({"school": rows["school_id"], "minutes": numbers})
                .dropna()
                .groupby("school")["minutes"]
                .agg(lambda s: s.mode().iloc[0])
            )
            lengths = {k: str(int(v)) for k, v in common.items() if float(v).is_integer() and v > 0}
        school_minutes = {}
        if "day_minutes" in schools.columns:
            for school, minutes in zip(schools["school_id"], schools["day_minutes"], strict=True):
                number = pd.to_numeric(pd.Series([minutes]), errors="coerce").iloc[0]
                if pd.notna(number) and float(number).is_integer() and number > 0:
                    school_minutes[school] = int(number)
        for school, minutes in lengths.items():
            school_minutes.setdefault(school, int(minutes))
        daily = daily_attendance(rows, school_day_minutes=school_minutes)
        daily.apply_to(self.result)
        self.result.note(
            f"attendance: {daily.rows_in:,} period or minute rows folded into "
            f"{len(daily.attendance):,} daily rows ({len(daily.rejected):,} rejected)"
        )
        out = daily.attendance.copy()
        out["code"] = None
        return out, lengths

    # -- calendar --------------------------------------------------------------------------
    def _calendar(self) -> pd.DataFrame:
        frame = _frames(self.by_feed["calendar"], "calendar")
        date = self.dates(_col(frame, "date"))
        calendar_id = _col(frame, "calendar_id").where(
            _col(frame, "calendar_id").notna(), _col(frame, "school_id")
        )
        if "school_year" in frame.columns:
            year = values.school_years(frame["school_year"], self.preset)
        else:
            year = values.school_year_of(date, self.preset)
        headers = self._instructional_headers()
        instructional = self._instructional(frame, headers)
        return _traced(
            frame,
            {
                "calendar_id": calendar_id,
                "school_year": year,
                "date": date,
                "instructional": instructional,
            },
        )

    def _instructional_headers(self) -> tuple[str, ...]:
        for m in self.by_feed["calendar"]:
            return m.spec.columns.get("instructional", ())
        return ()

    def _instructional(self, frame: pd.DataFrame, headers: tuple[str, ...]) -> pd.Series:
        """True when every instructional column is yes or a number above 0 (PowerSchool's
        InSession and MembershipValue); as given when one cannot be read."""
        cell = _col(frame, "instructional")
        if len(headers) <= 1:
            return values.booleans(cell, self.preset)
        parts = cell.fillna("").str.split("/", expand=True)

        def one(value: str) -> str | None:
            word = value.strip().lower()
            if word in ("true", "yes", "y", "t", *self.preset.true_words):
                return "true"
            if word in ("false", "no", "n", "f", *self.preset.false_words):
                return "false"
            try:
                return "true" if float(word) > 0 else "false"
            except ValueError:
                return None

        read = parts.apply(lambda col: col.map(one))
        unreadable = read.isna().any(axis=1)
        truth = (read == "true").all(axis=1).map({True: "true", False: "false"})
        return truth.where(~unreadable, cell).astype(object)

    def _derived_calendar(
        self, stays: pd.DataFrame, attendance: pd.DataFrame, schools: pd.DataFrame
    ) -> pd.DataFrame:
        mode = self.preset.calendar_derive
        if mode == "none":
            raise ContractError(
                f"the files give no calendar and preset {self.preset.source} derives none; "
                'give the SIS\'s calendar export or set [calendar] derive = "weekdays"'
            )
        seen = []
        if not stays.empty:
            for column in ("entry_date", "exit_date"):
                seen.append(stays[["school_id", column]].rename(columns={column: "date"}))
        if not attendance.empty:
            seen.append(attendance[["school_id", "date"]])
        dates = pd.concat(seen, ignore_index=True) if seen else pd.DataFrame()
        if dates.empty:
            return pd.DataFrame(columns=["calendar_id", "school_year", "date", "instructional"])
        dates["parsed"] = pd.to_datetime(dates["date"], format="%Y-%m-%d", errors="coerce")
        dates = dates.dropna(subset=["parsed", "school_id"])
        dates["school_year"] = values.school_year_of(
            dates["parsed"].dt.strftime("%Y-%m-%d"), self.preset
        )
        calendar_of = dict(
            zip(schools["school_id"], schools.get("calendar_id", schools["school_id"]), strict=True)
        )
        holidays = set(self.preset.holidays)
        rows = []
        for (school, year), group in dates.groupby(["school_id", "school_year"]):
            calendar_id = calendar_of.get(school)
            calendar_id = calendar_id if isinstance(calendar_id, str) else school
            if mode == "attendance_dates":
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
                    if str(
                        values.school_year_of(
                            pd.Series([d.strftime("%Y-%m-%d")]), self.preset
                        ).iloc[0]
                    )
                    == year
                ]
                span = pd.DatetimeIndex(days)
            else:
                span = pd.bdate_range(group["parsed"].min(), group["parsed"].max())
            iso = [d.strftime("%Y-%m-%d") for d in span]
            kept = [d for d in iso if d not in holidays]
            rows.extend((calendar_id, year, d, "true") for d in kept)
            described = "weekdays" if mode == "weekdays" else "the dates with attendance rows"
            self.result.assume(
                f"no calendar file: the calendar of school {school} for {year} is {described} "
                f"from {iso[0] if iso else '-'} to {iso[-1] if iso else '-'} "
                f"({len(kept)} instructional days"
                + (f", less {len(iso) - len(kept)} holidays" if len(iso) > len(kept) else "")
                + ")"
            )
        return pd.DataFrame(rows, columns=["calendar_id", "school_year", "date", "instructional"])

    # -- codes -----------------------------------------------------------------------------
    def _codes(self, attendance: pd.DataFrame) -> pd.DataFrame | None:
        if "code" not in attendance.columns or attendance["code"].isna().all():
            return None
        rows = []
        for code, spec in self.preset.codes.items():
            fraction = "" if spec.absent_fraction is None else f"{spec.absent_fraction:g}"
            rows.append(("(blank)" if code == "" else code, spec.category, fraction))
        if "codes" in self.by_feed:
            frame = _frames(self.by_feed["codes"], "codes")
            for code, category, fraction in zip(
                _col(frame, "code"), _col(frame, "category"), _col(frame, "absent_fraction"),
                strict=True,
            ):  # fmt: skip
                rows.append((code, category, fraction or ""))
        return pd.DataFrame(rows, columns=["code", "category", "absent_fraction"])


def _line(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
