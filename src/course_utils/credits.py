"""Where a chapter's data and word vectors come from: the source and licence block.

:func:`attribution` writes, as Markdown, the title, homepage, licence and attribution that the
registry (``registry.toml``, :mod:`~course_utils.data`) holds for each source a chapter uses
(``sources`` in costs.toml), so that :func:`~course_utils.chapter.start_chapter` shows them the
same way in every chapter.
"""

from __future__ import annotations

from course_utils.data import Resource, get_resource
from course_utils.word_vectors import WORD2VEC_SUFFIXES

# Chapter 2's word vectors by the name that ``cfg.vectors`` and load_word_vectors use -> the
# registry resource with their licence and attribution.
WORD_VECTOR_RESOURCES = {
    "word2vec-google-news-300": "word2vec_google_news",
    "glove-6b-50d": "glove_6b_50d",
}


def _item(resource: Resource) -> str:
    """One source as a Markdown list item with its details as a nested list."""
    licence = f"[{resource.license}]({resource.license_url})" if resource.license_url else resource.license
    lines = [f"- **{resource.title}** <{resource.homepage}>",
             f"  - ライセンス: {licence}",
             f"  - 出典: {resource.attribution}"]
    if resource.package:
        lines.append(f"  - 配布: PyPI パッケージ `{resource.package}`")
    return "\n".join(lines)


def _local_file(path: str) -> str:
    """A word2vec file that a settings file names: the course knows nothing of its origin."""
    return (f"- **設定で指定したローカルの word2vec バイナリファイル** `{path}`\n"
            "  - ライセンスと出典: このコースには記録がありません。そのファイルの配布元の記載に従ってください。")


def attribution(*sources: str | Resource) -> str:
    """The title, homepage, licence and attribution of each source, as a Markdown list.

    A source is a registry resource or its name (``"sst2"``, ``"emotion"``, ``"sms_spam"``,
    ``"jawiki_kyoto"``), or the word vectors that chapter 2's ``cfg.vectors`` names
    (``"word2vec-google-news-300"``, ``"glove-6b-50d"``, or the path of a local word2vec binary
    file, which is shown as such). An unknown name raises
    :class:`~course_utils.data.UnknownResourceError`.
    """
    if not sources:
        raise ValueError("attribution() needs at least one source")
    items = []
    for source in sources:
        if isinstance(source, Resource):
            items.append(_item(source))
        elif source in WORD_VECTOR_RESOURCES:
            items.append(_item(get_resource(WORD_VECTOR_RESOURCES[source])))
        elif source.endswith(WORD2VEC_SUFFIXES):
            items.append(_local_file(source))
        else:
            items.append(_item(get_resource(source)))
    return "\n".join(items)
