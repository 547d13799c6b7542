"""The course book's Sphinx extension (loaded through _config.yml ``sphinx.local_extensions``).

For ``jupyter-book build .`` with Jupyter Book's execution cache, it adds the package and each
chapter's settings to the chapter's cache key, keeps each execution's record under that key, runs
the results page after the chapters on their current records, offers the executed notebooks for
download, and removes the HTML of a failed build (CONTRIBUTING.md, "The book's build"). It also
drops a repeated inline ``<script>``: under Sphinx 7.4, sphinx-thebe's configuration script lands
twice on every page, and the second copy throws "Identifier 'THEBE_JS_URL' has already been
declared" in the browser console.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

RESULTS_PAGE = "book/results"
KEY_METADATA = "course_cache_key"  # cell metadata: jupyter-cache hashes it with the code cells
KERNEL_VARIABLES = ("COURSE_DATA_FIXTURES", "COURSE_DEVICE")


def is_chapter(docname: str) -> bool:
    """``notebooks/02_sst2`` is a chapter."""
    return docname.startswith("notebooks/") and docname.split("/")[-1][:2].isdigit()


def package_digest() -> str:
    """sha256 of the course package's code and data files, except profiles.toml (whose settings
    count per chapter, in :func:`chapter_key`)."""
    import course_utils

    root = Path(course_utils.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml") and path.name != "profiles.toml":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def chapter_key(app, docname: str, text: str) -> str:
    """The cache key of a chapter notebook: its code cells, the package, its settings."""
    from course_utils.profiles import chapter_settings, resolve_profile

    notebook = json.loads(text)
    profile = resolve_profile()
    settings = chapter_settings("ch" + docname.split("/")[-1][:2], profile)
    cells = [
        ("".join(cell["source"]), {k: v for k, v in cell.get("metadata", {}).items() if k != KEY_METADATA})
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ]
    parts = [cells, notebook["metadata"].get("kernelspec"), app.env.course_package, profile, dict(settings),
             [os.environ.get(name) for name in KERNEL_VARIABLES]]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def records_root(app) -> Path:
    """Where the chapters' records are kept, one folder per cache key (inside the cache folder,
    so that ``jupyter-book clean`` keeps or removes them with the cache)."""
    return Path(app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache") / "course-records"


def start(app) -> None:
    """At the start of a build: hash the package once; the kernels need no ipywidgets warning."""
    app.env.course_package = package_digest()
    if not hasattr(app.env, "course_keys"):
        app.env.course_keys = {}
    # Without ipywidgets, tqdm.auto falls back to text bars and warns "IProgress not found".
    os.environ["PYTHONWARNINGS"] = "ignore:IProgress not found"


def outdated(app, env, added, changed, removed) -> list[str]:
    """Chapters whose key changed without their file changing (the package or a setting did),
    and the results page whenever any chapter is read."""
    stale = [
        docname
        for docname in env.found_docs
        if is_chapter(docname) and docname not in added | changed
        and env.course_keys.get(docname) != chapter_key(app, docname, Path(env.doc2path(docname)).read_text("utf-8"))
    ]
    chapters_read = stale or any(is_chapter(d) for d in added | changed | removed)
    return [*stale, RESULTS_PAGE] if chapters_read and RESULTS_PAGE in env.found_docs else stale


def results_page_last(app, env, docnames: list[str]) -> None:
    """Read the results page after every chapter (Sphinx reads in name order)."""
    if RESULTS_PAGE in docnames:
        docnames.remove(RESULTS_PAGE)
        docnames.append(RESULTS_PAGE)


def prepare_source(app, docname: str, source: list[str]) -> None:
    """Before a chapter is parsed (and executed): write its key into the notebook and point its
    records at the key's folder. Before the results page: gather the chapters' current records."""
    if is_chapter(docname):
        key = chapter_key(app, docname, source[0])
        notebook = json.loads(source[0])
        first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
        first_code.setdefault("metadata", {})[KEY_METADATA] = key
        source[0] = json.dumps(notebook, ensure_ascii=False)
        app.env.course_keys[docname] = key
        os.environ["COURSE_RESULTS_DIR"] = str(records_root(app) / key)
    elif docname == RESULTS_PAGE:
        results = Path(app.outdir).parent / "results"
        shutil.rmtree(results, ignore_errors=True)
        results.mkdir(parents=True)
        for chapter, key in app.env.course_keys.items():
            if chapter in app.env.found_docs:
                record = records_root(app) / key / f"ch{chapter.split('/')[-1][:2]}.json"
                if record.is_file():
                    shutil.copy2(record, results / record.name)
        os.environ["COURSE_RESULTS_DIR"] = str(results)


def finish(app, exception: Exception | None) -> None:
    """A failed build removes its HTML folder, so no page of an earlier build is left looking current; a
    successful one offers the executed notebooks (with outputs) for download instead of the sources."""
    if app.builder.format != "html":
        return
    if exception is not None:
        shutil.rmtree(app.outdir, ignore_errors=True)
        return
    executed = Path(app.outdir).parent / "jupyter_execute"
    for notebook in executed.rglob("*.ipynb"):
        download = Path(app.outdir) / "_sources" / notebook.relative_to(executed)
        if download.is_file():
            shutil.copyfile(notebook, download)


def drop_repeated_scripts(app, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    """Keep only the first of several identical ``<script>`` entries of a page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app) -> dict[str, Any]:
    """Sphinx's entry point."""
    app.connect("builder-inited", start)
    app.connect("env-get-outdated", outdated)
    app.connect("env-before-read-docs", results_page_last)
    app.connect("source-read", prepare_source)
    app.connect("build-finished", finish)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
