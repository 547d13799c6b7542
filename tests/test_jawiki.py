"""Deriving the Japanese Wikipedia paragraph file from the NICT corpus archive."""

from __future__ import annotations

import io
import tarfile

import pytest

from course_utils.jawiki import article_paragraphs, write_paragraphs_from_archive

ARTICLE_B = """<?xml version="1.0" encoding="UTF-8"?>
<art orl="ja" trl="en"><tit><j>雪舟</j></tit>
<par><sen><j>雪舟は画僧である。</j><e>Sesshu was a painter.</e></sen>
<sen><j>京都で
学んだ。</j></sen></par>
<sec><tit><j>生涯</j></tit><sen><j>見出しの下の文。</j></sen>
<par><sen><j></j></sen></par></sec></art>"""
ARTICLE_A = """<art><par><sen><j>A & B の寺。</j></sen></par></art>"""


def _tar(tmp_path, members):
    path = tmp_path / "corpus.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            blob = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def test_paragraphs_sentences_and_titles():
    assert article_paragraphs(ARTICLE_B.encode()) == ["雪舟は画僧である。京都で学んだ。", "見出しの下の文。"]


def test_bare_ampersand_is_tolerated():
    assert article_paragraphs(ARTICLE_A.encode()) == ["A & B の寺。"]


def test_archive_is_written_in_file_name_order(tmp_path):
    archive = _tar(tmp_path, {"wiki/PNM/B002.xml": ARTICLE_B, "wiki/BDS/A001.xml": ARTICLE_A, "wiki/readme.txt": "x"})
    out = io.BytesIO()
    write_paragraphs_from_archive(archive, out)
    assert out.getvalue().decode("utf-8") == "A & B の寺。\n雪舟は画僧である。京都で学んだ。\n見出しの下の文。\n"


def test_archive_without_articles(tmp_path):
    with pytest.raises(ValueError, match="no article XML"):
        write_paragraphs_from_archive(_tar(tmp_path, {"readme.txt": "x"}), io.BytesIO())


def test_an_oversized_member_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from course_utils import jawiki

    monkeypatch.setattr(jawiki, "MAX_ARTICLE_BYTES", 1000)
    archive = _tar(tmp_path, {"wiki/A/A001.xml": ARTICLE_A, "wiki/B/B001.xml": ARTICLE_B + " " * 1000})
    with pytest.raises(ValueError, match=r"wiki/B/B001.xml has 1,\d{3} bytes, more than the 1,000"):
        write_paragraphs_from_archive(archive, io.BytesIO())
