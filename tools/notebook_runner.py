"""Execute the course notebooks with papermill and report how each run went.

Used by ``tools/build_book.py`` (``make book``) and by the notebook tests (``make test``), so
that the book and the tests execute notebooks the same way.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "executed"
RESULTS = ROOT / "_build" / "results"


@dataclass
class RunReport:
    """How one notebook's execution went."""

    notebook: str
    ok: bool
    seconds: float
    profile: str = "-"
    device: str = "-"
    peak_memory_mb: float | None = None
    error: str = ""


def chapter_notebooks() -> list[Path]:
    """The chapter notebooks in book order (``notebooks/NN_*.ipynb``)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def book_notebooks() -> list[Path]:
    """The book's own notebooks (``book/*.ipynb``), executed after the chapters."""
    return sorted((ROOT / "book").glob("*.ipynb"))


def chapter_key(notebook: Path) -> str | None:
    """``notebooks/02_sst2.ipynb`` -> ``'ch02'``; None for a notebook that is no chapter."""
    match = re.match(r"(\d\d)_", notebook.name)
    return f"ch{match.group(1)}" if match else None


def executed_path(notebook: Path) -> Path:
    """Where the executed copy of ``notebook`` is written."""
    return EXECUTED / notebook.relative_to(ROOT)


def stored_outputs(notebook: Path) -> int:
    """How many code cells of ``notebook`` carry outputs or execution counts."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    )


@contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _error_summary(exc: Exception) -> str:
    """The notebook's own error (papermill wraps it) in a few lines."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(exc).__name__}: {exc}"


def execute(
    notebook: Path,
    profile: str | None,
    env: dict[str, str] | None = None,
    results_dir: Path = RESULTS,
) -> RunReport:
    """Execute ``notebook`` into :func:`executed_path` with the given profile and environment.

    ``profile=None`` leaves the notebook's parameter alone (``COURSE_PROFILE`` or auto decide).
    """
    target = executed_path(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"profile": profile} if profile else {}
    values = {"COURSE_RESULTS_DIR": str(results_dir), **(env or {})}
    start = time.perf_counter()
    error = ""
    with _environment(values):
        try:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=parameters,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=True,
            )
        except Exception as exc:  # papermill raises its own and nbclient's errors
            error = _error_summary(exc)
    seconds = time.perf_counter() - start
    report = RunReport(notebook.relative_to(ROOT).as_posix(), not error, seconds, error=error)
    key = chapter_key(notebook)
    record = results_dir / f"{key}.json" if key else None
    if record is not None and record.is_file():
        data = json.loads(record.read_text(encoding="utf-8"))
        report.profile, report.device = data["profile"], data["device"]
        report.peak_memory_mb = data.get("peak_memory_mb")
    elif profile:
        report.profile = profile
    return report


def format_table(reports: list[RunReport]) -> str:
    """A plain-text table of the runs."""
    header = f"{'notebook':<42} {'status':<6} {'profile':<7} {'device':<28} {'time':>9} {'peak MB':>8}"
    lines = [header, "-" * len(header)]
    for r in reports:
        peak = f"{r.peak_memory_mb:8.0f}" if r.peak_memory_mb else f"{'-':>8}"
        lines.append(
            f"{r.notebook:<42} {'ok' if r.ok else 'FAIL':<6} {r.profile:<7} {r.device[:28]:<28} "
            f"{r.seconds:8.1f}s {peak}"
        )
    total = sum(r.seconds for r in reports)
    lines.append(f"{'total':<42} {'':<6} {'':<7} {'':<28} {total:8.1f}s")
    return "\n".join(lines)
