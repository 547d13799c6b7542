"""Device selection, seeding and the plot style."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from course_utils import device as dev
from course_utils.plotting import setup_plot_style


def test_cpu_is_announced_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert dev.get_device() == torch.device("cpu")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "CPU" in out
    dev.get_device(announce=False)
    assert capsys.readouterr().out == ""


def test_forced_device(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert dev.get_device(announce=False).type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dev.get_device("cuda")


def test_device_name():
    assert dev.device_name(torch.device("cpu")) == "cpu"


def test_seed_everything_repeats_all_generators():
    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    dev.seed_everything(7)
    first = draw()
    dev.seed_everything(7)
    assert draw() == first
    dev.seed_everything(8)
    assert draw() != first


def test_plot_style_uses_a_japanese_font():
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    family = setup_plot_style()
    assert "IPAex" in family
    font = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert font.endswith((".ttf", ".otf"))
    fig, ax = plt.subplots()
    ax.set_title("日本語のタイトル")
    fig.canvas.draw()  # would warn "Glyph missing" without a Japanese font
    plt.close(fig)
