"""School calendars: instructional days, holidays and the day weights absences follow.

One calendar per district, school level group (ELEM for PK-05, SEC for 06-12) and school
year. Dates are numpy ``datetime64[D]``; nothing here loops over students.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ELEM, SEC = 0, 1
CALENDAR_KINDS = ("ELEM", "SEC")

# Relative absence risk by weekday (Mon..Fri): Mondays and Fridays run ~20% above midweek
# (Attendance Works / district studies of day-of-week absence).
WEEKDAY_WEIGHT = np.array([1.25, 0.93, 0.90, 0.94, 1.25])
# By month (index 0 = January): winter illness season Dec-Feb, spring fatigue in May/June.
MONTH_WEIGHT = np.array([1.18, 1.20, 1.02, 0.97, 1.04, 1.20, 1.0, 0.80, 0.82, 0.92, 1.02, 1.15])
HOLIDAY_ADJACENT_WEIGHT = 1.40  # the day before or after a break is a popular day to miss
LAST_WEEKS_WEIGHT = 1.20  # the final two weeks of the year


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    school_year: int
    weekdays: np.ndarray  # every weekday from the first to the last day (datetime64[D])
    instructional: np.ndarray  # bool per weekday
    days: np.ndarray  # the instructional dates only
    weights: np.ndarray  # relative absence weight per instructional date, mean 1


def _day(year: int, month: int, day: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}")


def _nth_weekday(year: int, month: int, weekday: str, n: int) -> np.datetime64:
    """The n-th (1-based) given weekday of a month, or the last one when n == -1."""
    if n == -1:
        nxt = _day(year + (month == 12), month % 12 + 1, 1)
        return np.busday_offset(nxt - 1, 0, roll="backward", weekmask=weekday)
    return np.busday_offset(_day(year, month, 1), n - 1, roll="forward", weekmask=weekday)


def _week(monday: np.datetime64) -> list[np.datetime64]:
    return [monday + i for i in range(5)]


@dataclass(frozen=True)
class DistrictCalendarStyle:
    """A district's habits, drawn once and kept across years."""

    start_weeks_before: int  # 0: the last week of August; 1-2: earlier in August
    start_weekday: int  # 0 Monday .. 2 Wednesday
    days_target: int  # instructional days, 175-180
    spring_break_week: int  # 0: 2nd week of March .. 3: 1st week of April
    veterans_day: bool
    indigenous_day: bool
    good_friday: bool
    presidents_friday: bool
    winter_return_tuesday: bool


def draw_style(rng: np.random.Generator) -> DistrictCalendarStyle:
    return DistrictCalendarStyle(
        start_weeks_before=int(rng.choice(3, p=[0.55, 0.3, 0.15])),
        start_weekday=int(rng.integers(0, 3)),
        days_target=int(rng.integers(175, 181)),
        spring_break_week=int(rng.integers(0, 4)),
        veterans_day=bool(rng.random() < 0.5),
        indigenous_day=bool(rng.random() < 0.3),
        good_friday=bool(rng.random() < 0.3),
        presidents_friday=bool(rng.random() < 0.35),
        winter_return_tuesday=bool(rng.random() < 0.3),
    )


def _holidays(style: DistrictCalendarStyle, kind: int, school_year: int) -> set[np.datetime64]:
    fall, spring = school_year - 1, school_year
    days: set[np.datetime64] = {_nth_weekday(fall, 9, "Mon", 1)}  # Labor Day
    thanksgiving = _nth_weekday(fall, 11, "Thu", 4)
    days |= {thanksgiving - 1, thanksgiving, thanksgiving + 1}
    # Two weeks of winter break ending before the first Monday after New Year's Day.
    back = np.busday_offset(_day(spring, 1, 2), 0, roll="forward", weekmask="Mon")
    days |= set(_week(back - 14)) | set(_week(back - 7))
    if style.winter_return_tuesday:
        days.add(back)
    mlk = _nth_weekday(spring, 1, "Mon", 3)
    presidents = _nth_weekday(spring, 2, "Mon", 3)
    days |= {mlk, presidents, _nth_weekday(spring, 5, "Mon", -1)}  # + Memorial Day
    if style.presidents_friday:
        days.add(presidents - 3)
    spring_monday = _nth_weekday(spring, 3, "Mon", 2) + 7 * style.spring_break_week
    days |= set(_week(spring_monday))
    if style.veterans_day and np.is_busday(_day(fall, 11, 11)):
        days.add(_day(fall, 11, 11))
    if style.indigenous_day:
        days.add(_nth_weekday(fall, 10, "Mon", 2))
    if style.good_friday:
        days.add(_good_friday(spring))
    # Teacher work days differ by calendar: conferences in elementary, grading days in
    # secondary schools.
    if kind == ELEM:
        days |= {_nth_weekday(fall, 10, "Fri", 3), _nth_weekday(fall, 11, "Fri", 2)}
        days.add(spring_monday - 3)  # the Friday before spring break
    else:
        days |= {mlk - 3, _nth_weekday(fall, 10, "Mon", 4)}
        days.add(_nth_weekday(spring, 4, "Fri", -1) if style.spring_break_week < 3 else mlk + 28)
    return days


def _good_friday(year: int) -> np.datetime64:
    """Anonymous Gregorian algorithm for Easter Sunday, minus two days."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return _day(year, month, day) - 2


def build_calendar(
    calendar_id: str, style: DistrictCalendarStyle, kind: int, school_year: int
) -> Calendar:
    fall = school_year - 1
    last_monday = np.busday_offset(_day(fall, 8, 31), 0, roll="backward", weekmask="Mon")
    first = last_monday - 7 * style.start_weeks_before + style.start_weekday
    # Elementary schools often start a day after the secondary schools.
    first = np.busday_offset(first, kind == ELEM and style.start_weekday < 2)
    holidays = _holidays(style, kind, school_year)
    horizon = np.arange(first, _day(school_year, 7, 1), dtype="datetime64[D]")
    weekdays = horizon[np.is_busday(horizon)]
    off = np.isin(weekdays, np.array(sorted(holidays), dtype="datetime64[D]"))
    target = style.days_target - (kind == ELEM and style.days_target > 176)
    last = np.flatnonzero(~off)[target - 1]
    weekdays, instructional = weekdays[: last + 1], ~off[: last + 1]
    days = weekdays[instructional]
    return Calendar(
        calendar_id, school_year, weekdays, instructional, days, _weights(weekdays, instructional)
    )


def _weights(weekdays: np.ndarray, instructional: np.ndarray) -> np.ndarray:
    dow = (weekdays.astype("int64") - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    month = weekdays.astype("datetime64[M]").astype("int64") % 12
    w = WEEKDAY_WEIGHT[dow] * MONTH_WEIGHT[month]
    # A weekday off next to a school day makes that school day "adjacent to a break".
    before_off = np.r_[~instructional[1:], False]
    after_off = np.r_[False, ~instructional[:-1]]
    w = np.where(before_off | after_off, w * HOLIDAY_ADJACENT_WEIGHT, w)
    w[-10:] *= LAST_WEEKS_WEIGHT
    w = w[instructional]
    return w / w.mean()


@dataclass(frozen=True)
class CalendarSet:
    """All calendars' instructional days end to end, so a stay is a range of global days."""

    calendars: list[Calendar]
    days: np.ndarray  # datetime64[D], all instructional days, calendar after calendar
    offset: np.ndarray  # first global day of each calendar
    count: np.ndarray  # instructional days of each calendar
    cum_weight: np.ndarray  # len(days) + 1, running sum of the day weights from 0

    @classmethod
    def of(cls, calendars: list[Calendar]) -> CalendarSet:
        count = np.array([len(c.days) for c in calendars], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(count)[:-1]])
        weights = np.concatenate([c.weights for c in calendars])
        cum = np.concatenate([[0.0], np.cumsum(weights)])
        return cls(calendars, np.concatenate([c.days for c in calendars]), offset, count, cum)

    def next_day_after(self, calendar: np.ndarray, date: np.ndarray) -> np.ndarray:
        """Per row, the index in its calendar of the first instructional day after date."""
        out = np.empty(len(calendar), dtype=np.int64)
        for c in np.unique(calendar):
            sel = calendar == c
            out[sel] = np.searchsorted(self.calendars[c].days, date[sel], side="right")
        return out
