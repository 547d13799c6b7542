"""The notebooks' first cell, the one that makes a chapter run on Google Colab.

- Every notebook starts with the cell of tools/colab_cell.py, for its own chapter, pointing at
  the repository and branch of _config.yml, and every chapter has its extra in pyproject.toml.
- ``make test-colab`` (``COURSE_TEST_COLAB=1``; CI runs it, about 5 minutes) builds a virtual
  environment from the Colab image's package list (tests/colab/colab-gpu-packages.txt) plus a
  CPU torch, runs each chapter's cell there as Colab would (``google.colab`` imported), installing
  this repository's committed HEAD from a local clone instead of GitHub, checks that the cell
  changed none of Colab's packages (torch above all), then runs every chapter in the smoke
  profile with the installed package, so that an API that our own newer pins have but Colab's
  versions lack fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from colab_cell import cell_source, first_code_cell, notebooks, repository, requirement, unmatched_forms
from notebook_runner import ROOT, chapter_key, chapter_notebooks

COLAB_PACKAGES = Path(__file__).parent / "colab" / "colab-gpu-packages.txt"
# Colab's torch is a CUDA build that cannot be installed offline here: a CPU build stands in.
TORCH = "torch==2.13.0"
TOOLS = ("papermill", "ipykernel")  # to execute the notebooks; they change none of the pinned packages


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: p.name)
def test_every_notebook_starts_with_the_colab_cell(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert first_code_cell(nb).source == cell_source(chapter_key(notebook)), (
        f"{notebook.name}: the first code cell is not the current Colab cell; run python tools/colab_cell.py --write"
    )


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: p.name)
def test_what_the_book_hides_colab_collapses(notebook):
    """A cell hidden in the book (tag hide-cell, hide-input or remove-input: the install cell,
    solutions, plumbing) is a collapsed form in Colab (``#@title`` and ``cellView: form``), and a
    Colab form is hidden in the book."""
    unmatched = unmatched_forms(nbformat.read(notebook, as_version=4))
    assert not unmatched, (f"{notebook.name}: hidden in one place only (give each a '#@title' first line "
                           f"and a book tag, then run python tools/colab_cell.py --write): {unmatched}")


def test_the_form_rule_finds_a_cell_hidden_in_one_place_only():
    hidden_in_book = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-cell"]})
    form_only = nbformat.v4.new_code_cell("#@title 解答例\ny = 2", metadata={"cellView": "form"})
    both = nbformat.v4.new_code_cell("#@title 解答例\nz = 3", metadata={"cellView": "form", "tags": ["solution", "hide-cell"]})
    title_without_form = nbformat.v4.new_code_cell("#@title 解答例\nw = 4", metadata={"tags": ["hide-cell"]})
    nb = nbformat.v4.new_notebook(cells=[hidden_in_book, form_only, both, title_without_form,
                                         nbformat.v4.new_code_cell("print(1)")])
    assert unmatched_forms(nb) == ["x = 1", "#@title 解答例", "#@title 解答例"]


def test_the_cell_installs_from_the_book_repository_with_the_chapter_extra():
    url, branch = repository()
    assert requirement("ch04") == f"course-utils[ch04] @ git+{url}@{branch}"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert sorted(extras) == sorted(chapter_key(path) for path in chapter_notebooks())
    assert not any(name.startswith("torch") for deps in extras.values() for name in deps)


def _pins(text: str) -> dict[str, str]:
    """``name -> version`` of a requirements or ``pip freeze`` text (names normalised)."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def _freeze(python: Path) -> dict[str, str]:
    return _pins(subprocess.run([python, "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True).stdout)


def _run(command: list, **kwargs) -> None:
    """Run ``command``; on failure, fail the test with the end of its output."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}:\n{(result.stdout + result.stderr)[-4000:]}")


@pytest.mark.colab
def test_colab_cell_keeps_colab_packages_and_every_chapter_runs(tmp_path, fixture_dir):
    if os.environ.get("COURSE_TEST_COLAB") != "1":
        pytest.skip("builds a Colab-like environment (about 5 minutes): run it with `make test-colab`")
    venv = tmp_path / "colab"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    colab = _pins(COLAB_PACKAGES.read_text(encoding="utf-8"))
    _run([python, "-m", "pip", "install", "-q", f"pip=={colab['pip']}"])  # Colab's pip resolves the cell's URL
    _run([python, "-m", "pip", "install", "-q", TORCH, "-r", COLAB_PACKAGES, *TOOLS])
    before = _freeze(python)

    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", ROOT, clone])
    commit = subprocess.run(["git", "-C", clone, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    stub = tmp_path / "stub" / "google" / "colab"  # what Colab's kernel has imported at start
    stub.mkdir(parents=True)
    (stub.parent / "__init__.py").write_text("")
    (stub / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "stub")}
    for notebook in chapter_notebooks():
        key = chapter_key(notebook)
        cell = first_code_cell(nbformat.read(clone / notebook.relative_to(ROOT), as_version=4)).source
        local = cell.replace(requirement(key), requirement(key, url=f"file://{clone}", ref=commit))
        assert local != cell, f"{notebook.name}: the cell does not install {requirement(key)}"
        _run([python, "-c", "import google.colab\n" + local], env=env)

    after = _freeze(python)
    assert after.get("torch") == before["torch"], f"the cell changed torch: {before['torch']} -> {after.get('torch')}"
    changed = {name: (version, after.get(name)) for name, version in colab.items()
               if after.get(name) != version}
    assert not changed, f"the cells changed Colab's packages (raise no lower bound above Colab's): {changed}"
    _run([python, "-m", "pip", "show", "-q", "course-utils"])  # installed from the clone

    run_env = {
        **os.environ,
        "COURSE_DATA_FIXTURES": str(fixture_dir),
        "COURSE_DATA_DIR": str(tmp_path / "cache"),
        "COURSE_RESULTS_DIR": str(tmp_path / "results"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONWARNINGS": "ignore:IProgress not found",
    }
    for notebook in chapter_notebooks():
        source = clone / notebook.relative_to(ROOT)
        _run([python, "-m", "papermill", "-p", "profile", "smoke", "--cwd", source.parent, "-k", "python3",
              source, tmp_path / notebook.name], env=run_env, cwd=tmp_path)
        assert (tmp_path / "results" / f"{chapter_key(notebook)}.json").is_file()
