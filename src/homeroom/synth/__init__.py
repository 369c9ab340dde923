"""A realistic synthetic district or state: schools, students, stays, calendars, attendance.

Deterministic (same arguments, same bytes) and built for scale: attendance is generated
from stays and written in batches of schools, never one row per student-day in memory.
See docs/synthetic-data.md for what is modelled and the shares it aims at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from homeroom.contract.schema import RACE_ETHNICITY, STUDENT_FLAGS
from homeroom.synth import behaviour, dynamics
from homeroom.synth.behaviour import stay_behaviour
from homeroom.synth.calendars import CalendarSet
from homeroom.synth.contacts import contacts_table
from homeroom.synth.geography import (
    STATE,
    Geography,
    build_calendars,
    build_geography,
    school_calendar_ids,
)
from homeroom.synth.population import (
    FIRST_NAMES,
    GRADE_LABELS,
    LANGUAGES,
    LAST_NAMES,
    Stays,
    Students,
    grade_level_of,
    simulate,
)
from homeroom.synth.supports import add_supports
from homeroom.synth.writer import TableStream, dates, fixed_width_ids, write_table

__all__ = ["SynthSummary", "demo_dataset", "generate"]

CHUNK_STAYS = 200_000  # stays per attendance batch (a few million rows)
BEHAVIOURS = ("simple", "realistic")
SEX_CODES = ("F", "M", "X")


@dataclass
class SynthSummary:
    out_dir: Path
    districts: int
    schools: int
    students: int
    school_years: list[int]
    stays: int
    student_days: int
    attendance_rows: int
    seconds: float
    files: dict[str, Path]


def _rng(seed: int, part: int, sub: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(part, sub)))


def generate(
    out_dir: Path,
    *,
    students: int = 5000,
    schools: int = 12,
    years: int = 1,
    seed: int = 1,
    districts: int = 1,
    last_school_year: int = 2025,
    fmt: str = "parquet",
    progress: Callable[[int, int], None] | None = None,
    behaviour: str = "simple",
    chronic_rate: float = dynamics.NATIONAL_CHRONIC_RATE,
    support_effect: float | None = None,
) -> SynthSummary:
    """Write a synthetic dataset (the tables of DESIGN.md section 4) into out_dir.

    `behaviour`: "simple" (one binomial count of absences per stay: nothing early in a year
    predicts later) or "realistic" (homeroom.synth.dynamics: habits that carry over, episodes,
    winter waves; about `chronic_rate` of students end a year chronically absent).
    `support_effect` (points, <= 0): also write `supports` with that known effect
    (homeroom.synth.supports); None leaves the district as it was, byte for byte.
    """
    _check(fmt, behaviour, min(students, schools, years, districts))
    started, out_dir = time.perf_counter(), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    school_years = list(range(last_school_year - years + 1, last_school_year + 1))

    geo = build_geography(_rng(seed, 0), districts, schools, students)
    calendars = CalendarSet.of(build_calendars(geo, school_years))
    people, stays = simulate(_rng(seed, 1), geo, calendars, school_years, students)
    beh = stay_behaviour(_rng(seed, 2), people, stays, geo.school_effect, years)
    dyn = None
    if behaviour == "realistic":  # own random streams: "simple" stays byte-identical
        dyn = dynamics.stay_dynamics(_rng(seed, 5), people, stays, geo, calendars, chronic_rate)

    student_ids = _student_ids(people)
    school_ids = pa.array(geo.school_ids, type=pa.string())
    contacts = contacts_table(_rng(seed, 4), people, student_ids)  # its own stream: no effect
    files = _write_tables(out_dir, fmt, geo, calendars, people, stays, contacts, school_years)
    files["attendance"], rows = _write_attendance(
        out_dir, fmt, seed, geo, calendars, stays, (beh, dyn), student_ids, school_ids, progress
    )
    if support_effect is not None:  # after the rest, on its own stream
        served = add_supports(out_dir, fmt, _rng(seed, 7), support_effect)
        files["supports"] = out_dir / f"supports.{fmt}"
        rows -= served.absences_removed
    return SynthSummary(
        out_dir=out_dir,
        districts=len(geo.district_ids),
        schools=len(geo.school_ids),
        students=people.n,
        school_years=school_years,
        stays=len(stays),
        student_days=int((stays.exit - stays.entry + 1).sum()),
        attendance_rows=rows,
        seconds=time.perf_counter() - started,
        files={name: files[name] for name in sorted(files)},
    )


def _write_tables(
    out_dir: Path,
    fmt: str,
    geo: Geography,
    calendars: CalendarSet,
    people: Students,
    stays: Stays,
    contacts: pa.Table,
    school_years: list[int],
) -> dict[str, Path]:
    """Every table but attendance, each built as it is written, so that a state holds one big
    table at a time."""
    student_ids = _student_ids(people)
    school_ids = pa.array(geo.school_ids, type=pa.string())
    tables: dict[str, Callable[[], pa.Table]] = {
        "schools": lambda: _schools_table(geo),
        "students": lambda: _students_table(people, student_ids),
        "enrollments": lambda: _enrollments_table(
            stays, calendars, student_ids, school_ids, school_years
        ),
        "calendar": lambda: _calendar_table(calendars),
        "codes": _codes_table,
        "contacts": lambda: contacts,
    }
    return {name: write_table(build(), out_dir, name, fmt) for name, build in tables.items()}


def _student_ids(people: Students) -> pa.Array:
    return fixed_width_ids("S", np.arange(1, people.n + 1), max(7, len(str(people.n))))


def _check(fmt: str, behaviour: str, smallest: int) -> None:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv'; got {fmt!r}")
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be 'simple' or 'realistic'; got {behaviour!r}")
    if smallest < 1:
        raise ValueError("students, schools, years and districts must be at least 1")


def demo_dataset(out_dir: Path, seed: int = 7) -> SynthSummary:
    """The demo: one district, ~4000 students, 10 schools, two school years, Parquet."""
    return generate(out_dir, students=4000, schools=10, years=2, seed=seed, fmt="parquet")


ATTENDANCE_SCHEMA = pa.schema(
    [
        ("student_id", pa.string()),
        ("school_id", pa.string()),
        ("date", pa.date32()),
        ("code", pa.string()),
        ("category", pa.string()),
        ("absent_fraction", pa.float64()),
        ("minutes_absent", pa.int32()),
    ]
)


def _write_attendance(
    out_dir: Path,
    fmt: str,
    seed: int,
    geo: Geography,
    calendars: CalendarSet,
    stays: Stays,
    behaviours: tuple[behaviour.StayBehaviour, dynamics.StayDynamics | None],
    student_ids: pa.Array,
    school_ids: pa.Array,
    progress: Callable[[int, int], None] | None,
) -> tuple[Path, int]:
    """Attendance in batches of whole schools, rows sorted by school, student, date."""
    order = np.lexsort((stays.year, stays.student, stays.school))
    bounds = _batch_bounds(stays.school[order])
    total = len(bounds) - 1
    codes, categories = (pa.array([c[k] for c in behaviour.CODES], pa.string()) for k in (0, 1))

    def rows_of(i: int) -> tuple[np.ndarray, behaviour.ChunkRows]:
        sel = order[bounds[i] : bounds[i + 1]]
        lo = calendars.offset[stays.calendar[sel]] + stays.entry[sel]
        hi = calendars.offset[stays.calendar[sel]] + stays.exit[sel]
        level = grade_level_of(stays.grade[sel])
        minutes = geo.day_minutes[stays.school[sel]]
        beh, dyn = behaviours
        missed = _missed(_rng(seed, 6, i), dyn, sel, calendars, lo, hi)
        return sel, behaviour.attendance_rows(
            _rng(seed, 3, i), calendars, lo, hi, level, minutes, _subset(beh, sel), missed
        )

    def write(sel: np.ndarray, rows: behaviour.ChunkRows) -> None:
        code = rows.code
        with_minutes = np.isin(code, (behaviour.C_T, behaviour.C_ED))
        columns = {
            "student_id": student_ids.take(pa.array(stays.student[sel][rows.stay])),
            "school_id": school_ids.take(pa.array(stays.school[sel][rows.stay])),
            "date": dates(calendars.days[rows.day]),
            "code": codes.take(pa.array(code)),
            "category": categories.take(pa.array(code, mask=~rows.category_filled)),
            "absent_fraction": pa.array(np.full(len(code), 0.5), mask=code != behaviour.C_H),
            "minutes_absent": pa.array(rows.minutes.astype(np.int32), mask=~with_minutes),
        }
        stream.write(pa.table(columns, schema=ATTENDANCE_SCHEMA))

    # Two stages in two threads: numpy makes batch i+1 while Arrow writes batch i.
    with (
        TableStream(out_dir, "attendance", ATTENDANCE_SCHEMA, fmt) as stream,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending: list[Future[None]] = []
        for i in range(total + 1):
            batch = rows_of(i) if i < total else None
            if pending:
                pending.pop().result()
                if progress is not None:
                    progress(i, total)
            if batch is not None:
                pending.append(pool.submit(write, *batch))
    return stream.path, stream.rows


def _missed(
    rng: np.random.Generator,
    dyn: dynamics.StayDynamics | None,
    sel: np.ndarray,
    calendars: CalendarSet,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The realistic dynamics' days missed of a batch; None: the simple behaviour draws them."""
    return None if dyn is None else dynamics.absence_days(rng, dyn.subset(sel), calendars, lo, hi)


def _batch_bounds(school_sorted: np.ndarray) -> list[int]:
    """Batch boundaries fall between schools, every CHUNK_STAYS stays or so."""
    school_start = np.flatnonzero(np.r_[True, school_sorted[1:] != school_sorted[:-1]])
    bounds = [0]
    for start in school_start[1:]:
        if start - bounds[-1] >= CHUNK_STAYS:
            bounds.append(int(start))
    bounds.append(len(school_sorted))
    return bounds


def _subset(beh: behaviour.StayBehaviour, sel: np.ndarray) -> behaviour.StayBehaviour:
    return behaviour.StayBehaviour(*(getattr(beh, f)[sel] for f in beh.__dataclass_fields__))


def _schools_table(geo: Geography) -> pa.Table:
    return pa.table(
        {
            "school_id": pa.array(geo.school_ids, type=pa.string()),
            "school_name": pa.array(geo.school_names, type=pa.string()),
            "district_id": pa.array([geo.district_ids[d] for d in geo.school_district]),
            "district_name": pa.array([geo.district_names[d] for d in geo.school_district]),
            "state": pa.array([STATE] * len(geo.school_ids)),
            "calendar_id": pa.array(school_calendar_ids(geo)),
            "day_minutes": pa.array(geo.day_minutes.astype(np.int32)),
        }
    )


def _pick(values: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(idx.astype(np.int64)))


def _students_table(people: Students, student_ids: pa.Array) -> pa.Table:
    cols = {
        "student_id": student_ids,
        "first_name": _pick(FIRST_NAMES, people["first_name"]),
        "last_name": _pick(LAST_NAMES, people["last_name"]),
        "birth_date": dates(people["birth_date"]),
        "sex": _pick(SEX_CODES, people["sex"]),
        "race_ethnicity": _pick(RACE_ETHNICITY, people["race"]),
        **{flag: pa.array(people[flag]) for flag in STUDENT_FLAGS},
        "home_language": _pick(LANGUAGES, people["home_language"]),
    }
    return pa.table(cols)


def _enrollments_table(
    stays: Stays,
    calendars: CalendarSet,
    student_ids: pa.Array,
    school_ids: pa.Array,
    school_years: list[int],
) -> pa.Table:
    first = calendars.offset[stays.calendar]
    order = np.lexsort((stays.entry, stays.year, stays.student))
    entry = calendars.days[(first + stays.entry)[order]]
    exit_ = calendars.days[(first + stays.exit)[order]]
    return pa.table(
        {
            "student_id": student_ids.take(pa.array(stays.student[order])),
            "school_id": school_ids.take(pa.array(stays.school[order])),
            "school_year": pa.array(np.array(school_years, dtype=np.int32)[stays.year[order]]),
            "grade_level": _pick(GRADE_LABELS, stays.grade[order] + 1),
            "entry_date": dates(entry),
            "exit_date": pa.array(exit_, type=pa.date32(), mask=stays.to_end[order]),
        }
    )


def _calendar_table(calendars: CalendarSet) -> pa.Table:
    cals = calendars.calendars
    return pa.table(
        {
            "calendar_id": pa.array(
                np.repeat([c.calendar_id for c in cals], [len(c.weekdays) for c in cals])
            ),
            "school_year": pa.array(
                np.repeat([c.school_year for c in cals], [len(c.weekdays) for c in cals]).astype(
                    np.int32
                )
            ),
            "date": dates(np.concatenate([c.weekdays for c in cals])),
            "instructional": pa.array(np.concatenate([c.instructional for c in cals])),
        }
    )


def _codes_table() -> pa.Table:
    return pa.table(
        {
            "code": pa.array([c[0] for c in behaviour.CODES]),
            "category": pa.array([c[1] for c in behaviour.CODES]),
            "absent_fraction": pa.array([c[2] for c in behaviour.CODES], type=pa.float64()),
        }
    )
