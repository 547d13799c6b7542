"""Deriving the Japanese Wikipedia paragraph file from NICT's Kyoto-articles corpus (chapter 5).

The corpus archive holds one XML file per article. Each ``<sen>`` has its original Japanese
sentence in ``<j>``; sentences are grouped in ``<par>`` paragraphs inside ``<sec>``/``<art>``.
The course file has one paragraph a line (its sentences joined), a sentence outside any
paragraph as its own line, and no titles. The result is byte-identical to the mirrored file.
"""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

# The largest article of the corpus has well under 1 MB of XML; a bigger member is refused.
MAX_ARTICLE_BYTES = 16 << 20

# Some articles contain a bare '&'; escape it unless it already starts an entity.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")


def _sentence(sen: ET.Element) -> str:
    j = sen.find("j")
    if j is None or not j.text:
        return ""
    return j.text.replace("\n", "").strip()


def _lines(element: ET.Element) -> Iterator[str]:
    for child in element:
        if child.tag == "par":
            text = "".join(s for s in map(_sentence, child.findall("sen")) if s)
            if text:
                yield text
        elif child.tag == "sen":
            text = _sentence(child)
            if text:
                yield text
        elif child.tag in ("sec", "art"):
            yield from _lines(child)


def article_paragraphs(xml_bytes: bytes) -> list[str]:
    """The paragraph lines of one article's XML."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError:
        root = ET.fromstring(_BARE_AMPERSAND.sub(b"&amp;", xml_bytes))
    return list(_lines(root))


def write_paragraphs_from_archive(archive: Path, out: BinaryIO) -> None:
    """Write the paragraph file (UTF-8) from the corpus ``.tar.gz`` into the binary file ``out``,
    articles in file-name order; an article of more than :data:`MAX_ARTICLE_BYTES` is refused."""
    with tarfile.open(archive, "r:*") as tar:
        members = [
            m
            for m in tar
            if m.isfile() and m.name.endswith(".xml") and len(PurePosixPath(m.name).parts) >= 2
        ]
        members.sort(key=lambda m: PurePosixPath(m.name).name)
        if not members:
            raise ValueError(f"{archive} contains no article XML files")
        for member in members:
            if member.size > MAX_ARTICLE_BYTES:
                raise ValueError(
                    f"{archive}: {member.name} has {member.size:,} bytes, more than the "
                    f"{MAX_ARTICLE_BYTES:,} an article may have; this is not the NICT corpus archive"
                )
            data = tar.extractfile(member).read()
            for line in article_paragraphs(data):
                out.write((line + "\n").encode("utf-8"))
