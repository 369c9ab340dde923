"""Ed-Fi ODS/API JSON: a file holding a JSON array of one resource, or JSON Lines.

Each record keeps the line where its object starts, so a rejected or quarantined row can be found
in the file. An array of one object per line is read a line at a time (`json_fast`); any other
layout, and any file the fast reading stops on, is read whole here. A file that is not JSON at
all (bad syntax, truncated, not text) stops the import with the file, line and column; an
element of the array that is not an object is rejected alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.json_fast import NotOneItemPerLine, items_by_line
from homeroom.interop.edfi.resources import FILE, LINE, Record
from homeroom.interop.result import ImportResult

_WHITESPACE = re.compile(r"[ \t\n\r]*")
JSON_LINES = (".jsonl", ".ndjson")


def decode_text(raw: bytes, label: str) -> str:
    """JSON text: UTF-8 (BOM allowed), or UTF-16/32 as RFC 8259 detection finds it."""
    encoding = json.detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ContractError(
            f"{label}, line {line}, column {column}: not {encoding.upper()} text (byte "
            f"0x{raw[error.start]:02X}); Ed-Fi JSON is UTF-8 — save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def read_json_records(path: Path, result: ImportResult, table: str) -> list[Record]:
    """The records of one JSON or JSON Lines file, each with `_file` and `_line`."""
    label = path.name
    if path.suffix.lower() == ".json":
        fast = _one_item_per_line(path, label)
        if fast is not None:
            return fast
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContractError(f"{label}: cannot be read ({error.strerror})") from None
    text = decode_text(raw, label)
    start = _skip(text, 0)
    if start == len(text):
        result.note(f"{label}: the file is empty; no records")
        return []
    if path.suffix.lower() in JSON_LINES or (text[start] == "{" and _more_than_one(text, start)):
        return _json_lines(text, label, result, table)
    if text[start] == "{":
        record, end = _decode(text, start, label)
        return _checked([(record, _line_at(text, start))], label, result, table)
    if text[start] != "[":
        raise _syntax(text, start, label, "expected a JSON array ([ …]) of Ed-Fi resources")
    return _checked(_array(text, start, label), label, result, table)


def _one_item_per_line(path: Path, label: str) -> list[Record] | None:
    """The records when the file is an array of one object per line, else None (read it whole)."""
    records: list[Record] = []
    try:
        for value, line in items_by_line(path):
            value[FILE] = label
            value[LINE] = line
            records.append(value)
    except (NotOneItemPerLine, OSError):
        return None
    return records


def _array(text: str, start: int, label: str) -> list[tuple[object, int]]:
    decoder = json.JSONDecoder()
    out: list[tuple[object, int]] = []
    pos = _skip(text, start + 1)
    line, counted = 1 + text.count("\n", 0, pos), pos
    if pos < len(text) and text[pos] == "]":
        return _end(text, pos + 1, label, out)
    while True:
        if pos >= len(text):
            raise _syntax(text, pos, label, "the file ends inside the array (truncated?)")
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            raise ContractError(
                f"{label}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
            ) from None
        line += text.count("\n", counted, pos)
        counted = pos
        out.append((value, line))
        pos = _skip(text, end)
        if pos >= len(text):
            raise _syntax(text, pos, label, "the file ends inside the array (truncated?)")
        if text[pos] == "]":
            return _end(text, pos + 1, label, out)
        if text[pos] != ",":
            raise _syntax(text, pos, label, "expected , or ] between array elements")
        pos = _skip(text, pos + 1)


def _end(text: str, pos: int, label: str, out: list) -> list:
    rest = _skip(text, pos)
    if rest < len(text):
        raise _syntax(text, rest, label, "text after the end of the array")
    return out


def _json_lines(text: str, label: str, result: ImportResult, table: str) -> list[Record]:
    records: list[tuple[object, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((json.loads(line), number))
        except json.JSONDecodeError as error:
            # Lines are independent: one bad line is rejected, the others read.
            result.reject(table, label, number, "", f"not valid JSON at column {error.colno} "
                          f"({error.msg})")  # fmt: skip
    return _checked(records, label, result, table)


def _checked(
    values: list[tuple[object, int]], label: str, result: ImportResult, table: str
) -> list[Record]:
    records: list[Record] = []
    for value, line in values:
        if not isinstance(value, dict):
            kind = type(value).__name__.replace("NoneType", "null")
            result.reject(table, label, line, "", f"not a JSON object (a {kind}); skipped")
            continue
        value[FILE] = label
        value[LINE] = line
        records.append(value)
    return records


def _decode(text: str, start: int, label: str) -> tuple[object, int]:
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise ContractError(
            f"{label}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
        ) from None
    rest = _skip(text, end)
    if rest < len(text):
        raise _syntax(text, rest, label, "text after the end of the JSON object")
    return value, end


def _more_than_one(text: str, start: int) -> bool:
    """A file of objects one per line (JSON Lines saved as .json)."""
    try:
        _value, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        first_line_end = text.find("\n", start)
        return first_line_end != -1 and text[start:first_line_end].rstrip().endswith("}")
    rest = _skip(text, end)
    return rest < len(text) and text[rest] == "{"


def _skip(text: str, pos: int) -> int:
    """The position of the first non-blank character at or after `pos`."""
    blank = _WHITESPACE.match(text, pos)
    return blank.end() if blank is not None else pos


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _syntax(text: str, pos: int, label: str, what: str) -> ContractError:
    line = _line_at(text, pos)
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ContractError(f"{label}, line {line}, column {column}: {what}")
