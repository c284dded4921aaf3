"""The Explore section: the slice's size and its top customers, ids masked, words in the language."""

from __future__ import annotations

import pandas as pd

from helpers.areas.customers import explore
from helpers.areas.customers.lifetime import Lifetime
from helpers.areas.customers.recall import mask_ids
from helpers.areas.customers.rfm import SEGMENTS


def _inputs():
    ids = pd.Index(["c1", "c2", "c3"])
    rfm = pd.DataFrame({"recency_days": [5.0, 50.0, 1.0], "frequency": [3, 1, 2], "monetary": [300.0, 80.0, 150.0],
                        "segment": ["important_value", "general_retain", "important_value"]}, index=ids)
    scores = pd.DataFrame({"p_alive": [0.9, 1.0, 0.8], "expected_purchases": [1.0, 0.2, 0.5],
                           "expected_value": [90.0, 10.0, 60.0]}, index=ids)
    summary = pd.DataFrame({"first_source": ["搜索", "直通车", "搜索"],
                            "last_date": pd.to_datetime(["2026-03-26", "2026-02-09", "2026-03-30"])}, index=ids)
    return rfm, Lifetime(scores, None, None, 90), summary


def test_controls_offer_every_segment_and_source():
    rfm, life, summary = _inputs()
    controls = explore.explore_controls(summary, "zh")
    assert [v for _, v in controls["segment"].options][1:] == list(SEGMENTS)
    assert controls["segment"].options[0][0] == "全部" and controls["segment"].options[1][0] == "重要价值客户"
    assert [v for _, v in controls["first_source"].options][1:] == ["搜索", "直通车"]
    assert controls["sort_by"].value == "monetary" and controls["sort_by"].description == "排序"


def test_a_slice_ranked_and_masked():
    rfm, life, summary = _inputs()
    overview, top = explore.render_explore(rfm, life, summary, "salt", "important_value", "搜索", "recency_days",
                                           lang="en")
    assert overview.data.iloc[0].tolist() == [2, 2 / 3, 450.0, 75.0]
    assert list(top.data.index) == list(mask_ids(["c3", "c1"], "salt"))  # the most recent first
    html = top.to_html()
    assert "c1" not in list(top.data.index) and "Last purchase" in html and "2026-03-30" in html
    assert "Important value" in html and "Customer id" in html
    _, by_value = explore.render_explore(rfm, life, summary, "salt", None, None, "expected_value", lang="zh")
    assert list(by_value.data.index) == list(mask_ids(["c1", "c3", "c2"], "salt"))
    assert "最近购买日" in by_value.to_html()
