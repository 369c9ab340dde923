"""Synthetic family contacts: one or two guardians per student, invented and unreachable.

Names come from the generator's own lists, phone numbers from 555-0100 to 555-0199 (the range
set aside for fiction), email addresses at example.org (reserved for examples), so nothing here
can reach a real family. A guardian speaks the student's home language. Built with Arrow
compute, never one Python string per row, so a state's millions of students stay quick.
It draws from its own random stream: the other tables do not change when it does.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from homeroom.synth import names
from homeroom.synth.geography import STATE
from homeroom.synth.population import FIRST_NAMES, LANGUAGES, LAST_NAMES, Students
from homeroom.synth.writer import fixed_width_ids

SECOND_GUARDIAN = 0.55  # share of students with two guardians listed
NO_EMAIL = 0.2
SECOND_ADDRESS_LINE = 0.15
MAY_NOT_CONTACT = 0.03  # a guardian the school may not contact (a court order, say)
OTHER_LAST_NAME = 0.2  # a guardian whose last name is not the student's
STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
_FEMALE = len(names.FIRST_NAMES_F)
_NULL = pa.scalar(None, pa.string())


def contacts_table(rng: np.random.Generator, people: Students, student_ids: pa.Array) -> pa.Table:
    """The contacts table: per student a primary guardian, and for some a second one."""
    n = people.n
    two = rng.random(n) < SECOND_GUARDIAN
    student = np.sort(np.concatenate([np.arange(n), np.flatnonzero(two)]), kind="stable")
    m = len(student)
    rank = np.r_[0, (student[1:] == student[:-1]).astype(np.int64)]  # 0: first, 1: second
    first = rng.integers(0, len(FIRST_NAMES), m)
    last = np.where(
        rng.random(m) < OTHER_LAST_NAME,
        rng.integers(0, len(LAST_NAMES), m),
        people["last_name"][student],
    )
    first_names = _take(FIRST_NAMES, first)
    last_names = _take(LAST_NAMES, last)
    number = np.arange(1, m + 1)
    ids = fixed_width_ids("G", number, max(7, len(str(m))))
    household = _addresses(rng, n)
    return pa.table(
        {
            "student_id": student_ids.take(pa.array(student)),
            "contact_id": ids,
            "name": pc.binary_join_element_wise(first_names, last_names, " "),
            "relationship": _relationships(rng, first, rank),
            "phone": _phones(rng, m),
            "email": _emails(rng, first_names, last_names, number),
            "language": _take(LANGUAGES, people["home_language"][student]),
            # Two guardians of a student share the household's address.
            **{column: values.take(pa.array(student)) for column, values in household.items()},
            "may_contact": pa.array(rng.random(m) >= MAY_NOT_CONTACT),
            "is_primary": pa.array(rank == 0),
        }
    )


def _take(values: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(idx.astype(np.int64)))


def _relationships(rng: np.random.Generator, first: np.ndarray, rank: np.ndarray) -> pa.Array:
    """mother or father by the name; some guardians, grandparents and others."""
    female = first < _FEMALE
    parent = np.where(female, 0, 1)
    other = rng.random(len(first))
    kind = np.where(other < 0.06, 2, np.where(other < 0.10, np.where(female, 3, 4), parent))
    kind = np.where((rank == 1) & (other > 0.98), 5, kind)
    words = ("mother", "father", "guardian", "grandmother", "grandfather", "other")
    return _take(words, kind)


def _phones(rng: np.random.Generator, m: int) -> pa.Array:
    return pc.binary_join_element_wise(
        "555-01", pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 100, m)), pa.string()), 2, "0"), ""
    )


def _emails(
    rng: np.random.Generator, first: pa.Array, last: pa.Array, number: np.ndarray
) -> pa.Array:
    """first.last<n>@example.org in lower case (the number keeps two guardians apart)."""
    local = pc.binary_join_element_wise(
        pc.utf8_lower(first),
        pc.replace_substring(pc.utf8_lower(last), " ", ""),
        pc.cast(pa.array(number), pa.string()),
        ".",
    )
    emails = pc.binary_join_element_wise(local, "example.org", "@")
    return pc.if_else(pa.array(rng.random(len(number)) < NO_EMAIL), _NULL, emails)


def _addresses(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    """One invented address per student's household."""
    house = pc.cast(pa.array(rng.integers(100, 9900, n)), pa.string())
    street = _take(names.SCHOOL_NAMES, rng.integers(0, len(names.SCHOOL_NAMES), n))
    kind = _take(STREET_KINDS, rng.integers(0, len(STREET_KINDS), n))
    apartment = pc.binary_join_element_wise(
        "Apt", pc.cast(pa.array(rng.integers(1, 40, n)), pa.string()), " "
    )
    return {
        "address_line1": pc.binary_join_element_wise(house, street, kind, " "),
        "address_line2": pc.if_else(
            pa.array(rng.random(n) < SECOND_ADDRESS_LINE), apartment, _NULL
        ),
        "city": _take(names.DISTRICT_PLACES, rng.integers(0, len(names.DISTRICT_PLACES), n)),
        "state": pa.array([STATE] * n, type=pa.string()),
        "postal_code": pc.cast(pa.array(rng.integers(10000, 100000, n)), pa.string()),
    }
