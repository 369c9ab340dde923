"""A hand-made district for the web data tests; every number below is worked out by hand.

Two schools, S1 and S2, each with its own calendar listing weekdays only:
- 2023-24: 80 weekdays from Monday 4 September 2023 to Friday 22 December 2023
  (September 20 days, October 22, November 22, December 16);
- 2024-25: 80 weekdays from Monday 2 September 2024 to Friday 20 December 2024
  (September 21, October 23, November 21, December 15).
The attendance runs to Friday 15 November 2024 (A06's tardy that day): the data's latest date.
Weekdays from 2 September to 15 November 2024: 21 + 23 + 11 = 55.

2024-25, all grade 05 except A06 (grade 06); the definition (`web.toml`) is `default` with
groups under 3 suppressed. As of 2024-11-15 (district rows):

| student | name | stays | absences | days | rate | tier |
| A01 | Ana Garcia | S1 all year | U Sep 2, U Sep 3, E half Sep 10 | 2.5/55 | 4.5% | satisfactory |
| A02 | Ben Lee | S1 | U Oct 14, 15, 16 | 3/55 | 5.45% | at_risk |
| A03 | Cara Diaz | S1 | U Sep 5, 6, Oct 7 | 3/55 | 5.45% | at_risk |
| A04 | Dev Patel | S1 from Oct 1 | U Oct 2, 3, 4 | 3/34 | 8.8% | at_risk |
| A05 | Eve Stone | S1 from Sep 23 | U Sep 24, Oct 8, 9, 10 | 4/40 | 10% | moderate_chronic |
| A06 | Fay Young | S1 | tardy Nov 15 | 0/55 | 0% | satisfactory |
| M01 | Mo Khan | S1 to Oct 31, then S2 | S1: U Sep 16-18; S2: U Nov 4 | 4/55 | 7.3% | at_risk |
| B01 | Gia Hale | S2 | U Nov 1, 4, 5, 6, 7, 8 | 6/55 | 10.9% | moderate_chronic |
| B02 | Hal Irwin | S2 | none | 0/55 | 0% | satisfactory |
| B03 | Ida Moss | S2 | E Sep 3 | 1/55 | 1.8% | satisfactory |

Sex: F = A01, A03, A05, B01, B03; M = the rest. Homeless: A01 and A02. Race: A01-A05
hispanic_latino, A06, M01, B01 white, B02 and B03 asian.

2023-24: A01, A02, A03 at S1 and B01 at S2 (grade 04) all year; A02 absent (U) 2-11 October
2023 (8 weekdays): 8/80 = 10% at the year's end, 8/53 = 15.1% on 15 November 2023.

One bad row: an absence of A04 on 10 September 2024, before A04's stay, is quarantined.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from datasets import Builder, write_dataset

YEAR, PRIOR = 2025, 2024
START = dt.date(2024, 9, 2)
PRIOR_START = dt.date(2023, 9, 4)
LATEST = dt.date(2024, 11, 15)
DEFINITION = (
    'extends = "default"\n\n[definition]\nname = "web"\n\n[reporting]\nminimum_group_size = 3\n'
)

NAMES = {
    "A01": ("Ana", "Garcia"),
    "A02": ("Ben", "Lee"),
    "A03": ("Cara", "Diaz"),
    "A04": ("Dev", "Patel"),
    "A05": ("Eve", "Stone"),
    "A06": ("Fay", "Young"),
    "M01": ("Mo", "Khan"),
    "B01": ("Gia", "Hale"),
    "B02": ("Hal", "Irwin"),
    "B03": ("Ida", "Moss"),
}
FEMALE = {"A01", "A03", "A05", "B01", "B03"}
HOMELESS = {"A01", "A02"}
RACE = {
    **dict.fromkeys(["A01", "A02", "A03", "A04", "A05"], "hispanic_latino"),
    **dict.fromkeys(["A06", "M01", "B01"], "white"),
    **dict.fromkeys(["B02", "B03"], "asian"),
}


def weekdays(start: dt.date, count: int = 80) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def d(month: int, day: int, year: int = 2024) -> dt.date:
    return dt.date(year, month, day)


def district(*, recoded: bool = False) -> Builder:
    """The district; `recoded`: the same data with two absences re-coded (a later extract)."""
    b = Builder()
    b.school("S1")
    b.school("S2")
    for calendar in ("S1", "S2"):
        for year, start in ((PRIOR, PRIOR_START), (YEAR, START)):
            for day in weekdays(start):
                b.add(
                    "calendar",
                    calendar_id=calendar,
                    school_year=year,
                    date=day,
                    instructional="true",
                )
    for student, (first, last) in NAMES.items():
        b.student(
            student,
            first_name=first,
            last_name=last,
            sex="F" if student in FEMALE else "M",
            race_ethnicity=RACE[student],
            homeless="true" if student in HOMELESS else "false",
        )
    # 2024-25
    for student in ("A01", "A02", "A03"):
        b.stay(student, "S1", YEAR, START)
    b.stay("A04", "S1", YEAR, d(10, 1))
    b.stay("A05", "S1", YEAR, d(9, 23))
    b.stay("A06", "S1", YEAR, START, grade="06")
    b.stay("M01", "S1", YEAR, START, d(10, 31))
    b.stay("M01", "S2", YEAR, d(11, 1))
    for student in ("B01", "B02", "B03"):
        b.stay(student, "S2", YEAR, START)
    first = "excused" if recoded else "unexcused"
    b.absent("A01", "S1", d(9, 2), first)
    b.absent("A01", "S1", d(9, 3), "unexcused")
    b.absent("A01", "S1", d(9, 10), "excused", fraction="0.5")
    for day in (d(10, 14), d(10, 15), d(10, 16)):
        b.absent("A02", "S1", day, "unexcused")
    for day in (d(9, 5), d(9, 6), d(10, 7)):
        b.absent("A03", "S1", day, "unexcused")
    for day in (d(10, 2), d(10, 3), d(10, 4)):
        b.absent("A04", "S1", day, "unexcused")
    for day in (d(9, 24), d(10, 8), d(10, 9), d(10, 10)):
        b.absent("A05", "S1", day, "unexcused")
    b.absent("A06", "S1", LATEST, "tardy")
    for day in (d(9, 16), d(9, 17), d(9, 18)):
        b.absent("M01", "S1", day, "unexcused")
    b.absent("M01", "S2", d(11, 4), "unexcused")
    for day in (d(11, 1), d(11, 4), d(11, 5), d(11, 6), d(11, 7), d(11, 8)):
        b.absent("B01", "S2", day, "unexcused")
    b.absent("B03", "S2", d(9, 3), "unexcused" if recoded else "excused")
    b.absent("A04", "S1", d(9, 10), "unexcused")  # before A04's stay: quarantined
    # 2023-24
    for student in ("A01", "A02", "A03"):
        b.stay(student, "S1", PRIOR, PRIOR_START, grade="04")
    b.stay("B01", "S2", PRIOR, PRIOR_START, grade="04")
    for day in weekdays(d(10, 2, 2023), 8):
        b.absent("A02", "S1", day, "unexcused")
    return b


def make_workspace(root: Path, *, recoded_load: bool = False) -> Path:
    """A workspace with the district loaded (and, if asked, the re-coded extract after it)."""
    from homeroom.warehouse import init_workspace, load_dataset

    folder = root / "ws"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "web.toml").write_text(DEFINITION, encoding="utf-8")
    workspace = init_workspace(folder, name="Hand district", definition="web.toml")
    load_dataset(workspace, write_dataset(root / "data", district().data()))
    if recoded_load:
        load_dataset(workspace, write_dataset(root / "data2", district(recoded=True).data()))
    return folder
