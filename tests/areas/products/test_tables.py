"""The report's tables speak the report's language: headers from the label table, quadrant
names and yes/no flags translated, interval ends named after their rate."""

from __future__ import annotations

import pandas as pd

from helpers.areas.products import tables


def test_report_tables_speak_the_report_language():
    # quadrant keys and yes/no flags reached the zh report as "cash_cow" and "False"
    growth = pd.DataFrame({"title": ["a", "b"], "sales": [1.0, 2.0], "share_of_sales": [0.1, 0.2],
                           "sales_growth": [0.1, -0.2], "quadrant": ["star", "cash_cow"]})
    html = tables.table(growth, "growth", "zh").to_html()
    assert "明星" in html and "金牛" in html and "cash_cow" not in html
    assert "销售额占比" in html and "环比增长" in html and "+10.0%" in html
    html = tables.table(growth, "growth", "en").to_html()
    assert "Star" in html and "Cash cow" in html and "Share of sales" in html and "Growth" in html
    cover = pd.DataFrame({"title": ["a"], "stock": [3], "daily_units": [0.1], "cover_days": [30],
                          "not_selling": [True], "sell_through": [0.5]})
    assert ">是<" in tables.table(cover, "cover", "zh").to_html()
    assert ">yes<" in tables.table(cover, "cover", "en").to_html()


def test_interval_ends_and_pair_titles_have_their_own_headers():
    test = pd.DataFrame({"impressions": [1000], "clicks": [30], "click_rate": [0.03], "click_rate_low": [0.02],
                         "click_rate_high": [0.04]}, index=pd.Index(["A"], name="variant"))
    zh, en = tables.table(test, "test", "zh").to_html(), tables.table(test, "test", "en").to_html()
    assert "点击率 区间下限" in zh and "点击率 区间上限" in zh and "版本" in zh and "展现量" in zh
    assert "Click rate Low" in en and "Click rate High" in en and "Variant" in en
    pairs = pd.DataFrame({"product_a": ["p1"], "title_a": ["裙 <b>"], "title_b": ["盒"], "pair_orders": [3],
                          "lift": [1.5]})
    html = tables.table(pairs, "pairs", "en").to_html()
    assert "Product A" in html and "Product B" in html and "p1" not in html  # titles, not ids
    assert "<b>" not in html and "&lt;b&gt;" in html  # titles are escaped
    assert "1.50" in html


def test_columns_outside_the_spec_are_not_shown_and_top_limits_rows():
    frame = pd.DataFrame({"title": list("abc"), "root_weight": [3.0, 2, 1], "secret": [1, 2, 3]})
    html = tables.table(frame.set_index("title"), "roots", "en", top=2).to_html()
    assert "secret" not in html and "Root popularity" in html
    assert ">a<" in html and ">c<" not in html


def test_dates_show_as_days():
    past = pd.DataFrame({"title": ["a"], "launch_date": [pd.Timestamp("2025-08-04")], "total_score": [85.0],
                         "launch_sales": [14455.0]})
    html = tables.table(past, "backtest", "zh").to_html()
    assert "2025-08-04" in html and "00:00:00" not in html and "综合得分" in html
