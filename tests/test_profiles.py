"""Run profiles and the per-chapter settings."""

from __future__ import annotations

import pytest
import torch

from course_utils import profiles
from course_utils.profiles import ProfileError


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
    assert profiles.chapters() == ["ch01", "ch02", "ch03", "ch04", "ch05"]
    for chapter in profiles.chapters():
        for profile in profiles.PROFILES:
            cfg = profiles.chapter_settings(chapter, profile)
            assert isinstance(cfg["seed"], int)
            ranges = [*cfg.get("expect", {}).items(), *cfg.get("target", {}).items()]
            for name, bounds in ranges:
                assert len(bounds) == 2 and bounds[0] <= bounds[1], (chapter, profile, name)


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
    profiles._table.cache_clear()
    try:
        with pytest.raises(ProfileError, match=rf"{tmp_path / 'profiles.toml'} is not valid TOML: .*\(at line 3, column 8\)"):
            profiles.chapters()
    finally:
        monkeypatch.undo()
        profiles._table.cache_clear()
    assert "ch01" in profiles.chapters()
