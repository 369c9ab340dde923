"""Scoring: the chance each student enrolled on a date ends the year chronically absent, and why."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals.explain import explain_rows, typical_values
from homeroom.signals.features import school_year_at, student_features, student_history
from homeroom.signals.model import ChronicModel, check_definition, cores


def score(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    model: ChronicModel,
    *,
    explain: float = 1.0,
    features: pd.DataFrame | None = None,
    threads: int | None = 1,
) -> pd.DataFrame:
    """The chance each student enrolled on D ends the year chronically absent, and why.

    Columns: student_id, school_id, probability, top_factors, then school_year, district_id,
    grade_level. Sorted by probability, highest first. `explain`: the share of students, highest
    chance first, whose factors are written (1: all; 0: none, top_factors empty); explaining
    costs a dozen more passes of the model. `features`: a frame from `student_features` for the
    same date, to skip computing it again.
    """
    check_definition(model, definition)
    if features is None:
        year = school_year_at(tables, as_of)
        # The earlier years apart, then joined in pandas: one query for both made DuckDB hold
        # both at once and spill (a state of 6 million students: 144 s against 104 s).
        history = student_history(tables, definition, year)
        features = student_features(tables, definition, as_of, year, history)
    rows = features[features["enrolled_now"]].reset_index(drop=True)
    with cores(threads):
        probability = model.probability(rows) if len(rows) else np.zeros(0)
        factors = np.full(len(rows), "", dtype=object)
        count = int(np.ceil(min(max(explain, 0.0), 1.0) * len(rows)))
        if count:
            chosen = np.argsort(-probability, kind="stable")[:count]
            typical = typical_values(model, rows)
            factors[chosen] = explain_rows(model, rows.iloc[chosen], typical)
    out = pd.DataFrame(
        {
            "student_id": rows["student_id"],
            "school_id": rows["school_id"],
            "probability": probability,
            "top_factors": factors,
            "school_year": rows["school_year"],
            "district_id": rows["district_id"],
            "grade_level": rows["grade_level"],
        }
    )
    return out.sort_values(
        ["probability", "student_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
