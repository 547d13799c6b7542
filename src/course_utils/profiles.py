"""Run profiles (``smoke``, ``quick``, ``full``; ``auto``: ``full`` where the chapter runs on CUDA, else ``quick``)
and every chapter's settings per profile, from ``profiles.toml``; CONTRIBUTING.md explains both."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from course_utils.device import get_device

PROFILES = ("smoke", "quick", "full")
ENV_PROFILE = "COURSE_PROFILE"
ENV_SETTINGS = "COURSE_SETTINGS"
RANGE_TABLES = ("expect", "target")


class ProfileError(ValueError):
    """An unknown profile or chapter name, or a setting the chapter does not define."""


class SettingsFileError(ProfileError):
    """A change (``COURSE_SETTINGS`` or the notebook's ``changes``) that cannot be applied."""


class Settings(Mapping[str, Any]):
    """Read-only settings of one chapter in one profile, readable as ``cfg.name`` or ``cfg['name']``."""

    def __init__(self, chapter: str, profile: str, values: Mapping[str, Any],
                 overrides: Mapping[str, Any] | None = None, overrides_file: Path | None = None) -> None:
        self.chapter = chapter
        self.profile = profile
        self._values = dict(values)
        self.overrides = dict(overrides or {})
        self.overrides_file = overrides_file

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise ProfileError(
                f"chapter {self.chapter!r} has no setting {key!r} in profile {self.profile!r}; "
                f"it defines: {', '.join(sorted(self._values))}"
            ) from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({self.chapter!r}, {self.profile!r}, {self._values!r})"


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    """``{chapter: {profile: settings}}``, each profile's own settings merged over the shared ``[chNN]``."""
    source = resources.files("course_utils").joinpath("profiles.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message gives the line and column
        raise ProfileError(f"{source} is not valid TOML: {exc}") from None
    settings = {}
    for chapter, table in raw.items():
        shared = {key: value for key, value in table.items() if key not in PROFILES}
        nested = [key for key, value in shared.items() if isinstance(value, dict)]
        if nested:
            raise ProfileError(
                f"profiles.toml: [{chapter}.{nested[0]}] is not a profile; ranges belong to a profile "
                f"([{chapter}.<profile>.{nested[0]}], profile one of {', '.join(PROFILES)})"
            )
        settings[chapter] = {profile: {**shared, **values} for profile, values in table.items() if profile in PROFILES}
    return settings


def chapters() -> list[str]:
    """The chapter keys that have settings (``ch01`` ...)."""
    return sorted(_table())


def resolve_profile(requested: str | None = None) -> str:
    """The profile to run: ``requested`` if given, else ``COURSE_PROFILE``, else ``auto``."""
    if requested is not None and not isinstance(requested, str):
        raise ProfileError(
            f"the profile must be a name such as 'quick', not {requested!r} ({type(requested).__name__}); "
            "set the notebook parameter as profile = \"quick\" (or papermill -p profile quick)"
        )
    name = (requested or os.environ.get(ENV_PROFILE) or "auto").strip().lower()
    if name == "auto":
        return "full" if get_device(announce=False).type == "cuda" else "quick"
    if name not in PROFILES:
        raise ProfileError(
            f"unknown profile {name!r}; choose one of {', '.join(PROFILES)} or 'auto' "
            f"(set the notebook parameter 'profile' or the {ENV_PROFILE} environment variable)"
        )
    return name


def _file_changes(chapter: str) -> tuple[Path | None, dict[str, Any]]:
    """The settings file that ``COURSE_SETTINGS`` names (or None) and its ``[chapter]`` table, checked for
    syntax and chapter names."""
    value = os.environ.get(ENV_SETTINGS, "")
    if not value.strip():
        return None, {}
    path = Path(value).expanduser()
    if not path.is_file():
        raise SettingsFileError(
            f"settings file {path} (named by {ENV_SETTINGS}) does not exist; create it, or unset "
            f"{ENV_SETTINGS} to run with the profile's settings"
        )
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsFileError(f"{path} is not valid TOML: {error}") from None
    for name, values in table.items():
        if name not in _table():
            raise SettingsFileError(f"{path}: [{name}] is not a chapter; known: {', '.join(chapters())}")
        if not isinstance(values, dict):
            raise SettingsFileError(f"{path}: '{name}' must be a table [{name}] of settings")
    return path, table.get(chapter, {})


def _same_type(new: Any, old: Any) -> bool:
    """Whether ``new`` may replace ``old``: an int may replace a float; bools only replace bools."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, float):
        return isinstance(new, (int, float))
    if isinstance(old, list):
        return isinstance(new, list) and bool(new) and all(_same_type(item, old[0]) for item in new)
    return type(new) is type(old)


def _range_names(chapter: str) -> set[str]:
    """Every figure that some profile of ``chapter`` gives a range or target."""
    return {name for profile in _table()[chapter].values() for table in RANGE_TABLES for name in profile.get(table, {})}


def _checked_range(where: str, value: Any, names_allowed: bool) -> list[Any]:
    bound_types = (int, float, str) if names_allowed else (int, float)
    bounds_ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, bound_types) and not isinstance(v, bool) for v in value)
    if not bounds_ok or (all(isinstance(v, (int, float)) for v in value) and value[0] > value[1]):
        kind = "numbers or names of recorded figures" if names_allowed else "numbers"
        raise SettingsFileError(f"{where} must be a range [low, high] of {kind}, not {value!r}")
    return value


def _merge(chapter: str, base: dict[str, Any], new: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``base`` with the changes ``new`` merged in; every error names ``source``, where they came from."""
    merged = dict(base)
    for key, value in new.items():
        if not isinstance(key, str):
            raise SettingsFileError(f"{source}: a setting's name is a text such as 'epochs', not {key!r}")
        where = f"{source} {key}"
        if key in RANGE_TABLES:
            if not isinstance(value, dict):
                raise SettingsFileError(f"{where} must be a table of ranges {{name: [low, high]}}")
            unknown = sorted(set(value) - _range_names(chapter))
            if unknown:
                raise SettingsFileError(
                    f"{where} names figures the chapter gives no range: {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(_range_names(chapter)))}"
                )
            merged[key] = {**base.get(key, {}), **{
                name: _checked_range(f"{where}.{name}", bounds, key == "expect")
                for name, bounds in value.items()
            }}
        elif key not in base:
            known = ", ".join(sorted(k for k in base if k not in RANGE_TABLES))
            raise SettingsFileError(f"{where}: the chapter has no setting {key!r}; it defines: {known}")
        elif not _same_type(value, base[key]):
            raise SettingsFileError(
                f"{where} = {value!r} is a {type(value).__name__}; the setting takes a "
                f"{type(base[key]).__name__} like {base[key]!r}"
            )
        else:
            merged[key] = float(value) if isinstance(base[key], float) else value
    return merged


def chapter_settings(chapter: str, profile: str, changes: Mapping[str, Any] | None = None) -> Settings:
    """The settings of ``chapter`` in ``profile`` (a resolved name), with the changes of the
    ``COURSE_SETTINGS`` file and then ``changes`` (the notebook's, e.g. ``{"epochs": 2}``) merged over them."""
    if profile not in PROFILES:
        raise ProfileError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    table = _table()
    if chapter not in table:
        raise ProfileError(f"unknown chapter {chapter!r}; known: {', '.join(chapters())}")
    if profile not in table[chapter]:
        raise ProfileError(f"chapter {chapter!r} defines no settings for profile {profile!r}")
    if changes is not None and not isinstance(changes, Mapping):
        raise SettingsFileError(
            f"changes must be a dict of settings such as {{\"epochs\": 2}}, not {changes!r} "
            f"({type(changes).__name__}); write it in the notebook's parameters cell"
        )
    path, from_file = _file_changes(chapter)
    values = _merge(chapter, table[chapter][profile], from_file, f"{path}: [{chapter}]")
    values = _merge(chapter, values, changes or {}, "changes (the notebook's parameters cell):")
    return Settings(chapter, profile, values, {**from_file, **(changes or {})}, path)
