"""The district overview and the school page: headline, tiers, schools, groups, trends.

Every number is read from the serving file's snapshots, where the metrics layer put it; this
module only picks rows, suppresses small groups (homeroom.reports.groups) and shapes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from homeroom.definitions import Definition
from homeroom.definitions.profile import SCHOOL_LEVELS, TIERS
from homeroom.reports import labels
from homeroom.reports.groups import GroupTable
from homeroom.reports.summary import (
    Headline,
    LevelCount,
    TierShare,
    ada_line,
)
from homeroom.web.data.common import (
    AT_RISK_OR_WORSE,
    definition_label,
    fresh,
    group_tables,
    number,
    query,
    text,
    with_school_names,
)
from homeroom.web.data.students import finished_rows, student_rows_select
from homeroom.web.scope import Scope
from homeroom.web.snapshot import (
    MONTH_END,
    YEAR_END,
    ServingData,
    ServingError,
    Snapshot,
    ensure_snapshot,
    same_point_date,
)

SCHOOL_COLUMNS = (
    "school_id",
    "school_name",
    "students_enrolled",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "ada",
    "level",
    "prior_chronic_absence_rate",
    "chronic_absence_rate_change",
    "suppressed",
)
TREND_COLUMNS = (
    "school_year",
    "school_year_label",
    "as_of",
    "month",
    "point",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "ada",
)
SAME_POINT_COLUMNS = (
    "school_year",
    "school_year_label",
    "as_of",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "ada",
    "change",
)


@dataclass(frozen=True)
class DistrictOverview:
    """The district page as of one date.

    `schools`: SCHOOL_COLUMNS, highest rate first; a school under the minimum group size has
    its numbers and level blanked (`suppressed`), as in the printed report.
    `trend`: TREND_COLUMNS, the rate at each month end of each school year (this year's up to
    `as_of`, then `as_of` itself: `point` is "month_end", "year_end" or "as_of").
    `same_point`: SAME_POINT_COLUMNS, each earlier year at the same point in the year, with
    `change` = this year's rate minus that year's.
    """

    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    district_id: str
    district_name: str
    definition: Definition
    definition_label: str
    headline: Headline
    ada_line: str
    tiers: tuple[TierShare, ...]
    schools: pd.DataFrame
    school_levels: tuple[LevelCount, ...]
    trend: pd.DataFrame
    same_point: pd.DataFrame


@dataclass(frozen=True)
class SchoolOverview:
    """The school page as of one date.

    `grades` and `groups` are suppressed below the definition's minimum group size
    (`homeroom.reports.groups.suppress`, with complementary suppression); `groups` holds each
    student-group column but grade. `watch_list`: the school's students at risk or chronically
    absent, highest rate first (STUDENT_ROW_COLUMNS), for roles that see students; None for
    aggregate-only roles.
    """

    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    school_id: str
    school_name: str
    district_name: str
    definition: Definition
    definition_label: str
    headline: Headline
    ada_line: str
    tiers: tuple[TierShare, ...]
    trend: pd.DataFrame
    same_point: pd.DataFrame
    grades: GroupTable | None
    groups: tuple[GroupTable, ...]
    watch_list: pd.DataFrame | None


def district_overview(
    serving: ServingData,
    scope: Scope,
    as_of: dt.date | None = None,
    district_id: str | None = None,
) -> DistrictOverview:
    """Aggregates only: every role may see it (school staff see the whole district's numbers).
    `district_id`: one district of several (None: the data's only district)."""
    del scope  # every role sees the district's aggregates; kept for one calling convention
    if district_id is not None and district_id not in serving.district_names:
        raise ServingError("no such district in the data")
    snapshot = serving.resolve(as_of)
    key = ("district_overview", snapshot.as_of, district_id)
    return fresh(serving.cached(key, lambda: _district_overview(serving, snapshot, district_id)))


def _district_overview(
    serving: ServingData, snapshot: Snapshot, district_id: str | None
) -> DistrictOverview:
    only = None if district_id is None else ("district_id", district_id)
    where, params = ("AND district_id = ?", [district_id]) if only else ("", [])
    with serving.cursor() as cur:
        districts = query(
            cur,
            "SELECT * FROM aggregates WHERE as_of = ? AND unit = 'district' AND group_column = ''"
            f" {where}",
            [snapshot.as_of, *params],
        )
        if len(districts) > 1:  # the pages ask for one district by id (/districts/{id})
            raise ServingError("the data hold several districts: choose one")
        district_id = text(districts["district_id"].iloc[0]) if len(districts) else district_id
        row = districts.iloc[0].to_dict() if len(districts) else None
        schools = query(
            cur,
            "SELECT * FROM aggregates WHERE as_of = ? AND unit = 'school' AND group_column = ''"
            f" {where}",
            [snapshot.as_of, *params],
        )
        trend = _trend(cur, snapshot, "district", only)
    minimum = serving.definition.minimum_group_size
    table = school_table(serving, schools, minimum)
    headline = headline_of(row, snapshot.school_year)
    return DistrictOverview(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        district_id=district_id or "",
        district_name=serving.district_names.get(district_id or "", serving.district_name),
        definition=serving.definition,
        definition_label=definition_label(serving.definition),
        headline=headline,
        ada_line=ada_line(headline, serving.definition),
        tiers=_tiers(row),
        schools=table,
        school_levels=_level_counts(table),
        trend=trend,
        same_point=_same_point(serving, snapshot, "district", only, headline),
    )


def school_overview(
    serving: ServingData, scope: Scope, school_id: str, as_of: dt.date | None = None
) -> SchoolOverview:
    """One school's page; school staff may open only their own schools."""
    school_id = str(school_id)
    scope.require_school(school_id)
    if school_id not in serving.school_names:
        raise ServingError("no such school in the data")
    snapshot = serving.resolve(as_of)
    key = ("school_overview", snapshot.as_of, school_id)
    page = fresh(serving.cached(key, lambda: _school_overview(serving, snapshot, school_id)))
    if not scope.sees_students:
        return page
    with serving.cursor() as cur:
        return replace(page, watch_list=_watch_list(cur, scope, snapshot, school_id))


def _school_overview(serving: ServingData, snapshot: Snapshot, school_id: str) -> SchoolOverview:
    """The school's aggregates, the same for every user (the watch list is added per user)."""
    minimum = serving.definition.minimum_group_size
    with serving.cursor() as cur:
        rows = query(
            cur,
            "SELECT * FROM aggregates WHERE as_of = ? AND unit = 'school' AND school_id = ?",
            [snapshot.as_of, school_id],
        )
        trend = _trend(cur, snapshot, "school", ("school_id", school_id))
    whole_school = rows[rows["group_column"] == ""]
    row = whole_school.iloc[0].to_dict() if len(whole_school) else None
    headline = headline_of(row, snapshot.school_year)
    tables = group_tables(rows, minimum)
    return SchoolOverview(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        school_id=school_id,
        school_name=serving.school_names[school_id],
        district_name=serving.district_name,
        definition=serving.definition,
        definition_label=definition_label(serving.definition),
        headline=headline,
        ada_line=ada_line(headline, serving.definition),
        tiers=_tiers(row),
        trend=trend,
        same_point=_same_point(serving, snapshot, "school", ("school_id", school_id), headline),
        grades=next((t for t in tables if t.column == "grade_level"), None),
        groups=tuple(t for t in tables if t.column != "grade_level"),
        watch_list=None,
    )


# -- pieces ----------------------------------------------------------------------------------
def headline_of(row: dict[str, Any] | None, year: int) -> Headline:
    """An aggregates row as the page's headline; a zero line when there is none (nobody enrolled
    yet as of the date, or no single unit to show)."""
    if row is None:
        return Headline(0, 0, 0, None, None, None, None, None, None)
    prior = number(row.get("prior_chronic_absence_rate"))
    return Headline(
        students_enrolled=int(row["students_enrolled"]),
        students_eligible=int(row["students_eligible"]),
        chronically_absent_count=int(row["chronically_absent_count"]),
        chronic_absence_rate=number(row["chronic_absence_rate"]),
        ada=number(row["ada"]),
        level=text(row["level"]),
        prior_school_year=year - 1 if prior is not None else None,
        prior_chronic_absence_rate=prior,
        change=number(row.get("chronic_absence_rate_change")),
    )


def _tiers(row: dict[str, Any] | None) -> tuple[TierShare, ...]:
    eligible = int(row["students_eligible"]) if row else 0
    shares = []
    for tier in TIERS:
        count = int(row[f"{tier}_count"]) if row else 0
        shares.append(
            TierShare(tier, labels.tier_label(tier), count, count / eligible if eligible else None)
        )
    return tuple(shares)


def school_table(serving: ServingData, schools: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """SCHOOL_COLUMNS of the schools' aggregate rows, highest rate first; a school under the
    minimum group size has its numbers and level blanked."""
    frame = schools.loc[:, [c for c in SCHOOL_COLUMNS if c in schools.columns]].copy()
    frame = with_school_names(serving, frame)
    small = frame["students_eligible"] < minimum
    frame["suppressed"] = small
    # A small school's rate, ADA and level would point at a handful of students.
    blanked = [c for c in SCHOOL_COLUMNS[3:-1] if c in frame.columns]
    for column in blanked:
        frame[column] = frame[column].astype(object)
    frame.loc[small, blanked] = None
    frame["_rate"] = frame["chronic_absence_rate"].astype(float)
    frame = frame.sort_values(
        ["suppressed", "_rate", "school_name"], ascending=[True, False, True], na_position="last"
    )
    return frame.drop(columns="_rate").loc[:, list(SCHOOL_COLUMNS)].reset_index(drop=True)


def _level_counts(schools: pd.DataFrame) -> tuple[LevelCount, ...]:
    levels = [text(v) for v in schools["level"]]
    counts = [
        LevelCount(level, labels.level_label(level), sum(v == level for v in levels))
        for level in SCHOOL_LEVELS
    ]
    unrated = sum(v is None for v in levels)
    if unrated:
        counts.append(LevelCount(None, "Not rated", unrated))
    return tuple(counts)


def _trend(cur: Any, snapshot: Snapshot, unit: str, only: tuple[str, str] | None) -> pd.DataFrame:
    """ONLY: (column, value) of the one school or district wanted, if the level holds several."""
    school = f"AND a.{only[0]} = ?" if only else ""
    school_id = only[1] if only else None
    params: list[Any] = [unit, snapshot.school_year, snapshot.school_year, snapshot.as_of]
    params += [school_id] if school_id else []
    params += [snapshot.as_of]
    frame = query(
        cur,
        "SELECT a.school_year, a.as_of, s.kind, a.students_eligible, "
        "a.chronically_absent_count, a.chronic_absence_rate, a.ada "
        "FROM aggregates a JOIN snapshots s ON s.as_of = a.as_of "
        f"WHERE a.unit = ? AND a.group_column = '' AND a.school_year <= ? "
        f"AND s.kind IN ('{MONTH_END}', '{YEAR_END}') "
        f"AND (a.school_year < ? OR a.as_of < ?) {school} "
        "UNION ALL "
        "SELECT a.school_year, a.as_of, 'as_of', a.students_eligible, "
        "a.chronically_absent_count, a.chronic_absence_rate, a.ada "
        f"FROM aggregates a WHERE a.as_of = ? AND a.unit = ? AND a.group_column = '' {school} "
        "ORDER BY 2",
        [*params, unit, *([school_id] if school_id else [])],
    )
    frame = frame.rename(columns={"kind": "point"})
    frame.insert(1, "school_year_label", frame["school_year"].map(labels.school_year))
    frame.insert(3, "month", [d.strftime("%b") for d in frame["as_of"]])
    return frame.loc[:, list(TREND_COLUMNS)]


def _same_point(
    serving: ServingData,
    snapshot: Snapshot,
    unit: str,
    only: tuple[str, str] | None,
    headline: Headline,
) -> pd.DataFrame:
    """Each earlier year as of the same point in its year (computed on demand if need be)."""
    school_id = only[1] if only else None
    known = serving.snapshots()
    points = []
    for year in serving.school_years:
        if year >= snapshot.school_year:
            continue
        day = same_point_date(snapshot, year, serving.year_spans, known)
        if day is not None:
            points.append(ensure_snapshot(serving, day))
    if not points:
        return pd.DataFrame(columns=list(SAME_POINT_COLUMNS))
    school = f"AND {only[0]} = ?" if only else ""
    marks = ", ".join("?" for _ in points)
    with serving.cursor() as cur:
        frame = query(
            cur,
            "SELECT school_year, as_of, students_eligible, chronically_absent_count, "
            "chronic_absence_rate, ada FROM aggregates "
            f"WHERE as_of IN ({marks}) AND unit = ? AND group_column = '' {school} "
            "ORDER BY as_of",
            [*(p.as_of for p in points), unit, *([school_id] if school_id else [])],
        )
    frame.insert(1, "school_year_label", frame["school_year"].map(labels.school_year))
    current = headline.chronic_absence_rate
    frame["change"] = [
        None if current is None or labels.is_missing(r) else current - float(r)
        for r in frame["chronic_absence_rate"]
    ]
    return frame.loc[:, list(SAME_POINT_COLUMNS)]


def _watch_list(cur: Any, scope: Scope, snapshot: Snapshot, school_id: str) -> pd.DataFrame:
    select, params = student_rows_select(scope, "student_rows")
    tiers = ", ".join(f"'{t}'" for t in AT_RISK_OR_WORSE)
    frame = query(
        cur,
        f"{select} AND r.as_of = ? AND r.school_id = ? AND r.tier IN ({tiers}) "
        "ORDER BY r.absence_rate DESC, r.days_absent DESC, r.student_id",
        [*params, snapshot.as_of, school_id],
    )
    return finished_rows(frame)


__all__ = ["DistrictOverview", "SchoolOverview", "district_overview", "school_overview"]
