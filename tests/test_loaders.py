"""Loaders on the synthetic fixture files (the real files are checked in test_mirror.py)."""

from __future__ import annotations

import pytest

from course_utils import loaders
from course_utils.data import DataError


def test_sst2_train_and_test_columns(use_fixtures):
    train = loaders.load_sst2("train")
    assert list(train.columns) == ["sentence", "label"]
    assert str(train["label"].dtype) == "int64" and set(train["label"]) == {0, 1}
    assert len(train) == 400
    test = loaders.load_sst2("test")
    assert list(test.columns) == ["index", "sentence"]


def test_sst2_unknown_split():
    with pytest.raises(ValueError, match="choose one of train, dev, test"):
        loaders.load_sst2("validation")


def test_spam_columns(use_fixtures):
    spam = loaders.load_spam()
    assert list(spam.columns) == ["label", "text"]
    assert set(spam["label"]) == {0, 1} and len(spam) == 300


def test_emotion_is_a_datasetdict_with_class_labels(use_fixtures):
    ds = loaders.load_emotion()
    assert list(ds) == ["train", "validation", "test"]
    assert ds["train"].features["label"].names == list(loaders.EMOTION_LABELS)
    assert ds["train"].num_rows == 360 and ds["validation"].num_rows == 72
    row = ds["train"][0]
    assert isinstance(row["text"], str) and 0 <= row["label"] < 6


def test_emotion_rejects_a_malformed_line(tmp_path, use_fixtures):
    bad = tmp_path / "bad.txt"
    bad.write_text("i feel fine;joy\nno label here\n")
    with pytest.raises(DataError, match="bad.txt:2: expected 'text;label'"):
        loaders._read_emotion_file(bad)


def test_emotion_offline_without_files_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="Hugging Face Hub could not be reached"):
        loaders.load_emotion()


def test_emotion_with_a_damaged_cached_file_is_reported_not_replaced_by_the_hub(monkeypatch, fixture_dir):
    from course_utils.data import ChecksumError, cache_dir

    cached = cache_dir() / "emotion" / "train.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text("i feel fine;joy\n")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ChecksumError, match="train.txt has"):
        loaders.load_emotion()


def test_jawiki_paragraphs(use_fixtures):
    paragraphs = loaders.load_jawiki_paragraphs()
    assert len(paragraphs) == 600
    assert all(p and "\n" not in p for p in paragraphs)
    assert "京都" in paragraphs[0] or "年" in paragraphs[0]
