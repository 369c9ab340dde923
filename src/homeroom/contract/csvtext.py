"""Which text a CSV file's bytes hold, and a UTF-8 copy with the same lines when DuckDB needs one.

DuckDB reads UTF-8 text with LF or CRLF line ends. Other files get a UTF-8 copy in a scratch
folder whose lines are the file's lines, so every line number still points into the original:

- UTF-16 or UTF-32 (a byte-order mark, or the zero bytes ASCII text has in UTF-16): decoded so.
- A file with no UTF-8 beyond ASCII anywhere but bytes that are not UTF-8, and that is valid
  Windows-1252: read as Windows-1252, which is what Excel's plain "CSV" writes on Windows
  (é is the byte 0xE9). The report's notes say so.
- A lone CR (old Mac files, or a stray one) ends a line, as it does in Excel; a file mixing
  LF and CRLF line ends gets LF throughout (DuckDB follows the first line's end).

A file that mixes UTF-8 lines with lines in another encoding is read as UTF-8 and the other
lines are quarantined with the byte and column at fault: guessing line by line would put two
guesses into one table without anyone noticing.

`decode` applies the same rules to a whole file in memory, for the importers that parse CSV in
Python (SIS exports, the attendance spreadsheet), with the same notes.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from homeroom.contract.errors import ContractError

_HEAD = 1 << 16
_CHUNK = 1 << 24


@dataclass(frozen=True)
class Verdict:
    kind: str  # "utf-8", "cp1252" (no UTF-8 beyond ASCII, valid Windows-1252) or "mixed"
    bad: dict[int, str] = field(default_factory=dict)  # line -> "byte 0xE9 at column 6"
    accented: int = 0  # lines with characters beyond ASCII (Windows-1252 files)


def head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_HEAD)


def unicode_kind(start: bytes) -> str | None:
    """'utf-32', 'utf-16', 'utf-16-le' or 'utf-16-be' when the bytes say so; else None."""
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = start[: 4096 - 4096 % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    # ASCII text in UTF-16 without a BOM: every other byte is zero. A NUL here and there in a
    # damaged UTF-8 file does not look like that.
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def head_is_utf8(start: bytes, size: int) -> bool:
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut by the window's end is not an error.
        return len(start) < size and exc.reason == "unexpected end of data"
    return True


def _line_ends(block: bytes) -> int:
    """Lines a block of whole lines holds: LF, CRLF and a lone CR each end one."""
    return block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")


def verdict(path: Path) -> Verdict:
    """Read the whole file once: is it UTF-8, Windows-1252, or a mix (and which lines are not)?"""
    with path.open("rb") as handle:
        return _judge(_whole_lines(handle))


def _whole_lines(handle: BinaryIO) -> Iterator[bytes]:
    while block := handle.read(_CHUNK):
        block += handle.readline()  # whole lines only
        if block.endswith(b"\r"):
            block += handle.read(1)  # keep a CRLF together
        yield block


def _judge(blocks: Iterable[bytes]) -> Verdict:
    """The verdict on a file given as blocks of whole lines."""
    utf8_beyond_ascii = 0
    bad: dict[int, tuple[bytes, int]] = {}
    number = 0  # lines before the block
    for block in blocks:
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            utf8_beyond_ascii += not block.isascii()
            number += _line_ends(block)
            continue
        for line in block.splitlines(keepends=True):
            number += 1
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_beyond_ascii += 1
            except UnicodeDecodeError as exc:
                bad[number] = (line, exc.start)
    if not bad:
        return Verdict("utf-8")
    try:
        for line, _ in bad.values():
            line.decode("cp1252")
        windows = not utf8_beyond_ascii
    except UnicodeDecodeError:
        windows = False
    if windows:
        return Verdict("cp1252", accented=len(bad))
    details = {}
    for number, (line, start) in bad.items():
        column = len(line[:start].decode("utf-8", errors="replace")) + 1
        details[number] = f"byte 0x{line[start]:02X} at column {column}"
    return Verdict("mixed", details)


def copy_as_utf8(source: Path, target: Path, encoding: str, *, lone_cr: bool) -> None:
    """A UTF-8 copy with the same lines; with `lone_cr`, every CR and CRLF becomes a line feed.

    Raises UnicodeDecodeError when the file is not `encoding` after all (e.g. UTF-16 cut off
    in the middle of a character). Bytes that are not UTF-8 in a UTF-8 file are kept as they
    are, for the CSV reader to quarantine their lines.
    """
    errors = "surrogateescape" if encoding == "utf-8" else "strict"
    newline = None if lone_cr else ""  # None: universal newlines, CR and CRLF become LF
    with (
        source.open(encoding=encoding, errors=errors, newline=newline) as reader,
        target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as writer,
    ):
        while block := reader.read(_CHUNK):
            writer.write(block)


def decode_error_line(source: Path, encoding: str) -> int | None:
    """The line on which the file stops being `encoding` text (a failure path: reads it whole)."""
    return decode_error_line_of(source.read_bytes(), encoding)


# ------------------------------------------------------------------------------ in-memory text
# Readers that parse a file in Python (the SIS and attendance-spreadsheet importers) decode it
# here, with the same rules and words as the canonical CSV reader above, so a district's file
# reads the same way whichever door it comes in by.


@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding it was read in, and what the reader should say about it."""

    text: str  # without a byte-order mark
    encoding: str  # in words: "UTF-8", "UTF-16 (with a byte-order mark)", "Windows-1252", ...
    note: str | None = None  # for the report: how the file was read when not plain UTF-8
    assumed: bool = False  # the encoding is a guess (Windows-1252): worth checking names
    bad: dict[int, str] = field(default_factory=dict)  # non-UTF-8 lines of a mixed file

    def unreadable(self, first: int, last: int) -> str | None:
        """Why a record on lines first..last is not read, when one of them is not UTF-8 text."""
        for line in range(first, last + 1):
            if line in self.bad:
                return not_utf8_reason(self.bad[line])
        return None


def unicode_note(label: str, kind: str) -> str:
    """The note for a UTF-16 or UTF-32 file (`kind` as `unicode_kind` names it)."""
    bom = "" if kind in ("utf-16-le", "utf-16-be") else " (it has a byte-order mark)"
    return (
        f"{label}: {kind.upper()[:6]} text{bom}, read as such; line numbers are those of the "
        "original file"
    )


def cp1252_note(label: str, accented: int) -> str:
    """The note for a file read as Windows-1252."""
    return (
        f"{label}: not UTF-8 text; read as Windows-1252 (Western European, what Excel saves as "
        f"plain CSV on Windows); lines with letters beyond ASCII (é, ñ, curly quotes): "
        f"{accented:,}. Save it as CSV UTF-8 to be sure they read as meant"
    )


def not_utf8_reason(detail: str) -> str:
    """Why a line of a mostly UTF-8 file is left aside (`detail` from `Decoded.bad`)."""
    return f"not UTF-8 text ({detail}; the rest of the file is UTF-8)"


def decode(data: bytes, label: str, where: str | None = None) -> Decoded:
    """A whole file's text, decoded by the rules in this module's docstring.

    `label` names the file in notes, `where` (default: `label`) starts error messages. A file
    that mixes UTF-8 with other bytes is decoded as UTF-8 with the other lines' characters
    replaced; `bad` names those lines, for the caller to reject the records on them. Raises
    ContractError for UTF-16/UTF-32 text cut off or damaged, and for NUL characters (a binary
    or damaged file).
    """
    where = where or label
    kind = unicode_kind(data[:_HEAD])
    if kind is not None:
        try:
            text = data.decode(kind)
        except UnicodeDecodeError:
            line = decode_error_line_of(data, kind)
            raise ContractError(
                f"{where}: the file reads as {kind.upper()[:6]} text but stops being that on "
                f"line {line} (cut off or damaged); save it again as CSV UTF-8"
            ) from None
        bom = "no" if kind in ("utf-16-le", "utf-16-be") else "with a"
        named = f"{kind.upper()[:6]} ({bom} byte-order mark)"
        decoded = Decoded(text.removeprefix("\ufeff"), named, unicode_note(label, kind))
    else:
        decoded = _decode_8bit(data, label)
    if "\x00" in decoded.text:
        before = decoded.text[: decoded.text.index("\x00")]
        line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
        raise ContractError(
            f"{where}: holds NUL characters (the first on line {line}), so it is not a text file "
            "(a binary or damaged export?); save it again as CSV UTF-8"
        )
    return decoded


def _decode_8bit(data: bytes, label: str) -> Decoded:
    bom = data.startswith(codecs.BOM_UTF8)
    named = "UTF-8 with a byte-order mark" if bom else "UTF-8"
    try:
        return Decoded(data.decode("utf-8-sig"), named)
    except UnicodeDecodeError:
        pass
    judged = _judge([data])
    if judged.kind == "cp1252":
        text = data.decode("cp1252")
        return Decoded(text, "Windows-1252", cp1252_note(label, judged.accented), assumed=True)
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return Decoded(text, f"{named} (lines that are not are rejected)", bad=judged.bad)


def decode_error_line_of(data: bytes, encoding: str) -> int | None:
    """The line on which `data` stops being `encoding` text."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return _line_ends(data[: exc.start].decode(encoding, errors="replace").encode()) + 1
    return None
