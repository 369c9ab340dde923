"""The predictive model: the chance a student ends the school year chronically absent.

Trained on the district's own earlier years (`homeroom.signals.training`): each training row is
a student as of the first of a month (September to March by default) with the features of
`homeroom.signals.features`, and its label says whether that student ended that year
chronically absent under the definition. The learner is scikit-learn's
HistGradientBoostingClassifier, calibrated on students it was not fitted on, or a plain
logistic regression when that scores better.

This module holds what a trained model is (`ChronicModel`, pickled by joblib under the class's
path here, so saved models keep loading) and what training, scoring
(`homeroom.signals.scoring`), explanations (`homeroom.signals.explain`) and the saved files
(`homeroom.signals.model_store`) share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from homeroom.definitions import Definition
from homeroom.signals.features import FEATURE_NAMES

DEFAULT_MONTHS = (9, 10, 11, 12, 1, 2, 3)
# Features the chance may only rise with: more absence never makes a student look safer.
RISING = (
    "days_absent",
    "days_excused",
    "days_unexcused",
    "days_suspended",
    "absence_rate",
    "absent_last_10",
    "absent_last_20",
    "rate_last_20",
    "longest_run",
    "prior_rate",
    "prior_chronic",
    "prior2_rate",
    "prior2_chronic",
)

Progress = Callable[[str], None]


class ModelError(ValueError):
    """A model that cannot be trained, saved or loaded; the message says what to do."""


class Estimator(Protocol):
    """A fitted classifier: `predict_proba(X)[:, 1]` is the chance of the positive class."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


class Ranker(Protocol):
    """A fitted classifier's log-odds, which explanations compare."""

    def decision_function(self, x: np.ndarray) -> np.ndarray: ...


class Classifier(Estimator, Ranker, Protocol):
    """Both: a boosting or a logistic regression before calibration."""


@dataclass
class ChronicModel:
    estimator: Estimator  # predict_proba(X)[:, 1] is the calibrated chance
    raw: Ranker  # decision_function(X): the log-odds the explanations compare
    method: str  # "isotonic", "sigmoid" or "logistic"
    features: tuple[str, ...]
    definition: str  # "name version"
    years: tuple[int, ...]
    months: tuple[int, ...]
    trained_at: str
    rows: int
    students: int
    base_rate: float
    candidates: dict[str, float] = field(default_factory=dict)  # Brier on the choosing students
    seconds: dict[str, float] = field(default_factory=dict)
    sklearn_version: str = ""
    unused: tuple[str, ...] = ()  # features missing in every training row (no effect)

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(matrix(frame, self.features))[:, 1]

    def log_odds(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        x = frame if isinstance(frame, np.ndarray) else matrix(frame, self.features)
        return np.asarray(self.raw.decision_function(x), dtype="float64")

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        del data["estimator"], data["raw"]
        data["features"] = list(self.features)
        data["years"] = list(self.years)
        data["months"] = list(self.months)
        data["unused"] = list(self.unused)
        return data


def matrix(frame: pd.DataFrame, features: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    return frame.loc[:, list(features)].to_numpy(dtype="float64", na_value=np.nan)


def check_definition(model: ChronicModel, definition: Definition) -> None:
    wanted = f"{definition.name} {definition.version}"
    if model.definition != wanted:
        raise ModelError(
            f"the model was trained under the definition {model.definition!r}, not {wanted!r}; "
            "train it again with this definition (homeroom signals train)"
        )


@contextmanager
def cores(threads: int | None) -> Iterator[None]:
    """Limit scikit-learn's OpenMP and BLAS threads inside the block (None: no limit)."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield
