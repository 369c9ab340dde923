"""signals/queue: need_queue on the small synthetic district, against the rules, the enrolled
students and the model's own scores worked out apart."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from homeroom.signals.crossings import on_the_line
from homeroom.signals.features import student_features
from homeroom.signals.flags import flag_students
from homeroom.signals.queue import need_queue
from homeroom.signals.ranking import QUEUE_COLUMNS
from homeroom.signals.scoring import score
from signals.conftest import DEFINITION

DAY = dt.date(2024, 12, 2)


def _over_the_line(tables) -> set[str]:
    """Students already chronically absent so far on DAY, worked out from the features."""
    features = student_features(tables, DEFINITION, DAY)
    enrolled = features[features["enrolled_now"]]
    over = on_the_line(enrolled, DEFINITION, tables.units_per_day)
    return set(enrolled.loc[over, "student_id"].astype(str))


def test_every_enrolled_student_once_with_the_rules_that_fire_and_no_chance(tables):
    queue = need_queue(tables, DEFINITION, DAY, focus="need")
    assert list(queue.columns) == [*QUEUE_COLUMNS, "main_factors"]
    features = student_features(tables, DEFINITION, DAY)
    enrolled = features[features["enrolled_now"]]
    assert sorted(queue["student_id"]) == sorted(enrolled["student_id"].astype(str))
    assert queue["rank"].tolist() == list(range(1, len(queue) + 1))
    assert queue["chance_chronic"].isna().all()
    assert (queue["main_factors"] == "").all()  # no model, no factors
    flags = flag_students(tables, DEFINITION, DAY)
    fired = flags.groupby("student_id")["rule"].agg(set)
    listed = queue.set_index("student_id")["rules"].map(lambda r: set(r.split(";")) - {""})
    assert all(listed[s] <= fired.get(s, set()) for s in listed.index)
    assert (listed.map(len) > 0).sum() == len(set(fired.index) & set(listed.index))
    tier = pd.to_numeric(queue["suggested_tier"]).fillna(0)
    # Need order without a model: tier 3, then 2, then the rest (conversation, then none).
    assert tier.is_monotonic_decreasing


def test_early_focus_puts_the_students_over_the_line_last_each_part_in_need_order(tables):
    queue = need_queue(tables, DEFINITION, DAY)  # focus="early", the default
    need = need_queue(tables, DEFINITION, DAY, focus="need")
    over = queue["student_id"].isin(_over_the_line(tables))
    assert 0 < over.sum() < len(queue)
    assert not over.iloc[: (~over).sum()].any()  # everyone not yet over the line comes first
    # Within each part, the need order.
    for part in (False, True):
        mine = set(queue.loc[over == part, "student_id"])
        expected = [s for s in need["student_id"] if s in mine]
        assert queue.loc[over == part, "student_id"].tolist() == expected


def test_with_the_model_the_chance_is_the_models_score_and_factors_are_its_words(tables, model):
    queue = need_queue(tables, DEFINITION, DAY, model, focus="need")
    scored = score(tables, DEFINITION, DAY, model, explain=1.0)
    both = queue.merge(scored, on=["student_id", "school_id"])
    assert len(both) == len(queue) == len(scored)
    assert (both["chance_chronic"] - both["probability"]).abs().max() < 1e-4
    assert (both["main_factors"] == both["top_factors"]).all()
    tier_3 = queue["suggested_tier"].eq(3).fillna(False).astype(bool)
    assert 0 < tier_3.sum() < len(queue)
    assert tier_3.iloc[: tier_3.sum()].all()  # tier 3 first, then the model's order
    assert queue.loc[~tier_3, "chance_chronic"].is_monotonic_decreasing


def test_keep_picks_the_rows_before_their_factors_are_worked_out(tables, model):
    queue = need_queue(tables, DEFINITION, DAY, model, keep=lambda q: q.head(3))
    assert queue["rank"].tolist() == [1, 2, 3]
    assert (queue["main_factors"] != "").all()
