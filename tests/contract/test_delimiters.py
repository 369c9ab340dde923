"""One delimiter rule for every CSV reader: delimiters inside quoted cells do not count."""

from __future__ import annotations

import pytest

from homeroom.contract.delimiters import guess_delimiter


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_found(delimiter: str) -> None:
    text = delimiter.join(["Student ID", "Name", "Days Enrolled"]) + "\n1" + delimiter * 2 + "3\n"
    assert guess_delimiter(text) == delimiter


def test_commas_inside_quoted_cells_do_not_count() -> None:
    text = 'Student ID;Name;Days Enrolled;Days Absent\n1;"Smith, John, Jr.";170;12\n'
    assert guess_delimiter(text) == ";"


def test_a_quoted_header_cell_with_commas_and_a_line_break() -> None:
    text = '"Name, full\nand, more, commas";Days\n"a, b";1\n'
    assert guess_delimiter(text) == ";"


def test_a_doubled_quote_stays_inside_the_cell() -> None:
    assert guess_delimiter('a|"say ""x, y, z"""|b\n') == "|"


def test_an_inch_mark_in_an_unquoted_cell_opens_no_quote() -> None:
    assert guess_delimiter('height;note\n5\'10";"a, b"\n6\';c\n') == ";"


def test_a_title_line_above_the_header_does_not_decide() -> None:
    text = "Attendance, March 2025\n\nStudent ID;Name;Days Enrolled;Days Absent\n1;A;170;3\n"
    assert guess_delimiter(text) == ";"


def test_a_tie_or_no_delimiter_at_all_is_a_comma() -> None:
    assert guess_delimiter("student_id\n1\n") == ","
    assert guess_delimiter("a,b;c\n") == ","
    assert guess_delimiter("") == ","
