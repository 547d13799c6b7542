"""Run profiles and the per-chapter settings."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
import torch

from course_utils import profiles
from course_utils.profiles import ProfileError
from notebook_runner import chapter_key, chapter_notebooks


def test_parameter_wins_over_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert profiles.resolve_profile("smoke") == "smoke"
    assert profiles.resolve_profile(None) == "full"


def test_auto_picks_by_hardware(monkeypatch):
    expected = "full" if torch.cuda.is_available() else "quick"
    assert profiles.resolve_profile() == expected
    monkeypatch.setenv("COURSE_PROFILE", "AUTO")
    assert profiles.resolve_profile() == expected
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.resolve_profile("auto") == "full"


def test_unknown_profile_says_how_to_choose(monkeypatch):
    with pytest.raises(ProfileError, match="unknown profile 'fast'.*smoke, quick, full"):
        profiles.resolve_profile("fast")
    monkeypatch.setenv("COURSE_PROFILE", "tiny")
    with pytest.raises(ProfileError, match="COURSE_PROFILE"):
        profiles.resolve_profile()


def test_every_chapter_defines_every_profile():
    assert profiles.chapters() == [chapter_key(path) for path in chapter_notebooks()]
    for chapter in profiles.chapters():
        for profile in profiles.PROFILES:
            cfg = profiles.chapter_settings(chapter, profile)
            assert isinstance(cfg["seed"], int)
            for table in ("expect", "target"):
                for name, bounds in cfg.get(table, {}).items():
                    assert len(bounds) == 2, (chapter, profile, name)
                    named = [b for b in bounds if isinstance(b, str)]
                    # a bound may name another figure, in an expect range only
                    assert not named or (table == "expect" and name not in named), (chapter, profile, name)
                    if not named:
                        assert bounds[0] <= bounds[1], (chapter, profile, name)


def test_every_profile_of_a_chapter_has_the_same_settings_and_repeats_no_shared_value():
    raw = tomllib.loads(resources.files("course_utils").joinpath("profiles.toml").read_text(encoding="utf-8"))
    for chapter in profiles.chapters():
        names = {profile: set(profiles.chapter_settings(chapter, profile)) - set(profiles.RANGE_TABLES)
                 for profile in profiles.PROFILES}
        assert names["smoke"] == names["quick"] == names["full"], (chapter, names)
        shared = {k: v for k, v in raw[chapter].items() if k not in profiles.PROFILES}
        for profile in profiles.PROFILES:
            repeated = {k for k, v in raw[chapter][profile].items() if shared.get(k, object()) == v}
            assert not repeated, f"[{chapter}.{profile}] repeats the shared value of {sorted(repeated)}"


def _profiles_from(tmp_path, monkeypatch, text):
    (tmp_path / "profiles.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(profiles.resources, "files", lambda package: tmp_path)
    profiles._raw.cache_clear()
    profiles._table.cache_clear()


def test_a_profile_overrides_the_shared_settings(tmp_path, monkeypatch):
    try:
        _profiles_from(tmp_path, monkeypatch, "[ch01]\nseed = 1\nepochs = 3\n[ch01.smoke]\nepochs = 1\n"
                                              "[ch01.smoke.expect]\nloss = [0, 1]\n[ch01.quick]\n[ch01.full]\n")
        smoke, quick = (profiles.chapter_settings("ch01", p) for p in ("smoke", "quick"))
        assert (smoke.seed, smoke.epochs, smoke.expect) == (1, 1, {"loss": [0, 1]})
        assert (quick.seed, quick.epochs, quick.get("expect")) == (1, 3, None)
        _profiles_from(tmp_path, monkeypatch, "[ch01]\nseed = 1\n[ch01.expect]\nloss = [0, 1]\n")
        with pytest.raises(ProfileError, match=r"\[ch01.expect\] is not a profile.*\[ch01.<profile>.expect\]"):
            profiles.chapters()
    finally:
        monkeypatch.undo()
        profiles._raw.cache_clear()
        profiles._table.cache_clear()


def test_settings_are_read_only_and_name_what_exists():
    cfg = profiles.chapter_settings("ch01", "smoke")
    assert cfg.seed == cfg["seed"]
    with pytest.raises(ProfileError, match="has no setting 'nope'.*it defines: .*seed"):
        cfg.nope
    with pytest.raises(TypeError):
        cfg["seed"] = 3  # type: ignore[index]


def test_unknown_chapter_or_profile():
    with pytest.raises(ProfileError, match="unknown chapter 'ch99'"):
        profiles.chapter_settings("ch99", "quick")
    with pytest.raises(ProfileError, match="unknown profile 'auto'"):
        profiles.chapter_settings("ch01", "auto")


@pytest.mark.parametrize("value", [123, 1.5, True, ["quick"]])
def test_a_profile_that_is_not_a_string_is_named(value):
    with pytest.raises(ProfileError, match=rf"the profile must be a name such as 'quick', not {value!r}".replace("[", r"\[")):
        profiles.resolve_profile(value)


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "profiles.toml").write_text('[ch01.smoke]\nseed = 0\nepochs 3\n', encoding="utf-8")
    monkeypatch.setattr(profiles.resources, "files", lambda package: tmp_path)
    profiles._raw.cache_clear()
    profiles._table.cache_clear()
    try:
        with pytest.raises(ProfileError, match=rf"{tmp_path / 'profiles.toml'} is not valid TOML: .*\(at line 3, column 8\)"):
            profiles.chapters()
    finally:
        monkeypatch.undo()
        profiles._raw.cache_clear()
        profiles._table.cache_clear()
    assert "ch01" in profiles.chapters()


@pytest.mark.parametrize("text, message", [
    ('[ch01.quick.expect]\nloss = [1.0, 0.5]\n', r"profiles.toml \[ch01.quick\] expect.loss must be a range \[low, high\]"),
    ('[ch01.quick.expect]\nloss = [0.0, "0.5"]\n', r"expect.loss has the bound '0.5' in quotes: write a number without quotes"),
    ('[ch01.quick]\nepochs = 0\n', r"profiles.toml \[ch01.quick\] epochs = 0: epochs takes values from 1 to 1000"),
])
def test_a_mistake_in_the_profiles_is_named_where_it_is(tmp_path, monkeypatch, text, message):
    (tmp_path / "profiles.toml").write_text('[limits]\n"*epochs" = [1, 1000]\n' + text, encoding="utf-8")
    monkeypatch.setattr(profiles.resources, "files", lambda package: tmp_path)
    profiles._raw.cache_clear()
    profiles._table.cache_clear()
    try:
        with pytest.raises(ProfileError, match=message):
            profiles.chapters()
    finally:
        monkeypatch.undo()
        profiles._raw.cache_clear()
        profiles._table.cache_clear()
    assert "ch01" in profiles.chapters()


def _settings_file(tmp_path, text):
    path = tmp_path / "my-course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_settings_file_is_merged_over_the_profile(tmp_path, monkeypatch):
    path = _settings_file(tmp_path, """
[ch03]
epochs = 3
lr = 1            # an int where the setting is a float
[ch03.expect]
test_ppl_rnn = [1.0, 50.0]
[ch02]
cnn_widths = [2, 3]
""")
    full = profiles.chapter_settings("ch03", "full")
    monkeypatch.setenv("COURSE_SETTINGS", str(path))
    cfg = profiles.chapter_settings("ch03", "full")
    assert (cfg.epochs, cfg.lr, cfg.hidden_dim) == (3, 1.0, full.hidden_dim)
    assert isinstance(cfg.lr, float)
    assert cfg.expect["test_ppl_rnn"] == [1.0, 50.0]
    assert cfg.expect["test_ppl_lstm"] == full.expect["test_ppl_lstm"]  # the other ranges stay
    assert cfg.overrides == {"epochs": 3, "lr": 1, "expect": {"test_ppl_rnn": [1.0, 50.0]}}
    assert cfg.overrides_file == path and full.overrides == {} and full.overrides_file is None
    assert profiles.chapter_settings("ch02", "quick").cnn_widths == [2, 3]


def test_the_notebooks_changes_go_through_the_same_merge(tmp_path, monkeypatch):
    cfg = profiles.chapter_settings("ch03", "quick", {"epochs": 2, "lr": 1})
    assert (cfg.epochs, cfg.lr) == (2, 1.0) and isinstance(cfg.lr, float)
    assert cfg.overrides == {"epochs": 2, "lr": 1} and cfg.overrides_file is None
    monkeypatch.setenv("COURSE_SETTINGS", str(_settings_file(tmp_path, "[ch03]\nepochs = 3\nhidden_dim = 64\n")))
    cfg = profiles.chapter_settings("ch03", "quick", {"epochs": 2})
    assert (cfg.epochs, cfg.hidden_dim) == (2, 64)  # the notebook's changes come last


@pytest.mark.parametrize("changes, message", [
    ({"epoch": 1}, r"changes \(the notebook's parameters cell\): epoch: the chapter has no setting 'epoch'"),
    ({"epochs": "2"}, r"changes .*epochs = '2' is a str; the setting takes a int"),
    ({"expect": {"nothing": [0, 1]}}, r"changes .*names figures the chapter gives no range: nothing"),
    ({1: 2}, r"a setting's name is a text"),
    ([("epochs", 2)], r"changes must be a dict of settings"),
    ("epochs=2", r"changes must be a dict of settings"),
    ({"epochs": 10**12}, r"changes .*epochs = 1000000000000: epochs takes values from 1 to 1000"),
    ({"seed": -1}, r"changes .*seed = -1: seed takes values from 0 to 4294967295"),
    ({"lr": float("inf")}, r"changes .*lr = inf is not a finite number"),
])
def test_a_bad_change_in_the_notebook_says_where_and_what(changes, message):
    with pytest.raises(profiles.SettingsFileError, match=message):
        profiles.chapter_settings("ch03", "quick", changes)


@pytest.mark.parametrize("text, message", [
    ("[ch09]\nepochs = 1\n", r"\[ch09\] is not a chapter"),
    ("[ch03]\nepoch = 1\n", r"\[ch03\] epoch: the chapter has no setting 'epoch'; it defines: .*epochs"),
    ("[ch03]\nepochs = 1.5\n", r"\[ch03\] epochs = 1.5 is a float; the setting takes a int like 10"),
    ("[ch03]\nepochs = \"2\"\n", r"\[ch03\] epochs = '2' is a str"),
    ("[ch02]\ncnn_widths = [2, \"x\"]\n", r"\[ch02\] cnn_widths"),
    ("[ch03]\nepochs = true\n", r"\[ch03\] epochs = True is a bool"),
    ("[ch03.expect]\nno_such_figure = [0, 1]\n", r"\[ch03\] expect names figures the chapter gives no range: no_such_figure"),
    ("[ch03.expect]\ntest_ppl_rnn = [5, 1]\n", r"test_ppl_rnn must be a range \[low, high\]"),
    ("[ch03.target]\ntest_ppl_rnn = [1, \"test_ppl_bigram\"]\n", r"test_ppl_rnn must be a range \[low, high\] of finite numbers"),
    ("[ch03.expect]\ntest_ppl_rnn = [1, \"test_ppl_bigramm\"]\n", r"test_ppl_rnn names 'test_ppl_bigramm', which is no figure"),
    ("[ch03.expect]\ntest_ppl_rnn = [1, nan]\n", r"test_ppl_rnn must be a range \[low, high\] of finite numbers"),
    ("[ch03]\nlr = nan\n", r"\[ch03\] lr = nan is not a finite number"),
    ("[ch03]\nlr = inf\n", r"\[ch03\] lr = inf is not a finite number"),
    ("[ch03]\nepochs = -1\n", r"\[ch03\] epochs = -1: epochs takes values from 1 to 1000"),
    ("[ch02]\ntrain_size = -5\n", r"\[ch02\] train_size = -5: train_size takes values from 0 to"),
    ("[ch02]\ncnn_widths = [0, 3]\n", r"\[ch02\] cnn_widths = \[0, 3\]: cnn_widths takes values from 1 to 64"),
    ("[ch03\nepochs = 1\n", r"is not valid TOML"),
])
def test_a_bad_settings_file_names_the_file_and_the_key(tmp_path, monkeypatch, text, message):
    path = _settings_file(tmp_path, text)
    monkeypatch.setenv("COURSE_SETTINGS", str(path))
    with pytest.raises(profiles.SettingsFileError, match=message) as error:
        profiles.chapter_settings("ch03" if "ch02" not in text else "ch02", "full")
    assert str(path) in str(error.value)


def test_a_missing_settings_file_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SETTINGS", str(tmp_path / "missing.toml"))
    with pytest.raises(profiles.SettingsFileError, match=r"missing.toml \(named by COURSE_SETTINGS\) does not exist.*unset COURSE_SETTINGS"):
        profiles.chapter_settings("ch01", "quick")


def test_a_settings_file_that_is_a_folder_is_named_as_one(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SETTINGS", str(tmp_path))
    with pytest.raises(profiles.SettingsFileError, match=r"\(named by COURSE_SETTINGS\) is a folder; name a TOML file"):
        profiles.chapter_settings("ch01", "quick")


def test_every_numeric_setting_has_limits_that_its_values_keep():
    for chapter in profiles.chapters():
        for profile in profiles.PROFILES:
            for key, value in profiles.chapter_settings(chapter, profile).items():
                if key in profiles.RANGE_TABLES or isinstance(value, (str, bool)):
                    continue
                bounds = profiles.limit(key)
                assert bounds is not None, f"[limits] of profiles.toml has no pattern for {chapter} {key}"
                assert all(bounds[0] <= v <= bounds[1] for v in (value if isinstance(value, list) else [value])), (
                    f"{chapter}.{profile} {key} = {value!r} is outside its limits {bounds}")


def test_the_readme_example_settings_file_applies(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("COURSE_SETTINGS", str(_settings_file(tmp_path, example)))
    assert profiles.chapter_settings("ch03", "full").epochs == 4
    assert profiles.chapter_settings("ch02", "full").train_size == 20000
    assert profiles.chapter_settings("ch04", "quick").model_name == "/content/my-distilbert"
