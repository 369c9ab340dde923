"""Students (who they are) and enrollments (where they are, when), over school years.

Everything is a numpy array over students or stays; the only Python loops run over school
years, groups or grades, never over students.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from homeroom.synth import names
from homeroom.synth.calendars import CalendarSet
from homeroom.synth.geography import Geography, calendar_index

# Grade codes: -1 PK, 0 KG, 1..12. PK programmes enrol about half a grade.
GRADES = np.arange(-1, 13)
GRADE_LABELS = ("PK", "KG", *(f"{g:02d}" for g in range(1, 13)))
GRADE_WEIGHT = np.array([0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95, 0.9])
RACE = ("aian", "asian", "black", "hispanic", "nhpi", "white", "two")  # schema order
AIAN, ASIAN, BLACK, HISPANIC, NHPI, WHITE, TWO = range(7)

# Shares by race (schema order). Economically disadvantaged: NCES free/reduced-price lunch
# eligibility by race; English learners: NCES EL shares by race; disabilities: IDEA by race.
ED_BY_RACE = np.array([0.65, 0.28, 0.68, 0.66, 0.55, 0.29, 0.45])
EL_BY_RACE = np.array([0.05, 0.17, 0.03, 0.28, 0.12, 0.012, 0.02])
SWD_BY_RACE = np.array([0.19, 0.08, 0.175, 0.145, 0.12, 0.15, 0.16])
SEX_SHARES = np.array([0.487, 0.510, 0.003])  # F, M, X

LANGUAGES = (
    "en", "es", "zh", "vi", "ko", "tl", "hi", "pa", "ur", "ja", "ar", "ru", "uk", "pl", "fr",
    "pt", "so", "ht", "am", "nv", "sm", "to", "ch", "mh",
)  # fmt: skip
_L = {code: i for i, code in enumerate(LANGUAGES)}
# Home language among English learners, by race.
EL_LANGUAGE = {
    AIAN: {"nv": 0.6, "en": 0.2, "es": 0.2},
    ASIAN: {"zh": 0.28, "vi": 0.22, "ko": 0.1, "tl": 0.1, "hi": 0.08, "pa": 0.07, "ur": 0.06,
            "ja": 0.04, "ar": 0.05},
    BLACK: {"so": 0.3, "fr": 0.25, "ht": 0.25, "am": 0.15, "ar": 0.05},
    HISPANIC: {"es": 0.96, "pt": 0.04},
    NHPI: {"sm": 0.4, "to": 0.3, "ch": 0.15, "mh": 0.15},
    WHITE: {"ar": 0.35, "ru": 0.2, "uk": 0.15, "pl": 0.1, "fr": 0.1, "pt": 0.1},
    TWO: {"es": 0.6, "zh": 0.1, "vi": 0.1, "ar": 0.1, "fr": 0.1},
}  # fmt: skip
# Share of students who are not English learners but speak another language at home.
OTHER_LANGUAGE_SHARE = np.array([0.08, 0.35, 0.04, 0.40, 0.20, 0.03, 0.10])

SUMMER_LEAVE = 0.06  # students who leave the district between school years
MOVE_SHARE = 0.11  # students who change school during the year
CROSS_DISTRICT_MOVES = 0.3  # of moves, in state mode
LATE_ENTRY = 0.03
EARLY_WITHDRAW = 0.025


def grade_level_of(grade: np.ndarray) -> np.ndarray:
    return np.where(grade <= 5, 0, np.where(grade <= 8, 1, 2))


@dataclass
class Students:
    """Per-student attributes, index = student number (id S + number, from 1)."""

    n: int = 0
    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def append(self, new: dict[str, np.ndarray]) -> np.ndarray:
        count = len(next(iter(new.values())))
        if not self.cols:
            self.cols = {k: v.copy() for k, v in new.items()}
        else:
            self.cols = {k: np.concatenate([self.cols[k], new[k]]) for k in self.cols}
        idx = np.arange(self.n, self.n + count)
        self.n += count
        return idx

    def __getitem__(self, key: str) -> np.ndarray:
        return self.cols[key]


@dataclass
class Stays:
    """One row per stay, for every school year."""

    student: np.ndarray
    school: np.ndarray
    year: np.ndarray  # year index 0..years-1
    grade: np.ndarray
    calendar: np.ndarray  # calendar index
    entry: np.ndarray  # instructional-day index in its calendar
    exit: np.ndarray  # inclusive
    to_end: np.ndarray  # bool: no exit_date

    def __len__(self) -> int:
        return len(self.student)


def _choice_by_group(
    rng: np.random.Generator, group: np.ndarray, table: dict[int, dict[str, float]]
) -> np.ndarray:
    out = np.zeros(len(group), dtype=np.int16)
    for g, dist in table.items():
        idx = np.flatnonzero(group == g)
        codes = np.array([_L[c] for c in dist], dtype=np.int16)
        p = np.array(list(dist.values()))
        out[idx] = codes[rng.choice(len(codes), len(idx), p=p / p.sum())]
    return out


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of an (n, k) probability table, k small passes over n."""
    u = rng.random(len(probs))
    acc = np.zeros(len(probs))
    out = np.zeros(len(probs), dtype=np.int8)
    for j in range(probs.shape[1] - 1):
        acc += probs[:, j]
        out += u >= acc
    return out


def new_students(
    rng: np.random.Generator,
    geo: Geography,
    grade: np.ndarray,
    school_year: int,
    district: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Attributes of students first enrolled in the given grades of a school year."""
    n = len(grade)
    if district is None:
        district = rng.choice(len(geo.district_share), n, p=geo.district_share)
    elem = geo.pick(0, district, rng.random(n))
    mid = geo.feeder[elem]
    race = _categorical(rng, geo.race_mix[elem])
    sex = rng.choice(3, n, p=SEX_SHARES).astype(np.int8)
    ed = rng.random(n) < ED_BY_RACE[race]
    # English learners are most common in the early grades (reclassified as they progress).
    el_grade = np.select([grade <= 2, grade <= 5, grade <= 8], [1.45, 1.15, 0.75], 0.6)
    el = rng.random(n) < EL_BY_RACE[race] * el_grade
    sex_swd = np.array([0.68, 1.3, 1.0])[sex]
    swd = rng.random(n) < SWD_BY_RACE[race] * sex_swd * np.where(ed, 1.12, 0.9)
    s504 = ~swd & (rng.random(n) < 0.034)
    homeless = rng.random(n) < np.where(ed, 0.05, 0.003)
    foster = rng.random(n) < np.where(ed, 0.0095, 0.0012)
    migrant = rng.random(n) < np.where((race == HISPANIC) & ed, 0.028, 0.0008)
    military = rng.random(n) < np.where(ed, 0.014, 0.025)

    lang = _choice_by_group(rng, race, EL_LANGUAGE)
    other = ~el & (rng.random(n) < OTHER_LANGUAGE_SHARE[race])
    lang = np.where(el | other, lang, _L["en"]).astype(np.int16)

    birth, first, last = _birth_and_names(rng, grade, school_year, sex, race)

    z_absence = rng.standard_normal(n)  # the persistent part of absence propensity
    z_tardy = 0.5 * z_absence + np.sqrt(0.75) * rng.standard_normal(n)
    return {
        "district": district.astype(np.int32),
        "home0": elem.astype(np.int32),
        "home1": mid.astype(np.int32),
        "home2": geo.feeder[mid].astype(np.int32),
        "race": race,
        "sex": sex,
        "economically_disadvantaged": ed,
        "english_learner": el,
        "students_with_disabilities": swd,
        "section_504": s504,
        "homeless": homeless,
        "foster_care": foster,
        "migrant": migrant,
        "military_connected": military,
        "home_language": lang,
        "birth_date": birth,
        "first_name": first.astype(np.int16),
        "last_name": last,
        "z_absence": z_absence,
        "z_tardy": z_tardy,
    }


def _birth_and_names(
    rng: np.random.Generator, grade: np.ndarray, school_year: int, sex: np.ndarray, race: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Birth dates, first names (index into FIRST_NAMES) and last names of new students."""
    n = len(grade)
    # Born in the year that makes them 5 by September 1 of kindergarten; 3% a year older.
    kg_fall = school_year - 1 - grade.astype(np.int64)
    birth_year = kg_fall - 6 + (rng.random(n) < 0.97)
    sept2 = (np.array(birth_year - 1970, dtype="datetime64[Y]").astype("datetime64[D]")) + 244
    birth = sept2 - 365 + rng.integers(0, 365, n)

    first = np.where(
        sex == 0,
        rng.integers(0, len(names.FIRST_NAMES_F), n),
        rng.integers(0, len(names.FIRST_NAMES_M), n) + len(names.FIRST_NAMES_F),
    )
    first = np.where(
        sex == 2, rng.integers(0, len(names.FIRST_NAMES_F) + len(names.FIRST_NAMES_M), n), first
    )
    last = _last_names(rng, race)

    return birth, first, last


LAST_NAME_LISTS = (
    names.LAST_NAMES_GENERAL,
    names.LAST_NAMES_HISPANIC,
    names.LAST_NAMES_ASIAN,
    names.LAST_NAMES_NATIVE,
    names.LAST_NAMES_PACIFIC,
)
LAST_NAMES = tuple(name for lst in LAST_NAME_LISTS for name in lst)
FIRST_NAMES = names.FIRST_NAMES_F + names.FIRST_NAMES_M


def _last_names(rng: np.random.Generator, race: np.ndarray) -> np.ndarray:
    starts = np.cumsum([0, *(len(x) for x in LAST_NAME_LISTS)])[:-1]
    sizes = np.array([len(x) for x in LAST_NAME_LISTS])
    # Which list: a group's own list for most, the general list otherwise.
    own = np.array([3, 2, 0, 1, 4, 0, 0])[race]
    keep = rng.random(len(race)) < np.array([0.4, 0.8, 1.0, 0.85, 0.5, 1.0, 1.0])[race]
    lst = np.where(keep, own, 0)
    return (starts[lst] + (rng.random(len(race)) * sizes[lst]).astype(np.int64)).astype(np.int16)


def mobility(students: Students, idx: np.ndarray) -> np.ndarray:
    """Relative chance to move: higher for poor, homeless, foster, migrant, military families."""
    s = students
    return (
        1.0
        + 0.6 * s["economically_disadvantaged"][idx]
        + 2.0 * s["homeless"][idx]
        + 2.0 * s["foster_care"][idx]
        + 1.5 * s["migrant"][idx]
        + 0.8 * s["military_connected"][idx]
    )


def _per_grade(target: int) -> np.ndarray:
    """target students over the grades by GRADE_WEIGHT (largest remainder, sums exactly)."""
    share = target * GRADE_WEIGHT / GRADE_WEIGHT.sum()
    counts = np.floor(share).astype(np.int64)
    extra = np.argsort(-(share - counts), kind="stable")[: target - counts.sum()]
    counts[extra] += 1
    return counts


def simulate(
    rng: np.random.Generator,
    geo: Geography,
    calendars: CalendarSet,
    school_years: list[int],
    target: int,
) -> tuple[Students, Stays]:
    """Students and their stays, year after year: promotion, leavers, newcomers, moves."""
    students = Students()
    per_grade = _per_grade(target)
    grade = np.zeros(0, dtype=np.int8)  # per student: grade this year
    active = np.zeros(0, dtype=bool)
    parts: list[Stays] = []
    for yi, year in enumerate(school_years):
        if yi == 0:
            grades = np.repeat(GRADES, per_grade).astype(np.int8)
            students.append(new_students(rng, geo, grades, year))
            grade, active = grades.copy(), np.ones(len(grades), dtype=bool)
        else:
            stay = active & (grade < 12)
            prob_leave = SUMMER_LEAVE * mobility(students, np.arange(students.n)) / 1.5
            stay &= rng.random(students.n) >= prob_leave
            grade = np.where(stay, grade + 1, grade).astype(np.int8)
            counts = np.bincount(grade[stay] + 1, minlength=len(GRADES))
            need = np.maximum(per_grade - counts, 0)
            # A few extra newcomers so that a school's roster is never only the old cohort.
            need = need + rng.binomial(np.maximum(per_grade // 40, 0), 0.5)
            grades = np.repeat(GRADES, need).astype(np.int8)
            students.append(new_students(rng, geo, grades, year))
            grade = np.concatenate([grade, grades])
            active = np.concatenate([stay, np.ones(len(grades), dtype=bool)])
        idx = np.flatnonzero(active)
        year_stays, withdrawn = _year_stays(rng, geo, calendars, students, idx, grade[idx], yi)
        active[idx[withdrawn]] = False  # withdrawn students leave the district for good
        parts.append(year_stays)
    stays = Stays(*(np.concatenate([getattr(p, f) for p in parts]) for f in Stays.__annotations__))
    return students, stays


def _year_stays(
    rng: np.random.Generator,
    geo: Geography,
    calendars: CalendarSet,
    students: Students,
    idx: np.ndarray,
    grade: np.ndarray,
    yi: int,
) -> tuple[Stays, np.ndarray]:
    years = len(calendars.calendars) // (2 * len(geo.district_ids))
    n = len(idx)
    level = grade_level_of(grade)
    homes = np.stack([students["home0"][idx], students["home1"][idx], students["home2"][idx]])
    school = homes[level, np.arange(n)]
    cal = calendar_index(geo, school, yi, years)
    ndays = calendars.count[cal]

    mob = mobility(students, idx)
    mob = mob / max(mob.mean(), 1e-9)
    entry = np.zeros(n, dtype=np.int64)
    late = rng.random(n) < LATE_ENTRY
    entry[late] = rng.integers(5, ndays[late] - 40)
    exit_ = ndays - 1
    withdraw = rng.random(n) < EARLY_WITHDRAW * mob
    span = ndays[withdraw] - entry[withdraw] - 15
    exit_[withdraw] = entry[withdraw] + 10 + (rng.random(withdraw.sum()) * span).astype(np.int64)

    m, dest, dest_cal, dest_entry, move_day, new_district = _moves(
        rng, geo, calendars, students, idx, level, school, cal, entry, withdraw, mob, yi
    )
    exit_[m] = move_day  # the last day at the origin school, inclusive
    _rehome(geo, students, idx[m], level[m], dest, new_district)

    to_end = ~withdraw
    to_end[m] = False
    year = np.full(n + len(m), yi, dtype=np.int16)
    stays = Stays(
        student=np.concatenate([idx, idx[m]]),
        school=np.concatenate([school, dest]).astype(np.int32),
        year=year,
        grade=np.concatenate([grade, grade[m]]).astype(np.int8),
        calendar=np.concatenate([cal, dest_cal]).astype(np.int32),
        entry=np.concatenate([entry, dest_entry]),
        exit=np.concatenate([exit_, calendars.count[dest_cal] - 1]),
        to_end=np.concatenate([to_end, np.ones(len(m), dtype=bool)]),
    )
    return stays, withdraw


def _moves(
    rng: np.random.Generator,
    geo: Geography,
    calendars: CalendarSet,
    students: Students,
    idx: np.ndarray,
    level: np.ndarray,
    school: np.ndarray,
    cal: np.ndarray,
    entry: np.ndarray,
    withdraw: np.ndarray,
    mob: np.ndarray,
    yi: int,
) -> tuple[np.ndarray, ...]:
    """Mid-year moves: leave A after day d (inclusive), enter B on its next school day."""
    n = len(idx)
    years = len(calendars.calendars) // (2 * len(geo.district_ids))
    district = students["district"][idx]
    same_count = np.choose(level, [geo.level_count[lv][district] for lv in range(3)])
    state_mode = len(geo.district_ids) > 1
    can_move = ~withdraw & ((same_count > 1) | state_mode)
    mover = can_move & (rng.random(n) < MOVE_SHARE * mob / max(can_move.mean(), 1e-9))
    m = np.flatnonzero(mover)
    new_district = district[m].copy()
    if state_mode:
        cross = (same_count[m] == 1) | (rng.random(len(m)) < CROSS_DISTRICT_MOVES)
        other = rng.choice(len(geo.district_share), cross.sum(), p=geo.district_share)
        here = new_district[cross]
        new_district[cross] = np.where(other == here, (other + 1) % len(geo.district_ids), other)
    dest = np.empty(len(m), dtype=np.int64)
    for lv in range(3):
        sel = level[m] == lv
        picked = geo.pick(lv, new_district[sel], rng.random(sel.sum()))
        clash = picked == school[m][sel]
        picked[clash] = geo.other(lv, picked[clash])
        dest[sel] = picked
    ndays = calendars.count[cal[m]]
    move_day = entry[m] + 5 + (rng.random(len(m)) * (ndays - entry[m] - 20)).astype(np.int64)
    leave_date = calendars.days[calendars.offset[cal[m]] + move_day]
    dest_cal = calendar_index(geo, dest, yi, years)
    dest_entry = calendars.next_day_after(dest_cal, leave_date)
    ok = dest_entry < calendars.count[dest_cal] - 1  # B's year must not be over already
    return m[ok], dest[ok], dest_cal[ok], dest_entry[ok], move_day[ok], new_district[ok]


def _rehome(
    geo: Geography,
    students: Students,
    who: np.ndarray,
    level: np.ndarray,
    dest: np.ndarray,
    district: np.ndarray,
) -> None:
    """The new school becomes home; the later levels follow its feeder pattern."""
    h0, h1, h2 = (students[k][who] for k in ("home0", "home1", "home2"))
    h0 = np.where(level == 0, dest, h0)
    h1 = np.where(level == 0, geo.feeder[dest], np.where(level == 1, dest, h1))
    h2 = np.where(level == 2, dest, np.where(level <= 1, geo.feeder[h1], h2))
    students["home0"][who], students["home1"][who], students["home2"][who] = h0, h1, h2
    students["district"][who] = district
