"""Build the course book: execute every notebook, then render the HTML with Jupyter Book 1.

    python tools/build_book.py                   # execute with COURSE_PROFILE or auto, build
    python tools/build_book.py --profile quick   # force a profile
    python tools/build_book.py --reuse-executed  # build from the notebooks `make test` executed

The executed notebooks go to ``_build/executed/`` and the chapters' records to
``_build/results/``. With --reuse-executed nothing is executed: the book is made of the copies
that the smoke runs of ``make test`` left in the tests' output folder
(``notebook_runner.output_of_tests()``: ``COURSE_TEST_OUTPUT``, else a folder of this checkout in
the system's temporary folder), with their records beside them. Either way the book's sources
are staged in ``_build/book-src/`` and the HTML lands in ``_build/book-src/_build/html``. At the
end the run report gives each notebook's profile, device, wall time and peak memory (from the
executions of this run, or with --reuse-executed from those that executed the notebooks); it is
also written to ``_build/run-report.md`` and ``_build/run-report.json``.

Nothing broken or stale is published: the previous build is removed first, a failed notebook
stops the build (naming it), --reuse-executed takes an executed copy only when it ran without
error from the notebook as it is now, and a failed HTML build leaves no HTML behind.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from notebook_runner import (
    EXECUTED,
    RESULTS,
    ROOT,
    RunReport,
    book_notebooks,
    chapter_notebooks,
    execute,
    executed_path,
    format_markdown,
    format_table,
    made_from_current_source,
    run_report,
    output_of_tests,
)

STAGE = ROOT / "_build" / "book-src"
REPORT = ROOT / "_build" / "run-report"
BOOK_FILES = ("_toc.yml", "LICENSE", "LICENSE-CONTENT")  # and _config.yml, see staged_config()


def staged_config() -> dict:
    """_config.yml for the staged book: Jupyter Book's own execution switched off.

    The staged notebooks are papermill's executed copies; "auto" would execute them again (it
    runs every notebook that has a code cell without output) in another profile.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    return config


def stage_sources(executed_dir: Path = EXECUTED) -> Path:
    """Copy the book's sources to the (emptied) staging folder, with the executed notebooks of
    ``executed_dir`` in place."""
    STAGE.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(ROOT / name, STAGE / name)
    (STAGE / "_config.yml").write_text(
        yaml.safe_dump(staged_config(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    shutil.copytree(ROOT / "book", STAGE / "book", ignore=shutil.ignore_patterns("*.ipynb", ".*", "__pycache__"))
    for notebook in [*chapter_notebooks(), *book_notebooks()]:
        executed = executed_path(notebook, executed_dir)
        if not executed.is_file():
            raise SystemExit(
                f"{notebook.relative_to(ROOT)} has not been executed ({executed} is missing): "
                "run 'make test' (smoke) or 'make book' first."
            )
        target = STAGE / notebook.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(executed, target)
    return STAGE


def run_all(profile: str | None) -> list[RunReport]:
    """Execute the chapters, then the book's own notebooks; print a line per notebook."""
    reports = []
    for notebook in [*chapter_notebooks(), *book_notebooks()]:
        print(f"実行中: {notebook.relative_to(ROOT)} ...", flush=True)
        report = execute(notebook, profile if notebook.parent.name == "notebooks" else None)
        status = "ok" if report.ok else f"失敗\n    {report.error}"
        print(f"  {report.seconds:.1f} 秒 {status}", flush=True)
        reports.append(report)
    return reports


def write_run_report(reports: list[RunReport]) -> None:
    """Print the run report and write it to ``_build/run-report.md`` and ``.json``."""
    print("\n実行レポート（ノートブックごとのプロファイル、デバイス、実行時間、ピークメモリ）\n" + format_table(reports))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.with_suffix(".md").write_text(
        "# 実行レポート\n\n" + format_markdown(reports) + "\n", encoding="utf-8"
    )
    REPORT.with_suffix(".json").write_text(
        json.dumps([dataclasses.asdict(r) for r in reports], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"（{REPORT.with_suffix('.md').relative_to(ROOT)} と .json にも書きました）")


def saved_reports(output: Path) -> list[RunReport]:
    """The reports of the executions that wrote the executed copies in ``output`` (``executed/``,
    with the records in ``results/``: what ``make test`` leaves in :func:`output_of_tests`); exits
    naming the notebook when one is missing, failed, or was edited after it was executed."""
    reports = []
    for notebook in [*chapter_notebooks(), *book_notebooks()]:
        name = notebook.relative_to(ROOT)
        executed = executed_path(notebook, output / "executed")
        if not executed.is_file():
            raise SystemExit(f"{name} has not been executed ({executed} is missing): run 'make test' first.")
        report = run_report(notebook, executed, output / "results")
        if not report.ok:
            raise SystemExit(f"{name} failed when it was executed ({report.error}): fix it and run 'make test' again.")
        if not made_from_current_source(notebook, executed):
            raise SystemExit(f"{name} was changed after it was executed: run 'make test' again.")
        reports.append(report)
    return reports


def build_html(strict: bool) -> Path:
    """Run ``jupyter-book build`` on the staged sources; return the HTML folder."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(STAGE), "--builder", "html"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    return STAGE / "_build" / "html"


def main() -> int:
    """``make book``: execute the notebooks (or reuse the executed copies), build the HTML, print
    where it is and the run report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="smoke, quick, full or auto (default: COURSE_PROFILE, else auto)")
    parser.add_argument("--reuse-executed", action="store_true",
                        help="use the notebooks that `make test` executed (in COURSE_TEST_OUTPUT, else a "
                             "temporary folder of this checkout)")
    parser.add_argument("--strict", action="store_true", help="turn Sphinx warnings into errors")
    args = parser.parse_args()

    if STAGE.exists():  # a failed build must not leave the previous book where the new one is announced
        shutil.rmtree(STAGE)
    if args.reuse_executed:
        executed_dir = output_of_tests() / "executed"
        print(f"make test が実行したノートブック（{executed_dir}）から本を作ります。", flush=True)
        reports = saved_reports(output_of_tests())
    else:
        executed_dir = EXECUTED
        for stale in (EXECUTED, RESULTS):
            if stale.exists():
                shutil.rmtree(stale)
        reports = run_all(args.profile)
        failed = [r for r in reports if not r.ok]
        if failed:
            write_run_report(reports)
            for r in failed:
                print(f"\n{r.notebook} でエラー:\n  {r.error}")
            return 1
    stage_sources(executed_dir)
    try:
        html = build_html(args.strict)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(STAGE / "_build", ignore_errors=True)
        print(f"\njupyter-book build が失敗しました（終了コード {exc.returncode}）。HTML は作られていません。")
        return 1
    finally:
        write_run_report(reports)
    print(f"\nHTML: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
