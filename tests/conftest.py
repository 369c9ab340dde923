"""How `make test` shares the tests between its workers (pytest-xdist, `--dist loadscope`).

xdist's loadscope keeps each module on one worker (its fixtures are built once) and by default
hands modules out by number of tests, most first. The slowest modules have few tests (a Spark
parity check is one test of a minute or more), so they came last, and one worker ran the last
minutes of the suite alone. Here:

- every module with `spark` in its file name is one unit, so the Spark tests share one worker
  and its one Spark session (~10 s to start and as long again to warm up), not one each;
- units go out longest first (what the last run on this checkout took, kept in pytest's cache;
  on a clean clone, the Spark unit first and then by number of tests), so the work ends evenly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from scheduling import SECONDS_KEY, order_of_units, unit_of

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pragma: no cover - xdist is a dev dependency
    LoadScopeScheduling = None


if LoadScopeScheduling is not None:

    class LongestFirstScheduling(LoadScopeScheduling):  # type: ignore[misc, valid-type]
        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            self._ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered:  # once, when the collection is known and nothing is out
                self._ordered = True
                cache = getattr(self.config, "cache", None)
                seconds = cache.get(SECONDS_KEY, {}) if cache is not None else {}
                units = dict(self.workqueue)
                self.workqueue.clear()
                for unit in order_of_units(units, seconds):
                    self.workqueue[unit] = units[unit]
            super()._assign_work_unit(node)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        if getattr(config.option, "dist", None) == "loadscope":
            return LongestFirstScheduling(config, log)
        return None


_unit_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _unit_seconds[unit_of(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The controller keeps what each unit took for the next run's order; a run of a few
    modules updates theirs and keeps the others'."""
    config = session.config
    cache = getattr(config, "cache", None)
    if hasattr(config, "workerinput") or cache is None or not _unit_seconds:
        return
    if getattr(config.option, "dist", None) == "loadscope":
        measured = {unit: round(seconds, 1) for unit, seconds in _unit_seconds.items()}
        cache.set(SECONDS_KEY, {**cache.get(SECONDS_KEY, {}), **measured})
