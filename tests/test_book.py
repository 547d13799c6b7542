"""``jupyter-book build .``, the instructors' command: the whole book, executed and cached.

The book is built in the smoke profile on the fixture data into ``book/`` of the tests' output
folder (``make browser-test`` opens it), with Sphinx warnings as errors, then built again: the
second build executes nothing. A small book with a failing cell must fail, naming the notebook
and the cell, and leave no HTML. The cache keys of book/_ext/book_pages.py are checked without a
build: a change to a chapter's code, the package, the profile or the chapter's settings changes
its key, and a change to its prose does not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from notebook_runner import ROOT, chapter_notebooks, output_of_tests

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import book_pages  # noqa: E402

BOOK = output_of_tests() / "book"
STRICT = ("-W", "-n", "--keep-going")


def build(source: Path, output: Path, env: dict[str, str], *options: str) -> tuple[int, str]:
    """Run ``jupyter-book build`` on ``source`` into ``output``; its return code and output."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "--path-output", str(output),
               *options]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def smoke_env(fixture_dir, tmp_path_factory) -> dict[str, str]:
    env = {**os.environ, "COURSE_PROFILE": "smoke", "COURSE_DATA_FIXTURES": str(fixture_dir),
           "COURSE_DATA_DIR": str(tmp_path_factory.mktemp("cache")), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    for name in ("COURSE_RESULTS_DIR", "COURSE_SETTINGS", "COURSE_DEVICE", "COURSE_DATA_MIRROR"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def first_build(smoke_env, matplotlib_font_cache) -> str:
    shutil.rmtree(BOOK, ignore_errors=True)
    returncode, log = build(ROOT, BOOK, smoke_env, *STRICT)
    assert returncode == 0, log[-6000:]
    return log


@pytest.mark.notebook
def test_the_build_executes_every_chapter_then_the_results_page(first_build):
    html = BOOK / "_build" / "html"
    for notebook in chapter_notebooks():
        assert f"{notebook}: Executed notebook" in first_build
        assert (html / "notebooks" / f"{notebook.stem}.html").is_file()
    last_chapter = max(first_build.index(f"{notebook}: Executed notebook") for notebook in chapter_notebooks())
    assert first_build.index(f"{ROOT / 'book' / 'results.ipynb'}: Executed notebook") > last_chapter
    chapters = len(chapter_notebooks())
    assert f"記録のある章: {chapters} / {chapters}" in (html / "book" / "results.html").read_text(encoding="utf-8")


@pytest.mark.notebook
def test_a_second_build_executes_nothing(first_build, smoke_env):
    returncode, log = build(ROOT, BOOK, smoke_env, *STRICT)
    assert returncode == 0, log[-6000:]
    assert "Executing notebook" not in log and "Executed notebook" not in log


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 壊れた章"), *(nbformat.v4.new_code_cell(s) for s in sources)]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.mark.notebook
def test_a_failing_cell_fails_the_build_naming_it_and_leaves_no_html(tmp_path, smoke_env):
    source = tmp_path / "book-source"
    shutil.copytree(ROOT / "book" / "_ext", source / "book" / "_ext")
    shutil.copy(ROOT / "_config.yml", source)
    (source / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/01_broken\n")
    (source / "intro.md").write_text("# はじめに\n", encoding="utf-8")
    _notebook(source / "notebooks" / "01_broken.ipynb", "x = 1", "y = x / 0")
    earlier = tmp_path / "out" / "_build" / "html" / "index.html"  # a page of an earlier build
    earlier.parent.mkdir(parents=True)
    earlier.write_text("an earlier book")
    returncode, log = build(source, tmp_path / "out", smoke_env)
    assert returncode != 0
    assert "01_broken.ipynb" in log and "y = x / 0" in log and "ZeroDivisionError" in log
    assert not earlier.parent.exists()


# The cache keys, without a build.

CHAPTER = "notebooks/01_pytorch_basics"


def _key(text: str, package: str = "package") -> str:
    return book_pages.chapter_key(SimpleNamespace(env=SimpleNamespace(course_package=package)), CHAPTER, text)


def _edited(text: str, cell_type: str, edit) -> str:
    notebook = json.loads(text)
    edit(next(cell for cell in notebook["cells"] if cell["cell_type"] == cell_type))
    return json.dumps(notebook)


def test_a_chapter_key_follows_its_code_package_profile_and_settings_not_its_prose(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    text = (ROOT / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")
    key = _key(text)
    assert _key(_edited(text, "markdown", lambda cell: cell.update(source="# 別の見出し"))) == key
    assert _key(_edited(text, "code", lambda cell: cell.update(source="print(1)"))) != key
    assert _key(_edited(text, "code", lambda cell: cell["metadata"].update(tags=["hide-input"]))) != key
    assert _key(text, package="another package") != key
    settings = tmp_path / "settings.toml"
    monkeypatch.setenv("COURSE_SETTINGS", str(settings))
    settings.write_text("[ch02]\nseed = 3\n")  # another chapter's settings
    assert _key(text) == key
    settings.write_text("[ch01]\nseed = 3\n")
    assert _key(text) != key
    monkeypatch.delenv("COURSE_SETTINGS")
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(tmp_path))
    assert _key(text) != key
    fixtures_key = _key(text)
    assert fixtures_key != key
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert _key(text) != fixtures_key


def test_the_package_digest_follows_every_file_but_the_settings(monkeypatch, tmp_path):
    import course_utils

    copy = tmp_path / "course_utils"
    shutil.copytree(Path(course_utils.__file__).parent, copy)
    monkeypatch.setattr(course_utils, "__file__", str(copy / "__init__.py"))
    digest = book_pages.package_digest()
    with open(copy / "profiles.toml", "a", encoding="utf-8") as toml:
        toml.write("\n# a comment\n")  # counted per chapter, in chapter_key
    assert book_pages.package_digest() == digest
    with open(copy / "training.py", "a", encoding="utf-8") as module:
        module.write("\n# a comment\n")
    assert book_pages.package_digest() != digest


def test_a_chapter_whose_key_changed_is_read_again_with_the_results_page(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    chapters = [f"notebooks/{notebook.stem}" for notebook in chapter_notebooks()]
    app = SimpleNamespace(env=SimpleNamespace(course_package="package"))
    keys = {d: book_pages.chapter_key(app, d, (ROOT / f"{d}.ipynb").read_text(encoding="utf-8")) for d in chapters}
    env = SimpleNamespace(found_docs={*chapters, book_pages.RESULTS_PAGE, "book/intro"}, course_keys=keys,
                          doc2path=lambda docname: ROOT / f"{docname}.ipynb")
    assert book_pages.outdated(app, env, set(), set(), set()) == []
    assert book_pages.outdated(app, env, set(), {"book/intro"}, set()) == []
    assert book_pages.outdated(app, env, set(), {chapters[0]}, set()) == [book_pages.RESULTS_PAGE]
    env.course_keys = {**keys, chapters[1]: "the key of another package"}
    assert book_pages.outdated(app, env, set(), set(), set()) == [chapters[1], book_pages.RESULTS_PAGE]
    docnames = [book_pages.RESULTS_PAGE, *chapters]
    book_pages.results_page_last(app, env, docnames)
    assert docnames == [*chapters, book_pages.RESULTS_PAGE]


def test_each_execution_records_under_its_key_and_the_results_page_reads_the_current_ones(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    app = SimpleNamespace(env=SimpleNamespace(course_package="package", course_keys={}, found_docs={CHAPTER}),
                          config=SimpleNamespace(nb_execution_cache_path=str(tmp_path / "cache")),
                          outdir=str(tmp_path / "_build" / "html"))
    source = [(ROOT / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")]
    book_pages.prepare_source(app, CHAPTER, source)
    key = app.env.course_keys[CHAPTER]
    first_code = next(cell for cell in json.loads(source[0])["cells"] if cell["cell_type"] == "code")
    assert first_code["metadata"][book_pages.KEY_METADATA] == key  # what jupyter-cache hashes
    assert os.environ["COURSE_RESULTS_DIR"] == str(tmp_path / "cache" / "course-records" / key)
    for folder, text in [(key, "current"), ("an earlier key", "earlier")]:
        (tmp_path / "cache" / "course-records" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "cache" / "course-records" / folder / "ch01.json").write_text(text)
    book_pages.prepare_source(app, book_pages.RESULTS_PAGE, [""])
    assert os.environ["COURSE_RESULTS_DIR"] == str(tmp_path / "_build" / "results")
    assert (tmp_path / "_build" / "results" / "ch01.json").read_text() == "current"


def test_repeated_inline_scripts_are_kept_once():
    def script(filename, **attributes):
        return SimpleNamespace(filename=filename, attributes=attributes)

    thebe = script("", body="const THEBE_JS_URL = 'x'")
    context = {"script_files": [script("a.js"), thebe, script("b.js"), script("", body="const THEBE_JS_URL = 'x'"),
                                script("a.js", defer="defer")]}
    book_pages.drop_repeated_scripts(None, "intro", "page.html", context, None)
    assert [(s.filename, s.attributes) for s in context["script_files"]] == [
        ("a.js", {}), ("", {"body": "const THEBE_JS_URL = 'x'"}), ("b.js", {}), ("a.js", {"defer": "defer"})]
