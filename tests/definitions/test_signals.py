"""The [signals] section of a definition: shipped values, inheritance, defaults, errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from homeroom.definitions import DefinitionError, available, load_definition
from homeroom.definitions.signals import KEYS, default_signal_rules

STANDALONE = """
[definition]
name = "standalone"
[chronic]
threshold_share = 0.10
minimum_days_enrolled = 10
partial_days = "fractional"
absence_categories = ["excused", "unexcused"]
[tiers]
at_risk = 0.05
moderate_chronic = 0.10
severe_chronic = 0.20
[school_levels]
modest = 0.05
significant = 0.10
high = 0.20
extreme = 0.30
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_thresholds() -> None:
    rules = load_definition("default").signals
    assert (rules.prior_year_chronic, rules.prior_year_severe) == (Fraction(1, 10), Fraction(1, 5))
    assert rules.pace_absences_per_month == 2
    assert (rules.ytd_chronic, rules.ytd_severe) == (Fraction(1, 10), Fraction(1, 5))
    assert rules.no_improvement_school_days == 30
    assert (rules.september_absences, rules.september_many_absences) == (2, 5)
    assert (rules.monday_friday_share, rules.monday_friday_minimum_days) == (Fraction(3, 5), 4)
    assert rules.consecutive_days == 3
    assert (rules.recent_rise_school_days, rules.recent_rise_points) == (20, 10)
    assert rules.recent_rise_minimum_days_absent == 3
    assert rules.recent_rise_minimum_days_before == 20
    assert rules.new_arrival_after_school_days == 20
    assert default_signal_rules() == rules


def test_every_shipped_profile_inherits_them() -> None:
    default = load_definition("default").signals
    for name in available():
        assert load_definition(name).signals == default, name


def test_a_file_without_signals_gets_the_defaults(tmp_path: Path) -> None:
    mine = load_definition(write(tmp_path, STANDALONE))
    assert mine.signals == default_signal_rules()


def test_a_file_changes_only_what_it_names(tmp_path: Path) -> None:
    mine = load_definition(
        write(
            tmp_path,
            'extends = "edfacts"\n[signals]\nytd_chronic = "8%"\nseptember_absences = 3\n',
        )
    )
    assert mine.signals.ytd_chronic == Fraction(2, 25)
    assert mine.signals.september_absences == 3
    assert mine.signals.ytd_severe == Fraction(1, 5)
    assert mine.partial_days == "half_day"  # the rest of edfacts is kept


def test_the_thresholds_in_words() -> None:
    words = dict(load_definition("default").signals.summary_rows())
    assert words["pace"] == "2 days absent a month"
    assert words["last year"] == "early support from 10% absent, intensive from 20%"
    assert set(KEYS) == set(load_definition("default").signals.__dataclass_fields__)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("pace_absence_per_month = 2", "unknown key 'pace_absence_per_month' in \\[signals\\]"),
        ("ytd_severe = 0.05", "ytd_severe must be above ytd_chronic"),
        ("september_many_absences = 2", "september_many_absences must be above"),
        ("pace_absences_per_month = 0", "pace_absences_per_month must be above 0"),
        ('pace_absences_per_month = "two"', "must be a number such as 2"),
        ("consecutive_days = 1", "consecutive_days must be 2 or more"),
        ("no_improvement_school_days = 30.5", "no_improvement_school_days must be a whole"),
        ("recent_rise_points = 150", "percentage points \\(0 to 100\\)"),
        ("monday_friday_share = -0.1", "monday_friday_share. must be between 0 and 100%"),
    ],
)
def test_bad_thresholds_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        load_definition(write(tmp_path, f'extends = "default"\n[signals]\n{body}\n'))


def test_the_signals_section_does_not_import_the_profile() -> None:
    # The profile holds a SignalRules, so the other way round would be an import cycle.
    import ast

    import homeroom.definitions.signals as section

    tree = ast.parse(Path(section.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "homeroom.definitions.profile" not in imported
