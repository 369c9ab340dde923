"""The engine against the plain-Python reference on random small datasets.

Each example draws a definition (a shipped profile, or a user file extending one with random
knobs), a dataset valid under it (plus deliberate duplicate attendance rows) and maybe an as-of
date, writes the files, validates them once and compares every student row (per school, district
and state) and every aggregate (school, district, state; with and without grade) exactly.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from datasets import (
    AGGREGATE_KEYS,
    STUDENT_KEYS,
    compare,
    datasets,
    definition_from_spec,
    definition_specs,
    records,
    write_dataset,
)
from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables
from homeroom.pipeline import MetricsSession, metrics_from_duckdb
from reference import Reference


def validate(folder: Path, con: duckdb.DuckDBPyConnection, definition: Definition) -> int:
    """Validate the folder into `con`; returns units_per_day. Nothing but duplicates may be
    quarantined: the generator only makes valid rows besides them."""
    from homeroom.contract import validate_dataset

    report = validate_dataset(folder, con, definition=definition)
    kinds = report.kinds if len(report.kinds) == report.quarantined else ["?"] * report.quarantined
    unexpected = [
        row
        for row, kind in zip(records(report.quarantine), kinds, strict=True)
        if kind != "duplicate" and "duplicate" not in str(row["reason"]).lower()
    ]
    assert not unexpected, f"valid rows were quarantined: {unexpected[:5]}"
    return report.units_per_day


# Every comparison one example can make: (level, per or by). Running all eleven costs ~1.3 s
# an example (mostly building and compiling the Ibis expressions), so each example runs the
# per-school student rows and a random handful of the others.
Check = tuple[str, Any]
CHECKS: tuple[Check, ...] = (
    ("student", "district"),
    ("student", "state"),
    ("school", ()),
    ("school", ("grade_level",)),
    ("school", "extra"),
    ("district", ()),
    ("district", ("grade_level",)),
    ("district", "extra"),
    ("state", ()),
    ("state", ("grade_level",)),
    ("state", "extra"),
)


def check_all(
    data: dict,
    definition: Definition,
    as_of: dt.date | None,
    by_extra: tuple[str, ...],
    checks: tuple[Check, ...] = CHECKS,
    use_session: bool = False,
    load: Callable[[Path, duckdb.DuckDBPyConnection, Definition], int] = validate,
) -> None:
    reference = Reference(data, definition)
    folder = Path(tempfile.mkdtemp(prefix="homeroom-prop-"))
    con = duckdb.connect()
    try:
        write_dataset(folder, data)
        units = load(folder, con, definition)
        # No date: the whole of every year, as the reference counts (the callers' default is
        # the latest attendance recorded, which homeroom.resolver decides, not the formulas).
        through = as_of or max(dt.date.fromisoformat(r["date"]) for r in data["calendar"])
        session = MetricsSession(duckdb_tables(con, units), definition, as_of=through)

        def engine(**request: Any) -> list[dict]:
            if use_session:
                # The path reports take: one stored pass over attendance for every request.
                return records(session.frame(**request))
            return records(metrics_from_duckdb(con, units, definition, as_of=through, **request))

        for level, what in (("student", "school"), *checks):
            if level == "student":
                compare(
                    engine(level="student", per=what),
                    reference.student_rows(per=what, as_of=as_of),
                    STUDENT_KEYS[what],
                    f"students per {what}",
                )
                continue
            by = by_extra if what == "extra" else what
            compare(
                engine(level=level, by=by),
                reference.aggregates(level, by=by, as_of=as_of),
                AGGREGATE_KEYS[level] + list(by),
                f"{level} by {by}",
            )
        session.close()
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


Case = tuple[dict, Definition, "dt.date | None", tuple[str, ...], tuple[Check, ...], bool]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    spec = draw(definition_specs())
    folder = Path(tempfile.mkdtemp(prefix="homeroom-def-"))
    try:
        definition = definition_from_spec(spec, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = draw(datasets(definition))
    dates = sorted({r["date"] for r in data["calendar"]})
    as_of = None
    if draw(st.integers(0, 2)):
        # Two examples in three have a date, from just before the first listed date to just
        # after the last.
        first, last = dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])
        as_of = first + dt.timedelta(days=draw(st.integers(-2, (last - first).days + 2)))
    by_extra = draw(
        st.sampled_from(
            [("race_ethnicity",), ("economically_disadvantaged",), ("grade_level", "sex")]
        )
    )
    checks = tuple(draw(st.lists(st.sampled_from(CHECKS), min_size=3, max_size=3, unique=True)))
    return data, definition, as_of, by_extra, checks, draw(st.booleans())


@settings(
    max_examples=20,  # ~3 s each: the suite stays under 15 minutes on 2 cores
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_engine_matches_reference(case: Case) -> None:
    data, definition, as_of, by_extra, checks, use_session = case
    check_all(data, definition, as_of, by_extra, checks, use_session)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_engine_matches_reference_on_every_check(case: Case) -> None:
    """Fewer examples, each compared at every level, so no level is left to chance."""
    data, definition, as_of, by_extra, _, use_session = case
    check_all(data, definition, as_of, by_extra, use_session=use_session)
