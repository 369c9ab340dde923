"""A hand-made school for the letters' tests: one school, 20 school days, six children.

Grade 03 at S1 (20 membership days each, 1-26 September 2024):

| student | first name | absent days | tier | contact (language, may contact) | home language |
| --- | --- | --- | --- | --- | --- |
| A1 | Ana | 4½ (4 full, 1 half) | severe_chronic (22.5%) | Rosa Diaz (es, yes) | es |
| B2 | Ben | 1 | at_risk (5%) | Bea Lee (none, yes) | en |
| C3 | Chloé | 3 | moderate_chronic (15%) | Claire Roy (fr, yes) | fr |
| D4 | Dee | 0 | satisfactory | Dan Poe (en, NO) | en |
| E5 | Eli | 2 | moderate_chronic (10%) | none | en |

Grade 04: F6 Fay, 0 days absent, satisfactory, contact Fred Fox (no language; home es); a
late arrival on the last day makes it the latest day with attendance recorded (the as-of date).
The classmates' median in grade 03 is the median of 4½, 1, 3, 0, 2: 2 days.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

FIRST_DAY = dt.date(2024, 9, 2)
SCHOOL_PHONE = "(555) 010-0199"
AS_OF = dt.date(2024, 9, 27)  # the 20th school day


def school_days() -> list[dt.date]:
    days, day = [], FIRST_DAY
    while len(days) < 20:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _write(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)


STUDENTS = [  # id, first name, home language, grade, absences (date index, fraction)
    ("A1", "Ana", "es", "03", [(0, 1), (1, 1), (2, 1), (3, 1), (4, 0.5)]),
    ("B2", "Ben", "en", "03", [(5, 1)]),
    ("C3", "Chloé", "fr", "03", [(0, 1), (6, 1), (7, 1)]),
    ("D4", "Dee", "en", "03", []),
    ("E5", "Eli", "en", "03", [(8, 1), (9, 1)]),
    ("F6", "Fay", "es", "04", []),
]
CONTACTS = [  # student, contact, name, language, may_contact, email
    ("A1", "G1", "Rosa Diaz", "es", "yes", "rosa@example.org"),
    ("B2", "G2", "Bea Lee", "", "yes", ""),
    ("C3", "G3", "Claire Roy", "fr", "yes", ""),
    ("D4", "G4", "Dan Poe", "en", "no", ""),
    ("F6", "G6", "Fred Fox", "", "", ""),
]


def write_families(folder: Path) -> Path:
    """The dataset's CSV files in FOLDER (made)."""
    folder.mkdir(parents=True, exist_ok=True)
    days = school_days()
    _write(folder, "schools", ["school_id", "school_name", "district_id", "district_name"],
           [["S1", "Lincoln Elementary", "D1", "Springfield Schools"]])  # fmt: skip
    _write(folder, "students", ["student_id", "first_name", "last_name", "home_language"],
           [[s, first, "Doe", lang] for s, first, lang, _, _ in STUDENTS])  # fmt: skip
    _write(folder, "enrollments",
           ["student_id", "school_id", "school_year", "grade_level", "entry_date", "exit_date"],
           [[s, "S1", 2025, grade, days[0], ""] for s, _, _, grade, _ in STUDENTS])  # fmt: skip
    _write(folder, "calendar", ["calendar_id", "school_year", "date", "instructional"],
           [["S1", 2025, d, "true"] for d in days])  # fmt: skip
    _write(folder, "attendance",
           ["student_id", "school_id", "date", "category", "absent_fraction"],
           [[s, "S1", days[i], "excused", f] for s, _, _, _, gone in STUDENTS
            for i, f in gone] + [["F6", "S1", days[-1], "tardy", ""]])  # fmt: skip
    _write(folder, "contacts",
           ["student_id", "contact_id", "name", "language", "may_contact", "email",
            "address_line1", "city", "state", "postal_code", "is_primary"],
           [[s, c, n, lang, may, mail, "12 Elm Street", "Springfield", "IL", "62701", "yes"]
            for s, c, n, lang, may, mail in CONTACTS])  # fmt: skip
    return folder


def family_workspace(root: Path, *, phone: str | None = SCHOOL_PHONE) -> Path:
    """A workspace at ROOT with the families loaded and, if given, the school's phone set in
    homeroom.toml ([outreach.schools.S1])."""
    from homeroom.warehouse import init_workspace, load_dataset

    data = write_families(root / "data")
    space = init_workspace(root / "space")
    load_dataset(space, data)
    if phone is not None:
        with space.config_path.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[outreach.schools.S1]\nphone = "{phone}"\n')
    return space.root
