"""Device selection and seeding (used by every chapter)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

ENV_DEVICE = "COURSE_DEVICE"


def get_device(preferred: str | None = None, *, announce: bool = True) -> torch.device:
    """The device to compute on: CUDA, else Apple's MPS, else the CPU (announced in one line). ``preferred`` (or
    ``COURSE_DEVICE``) forces one, e.g. ``"cpu"``; an unknown or unavailable one is a :class:`ValueError`."""
    name = preferred or os.environ.get(ENV_DEVICE)
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": mps}
    if not name:
        device = torch.device("cuda" if available["cuda"] else "mps" if mps else "cpu")
    else:
        try:
            device = torch.device(name.strip().lower())
        except RuntimeError:
            raise ValueError(f"unknown device {name!r}; use 'cpu', 'cuda' (or 'cuda:0', ...) or 'mps' "
                             f"(set by the argument or the {ENV_DEVICE} environment variable)") from None
        if device.type not in available:
            raise ValueError(f"device {name!r} is not supported here; use 'cpu', 'cuda' or 'mps'")
        if not available[device.type]:
            raise ValueError(f"device {name!r} was asked for, but {device.type.upper()} is not available here; "
                             f"unset {ENV_DEVICE} or choose 'cpu'")
    if announce and device.type == "cpu":
        reason = f"{ENV_DEVICE}={name} の指定により" if name else "GPU が見つからないため"
        print(f"{reason} CPU で実行します。")
    return device


def device_name(device: torch.device) -> str:
    """A readable name of ``device``, e.g. ``'cuda (NVIDIA H100 80GB HBM3)'`` or ``'cpu'``."""
    return f"cuda ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else device.type


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random number generators (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():  # CUDA only (torch.manual_seed seeds CUDA too; this says so)
        torch.cuda.manual_seed_all(seed)
