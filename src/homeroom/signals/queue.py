"""The need queue as of a date: every enrolled student, ranked by the rules and the model.

`need_queue(tables, definition, as_of, model)` runs the rules (homeroom.signals.flags), works out
the model's features once for the enrolled students and, when a model is trained, their chance
of ending the year chronically absent (homeroom.signals.scoring); homeroom.signals.ranking
orders them (docs/signals.md, "The ranked queue").
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals.features import school_year_at, student_features, student_history
from homeroom.signals.flags import Progress, flag_students
from homeroom.signals.model import ChronicModel
from homeroom.signals.ranking import rank_queue
from homeroom.signals.scoring import score


def need_queue(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    model: ChronicModel | None = None,
    *,
    threads: int | None = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row per student enrolled on D, need order (ranking.QUEUE_COLUMNS); `chance_chronic`
    empty when `model` is None."""
    say = progress or (lambda _step: None)
    flags = flag_students(tables, definition, as_of, progress=progress)
    say("finding the students enrolled")
    year = school_year_at(tables, as_of)
    history = student_history(tables, definition, year)
    features = student_features(tables, definition, as_of, year, history)
    enrolled = features.loc[features["enrolled_now"], ["student_id", "school_id", "absence_rate"]]
    chances = None
    if model is not None:
        say(f"scoring {len(enrolled):,} students with the model")
        scored = score(
            tables, definition, as_of, model, explain=0.0, features=features, threads=threads
        )
        chances = scored.loc[:, ["student_id", "school_id", "probability"]]
    say("ranking")
    return rank_queue(enrolled, flags, chances)
