"""The one error a dataset can raise when it cannot be loaded at all."""

from __future__ import annotations


class ContractError(Exception):
    """A dataset that cannot be loaded: a missing table, file or column, or an unreadable file.

    The message names the table, the file and the column, and says what was expected. It never
    quotes student data (names, ids), only file and column names.
    """

    exit_code = 2
