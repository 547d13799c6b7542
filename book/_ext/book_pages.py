"""A small Sphinx extension of the course book (loaded through _config.yml ``sphinx.local_extensions``).

It removes a repeated inline ``<script>``: under Sphinx 7.4, sphinx-thebe's configuration
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


def setup(app) -> dict[str, Any]:
    """Sphinx's entry point: run :func:`drop_repeated_scripts` on every page."""
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
