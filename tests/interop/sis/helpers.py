"""Shared steps of the SIS preset tests: import a fixture folder, write it, read the metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, write_import
from homeroom.interop.output import ImportWritten
from homeroom.interop.sis import import_sis
from homeroom.pipeline import metrics_for_folder

FIXTURES = Path(__file__).parent / "fixtures"
# The by-hand figures count every school day of the fixtures' years, not only the days up to
# the latest attendance recorded (the default as-of date).
THROUGH_YEAR_END = dt.date(2100, 1, 1)


def imported(preset: str, folder: str | None = None) -> ImportResult:
    files = sorted((FIXTURES / (folder or preset)).iterdir())
    return import_sis(preset, files)


def written(result: ImportResult, out: Path, definition: str = "default") -> ImportWritten:
    return write_import(result, out, definition=load_definition(definition))


def metrics(out: Path, definition: str) -> pd.DataFrame:
    frame = metrics_for_folder(out, definition=load_definition(definition), as_of=THROUGH_YEAR_END)
    return frame.set_index(["school_id", "student_id"])
