"""Execute the course notebooks with papermill for the tests, and read back how each run went.

What the tests execute goes to :func:`output_of_tests` (``COURSE_TEST_OUTPUT``, else a folder of
this checkout in the system's temporary folder), never into the repository's ``_build/``, which
belongs to ``jupyter-book build .``.

One record per fact: how an execution went is read back from what it left, never stored twice.
The executed copy holds papermill's metadata (duration, whether it raised) and every cell's
outputs (the error, a cell that never ran, the source it was made from); the chapter's own
record (``<results>/chNN.json``) holds whether ``run.finish()`` ran. :func:`run_report` derives a
:class:`RunReport` from the two.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
# The folder the tests write their executions into (see output_of_tests()).
ENV_TEST_OUTPUT = "COURSE_TEST_OUTPUT"
# A cell that runs longer than this is taken to hang and fails the run (the full profile's longest
# training cells take minutes on a GPU; a CPU run of the full profile may take hours).
CELL_TIMEOUT_S = 4 * 3600
# Environment variables that name folders: the notebooks run in notebooks/, so a relative path
# given by the caller is made absolute against the caller's working folder first.
PATH_VARIABLES = ("COURSE_DATA_DIR", "COURSE_DATA_MIRROR", "COURSE_RESULTS_DIR", "COURSE_DATA_FIXTURES",
                  "COURSE_SETTINGS")


@dataclass
class RunReport:
    """How one notebook's execution went."""

    notebook: str
    ok: bool
    seconds: float
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


def output_of_tests() -> Path:
    """Where the tests write the notebooks they execute and the chapters' records
    (``executed/`` and ``results/`` inside it, and the book that tests/test_book.py builds).

    ``COURSE_TEST_OUTPUT`` names it (.ci/run sets a fresh folder); without it, it is a folder of
    this checkout in the system's temporary folder (``$TMPDIR`` or ``/tmp``), the same for
    ``make test`` and ``make browser-test``, and different for two checkouts. It is never in the
    repository's ``_build/``, which belongs to ``jupyter-book build .``.
    """
    value = os.environ.get(ENV_TEST_OUTPUT)
    if value:
        folder = Path(value).expanduser().resolve()
    else:
        checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()).resolve() / f"course-book-tests-{checkout}"
    if folder == BUILD or BUILD in folder.parents:
        raise ValueError(f"{ENV_TEST_OUTPUT}={value} is inside {BUILD}, which belongs to the book's build: "
                         "choose a folder outside it")
    return folder


def executed_path(notebook: Path, folder: Path) -> Path:
    """Where the executed copy of ``notebook`` is written in ``folder``."""
    return folder / notebook.relative_to(ROOT)


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(type, source) of the notebook's cells, without the cell papermill injects."""
    return [(c.cell_type, c.source) for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]


def made_from_current_source(notebook: Path, executed: Path) -> bool:
    """Whether the executed copy was made from ``notebook`` as it is now (same cells)."""
    return _cells(nbformat.read(executed, as_version=4)) == _cells(nbformat.read(notebook, as_version=4))


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


def _cell_label(notebook: Path, source: str) -> str:
    """'cell 5 (`x = 1 / 0`)': the position of the cell with ``source`` among the notebook's
    cells, counted from 1, and its first line (papermill adds cells to the executed copy)."""
    first_line = source.strip().splitlines()[0] if source.strip() else ""
    cells = nbformat.read(notebook, as_version=4).cells
    number = next((i for i, cell in enumerate(cells, start=1) if cell.source == source), None)
    return f"cell {number} (`{first_line}`)" if number else f"the cell `{first_line}`"


def _raised(notebook: Path, cells: list[nbformat.NotebookNode]) -> str:
    """'cell 4 (`y = x / 0`): ZeroDivisionError: division by zero' for the first cell whose output
    is an error; '' when none is."""
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"{_cell_label(notebook, cell.source)}: {output.ename}: {output.evalue}"
    return ""


def stopped_early(notebook: Path, cells: list[nbformat.NotebookNode]) -> str:
    """Why the executed ``cells`` show that ``notebook`` stopped before its last cell (e.g. a
    ``sys.exit()``, which papermill does not count as an error); '' when every cell ran."""
    code = [c for c in cells if c.cell_type == "code" and c.source.strip()]
    ran = [c for c in code if c.get("execution_count") is not None]
    if len(ran) == len(code):
        return ""
    skipped = len(code) - len(ran)
    if not ran:
        return f"the notebook stopped before its first cell; {skipped} code cells did not run"
    raised = [f" with {o.ename}: {o.evalue}" for o in ran[-1].get("outputs", []) if o.output_type == "error"]
    return (
        f"the notebook stopped in {_cell_label(notebook, ran[-1].source)}{raised[0] if raised else ''}; "
        f"{skipped} later code cells did not run"
    )


def kernel_environment(results_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables that :func:`execute` sets for the notebook's kernel: the records
    go to ``results_dir``, ``env`` is added, and folders are made absolute (:func:`absolute_paths`).
    The tests re-execute a notebook under nbval with the same variables."""
    values = {
        "COURSE_RESULTS_DIR": str(results_dir),
        # Without ipywidgets, tqdm.auto falls back to text bars and warns "IProgress not found".
        "PYTHONWARNINGS": "ignore:IProgress not found",
        **(env or {}),
    }
    return absolute_paths(values)


def execute(
    notebook: Path, profile: str | None, results_dir: Path, output: Path, env: dict[str, str] | None = None
) -> RunReport:
    """Execute ``notebook`` into ``output`` with the given profile and environment, the chapter's
    record going to ``results_dir``, and return :func:`run_report` of the run.

    ``profile=None`` leaves the notebook's parameter alone (``COURSE_PROFILE`` or auto decide).
    """
    target = output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # an earlier executed copy must not speak for this run
    parameters = {"profile": profile} if profile else {}
    key = chapter_key(notebook)
    if key:
        (results_dir / f"{key}.json").unlink(missing_ok=True)  # nor an earlier record
    failure: Exception | None = None
    with _environment(kernel_environment(results_dir, env)):
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
            failure = exc
    report = run_report(notebook, target, results_dir)
    if isinstance(failure, CellTimeoutError):
        report.ok, report.error = False, (f"{report.notebook}: {_running_cell(notebook, target)} ran longer than "
                                          f"the limit of {CELL_TIMEOUT_S:,} s per cell and was stopped (a timeout)")
    elif isinstance(failure, DeadKernelError):
        report.ok, report.error = False, (f"{report.notebook}: the kernel died while {_running_cell(notebook, target)} "
                                          "was running (out of memory, or the process was killed)")
    elif failure is not None and report.ok:  # a failure that the executed copy does not show
        report.ok, report.error = False, f"{report.notebook}: " + f"{type(failure).__name__}: {failure}".splitlines()[0]
    return report


def _running_cell(notebook: Path, executed: Path) -> str:
    """The label of the last cell that papermill started in the executed copy (the one running when
    the execution stopped)."""
    started = [cell for cell in nbformat.read(executed, as_version=4).cells
               if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")]
    return _cell_label(notebook, started[-1].source) if started else "the first cell"


def run_report(notebook: Path, executed: Path, results_dir: Path) -> RunReport:
    """How the execution of ``notebook`` into ``executed`` went, read from the executed copy and
    the chapter's record in ``results_dir``. It failed when a cell raised, when papermill saw
    an exception, when the notebook stopped before its last cell, and, for a chapter, when its
    record is not finished (``run.finish()`` never ran)."""
    name = notebook.relative_to(ROOT).as_posix()
    if not executed.is_file():
        return RunReport(name, False, 0.0, error=f"{name}: not executed ({executed} is missing)")
    nb = nbformat.read(executed, as_version=4)
    papermill_run = nb.metadata.get("papermill", {})
    key = chapter_key(notebook)
    record_path = results_dir / f"{key}.json" if key else None
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path and record_path.is_file() else {}
    error = stopped_early(notebook, nb.cells) or _raised(notebook, nb.cells)
    if not error and papermill_run.get("exception"):
        error = "the execution failed outside the cells (papermill recorded an exception)"
    if not error and record_path is not None and not record.get("finished"):
        error = f"the chapter did not reach run.finish() ({record_path.name} is {'unfinished' if record else 'missing'})"
    return RunReport(
        name,
        not error,
        float(papermill_run.get("duration") or 0.0),
        error=error and f"{name}: {error}",
    )
