"""Text classification with pretrained word embeddings (chapter 2, SST-2; NLP 100 problems 70-79):
the vocabulary and embedding matrix, token-ID examples, padding, and the bag-of-words model that
chapter 2 builds step by step and then reuses from here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from course_utils.word_vectors import WordVectors

PAD = "<PAD>"
PAD_ID = 0


class EmptyTextError(ValueError):
    """A text that has no word left after tokenising and dropping unknown words."""


def tokenize(text: str) -> list[str]:
    """Split an SST-2 sentence into tokens (SST-2 is lower-cased and tokenised already)."""
    return text.split()


def case_variants(word: str) -> tuple[str, ...]:
    """The spellings to look ``word`` up under in case-sensitive vectors: as is, Capitalised, UPPER."""
    return tuple(dict.fromkeys((word, word.capitalize(), word.upper())))


class Vocabulary:
    """The two-way mapping between token IDs and words; ID 0 is ``<PAD>``."""

    def __init__(self, words: Iterable[str]) -> None:
        self.id_to_word: list[str] = [PAD]
        self.word_to_id: dict[str, int] = {PAD: PAD_ID}
        for word in words:
            if word in self.word_to_id:
                raise ValueError(f"the word {word!r} occurs twice (or is the reserved {PAD!r})")
            self.word_to_id[word] = len(self.id_to_word)
            self.id_to_word.append(word)

    def __len__(self) -> int:
        return len(self.id_to_word)

    def __contains__(self, word: object) -> bool:
        return word in self.word_to_id

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """The IDs of ``tokens``, leaving out the tokens that are not in the vocabulary."""
        return [self.word_to_id[t] for t in tokens if t in self.word_to_id]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The words of ``ids`` (a list or a 1-D tensor); padding (ID 0) is left out."""
        return [self.id_to_word[int(i)] for i in ids if int(i) != PAD_ID]

    def __repr__(self) -> str:
        return f"Vocabulary({len(self):,} IDs including {PAD})"


@dataclass
class Embeddings:
    """A vocabulary and its embedding matrix: ``matrix[i]`` is the vector of ``vocab.id_to_word[i]``;
    ``recased`` maps a word found only under another spelling to it (``{'paris': 'Paris'}``)."""

    vocab: Vocabulary
    matrix: np.ndarray
    recased: dict[str, str]

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])


def build_embeddings(words: Iterable[str], vectors: WordVectors, *, try_case_variants: bool = True) -> Embeddings:
    """The float32 embedding matrix of those ``words`` (in their order) that ``vectors`` knows, under
    any of their :func:`case_variants` unless ``try_case_variants`` is False; row 0 is ``<PAD>``'s zeros."""
    row_of = vectors.index()
    kept, rows, recased = [], [], {}
    for word in dict.fromkeys(words):
        spellings = case_variants(word) if try_case_variants else (word,)
        found = next((s for s in spellings if s in row_of), None)
        if found is None:
            continue
        kept.append(word)
        rows.append(row_of[found])
        if found != word:
            recased[word] = found
    matrix = np.zeros((len(kept) + 1, vectors.dim), dtype=np.float32)
    if rows:
        matrix[1:] = vectors.vectors[rows]
    return Embeddings(Vocabulary(kept), matrix, recased)


def text_to_ids(text: str, vocab: Vocabulary) -> list[int]:
    """The token IDs of ``text``; raises :class:`EmptyTextError` when no token is in ``vocab``."""
    ids = vocab.encode(tokenize(text))
    if not ids:
        raise EmptyTextError(f"no word of {text!r} is in the vocabulary ({len(vocab):,} IDs), so the text would be "
                             "empty: the model cannot classify it. Use words that the embeddings know.")
    return ids


def encode_examples(texts: Sequence[str], labels: Sequence[int],
                    vocab: Vocabulary) -> tuple[list[dict[str, object]], list[int]]:
    """Examples ``{'text': str, 'label': tensor([y.]), 'input_ids': tensor([...])}`` of the texts, and
    the positions of the texts dropped because no word of theirs is in ``vocab``."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    examples, dropped = [], []
    for position, (text, label) in enumerate(zip(texts, labels)):
        try:
            ids = text_to_ids(text, vocab)
        except EmptyTextError:
            dropped.append(position)
            continue
        examples.append({"text": text, "label": torch.tensor([float(label)]),
                         "input_ids": torch.tensor(ids, dtype=torch.long)})
    return examples, dropped


def collate(examples: Sequence[Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """A mini-batch ``{'input_ids': (B, L_max), 'label': (B, 1)}``, longest first (stable), padded with 0."""
    if not examples:
        raise ValueError("collate() got no examples")
    for example in examples:
        if len(example["input_ids"]) == 0:
            raise EmptyTextError(f"an example has no token IDs (text {example.get('text', '?')!r})")
    ordered = sorted(examples, key=lambda ex: len(ex["input_ids"]), reverse=True)
    input_ids = pad_sequence([ex["input_ids"] for ex in ordered], batch_first=True, padding_value=PAD_ID)
    return {"input_ids": input_ids, "label": torch.stack([ex["label"] for ex in ordered])}


def masked_mean(embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean over the positions where ``mask`` is true: (B, L, d) and (B, L) -> (B, d) (or zeros)."""
    weights = mask.unsqueeze(-1).to(embedded.dtype)
    counts = weights.sum(dim=1).clamp(min=1.0)
    return (embedded * weights).sum(dim=1) / counts


class MeanEmbeddingClassifier(nn.Module):
    """Bag of words: the masked mean of the word embeddings, then a linear layer to one logit (B, 1).
    ``freeze=False`` fine-tunes a copy of ``embeddings`` (problem 78); ``<PAD>``'s row 0 gets no gradient."""

    def __init__(self, embeddings: np.ndarray | torch.Tensor, *, freeze: bool = True) -> None:
        super().__init__()
        weights = torch.as_tensor(embeddings, dtype=torch.float32).clone()  # a copy, never a view of the input
        self.embedding = nn.Embedding.from_pretrained(weights, freeze=freeze, padding_idx=PAD_ID)
        self.linear = nn.Linear(weights.shape[1], 1)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        mask = input_ids != PAD_ID
        return self.linear(masked_mean(self.embedding(input_ids), mask))
