"""Shared fixtures: isolated data settings, the synthetic data files and a local HTTP server.

The tests write nothing into the repository's ``_build/`` (the book's build): what they execute
goes to ``notebook_runner.output_of_tests()``, and :func:`build_folder_untouched` fails the session
if ``_build/`` changed while the tests ran.
"""

from __future__ import annotations

import http.server
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from fixture_data import write_fixture_data  # noqa: E402
from standins import write_full_settings  # noqa: E402

DATA_VARIABLES = ("COURSE_DATA_DIR", "COURSE_DATA_MIRROR", "COURSE_DATA_FIXTURES", "COURSE_PROFILE",
                  "COURSE_RESULTS_DIR", "COURSE_DEVICE", "COURSE_SETTINGS")


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder``: its size and modification time."""
    if not folder.is_dir():
        return {}
    return {str(path.relative_to(folder)): (stat.st_size, stat.st_mtime_ns)
            for path in folder.rglob("*") for stat in [path.lstat()]}


@pytest.fixture(scope="session", autouse=True)
def build_folder_untouched():
    """The tests leave the repository's ``_build/`` as they found it (it holds the book's
    executed notebooks, records and HTML): checked at the end of the session."""
    build = ROOT / "_build"
    before = _snapshot(build)
    yield
    after = _snapshot(build)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, (f"the tests changed {build} (the book's), e.g. {changed[:5]}: "
                         "write into notebook_runner.output_of_tests() or tmp_path instead")


@pytest.fixture(scope="session")
def real_mirror() -> Path | None:
    """The course data mirror named by COURSE_DATA_MIRROR before the tests isolated it."""
    import os

    value = os.environ.get("COURSE_DATA_MIRROR")
    return Path(value) if value and Path(value).is_dir() else None


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Every test starts with an empty cache in tmp_path and no mirror, fixtures or profile."""
    for name in DATA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path / "results"))
    from course_utils import data

    data._verified.clear()
    data.allow_fixtures(False)
    data.forget_sources_used()
    yield
    data.allow_fixtures(False)


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """The synthetic data files in the mirror's layout, with their SHA256SUMS."""
    return write_fixture_data(tmp_path_factory.mktemp("fixture-data"))


@pytest.fixture(scope="session")
def full_standins(tmp_path_factory, fixture_dir) -> Path:
    """The settings file of the full-structure run, with its stand-in models and word vectors."""
    return write_full_settings(tmp_path_factory.mktemp("full-standins"), fixture_dir)


@pytest.fixture(scope="session")
def fixed_clock(tmp_path_factory) -> Path:
    """An IPython folder (for ``IPYTHONDIR``) whose startup file is tests/fixed_clock.py: the
    kernels of the smoke runs and of their nbval re-runs measure durations with a clock that
    gives the same figures in every run."""
    import shutil

    folder = tmp_path_factory.mktemp("ipython")
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copyfile(ROOT / "tests" / "fixed_clock.py", startup / "00-fixed-clock.py")
    return folder


@pytest.fixture(scope="session")
def matplotlib_font_cache() -> None:
    """matplotlib's font cache, built now where it is missing (a fresh machine): a kernel that
    builds it says so on stderr ("Matplotlib is building the font cache"), which the first smoke
    run would keep in its outputs and its nbval re-run would not print."""
    import matplotlib.font_manager  # noqa: F401  (loads the cache, or builds and saves it)


@pytest.fixture
def use_fixtures(monkeypatch, fixture_dir) -> Path:
    """fetch() serves the synthetic files (as in a smoke run of a chapter)."""
    from course_utils import data

    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(fixture_dir))
    data.allow_fixtures(True)
    return fixture_dir


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, and misbehaves on request (``<file>`` is a file of the folder):

    - ``/truncated/<file>`` promises the whole file but sends half of it;
    - ``/gzip/<file>`` always sends it gzip-encoded, Content-Length counting the packed bytes;
    - ``/endless/<file>`` sends the file and then zeros without end, with no Content-Length;
    - ``/trickle/<file>`` sends one byte every 0.05 s;
    - ``/stall/<file>`` sends the headers and half of the file, then nothing for 5 s;
    - ``/length/<value>/<file>`` sends the file with ``Content-Length: <value>``;
    - ``/slowheaders/<file>`` sends its headers one byte every 0.05 s (10 s in all).
    """

    def do_GET(self):  # noqa: N802 (http.server's naming)
        kind, _, rest = self.path.lstrip("/").partition("/")
        if kind == "length":
            length, _, rest = rest.partition("/")
        else:
            length = None
        if kind not in ("truncated", "gzip", "endless", "trickle", "stall", "length", "slowheaders"):
            return super().do_GET()
        if kind == "slowheaders":
            return self._slow_headers()
        body = (Path(self.directory) / rest.split("?")[0]).read_bytes()
        self.close_connection = True
        self.send_response(200)
        if kind == "gzip":
            import gzip

            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        if kind != "endless":
            self.send_header("Content-Length", length or str(len(body)))
        self.end_headers()
        try:
            self._send(kind, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _slow_headers(self) -> None:
        import time

        self.close_connection = True
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, kind: str, body: bytes) -> None:
        import time

        if kind == "trickle":
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        elif kind in ("truncated", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if kind == "stall":
                time.sleep(5)
        elif kind == "endless":
            self.wfile.write(body)
            for _ in range(1024):  # 1 GiB at most, should the client never stop reading
                self.wfile.write(bytes(1 << 20))
        else:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(tmp_path):
    """A server on 127.0.0.1 serving tmp_path/'served'; yields (base URL, folder)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = lambda *a, **kw: _Handler(*a, directory=str(folder), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()
