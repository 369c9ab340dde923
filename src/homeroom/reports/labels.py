"""Words and numbers as a principal reads them: group labels, percentages, school years.

Every report (terminal, HTML) formats through here, so "27.3%" and "Hispanic or Latino" look the
same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from homeroom.contract.schema import GRADE_LEVELS, RACE_ETHNICITY, SEX
from homeroom.formats import percent_text

LEVEL_LABELS = {
    "low": "Low",
    "modest": "Modest",
    "significant": "Significant",
    "high": "High",
    "extreme": "Extreme",
}
TIER_LABELS = {
    "satisfactory": "Satisfactory",
    "at_risk": "At risk",
    "moderate_chronic": "Moderate chronic",
    "severe_chronic": "Severe chronic",
}
COLUMN_LABELS = {
    "race_ethnicity": "Race and ethnicity",
    "sex": "Sex",
    "grade_level": "Grade",
    "home_language": "Home language",
    "economically_disadvantaged": "Economic disadvantage",
    "english_learner": "English learners",
    "students_with_disabilities": "Disability",
    "section_504": "Section 504",
    "homeless": "Homelessness",
    "foster_care": "Foster care",
    "migrant": "Migrant status",
    "military_connected": "Military families",
}
_RACE = {
    "american_indian_alaska_native": "American Indian or Alaska Native",
    "asian": "Asian",
    "black": "Black or African American",
    "hispanic_latino": "Hispanic or Latino",
    "native_hawaiian_pacific_islander": "Native Hawaiian or Pacific Islander",
    "white": "White",
    "two_or_more": "Two or more races",
}
_SEX = {"F": "Female", "M": "Male", "X": "Nonbinary (X)"}
# (label when True, label when False) for the student flags.
_FLAGS = {
    "economically_disadvantaged": (
        "Economically disadvantaged",
        "Not economically disadvantaged",
    ),
    "english_learner": ("English learners", "Not English learners"),
    "students_with_disabilities": ("Students with disabilities", "Students without disabilities"),
    "section_504": ("Section 504 plan", "No Section 504 plan"),
    "homeless": ("Homeless", "Not homeless"),
    "foster_care": ("In foster care", "Not in foster care"),
    "migrant": ("Migrant", "Not migrant"),
    "military_connected": ("Military-connected", "Not military-connected"),
}
_GRADES = {"PK": "Pre-kindergarten", "TK": "Transitional kindergarten", "KG": "Kindergarten"}
# How a sentence names the students of a flag group: "Students experiencing homelessness: ...".
_FLAG_PHRASES = {
    "economically_disadvantaged": "Economically disadvantaged students",
    "english_learner": "English learners",
    "students_with_disabilities": "Students with disabilities",
    "section_504": "Students with a Section 504 plan",
    "homeless": "Students experiencing homelessness",
    "foster_care": "Students in foster care",
    "migrant": "Migrant students",
    "military_connected": "Students from military families",
}
NOT_RECORDED = "Not recorded"
_TRUE = {"true", "1", "y", "yes", "t"}
_FALSE = {"false", "0", "n", "no", "f"}


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' NA all mean "no value" in metric frames."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the only value unequal to itself
    except (TypeError, ValueError):
        return str(value) == "<NA>"  # pd.NA refuses bool()


def column_label(column: str) -> str:
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def as_flag(value: Any) -> bool | None:
    """True/False from a boolean, 1/0 or a yes/no word; None when it is neither."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def group_label(column: str, value: Any) -> str:
    """A student group as people say it: `hispanic_latino` -> "Hispanic or Latino"."""
    if is_missing(value) or str(value).strip() == "":
        return NOT_RECORDED
    if column in _FLAGS:
        flag = as_flag(value)
        if flag is not None:
            return _FLAGS[column][0 if flag else 1]
    text = str(value).strip()
    if column == "race_ethnicity":
        return _RACE.get(text, text.replace("_", " ").capitalize())
    if column == "sex":
        return _SEX.get(text.upper(), text)
    if column == "grade_level":
        if text.upper() in _GRADES:
            return _GRADES[text.upper()]
        return f"Grade {int(text)}" if text.isdigit() else text
    if column == "home_language":
        return language_name(text)
    return text


def group_order(column: str, value: Any) -> tuple[int, str]:
    """A natural order for a column's groups: grades in grade order, True before False."""
    if is_missing(value):
        return (10_000, "")
    text = str(value).strip()
    if column in _FLAGS:
        flag = as_flag(value)
        return (0 if flag else 1, text)
    known = {
        "race_ethnicity": RACE_ETHNICITY,
        "sex": SEX,
        "grade_level": GRADE_LEVELS,
    }.get(column, ())
    if text in known:
        return (known.index(text), text)
    if column == "grade_level" and text.isdigit():
        return (GRADE_LEVELS.index(f"{int(text):02d}") if 1 <= int(text) <= 12 else 100, text)
    return (1_000, text.lower())


def percent(share: float | None, cuts: Iterable[Fraction | float] = ()) -> str:
    """0.2734 -> "27.3%"; a missing share -> an em dash, never "nan%". With `cuts` (the cut
    points of a label printed beside it) it never rounds across one: see formats.percent_text."""
    return percent_text(share, cuts)


def points(change: float | None) -> str:
    """A change of two shares in percentage points: 0.032 -> "+3.2 points"."""
    if change is None or is_missing(change):
        return "—"
    value = round(change * 100, 1)
    if value == 0:
        return "no change"
    return f"{value:+.1f} points"


def count(value: int | None) -> str:
    """12345 -> "12,345"."""
    return "—" if value is None or is_missing(value) else f"{int(value):,}"


def school_year(year: Any) -> str:
    """A school year is named by the year it ends in: 2025 -> "2024-25"."""
    try:
        end = int(year)
    except (TypeError, ValueError):
        return str(year)
    return f"{end - 1}-{end % 100:02d}"


def one_in(share: float) -> str:
    """A share as "about 1 in 4 students", which people grasp faster than 27.3%."""
    if share <= 0:
        return "no students"
    if share < 0.01:
        return "fewer than 1 in 100 students"
    if share >= 0.5:
        tenths = round(share * 10)
        return "all students" if tenths >= 10 else f"about {tenths} in 10 students"
    n = round(1 / share)
    exact = math.isclose(share, 1 / n, abs_tol=0.0005)
    return f"{'' if exact else 'about '}1 in {n} students"


def is_flag_column(column: str) -> bool:
    """A yes/no student column (homeless, english_learner, ...), compared as flag vs the rest."""
    return column in _FLAGS


def flag_phrase(column: str) -> str:
    """The students a flag column names, for sentences: "Students experiencing homelessness"."""
    return _FLAG_PHRASES.get(column, _FLAGS.get(column, (column_label(column),))[0])


def students_phrase(column: str, value: Any) -> str:
    """A group as a sentence's subject: "Hispanic or Latino students", "Students in Grade 3"."""
    label = group_label(column, value)
    if label == NOT_RECORDED:
        return f"Students with no {column_label(column).lower()} recorded"
    if column in _FLAGS:
        flag = as_flag(value)
        return flag_phrase(column) if flag else "Other students"
    if column == "grade_level":
        named = label.lower() if label in _GRADES.values() else label
        return f"Students in {named}"
    if column in ("race_ethnicity", "sex", "home_language"):
        suffix = " speakers" if column == "home_language" else " students"
        return f"{label}{suffix}"
    return f"Students: {label}"


def level_label(level: Any) -> str:
    """A school level as a word; an empty level (nobody eligible) as "Not rated"."""
    if is_missing(level):
        return "Not rated"
    return LEVEL_LABELS.get(str(level), str(level).capitalize())


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier.replace("_", " ").capitalize())


# Where US districts say it another way than ISO's first name ("Haitian; Haitian Creole").
_USUAL_NAMES = {"ht": "Haitian Creole"}


def language_name(code: str) -> str:
    """An ISO 639-1 code in words, from the one language table: "es" -> "Spanish"."""
    from homeroom.contract.languages import languages

    key = code.strip().lower()
    language = languages().get(key)
    if language is None:
        return code
    return _USUAL_NAMES.get(key) or language.name.split(";")[0].strip()
