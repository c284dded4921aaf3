"""Tests for helpers.areas.market.tables: headers in the report's language, market keys, months, yes/no."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import tables
from helpers.areas.market.calibration import Calibration
from helpers.i18n import label
from tests.xlsx_checks import assert_sheet_holds_numbers

MONTHS = pd.date_range("2025-01-01", periods=2, freq="MS")
CJK = re.compile(r"[\u3400-\u9fff]")
ACRONYMS = {"CR", "HHI", "ID"}


def headers(styler) -> list[str]:
    data = styler.data
    return [str(c) for c in data.columns] + [str(n) for n in data.index.names if n]


def _size():
    return pd.DataFrame({"sales": [1000.0, 2000.0], "sales_low": [990.0, 1900.0], "sales_high": [1010.0, 2100.0],
                         "estimated_sales": [0.0, 10.0], "units": [10.0, 20.0], "listings": [3, 4],
                         "own_sales": [50.0, 0.0], "own_share": [0.05, 0.0], "mom": [np.nan, 1.0],
                         "yoy": [np.nan, np.nan], "partial": [False, True]}, index=MONTHS.rename("month"))


CAL = Calibration(alpha=0.5, beta=1.5634, cov=((0.0, 0.0), (0.0, 0.0)), sigma=0.0312, n=1730, r2=0.99941,
                  index_min=24.0, index_max=3449.4, loo_coverage=0.904, confidence=0.9)


def _all_tables(lang):
    bands = pd.DataFrame({"sales": [1.0], "sales_share": [1.0], "units": [1.0], "listings": [1], "listing_months": [1],
                          "listing_share": [1.0], "demand_per_listing": [1.0], "own_share": [0.0]},
                         index=pd.Index(["<100"], name="band"))
    conc = pd.DataFrame({"sellers": [2, 3], "cr3": [1.0, 1.0], "cr5": [1.0, 1.0], "cr10": [1.0, 1.0],
                         "hhi": [5000.0, np.nan]}, index=MONTHS)
    barriers = pd.Series({"cr5": 0.8, "hhi": 1627.0, "entrant_share": 0.04, "entrants_12m": 7.0,
                          "median_reviews": 10104.0}, name=MONTHS[1])
    ranked = pd.DataFrame({"rank": [1], "sales": [1.0], "share": [1.0], "own": [True], "shop": ["s"], "title": ["t"],
                           "price": [1.0], "rating": [4.5], "reviews": [3]}, index=pd.Index(["9"], name="listing_id"))
    entries = pd.DataFrame({"entrants": [0, 1], "leavers": [0, 0], "listings": [1, 2], "entrant_share": [0.0, 0.5]},
                           index=MONTHS)
    status = pd.DataFrame({"first_month": [MONTHS[0]], "last_month": [MONTHS[1]], "price": [1.0], "rating": [4.0],
                           "reviews": [2], "gone": [False]}, index=["s"])
    changes = pd.DataFrame({"month": [MONTHS[1]], "shop": ["s"], "listing_id": ["1"], "old_price": [10.0],
                            "new_price": [8.0], "price_change": [-0.2], "old_title": ["a"], "new_title": ["a b"],
                            "title_change": ["+b"]})
    estimates = pd.DataFrame({"shop": ["s"], "price": [2.0], "trade_index": [100.0], "estimate": [50.0],
                              "low": [40.0], "high": [60.0], "extrapolated": [True], "units": [25.0]},
                             index=pd.Index(["1"], name="listing_id"))
    flags = pd.DataFrame({"shop": ["s", "t"], "title": ["x", "y"], "step": [0.9, 0.1], "from_month": [MONTHS[1], pd.NaT],
                          "level": [0.0, 0.2], "months": [8, 8], "flagged": [True, False]},
                         index=pd.Index(["1", "2"], name="listing_id"))
    scored = pd.DataFrame({"category": ["c"], "band": ["<100"], "demand": [1.0], "growth": [0.1], "hhi": [3000.0],
                           "listing_months": [1], "demand_per_listing": [1.0], "own_sales": [0.0], "own_share": [0.0],
                           "opportunity_score": [80.2], "demand_rank": [1]})
    seasonality = pd.DataFrame({"seasonality": [1.0], "years": [2]}, index=pd.Index([1], name="month_of_year"))
    return {
        "size": tables.size_table(_size(), lang), "seasonality": tables.seasonality_table(seasonality, lang),
        "bands": tables.bands_table(bands, lang), "concentration": tables.concentration_table(conc, lang),
        "barriers": tables.barriers_table(barriers, lang),
        **{f"ranking_{by}": tables.ranking_table(ranked.rename_axis(by), by, lang)
           for by in ("shop", "brand", "listing_id")},
        "entries": tables.entries_table(entries, lang), "competitors": tables.competitor_table(status, lang),
        "changes": tables.changes_table(changes, lang), "calibration": tables.calibration_table(CAL, 0.466, lang),
        "estimates": tables.estimates_table(estimates, lang), "flags": tables.flags_table(flags, lang),
        "opportunity": tables.opportunity_table(scored, lang),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_is_wholly_in_its_language(lang):
    for name, styler in _all_tables(lang).items():
        assert_sheet_holds_numbers(styler, name)
        html = styler.to_html()
        shown = headers(styler) + [str(v) for v in styler.data.index]
        if lang == "zh":
            words = [w for text in shown for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ACRONYMS]
            assert not words, (name, words)
            assert ">yes<" not in html and ">no<" not in html
        else:
            assert not [h for h in shown if CJK.search(h)], name
            assert ">是<" not in html and ">否<" not in html


def test_market_sales_are_not_the_shops_paid_amount():
    zh = tables.size_table(_size(), "zh")
    assert headers(zh)[:3] == ["销售额", "销售额下限", "销售额上限"]
    assert label("sales", "zh") not in headers(zh)  # 支付金额 is the shop's own sales
    assert headers(zh)[-2:] == ["不完整月", "月份"]
    html = zh.to_html()
    assert "2025-02" in html and "2025-02-01" not in html
    assert ">否<" in html and ">是<" in html and "¥2,000" in html and "+100.0%" in html
    en = tables.size_table(_size(), "en")
    assert headers(en)[0] == label("market_sales", "en")
    assert headers(en)[6:8] == [label("mom", "en"), label("yoy", "en")]


def test_renamed_keys_and_formats_of_the_other_tables():
    shown = _all_tables("zh")
    assert "估算销售额" in headers(shown["estimates"]) and ">是<" in shown["estimates"].to_html()
    assert headers(shown["flags"])[-2:] == ["疑似刷单", "商品ID"]
    flags = shown["flags"].to_html()
    assert "2025-02" in flags and "—" in flags  # no step month: a dash
    assert headers(shown["opportunity"]) == ["机会分", "需求(近12月销售额)", "增长", "赫芬达尔指数 HHI", "单品需求",
                                             "本店占比", "说明", "类目", "价格带"]
    assert "需求第1/1，增长 10.00%，HHI 3,000（高度集中），本店占 0.00%" in shown["opportunity"].to_html()
    barriers = shown["barriers"]
    assert headers(barriers) == ["数值", "指标 (2025-02)"]
    assert list(barriers.data["数值"]) == ["80.00%", "1,627（中度集中）", "4.00%", "7", "10,104"]
    calibration = _all_tables("en")["calibration"]
    assert list(calibration.data["Value"]) == ["1.563", "1,730", "0.9994", "0.031", "24 ~ 3,449", "90.4%", "46.6%"]
    assert calibration.data.index[5] == "Leave-one-out coverage of the intervals (90%)"
    assert "—" in tables.calibration_table(CAL, float("nan"), "zh").to_html()
    assert headers(tables.barriers_table(pd.Series(dtype=float), "en")) == ["Value"]
