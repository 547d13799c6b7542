"""Plot style with a Japanese font, so that Japanese titles and labels render (all chapters)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.pyplot as plt

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes


def setup_plot_style() -> str:
    """Use a Japanese-capable font (IPAexGothic from ``matplotlib-fontja``) and a clean style; returns the font
    family in use."""
    import matplotlib_fontja

    matplotlib_fontja.japanize()
    plt.rcParams.update({"figure.figsize": (6.4, 4.0), "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False, "axes.unicode_minus": False})
    return matplotlib.rcParams["font.family"][0]


def plot_confusion_matrix(y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray,
                          labels: Sequence[str], *, normalize: bool = True, ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """A confusion matrix (rows: true label, columns: prediction), row-normalised by default; ``y_true`` and
    ``y_pred`` are class indices and ``labels`` the class names in index order."""
    import numpy as np
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=list(range(len(labels))), normalize="true" if normalize else None)
    if ax is None:
        size = 1.0 + 0.7 * len(labels)
        ax = plt.subplots(figsize=(size + 1, size))[1]
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("予測")
    ax.set_ylabel("正解")
    ax.grid(False)
    threshold = (np.nanmax(matrix) if matrix.size else 0) / 2
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(j, i, text, ha="center", va="center", color="white" if value > threshold else "black")
    ax.set_title(title or ("混同行列（行ごとに正規化）" if normalize else "混同行列"))
    return ax
