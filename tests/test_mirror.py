"""The real course files in the data mirror: checksums and the documented row counts.

Runs only when COURSE_DATA_MIRROR names the mirror folder (CI sets it to ../shared/mirror).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from course_utils import data, loaders

pytestmark = pytest.mark.mirror


@pytest.fixture
def mirror(real_mirror, monkeypatch) -> Path:
    if real_mirror is None:
        pytest.skip("COURSE_DATA_MIRROR is not set to a folder")
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(real_mirror))
    return real_mirror


def test_every_mirrored_file_matches_its_checksum(mirror):
    sums = data.read_sha256sums(mirror / "SHA256SUMS")
    assert sums
    for rel, digest in sums.items():
        assert data.sha256sum(mirror / rel) == digest, rel


def test_registry_agrees_with_the_mirror(mirror):
    sums = data.read_sha256sums(mirror / "SHA256SUMS")
    for name in data.resources():
        res = data.get_resource(name)
        for entry in res.files.values():
            if res.mirrored:
                assert sums[entry.path] == entry.sha256, entry.path
                assert (mirror / entry.path).stat().st_size == entry.size
            else:
                assert entry.path not in sums


def test_sst2_row_counts(mirror):
    train, dev, test = (loaders.load_sst2(s) for s in ("train", "dev", "test"))
    assert (len(train), len(dev), len(test)) == (67_349, 872, 1_821)
    assert Counter(train["label"]) == {0: 29_780, 1: 37_569}
    assert Counter(dev["label"]) == {0: 428, 1: 444}
    assert train["sentence"][0] == "hide new secretions from the parental units "


def test_spam_row_counts(mirror):
    spam = loaders.load_spam()
    assert len(spam) == 5_572 and int(spam["label"].sum()) == 747


def test_emotion_matches_the_hub_dataset(mirror):
    ds = loaders.load_emotion()
    assert {k: v.num_rows for k, v in ds.items()} == {"train": 16_000, "validation": 2_000, "test": 2_000}
    # the same features as datasets.load_dataset("dair-ai/emotion") gives
    assert ds["train"].features == loaders.emotion_features()
    names = ds["train"].features["label"].names
    assert names == ["sadness", "joy", "love", "anger", "fear", "surprise"]
    counts = Counter(names[i] for i in ds["train"]["label"])
    assert counts == {"sadness": 4666, "joy": 5362, "love": 1304, "anger": 2159, "fear": 1937, "surprise": 572}
    val = Counter(names[i] for i in ds["validation"]["label"])
    assert [val[n] for n in names] == [550, 704, 178, 275, 212, 81]
    test = Counter(names[i] for i in ds["test"]["label"])
    assert [test[n] for n in names] == [581, 695, 159, 275, 224, 66]


def test_jawiki_paragraphs(mirror):
    paragraphs = loaders.load_jawiki_paragraphs()
    assert len(paragraphs) == 169_479
    assert paragraphs[0].startswith("雪舟（せっしゅう、1420年（応永27年） - 1506年（永正3年））は号で、")
