"""Attendance behaviour: who misses school, how often, on which days and why.

A student's daily absence probability for a stay is a product of a persistent heavy-tailed
latent propensity, grade, group and school factors. The number of absences per stay is
binomial on its instructional days; the dates follow the calendar's day weights (weekday,
month, holiday adjacency). Everything works on stays and absence rows, never on one row per
student-day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeroom.synth.calendars import CalendarSet
from homeroom.synth.population import Stays, Students

# The district's SIS codes: code, category, absent fraction (None: minutes or category default).
CODES: tuple[tuple[str, str, float | None], ...] = (
    ("A", "unexcused", 1.0),
    ("E", "excused", 1.0),
    ("U", "unexcused", 1.0),
    ("S", "suspension", 1.0),
    ("ISS", "in_school_suspension", 1.0),
    ("T", "tardy", None),
    ("ED", "early_departure", None),
    ("H", "excused", 0.5),
    ("FT", "present", 0.0),
    ("R", "remote_present", 0.0),
)
C_A, C_E, C_U, C_S, C_ISS, C_T, C_ED, C_H, C_FT, C_R = range(len(CODES))

# Relative absence by grade (PK, KG, 01..12): the U-shape of national chronic absence by
# grade (Attendance Works / Hopkins Everyone Graduates Center; EdFacts 2022-23).
GRADE_FACTOR = np.array(
    [1.45, 1.30, 1.05, 0.92, 0.84, 0.84, 0.86, 0.95, 1.02, 1.08, 1.15, 1.20, 1.38, 1.60]
)
# Relative absence by race (schema order), on top of poverty and disability: the residual
# gaps after the economic gap (EdFacts 2021-22 chronic absence by group).
RACE_FACTOR = np.array([1.38, 0.75, 1.22, 1.2, 1.55, 1.0, 1.15])
TARGET_MEAN_RATE = 0.085  # mean daily absence probability (half days make it ~8.2%)
LATENT_SIGMA = 0.9  # spread of the lognormal propensity: ~9% severe, ~26% chronic
PERSISTENCE = 0.85  # weight of the student's stable part in each year's propensity
P_MAX = 0.85
HALF_DAY_SHARE = 0.07  # of absences, recorded as half days (code H)
CATEGORY_FILLED_SHARE = 0.02  # rows from a second source that also carry a category


@dataclass
class StayBehaviour:
    """Per stay: absence probability and the other behaviour rates."""

    p_absent: np.ndarray
    p_unexcused: np.ndarray
    tardy_rate: np.ndarray
    oss: np.ndarray  # probability of an out-of-school suspension this stay
    iss: np.ndarray


def group_factor(students: Students, who: np.ndarray) -> np.ndarray:
    s = students
    return (
        RACE_FACTOR[s["race"][who]]
        * np.where(s["economically_disadvantaged"][who], 1.38, 1.0)
        * np.where(s["students_with_disabilities"][who], 1.32, 1.0)
        * np.where(s["homeless"][who], 1.65, 1.0)
        * np.where(s["foster_care"][who], 1.4, 1.0)
        * np.where(s["migrant"][who], 1.1, 1.0)
        * np.where(s["english_learner"][who], 0.95, 1.0)
    )


def stay_behaviour(
    rng: np.random.Generator,
    students: Students,
    stays: Stays,
    school_effect: np.ndarray,
    years: int,
) -> StayBehaviour:
    who = stays.student
    # Each year's propensity = stable part + this year's noise (year-to-year persistence).
    z_year = rng.standard_normal((students.n, years))[who, stays.year]
    z = PERSISTENCE * students["z_absence"][who] + np.sqrt(1 - PERSISTENCE**2) * z_year
    latent = np.exp(LATENT_SIGMA * z - 0.5 * LATENT_SIGMA**2)
    raw = GRADE_FACTOR[stays.grade + 1] * group_factor(students, who)
    raw = raw * school_effect[stays.school] * latent
    days = (stays.exit - stays.entry + 1).astype(float)
    # Scale so the days-weighted mean probability hits the target despite the cap.
    scale = TARGET_MEAN_RATE / np.average(raw, weights=days)
    for _ in range(4):
        scale *= TARGET_MEAN_RATE / np.average(np.minimum(raw * scale, P_MAX), weights=days)
    p = np.minimum(raw * scale, P_MAX)

    level = np.select([stays.grade <= 5, stays.grade <= 8], [0, 1], 2)
    ed = students["economically_disadvantaged"][who]
    # Unexcused share rises with grade, poverty and with how much a student misses.
    p_unexcused = np.array([0.40, 0.50, 0.60])[level] + 0.08 * ed + 0.6 * np.minimum(p, 0.25)
    p_unexcused = np.clip(p_unexcused - 0.08, 0.05, 0.95)
    tardy = 0.02 * np.exp(0.8 * students["z_tardy"][who] - 0.32)
    tardy = tardy * np.array([0.8, 1.2, 1.6])[level]

    # Out-of-school suspension: few students, more in middle/high school, for boys, students
    # with disabilities and Black students (CRDC 2017-18 and 2020-21 risk ratios).
    race = students["race"][who]
    risk = np.array([1.8, 0.3, 2.6, 1.0, 1.3, 0.75, 1.4])[race]
    risk = risk * np.where(students["students_with_disabilities"][who], 2.0, 1.0)
    risk = risk * np.array([0.55, 1.45, 1.0])[students["sex"][who]] * np.where(ed, 1.4, 0.8)
    oss = np.minimum(np.array([0.008, 0.045, 0.038])[level] * risk, 0.5)
    iss = np.minimum(np.array([0.006, 0.04, 0.04])[level] * np.sqrt(risk), 0.5)
    return StayBehaviour(p, p_unexcused, tardy, oss, iss)


# Keys pack (stay, global day, priority, code, minutes) into one int64 so a single sort
# orders the rows and the first row of each (stay, day) is the one that wins.
MIN_BITS, CODE_BITS, PRIO_BITS, DAY_BITS = 8, 4, 3, 21
_DAY_SHIFT = MIN_BITS + CODE_BITS + PRIO_BITS
_STAY_SHIFT = _DAY_SHIFT + DAY_BITS
PRIORITY = {C_S: 0, C_ISS: 1, C_E: 2, C_U: 2, C_A: 2, C_H: 2, C_ED: 3, C_T: 4, C_FT: 5, C_R: 6}


def _keys(stay: np.ndarray, day: np.ndarray, code: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    prio = np.array([PRIORITY[c] for c in range(len(CODES))], dtype=np.int64)[code]
    return (
        (stay.astype(np.int64) << _STAY_SHIFT)
        | (day.astype(np.int64) << _DAY_SHIFT)
        | (prio << (MIN_BITS + CODE_BITS))
        | (code.astype(np.int64) << MIN_BITS)
        | minutes.astype(np.int64)
    )


def _draw_days(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray, rep: np.ndarray
) -> np.ndarray:
    """One weighted day in [lo, hi] (global indices, inclusive) per entry of rep."""
    a, b = cum[lo[rep]], cum[hi[rep] + 1]
    day = np.searchsorted(cum, a + rng.random(len(rep)) * (b - a), side="right") - 1
    return np.clip(day, lo[rep], hi[rep])


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is far slower on large int64 arrays)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _distinct_days(
    rng: np.random.Generator,
    cum: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    k: np.ndarray,
    rounds: int = 12,
) -> tuple[np.ndarray, np.ndarray]:
    """k distinct weighted days per stay: draw, drop repeats, redraw what is missing."""
    mask = (1 << DAY_BITS) - 1
    done: list[np.ndarray] = []
    pending = np.zeros(0, dtype=np.int64)  # keys of stays still short of days
    need = k.copy()
    complete = k == 0
    for _ in range(rounds):
        todo = np.flatnonzero(need > 0)
        if len(todo) == 0:
            break
        rep = np.repeat(todo, need[todo])
        new = (rep.astype(np.int64) << DAY_BITS) | _draw_days(rng, cum, lo, hi, rep)
        pending = _sorted_unique(np.concatenate([pending, new]))
        got = np.bincount(pending >> DAY_BITS, minlength=len(k))
        sel = (got >= k)[pending >> DAY_BITS]
        done.append(pending[sel])
        pending = pending[~sel]
        complete |= got >= k
        need = np.where(complete, 0, k - got)
    # Whatever is still short after the rounds keeps the days it has (very rare).
    keys = np.concatenate([*done, pending])
    return keys >> DAY_BITS, keys & mask


def _runs(
    rng: np.random.Generator,
    lo: np.ndarray,
    hi: np.ndarray,
    prob: np.ndarray,
    lengths: np.ndarray,
    length_p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Incidents of consecutive school days (suspensions): (stay, global day) per day."""
    incidents = (rng.random(len(lo)) < prob) * (1 + rng.poisson(0.35, len(lo)))
    rep = np.repeat(np.arange(len(lo)), incidents)
    start = lo[rep] + (rng.random(len(rep)) * (hi[rep] - lo[rep] + 1)).astype(np.int64)
    length = rng.choice(lengths, len(rep), p=length_p)
    rep2 = np.repeat(rep, length)
    offset = np.arange(len(rep2)) - np.repeat(np.cumsum(length) - length, length)
    day = np.repeat(start, length) + offset
    ok = day <= hi[rep2]
    return rep2[ok], day[ok]


@dataclass
class ChunkRows:
    stay: np.ndarray  # local stay index
    day: np.ndarray  # global instructional day index
    code: np.ndarray
    minutes: np.ndarray  # 0: none
    category_filled: np.ndarray  # bool


def _absence_keys(
    rng: np.random.Generator, beh: StayBehaviour, stay: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """The days missed, coded excused, unexcused (A or U) or half day (H)."""
    unexcused = rng.random(len(stay)) < beh.p_unexcused[stay]
    code = np.where(unexcused, np.where(rng.random(len(stay)) < 0.3, C_A, C_U), C_E)
    code = np.where(rng.random(len(stay)) < HALF_DAY_SHARE, C_H, code)
    return _keys(stay, day, code, np.zeros(len(stay)))


def attendance_rows(
    rng: np.random.Generator,
    calendars: CalendarSet,
    lo: np.ndarray,
    hi: np.ndarray,
    level: np.ndarray,
    day_minutes: np.ndarray,
    beh: StayBehaviour,
    missed: tuple[np.ndarray, np.ndarray] | None = None,
) -> ChunkRows:
    """The attendance rows of a batch of stays, sorted by stay then date.

    `missed`: the (local stay, global day) of each day missed, from the realistic dynamics
    (homeroom.synth.dynamics); without it, a binomial count per stay on weighted dates.
    """
    cum = calendars.cum_weight
    ndays = hi - lo + 1
    parts: list[np.ndarray] = []

    # Absences: binomial count, distinct weighted dates, excused/unexcused/half day.
    if missed is None:
        missed = _distinct_days(rng, cum, lo, hi, rng.binomial(ndays, beh.p_absent))
    parts.append(_absence_keys(rng, beh, *missed))

    for prob, code_id, lengths, length_p in (
        (beh.oss, C_S, np.arange(1, 6), np.array([0.35, 0.25, 0.2, 0.1, 0.1])),
        (beh.iss, C_ISS, np.arange(1, 3), np.array([0.7, 0.3])),
    ):
        stay, day = _runs(rng, lo, hi, prob, lengths, length_p)
        parts.append(_keys(stay, day, np.full(len(stay), code_id), np.zeros(len(stay))))

    # Tardies (5-40 minutes late) and early departures (30 minutes to 3 hours).
    stay = np.repeat(np.arange(len(lo)), rng.poisson(ndays * beh.tardy_rate))
    minutes = np.clip(5 + rng.gamma(2.0, 6.0, len(stay)), 5, 40).astype(np.int64)
    day = _draw_days(rng, cum, lo, hi, stay)
    parts.append(_keys(stay, day, np.full(len(stay), C_T), minutes))
    stay = np.repeat(np.arange(len(lo)), rng.poisson(ndays * 0.006))
    minutes = np.minimum(rng.integers(6, 37, len(stay)) * 5, day_minutes[stay] - 30)
    day = _draw_days(rng, cum, lo, hi, stay)
    parts.append(_keys(stay, day, np.full(len(stay), C_ED), minutes))

    # A few present-but-elsewhere days: field trips (more in elementary), remote days.
    for rate, code_id in ((np.array([0.5, 0.3, 0.2])[level], C_FT), (0.12, C_R)):
        stay = np.repeat(np.arange(len(lo)), rng.poisson(rate * ndays / 180.0))
        day = lo[stay] + (rng.random(len(stay)) * ndays[stay]).astype(np.int64)
        parts.append(_keys(stay, day, np.full(len(stay), code_id), np.zeros(len(stay))))

    keys = np.sort(np.concatenate(parts))
    slot = keys >> _DAY_SHIFT
    keys = keys[np.r_[True, slot[1:] != slot[:-1]]]  # the highest-priority row per date
    return ChunkRows(
        stay=keys >> _STAY_SHIFT,
        day=(keys >> _DAY_SHIFT) & ((1 << DAY_BITS) - 1),
        code=(keys >> MIN_BITS) & ((1 << CODE_BITS) - 1),
        minutes=keys & ((1 << MIN_BITS) - 1),
        category_filled=rng.random(len(keys)) < CATEGORY_FILLED_SHARE,
    )
