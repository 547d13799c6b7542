"""Where the course keeps its files (each place movable by an environment variable), and writing a file so
that a reader never sees a partial one."""

from __future__ import annotations

import os
import tempfile
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
    return (root / "data") if root else Path.home() / ".cache" / "nlp-pytorch-ja" / "data"


def results_dir() -> Path:
    """The chapters' records: ``COURSE_RESULTS_DIR``, else the project's ``_build/results``, else ./course_results."""
    if os.environ.get(ENV_RESULTS):
        folder = Path(os.environ[ENV_RESULTS]).expanduser()
    else:
        root = project_root()
        folder = (root / "_build" / "results") if root else Path.cwd() / "course_results"
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} ({ENV_RESULTS}, else the default) is a file, but the chapters' records "
                                 f"need a folder there: move the file, or set {ENV_RESULTS} to a folder")
    return folder


def temporary_file_beside(target: Path, suffix: str = ".part") -> Path:
    """A new, empty file beside ``target`` with a unique name (two processes never share one), readable as
    the user's umask allows (``mkstemp`` alone would make it private to the owner)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a unique temporary file and an atomic rename."""
    tmp = temporary_file_beside(path, ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
