"""Loaders that turn the registered files into Python, pandas and ``datasets`` objects.

- :func:`load_sst2` — chapter 2 (SST-2 sentiment).
- :func:`load_emotion` — chapter 3 (emotion, as a ``datasets.DatasetDict``).
- :func:`load_spam` — chapter 4 (SMS spam).
- :func:`load_jawiki_paragraphs` — chapter 5 (Japanese Wikipedia paragraphs).
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import pandas as pd

from course_utils.data import ChecksumError, DataError, fetch, get_file

if TYPE_CHECKING:
    from datasets import DatasetDict, Features

EMOTION_LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise")
EMOTION_HUB_NAME = "dair-ai/emotion"
SST2_SPLITS = ("train", "dev", "test")


def load_sst2(split: str) -> pd.DataFrame:
    """SST-2 ``split`` ('train', 'dev' or 'test') as a DataFrame.

    train/dev have columns ``sentence`` (str) and ``label`` (int, 1 = positive); test has
    ``index`` and ``sentence`` (no labels). Quotes in the text are kept as they are.
    """
    if split not in SST2_SPLITS:
        raise ValueError(f"unknown SST-2 split {split!r}; choose one of {', '.join(SST2_SPLITS)}")
    path = fetch("sst2", split)
    df = pd.read_csv(
        path, sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False, dtype={"sentence": str}
    )
    if "label" in df.columns:
        df["label"] = df["label"].astype("int64")
    return df


def load_spam() -> pd.DataFrame:
    """The SMS spam collection (``spamdata_v2.csv``): columns ``label`` (1 = spam) and ``text``."""
    df = pd.read_csv(fetch("sms_spam", "all"), keep_default_na=False, dtype={"text": str})
    df["label"] = df["label"].astype("int64")
    return df[["label", "text"]]


def _read_emotion_file(path) -> dict[str, list]:
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            text, sep, label = line.rstrip("\n").rpartition(";")
            if not sep or label not in EMOTION_LABELS:
                raise DataError(f"{path}:{number}: expected 'text;label', got {line[:80]!r}")
            texts.append(text)
            labels.append(EMOTION_LABELS.index(label))
    return {"text": texts, "label": labels}


def emotion_features() -> Features:
    """The ``datasets`` features of dair-ai/emotion: text and a ClassLabel with its six names."""
    from datasets import ClassLabel, Features, Value

    return Features({"text": Value("string"), "label": ClassLabel(names=list(EMOTION_LABELS))})


def load_emotion() -> DatasetDict:
    """The emotion data set as a ``DatasetDict`` (train / validation / test).

    Reads the registered ``text;label`` files from the cache or the mirror; when neither has
    them, loads ``dair-ai/emotion`` from the Hugging Face Hub, which gives the same rows and
    features (``text``, ``label`` as ClassLabel: sadness, joy, love, anger, fear, surprise).
    """
    from datasets import Dataset, DatasetDict, load_dataset

    try:
        paths = {split: fetch("emotion", split) for split in ("train", "validation", "test")}
    except ChecksumError:
        raise  # a damaged file in the cache is reported, not replaced silently by the Hub's copy
    except DataError as local_error:
        try:
            return load_dataset(EMOTION_HUB_NAME)
        except Exception as hub_error:  # the Hub's errors vary by version and network state
            raise DataError(
                f"{local_error}\nThe Hugging Face Hub could not be reached either "
                f"({type(hub_error).__name__}: {hub_error}). Connect to the internet, or "
                f"provide {get_file('emotion', 'train').path} and its siblings as described above."
            ) from None
    features = emotion_features()
    return DatasetDict(
        {
            split: Dataset.from_dict(_read_emotion_file(path), features=features)
            for split, path in paths.items()
        }
    )


def load_jawiki_paragraphs() -> list[str]:
    """Japanese Wikipedia (NICT Kyoto articles) paragraphs, one string per paragraph."""
    with open(fetch("jawiki_kyoto", "paragraphs"), encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]
