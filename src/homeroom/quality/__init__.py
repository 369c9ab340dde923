"""Data-quality monitors: patterns in a district's data that no single row breaks.

Validation refuses bad rows one at a time. The monitors look at what was loaded (and what was
refused) as a whole: schools that did not take attendance, calendars with holes, a code that
is not mapped, absences re-coded since the last load. Each returns a MonitorResult with a
plain-words finding and the rows behind it.
"""

from homeroom.quality.result import (
    INFO,
    OK,
    ROW_LIMIT,
    STATUSES,
    WARNING,
    MonitorResult,
    PreviousLoad,
)
from homeroom.quality.run import run_monitors
from homeroom.quality.store import MONITOR_KEYS, monitor_loads, save_monitors, stored_monitors

__all__ = [
    "INFO",
    "MONITOR_KEYS",
    "OK",
    "ROW_LIMIT",
    "WARNING",
    "MonitorResult",
    "STATUSES",
    "PreviousLoad",
    "monitor_loads",
    "run_monitors",
    "save_monitors",
    "stored_monitors",
]
