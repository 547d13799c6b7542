"""Features of the offline MiniLM encoder ([CLS] and a custom pooling) and the confusion-matrix plot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.features import encoder_features
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
    batched = encoder_features(model, tokenizer, texts, "cpu", batch_size=2)
    assert batched.shape == (3, 384) and batched.dtype == np.float32
    with torch.no_grad():
        for i, text in enumerate(texts):
            single = model(**tokenizer(text, return_tensors="pt")).last_hidden_state[0, 0].numpy()
            np.testing.assert_allclose(batched[i], single, atol=1e-4)


def test_a_custom_pooling_sees_every_layer_and_the_padding_mask(minilm):
    model, tokenizer = minilm
    texts = ["short", "a much longer text that makes the short one padded in its batch"]

    def mean_and_cls_of_second_to_last(output, mask):  # any layer, any width: here 2 x 384
        states = output.hidden_states[-2]
        mean = (states * mask.unsqueeze(-1)).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        return torch.cat([mean, states[:, 0]], dim=-1)

    batched = encoder_features(model, tokenizer, texts, "cpu", pooling=mean_and_cls_of_second_to_last)
    assert batched.shape == (2, 768)
    with torch.no_grad():
        for i, text in enumerate(texts):
            states = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True).hidden_states[-2][0]
            np.testing.assert_allclose(batched[i], torch.cat([states.mean(dim=0), states[0]]).numpy(), atol=1e-4)


def test_switches_dropout_off_even_if_the_model_was_left_training(minilm):
    model, tokenizer = minilm
    texts = ["dropout would make these vary", "from one call to the next"]
    model.train()
    with torch.no_grad():  # the check is meaningful only if training mode really varies the output
        inputs = tokenizer(texts, padding=True, return_tensors="pt")
        assert not torch.equal(model(**inputs).last_hidden_state, model(**inputs).last_hidden_state)
    first = encoder_features(model, tokenizer, texts, "cpu")
    assert not model.training
    model.train()
    second = encoder_features(model, tokenizer, texts, "cpu")
    np.testing.assert_array_equal(first, second)
    model.eval()


def test_max_length_truncates_long_texts(minilm):
    model, tokenizer = minilm
    long_text = "the message starts plainly " + "but then it goes on and on with many more words " * 10
    truncated = encoder_features(model, tokenizer, [long_text], "cpu", max_length=8)
    assert not np.allclose(truncated, encoder_features(model, tokenizer, [long_text], "cpu"), atol=1e-4)
    with torch.no_grad():
        inputs = tokenizer(long_text, truncation=True, max_length=8, return_tensors="pt")
        assert inputs["input_ids"].shape[1] == 8
        expected = model(**inputs).last_hidden_state[0, 0].numpy()
    np.testing.assert_allclose(truncated[0], expected, atol=1e-4)


def test_bad_inputs(minilm):
    model, tokenizer = minilm
    with pytest.raises(TypeError, match="not a single string"):
        encoder_features(model, tokenizer, "one string", "cpu")
    with pytest.raises(ValueError, match="no texts"):
        encoder_features(model, tokenizer, [], "cpu")


def test_confusion_matrix_is_row_normalised():
    ax = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["ham", "spam"])
    values = [t.get_text() for t in ax.texts]
    assert values == ["0.50", "0.50", "0.00", "1.00"]
    counts = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["ham", "spam"], normalize=False)
    assert [t.get_text() for t in counts.texts] == ["1", "1", "0", "2"]
