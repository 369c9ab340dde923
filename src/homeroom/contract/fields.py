"""SQL that turns one raw column (text from CSV/xlsx, typed from Parquet) into a checked value.

Each kind of column (schema.Column.kind) gets a `Parsed`: the typed value, whether a value was
given, whether it is bad, and the reason to write when it is. Parquet columns that already have
the right type are used as they are: no round trip through text at 70 million rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from homeroom.contract.languages import codes as language_codes
from homeroom.contract.schema import (
    CATEGORIES,
    CONTACT_PERSONAL_COLUMNS,
    FALSE_WORDS,
    GRADE_LEVELS,
    RACE_ETHNICITY,
    SEX,
    STUDENT_GROUP_COLUMNS,
    TRUE_WORDS,
)

FRACTION_DECIMALS = 4  # absent_fraction is exact to 1/10,000 of a day
_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
# Columns about a person: a reason never quotes their values (a file whose columns slipped puts
# names in race_ethnicity or birth_date, and reasons are shown on the web's Data page).
PERSONAL_COLUMNS = frozenset(
    {"first_name", "last_name", "birth_date", *STUDENT_GROUP_COLUMNS, *CONTACT_PERSONAL_COLUMNS}
)
# What each coded column's codes are called in a reason.
CODE_NAMES = {"sex": "sex codes", "race_ethnicity": "race/ethnicity codes"}
ENUMS: dict[str, tuple[str, ...]] = {
    "sex": SEX,
    "race_ethnicity": RACE_ETHNICITY,
    "grade_level": GRADE_LEVELS,
    "category": CATEGORIES,
}


@dataclass(frozen=True)
class Parsed:
    value: str  # typed value; NULL when empty or bad
    given: str  # a non-empty value is there
    bad: str  # given but not acceptable
    reason: str  # SQL text for a bad value (meaningful only where `bad`)
    out_of_range: str = "FALSE"  # fractions only: a number, but outside 0..1
    rounded: str = "FALSE"  # fractions only: more than FRACTION_DECIMALS decimals


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(sql_text(v) for v in values)


def shown(expr: str) -> str:
    """A raw value cited in a reason: quoted and cut short."""
    return f"('''' || left(CAST({expr} AS VARCHAR), 40) || '''')"


def cite(column: str, expr: str) -> str:
    """SQL text ": 'the value'" for a reason; nothing ('') for a personal column."""
    if column in PERSONAL_COLUMNS:
        return "''"
    return f"': ' || {shown(expr)}"


def text(column: str, dtype: str) -> str:
    """The value as trimmed text; NULL when empty."""
    col = quote_ident(column)
    if dtype == "VARCHAR":
        return f"NULLIF(trim({col}), '')"
    if dtype in _FLOAT_TYPES:
        # An id stored as a float (1001.0, pandas' way with gaps) is the text 1001, as in a CSV.
        whole = f"isfinite({col}) AND {col} = trunc({col}) AND abs({col}) < 1e18"
        return (
            f"NULLIF(CASE WHEN {whole} THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({col} AS VARCHAR) END, '')"
        )
    return f"NULLIF(trim(CAST({col} AS VARCHAR)), '')"


def _is_integer(dtype: str) -> bool:
    return dtype in _INTEGER_TYPES


def _is_decimal(dtype: str) -> bool:
    return dtype.startswith("DECIMAL")


def _is_number(dtype: str) -> bool:
    return _is_integer(dtype) or _is_decimal(dtype) or dtype in _FLOAT_TYPES


def parse(kind: str, column: str, dtype: str | None) -> Parsed:
    """How to read `column` (of DuckDB type `dtype`; None: the file has no such column)."""
    if dtype is None:
        return Parsed("NULL", "FALSE", "FALSE", "NULL")
    builder = _BUILDERS.get(kind)
    if builder is None:
        return _enum(kind, column, dtype) if kind in ENUMS else _str(column, dtype)
    return builder(column, dtype)


def _made(column: str, dtype: str, value: str, reason: str) -> Parsed:
    given = f"({_given(column, dtype)})"
    return Parsed(value, given, f"({given} AND ({value}) IS NULL)", reason)


def _given(column: str, dtype: str) -> str:
    """A non-empty value is there. A typed value (a date, a number) as text is never empty, so
    it is tested for NULL alone: casting 10^8 dates to text only to test them cost seconds."""
    if dtype in _NEVER_EMPTY or dtype.startswith("TIMESTAMP") or _is_number(dtype):
        return f"{quote_ident(column)} IS NOT NULL"
    return f"{text(column, dtype)} IS NOT NULL"


_NEVER_EMPTY = {"DATE", "BOOLEAN", "TIME"}


def _str(column: str, dtype: str) -> Parsed:
    value = text(column, dtype)
    return Parsed(value, f"({value} IS NOT NULL)", "FALSE", "NULL")


# A date may carry a midnight time, as spreadsheets and pandas write dates: 2024-09-03 00:00:00.
_MIDNIGHT = "([ T]00:00(:00(\\.0+)?)?)?"


def _date(column: str, dtype: str) -> Parsed:
    col = quote_ident(column)
    if dtype == "DATE":
        value = col
    elif dtype.startswith("TIMESTAMP"):
        # Only a midnight is a date: a time of day is not cut off silently. A time-zoned
        # timestamp is read on the UTC clock so the date does not depend on the machine.
        clock = f"timezone('UTC', {col})" if "TIME ZONE" in dtype else col
        value = f"CASE WHEN CAST({clock} AS TIME) = TIME '00:00:00' THEN CAST({clock} AS DATE) END"
    elif dtype == "VARCHAR":
        raw = text(column, dtype)
        # TRY_CAST alone also takes '2024-2-3' and times; the pattern keeps it to YYYY-MM-DD.
        value = (
            f"CASE WHEN regexp_full_match({raw}, '\\d{{4}}-\\d{{2}}-\\d{{2}}{_MIDNIGHT}') "
            f"THEN TRY_CAST(left({raw}, 10) AS DATE) END"
        )
    else:
        value = "CAST(NULL AS DATE)"
    hint = _date_hint(column, dtype)
    reason = f"'{column} is not a date (YYYY-MM-DD)' || {cite(column, col)} || {hint}"
    return _made(column, dtype, value, reason)


def _date_hint(column: str, dtype: str) -> str:
    """What a bad date probably is: an Excel serial (and its date), or a date with a time."""
    raw = text(column, dtype)
    # Excel's day 1 is 1900-01-01 counting a 29 Feb 1900 that never was: from 1 Mar 1900 on,
    # serial n is 1899-12-30 + n days. Five digits cover 1927 to 2173.
    serial = f"DATE '1899-12-30' + CAST(TRY_CAST({raw} AS DOUBLE) AS INTEGER)"
    # A birth date's serial is not turned into the date either: that would quote it.
    would_be = (
        "''"
        if column in PERSONAL_COLUMNS
        else f"' it would be ' || CAST({serial} AS VARCHAR) || ';'"
    )
    return (
        f"(CASE WHEN regexp_full_match({raw}, '\\d{{5}}(\\.0+)?') THEN "
        f"' (an Excel date serial?' || {would_be} || ' convert it to YYYY-MM-DD)' "
        f"WHEN regexp_full_match({raw}, '\\d{{4}}-\\d{{2}}-\\d{{2}}[ T]\\d{{1,2}}:\\d{{2}}.*') "
        f"AND NOT regexp_full_match({raw}, '.{{10}}{_MIDNIGHT}') THEN "
        "' (a date with a time of day; give the date only)' ELSE '' END)"
    )


def _whole(column: str, dtype: str) -> str:
    """An integer from any type, NULL when the value is not a whole number."""
    col = quote_ident(column)
    if _is_integer(dtype):
        return f"TRY_CAST({col} AS BIGINT)"
    if _is_decimal(dtype) or dtype in _FLOAT_TYPES:
        return f"CASE WHEN {col} = trunc({col}) THEN TRY_CAST({col} AS BIGINT) END"
    raw = text(column, dtype)
    # 2025.0 is a whole number (a spreadsheet or pandas export of a number column), as in Parquet.
    return (
        f"CASE WHEN regexp_full_match({raw}, '[+-]?\\d+(\\.0*)?') "
        f"THEN TRY_CAST(regexp_replace({raw}, '\\.0*$', '') AS BIGINT) END"
    )


def _year(column: str, dtype: str) -> Parsed:
    whole = _whole(column, dtype)
    value = f"CASE WHEN {whole} BETWEEN 1900 AND 2999 THEN {whole} END"
    example = "(e.g. 2025 for 2024-25)"
    reason = f"'{column} is not a school year {example}' || {cite(column, quote_ident(column))}"
    return _made(column, dtype, value, reason)


def _positive(column: str, dtype: str) -> Parsed:
    whole = _whole(column, dtype)
    value = f"CASE WHEN {whole} > 0 THEN {whole} END"
    reason = f"'{column} is not a positive whole number' || {cite(column, quote_ident(column))}"
    return _made(column, dtype, value, reason)


def _minutes(column: str, dtype: str) -> Parsed:
    whole = _whole(column, dtype)
    value = f"CASE WHEN {whole} >= 0 THEN {whole} END"
    reason = (
        f"'{column} is not a whole number of minutes, 0 or more' "
        f"|| {cite(column, quote_ident(column))}"
    )
    return _made(column, dtype, value, reason)


def _bool(column: str, dtype: str) -> Parsed:
    col = quote_ident(column)
    if dtype == "BOOLEAN":
        value = col
    elif _is_number(dtype):
        value = f"CASE WHEN {col} = 1 THEN TRUE WHEN {col} = 0 THEN FALSE END"
    else:
        low = f"lower({text(column, dtype)})"
        value = (
            f"CASE WHEN {low} IN ({sql_list(TRUE_WORDS)}) THEN TRUE "
            f"WHEN {low} IN ({sql_list(FALSE_WORDS)}) THEN FALSE END"
        )
    words = "a yes/no value (true/false, 1/0, Y/N, yes/no, t/f)"
    if column in PERSONAL_COLUMNS:
        reason = sql_text(f"{column} is not {words}")
    else:
        reason = f"'{column} ' || {shown(col)} || ' is not {words}'"
    return _made(column, dtype, value, reason)


def normalized_enum(kind: str, raw: str) -> str:
    """Case and zero-padding forgiven: 'f' is F, 'Asian' is asian, '5' and 'k' are 05 and KG."""
    if kind == "sex":
        return f"upper({raw})"
    if kind == "grade_level":
        padded = f"CASE WHEN regexp_full_match({raw}, '\\d{{1,2}}') THEN lpad({raw}, 2, '0') END"
        upper = f"upper({raw})"
        return f"coalesce({padded}, CASE {upper} WHEN 'K' THEN 'KG' ELSE {upper} END)"
    return f"lower({raw})"


def _enum(kind: str, column: str, dtype: str) -> Parsed:
    raw = text(column, dtype)
    if kind == "grade_level" and _is_number(dtype):
        raw = f"CAST({_whole(column, dtype)} AS VARCHAR)"
    norm = normalized_enum(kind, raw)
    allowed = ENUMS[kind]
    value = f"CASE WHEN {norm} IN ({sql_list(allowed)}) THEN {norm} END"
    codes = ", ".join(allowed)
    if column in PERSONAL_COLUMNS:
        named = CODE_NAMES.get(kind, "codes")
        reason = sql_text(f"{column} is not one of the {named} ({codes})")
    else:
        reason = f"'{column} ' || {shown(quote_ident(column))} || ' is not one of {codes}'"
    return _made(column, dtype, value, reason)


def _language(column: str, dtype: str) -> Parsed:
    raw = text(column, dtype)
    # Only codes ISO 639-1 has ("xx" is two letters but no language). The value is not quoted:
    # a home language is a personal value, and a misplaced column could put a name here.
    # A pattern, not IN (184 codes): DuckDB tests an IN list value by value, ten times slower
    # over a state's contacts. The codes are two letters each, nothing to escape.
    known = "|".join(language_codes())
    value = f"CASE WHEN regexp_full_match(lower({raw}), '{known}') THEN lower({raw}) END"
    reason = sql_text(f"{column} is not an ISO 639-1 language code (two letters, e.g. en, es)")
    return _made(column, dtype, value, reason)


# Something@somewhere.tld with no spaces: enough to catch a phone number or a name in the column;
# whether the address reaches anyone only sending tells.
EMAIL_PATTERN = "[^@\\s]+@[^@\\s]+\\.[^@\\s.]+"


def _email(column: str, dtype: str) -> Parsed:
    raw = text(column, dtype)
    value = f"CASE WHEN regexp_full_match({raw}, '{EMAIL_PATTERN}') THEN {raw} END"
    reason = sql_text(f"{column} does not look like an email address (name@example.org)")
    return _made(column, dtype, value, reason)


def _fraction(column: str, dtype: str) -> Parsed:
    """Units of 1/10,000 of a day, exact from text and decimals, rounded half-even past that."""
    col = quote_ident(column)
    scale = 10**FRACTION_DECIMALS
    if _is_integer(dtype) or _is_decimal(dtype) or dtype == "VARCHAR":
        raw = text(column, dtype)
        pattern = "[+-]?(\\d+\\.?\\d*|\\.\\d+)"
        number = (
            f"CASE WHEN regexp_full_match({raw}, '{pattern}') "
            f"THEN TRY_CAST({raw} AS DECIMAL(38, 18)) END"
        )
        units = f"CAST(round_even({number} * {scale}, 0) AS BIGINT)"
        rounded = f"({number} * {scale} <> round_even({number} * {scale}, 0))"
    elif dtype in _FLOAT_TYPES:
        # A double cannot hold 0.1 exactly: take the nearest 1/10,000 and call it exact when
        # the double was within a rounding error of it.
        number = f"CASE WHEN isfinite({col}) THEN CAST({col} AS DOUBLE) END"
        units = f"CAST(round_even({number} * {scale}, 0) AS BIGINT)"
        rounded = f"(abs({number} * {scale} - round_even({number} * {scale}, 0)) > 1e-6)"
    else:
        number, units, rounded = "NULL", "NULL", "FALSE"
    out = f"({number} < 0 OR {number} > 1)"
    value = f"CASE WHEN NOT {out} THEN {units} END"
    reason = f"'{column} is not a number from 0 to 1' || {cite(column, col)}"
    parsed = _made(column, dtype, f"({number})", reason)
    return Parsed(value, parsed.given, parsed.bad, reason, f"coalesce({out}, FALSE)", rounded)


_BUILDERS = {
    "str": _str,
    "date": _date,
    "year": _year,
    "int": _positive,
    "minutes": _minutes,
    "bool": _bool,
    "fraction": _fraction,
    "language": _language,
    "email": _email,
}


def plain_name(name: str) -> str:
    """A header as the contract reads it: trimmed and lower case."""
    return re.sub(r"\s+", " ", name.strip().lower())
