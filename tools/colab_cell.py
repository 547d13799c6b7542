"""The first code cell of every notebook (on Colab only, it installs ``course-utils[chNN]`` from the
repository of ``_config.yml``), and Colab forms (``#@title``, ``"cellView": "form"``) for the cells
that the book hides. ``python tools/colab_cell.py [--write]`` checks (and rewrites) them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]

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
    """``course-utils[chNN] @ git+URL@REF``; URL and REF default to the book's repository and branch."""
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


def unmatched_forms(nb: nbformat.NotebookNode) -> list[str]:
    """The first line of each code cell that the book hides but Colab shows as code, or the reverse (a Colab
    form: ``#@title`` first line and ``cellView: form``)."""
    return [cell.source.splitlines()[0] if cell.source else "(empty)" for cell in nb.cells
            if cell.cell_type == "code" and bool(HIDING_TAGS & set(cell.metadata.get("tags", [])))
            != (cell.source.startswith("#@title") and cell.metadata.get("cellView") == "form")]


def notebooks() -> list[Path]:
    """Every notebook that carries the cell: the chapters and the book's own pages."""
    return [*sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), *sorted((ROOT / "book").glob("*.ipynb"))]


def main() -> int:
    """Check (with --write, first rewrite) every notebook's install cell and Colab forms: 1 if any fails."""
    write = "--write" in sys.argv[1:]
    problems = []
    for path in notebooks():
        name = path.relative_to(ROOT)
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        number = re.match(r"(\d\d)_", path.name)
        expected = cell_source(f"ch{number.group(1)}" if number else None)
        if write:
            before = nbformat.writes(nb)
            cell.source = expected
            tags = cell.metadata.setdefault("tags", [])  # the install cell is hidden in the book
            if not HIDING_TAGS & set(tags):
                tags.append("hide-cell")
            for titled in nb.cells:
                if titled.cell_type == "code" and titled.source.startswith("#@title"):
                    titled.metadata["cellView"] = "form"
            if nbformat.writes(nb) != before:
                nbformat.write(nb, path)
                print(f"rewrote: {name}")
        if cell.source != expected:
            problems.append(f"{name}: the install cell is stale (run python tools/colab_cell.py --write)")
        problems += [f"{name}: hidden in the book or in Colab only (a book tag and a '#@title' first line go "
                     f"together): {line}" for line in unmatched_forms(nb)]
    if problems:
        print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
