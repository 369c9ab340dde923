"""The early-warning rules, each declared once: what fires it, its tier, its reason, its keys.

A rule is a `Rule` in `RULES`: its id (a contract: files, the web and saved runs use it), the
support it suggests, the condition on the student facts (`homeroom.signals.facts`) that fires
it, the sentence that says why, and the `[signals]` keys of the definition it reads
(`homeroom.definitions.signals`). Adding a rule is one entry here plus its keys in the
definition; `tests/signals/test_rules.py` checks that every rule's keys exist and are the ones
it reads, and that docs/signals.md describes it.

Conditions compare exact units (1/units_per_day of a day) and exact fractions, never rounded
rates. A higher band excludes the lower one (`ytd_severe` is not also `ytd_chronic`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from homeroom.definitions.signals import SignalRules
from homeroom.metrics.rates import at_least
from homeroom.signals.facts import amount_at_least, pace_met, prior_at_least
from homeroom.signals.reasons import Texts, amount_text, mapped, plural, share_text, tenths_text


@dataclass(frozen=True)
class RuleInput:
    """What a rule's condition reads: the student facts, the thresholds, the day's units."""

    facts: ir.Table
    thresholds: SignalRules
    units_per_day: int
    minimum_days_enrolled: int  # the definition's: a rate counts once a student is eligible


@dataclass(frozen=True)
class Rule:
    id: str
    suggested_tier: int | None  # 2 early support, 3 intensive, None: worth a conversation
    title: str  # a few words for summaries
    keys: tuple[str, ...]  # the [signals] keys the condition and the reason read
    fires: Callable[[RuleInput], ir.BooleanValue]
    reason: Callable[[Texts, SignalRules], list[str]]  # one sentence per fired row


# -- last year -----------------------------------------------------------------------------
def _prior_chronic(r: RuleInput) -> ir.BooleanValue:
    t, upd = r.facts, r.units_per_day
    chronic = prior_at_least(t, r.thresholds.prior_year_chronic, upd)
    return chronic & ~prior_at_least(t, r.thresholds.prior_year_severe, upd)


def _prior_severe(r: RuleInput) -> ir.BooleanValue:
    return prior_at_least(r.facts, r.thresholds.prior_year_severe, r.units_per_day)


def _prior_reason(words: str) -> Callable[[Texts, SignalRules], list[str]]:
    def reason(t: Texts, thresholds: SignalRules) -> list[str]:
        years = t.years_before("school_year")
        absent = t.days("prior_year_absent_units")
        days = t.whole("prior_year_days_enrolled")
        rates = t.percent("prior_year_absent_units", "prior_year_days_enrolled")
        return [
            f"{words} last year ({y}): {a} of {n} school day{plural(n)} missed ({r})"
            for y, a, n, r in zip(years, absent, days, rates, strict=True)
        ]

    return reason


# -- pace ------------------------------------------------------------------------------------
def _pace(r: RuleInput) -> ir.BooleanValue:
    t, per_month = r.facts, r.thresholds.pace_absences_per_month
    return pace_met(t.absent_units, t.months_completed, per_month, r.units_per_day)


def _pace_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    per_month = thresholds.pace_absences_per_month
    rate = amount_text(per_month)
    out = []
    for a, since, months in zip(
        t.days("absent_units"), t.dates("first_day"), t.column("months_completed"), strict=True
    ):
        months = int(months)
        if months < 1:
            out.append(
                f"{a} day{plural(a)} absent since {since}, within the first month "
                f"(pace rule: {rate} a month)"
            )
        else:
            out.append(
                f"{a} day{plural(a)} absent since {since}, with {months} whole "
                f"month{plural(str(months))} completed (pace rule: {rate} a month, so "
                f"{amount_text(per_month * months)} or more)"
            )
    return out


# -- this year so far ------------------------------------------------------------------------
def _ytd_at_least(r: RuleInput, share: Fraction) -> ir.BooleanValue:
    t = r.facts
    eligible = t.days_enrolled >= r.minimum_days_enrolled
    return eligible & at_least(t.absent_units, t.days_enrolled * r.units_per_day, share)


def _ytd_chronic(r: RuleInput) -> ir.BooleanValue:
    return _ytd_at_least(r, r.thresholds.ytd_chronic) & ~_ytd_at_least(r, r.thresholds.ytd_severe)


def _ytd_severe(r: RuleInput) -> ir.BooleanValue:
    return _ytd_at_least(r, r.thresholds.ytd_severe)


def _ytd_reason(severe: bool) -> Callable[[Texts, SignalRules], list[str]]:
    def reason(t: Texts, thresholds: SignalRules) -> list[str]:
        cut = thresholds.ytd_severe if severe else thresholds.ytd_chronic
        support = "intensive support" if severe else "early support"
        note = f"({support} from {share_text(cut)})"
        rates = t.percent("absent_units", "days_enrolled")
        absent, days = t.days("absent_units"), t.whole("days_enrolled")
        return [
            f"Absent {r} of school days this year so far: {a} of {n} days {note}"
            for r, a, n in zip(rates, absent, days, strict=True)
        ]

    return reason


# -- no improvement since early support began ------------------------------------------------
def _no_improvement(r: RuleInput) -> ir.BooleanValue:
    t = r.facts
    return (
        t.support_basis.notnull()
        & (t.since_support_days >= r.thresholds.no_improvement_school_days)
        & (
            t.since_support_units * t.before_support_days
            >= t.before_support_units * t.since_support_days
        )
    )


def _no_improvement_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    out = []
    for basis, n, r, a, br, ba, bn, s in zip(
        t.column("support_basis"),
        t.whole("since_support_days"),
        t.percent("since_support_units", "since_support_days"),
        t.days("since_support_units"),
        t.percent("before_support_units", "before_support_days"),
        t.days("before_support_units"),
        t.whole("before_support_days"),
        t.dates("support_started"),
        strict=True,
    ):
        if basis == "last_year":
            out.append(
                f"No improvement on last year's chronic absence after {n} school days: "
                f"absent {r} this year ({a} of {n} days), {br} last year"
            )
        else:
            out.append(
                f"No improvement {n} school days after early support began on {s}: "
                f"absent {r} of days since ({a} of {n}), {br} before ({ba} of {bn})"
            )
    return out


# -- September -------------------------------------------------------------------------------
def _september(r: RuleInput, days: Fraction) -> ir.BooleanValue:
    return amount_at_least(r.facts.september_units, days, r.units_per_day)


def _september_2_4(r: RuleInput) -> ir.BooleanValue:
    many = _september(r, r.thresholds.september_many_absences)
    return _september(r, r.thresholds.september_absences) & ~many


def _september_5_plus(r: RuleInput) -> ir.BooleanValue:
    return _september(r, r.thresholds.september_many_absences)


def _september_2_4_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    band = (
        f"{amount_text(thresholds.september_absences)} to under "
        f"{amount_text(thresholds.september_many_absences)} is an early warning"
    )
    return [f"{a} day{plural(a)} absent in September ({band})" for a in t.days("september_units")]


def _september_5_plus_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    many = amount_text(thresholds.september_many_absences)
    return [
        f"{a} day{plural(a)} absent in September ({many} or more)"
        for a in t.days("september_units")
    ]


# -- patterns worth a conversation -----------------------------------------------------------
def _monday_friday(r: RuleInput) -> ir.BooleanValue:
    t, upd = r.facts, r.units_per_day
    return (
        (t.absent_units > 0)
        & amount_at_least(t.monday_friday_units, r.thresholds.monday_friday_minimum_days, upd)
        & at_least(t.monday_friday_units, t.absent_units, r.thresholds.monday_friday_share)
    )


def _monday_friday_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    units, total = t.facts["monday_friday_units"], t.facts["absent_units"]
    shares = mapped((units.astype("int64") * 1000) // total.astype("int64"), tenths_text)
    return [
        f"{m} of {a} day{plural(a)} absent fell on a Monday or Friday ({r})"
        for m, a, r in zip(t.days(units), t.days(total), shares, strict=True)
    ]


def _consecutive(r: RuleInput) -> ir.BooleanValue:
    return r.facts.longest_run >= r.thresholds.consecutive_days


def _consecutive_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    least = thresholds.consecutive_days
    out = []
    for n, start, end, runs in zip(
        t.whole("longest_run"),
        t.dates("longest_run_start"),
        t.dates("longest_run_end"),
        t.whole("long_runs"),
        strict=True,
    ):
        text = f"Absent {n} school days in a row, {start} to {end}"
        if int(runs) > 1:
            text += f" ({runs} runs of {least} or more this year)"
        out.append(text)
    return out


def _recent_rise(r: RuleInput) -> ir.BooleanValue:
    t, th, upd = r.facts, r.thresholds, r.units_per_day
    recent_days, recent_units = t.recent_days_enrolled, t.recent_units
    earlier_days = t.days_enrolled - recent_days
    earlier_units = t.absent_units - recent_units
    rise = Fraction(th.recent_rise_points) / 100
    return (
        (recent_days > 0)
        & (earlier_days >= th.recent_rise_minimum_days_before)
        & amount_at_least(recent_units, th.recent_rise_minimum_days_absent, upd)
        & (
            (recent_units * earlier_days - earlier_units * recent_days) * rise.denominator
            >= recent_days * earlier_days * ibis.literal(rise.numerator * upd, "int64")
        )
    )


def _recent_rise_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    window = thresholds.recent_rise_school_days
    f = t.facts
    earlier_units = f["absent_units"] - f["recent_units"]
    earlier_days = f["days_enrolled"] - f["recent_days_enrolled"]
    return [
        f"Absent {r} of the last {window} school days ({a} of {n}), up from {er} before "
        f"({ea} of {en} days)"
        for r, a, n, er, ea, en in zip(
            t.percent("recent_units", "recent_days_enrolled"),
            t.days("recent_units"),
            t.whole("recent_days_enrolled"),
            t.percent(earlier_units, earlier_days),
            t.days(earlier_units),
            earlier_days.tolist(),
            strict=True,
        )
    ]


def _new_arrival(r: RuleInput) -> ir.BooleanValue:
    return r.facts.first_number > r.thresholds.new_arrival_after_school_days


def _new_arrival_reason(t: Texts, thresholds: SignalRules) -> list[str]:
    return [
        f"Arrived on {day}, school day {n} of the year"
        for day, n in zip(t.dates("first_day"), t.whole("first_number"), strict=True)
    ]


# -- the registry: the order is the order of a student's flags in every output ---------------
_SEPTEMBER = ("september_absences", "september_many_absences")
_RISE = (
    "recent_rise_school_days",
    "recent_rise_points",
    "recent_rise_minimum_days_absent",
    "recent_rise_minimum_days_before",
)
RULES: tuple[Rule, ...] = (
    Rule(
        "prior_year_chronic",
        2,
        "chronically absent last year",
        ("prior_year_chronic", "prior_year_severe"),
        _prior_chronic,
        _prior_reason("Chronically absent"),
    ),
    Rule(
        "prior_year_severe",
        3,
        "severely chronically absent last year",
        ("prior_year_severe",),
        _prior_severe,
        _prior_reason("Severely chronically absent"),
    ),
    Rule(
        "pace",
        2,
        "two absences a month or more",
        ("pace_absences_per_month",),
        _pace,
        _pace_reason,
    ),
    Rule(
        "ytd_chronic",
        2,
        "chronically absent this year so far",
        ("ytd_chronic", "ytd_severe"),
        _ytd_chronic,
        _ytd_reason(severe=False),
    ),
    Rule(
        "ytd_severe",
        3,
        "severely chronically absent this year so far",
        ("ytd_severe",),
        _ytd_severe,
        _ytd_reason(severe=True),
    ),
    Rule(
        "no_improvement",
        3,
        "no improvement since early support began",
        ("no_improvement_school_days",),
        _no_improvement,
        _no_improvement_reason,
    ),
    Rule(
        "september_2_4",
        None,
        "2-4 days absent in September",
        _SEPTEMBER,
        _september_2_4,
        _september_2_4_reason,
    ),
    Rule(
        "september_5_plus",
        2,
        "5 or more days absent in September",
        ("september_many_absences",),
        _september_5_plus,
        _september_5_plus_reason,
    ),
    Rule(
        "monday_friday",
        None,
        "absences cluster on Mondays and Fridays",
        ("monday_friday_share", "monday_friday_minimum_days"),
        _monday_friday,
        _monday_friday_reason,
    ),
    Rule(
        "consecutive",
        None,
        "several school days absent in a row",
        ("consecutive_days",),
        _consecutive,
        _consecutive_reason,
    ),
    Rule(
        "recent_rise",
        None,
        "absences rose in the last four weeks",
        _RISE,
        _recent_rise,
        _recent_rise_reason,
    ),
    Rule(
        "new_arrival",
        None,
        "arrived after the year began",
        ("new_arrival_after_school_days",),
        _new_arrival,
        _new_arrival_reason,
    ),
)
RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
SUGGESTED_TIER: dict[str, int | None] = {rule.id: rule.suggested_tier for rule in RULES}
