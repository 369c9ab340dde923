"""Shared work gives the same rows: a session's kept roll-ups, and Parquet written by DuckDB."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from homeroom.engine import to_frame, write_parquet
from homeroom.pipeline import MetricsSession, metrics_expression
from homeroom.resolver import Resolved, resolve

REQUESTS = [
    {"level": "student", "per": "school"},
    {"level": "student", "per": "district"},
    {"level": "student", "per": "state"},
    {"level": "school"},
    {"level": "district"},
    {"level": "district", "by": ("grade_level", "race_ethnicity")},
    {"level": "state", "by": ("grade_level",)},
]


@pytest.fixture(scope="module")
def request_(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A small synthetic state (two districts, two years, movers), validated in memory."""
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("state") / "data"
    generate(folder, students=700, schools=6, districts=2, years=2, seed=5)
    with resolve(data=folder) as resolved:
        yield resolved


def test_a_session_keeping_its_roll_ups_gives_the_same_rows(request_: Resolved) -> None:
    with request_.tables() as tables:
        plain = {
            i: to_frame(metrics_expression(tables, request_.definition, as_of=request_.as_of, **r))
            for i, r in enumerate(REQUESTS)
        }
        with MetricsSession(
            tables, request_.definition, as_of=request_.as_of, keep_rolled=True
        ) as session:
            for i, r in enumerate(REQUESTS):
                pd.testing.assert_frame_equal(session.frame(**r), plain[i])
            kept = set(session._rolled)
        assert kept == {"district", "state"}
        # Closed: its tables are gone.
        names = set(request_.con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        assert not [n for (n,) in names if n.startswith("homeroom_units_")]


def test_a_session_keeps_no_roll_up_unless_asked(request_: Resolved) -> None:
    with (
        request_.tables() as tables,
        MetricsSession(tables, request_.definition, as_of=request_.as_of) as session,
    ):
        session.frame("district")
        assert session._rolled == {}


@pytest.mark.parametrize("request_kind", REQUESTS, ids=lambda r: "-".join(map(str, r.values())))
def test_parquet_written_by_duckdb_reads_as_the_frame(
    request_: Resolved, request_kind: dict, tmp_path: Path
) -> None:
    with request_.tables() as tables:
        expr = metrics_expression(tables, request_.definition, as_of=request_.as_of, **request_kind)
        frame = to_frame(expr)
        rows = write_parquet(expr, tmp_path / "out" / "rows.parquet")
    frame.to_parquet(tmp_path / "pandas.parquet", index=False)  # as `--out` wrote it before
    assert rows == len(frame) > 0
    # Same columns, order, types (counts are int64, never the doubles DuckDB writes for sums).
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "rows.parquet"),
        pd.read_parquet(tmp_path / "pandas.parquet"),
    )
