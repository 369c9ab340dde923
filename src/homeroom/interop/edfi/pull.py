"""Pull the resources Homeroom needs from a live Ed-Fi API into a raw store, fully or by change.

The raw store is a folder of `<resource>.json` files, each a JSON array of items exactly as the
API gave them (one item per line, so a line number points at one item), plus `.pull-state`, which
remembers the API address, the school year asked for and the newest change version seen. The next
pull asks only for what changed since (`minChangeVersion`/`maxChangeVersion`), merges changed
items by their `id` and removes the ones the `/deletes` endpoints list. `import_edfi` then reads
the store like any folder of Ed-Fi JSON files.

Files are replaced only once every resource has been read, each by an atomic rename, and the state
last: a pull that fails half-way leaves the previous store (or a store whose next pull repeats
some changes, which merging by id makes harmless).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeroom.interop.edfi.client import EdFiClient, EdFiError, Progress, RetryPolicy
from homeroom.interop.edfi.jsonfiles import items_text, write_atomic

RAW_DIR_NAME = "edfi-resources"
STATE_NAME = ".pull-state"  # no .json suffix: the store's readers take every *.json for a resource
STATE_VERSION = 1

# What Homeroom reads, in the order a district's data depends on itself.
REQUIRED_RESOURCES = (
    "schools",
    "students",
    "studentEducationOrganizationAssociations",
    "studentSchoolAssociations",
    "calendars",
    "calendarDates",
    "sessions",
    "studentSchoolAttendanceEvents",
)
# Read when the key may; skipped with a note when the API answers 403 or 404 (a claim set without
# them, a data standard without them, or a district that takes attendance by day only).
OPTIONAL_RESOURCES = (
    "localEducationAgencies",  # district names
    "bellSchedules",  # the length of a school's day, for attendance given in minutes
    "classPeriods",
    "studentSpecialEducationProgramAssociations",  # students with disabilities
    "studentSection504ProgramAssociations",  # Data Standard 5 and later
    "studentHomelessProgramAssociations",
    "studentMigrantEducationProgramAssociations",
    "studentProgramAssociations",
    "sections",
    "studentSectionAssociations",  # the periods a student was scheduled for, to fold sections
    "studentSectionAttendanceEvents",
    "parents",  # families' contacts, Data Standard 3 and 4 (the key needs the claim)
    "studentParentAssociations",
    "contacts",  # Data Standard 5 renamed parents to contacts
    "studentContactAssociations",
)
RESOURCES = REQUIRED_RESOURCES + OPTIONAL_RESOURCES
# Resources the API itself filters by school year (`?schoolYear=`, a field of their key).
YEAR_FILTERED = (
    "calendars",
    "calendarDates",
    "sessions",
    "studentSchoolAttendanceEvents",
    "sections",
    "studentSectionAssociations",
    "studentSectionAttendanceEvents",
)


@dataclass
class ResourceCount:
    pulled: int = 0  # items the API sent in this pull
    deleted: int = 0  # items removed because the API listed them as deleted
    stored: int = 0  # items in the store afterwards
    other_years: int = 0  # items kept out because they belong to another school year
    skipped: bool = False  # the key may not read it (403) or the API lacks it (404)


@dataclass
class PullSummary:
    raw_dir: Path
    mode: str  # "full" or "incremental"
    change_version: int | None
    counts: dict[str, ResourceCount]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    requests: int = 0
    retries: int = 0

    def describe(self) -> str:
        pulled = sum(c.pulled for c in self.counts.values())
        deleted = sum(c.deleted for c in self.counts.values())
        at = f" up to change version {self.change_version}" if self.change_version else ""
        return (
            f"{self.mode.capitalize()} pull{at}: {pulled:,} item(s) read, {deleted:,} deletion(s) "
            f"applied, in {self.seconds:.1f} s ({self.requests:,} requests, "
            f"{self.retries:,} retried)."
        )


def pull_edfi(
    url: str,
    key: str,
    secret: str,
    raw_dir: Path,
    *,
    school_year: int | None = None,
    full: bool = False,
    policy: RetryPolicy | None = None,
    page_size: int = 500,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PullSummary:
    """Bring `raw_dir` up to date with the API at `url` and say what changed."""
    started = time.monotonic()
    client = EdFiClient(
        url,
        key,
        secret,
        school_year=school_year,
        policy=policy or RetryPolicy(),
        page_size=page_size,
        sleep=sleep,
    )
    with client:  # one connection pool for every request, closed at the end
        return _pull_with(client, Path(raw_dir), full, progress, started)


def _pull_with(
    client: EdFiClient, raw_dir: Path, full: bool, progress: Progress | None, started: float
) -> PullSummary:
    """The pull itself, over one signed-in client."""
    school_year = client.school_year
    notes: list[str] = []
    state = _read_state(raw_dir)
    versions = client.available_change_versions()
    previous = _usable_state(state, client.url, school_year, versions, full, notes)
    newest = versions.newest if versions is not None else None
    if versions is None:
        notes.append("The API offers no change queries, so every pull reads everything.")

    stored_before = set(state.get("resources", [])) if previous is not None and state else set()
    window = _Window(school_year, newest)
    counts: dict[str, ResourceCount] = {}
    store: dict[str, list[dict[str, Any]]] = {}
    for resource in RESOURCES:
        # A resource the last pull could not read (a key given more claims since) is read whole.
        since = previous if resource in stored_before else None
        counts[resource], merged = _pull_one(client, raw_dir, resource, since, window, progress)
        if merged is None:
            notes.append(f"{resource} was not read: the API does not offer it to this key.")
        else:
            store[resource] = merged
    _write_store(raw_dir, client.url, window, store, counts)
    return PullSummary(
        raw_dir=raw_dir,
        mode="full" if previous is None else "incremental",
        change_version=newest,
        counts=counts,
        notes=notes,
        seconds=time.monotonic() - started,
        requests=client.requests_made,
        retries=client.retries,
    )


@dataclass(frozen=True)
class _Window:
    """What every resource of one pull is asked for: a school year, changes up to a version."""

    school_year: int | None
    newest: int | None  # the newest change version; None when the API has no change queries


def _pull_one(
    client: EdFiClient,
    raw_dir: Path,
    resource: str,
    since: int | None,
    window: _Window,
    progress: Progress | None,
) -> tuple[ResourceCount, list[dict[str, Any]] | None]:
    """One resource read whole (`since` None) or by change since a version and merged with the
    store; None when the key may not read an optional resource."""
    count = ResourceCount()
    params: dict[str, str | int] = {}
    if window.school_year is not None and resource in YEAR_FILTERED:
        params["schoolYear"] = window.school_year
    if window.newest is not None:
        params["maxChangeVersion"] = window.newest
    if since is not None:
        params["minChangeVersion"] = since + 1
    optional = resource in OPTIONAL_RESOURCES
    items = client.read(resource, params=params, progress=progress, missing_ok=optional)
    if items is None:
        count.skipped = True
        return count, None
    count.pulled = len(items)
    if since is None:
        merged = items
    else:
        merged = _merge(_read_items(raw_dir, resource), items)
        changed = {"minChangeVersion": since + 1, "maxChangeVersion": window.newest or 0}
        gone = client.read(resource, params=changed, deletes=True, progress=progress)
        merged, count.deleted = _without_deleted(merged, gone or [])
    if window.school_year is not None and resource == "studentSchoolAssociations":
        merged, count.other_years = _of_school_year(merged, window.school_year)
    count.stored = len(merged)
    return count, merged


def _write_store(
    raw_dir: Path,
    url: str,
    window: _Window,
    store: dict[str, list[dict[str, Any]]],
    counts: dict[str, ResourceCount],
) -> None:
    """Every resource file first, each atomically, then the state: a failure leaves the old."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for resource, items in store.items():
        write_atomic(raw_dir / f"{resource}.json", items_text(items))
    for resource, count in counts.items():
        if count.skipped:  # what the key can no longer read must not linger as if current
            (raw_dir / f"{resource}.json").unlink(missing_ok=True)
    write_atomic(
        raw_dir / STATE_NAME,
        json.dumps(
            {
                "version": STATE_VERSION,
                "url": url,
                "school_year": window.school_year,
                "newest_change_version": window.newest,
                "resources": sorted(store),
                "pulled_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=1,
        )
        + "\n",
    )


# -- the state of the store ---------------------------------------------------------------------
def _read_state(raw_dir: Path) -> dict[str, Any] | None:
    path = raw_dir / STATE_NAME
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None


def _usable_state(
    state: dict[str, Any] | None,
    url: str,
    school_year: int | None,
    versions: Any,
    full: bool,
    notes: list[str],
) -> int | None:
    """The change version to continue from, or None for a full pull (saying why)."""
    if full or state is None or versions is None:
        return None
    last = state.get("newest_change_version")
    if not isinstance(last, int):
        return None
    if state.get("url") != url:
        notes.append("The store was pulled from another address; this pull reads everything.")
        return None
    if state.get("school_year") != school_year:
        notes.append("The store holds another school year; this pull reads everything.")
        return None
    if last + 1 < versions.oldest:
        notes.append(
            f"The API no longer keeps changes from version {last + 1} (its oldest is "
            f"{versions.oldest}); this pull reads everything."
        )
        return None
    if last > versions.newest:
        notes.append(
            "The API's newest change version is older than the store's (the ODS was restored "
            "or replaced); this pull reads everything."
        )
        return None
    return last


def _read_items(raw_dir: Path, resource: str) -> list[dict[str, Any]]:
    path = raw_dir / f"{resource}.json"
    if not path.exists():
        return []
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EdFiError(
            f"{path} in the raw store cannot be read ({exc.__class__.__name__}); pull again "
            "with --full"
        ) from None
    if not isinstance(items, list):
        raise EdFiError(f"{path} in the raw store is not a JSON array; pull again with --full")
    return items


# -- merging ------------------------------------------------------------------------------------
def _item_key(item: dict[str, Any]) -> str:
    identifier = item.get("id")
    if isinstance(identifier, str) and identifier:
        return identifier.lower().replace("-", "")
    # An item without an id cannot be matched to a later change; its whole text is its key.
    return json.dumps(item, sort_keys=True)


def _merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`old` with each item of `new` replacing the one of the same id (or appended)."""
    merged = {_item_key(item): item for item in old}
    for item in new:
        merged[_item_key(item)] = item
    return list(merged.values())


def _without_deleted(
    items: list[dict[str, Any]], deletes: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    gone = set()
    for entry in deletes:
        # v5.0/5.1 answer with PascalCase names ("Id"), later versions with camelCase.
        identifier = entry.get("id", entry.get("Id"))
        if isinstance(identifier, str) and identifier:
            gone.add(identifier.lower().replace("-", ""))
    kept = [item for item in items if _item_key(item) not in gone]
    return kept, len(items) - len(kept)


def _of_school_year(
    items: list[dict[str, Any]], school_year: int
) -> tuple[list[dict[str, Any]], int]:
    """Enrollments of one school year. Its `schoolYear` is optional in Ed-Fi, so a stay without
    one is kept when its dates overlap July 1 (year - 1) to June 30 (year)."""
    first, last = f"{school_year - 1}-07-01", f"{school_year}-06-30"
    kept = []
    for item in items:
        year = _year_of(item)
        if year is not None:
            if year == school_year:
                kept.append(item)
            continue
        entry = str(item.get("entryDate") or "")[:10]
        leave = str(item.get("exitWithdrawDate") or "")[:10]
        if entry <= last and (not leave or leave >= first):
            kept.append(item)
    return kept, len(items) - len(kept)


def _year_of(item: dict[str, Any]) -> int | None:
    for holder in (item.get("schoolYearTypeReference"), item.get("calendarReference"), item):
        if isinstance(holder, dict) and holder.get("schoolYear") not in (None, ""):
            try:
                return int(holder["schoolYear"])
            except (TypeError, ValueError):
                return None
    return None
