"""A definition (policy profile): a named, versioned set of every knob in DESIGN.md section 3.

Profiles are TOML files. The shipped ones live in `profiles/`; a district's own file may say
`extends = "edfacts"` and change only what differs. Every share is kept as an exact
`Fraction` (0.1 is exactly 1/10), so cut points never depend on floating point.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from homeroom.contract.schema import CATEGORIES, GRADE_LEVELS
from homeroom.definitions.signals import KEYS as SIGNAL_KEYS
from homeroom.definitions.signals import SignalRules, default_signal_rules, parse_signals
from homeroom.definitions.values import DefinitionError, share, whole, words
from homeroom.definitions.values import number_text as _number
from homeroom.definitions.values import percent_text as _percent

TIERS = ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
SCHOOL_LEVELS = ("low", "modest", "significant", "high", "extreme")
PARTIAL_DAY_RULES = ("fractional", "half_day")
EXIT_DATE_RULES = ("inclusive", "exclusive")


@dataclass(frozen=True)
class Definition:
    name: str
    version: str
    description: str
    source: str
    threshold_share: Fraction | None  # chronic when days_absent >= share x days_enrolled
    threshold_days: Fraction | None  # or: chronic when days_absent >= this many days
    minimum_days_enrolled: int
    partial_days: str  # "fractional": sum of fractions; "half_day": >= half a day is a day
    absence_categories: tuple[str, ...]
    exit_date: str  # "inclusive": exit_date is the last day enrolled; "exclusive": first day not
    grades: tuple[str, ...]  # grades in scope; empty: all
    tier_cuts: tuple[Fraction, Fraction, Fraction]  # at_risk, moderate_chronic, severe_chronic
    level_cuts: tuple[Fraction, Fraction, Fraction, Fraction]  # modest, significant, high, extreme
    truancy_threshold: int  # unexcused absences that make a student truant
    minimum_group_size: int  # smaller groups are suppressed in public reports
    path: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The early-warning rule thresholds ([signals]; homeroom.definitions.signals).
    signals: SignalRules = field(default_factory=default_signal_rules)

    @property
    def threshold_label(self) -> str:
        if self.threshold_share is not None:
            return f"{_percent(self.threshold_share)} of days enrolled"
        return f"{_number(self.threshold_days)} or more days absent"

    def summary_rows(self) -> list[tuple[str, str]]:
        """The definition in words, for reports and `homeroom definitions`."""
        tiers = ", ".join(
            f"{name} from {_percent(cut)}"
            for name, cut in zip(TIERS[1:], self.tier_cuts, strict=True)
        )
        levels = ", ".join(
            f"{name} from {_percent(cut)}"
            for name, cut in zip(SCHOOL_LEVELS[1:], self.level_cuts, strict=True)
        )
        return [
            ("definition", f"{self.name} (version {self.version})"),
            ("chronically absent", self.threshold_label),
            ("eligible", f"at least {self.minimum_days_enrolled} days enrolled"),
            ("partial days", _PARTIAL_WORDS[self.partial_days]),
            ("counts as absence", ", ".join(self.absence_categories)),
            ("exit date", _EXIT_WORDS[self.exit_date]),
            ("grades", ", ".join(self.grades) if self.grades else "all"),
            ("student tiers", tiers),
            ("school levels", levels),
            ("truant", f"{self.truancy_threshold} or more unexcused absences"),
            ("public reports", f"groups under {self.minimum_group_size} students suppressed"),
        ]


_PARTIAL_WORDS = {
    "fractional": "the absent fraction of each day is added up",
    "half_day": "a day counts absent when half of it or more is missed",
}
_EXIT_WORDS = {
    "inclusive": "the last day enrolled",
    "exclusive": "the first day no longer enrolled",
}


def available() -> dict[str, Path]:
    """The shipped profiles by name."""
    folder = resources.files("homeroom.definitions") / "profiles"
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def load_definition(name_or_path: str | Path | None = None) -> Definition:
    """A shipped profile by name, or a TOML file by path; `None` gives `default`."""
    shipped = available()
    key = str(name_or_path) if name_or_path is not None else "default"
    if key in shipped:
        return _build(_read_chain(shipped[key], shipped, set()), shipped[key])
    path = Path(key)
    if not path.exists():
        names = ", ".join(sorted(shipped))
        raise DefinitionError(
            f"no definition named '{key}' and no such file; shipped definitions: {names}"
        )
    return _build(_read_chain(path, shipped, set()), path)


_EITHER_OR = (("threshold_share", "threshold_days"), ("threshold_days", "threshold_share"))


def _read_chain(path: Path, shipped: dict[str, Path], seen: set[Path]) -> dict[str, Any]:
    if path.resolve() in seen:
        raise DefinitionError(f"{path}: 'extends' goes round in a circle")
    seen.add(path.resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot be read: {exc.strerror}") from exc
    parent = data.pop("extends", None)
    if parent is None:
        return data
    parent_path = shipped.get(parent) or (path.parent / parent)
    if not Path(parent_path).exists():
        raise DefinitionError(f"{path}: extends '{parent}', which is neither shipped nor a file")
    base = _read_chain(Path(parent_path), shipped, seen)
    for section, values in data.items():
        if isinstance(values, dict) and isinstance(base.get(section), dict):
            inherited = dict(base[section])
            # The threshold is a share or a number of days: a child giving one replaces the other.
            for one, other in _EITHER_OR:
                if one in values:
                    inherited.pop(other, None)
            base[section] = {**inherited, **values}
        else:
            base[section] = values
    return base


def _require(path: Path, data: dict[str, Any], section: str, key: str) -> Any:
    try:
        return data[section][key]
    except KeyError:
        raise DefinitionError(f"{path}: missing [{section}] {key}") from None


# Every section and key a definition may hold: a misspelt one would silently keep the
# parent's value, so it is an error instead.
KNOWN_KEYS = {
    "definition": {"name", "version", "description", "source", "notes"},
    "chronic": {
        "threshold_share",
        "threshold_days",
        "minimum_days_enrolled",
        "partial_days",
        "absence_categories",
    },
    "enrollment": {"exit_date", "grades"},
    "tiers": set(TIERS[1:]),
    "school_levels": set(SCHOOL_LEVELS[1:]),
    "truancy": {"unexcused_absences"},
    "reporting": {"minimum_group_size"},
    "signals": set(SIGNAL_KEYS),
}


def _check_keys(data: dict[str, Any], path: Path) -> None:
    for section, values in data.items():
        if section not in KNOWN_KEYS:
            raise DefinitionError(
                f"{path}: unknown section [{section}]; known: {', '.join(KNOWN_KEYS)}"
            )
        if not isinstance(values, dict):
            raise DefinitionError(f"{path}: [{section}] must be a table of settings")
        unknown = sorted(set(values) - KNOWN_KEYS[section])
        if unknown:
            raise DefinitionError(
                f"{path}: unknown key {unknown[0]!r} in [{section}]; "
                f"known: {', '.join(sorted(KNOWN_KEYS[section]))}"
            )


def _build(data: dict[str, Any], path: Path) -> Definition:
    """A Definition from a profile's merged TOML (after `extends`), every value checked."""
    _check_keys(data, path)
    meta = data.get("definition", {})
    threshold_share, threshold_days = _threshold(data, path)
    partial = _require(path, data, "chronic", "partial_days")
    if partial not in PARTIAL_DAY_RULES:
        raise DefinitionError(
            f"{path}: partial_days must be one of {', '.join(PARTIAL_DAY_RULES)}; got {partial!r}"
        )
    categories = _categories(data, path)
    exit_rule, grades = _enrollment(data.get("enrollment", {}), path)
    tier_cuts, level_cuts = _cuts(data, path)
    minimum = whole(
        path,
        "minimum_days_enrolled",
        _require(path, data, "chronic", "minimum_days_enrolled"),
        0,
    )
    truancy = whole(
        path,
        "[truancy] unexcused_absences",
        data.get("truancy", {}).get("unexcused_absences", 10),
        1,
    )
    group = whole(
        path,
        "the minimum group size (minimum_group_size)",
        data.get("reporting", {}).get("minimum_group_size", 10),
        1,
    )
    return Definition(
        name=str(meta.get("name", path.stem)),
        version=str(meta.get("version", "1")),
        description=str(meta.get("description", "")),
        source=str(meta.get("source", "")),
        threshold_share=threshold_share,
        threshold_days=threshold_days,
        minimum_days_enrolled=minimum,
        partial_days=partial,
        absence_categories=categories,
        exit_date=exit_rule,
        grades=grades,
        tier_cuts=tier_cuts,
        level_cuts=level_cuts,
        truancy_threshold=truancy,
        minimum_group_size=group,
        path=str(path),
        notes=tuple(meta.get("notes", [])),
        signals=parse_signals(data.get("signals", {}), path),
    )


def _threshold(data: dict[str, Any], path: Path) -> tuple[Fraction | None, Fraction | None]:
    """[chronic] threshold_share or threshold_days: exactly one of them, as (share, days)."""
    chronic = data.get("chronic", {})
    given_share = chronic.get("threshold_share")
    days = chronic.get("threshold_days")
    if (given_share is None) == (days is None):
        raise DefinitionError(
            f"{path}: [chronic] needs exactly one of threshold_share (e.g. 0.10) "
            "or threshold_days (e.g. 15)"
        )
    if given_share is not None:
        return share(path, "chronic.threshold_share", given_share), None
    try:
        threshold_days = Fraction(str(days))
    except ValueError:
        raise DefinitionError(f"{path}: threshold_days must be a number; got {days!r}") from None
    if threshold_days <= 0:
        raise DefinitionError(f"{path}: threshold_days must be above 0; got {days!r}")
    return None, threshold_days


def _categories(data: dict[str, Any], path: Path) -> tuple[str, ...]:
    """[chronic] absence_categories: known attendance categories only."""
    categories = words(
        path, "absence_categories", _require(path, data, "chronic", "absence_categories")
    )
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise DefinitionError(
            f"{path}: absence_categories has unknown categories {unknown}; "
            f"known: {', '.join(CATEGORIES)}"
        )
    return categories


def _enrollment(section: dict[str, Any], path: Path) -> tuple[str, tuple[str, ...]]:
    """[enrollment]: the exit-date rule and the grades in scope."""
    exit_rule = section.get("exit_date", "inclusive")
    if exit_rule not in EXIT_DATE_RULES:
        raise DefinitionError(
            f"{path}: exit_date must be 'inclusive' or 'exclusive'; got {exit_rule!r}"
        )
    grades = words(path, "grades", section.get("grades", []))
    bad_grades = [g for g in grades if g not in GRADE_LEVELS]
    if bad_grades:
        raise DefinitionError(
            f"{path}: unknown grades {bad_grades}; known: {', '.join(GRADE_LEVELS)}"
        )
    return exit_rule, grades


def _cuts(
    data: dict[str, Any], path: Path
) -> tuple[tuple[Fraction, Fraction, Fraction], tuple[Fraction, Fraction, Fraction, Fraction]]:
    """[tiers] and [school_levels] cut points, each list rising."""
    tiers = [share(path, f"tiers.{n}", _require(path, data, "tiers", n)) for n in TIERS[1:]]
    levels = [
        share(path, f"school_levels.{n}", _require(path, data, "school_levels", n))
        for n in SCHOOL_LEVELS[1:]
    ]
    for label, cuts in (("tiers", tiers), ("school_levels", levels)):
        if cuts != sorted(cuts):
            raise DefinitionError(f"{path}: [{label}] cut points must rise: {tuple(cuts)}")
    return (tiers[0], tiers[1], tiers[2]), (levels[0], levels[1], levels[2], levels[3])
