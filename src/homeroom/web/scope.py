"""Who may see what: the one place where student rows are scoped to a user's schools.

Every query that returns student rows (pages, lists, exports, search, the student page) takes
a `Scope` and asks it for its filter, so no page can forget to filter and no role can see
another school's students. Aggregate-only roles get no student rows at all. The roles
themselves are the casebook's (homeroom.casebook.roles), re-exported here for the pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeroom.casebook.roles import DISTRICT_ADMIN, PARTNER, ROLES, SCHOOL_STAFF, STUDENT_ROLES

if TYPE_CHECKING:
    from homeroom.casebook.models import User


class ScopeError(PermissionError):
    """A request outside the user's role or schools. The message names no student."""


@dataclass(frozen=True)
class Scope:
    """A signed-in user's reach: their role and, for school staff, their schools; for a
    partner, the students whose family's consent is in force today and each one's scope."""

    username: str
    role: str
    school_ids: frozenset[str] | None = None  # None: every school
    partner_id: int | None = None
    # Partner only: student id -> consent scopes in force (homeroom.casebook.consents).
    consents: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {self.role!r}")
        if self.role == SCHOOL_STAFF and self.school_ids is None:
            # Staff without schools see nothing, never everything.
            object.__setattr__(self, "school_ids", frozenset())
        if self.role != SCHOOL_STAFF:
            object.__setattr__(self, "school_ids", None)
        if self.role != PARTNER:
            object.__setattr__(self, "partner_id", None)
            object.__setattr__(self, "consents", {})

    @classmethod
    def of(cls, username: str, role: str, school_ids: Iterable[str] | None = None) -> Scope:
        return cls(username, role, None if school_ids is None else frozenset(map(str, school_ids)))

    @classmethod
    def partner(
        cls, username: str, partner_id: int, consents: Mapping[str, frozenset[str]]
    ) -> Scope:
        return cls(username, PARTNER, None, partner_id, dict(consents))

    @property
    def is_partner(self) -> bool:
        return self.role == PARTNER

    def allows_field(self, student_id: str, consent_scope: str) -> bool:
        """May this user see that part of a student's record (one of the consent scopes)?
        Staff see every part of the students they may see; a partner, what the consent covers."""
        if not self.is_partner:
            return self.sees_students
        return consent_scope in self.consents.get(str(student_id), frozenset())

    @property
    def sees_students(self) -> bool:
        return self.role in STUDENT_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == DISTRICT_ADMIN

    def allows_school(self, school_id: str) -> bool:
        """May this user open the school's page (aggregates and, for staff, its students)?"""
        if self.is_partner:
            return False
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

        Raises ScopeError for aggregate-only roles: they never get a student-row query. A
        partner's rows are its consented students' (the `student_id` column beside COLUMN).
        """
        if self.is_partner:
            ids = sorted(self.consents)
            alias = column.rpartition(".")[0]
            student_column = f"{alias}.student_id" if alias else "student_id"
            if not ids:
                return "FALSE", []
            return f"{student_column} IN ({', '.join('?' for _ in ids)})", ids
        self.require_students()
        if self.school_ids is None:
            return "TRUE", []
        if not self.school_ids:
            return "FALSE", []
        ids = sorted(self.school_ids)
        return f"{column} IN ({', '.join('?' for _ in ids)})", ids


def user_scope(user: User, consents: Mapping[str, frozenset[str]] | None = None) -> Scope:
    """What this account may see: its role and, for school staff, its schools; for a partner,
    CONSENTS (homeroom.casebook.consents.partner_access of its organisation, today)."""
    if user.role == PARTNER:
        if user.partner_id is None:  # an account without its organisation sees nothing
            return Scope.partner(user.username, 0, {})
        return Scope.partner(user.username, user.partner_id, consents or {})
    schools = user.school_ids if user.role == SCHOOL_STAFF else None
    return Scope.of(user.username, user.role, schools)


__all__ = [
    "Scope",
    "ScopeError",
    "user_scope",
]
