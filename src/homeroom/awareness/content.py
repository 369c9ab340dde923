"""The facts of each awareness sheet: a school's or a district's chronic absence rate and the
figure beside it, from the metrics layer's aggregates (never student rows).

The figure beside a unit is its state's (every school of the data in that state) when the data
holds more than one district there; with one district, a school is set beside its district and
the district stands alone (its "state" would be itself). A figure counted over fewer eligible
students than the definition's minimum group size is not shown (`rate` is None).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from homeroom.definitions import Definition

Frames = Callable[[str], pd.DataFrame]  # a level ("school", "district", "state") -> aggregates


@dataclass(frozen=True)
class Figure:
    """One unit's share of eligible students chronically absent."""

    kind: str  # "school", "district" or "state"
    name: str  # the school's or district's name; the state's code ("" when the data has none)
    rate: float | None  # None: too few students to show (privacy)
    eligible: int


@dataclass(frozen=True)
class UnitFacts:
    """Everything one sheet states about its unit, and how it was counted."""

    unit_id: str
    own: Figure
    beside: Figure | None  # the larger unit it is compared with; None when there is none
    school_year: int
    as_of: dt.date
    definition: str  # "default 2026.2"
    threshold_share: Fraction | None
    threshold_days: Fraction | None
    minimum_days: int
    minimum_group: int

    @property
    def charted(self) -> bool:
        """A chart is drawn only when the unit's own figure may be shown."""
        return self.own.rate is not None


def gather(
    frames: Frames,
    schools: pd.DataFrame,
    definition: Definition,
    as_of: dt.date,
    *,
    school: str | None = None,
) -> list[UnitFacts]:
    """The sheets' facts: every school then every district, or only SCHOOL (its id)."""
    year = int(frames("school")["school_year"].max())
    rows = {level: _of_year(frames(level), year) for level in ("school", "district", "state")}
    places = _places(schools)
    min_group = int(definition.minimum_group_size)
    units = places if school is None else places[places["school_id"] == school]
    if units.empty:
        raise LookupError(f"no school {school!r} in the data")

    def facts(unit_id: str, own: Figure, beside: Figure | None) -> UnitFacts:
        return UnitFacts(
            unit_id, own, beside, year, as_of,
            f"{definition.name} {definition.version}",
            definition.threshold_share, definition.threshold_days,
            int(definition.minimum_days_enrolled), min_group,
        )  # fmt: skip

    out = []
    for place in units.itertuples(index=False):
        own = _private(
            _figure(rows["school"], "school_id", place.school_id, "school", place.school_name),
            min_group,
        )
        out.append(facts(str(place.school_id), own, _above(place, rows, places, min_group)))
    if school is None:
        for place in places.drop_duplicates("district_id").itertuples(index=False):
            own = _figure(rows["district"], "district_id", place.district_id, "district",
                          place.district_name)  # fmt: skip
            beside = _state(place, rows, places, min_group)
            out.append(facts(str(place.district_id), _private(own, min_group), beside))
    return out


def _of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["school_year"] == year] if "school_year" in frame else frame


def _places(schools: pd.DataFrame) -> pd.DataFrame:
    """Each school's id, name, district and state (as text; "" when the data has no state)."""
    places = schools.copy()
    if "state" not in places:
        places["state"] = ""
    places["state"] = places["state"].fillna("").astype(str)
    for column in ("school_id", "district_id"):
        places[column] = places[column].astype(str)
    return places.sort_values(["district_id", "school_id"]).reset_index(drop=True)


def _figure(rows: pd.DataFrame, key: str, value: object, kind: str, name: object) -> Figure:
    match = rows[rows[key].astype(str) == str(value)] if key in rows else rows.iloc[0:0]
    if match.empty:
        return Figure(kind, str(name), None, 0)
    row = match.iloc[0]
    rate = float(row["chronic_absence_rate"])
    return Figure(kind, str(name), None if math.isnan(rate) else rate,
                  int(row["students_eligible"]))  # fmt: skip


def _private(figure: Figure, min_group: int) -> Figure:
    """The figure, its rate hidden when fewer students than the minimum group were counted."""
    if figure.eligible < min_group:
        return Figure(figure.kind, figure.name, None, figure.eligible)
    return figure


def _districts_in(places: pd.DataFrame, state: str) -> int:
    return int(places.loc[places["state"] == state, "district_id"].nunique())


def _state(place: Any, rows: dict, places: pd.DataFrame, min_group: int) -> Figure | None:
    """The state's figure, when the data holds more than one district in it."""
    state = str(place.state)
    if _districts_in(places, state) < 2:
        return None
    frame = rows["state"]
    if state and "state" in frame and (frame["state"].astype(str) == state).any():
        figure = _figure(frame, "state", state, "state", state)
    else:  # the data names no state: its top level is every school in it
        figure = _figure(frame.iloc[:1].assign(key="x"), "key", "x", "state", state)
    return _private(figure, min_group)


def _above(place: Any, rows: dict, places: pd.DataFrame, min_group: int) -> Figure | None:
    """A school's state, else (one district in the data) its district."""
    state = _state(place, rows, places, min_group)
    if state is not None:
        return state
    district = _figure(
        rows["district"], "district_id", place.district_id, "district", place.district_name
    )
    return _private(district, min_group)
