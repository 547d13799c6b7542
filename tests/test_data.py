"""The data registry and fetch(): cache, mirror, downloads and their failures."""

from __future__ import annotations

import hashlib
import re
import zipfile
from types import MappingProxyType

import pytest

from course_utils import data
from course_utils.data import ChecksumError, DataError, DataFile, Resource, Source, UnknownResourceError

PAYLOAD = b"sentence\tlabel\nit is a good film \t1\n" * 50


def _digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _register(monkeypatch, sources=(), payload=PAYLOAD, mirrored=True, path="toy/file.tsv"):
    entry = DataFile(path, _digest(payload), len(payload), tuple(sources))
    resource = Resource("toy", "a toy resource", MappingProxyType({"all": entry}), "CC0", "nobody",
                        "https://example.invalid", mirrored=mirrored)
    monkeypatch.setitem(data._REGISTRY, "toy", resource)
    return entry


def test_registry_entries_are_well_formed():
    for name in data.resources():
        res = data.get_resource(name)
        assert res.license and res.attribution and res.homepage.startswith("https://")
        for entry in res.files.values():
            assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
            assert entry.size > 0
            assert all(s.url.startswith("https://") for s in entry.sources)


def test_registry_has_the_course_files():
    assert data.get_file("sst2", "dev").size == 94_931
    assert data.get_file("sms_spam", "all").path == "spam/spamdata_v2.csv"
    assert set(data.get_resource("emotion").files) == {"train", "validation", "test"}
    w2v = data.get_file("word2vec_google_news", "vectors")
    assert w2v.sha256 == "21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8"
    assert w2v.size == 1_647_046_227 and not data.get_resource("word2vec_google_news").mirrored


def test_unknown_resource_and_file_name_the_known_ones():
    with pytest.raises(UnknownResourceError, match="known resources: .*sst2"):
        data.get_resource("sst3")
    with pytest.raises(UnknownResourceError, match="its files: train, dev, test"):
        data.fetch("sst2", "validation")


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.chdir(data.project_root(data.Path(__file__).parent))
    assert data.cache_dir() == data.project_root() / "data"


def test_cached_file_is_used_when_its_checksum_matches(monkeypatch):
    entry = _register(monkeypatch)
    target = data.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    assert data.fetch("toy", "all") == target


def test_cached_file_with_a_wrong_checksum_is_reported_not_used(monkeypatch):
    entry = _register(monkeypatch)
    target = data.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:-1] + b"X")
    with pytest.raises(ChecksumError, match="sha256 .* expected .*delete it"):
        data.fetch("toy", "all")


def test_cached_file_of_the_wrong_size_is_reported(monkeypatch):
    entry = _register(monkeypatch)
    target = data.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:10])
    with pytest.raises(ChecksumError, match="10 bytes, expected"):
        data.fetch("toy", "all")


def test_local_mirror_folder_is_read_in_place(monkeypatch, tmp_path):
    entry = _register(monkeypatch)
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / entry.path).write_bytes(PAYLOAD)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    assert data.fetch("toy", "all") == mirror / entry.path


def test_corrupt_mirror_file_is_reported_and_never_used(monkeypatch, tmp_path, http_server):
    base, served = http_server
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "file.tsv").write_bytes(PAYLOAD.replace(b"good", b"bad!"))
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    entry = _register(monkeypatch, [Source(f"{base}/file.tsv")])
    with pytest.raises(DataError, match=r"(?s)mirror's copy is damaged.*replace it in the mirror.*HTTP 404"):
        data.fetch("toy", "all")
    (served / "file.tsv").write_bytes(PAYLOAD)
    with pytest.warns(UserWarning, match="mirror's copy is damaged"):
        path = data.fetch("toy", "all")  # the upstream copy, not the mirror's
    assert path == data.cache_dir() / entry.path and path.read_bytes() == PAYLOAD


def test_corrupt_file_at_a_mirror_url_is_not_kept(monkeypatch, http_server):
    base, served = http_server
    (served / "toy").mkdir()
    (served / "toy" / "file.tsv").write_bytes(PAYLOAD.replace(b"good", b"bad!"))
    entry = _register(monkeypatch)
    monkeypatch.setenv("COURSE_DATA_MIRROR", base)
    with pytest.raises(DataError, match=f"COURSE_DATA_MIRROR={base}: the file it gave does not match"):
        data.fetch("toy", "all")
    assert list((data.cache_dir() / "toy").iterdir()) == []
    assert not (data.cache_dir() / entry.path).exists()


def test_download_from_a_source_lands_in_the_cache(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/missing.tsv"), Source(f"{base}/file.tsv")])
    with pytest.warns(UserWarning, match="came from .*/file.tsv after: .*/missing.tsv: HTTP 404"):
        path = data.fetch("toy", "all")
    assert path == data.cache_dir() / entry.path
    assert path.read_bytes() == PAYLOAD
    assert [p.name for p in path.parent.iterdir()] == ["file.tsv"]  # no temporary files left


def test_mirror_base_url_is_tried_before_the_sources(monkeypatch, http_server):
    base, served = http_server
    (served / "toy").mkdir()
    (served / "toy" / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source("http://127.0.0.1:9/never-asked")])
    monkeypatch.setenv("COURSE_DATA_MIRROR", base + "/")
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD


def test_download_with_a_wrong_checksum_is_not_kept(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD.replace(b"good", b"fine"))
    entry = _register(monkeypatch, [Source(f"{base}/file.tsv")])
    with pytest.raises(DataError, match="sha256"):
        data.fetch("toy", "all")
    assert not (data.cache_dir() / entry.path).exists()
    assert list((data.cache_dir() / "toy").iterdir()) == []


def test_truncated_download_is_reported_and_not_kept(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/truncated/file.tsv")])
    with pytest.raises(DataError, match="truncated/file.tsv: the download broke off"):
        data.fetch("toy", "all")
    assert list((data.cache_dir() / "toy").iterdir()) == []
    assert not (data.cache_dir() / entry.path).exists()


def test_gzip_encoded_response_is_unpacked_and_checked(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/gzip/file.tsv")])
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD


def test_downloaded_file_is_readable_as_the_umask_allows(monkeypatch, http_server):
    import os
    import stat

    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/file.tsv")])
    old = os.umask(0o022)
    try:
        path = data.fetch("toy", "all")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_no_network_gives_a_clear_message(monkeypatch):
    entry = _register(monkeypatch, [Source("http://127.0.0.1:9/file.tsv")])
    with pytest.raises(DataError) as info:
        data.fetch("toy", "all")
    message = str(info.value)
    assert "could not connect" in message
    assert entry.path in message and entry.sha256 in message and "COURSE_DATA_MIRROR" in message


def test_http_error_is_named(monkeypatch, http_server):
    base, _ = http_server
    _register(monkeypatch, [Source(f"{base}/nothing-here.tsv")])
    with pytest.raises(DataError, match="HTTP 404"):
        data.fetch("toy", "all")


def test_file_inside_a_zip_archive(monkeypatch, http_server):
    base, served = http_server
    with zipfile.ZipFile(served / "bundle.zip", "w") as zf:
        zf.writestr("SST-2/file.tsv", PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD
    assert (data.cache_dir() / "_downloads" / "bundle.zip").is_file()
    assert (data.cache_dir() / entry.path).is_file()


def test_broken_archive_is_dropped_so_that_it_is_fetched_again(monkeypatch, http_server):
    base, served = http_server
    (served / "bundle.zip").write_bytes(b"not a zip at all")
    _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    with pytest.raises(DataError, match="could not unpack toy/file.tsv from the archive bundle.zip .BadZipFile"):
        data.fetch("toy", "all")
    assert not (data.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_any_unpacking_error_is_a_data_error(monkeypatch, http_server):
    base, served = http_server
    (served / "bundle.tgz").write_bytes(b"payload")

    def broken(archive, target):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    _register(monkeypatch, [Source(f"{base}/bundle.tgz", broken)])
    with pytest.raises(DataError, match="could not unpack.*EOFError: Compressed file ended"):
        data.fetch("toy", "all")
    assert not (data.cache_dir() / "_downloads" / "bundle.tgz").exists()


def test_archive_whose_member_fails_the_checksum_is_dropped(monkeypatch, http_server):
    base, served = http_server
    with zipfile.ZipFile(served / "bundle.zip", "w") as zf:
        zf.writestr("SST-2/file.tsv", PAYLOAD.replace(b"good", b"fine"))
    _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    with pytest.raises(DataError, match="does not match the registered size"):
        data.fetch("toy", "all")
    assert not (data.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_unmirrored_resource_skips_the_mirror(monkeypatch, tmp_path):
    _register(monkeypatch, mirrored=False)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DataError, match="no download source is registered"):
        data.fetch("toy", "all")


def test_sha256sum_and_sha256sums_listing(tmp_path):
    (tmp_path / "a.tsv").write_bytes(PAYLOAD)
    assert data.sha256sum(tmp_path / "a.tsv") == _digest(PAYLOAD)
    listing = tmp_path / "SHA256SUMS"
    listing.write_text(f"{_digest(PAYLOAD)}  ./SST-2/a.tsv\n{_digest(b'')} *emotion/b.txt\n\n")
    assert data.read_sha256sums(listing) == {"SST-2/a.tsv": _digest(PAYLOAD), "emotion/b.txt": _digest(b"")}


def test_cache_outside_a_project_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.project_root() is None
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "nlp-pytorch-ja" / "data"


def test_fixture_folder_needs_its_checksums(monkeypatch, tmp_path, use_fixtures):
    assert data.fetch("sst2", "train") == use_fixtures / "SST-2" / "train.tsv"
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(tmp_path))
    with pytest.raises(DataError, match="no SHA256SUMS"):
        data.fetch("sst2", "train")
