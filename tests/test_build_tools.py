"""tools/notebook_runner.py and tools/build_book.py: the run report and the staged configuration."""

from __future__ import annotations

import build_book
import notebook_runner
from notebook_runner import RunReport, format_markdown, format_table, load_report, report_path

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


def test_saved_report_is_read_back(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_runner, "EXECUTED", tmp_path / "executed")
    notebook = notebook_runner.ROOT / "notebooks" / "01_x.ipynb"
    assert report_path(notebook) == tmp_path / "executed" / "notebooks" / "01_x.run.json"
    assert load_report(notebook) is None
    report_path(notebook).parent.mkdir(parents=True)
    notebook_runner.save_report(notebook, REPORTS[0])
    assert load_report(notebook) == REPORTS[0]


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
