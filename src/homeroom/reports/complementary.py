"""Complementary suppression for the public tables: no hidden cell comes back by subtraction.

The public site publishes, for the state, each district and each school, the whole population
(`group_column` = `group_value` = "all") and each student group, with `students_eligible`,
`chronically_absent_count` and `chronic_absence_rate`. Three kinds of additive relation tie
those cells together, each a total and its parts:

- the groups of one column add up to the same unit's "all" row (a school's `sex` groups make
  the school);
- the schools of a district add up to the district, for the "all" row and for each group value;
- the districts add up to the state, likewise.

Primary suppression hides a cell under the definition's minimum group size, by the one rule of
`homeroom.metrics.groups.suppression_reasons`. Complementary suppression then hides further cells
with the iterative method statistical agencies use for hierarchical tables: a relation is safe
when its published total leaves either no hidden part, or at least two hidden parts that
together reach the minimum group size (the condition of `metrics.groups`, so the public site
hides a column's groups as the report and the equity page do), and when a hidden total keeps at
least one hidden part. A relation that is not safe hides its smallest published part (fewest
eligible students; ties by level, district, school, column and value, for determinism), or, with
no part left to hide, its total. A cell is a part in several relations at once (a school's group
row is a part of the school's "all" row and of the district's row for that group), so every
relation a newly hidden cell touches is checked again, until none changes: a fixed point. A last
pass then publishes again, largest first, each complementary cell no relation needs any more, so
every complementary cell left is one some relation cannot do without.

Sources: Federal Committee on Statistical Methodology, Statistical Policy Working Paper 22,
"Report on Statistical Disclosure Limitation Methodology" (revised 2005), chapter 4 (primary and
complementary cell suppression); L. H. Cox, "Suppression methodology and statistical disclosure
control", JASA 75 (1980) 377-385 (the US Census Bureau's cell suppression); NCES 2011-603,
"Statistical Methods for Protecting Personally Identifiable Information in Aggregate Reporting"
(SLDS Technical Brief 3, 2010) for minimum group sizes and complementary suppression in school,
district and state reports.

What it does not guarantee: it stops exact recovery by subtracting published cells from a
published total within these relations (and so any chain of such subtractions, since no
relation is ever left with a single unknown). It does not solve the full linear-programming
disclosure problem: combining several relations at once can still bound a hidden cell, sometimes
tightly (the "protection interval" of the literature, which optimal methods such as tau-ARGUS's
audit check), and published rates of 0% or 100% still say something about every student of a
group. Relations whose parts do not add up to their total (a student who moved is counted at
each school, so schools can add up to more than their district) are protected all the same:
a subtraction there is off only by the movers, near enough to disclose (docs/suppression.md).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.definitions.profile import Definition
from homeroom.metrics.groups import SMALL, suppression_reasons

HIDDEN = "*"
ALL = "all"
LEVELS = ("state", "district", "school")
KEY_COLUMNS = ("level", "district_id", "school_id", "group_column", "group_value")
NUMBER_COLUMNS = ("students_eligible", "chronically_absent_count", "chronic_absence_rate")
_PARENT = {"school": "district", "district": "state"}


@dataclass(frozen=True)
class Relation:
    """A published total and the cells that add up to it (positions in the cells frame)."""

    total: int
    parts: tuple[int, ...]


def suppress_complementary(cells: pd.DataFrame, definition: Definition) -> pd.DataFrame:
    """The public cells with small groups hidden and enough others to protect them.

    `cells` holds one row per level, district, school, group column and value with the numbers
    before suppression; `definition` gives `minimum_group_size`. The answer has the same rows in
    the same order, a boolean `suppressed` column (primary and complementary), and the number
    columns as text, "*" in each number of a suppressed row.
    """
    keys = cell_keys(cells)
    sizes = _sizes(cells)
    minimum = int(definition.minimum_group_size)
    small = [SMALL in suppression_reasons([int(n)], minimum).values() for n in sizes]
    primary = np.array(small, dtype=bool)
    hidden = protect(sizes, primary, additive_relations(keys), _rank(keys, sizes), minimum)
    return _published(cells, hidden)


def cell_keys(cells: pd.DataFrame) -> pd.DataFrame:
    """The five key columns as text ("" for a missing id), checked: known levels, one row each."""
    missing = [c for c in (*KEY_COLUMNS, *NUMBER_COLUMNS) if c not in cells.columns]
    if missing:
        raise ValueError(f"public cells: missing column(s) {', '.join(missing)}")
    keys = cells.loc[:, list(KEY_COLUMNS)].copy()
    for column in KEY_COLUMNS:
        keys[column] = [_text(v) for v in keys[column]]
    bad = ~keys["level"].isin(LEVELS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise ValueError(
            f"public cells, row {row}, column level: {keys['level'].iloc[row - 1]!r} "
            f"is not one of {', '.join(LEVELS)}"
        )
    # Above the school the ids below do not apply; a stray one must not split a relation.
    keys.loc[keys["level"] != "school", "school_id"] = ""
    keys.loc[keys["level"] == "state", "district_id"] = ""
    twice = keys.duplicated()
    if twice.any():
        row = int(np.flatnonzero(twice.to_numpy())[0]) + 1
        raise ValueError(f"public cells, row {row}: a second row for the same unit and group")
    return keys.reset_index(drop=True)


def additive_relations(keys: pd.DataFrame) -> list[Relation]:
    """Every total and its parts among the cells: a unit's groups of one column make its "all"
    row; schools make their district and districts the state, row by row of the same group.
    A total with no row of its own publishes nothing to subtract from, so it has no relation."""
    rows = list(keys.itertuples(index=False, name=None))
    position = {row: i for i, row in enumerate(rows)}
    parts: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(list)
    for i, (level, district, school, column, value) in enumerate(rows):
        if column != ALL:
            parts[((level, district, school, ALL, ALL), "groups of " + column)].append(i)
        if level in _PARENT:
            parent = (_PARENT[level], district if level == "school" else "", "", column, value)
            parts[(parent, "units")].append(i)
    return [
        Relation(position[total], tuple(members))
        for (total, _), members in sorted(parts.items())
        if total in position
    ]


def protect(
    sizes: np.ndarray,
    primary: np.ndarray,
    relations: Sequence[Relation],
    rank: np.ndarray,
    minimum: int,
) -> np.ndarray:
    """Which cells are hidden: the primary ones, then parts (smallest `rank` first) until every
    relation is safe, then back out each complementary cell no relation needs."""
    hidden = primary.astype(bool)  # a copy: the caller's primary cells stay as they were
    touching: dict[int, list[int]] = defaultdict(list)
    for r, relation in enumerate(relations):
        for member in (relation.total, *relation.parts):
            touching[member].append(r)
    waiting = deque(range(len(relations)))
    queued = np.ones(len(relations), dtype=bool)
    while waiting:
        r = waiting.popleft()
        queued[r] = False
        cell = _to_hide(relations[r], hidden, sizes, rank, minimum)
        if cell is None:
            continue
        hidden[cell] = True
        for again in (r, *touching[cell]):
            if not queued[again]:
                queued[again] = True
                waiting.append(again)
    _publish_unneeded(hidden, primary, sizes, relations, touching, rank, minimum)
    return hidden


def is_safe(relation: Relation, hidden: np.ndarray, sizes: np.ndarray, minimum: int) -> bool:
    """No hidden part of `relation` follows from its published cells by subtraction."""
    hidden_parts = [p for p in relation.parts if hidden[p]]
    if hidden[relation.total]:
        # Total minus the shown parts is one unknown total less the hidden parts: one equation,
        # at least two unknowns. With every part shown, their sum would give the total back.
        return bool(hidden_parts)
    if not hidden_parts:
        return True
    together = sum(int(sizes[p]) for p in hidden_parts)
    return len(hidden_parts) >= 2 and together >= minimum


def _to_hide(
    relation: Relation, hidden: np.ndarray, sizes: np.ndarray, rank: np.ndarray, minimum: int
) -> int | None:
    """The cell to hide next for `relation`, or None when it is safe."""
    if is_safe(relation, hidden, sizes, minimum):
        return None
    shown = [p for p in relation.parts if not hidden[p]]
    if shown:
        return min(shown, key=lambda p: int(rank[p]))
    return relation.total  # every part hidden and still exposed (one part, or too few students)


def _publish_unneeded(
    hidden: np.ndarray,
    primary: np.ndarray,
    sizes: np.ndarray,
    relations: Sequence[Relation],
    touching: dict[int, list[int]],
    rank: np.ndarray,
    minimum: int,
) -> None:
    """Show again each complementary cell whose relations stay safe without it, largest first
    (the most useful numbers back first), until a pass shows none: hiding is greedy, and a cell
    hidden early can become redundant when a later one protects the same relation."""
    changed = True
    while changed:
        changed = False
        extra = [int(c) for c in np.flatnonzero(hidden & ~primary.astype(bool))]
        for cell in sorted(extra, key=lambda c: -int(rank[c])):
            hidden[cell] = False
            if all(is_safe(relations[r], hidden, sizes, minimum) for r in touching[cell]):
                changed = True
            else:
                hidden[cell] = True


def _rank(keys: pd.DataFrame, sizes: np.ndarray) -> np.ndarray:
    """Each cell's place in the order complementary cells are chosen: fewest eligible first,
    then by level, district, school, column and value, so the same cells give the same answer."""
    rows = list(keys.itertuples(index=False, name=None))
    order = sorted(range(len(sizes)), key=lambda i: (int(sizes[i]), rows[i]))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[order] = np.arange(len(sizes))
    return rank


def _sizes(cells: pd.DataFrame) -> np.ndarray:
    """Eligible students per cell; a missing count is 0, so the cell is small and hidden."""
    numbers = pd.to_numeric(cells["students_eligible"], errors="coerce").fillna(0)
    return numbers.to_numpy(dtype=np.int64)


def _published(cells: pd.DataFrame, hidden: np.ndarray) -> pd.DataFrame:
    out = cells.copy()
    for column in NUMBER_COLUMNS:
        show = _rate_text if column == "chronic_absence_rate" else _count_text
        out[column] = [
            HIDDEN if h else show(v) for h, v in zip(hidden, cells[column].tolist(), strict=True)
        ]
    out["suppressed"] = hidden.astype(bool)
    return out


def _count_text(value: object) -> str:
    return "" if _missing(value) else str(int(value))  # type: ignore[call-overload]


def _rate_text(value: object) -> str:
    # The shortest text that reads back as the same float: rounding is the site's choice.
    return "" if _missing(value) else repr(float(value))  # type: ignore[arg-type]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)
