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
