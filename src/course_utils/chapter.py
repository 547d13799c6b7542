"""Starting a chapter (:func:`start_chapter`) and recording its key figures (``run.record``), checked against
the profile's ranges (``expect``: outside one the notebook fails) and targets (a miss is reported)."""

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

import pandas as pd
import torch
from IPython.display import Markdown, display

from course_utils import data
from course_utils.costs import chapter_costs, chapter_sources
from course_utils.credits import attribution
from course_utils.device import device_name, get_device, seed_everything
from course_utils.paths import results_dir, write_text_atomically
from course_utils.plotting import setup_plot_style
from course_utils.profiles import RANGE_TABLES, Settings, chapter_settings, resolve_profile


class ResultOutOfRange(AssertionError):
    """A recorded figure lies outside the range its profile expects."""


class UnrecordableValue(TypeError):
    """A value that ``record()`` cannot store: neither a finite real number nor a text."""


def peak_memory_mb() -> float | None:
    """The peak resident memory of this process in MB (None where the OS does not tell). On Linux ``VmHWM``:
    ``getrusage``'s ``ru_maxrss`` survives ``exec`` and would report the peak of the kernel's parent."""
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

    def _range(self, table: str, name: str) -> tuple[float, float] | None:
        """The profile's range ``table[name]`` (``expect`` or ``target``); a bound that names a figure is its value."""
        bounds = self.cfg.get(table, {}).get(name)
        if bounds is None:
            return None
        for bound in bounds:
            if isinstance(bound, str) and bound not in self.metrics:
                raise ResultOutOfRange(f"the range of {self.chapter}/{name} refers to {bound!r}, which this run has "
                                       "not recorded yet: record that figure first")
        return tuple(self.metrics[bound]["value"] if isinstance(bound, str) else bound for bound in bounds)

    def record(self, name: str, value: Any, unit: str = "") -> Any:
        """Store figure ``name``, check it against its range and target, and return it: a finite real number (also a
        one-element tensor or NumPy scalar), or a text where it has no unit and the profile sets no range or target.
        NaN and infinity raise :class:`ResultOutOfRange`, anything else :class:`UnrecordableValue`."""
        bounds, target = self._range("expect", name), self._range("target", name)
        value = self._checked(name, value, numeric=bounds is not None or target is not None or bool(unit))
        entry: dict[str, Any] = {"value": value, "unit": unit, "expected": bounds}
        if target is not None:
            entry |= {"target": target, "target_met": target[0] <= value <= target[1]}
        self.metrics[name] = entry
        self._save()
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise ResultOutOfRange(f"{self.chapter}/{name} = {value} is outside the range [{bounds[0]}, {bounds[1]}] "
                                   f"expected in the {self.profile!r} profile")
        if target is not None and not entry["target_met"]:
            print(f"目標に届きませんでした: {name} = {value:.4g}（目標 {target[0]:g}〜{target[1]:g}）")
        return value

    def _checked(self, name: str, value: Any, numeric: bool) -> int | float | str:
        """``value`` as a plain int, float or str, or an error that says what ``record()`` takes."""
        what = f"{self.chapter}/{name}"
        if hasattr(value, "item") and not isinstance(value, str):
            try:
                value = value.item()
            except (ValueError, RuntimeError):  # NumPy's and torch's "more than one element"
                shape = tuple(value.shape)
                raise UnrecordableValue(f"{what} is an array of shape {shape}; record one number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ResultOutOfRange(f"{what} is {value}, not a finite number")
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if is_number or (isinstance(value, str) and not numeric):
            return value
        takes = ("a finite real number here (it has a unit, or the profile sets a range or target for it)" if numeric
                 else "a finite real number or a text here")
        raise UnrecordableValue(f"{what} is {value!r} ({type(value).__name__}); record() takes {takes}")

    def finish(self) -> dict[str, Any]:
        """Record the wall time and peak memory, save, and return the whole record."""
        record = self._save(finished=True)
        print(f"{self.chapter}: profile={self.profile}, device={record['device']}, "
              f"{record['wall_time_s']:.1f} s, peak memory {record['peak_memory_mb'] or float('nan'):.0f} MB")
        return record

    def _save(self, finished: bool = False) -> dict[str, Any]:
        record = {
            "chapter": self.chapter,
            "profile": self.profile,
            "device": device_name(self.device),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "started_at": self.started_at,
            "finished": finished,
            "wall_time_s": round(time.perf_counter() - self.started, 2),
            "peak_memory_mb": peak_memory_mb(),
            "settings_file": str(self.cfg.overrides_file) if self.cfg.overrides_file else None,
            "settings_overrides": self.cfg.overrides,
            "metrics": self.metrics,
            "data_sources": data.sources_used(),
        }
        write_text_atomically(self.path, json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))
        return record


def fixtures_allowed(profile: str, settings: Settings) -> bool:
    """Whether a run may read the test files of ``COURSE_DATA_FIXTURES``: in the smoke profile, and where
    a settings file changes the settings (its record names the file); the notebook's ``changes`` alone do not."""
    return profile == "smoke" or (settings.overrides_file is not None and bool(settings.overrides))


def settings_table(cfg: Settings) -> pd.DataFrame:
    """The chapter's settings (ranges left out) with their values, and which ones were changed."""
    rows = [{"設定": name, "値": repr(value), "変更": "変更あり" if name in cfg.overrides else ""}
            for name, value in cfg.items() if name not in RANGE_TABLES]
    return pd.DataFrame(rows).set_index("設定")


def start_chapter(chapter: str, profile: str | None = None, changes: dict[str, Any] | None = None,
                  seed: int | None = None) -> ChapterRun:
    """Set a chapter up (settings, device, seed, plot style) and show what it runs with: profile, device, settings,
    costs, data sources. ``profile`` and ``changes`` are the notebook's parameters (:func:`chapter_settings`)."""
    resolved = resolve_profile(profile)
    cfg = chapter_settings(chapter, resolved, changes)
    device = get_device()
    seed_everything(seed if seed is not None else cfg.get("seed", 0))
    setup_plot_style()
    use_fixtures = fixtures_allowed(resolved, cfg)
    data.allow_fixtures(use_fixtures)
    data.forget_sources_used()
    run = ChapterRun(chapter=chapter, profile=resolved, cfg=cfg, device=device)
    run.path.unlink(missing_ok=True)
    print(f"{chapter}: プロファイル {resolved}、デバイス {device_name(device)}")
    if fixtures := os.environ.get(data.ENV_FIXTURES):
        print(f"テスト用の合成データを使います（{data.ENV_FIXTURES}={fixtures}）" if use_fixtures
              else f"{data.ENV_FIXTURES} は {resolved} プロファイルでは使いません（無視して本物のデータを読みます）")
    print(f"\nこの章の設定（{resolved} プロファイルの値）。変えるときはパラメータのセルの changes に書きます:")
    display(settings_table(cfg))
    if cfg.overrides:
        changed = ", ".join(f"{key} = {value!r}" for key, value in cfg.overrides.items())
        source = f"changes と設定ファイル {cfg.overrides_file}" if cfg.overrides_file else "changes"
        print(f"{source} で変えた設定: {changed}（この実行の数値は、プロファイルの設定どおりではありません）")
    print("\nプロファイルごとの、初回のダウンロード・時間・メモリの目安:")
    with pd.option_context("display.max_colwidth", None):  # the basis of an estimate in full
        display(chapter_costs(chapter))
    if sources := chapter_sources(chapter, cfg):
        print("\nこの章のデータの出典とライセンス:")
        display(Markdown(attribution(*sources)))
    return run
