"""Writing files so that a reader never sees a partial one (the data cache, the results, the run reports).

A file is written to a uniquely named temporary file beside it and renamed into place: two
processes that write the same file never share a temporary file, and the rename is atomic.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temporary_file_beside(target: Path, suffix: str = ".part") -> Path:
    """A new, empty file beside ``target`` with a unique name, readable as the user's umask
    allows (``mkstemp`` alone would make it private to the owner)."""
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
