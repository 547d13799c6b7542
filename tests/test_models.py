"""Resolving Transformer models by name (course_utils.models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_utils import models
from course_utils.models import ModelNotAvailable


def test_offline_minilm_resolves_to_the_packaged_copy():
    path = models.resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    assert path.endswith("model")
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(path)
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (384, 6, 30522)


def test_local_folder_is_returned_as_it_is(tmp_path):
    (tmp_path / "config.json").write_text("{}")  # what save_pretrained writes first
    assert models.resolve_model(str(tmp_path)) == str(tmp_path)


def test_hub_name_online_is_passed_through(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert models.resolve_model("distilbert-base-uncased") == "distilbert-base-uncased"


def test_hub_name_offline_says_what_to_do(monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # an empty cache (huggingface_hub reads HF_HUB_CACHE once, when it is imported)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="'distilbert-base-uncased' is not in the local"):
        models.resolve_model("distilbert-base-uncased")


def test_a_folder_without_a_saved_model_does_not_shadow_the_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bert-base-uncased").mkdir()
    with pytest.raises(ModelNotAvailable, match="bert-base-uncased is a folder without config.json"):
        models.resolve_model("bert-base-uncased")


@pytest.mark.parametrize("name", ["./my-model", "~/no-such-model-folder", "{tmp}/missing", "{tmp}/model.bin", "a/b/c"])
def test_a_path_of_no_folder_is_not_taken_for_a_hub_name(tmp_path, name):
    (tmp_path / "model.bin").write_bytes(b"")  # a file, not a folder that save_pretrained wrote
    name = name.format(tmp=tmp_path)
    folder = Path(name).expanduser()
    with pytest.raises(ModelNotAvailable) as info:
        models.resolve_model(name)
    assert str(info.value) == (
        f"model {name!r} is not a Hugging Face Hub name and {folder} is no folder (it does not exist or is a "
        "file). The setting model_name takes a Hub name, 'name' or 'owner/name' (such as 'bert-base-uncased'; "
        "available offline: sentence-transformers/all-MiniLM-L6-v2), or the path of a folder that save_pretrained "
        "wrote (it holds config.json)."
    )
