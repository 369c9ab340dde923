"""The watch list: the rules run over a resolved request (data, definition, as-of date).

The command line (`homeroom signals`) and the web app both come through here, and both get the
as-of date and definition from `homeroom.resolver`, so they flag the same students for the same
data, definition and date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals.flags import Progress, flag_students

if TYPE_CHECKING:
    from homeroom.resolver import Resolved


@dataclass(frozen=True)
class WatchList:
    flags: pd.DataFrame  # flag_students' rows
    as_of: dt.date
    definition: Definition
    load_id: int | None = None  # the workspace load it was computed from


def rules_for_tables(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    *,
    progress: Progress | None = None,
) -> WatchList:
    """The flags of the tables as of a date."""
    return WatchList(flag_students(tables, definition, as_of, progress=progress), as_of, definition)


def watch_list(request: Resolved, *, progress: Progress | None = None) -> WatchList:
    """The flags of a resolved request, on its engine, with the load they came from."""
    with request.tables() as tables:
        found = rules_for_tables(tables, request.definition, request.as_of, progress=progress)
    load_id = request.load.load_id if request.load is not None else None
    return WatchList(found.flags, found.as_of, found.definition, load_id)
