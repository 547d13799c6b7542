"""The book's results page (book/results.ipynb): each chapter's recorded figures (``run.record``) beside its expected
range, its full-profile target (``[chNN.full.target]`` of ``profiles.toml``) and the published figures of
``references.toml`` (matched by metric name; one that names no metric gets a row of its own)."""

from __future__ import annotations

import json
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from course_utils.paths import results_dir
from course_utils.profiles import ProfileError, chapter_settings

Range = tuple[float, float]


@dataclass(frozen=True)
class Reference:
    """One published figure of a chapter."""

    chapter: str
    label: str
    value: float | Range
    source: str
    url: str
    approx: bool = False
    metric: str | None = None

    def formatted(self) -> str:
        """The figure as the page shows it: ``≈ 0.84``, ``0.75–0.8`` or ``0.97``."""
        if isinstance(self.value, tuple):
            return format_range(self.value)
        return ("≈ " if self.approx else "") + format_value(self.value)


@dataclass
class MetricRow:
    """One row of a chapter's table: a recorded figure and/or a target and references. Whether the value lies in
    its expected range and reaches its target (None: no number or no range) is set by :func:`compare_chapter`."""

    metric: str | None
    value: Any = None
    unit: str = ""
    expected: Range | None = None
    target: Range | None = None
    references: list[Reference] = field(default_factory=list)
    in_expected_range: bool | None = None
    meets_target: bool | None = None

    @property
    def recorded(self) -> bool:
        return self.value is not None


def _within(value: Any, bounds: Range | None) -> bool | None:
    return bounds[0] <= value <= bounds[1] if isinstance(value, (int, float)) and bounds is not None else None


class ReferencesFileError(ValueError):
    """``references.toml`` has an entry the results page cannot use."""


def _number(value: Any, where: str) -> float | Range:
    is_range = isinstance(value, list) and len(value) == 2
    numbers = value if is_range else [value]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers) or numbers != sorted(numbers):
        raise ReferencesFileError(f"{where}: value must be a number or [low, high], not {value!r}")
    return (float(value[0]), float(value[1])) if is_range else float(value)


def parse_references(table: dict[str, Any]) -> dict[str, list[Reference]]:
    """Check and convert the parsed ``references.toml``; keyed by chapter, in file order."""
    sources = table.get("sources", {})
    parsed: dict[str, list[Reference]] = {}
    for chapter, entries in table.items():
        if chapter == "sources":
            continue
        if not isinstance(entries, list):
            raise ReferencesFileError(f"{chapter}: write the figures as [[{chapter}]] entries")
        for number, entry in enumerate(entries, start=1):
            where = f"references.toml [[{chapter}]] #{number}"
            if unknown := set(entry) - {"label", "value", "approx", "metric", "source"}:
                raise ReferencesFileError(f"{where}: unknown keys {sorted(unknown)}")
            if "label" not in entry or "value" not in entry:
                raise ReferencesFileError(f"{where}: 'label' and 'value' are required")
            if (source := sources.get(entry.get("source"))) is None:
                known = ", ".join(sources)
                raise ReferencesFileError(f"{where}: source {entry.get('source')!r} is not one of [sources]: {known}")
            parsed.setdefault(chapter, []).append(Reference(
                chapter, entry["label"], _number(entry["value"], where), source["title"], source["url"],
                bool(entry.get("approx")), entry.get("metric")))
    return parsed


@cache
def load_references() -> dict[str, list[Reference]]:
    """The published reference figures of ``references.toml``, keyed by chapter."""
    text = resources.files("course_utils").joinpath("references.toml").read_text(encoding="utf-8")
    return parse_references(tomllib.loads(text))


def reference_sources() -> list[tuple[str, str]]:
    """The (title, url) of every source that a reference cites, each once, in file order."""
    return list(dict.fromkeys((ref.source, ref.url) for refs in load_references().values() for ref in refs))


def chapter_targets(chapter: str) -> dict[str, Range]:
    """The chapter's targets: the ranges of ``[chNN.full.target]`` (empty for an unknown chapter)."""
    try:
        target = chapter_settings(chapter, "full", use_settings_file=False).get("target", {})
    except ProfileError:
        return {}
    return {name: (float(low), float(high)) for name, (low, high) in target.items()}


def compare_chapter(chapter: str, record: dict[str, Any] | None, references: list[Reference] | None = None,
                    targets: dict[str, Range] | None = None) -> list[MetricRow]:
    """The rows of a chapter's table, in this order: the recorded figures (in recording order),
    targets not recorded in this build, references to metrics not recorded, references that
    name no metric. ``references`` and ``targets`` default to the project's files."""
    references = load_references().get(chapter, []) if references is None else references
    targets = chapter_targets(chapter) if targets is None else targets
    rows: dict[str, MetricRow] = {}
    for name, entry in ((record or {}).get("metrics") or {}).items():
        expected = tuple(entry["expected"]) if entry.get("expected") else None
        rows[name] = MetricRow(name, entry.get("value"), entry.get("unit", ""), expected)
    for name in [*targets, *(ref.metric for ref in references if ref.metric)]:
        rows.setdefault(name, MetricRow(metric=name))
    for name, row in rows.items():
        row.target = targets.get(name)
        row.references = [ref for ref in references if ref.metric == name]
        row.in_expected_range = _within(row.value, row.expected)
        row.meets_target = _within(row.value, row.target)
    return [*rows.values(), *(MetricRow(metric=None, references=[ref]) for ref in references if not ref.metric)]


def format_value(value: Any) -> str:
    """A figure with four significant digits (``0.8234``, ``112.3``); other values as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"  # also 'nan', 'inf' and '-inf'


def format_range(bounds: Range | None) -> str:
    """``(0.75, 0.8)`` -> ``'0.75–0.8'``; None -> ``'—'``."""
    return "—" if bounds is None else f"{format_value(bounds[0])}–{format_value(bounds[1])}"


class ResultsFileWarning(UserWarning):
    """A file in the results folder that is not a readable chapter record (it is skipped)."""


# What each field of a record must be, when present (None is allowed where a record may lack the figure).
RECORD_FIELDS = {"chapter": (str,), "profile": (str,), "device": (str,), "finished": (bool,),
                 "wall_time_s": (int, float), "peak_memory_mb": (int, float, type(None)),
                 "settings_overrides": (dict,)}


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _check_fields(record: dict[str, Any]) -> None:
    """Raise ValueError naming the first field of ``record`` (or of one of its metrics) of the wrong type."""
    for field_name, kinds in RECORD_FIELDS.items():
        if field_name in record and not _is(record[field_name], kinds):
            kinds_text = " or ".join(kind.__name__ for kind in kinds)
            raise ValueError(f'"{field_name}" is {record[field_name]!r}, expected a {kinds_text}')
    for name, entry in record.get("metrics", {}).items():
        value, expected = entry.get("value"), entry.get("expected")
        if not _is(value, (int, float, str)):
            raise ValueError(f'metric "{name}" has the value {value!r}, expected a number or a text')
        if expected is not None and not (isinstance(expected, list) and len(expected) == 2
                                         and all(_is(b, (int, float)) for b in expected)):
            raise ValueError(f'metric "{name}" has the range {expected!r}, expected [low, high]')


def load_results(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """All chapter records (``chNN.json``) in ``folder`` (default :func:`results_dir`), keyed by chapter;
    a file that is not one is skipped with a :class:`ResultsFileWarning` that says why."""
    records = {}
    for path in sorted(Path(folder or results_dir()).glob("*.json")):
        try:  # each check raises ValueError, as JSONDecodeError and UnicodeDecodeError do
            if not re.fullmatch(r"ch\d\d", path.stem):
                raise ValueError("a chapter record is named chNN.json (e.g. ch02.json)")
            record = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(record, dict):
                raise ValueError(f"expected a JSON object, found {type(record).__name__}")
            metrics = record.get("metrics", {})
            if not isinstance(metrics, dict) or not all(isinstance(entry, dict) for entry in metrics.values()):
                raise ValueError('expected "metrics" to map each name to an object such as {"value": 0.8}')
            _check_fields(record)
            records[path.stem] = record
        except (OSError, ValueError) as exc:
            warnings.warn(f"{path} is skipped: {exc}", ResultsFileWarning, stacklevel=2)
    return records
