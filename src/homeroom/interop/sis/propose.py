"""Propose a preset for an unknown SIS export: guess what each column is from its header and
its values, and write a commented preset TOML for the district to review.

A guess combines two clues: the header (a list of synonyms per canonical column) and the
values (dates and their format, short sets of codes, grade patterns, yes/no words, minutes,
fractions, identifiers). Agreement of both is high confidence; one clue alone is medium; a
header whose values contradict it is low and flagged. Nothing is written without review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from homeroom.contract.schema import CATEGORIES
from homeroom.interop.sis.preset import header_key
from homeroom.interop.sis.reading import SourceTable, read_source

SAMPLE_ROWS = 2_000
# Header synonyms per role, compared by header_key (lower case, letters and digits only).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "student_id": ("studentid", "studentnumber", "studentno", "stuid", "studid", "permid",
                   "localid", "sisid", "pupilid", "studentidnumber", "stunum", "id"),
    "school_id": ("schoolid", "schoolnumber", "schoolcode", "school", "schid", "schnum",
                  "buildingid", "building", "locationid", "location", "sc", "scl", "campus"),
    "date": ("date", "attdate", "attendancedate", "absencedate", "eventdate", "datevalue",
             "dateofabsence", "day", "calendardate"),
    "code": ("code", "attcode", "attendancecode", "absencecode", "abscode", "reasoncode",
             "attendancereason", "reason", "mark", "status"),
    "category": ("category", "attendancecategory", "absencecategory", "absencetype",
                 "attendancetype"),
    "minutes_absent": ("minutesabsent", "absentminutes", "minsabsent", "minutesmissed",
                       "minutes"),
    "absent_fraction": ("absentfraction", "fraction", "dayfraction", "portionofday",
                        "dayabsent", "absentamount"),
    "day_minutes": ("dayminutes", "instructionalminutes", "scheduledminutes", "minutesinday",
                    "studentdayminutes"),
    "period": ("period", "periodname", "periodid", "section", "sectionid", "class"),
    "periods_scheduled": ("periodsscheduled", "periodsperday", "scheduledperiods"),
    "grade_level": ("grade", "gradelevel", "gr", "grd", "gradecode"),
    "entry_date": ("entrydate", "startdate", "enterdate", "enrollmentdate", "enrolldate"),
    "exit_date": ("exitdate", "enddate", "leavedate", "withdrawdate", "withdrawaldate"),
    "school_year": ("schoolyear", "academicyear", "year", "sy", "yr", "yearid"),
    "birth_date": ("birthdate", "dob", "dateofbirth"),
    "sex": ("sex", "gender"),
    "race_ethnicity": ("race", "ethnicity", "raceethnicity", "federalrace", "fedrace"),
    "first_name": ("firstname", "fname", "givenname"),
    "last_name": ("lastname", "lname", "surname", "familyname"),
}  # fmt: skip
DATE_ROLES = ("date", "entry_date", "exit_date", "birth_date")
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%Y/%m/%d", "%m-%d-%Y",
                "%d.%m.%Y", "%Y%m%d")  # fmt: skip
_GRADES = {"pk", "tk", "k", "kg", "ps", "p3", "p4", *(str(g) for g in range(-2, 13)),
           *(f"{g:02d}" for g in range(0, 13))}  # fmt: skip
_BOOLEANS = {"y", "n", "yes", "no", "true", "false", "t", "f", "0", "1"}
# First guesses of a code's category, by common letters; every one is marked for review.
CODE_GUESSES = {
    "A": "unexcused", "U": "unexcused", "UA": "unexcused", "UN": "unexcused",
    "UNX": "unexcused", "TRU": "unexcused", "E": "excused", "EA": "excused", "EX": "excused",
    "EXC": "excused", "I": "excused", "ILL": "excused", "M": "excused", "MED": "excused",
    "S": "suspension", "OSS": "suspension", "SUS": "suspension", "ISS": "in_school_suspension",
    "T": "tardy", "TE": "tardy", "TU": "tardy", "L": "early_departure", "ED": "early_departure",
    "ER": "early_departure", "P": "present", "PR": "present", "R": "remote_present",
    "V": "remote_present", "VIR": "remote_present",
}  # fmt: skip


@dataclass
class ColumnGuess:
    header: str
    role: str  # "" = not placed
    confidence: str  # high, medium, low, none
    why: str
    samples: list[str]
    date_format: str = ""
    distinct: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    path: Path
    table: SourceTable
    columns: list[ColumnGuess]
    feeds: list[str]
    notes: list[str]

    @property
    def roles(self) -> dict[str, ColumnGuess]:
        return {c.role: c for c in self.columns if c.role}


def propose(path: Path) -> Proposal:
    table = read_source(path)[0]
    sample = table.rows.head(SAMPLE_ROWS)
    candidates: list[tuple[int, str, ColumnGuess]] = []
    guesses: list[ColumnGuess] = []
    for index, header in enumerate(table.headers):
        cells = sample[f"c{index}"].dropna().astype(str)
        guess = _guess(header, cells)
        guesses.append(guess)
        for score, role, why in _scores(header, cells, guess):
            proposed = ColumnGuess(
                header, role, "", why, guess.samples, guess.date_format, guess.distinct
            )
            candidates.append((score, role, proposed))
    # Each role goes to its best column; each column takes at most one role.
    taken_roles: set[str] = set()
    taken_headers: set[str] = set()
    placed: dict[str, ColumnGuess] = {}
    for score, role, guess in sorted(candidates, key=lambda c: -c[0]):
        if role in taken_roles or guess.header in taken_headers or score < 30:
            continue
        guess.confidence = "high" if score >= 80 else "medium" if score >= 50 else "low"
        placed[guess.header] = guess
        taken_roles.add(role)
        taken_headers.add(guess.header)
    columns = [placed.get(g.header, g) for g in guesses]
    roles = {c.role for c in columns if c.role}
    feeds = _feeds(roles)
    notes = []
    if "student_id" not in roles:
        notes.append("no column looks like a student id; the import needs one")
    if "attendance" in feeds and not roles & {"code", "category"}:
        notes.append("no column looks like an attendance code or category")
    if "enrollments" not in feeds and "attendance" in feeds:
        notes.append(
            "no entry dates: the import will take every student as enrolled at their school "
            "from the first to the last date of the file"
        )
    return Proposal(path, table, columns, feeds, notes)


def _guess(header: str, cells: pd.Series) -> ColumnGuess:
    distinct = list(dict.fromkeys(cells.tolist()))
    samples = distinct[:4]
    fmt = _date_format(cells) if len(cells) else ""
    return ColumnGuess(header, "", "none", "", samples, fmt, distinct[:40])


def _scores(header: str, cells: pd.Series, guess: ColumnGuess) -> list[tuple[int, str, str]]:
    key = header_key(header)
    scores: list[tuple[int, str, str]] = []
    kinds = _kinds(cells, guess)
    for role, words in SYNONYMS.items():
        named = key in words
        partial = not named and any(len(w) > 3 and w in key for w in words)
        if not (named or partial):
            continue
        fits = _fits(role, kinds)
        base = 70 if named else 45
        if fits is True:
            scores.append((base + 25, role, "header and values agree"))
        elif fits is False:
            scores.append((base - 35, role, "header fits, values do not: check"))
        else:
            scores.append((base, role, "header"))
    if not scores:  # no header clue: values alone
        for role, kind in (("date", "date"), ("grade_level", "grade"), ("code", "code"),
                           ("minutes_absent", "minutes")):  # fmt: skip
            if kind in kinds:
                scores.append((50 if kind == "date" else 35, role, f"values look like {kind}s"))
    return scores


def _kinds(cells: pd.Series, guess: ColumnGuess) -> set[str]:
    if cells.empty:
        return set()
    kinds = set()
    if guess.date_format:
        kinds.add("date")
    lower = {c.strip().lower() for c in guess.distinct}
    if lower <= _GRADES and len(lower) <= 16:
        kinds.add("grade")
    if lower <= _BOOLEANS:
        kinds.add("boolean")
    numbers = pd.to_numeric(cells, errors="coerce")
    if numbers.notna().all():
        if ((numbers >= 0) & (numbers <= 1440) & (numbers == numbers.round())).all():
            kinds.add("minutes")
        if ((numbers >= 0) & (numbers <= 1)).all():
            kinds.add("fraction")
    few = len(guess.distinct) <= 30 and cells.str.len().max() <= 8
    if few and (len(guess.distinct) <= 10 or len(cells) >= 2 * len(guess.distinct)):
        kinds.add("code")
    if len(guess.distinct) >= max(2, len(cells) // 20) and cells.str.len().max() <= 20:
        kinds.add("id")
    return kinds


def _fits(role: str, kinds: set[str]) -> bool | None:
    if not kinds:
        return None
    wanted = {
        **{r: "date" for r in DATE_ROLES},
        "grade_level": "grade",
        "minutes_absent": "minutes",
        "day_minutes": "minutes",
        "absent_fraction": "fraction",
        "code": "code",
        "student_id": "id",
    }.get(role)
    if wanted is None:
        return None
    return wanted in kinds


def _date_format(cells: pd.Series) -> str:
    """The first format every sampled value reads in (US month/day first on a tie)."""
    values = cells.str.replace(r"[ T]\d{1,2}:\d{2}.*$", "", regex=True)
    for fmt in DATE_FORMATS:
        try:
            parsed = [dt.datetime.strptime(v, fmt) for v in values.head(200)]
        except ValueError:
            continue
        if all(1950 <= p.year <= 2100 for p in parsed):
            return fmt
    serials = pd.to_numeric(values, errors="coerce")
    if (
        serials.notna().all()
        and serials.between(21_916, 73_050).all()
        and values.str.fullmatch(r"\d{5}").all()
    ):
        return "excel serial"
    return ""


def _feeds(roles: set[str]) -> list[str]:
    feeds = []
    if roles & {"entry_date"}:
        feeds.append("enrollments")
    if roles & {"birth_date", "sex", "race_ethnicity", "first_name", "last_name"} and (
        "attendance" not in roles and "date" not in roles
    ):
        feeds.append("students")
    if "date" in roles and roles & {"code", "category", "minutes_absent", "absent_fraction"}:
        feeds.append("attendance")
    return feeds or ["attendance"]


# ------------------------------------------------------------------------------ the preset
def preset_toml(proposal: Proposal, name: str) -> str:
    """A commented preset for the district to review."""
    roles = proposal.roles
    formats = _date_formats(roles)
    lines = [
        f"# Preset written by `homeroom map {proposal.path.name}` on {dt.date.today()}.",
        "# REVIEW every line before importing: the column guesses, the date format and above all",
        "# the [codes] table (what each of your attendance codes means).",
        "# Then: homeroom import sis --preset THIS_FILE.toml EXPORT_FILE --out DATA_DIR",
        "",
        "[preset]",
        f"name = {_q(name)}",
        f"description = {_q(f'Exports like {proposal.path.name}')}",
        "",
        "[values]",
        f"date_formats = [{', '.join(_q(f) for f in (formats or ['%Y-%m-%d']))}]",
        "excel_serial_dates = true",
        'true = ["Y", "Yes", "1", "True"]',
        'false = ["N", "No", "0", "False"]',
        "# A date on or after this month-day belongs to the school year that ends next year.",
        'school_year_starts = "07-01"',
        "",
        "[enrollment]",
        '# "inclusive": the exit date is the last day enrolled; "exclusive": the first day not.',
        'exit_date = "inclusive"',
    ]
    if "enrollments" not in proposal.feeds and "grade_level" not in roles:
        lines += [
            "# The export has no grade column: every student is given this grade. Grade-level",
            "# figures will be wrong until you set it or add a grade column.",
            'default_grade = "01"',
        ]
    lines += [
        "",
        "[district]",
        'id = "district"',
        'name = "District"',
        "# day_minutes = 390  # a full school day's length, if the export gives minutes",
        "",
        "[grades]",
        '# Your grade codes -> PK, TK, KG, 01 ... 12 ("5" is read as 05 without an entry).',
        '"K" = "KG"',
        '"0" = "KG"',
        '"-1" = "PK"',
        "",
    ]
    lines += _codes_section(roles.get("code"))
    lines += [
        "",
        "[calendar]",
        "# No calendar file: weekdays from the first to the last date of the files.",
        'derive = "weekdays"',
        '# holidays = ["2024-11-28", "2024-11-29"]',
        "holidays = []",
    ]
    lines += _files_section(proposal)
    return "\n".join(lines) + "\n"


def _date_formats(roles: dict[str, ColumnGuess]) -> list[str]:
    """The date formats the date columns were read in, each once (serial numbers are not)."""
    formats: list[str] = []
    for role in DATE_ROLES:
        fmt = roles[role].date_format if role in roles else ""
        if fmt and fmt != "excel serial" and fmt not in formats:
            formats.append(fmt)
    return formats


def _files_section(proposal: Proposal) -> list[str]:
    """The [[files]] table: how to recognise the export and which column is which."""
    roles = proposal.roles
    lines = [
        "",
        "[[files]]",
        f"name = {_q(proposal.path.stem)}",
        f"feeds = [{', '.join(_q(f) for f in proposal.feeds)}]",
    ]
    signature = [
        roles[r].header for r in ("student_id", "date", "code", "category", "entry_date")
        if r in roles
    ] or [h for h in proposal.table.headers[:3]]  # fmt: skip
    lines.append(f"signature = [{', '.join(_q(h) for h in signature)}]")
    lines.append("[files.columns]")
    for guess in proposal.columns:
        if guess.role:
            lines.append(
                f"{guess.role} = {_q(guess.header)}  # {guess.confidence}: {guess.why}; "
                f"e.g. {', '.join(guess.samples[:3])}"
            )
    unplaced = [g.header for g in proposal.columns if not g.role]
    if unplaced:
        lines.append("# Not placed (left aside by the import): " + ", ".join(unplaced))
    return lines


def _codes_section(code: ColumnGuess | None) -> list[str]:
    lines = [
        "[codes]",
        f"# Your codes -> one of {', '.join(CATEGORIES)}.",
        '# A part-day code: H = { category = "excused", absent_fraction = 0.5 }',
    ]
    if code is None:
        return [*lines, '# "A" = "unexcused"']
    for value in code.distinct[:30]:
        guess = CODE_GUESSES.get(value.upper())
        if guess:
            lines.append(f"{_q(value)} = {_q(guess)}  # guessed from the letters: check")
        else:
            lines.append(
                f'# {_q(value)} = "?"  # unknown: say what it means, or rows are quarantined'
            )
    if len(code.distinct) > 30:
        lines.append("# (more codes in the file than shown; add them)")
    return lines


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'
