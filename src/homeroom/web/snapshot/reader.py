"""Reading a prepared serving file: one read-only connection shared by the requests.

Snapshots at other dates than the precomputed ones are computed on demand by
`ensure_snapshot`, from the copies inside the serving file, and kept in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables
from homeroom.web.snapshot.compute import SNAPSHOT_TABLES, CompiledRequests, compute_snapshot
from homeroom.web.snapshot.dates import (
    ON_DEMAND,
    ServingError,
    Snapshot,
    YearSpan,
    school_year_of,
    year_spans,
)
from homeroom.web.snapshot.prepare import FORMAT_VERSION, quote_path

CACHE_SIZE = 256  # page results kept per open serving file
ON_DEMAND_PREFIX = "on_demand_"

T = TypeVar("T")


class ServingData:
    """A prepared serving file, opened read-only; one cursor per request (`with s.cursor():`).

    The file is attached read-only to an in-memory database, which also holds the snapshots
    computed on demand; views of the same names as the file's tables show both.
    """

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not path.exists():
            raise ServingError(f"{path} is gone (a newer load replaced it); prepare the data again")
        self.path = path
        self._con = duckdb.connect(":memory:")
        try:
            self._con.execute(f"ATTACH {quote_path(path)} AS serving (READ_ONLY)")
            meta = dict(self._con.execute("SELECT key, value FROM serving.serving_meta").fetchall())
        except duckdb.Error as exc:
            self._con.close()
            raise ServingError(f"{path} is not a prepared serving file ({exc})") from exc
        meta = {k: json.loads(v) for k, v in meta.items()}
        if meta.get("format") != FORMAT_VERSION:
            self._con.close()
            raise ServingError(f"{path} was prepared by another version; prepare it again")
        blob = self._con.execute("SELECT definition FROM serving.serving_definition").fetchall()
        self.definition: Definition = pickle.loads(blob[0][0])  # noqa: S301 - our own file
        self.workspace_name: str = meta["workspace_name"]
        self.load_id: int = int(meta["load_id"])
        self.loaded_at = dt.datetime.fromisoformat(meta["loaded_at"])
        self.units_per_day: int = int(meta["units_per_day"])
        self.latest_date: dt.date = dt.date.fromisoformat(meta["latest_date"])
        # Schools whose attendance stops early (quality.stops): named on every page.
        self.stale_schools: list[dict[str, Any]] = list(meta.get("stale_schools", []))
        self.built_at: str = meta["built_at"]
        self._con.execute(f"SET memory_limit = '{meta['memory_limit']}'")
        self._lock = threading.Lock()  # cursor() on the shared connection
        self._compute_lock = threading.Lock()  # one on-demand snapshot at a time
        self._make_views()
        self.year_spans: dict[int, YearSpan] = year_spans(self._con)
        self.school_years: tuple[int, ...] = tuple(sorted(self.year_spans))
        schools = self._con.execute(
            "SELECT school_id, school_name, district_id, district_name FROM schools "
            "ORDER BY school_name, school_id"
        ).fetchall()
        self.school_names: dict[str, str] = {str(r[0]): str(r[1] or r[0]) for r in schools}
        self.district_names: dict[str, str] = {str(r[2]): str(r[3] or r[2]) for r in schools}
        self.compiled = CompiledRequests()
        # The snapshot list, kept in memory: every page asks for its date first.
        rows = self._con.execute("SELECT school_year, as_of, kind FROM snapshots").fetchall()
        self._snapshots = {d: Snapshot(int(y), d, k) for y, d, k in rows}
        self._memo: dict[str, object] = {}
        self._results: OrderedDict[tuple, object] = OrderedDict()
        self._memo_lock = threading.Lock()

    def _make_views(self) -> None:
        con = self._con
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'serving'"
            ).fetchall()
        ]
        for name in names:
            if name in SNAPSHOT_TABLES:
                extra = f"{ON_DEMAND_PREFIX}{name}"
                con.execute(f"CREATE TABLE {extra} AS SELECT * FROM serving.{name} LIMIT 0")
                con.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM serving.{name} "
                    f"UNION ALL SELECT * FROM {extra}"
                )
            else:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM serving.{name}")
        # Search keys, lower-cased once here rather than on every search.
        con.execute(
            "CREATE TABLE student_search AS SELECT DISTINCT student_id, "
            "lower(student_id) AS id_key, lower(coalesce(first_name, '')) AS first_key, "
            "lower(coalesce(last_name, '')) AS last_key FROM serving.roster ORDER BY student_id"
        )

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one request or thread; close it (or use `with`)."""
        with self._lock:
            return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """A value built once per open file (compiled SQL, say) and shared by every request."""
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]  # type: ignore[return-value]

    def forget_results(self) -> None:
        """Drop the kept page results (benchmarks time the first view of a page with it)."""
        with self._memo_lock:
            self._results.clear()

    def cached(self, key: tuple, build: Callable[[], T]) -> T:
        """A page result kept for the next request that asks the same (the file never changes;
        the least recently used of CACHE_SIZE results go first). Callers hand out copies of
        anything mutable."""
        with self._memo_lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]  # type: ignore[return-value]
        value = build()  # outside the lock: other pages go on meanwhile
        with self._memo_lock:
            self._results[key] = value
            while len(self._results) > CACHE_SIZE:
                self._results.popitem(last=False)
        return value

    def __enter__(self) -> ServingData:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def district_name(self) -> str:
        names = sorted(set(self.district_names.values()))
        return names[0] if len(names) == 1 else self.workspace_name

    def snapshots(self) -> tuple[Snapshot, ...]:
        """Every computed snapshot (precomputed and on demand), by date."""
        with self._lock:
            return tuple(sorted(self._snapshots.values(), key=lambda s: s.as_of))

    @property
    def snapshot_dates(self) -> tuple[dt.date, ...]:
        return tuple(s.as_of for s in self.snapshots())

    def snapshot(self, as_of: dt.date) -> Snapshot | None:
        """The snapshot of that date, if computed."""
        with self._lock:
            return self._snapshots.get(as_of)

    def _add_snapshot(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshots[snapshot.as_of] = snapshot

    def school_year_of(self, day: dt.date) -> int:
        return school_year_of(self.year_spans, day)

    def resolve(self, as_of: dt.date | None = None) -> Snapshot:
        """The snapshot a page shows: the latest date when none is given, never beyond it
        (there are no data past it), computed now if it is not precomputed."""
        if as_of is None or as_of > self.latest_date:
            as_of = self.latest_date
        return ensure_snapshot(self, as_of)

    def student_ids(self) -> list[str]:
        """Every student id in the load (for the web's opaque URL keys)."""
        with self.cursor() as cur:
            rows = cur.execute("SELECT DISTINCT student_id FROM roster ORDER BY 1").fetchall()
        return [str(r[0]) for r in rows]

    def schools_frame(self) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(
                "SELECT school_id, school_name, district_id, district_name FROM schools "
                "ORDER BY school_name, school_id"
            ).df()


def open_serving(path: Path) -> ServingData:
    """Open a prepared serving file read-only (see `ServingData`)."""
    return ServingData(Path(path))


def ensure_snapshot(serving: ServingData, as_of: dt.date) -> Snapshot:
    """The snapshot of `as_of`, computed now from the serving file's copies if need be.

    On-demand snapshots live in memory for as long as `serving` is open. A date outside every
    school year raises ServingError.
    """
    found = serving.snapshot(as_of)
    if found is not None:
        return found
    year = serving.school_year_of(as_of)
    with serving._compute_lock:
        found = serving.snapshot(as_of)
        if found is not None:
            return found
        snapshot = Snapshot(year, as_of, ON_DEMAND)
        with serving.cursor() as cur:
            tables = duckdb_tables(cur, serving.units_per_day)
            cur.begin()
            try:
                compute_snapshot(
                    cur,
                    tables,
                    serving.definition,
                    snapshot,
                    ON_DEMAND_PREFIX,
                    serving.compiled,
                )
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
        serving._add_snapshot(snapshot)
        return snapshot
