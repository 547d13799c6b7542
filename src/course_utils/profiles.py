"""Run profiles: one place for every chapter's settings per profile (used by all chapters).

- ``smoke``: tests; tiny inputs, runs in seconds.
- ``quick``: a CPU; the real data, small models, minutes.
- ``full``: a GPU; the reference models and settings.
- ``auto``: ``full`` when the chapter will run on CUDA (see :func:`course_utils.device.get_device`,
  which ``COURSE_DEVICE`` overrides), else ``quick``.

The profile comes from the notebook's papermill parameter ``profile`` when it is set, else from
the ``COURSE_PROFILE`` environment variable, else ``auto``. The settings live in
``profiles.toml`` beside this module, one table per chapter and profile.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

PROFILES = ("smoke", "quick", "full")
ENV_PROFILE = "COURSE_PROFILE"


class ProfileError(ValueError):
    """An unknown profile or chapter name, or a setting the chapter does not define."""


class Settings(Mapping[str, Any]):
    """Read-only settings of one chapter in one profile, readable as ``cfg.name`` or ``cfg['name']``."""

    def __init__(self, chapter: str, profile: str, values: Mapping[str, Any]) -> None:
        self.chapter = chapter
        self.profile = profile
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise ProfileError(
                f"chapter {self.chapter!r} has no setting {key!r} in profile {self.profile!r}; "
                f"it defines: {', '.join(sorted(self._values))}"
            ) from None

    def get(self, key: str, default: Any = None) -> Any:
        """The setting ``key``, or ``default`` where the chapter does not define it."""
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
def _table() -> dict[str, Any]:
    source = resources.files("course_utils").joinpath("profiles.toml")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message gives the line and column
        raise ProfileError(f"{source} is not valid TOML: {exc}") from None


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
        from course_utils.device import get_device

        return "full" if get_device(announce=False).type == "cuda" else "quick"
    if name not in PROFILES:
        raise ProfileError(
            f"unknown profile {name!r}; choose one of {', '.join(PROFILES)} or 'auto' "
            f"(set the notebook parameter 'profile' or the {ENV_PROFILE} environment variable)"
        )
    return name


def chapter_settings(chapter: str, profile: str) -> Settings:
    """The settings of ``chapter`` (e.g. ``'ch02'``) in ``profile`` (a resolved name)."""
    if profile not in PROFILES:
        raise ProfileError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    table = _table()
    if chapter not in table:
        raise ProfileError(f"unknown chapter {chapter!r}; known: {', '.join(chapters())}")
    if profile not in table[chapter]:
        raise ProfileError(f"chapter {chapter!r} defines no settings for profile {profile!r}")
    return Settings(chapter, profile, table[chapter][profile])
