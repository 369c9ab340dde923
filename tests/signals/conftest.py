"""The small synthetic district and the model trained on it, shared by the model's tests.

Trained on 2023 and 2024 as of the first of October, December and February, it is tested on
2025, which it never saw (model_district.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from homeroom.contract.tables import Tables
from homeroom.definitions import load_definition
from homeroom.signals.evaluation import Evaluation, evaluate
from homeroom.signals.model import ChronicModel
from homeroom.signals.training import train
from signals.model_district import synthetic_tables

DEFINITION = load_definition("default")
MONTHS = (10, 12, 2)


@pytest.fixture(scope="session")
def tables() -> Iterator[Tables]:
    tables, con = synthetic_tables(DEFINITION)
    yield tables
    con.close()


@pytest.fixture(scope="session")
def model(tables: Tables) -> ChronicModel:
    return train(tables, DEFINITION, months=MONTHS, threads=1)


@pytest.fixture(scope="session")
def evaluation() -> Evaluation:
    """The evaluation of the synthetic district, checked as of 1 October and 1 January only
    (to keep the run short), trained on the years before 2025."""
    tables, con = synthetic_tables(DEFINITION)
    try:
        return evaluate(tables, DEFINITION, months=(10, 1), capacity=0.05, cut=0.5, threads=1)
    finally:
        con.close()
