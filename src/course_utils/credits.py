"""The source and licence block of a chapter's data, as :func:`~course_utils.chapter.start_chapter` shows it."""

from __future__ import annotations

from course_utils.data import Resource, get_resource, resources
from course_utils.word_vectors import WORD_VECTORS as WORD_VECTOR_RESOURCES, check_vectors_name


def _item(source: str | Resource) -> str:
    """One source as a Markdown list item with its details as a nested list."""
    if isinstance(source, str) and source not in WORD_VECTOR_RESOURCES and source not in resources():
        check_vectors_name(source)  # then the path of a local word2vec file
        return (f"- **設定で指定したローカルの word2vec バイナリファイル** `{source}`\n"
                "  - ライセンスと出典: このコースには記録がありません。そのファイルの配布元の記載に従ってください。")
    resource = source if isinstance(source, Resource) else get_resource(WORD_VECTOR_RESOURCES.get(source, source))
    licence = f"[{resource.license}]({resource.license_url})" if resource.license_url else resource.license
    lines = [f"- **{resource.title}** <{resource.homepage}>", f"  - ライセンス: {licence}",
             f"  - 出典: {resource.attribution}"]
    if resource.package:
        lines.append(f"  - 配布: PyPI パッケージ `{resource.package}`")
    return "\n".join(lines)


def attribution(*sources: str | Resource) -> str:
    """The title, homepage, licence and attribution of each source, as a Markdown list. A source is a registry
    resource or its name, or what chapter 2's ``cfg.vectors`` names: a key of :data:`WORD_VECTOR_RESOURCES` or the
    path of a local word2vec file (origin unknown). Anything else is a ``ValueError`` saying what ``vectors`` takes."""
    if not sources:
        raise ValueError("attribution() needs at least one source")
    return "\n".join(map(_item, sources))
