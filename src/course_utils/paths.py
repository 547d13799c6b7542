"""Where the course keeps its files: the project, the download cache and the chapters' records.

Used by the data layer (:mod:`course_utils.data`) and by the chapters' records
(:mod:`course_utils.chapter`); each place can be moved with an environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_CACHE = "COURSE_DATA_DIR"
ENV_RESULTS = "COURSE_RESULTS_DIR"


def project_root(start: Path | None = None) -> Path | None:
    """The course repository that contains ``start`` (default: the working directory), if any."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "src" / "course_utils").is_dir():
            return folder
    return None


def cache_dir() -> Path:
    """The download cache: ``COURSE_DATA_DIR``, else the project's ``data/``, else ~/.cache."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    root = project_root()
    if root is not None:
        return root / "data"
    return Path.home() / ".cache" / "nlp-pytorch-ja" / "data"


def results_dir() -> Path:
    """Where the chapters' records go: ``COURSE_RESULTS_DIR``, else ``_build/results`` of the
    project, else ``course_results`` in the working directory."""
    if os.environ.get(ENV_RESULTS):
        return Path(os.environ[ENV_RESULTS]).expanduser()
    root = project_root()
    return (root / "_build" / "results") if root else Path.cwd() / "course_results"
