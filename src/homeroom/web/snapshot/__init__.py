"""The web's snapshot of the warehouse: a prepared DuckDB file per load and definition.

`homeroom load` needs the warehouse file read-write, so the web never holds it open. Instead
`prepare_serving` (prepare.py) copies what the pages read into `<workspace>/serving/`, one file
per load and definition, and adds *snapshots*: the metrics as of chosen dates (dates.py picks
them), computed by the metrics layer (compute.py), never re-derived in SQL here. The app opens
the file read-only with `open_serving` (reader.py); other dates are computed on demand by
`ensure_snapshot` and kept in memory.
"""

from homeroom.web.snapshot.compute import (
    AGGREGATE_LEVELS,
    ROSTER_COLUMNS,
    SNAPSHOT_TABLES,
    CompiledRequests,
    compute_snapshot,
)
from homeroom.web.snapshot.dates import (
    KINDS,
    LATEST,
    MONTH_END,
    ON_DEMAND,
    SAME_POINT,
    YEAR_END,
    ServingError,
    Snapshot,
    YearSpan,
    latest_date,
    month_ends,
    plan_snapshots,
    same_point_date,
    school_year_of,
    year_spans,
)
from homeroom.web.snapshot.prepare import (
    FORMAT_VERSION,
    SERVING_FOLDER,
    find_serving,
    prepare_serving,
    serving_file_name,
    serving_folder,
)
from homeroom.web.snapshot.reader import (
    CACHE_SIZE,
    ON_DEMAND_PREFIX,
    ServingData,
    ensure_snapshot,
    open_serving,
)

__all__ = [
    "AGGREGATE_LEVELS",
    "CACHE_SIZE",
    "FORMAT_VERSION",
    "KINDS",
    "LATEST",
    "MONTH_END",
    "ON_DEMAND",
    "ON_DEMAND_PREFIX",
    "ROSTER_COLUMNS",
    "SAME_POINT",
    "SERVING_FOLDER",
    "SNAPSHOT_TABLES",
    "YEAR_END",
    "CompiledRequests",
    "ServingData",
    "ServingError",
    "Snapshot",
    "YearSpan",
    "compute_snapshot",
    "ensure_snapshot",
    "find_serving",
    "latest_date",
    "month_ends",
    "open_serving",
    "plan_snapshots",
    "prepare_serving",
    "same_point_date",
    "school_year_of",
    "serving_file_name",
    "serving_folder",
    "year_spans",
]
