"""Definitions: the shipped profiles, every knob of a user file, `extends`, and errors that
name the key at fault (DESIGN.md section 3)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from homeroom.definitions import Definition, DefinitionError, available, load_definition

# Late arrivals and early departures are not absences in any shipped definition (issue 11, 2).
COUNTED_BY_DEFAULT = ("excused", "unexcused", "suspension")
K_TO_8 = ("KG", "01", "02", "03", "04", "05", "06", "07", "08")


def write(folder: Path, text: str, name: str = "mine.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def user(folder: Path, body: str, base: str = "default") -> Definition:
    return load_definition(write(folder, f'extends = "{base}"\n{body}'))


# --- shipped profiles ---------------------------------------------------------------------


def test_the_four_profiles_are_shipped() -> None:
    assert {"default", "edfacts", "crdc", "california"} <= set(available())


def test_default_profile() -> None:
    d = load_definition("default")
    assert load_definition() == d  # no name: default
    assert d.name == "default" and d.version
    assert (d.threshold_share, d.threshold_days) == (Fraction(1, 10), None)
    assert d.minimum_days_enrolled == 10
    assert d.partial_days == "fractional"
    assert d.exit_date == "inclusive"
    assert d.grades == ()
    assert set(d.absence_categories) == set(COUNTED_BY_DEFAULT)
    assert d.tier_cuts == (Fraction(1, 20), Fraction(1, 10), Fraction(1, 5))
    assert d.level_cuts == (Fraction(1, 20), Fraction(1, 10), Fraction(1, 5), Fraction(3, 10))
    assert (d.truancy_threshold, d.minimum_group_size) == (10, 10)
    assert d.threshold_label == "10% of days enrolled"


def test_edfacts_profile() -> None:
    d = load_definition("edfacts")
    assert d.name == "edfacts"
    assert (d.threshold_share, d.minimum_days_enrolled) == (Fraction(1, 10), 10)
    assert d.partial_days == "half_day"
    # Everything it does not say comes from default.
    assert d.tier_cuts == load_definition("default").tier_cuts


def test_crdc_profile() -> None:
    d = load_definition("crdc")
    assert (d.threshold_share, d.threshold_days) == (None, Fraction(15))
    assert d.minimum_days_enrolled == 1
    assert d.partial_days == "half_day"
    assert d.threshold_label == "15 or more days absent"


def test_california_profile() -> None:
    d = load_definition("california")
    assert (d.threshold_share, d.minimum_days_enrolled) == (Fraction(1, 10), 31)
    assert d.partial_days == "fractional"
    assert d.grades == K_TO_8
    assert "suspension" in d.absence_categories
    assert "in_school_suspension" not in d.absence_categories
    assert d.truancy_threshold == 3


def test_summary_rows_say_every_knob() -> None:
    words = dict(load_definition("crdc").summary_rows())
    assert words["definition"].startswith("crdc")
    assert words["chronically absent"] == "15 or more days absent"
    assert words["eligible"] == "at least 1 days enrolled"
    assert "half" in words["partial days"]


def test_unknown_profile_name_lists_the_shipped_ones() -> None:
    with pytest.raises(DefinitionError, match="no definition named 'federal'.*california"):
        load_definition("federal")


# --- a user's file ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0.15", '"15%"', '"3/20"', "15", '"0.15"'])
def test_threshold_share_in_every_spelling_is_exact(tmp_path: Path, text: str) -> None:
    d = user(tmp_path, f"[chronic]\nthreshold_share = {text}\n")
    assert d.threshold_share == Fraction(3, 20)


def test_every_knob_of_a_user_file(tmp_path: Path) -> None:
    d = user(
        tmp_path,
        """
[definition]
name = "springfield"
version = "7"

[chronic]
threshold_share = 0.08
minimum_days_enrolled = 20
partial_days = "half_day"
absence_categories = ["excused", "unexcused", "in_school_suspension"]

[enrollment]
exit_date = "exclusive"
grades = ["09", "10", "11", "12"]

[tiers]
at_risk = 0.04
moderate_chronic = "8%"
severe_chronic = "1/4"

[school_levels]
modest = 0.1
significant = 0.2
high = 0.3
extreme = 0.4

[truancy]
unexcused_absences = 6

[reporting]
minimum_group_size = 20
""",
    )
    assert (d.name, d.version) == ("springfield", "7")
    assert d.threshold_share == Fraction(2, 25)
    assert d.minimum_days_enrolled == 20
    assert d.partial_days == "half_day"
    assert d.absence_categories == ("excused", "unexcused", "in_school_suspension")
    assert d.exit_date == "exclusive"
    assert d.grades == ("09", "10", "11", "12")
    assert d.tier_cuts == (Fraction(1, 25), Fraction(2, 25), Fraction(1, 4))
    assert d.level_cuts == (Fraction(1, 10), Fraction(1, 5), Fraction(3, 10), Fraction(2, 5))
    assert (d.truancy_threshold, d.minimum_group_size) == (6, 20)


def test_threshold_days_in_a_user_file(tmp_path: Path) -> None:
    d = user(tmp_path, "[chronic]\nthreshold_days = 12.5\n", base="crdc")
    assert (d.threshold_days, d.threshold_share) == (Fraction(25, 2), None)


def test_extends_changes_only_what_it_says(tmp_path: Path) -> None:
    # A chain: mine.toml -> district.toml (a file beside it) -> edfacts -> default.
    write(tmp_path, 'extends = "edfacts"\n[chronic]\nminimum_days_enrolled = 15\n', "district.toml")
    d = user(tmp_path, "[truancy]\nunexcused_absences = 4\n", base="district.toml")
    edfacts = load_definition("edfacts")
    assert d.truancy_threshold == 4
    assert d.minimum_days_enrolled == 15
    assert d.partial_days == "half_day"  # from edfacts, through district.toml
    assert d.threshold_share == edfacts.threshold_share
    assert d.absence_categories == edfacts.absence_categories  # the rest of [chronic] is kept
    assert d.level_cuts == edfacts.level_cuts


def test_a_user_file_without_extends_must_say_everything(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="partial_days"):
        load_definition(write(tmp_path, "[chronic]\nthreshold_share = 0.1\n"))


# --- errors name the key ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[chronic]\nthreshold_share = "often"\n', "threshold_share"),
        ("[chronic]\nthreshold_share = 1.5e3\n", "threshold_share"),
        ("[chronic]\nthreshold_share = -0.1\n", "threshold_share"),
        ("[chronic]\nthreshold_share = true\n", "threshold_share"),
        ('[chronic]\npartial_days = "halves"\n', "partial_days"),
        ('[enrollment]\nexit_date = "sometimes"\n', "exit_date"),
        ('[enrollment]\ngrades = ["13"]\n', "grades"),
        ('[tiers]\nat_risk = "lots"\n', "at_risk"),
        ("[tiers]\nat_risk = 0.3\n", "tiers"),  # above moderate_chronic: cut points must rise
        ('[school_levels]\nextreme = "x"\n', "extreme"),
        ("[chronic]\nminimum_days_enrolled = -1\n", "minimum_days_enrolled"),
        ("[truancy]\nunexcused_absences = 0\n", "truancy"),
        ("[reporting]\nminimum_group_size = 0\n", "group size"),
        ("[chronic]\nthreshold_share = 0.1\nthreshold_days = 15\n", "threshold_days"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(DefinitionError, match=key):
        user(tmp_path, body)


def test_crdc_threshold_days_must_be_a_positive_number(tmp_path: Path) -> None:
    for value in ('"many"', "0"):
        with pytest.raises(DefinitionError, match="threshold_days"):
            user(tmp_path, f"[chronic]\nthreshold_days = {value}\n", base="crdc")


def test_not_toml_at_all(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_definition(write(tmp_path, "[chronic\nthreshold_share = \n"))


def test_extends_a_profile_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="extends 'federal'"):
        user(tmp_path, "", base="federal")


def test_extends_in_a_circle(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(DefinitionError, match="circle"):
        load_definition(tmp_path / "a.toml")


# Problems found while writing these tests (definitions/ is not this suite's to change; the
# lead is told): a wrong type escapes as a bare ValueError/TypeError, an unknown category's
# message does not say `absence_categories`, and a misspelt key is silently ignored.
@pytest.mark.parametrize(
    ("body", "key"),
    [
        pytest.param(
            '[chronic]\nminimum_days_enrolled = "ten"\n',
            "minimum_days_enrolled",
            id="minimum-days-not-a-number",
        ),
        pytest.param(
            "[chronic]\nminimum_days_enrolled = 10.5\n",
            "minimum_days_enrolled",
            id="minimum-days-fraction-truncated",
        ),
        pytest.param(
            '[truancy]\nunexcused_absences = "three"\n',
            "unexcused_absences",
            id="truancy-not-a-number",
        ),
        pytest.param("[enrollment]\ngrades = 9\n", "grades", id="grades-not-a-list"),
        pytest.param(
            '[chronic]\nabsence_categories = ["sick"]\n',
            "absence_categories",
            id="unknown-category-message",
        ),
        pytest.param(
            '[chronic]\nabsence_categories = "excused"\n',
            "absence_categories",
            id="categories-not-a-list",
        ),
        pytest.param(
            "[chronic]\nthreshhold_share = 0.2\n", "threshhold_share", id="misspelt-key-ignored"
        ),
        pytest.param(
            "[chronick]\nthreshold_share = 0.2\n", "chronick", id="misspelt-section-ignored"
        ),
    ],
)
def test_wrong_types_and_unknown_keys_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(DefinitionError, match=key):
        user(tmp_path, body)
