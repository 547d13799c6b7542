"""Features of a frozen Transformer encoder, one vector per text (chapter 4 teaches the [CLS]
vector and writes the loop out; chapter 5 reuses the loop with its own pooling)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

Pooling = Callable[[Any, torch.Tensor], torch.Tensor]
"""Turns a model output (with ``hidden_states``) and the batch's attention mask into (batch, dim)."""


def first_token(output: Any, attention_mask: torch.Tensor) -> torch.Tensor:
    """The last layer's hidden state at the first token ([CLS]), as chapter 4 uses it."""
    return output.last_hidden_state[:, 0]


@torch.inference_mode()
def encoder_features(model: torch.nn.Module, tokenizer, texts: Sequence[str], device: torch.device | str, *,
                     pooling: Pooling = first_token, batch_size: int = 64, max_length: int | None = None,
                     desc: str = "特徴抽出") -> np.ndarray:
    """One ``pooling`` vector per text, as float32 (n, dim) in the order of ``texts``; the default is
    the [CLS] vector. The model (in eval mode, on ``device``) runs with ``output_hidden_states=True``
    so that a pooling may read any layer; texts go longest first, so a batch pads to similar lengths."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    if not texts:
        raise ValueError("no texts to encode")
    model.eval().to(device)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out: np.ndarray | None = None
    for start in tqdm(range(0, len(texts), batch_size), desc=desc, leave=False):
        rows = order[start : start + batch_size]
        encoded = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt").to(device)
        pooled = pooling(model(**encoded, output_hidden_states=True), encoded["attention_mask"])
        if out is None:
            out = np.empty((len(texts), pooled.shape[-1]), dtype=np.float32)
        out[rows] = pooled.float().cpu().numpy()
    return out
