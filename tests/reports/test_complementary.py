"""reports.complementary: no suppressed number of the public tables comes back by subtraction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.definitions import load_definition
from homeroom.definitions.profile import Definition
from homeroom.reports.complementary import suppress_complementary

COLUMNS = [
    "level",
    "district_id",
    "school_id",
    "group_column",
    "group_value",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
]
Key = tuple[str, str, str, str, str]


@pytest.fixture
def definition() -> Definition:
    return load_definition("default")  # minimum group size 10


def cell(level: str, district: str, school: str, column: str, value: str, n: int, chronic: int):
    return (level, district, school, column, value, n, chronic, chronic / n if n else float("nan"))


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def hidden_keys(out: pd.DataFrame) -> set[tuple[str, str, str]]:
    rows = out[out["suppressed"]]
    return set(zip(rows["school_id"], rows["group_column"], rows["group_value"], strict=True))


# --- one relation at a time, by hand ---------------------------------------------------------


def test_groups_of_a_column_hide_the_next_smallest_group(definition):
    cells = frame(
        cell("school", "D1", "S1", "all", "all", 53, 12),
        cell("school", "D1", "S1", "race", "asian", 3, 1),  # small
        cell("school", "D1", "S1", "race", "black", 20, 6),  # the next smallest: hidden
        cell("school", "D1", "S1", "race", "white", 30, 5),
    )
    out = suppress_complementary(cells, definition)
    assert out["suppressed"].tolist() == [False, True, True, False]
    # Every number of a hidden row is a star; the shown rows keep theirs, as text.
    assert out.loc[1, ["students_eligible", "chronically_absent_count"]].tolist() == ["*", "*"]
    assert out.loc[2, "chronic_absence_rate"] == "*"
    assert out.loc[3, ["students_eligible", "chronically_absent_count"]].tolist() == ["30", "5"]
    assert out.loc[3, "chronic_absence_rate"] == repr(5 / 30)
    # 53 - 30 = 23 is asian + black together, never one of them.


def test_two_hidden_groups_under_the_minimum_together_hide_a_third(definition):
    cells = frame(
        cell("school", "D1", "S1", "all", "all", 60, 12),
        cell("school", "D1", "S1", "race", "asian", 3, 1),
        cell("school", "D1", "S1", "race", "black", 4, 1),  # 3 + 4 hidden would disclose 7
        cell("school", "D1", "S1", "race", "hispanic_latino", 13, 4),
        cell("school", "D1", "S1", "race", "white", 40, 6),
    )
    out = suppress_complementary(cells, definition)
    assert out["suppressed"].tolist() == [False, True, True, True, False]


def test_schools_of_a_district_hide_the_next_smallest_school(definition):
    cells = frame(
        cell("district", "D1", "", "all", "all", 50, 10),
        cell("school", "D1", "S1", "all", "all", 30, 6),
        cell("school", "D1", "S2", "all", "all", 15, 3),
        cell("school", "D1", "S3", "all", "all", 5, 1),
    )
    out = suppress_complementary(cells, definition)
    assert hidden_keys(out) == {("S2", "all", "all"), ("S3", "all", "all")}


def test_a_group_across_the_schools_of_a_district(definition):
    # The district's English learners add up from its schools' English learners.
    cells = frame(
        cell("district", "D1", "", "english_learner", "Y", 40, 8),
        cell("school", "D1", "S1", "english_learner", "Y", 6, 2),
        cell("school", "D1", "S2", "english_learner", "Y", 14, 3),
        cell("school", "D1", "S3", "english_learner", "Y", 20, 3),
    )
    out = suppress_complementary(cells, definition)
    assert hidden_keys(out) == {("S1", "english_learner", "Y"), ("S2", "english_learner", "Y")}


def test_districts_of_the_state_and_a_hidden_total_whose_parts_are_all_shown(definition):
    cells = frame(
        cell("state", "", "", "all", "all", 35, 7),
        cell("district", "D1", "", "all", "all", 30, 6),
        cell("district", "D2", "", "all", "all", 5, 1),  # small
        cell("school", "D1", "S1", "all", "all", 15, 3),
        cell("school", "D1", "S2", "all", "all", 15, 3),
        cell("school", "D2", "S3", "all", "all", 5, 1),
    )
    out = suppress_complementary(cells, definition)
    # State - D1 would give D2, so D1 is hidden; S1 + S2 would then give D1 back, so the first
    # of the two equal schools (by id) is hidden too. The state stays published.
    assert out["suppressed"].tolist() == [False, True, True, True, False, True]


def test_a_school_whose_only_group_is_small_loses_its_total(definition):
    # Every student of S1 with a recorded home language speaks one: the relation has a single
    # part, so only hiding the school's total protects it, and then another school in turn.
    cells = frame(
        cell("district", "D1", "", "all", "all", 70, 10),
        cell("school", "D1", "S1", "all", "all", 30, 4),
        cell("school", "D1", "S1", "home_language", "es", 6, 1),
        cell("school", "D1", "S2", "all", "all", 40, 6),
    )
    out = suppress_complementary(cells, definition)
    assert out["suppressed"].tolist() == [False, True, True, True]


def test_schools_adding_up_to_more_than_their_district_are_still_protected(definition):
    # Two students moved from S1 to S2 and are counted at each: 15 + 7 = 22 > 20. The district
    # minus S1 gives 5 for S2's 7: near enough to tell a small school's students, so S1 is hidden.
    cells = frame(
        cell("district", "D1", "", "all", "all", 20, 4),
        cell("school", "D1", "S1", "all", "all", 15, 3),
        cell("school", "D1", "S2", "all", "all", 7, 2),
    )
    out = suppress_complementary(cells, definition)
    assert out["suppressed"].tolist() == [False, True, True]


def test_nothing_small_nothing_hidden_and_the_rows_keep_their_order(definition):
    cells = frame(
        cell("school", "D1", "S2", "all", "all", 12, 2),
        cell("district", "D1", "", "all", "all", 42, 5),
        cell("school", "D1", "S1", "all", "all", 30, 3),
    )
    cells.index = [7, 8, 9]
    out = suppress_complementary(cells, definition)
    assert out.index.tolist() == [7, 8, 9]
    assert out["school_id"].tolist() == ["S2", "", "S1"]
    assert not out["suppressed"].any()
    assert out["students_eligible"].tolist() == ["12", "42", "30"]


def test_the_minimum_comes_from_the_definition(definition):
    cells = frame(
        cell("school", "D1", "S1", "all", "all", 40, 8),
        cell("school", "D1", "S1", "sex", "F", 22, 4),
        cell("school", "D1", "S1", "sex", "M", 18, 4),
    )
    assert not suppress_complementary(cells, definition)["suppressed"].any()
    stricter = replace(definition, minimum_group_size=20)
    assert suppress_complementary(cells, stricter)["suppressed"].tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.drop(columns="group_value"), "missing column(s) group_value"),
        (lambda c: c.assign(level=["school", "county"]), "row 2, column level: 'county'"),
        (lambda c: pd.concat([c, c.iloc[[0]]]), "row 3: a second row"),
    ],
)
def test_bad_cells_are_refused_with_the_row_and_column(definition, change, message):
    cells = frame(
        cell("school", "D1", "S1", "all", "all", 40, 8),
        cell("school", "D1", "S2", "all", "all", 30, 8),
    )
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        suppress_complementary(change(cells), definition)


# --- every subtraction over random small states ----------------------------------------------


@st.composite
def states(draw) -> tuple[pd.DataFrame, int]:
    """Cells of a state of 2 districts x 2-3 schools, aggregated from random students, some of
    them counted at two schools of their district (movers), with 1-2 group columns."""
    columns = {
        name: draw(st.sampled_from([("a", "b"), ("a", "b", "c")]))
        for name in draw(st.sampled_from([("sex",), ("sex", "language")]))
    }
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for district in ("D1", "D2"):
        schools = [f"{district}S{i}" for i in range(draw(st.integers(2, 3)))]
        for _ in range(draw(st.integers(0, 40))):
            at = {draw(st.sampled_from(schools))}
            if draw(st.integers(0, 9)) == 0:  # a mover, counted at both schools
                at.add(draw(st.sampled_from(schools)))
            groups = [("all", "all")] + [(c, draw(st.sampled_from(v))) for c, v in columns.items()]
            chronic = int(draw(st.booleans()))
            units = [("state", "", ""), ("district", district, "")]
            units += [("school", district, s) for s in sorted(at)]
            for unit in units:
                for group in groups:
                    counts[unit + group][0] += 1
                    counts[unit + group][1] += chronic
    rows = [cell(*key, n, chronic) for key, (n, chronic) in sorted(counts.items())]
    return frame(*rows), draw(st.sampled_from([3, 5, 10]))


def relations(keys: list[Key]) -> list[tuple[Key, list[Key]]]:
    """Every total and its parts, built here from the table's shape (not by the module)."""
    present = set(keys)
    found: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for level, district, school, column, value in keys:
        if column != "all":
            found[((level, district, school, "all", "all"), column)].append(
                (level, district, school, column, value)
            )
        parent = {"school": ("district", district), "district": ("state", "")}.get(level)
        if parent:
            found[((*parent, "", column, value), "units")].append(
                (level, district, school, column, value)
            )
    return [(total, parts) for (total, _), parts in found.items() if total in present]


def recovered(cells: pd.DataFrame, hidden: set[Key], measure: str) -> set[Key]:
    """Hidden cells an outsider finds by subtraction: any relation with a single unknown gives
    it (total minus shown parts, or the parts' sum for a total), and what is found is used again."""
    value = dict(zip(map(tuple, cells[COLUMNS[:5]].to_numpy()), cells[measure], strict=True))
    known = {k: v for k, v in value.items() if k not in hidden}
    found: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for total, parts in relations(list(value)):
            unknown = [k for k in (total, *parts) if k not in known]
            if len(unknown) != 1:
                continue
            (only,) = unknown
            shown = sum(known[p] for p in parts if p in known)
            known[only] = shown if only == total else known[total] - shown
            found.add(only)
            changed = True
    # An outsider assumes the parts add up; where they do not (movers) the guess is off, but a
    # cell reached at all is one the suppression failed to cover.
    return found


def exposed(keys: list[Key], sizes: dict[Key, int], hidden: set[Key], minimum: int) -> bool:
    """Some relation's hidden cells can be found or, together, are under the minimum."""
    for total, parts in relations(keys):
        hidden_parts = [p for p in parts if p in hidden]
        if total in hidden:
            if not hidden_parts:
                return True
        elif hidden_parts and (
            len(hidden_parts) < 2 or sum(sizes[p] for p in hidden_parts) < minimum
        ):
            return True
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states())
def test_no_subtraction_recovers_a_suppressed_cell_and_nothing_is_hidden_without_need(state):
    cells, minimum = state
    definition = replace(load_definition("default"), minimum_group_size=minimum)
    out = suppress_complementary(cells, definition)
    keys: list[Key] = list(map(tuple, cells[COLUMNS[:5]].to_numpy()))
    sizes = dict(zip(keys, cells["students_eligible"], strict=True))
    hidden = {k for k, h in zip(keys, out["suppressed"], strict=True) if h}
    small = {k for k in keys if sizes[k] < minimum}

    assert small <= hidden
    for measure in ("students_eligible", "chronically_absent_count"):
        assert recovered(cells, hidden, measure) == set()
    assert not exposed(keys, sizes, hidden, minimum)
    # Nothing hidden without need: each complementary cell, shown again, would expose some
    # relation; with no small cell nothing at all is hidden.
    for key in hidden - small:
        assert exposed(keys, sizes, hidden - {key}, minimum)
    if not small:
        assert not hidden
    stars = out.loc[out["suppressed"], COLUMNS[5:]]
    assert (stars == "*").all().all()
    shown = out.loc[~out["suppressed"], "students_eligible"]
    assert shown.tolist() == [str(n) for n in cells.loc[~out["suppressed"], "students_eligible"]]
