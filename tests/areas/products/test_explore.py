"""The Explore section: controls labelled in the report's language, a slice's table and Pareto
curve, and an empty slice said in words."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.areas.products.explore import explore_controls, render_explore

PORTFOLIO = pd.DataFrame({"title": ["裙", "盒"], "category": ["女装连衣裙", "家居收纳"], "units": [3, 1],
                          "sales": [300.0, 50.0], "contribution": [100.0, 5.0], "contribution_margin": [0.33, 0.1]},
                         index=pd.Index(["p1", "p2"], name="product_id"))


@pytest.mark.parametrize(("lang", "category", "rank_by", "everything"),
                         [("zh", "类目", "排序", "全部"), ("en", "Category", "Rank by", "All")])
def test_controls_speak_the_report_language(lang, category, rank_by, everything):
    controls = explore_controls(PORTFOLIO, lang)
    assert controls["category"].description == category and controls["by"].description == rank_by
    assert controls["category"].options[0][0] == everything
    assert [v for _, v in controls["category"].options[1:]] == sorted(PORTFOLIO["category"])
    assert controls["by"].value == "sales"


def test_render_explore_ranks_the_slice():
    table, fig = render_explore(PORTFOLIO, None, "contribution_margin", "en")
    html = table.to_html()
    assert html.index("裙") < html.index("盒") and "Contribution margin" in html
    assert isinstance(fig, Figure)
    (only,) = render_explore(PORTFOLIO, "童装", lang="zh")
    assert "无数据" in only.to_html()
