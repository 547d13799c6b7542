"""A small Sphinx extension of the course book (loaded through _config.yml ``sphinx.local_extensions``).

It stops a build that would execute the notebooks itself: ``jupyter-book build .`` at the
repository root would run the results page before the chapters (and in no chosen profile), and
publish a page that says no chapter was recorded. The book is built by ``make book``
(tools/build_book.py), which executes the chapters with papermill first and builds from a staged
copy whose _config.yml switches execution off; only that build passes this check.

It also removes a repeated inline ``<script>``: under Sphinx 7.4, sphinx-thebe's configuration
script (``const THEBE_JS_URL = ...``) lands twice on every page, and the second copy throws
"Identifier 'THEBE_JS_URL' has already been declared" in the browser console. The browser test
(tests/browser) checks that pages load without console errors.
"""

from __future__ import annotations

from typing import Any


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


def require_staged_build(app, config) -> None:
    """Fail at once, saying what to run instead, when the build would execute notebooks."""
    if config.nb_execution_mode != "off":
        from sphinx.errors import ConfigError

        raise ConfigError(
            "この本は `make book` で作ります（章のノートブックを先に実行してから結果のページを作るため）。"
            "`jupyter-book build .` は結果のページを章より先に実行してしまうので使えません。"
            " Build this book with `make book` (COURSE_PROFILE chooses the profile; see README): "
            "`jupyter-book build .` would execute the results page before the chapters."
        )


def setup(app) -> dict[str, Any]:
    """Sphinx's entry point: check the build at start, run :func:`drop_repeated_scripts` on every page."""
    app.connect("config-inited", require_staged_build)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
