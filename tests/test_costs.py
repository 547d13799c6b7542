"""What each chapter tells a reader it costs (course_utils.costs)."""

from __future__ import annotations

from course_utils import profiles
from course_utils.costs import chapter_costs


def test_every_chapter_states_its_costs_in_every_profile():
    for chapter in profiles.chapters():
        table = chapter_costs(chapter)
        assert list(table.index) == list(profiles.PROFILES)
        assert table.loc["smoke", "ダウンロード（初回のみ）"] == "なし"
        assert table.loc["quick", "時間の目安"].startswith("実測")
        # the full profile's figures are estimates and say what they rest on
        assert table.loc["full", "時間の目安"].startswith("約")
        assert len(table.loc["full", "数値の出どころ"]) > 20


def test_download_sizes_come_from_the_data_registry():
    table = chapter_costs("ch02")
    assert "GoogleNews" in table.loc["full", "ダウンロード（初回のみ）"]
    assert "1,647 MB" in table.loc["full", "ダウンロード（初回のみ）"]  # the registered size of the .bin.gz
    assert "268 MB" in chapter_costs("ch04").loc["full", "ダウンロード（初回のみ）"]
