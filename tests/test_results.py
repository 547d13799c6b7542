"""The results API: recording figures, expected ranges and reading them back."""

from __future__ import annotations

import json

import pytest

from course_utils import results
from course_utils.profiles import Settings
from course_utils.results import ChapterRun, ResultOutOfRange


def _run(expect=None) -> ChapterRun:
    import torch

    cfg = Settings("ch99", "smoke", {"seed": 0, "expect": expect or {}})
    return ChapterRun("ch99", "smoke", cfg, torch.device("cpu"))


def test_record_writes_the_chapter_file(tmp_path):
    run = _run({"acc": [0.5, 1.0]})
    assert run.record("acc", 0.75) == 0.75
    run.record("prediction", "shall")
    saved = json.loads((tmp_path / "results" / "ch99.json").read_text())
    assert saved["metrics"]["acc"] == {"value": 0.75, "unit": "", "expected": [0.5, 1.0]}
    assert saved["metrics"]["prediction"]["value"] == "shall"
    assert saved["profile"] == "smoke" and saved["device"] == "cpu" and not saved["finished"]


def test_value_outside_the_expected_range_fails_but_is_kept(tmp_path):
    run = _run({"acc": [0.7, 1.0]})
    with pytest.raises(ResultOutOfRange, match=r"ch99/acc = 0.5 is outside the range \[0.7, 1.0\]"):
        run.record("acc", 0.5)
    assert results.load_results()["ch99"]["metrics"]["acc"]["value"] == 0.5


def test_non_finite_values_fail():
    with pytest.raises(ResultOutOfRange, match="not a finite number"):
        _run().record("loss", float("nan"))


def test_tensor_values_are_stored_as_numbers():
    import torch

    run = _run()
    assert run.record("loss", torch.tensor(1.5)) == 1.5


def test_finish_adds_time_and_memory(capsys):
    run = _run()
    record = run.finish()
    assert record["finished"] and record["wall_time_s"] >= 0
    assert record["peak_memory_mb"] > 10
    assert "ch99: profile=smoke" in capsys.readouterr().out


def test_start_chapter_sets_everything_up(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    run = results.start_chapter("ch01")
    assert run.profile == "smoke" and run.cfg.chapter == "ch01"
    assert "ch01: プロファイル smoke" in capsys.readouterr().out


def test_results_dir_default(monkeypatch):
    monkeypatch.delenv("COURSE_RESULTS_DIR")
    from course_utils.data import project_root

    monkeypatch.chdir(project_root(results.Path(__file__).parent))
    assert results.results_dir() == project_root() / "_build" / "results"


def test_peak_memory_is_this_process_not_its_parent():
    import subprocess
    import sys

    big = bytearray(300 * 1024 * 1024)  # raise this process's peak well above a fresh child's
    big[::4096] = b"x" * len(big[::4096])
    mine = results.peak_memory_mb()
    child = float(subprocess.run(
        [sys.executable, "-c", "from course_utils.results import peak_memory_mb; print(peak_memory_mb())"],
        check=True, capture_output=True, text=True,
    ).stdout)
    assert mine > 300 and child < mine - 200


def test_a_missed_target_is_reported_and_stored_but_does_not_fail(tmp_path, capsys):
    import torch

    cfg = Settings("ch99", "full", {"expect": {"ppl": [1.0, 300.0]}, "target": {"ppl": [1.0, 105.0]}})
    run = ChapterRun("ch99", "full", cfg, torch.device("cpu"))
    assert run.record("ppl", 120.0) == 120.0
    assert "目標に届きませんでした: ppl = 120（目標 1〜105）" in capsys.readouterr().out
    run.record("other", 0.5)
    saved = json.loads((tmp_path / "results" / "ch99.json").read_text())["metrics"]
    assert saved["ppl"]["target"] == [1.0, 105.0] and saved["ppl"]["target_met"] is False
    assert "target" not in saved["other"]
    run.record("ppl", 90.0)
    assert capsys.readouterr().out == ""
    assert json.loads((tmp_path / "results" / "ch99.json").read_text())["metrics"]["ppl"]["target_met"] is True
