"""The rule registry: every rule declared once, with its keys, its reason and its documentation.

A rule added to `RULES` without its `[signals]` keys in the definition, with keys it does not
read (or reading keys it does not declare), without a reason, or without its rows in
docs/signals.md fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

from homeroom.definitions.signals import KEYS, SignalRules, default_signal_rules
from homeroom.signals.reasons import Texts
from homeroom.signals.rules import RULE_IDS, RULES, SUGGESTED_TIER, Rule, RuleInput

DOCS = Path(__file__).resolve().parents[2] / "docs" / "signals.md"
# The ids are a contract: watch list files, saved runs and the web read them.
CONTRACT = (
    "prior_year_chronic",
    "prior_year_severe",
    "pace",
    "ytd_chronic",
    "ytd_severe",
    "no_improvement",
    "september_2_4",
    "september_5_plus",
    "monday_friday",
    "consecutive",
    "recent_rise",
    "new_arrival",
)
# Every column of the student facts a condition may read (homeroom.signals.facts).
FACT_TYPES = {
    "first_number": "int64",
    "days_enrolled": "int64",
    "absent_units": "int64",
    "months_completed": "int64",
    "september_units": "int64",
    "monday_friday_units": "int64",
    "recent_days_enrolled": "int64",
    "recent_units": "int64",
    "longest_run": "int64",
    "prior_year_days_enrolled": "int64",
    "prior_year_absent_units": "int64",
    "prior_year_eligible": "boolean",
    "support_basis": "string",
    "since_support_days": "int64",
    "since_support_units": "int64",
    "before_support_days": "int64",
    "before_support_units": "int64",
}
# One student's facts (units of half a day), as `long_flags` hands them to a reason.
FACT_ROW: dict[str, Any] = {
    "school_year": 2025,
    "first_day": dt.date(2024, 9, 2),
    "first_number": 1,
    "days_enrolled": 60,
    "absent_units": 16,
    "months_completed": 2,
    "september_units": 6,
    "monday_friday_units": 10,
    "recent_days_enrolled": 20,
    "recent_units": 8,
    "longest_run": 3,
    "longest_run_start": dt.date(2024, 10, 10),
    "longest_run_end": dt.date(2024, 10, 14),
    "long_runs": 1,
    "prior_year_days_enrolled": 100,
    "prior_year_absent_units": 30,
    "support_basis": "pace",
    "support_started": dt.date(2024, 9, 30),
    "since_support_days": 40,
    "since_support_units": 10,
    "before_support_days": 20,
    "before_support_units": 6,
}


class Recording:
    """The thresholds, noting every key read."""

    def __init__(self, real: SignalRules) -> None:
        self._real = real
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._real, name)


def keys_read(rule: Rule) -> set[str]:
    recording = Recording(default_signal_rules())
    facts = ibis.table(FACT_TYPES, name="facts")
    rule.fires(RuleInput(facts, recording, 2, 10))  # type: ignore[arg-type]
    rule.reason(Texts(pd.DataFrame([FACT_ROW]), 2), recording)  # type: ignore[arg-type]
    return recording.read


def docs_rows(heading: str) -> dict[str, list[str]]:
    """The rows of the first table after a heading of docs/signals.md, by their `rule` cell."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        found = re.match(r"\| `([a-z0-9_]+)` \|(.*)\|$", line)
        if found:
            rows[found[1]] = [cell.strip() for cell in found[2].split(" | ")]
    return rows


def test_the_twelve_rule_ids_are_a_contract() -> None:
    assert RULE_IDS == CONTRACT
    assert {rule.id: rule.suggested_tier for rule in RULES} == SUGGESTED_TIER


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_rule_reads_exactly_the_keys_it_declares(rule: Rule) -> None:
    assert rule.keys, f"{rule.id} declares no [signals] key"
    assert set(rule.keys) <= set(KEYS), f"{rule.id}: keys missing from the definition"
    assert keys_read(rule) == set(rule.keys)


def test_every_key_of_the_definition_is_read_by_a_rule() -> None:
    assert {key for rule in RULES for key in rule.keys} == set(KEYS)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_rule_writes_a_reason(rule: Rule) -> None:
    frame = pd.DataFrame([FACT_ROW, FACT_ROW])
    sentences = rule.reason(Texts(frame, 2), default_signal_rules())
    assert len(sentences) == 2
    assert all(isinstance(s, str) and len(s) > 10 for s in sentences)


def test_every_rule_is_documented_with_its_tier_and_keys() -> None:
    table = docs_rows("### The twelve rules")
    assert tuple(table) == RULE_IDS
    for rule in RULES:
        _fires, tier, keys = table[rule.id]
        assert set(re.findall(r"`([a-z0-9_]+)`", keys)) == set(rule.keys), rule.id
        if rule.suggested_tier is None:
            assert tier.startswith("none"), rule.id
        else:
            assert tier.startswith(str(rule.suggested_tier)), rule.id


def test_every_rule_has_an_example_reason_in_the_docs() -> None:
    examples = docs_rows("### Reasons and evidence")
    assert set(examples) == set(RULE_IDS)
