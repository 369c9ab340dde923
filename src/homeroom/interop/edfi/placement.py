"""placement: a school and grade for students the data gives neither an enrollment nor an event.

Used only when the data holds no StudentSchoolAssociations at all (an export without its
enrollment file). A district counts every one of its students, and a student with no attendance
event was present every day, so leaving such students out would count only the absent ones and
inflate every rate. Each is placed, by a stated rule, at one school:

1. The grade is estimated from the birth date (age on 1 September of the school year: 5 is KG,
   6 is 01, …).
2. The school is the one whose grade levels (Ed-Fi School `gradeLevels`, XML
   `School/GradeLevel`) include that grade; when none does, the school with the nearest grade.
3. When no school lists its grades, the grades a school is seen to serve stand in for them: the
   estimated grades of the students with attendance events there.
4. Ties (two schools offering the grade, or equally near) go to the school with more students
   with events of that estimated grade, then more students with events, then the lower id.
5. With one school in the data, every student is placed there.

A student with no birth date is placed only when the school and grade are certain (one school
offering one grade); otherwise, as when no school can be told apart, the student is not placed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from homeroom.interop.edfi import vocab

ORDER = vocab.GRADE_ORDER

# How a student's school was chosen (counted in the import's assumptions).
MATCHED = "grade offered"
NEAREST = "nearest grade"
ONLY_SCHOOL = "only school"
SEEN = "grades seen"


@dataclass(frozen=True)
class Placement:
    school: str
    grade: str
    how: str


def estimated_grade(birth: str | None, year: str) -> int | None:
    """The position in GRADE_ORDER of the grade a birth date suggests for the school year."""
    try:
        born = dt.date.fromisoformat(birth or "")
    except ValueError:
        return None
    first_of_september = dt.date(int(year) - 1, 9, 1)
    age = (
        first_of_september.year
        - born.year
        - ((first_of_september.month, first_of_september.day) < (born.month, born.day))
    )
    return min(max(age - 5 + ORDER.index("KG"), 0), len(ORDER) - 1)


def within(index: int, offered: list[str] | None) -> tuple[str, bool]:
    """The grade at `index`, moved to the nearest offered grade (True) when outside them."""
    ranks = sorted({ORDER.index(g) for g in offered or []})
    if ranks and (index < ranks[0] or index > ranks[-1]):
        return ORDER[min(ranks, key=lambda r: (abs(r - index), r))], True
    return ORDER[index], False


@dataclass
class Placer:
    """Places students at `schools` (those with a calendar for the year)."""

    schools: list[str]
    offered: dict[str, list[str]]  # school → grades it lists
    # school → estimated grade index → students with events there (the tie-break, and rule 3)
    seen: dict[str, Counter[int]]

    @property
    def by_listed_grades(self) -> bool:
        return any(self.offered.get(s) for s in self.schools)

    def place(self, index: int | None) -> Placement | None:
        if len(self.schools) == 1:
            school = self.schools[0]
            if index is None:
                listed = self.offered.get(school) or []
                return Placement(school, listed[0], ONLY_SCHOOL) if len(listed) == 1 else None
            return Placement(school, within(index, self.offered.get(school))[0], ONLY_SCHOOL)
        if index is None:
            return None
        grades: dict[str, set[int]]
        if self.by_listed_grades:
            grades = {s: {ORDER.index(g) for g in self.offered.get(s) or []} for s in self.schools}
            how = MATCHED
        else:
            grades = {s: set(self.seen.get(s, Counter())) for s in self.schools}
            how = SEEN
        grades = {s: g for s, g in grades.items() if g}
        if not grades:
            return None
        distance = {s: min(abs(r - index) for r in g) for s, g in grades.items()}
        nearest = min(distance.values())
        if nearest and how == MATCHED:
            how = NEAREST
        school = min(
            (s for s in grades if distance[s] == nearest),
            key=lambda s: (
                -self.seen.get(s, Counter())[index],
                -sum(self.seen.get(s, Counter()).values()),
                s,
            ),
        )
        return Placement(school, within(index, self.offered.get(school))[0], how)
