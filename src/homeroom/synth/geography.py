"""Districts and schools: ids, names, levels, sizes, feeder patterns and calendars."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeroom.contract.schema import RACE_ETHNICITY
from homeroom.synth import names
from homeroom.synth.calendars import (
    CALENDAR_KINDS,
    ELEM,
    SEC,
    Calendar,
    DistrictCalendarStyle,
    build_calendar,
    draw_style,
)

LEVEL_LETTERS = ("E", "M", "H")  # elementary PK-05, middle 06-08, high 09-12
STATE = "ZZ"
# National public-school shares (NCES Digest table 203.50, fall 2021, rounded), in the order
# of schema.RACE_ETHNICITY.
RACE_SHARES = np.array([0.010, 0.055, 0.150, 0.285, 0.004, 0.446, 0.050])
RACE_SHARES = RACE_SHARES / RACE_SHARES.sum()
assert len(RACE_SHARES) == len(RACE_ETHNICITY)


@dataclass
class Geography:
    district_ids: list[str]
    district_names: list[str]
    district_share: np.ndarray  # share of the state's students
    school_ids: list[str]  # sorted; school index = position
    school_names: list[str]
    school_district: np.ndarray  # int
    school_level: np.ndarray  # 0 elementary, 1 middle, 2 high
    school_weight: np.ndarray  # share of its district and level's students
    day_minutes: np.ndarray
    school_effect: np.ndarray  # multiplier on absence (school climate, transport, ...)
    race_mix: np.ndarray  # (schools, 7): the neighbourhood mix of an elementary zone
    feeder: np.ndarray  # elementary → middle, middle → high, high → -1
    styles: list[DistrictCalendarStyle]
    # Per (district, level): the schools, for weighted picks inside a district.
    level_schools: list[np.ndarray]  # per level: school indices ordered by district
    level_keys: list[np.ndarray]  # per level: district + cumulative weight in (0, 1]
    level_start: list[np.ndarray]  # per level: first position of each district
    level_count: list[np.ndarray]  # per level: number of schools of each district

    def pick(self, level: int, district: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A school of the level in each given district, drawn by size (u uniform)."""
        pos = np.searchsorted(self.level_keys[level], district + u, side="right")
        last = self.level_start[level][district] + self.level_count[level][district] - 1
        pos = np.minimum(pos, last)
        return self.level_schools[level][pos]

    def other(self, level: int, school: np.ndarray) -> np.ndarray:
        """The next school of the same level and district (cyclically)."""
        order = np.empty(len(self.school_ids), dtype=np.int64)
        order[self.level_schools[level]] = np.arange(len(self.level_schools[level]))
        district = self.school_district[school]
        start, count = self.level_start[level][district], self.level_count[level][district]
        pos = start + (order[school] - start + 1) % count
        return self.level_schools[level][pos]


def _split_levels(n: int) -> tuple[int, int, int]:
    """About 60/20/20 elementary/middle/high, at least one of each."""
    mid, high = max(1, round(0.2 * n)), max(1, round(0.2 * n))
    return max(1, n - mid - high), mid, high


def _fit_mix(mix: np.ndarray, weight: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale rows so the weighted average equals target (a few IPF rounds)."""
    for _ in range(20):
        mix = mix * (target / (weight @ mix))
        mix = mix / mix.sum(axis=1, keepdims=True)
    return mix


def build_geography(
    rng: np.random.Generator, districts: int, schools: int, students: int
) -> Geography:
    if districts == 1:
        share = np.ones(1)
    else:
        # A few big districts and many small ones, as in every state.
        share = np.sort(rng.lognormal(0.0, 1.1, districts))[::-1]
        share = share / share.sum()
    per_district = np.maximum(3, np.round(schools * share)).astype(int)
    district_ids, district_names = _districts(rng, districts)
    ids, school_names, school_district, school_level = _schools(rng, per_district, district_ids)
    n = len(ids)

    weight = rng.lognormal(0.0, 0.35, n)
    # Day lengths built from 2, 3 and 5 only, so minute-based absences stay exact in a small
    # number of units per day (lcm with 10,000 is 810,000).
    minutes = np.where(school_level == 0, rng.choice([360, 375], n), rng.choice([375, 400, 405], n))
    effect = rng.lognormal(0.0, 0.15, n)
    levels = _levels(districts, school_district, school_level, weight, effect)
    feeder = _feeders(n, districts, *levels)
    race_mix = _race_mix(rng, share, school_district, school_level, weight)
    styles = [draw_style(rng) for _ in range(districts)]
    return Geography(
        district_ids, district_names, share, ids, school_names, school_district, school_level,
        weight, minutes, effect, race_mix, feeder, styles, *levels,
    )  # fmt: skip


def _districts(rng: np.random.Generator, districts: int) -> tuple[list[str], list[str]]:
    dw = max(2, len(str(districts)))
    district_ids = [f"D{d + 1:0{dw}d}" for d in range(districts)]
    place_order = rng.permutation(len(names.DISTRICT_PLACES))
    district_names = []
    for d in range(districts):
        place = names.DISTRICT_PLACES[place_order[d % len(place_order)]]
        kind = names.DISTRICT_KINDS[int(rng.integers(len(names.DISTRICT_KINDS)))]
        suffix = "" if d < len(place_order) else f" No. {d // len(place_order) + 1}"
        district_names.append(f"{place} {kind}{suffix}")
    return district_ids, district_names


def _schools(
    rng: np.random.Generator, per_district: np.ndarray, district_ids: list[str]
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """School ids, names, district and level (0 elementary, 1 middle, 2 high), sorted by id."""
    ids, school_names, dist, level = [], [], [], []
    for d in range(len(district_ids)):
        counts = _split_levels(int(per_district[d]))
        sw = max(2, len(str(max(counts))))
        base = rng.permutation(len(names.SCHOOL_NAMES))
        k = 0
        for lv, count in enumerate(counts):
            for j in range(count):
                stem = names.SCHOOL_NAMES[base[k % len(base)]]
                prefix = ("", "North ", "South ", "East ", "West ", "New ")[(k // len(base)) % 6]
                school_names.append(f"{prefix}{stem} {names.LEVEL_SUFFIX[lv]}")
                ids.append(f"{district_ids[d]}-{LEVEL_LETTERS[lv]}{j + 1:0{sw}d}")
                dist.append(d)
                level.append(lv)
                k += 1
    # Ids sort as strings; keep school index = sorted position so output order is by id.
    order = np.argsort(np.array(ids), kind="stable")
    return (
        [ids[i] for i in order],
        [school_names[i] for i in order],
        np.array(dist)[order],
        np.array(level)[order],
    )


_Levels = tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]


def _levels(
    districts: int,
    school_district: np.ndarray,
    school_level: np.ndarray,
    weight: np.ndarray,
    effect: np.ndarray,
) -> _Levels:
    """Each level's schools by district with their cumulative weights; `weight` and `effect`
    are normalised in place within each district and level."""
    level_schools, level_keys, level_start, level_count = [], [], [], []
    for lv in range(3):
        idx = np.flatnonzero(school_level == lv)
        idx = idx[np.lexsort((idx, school_district[idx]))]
        d = school_district[idx]
        w = weight[idx]
        totals = np.bincount(d, weights=w, minlength=districts)
        w = w / totals[d]
        cum = np.cumsum(w) - d  # each district's weights sum to 1
        level_schools.append(idx)
        level_keys.append(d + np.minimum(cum, 1.0))
        level_count.append(np.bincount(d, minlength=districts))
        level_start.append(np.concatenate([[0], np.cumsum(level_count[-1])[:-1]]))
        weight[idx] = w
        # School effects average 1 within each district and level, so school climate varies
        # but grade and group patterns stay as the behaviour model sets them.
        mean_effect = np.bincount(d, weights=w * effect[idx], minlength=districts)
        effect[idx] = effect[idx] / mean_effect[d]
    return level_schools, level_keys, level_start, level_count


def _feeders(
    n: int,
    districts: int,
    level_schools: list[np.ndarray],
    _keys: list[np.ndarray],
    level_start: list[np.ndarray],
    level_count: list[np.ndarray],
) -> np.ndarray:
    """Feeder patterns: consecutive elementary zones feed a middle school, middles a high."""
    feeder = np.full(n, -1)
    for lv in (0, 1):
        for d in range(districts):
            src = level_schools[lv][level_start[lv][d] : level_start[lv][d] + level_count[lv][d]]
            dst = level_schools[lv + 1][
                level_start[lv + 1][d] : level_start[lv + 1][d] + level_count[lv + 1][d]
            ]
            feeder[src] = dst[(np.arange(len(src)) * len(dst)) // len(src)]
    return feeder


def _race_mix(
    rng: np.random.Generator,
    share: np.ndarray,
    school_district: np.ndarray,
    school_level: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """Segregated neighbourhoods whose students still add up to the national shares."""
    districts = len(share)
    if districts == 1:
        dmix = RACE_SHARES[None, :]
    else:
        dmix = rng.dirichlet(RACE_SHARES * 12 + 0.02, districts)
        dmix = _fit_mix(dmix, share, RACE_SHARES)
    mix = np.empty((len(school_district), len(RACE_SHARES)))
    for d in range(districts):
        idx = np.flatnonzero(school_district == d)
        m = rng.dirichlet(dmix[d] * 25 + 0.02, len(idx))
        elem = school_level[idx] == 0
        w = np.where(elem, weight[idx], 0.0)
        m[elem] = _fit_mix(m[elem], w[elem] / w.sum(), dmix[d])
        mix[idx] = m
    return mix


def build_calendars(geo: Geography, school_years: list[int]) -> list[Calendar]:
    """Calendars in the order (district, kind, year); see calendar_index."""
    out = []
    for d, did in enumerate(geo.district_ids):
        for kind in (ELEM, SEC):
            for year in school_years:
                cid = f"{did}-{CALENDAR_KINDS[kind]}"
                out.append(build_calendar(cid, geo.styles[d], kind, year))
    return out


def calendar_index(geo: Geography, school: np.ndarray, year_index: int, years: int) -> np.ndarray:
    kind = np.where(geo.school_level[school] == 0, ELEM, SEC)
    return (geo.school_district[school] * 2 + kind) * years + year_index


def school_calendar_ids(geo: Geography) -> list[str]:
    return [
        f"{geo.district_ids[d]}-{CALENDAR_KINDS[ELEM if lv == 0 else SEC]}"
        for d, lv in zip(geo.school_district, geo.school_level, strict=True)
    ]
