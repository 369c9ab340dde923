"""signals/queue_flags: the queue folded from the rule columns gives exactly what the flag rows
folded per student gave (the per-student loop of rank_students and the need_queue that called
it are kept here as the reference), on the synthetic district at several dates and years, with
and without the model, and on the flagged students reordered and moved between districts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.signals import ranking
from homeroom.signals.crossings import on_the_line
from homeroom.signals.features import (
    RATE_KEYS,
    school_year_at,
    student_features,
    student_history,
)
from homeroom.signals.flags import (
    all_facts,
    flag_parts,
    flag_students,
    flagged_facts,
    long_flags,
)
from homeroom.signals.queue import need_queue, with_factors
from homeroom.signals.queue_flags import QUEUE_FLAG_COLUMNS, ranked_flags
from homeroom.signals.rules import RULES
from homeroom.signals.scoring import score
from signals.conftest import DEFINITION
from signals.test_ranking_equivalence import reference_rank_students as full_reference

DAYS = (dt.date(2023, 10, 2), dt.date(2024, 12, 2), dt.date(2025, 2, 3), dt.date(2025, 6, 2))
_RULE_ORDER = {rule.id: n for n, rule in enumerate(RULES)}


def reference_rank_students(flags: pd.DataFrame) -> pd.DataFrame:
    """rank_students as it was (one pandas sort per student: minutes at a million), from
    test_ranking_equivalence, with the queue's columns."""
    return full_reference(flags).loc[:, list(QUEUE_FLAG_COLUMNS)]


def reference_need_queue(tables, as_of, model=None, focus="early", keep=None) -> pd.DataFrame:
    """need_queue as it was: every flag row, every feature, then rank_queue on the flag rows
    (folded by the reference loop)."""
    flags = flag_students(tables, DEFINITION, as_of)
    year = school_year_at(tables, as_of)
    history = student_history(tables, DEFINITION, year)
    features = student_features(tables, DEFINITION, as_of, year, history)
    enrolled = features.loc[features["enrolled_now"]].reset_index(drop=True)
    enrolled = enrolled.assign(
        chronic_so_far=on_the_line(enrolled, DEFINITION, tables.units_per_day)
    ).loc[:, ["student_id", "school_id", "absence_rate", "chronic_so_far"]]
    chances = None
    if model is not None:
        scored = score(tables, DEFINITION, as_of, model, explain=0.0, features=features)
        chances = scored.loc[:, ["student_id", "school_id", "probability"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranking, "rank_students", reference_rank_students)
        queue = ranking.rank_queue(enrolled, flags, chances, focus=focus)
    queue = keep(queue) if keep is not None else queue
    return with_factors(queue, features, model)


@pytest.mark.parametrize("as_of", DAYS)
def test_folded_flags_are_the_flag_rows_folded_per_student(tables, as_of):
    facts = flagged_facts(tables, DEFINITION, as_of, lambda _step: None)
    expected = reference_rank_students(long_flags(facts, DEFINITION, tables.units_per_day))
    found = ranked_flags(facts, DEFINITION, tables.units_per_day)
    assert len(found) > 50
    assert found["rules"].map(len).gt(1).any()  # students with several rules, to order
    pd.testing.assert_frame_equal(found, expected, check_exact=True)


@pytest.mark.parametrize("as_of", DAYS)
@pytest.mark.parametrize("focus", ["early", "need"])
def test_need_queue_without_a_model_is_the_old_queue(tables, as_of, focus):
    expected = reference_need_queue(tables, as_of, focus=focus)
    found = need_queue(tables, DEFINITION, as_of, focus=focus)
    pd.testing.assert_frame_equal(found, expected, check_exact=True)


def test_need_queue_with_the_model_and_a_capacity_is_the_old_queue(tables, model):
    for focus in ("early", "need"):
        keep = lambda q: q.head(40)  # noqa: E731
        expected = reference_need_queue(tables, DAYS[2], model, focus, keep)
        found = need_queue(tables, DEFINITION, DAYS[2], model, focus=focus, keep=keep)
        pd.testing.assert_frame_equal(found, expected, check_exact=True)


@pytest.mark.parametrize("as_of", DAYS)
def test_stored_rates_are_the_features_of_the_enrolled(tables, as_of):
    year = school_year_at(tables, as_of)
    features = student_features(tables, DEFINITION, as_of, year)
    expected = features.loc[features["enrolled_now"]].reset_index(drop=True)
    with flag_parts(tables, DEFINITION, as_of, rates=True) as found:
        facts, stored = all_facts(found), found.rates()
    assert list(stored.columns) == [*RATE_KEYS, "absent_units", "days_enrolled", "absence_rate"]
    assert len(stored) > 100
    for column in stored.columns:
        pd.testing.assert_series_equal(stored[column], expected[column], check_exact=True)
    quiet = flagged_facts(tables, DEFINITION, as_of, lambda _step: None)
    pd.testing.assert_frame_equal(facts, quiet)


@pytest.fixture(scope="module")
def february(tables) -> pd.DataFrame:
    """The flagged students' facts on one date, worked out once for the property below."""
    return flagged_facts(tables, DEFINITION, DAYS[2], lambda _step: None)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), moved=st.floats(0.0, 0.5), tied=st.floats(0.0, 0.5))
def test_any_row_order_ties_and_students_in_two_districts_fold_the_same(
    tables, february, seed, moved, tied
):
    """Rows in any order; some students also flagged in a second district (the same id at
    another school); many equal rates: the same folded rows, in the same order."""
    rng = np.random.default_rng(seed)
    facts = february
    facts = facts.take(rng.permutation(len(facts))).reset_index(drop=True)
    twins = facts.sample(frac=moved, random_state=rng.integers(2**31)).copy()
    twins["district_id"] = "D-other"
    twins["school_id"] = twins["school_id"].astype(str) + "-other"
    facts = pd.concat([facts, twins], ignore_index=True)
    same = rng.random(len(facts)) < tied  # a tenth of days absent: equal rates, ties to break
    facts.loc[same, "days_enrolled"] = 40
    facts.loc[same, "absent_units"] = 4 * tables.units_per_day
    expected = reference_rank_students(long_flags(facts, DEFINITION, tables.units_per_day))
    found = ranked_flags(facts, DEFINITION, tables.units_per_day)
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
