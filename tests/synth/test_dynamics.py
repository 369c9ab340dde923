"""synth/dynamics: the daily probability of a stay by hand, episodes, carry-over, the scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from homeroom.synth import dynamics, generate
from homeroom.synth.calendars import Calendar, CalendarSet
from homeroom.synth.dynamics import EPISODE_SLOTS, P_MAX, StayDynamics, daily_probability
from homeroom.synth.population import Students


def _calendars(weights: list[float]) -> CalendarSet:
    days = np.arange(np.datetime64("2025-03-03"), np.datetime64("2025-03-03") + len(weights))
    w = np.array(weights)
    cal = Calendar("C", 2025, days, np.ones(len(days), bool), days, w)
    return CalendarSet.of([cal])


def _one_stay(base: float, **episode: float) -> StayDynamics:
    start, amp, decay = (np.zeros((1, EPISODE_SLOTS)) for _ in range(3))
    decay[:] = np.inf
    if episode:
        start[0, 0], amp[0, 0], decay[0, 0] = episode["start"], episode["amp"], episode["decay"]
    return StayDynamics(
        base=np.array([base]),
        drift=np.zeros(1),
        wave_peak=np.zeros(1, dtype=np.int64),  # 1970: no wave in 2025
        wave_amp=np.zeros(1),
        start=start,
        amp=amp,
        decay=decay,
        scale=0.5,
    )


def test_without_episodes_a_day_is_scale_times_habit_times_the_days_weight():
    cals = _calendars([1.0, 2.0, 0.5, 1.0])
    p = daily_probability(_one_stay(0.2), cals, np.array([0]), np.array([0]), np.array([4]))
    assert p.shape == (1, 4)
    assert p[0] == pytest.approx([0.1, 0.2, 0.05, 0.1], rel=1e-6)


def test_an_episode_adds_from_its_start_and_fades():
    cals = _calendars([1.0] * 5)
    dyn = _one_stay(0.2, start=2, amp=0.4, decay=1.0)
    p = daily_probability(dyn, cals, np.array([0]), np.array([0]), np.array([5]))
    expected = [0.1, 0.1, 0.5, 0.1 + 0.4 * math.exp(-1), 0.1 + 0.4 * math.exp(-2)]
    assert p[0] == pytest.approx(expected, rel=1e-5)


def test_a_lasting_episode_is_capped_and_days_past_the_stay_are_zero():
    cals = _calendars([1.0] * 6)
    dyn = _one_stay(0.2, start=0, amp=2.0, decay=np.inf)
    two = StayDynamics(*(np.concatenate([v, v]) for v in vars(dyn).values() if hasattr(v, "shape")))
    two.scale = dyn.scale
    p = daily_probability(two, cals, np.array([0, 2]), np.array([0, 2]), np.array([6, 3]))
    assert p[0] == pytest.approx([P_MAX] * 6)
    assert p[1, 3:].tolist() == [0.0, 0.0, 0.0]


def test_no_chance_no_absence_and_certain_days_all_missed():
    cals = _calendars([1.0] * 8)
    rng = np.random.default_rng(1)
    stay, day = dynamics.absence_days(rng, _one_stay(0.0), cals, np.array([0]), np.array([7]))
    assert len(stay) == 0 and len(day) == 0
    sure = _one_stay(0.0, start=0, amp=5.0, decay=np.inf)
    misses = [len(dynamics.absence_days(rng, sure, cals, np.array([2]), np.array([5]))[1])
              for _ in range(200)]  # fmt: skip
    # p = 0.9 on each of 4 days: mean 3.6 days missed of 4.
    assert 3.45 < np.mean(misses) < 3.75


def test_a_lasting_change_carries_half_into_the_next_year():
    students = Students()
    students.append(
        {
            "race": np.zeros(4000, dtype=np.int8),
            **{
                flag: np.zeros(4000, dtype=bool)
                for flag in ("economically_disadvantaged", "students_with_disabilities",
                             "homeless", "foster_care", "migrant", "english_learner")
            },
        }
    )  # fmt: skip
    start, amp, decay = dynamics._episodes(np.random.default_rng(2), students, 2)
    lasting = amp[:, 0, 3] > 0
    assert 0.05 < lasting.mean() < 0.20  # the lasting change is rare
    assert amp[:, 1, 4] == pytest.approx(dynamics.CARRY_SHARE * amp[:, 0, 3])
    assert (decay[lasting, 0, 3] == np.inf).all() and (start[lasting, 0, 3] >= 15).all()
    assert (amp[:, 0, 4] == 0).all()  # nothing carried into the first year


def test_erfc_matches_the_standard_library():
    x = np.linspace(-4, 4, 41)
    assert dynamics._erfc(x) == pytest.approx([math.erfc(v) for v in x], abs=2e-7)


def test_realistic_is_deterministic_and_rejects_a_rate_out_of_range(tmp_path):
    kwargs = dict(students=400, schools=3, years=2, seed=9, behaviour="realistic")
    a = generate(tmp_path / "a", **kwargs)
    b = generate(tmp_path / "b", **kwargs)
    assert a.files["attendance"].read_bytes() == b.files["attendance"].read_bytes()
    with pytest.raises(ValueError, match="chronic_rate"):
        generate(tmp_path / "c", **{**kwargs, "chronic_rate": 0.95})
    with pytest.raises(ValueError, match="behaviour"):
        generate(tmp_path / "d", students=10, behaviour="real")
