"""What running a chapter costs in each profile (downloads, time, memory), from ``costs.toml``."""

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


def _download(item: dict[str, Any]) -> str:
    """One download with its size: a registered data set, or a named package or model."""
    if "data" in item:
        resource = get_resource(item["data"])
        what, mb = resource.title, sum(entry.size for entry in resource.files.values()) / MB
    else:
        what, mb = item["name"], float(item["mb"])
    return f"{what}（{mb:,.0f} MB）"


def chapter_costs(chapter: str) -> pd.DataFrame:
    """One row per profile: its use, downloads (MB), time, memory, and the figures' basis (quick's are measured)."""
    rows = []
    for profile in PROFILES:
        cost, measured = _costs()[chapter][profile], profile == "quick"
        minutes = cost["minutes"]
        duration = f"{minutes * 60:.0f} 秒" if minutes < 1 else f"{minutes:g} 分"
        rows.append({
            "プロファイル": profile,
            "用途": USES[profile],
            "ダウンロード（初回のみ）": "、".join(map(_download, cost.get("downloads", []))) or "なし",
            "時間の目安": ("実測 " if measured else "約 ") + duration,
            "メモリの目安": f"{cost['memory_gb']:g} GB",
            "数値の出どころ": ("2 コアの CPU での実測（make test-quick）" if measured
                            else cost.get("basis", "テスト用の小さな実行")),
        })
    return pd.DataFrame(rows).set_index("プロファイル")


def chapter_sources(chapter: str, cfg: Mapping[str, Any]) -> list[str]:
    """The sources of the chapter's data (``sources`` in costs.toml): a registry name, or the name of a
    setting whose value names the source (chapter 2's ``vectors``)."""
    return [cfg[name] if name in cfg else name for name in _costs()[chapter].get("sources", [])]
