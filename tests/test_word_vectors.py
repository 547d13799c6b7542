"""Word vectors by name or from a local word2vec binary file (course_utils.word_vectors)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from course_utils import word_vectors
from course_utils.models import ModelNotAvailable
from standins import write_word2vec_binary


def test_word2vec_binary_is_streamed_keeping_only_the_asked_words(tmp_path):
    words = ["</s>", "the", "film", "naïve", "good", "bad"]
    vectors = write_word2vec_binary(tmp_path / "w2v.bin.gz", words, 3)
    wv = word_vectors.read_word2vec_binary(tmp_path / "w2v.bin.gz", {"film", "bad", "naïve", "absent"})
    assert wv.words == ["film", "naïve", "bad"]
    assert wv.vectors.dtype == np.float32 and wv.dim == 3 and wv.source_vocab_size == 6
    np.testing.assert_array_equal(wv.vectors, vectors[[2, 3, 5]])
    everything = word_vectors.read_word2vec_binary(tmp_path / "w2v.bin.gz", None)
    assert everything.words == words


def test_word2vec_file_that_ends_early(tmp_path):
    path = tmp_path / "short.bin"
    path.write_bytes(b"3 2\nfoo " + struct.pack("<2f", 1, 2) + b"\nbar ")
    with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path} ends after 1 of 3 words"):
        word_vectors.read_word2vec_binary(path, None)


def test_word2vec_by_name_goes_through_the_data_layer(monkeypatch):
    from course_utils.data import DataError

    monkeypatch.setattr(word_vectors, "fetch", lambda *a: (_ for _ in ()).throw(DataError("offline")))
    with pytest.raises(DataError, match="offline"):
        word_vectors.load_word_vectors("word2vec-google-news-300", {"good"})


def test_glove_from_the_package():
    wv = word_vectors.load_word_vectors("glove-6b-50d", ["good", "film", "zzzz-not-a-word"])
    assert sorted(wv.words) == ["film", "good"]
    assert wv.vectors.shape == (2, 50) and wv.vectors.dtype == np.float32
    assert wv.source_vocab_size == 400_000
    index = wv.index()
    assert set(index) == {"good", "film"}


def test_word_vectors_from_a_local_word2vec_file(tmp_path):
    vectors = write_word2vec_binary(tmp_path / "mine.bin.gz", ["Paris", "film", "good"], 4)
    wv = word_vectors.load_word_vectors(str(tmp_path / "mine.bin.gz"), {"Paris", "good"})
    assert wv.words == ["Paris", "good"] and wv.format == "word2vec"
    np.testing.assert_array_equal(wv.vectors, vectors[[0, 2]])
    write_word2vec_binary(tmp_path / "plain.bin", ["film"], 4)
    assert word_vectors.load_word_vectors(str(tmp_path / "plain.bin")).words == ["film"]
    with pytest.raises(ModelNotAvailable, match="missing.bin does not exist"):
        word_vectors.load_word_vectors(str(tmp_path / "missing.bin"))


def test_unknown_word_vectors():
    with pytest.raises(ValueError, match="choose one of word2vec-google-news-300, glove-6b-50d"):
        word_vectors.load_word_vectors("fasttext")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"3 -2\n", "does not start with a word2vec header 'count dim'"),
        (b"0 3\n", "the header says 0 words of dimension 3"),
        (b"3 0\n", "the header says 3 words of dimension 0"),
        (b"3 99999999\n", "the header says 3 words of dimension 99999999; expected at least one word and a dimension from 1 to 10,000"),
        (b"three 3\n", "does not start with a word2vec header"),
    ],
)
def test_word2vec_header_is_checked_and_the_file_named(tmp_path, header, message):
    path = tmp_path / "bad.bin"
    path.write_bytes(header + b"foo " + bytes(12) * 3)
    with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path}.*{message}"):
        word_vectors.read_word2vec_binary(path, None)


def test_word2vec_with_a_huge_dimension_fails_fast(tmp_path):
    import time

    path = tmp_path / "huge.bin"
    path.write_bytes(b"1 2000000000\nfoo " + bytes(1 << 20))
    started = time.monotonic()
    with pytest.raises(word_vectors.Word2VecFormatError, match="dimension from 1 to"):
        word_vectors.read_word2vec_binary(path, None)
    assert time.monotonic() - started < 1


def test_word2vec_text_format_is_rejected(tmp_path):
    path = tmp_path / "vectors.vec"
    path.write_text("2 3\nfilm 0.1 -0.25 3.5e-1\ngood 0.2 0.3 0.4\n")
    with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path} holds its numbers as text"):
        word_vectors.read_word2vec_binary(path, None)


def test_word2vec_words_that_are_not_utf8_are_named_not_merged(tmp_path):
    path = tmp_path / "latin1.bin"
    path.write_bytes(b"2 2\nna\xefve " + struct.pack("<2f", 1, 2) + b"\ncaf\xe9 " + struct.pack("<2f", 3, 4) + b"\n")
    with pytest.raises(word_vectors.Word2VecFormatError) as info:
        word_vectors.read_word2vec_binary(path, None)
    assert str(info.value) == f"{path}: word 1 (b'na\\xefve') is not valid UTF-8"


def test_word2vec_word_without_an_end(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(b"2 2\n" + b"x" * 5000)
    with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path}: word 1 does not end within 1,000 bytes"):
        word_vectors.read_word2vec_binary(path, None)


def test_kept_words_know_their_place_in_the_source(tmp_path):
    path = tmp_path / "w2v.bin"
    write_word2vec_binary(path, ["</s>", "the", "film", "good", "bad"], 3)
    wv = word_vectors.read_word2vec_binary(path, {"film", "bad"})
    assert wv.positions == [2, 4] and wv.path == path
    glove = word_vectors.load_word_vectors("glove-6b-50d", ["the", "good", "zzzz-not-a-word"])
    assert glove.positions == sorted(glove.positions) and glove.path is None
    assert [glove.positions[glove.words.index(w)] for w in ("the", "good")] == [0, 219]  # GloVe's ranks


def test_keyed_vectors_answers_gensims_questions_like_numpy():
    words = ["good", "great", "bad", "film"]
    vectors = np.array([[1, 0.2, 0], [0.9, 0.3, 0.1], [-1, 0.1, 0], [0, 0, 1]])
    kv = word_vectors.keyed_vectors(words, vectors)
    assert kv.index_to_key == words and kv.vectors.dtype == np.float32 and kv.vector_size == 3
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert kv.similarity("good", "bad") == pytest.approx(unit[0] @ unit[2], rel=1e-6)
    neighbours = kv.most_similar("good", topn=3)
    assert [w for w, _ in neighbours] == ["great", "film", "bad"]
    np.testing.assert_allclose([s for _, s in neighbours], unit[[1, 3, 2]] @ unit[0], rtol=1e-6)
    vectors[0] = 5.0  # a copy: changing the source later changes nothing
    assert kv["good"][0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("words", "vectors", "message"),
    [
        (["a", "b"], np.ones((3, 2)), "2 words for vectors of shape \\(3, 2\\)"),
        (["a", "b", "a"], np.ones((3, 2)), "words repeated: 'a'"),
        (["<PAD>", "a"], np.array([[0.0, 0.0], [1.0, 2.0]]), "'<PAD>' \\(row 0\\) is all zeros"),
    ],
)
def test_keyed_vectors_refuses_what_gensim_would_take_silently(words, vectors, message):
    with pytest.raises(ValueError, match=message):
        word_vectors.keyed_vectors(words, vectors)


def test_gensim_reads_the_same_file_as_the_streaming_reader(tmp_path):
    from gensim.models import KeyedVectors

    words = ["</s>", "the", "Film", "naïve", "good", "bad"]
    vectors = write_word2vec_binary(tmp_path / "w2v.bin.gz", words, 4)
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "w2v.bin.gz"), binary=True)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, vectors)
    # limit=n reads the first n words of the file: a word is there only if its position is below n
    wv = word_vectors.read_word2vec_binary(tmp_path / "w2v.bin.gz", {"Film", "bad"})
    limited = KeyedVectors.load_word2vec_format(str(tmp_path / "w2v.bin.gz"), binary=True, limit=5)
    assert [w in limited.key_to_index for w in wv.words] == [p < 5 for p in wv.positions] == [True, False]


def test_gensim_is_imported_only_by_keyed_vectors(monkeypatch):
    import subprocess
    import sys

    check = "import sys, course_utils, course_utils.word_vectors; assert 'gensim' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], check=True)  # the other chapters' extras do not install it
    monkeypatch.setitem(sys.modules, "gensim.models", None)  # as if gensim were not installed
    with pytest.raises(ModelNotAvailable, match="pip install 'gensim>=4.4'"):
        word_vectors.keyed_vectors(["good"], np.ones((1, 2)))


@pytest.mark.parametrize("name", ["w2v.bin", "w2v.bin.gz"])
def test_the_writer_writes_what_the_reader_reads(tmp_path, name):
    words = ["</s>", "Film", "naïve", "good"]
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3) / 7  # float64 in, float32 in the file
    path = tmp_path / name
    word_vectors.write_word2vec_binary(path, words, vectors)
    wv = word_vectors.read_word2vec_binary(path, None)
    assert wv.words == words and wv.source_vocab_size == 4 and wv.dim == 3
    np.testing.assert_array_equal(wv.vectors, vectors.astype(np.float32))
    with pytest.raises(ValueError, match="3 words for vectors of shape \\(4, 3\\)"):
        word_vectors.write_word2vec_binary(path, words[:3], vectors)


def _binary(*entries: tuple[str, list[float]], count: int | None = None) -> bytes:
    dim = len(entries[0][1])
    body = b"".join(w.encode() + b" " + struct.pack(f"<{dim}f", *v) + b"\n" for w, v in entries)
    return f"{count or len(entries)} {dim}\n".encode() + body


@pytest.mark.parametrize("name, content, message", [
    ("truncated.bin.gz", __import__("gzip").compress(_binary(("a", [1, 2]), ("b", [3, 4])))[:-12],
     "cannot be read after 0 words"),
    ("plain.bin.gz", _binary(("a", [1, 2])), "cannot be read at its start: Not a gzipped file"),
    ("junk.bin", _binary(("a", [1, 2])) + b"more words here", "goes on after the 1 words its header announces"),
    ("nan.bin", _binary(("a", [1, float("nan")])), r"the vector of word 1 \('a'\) holds NaN or infinity"),
    ("twice.bin", _binary(("a", [1, 2]), ("a", [3, 4])), "holds the word 'a' more than once"),
])
def test_a_malformed_word2vec_file_is_named_with_what_is_wrong(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path}.*{message}"):
        word_vectors.read_word2vec_binary(path, None)


def test_word2vec_of_another_dimension_than_expected_is_named(tmp_path, monkeypatch):
    path = tmp_path / "GoogleNews-vectors-negative300.bin.gz"
    write_word2vec_binary(path, ["film", "good"], 3)
    assert word_vectors.read_word2vec_binary(path, None, dim=3).dim == 3
    monkeypatch.setattr(word_vectors, "fetch", lambda *a: path)  # e.g. a fixture or a copy in the cache
    with pytest.raises(word_vectors.Word2VecFormatError) as info:
        word_vectors.load_word_vectors("word2vec-google-news-300", {"good"})
    assert str(info.value) == (f"{path} holds vectors of dimension 3 (its header: 2 words of dimension 3), "
                               "not the 300 expected: use a file of 300 dimensions")


def _gzip_bomb(path: Path, header: bytes, unit: bytes, times: int) -> None:
    """A gzip file of ``header`` then ``unit`` ``times`` times (one gzip member per unit: quick to make)."""
    member = gzip.compress(unit)
    path.write_bytes(gzip.compress(header) + member * times)


@pytest.mark.parametrize("header, unit, keep, message", [
    # 1,000,000 words announced, 100 MB unpacked: the same kept word again and again
    pytest.param(b"1000000 25\n", b"a " + bytes(100) + b"\n", {"a"},
                 r"holds the word 'a' more than once \(words 1 and 2\)", id="repeated kept word"),
    pytest.param(b"1000000 25\n", b"a " + bytes(100) + b"\n", None, "holds the word 'a' more than once",
                 id="repeated word"),
    pytest.param(b"2 25\n", b"x" * 100, None, "word 1 does not end within 1,000 bytes", id="word without an end"),
    pytest.param(b"1 25\na " + bytes(100) + b"\n", b"b " + bytes(100) + b"\n", None,
                 "goes on after the 1 words its header announces", id="data after the last word"),
])
def test_a_gzip_bomb_is_refused_with_memory_bounded_by_what_is_kept(tmp_path, header, unit, keep, message):
    import tracemalloc

    path = tmp_path / "bomb.bin.gz"
    _gzip_bomb(path, header, unit * 10_000, 100)  # 1 MB unpacked per member: 100 MB in all
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(word_vectors.Word2VecFormatError, match=f"{path}.*{message}"):
            word_vectors.read_word2vec_binary(path, keep)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # a few 1 MB reads; no vector or word kept per repeat


@pytest.mark.parametrize("name", ["/home/me/glove.6B.50d.txt", "~/vectors", "GoogleNews-vectors-negative300"])
def test_a_vectors_setting_that_names_no_vectors_says_what_it_takes(name):
    with pytest.raises(ValueError) as info:
        word_vectors.load_word_vectors(name)
    assert str(info.value) == (
        f"unknown word vectors {name!r}: the setting vectors takes a registered name (choose one of "
        "word2vec-google-news-300, glove-6b-50d) or the path of a local word2vec binary file ending in .bin or "
        ".bin.gz, e.g. vectors = \"~/GoogleNews-vectors-negative300.bin.gz\"; convert a text file (.txt, .vec) "
        "with gensim first: KeyedVectors.load_word2vec_format(txt_path).save_word2vec_format(\"vectors.bin\", "
        "binary=True), with no_header=True for GloVe's .txt"
    )
