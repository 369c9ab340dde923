"""The predictive model: the chance a student ends the school year chronically absent.

Trained on the district's own earlier years. Each training row is a student as of the first of
a month (September to March by default) with the features of `homeroom.signals.features`, and
its label says whether that student ended that year chronically absent under the definition
(`homeroom.metrics`, whole year, the student counted once in the district).

The learner is scikit-learn's HistGradientBoostingClassifier (missing values handled natively;
monotone in the absence counts, so more absence never lowers the chance), calibrated on
students it was not fitted on. Three candidates are compared on a third set of students by
Brier score, and the best is kept: boosting + isotonic calibration, boosting + sigmoid (Platt)
calibration, and a plain logistic regression. Students, not rows, are split, so one student's
several dates never sit on both sides.

Explanations (`top_factors`) are per row and need no permutations: for each group of features
(recent absences, this year so far, last year, …) the row's values are replaced by the median of
the students scored on the same date (a typical student today) and the model's log-odds are
computed again; the groups whose own values raise the log-odds most are named, in words built
from the row's values, largest first.

Models are saved with joblib under the workspace (`models/NAME.joblib` with a JSON sidecar of
metadata and the file's SHA-256). Unpickling a file runs code, so `load_model` reads only from
the workspace's own models folder and only a file whose hash matches its sidecar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import to_frame
from homeroom.signals.features import (
    FEATURE_NAMES,
    school_year_at,
    student_features,
    student_history,
    year_end_outcomes,
)

DEFAULT_MONTHS = (9, 10, 11, 12, 1, 2, 3)
MODELS_FOLDER = "models"
DEFAULT_NAME = "chronic"
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
SPLIT = (0.7, 0.15, 0.15)  # students to fit on, to calibrate on, to choose the candidate on
# Rows the boosting is fitted on, at most (whole students kept): more than this changed nothing
# measurable on the synthetic district and costs time linearly (docs/signals.md).
MAX_FIT_ROWS = 300_000

Progress = Callable[[str], None]


class ModelError(ValueError):
    """A model that cannot be trained, saved or loaded; the message says what to do."""


@dataclass
class ChronicModel:
    estimator: object  # predict_proba(X)[:, 1] is the calibrated chance
    raw: object  # decision_function(X): the log-odds the explanations compare
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

    def metadata(self) -> dict:
        data = asdict(self)
        del data["estimator"], data["raw"]
        data["features"] = list(self.features)
        data["years"] = list(self.years)
        data["months"] = list(self.months)
        data["unused"] = list(self.unused)
        return data


def matrix(frame: pd.DataFrame, features: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    return frame.loc[:, list(features)].to_numpy(dtype="float64", na_value=np.nan)


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


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype="float64") - np.asarray(y, dtype="float64")) ** 2))


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


def _fit(
    rows: pd.DataFrame,
    definition: Definition,
    years: Sequence[int],
    months: Sequence[int],
    seed: int,
    progress: Progress | None,
) -> ChronicModel:
    import sklearn
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

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
    fit_, cal, choose = (part == 0), (part == 1), (part == 2)
    fit_ = _at_most(fit_, rows["student_id"], MAX_FIT_ROWS, seed)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    if progress:
        progress(f"fitting gradient boosting on {int(fit_.sum()):,} rows")
    boosted = HistGradientBoostingClassifier(
        # 60 rounds at 0.2: as good on a held-out year as 100 at 0.1 or 200 with early stopping
        # (AUC and Brier within 0.0005 on the synthetic district), in well under half the time.
        max_iter=60,
        learning_rate=0.2,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        monotonic_cst=[1 if name in RISING else 0 for name in FEATURE_NAMES],
        early_stopping=False,
        random_state=seed,
    ).fit(x[fit_], y[fit_])
    seconds["boosting"] = time.perf_counter() - started

    started = time.perf_counter()
    if progress:
        progress("fitting logistic regression")
    logistic = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    ).fit(x[fit_ | cal], y[fit_ | cal])
    seconds["logistic"] = time.perf_counter() - started

    started = time.perf_counter()
    if progress:
        progress("calibrating on held-out students")
    candidates: dict[str, tuple[object, object]] = {}
    for method in ("isotonic", "sigmoid"):
        calibrated = CalibratedClassifierCV(FrozenEstimator(boosted), method=method)
        calibrated.fit(x[cal], y[cal])
        candidates[method] = (calibrated, boosted)
    candidates["logistic"] = (logistic, logistic)
    scores = {
        name: brier(y[choose], estimator.predict_proba(x[choose])[:, 1])
        for name, (estimator, _) in candidates.items()
    }
    seconds["calibration"] = time.perf_counter() - started
    best = min(scores, key=scores.get)
    estimator, raw = candidates[best]
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
        base_rate=float(y.mean()),
        candidates={
            **scores,
            "base rate (no model)": brier(y[choose], np.full(choose.sum(), y[fit_].mean())),
        },
        seconds=seconds,
        sklearn_version=sklearn.__version__,
        unused=tuple(name for name, gone in zip(FEATURE_NAMES, empty, strict=True) if gone),
    )


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


# -- scoring and explanations --------------------------------------------------------------------
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


def check_definition(model: ChronicModel, definition: Definition) -> None:
    wanted = f"{definition.name} {definition.version}"
    if model.definition != wanted:
        raise ModelError(
            f"the model was trained under the definition {model.definition!r}, not {wanted!r}; "
            "train it again with this definition (homeroom signals train)"
        )


@dataclass(frozen=True)
class FactorGroup:
    key: str
    columns: tuple[str, ...]
    words: Callable[[pd.DataFrame], pd.Series]  # the phrase for each row given, vectorised
    missing_is_news: bool = False  # a missing value is itself the factor (no record last year)


def _n(values: pd.Series) -> pd.Series:
    """Day counts as people write them: 6, 5.5."""
    rounded = values.astype("float64").round(1)
    whole = rounded.round(0)
    text = rounded.map("{:.1f}".format)
    return text.where(rounded != whole, whole.map("{:.0f}".format)).where(values.notna(), "?")


def _pct(values: pd.Series) -> pd.Series:
    return (values.astype("float64") * 100).map("{:.0f}%".format)


def _recent(f: pd.DataFrame) -> pd.Series:
    return (
        "absent "
        + _n(f.absent_last_20)
        + " of the last "
        + _n(f.enrolled_last_20)
        + (" school days")
    )


def _this_year(f: pd.DataFrame) -> pd.Series:
    return (
        "absent "
        + _n(f.days_absent)
        + " of "
        + _n(f.days_enrolled)
        + " days this year ("
        + _pct(f.absence_rate)
        + ")"
    )


def _earlier(f: pd.DataFrame, rate: str, chronic: str, when: str) -> pd.Series:
    text = "absent " + _pct(f[rate]) + f" of days {when}"
    text = text.where(f[chronic] != 1, f"chronically absent {when} (" + _pct(f[rate]) + ")")
    return text.where(f[rate].notna(), f"no attendance record from {when}")


def _trend(f: pd.DataFrame) -> pd.Series:
    return (
        "absences rising: "
        + _pct(f.rate_last_20)
        + " of the last 20 school days against "
        + _pct(f.rate_last_20 - f.trend)
        + " before"
    )


def _entry(f: pd.DataFrame) -> pd.Series:
    text = "arrived on school day " + _n(f.first_day_number) + " of the year"
    return text.where(f.first_day_number > 1, "enrolled since the first day")


def _grade(f: pd.DataFrame) -> pd.Series:
    words = f.grade.map(lambda g: {-1: "PK", 0: "KG"}.get(int(g), str(int(g))) if g == g else "?")
    return "in grade " + words


FACTOR_GROUPS: tuple[FactorGroup, ...] = (
    FactorGroup("recent", ("absent_last_10", "absent_last_20", "rate_last_20"), _recent),
    FactorGroup("this_year", ("days_absent", "absence_rate", "days_excused"), _this_year),
    FactorGroup(
        "unexcused", ("days_unexcused",), lambda f: _n(f.days_unexcused) + " unexcused days absent"
    ),
    FactorGroup(
        "suspension", ("days_suspended",), lambda f: "suspended " + _n(f.days_suspended) + " days"
    ),
    FactorGroup(
        "prior_year",
        ("prior_rate", "prior_chronic", "prior_days_enrolled"),
        lambda f: _earlier(f, "prior_rate", "prior_chronic", "last year"),
        missing_is_news=True,
    ),
    FactorGroup(
        "two_years_back",
        ("prior2_rate", "prior2_chronic"),
        lambda f: _earlier(f, "prior2_rate", "prior2_chronic", "two years ago"),
        missing_is_news=True,
    ),
    FactorGroup("trend", ("trend",), _trend),
    FactorGroup(
        "run", ("longest_run",), lambda f: "missed " + _n(f.longest_run) + " school days in a row"
    ),
    FactorGroup(
        "monday_friday",
        ("monday_friday_share",),
        lambda f: _pct(f.monday_friday_share) + " of absences on a Monday or Friday",
    ),
    FactorGroup("entry", ("first_day_number", "days_since_entry"), _entry),
    FactorGroup(
        "moves",
        ("schools_this_year",),
        lambda f: "attended " + _n(f.schools_this_year) + " schools this year",
    ),
    FactorGroup("grade", ("grade",), _grade),
)
# A group is named only when it moves the log-odds at least this much (about 5% in odds).
MIN_CONTRIBUTION = 0.05
MAX_FACTORS = 3
NOTHING_STANDS_OUT = "no single factor stands out"


def typical_values(model: ChronicModel, rows: pd.DataFrame) -> np.ndarray:
    """The median of each feature over the rows (missing where every row is missing)."""
    x = matrix(rows, model.features)
    if len(x) == 0:
        return np.zeros(x.shape[1])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column's median
        return np.nanmedian(x, axis=0)


def contributions(
    model: ChronicModel, rows: pd.DataFrame, typical: np.ndarray | None = None
) -> pd.DataFrame:
    """Per row and factor group: the row's log-odds minus the log-odds with that group typical.

    "Typical" (`typical_values`) defaults to the median of the rows given; `score` passes the
    median of all students scored on the date. A group whose own value is missing (no absences
    yet, so no Monday/Friday share) is not a factor, except last year's and two years back's,
    where having no record is itself news.
    """
    x = matrix(rows, model.features)
    base = model.log_odds(x)
    index = {name: i for i, name in enumerate(model.features)}
    if typical is None:
        typical = typical_values(model, rows)
    out = {}
    for group in FACTOR_GROUPS:
        changed = x.copy()
        for column in group.columns:
            changed[:, index[column]] = typical[index[column]]
        effect = base - model.log_odds(changed)
        if not group.missing_is_news:
            effect[np.isnan(x[:, index[group.columns[0]]])] = -np.inf
        out[group.key] = effect
    return pd.DataFrame(out, index=rows.index)


def explain_rows(
    model: ChronicModel, rows: pd.DataFrame, typical: np.ndarray | None = None
) -> list[str]:
    """Each row's main factors in words, largest first, separated by '; '."""
    if len(rows) == 0:
        return []
    rows = rows.reset_index(drop=True)
    values = contributions(model, rows, typical).to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :MAX_FACTORS]
    strength = np.take_along_axis(values, order, axis=1)
    text = np.full(len(rows), "", dtype=object)
    for position in range(order.shape[1]):
        picked = np.full(len(rows), None, dtype=object)
        for j, group in enumerate(FACTOR_GROUPS):
            chosen = (order[:, position] == j) & (strength[:, position] >= MIN_CONTRIBUTION)
            where = np.flatnonzero(chosen)
            if len(where):
                picked[where] = group.words(rows.iloc[where]).astype(object).to_numpy()
        has = np.flatnonzero(picked != None)  # noqa: E711 (element-wise on an object array)
        first = text[has] == ""
        text[has] = np.where(first, picked[has], text[has] + "; " + picked[has])
    text[text == ""] = NOTHING_STANDS_OUT
    return text.tolist()


@contextmanager
def cores(threads: int | None) -> Iterator[None]:
    """Limit scikit-learn's OpenMP and BLAS threads inside the block (None: no limit)."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


# -- saving and loading --------------------------------------------------------------------------
def models_folder(workspace_root: Path) -> Path:
    return Path(workspace_root) / MODELS_FOLDER


def save_model(model: ChronicModel, workspace_root: Path, name: str = DEFAULT_NAME) -> Path:
    """Write models/NAME.joblib and models/NAME.json (metadata and SHA-256) in the workspace."""
    import joblib

    _check_name(name)
    folder = models_folder(workspace_root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.joblib"
    joblib.dump(model, path)
    meta = {**model.metadata(), "sha256": _sha256(path), "file": path.name}
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path


def load_model(workspace_root: Path, name: str = DEFAULT_NAME) -> ChronicModel:
    """The workspace's saved model NAME, after checking its hash and scikit-learn version."""
    import joblib
    import sklearn

    _check_name(name)
    folder = models_folder(workspace_root)
    path, sidecar = folder / f"{name}.joblib", folder / f"{name}.json"
    if not path.exists() or not sidecar.exists():
        raise ModelError(
            f"no model named {name!r} in {folder}; train one with `homeroom signals train`"
        )
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if meta.get("sha256") != _sha256(path):
        raise ModelError(
            f"{path} does not match the hash recorded when it was saved; it is not loaded "
            "(a model file runs code when loaded). Train the model again."
        )
    if meta.get("sklearn_version") != sklearn.__version__:
        raise ModelError(
            f"the model was saved with scikit-learn {meta.get('sklearn_version')} and this is "
            f"{sklearn.__version__}; train it again"
        )
    model = joblib.load(path)
    if not isinstance(model, ChronicModel):
        raise ModelError(f"{path} does not hold a Homeroom model")
    return model


def _check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ModelError(f"a model name is letters, digits, '-' and '_' only; got {name!r}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
