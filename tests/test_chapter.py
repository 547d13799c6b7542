"""Starting a chapter and recording its figures (course_utils.chapter), and reading them back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_utils import chapter, paths
from course_utils.results_page import ResultsFileWarning, load_results
from course_utils.profiles import Settings
from course_utils.chapter import ChapterRun, ResultOutOfRange


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
    assert saved["data_sources"] == {}


def test_value_outside_the_expected_range_fails_but_is_kept(tmp_path):
    run = _run({"acc": [0.7, 1.0]})
    with pytest.raises(ResultOutOfRange, match=r"ch99/acc = 0.5 is outside the range \[0.7, 1.0\]"):
        run.record("acc", 0.5)
    assert load_results()["ch99"]["metrics"]["acc"]["value"] == 0.5


def test_a_bound_may_name_a_figure_recorded_earlier(tmp_path):
    run = _run({"model_accuracy": ["baseline_accuracy", 1.0]})
    with pytest.raises(ResultOutOfRange, match="refers to 'baseline_accuracy', which this run has not recorded"):
        run.record("model_accuracy", 0.9)
    run.record("baseline_accuracy", 0.6)
    assert run.record("model_accuracy", 0.9) == 0.9
    saved = json.loads((tmp_path / "results" / "ch99.json").read_text())
    assert saved["metrics"]["model_accuracy"]["expected"] == [0.6, 1.0]  # the bound as it was here
    with pytest.raises(ResultOutOfRange, match=r"ch99/model_accuracy = 0.5 is outside the range \[0.6, 1.0\]"):
        run.record("model_accuracy", 0.5)


def test_a_run_with_a_settings_file_records_what_it_changed(tmp_path, monkeypatch, capsys):
    settings = tmp_path / "short.toml"
    settings.write_text("[ch01]\ncbow_epochs = 2\n", encoding="utf-8")
    monkeypatch.setenv("COURSE_SETTINGS", str(settings))
    run = chapter.start_chapter("ch01", "quick")
    assert run.cfg.cbow_epochs == 2
    assert "cbow_epochs = 2" in capsys.readouterr().out
    run.finish()
    saved = json.loads((tmp_path / "results" / "ch01.json").read_text())
    assert saved["settings_file"] == str(settings) and saved["settings_overrides"] == {"cbow_epochs": 2}
    monkeypatch.setenv("COURSE_SETTINGS", "")  # an empty variable: no file
    plain = chapter.start_chapter("ch01", "quick")
    plain.finish()
    saved = json.loads((tmp_path / "results" / "ch01.json").read_text())
    assert saved["settings_file"] is None and saved["settings_overrides"] == {}


def test_the_notebooks_changes_go_over_the_file_and_are_shown_and_recorded(tmp_path, monkeypatch, capsys):
    settings = tmp_path / "batch.toml"
    settings.write_text("[ch01]\ncbow_epochs = 2\ncbow_lr = 0.1\n", encoding="utf-8")
    monkeypatch.setenv("COURSE_SETTINGS", str(settings))
    run = chapter.start_chapter("ch01", "quick", {"cbow_epochs": 7})
    assert (run.cfg.cbow_epochs, run.cfg.cbow_lr) == (7, 0.1)
    out = capsys.readouterr().out
    assert "cbow_epochs" in out and "変更あり" in out and "ch01: プロファイル quick" in out
    table = chapter.settings_table(run.cfg)
    assert table.loc["cbow_epochs", "値"] == "7" and table.loc["cbow_epochs", "変更"] == "変更あり"
    assert table.loc["bow_lr", "変更"] == "" and "expect" not in table.index
    run.finish()
    saved = json.loads((tmp_path / "results" / "ch01.json").read_text())
    assert saved["settings_overrides"] == {"cbow_epochs": 7, "cbow_lr": 0.1}


def test_start_chapter_shows_the_costs_and_the_data_sources(monkeypatch, capsys):
    chapter.start_chapter("ch05", "smoke")
    out = capsys.readouterr().out
    assert "プロファイルごとの、初回のダウンロード" in out and "データの出典とライセンス" in out


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
    run = chapter.start_chapter("ch01")
    assert run.profile == "smoke" and run.cfg.chapter == "ch01"
    assert "ch01: プロファイル smoke" in capsys.readouterr().out


def test_results_dir_default(monkeypatch):
    monkeypatch.delenv("COURSE_RESULTS_DIR")
    from course_utils.paths import project_root

    monkeypatch.chdir(project_root(Path(__file__).parent))
    assert paths.results_dir() == project_root() / "_build" / "results"


def test_peak_memory_is_this_process_not_its_parent():
    import subprocess
    import sys

    big = bytearray(300 * 1024 * 1024)  # raise this process's peak well above a fresh child's
    big[::4096] = b"x" * len(big[::4096])
    mine = chapter.peak_memory_mb()
    child = float(subprocess.run(
        [sys.executable, "-c", "from course_utils.chapter import peak_memory_mb; print(peak_memory_mb())"],
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


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, r"ch99/acc is None \(NoneType\); record\(\) takes a finite real number here"),
        (True, r"ch99/acc is True \(bool\)"),
        ([0.5, float("nan")], r"ch99/acc is \[0.5, nan\] \(list\)"),
        ("0.9", r"ch99/acc is '0.9' \(str\); record\(\) takes a finite real number here \(it has a unit, or the profile sets a range"),
    ],
)
def test_only_finite_real_numbers_are_recorded_where_a_number_is_meant(value, message, tmp_path):
    run = _run({"acc": [0.0, 1.0]})
    with pytest.raises(chapter.UnrecordableValue, match=message):
        run.record("acc", value)
    assert not (tmp_path / "results" / "ch99.json").exists()


def test_a_text_is_recorded_only_for_a_figure_without_a_range():
    import numpy as np

    run = _run()
    assert run.record("best_model", "lstm") == "lstm"
    assert run.record("count", np.int64(3)) == 3 and run.record("share", np.float32(0.5)) == 0.5
    with pytest.raises(chapter.UnrecordableValue, match=r"ch99/x is None \(NoneType\); record\(\) takes a finite real number or a text"):
        run.record("x", None)
    with pytest.raises(chapter.UnrecordableValue, match=r"ch99/v is an array of shape \(2,\); record one number"):
        run.record("v", np.array([1.0, 2.0]))
    with pytest.raises(ResultOutOfRange, match="ch99/inf is inf, not a finite number"):
        run.record("inf", np.float64("inf"))
    with pytest.raises(chapter.UnrecordableValue, match=r"ch99/seconds is '12' \(str\); .*it has a unit"):
        run.record("seconds", "12", unit="s")  # a unit means a number


def test_bad_files_in_the_results_folder_are_named_and_skipped(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "ch01.json").write_text('{"chapter": "ch01", "metrics": {"acc": {"value": 0.5}}}')
    (folder / "ch02.json").write_text('{"chapter": "ch02", "metr')
    (folder / "ch04.json").write_text("[1, 2]")
    (folder / "ch05.json").write_text('{"metrics": {"acc": 0.5}}')
    (folder / "notes.json").write_text("{}")
    with pytest.warns(ResultsFileWarning) as caught:
        loaded = load_results()
    assert list(loaded) == ["ch01"]
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 4
    assert messages[0].startswith(f"{folder / 'ch02.json'} is skipped: Unterminated string")
    assert messages[1] == f"{folder / 'ch04.json'} is skipped: expected a JSON object, found list"
    assert "ch05.json is skipped: expected \"metrics\" to map each name" in messages[2]
    assert messages[3] == f"{folder / 'notes.json'} is skipped: a chapter record is named chNN.json (e.g. ch02.json)"


@pytest.mark.parametrize("record, message", [
    ({"chapter": "ch03", "finished": "false", "metrics": {}}, '"finished" is \'false\', expected a bool'),
    ({"chapter": "ch03", "wall_time_s": "12 s", "metrics": {}}, '"wall_time_s" is \'12 s\', expected a int or float'),
    ({"chapter": "ch03", "metrics": {"acc": {"value": [0.5]}}}, 'metric "acc" has the value [0.5], expected a number'),
    ({"chapter": "ch03", "metrics": {"acc": {"value": 0.5, "expected": [0, "1"]}}}, 'metric "acc" has the range'),
])
def test_a_record_field_of_the_wrong_type_is_named_and_never_shown_as_a_result(tmp_path, record, message):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "ch03.json").write_text(json.dumps(record))
    with pytest.warns(ResultsFileWarning, match=re.escape(message)):
        assert load_results(folder) == {}


def test_a_results_folder_that_is_a_file_is_named(monkeypatch, tmp_path):
    (tmp_path / "results").write_text("not a folder")
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path / "results"))
    with pytest.raises(NotADirectoryError, match="is a file, but the chapters' records need a folder there"):
        paths.results_dir()


def test_the_published_targets_ignore_a_settings_file(monkeypatch, tmp_path):
    from course_utils.profiles import chapters
    from course_utils.results_page import chapter_targets

    key = next(key for key in chapters() if chapter_targets(key))
    before = chapter_targets(key)
    name = next(iter(before))
    settings = tmp_path / "s.toml"
    settings.write_text(f"[{key}.target]\n{name} = [-1234.5, 1234.5]\n")
    monkeypatch.setenv("COURSE_SETTINGS", str(settings))
    assert chapter_targets(key) == before and before[name] != (-1234.5, 1234.5)


def test_fixtures_are_used_in_the_smoke_profile_only_and_the_output_says_so(monkeypatch, capsys, fixture_dir, tmp_path):
    from course_utils import data
    from course_utils.data import DataError

    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(fixture_dir))
    from course_utils.profiles import chapter_settings

    assert chapter.fixtures_allowed("smoke", chapter_settings("ch02", "smoke"))
    assert not chapter.fixtures_allowed("quick", chapter_settings("ch02", "quick"))
    settings = tmp_path / "sizes.toml"
    settings.write_text("[ch02]\nmax_epochs = 1\n", encoding="utf-8")
    monkeypatch.setenv("COURSE_SETTINGS", str(settings))
    assert chapter.fixtures_allowed("full", chapter_settings("ch02", "full"))  # a test run with a settings file
    monkeypatch.delenv("COURSE_SETTINGS")
    assert not chapter.fixtures_allowed("quick", chapter_settings("ch02", "quick", {"max_epochs": 1}))  # a student's change
    run = chapter.start_chapter("ch02", "quick")
    assert "COURSE_DATA_FIXTURES は quick プロファイルでは使いません" in capsys.readouterr().out
    with pytest.raises(DataError, match="Could not get SST-2/dev.tsv"):
        data.fetch("sst2", "dev")  # the real file, which this test's empty cache does not have
    run = chapter.start_chapter("ch02", "smoke")
    assert "テスト用の合成データを使います" in capsys.readouterr().out
    assert data.fetch("sst2", "dev") == fixture_dir / "SST-2" / "dev.tsv"
    run.record("n", 1)
    saved = json.loads((tmp_path / "results" / "ch02.json").read_text())
    assert saved["data_sources"] == {"SST-2/dev.tsv": {"origin": "fixtures", "location": str(fixture_dir)}}
