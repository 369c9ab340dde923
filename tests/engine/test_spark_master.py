"""Where Spark runs: local mode by default, a cluster's master URL when the variable names one
(no Spark session is started here)."""

from __future__ import annotations

import pytest

from homeroom.engine.spark_engine import MASTER_VARIABLE, spark_master


def test_local_by_default_and_a_cluster_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MASTER_VARIABLE, raising=False)
    assert spark_master(2) == "local[2]"
    monkeypatch.setenv(MASTER_VARIABLE, "spark://state-cluster:7077")
    assert spark_master(2) == "spark://state-cluster:7077"
    monkeypatch.setenv(MASTER_VARIABLE, "")
    assert spark_master(4) == "local[4]"
