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
    assert out == "GPU が見つからないため CPU で実行します。\n"
    dev.get_device(announce=False)
    assert capsys.readouterr().out == ""


def test_forced_device(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert dev.get_device().type == "cpu"
    assert capsys.readouterr().out == "COURSE_DEVICE=cpu の指定により CPU で実行します。\n"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match="'cuda' was asked for, but CUDA is not available"):
        dev.get_device("cuda")
    with pytest.raises(ValueError, match="'mps' was asked for, but MPS is not available"):
        dev.get_device("mps")
    with pytest.raises(ValueError, match="unknown device 'gpu'.*COURSE_DEVICE"):
        dev.get_device("gpu")


def test_auto_profile_follows_the_chosen_device(monkeypatch):
    from course_utils.profiles import resolve_profile

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_profile("auto") == "full"
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert resolve_profile("auto") == "quick"


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
