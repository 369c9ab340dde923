"""The need queue as of a date: every enrolled student, ranked by the rules and the model.

`need_queue(tables, definition, as_of, model)` runs the rules (homeroom.signals.flags, folded
into one row per flagged student by homeroom.signals.queue_flags a group of schools at a time),
works out the model's features once for the enrolled students (only their rates when no model
is trained) and, when a model is trained, their chance of ending the year chronically absent
(homeroom.signals.scoring); the need order is homeroom.signals.ranking's (docs/signals.md, "The
ranked queue").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals.crossings import on_the_line
from homeroom.signals.explain import explain_rows, typical_values
from homeroom.signals.features import school_year_at, student_features, student_history
from homeroom.signals.flags import Progress, flag_parts
from homeroom.signals.model import ChronicModel, cores
from homeroom.signals.queue_flags import folded, in_need_order
from homeroom.signals.ranking import queue_from_ranked
from homeroom.signals.scoring import score


def need_queue(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    model: ChronicModel | None = None,
    *,
    threads: int | None = 1,
    progress: Progress | None = None,
    focus: str = "early",
    keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    hand_back_memory: str | None = None,
) -> pd.DataFrame:
    """One row per student enrolled on D, need order (ranking.QUEUE_COLUMNS, then
    `main_factors`); `chance_chronic` and `main_factors` empty when `model` is None. `focus`: see
    ranking.rank_queue. `keep` picks the rows wanted (a school, a capacity) before the factors
    are worked out for them. `hand_back_memory`: the tables' connection is the command's own,
    with this memory limit (flags.flag_parts)."""
    say = progress or (lambda _step: None)
    upd = tables.units_per_day
    with flag_parts(
        tables, definition, as_of, progress=say, rates=model is None,
        hand_back_memory=hand_back_memory,
    ) as found:  # fmt: skip
        # Without a model the queue reads only the rates of the enrolled, which the rules'
        # stored parts give: no runs, windows or earlier years, no second look at the stays.
        if model is None:
            features = found.rates().assign(enrolled_now=True)
        # The flagged students' facts a group of schools at a time: at a state's size the
        # facts at once were 1.3 GiB of frame (docs/benchmarks.md).
        parts = [folded(facts, definition, upd) for facts in found.fact_parts("main reasons")]
    flags = in_need_order(parts)
    del parts
    if model is not None:
        say("the features of the students enrolled")
        year = school_year_at(tables, as_of)
        history = student_history(tables, definition, year)
        features = student_features(tables, definition, as_of, year, history)
    enrolled, chances = enrolled_and_chances(
        tables, definition, as_of, features, model, threads, say
    )
    if model is None:
        del features  # the rates were all the queue reads of them: gone before the ranking
    say("ranking")
    queue = queue_from_ranked(enrolled, flags, chances, focus=focus)
    del enrolled, flags, chances
    if keep is not None:
        queue = keep(queue)
    if model is None:
        queue["main_factors"] = ""  # (a frame of our own: no copy of a state's queue)
        return queue
    say(f"the main factors of {len(queue):,} students")
    return with_factors(queue, features, model, threads)


def enrolled_and_chances(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    features: pd.DataFrame,
    model: ChronicModel | None,
    threads: int | None,
    say: Progress,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What the queue reads of the date's features (student_features, or the rates of
    flags.FlagParts.rates without a model): the enrolled students (student_id, school_id,
    absence_rate, chronic_so_far) and, with a model, their chances."""
    wanted = ["student_id", "school_id", "absence_rate", "absent_units", "days_enrolled"]
    enrolled = features.loc[features["enrolled_now"].to_numpy(dtype=bool), wanted]
    enrolled = enrolled.reset_index(drop=True)
    enrolled["chronic_so_far"] = on_the_line(enrolled, definition, tables.units_per_day)
    enrolled = enrolled.drop(columns=["absent_units", "days_enrolled"])
    chances = None
    if model is not None:
        say(f"scoring {len(enrolled):,} students with the model")
        scored = score(
            tables, definition, as_of, model, explain=0.0, features=features, threads=threads
        )
        chances = scored.loc[:, ["student_id", "school_id", "probability"]]
    return enrolled, chances


def with_factors(
    queue: pd.DataFrame,
    features: pd.DataFrame,
    model: ChronicModel | None,
    threads: int | None = 1,
) -> pd.DataFrame:
    """The queue with `main_factors`: the model's main factors in words for each row (empty
    without a model). Typical values are the medians of every student enrolled on the date, as
    `signals score` uses; explain only the rows kept (capacity), it costs a dozen model passes."""
    out = queue.copy()
    out["main_factors"] = ""
    if model is None or out.empty:
        return out
    enrolled = features.loc[features["enrolled_now"]].reset_index(drop=True)
    enrolled = enrolled.astype({"student_id": str, "school_id": str})
    rows = out[["student_id", "school_id"]].merge(
        enrolled, on=["student_id", "school_id"], how="left"
    )
    with cores(threads):
        typical = typical_values(model, enrolled)
        out["main_factors"] = explain_rows(model, rows, typical)
    return out
