"""Scratch space shared by the monitors: the validated tables and two small summaries of them.

Attendance can hold 100 million rows, so it is read once into `daily` (rows and absences per
school and date, at most schools x dates), and enrollment is counted per school and date by a
sweep over stays (+1 at entry, -1 the day after the last day) rather than per student-day.
Scratch relations are TEMP tables with a per-run prefix, dropped at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cached_property

import duckdb
import pandas as pd

from homeroom.contract.fields import quote_ident
from homeroom.quality.result import ROW_LIMIT


def row_checksum(units: int) -> str:
    """An order-free checksum of a school-day's attendance rows (an aggregate expression).

    The amount enters as a double of an exact ratio, so equal amounts in two loads' different
    units hash alike (IEEE division rounds the same ratio to the same double).
    """
    return f"sum(hash(student_id, category, CAST(absent_units AS DOUBLE) / {units}))"


class Context:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        schema: str,
        progress: Callable[[str], None] | None = None,
        checksum_units: int | None = None,
    ) -> None:
        self.con = con
        self.schema = schema
        # With a previous load to compare with, `daily` also sums a hash of each row (see
        # changes.py), in the same pass over attendance.
        self.checksum_units = checksum_units
        self._progress = progress
        self._prefix = f"_hq_{uuid.uuid4().hex[:10]}_"
        self._made: list[str] = []

    def say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    def t(self, table: str) -> str:
        """A validated table, qualified by the schema."""
        return f"{quote_ident(self.schema)}.{quote_ident(table)}"

    def temp(self, base: str, sql: str) -> str:
        name = f"{self._prefix}{base}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        self._made.append(name)
        return name

    def scalar(self, sql: str, params: list | None = None):  # noqa: ANN201 - any SQL value
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def frame(self, sql: str) -> tuple[pd.DataFrame, int]:
        """The first ROW_LIMIT rows of a query, and how many rows it has in all."""
        total = int(self.scalar(f"SELECT count(*) FROM ({sql})"))
        rows = self.con.execute(f"SELECT * FROM ({sql}) LIMIT {ROW_LIMIT}").df()
        for column in rows.columns:  # DATE columns arrive as timestamps; show them as dates
            if pd.api.types.is_datetime64_any_dtype(rows[column]):
                rows[column] = rows[column].dt.date
        return rows, total

    def cleanup(self) -> None:
        for name in reversed(self._made):
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
            except duckdb.Error:  # an aborted transaction: the caller rolls back anyway
                return

    # -- shared summaries ----------------------------------------------------------------------
    @cached_property
    def attendance_rows(self) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {self.t('attendance')}"))

    @cached_property
    def daily(self) -> str:
        """Attendance rows and absences (rows with an absent amount) per school and date."""
        self.say("counting attendance rows per school and day")
        checksum = ""
        if self.checksum_units:
            checksum = f", {row_checksum(self.checksum_units)} AS checksum"
        return self.temp(
            "daily",
            "SELECT school_id, date, count(*) AS att_rows, "
            f"count(*) FILTER (WHERE absent_units > 0) AS absences{checksum} "
            f"FROM {self.t('attendance')} GROUP BY ALL",
        )

    @cached_property
    def data_end(self) -> str:
        """Each district's latest attendance date: days after it are not in the extract yet."""
        return self.temp(
            "data_end",
            f"SELECT s.district_id, max(d.date) AS last_date FROM {self.daily} d "
            f"JOIN {self.t('schools')} s USING (school_id) GROUP BY ALL",
        )

    @cached_property
    def stays(self) -> str:
        """Stays with their last day made explicit (open stays run to the calendar's end)."""
        return self.temp(
            "stays",
            "SELECT e.student_id, e.school_id, e.school_year, e.entry_date, "
            "coalesce(e.last_day, c.cal_last) AS end_date, c.calendar_id, c.cal_first, "
            f"c.cal_last FROM {self.t('enrollments')} e "
            f"JOIN {self.t('schools')} s USING (school_id) "
            "JOIN (SELECT calendar_id, school_year, min(date) AS cal_first, "
            f"max(date) AS cal_last FROM {self.t('calendar')} GROUP BY ALL) c "
            "ON c.calendar_id = s.calendar_id AND c.school_year = e.school_year",
        )

    @cached_property
    def school_days(self) -> str:
        """Every calendar date of each school and year it has stays in, with students enrolled."""
        self.say("counting students enrolled per school and day")
        events = (
            f"SELECT school_id, school_year, entry_date AS date, count(*) AS delta "
            f"FROM {self.stays} GROUP BY ALL UNION ALL "
            f"SELECT school_id, school_year, end_date + 1, -count(*) FROM {self.stays} "
            "GROUP BY ALL"
        )
        grid = (
            "SELECT y.school_id, y.school_year, c.date, c.instructional "
            f"FROM (SELECT DISTINCT school_id, school_year, calendar_id FROM {self.stays}) y "
            f"JOIN {self.t('calendar')} c "
            "ON c.calendar_id = y.calendar_id AND c.school_year = y.school_year"
        )
        # At one date the stay events sort before the day itself (FALSE < TRUE), so a student
        # entering that day counts and one whose stay ended the day before does not.
        merged = (
            "SELECT school_id, school_year, date, instructional, 0 AS delta, TRUE AS is_day "
            f"FROM ({grid}) UNION ALL SELECT school_id, school_year, date, NULL, delta, FALSE "
            f"FROM ({events})"
        )
        return self.temp(
            "school_days",
            "SELECT m.school_id, s.district_id, m.school_year, m.date, m.instructional, "
            "CAST(m.enrolled AS BIGINT) AS enrolled FROM (SELECT *, sum(delta) OVER "
            "(PARTITION BY school_id, school_year ORDER BY date, is_day "
            f"ROWS UNBOUNDED PRECEDING) AS enrolled FROM ({merged})) m "
            f"JOIN {self.t('schools')} s USING (school_id) WHERE m.is_day",
        )

    @cached_property
    def counted_days(self) -> str:
        """Instructional days with students enrolled, through the district's latest attendance
        date, with that day's attendance rows and absences (0 when none)."""
        return self.temp(
            "counted_days",
            "SELECT sd.school_id, sd.district_id, sd.school_year, sd.date, sd.enrolled, "
            "coalesce(d.att_rows, 0) AS att_rows, coalesce(d.absences, 0) AS absences "
            f"FROM {self.school_days} sd JOIN {self.data_end} e USING (district_id) "
            f"LEFT JOIN {self.daily} d USING (school_id, date) "
            "WHERE sd.instructional AND sd.enrolled > 0 AND sd.date <= e.last_date",
        )
