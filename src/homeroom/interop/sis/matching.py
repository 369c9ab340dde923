"""The SIS export files matched to a preset's file specs, and what every part of the assembly
shares: the preset, the result being written, the matched files by feed and the student refs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.contract.schema import TABLES
from homeroom.interop.result import (
    SOURCE_FILE,
    SOURCE_LINE,
    ImportResult,
    Mapping,
    SourceRead,
    source_line,
)
from homeroom.interop.sis import values
from homeroom.interop.sis.preset import FileSpec, Preset, header_key
from homeroom.interop.sis.reading import SourceTable
from homeroom.interop.sis.scan import SqlWork

TRACE = (SOURCE_FILE, SOURCE_LINE)


@dataclass
class Matched:
    table: SourceTable
    spec: FileSpec
    frame: pd.DataFrame  # one column per mapped role (text), plus source_file/source_line
    raw: str | None = None  # or: the DuckDB table holding them (a large file, see fastpath)


def choose_spec(label: str, headers: list[str], preset: Preset) -> FileSpec:
    """The preset's file a file is, by its headers (the longest signature that fits)."""
    keys = [header_key(h) for h in headers]
    fitting = [spec for spec in preset.files if all(header_key(s) in keys for s in spec.signature)]
    if not fitting:
        wanted = "; ".join(f"{s.name}: {', '.join(s.signature)}" for s in preset.files)
        raise ContractError(
            f"file {label}: its headers match none of the files of preset "
            f"{preset.source} ({wanted}); found columns: {', '.join(headers[:30])}"
        )
    return max(fitting, key=lambda s: len(s.signature))


def role_columns(headers: list[str], spec: FileSpec) -> tuple[dict[str, list[int]], list[str]]:
    """Each role's header positions (those found), and the spec's headers the file lacks."""
    keys = [header_key(h) for h in headers]
    found: dict[str, list[int]] = {}
    missing: list[str] = []
    for role, names in spec.columns.items():
        positions = [keys.index(header_key(h)) for h in names if header_key(h) in keys]
        missing.extend(h for h in names if header_key(h) not in keys)
        if positions:
            found[role] = positions
    return found, missing


def note_columns(
    result: ImportResult, label: str, spec: FileSpec, rows: int, roles: dict, missing: list[str]
) -> None:
    """The column mappings and missing columns of one file, for the load report."""
    for role in roles:
        headers = spec.columns[role]
        result.mappings.append(Mapping("column", f"{label}: {' + '.join(headers)}", role, rows))
    if missing:
        result.note(
            f"{label} ({spec.name}): no column {', '.join(sorted(set(missing)))}; "
            "those values are left empty"
        )


def match_table(table: SourceTable, preset: Preset, result: ImportResult) -> Matched:
    keys = [header_key(h) for h in table.headers]
    spec = choose_spec(table.label, table.headers, preset)
    feed = spec.feeds[0] if spec.feeds[0] in TABLES else "attendance"
    for line, reason in table.malformed:
        result.reject(feed, table.label, line, "", f"malformed line: {reason}")
    for text in table.notes:
        result.note(text)
    frame = pd.DataFrame(index=range(len(table.rows)))
    roles, missing = role_columns(table.headers, spec)
    for role, found in roles.items():
        if len(found) == 1:
            frame[role] = table.column(found[0]).to_numpy()
        else:  # several headers make one value, e.g. status and excuse: "A/E"
            parts = [table.column(i).fillna("") for i in found]
            joined = parts[0].str.cat(parts[1:], sep="/")
            frame[role] = joined.where(joined.str.strip("/").ne(""), None).to_numpy()
    note_columns(result, table.label, spec, len(frame), roles, missing)
    frame[SOURCE_FILE] = table.label
    frame[SOURCE_LINE] = pd.array(table.lines, dtype="Int64")
    read = len(table.rows) + len(table.malformed)
    if spec.keep:
        kept = pd.Series(True, index=frame.index)
        for header, allowed in spec.keep.items():
            if header_key(header) not in keys:
                raise ContractError(
                    f"file {table.label}: preset {preset.source} keeps rows by column {header}, "
                    "which the file does not have"
                )
            column = table.column(keys.index(header_key(header)))
            kept &= column.isin(allowed).to_numpy()
        aside = int((~kept).sum())
        if aside:
            what = ", ".join(f"{h} in {', '.join(v)}" for h, v in spec.keep.items())
            result.note(
                f"{table.label}: {aside:,} of {len(frame):,} rows left aside: the preset reads "
                f"only rows with {what}"
            )
        frame = frame[kept.to_numpy()].reset_index(drop=True)
    result.read.append(SourceRead(table.label, spec.name, read))
    return Matched(table, spec, frame)


def frames(matches: list[Matched], feed: str) -> pd.DataFrame:
    frames = [m.frame for m in matches]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    frame.attrs["feed"] = feed
    return frame


def col(frame: pd.DataFrame, role: str) -> pd.Series:
    if role in frame.columns:
        return frame[role].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def traced(frame: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    out = pd.DataFrame({name: series.to_numpy() for name, series in columns.items()})
    out[SOURCE_FILE] = frame[SOURCE_FILE].to_numpy()
    out[SOURCE_LINE] = frame[SOURCE_LINE].to_numpy()
    return out


@dataclass
class Assembly:
    """One preset applied to one set of files: what each step of the assembly reads and writes."""

    preset: Preset
    result: ImportResult
    by_feed: dict[str, list[Matched]]
    refs: dict[str, str] = field(default_factory=dict)
    serials: int = 0  # dates given as Excel serials, read as dates
    work: SqlWork | None = None  # the DuckDB work of large files, when there are any

    def dates(self, series: pd.Series) -> pd.Series:
        converted = values.dates(series, self.preset)
        self.serials += converted.serials
        return converted.values

    def student_refs(self) -> dict[str, str]:
        """The SIS's internal student number → the student id, from the students files."""
        refs: dict[str, str] = {}
        for m in self.by_feed.get("students", []):
            if "student_ref" in m.frame.columns and "student_id" in m.frame.columns:
                pairs = m.frame[["student_ref", "student_id"]].dropna()
                refs.update(zip(pairs["student_ref"], pairs["student_id"], strict=True))
        return refs

    def resolve_students(self, frame: pd.DataFrame, table: str) -> pd.DataFrame:
        """Rows that name the student by the SIS's internal number get the student id."""
        if "student_ref" not in frame.columns:
            return frame
        given = col(frame, "student_id")
        refs = col(frame, "student_ref")
        if not self.refs:
            raise ContractError(
                f"{frame[SOURCE_FILE].iloc[0] if len(frame) else 'a file'} names students by the "
                "SIS's internal number (the preset's student_ref column); give the students "
                "export too, which pairs that number with the student number"
            )
        resolved = refs.map(self.refs)
        unknown = given.isna() & refs.notna() & resolved.isna()
        for _, row in frame[unknown.to_numpy()].iterrows():
            self.result.reject(
                table,
                row[SOURCE_FILE],
                source_line(row[SOURCE_LINE]),
                "student_ref",
                "the student's internal number is not the number of any student in the "
                "students export",
            )
        frame = frame[~unknown.to_numpy()].copy()
        frame["student_id"] = given[~unknown].where(given[~unknown].notna(), resolved[~unknown])
        return frame
