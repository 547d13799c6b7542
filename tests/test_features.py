"""[CLS] features of the offline MiniLM encoder and the confusion-matrix plot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.features import cls_features
from course_utils.models import resolve_model
from course_utils.plotting import plot_confusion_matrix


@pytest.fixture(scope="module")
def minilm():
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)


def test_rows_follow_the_input_order_and_match_one_by_one(minilm):
    model, tokenizer = minilm
    texts = ["a short one", "this text is clearly the longest of the three texts here", "medium length text"]
    batched = cls_features(model, tokenizer, texts, "cpu", batch_size=2)
    assert batched.shape == (3, 384) and batched.dtype == np.float32
    with torch.no_grad():
        for i, text in enumerate(texts):
            single = model(**tokenizer(text, return_tensors="pt")).last_hidden_state[0, 0].numpy()
            np.testing.assert_allclose(batched[i], single, atol=1e-4)


def test_bad_inputs(minilm):
    model, tokenizer = minilm
    with pytest.raises(TypeError, match="not a single string"):
        cls_features(model, tokenizer, "one string", "cpu")
    with pytest.raises(ValueError, match="no texts"):
        cls_features(model, tokenizer, [], "cpu")


def test_confusion_matrix_is_row_normalised():
    ax = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["ham", "spam"])
    values = [t.get_text() for t in ax.texts]
    assert values == ["0.50", "0.50", "0.00", "1.00"]
    counts = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["ham", "spam"], normalize=False)
    assert [t.get_text() for t in counts.texts] == ["1", "1", "0", "2"]
