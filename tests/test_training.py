"""The generic training loop: batch formats, metrics, best-state restoring and early stopping."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import training
from course_utils.device import seed_everything


def _separable(n=64):
    x = torch.randn(n, 2)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return x, y


def test_accuracy_binary_and_multiclass():
    assert training.accuracy(torch.tensor([[2.0], [-1.0], [0.5]]), torch.tensor([[1.0], [0.0], [0.0]])) == pytest.approx(2 / 3)
    assert training.accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])) == 0.5


def test_split_batch_formats():
    x, y = torch.ones(2, 3), torch.zeros(2)
    assert training.split_batch((x, y))[1] is y
    inputs, targets = training.split_batch({"input_ids": x, "label": y, "text": ["a", "b"]})
    assert set(inputs) == {"input_ids"} and targets is y
    with pytest.raises(KeyError, match="needs a 'label' entry"):
        training.split_batch({"input_ids": x})


def test_to_device_walks_containers():
    moved = training.to_device({"a": [torch.ones(1)], "b": "text"}, "cpu")
    assert moved["b"] == "text" and moved["a"][0].device.type == "cpu"


def test_fit_learns_and_keeps_the_best_state():
    seed_everything(0)
    x, y = _separable()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = nn.Linear(2, 2)
    history = training.fit(
        model, loader, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.5),
        "cpu", epochs=5, clip_grad_norm=1.0,
    )
    frame = history.to_frame()
    assert list(frame.columns) == ["train_loss", "val_loss", "val_accuracy", "seconds"]
    assert frame["val_loss"].iloc[-1] < frame["val_loss"].iloc[0]
    assert frame["val_accuracy"].max() > 0.9
    best = frame["val_loss"].idxmin()
    assert history.best_epoch == best
    logits, targets = training.predict(model, loader, "cpu")
    assert nn.CrossEntropyLoss()(logits, targets).item() == pytest.approx(frame.loc[best, "val_loss"], rel=1e-5)


def test_fit_stops_early_without_improvement():
    x, y = _separable()
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    model = nn.Linear(2, 2)
    history = training.fit(
        model, loader, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.0),
        "cpu", epochs=10, patience=2,
    )
    assert len(history.records) == 3 and history.best_epoch == 1


def test_dict_batches_reach_the_model_as_keywords():
    class Mean(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(3, 1)

        def forward(self, features):
            return self.out(features)

    data = [{"features": torch.randn(3), "label": torch.tensor([1.0])} for _ in range(8)]
    loader = DataLoader(data, batch_size=4)
    model = Mean()
    loss = training.train_epoch(model, loader, nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=0.1), "cpu")
    assert loss > 0


def test_history_plot_marks_the_best_epoch():
    history = training.History([{"epoch": 1, "train_loss": 1.0, "val_loss": 0.9}, {"epoch": 2, "train_loss": 0.5, "val_loss": 0.95}], 1)
    ax = history.plot()
    assert len(ax.get_lines()) == 3
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["訓練データの損失", "検証データの損失", "最良（エポック 1）"]
    assert ax.get_ylabel() == "損失"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fit_with_a_class_weighted_loss_on_the_gpu():
    x, y = _separable()
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    model = nn.Linear(2, 2).cuda()
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.0], device="cuda"))
    history = training.fit(model, loader, loader, loss_fn, torch.optim.SGD(model.parameters(), lr=0.5), "cuda", epochs=2)
    assert len(history.records) == 2
