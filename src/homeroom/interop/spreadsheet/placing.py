"""The spreadsheet's year totals on made-up dates: its categories and codes, placed by the
shared rules of `homeroom.interop.totals` (15 August start, stays one after another, absences
spread evenly over the stay).
"""

from __future__ import annotations

import pandas as pd

from homeroom.interop.totals import Piece, first_day
from homeroom.interop.totals import place as place_totals

__all__ = ["PLACED", "first_day", "place"]

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
