"""Data registry and checksummed fetching (used by every chapter that reads a data set).

Every file the course reads is registered here with its sha256, its size, its licence and an
ordered list of sources. :func:`fetch` resolves a file in this order:

1. the local cache (``data/`` of the project, or ``COURSE_DATA_DIR``);
2. the course data mirror (``COURSE_DATA_MIRROR``: a local folder or a base URL);
3. the registered sources (upstream URLs), tried in order.

A file is used only after its sha256 matches. Downloads go to a temporary file that is renamed
only after the checksum matched, so an interrupted download never leaves a broken file behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import requests
from tqdm.auto import tqdm

ENV_CACHE = "COURSE_DATA_DIR"
ENV_MIRROR = "COURSE_DATA_MIRROR"
ENV_FIXTURES = "COURSE_DATA_FIXTURES"
CHUNK = 1 << 20
CONNECT_TIMEOUT_S = 15
READ_TIMEOUT_S = 120


class DataError(RuntimeError):
    """A data file could not be provided; the message says why and how to fix it."""


class ChecksumError(DataError):
    """A file exists but its sha256 (or size) is not the registered one."""


class UnknownResourceError(DataError, KeyError):
    """A resource or file name that the registry does not know."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0])


Extractor = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Source:
    """Where a file can be downloaded from.

    ``extract`` is ``None`` when ``url`` serves the file itself; otherwise ``url`` serves an
    archive, which is downloaded once into the cache's ``_downloads/`` folder, and
    ``extract(archive, target)`` writes the registered file from it.
    """

    url: str
    extract: Extractor | None = None


@dataclass(frozen=True)
class DataFile:
    """One registered file: its path in the cache and the mirror, checksum, size and sources."""

    path: str
    sha256: str
    size: int
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A data set or model file group with its licence and attribution."""

    name: str
    title: str
    files: Mapping[str, DataFile]
    license: str
    attribution: str
    homepage: str
    mirrored: bool = True


def zip_member(member: str) -> Extractor:
    """Return an extractor that copies ``member`` out of a zip archive."""

    def extract(archive: Path, target: Path) -> None:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)

    return extract


def _derive_kyoto_paragraphs(archive: Path, target: Path) -> None:
    """Derive the Kyoto-articles paragraph file from NICT's corpus archive (see jawiki.py)."""
    from course_utils.jawiki import write_paragraphs_from_archive

    write_paragraphs_from_archive(archive, target)


_GLUE_SST2_ZIP = "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip"
_SST2_GITHUB = (
    "https://raw.githubusercontent.com/tacchinotacchi/distil-bilstm/"
    "44d3abb1ef7f54d000d95f2634b9b2a275cd4b01/SST-2/"
)


def _sst2_file(split: str, sha256: str, size: int) -> DataFile:
    return DataFile(
        f"SST-2/{split}.tsv",
        sha256,
        size,
        (
            Source(_GLUE_SST2_ZIP, zip_member(f"SST-2/{split}.tsv")),
            Source(_SST2_GITHUB + f"{split}.tsv"),
        ),
    )


_REGISTRY: dict[str, Resource] = {
    r.name: r
    for r in [
        Resource(
            name="sst2",
            title="GLUE SST-2 (Stanford Sentiment Treebank, binary)",
            files=MappingProxyType(
                {
                    "train": _sst2_file(
                        "train",
                        "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1",
                        3_806_081,
                    ),
                    "dev": _sst2_file(
                        "dev",
                        "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0",
                        94_931,
                    ),
                    "test": _sst2_file(
                        "test",
                        "69a938605609b3e6663b4487918fe1565eb293734e6e520d0366d1d412fd2a13",
                        197_335,
                    ),
                }
            ),
            license="GLUE は SST-2 のライセンスを定めていません（元の Stanford Sentiment Treebank を参照）",
            attribution=(
                "Socher et al. (2013), Recursive Deep Models for Semantic Compositionality Over "
                "a Sentiment Treebank; Wang et al. (2018), GLUE."
            ),
            homepage="https://gluebenchmark.com/tasks",
        ),
        Resource(
            name="sms_spam",
            title="SMS Spam Collection (spamdata_v2.csv)",
            files=MappingProxyType(
                {
                    "all": DataFile(
                        "spam/spamdata_v2.csv",
                        "558d0fe8bd2229e5fb3fbb34c2b108add0065612b4d29d54944cc0e5706cb30d",
                        467_438,
                        (
                            Source(
                                "https://raw.githubusercontent.com/prateekjoshi565/"
                                "Fine-Tuning-BERT/master/spamdata_v2.csv"
                            ),
                        ),
                    )
                }
            ),
            license="CC BY 4.0（UCI Machine Learning Repository）",
            attribution=(
                "Almeida, T. A. and Gómez Hidalgo, J. M. (2011), SMS Spam Collection v.1; "
                "CSV as used by prateekjoshi565/Fine-Tuning-BERT (Apache-2.0)."
            ),
            homepage="https://archive.ics.uci.edu/dataset/228/sms+spam+collection",
        ),
        Resource(
            name="emotion",
            title="emotion (CARER; Hugging Face dair-ai/emotion, split version)",
            files=MappingProxyType(
                {
                    "train": DataFile(
                        "emotion/train.txt",
                        "3ab03d945a6cb783d818ccd06dafd52d2ed8b4f62f0f85a09d7d11870865b190",
                        1_658_616,
                    ),
                    "validation": DataFile(
                        "emotion/val.txt",
                        "34faaa31962fe63cdf5dbf6c132ef8ab166c640254ab991af78f3aea375e79ef",
                        204_240,
                    ),
                    "test": DataFile(
                        "emotion/test.txt",
                        "60f531690d20127339e7f054edc299a82c627b5ec0dd5d552d53d544e0cfcc17",
                        206_760,
                    ),
                }
            ),
            license="教育・研究目的での利用に限る（データセットカードの記載）",
            attribution=(
                "Saravia et al. (2018), CARER: Contextualized Affect Representations for Emotion "
                "Recognition."
            ),
            homepage="https://huggingface.co/datasets/dair-ai/emotion",
        ),
        Resource(
            name="jawiki_kyoto",
            title="Japanese Wikipedia: NICT Kyoto-related articles, one paragraph a line",
            files=MappingProxyType(
                {
                    "paragraphs": DataFile(
                        "jawiki/jawiki_kyoto_paragraphs.txt",
                        "5e7b62842e31ec01c7d2332e1c1cbd95e475a28662932445adcdf630223f48a4",
                        49_270_520,
                        (
                            Source(
                                "https://alaginrc.nict.go.jp/WikiCorpus/src/wiki_corpus_2.01.tar.gz",
                                _derive_kyoto_paragraphs,
                            ),
                        ),
                    )
                }
            ),
            license="CC BY-SA 3.0",
            attribution=(
                "NICT, Japanese-English Bilingual Corpus of Wikipedia's Kyoto Articles v2.01; "
                "text by the Wikipedia contributors listed per article in the corpus."
            ),
            homepage="https://alaginrc.nict.go.jp/WikiCorpus/",
        ),
        Resource(
            name="word2vec_google_news",
            title="word2vec GoogleNews vectors (3,000,000 words x 300)",
            files=MappingProxyType(
                {
                    "vectors": DataFile(
                        "word2vec/GoogleNews-vectors-negative300.bin.gz",
                        "21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8",
                        1_647_046_227,
                        (
                            Source(
                                "https://s3.amazonaws.com/dl4j-distribution/"
                                "GoogleNews-vectors-negative300.bin.gz"
                            ),
                        ),
                    )
                }
            ),
            license="Apache-2.0（word2vec プロジェクト）",
            attribution="Mikolov et al. (2013), Distributed Representations of Words and Phrases.",
            homepage="https://code.google.com/archive/p/word2vec/",
            mirrored=False,
        ),
    ]
}


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


_verified: dict[tuple[str, int, int], str] = {}


def verify(path: Path, expected_sha256: str, expected_size: int | None = None) -> None:
    """Raise :class:`ChecksumError` unless ``path`` has the expected size and sha256."""
    stat = path.stat()
    if expected_size is not None and stat.st_size != expected_size:
        raise ChecksumError(
            f"{path} has {stat.st_size:,} bytes, expected {expected_size:,} "
            "(a truncated or different file). Delete it and run again to fetch a fresh copy."
        )
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    actual = _verified.get(memo_key) or sha256sum(path)
    if actual != expected_sha256:
        raise ChecksumError(
            f"{path} has sha256 {actual}, expected {expected_sha256}. The file is corrupt or "
            "not the registered one: delete it and run again to fetch a fresh copy."
        )
    _verified[memo_key] = actual


def _fixture_file(entry: DataFile) -> Path | None:
    """With ``COURSE_DATA_FIXTURES`` set (tests only), the fixture copy of ``entry``."""
    folder = os.environ.get(ENV_FIXTURES)
    if not folder:
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


def _download(url: str, target: Path, desc: str) -> None:
    """Download ``url`` to ``target`` through a temporary file, with a progress bar.

    The file is asked for without content encoding: with gzip, ``requests`` would unpack the body
    and the byte count would no longer match Content-Length (raw.githubusercontent.com does this).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_file(target, ".part")
    try:
        with open(tmp, "wb") as out:
            with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                              headers={"Accept-Encoding": "identity"}) as resp:
                resp.raise_for_status()
                encoded = resp.headers.get("content-encoding", "identity").lower() != "identity"
                total = None if encoded else int(resp.headers.get("content-length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False) as bar:
                    for block in resp.iter_content(CHUNK):
                        out.write(block)
                        bar.update(len(block))
            if total is not None and out.tell() != total:
                raise DataError(f"the download broke off after {out.tell():,} of {total:,} bytes")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _temporary_file(target: Path, suffix: str) -> Path:
    """A new, empty file beside ``target`` with a unique name (so that two runs never share one),
    readable as the user's umask allows (``mkstemp`` alone would make it private to the owner)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def _fetch_from(source: Source, entry: DataFile, target: Path) -> None:
    """Get ``entry`` from one source into ``target`` (checked before it is renamed into place).

    Raises :class:`DataError` that names the source for a file that fails its checksum and for
    an archive that cannot be unpacked (the archive is then deleted, to be fetched again).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary_file(target, ".verify")
    archive = None
    try:
        if source.extract is None:
            _download(source.url, partial, desc=target.name)
        else:
            archive = cache_dir() / "_downloads" / source.url.rstrip("/").rsplit("/", 1)[-1]
            if not archive.is_file():
                _download(source.url, archive, desc=archive.name)
            try:
                source.extract(archive, partial)
            except Exception as exc:
                archive.unlink(missing_ok=True)
                raise DataError(
                    f"could not unpack {entry.path} from the archive {archive.name} "
                    f"({type(exc).__name__}: {exc}); the archive was deleted and is fetched again next time"
                ) from exc
        try:
            verify(partial, entry.sha256, entry.size)
        except ChecksumError:
            if archive is not None:
                archive.unlink(missing_ok=True)
            raise DataError(
                f"the file it gave does not match the registered size {entry.size:,} bytes and "
                f"sha256 {entry.sha256} (a changed or damaged upstream file); it was not kept"
            ) from None
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _describe_error(exc: Exception) -> str:
    if isinstance(exc, DataError):
        return str(exc)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"the download broke off before the whole file arrived ({exc})"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (no network, or the host is unreachable)"
    if isinstance(exc, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    return f"{type(exc).__name__}: {exc}"


# What one location may fail with; fetch() notes it and tries the next location.
FETCH_ERRORS = (requests.RequestException, OSError, DataError)


def _from_mirror(mirror: str, entry: DataFile, target: Path) -> Path:
    """``entry`` from the mirror (a folder, read in place, or a base URL, downloaded to ``target``)."""
    if "://" in mirror:
        _fetch_from(Source(mirror.rstrip("/") + "/" + entry.path), entry, target)
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
    never used: the next location is tried, and the error lists what each one gave); both say
    how to fix it.
    """
    res = get_resource(name)
    entry = get_file(name, key)
    fixture = _fixture_file(entry)
    if fixture is not None:
        return fixture

    target = cache_dir() / entry.path
    if target.is_file():
        verify(target, entry.sha256, entry.size)
        return target

    tried: list[str] = []
    mirror = os.environ.get(ENV_MIRROR, "").strip()
    if mirror and res.mirrored:
        try:
            return _from_mirror(mirror, entry, target)
        except FETCH_ERRORS as exc:
            tried.append(f"{ENV_MIRROR}={mirror}: {_describe_error(exc)}")

    for source in entry.sources:
        try:
            _fetch_from(source, entry, target)
        except FETCH_ERRORS as exc:
            tried.append(f"{source.url}: {_describe_error(exc)}")
            continue
        if tried:
            warnings.warn(f"{entry.path} came from {source.url} after: {'; '.join(tried)}", stacklevel=2)
        return target

    where = "\n".join(f"  - {t}" for t in tried) or "  - (no download source is registered)"
    raise DataError(
        f"Could not get {entry.path} ({res.title}, {entry.size:,} bytes).\n"
        f"Tried:\n{where}\n"
        f"To fix: connect to the internet and run again, or place the file at {target} "
        f"(sha256 {entry.sha256}), or set {ENV_MIRROR} to a folder or base URL that holds "
        f"{entry.path}."
    )
