"""Build tracker.xlsx, the hand-written workbook fixture (run once; the .xlsx is committed).

A district tracker as people keep one: a title block above the table, header words that are
not Homeroom's, a blank row, a date typed into a number column, a duplicate, text in a count.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HEADER = [
    "Student ID", "Last Name", "First Name", "School Code", "School Name", "Grade", "Gender",
    "Ethnicity", "SED", "ELL", "SWD", "Days in Membership", "Days Absent", "Excused Absences",
    "Unexcused Absences", "Days Suspended", "Attendance Rate", "Chronic (Y/N)",
]  # fmt: skip
# fmt: off
ROWS = [  # sheet rows 6 on  # noqa: E501
    ["1001", "A", "Ana", 101, "Lincoln Elementary", "K", "Female", "Hispanic", "Y", "Y", "N", 180, 18, 10, 6, 2, 0.9, "Y"],  # noqa: E501
    ["1002", "B", "Ben", 101, "Lincoln Elementary", 1, "Male", "White", "N", "N", "N", 180, 17.5, 17.5, 0, 0, 0.903, "N"],  # noqa: E501
    ["1003", "C", "Cal", 101, "Lincoln Elementary", 2, "M", "Black or African American", "Y", "N", "Y", 9, 1, 0, 1, 0, 0.889, "N"],  # noqa: E501
    ["1004", "D", "Dee", 102, "Jefferson Middle", 7, "F", "Asian", "N", "N", "N", 170, 40, 10, 20, 0, 0.765, "Y"],  # noqa: E501
    ["1005", "E", "Eve", 102, "Jefferson Middle", 8, "F", "Two or More Races", "N", "Y", "N", 100, 5, None, None, None, 0.95, "N"],  # noqa: E501
    None,
    ["1006", "F", "Fay", 102, "Jefferson Middle", 8, "F", "White", "N", "N", "N", 160, 200, 0, 0, 0, None, None],  # noqa: E501
    ["1007", "G", "Gus", 102, "Jefferson Middle", 6, "M", "White", "N", "N", "N", dt.datetime(2025, 6, 1), 2, 2, 0, 0, None, None],  # noqa: E501
    ["1008", "H", "Hal", 101, "Lincoln Elementary", 3, "M", "Pacific Islander", "N", "N", "N", 60, 6, 0, 6, 0, 0.9, "Y"],  # noqa: E501
    ["1008", "H", "Hal", 102, "Jefferson Middle", 3, "M", "Pacific Islander", "N", "N", "N", 100, 5, 5, 0, 0, 0.95, "N"],  # noqa: E501
    ["1002", "B", "Ben", 101, "Lincoln Elementary", 1, "Male", "White", "N", "N", "N", 180, 17.5, 17.5, 0, 0, 0.903, "N"],  # noqa: E501
    ["1009", "I", "Ida", 101, "Lincoln Elementary", 4, "F", "White", "N", "N", "N", 120, "twelve", 0, 0, 0, None, None],  # noqa: E501
]
# fmt: on


def build(path: Path) -> None:
    book = Workbook()
    cover = book.active
    cover.title = "Instructions"
    cover.append(["Paste your SIS extract on the Student Data sheet."])
    sheet = book.create_sheet("Student Data")
    sheet.append(["Maple Valley USD - Student Attendance Tracker"])
    sheet.append(["School Year:", "2024-25"])
    sheet.append(["District:", "Maple Valley USD"])
    sheet.append([])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row or [])
    book.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name("tracker.xlsx"))
