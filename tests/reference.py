"""A plain-Python reference for the metrics, written from docs/metrics.md and DESIGN.md.

It works on raw canonical rows (the strings a CSV file holds, "" for an empty cell) and applies
the data contract's rules itself, so it checks the validator's hand-over and the metrics engine
together: the dense calendar (dates omitted are non-instructional), the exit rule, duplicates
kept once with the larger absence, the absent fraction's order of sources, the as-of date and
the grades in scope. Everything is exact (`Fraction`); it expands stays day by day, which the
engine must never do, so the two are written differently on purpose.

A district or state row counts each membership date once, however many of the student's
schools it falls in (a home school and a part-day program): the date's absence is its largest
counted absence at any of them (ties: the larger recorded absence, then the first school id),
with that row's category; an unexcused date, a late arrival and an early departure count once a
date, the time missed late or early by the date's largest. Late arrivals and early departures
are reported apart and add to days absent only when the definition lists them.

No pandas, no ibis: only the `Definition` dataclass is shared, as the knobs' container.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from homeroom.definitions import Definition

Rows = Sequence[Mapping[str, str]]
Dataset = Mapping[str, Rows]

TIERS = ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
LEVELS = ("low", "modest", "significant", "high", "extreme")
# DESIGN.md section 4: a row with no fraction is a whole day for these, nothing for the others.
FULL_DAY = frozenset({"excused", "unexcused", "suspension", "in_school_suspension"})
TRUE = frozenset({"true", "1", "y", "yes", "t"})
FALSE = frozenset({"false", "0", "n", "no", "f"})
FLAGS = frozenset(
    {
        "economically_disadvantaged",
        "english_learner",
        "students_with_disabilities",
        "section_504",
        "homeless",
        "foster_care",
        "migrant",
        "military_connected",
    }
)
LEVEL_KEYS = {
    "school": ("district_id", "school_id"),
    "district": ("district_id",),
    "state": ("state",),
}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _cell(row: Mapping[str, str], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    return None


@dataclass
class _Stay:
    student_id: str
    school_id: str
    school_year: int
    grade_level: str
    entry_date: dt.date
    dates: list[dt.date]  # membership days (as of D), in order


# One attendance row on a membership date: (school_id, category, recorded fraction).
_Found = tuple[str, str, Fraction]


@dataclass
class _Unit:
    """The sums of one student row before classification."""

    school_year: int
    state: str
    district_id: str
    school_id: str
    student_id: str
    grade_level: str
    latest_entry: dt.date
    days_enrolled: int = 0
    absent: Fraction = Fraction(0)
    excused: Fraction = Fraction(0)
    unexcused: Fraction = Fraction(0)
    suspended: Fraction = Fraction(0)
    unexcused_absences: int = 0
    tardies: int = 0
    tardy: Fraction = Fraction(0)
    early_departures: int = 0
    early: Fraction = Fraction(0)
    # Membership date -> the attendance rows of that date at the unit's schools.
    dates: dict[dt.date, list[_Found]] = field(default_factory=dict)


class Reference:
    """The reference metrics of one dataset under one definition."""

    def __init__(self, data: Dataset, definition: Definition) -> None:
        self.definition = definition
        self.schools = {_cell(r, "school_id"): r for r in data.get("schools", [])}
        self.calendars = self._calendars(data.get("calendar", []))
        self.codes = {_cell(r, "code"): r for r in data.get("codes", [])}
        self.attendance = self._attendance(data.get("attendance", []))
        self.enrollments = list(data.get("enrollments", []))
        self.students = list(data.get("students", []))

    # -- the contract ---------------------------------------------------------------------
    @staticmethod
    def _calendars(rows: Rows) -> dict[tuple[str, int], tuple[dt.date, dt.date, set[dt.date]]]:
        """(calendar, year) -> first listed date, last listed date, instructional dates."""
        listed: dict[tuple[str, int], list[tuple[dt.date, bool]]] = defaultdict(list)
        for row in rows:
            key = (_cell(row, "calendar_id"), int(_cell(row, "school_year")))
            instructional = bool(_bool(_cell(row, "instructional")))
            listed[key].append((_date(_cell(row, "date")), instructional))
        return {
            key: (
                min(d for d, _ in days),
                max(d for d, _ in days),
                # Dates the file omits between first and last are simply not instructional.
                {d for d, instructional in days if instructional},
            )
            for key, days in listed.items()
        }

    def school(self, school_id: str) -> dict[str, Any]:
        row = self.schools[school_id]
        minutes = _cell(row, "day_minutes")
        return {
            "district_id": _cell(row, "district_id"),
            "state": _cell(row, "state"),
            "calendar_id": _cell(row, "calendar_id") or school_id,
            "day_minutes": int(minutes) if minutes else None,
        }

    def fraction_of(self, row: Mapping[str, str]) -> tuple[str, Fraction]:
        """A row's category (its own wins over its code's) and its absent fraction."""
        code = self.codes.get(_cell(row, "code")) if _cell(row, "code") else None
        if _cell(row, "category"):
            code = None  # the row's own category wins: its code says nothing more
        category = _cell(row, "category") or (_cell(code, "category") if code else "")
        if _cell(row, "absent_fraction"):
            return category, Fraction(_cell(row, "absent_fraction"))
        minutes = _cell(row, "minutes_absent")
        day_minutes = self.school(_cell(row, "school_id"))["day_minutes"]
        if minutes and day_minutes:
            return category, Fraction(int(minutes), day_minutes)
        if code is not None and _cell(code, "absent_fraction"):
            return category, Fraction(_cell(code, "absent_fraction"))
        return category, Fraction(1 if category in FULL_DAY else 0)

    def _attendance(self, rows: Rows) -> dict[tuple[str, str, dt.date], tuple[str, Fraction]]:
        """(student, school, date) -> (category, fraction); a duplicate keeps the larger absence."""
        kept: dict[tuple[str, str, dt.date], tuple[str, Fraction]] = {}
        for row in rows:
            key = (_cell(row, "student_id"), _cell(row, "school_id"), _date(_cell(row, "date")))
            category, fraction = self.fraction_of(row)
            if key not in kept or fraction > kept[key][1]:
                kept[key] = (category, fraction)
        return kept

    def stays(self, as_of: dt.date | None = None) -> list[_Stay]:
        """Each stay in scope with its membership days through `as_of`."""
        out = []
        for row in self.enrollments:
            grade = _cell(row, "grade_level")
            if self.definition.grades and grade not in self.definition.grades:
                continue
            school_id = _cell(row, "school_id")
            year = int(_cell(row, "school_year"))
            calendar_id = self.school(school_id)["calendar_id"]
            first, last, instructional = self.calendars[(calendar_id, year)]
            entry = _date(_cell(row, "entry_date"))
            if _cell(row, "exit_date"):
                last_day = _date(_cell(row, "exit_date"))
                if self.definition.exit_date == "exclusive":
                    last_day -= dt.timedelta(days=1)
            else:
                last_day = last
            if as_of is not None:
                last_day = min(last_day, as_of)
            dates = sorted(d for d in instructional if entry <= d <= last_day)
            out.append(_Stay(_cell(row, "student_id"), school_id, year, grade, entry, dates))
        return out

    # -- student rows ---------------------------------------------------------------------
    def _add_dates(self, unit: _Unit, stay: _Stay) -> None:
        for day in stay.dates:
            rows = unit.dates.setdefault(day, [])
            found = self.attendance.get((stay.student_id, stay.school_id, day))
            if found is not None:  # a date with no row is a full day present
                rows.append((stay.school_id, *found))

    def _counted(self, category: str, fraction: Fraction) -> Fraction:
        if category not in self.definition.absence_categories:
            return Fraction(0)
        if self.definition.partial_days == "half_day":
            return Fraction(1 if fraction >= Fraction(1, 2) else 0)
        return fraction

    def _add_absences(self, unit: _Unit) -> None:
        """Each membership date once: its largest counted absence at any school."""
        for rows in unit.dates.values():
            if not rows:
                continue
            # Truancy counts unexcused dates, whatever the definition counts.
            if any(c == "unexcused" and f > 0 for _, c, f in rows):
                unit.unexcused_absences += 1
            tardy = [f for _, c, f in rows if c == "tardy"]
            if tardy:
                unit.tardies += 1
                unit.tardy += max(tardy)
            early = [f for _, c, f in rows if c == "early_departure"]
            if early:
                unit.early_departures += 1
                unit.early += max(early)
            school, category, fraction = min(
                rows, key=lambda r: (-self._counted(r[1], r[2]), -r[2], r[0])
            )
            counted = self._counted(category, fraction)
            unit.absent += counted
            if category == "excused":
                unit.excused += counted
            elif category == "unexcused":
                unit.unexcused += counted
            elif category == "suspension":
                unit.suspended += counted

    def student_rows(self, per: str = "school", as_of: dt.date | None = None) -> list[dict]:
        units: dict[tuple, _Unit] = {}
        for stay in self.stays(as_of):
            if not stay.dates:
                continue  # no membership day (as of D): this stay gives nothing
            school = self.school(stay.school_id)
            key: tuple = (stay.school_year, stay.student_id, school["state"])
            if per in ("school", "district"):
                key += (school["district_id"],)
            if per == "school":
                key += (stay.school_id,)
            unit = units.get(key)
            if unit is None:
                unit = units[key] = _Unit(
                    stay.school_year,
                    school["state"],
                    school["district_id"],
                    stay.school_id,
                    stay.student_id,
                    stay.grade_level,
                    stay.entry_date,
                )
            # The row's school and grade (and district, per state) are the latest stay's.
            # Two schools entered the same day (a part-day program): the last school id.
            if (stay.entry_date, stay.school_id) >= (unit.latest_entry, unit.school_id):
                unit.latest_entry = stay.entry_date
                unit.school_id = stay.school_id
                unit.district_id = school["district_id"]
                unit.grade_level = stay.grade_level
            self._add_dates(unit, stay)
        for unit in units.values():
            unit.days_enrolled = len(unit.dates)
            self._add_absences(unit)
        rows = [self._classify(u, per) for u in units.values()]
        rows.sort(
            key=lambda r: (
                r["school_year"],
                r.get("state", ""),
                r["district_id"],
                r["school_id"],
                r["student_id"],
            )
        )
        return rows

    def _classify(self, unit: _Unit, per: str) -> dict:
        d = self.definition
        rate = unit.absent / unit.days_enrolled
        eligible = unit.days_enrolled >= d.minimum_days_enrolled
        if d.threshold_share is not None:
            over = unit.absent >= d.threshold_share * unit.days_enrolled
        else:
            over = unit.absent >= d.threshold_days
        year = unit.school_year
        row: dict[str, Any] = {
            "school_year": year,
            "school_year_label": f"{year - 1}-{year % 100:02d}",
            "district_id": unit.district_id,
            "school_id": unit.school_id,
            "school_name": _cell(self.schools[unit.school_id], "school_name"),
            "student_id": unit.student_id,
            "grade_level": unit.grade_level,
            "days_enrolled": unit.days_enrolled,
            "days_absent": unit.absent,
            "days_excused": unit.excused,
            "days_unexcused": unit.unexcused,
            "days_suspended": unit.suspended,
            "absence_rate": rate,
            "eligible": eligible,
            "chronically_absent": eligible and over,
            "tier": band(rate, TIERS, d.tier_cuts) if eligible else None,
            "unexcused_absences": unit.unexcused_absences,
            "truant": unit.unexcused_absences >= d.truancy_threshold,
            "tardies": unit.tardies,
            "tardy_days": unit.tardy,
            "early_departures": unit.early_departures,
            "early_departure_days": unit.early,
        }
        if per == "state":
            row["state"] = unit.state
        return row

    # -- aggregates -----------------------------------------------------------------------
    def group_value(self, row: Mapping[str, Any], column: str) -> Any:
        if column in row:
            return row[column]
        for student in self.students:
            if _cell(student, "student_id") != row["student_id"]:
                continue
            year = _cell(student, "school_year")
            if year and int(year) != row["school_year"]:
                continue
            value = _cell(student, column)
            if column in FLAGS:
                return _bool(value) if value else None
            return value or None
        return None

    def aggregates(
        self, level: str, by: Sequence[str] = (), as_of: dt.date | None = None
    ) -> list[dict]:
        rows = self.student_rows(per=level, as_of=as_of)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            unit = tuple(row[k] for k in LEVEL_KEYS[level])
            groups[(row["school_year"], *unit, *(self.group_value(row, c) for c in by))].append(row)
        keys = ("school_year", *LEVEL_KEYS[level], *by)
        out = {}
        for key, members in groups.items():
            eligible = [r for r in members if r["eligible"]]
            chronic = sum(1 for r in eligible if r["chronically_absent"])
            enrolled = sum(r["days_enrolled"] for r in members)
            absent = sum((r["days_absent"] for r in members), Fraction(0))
            share = Fraction(chronic, len(eligible)) if eligible else None
            out[key] = {
                **dict(zip(keys, key, strict=True)),
                "students_enrolled": len(members),
                "students_eligible": len(eligible),
                "chronically_absent_count": chronic,
                "chronic_absence_rate": share,
                **{f"{t}_count": sum(1 for r in eligible if r["tier"] == t) for t in TIERS},
                "ada": (enrolled - absent) / enrolled,
                "level": band(share, LEVELS, self.definition.level_cuts)
                if share is not None
                else None,
            }
        for key, row in out.items():
            prior = out.get((key[0] - 1, *key[1:]))
            prior_rate = prior["chronic_absence_rate"] if prior else None
            row["prior_chronic_absence_rate"] = prior_rate
            row["chronic_absence_rate_change"] = (
                row["chronic_absence_rate"] - prior_rate
                if prior_rate is not None and row["chronic_absence_rate"] is not None
                else None
            )
        return [out[k] for k in sorted(out, key=_sort_key)]


def band(rate: Fraction, names: Sequence[str], cuts: Iterable[Fraction]) -> str:
    """names[0] below the first cut, names[i] from cut i-1 (exact comparison)."""
    name = names[0]
    for candidate, cut in zip(names[1:], cuts, strict=True):
        if rate >= cut:
            name = candidate
    return name


def _sort_key(key: tuple) -> tuple:
    # None sorts first, like a missing group; mixed types compare by their text.
    return tuple((v is not None, str(v)) for v in key)


def student_rows(
    data: Dataset, definition: Definition, per: str = "school", as_of: dt.date | None = None
) -> list[dict]:
    return Reference(data, definition).student_rows(per=per, as_of=as_of)


def aggregates(
    data: Dataset,
    definition: Definition,
    level: str,
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
) -> list[dict]:
    return Reference(data, definition).aggregates(level, by=by, as_of=as_of)
