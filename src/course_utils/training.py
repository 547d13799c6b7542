"""Training and evaluation loops with progress bars and a per-epoch history; chapter 2 writes them out, then reuses
them. A batch is ``(inputs, targets)`` (``inputs`` a Tensor, or a dict of keyword inputs) or a dict whose ``"label"``
is the target and whose other tensors are the model's keyword inputs (the rest is ignored)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]
TARGET_KEY = "label"


def to_device(obj: Any, device: torch.device | str) -> Any:
    """Move a tensor, or the tensors inside dicts, lists and tuples, to ``device``."""
    if isinstance(obj, torch.Tensor):
        # non_blocking matters only from pinned memory to CUDA; on the CPU it is an ordinary copy
        return obj.to(device, non_blocking=True)
    if isinstance(obj, Mapping):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj


def split_batch(batch: Any) -> tuple[Any, torch.Tensor]:
    """``(inputs, targets)`` of a batch in either of the two formats above."""
    if isinstance(batch, Mapping):
        if TARGET_KEY not in batch:
            raise KeyError(f"a dict batch needs a {TARGET_KEY!r} entry; it has {sorted(batch)}")
        inputs = {k: v for k, v in batch.items() if k != TARGET_KEY and isinstance(v, torch.Tensor)}
        return inputs, batch[TARGET_KEY]
    inputs, targets = batch
    return inputs, targets


def forward(model: nn.Module, inputs: Any) -> torch.Tensor:
    """Call ``model`` on a Tensor or on keyword inputs."""
    return model(**inputs) if isinstance(inputs, Mapping) else model(inputs)


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Accuracy of ``logits``: one column (or 1-D) means binary with threshold 0, else argmax."""
    binary = logits.ndim == 1 or logits.shape[-1] == 1
    predicted = (logits.reshape(-1) > 0).long() if binary else logits.argmax(dim=-1)
    return (predicted == targets.reshape(-1).long()).float().mean().item()


def train_epoch(model: nn.Module, loader: Any, loss_fn: LossFn, optimizer: torch.optim.Optimizer,
                device: torch.device | str, *, clip_grad_norm: float | None = None, desc: str = "学習",
                progress: bool = True) -> float:
    """One pass over ``loader``; returns the mean loss per example (``progress``: show a bar)."""
    model.train()
    total, count = 0.0, 0
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress)
    for batch in bar:
        inputs, targets = to_device(split_batch(batch), device)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(forward(model, inputs), targets)
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        size = len(targets)
        total += loss.item() * size
        count += size
        bar.set_postfix(loss=f"{total / count:.4f}")
    return total / max(count, 1)


@torch.no_grad()
def predict(model: nn.Module, loader: Any, device: torch.device | str, *, desc: str = "評価",
            progress: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and targets of every batch in ``loader``, concatenated on the CPU."""
    model.eval()
    all_logits, all_targets = [], []
    for batch in tqdm(loader, desc=desc, leave=False, disable=not progress):
        inputs, targets = split_batch(batch)
        all_logits.append(forward(model, to_device(inputs, device)).float().cpu())
        all_targets.append(targets.cpu())
    return torch.cat(all_logits), torch.cat(all_targets)


CURVE_LABELS = {"train_loss": "訓練データの損失", "val_loss": "検証データの損失", "val_accuracy": "検証データの正解率"}


@dataclass
class History:
    """Per-epoch records of :func:`fit` (train_loss, val_loss, val_<metric>, seconds)."""

    records: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.records).set_index("epoch")

    def plot(self, keys: tuple[str, ...] = ("train_loss", "val_loss"), ax: Any = None, title: str | None = None) -> Any:
        """A learning curve of ``keys`` over the epochs, the best epoch marked; returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots()[1]
        frame = self.to_frame()
        for key in keys:
            ax.plot(frame.index, frame[key], marker="o", label=CURVE_LABELS.get(key, key))
        if self.best_epoch is not None:
            ax.axvline(self.best_epoch, color="gray", linestyle="--", label=f"最良（エポック {self.best_epoch}）")
        ax.set_xlabel("エポック")
        ax.set_ylabel("損失" if all(key.endswith("loss") for key in keys) else "値")
        ax.set_title(title or "学習曲線")
        ax.legend()
        return ax


def fit(model: nn.Module, train_loader: Any, val_loader: Any, loss_fn: LossFn, optimizer: torch.optim.Optimizer,
        device: torch.device | str, *, epochs: int, clip_grad_norm: float | None = None, patience: int | None = None,
        metrics: Mapping[str, MetricFn] | None = None, restore_best: bool = True) -> History:
    """Train for up to ``epochs``, evaluating on ``val_loader`` after each; the state with the lowest
    validation loss is loaded back when ``restore_best``; ``patience``: stop after that many epochs
    without a better one. One progress bar counts the epochs (nested bars print badly outside Jupyter)."""
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    history = History()
    best_loss, best_state, stale = float("inf"), None, 0
    bar = tqdm(range(1, epochs + 1), desc="エポック")
    for epoch in bar:
        start = time.perf_counter()
        train_loss = train_epoch(model, train_loader, loss_fn, optimizer, device,
                                 clip_grad_norm=clip_grad_norm, progress=False)
        seconds = time.perf_counter() - start
        logits, targets = predict(model, val_loader, device, progress=False)
        # predict() returns CPU tensors; the loss may hold tensors on the device (class weights)
        val_loss = loss_fn(logits.to(device), targets.to(device)).item()
        scores = {f"val_{name}": fn(logits, targets) for name, fn in metrics.items()}
        history.records.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, **scores,
                                "seconds": seconds})
        bar.set_postfix(train_loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
        if val_loss < best_loss:
            best_loss, history.best_epoch, stale = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            stale += 1
            if patience is not None and stale >= patience:
                break
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history
