"""Run profiles (``smoke``, ``quick``, ``full``; ``auto``: ``full`` where the chapter runs on CUDA, else ``quick``)
and every chapter's settings per profile, from ``profiles.toml``; CONTRIBUTING.md explains both."""

from __future__ import annotations

import fnmatch
import math
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
def _raw() -> dict[str, Any]:
    """profiles.toml as parsed, read once."""
    source = resources.files("course_utils").joinpath("profiles.toml")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message gives the line and column
        raise ProfileError(f"{source} is not valid TOML: {exc}") from None


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    """``{chapter: {profile: settings}}``, each profile's own settings merged over the shared ``[chNN]``."""
    settings = {}
    for chapter, table in _raw().items():
        if chapter == "limits":
            continue
        shared = {key: value for key, value in table.items() if key not in PROFILES}
        nested = [key for key, value in shared.items() if isinstance(value, dict)]
        if nested:
            raise ProfileError(
                f"profiles.toml: [{chapter}.{nested[0]}] is not a profile; ranges belong to a profile "
                f"([{chapter}.<profile>.{nested[0]}], profile one of {', '.join(PROFILES)})"
            )
        settings[chapter] = {profile: {**shared, **values} for profile, values in table.items() if profile in PROFILES}
        names = _bound_names(settings[chapter])
        for profile, values in settings[chapter].items():
            for key, value in values.items():
                where = f"profiles.toml [{chapter}.{profile}] {key}"
                for name, bounds in (value.items() if key in RANGE_TABLES else []):
                    _checked_range(f"{where}.{name}", bounds, names if key == "expect" else None)
                if key not in RANGE_TABLES:
                    _check_limit(where, key, value)
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
    if path.is_dir():
        raise SettingsFileError(f"settings file {path} (named by {ENV_SETTINGS}) is a folder; name a TOML file")
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


def _range_names(profiles: dict[str, dict[str, Any]]) -> set[str]:
    """Every figure that one of a chapter's ``profiles`` gives a range or target."""
    return {name for profile in profiles.values() for table in RANGE_TABLES for name in profile.get(table, {})}


def _bound_names(profiles: dict[str, dict[str, Any]]) -> set[str]:
    """The figures a bound of ``expect`` may name: those with a range, and those a profile's bounds name."""
    named = {bound for profile in profiles.values() for bounds in profile.get("expect", {}).values()
             for bound in bounds if isinstance(bound, str)}
    return _range_names(profiles) | named


def _checked_range(where: str, value: Any, names: set[str] | None) -> list[Any]:
    """``value`` if it is a range [low, high] of finite numbers (or, with ``names``, of those figures' names)."""
    bound_types = (int, float, str) if names is not None else (int, float)
    bounds_ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, bound_types) and not isinstance(v, bool) and (not isinstance(v, float) or math.isfinite(v))
        for v in value)
    if not bounds_ok or (all(isinstance(v, (int, float)) for v in value) and value[0] > value[1]):
        kind = "finite numbers or names of recorded figures" if names is not None else "finite numbers"
        raise SettingsFileError(f"{where} must be a range [low, high] of {kind}, low ≤ high, not {value!r}")
    quoted = [v for v in value if isinstance(v, str) and v.strip().lstrip("+-").replace(".", "", 1).isdigit()]
    if quoted:
        raise SettingsFileError(f"{where} has the bound {quoted[0]!r} in quotes: write a number without quotes")
    unknown = [v for v in value if isinstance(v, str) and v not in names]
    if unknown:
        raise SettingsFileError(f"{where} names {unknown[0]!r}, which is no figure of the chapter; "
                                f"known: {', '.join(sorted(names))}")
    return value


def limit(key: str) -> list[float] | None:
    """The [low, high] that the setting ``key`` (or each item of it) must lie in (``[limits]`` of profiles.toml, the
    first name pattern that matches); None for a text."""
    return next((bounds for pattern, bounds in _raw().get("limits", {}).items() if fnmatch.fnmatchcase(key, pattern)), None)


def _check_limit(where: str, key: str, value: Any) -> None:
    """Raise :class:`SettingsFileError` unless every number of ``value`` is finite and within ``limit(key)``."""
    bounds = limit(key)
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if not math.isfinite(item):
            raise SettingsFileError(f"{where} = {value!r} is not a finite number")
        if bounds is not None and not bounds[0] <= item <= bounds[1]:
            raise SettingsFileError(f"{where} = {value!r}: {key} takes values from {bounds[0]} to {bounds[1]}")


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
            known = _range_names(_table()[chapter])
            unknown = sorted(set(value) - known)
            if unknown:
                raise SettingsFileError(f"{where} names figures the chapter gives no range: {', '.join(unknown)}; "
                                        f"known: {', '.join(sorted(known))}")
            names = _bound_names(_table()[chapter]) if key == "expect" else None
            merged[key] = {**base.get(key, {}), **{
                name: _checked_range(f"{where}.{name}", bounds, names) for name, bounds in value.items()
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
            _check_limit(where, key, value)
            merged[key] = float(value) if isinstance(base[key], float) else value
    return merged


def chapter_settings(chapter: str, profile: str, changes: Mapping[str, Any] | None = None,
                     use_settings_file: bool = True) -> Settings:
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
    path, from_file = _file_changes(chapter) if use_settings_file else (None, {})
    values = _merge(chapter, table[chapter][profile], from_file, f"{path}: [{chapter}]")
    values = _merge(chapter, values, changes or {}, "changes (the notebook's parameters cell):")
    return Settings(chapter, profile, values, {**from_file, **(changes or {})}, path)
