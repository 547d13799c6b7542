"""Every notebook: committed without outputs, parameterised, and executed in the smoke profile.

The smoke runs use the synthetic fixture data and the offline models only, so they pass with no
network and no mirror. The executed copies land in _build/executed/ and their results in
_build/results/, from which CI builds the HTML book.

``make test-quick`` (``COURSE_TEST_QUICK=1``; offline, with a mirror) also runs every chapter in the quick
profile on the real data and checks each recorded figure against its measured quick range; it
takes about 20 minutes on 2 CPU cores, so ``make test`` leaves it out.
"""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest
from course_utils import profiles
from notebook_runner import RESULTS, ROOT, book_notebooks, chapter_key, chapter_notebooks, execute, stored_outputs

CHAPTERS = chapter_notebooks()
ALL = CHAPTERS + book_notebooks()


def _id(path):
    return path.name


@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_committed_without_outputs(notebook):
    assert stored_outputs(notebook) == 0, f"{notebook.name} carries outputs: clear them before committing"


# Figures that a chapter must draw (issue 17): the code cell that draws one carries this tag, so
# that the browser test can find the picture in the built page.
FIGURES = {
    "ch01": "figure-cbow-2d",
    "ch03": "figure-learning-curve",
    "ch04": "figure-transfer-strategies",
    "ch05": "figure-truncated-bptt",
}
EXERCISE_LEVELS = ("確認", "応用", "発展")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_has_graded_exercises_with_hidden_checked_solutions(notebook):
    """At least three exercises, each a markdown heading that begins with 練習問題 and names its
    level, followed by solution code cells (tag ``solution``) hidden in the book with their
    output (``hide-cell``) that check themselves (an assert or a recorded figure)."""
    cells = nbformat.read(notebook, as_version=4).cells
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and re.match(r"#+ 練習問題", c.source.lstrip())]
    assert len(starts) >= 3, f"{notebook.name} has {len(starts)} exercises; at least 3 are needed"
    for n, start in enumerate(starts):
        heading = cells[start].source.lstrip().splitlines()[0]
        assert any(level in heading for level in EXERCISE_LEVELS), f"{heading!r} names no level {EXERCISE_LEVELS}"
        end = next((i for i in range(start + 1, len(cells))
                    if cells[i].cell_type == "markdown" and cells[i].source.lstrip().startswith("#")), len(cells))
        solutions = [c for c in cells[start + 1 : end] if "solution" in c.metadata.get("tags", [])]
        assert solutions, f"{heading!r} has no solution cell (tag 'solution')"
        for cell in solutions:
            assert cell.cell_type == "code" and "hide-cell" in cell.metadata["tags"], f"{heading!r}: hide the solution with its output (tag 'hide-cell')"
        assert any("assert " in c.source or "run.record(" in c.source for c in solutions), (
            f"{heading!r}: the solution checks nothing (an assert or run.record)")


@pytest.mark.parametrize("chapter, tag", FIGURES.items())
def test_chapter_draws_its_explaining_figure(chapter, tag):
    notebook = next(p for p in CHAPTERS if chapter_key(p) == chapter)
    tagged = [c for c in nbformat.read(notebook, as_version=4).cells if tag in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name}: one code cell tagged {tag!r} draws the figure"
    assert tagged[0].cell_type == "code" and ("plt." in tagged[0].source or "ax." in tagged[0].source)


def prose_cells_showing_their_code(cells) -> list[str]:
    """The first line of each code cell that writes Markdown (``Markdown(``: sentences or an
    attribution built from the run's figures) but shows its code in the book. Such a cell is
    tagged ``remove-input``: the book shows the prose without the f-strings that build it, and
    the notebook (Colab) still runs it. A cell whose code is the lesson keeps it visible by not
    writing Markdown: split it into the lesson cell and the prose cell. Exercise solutions (tag
    ``solution``, hidden whole by ``hide-cell``) are exempt."""
    return [cell.source.splitlines()[0] for cell in cells
            if cell.cell_type == "code" and re.search(r"\bMarkdown\(", cell.source)
            and not {"remove-input", "solution"} & set(cell.metadata.get("tags", []))]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_prose_cells_hide_their_code(notebook):
    shown = prose_cells_showing_their_code(nbformat.read(notebook, as_version=4).cells)
    assert not shown, f"{notebook.name}: tag these prose cells 'remove-input' (or split off the lesson code): {shown}"


def test_the_prose_rule_finds_an_untagged_prose_cell():
    cells = [nbformat.v4.new_code_cell('display(Markdown(f"正解率は {acc:.3f} でした。"))'),
             nbformat.v4.new_code_cell('display(Markdown("tagged"))', metadata={"tags": ["remove-input"]}),
             nbformat.v4.new_code_cell('display(Markdown("solution"))', metadata={"tags": ["solution", "hide-cell"]}),
             nbformat.v4.new_code_cell("from IPython.display import Markdown, display"),
             nbformat.v4.new_markdown_cell("display(Markdown(...)) in prose")]
    assert prose_cells_showing_their_code(cells) == ['display(Markdown(f"正解率は {acc:.3f} でした。"))']


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_has_a_profile_parameter_and_records_results(notebook):
    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters' is needed for papermill"
    assert "profile = None" in tagged[0].source
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'start_chapter("{chapter_key(notebook)}"' in source
    assert ".finish()" in source


def _offline_env(fixture_dir, tmp_path) -> dict[str, str]:
    """The fixture data, an empty cache and no Hub: the environment of the offline notebook runs."""
    return {
        "COURSE_DATA_FIXTURES": str(fixture_dir),
        "COURSE_DATA_DIR": str(tmp_path / "cache"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_runs_in_the_smoke_profile(notebook, fixture_dir, tmp_path):
    env = _offline_env(fixture_dir, tmp_path)
    key = chapter_key(notebook)
    if key:
        (RESULTS / f"{key}.json").unlink(missing_ok=True)
    report = execute(notebook, "smoke" if key else None, env=env, results_dir=RESULTS)
    assert report.ok, f"{notebook.name} failed: {report.error}"
    if key:
        record = _check_record(key, "smoke")
        # a range or target whose name the notebook never records would never be checked
        for profile in profiles.PROFILES:
            for table in ("expect", "target"):
                ranges = profiles.chapter_settings(key, profile).get(table, {})
                named_bounds = {bound for bounds in ranges.values() for bound in bounds if isinstance(bound, str)}
                unrecorded = sorted((set(ranges) | named_bounds) - set(record["metrics"]))
                assert not unrecorded, f"[{key}.{profile}.{table}] names figures the notebook does not record: {unrecorded}"


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_runs_in_the_full_profile_with_standins(notebook, fixture_dir, full_standins, tmp_path):
    """The path Colab students take: profile ``full``, its model classes and file formats, with
    stand-ins (tests/standins.py) and the sizes of tests/full_standins.toml."""
    env = {**_offline_env(fixture_dir, tmp_path), "COURSE_SETTINGS": str(full_standins)}
    results = tmp_path / "results"
    report = execute(notebook, "full", env=env, results_dir=results, output=tmp_path / notebook.name)
    assert report.ok, f"{notebook.name} failed in the full profile: {report.error}"
    record = _check_record(chapter_key(notebook), "full", results)
    assert record["settings_file"] == str(full_standins) and record["settings_overrides"]


@pytest.mark.notebook
def test_the_results_page_names_overridden_settings(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    record = {"chapter": "ch01", "profile": "full", "device": "cpu", "finished": True, "wall_time_s": 1.0,
              "settings_file": "/tmp/short.toml", "settings_overrides": {"cbow_epochs": 5},
              "metrics": {"bow_test_accuracy": {"value": 1.0, "unit": "", "expected": [1.0, 1.0]}}}
    (results / "ch01.json").write_text(json.dumps(record), encoding="utf-8")
    page = book_notebooks()[0]
    report = execute(page, None, results_dir=results, output=tmp_path / page.name)
    assert report.ok, report.error
    shown = json.dumps(nbformat.read(tmp_path / page.name, as_version=4), ensure_ascii=False)
    assert "cbow_epochs = 5" in shown and "設定の上書き" in shown


def _check_record(key: str, profile: str, folder=RESULTS) -> dict:
    """The finished record that chapter ``key`` wrote in ``profile`` (in ``folder``)."""
    record = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    assert record["profile"] == profile and record["finished"]
    assert record["metrics"], f"{key} recorded no figures"
    return record


@pytest.mark.quick
@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_meets_the_quick_ranges(notebook, real_mirror):
    if os.environ.get("COURSE_TEST_QUICK") != "1":
        pytest.skip("quick runs take about 20 minutes: run them with `make test-quick`")
    key = chapter_key(notebook)
    (RESULTS / f"{key}.json").unlink(missing_ok=True)
    # the real data: from the mirror when one is set (offline), else downloaded into the usual
    # cache (online: emotion then comes from the Hugging Face Hub)
    env = {"COURSE_DATA_DIR": str(ROOT / "data"), "TOKENIZERS_PARALLELISM": "false"}
    if real_mirror is not None:
        env.update(COURSE_DATA_MIRROR=str(real_mirror), HF_HUB_OFFLINE="1")
    report = execute(notebook, "quick", env=env, results_dir=RESULTS)
    assert report.ok, f"{notebook.name} failed: {report.error}"
    metrics = _check_record(key, "quick")["metrics"]
    expect = profiles.chapter_settings(key, "quick").get("expect", {})
    assert expect, f"[{key}.quick.expect] sets no ranges"
    for name, bounds in expect.items():
        assert name in metrics, f"{key} did not record {name}"
        value = metrics[name]["value"]
        # a bound may name a figure the chapter recorded earlier
        low, high = (metrics[b]["value"] if isinstance(b, str) else b for b in bounds)
        assert low <= value <= high, f"{key}/{name} = {value}, outside the quick range [{low}, {high}]"
