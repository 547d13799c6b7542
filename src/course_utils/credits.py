"""The source and licence block of a chapter's data, as :func:`~course_utils.chapter.start_chapter` shows it."""

from __future__ import annotations

from course_utils.data import Resource, get_resource
from course_utils.word_vectors import WORD2VEC_SUFFIXES

# Chapter 2's word vectors by the name that ``cfg.vectors`` and load_word_vectors use -> their registry resource.
WORD_VECTOR_RESOURCES = {"word2vec-google-news-300": "word2vec_google_news", "glove-6b-50d": "glove_6b_50d"}


def _item(resource: Resource) -> str:
    """One source as a Markdown list item with its details as a nested list."""
    licence = f"[{resource.license}]({resource.license_url})" if resource.license_url else resource.license
    lines = [f"- **{resource.title}** <{resource.homepage}>",
             f"  - ライセンス: {licence}",
             f"  - 出典: {resource.attribution}"]
    if resource.package:
        lines.append(f"  - 配布: PyPI パッケージ `{resource.package}`")
    return "\n".join(lines)


def attribution(*sources: str | Resource) -> str:
    """The title, homepage, licence and attribution of each source, as a Markdown list. A source is a registry
    resource or its name, or what chapter 2's ``cfg.vectors`` names: a key of :data:`WORD_VECTOR_RESOURCES` or the
    path of a local word2vec file (origin unknown). An unknown name raises ``UnknownResourceError``."""
    if not sources:
        raise ValueError("attribution() needs at least one source")
    items = []
    for source in sources:
        if isinstance(source, Resource):
            items.append(_item(source))
        elif source.endswith(WORD2VEC_SUFFIXES) and source not in WORD_VECTOR_RESOURCES:
            items.append(f"- **設定で指定したローカルの word2vec バイナリファイル** `{source}`\n"
                         "  - ライセンスと出典: このコースには記録がありません。そのファイルの配布元の記載に従ってください。")
        else:
            items.append(_item(get_resource(WORD_VECTOR_RESOURCES.get(source, source))))
    return "\n".join(items)
