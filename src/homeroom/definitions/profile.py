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

TIERS = ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
SCHOOL_LEVELS = ("low", "modest", "significant", "high", "extreme")
PARTIAL_DAY_RULES = ("fractional", "half_day")
EXIT_DATE_RULES = ("inclusive", "exclusive")


class DefinitionError(ValueError):
    """A definition file that cannot be used; the message says which key and why."""


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


def _percent(share: Fraction) -> str:
    value = share * 100
    return f"{_number(value)}%"


def _number(value: Fraction | None) -> str:
    if value is None:
        return "-"
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"


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


def _share(path: Path, key: str, value: Any) -> Fraction:
    """An exact share from 0.1, "10%", "1/10" or 10 (read as percent when > 1)."""
    try:
        if isinstance(value, str):
            text = value.strip()
            share = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        elif isinstance(value, bool):
            raise ValueError
        else:
            share = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise DefinitionError(
            f'{path}: \'{key}\' must be a share such as 0.10, "10%" or "1/10"; got {value!r}'
        ) from None
    if share > 1:
        share = share / 100
    if not 0 <= share <= 1:
        raise DefinitionError(f"{path}: '{key}' must be between 0 and 100%; got {value!r}")
    return share


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


def _whole(path: Path, key: str, value: Any, least: int) -> int:
    """A whole number of at least `least`; 10.5 or "ten" is an error naming the key."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(f"{path}: {key} must be a whole number; got {value!r}")
    if value < least:
        raise DefinitionError(f"{path}: {key} must be {least} or more; got {value!r}")
    return value


def _words(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise DefinitionError(f'{path}: {key} must be a list such as ["a", "b"]; got {value!r}')
    return tuple(str(v) for v in value)


def _build(data: dict[str, Any], path: Path) -> Definition:
    _check_keys(data, path)
    meta = data.get("definition", {})
    chronic = data.get("chronic", {})
    share = chronic.get("threshold_share")
    days = chronic.get("threshold_days")
    if (share is None) == (days is None):
        raise DefinitionError(
            f"{path}: [chronic] needs exactly one of threshold_share (e.g. 0.10) "
            "or threshold_days (e.g. 15)"
        )
    threshold_days = None
    if days is not None:
        try:
            threshold_days = Fraction(str(days))
        except ValueError:
            raise DefinitionError(
                f"{path}: threshold_days must be a number; got {days!r}"
            ) from None
        if threshold_days <= 0:
            raise DefinitionError(f"{path}: threshold_days must be above 0; got {days!r}")
    partial = _require(path, data, "chronic", "partial_days")
    if partial not in PARTIAL_DAY_RULES:
        raise DefinitionError(
            f"{path}: partial_days must be one of {', '.join(PARTIAL_DAY_RULES)}; got {partial!r}"
        )
    categories = _words(
        path, "absence_categories", _require(path, data, "chronic", "absence_categories")
    )
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise DefinitionError(
            f"{path}: absence_categories has unknown categories {unknown}; "
            f"known: {', '.join(CATEGORIES)}"
        )
    enrollment = data.get("enrollment", {})
    exit_rule = enrollment.get("exit_date", "inclusive")
    if exit_rule not in EXIT_DATE_RULES:
        raise DefinitionError(
            f"{path}: exit_date must be 'inclusive' or 'exclusive'; got {exit_rule!r}"
        )
    grades = _words(path, "grades", enrollment.get("grades", []))
    bad_grades = [g for g in grades if g not in GRADE_LEVELS]
    if bad_grades:
        raise DefinitionError(
            f"{path}: unknown grades {bad_grades}; known: {', '.join(GRADE_LEVELS)}"
        )
    tiers = data.get("tiers", {})
    tier_cuts = tuple(
        _share(path, f"tiers.{n}", _require(path, data, "tiers", n)) for n in TIERS[1:]
    )
    levels = data.get("school_levels", {})
    level_cuts = tuple(
        _share(path, f"school_levels.{n}", _require(path, data, "school_levels", n))
        for n in SCHOOL_LEVELS[1:]
    )
    for label, cuts in (("tiers", tier_cuts), ("school_levels", level_cuts)):
        if list(cuts) != sorted(cuts):
            raise DefinitionError(f"{path}: [{label}] cut points must rise: {cuts}")
    del tiers, levels
    minimum = _whole(
        path,
        "minimum_days_enrolled",
        _require(path, data, "chronic", "minimum_days_enrolled"),
        0,
    )
    truancy = _whole(
        path,
        "[truancy] unexcused_absences",
        data.get("truancy", {}).get("unexcused_absences", 10),
        1,
    )
    group = _whole(
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
        threshold_share=_share(path, "chronic.threshold_share", share)
        if share is not None
        else None,
        threshold_days=threshold_days,
        minimum_days_enrolled=minimum,
        partial_days=partial,
        absence_categories=categories,
        exit_date=exit_rule,
        grades=grades,
        tier_cuts=tier_cuts,  # type: ignore[arg-type]
        level_cuts=level_cuts,  # type: ignore[arg-type]
        truancy_threshold=truancy,
        minimum_group_size=group,
        path=str(path),
        notes=tuple(meta.get("notes", [])),
        signals=parse_signals(data.get("signals", {}), path),
    )
