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
    from course_utils.data import ChecksumError
    from course_utils.paths import cache_dir

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


def _fixture_files(tmp_path, monkeypatch, files: dict[str, bytes]):
    """A fixtures folder holding ``files`` (relative path -> bytes), served by fetch()."""
    import hashlib

    from course_utils import data

    root = tmp_path / "bad-fixtures"
    sums = []
    for rel, blob in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(blob)
        sums.append(f"{hashlib.sha256(blob).hexdigest()}  {rel}\n")
    (root / "SHA256SUMS").write_text("".join(sums))
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(root))
    data.allow_fixtures(True)
    return root


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"sentence\tlabel\ngood film\t1\nbad\tfilm\t0\n", r"train.tsv: Error tokenizing data. C error: Expected 2 fields in line 3, saw 3; expected a header 'sentence<TAB>label'"),
        (b"sentence\tlabel\ngood film\t1\nbad film\tpositive\n", r"train.tsv:3: label 'positive'; expected a header 'sentence<TAB>label', then one tab-separated row a line with the label 0 or 1"),
        (b"", r"train.tsv is empty; expected a header 'sentence<TAB>label'"),
        (b"sentence\tlabel\n", r"train.tsv:1: found no rows; expected"),
        (b"text\tlabel\ngood\t1\n", r"train.tsv:1: found the columns \['text', 'label'\]; expected a header 'sentence<TAB>label'"),
        (b"sentence\tlabel\ngood film\t1\ncaf\xe9 film\t0\n", r"train.tsv:3: not UTF-8 text; expected a header"),
    ],
)
def test_a_malformed_sst2_file_is_named_with_the_line_and_what_was_expected(tmp_path, monkeypatch, content, message):
    root = _fixture_files(tmp_path, monkeypatch, {"SST-2/train.tsv": content})
    with pytest.raises(DataError, match=f"^{root / 'SST-2'}/{message}"):
        loaders.load_sst2("train")


def test_a_malformed_spam_file_is_named(tmp_path, monkeypatch):
    root = _fixture_files(tmp_path, monkeypatch, {"spam/spamdata_v2.csv": b"label,text\n0,hi\nspam,win now\n"})
    with pytest.raises(DataError, match=f"^{root}/spam/spamdata_v2.csv:3: label 'spam'; expected a header 'label,text'"):
        loaders.load_spam()


def test_emotion_and_jawiki_files_that_are_empty_or_not_utf8_are_named(tmp_path, monkeypatch):
    root = _fixture_files(tmp_path, monkeypatch, {
        "emotion/train.txt": b"i feel fine;joy\ni feel caf\xe9;joy\n",
        "emotion/val.txt": b"",
        "jawiki/jawiki_kyoto_paragraphs.txt": b"\n\n",
    })
    with pytest.raises(DataError, match=f"^{root}/emotion/train.txt:2: not UTF-8 text; expected 'text;label'"):
        loaders._read_emotion_file(root / "emotion" / "train.txt")
    with pytest.raises(DataError, match=f"^{root}/emotion/val.txt is empty; expected lines 'text;label'"):
        loaders._read_emotion_file(root / "emotion" / "val.txt")
    with pytest.raises(DataError, match=f"^{root}/jawiki/jawiki_kyoto_paragraphs.txt has no paragraphs; expected one paragraph a line"):
        loaders.load_jawiki_paragraphs()
    _fixture_files(tmp_path, monkeypatch, {"jawiki/jawiki_kyoto_paragraphs.txt": "京都\n".encode("shift_jis")})
    with pytest.raises(DataError, match="jawiki_kyoto_paragraphs.txt:1: not UTF-8 text; expected one paragraph a line"):
        loaders.load_jawiki_paragraphs()


def test_emotion_from_the_hub_is_noted_as_its_source(monkeypatch):
    import datasets

    from course_utils import data

    monkeypatch.setattr(datasets, "load_dataset", lambda name: f"the Hub's {name}")
    assert loaders.load_emotion() == "the Hub's dair-ai/emotion"
    hub = {"origin": "upstream", "location": "https://huggingface.co/datasets/dair-ai/emotion"}
    assert data.sources_used() == {"emotion/train.txt": hub, "emotion/val.txt": hub, "emotion/test.txt": hub}
