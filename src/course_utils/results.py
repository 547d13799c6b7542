"""Recording each chapter's key figures, for the tests and the book's results page (all chapters).

A notebook starts with :func:`start_chapter`, which resolves the profile, loads the chapter's
settings, picks the device, seeds the generators and sets the plot style. ``run.record(...)``
then stores a metric in ``<results dir>/<chapter>.json`` and checks it against the range the
profile expects (``[chXX.<profile>.expect]`` in ``profiles.toml``: outside it the notebook fails)
and against the profile's target (``[chXX.<profile>.target]``: a miss is reported, not fatal);
``run.finish()`` adds the wall time and the kernel's peak memory.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from course_utils.data import project_root
from course_utils.device import device_name, get_device, seed_everything
from course_utils.plotting import setup_plot_style
from course_utils.profiles import Settings, chapter_settings, resolve_profile

ENV_RESULTS = "COURSE_RESULTS_DIR"


class ResultOutOfRange(AssertionError):
    """A recorded figure lies outside the range its profile expects."""


def results_dir() -> Path:
    """Where results are written: ``COURSE_RESULTS_DIR``, else ``_build/results`` of the project."""
    if os.environ.get(ENV_RESULTS):
        return Path(os.environ[ENV_RESULTS]).expanduser()
    root = project_root()
    return (root / "_build" / "results") if root else Path.cwd() / "course_results"


def peak_memory_mb() -> float | None:
    """The peak resident memory of this process in MB (None where the OS does not tell).

    On Linux this is ``VmHWM`` of /proc/self/status: ``getrusage``'s ``ru_maxrss`` survives
    ``exec`` and would report the peak of the process that started the kernel.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


@dataclass
class ChapterRun:
    """One execution of a chapter notebook: its profile, settings, device and recorded figures."""

    chapter: str
    profile: str
    cfg: Settings
    device: torch.device
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def path(self) -> Path:
        return results_dir() / f"{self.chapter}.json"

    def expected_range(self, name: str) -> tuple[float, float] | None:
        """The (low, high) range the profile expects for metric ``name``, if it sets one."""
        return self._bounds("expect", name)

    def target_range(self, name: str) -> tuple[float, float] | None:
        """The (low, high) target of the profile for metric ``name``, if it sets one."""
        return self._bounds("target", name)

    def _bounds(self, table: str, name: str) -> tuple[float, float] | None:
        ranges = self.cfg.get(table, {})
        return tuple(ranges[name]) if name in ranges else None

    def record(self, name: str, value: Any, unit: str = "") -> Any:
        """Store metric ``name``, check it against the expected range and the target; returns ``value``.

        Outside the expected range raises :class:`ResultOutOfRange`; a missed target prints a
        notice; the target and whether it was met (``target_met``) are stored with the figure.
        """
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            raise ResultOutOfRange(f"{self.chapter}/{name} is {value}, not a finite number")
        bounds, target = self.expected_range(name), self.target_range(name)
        entry: dict[str, Any] = {"value": value, "unit": unit, "expected": bounds}
        if target is not None:
            entry["target"] = target
            entry["target_met"] = target[0] <= value <= target[1]
        self.metrics[name] = entry
        self._save()
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise ResultOutOfRange(
                f"{self.chapter}/{name} = {value} is outside the range [{bounds[0]}, {bounds[1]}] "
                f"expected in the {self.profile!r} profile"
            )
        if target is not None and not entry["target_met"]:
            print(f"目標に届きませんでした: {name} = {value:.4g}（目標 {target[0]:g}〜{target[1]:g}）")
        return value

    def finish(self) -> dict[str, Any]:
        """Record the wall time and peak memory, save, and return the whole record."""
        data = self._save(finished=True)
        print(
            f"{self.chapter}: profile={self.profile}, device={data['device']}, "
            f"{data['wall_time_s']:.1f} s, peak memory {data['peak_memory_mb'] or float('nan'):.0f} MB"
        )
        return data

    def _save(self, finished: bool = False) -> dict[str, Any]:
        data = {
            "chapter": self.chapter,
            "profile": self.profile,
            "device": device_name(self.device),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "started_at": self.started_at,
            "finished": finished,
            "wall_time_s": round(time.perf_counter() - self.started, 2),
            "peak_memory_mb": peak_memory_mb(),
            "metrics": self.metrics,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)
        return data


def start_chapter(chapter: str, profile: str | None = None, seed: int | None = None) -> ChapterRun:
    """Set a chapter up: profile, settings, device, seed and plot style; prints a summary line.

    ``profile`` is the notebook's papermill parameter (``None`` falls back to ``COURSE_PROFILE``
    and then ``auto``); ``seed`` defaults to the chapter's ``seed`` setting.
    """
    resolved = resolve_profile(profile)
    cfg = chapter_settings(chapter, resolved)
    device = get_device()
    seed_everything(seed if seed is not None else cfg.get("seed", 0))
    setup_plot_style()
    run = ChapterRun(chapter=chapter, profile=resolved, cfg=cfg, device=device)
    run.path.unlink(missing_ok=True)
    print(f"{chapter}: プロファイル {resolved}、デバイス {device_name(device)}")
    return run


def load_results(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """All recorded chapters in ``folder`` (default :func:`results_dir`), keyed by chapter."""
    folder = folder or results_dir()
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(Path(folder).glob("*.json"))
    }
