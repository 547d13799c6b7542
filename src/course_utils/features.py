"""First-token ([CLS]) features of a frozen Transformer encoder (chapter 3 teaches it; chapter 4 reuses it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm


@torch.inference_mode()
def cls_features(
    model: torch.nn.Module,
    tokenizer,
    texts: Sequence[str],
    device: torch.device | str,
    *,
    batch_size: int = 64,
    max_length: int | None = None,
    desc: str = "特徴抽出",
) -> np.ndarray:
    """The last layer's hidden state at the first token for each text, as float32 (n, hidden).

    Texts are processed longest first so that each batch pads to similar lengths; the rows are
    returned in the order of ``texts``. The model is put in eval mode and moved to ``device``.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    if not texts:
        raise ValueError("no texts to encode")
    model.eval().to(device)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    hidden = model.config.hidden_size
    out = np.empty((len(texts), hidden), dtype=np.float32)
    for start in tqdm(range(0, len(texts), batch_size), desc=desc, leave=False):
        rows = order[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in rows],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        ).to(device)
        states = model(**encoded).last_hidden_state[:, 0]
        out[rows] = states.float().cpu().numpy()
    return out
