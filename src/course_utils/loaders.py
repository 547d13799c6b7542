"""Loaders that turn the registered files into Python, pandas and ``datasets`` objects (chapters 2-5);
a malformed file raises :class:`~course_utils.data.DataError` naming the file, the line and the format."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from course_utils.data import ChecksumError, DataError, fetch, get_file, get_resource, note_source

if TYPE_CHECKING:
    from datasets import DatasetDict, Features

EMOTION_LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise")
EMOTION_HUB_NAME = "dair-ai/emotion"
SST2_SPLITS = ("train", "dev", "test")


def _not_utf8(path: Path, expected: str) -> DataError:
    """The error for a file that is not UTF-8 text, naming its first line that is not."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                break
    return DataError(f"{path}:{number}: not UTF-8 text; expected {expected}")


def _read_table(path: Path, columns: tuple[str, ...], expected: str, **options: Any) -> pd.DataFrame:
    """Read a registered table with pandas (empty fields stay ''); a malformed file raises
    DataError that names the file, the line and ``expected`` (a description of the format)."""
    try:
        df = pd.read_csv(path, keep_default_na=False, encoding="utf-8", **options)
    except UnicodeDecodeError:
        raise _not_utf8(path, expected) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; expected {expected}") from None
    except pd.errors.ParserError as exc:  # its message gives the line and the number of fields
        raise DataError(f"{path}: {str(exc).strip()}; expected {expected}") from None
    if tuple(df.columns) != columns or df.empty:
        found = f"the columns {list(df.columns)}" if tuple(df.columns) != columns else "no rows"
        raise DataError(f"{path}:1: found {found}; expected {expected}")
    if "label" in columns:
        bad = ~df["label"].astype(str).isin(["0", "1"])
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(f"{path}:{row + 2}: label {df['label'].iloc[row]!r}; expected {expected}")
        df["label"] = df["label"].astype("int64")
    return df


def load_sst2(split: str) -> pd.DataFrame:
    """SST-2 ``split`` ('train', 'dev' or 'test') as a DataFrame: ``sentence`` (str) and ``label`` (int,
    1 = positive), or for test ``index`` and ``sentence``. Quotes in the text are kept as they are."""
    if split not in SST2_SPLITS:
        raise ValueError(f"unknown SST-2 split {split!r}; choose one of {', '.join(SST2_SPLITS)}")
    columns = ("index", "sentence") if split == "test" else ("sentence", "label")
    labelled = "" if split == "test" else " with the label 0 or 1"
    expected = f"a header '{columns[0]}<TAB>{columns[1]}', then one tab-separated row a line{labelled}"
    path = fetch("sst2", split)
    return _read_table(path, columns, expected, sep="\t", quoting=csv.QUOTE_NONE, dtype={"sentence": str})


def load_spam() -> pd.DataFrame:
    """The SMS spam collection (``spamdata_v2.csv``): columns ``label`` (1 = spam) and ``text``."""
    expected = "a header 'label,text', then one row a message with the label 0 (ham) or 1 (spam)"
    return _read_table(fetch("sms_spam", "all"), ("label", "text"), expected, dtype={"text": str})


def _read_emotion_file(path: Path) -> dict[str, list]:
    """The columns of one ``text;label`` file of the emotion data set."""
    texts, labels = [], []
    expected = f"'text;label' with a label from {', '.join(EMOTION_LABELS)}"
    with open(path, encoding="utf-8") as fh:
        try:
            for number, line in enumerate(fh, start=1):
                text, sep, label = line.rstrip("\n").rpartition(";")
                if not sep or label not in EMOTION_LABELS:
                    raise DataError(f"{path}:{number}: expected {expected}, got {line[:80]!r}")
                texts.append(text)
                labels.append(EMOTION_LABELS.index(label))
        except UnicodeDecodeError:
            raise _not_utf8(path, expected) from None
    if not texts:
        raise DataError(f"{path} is empty; expected lines {expected}")
    return {"text": texts, "label": labels}


def emotion_features() -> Features:
    """The ``datasets`` features of dair-ai/emotion: text and a ClassLabel with its six names."""
    from datasets import ClassLabel, Features, Value

    return Features({"text": Value("string"), "label": ClassLabel(names=list(EMOTION_LABELS))})


def load_emotion() -> DatasetDict:
    """The emotion data set as a ``DatasetDict`` (train / validation / test) from the registered files,
    or, where they cannot be fetched, from the Hugging Face Hub (the same rows and features)."""
    from datasets import Dataset, DatasetDict, load_dataset

    try:
        paths = {split: fetch("emotion", split) for split in ("train", "validation", "test")}
    except ChecksumError:
        raise  # a damaged file in the cache is reported, not replaced silently by the Hub's copy
    except DataError as local_error:
        try:
            hub_copy = load_dataset(EMOTION_HUB_NAME)
        except Exception as hub_error:  # the Hub's errors vary by version and network state
            raise DataError(f"{local_error}\nThe Hugging Face Hub could not be reached either "
                            f"({type(hub_error).__name__}: {hub_error}). Connect to the internet, or provide "
                            f"{get_file('emotion', 'train').path} and its siblings as described above.") from None
        for entry in get_resource("emotion").files.values():
            note_source(entry.path, "upstream", f"https://huggingface.co/datasets/{EMOTION_HUB_NAME}")
        return hub_copy
    features = emotion_features()
    splits = {split: Dataset.from_dict(_read_emotion_file(path), features=features) for split, path in paths.items()}
    return DatasetDict(splits)


def load_jawiki_paragraphs() -> list[str]:
    """Japanese Wikipedia (NICT Kyoto articles) paragraphs, one string per paragraph."""
    path = fetch("jawiki_kyoto", "paragraphs")
    expected = "one paragraph a line (UTF-8)"
    with open(path, encoding="utf-8") as fh:
        try:
            paragraphs = [line.rstrip("\n") for line in fh if line.strip()]
        except UnicodeDecodeError:
            raise _not_utf8(path, expected) from None
    if not paragraphs:
        raise DataError(f"{path} has no paragraphs; expected {expected}")
    return paragraphs
