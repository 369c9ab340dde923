"""Why the model gives a student their chance: the main factors, in words, per row.

Explanations need no permutations: for each group of features (recent absences, this year so
far, last year, ...) the row's values are replaced by the median of the students scored on the
same date (a typical student today) and the model's log-odds are computed again; the groups
whose own values raise the log-odds most are named, in words built from the row's values,
largest first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.signals.model import ChronicModel, matrix


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
    """Whole percent, cut (never rounded up): 9.9% reads 9%, so words never put a student over
    a line they have not reached (as the rules' reasons)."""
    cut = np.floor(values.astype("float64") * 100 + 1e-9)
    return cut.map("{:.0f}%".format)


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
