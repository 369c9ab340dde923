"""The spreadsheet's year totals on made-up dates: its categories and codes, placed by the
shared rules of `homeroom.interop.totals` (15 August start, stays one after another, absences
spread evenly over the stay).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from homeroom.interop.totals import Piece, first_day
from homeroom.interop.totals import place as place_totals
from homeroom.interop.totals import place_in_batches as place_totals_in_batches

__all__ = ["PLACED", "first_day", "place", "place_in_batches"]

# The amount columns of the checked rows, in the order their days are laid on a stay.
PLACED = (
    Piece("excused", "excused", "E"),
    Piece("unexcused", "unexcused", "U"),
    Piece("suspension", "suspension", "S"),
    # Other Absence is absence (late arrivals and early departures are not, in every shipped
    # definition): like an unsplit remainder, it counts as unexcused.
    Piece("other", "unexcused", "OTHER"),
    Piece("unsplit", "unexcused", "UNSPLIT"),
)


def place(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stays (with their first day), calendars and absence rows of the checked rows."""
    return place_totals(rows, PLACED)


def place_in_batches(
    rows: pd.DataFrame, batch: int = 50_000
) -> tuple[pd.DataFrame, pd.DataFrame, Iterator[pd.DataFrame]]:
    """As `place`, the absence rows made `batch` rows at a time (see totals.place_in_batches)."""
    return place_totals_in_batches(rows, PLACED, batch=batch)
