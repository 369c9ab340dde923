"""Fixtures for the report tests: the hand-built district of report_frames.py."""

from __future__ import annotations

import pytest
from report_frames import GROUPS, NAMES, FakeMetrics, district_frame, group_frame, school_frame

from homeroom.definitions import load_definition
from homeroom.definitions.profile import Definition
from homeroom.reports import Summary, build_summary


@pytest.fixture
def definition() -> Definition:
    return load_definition("default")


@pytest.fixture
def metrics() -> FakeMetrics:
    frames = {("district", ()): district_frame(), ("school", ()): school_frame()}
    for column in GROUPS:
        frames[("district", (column,))] = group_frame(column)
    return FakeMetrics(frames)


@pytest.fixture
def summary(metrics: FakeMetrics, definition: Definition) -> Summary:
    return build_summary(metrics, definition, names=NAMES)
