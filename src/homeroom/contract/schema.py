"""The canonical tables: what a dataset folder holds and what validation hands on.

One place for every column list (DESIGN.md section 4). Readers, validation, the
synthetic generator and the metrics all take their column names from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TABLES_REQUIRED = ("schools", "students", "enrollments", "calendar", "attendance")
TABLES_OPTIONAL = ("codes", "contacts", "supports")
FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")

RACE_ETHNICITY = (
    "american_indian_alaska_native",
    "asian",
    "black",
    "hispanic_latino",
    "native_hawaiian_pacific_islander",
    "white",
    "two_or_more",
)
SEX = ("F", "M", "X")
GRADE_LEVELS = ("PK", "TK", "KG", *(f"{g:02d}" for g in range(1, 13)))
STUDENT_FLAGS = (
    "economically_disadvantaged",
    "english_learner",
    "students_with_disabilities",
    "section_504",
    "homeless",
    "foster_care",
    "migrant",
    "military_connected",
)
# Student columns a report may group by (besides grade_level, which comes from enrollments).
STUDENT_GROUP_COLUMNS = ("sex", "race_ethnicity", *STUDENT_FLAGS, "home_language")

CATEGORIES = (
    "excused",
    "unexcused",
    "suspension",
    "in_school_suspension",
    "tardy",
    "early_departure",
    "present",
    "remote_present",
)
# Categories whose default absent fraction is a whole day when a row gives none.
FULL_DAY_BY_DEFAULT = ("excused", "unexcused", "suspension", "in_school_suspension")

TRUE_WORDS = ("true", "1", "y", "yes", "t")
FALSE_WORDS = ("false", "0", "n", "no", "f")

# Absent amounts are kept as exact integers: units of 1/UNITS_PER_DAY of a day.
# 10,000 covers fractions to four decimals; validation raises it to a common
# multiple of the schools' day_minutes so minute-based absences stay exact.
BASE_UNITS_PER_DAY = 10_000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str" | "date" | "int" | "year" | "bool" | "fraction" | "minutes" | enum name
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    help: str = ""
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


SCHOOLS = Table(
    "schools",
    (
        Column("school_id", "str", True),
        Column("school_name", "str", True),
        Column("district_id", "str", True),
        Column("district_name", "str", True),
        Column("state", "str"),
        Column("calendar_id", "str", help="default: the school_id"),
        Column("day_minutes", "int", help="a full school day's length in minutes"),
    ),
    "one row per school",
    key=("school_id",),
)
STUDENTS = Table(
    "students",
    (
        Column("student_id", "str", True),
        Column("school_year", "year"),
        Column("first_name", "str"),
        Column("last_name", "str"),
        Column("birth_date", "date"),
        Column("sex", "sex"),
        Column("race_ethnicity", "race_ethnicity"),
        *(Column(flag, "bool") for flag in STUDENT_FLAGS),
        Column("home_language", "str"),
    ),
    "one row per student (or per student and school_year)",
    key=("student_id", "school_year"),
)
ENROLLMENTS = Table(
    "enrollments",
    (
        Column("student_id", "str", True),
        Column("school_id", "str", True),
        Column("school_year", "year", True),
        Column("grade_level", "grade_level", True),
        Column("entry_date", "date", True),
        Column("exit_date", "date", help="empty: enrolled to the end of the year"),
    ),
    "one row per stay at a school",
)
CALENDAR = Table(
    "calendar",
    (
        Column("calendar_id", "str", True),
        Column("school_year", "year", True),
        Column("date", "date", True),
        Column("instructional", "bool", True),
    ),
    "one row per date of a school's year",
    key=("calendar_id", "school_year", "date"),
)
ATTENDANCE = Table(
    "attendance",
    (
        Column("student_id", "str", True),
        Column("school_id", "str", True),
        Column("date", "date", True),
        Column("category", "category"),
        Column("code", "str"),
        Column("absent_fraction", "fraction"),
        Column("minutes_absent", "minutes"),
    ),
    "one row per student, school and date that was not a plain full day present",
    key=("student_id", "school_id", "date"),
)
CODES = Table(
    "codes",
    (
        Column("code", "str", True),
        Column("category", "category", True),
        Column("absent_fraction", "fraction"),
    ),
    "the district's SIS attendance codes mapped to categories",
    key=("code",),
)

# Families' contact details: who the school may call, write to or visit about a student.
# Every column but the ids is personal (fields.PERSONAL_COLUMNS): never quoted in a reason.
CONTACTS = Table(
    "contacts",
    (
        Column("student_id", "str", True),
        Column("contact_id", "str", True),
        Column("name", "str", True),
        Column("relationship", "str", help="lower-case words: mother, father, guardian, …"),
        Column("phone", "str"),
        Column("email", "email"),
        Column("language", "language", help="ISO 639-1, e.g. en, es"),
        Column("address_line1", "str"),
        Column("address_line2", "str"),
        Column("city", "str"),
        Column("state", "str"),
        Column("postal_code", "str"),
        Column("may_contact", "bool", help="default: true"),
        Column("is_primary", "bool", help="default: false; one primary contact per student"),
    ),
    "one row per contact of a student (parent, guardian, other adult)",
    key=("student_id", "contact_id"),
)
CONTACT_COLUMNS = CONTACTS.names
# Every column but the ids: how to reach a person, and their wishes (a file whose columns
# slipped would put a name in may_contact, so even the flags are never quoted).
CONTACT_PERSONAL_COLUMNS = CONTACT_COLUMNS[2:]

# Supports a SIS already recorded (issue 14): brought into the casebook on `homeroom load`.
SUPPORTS = Table(
    "supports",
    (
        Column("student_id", "str", True),
        Column("school_id", "str", True),
        Column("support", "str", True, help="e.g. letter, call, home visit, plan tier 2"),
        Column("tier", "int", True, help="1, 2 or 3"),
        Column("start_date", "date", True, help="a day the student is enrolled at the school"),
        Column("end_date", "date", help="empty: still going"),
    ),
    "one row per support a student received (optional)",
    key=("student_id", "school_id", "support", "start_date"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (SCHOOLS, STUDENTS, ENROLLMENTS, CALENDAR, ATTENDANCE, CODES, CONTACTS, SUPPORTS)
}

# ---------------------------------------------------------------------------
# What validation hands on (the warehouse tables the metrics read). Types are
# DuckDB type names; every engine receives the same columns.
VALIDATED: dict[str, dict[str, str]] = {
    "schools": {
        "school_id": "VARCHAR",
        "school_name": "VARCHAR",
        "district_id": "VARCHAR",
        "district_name": "VARCHAR",
        "state": "VARCHAR",  # '' when the file gives none
        "calendar_id": "VARCHAR",  # the school_id when the file gives none
        "day_minutes": "BIGINT",
    },
    "students": {
        # school_year is NULL when the file has one row per student for all years.
        "student_id": "VARCHAR",
        "school_year": "BIGINT",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "birth_date": "DATE",
        "sex": "VARCHAR",
        "race_ethnicity": "VARCHAR",
        **{flag: "BOOLEAN" for flag in STUDENT_FLAGS},
        "home_language": "VARCHAR",
    },
    "enrollments": {
        "student_id": "VARCHAR",
        "school_id": "VARCHAR",
        "school_year": "BIGINT",
        "grade_level": "VARCHAR",
        "entry_date": "DATE",
        "exit_date": "DATE",  # as given
        "last_day": "DATE",  # last day enrolled, inclusive; NULL: to the end of the year
    },
    "calendar": {
        # Dense: every date from the first to the last listed date of each
        # calendar and year; dates the file omits are non-instructional.
        "calendar_id": "VARCHAR",
        "school_year": "BIGINT",
        "date": "DATE",
        "instructional": "BOOLEAN",
    },
    "attendance": {
        "student_id": "VARCHAR",
        "school_id": "VARCHAR",
        "school_year": "BIGINT",  # from the stay the date falls in
        "date": "DATE",
        "category": "VARCHAR",  # canonical category after code mapping
        "code": "VARCHAR",
        "absent_units": "BIGINT",  # absent fraction x units_per_day, exact
    },
    "contacts": {
        # Always written, empty when the dataset has no contacts file.
        **{name: "VARCHAR" for name in CONTACT_COLUMNS},
        "may_contact": "BOOLEAN",  # true when the file gives none
        "is_primary": "BOOLEAN",  # false when the file gives none
    },
    "supports": {
        # Always written, empty when the dataset has no supports file.
        "student_id": "VARCHAR",
        "school_id": "VARCHAR",
        "support": "VARCHAR",
        "tier": "BIGINT",
        "start_date": "DATE",
        "end_date": "DATE",
    },
}
QUARANTINE_COLUMNS = ("table", "file", "line", "column", "reason")
