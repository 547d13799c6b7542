"""Build the course book: execute every notebook, then render the HTML with Jupyter Book 1.

    python tools/build_book.py                   # execute with COURSE_PROFILE or auto, build
    python tools/build_book.py --profile quick   # force a profile
    python tools/build_book.py --reuse-executed  # build from notebooks the tests executed

The executed notebooks go to ``_build/executed/``; the book's sources are staged with them in
``_build/book-src/`` and the HTML lands in ``_build/book-src/_build/html``. At the end a table
gives each notebook's profile, device, wall time and peak memory.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from notebook_runner import (
    EXECUTED,
    ROOT,
    RunReport,
    book_notebooks,
    chapter_notebooks,
    execute,
    executed_path,
    format_table,
)

STAGE = ROOT / "_build" / "book-src"
BOOK_FILES = ("_config.yml", "_toc.yml", "LICENSE", "LICENSE-CONTENT")


def stage_sources() -> Path:
    """Copy the book's sources to the staging folder, with executed notebooks in place."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(ROOT / name, STAGE / name)
    shutil.copytree(ROOT / "book", STAGE / "book", ignore=shutil.ignore_patterns("*.ipynb", ".*"))
    for notebook in [*chapter_notebooks(), *book_notebooks()]:
        executed = executed_path(notebook)
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


def build_html(strict: bool) -> Path:
    """Run ``jupyter-book build`` on the staged sources; return the HTML folder."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(STAGE), "--builder", "html"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    return STAGE / "_build" / "html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="smoke, quick, full or auto (default: COURSE_PROFILE, else auto)")
    parser.add_argument("--reuse-executed", action="store_true", help=f"use the notebooks in {EXECUTED}")
    parser.add_argument("--strict", action="store_true", help="turn Sphinx warnings into errors")
    args = parser.parse_args()

    reports: list[RunReport] = []
    if not args.reuse_executed:
        if EXECUTED.exists():
            shutil.rmtree(EXECUTED)
        reports = run_all(args.profile)
        failed = [r for r in reports if not r.ok]
        if failed:
            print("\n" + format_table(reports))
            for r in failed:
                print(f"\n{r.notebook} でエラー:\n  {r.error}")
            return 1
    stage_sources()
    html = build_html(args.strict)
    if reports:
        print("\n実行レポート\n" + format_table(reports))
    print(f"\nHTML: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
