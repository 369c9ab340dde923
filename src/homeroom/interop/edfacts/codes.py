"""Homeroom's student columns in EDFacts words: the one table of categories and permitted values.

FS195 (and every EDFacts file that reports these groups) names a student group by a category
and a permitted value; Homeroom's canonical `students` table (contract/schema.py) holds the
same facts as `race_ethnicity`, `sex` and yes/no flags. `CATEGORIES` maps one to the other, once
(docs/fs195.md, "Categories and permitted values", says where each code comes from).
"""

from __future__ import annotations

from dataclasses import dataclass

MISSING = "MISSING"


@dataclass(frozen=True)
class Category:
    """One EDFacts category: its name, Homeroom's column and how a value becomes a code."""

    name: str  # the EDFacts category name, as counts.csv writes it
    column: str  # Homeroom's students column
    codes: dict[object, str]  # Homeroom value -> EDFacts permitted value
    # A flag category counts only the students with the flag (EDFacts has no "not" value).
    flag: bool = False

    def code(self, value: object) -> str | None:
        """The permitted value of a student's Homeroom value; None: not in this category."""
        known = value is not None and value == value  # NaN is the one value unequal to itself
        if self.flag:
            return self.codes[True] if known and bool(value) else None
        return self.codes.get(value, MISSING) if known else MISSING

    @property
    def permitted(self) -> tuple[str, ...]:
        """The permitted values a count is written for (zero where no student has it)."""
        return tuple(dict.fromkeys(self.codes.values()))


RACE_CODES: dict[object, str] = {
    "american_indian_alaska_native": "AM7",
    "asian": "AS7",
    "black": "BL7",
    "hispanic_latino": "HI7",
    "native_hawaiian_pacific_islander": "PI7",
    "white": "WH7",
    "two_or_more": "MU7",
}

CATEGORIES: tuple[Category, ...] = (
    Category("Racial Ethnic", "race_ethnicity", RACE_CODES),
    Category("Sex (Membership)", "sex", {"F": "F", "M": "M", "X": "X"}),
    Category("Disability Status (IDEA)", "students_with_disabilities", {True: "WDIS"}, True),
    Category("English Learner Status", "english_learner", {True: "LEP"}, True),
    Category(
        "Economically Disadvantaged Status", "economically_disadvantaged", {True: "ECODIS"}, True
    ),
    Category("Homeless Enrolled Status", "homeless", {True: "HOMELSENRL"}, True),
    Category("Disability Status (Section 504)", "section_504", {True: "DISAB504STAT"}, True),
)
CATEGORY_BY_COLUMN = {c.column: c for c in CATEGORIES}
CATEGORY_COLUMNS = tuple(c.column for c in CATEGORIES)

# FIPS state codes of the states, DC and the outlying areas that report to EDFacts, by the
# postal code a district writes in `schools.state`.
FIPS: dict[str, str] = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09",
    "DE": "10", "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17",
    "IN": "18", "IA": "19", "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24",
    "MA": "25", "MI": "26", "MN": "27", "MS": "28", "MO": "29", "MT": "30", "NE": "31",
    "NV": "32", "NH": "33", "NJ": "34", "NM": "35", "NY": "36", "NC": "37", "ND": "38",
    "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44", "SC": "45", "SD": "46",
    "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53", "WV": "54",
    "WI": "55", "WY": "56", "AS": "60", "GU": "66", "MP": "69", "PR": "72", "VI": "78",
}  # fmt: skip
