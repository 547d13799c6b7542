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


def test_corrupt_mirror_file_is_reported(monkeypatch, tmp_path):
    entry = _register(monkeypatch)
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / entry.path).write_bytes(PAYLOAD.replace(b"good", b"bad!"))
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    with pytest.raises(ChecksumError):
        data.fetch("toy", "all")


def test_download_from_a_source_lands_in_the_cache(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/missing.tsv"), Source(f"{base}/file.tsv")])
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
    with pytest.raises(DataError, match="truncated/file.tsv"):
        data.fetch("toy", "all")
    assert list((data.cache_dir() / "toy").iterdir()) == []
    assert not (data.cache_dir() / entry.path).exists()


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
    with pytest.raises(DataError, match="BadZipFile"):
        data.fetch("toy", "all")
    assert not (data.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_unmirrored_resource_skips_the_mirror(monkeypatch, tmp_path):
    _register(monkeypatch, mirrored=False)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DataError, match="no download source is registered"):
        data.fetch("toy", "all")


def test_fixture_folder_needs_its_checksums(monkeypatch, tmp_path, use_fixtures):
    assert data.fetch("sst2", "train") == use_fixtures / "SST-2" / "train.tsv"
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(tmp_path))
    with pytest.raises(DataError, match="no SHA256SUMS"):
        data.fetch("sst2", "train")
