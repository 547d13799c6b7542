"""Shared fixtures: isolated data settings, the synthetic data files and a local HTTP server."""

from __future__ import annotations

import http.server
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from fixture_data import write_fixture_data  # noqa: E402

DATA_VARIABLES = ("COURSE_DATA_DIR", "COURSE_DATA_MIRROR", "COURSE_DATA_FIXTURES", "COURSE_PROFILE",
                  "COURSE_RESULTS_DIR", "COURSE_DEVICE")


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
    yield


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """The synthetic data files in the mirror's layout, with their SHA256SUMS."""
    return write_fixture_data(tmp_path_factory.mktemp("fixture-data"))


@pytest.fixture
def use_fixtures(monkeypatch, fixture_dir) -> Path:
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(fixture_dir))
    return fixture_dir


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; '/truncated/<file>' promises the whole file but sends half of it;
    '/gzip/<file>' always sends it gzip-encoded, Content-Length counting the packed bytes."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.startswith("/gzip/"):
            import gzip

            body = gzip.compress((Path(self.directory) / self.path.removeprefix("/gzip/")).read_bytes())
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/truncated/"):
            body = (Path(self.directory) / self.path.removeprefix("/truncated/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

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
