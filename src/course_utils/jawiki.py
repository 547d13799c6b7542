"""Deriving the Japanese Wikipedia paragraph file from NICT's Kyoto-articles corpus (chapter 3): the archive holds
one XML file per article; the course file has a line per ``<par>`` (the Japanese ``<j>`` of its ``<sen>`` joined) or
per ``<sen>`` outside any, and no titles (as the mirrored file)."""

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
    return j.text.replace("\n", "").strip() if j is not None and j.text else ""


def _lines(element: ET.Element) -> Iterator[str]:
    """The non-empty lines under ``element``: a ``<par>``'s sentences joined, a lone ``<sen>``."""
    for child in element:
        if child.tag in ("sec", "art"):
            yield from _lines(child)
        elif child.tag in ("par", "sen"):
            text = "".join(map(_sentence, child.findall("sen") if child.tag == "par" else [child]))
            if text:
                yield text


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
        members = [m for m in tar if m.isfile() and m.name.endswith(".xml") and len(PurePosixPath(m.name).parts) >= 2]
        members.sort(key=lambda m: PurePosixPath(m.name).name)
        if not members:
            raise ValueError(f"{archive} contains no article XML files")
        for member in members:
            if member.size > MAX_ARTICLE_BYTES:
                raise ValueError(f"{archive}: {member.name} has {member.size:,} bytes, more than the "
                                 f"{MAX_ARTICLE_BYTES:,} an article may have; this is not the NICT corpus archive")
            for line in article_paragraphs(tar.extractfile(member).read()):
                out.write((line + "\n").encode("utf-8"))
