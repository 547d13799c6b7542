"""Execute the course notebooks with papermill and report how each run went.

Used by ``tools/build_book.py`` (``make book``) and by the notebook tests (``make test``), so
that the book and the tests execute notebooks the same way.
"""

from __future__ import annotations

import dataclasses
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
# A cell that runs longer than this is taken to hang and fails the run (the full profile's longest
# training cells take minutes on a GPU; a CPU run of the full profile may take hours).
CELL_TIMEOUT_S = 4 * 3600
# Environment variables that name folders: the notebooks run in notebooks/, so a relative path
# given by the caller is made absolute against the caller's working folder first.
PATH_VARIABLES = ("COURSE_DATA_DIR", "COURSE_DATA_MIRROR", "COURSE_RESULTS_DIR", "COURSE_DATA_FIXTURES")


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


def report_path(notebook: Path) -> Path:
    """Where :func:`execute` saves the :class:`RunReport` of ``notebook`` (beside the executed copy)."""
    return executed_path(notebook).with_suffix(".run.json")


def save_report(notebook: Path, report: RunReport) -> None:
    """Save ``report`` at :func:`report_path` (``make book-from-tests`` reads it back)."""
    text = json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=2)
    report_path(notebook).write_text(text, encoding="utf-8")


def load_report(notebook: Path) -> RunReport | None:
    """The report that the last :func:`execute` of ``notebook`` saved, if any."""
    path = report_path(notebook)
    if not path.is_file():
        return None
    return RunReport(**json.loads(path.read_text(encoding="utf-8")))


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


def absolute_paths(values: dict[str, str]) -> dict[str, str]:
    """``values`` plus every :data:`PATH_VARIABLES` entry of ``values`` or of the environment,
    made absolute against the working folder (a mirror given as a URL is left alone)."""
    result = dict(values)
    for key in PATH_VARIABLES:
        value = result.get(key, os.environ.get(key))
        if value and "://" not in value:
            result[key] = str(Path(value).expanduser().resolve())
    return result


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
    values = {
        "COURSE_RESULTS_DIR": str(results_dir),
        # Without ipywidgets, tqdm.auto falls back to text bars and warns "IProgress not found" on
        # every page of the book; the warning is about the build kernel, not the reader.
        "PYTHONWARNINGS": "ignore:IProgress not found",
        **(env or {}),
    }
    start = time.perf_counter()
    error = ""
    with _environment(absolute_paths(values)):
        try:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=parameters,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=True,
                execution_timeout=CELL_TIMEOUT_S,
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
    save_report(notebook, report)
    return report


REPORT_COLUMNS = ("notebook", "status", "profile", "device", "wall time", "peak memory")


def _report_rows(reports: list[RunReport]) -> list[tuple[str, ...]]:
    rows = [
        (
            r.notebook,
            "ok" if r.ok else "FAIL",
            r.profile,
            r.device,
            f"{r.seconds:.1f} s",
            f"{r.peak_memory_mb:,.0f} MB" if r.peak_memory_mb else "-",
        )
        for r in reports
    ]
    rows.append(("total", "", "", "", f"{sum(r.seconds for r in reports):.1f} s", ""))
    return rows


def format_table(reports: list[RunReport]) -> str:
    """A plain-text table of the runs: profile, device, wall time and peak memory per notebook."""
    rows = [REPORT_COLUMNS, *_report_rows(reports)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(REPORT_COLUMNS))]
    right = {4, 5}  # numbers

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    return "\n".join([line(rows[0]), "-" * len(line(rows[0])), *(line(row) for row in rows[1:])])


def format_markdown(reports: list[RunReport]) -> str:
    """The same table in Markdown."""
    lines = ["| " + " | ".join(REPORT_COLUMNS) + " |", "|" + "---|" * 4 + "---:|" * 2]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _report_rows(reports)]
    return "\n".join(lines)
