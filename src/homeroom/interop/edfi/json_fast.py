"""Ed-Fi JSON read fast: a JSON array with one item per line, parsed a line at a time.

That is the layout Homeroom writes (`jsonfiles.items_text`) and the one most exports use, and in
it the line of each item is simply its line, so no text is scanned for line breaks and no more
than one line is held at once. Anything else — another layout, a syntax error, an item that is
not an object, text that is not UTF-8 — raises `NotOneItemPerLine`, and the caller reads the
file with `json_reader`, whose messages (file, line, column) stay the reference for every error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_fast_loads: Callable[[bytes], Any] = json.loads  # the same values, only slower
try:  # a dependency (pyproject.toml)
    import orjson

    _fast_loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    pass

_BLANK = b" \t\r\n"  # JSON's whitespace, and only it
# orjson reads an integer past 64 bits as a float, where the standard parser keeps it whole: a
# line with a run of 19 digits goes to the standard parser (found with translate, not a regex,
# which costs more than the parse).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


class NotOneItemPerLine(Exception):
    """The file is not a JSON array of one object per line (or does not parse as one)."""


def items_by_line(path: Path) -> Iterator[tuple[dict[str, Any], int]]:
    """Each object of the array and the line it is on; raises NotOneItemPerLine otherwise.

    The error may come after items were yielded: a caller keeps nothing until the end.
    """
    with path.open("rb") as file:
        if file.readline().strip(_BLANK) != b"[":
            raise NotOneItemPerLine
        number, more, closed = 1, True, False
        for raw in file:
            number += 1
            line = raw.strip(_BLANK)
            if line == b"]":
                closed = True
                break
            if not more:  # the previous item had no comma after it
                raise NotOneItemPerLine
            more = line.endswith(b",")
            yield _object(line[:-1] if more else line), number
        if not closed or (more and number > 2) or file.read().strip(_BLANK):
            raise NotOneItemPerLine  # truncated, a trailing comma, or text after the array


def _object(line: bytes) -> dict[str, Any]:
    loads: Callable[[Any], Any] = _fast_loads
    text: bytes | str = line
    if _LONG_NUMBER in line.translate(_DIGITS_AS_ZERO):
        loads = json.loads
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise NotOneItemPerLine from None
    try:
        value = loads(text)
    except ValueError:  # orjson's and json's decode errors, and bad UTF-8, are ValueErrors
        raise NotOneItemPerLine from None
    if not isinstance(value, dict):
        raise NotOneItemPerLine
    return value
