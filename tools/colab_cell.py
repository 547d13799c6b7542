"""The first code cell of every notebook (on Google Colab, install what the chapter needs), and
Colab's collapsed cells.

Every chapter starts with the same cell; only the chapter key differs. It installs
``course-utils[chNN]`` (the package and the chapter's extra of pyproject.toml) from the book's
repository, whose URL and branch are read from ``_config.yml`` (``repository: url, branch``, the
same that the book's repository and Colab buttons use), so they are written in one place.
The book's own notebooks install the package without an extra.

A cell that a student should not read first (the install cell, a solution, plumbing) is
collapsed in both places a notebook is read: in the book by a tag (``hide-cell``,
``hide-input``, ``remove-input`` or ``remove-cell``), in Colab by a first line ``#@title ...``
and the cell metadata ``"cellView": "form"``, which this tool sets on every cell that starts
with ``#@title``.

    python tools/colab_cell.py          # check the install cells and the Colab forms
    python tools/colab_cell.py --write  # rewrite them where they are not current

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
#@title Colab で開いたときだけ、この章に必要なライブラリを入れます
# course-utils とこの章の追加のライブラリを入れます。Colab の torch はそのまま使います。
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


# The book's tags that collapse or hide a cell's code: such a cell is a Colab form too.
HIDING_TAGS = {"hide-cell", "hide-input", "remove-input", "remove-cell"}


def is_form(cell: nbformat.NotebookNode) -> bool:
    """Whether a code cell is a collapsed Colab form (``#@title`` first line, ``cellView: form``)."""
    return cell.source.startswith("#@title") and cell.metadata.get("cellView") == "form"


def unmatched_forms(nb: nbformat.NotebookNode) -> list[str]:
    """The first line of each code cell that the book hides but Colab shows, or the reverse."""
    return [cell.source.splitlines()[0] if cell.source else "(empty)" for cell in nb.cells
            if cell.cell_type == "code"
            and bool(HIDING_TAGS & set(cell.metadata.get("tags", []))) != is_form(cell)]


def _write_forms(nb: nbformat.NotebookNode) -> None:
    """The install cell hidden in the book; ``cellView: form`` on every ``#@title`` cell."""
    tags = first_code_cell(nb).metadata.setdefault("tags", [])
    if not HIDING_TAGS & set(tags):
        tags.append("hide-cell")
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("#@title"):
            cell.metadata["cellView"] = "form"


def notebooks() -> list[Path]:
    """Every notebook that carries the cell: the chapters and the book's own pages."""
    return [*chapter_notebooks(), *book_notebooks()]


def main() -> int:
    """Check (with --write, first rewrite) the install cell and the Colab forms of every notebook;
    1 if something is left that the tool cannot write (a hidden cell with no ``#@title`` line)."""
    write = "--write" in sys.argv[1:]
    problems = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        expected = cell_source(chapter_key(path))
        if write:
            before = nbformat.writes(nb)
            cell.source = expected
            _write_forms(nb)
            if nbformat.writes(nb) != before:
                nbformat.write(nb, path)
                print(f"rewrote: {path.relative_to(ROOT)}")
        if cell.source != expected:
            problems.append(f"{path.relative_to(ROOT)}: the install cell is stale (run python tools/colab_cell.py --write)")
        problems += [f"{path.relative_to(ROOT)}: hidden in the book or in Colab only (a book tag and a "
                     f"'#@title' first line go together): {line}" for line in unmatched_forms(nb)]
    if problems:
        print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
