"""A tiny synthetic district, loaded once: schools D01-E01 (39 eligible students), D01-H01 (23)
and D01-M01 (18), and the unit facts read from it through the metrics layer."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from homeroom.awareness.content import Figure, UnitFacts


@pytest.fixture(scope="package")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding one load of a three-school district of 80 students."""
    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset

    folder = tmp_path_factory.mktemp("awareness")
    generate(folder / "data", students=80, schools=3, years=1, seed=3)
    space = init_workspace(folder / "space")
    load_dataset(space, folder / "data")
    return space.root


def facts(
    rate: float | None = 0.125,
    beside: Figure | None = Figure("state", "OH", 0.2345, 9000),
    *,
    kind: str = "school",
    name: str = "Lincoln Elementary",
) -> UnitFacts:
    """One unit's facts by hand: 12.5% at Lincoln Elementary beside 23.45% in Ohio."""
    return UnitFacts(
        unit_id="S1",
        own=Figure(kind, name, rate, 40 if rate is not None else 6),
        beside=beside,
        school_year=2025,
        as_of=dt.date(2025, 3, 5),
        definition="default 2026.2",
        threshold_share=Fraction(1, 10),
        threshold_days=None,
        minimum_days=10,
        minimum_group=10,
    )
