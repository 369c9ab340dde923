"""Who may see what: the one place where student rows are scoped to a user's schools.

Every query that returns student rows (pages, lists, exports, search, the student page) takes
a `Scope` and asks it for its filter, so no page can forget to filter and no role can see
another school's students. Aggregate-only roles get no student rows at all. The roles
themselves are the casebook's (homeroom.casebook.roles), re-exported here for the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeroom.casebook.roles import DISTRICT_ADMIN, ROLES, SCHOOL_STAFF, STUDENT_ROLES

if TYPE_CHECKING:
    from homeroom.casebook.models import User


class ScopeError(PermissionError):
    """A request outside the user's role or schools. The message names no student."""


@dataclass(frozen=True)
class Scope:
    """A signed-in user's reach: their role and, for school staff, their schools."""

    username: str
    role: str
    school_ids: frozenset[str] | None = None  # None: every school

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {self.role!r}")
        if self.role == SCHOOL_STAFF and self.school_ids is None:
            # Staff without schools see nothing, never everything.
            object.__setattr__(self, "school_ids", frozenset())
        if self.role != SCHOOL_STAFF:
            object.__setattr__(self, "school_ids", None)

    @classmethod
    def of(cls, username: str, role: str, school_ids: Iterable[str] | None = None) -> Scope:
        return cls(username, role, None if school_ids is None else frozenset(map(str, school_ids)))

    @property
    def sees_students(self) -> bool:
        return self.role in STUDENT_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == DISTRICT_ADMIN

    def allows_school(self, school_id: str) -> bool:
        """May this user open the school's page (aggregates and, for staff, its students)?"""
        return self.school_ids is None or str(school_id) in self.school_ids

    def require_students(self) -> None:
        if not self.sees_students:
            raise ScopeError("this page shows student records; your role sees aggregates only")

    def require_school(self, school_id: str) -> None:
        if not self.allows_school(school_id):
            raise ScopeError("that school is not one of yours")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise ScopeError("only a district administrator may do this")

    def student_filter(self, column: str = "school_id") -> tuple[str, list[str]]:
        """A SQL condition and its parameters that keep only rows this user may see.

        Raises ScopeError for aggregate-only roles: they never get a student-row query.
        """
        self.require_students()
        if self.school_ids is None:
            return "TRUE", []
        if not self.school_ids:
            return "FALSE", []
        ids = sorted(self.school_ids)
        return f"{column} IN ({', '.join('?' for _ in ids)})", ids


def user_scope(user: User) -> Scope:
    """What this account may see: its role and, for school staff, its schools."""
    schools = user.school_ids if user.role == SCHOOL_STAFF else None
    return Scope.of(user.username, user.role, schools)


__all__ = [
    "Scope",
    "ScopeError",
    "user_scope",
]
