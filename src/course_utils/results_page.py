"""The book's results page (book/results.ipynb): each chapter's recorded figures (``run.record``)
beside its expected range, its full-profile target (``[chNN.full.target]`` of ``profiles.toml``)
and the published figures of ``references.toml`` (matched by metric name; one that names no
metric gets a row of its own)."""

from __future__ import annotations

import json
import math
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
    """One row of a chapter's table: a recorded figure and/or a target and references."""

    metric: str | None
    value: Any = None
    unit: str = ""
    expected: Range | None = None
    target: Range | None = None
    references: list[Reference] = field(default_factory=list)

    @property
    def recorded(self) -> bool:
        return self.value is not None

    @property
    def in_expected_range(self) -> bool | None:
        """Whether the value lies in the run's expected range (None: no value or no range)."""
        return self._within(self.expected)

    @property
    def meets_target(self) -> bool | None:
        """Whether the value reaches the chapter's target (None: no value or no target)."""
        return self._within(self.target)

    def _within(self, bounds: Range | None) -> bool | None:
        if not self.recorded or bounds is None or not isinstance(self.value, (int, float)):
            return None
        return bounds[0] <= self.value <= bounds[1]


class ReferencesFileError(ValueError):
    """``references.toml`` has an entry the results page cannot use."""


def _number(value: Any, where: str) -> float | Range:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return (float(value[0]), float(value[1]))
    raise ReferencesFileError(f"{where}: value must be a number or [low, high], not {value!r}")


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
            unknown = set(entry) - {"label", "value", "approx", "metric", "source"}
            if unknown:
                raise ReferencesFileError(f"{where}: unknown keys {sorted(unknown)}")
            if "label" not in entry or "value" not in entry:
                raise ReferencesFileError(f"{where}: 'label' and 'value' are required")
            source = sources.get(entry.get("source"))
            if source is None:
                raise ReferencesFileError(
                    f"{where}: source {entry.get('source')!r} is not one of [sources]: {', '.join(sources)}"
                )
            parsed.setdefault(chapter, []).append(
                Reference(
                    chapter=chapter,
                    label=entry["label"],
                    value=_number(entry["value"], where),
                    source=source["title"],
                    url=source["url"],
                    approx=bool(entry.get("approx", False)),
                    metric=entry.get("metric"),
                )
            )
    return parsed


@cache
def load_references() -> dict[str, list[Reference]]:
    """The published reference figures of ``references.toml``, keyed by chapter."""
    text = resources.files("course_utils").joinpath("references.toml").read_text(encoding="utf-8")
    return parse_references(tomllib.loads(text))


def reference_sources() -> list[tuple[str, str]]:
    """The (title, url) of every source that a reference cites, each once, in file order."""
    seen: dict[tuple[str, str], None] = {}
    for references in load_references().values():
        for ref in references:
            seen[(ref.source, ref.url)] = None
    return list(seen)


def chapter_targets(chapter: str) -> dict[str, Range]:
    """The chapter's targets: the ranges of ``[chNN.full.target]`` (empty for an unknown chapter)."""
    try:
        target = chapter_settings(chapter, "full").get("target", {})
    except ProfileError:
        return {}
    return {name: (float(low), float(high)) for name, (low, high) in target.items()}


def compare_chapter(
    chapter: str,
    record: dict[str, Any] | None,
    references: list[Reference] | None = None,
    targets: dict[str, Range] | None = None,
) -> list[MetricRow]:
    """The rows of a chapter's table, in this order: the recorded figures (in recording order),
    targets not recorded in this build, references to metrics not recorded, references that
    name no metric. ``references`` and ``targets`` default to the project's files."""
    references = load_references().get(chapter, []) if references is None else references
    targets = chapter_targets(chapter) if targets is None else targets
    rows: dict[str, MetricRow] = {}
    for name, entry in ((record or {}).get("metrics") or {}).items():
        expected = entry.get("expected")
        rows[name] = MetricRow(
            metric=name,
            value=entry.get("value"),
            unit=entry.get("unit", ""),
            expected=tuple(expected) if expected else None,
        )
    for name in [*targets, *(ref.metric for ref in references if ref.metric)]:
        rows.setdefault(name, MetricRow(metric=name))
    for name, row in rows.items():
        row.target = targets.get(name)
        row.references = [ref for ref in references if ref.metric == name]
    return [*rows.values(), *(MetricRow(metric=None, references=[ref]) for ref in references if not ref.metric)]


def format_value(value: Any) -> str:
    """A figure with four significant digits (``0.8234``, ``112.3``); other values as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def format_range(bounds: Range | None) -> str:
    """``(0.75, 0.8)`` -> ``'0.75–0.8'``; None -> ``'—'``."""
    if bounds is None:
        return "—"
    return f"{format_value(bounds[0])}–{format_value(bounds[1])}"

class ResultsFileWarning(UserWarning):
    """A file in the results folder that is not a readable chapter record (it is skipped)."""


def load_results(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """All chapter records (``chNN.json``) in ``folder`` (default :func:`results_dir`), keyed by
    chapter. A file that is not a readable record is skipped with a :class:`ResultsFileWarning`
    that names it and says what is wrong."""
    folder = Path(folder or results_dir())
    records = {}
    for path in sorted(folder.glob("*.json")):
        try:
            records[path.stem] = _read_record(path)
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            warnings.warn(f"{path} is skipped: {exc}", ResultsFileWarning, stacklevel=2)
    return records


def _read_record(path: Path) -> dict[str, Any]:
    """The chapter record in ``path``; ValueError says why a file is not one."""
    if not re.fullmatch(r"ch\d\d", path.stem):
        raise ValueError("a chapter record is named chNN.json (e.g. ch02.json)")
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {type(record).__name__}")
    metrics = record.get("metrics", {})
    if not isinstance(metrics, dict) or not all(isinstance(entry, dict) for entry in metrics.values()):
        raise ValueError('expected "metrics" to map each name to an object such as {"value": 0.8}')
    return record
