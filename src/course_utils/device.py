"""Device selection and seeding (used by every chapter)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

ENV_DEVICE = "COURSE_DEVICE"


def get_device(preferred: str | None = None, *, announce: bool = True) -> torch.device:
    """The device to compute on: CUDA, else Apple's MPS, else the CPU.

    ``preferred`` (or the ``COURSE_DEVICE`` environment variable) forces one, e.g. ``"cpu"``.
    On the CPU a one-line notice says so.
    """
    name = preferred or os.environ.get(ENV_DEVICE)
    if name:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(
                f"device {name!r} was asked for, but CUDA is not available here; "
                f"unset {ENV_DEVICE} or choose 'cpu'"
            )
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if announce and device.type == "cpu":
        print("GPU が見つからないため CPU で実行します（時間のかかるセルは quick プロファイルで小さくしてあります）。")
    return device


def device_name(device: torch.device) -> str:
    """A readable name of ``device``, e.g. ``'cuda (NVIDIA H100 80GB HBM3)'`` or ``'cpu'``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random number generators (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
