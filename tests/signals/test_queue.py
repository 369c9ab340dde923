"""signals/queue: need_queue on the small synthetic district, against the rules, the enrolled
students and the model's own scores worked out apart."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from homeroom.signals.features import student_features
from homeroom.signals.flags import flag_students
from homeroom.signals.queue import need_queue
from homeroom.signals.ranking import QUEUE_COLUMNS
from homeroom.signals.scoring import score
from signals.conftest import DEFINITION

DAY = dt.date(2024, 12, 2)


def test_every_enrolled_student_once_with_the_rules_that_fire_and_no_chance(tables):
    queue = need_queue(tables, DEFINITION, DAY)
    assert list(queue.columns) == list(QUEUE_COLUMNS)
    features = student_features(tables, DEFINITION, DAY)
    enrolled = features[features["enrolled_now"]]
    assert sorted(queue["student_id"]) == sorted(enrolled["student_id"].astype(str))
    assert queue["rank"].tolist() == list(range(1, len(queue) + 1))
    assert queue["chance_chronic"].isna().all()
    flags = flag_students(tables, DEFINITION, DAY)
    fired = flags.groupby("student_id")["rule"].agg(set)
    listed = queue.set_index("student_id")["rules"].map(lambda r: set(r.split(";")) - {""})
    assert all(listed[s] <= fired.get(s, set()) for s in listed.index)
    assert (listed.map(len) > 0).sum() == len(set(fired.index) & set(listed.index))
    tier = pd.to_numeric(queue["suggested_tier"]).fillna(0)
    # Without a model: tier 3, then 2, then the rest (conversation, then none).
    assert tier.is_monotonic_decreasing


def test_with_the_model_the_chance_is_the_models_score(tables, model):
    queue = need_queue(tables, DEFINITION, DAY, model)
    scored = score(tables, DEFINITION, DAY, model, explain=0.0)
    both = queue.merge(scored, on=["student_id", "school_id"])
    assert len(both) == len(queue) == len(scored)
    assert (both["chance_chronic"] - both["probability"]).abs().max() < 1e-4
    tier_3 = queue["suggested_tier"].eq(3).fillna(False).astype(bool)
    assert 0 < tier_3.sum() < len(queue)
    assert tier_3.iloc[: tier_3.sum()].all()  # tier 3 first, then the model's order
    assert queue.loc[~tier_3, "chance_chronic"].is_monotonic_decreasing
