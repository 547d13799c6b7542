"""Chapter 2's text-classification pieces: vocabulary, embedding matrix, examples, collate, masked mean."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from course_utils.word_vectors import WordVectors
from course_utils.text_classification import (
    PAD,
    PAD_ID,
    EmptyTextError,
    MeanEmbeddingClassifier,
    Vocabulary,
    build_embeddings,
    case_variants,
    collate,
    encode_examples,
    masked_mean,
    text_to_ids,
)

# The first four SST-2 training sentences and their labels.
FIRST_FOUR = [
    ("hide new secretions from the parental units ", 0),
    ("contains no wit , only labored gags ", 0),
    ("that loves its characters and communicates something rather beautiful about human nature ", 1),
    ("remains utterly satisfied to remain the same throughout ", 0),
]


def _vectors(words: list[str], dim: int = 4) -> WordVectors:
    """Word vectors whose row i is (i+1, i+1, ...), so that every row is easy to recognise."""
    vectors = np.repeat(np.arange(1, len(words) + 1, dtype=np.float32)[:, None], dim, axis=1)
    return WordVectors(list(words), vectors, source_vocab_size=len(words) + 100)


def _first_four_embeddings():
    # Vectors that, like GoogleNews word2vec, lack 'and' and 'to' and spell one word capitalised.
    words = [w for text, _ in FIRST_FOUR for w in text.split() if w not in ("and", "to", "wit")]
    source = _vectors(list(dict.fromkeys(words)) + ["Wit"])
    order = list(dict.fromkeys(w for text, _ in FIRST_FOUR for w in text.split()))
    return build_embeddings(order, source)


def test_case_variants_are_unique_and_in_order():
    assert case_variants("paris") == ("paris", "Paris", "PARIS")
    assert case_variants(",") == (",",)
    assert case_variants("n't") == ("n't", "N't", "N'T")


def test_vocabulary_maps_both_ways_with_pad_zero():
    vocab = Vocabulary(["good", "film"])
    assert vocab.id_to_word == [PAD, "good", "film"] and vocab.word_to_id[PAD] == PAD_ID == 0
    assert vocab.encode(["film", "unknown", "good"]) == [2, 1]
    assert vocab.decode(torch.tensor([2, 1, 0, 0])) == ["film", "good"]
    assert len(vocab) == 3 and "good" in vocab and "bad" not in vocab
    with pytest.raises(ValueError, match="occurs twice"):
        Vocabulary(["good", "good"])
    with pytest.raises(ValueError, match="reserved"):
        Vocabulary([PAD])


def test_embedding_matrix_has_a_zero_pad_row_and_the_right_vectors():
    emb = _first_four_embeddings()
    assert emb.matrix.dtype == np.float32 and emb.dim == 4
    assert emb.matrix.shape == (len(emb.vocab), 4)
    np.testing.assert_array_equal(emb.matrix[0], np.zeros(4))
    assert "and" not in emb.vocab and "to" not in emb.vocab
    # 'wit' is only known as 'Wit': it is kept under the data's spelling and uses Wit's vector.
    assert emb.recased == {"wit": "Wit"}
    hide = emb.vocab.word_to_id["hide"]
    np.testing.assert_array_equal(emb.matrix[hide], np.full(4, 1.0))
    without_case = build_embeddings(["wit", "hide"], WordVectors(["Wit", "hide"], np.ones((2, 4), np.float32), 2),
                                    try_case_variants=False)
    assert without_case.vocab.id_to_word == [PAD, "hide"]


def test_build_embeddings_with_no_known_word_gives_only_the_pad_row():
    emb = build_embeddings(["zzz"], _vectors(["good"]))
    assert emb.matrix.shape == (1, 4) and len(emb.vocab) == 1


def test_examples_have_the_problem_71_representation():
    emb = _first_four_embeddings()
    texts, labels = zip(*FIRST_FOUR)
    examples, dropped = encode_examples(list(texts), list(labels), emb.vocab)
    assert dropped == [] and len(examples) == 4
    first = examples[0]
    assert set(first) == {"text", "label", "input_ids"}
    assert first["text"] == FIRST_FOUR[0][0]
    assert torch.equal(first["label"], torch.tensor([0.0]))
    assert torch.equal(first["input_ids"], torch.tensor([1, 2, 3, 4, 5, 6, 7]))
    assert first["input_ids"].dtype == torch.long


def test_empty_texts_are_dropped_or_rejected_with_a_clear_error():
    vocab = Vocabulary(["good"])
    examples, dropped = encode_examples(["good good", "xyz qqq", "", "good"], [1, 0, 1, 1], vocab)
    assert dropped == [1, 2] and [ex["text"] for ex in examples] == ["good good", "good"]
    with pytest.raises(EmptyTextError, match="no word of 'xyz qqq' is in the vocabulary"):
        text_to_ids("xyz qqq", vocab)
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        encode_examples(["a", "b"], [1], vocab)


def test_collate_of_the_first_four_examples_is_pinned():
    emb = _first_four_embeddings()
    texts, labels = zip(*FIRST_FOUR)
    examples, _ = encode_examples(list(texts), list(labels), emb.vocab)
    batch = collate(examples)
    assert set(batch) == {"input_ids", "label"}
    expected_ids = torch.tensor(
        [
            [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25],  # 'that loves ... nature' without 'and'
            [1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0],  # 'hide new secretions ...'
            [8, 9, 10, 11, 12, 13, 14, 0, 0, 0, 0],  # 'contains no wit , ...' ('wit' as 'Wit')
            [26, 27, 28, 29, 5, 30, 31, 0, 0, 0, 0],  # 'remains utterly ...' without 'to'
        ]
    )
    assert torch.equal(batch["input_ids"], expected_ids)
    assert batch["input_ids"].dtype == torch.long
    assert torch.equal(batch["label"], torch.tensor([[1.0], [0.0], [0.0], [0.0]]))
    assert emb.vocab.decode(batch["input_ids"][2]) == "contains no wit , only labored gags".split()


def test_collate_keeps_order_of_equal_lengths_and_works_in_a_dataloader():
    examples = [
        {"input_ids": torch.tensor([5, 6]), "label": torch.tensor([1.0])},
        {"input_ids": torch.tensor([7]), "label": torch.tensor([0.0])},
        {"input_ids": torch.tensor([8, 9]), "label": torch.tensor([0.0])},
        {"input_ids": torch.tensor([1, 2, 3]), "label": torch.tensor([1.0])},
        {"input_ids": torch.tensor([4]), "label": torch.tensor([1.0])},
    ]
    batches = list(DataLoader(examples, batch_size=4, collate_fn=collate))
    assert [b["input_ids"].shape for b in batches] == [torch.Size([4, 3]), torch.Size([1, 1])]
    assert batches[0]["input_ids"].tolist() == [[1, 2, 3], [5, 6, 0], [8, 9, 0], [7, 0, 0]]
    assert batches[0]["label"].flatten().tolist() == [1.0, 1.0, 0.0, 0.0]


def test_collate_rejects_no_examples_and_empty_ones():
    with pytest.raises(ValueError, match="got no examples"):
        collate([])
    with pytest.raises(EmptyTextError, match="has no token IDs"):
        collate([{"text": "", "input_ids": torch.tensor([], dtype=torch.long), "label": torch.tensor([0.0])}])


def test_padding_does_not_change_the_masked_mean():
    torch.manual_seed(0)
    table = torch.randn(10, 3)
    table[PAD_ID] = torch.randn(3)  # even a non-zero padding row must not leak into the mean
    ids = torch.tensor([4, 7, 2])
    alone = masked_mean(table[ids].unsqueeze(0), (ids != PAD_ID).unsqueeze(0))
    torch.testing.assert_close(alone[0], table[ids].mean(dim=0))
    for extra in (1, 5):
        padded = torch.cat([ids, torch.zeros(extra, dtype=torch.long)]).unsqueeze(0)
        torch.testing.assert_close(masked_mean(table[padded], padded != PAD_ID), alone)
        # the naive mean over all positions is different: that is the mistake this avoids
        assert not torch.allclose(table[padded].mean(dim=1), alone)


def test_masked_mean_of_a_row_without_tokens_is_zero():
    out = masked_mean(torch.ones(2, 3, 4), torch.tensor([[True, False, False], [False, False, False]]))
    torch.testing.assert_close(out, torch.tensor([[1.0] * 4, [0.0] * 4]))


def test_classifier_output_does_not_depend_on_padding_and_pad_row_stays_zero():
    torch.manual_seed(0)
    matrix = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    matrix[0] = 0
    model = MeanEmbeddingClassifier(matrix, freeze=False)
    short = torch.tensor([[3, 1, 4]])
    long = torch.tensor([[3, 1, 4, 0, 0, 0, 0]])
    torch.testing.assert_close(model(short), model(long))
    assert model(long).shape == (1, 1)
    batch = collate(
        [
            {"input_ids": torch.tensor([3, 1, 4]), "label": torch.tensor([1.0])},
            {"input_ids": torch.tensor([5]), "label": torch.tensor([0.0])},
        ]
    )
    loss = torch.nn.BCEWithLogitsLoss()(model(batch["input_ids"]), batch["label"])
    loss.backward()
    assert torch.count_nonzero(model.embedding.weight.grad[PAD_ID]) == 0
    assert torch.count_nonzero(model.embedding.weight.grad[3]) > 0


def test_frozen_classifier_trains_only_the_linear_layer():
    model = MeanEmbeddingClassifier(np.ones((3, 5), np.float32))
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"linear.weight", "linear.bias"}
    assert model.embedding.weight.dtype == torch.float32


def test_full_profile_path_streams_word2vec_and_recases(monkeypatch, tmp_path):
    """The notebook's problem-70 path with a tiny GoogleNews-like file (case-sensitive, no 'a')."""
    from course_utils import word_vectors

    words = ["</s>", "Paris", "good", "NASA", "film", "Good"]
    vectors = np.arange(len(words) * 300, dtype="<f4").reshape(len(words), 300)  # the dimension the name says
    path = tmp_path / "GoogleNews-vectors-negative300.bin.gz"
    word_vectors.write_word2vec_binary(path, words, vectors)
    monkeypatch.setattr(word_vectors, "fetch", lambda resource, key: path)

    data_words = ["good", "a", "paris", "film", "nasa"]
    keep = {form for w in data_words for form in case_variants(w)}
    wv = word_vectors.load_word_vectors("word2vec-google-news-300", keep=keep)
    assert wv.words == ["Paris", "good", "NASA", "film", "Good"] and wv.source_vocab_size == 6
    emb = build_embeddings(data_words, wv)
    assert emb.vocab.id_to_word == [PAD, "good", "paris", "film", "nasa"]
    assert emb.recased == {"paris": "Paris", "nasa": "NASA"}  # "good" itself wins over "Good"
    np.testing.assert_array_equal(emb.matrix[1:], vectors[[2, 1, 4, 3]])
    assert emb.matrix.dtype == np.float32 and not emb.matrix[0].any()


def test_fine_tuning_does_not_change_the_matrix_passed_in():
    matrix = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    matrix[0] = 0
    before = matrix.copy()
    model = MeanEmbeddingClassifier(matrix, freeze=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    torch.nn.BCEWithLogitsLoss()(model(torch.tensor([[1, 2, 0]])), torch.tensor([[1.0]])).backward()
    optimizer.step()
    assert not torch.equal(model.embedding.weight.detach(), torch.from_numpy(before))
    np.testing.assert_array_equal(matrix, before)
