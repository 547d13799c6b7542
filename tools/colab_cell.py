"""The first code cell of every notebook: on Google Colab, install what the chapter needs.

Every chapter starts with the same cell; only the chapter key differs. It installs
``course-utils[chNN]`` (the package and the chapter's extra of pyproject.toml) from the book's
repository, whose URL and branch are read from ``_config.yml`` (``repository: url, branch``, the
same that the book's repository and Colab buttons use), so they are written in one place.
The book's own notebooks install the package without an extra.

    python tools/colab_cell.py          # check that every notebook's first code cell is current
    python tools/colab_cell.py --write  # rewrite the cell where it is not

tests/test_colab.py checks the cells and runs one the way Colab would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebook_runner import book_notebooks, chapter_key, chapter_notebooks  # noqa: E402

CELL = '''\
# Google Colab で開いたときだけ、この章に必要なもの（course-utils とこの章の追加のライブラリ）を入れます。
# Colab の torch はそのまま使います（course-utils は torch を入れ直しません）。
import subprocess, sys
if "google.colab" in sys.modules:  # Colab のカーネルは起動時に google.colab を読み込んでいる
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{requirement}"], check=True)'''


def repository() -> tuple[str, str]:
    """The book's repository URL and branch, from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    return config["url"], config["branch"]


def requirement(chapter: str | None, url: str | None = None, ref: str | None = None) -> str:
    """``course-utils[chNN] @ git+URL@REF`` (no extra for ``chapter=None``); URL and REF default
    to the book's repository and branch."""
    default_url, default_ref = repository()
    extra = f"[{chapter}]" if chapter else ""
    return f"course-utils{extra} @ git+{url or default_url}@{ref or default_ref}"


def cell_source(chapter: str | None) -> str:
    """The first code cell of a notebook of ``chapter`` (None: one of the book's own pages)."""
    return CELL.format(requirement=requirement(chapter))


def first_code_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's first code cell."""
    return next(cell for cell in nb.cells if cell.cell_type == "code")


def notebooks() -> list[Path]:
    """Every notebook that carries the cell: the chapters and the book's own pages."""
    return [*chapter_notebooks(), *book_notebooks()]


def main() -> int:
    """Check (or with --write, rewrite) the first code cell of every notebook; 1 if one is stale."""
    write = "--write" in sys.argv[1:]
    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        expected = cell_source(chapter_key(path))
        if cell.source != expected:
            stale.append(path.relative_to(ROOT))
            if write:
                cell.source = expected
                nbformat.write(nb, path)
    action = "rewrote" if write else "stale (run python tools/colab_cell.py --write)"
    for path in stale:
        print(f"{action}: {path}")
    return 1 if stale and not write else 0


if __name__ == "__main__":
    sys.exit(main())
