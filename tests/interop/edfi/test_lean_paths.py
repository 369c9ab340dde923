"""The Ed-Fi import's leaner paths give what the old ones gave: enrollments_table kept column by
column gives the frame a list of row dicts gave (the old loop is kept below as the reference)
with given enrollments, with assumed ones and with none at all; and the events' combinations
numbered in four bytes a row are numbered as before; the events' codes widen from two bytes
to four as they must."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from homeroom.interop.edfi import vocab
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.enrollments import COLUMNS, _year_from, enrollments_table
from homeroom.interop.edfi.resources import field, record_school_year, text, where
from homeroom.interop.result import ImportResult

GRADE = "uri://ed-fi.org/GradeLevelDescriptor#"
DAYS = [dt.date(2024, 8, 19) + dt.timedelta(days=n) for n in range(0, 28, 7)]


def _calendars() -> Calendars:
    return Calendars(pd.DataFrame(), {("101", "2025"): DAYS, ("102", "2025"): DAYS})


def _as_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's values as a list of row dicts makes a frame of them."""
    rows = [dict(zip(frame.columns, values, strict=True)) for values in frame.itertuples(False)]
    rows = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in rows]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def reference_given(records: list[dict], calendars: Calendars) -> pd.DataFrame:
    """enrollments_table's loop over the associations as it was: a dict a row."""
    rows = []
    for record in records:
        file, line = where(record)
        school = field(record, "schoolReference", "schoolId")
        entry = text(record.get("entryDate"))
        descriptor = text(record.get("entryGradeLevelDescriptor"))
        grade = vocab.grade(descriptor)
        rows.append(
            {
                "student_id": field(record, "studentReference", "studentUniqueId"),
                "school_id": school,
                "school_year": record_school_year(record) or _year_from(calendars, school, entry),
                "grade_level": grade or (descriptor and descriptor.rsplit("#", 1)[-1]),
                "entry_date": entry,
                "exit_date": text(record.get("exitWithdrawDate")),
                "source_file": file,
                "source_line": line,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


ASSOCIATION = st.fixed_dictionaries(
    {
        "studentReference": st.fixed_dictionaries(
            {"studentUniqueId": st.sampled_from(["1", "2", "3", " ", ""])}
        ),
        "schoolReference": st.fixed_dictionaries({"schoolId": st.sampled_from([101, "102", ""])}),
        "entryDate": st.sampled_from(["2024-08-19", "2024-09-03", None, ""]),
        "entryGradeLevelDescriptor": st.sampled_from(
            [GRADE + "Ninth grade", GRADE + "Kindergarten", GRADE + "Unknown grade", None]
        ),
        "exitWithdrawDate": st.sampled_from(["2025-05-30", None]),
        "schoolYearTypeReference": st.sampled_from([{"schoolYear": 2025}, {}]),
        "_file": st.just("studentSchoolAssociations.json"),
        "_line": st.one_of(st.integers(1, 10**6), st.none()),
    }
)


@settings(max_examples=100, deadline=None)
@given(records=st.lists(ASSOCIATION, max_size=12))
def test_given_enrollments_are_the_frame_of_the_rows(records) -> None:
    frame = enrollments_table(
        {"studentSchoolAssociations": records}, ImportResult("test", {}), _calendars(), {}
    )
    pd.testing.assert_frame_equal(frame, reference_given(records, _calendars()))


def test_assumed_stays_and_none_at_all() -> None:
    attended = {("1", "101"): ("events.json", 4), ("2", "102"): ("events.json", 9)}
    students = [
        {"studentUniqueId": s, "birthDate": "2010-03-01", "_file": "students.json", "_line": n}
        for n, s in enumerate(["1", "2", "3"], start=2)
    ]
    result = ImportResult("test", {})
    frame = enrollments_table({"students": students}, result, _calendars(), attended)
    pd.testing.assert_frame_equal(frame, _as_rows(frame))
    assert sorted(frame["student_id"]) == ["1", "2", "3"]  # two with events, one placed
    assert set(frame["entry_date"]) == {"2024-08-19"}
    assert frame["exit_date"].isna().all()
    empty = enrollments_table({}, ImportResult("test", {}), Calendars(pd.DataFrame()), {})
    pd.testing.assert_frame_equal(empty, pd.DataFrame([], columns=list(COLUMNS)))


@settings(max_examples=150, deadline=None)
@given(
    columns=st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.tuples(*[st.integers(0, 40) for _ in range(width)]), min_size=1, max_size=60
        )
    ),
    by_sorting=st.booleans(),
    widths=st.lists(st.sampled_from(["int16", "int32"]), min_size=3, max_size=3),
)
def test_distinct_numbers_each_combination_in_order_of_value(columns, by_sorting, widths) -> None:
    """school_rows._distinct (four-byte numbers in the usual case) and its sorting fallback:
    the rows of one combination share a number, `uniques` gives each number's combination, and
    the combinations are numbered in their order as values; codes of two bytes or four (the
    events' columns) alike, and the codes given are left as they were."""
    import numpy as np

    from homeroom.interop.edfi import school_rows

    given_columns = list(zip(*columns, strict=True))
    arrays = [np.array(c, dtype=w) for c, w in zip(given_columns, widths, strict=False)]
    if by_sorting:
        which, uniques = school_rows._distinct_by_sorting(tuple(arrays))
    else:
        which, uniques = school_rows._distinct(*arrays)
    assert [a.tolist() for a in arrays] == [list(c) for c in given_columns]
    combos = list(zip(*(u.tolist() for u in uniques), strict=True))
    assert len(set(combos)) == len(combos) == len(set(columns))
    assert [combos[n] for n in which.tolist()] == columns
    assert combos == sorted(combos)


def test_no_students_are_empty_text_columns_as_a_list_of_rows_gives() -> None:
    """Column lists with no rows would make float columns; a list of rows makes object ones."""
    from homeroom.interop.edfi import people

    frame = people.students_table({"students": []}, ImportResult("test", {}))
    pd.testing.assert_frame_equal(frame, pd.DataFrame([], columns=list(people.COLUMNS)))


def test_codes_take_two_bytes_until_a_column_has_32768_texts() -> None:
    """The events' code columns widen to four bytes at the 32,769th distinct text, also in the
    middle of a batch, and keep every code; lines widen to eight bytes past 2**31 - 1."""
    from homeroom.interop.edfi.event_columns import NO_LINE, SchoolEvents

    events = SchoolEvents()
    records = [
        {
            "studentReference": {"studentUniqueId": f"S{n}"},
            "schoolReference": {"schoolId": 100 + n % 3},
            "eventDate": "2024-09-03",
        }
        for n in range(40_000)
    ]
    events.add(records[:30_000], ["a.json"] * 30_000, list(range(2, 30_002)))
    assert events.student.array().dtype == "int16" and events.lines().dtype == "int32"
    events.add(records[30_000:], ["a.json"] * 10_000, [None] * 10_000)  # widens mid-batch
    assert events.student.array().dtype == "int32"
    assert events.student.values() == [f"S{n}" for n in range(40_000)]
    assert events.school.array().dtype == "int16"
    assert events.school.values() == [str(100 + n % 3) for n in range(40_000)]
    assert events.lines()[:3].tolist() == [2, 3, 4] and events.lines()[-1] == NO_LINE
    events.add(records[:1], ["a.json"], [2**31 + 5])
    assert events.lines().dtype == "int64"
    assert events.lines()[[0, 39_999, 40_000]].tolist() == [2, NO_LINE, 2**31 + 5]
