"""tests/notebook_runner.py: how the tests execute notebooks and read back how a run went."""

from __future__ import annotations

from pathlib import Path

import notebook_runner


def test_a_notebook_that_was_not_executed_has_a_failed_report(tmp_path):
    notebook = notebook_runner.ROOT / "notebooks" / "01_x.ipynb"
    report = notebook_runner.run_report(notebook, tmp_path / "01_x.ipynb", tmp_path)
    assert not report.ok and report.error.startswith("notebooks/01_x.ipynb: not executed")


def test_relative_folders_are_made_absolute_for_the_notebook_kernel(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_DATA_MIRROR", "../shared/mirror")
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    values = notebook_runner.absolute_paths({"COURSE_RESULTS_DIR": "out", "HF_HUB_OFFLINE": "1"})
    assert values == {
        "COURSE_RESULTS_DIR": str(tmp_path / "out"),
        "HF_HUB_OFFLINE": "1",
        "COURSE_DATA_MIRROR": str(tmp_path.parent / "shared" / "mirror"),
    }
    monkeypatch.setenv("COURSE_DATA_MIRROR", "https://example.org/mirror")
    assert "COURSE_DATA_MIRROR" not in notebook_runner.absolute_paths({})


def _notebook(path, *sources):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# test"), *(nbformat.v4.new_code_cell(s) for s in sources)]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


FINISH = """import json, os, pathlib
pathlib.Path(os.environ["COURSE_RESULTS_DIR"]).mkdir(exist_ok=True)
pathlib.Path(os.environ["COURSE_RESULTS_DIR"], "ch07.json").write_text(json.dumps(
    {"chapter": "ch07", "profile": profile, "device": "cpu", "finished": FINISHED, "metrics": {}}))"""


def test_a_notebook_that_stops_early_or_never_finishes_fails_naming_the_cell(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_runner, "ROOT", tmp_path)
    results = tmp_path / "results"
    book = tmp_path / "notebooks"

    def run(name, *sources):
        notebook = _notebook(book / name, "profile = None", *sources)
        return notebook_runner.execute(notebook, "smoke", results, notebook_runner.executed_path(notebook, tmp_path / "executed"))

    exits = run("07_exit.ipynb", FINISH.replace("FINISHED", "False"), "import sys\nsys.exit(0)", FINISH.replace("FINISHED", "True"))
    assert not exits.ok
    assert exits.error == ("notebooks/07_exit.ipynb: the notebook stopped in cell 4 (`import sys`) with SystemExit: 0; "
                           "1 later code cells did not run")
    fails = run("07_fail.ipynb", "x = 1", "y = x / 0\nprint(y)")
    assert not fails.ok
    assert fails.error == "notebooks/07_fail.ipynb: cell 4 (`y = x / 0`): ZeroDivisionError: division by zero"
    unfinished = run("07_unfinished.ipynb", FINISH.replace("FINISHED", "False"))
    assert not unfinished.ok
    assert unfinished.error == "notebooks/07_unfinished.ipynb: the chapter did not reach run.finish() (ch07.json is unfinished)"
    finished = run("07_finished.ipynb", FINISH.replace("FINISHED", "True"))
    assert finished.ok and finished.error == ""
    # the report is read back from what the run left: papermill's metadata and the record
    executed = notebook_runner.executed_path(book / "07_finished.ipynb", tmp_path / "executed")
    assert notebook_runner.run_report(book / "07_finished.ipynb", executed, results) == finished
    assert 0 < finished.seconds < 300 and not list(executed.parent.glob("*.json"))


def test_only_a_successful_execution_of_the_current_source_counts(tmp_path, monkeypatch):
    """The nbval test re-runs an executed copy only when it ran without error from the notebook
    as it is now."""
    monkeypatch.setattr(notebook_runner, "ROOT", tmp_path)
    output = tmp_path / "test-output"
    chapter = _notebook(tmp_path / "notebooks" / "07_x.ipynb", "profile = None", FINISH.replace("FINISHED", "True"))
    executed = notebook_runner.executed_path(chapter, output / "executed")
    assert notebook_runner.execute(chapter, "smoke", output / "results", executed).ok
    assert notebook_runner.made_from_current_source(chapter, executed)
    _notebook(chapter, "profile = None", FINISH.replace("FINISHED", "True") + "\nprint('edited')")
    assert not notebook_runner.made_from_current_source(chapter, executed)
    _notebook(chapter, "profile = None", "1 / 0")
    report = notebook_runner.execute(chapter, "smoke", output / "results", executed)
    assert not report.ok and "cell 3 (`1 / 0`)" in report.error


def test_the_tests_output_folder_is_never_make_books_build_folder(tmp_path, monkeypatch):
    """make test writes where COURSE_TEST_OUTPUT says, else into a temporary folder of this
    checkout; _build/ is the book's (and a folder inside it is refused)."""
    import tempfile

    import pytest

    monkeypatch.delenv("COURSE_TEST_OUTPUT", raising=False)
    default = notebook_runner.output_of_tests()
    assert default.parent == Path(tempfile.gettempdir()).resolve() and default == notebook_runner.output_of_tests()
    assert notebook_runner.BUILD not in default.parents
    monkeypatch.setenv("COURSE_TEST_OUTPUT", str(tmp_path / "out"))
    assert notebook_runner.output_of_tests() == tmp_path / "out"
    monkeypatch.setenv("COURSE_TEST_OUTPUT", str(notebook_runner.BUILD / "tests"))
    with pytest.raises(ValueError, match="belongs to the book's build"):
        notebook_runner.output_of_tests()


def test_a_timeout_and_a_dead_kernel_are_named_with_the_cell_that_was_running(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_runner, "ROOT", tmp_path)
    monkeypatch.setattr(notebook_runner, "CELL_TIMEOUT_S", 3)

    def run(name, *sources):
        notebook = _notebook(tmp_path / "book" / name, "profile = None", "x = 1", *sources, "y = 2")
        return notebook_runner.execute(notebook, None, tmp_path / "results", tmp_path / "executed" / name)

    slow = run("slow.ipynb", "import time\ntime.sleep(60)")
    assert not slow.ok and slow.error == (
        "book/slow.ipynb: cell 4 (`import time`) ran longer than the limit of 3 s per cell and was stopped (a timeout)")
    dies = run("dies.ipynb", "import os\nos._exit(1)")
    assert not dies.ok and dies.error == (
        "book/dies.ipynb: the kernel died while cell 4 (`import os`) was running (out of memory, or the process was killed)")

