"""tools/notebook_runner.py and tools/build_book.py: the run report and the staged configuration."""

from __future__ import annotations

from pathlib import Path

import build_book
import notebook_runner
from notebook_runner import RunReport, format_markdown, format_table

REPORTS = [
    RunReport("notebooks/01_x.ipynb", True, 12.34, "smoke", "cpu", 812.6),
    RunReport("notebooks/02_y.ipynb", False, 3.0, "full", "cuda (NVIDIA H100 80GB HBM3)", None, "ValueError: bad"),
    RunReport("book/results.ipynb", True, 5.0),
]


def test_table_gives_profile_device_time_and_memory_per_notebook():
    lines = format_table(REPORTS).splitlines()
    assert lines[0].split() == ["notebook", "status", "profile", "device", "wall", "time", "peak", "memory"]
    assert lines[2].split() == ["notebooks/01_x.ipynb", "ok", "smoke", "cpu", "12.3", "s", "813", "MB"]
    assert "FAIL" in lines[3] and "cuda (NVIDIA H100 80GB HBM3)" in lines[3] and lines[3].endswith("-")
    assert lines[-1].split() == ["total", "20.3", "s"]


def test_markdown_table_has_a_row_per_notebook_and_a_total():
    lines = format_markdown(REPORTS).splitlines()
    assert lines[0] == "| notebook | status | profile | device | wall time | peak memory |"
    assert len(lines) == 2 + len(REPORTS) + 1
    assert lines[2] == "| notebooks/01_x.ipynb | ok | smoke | cpu | 12.3 s | 813 MB |"


def test_a_notebook_that_was_not_executed_has_a_failed_report(tmp_path):
    notebook = notebook_runner.ROOT / "notebooks" / "01_x.ipynb"
    report = notebook_runner.run_report(notebook, tmp_path / "01_x.ipynb", tmp_path)
    assert not report.ok and report.error.startswith("notebooks/01_x.ipynb: not executed")


def test_the_staged_book_does_not_execute_notebooks_again():
    config = build_book.staged_config()
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["language"] == "ja"


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


def test_repeated_inline_scripts_are_kept_once():
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(notebook_runner.ROOT / "book" / "_ext"))
    import book_pages

    def script(filename, **attributes):
        return SimpleNamespace(filename=filename, attributes=attributes)

    thebe = script("", body="const THEBE_JS_URL = 'x'")
    context = {"script_files": [script("a.js"), thebe, script("b.js"), script("", body="const THEBE_JS_URL = 'x'"),
                                script("a.js", defer="defer")]}
    book_pages.drop_repeated_scripts(None, "intro", "page.html", context, None)
    assert [(s.filename, s.attributes) for s in context["script_files"]] == [
        ("a.js", {}), ("", {"body": "const THEBE_JS_URL = 'x'"}), ("b.js", {}), ("a.js", {"defer": "defer"})]


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
    monkeypatch.setattr(notebook_runner, "EXECUTED", tmp_path / "_build" / "executed")
    results = tmp_path / "results"
    book = tmp_path / "notebooks"

    def run(name, *sources):
        return notebook_runner.execute(_notebook(book / name, "profile = None", *sources), "smoke", results_dir=results)

    exits = run("07_exit.ipynb", FINISH.replace("FINISHED", "False"), "import sys\nsys.exit(0)", FINISH.replace("FINISHED", "True"))
    assert not exits.ok
    assert exits.error == ("notebooks/07_exit.ipynb: the notebook stopped in cell 4 (`import sys`) with SystemExit: 0; "
                           "1 later code cells did not run")
    fails = run("07_fail.ipynb", "x = 1", "y = x / 0\nprint(y)")
    assert not fails.ok
    assert fails.error == "notebooks/07_fail.ipynb: cell 4 (`y = x / 0`): ZeroDivisionError: division by zero"
    unfinished = run("07_unfinished.ipynb", FINISH.replace("FINISHED", "False"))
    assert not unfinished.ok and unfinished.profile == "smoke"
    assert unfinished.error == "notebooks/07_unfinished.ipynb: the chapter did not reach run.finish() (ch07.json is unfinished)"
    finished = run("07_finished.ipynb", FINISH.replace("FINISHED", "True"))
    assert finished.ok and finished.error == "" and finished.device == "cpu"
    # the report is read back from what the run left: papermill's metadata and the record
    executed = notebook_runner.executed_path(book / "07_finished.ipynb")
    assert notebook_runner.run_report(book / "07_finished.ipynb", executed, results) == finished
    assert 0 < finished.seconds < 300 and not list(executed.parent.glob("*.json"))


def test_only_a_successful_execution_of_the_current_source_is_reused(tmp_path, monkeypatch):
    import pytest

    for module in (notebook_runner, build_book):
        monkeypatch.setattr(module, "ROOT", tmp_path)
    output = tmp_path / "test-output"  # what make test leaves for make book-from-tests
    chapter = _notebook(tmp_path / "notebooks" / "07_x.ipynb", "profile = None", FINISH.replace("FINISHED", "True"))

    def run():
        executed = notebook_runner.executed_path(chapter, output / "executed")
        return notebook_runner.execute(chapter, "smoke", results_dir=output / "results", output=executed)

    with pytest.raises(SystemExit, match="notebooks/07_x.ipynb has not been executed"):
        build_book.saved_reports(output)
    assert run().ok
    assert [r.notebook for r in build_book.saved_reports(output)] == ["notebooks/07_x.ipynb"]
    edited = _notebook(chapter, "profile = None", FINISH.replace("FINISHED", "True") + "\nprint('edited')")
    with pytest.raises(SystemExit, match="notebooks/07_x.ipynb was changed after it was executed"):
        build_book.saved_reports(output)
    _notebook(edited, "profile = None", "1 / 0")
    run()
    with pytest.raises(SystemExit, match=r"notebooks/07_x.ipynb failed when it was executed \(.*cell 3 \(`1 / 0`\)"):
        build_book.saved_reports(output)


def test_the_tests_output_folder_is_never_make_books_build_folder(tmp_path, monkeypatch):
    """make test writes where COURSE_TEST_OUTPUT says, else into a temporary folder of this
    checkout; make book keeps _build/ (and a folder inside it is refused)."""
    import tempfile

    import pytest

    monkeypatch.delenv("COURSE_TEST_OUTPUT", raising=False)
    default = notebook_runner.output_of_tests()
    assert default.parent == Path(tempfile.gettempdir()).resolve() and default == notebook_runner.output_of_tests()
    assert notebook_runner.BUILD not in default.parents
    monkeypatch.setenv("COURSE_TEST_OUTPUT", str(tmp_path / "out"))
    assert notebook_runner.output_of_tests() == tmp_path / "out"
    monkeypatch.setenv("COURSE_TEST_OUTPUT", str(notebook_runner.BUILD / "tests"))
    with pytest.raises(ValueError, match="belongs to make book"):
        notebook_runner.output_of_tests()
    assert notebook_runner.executed_path(notebook_runner.ROOT / "notebooks" / "01_x.ipynb") == (
        notebook_runner.ROOT / "_build" / "executed" / "notebooks" / "01_x.ipynb")


def _build_in(tmp_path, monkeypatch):
    """build_book writing only under tmp_path, with the previous book's HTML in place."""
    stage = tmp_path / "book-src"
    for name, value in [("STAGE", stage), ("EXECUTED", tmp_path / "executed"), ("RESULTS", tmp_path / "results"),
                        ("REPORT", tmp_path / "run-report")]:
        monkeypatch.setattr(build_book, name, value)
    monkeypatch.setattr(build_book, "ROOT", tmp_path)
    monkeypatch.setattr(build_book, "stage_sources", lambda executed_dir: stage.mkdir(parents=True))
    monkeypatch.setattr("sys.argv", ["build_book.py"])
    old_page = stage / "_build" / "html" / "index.html"
    old_page.parent.mkdir(parents=True)
    old_page.write_text("the previous book")
    return old_page


def test_a_failed_notebook_leaves_no_old_book_behind(tmp_path, monkeypatch):
    old_page = _build_in(tmp_path, monkeypatch)
    monkeypatch.setattr(build_book, "run_all", lambda profile: [RunReport("notebooks/01_x.ipynb", False, 1.0, error="boom")])
    assert build_book.main() == 1
    assert not old_page.exists()


def test_a_failed_html_build_leaves_no_html_behind(tmp_path, monkeypatch):
    import subprocess

    old_page = _build_in(tmp_path, monkeypatch)
    monkeypatch.setattr(build_book, "run_all", lambda profile: [REPORTS[0]])

    def failing_build(strict):
        (build_book.STAGE / "_build" / "html").mkdir(parents=True)
        (build_book.STAGE / "_build" / "html" / "index.html").write_text("half a book")
        raise subprocess.CalledProcessError(2, ["jupyter-book"])

    monkeypatch.setattr(build_book, "build_html", failing_build)
    assert build_book.main() == 1
    assert not old_page.exists() and not (tmp_path / "book-src" / "_build").exists()


def test_jupyter_book_build_at_the_root_stops_at_once_and_names_make_book(tmp_path):
    """`jupyter-book build .` would execute the results page before the chapters: it must refuse."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(notebook_runner.ROOT),
               "--path-output", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "Build this book with `make book`" in result.stdout + result.stderr
    assert not list(tmp_path.rglob("*.html")), "no page may be written"
