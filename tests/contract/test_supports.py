"""Rules of the optional supports table (issue 14), each against a hand-computed answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from homeroom.contract import TABLES_OPTIONAL, VALIDATED
from homeroom.contract.schema import SUPPORTS

from .helpers import balanced, reasons, rows, run, write

HEADER = "student_id,school_id,support,tier,start_date,end_date"


def test_supports_is_optional_with_the_contract_columns() -> None:
    assert "supports" in TABLES_OPTIONAL
    assert SUPPORTS.names == tuple(HEADER.split(","))
    assert tuple(VALIDATED["supports"]) == SUPPORTS.names
    assert SUPPORTS.required == ("student_id", "school_id", "support", "tier", "start_date")


def test_a_dataset_without_supports_loads_an_empty_table(tmp_path: Path) -> None:
    report, con = run(write(tmp_path))
    assert rows(con, "SELECT count(*) FROM supports") == [(0,)]
    assert "supports" not in report.rows_read


def test_supports_kept_and_bad_rows_quarantined_with_line_column_and_reason(
    tmp_path: Path,
) -> None:
    # 001 is at S1 from 2 Sept; 002 at S1 to 4 Sept then S2 from 5 Sept.
    supports = f"""
        {HEADER}
        001,S1,letter,1,2024-09-03,
        002,S2,home visit,2,2024-09-05,2024-09-09
        009,S1,call,1,2024-09-03,
        001,S1,plan tier 3,4,2024-09-03,
        001,S1,call,1,2024-09-05,2024-09-04
        002,S1,call,1,2024-09-06,
        003,S2,call,1,2024-09-02,
        001,S1,letter,1,2024-09-03,2024-09-06
        003,S2,call,one,2024-09-03,
    """
    report, con = run(write(tmp_path, supports=supports))
    assert rows(con, "SELECT * FROM supports ORDER BY student_id, start_date, support") == [
        ("001", "S1", "letter", 1, dt.date(2024, 9, 3), None),
        ("002", "S2", "home visit", 2, dt.date(2024, 9, 5), dt.date(2024, 9, 9)),
        ("003", "S2", "call", 1, dt.date(2024, 9, 2), None),
    ]
    assert reasons(report, "supports") == {
        4: "student_id is not in students",
        5: "tier must be 1, 2 or 3",
        6: "end_date is before start_date",
        7: "start_date is not a day the student is enrolled at the school",
        9: "duplicate of line 2 for the same student, school, support and start_date; kept "
        "the first",
        10: "tier is not a positive whole number: 'one'",
    }
    columns = report.quarantine[report.quarantine["table"] == "supports"]["column"].tolist()
    assert columns == ["student_id", "tier", "end_date", "start_date", "start_date", "tier"]
    assert report.rows_loaded["supports"] == 3 and balanced(report)
