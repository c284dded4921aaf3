"""Traffic analysis: known answers on a hand-built shop, edge cases, truth recovery on the sample.

The hand-built shop has three sources over three weeks with round numbers (see ``shop``);
the sample shop's generator planted anomalies, source conversions, plan economics and
touch paths whose truth is in data/sample/ground_truth.json.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import data, metrics, traffic
from helpers.params import Period

SAMPLE = data.project_root() / "data" / "sample"
WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
PREV = WEEK.previous()
ODD = "<b>外链</b>"  # a source name that must come out escaped


def _csv(path, frame):
    frame.to_csv(path, index=False)


def _traffic_rows():
    rows = []
    for day in pd.date_range("2026-10-26", WEEK.end):
        this = day >= WEEK.start
        # search: 100/day (80 before), conversion 5%, AOV 100
        v = 100 if this else 80
        rows.append(
            (
                day.date(),
                "搜索",
                "free_search",
                v,
                3 * v,
                40,
                v // 10,
                6 * v // 100,
                v // 20,
                v // 20 * 100.0,
            )
        )
        # paid: 50/day, conversion 2% now (4% before), AOV 100
        b = 1 if this else 2
        rows.append((day.date(), "直通车", "paid", 50, 120, 30, 5, b + 1, b, b * 100.0))
        if this and day != pd.Timestamp("2026-11-10"):  # no row on 11-10: a day without visitors
            v = 20 if day == WEEK.start else (0 if day == pd.Timestamp("2026-11-11") else 10)
            b = 1 if day == WEEK.start else 0
            rows.append((day.date(), ODD, "offsite", v, 2 * v, v // 2, b, b, b, 50.0 * b))
    return pd.DataFrame(
        rows,
        columns=[
            "date",
            "source",
            "source_group",
            "visitors",
            "page_views",
            "bounced_visitors",
            "cart_buyers",
            "order_buyers",
            "paid_buyers",
            "paid_amount",
        ],
    )


@pytest.fixture()
def shop(tmp_path):
    """Three weeks of traffic; orders, products, ads, peers (no AOV) and touch paths for this week.

    This week: 搜索 700 visitors / 35 buyers / ¥3,500; 直通车 350 / 7 / ¥700; the odd source
    60 / 1 / ¥50 (no row on 11-10, 0 visitors on 11-11). Previous week: 搜索 560 / 28 / ¥2,800,
    直通车 350 / 14 / ¥1,400, the odd source absent.
    """
    _csv(tmp_path / "traffic.csv", _traffic_rows())
    orders = pd.DataFrame(
        [
            ("o1", "2026-11-10 11:58", "2026-11-10 12:00", "c1", "p1", 1, 100, 100, ODD, "paid"),
            ("o2", "2026-11-11 09:00", "2026-11-11 09:01", "c2", "p1", 1, 100, 100, "搜索", "paid"),
            ("o3", "2026-11-12 10:00", "2026-11-12 10:02", "c3", "p1", 1, 100, 100, "搜索", "paid"),
            (
                "o4",
                "2026-11-13 10:00",
                "2026-11-13 10:02",
                "c4",
                "p1",
                1,
                100,
                100,
                "直通车",
                "paid",
            ),
            ("o5", "2026-11-13 11:00", "", "c5", "p1", 1, 100, 0, "直通车", "unpaid"),
        ],
        columns=[
            "order_id",
            "order_time",
            "pay_time",
            "customer_id",
            "product_id",
            "quantity",
            "list_price",
            "paid_amount",
            "source",
            "status",
        ],
    )
    _csv(tmp_path / "orders.csv", orders)
    _csv(
        tmp_path / "products.csv",
        pd.DataFrame(
            {
                "product_id": ["p1"],
                "title": ["连衣裙"],
                "category": ["女装"],
                "brand": ["A"],
                "unit_cost": [40.0],
                "list_price": [100.0],
                "launch_date": ["2026-01-01"],
            }
        ),
    )
    _csv(
        tmp_path / "ads.csv",
        pd.DataFrame(
            {
                "date": ["2026-11-10", "2026-11-10", "2026-11-11"],
                "channel": ["直通车", "直通车", "淘宝客"],
                "plan": ["A", "B", "C"],
                "impressions": [2000, 500, 1000],
                "clicks": [100, 0, 20],
                "spend": [150.0, 50.0, 30.0],
                "attributed_orders": [5, 0, 3],
                "attributed_amount": [600.0, 0.0, 300.0],
                "attribution_window_days": [15, 15, 1],
            }
        ),
    )
    days = [d.date() for d in pd.date_range(WEEK.start, WEEK.end)]
    _csv(
        tmp_path / "peers.csv",
        pd.DataFrame(
            {
                "date": days * 2,
                "metric": ["conversion_rate"] * 7 + ["uv_value"] * 7,
                "tier": "L4",
                "peer_avg": [0.03] * 7 + [4.0] * 7,
                "peer_excellent": [0.05] * 7 + [6.0] * 7,
            }
        ),
    )
    _csv(
        tmp_path / "touchpoints.csv",
        pd.DataFrame(
            {
                "order_id": ["o1", "o1", "o1", "o1", "o2", "o3", "o3"],
                "touch_time": [
                    "2026-11-05 10:00",
                    "2026-11-08 10:00",
                    "2026-11-10 11:50",
                    "2026-11-11 08:00",
                    "2026-11-11 08:55",
                    "2026-11-12 08:00",
                    "2026-11-12 09:55",
                ],
                "source": ["搜索", "直通车", ODD, "直通车", "搜索", "直通车", "搜索"],
            }
        ),
    )
    return data.connect(tmp_path)


def quiet(func, *args, **kwargs):
    """Call and return (result, MetricNote messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", metrics.MetricNote)
        result = func(*args, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, metrics.MetricNote)]


# ------------------------------------------------------------------- source map


def test_source_map_known_numbers(shop):
    table, notes = quiet(traffic.summarize_sources, shop, WEEK)
    assert list(table.index) == ["搜索", "直通车", ODD]  # by visitors
    search, paid, odd = (table.loc[k] for k in table.index)
    assert (search["visitors"], search["paid_buyers"], search["paid_amount"]) == (700, 35, 3500)
    assert search["conversion_rate"] == pytest.approx(0.05)
    assert search["uv_value"] == pytest.approx(5.0) and search["aov"] == pytest.approx(100.0)
    low, high = metrics.wilson_interval(35, 700)
    assert (search["conversion_low"], search["conversion_high"]) == pytest.approx((low, high))
    assert odd["visitors"] == 60 and odd["conversion_rate"] == pytest.approx(1 / 60)
    assert table["visitor_share"].sum() == pytest.approx(1.0)
    assert search["sales_share"] == pytest.approx(3500 / 4250)
    assert search["visitors_change"] == pytest.approx(700 / 560 - 1)
    assert paid["conversion_change"] == pytest.approx(-0.5)
    assert math.isnan(odd["visitors_change"])  # a new source has no base
    assert search["source_group"] == "free_search"
    assert notes == []


def test_daily_mean_leaves_out_days_without_visitors_and_says_so(shop):
    table, notes = quiet(traffic.summarize_sources, shop, WEEK, "daily_mean")
    # the odd source: 11-09 1/20, then 0/10 on four days; 11-10 (no row) and 11-11 (0) left out
    assert table.loc[ODD, "conversion_rate"] == pytest.approx((1 / 20) / 5)
    assert table.loc["搜索", "conversion_rate"] == pytest.approx(0.05)
    assert any(ODD in n and "2 of 7 days have a denominator of 0" in n for n in notes)


def test_source_groups_and_free_vs_paid(shop):
    groups, _ = quiet(traffic.summarize_sources, shop, WEEK, by="source_group")
    assert groups.loc["paid", "visitors"] == 350 and groups.loc["offsite", "visitors"] == 60
    kinds, _ = quiet(traffic.summarize_sources, shop, WEEK, by="traffic_type")
    assert kinds.loc["paid", "paid_amount"] == 700 and kinds.loc["free", "paid_amount"] == 3550
    assert kinds["sales_share"].sum() == pytest.approx(1.0)


def test_totals_best_worst_and_sentences_are_escaped(shop):
    sources, _ = quiet(traffic.summarize_sources, shop, WEEK)
    totals = traffic.total_figures(sources, shop, WEEK)
    assert totals["visitors"] == 1110 and totals["paid_amount"] == 4250
    assert totals["conversion_rate"] == pytest.approx(43 / 1110)
    assert totals["uv_value"] == pytest.approx(totals["conversion_rate"] * totals["aov"])
    assert traffic.pick_best_worst(sources) == ("搜索", ODD)
    for lang in ("zh", "en"):
        text = traffic.describe_sources(sources, totals, "pooled", lang)
        assert "&lt;b&gt;外链&lt;/b&gt;" in text and "<b>" not in text
        html = traffic.source_table(sources, lang).to_html()
        assert "&lt;b&gt;外链&lt;/b&gt;" in html and "<b>外链" not in html
    assert "合计口径" in traffic.describe_sources(sources, totals, "pooled", "zh")


# ------------------------------------------------------------------------ funnel


def test_funnel_known_numbers(shop):
    funnel, _ = quiet(traffic.build_funnel, shop, WEEK)
    s = funnel.loc["搜索"]
    assert (s["visitors"], s["cart_buyers"], s["order_buyers"], s["paid_buyers"]) == (
        700,
        70,
        42,
        35,
    )
    assert s["cart_rate"] == pytest.approx(0.1) and s["cart_to_order"] == pytest.approx(0.6)
    assert s["order_to_pay_rate"] == pytest.approx(35 / 42) and s["bounce_rate"] == pytest.approx(
        0.4
    )
    total = funnel.loc["total"]
    assert total["visitors"] == 1110 and total["paid_buyers"] == 43
    assert funnel.index[0] == "total"
    text = traffic.describe_funnel(funnel, "pooled", "en")
    assert "pooled" in text and "biggest leak" in text


# ------------------------------------------------------------------------- peers


def test_peers_missing_for_a_metric(shop):
    peers, notes = quiet(traffic.compare_peers, shop, WEEK)
    assert peers.loc["conversion_rate", "peer_avg"] == pytest.approx(0.03)
    assert peers.loc["conversion_rate", "gap_to_avg"] == 0  # already above the average
    own_uv = 4250 / 1110
    assert peers.loc["uv_value", "gap_to_avg"] == pytest.approx((4.0 - own_uv) * 1110)
    assert peers.loc["uv_value", "gap_to_excellent"] == pytest.approx((6.0 - own_uv) * 1110)
    assert math.isnan(peers.loc["aov", "peer_avg"]) and math.isnan(peers.loc["aov", "gap_to_avg"])
    assert any("aov" in n for n in notes)
    zh = traffic.describe_peers(peers, "zh")
    assert "同行数据缺少：客单价" in zh and "追平平均约可多卖 ¥190" in zh
    assert "Peers publish no AOV" in traffic.describe_peers(peers, "en")


# ------------------------------------------------------------------ paid promotion


def test_ads_known_numbers_and_a_plan_with_spend_but_no_clicks(shop):
    margin = traffic.estimate_margin(shop, WEEK)
    assert margin == pytest.approx(0.6)  # (400 - 4 x 40) / 400
    plans, notes = quiet(traffic.summarize_ads, shop, WEEK, margin)
    a = plans.loc[("直通车", "A")]
    assert a["ctr"] == pytest.approx(0.05) and a["cpc"] == pytest.approx(1.5)
    assert a["cpm"] == pytest.approx(75.0) and a["click_conversion"] == pytest.approx(0.05)
    assert a["roi"] == pytest.approx(4.0) and a["cost_per_order"] == pytest.approx(30.0)
    assert a["max_cpc"] == pytest.approx(6.0 * 0.6) and a["profit"] == pytest.approx(
        600 * 0.6 - 150
    )
    assert (a["verdict"], a["reason"]) == ("scale", "above_breakeven:few_orders")
    b = plans.loc[("直通车", "B")]
    assert math.isnan(b["cpc"]) and b["roi"] == 0
    assert (b["verdict"], b["reason"]) == ("cut", "no_clicks")
    assert any("点击量 clicks = 0" in n for n in notes)  # the zero denominator is visible
    assert "without a single click" in traffic.describe_verdict(b, 1 / margin, "en")
    c = plans.loc[("淘宝客", "C")]  # paid by commission: the advice is about the commission
    assert c["verdict"] == "scale" and "commission" in traffic.describe_verdict(c, 1 / margin, "en")
    channels, _ = quiet(traffic.summarize_ads, shop, WEEK, margin, by="channel")
    assert channels.loc["直通车", "spend"] == 200 and channels.loc["淘宝客", "window"] == "1"


def test_profit_grid_centre_is_the_actual_profit_of_per_click_plans(shop):
    margin = traffic.estimate_margin(shop, WEEK)
    plans, _ = quiet(traffic.summarize_ads, shop, WEEK, margin)
    assert list(traffic.per_click_plans(plans).index.get_level_values("plan")) == ["A", "B"]
    grid = traffic.build_profit_grid(plans, margin)
    assert grid.shape == (7, 7)
    centre = grid.iloc[3, 3]
    assert grid.columns[3] == pytest.approx(2.0) and grid.index[3] == pytest.approx(0.05)
    assert centre == pytest.approx(600 * 0.6 - 200)
    assert grid.iloc[0, 0] > centre > grid.iloc[-1, -1]  # more conversion, lower CPC: more profit
    text = traffic.describe_profit_grid(plans, margin, "en")
    assert "at least 2.78%" in text and "at most ¥3.60" in text  # 2 / (120 x 0.6); 0.05 x 120 x 0.6


def test_review_ads_without_products_cannot_judge_break_even(shop, tmp_path):
    (tmp_path / "products.csv").unlink()
    bare = data.connect(tmp_path)
    review, notes = quiet(traffic.review_ads, bare, WEEK)
    assert math.isnan(review.margin) and math.isnan(review.breakeven)
    assert review.plans.loc[("直通车", "A"), "verdict"] == "optimise"
    assert review.plans.loc[("直通车", "B"), "verdict"] == "cut"  # no clicks needs no margin
    assert review.grid.empty and any("unit_cost" in n for n in notes)
    assert "unit_cost" in traffic.describe_ads(review.plans, review.channels, review.margin, "en")


# ----------------------------------------------------------------- decomposition


def test_shapley_decomposition_is_exact_and_symmetric():
    rng = np.random.default_rng(1)
    v0, v1 = rng.integers(0, 5000, 200), rng.integers(0, 5000, 200)
    c0, c1 = rng.uniform(0, 0.1, 200), rng.uniform(0, 0.1, 200)
    a0, a1 = rng.uniform(20, 400, 200), rng.uniform(20, 400, 200)
    dv, dc, da = traffic.decompose_change(v0, c0, a0, v1, c1, a1)
    np.testing.assert_allclose(dv + dc + da, v1 * c1 * a1 - v0 * c0 * a0, rtol=1e-12, atol=1e-9)
    # symmetric: swapping the periods flips every sign
    back = traffic.decompose_change(v1, c1, a1, v0, c0, a0)
    np.testing.assert_allclose(np.stack(back), -np.stack([dv, dc, da]), atol=1e-9)
    # one factor moving takes the whole change
    assert traffic.decompose_change(100, 0.1, 10, 200, 0.1, 10) == pytest.approx((100, 0, 0))
    # a source that appears, and one whose buyers vanish (AOV undefined)
    assert traffic.decompose_change(0, np.nan, np.nan, 60, 1 / 60, 50) == pytest.approx((50, 0, 0))
    dv, dc, da = traffic.decompose_change(100, 0.05, 80, 100, 0.0, np.nan)
    assert (dv, dc, da) == pytest.approx((0, -400, 0))


def test_sales_decomposition_known_numbers(shop):
    table, _ = quiet(traffic.decompose_sales, shop, WEEK)
    assert table.loc["total", "change"] == pytest.approx(50)
    assert table.loc[
        "搜索", ["visitors_effect", "conversion_effect", "aov_effect"]
    ].tolist() == pytest.approx([700, 0, 0])
    assert table.loc[
        "直通车", ["visitors_effect", "conversion_effect", "aov_effect"]
    ].tolist() == pytest.approx([0, -700, 0])
    assert table.loc[ODD, "visitors_effect"] == pytest.approx(50)
    parts = table[["visitors_effect", "conversion_effect", "aov_effect"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["change"], atol=1e-9)
    assert table.loc["sum_of_sources", "change"] == pytest.approx(table.loc["total", "change"])
    text = traffic.describe_decomposition(table, "zh")
    assert (
        "「搜索」增加 ¥700，主要来自访客数" in text
        and "「直通车」减少 ¥700，主要来自支付转化率" in text
    )
    # the first week of data has nothing to compare with: no split, and a sentence saying so
    first = Period(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-01"))
    table, notes = quiet(traffic.decompose_sales, shop, first)
    assert table[["change", "visitors_effect"]].isna().all().all()
    assert any("has no traffic in the data" in n for n in notes)
    assert "cannot be split" in traffic.describe_decomposition(table, "en")


# --------------------------------------------------------------------- anomalies


def _steady_shop_days(days=150, seed=3):
    """Two sources with a weekday pattern and Poisson noise; an outage and a conversion drop."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2026-01-05", periods=days)
    week = np.array([1.0, 0.95, 0.95, 1.0, 1.05, 1.2, 1.25])[dates.day_of_week]
    rows = []
    for source, base, conv in (("A", 800, 0.03), ("B", 1500, 0.04)):
        v = rng.poisson(base * week)
        b = rng.binomial(v, conv)
        rows.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "source": source,
                    "source_group": "free_search",
                    "visitors": v,
                    "paid_buyers": b,
                    "paid_amount": b * 100.0,
                    "bounced_visitors": (v * 0.4).round(),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    if days > 130:
        outage = (frame["source"] == "A") & (frame["date"] == dates[120])
        frame.loc[outage, ["visitors", "paid_buyers", "paid_amount", "bounced_visitors"]] = 0
        drop = (frame["source"] == "B") & (frame["date"] == dates[130])
        frame.loc[drop, "paid_buyers"] = 3
        frame.loc[drop, "paid_amount"] = 300.0
    return frame, dates


def test_detector_finds_an_outage_and_a_conversion_drop_and_little_else():
    frame, dates = _steady_shop_days()
    reasons = pd.Series("", index=dates)
    cells, days = traffic.detect_anomalies(frame, reasons, dates[60], dates[-1])
    assert (days["status"] == "tested").all()
    flags = cells[cells["anomaly"]]
    outage = flags[(flags["source"] == "A") & (flags["date"] == dates[120])]
    assert list(outage["metric"]) == [
        "visitors"
    ]  # conversion of a day without visitors is not tested
    assert outage["z"].iloc[0] < -10
    drop = flags[(flags["source"] == "B") & (flags["date"] == dates[130])]
    assert set(drop["metric"]) == {"conversion_rate", "uv_value"}
    others = len(flags) - len(outage) - len(drop)
    assert others <= 1, flags  # ~540 noise cells at |z| >= 4
    noise = cells[~cells["anomaly"]]["z"].dropna()
    assert 0.7 < noise.std() < 1.3  # calibrated scores


def test_campaign_days_are_not_tested_and_short_history_is_said(shop):
    frame, dates = _steady_shop_days(days=40)
    reasons = pd.Series("", index=dates)
    reasons[dates[30] : dates[34]] = "双11"
    cells, days = traffic.detect_anomalies(
        frame, reasons, dates[25], dates[-1], min_baseline_days=28
    )
    assert set(days.loc[days["date"].between(dates[30], dates[34]), "status"]) == {"excluded"}
    assert set(days.loc[days["date"] < dates[28], "status"]) == {"short_baseline"}
    assert not cells["date"].between(dates[30], dates[34]).any()
    # the notebook's path: a period shorter than the baseline needs gets a clear sentence
    scan, _ = quiet(traffic.find_anomalies, shop, WEEK, weeks=1)
    assert scan.tested_days == 0 and set(scan.days["status"]) == {"short_baseline"}
    zh = traffic.describe_anomalies(scan, "zh")
    assert "未做异常检测" in zh and "至少 28 个正常日" in zh and "没有可检测的日期" in zh
    en = traffic.describe_anomalies(scan, "en")
    assert "were not tested: the seasonal baseline needs at least 28 ordinary days" in en
    assert scan.notes and "not tested" in scan.notes[0]


def test_bad_parameters_name_themselves(shop):
    with pytest.raises(ValueError, match="rate_method"):
        traffic.summarize_sources(shop, WEEK, rate_method="median")
    with pytest.raises(ValueError, match="confidence"):
        traffic.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="anomaly_threshold"):
        traffic.check_options(anomaly_threshold=0)
    with pytest.raises(ValueError, match="baseline_days"):
        traffic.check_options(baseline_days=3)
    with pytest.raises(ValueError, match="no visitors in 2025-01-01"):
        traffic.summarize_sources(
            shop, Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-07"))
        )


# ------------------------------------------------------------------- attribution


def test_attribution_models_known_credits(shop):
    (table, coverage), notes = quiet(traffic.attribute_orders, shop, WEEK)
    assert coverage == {"paid_orders": 4, "tracked_orders": 3, "tracked_share": 0.75}
    assert any("3 of 4 paid orders" in n for n in notes)
    # o1: 搜索 > 直通车 > odd (its touch after the payment is ignored); o2: 搜索; o3: 直通车 > 搜索
    expected = {
        "last_click": {"搜索": 2, "直通车": 0, ODD: 1},
        "first_click": {"搜索": 2, "直通车": 1, ODD: 0},
        "linear": {"搜索": 1 / 3 + 1 + 0.5, "直通车": 1 / 3 + 0.5, ODD: 1 / 3},
        "position_based": {"搜索": 0.4 + 1 + 0.5, "直通车": 0.2 + 0.5, ODD: 0.4},
    }
    for model, credit in expected.items():
        for source, value in credit.items():
            assert table.loc[source, model] == pytest.approx(value), (model, source)
        assert table[model].sum() == pytest.approx(3)
        assert table[f"{model}_sales"].sum() == pytest.approx(300)
    text = traffic.describe_attribution(table, coverage, "en")
    assert "3 paid orders (75.00%" in text
    html = traffic.attribution_table(table, "en").to_html()
    assert "&lt;b&gt;外链&lt;/b&gt;" in html


# ------------------------------------------------------------- the sample shop


@pytest.fixture(scope="module")
def unusual_days(truth):
    """Days outside normal trading in the truth: campaign windows, Spring Festival, anomalies."""
    days = set()
    for w in truth["normal_days"]["excluded_windows"]:
        days.update(pd.date_range(w["start"], w["end"]))
    return days


@pytest.fixture(scope="module")
def full_scan(sample):
    first, last = sample.date_range("traffic")
    daily = traffic.load_daily(sample, first, last)
    reasons = traffic.excluded_days(sample, first, last)
    cells, days = traffic.detect_anomalies(daily, reasons, first, last)
    return daily, cells, days


MAX_FALSE_ALARMS = 8  # on the sample's normal days, at |z| >= 4, out of about 8,700 tested cells


def test_every_planted_anomaly_is_found_with_few_false_alarms(full_scan, truth, unusual_days):
    _, cells, _ = full_scan
    flags = cells[cells["anomaly"]]
    for a in truth["anomalies"]:
        metric = "visitors" if a["metric"] == "visitors" else "conversion_rate"
        window = pd.date_range(a["start"], a["end"])
        hit = flags[
            (flags["source"] == a["source"])
            & (flags["metric"] == metric)
            & flags["date"].isin(window)
        ]
        assert len(hit) >= max(1, math.ceil(len(window) / 2)), (
            a
        )  # a week-long one: most of its days
        assert (np.sign(hit["z"]) == np.sign(math.log(a["multiplier"]))).all(), a
    normal = cells[~cells["date"].isin(unusual_days)]
    false_alarms = normal[normal["anomaly"]]
    assert len(false_alarms) <= MAX_FALSE_ALARMS, false_alarms
    assert normal["z"].notna().sum() > 8_000


def test_bot_spike_is_recognised_as_bots(sample, truth):
    bots = next(a for a in truth["anomalies"] if a.get("kind") == "bots")
    period = Period(pd.Timestamp(bots["end"]), pd.Timestamp(bots["end"]))
    scan = traffic.find_anomalies(sample, period, weeks=1)
    found = scan.anomalies[(scan.anomalies["source"] == bots["source"])]
    assert set(found["date"]) == set(pd.date_range(bots["start"], bots["end"]))
    assert set(found.loc[found["metric"] == "visitors", "hint"]) == {"bots"}
    assert "刷量" in traffic.describe_anomalies(scan, "zh")


def test_conversion_intervals_cover_the_true_conversion(full_scan, truth, unusual_days):
    """95% Wilson intervals of each source's weekly conversion on normal weeks cover the true
    conversion at least 90% of the time (the true rate drifts a little with prices)."""
    daily = full_scan[0]
    covered = []
    for monday in pd.date_range(daily["date"].min(), daily["date"].max(), freq="W-MON"):
        days = pd.date_range(monday, periods=7)
        if days[-1] > daily["date"].max() or any(d in unusual_days for d in days):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", metrics.MetricNote
            )  # weeks without buyers: AOV undefined
            rates = traffic.rates_by(daily[daily["date"].isin(days)], "source", "pooled", 0.95)
        for source, row in rates.iterrows():
            true = truth["sources"][source]["conversion"]
            covered.append((source, row["conversion_low"] <= true <= row["conversion_high"]))
    frame = pd.DataFrame(covered, columns=["source", "covered"])
    assert len(frame) > 500
    assert frame["covered"].mean() >= 0.90
    assert frame.groupby("source")["covered"].mean().min() >= 0.80


def test_plans_are_cut_and_scaled_as_the_truth_says(sample, truth):
    first, last = sample.date_range("ads")
    whole = Period(first, last)
    margin = traffic.estimate_margin(sample, whole)
    assert margin == pytest.approx(truth["ads"]["gross_margin"], abs=0.002)
    plans, _ = quiet(traffic.summarize_ads, sample, whole, margin)
    verdict = plans.reset_index().set_index("plan")["verdict"]
    assert truth["ads"]["loss_making_plans"] and truth["ads"]["profitable_plans"]
    for plan in truth["ads"]["loss_making_plans"]:
        assert verdict[plan] == "cut", plan
    for plan in truth["ads"]["profitable_plans"]:
        assert verdict[plan] == "scale", plan
    for plan, spec in truth["ads"]["plans"].items():
        assert plans.reset_index().set_index("plan").loc[plan, "roi"] == pytest.approx(
            spec["observed_roas"], rel=1e-4
        )


def test_attribution_recovers_the_path_model(sample, truth):
    tp = truth["touchpoints"]
    last = sample.date_range("traffic")[1]
    window = Period(pd.Timestamp(tp["from"]), last)
    (table, coverage), _ = quiet(traffic.attribute_orders, sample, window)
    assert coverage["tracked_orders"] == tp["orders"]
    assert coverage["tracked_share"] == pytest.approx(tp["order_share"], abs=0.03)
    shares = table[list(traffic.ATTRIBUTION_MODELS)] / tp["orders"]
    for model, expected in tp["expected_credit_share"].items():
        for source, share in expected.items():
            got = shares[model].get(source, 0.0)
            assert got == pytest.approx(share, abs=0.02), (model, source)
    # last click is the orders' own source, exactly
    orders = sample.table("orders").execute()
    last_click = table["last_click"]
    paid = orders[(orders["status"] == "paid") & (orders["pay_time"] >= window.start)]
    tracked = set(sample.table("touchpoints").execute()["order_id"])
    own = paid[paid["order_id"].isin(tracked)].drop_duplicates("order_id")["source"].value_counts()
    pd.testing.assert_series_equal(
        last_click[last_click > 0].sort_index(), own.sort_index().astype(float), check_names=False
    )


def test_sample_decomposition_adds_up_exactly(sample):
    period = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    table, _ = quiet(traffic.decompose_sales, sample, period)
    parts = table[["visitors_effect", "conversion_effect", "aov_effect"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["change"], rtol=1e-12, atol=1e-6)
    sources = table.drop(index=["total", "sum_of_sources"])
    assert sources["change"].sum() == pytest.approx(table.loc["total", "change"], abs=1e-6)


def test_notebook_runs_in_english_and_records_the_helpers_figures(sample, tmp_path):
    import nbformat

    from helpers import batch
    from helpers.params import check_params
    from helpers.report import METRIC_MIME

    # Through the batch executor, as every report is run: a kernel on local sockets and a time limit,
    # so that a kernel that stops answering fails this test instead of blocking the suite.
    notebook = data.project_root() / "notebooks" / "03-traffic-analysis.ipynb"
    spec = batch.RunSpec("traffic-en", str(notebook), {"lang": "en", "rate_method": "daily_mean"}, timeout=600)
    result = batch.execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    nb = nbformat.read(result.ipynb, as_version=4)
    recorded, markdown = {}, []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
            assert output.get("name") != "stderr", output.get(
                "text"
            )  # no warning reaches the reader
            payload = output.get("data", {}).get(METRIC_MIME)
            if payload:
                recorded[payload["name"]] = payload["value"]
            markdown.append(output.get("data", {}).get("text/markdown", ""))
    assert set(recorded) == {
        "visitors",
        "conversion_rate",
        "uv_value",
        "aov",
        "sales",
        "best_source",
        "worst_source",
        "paid_roi",
        "anomalies",
    }
    period = check_params(sample, date_table="traffic").period
    sources, _ = quiet(traffic.summarize_sources, sample, period, "daily_mean")
    totals, _ = quiet(traffic.total_figures, sources, sample, period, "daily_mean")
    assert recorded["visitors"] == totals["visitors"] and recorded["sales"] == totals["paid_amount"]
    assert recorded["conversion_rate"] == pytest.approx(totals["conversion_rate"])
    assert (recorded["best_source"], recorded["worst_source"]) == traffic.pick_best_worst(sources)
    assert recorded["anomalies"] >= 2  # the price test and the bot spike fall in the default scan
    text = "\n".join(markdown)
    assert "daily mean (mean of daily rates)" in text and "Act on them quickly" in text
    assert (
        "如有异常" not in text and "支付金额" not in text
    )  # no Chinese sentence in the English report
