"""Keeps student ids out of the server's access log.

The pages address students by opaque keys, but the JSON API's contract puts the district's own
student id in the path (`/api/v1/students/{student_id}`), and uvicorn logs every request
line. This filter rewrites such a path to `/api/v1/students/~` before the line is written.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_STUDENT_PATH = re.compile(r"(/api/v1/students/)[^/?\s]+")
MASK = "~"


def masked(path: str) -> str:
    return _STUDENT_PATH.sub(rf"\g<1>{MASK}", path)


class StudentPathFilter(logging.Filter):
    """For uvicorn's access logger (record args: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(masked(a) if isinstance(a, str) else a for a in args)
        elif isinstance(record.msg, str):
            record.msg = masked(record.msg)
        return True


def access_log_config() -> dict[str, Any]:
    """uvicorn's own logging settings, with the access lines passed through the filter."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["student_paths"] = {"()": StudentPathFilter}
    config["handlers"]["access"].setdefault("filters", []).append("student_paths")
    return config
