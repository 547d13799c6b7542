"""Plot style with a Japanese font, so that Japanese titles and labels render (all chapters)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt


def setup_plot_style() -> str:
    """Use a Japanese-capable font (IPAexGothic from ``matplotlib-fontja``) and a clean style.

    Returns the font family in use.
    """
    import matplotlib_fontja

    matplotlib_fontja.japanize()
    plt.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
        }
    )
    return matplotlib.rcParams["font.family"][0]
