"""Realistic attendance dynamics: a student's chance of missing a day moves through the year.

The simple behaviour (homeroom.synth.behaviour) gives each stay one binomial count of absences
spread over the calendar, so nothing early in a year says anything about later. Here each
student-year has a daily probability

    p(t) = min(P_MAX, habit × grade × group × school × calendar(t) × wave(t) × drift(t)
                      + episodes(t))

- habit: a log-normal propensity whose log follows an AR(1) process from year to year (a
  student's habit carries over, but not for ever);
- calendar(t): Mondays, Fridays, days next to breaks, the last weeks (calendars.py weights);
- wave(t): a winter illness wave, a bump around a peak date drawn per school year;
- drift(t): a slow rise or fall through the year, drawn per student-year;
- episodes(t): an illness (a few days, high), family trouble (weeks, fading) and a lasting
  change (a move, a job, a worry: from a day mid-year to the year's end, half of it carried into
  the next year) that start on a day of the year, each added to the daily probability and fading
  exponentially.

Everything is per stay and per instructional day of a chunk of stays at a time (a matrix of
CHUNK stays × ~180 days in float32: a few tens of MB with its temporaries), never one row per
student-day of the whole dataset. The scale of the habit is solved on a sample of stays so
that the share of students chronically absent hits the requested rate
(docs/synthetic-data.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from homeroom.synth.behaviour import GRADE_FACTOR, HALF_DAY_SHARE, group_factor
from homeroom.synth.calendars import CalendarSet
from homeroom.synth.geography import Geography
from homeroom.synth.population import Stays, Students, grade_level_of

# The latest national figure: 27.8 % of students were chronically absent in 2022-23 (U.S.
# Department of Education data, Attendance Works and Everyone Graduates Center analysis).
NATIONAL_CHRONIC_RATE = 0.278
HABIT_SIGMA = 0.75  # spread of the log-normal habit
YEAR_RHO = 0.72  # correlation of a student's habit from one year to the next
DRIFT_SIGMA = 0.6  # spread of the within-year slope (relative change from start to end)
WAVE_AMPLITUDE = (0.15, 0.45)  # the winter wave's peak, relative, drawn per school year
WAVE_SD_DAYS = 16.0
WAVE_SUSCEPTIBILITY = np.array([1.0, 0.75, 0.6])  # elementary, middle, high
P_MAX = 0.9
CHUNK = 8_000  # stays per matrix
SAMPLE = 30_000  # stays the scale is solved on

# Episodes: (yearly chance, amplitude low-high, decay in school days low-high (inf: lasting)).
ILLNESS = (0.55, (0.5, 0.9), (2.0, 5.0))
TROUBLE = (0.12, (0.08, 0.40), (15.0, 60.0))
LASTING = (0.07, (0.06, 0.30), (np.inf, np.inf))
CARRY_SHARE = 0.5  # of a lasting episode's amplitude, carried into the next school year
CARRY_DECAY = 90.0
EPISODE_SLOTS = 5  # illness, illness, trouble, lasting, carried over


@dataclass
class StayDynamics:
    """Per stay: the habit part of the daily probability and the shape of its year."""

    base: np.ndarray  # habit × grade × group × school (before the scale)
    drift: np.ndarray  # relative change from the first to the last day of the year
    wave_peak: np.ndarray  # the wave's peak as days since 1970-01-01
    wave_amp: np.ndarray
    start: np.ndarray  # (stays, EPISODE_SLOTS): school day of the year each episode starts
    amp: np.ndarray  # (stays, EPISODE_SLOTS): 0 where there is no episode
    decay: np.ndarray  # (stays, EPISODE_SLOTS): school days; inf: lasting to the year's end
    scale: float = 1.0

    def subset(self, sel: np.ndarray | slice) -> StayDynamics:
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        return StayDynamics(**{k: v if k == "scale" else v[sel] for k, v in parts.items()})


def _habit_z(rng: np.random.Generator, students: Students, years: int) -> np.ndarray:
    """Per student and year: the log-habit, AR(1) across years from the student's stable draw."""
    z = np.empty((students.n, years))
    z[:, 0] = students["z_absence"]
    noise = rng.standard_normal((students.n, years))
    for y in range(1, years):
        z[:, y] = YEAR_RHO * z[:, y - 1] + np.sqrt(1 - YEAR_RHO**2) * noise[:, y]
    return z


def _episode(
    rng: np.random.Generator, n: int, spec: tuple, chance: np.ndarray, first: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    share, (a_lo, a_hi), (d_lo, d_hi) = spec
    happens = rng.random(n) < np.minimum(share * chance, 0.95)
    amp = np.where(happens, rng.uniform(a_lo, a_hi, n), 0.0)
    start = rng.uniform(first, 175.0, n)
    decay = np.full(n, np.inf) if np.isinf(d_lo) else rng.uniform(d_lo, d_hi, n)
    return start, amp, decay


def _episodes(
    rng: np.random.Generator, students: Students, years: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per student and year, EPISODE_SLOTS episodes: start, amplitude, decay (n, years, K)."""
    n = students.n
    # Poorer, homeless and foster families meet more trouble (the group factor, softened).
    trouble_chance = np.sqrt(group_factor(students, np.arange(n)))
    shape = (n, years, EPISODE_SLOTS)
    # float32: at state scale these are the largest arrays (6 million × years × 5).
    start, amp = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    decay = np.full(shape, np.inf, np.float32)
    ones = np.ones(n)
    for y in range(years):
        slots = (
            _episode(rng, n, ILLNESS, ones),
            _episode(rng, n, ILLNESS, ones),
            _episode(rng, n, TROUBLE, trouble_chance),
            _episode(rng, n, LASTING, trouble_chance, first=15.0),
        )
        for k, (s, a, d) in enumerate(slots):
            start[:, y, k], amp[:, y, k], decay[:, y, k] = s, a, d
        if y > 0:  # last year's lasting change, half of it, fading through this year
            amp[:, y, 4] = CARRY_SHARE * amp[:, y - 1, 3]
            decay[:, y, 4] = CARRY_DECAY
    return start, amp, decay


def stay_dynamics(
    rng: np.random.Generator,
    students: Students,
    stays: Stays,
    geo: Geography,
    calendars: CalendarSet,
    chronic_rate: float = NATIONAL_CHRONIC_RATE,
) -> StayDynamics:
    """The dynamics of every stay, its scale solved so about `chronic_rate` end chronic."""
    if not 0.01 <= chronic_rate <= 0.8:
        raise ValueError(f"chronic_rate must be between 0.01 and 0.8; got {chronic_rate}")
    who, year = stays.student, stays.year
    years = len(calendars.calendars) // (2 * len(geo.district_ids))  # two calendars a district
    z = _habit_z(rng, students, years)[who, year]
    habit = np.exp(HABIT_SIGMA * z - 0.5 * HABIT_SIGMA**2)
    base = habit * GRADE_FACTOR[stays.grade + 1] * group_factor(students, who)
    base = base * geo.school_effect[stays.school]
    drift = (DRIFT_SIGMA * rng.standard_normal((students.n, years)))[who, year]
    start, amp, decay = (part[who, year] for part in _episodes(rng, students, years))
    # The winter wave peaks between mid-December and early February, a date per school year.
    spring = np.array([c.school_year for c in calendars.calendars])[stays.calendar]
    jan1 = (np.asarray(spring - 1970, dtype="datetime64[Y]").astype("datetime64[D]")).astype(
        np.int64
    )
    peak_offset = rng.uniform(-20, 35, years)[year]
    wave_amp = rng.uniform(*WAVE_AMPLITUDE, years)[year]
    wave_amp = wave_amp * WAVE_SUSCEPTIBILITY[grade_level_of(stays.grade)]
    dyn = StayDynamics(base, drift, jan1 + peak_offset, wave_amp, start, amp, decay)
    dyn.scale = _solve_scale(rng, dyn, stays, calendars, chronic_rate)
    return dyn


def daily_probability(
    dyn: StayDynamics, calendars: CalendarSet, lo: np.ndarray, first: np.ndarray, ndays: np.ndarray
) -> np.ndarray:
    """(stays, max days) float32: each stay's chance of missing each of its days (0 past its end).

    `lo`: the stay's first global day index; `first`: that day's number in its calendar (0-based);
    `ndays`: its days.
    """
    width = int(ndays.max()) if len(ndays) else 0
    j = np.arange(width)
    inside = j[None, :] < ndays[:, None]
    day = np.minimum(lo[:, None] + j[None, :], len(calendars.days) - 1)
    weight = np.diff(calendars.cum_weight).astype(np.float32)[day]
    when = (calendars.days[day].astype(np.int64) - dyn.wave_peak[:, None]).astype(np.float32)
    wave = 1 + dyn.wave_amp[:, None].astype(np.float32) * np.exp(
        np.float32(-0.5 / WAVE_SD_DAYS**2) * when * when
    )
    t = (first[:, None] + j[None, :]).astype(np.float32)
    slope = dyn.drift[:, None].astype(np.float32)
    drift = np.maximum(1 + slope * (t / np.float32(178.0) - np.float32(0.5)), np.float32(0.2))
    p = (dyn.scale * dyn.base).astype(np.float32)[:, None] * weight * wave * drift
    for k in range(dyn.amp.shape[1]):
        rows = np.flatnonzero(dyn.amp[:, k] > 0)  # most students have no episode in a slot
        if len(rows) == 0:
            continue
        since = t[rows] - dyn.start[rows, k, None]
        bump = dyn.amp[rows, k, None] * np.exp(-np.maximum(since, 0) / dyn.decay[rows, k, None])
        p[rows] += np.where(since >= 0, bump, np.float32(0))
    return np.where(inside, np.minimum(p, P_MAX), 0).astype(np.float32)


def _solve_scale(
    rng: np.random.Generator,
    dyn: StayDynamics,
    stays: Stays,
    calendars: CalendarSet,
    chronic_rate: float,
) -> float:
    """The habit scale at which the expected share of eligible stays chronically absent is the
    target, on a sample of stays (normal approximation of each stay's count of absences)."""
    pick = rng.choice(len(stays), min(SAMPLE, len(stays)), replace=False)
    pick.sort()
    sub = dyn.subset(pick)
    lo = calendars.offset[stays.calendar[pick]] + stays.entry[pick]
    ndays = stays.exit[pick] - stays.entry[pick] + 1
    keep = ndays >= 10
    # A half day (H) counts half: the expected amount of a missed day.
    per_day = 1 - 0.5 * HALF_DAY_SHARE

    def share(scale: float) -> float:
        sub.scale = scale
        rates, totals = [], []
        for a in range(0, len(pick), CHUNK):
            b = slice(a, a + CHUNK)
            p = daily_probability(sub.subset(b), calendars, lo[b], stays.entry[pick][b], ndays[b])
            rates.append((p * per_day).sum(axis=1))
            totals.append((p * (1 - p)).sum(axis=1) * per_day**2)
        mu, var = np.concatenate(rates), np.concatenate(totals)
        need = 0.1 * ndays - 0.25  # chronic: absent amount >= 10 % of the days
        zscore = (need - mu) / np.sqrt(var + 0.05)
        chance = 0.5 * _erfc(zscore / np.sqrt(2))
        return float(chance[keep].mean())

    low, high = 1e-4, 1.0
    while share(high) < chronic_rate and high < 64:
        high *= 2
    for _ in range(22):
        mid = np.sqrt(low * high)
        low, high = (mid, high) if share(mid) < chronic_rate else (low, mid)
    return float(np.sqrt(low * high))


def _erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7)."""
    t = 1 / (1 + 0.3275911 * np.abs(x))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    value = poly * np.exp(-(x**2))
    return np.where(x >= 0, value, 2 - value)


def absence_days(
    rng: np.random.Generator,
    dyn: StayDynamics,
    calendars: CalendarSet,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(local stay, global day) of each day missed, by stay then day, a chunk at a time."""
    first = lo - calendars.offset[np.searchsorted(calendars.offset, lo, side="right") - 1]
    ndays = hi - lo + 1
    stays_out, days_out = [], []
    for a in range(0, len(lo), CHUNK):
        b = slice(a, a + CHUNK)
        p = daily_probability(dyn.subset(b), calendars, lo[b], first[b], ndays[b])
        hit = rng.random(p.shape, dtype=np.float32) < p
        stay, j = np.nonzero(hit)
        stays_out.append(stay + a)
        days_out.append(lo[b][stay] + j)
    if not stays_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(stays_out).astype(np.int64), np.concatenate(days_out).astype(np.int64)
