"""Helpers for the casebook tests: a clock tests move, and where the test databases are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
PASSPHRASE = "correct horse battery"


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'casebook.sqlite'}"
