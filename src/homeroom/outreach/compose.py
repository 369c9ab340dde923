"""Letters to families: who gets which kind, and the letter each one gets.

The contract between the letters (`homeroom letters`) and the sending (`homeroom outreach send`,
the web's sending from the queue):

- `eligible(resolved, kind, ...)`: the recipients a kind fits as of the date, one per student
  (the student's primary contact if it may be contacted, else the first such by name).
- `compose(kind, recipient, facts, as_of=...)`: one `Letter` (subject, plain text, HTML).
- `letters_for(resolved, store, kind, ...)`: both in one call; what the senders call.
- `gather(...)`: the same with the students skipped and why (`Batch`), for summaries.

The first parameter is a `homeroom.resolver.Resolved` (data, definition, as-of date; from a
workspace, whose `outreach/templates/` and `outreach/locale/` override the shipped templates
and catalogs). `store` is the workspace's casebook: open plans (tiers, case managers) and the
actions and outbox read for "no letter of the same kind in the last 30 days" (`recent`).
Whoever sends or prints a letter records it as an action whose outcome is
`recent.outcome(kind, "sent")` (or "printed"), so the 30-day rule sees it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from homeroom.casebook.plans import PlanInfo, open_plans
from homeroom.casebook.store import Store
from homeroom.outreach import eligibility, facts, languages
from homeroom.outreach.recent import recently_reached
from homeroom.outreach.rendering import render
from homeroom.resolver import Resolved

KINDS = ("recognition", "nudge", "invitation", "intensive")


@dataclass(frozen=True)
class Recipient:
    """One student and one contact who may be contacted."""

    student_id: str
    school_id: str
    contact_id: str
    contact_name: str
    language: str  # ISO 639-1 actually used
    fallback: bool  # True when the wanted language had no catalog and English was used
    email: str | None
    phone: str | None
    address_lines: tuple[str, ...]
    wanted_language: str = "en"  # the language asked for (contact's, else home language)


@dataclass(frozen=True)
class Letter:
    recipient: Recipient
    kind: str
    subject: str
    text: str  # plain text: email body, or trimmed by the sender for a text message
    html: str  # one letter's HTML (print and email), without page or envelope layout


@dataclass(frozen=True)
class LetterFacts:
    """What a letter says about one student (numbers formatted per language by `compose`)."""

    student_first_name: str | None
    school_name: str
    school_phone: str | None
    grade_level: str
    days_absent: float
    days_enrolled: int
    classmates_median: float | None  # the median days absent in the same grade and school
    improved: bool = False  # the rate fell by 2 points or more in the last 30 days
    case_manager: str | None = None  # the open plan's owner (intensive)
    supports: tuple[str, ...] = field(default=())  # the open plan's supports


@dataclass(frozen=True)
class Skipped:
    student_id: str
    school_id: str
    reason: str  # one of eligibility.SKIP_REASONS


@dataclass(frozen=True)
class Batch:
    """The letters of one kind as of a date, and the students skipped (with why)."""

    kind: str
    as_of: dt.date
    letters: list[Letter]
    skipped: list[Skipped]

    def by_language(self) -> Counter[str]:
        return Counter(letter.recipient.language for letter in self.letters)

    def fallbacks(self) -> Counter[str]:
        """Letters written in English because their wanted language has no catalog."""
        return Counter(lt.recipient.wanted_language for lt in self.letters if lt.recipient.fallback)

    def skipped_by_reason(self) -> Counter[str]:
        return Counter(s.reason for s in self.skipped)


def eligible(
    resolved: Resolved,
    kind: str,
    *,
    as_of: dt.date | None = None,
    school_id: str | None = None,
    store: Store,
) -> list[Recipient]:
    """The recipients KIND fits as of the date (default: the resolved date)."""
    found, _ = _candidates(resolved, store, kind, as_of or resolved.as_of, school_id, None)
    return [recipient for recipient, _ in found]


def compose(
    kind: str,
    recipient: Recipient,
    facts: LetterFacts,
    *,
    as_of: dt.date,
    workspace_root: Path | None = None,
) -> Letter:
    """One letter of KIND to the recipient, in the recipient's language."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    code = recipient.language
    catalogs = languages.catalog_dirs(workspace_root)
    words = languages.translations(code, catalogs)
    usual = facts.classmates_median
    context = {
        "contact_name": recipient.contact_name,
        "child": facts.student_first_name or words.gettext("your child"),
        "school": facts.school_name,
        "school_phone": facts.school_phone,
        "grade": grade_words(facts.grade_level),
        "days": languages.days(facts.days_absent, code),
        "days_count": languages.plural_count(facts.days_absent),
        "classmates": languages.days(usual, code) if usual is not None else "",
        "date": languages.long_date(as_of, code),
        "improved": facts.improved,
        "case_manager": facts.case_manager or "",
        "supports": list(facts.supports),
        "language": code,
    }
    done = render(kind, context, language=code, workspace_root=workspace_root, catalogs=catalogs)
    return Letter(recipient, kind, done.subject, done.text, done.html)


def letters_for(
    resolved: Resolved,
    store: Store,
    kind: str,
    *,
    as_of: dt.date | None = None,
    school_id: str | None = None,
    student_ids: list[str] | None = None,
) -> list[Letter]:
    """Eligible recipients (of STUDENT_IDS, if given) and their letters, in one call."""
    return gather(
        resolved, store, kind, as_of=as_of, school_id=school_id, student_ids=student_ids
    ).letters


def gather(
    resolved: Resolved,
    store: Store,
    kind: str,
    *,
    as_of: dt.date | None = None,
    school_id: str | None = None,
    student_ids: list[str] | None = None,
) -> Batch:
    """The letters of KIND and the students it fits who were skipped, with the reason."""
    day = as_of or resolved.as_of
    found, skipped = _candidates(resolved, store, kind, day, school_id, student_ids)
    root = resolved.workspace.root if resolved.workspace is not None else None
    letters = [compose(kind, who, what, as_of=day, workspace_root=root) for who, what in found]
    return Batch(kind, day, letters, skipped)


def grade_words(grade: object) -> str:
    """A grade as a letter writes it: "3" for 03, "K" for KG, else as given."""
    text = str(grade or "").strip()
    if text.isdigit():
        return str(int(text))
    return {"KG": "K"}.get(text.upper(), text)


def _candidates(
    resolved: Resolved,
    store: Store,
    kind: str,
    as_of: dt.date,
    school_id: str | None,
    student_ids: list[str] | None,
) -> tuple[list[tuple[Recipient, LetterFacts]], list[Skipped]]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    rows = facts.student_rows(resolved, as_of, school_id)
    if student_ids is not None:
        rows = rows.loc[rows["student_id"].isin({str(s) for s in student_ids})]
    plans = {p.student_id: p for p in open_plans(store, student_ids=rows["student_id"])}
    suggested = _suggested_tiers(resolved, as_of) if kind == "invitation" else {}
    tiers = {s: p.tier for s, p in plans.items()}
    chosen = rows.loc[eligibility.fits(kind, rows, tiers, suggested)]
    chosen = _one_row_a_student(chosen, plans)
    recent = recently_reached(store, kind, store.now().date())
    contacts = facts.contacts(resolved)
    by_student = dict(tuple(contacts.groupby("student_id", sort=False)))
    dirs = languages.catalog_dirs(resolved.workspace.root if resolved.workspace else None)
    found: list[tuple[Recipient, LetterFacts]] = []
    skipped: list[Skipped] = []
    for row in chosen.itertuples(index=False):
        student, school = str(row.student_id), str(row.school_id)
        contact, why = eligibility.pick_contact(by_student.get(student, contacts.iloc[:0]))
        if contact is None or student in recent:
            skipped.append(Skipped(student, school, why or eligibility.RECENT))
            continue
        recipient = _recipient(row, contact, dirs)
        found.append((recipient, _facts(resolved, row, plans.get(student))))
    return found, skipped


def _one_row_a_student(rows: pd.DataFrame, plans: dict[str, PlanInfo]) -> pd.DataFrame:
    """A student at two schools gets one letter: from the plan's school, else the school
    with the most days enrolled."""
    at_plan = [
        plans[s].school_id == str(c) if s in plans else False
        for s, c in zip(rows["student_id"], rows["school_id"], strict=True)
    ]
    ordered = rows.assign(_plan=at_plan).sort_values(
        ["student_id", "_plan", "days_enrolled", "school_id"], ascending=[True, False, False, True]
    )
    return ordered.drop_duplicates("student_id").drop(columns="_plan")


def _suggested_tiers(resolved: Resolved, as_of: dt.date) -> dict[str, int]:
    """The highest tier the early-warning rules suggest for each flagged student."""
    from homeroom.signals.flags import flag_students

    with resolved.tables() as tables:
        flags = flag_students(tables, resolved.definition, as_of)
    flags = flags.dropna(subset=["suggested_tier"])
    highest = flags.groupby("student_id")["suggested_tier"].max()
    return {str(s): int(t) for s, t in highest.items()}


def _text(value: object) -> str | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    text = str(value).strip()
    return text or None


def _recipient(row: Any, contact: pd.Series, dirs: tuple[Path, ...]) -> Recipient:
    language = languages.choose(contact["language"], getattr(row, "home_language", None), dirs)
    # "Springfield, IL 62701": the last line of a US postal address.
    town = ", ".join(t for t in (_text(contact["city"]), _text(contact["state"])) if t)
    last = " ".join(t for t in (town, _text(contact["postal_code"])) if t)
    lines = (contact["name"], contact["address_line1"], contact["address_line2"], last)
    return Recipient(
        student_id=str(row.student_id),
        school_id=str(row.school_id),
        contact_id=str(contact["contact_id"]),
        contact_name=str(contact["name"]),
        language=language.code,
        fallback=language.fallback,
        email=_text(contact["email"]),
        phone=_text(contact["phone"]),
        address_lines=tuple(t for t in (_text(v) for v in lines) if t),
        wanted_language=language.wanted,
    )


def _facts(resolved: Resolved, row: Any, plan: PlanInfo | None) -> LetterFacts:
    median = row.classmates_median
    return LetterFacts(
        student_first_name=_text(getattr(row, "first_name", None)),
        school_name=str(row.school_name),
        school_phone=facts.school_phone(resolved, str(row.school_id)),
        grade_level=str(row.grade_level),
        days_absent=float(row.days_absent),
        days_enrolled=int(row.days_enrolled),
        classmates_median=None if pd.isna(median) else float(median),
        improved=bool(eligibility.improved(pd.DataFrame([row._asdict()])).iloc[0]),
        case_manager=plan.owner_name if plan is not None else None,
        supports=tuple(s.name for s in plan.supports) if plan is not None else (),
    )
