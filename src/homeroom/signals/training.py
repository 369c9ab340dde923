"""Training the model on the district's own earlier years, and choosing its calibration.

Each training row is a student as of the first of a month (September to March by default) with
the features of `homeroom.signals.features`, and its label says whether that student ended that
year chronically absent under the definition (`homeroom.metrics`, whole year, the student
counted once in the district).

The learner is scikit-learn's HistGradientBoostingClassifier (missing values handled natively;
monotone in the absence counts, so more absence never lowers the chance), calibrated on
students it was not fitted on. Three candidates are compared on a third set of students by
Brier score, and the best is kept: boosting + isotonic calibration, boosting + sigmoid (Platt)
calibration, and a plain logistic regression. Students, not rows, are split, so one student's
several dates never sit on both sides.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import to_frame
from homeroom.signals.features import (
    FEATURE_NAMES,
    student_features,
    student_history,
    year_end_outcomes,
)
from homeroom.signals.measures import brier
from homeroom.signals.model import (
    DEFAULT_MONTHS,
    RISING,
    ChronicModel,
    Classifier,
    Estimator,
    ModelError,
    Progress,
    Ranker,
    cores,
    matrix,
)

SPLIT = (0.7, 0.15, 0.15)  # students to fit on, to calibrate on, to choose the candidate on
# Rows the boosting is fitted on, at most (whole students kept): more than this changed nothing
# measurable on the synthetic district and costs time linearly (docs/signals.md).
MAX_FIT_ROWS = 300_000


def check_dates(year: int, months: Sequence[int] = DEFAULT_MONTHS) -> list[dt.date]:
    """The first of each month of a school year (July onwards belongs to the year before)."""
    return [dt.date(year - 1 if m >= 7 else year, m, 1) for m in months]


def school_years(tables: Tables) -> list[int]:
    years = tables.calendar.select("school_year").distinct().to_pandas()["school_year"]
    return sorted(int(y) for y in years)


def default_training_years(tables: Tables, before: int | None = None) -> list[int]:
    """Complete years to learn from: every year before `before` (default: the latest year).

    The first year of the data is left out when two or more remain: its students have no prior
    year, so it would teach the model that a missing last year is ordinary.
    """
    years = school_years(tables)
    if not years:
        raise ModelError("the workspace holds no calendar; load a dataset first")
    limit = before if before is not None else years[-1]
    earlier = [y for y in years if y < limit]
    if len(earlier) >= 3:
        earlier = earlier[1:]
    if not earlier:
        raise ModelError(
            f"no complete school year before {limit} to learn from; load earlier years "
            "(the model learns from the district's own past)"
        )
    return earlier


def labelled_rows(
    tables: Tables,
    definition: Definition,
    year: int,
    as_of: dt.date,
    outcomes: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of the students enrolled on a date, with `chronic` = how their year ended.

    `outcomes` (`year_end_outcomes`) and `history` (`student_history`) of the year, already run,
    save working them out again for each date.
    """
    if outcomes is None:
        outcomes = to_frame(year_end_outcomes(tables, definition, year))
    rows = student_features(tables, definition, as_of, year, history)
    rows = rows[rows["enrolled_now"]]
    rows = rows.merge(
        outcomes[["district_id", "student_id", "chronic", "final_rate"]],
        on=["district_id", "student_id"],
        how="left",
    )
    rows["chronic"] = rows["chronic"].fillna(False).astype(bool)
    rows["as_of"] = as_of
    return rows.reset_index(drop=True)


def training_rows(
    tables: Tables,
    definition: Definition,
    years: Sequence[int],
    months: Sequence[int] = DEFAULT_MONTHS,
    progress: Progress | None = None,
) -> pd.DataFrame:
    frames = []
    for year in years:
        outcomes = to_frame(year_end_outcomes(tables, definition, year))
        history = student_history(tables, definition, year)
        for as_of in check_dates(year, months):
            if progress:
                progress(f"features as of {as_of.isoformat()}")
            frames.append(labelled_rows(tables, definition, year, as_of, outcomes, history))
    return pd.concat(frames, ignore_index=True)


def _split(students: pd.Series, seed: int) -> np.ndarray:
    """0 fit, 1 calibrate, 2 choose: per student, so a student's rows stay together."""
    unique = students.unique()
    rng = np.random.default_rng(seed)
    share = rng.random(len(unique))
    part = np.select([share < SPLIT[0], share < SPLIT[0] + SPLIT[1]], [0, 1], 2)
    lookup = pd.Series(part, index=unique)
    return lookup.loc[students].to_numpy()


def _at_most(mask: np.ndarray, students: pd.Series, limit: int, seed: int) -> np.ndarray:
    """The rows of `mask`, thinned to about `limit` by keeping a random set of whole students."""
    count = int(mask.sum())
    if count <= limit:
        return mask
    chosen = students[mask].unique()
    rng = np.random.default_rng(seed + 1)
    keep = rng.choice(chosen, size=int(len(chosen) * limit / count), replace=False)
    return mask & students.isin(keep).to_numpy()


def fit(
    rows: pd.DataFrame,
    *,
    definition: Definition,
    years: Sequence[int],
    months: Sequence[int] = DEFAULT_MONTHS,
    seed: int = 0,
    progress: Progress | None = None,
    threads: int | None = 1,
) -> ChronicModel:
    """Fit the candidates on labelled rows (`training_rows`) and keep the best calibrated one.

    `threads`: cores scikit-learn may use (None: all). 1 by default: on a machine other work
    keeps busy, OpenMP threads spin waiting for each other (the boosting at 50,000 students took
    40.7 s with both cores and 2.5 s with one, under a load of 6), and on a quiet machine more
    threads save little (docs/signals.md).
    """
    with cores(threads):
        return _fit(rows, definition, years, months, seed, progress)


@dataclass
class _Design:
    """The training matrix and which rows fit, calibrate and choose (whole students each)."""

    x: np.ndarray
    y: np.ndarray
    empty: np.ndarray  # per feature: no training row has it
    fit: np.ndarray
    calibrate: np.ndarray
    choose: np.ndarray


def _design(rows: pd.DataFrame, seed: int) -> _Design:
    y = rows["chronic"].to_numpy(dtype=bool)
    if y.all() or not y.any():
        raise ModelError(
            "every training row has the same outcome (all or none chronically absent); "
            "the model needs both to learn from"
        )
    x = matrix(rows)
    # A feature no training row has (two years back, when the data holds fewer years) is set to
    # 0 for fitting: constant, so no tree splits on it and it cannot matter when scoring.
    empty = np.isnan(x).all(axis=0)
    x[:, empty] = 0.0
    part = _split(rows["student_id"], seed)
    fit_ = _at_most(part == 0, rows["student_id"], MAX_FIT_ROWS, seed)
    return _Design(x, y, empty, fit_, part == 1, part == 2)


@contextmanager
def _timed(
    seconds: dict[str, float], step: str, progress: Progress | None, say: str
) -> Iterator[None]:
    if progress:
        progress(say)
    started = time.perf_counter()
    yield
    seconds[step] = time.perf_counter() - started


def _fit(
    rows: pd.DataFrame,
    definition: Definition,
    years: Sequence[int],
    months: Sequence[int],
    seed: int,
    progress: Progress | None,
) -> ChronicModel:
    import sklearn

    d = _design(rows, seed)
    seconds: dict[str, float] = {}
    with _timed(
        seconds, "boosting", progress, f"fitting gradient boosting on {int(d.fit.sum()):,} rows"
    ):
        boosted = _boosting(d, seed)
    with _timed(seconds, "logistic", progress, "fitting logistic regression"):
        logistic = _logistic(d)
    with _timed(seconds, "calibration", progress, "calibrating on held-out students"):
        candidates = _calibrated(boosted, d)
        candidates["logistic"] = (logistic, logistic)
        scores = {
            name: brier(d.y[d.choose], estimator.predict_proba(d.x[d.choose])[:, 1])
            for name, (estimator, _) in candidates.items()
        }
    best = min(scores, key=lambda name: scores[name])
    estimator, raw = candidates[best]
    base = np.full(int(d.choose.sum()), d.y[d.fit].mean())
    return ChronicModel(
        estimator=estimator,
        raw=raw,
        method=best,
        features=FEATURE_NAMES,
        definition=f"{definition.name} {definition.version}",
        years=tuple(int(v) for v in years),
        months=tuple(months),
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        rows=len(rows),
        students=int(rows["student_id"].nunique()),
        base_rate=float(d.y.mean()),
        candidates={**scores, "base rate (no model)": brier(d.y[d.choose], base)},
        seconds=seconds,
        sklearn_version=sklearn.__version__,
        unused=tuple(name for name, gone in zip(FEATURE_NAMES, d.empty, strict=True) if gone),
    )


def _boosting(d: _Design, seed: int) -> Classifier:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        # 60 rounds at 0.2: as good on a held-out year as 100 at 0.1 or 200 with early stopping
        # (AUC and Brier within 0.0005 on the synthetic district), in well under half the time.
        max_iter=60,
        learning_rate=0.2,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        monotonic_cst=[1 if name in RISING else 0 for name in FEATURE_NAMES],
        early_stopping=False,
        random_state=seed,
    ).fit(d.x[d.fit], d.y[d.fit])


def _logistic(d: _Design) -> Classifier:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    both = d.fit | d.calibrate
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    ).fit(d.x[both], d.y[both])


def _calibrated(boosted: Ranker, d: _Design) -> dict[str, tuple[Estimator, Ranker]]:
    """The boosting calibrated on the held-out calibration students, each way."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    candidates: dict[str, tuple[Estimator, Ranker]] = {}
    for method in ("isotonic", "sigmoid"):
        calibrated = CalibratedClassifierCV(FrozenEstimator(boosted), method=method)
        calibrated.fit(d.x[d.calibrate], d.y[d.calibrate])
        candidates[method] = (calibrated, boosted)
    return candidates


def train(
    tables: Tables,
    definition: Definition,
    years: Sequence[int] | None = None,
    *,
    months: Sequence[int] = DEFAULT_MONTHS,
    seed: int = 0,
    progress: Progress | None = None,
    threads: int | None = 1,
) -> ChronicModel:
    """Learn from the district's earlier years (default: `default_training_years`)."""
    years = list(years) if years is not None else default_training_years(tables)
    started = time.perf_counter()
    rows = training_rows(tables, definition, years, months, progress)
    features_seconds = time.perf_counter() - started
    model = fit(
        rows,
        definition=definition,
        years=years,
        months=months,
        seed=seed,
        progress=progress,
        threads=threads,
    )
    model.seconds = {"features": features_seconds, **model.seconds}
    return model
