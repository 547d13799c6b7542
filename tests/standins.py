"""Same-architecture stand-ins for the full profile's models and word vectors, built offline.

The full profile loads distilbert-base-uncased (chapter 4), bert-base-uncased (chapter 5) and the
GoogleNews word2vec vectors (chapter 2), none of which can be downloaded here. The full-structure
notebook test (tests/test_notebooks.py) runs every chapter in ``full`` with a settings file that
points those settings at the stand-ins below and shrinks only sizes, so that the code the full
profile runs (the model classes, the tokenizers' inputs, the word2vec reader) is executed:

- DistilBERT and BERT: the real architecture classes built from ``DistilBertConfig`` /
  ``BertConfig`` with tiny dimensions and random weights, saved with ``save_pretrained`` beside
  a tokenizer of the real class with the bert-base-uncased vocabulary (taken from the offline
  MiniLM package, which ships that vocabulary). DistilBERT's tokenizer returns no
  ``token_type_ids`` and its model has no pooler, as on the Hub.
- word2vec: a gzipped file in GoogleNews's binary format, 300 dimensions, case-sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from course_utils import word_vectors

# GoogleNews lacks a few very frequent function words (a, and, of, to). The synthetic SST-2
# fixture has none of those, so the stand-in leaves out its most frequent function word instead.
ABSENT_WORDS = frozenset({"a", "and", "of", "to", "the"})
GOOGLE_NEWS_DIM = 300


def write_word2vec_binary(path: Path, words: list[str], dim: int, seed: int = 0) -> np.ndarray:
    """Write ``words`` with random float32 vectors in word2vec's binary format (gzipped if the
    name ends in .gz; ``course_utils.word_vectors.write_word2vec_binary``). Returns the vectors,
    row ``i`` for ``words[i]``."""
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype("<f4")
    word_vectors.write_word2vec_binary(path, words, vectors)
    return vectors


def googlenews_like_words(data_words: Iterable[str], filler: int = 5000) -> list[str]:
    """A vocabulary that covers ``data_words`` the way GoogleNews covers SST-2: a few function
    words absent, every fifth word found only capitalised, plus ``filler`` words that the data
    never uses (a reader must skip them)."""
    words = []
    for i, word in enumerate(sorted(set(data_words) - ABSENT_WORDS)):
        words.append(word.capitalize() if i % 5 == 0 else word)
    return words + [f"filler_{i:05d}" for i in range(filler)]


def sst2_words(fixture_dir: Path) -> set[str]:
    """The words of the fixture's SST-2 train and dev files (already lower-cased and tokenised)."""
    words: set[str] = set()
    for split in ("train", "dev"):
        lines = (fixture_dir / "SST-2" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]
        for line in lines:
            words.update(line.split("\t")[0].split())
    return words


def _bert_vocabulary_tokenizer(cls: type):
    """A tokenizer of class ``cls`` with the bert-base-uncased vocabulary (from the MiniLM package)."""
    from transformers import AutoTokenizer

    from course_utils import resolve_model

    vocab = AutoTokenizer.from_pretrained(resolve_model("sentence-transformers/all-MiniLM-L6-v2")).get_vocab()
    return cls(vocab=vocab, do_lower_case=True, model_max_length=512)


def build_distilbert(folder: Path) -> Path:
    """A random-weight DistilBERT (2 layers, 32 dimensions) saved like distilbert-base-uncased."""
    from transformers import DistilBertConfig, DistilBertForMaskedLM, DistilBertTokenizer

    config = DistilBertConfig(vocab_size=30522, dim=32, n_layers=2, n_heads=2, hidden_dim=64)
    torch.manual_seed(0)  # the same random weights in every session
    DistilBertForMaskedLM(config).save_pretrained(folder)
    _bert_vocabulary_tokenizer(DistilBertTokenizer).save_pretrained(folder)
    return folder


def build_bert(folder: Path) -> Path:
    """A random-weight BERT (2 layers, 32 dimensions, with pooler) saved like bert-base-uncased."""
    from transformers import BertConfig, BertForPreTraining, BertTokenizer

    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64)
    torch.manual_seed(0)  # the same random weights in every session
    BertForPreTraining(config).save_pretrained(folder)
    _bert_vocabulary_tokenizer(BertTokenizer).save_pretrained(folder)
    return folder


def write_full_settings(folder: Path, fixture_dir: Path) -> Path:
    """Build the stand-ins in ``folder`` and write the settings file of the full-structure run."""
    vectors = folder / "GoogleNews-standin.bin.gz"
    write_word2vec_binary(vectors, googlenews_like_words(sst2_words(fixture_dir)), GOOGLE_NEWS_DIM)
    distilbert = build_distilbert(folder / "distilbert-standin")
    bert = build_bert(folder / "bert-standin")
    template = (Path(__file__).parent / "full_standins.toml").read_text(encoding="utf-8")
    path = folder / "full_standins.toml"
    path.write_text(
        template.replace("{vectors}", vectors.as_posix())
        .replace("{distilbert}", distilbert.as_posix())
        .replace("{bert}", bert.as_posix()),
        encoding="utf-8",
    )
    return path
