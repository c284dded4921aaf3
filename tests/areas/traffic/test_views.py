"""Traffic tables: every header, row name and generated cell in the report's language, data
escaped, figures formatted."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.areas.traffic import ads, anomalies, attribution, calc, decomposition, views
from helpers.core.calendar import Period
from tests.areas.traffic.shop import ESCAPED, ODD, WEEK, noted

CJK = re.compile(r"[\u3400-\u9fff]")
DATA = {"搜索", "直通车", "淘宝客", ODD, "A", "B", "C"}  # names from the data: any language


def _generated(styler) -> list[str]:
    """Headers, index names and row names of a styled table that this area generated."""
    data = styler.data
    words = [str(c) for c in data.columns] + [str(n) for n in data.index.names if n is not None]
    rows = data.index.get_level_values(0) if isinstance(data.index, pd.MultiIndex) else data.index
    return words + [str(r) for r in rows if str(r) not in DATA and not str(r).isdigit()]


def assert_language(styler, lang: str) -> None:
    for word in _generated(styler):
        if lang == "en":
            assert not CJK.search(word), word
        else:
            assert not re.search(r"[a-z]{2,}", word), word  # acronyms (UV, CPC, ROI) are upper case


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_source_tables_by_source_group_and_type(shop, lang):
    for by in ("source", "source_group", "traffic_type"):
        table, _ = noted(calc.summarize_sources, shop, WEEK, by=by)
        styled = views.source_table(table, lang)
        assert_language(styled, lang)
        html = styled.to_html()
        if by == "source":
            assert ESCAPED in html and "<b>外链" not in html
            assert list(styled.data.iloc[:, 0]) == (["自然搜索", "付费推广", "站外"] if lang == "zh"
                                                    else ["Free search", "Paid ads", "Off-site"])
    kinds, _ = noted(calc.summarize_sources, shop, WEEK, by="traffic_type")
    shown = views.source_table(kinds, lang).data
    assert list(shown.index) == (["免费流量", "付费流量"] if lang == "zh" else ["Free traffic", "Paid traffic"])
    assert shown.index.name == ("流量类型" if lang == "zh" else "Traffic type")


def test_source_table_formats_figures(shop):
    table, _ = noted(calc.summarize_sources, shop, WEEK)
    html = views.source_table(table, "en").to_html()
    assert "¥3,500" in html and "+25.0%" in html and "5.0%" in html
    assert "—" in html  # the new source has no change


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_funnel_and_decomposition_tables_name_the_whole_shop(shop, lang):
    funnel, _ = noted(calc.build_funnel, shop, WEEK)
    styled = views.funnel_table(funnel, lang)
    assert_language(styled, lang)
    assert styled.data.index[0] == ("全店" if lang == "zh" else "Whole shop")
    change, _ = noted(decomposition.decompose_sales, shop, WEEK)
    styled = views.decomposition_table(change, lang)
    assert_language(styled, lang)
    assert styled.data.index[-1] == ("各来源合计" if lang == "zh" else "Sum of sources")
    assert ("变化额" if lang == "zh" else "Change (yuan)") in styled.data.columns
    assert ESCAPED in styled.to_html()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_peer_table_rows_in_their_own_units(shop, lang):
    peers, _ = noted(calc.compare_peers, shop, WEEK)
    styled = views.peer_table(peers, lang)
    assert_language(styled, lang)
    data = styled.data
    assert data.iloc[0, 0] == "3.87%" and data.iloc[1, 0] == "¥3.83"
    assert data.iloc[2, 1] == "—"  # peers publish no AOV
    # the report's XLSX gets the numbers, each row with its own format
    sheet = styled.workbook_table
    assert sheet["rows"][0][1] == pytest.approx(peers.iloc[0]["own"]) and sheet["rows"][2][2] is None
    assert sheet["cell_formats"][0][1] == "0.00%" and sheet["cell_formats"][1][1] == "#,##0.00"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ads_table_words_the_verdicts(shop, lang):
    review, _ = noted(ads.review_ads, shop, WEEK)
    styled = views.ads_table(review.plans, review.breakeven, lang)
    assert_language(styled, lang)
    data = styled.data
    verdicts = data.iloc[:, list(data.columns).index("建议" if lang == "zh" else "Action")]
    # rows by channel then plan: 淘宝客 C, 直通车 A, 直通车 B
    assert list(verdicts) == (["加投", "数据不足", "削减"] if lang == "zh" else ["Scale up", "Not enough data", "Cut"])
    reasons = " ".join(data.iloc[:, -1])
    assert not CJK.search(reasons) if lang == "en" else "佣金率" in reasons
    assert data.index.names == (["推广渠道", "推广计划"] if lang == "zh" else ["Channel", "Plan"])
    assert_language(views.ads_table(review.channels, review.breakeven, lang), lang)


def _sample_scan(sample):
    return noted(anomalies.find_anomalies, sample, Period(pd.Timestamp("2026-10-14"), pd.Timestamp("2026-10-14")),
                 weeks=1)[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_anomaly_table(sample, lang):
    scan = _sample_scan(sample)
    styled = views.anomaly_table(scan, lang)
    data = styled.data
    assert len(data) == len(scan.anomalies) > 0
    assert list(data.columns) == (["日期", "流量来源", "指标", "实际", "基线预期", "偏离", "偏离度 z", "影响金额",
                                   "跳失率", "可能原因"] if lang == "zh" else
                                  ["Date", "Source", "Metric", "Observed", "Baseline", "Deviation", "z score",
                                   "Impact", "Bounce rate", "Likely cause"])
    cause = data.iloc[0, -1]
    assert ("刷量" in cause) if lang == "zh" else ("bot traffic" in cause)
    sheet = styled.workbook_table  # numbers in the XLSX; the date, source and cause as text
    first = scan.anomalies.iloc[0]
    assert sheet["rows"][0][3] == pytest.approx(first["observed"]) and sheet["rows"][0][0] == f"{first['date']:%Y-%m-%d}"
    assert sheet["cell_formats"][0][7] == "#,##0.00" and sheet["cell_formats"][0][0] is None
    if lang == "en":
        assert not any(CJK.search(str(v)) for v in data[["Metric", "Likely cause"]].to_numpy().ravel())
    assert styled.hide_index_ == [True]  # row numbers mean nothing to the reader


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_attribution_table_shows_shares(shop, lang):
    (table, _), _ = noted(attribution.attribute_orders, shop, WEEK)
    styled = views.attribution_table(table, lang)
    assert_language(styled, lang)
    assert "66.7%" in styled.to_html() and ESCAPED in styled.to_html()


def test_period_header_in_each_language():
    zh = views.period_header(WEEK, "pooled", "zh")
    en = views.period_header(WEEK, "daily_mean", "en")
    assert "**本期** 2026-11-09 ~ 2026-11-15（7 天）" in zh and "合计口径" in zh
    assert "**previous** 2026-11-02 ~ 2026-11-08" in en and "daily mean (mean of daily rates)" in en
    assert not CJK.search(en)
