"""What running a chapter costs in each profile (downloads, time, memory) and where its data comes from.

The figures live in ``costs.toml`` beside this module: the quick profile's are measured on a
2-core CPU, the full profile's are estimates for one GPU with the basis of each estimate, and
the data sizes are read from the data registry (:mod:`course_utils.data`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from course_utils.data import get_resource
from course_utils.profiles import PROFILES

MB = 10**6  # download sizes in decimal megabytes, as registries and browsers show them
USES = {"smoke": "テスト（合成データ）", "quick": "CPU（ノート PC）", "full": "GPU（Colab など）"}


@cache
def _costs() -> dict[str, Any]:
    return tomllib.loads(resources.files("course_utils").joinpath("costs.toml").read_text(encoding="utf-8"))


def _download(item: dict[str, Any]) -> tuple[str, float]:
    """(what, megabytes) of one download: a registered data set, or a named package or model."""
    if "data" in item:
        resource = get_resource(item["data"])
        return resource.title, sum(entry.size for entry in resource.files.values()) / MB
    return item["name"], float(item["mb"])


def _downloads(items: list[dict[str, Any]]) -> str:
    if not items:
        return "なし"
    return "、".join(f"{what}（{mb:,.0f} MB）" for what, mb in map(_download, items))


def _minutes(cost: dict[str, Any]) -> str:
    minutes = cost["minutes"]
    text = f"{minutes * 60:.0f} 秒" if minutes < 1 else f"{minutes:g} 分"
    return ("実測 " if cost.get("measured") else "約 ") + text


def chapter_costs(chapter: str) -> pd.DataFrame:
    """One row per profile: its use, downloads (MB), time and memory, and how the figures were had."""
    table = _costs()[chapter]
    rows = []
    for profile in PROFILES:
        cost = table[profile]
        rows.append({
            "プロファイル": profile,
            "用途": USES[profile],
            "ダウンロード（初回のみ）": _downloads(cost.get("downloads", [])),
            "時間の目安": _minutes(cost),
            "メモリの目安": f"{cost['memory_gb']:g} GB",
            "数値の出どころ": ("2 コアの CPU での実測（make test-quick）" if cost.get("measured")
                            else cost.get("basis", "テスト用の小さな実行")),
        })
    return pd.DataFrame(rows).set_index("プロファイル")


def chapter_sources(chapter: str, cfg: Mapping[str, Any]) -> list[str]:
    """The sources of the chapter's data (``sources`` of its table in costs.toml), for
    :func:`~course_utils.credits.attribution`: a registry name, or the name of a setting whose
    value names the source (chapter 2's ``vectors``)."""
    return [cfg[name] if name in cfg else name for name in _costs()[chapter].get("sources", [])]
