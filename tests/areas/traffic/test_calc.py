"""Traffic calculations: the source map, totals, funnel and peers on the hand-built shop; the
conversion intervals on the sample shop."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.traffic import anomalies, calc
from helpers.core.calendar import Period
from helpers.core.shop import connect
from helpers.core.stats import wilson_interval
from tests.areas.traffic.shop import ODD, WEEK, has_note, noted

# ------------------------------------------------------------------- daily traffic


def test_a_source_without_a_row_has_zero_visitors_that_day(shop):
    daily = calc.load_daily(shop, WEEK.start, WEEK.end)
    assert len(daily) == 3 * 7  # every source on every day
    odd = daily[daily["source"] == ODD].set_index("date")
    assert odd.loc[pd.Timestamp("2026-11-10"), "visitors"] == 0  # no row in the export
    assert set(daily.loc[daily["source"] == "直通车", "traffic_type"]) == {"paid"}
    assert set(daily.loc[daily["source"] == "搜索", "traffic_type"]) == {"free"}
    empty = calc.load_daily(shop, "2020-01-01", "2020-01-31")
    assert empty.empty and list(empty.columns) == list(daily.columns)


def test_daily_trend_has_group_keys_and_uv_value(shop):
    trend = calc.daily_trend(shop, WEEK.end, weeks=1, by="source_group")
    assert set(trend["source_group"]) == {"free_search", "paid", "offsite"}
    day = trend[(trend["date"] == WEEK.start) & (trend["source_group"] == "free_search")].iloc[0]
    assert day["uv_value"] == pytest.approx(day["paid_amount"] / day["visitors"])
    with pytest.raises(ValueError, match="by="):
        calc.daily_trend(shop, WEEK.end, by="category")


def test_item_names_are_labels_in_each_language():
    assert calc.item_name("total", "source", "zh") == "全店"
    assert calc.item_name("total", "source", "en") == "Whole shop"
    assert calc.item_name("sum_of_sources", "source", "en") == "Sum of sources"
    assert calc.item_name("free_search", "source_group", "zh") == "自然搜索"
    assert calc.item_name("paid", "traffic_type", "en") == "Paid traffic"
    assert calc.item_name("free", "traffic_type", "zh") == "免费流量"
    assert calc.item_name("paid", "source", "zh") == "paid"  # a source's name is data
    assert calc.item_name("unknown_group", "source_group", "en") == "unknown_group"
    with pytest.raises(ValueError, match="zh"):
        calc.item_name("total", "source", "fr")


# ------------------------------------------------------------------- source map


def test_source_map_known_numbers(shop):
    table, notes = noted(calc.summarize_sources, shop, WEEK)
    assert list(table.index) == ["搜索", "直通车", ODD]  # by visitors
    search, paid, odd = (table.loc[k] for k in table.index)
    assert (search["visitors"], search["paid_buyers"], search["paid_amount"]) == (700, 35, 3500)
    assert search["conversion_rate"] == pytest.approx(0.05)
    assert search["uv_value"] == pytest.approx(5.0) and search["aov"] == pytest.approx(100.0)
    low, high = wilson_interval(35, 700)
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
    table, notes = noted(calc.summarize_sources, shop, WEEK, "daily_mean")
    # the odd source: 11-09 1/20, then 0/10 on four days; 11-10 (no row) and 11-11 (0) left out
    assert table.loc[ODD, "conversion_rate"] == pytest.approx((1 / 20) / 5)
    assert table.loc["搜索", "conversion_rate"] == pytest.approx(0.05)
    assert any(n.zh.startswith(ODD) and n.en.startswith(ODD) for n in notes)
    assert has_note(notes, "7 天中有 2 天分母为 0", "2 of 7 days have a denominator of 0")


def test_source_groups_and_free_vs_paid(shop):
    groups, _ = noted(calc.summarize_sources, shop, WEEK, by="source_group")
    assert groups.loc["paid", "visitors"] == 350 and groups.loc["offsite", "visitors"] == 60
    kinds, _ = noted(calc.summarize_sources, shop, WEEK, by="traffic_type")
    assert kinds.loc["paid", "paid_amount"] == 700 and kinds.loc["free", "paid_amount"] == 3550
    assert kinds["sales_share"].sum() == pytest.approx(1.0)
    assert kinds.index.name == "traffic_type"


def test_a_group_note_names_the_group_in_each_language(shop):
    _, notes = noted(calc.summarize_sources, shop, WEEK, "daily_mean", by="source_group")
    assert has_note(notes, "站外：", "Off-site: ")  # the offsite group's days without visitors


def test_totals_and_the_best_and_worst_source(shop):
    sources, _ = noted(calc.summarize_sources, shop, WEEK)
    totals = calc.total_figures(sources, shop, WEEK)
    assert totals["visitors"] == 1110 and totals["paid_amount"] == 4250
    assert totals["conversion_rate"] == pytest.approx(43 / 1110)
    assert totals["uv_value"] == pytest.approx(totals["conversion_rate"] * totals["aov"])
    assert calc.pick_best_worst(sources) == ("搜索", ODD)
    assert calc.pick_best_worst(sources, min_share=0.9) == ("", "")


def test_a_period_without_a_previous_one_says_so(shop):
    first = Period(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-01"))
    table, notes = noted(calc.summarize_sources, shop, first)
    assert table["visitors_change"].isna().all()
    assert has_note(notes, "上期（2026-10-19 ~ 2026-10-25）在数据中没有流量", "has no traffic in the data")


def test_bad_parameters_name_themselves(shop):
    with pytest.raises(ValueError, match="rate_method"):
        calc.summarize_sources(shop, WEEK, rate_method="median")
    with pytest.raises(ValueError, match="confidence"):
        calc.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="anomaly_threshold"):
        calc.check_options(anomaly_threshold=0)
    with pytest.raises(ValueError, match="baseline_days"):
        calc.check_options(baseline_days=3)
    with pytest.raises(ValueError, match="anomaly_weeks"):
        calc.check_options(anomaly_weeks=1.5)
    with pytest.raises(ValueError, match="by="):
        calc.summarize_sources(shop, WEEK, by="category")
    with pytest.raises(ValueError, match="no visitors in 2025-01-01"):
        calc.summarize_sources(shop, Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-07")))
    calc.check_options()  # the notebook's defaults pass


# ------------------------------------------------------------------------ funnel


def test_funnel_known_numbers(shop):
    funnel, _ = noted(calc.build_funnel, shop, WEEK)
    s = funnel.loc["搜索"]
    assert (s["visitors"], s["cart_buyers"], s["order_buyers"], s["paid_buyers"]) == (700, 70, 42, 35)
    assert s["cart_rate"] == pytest.approx(0.1) and s["cart_to_order"] == pytest.approx(0.6)
    assert s["order_to_pay_rate"] == pytest.approx(35 / 42) and s["bounce_rate"] == pytest.approx(0.4)
    total = funnel.loc["total"]
    assert total["visitors"] == 1110 and total["paid_buyers"] == 43
    assert funnel.index[0] == "total"


def test_funnel_notes_name_the_row_in_each_language(shop):
    _, notes = noted(calc.build_funnel, shop, WEEK, "daily_mean")
    assert has_note(notes, f"{ODD}：", f"{ODD}: ")
    assert not any(n.zh.startswith("total") or n.en.startswith("total") for n in notes)


# ------------------------------------------------------------------------- peers


def test_peers_missing_for_a_metric(shop):
    peers, notes = noted(calc.compare_peers, shop, WEEK)
    assert peers.loc["conversion_rate", "peer_avg"] == pytest.approx(0.03)
    assert peers.loc["conversion_rate", "gap_to_avg"] == 0  # already above the average
    own_uv = 4250 / 1110
    assert peers.loc["uv_value", "gap_to_avg"] == pytest.approx((4.0 - own_uv) * 1110)
    assert peers.loc["uv_value", "gap_to_excellent"] == pytest.approx((6.0 - own_uv) * 1110)
    assert math.isnan(peers.loc["aov", "peer_avg"]) and math.isnan(peers.loc["aov", "gap_to_avg"])
    assert has_note(notes, "客单价", "AOV")
    assert peers.loc["conversion_rate", "vs_peer_avg"] == pytest.approx((43 / 1110) / 0.03 - 1)


def test_peers_of_several_tiers_use_the_latest_and_say_so(shop_dir):
    peers = pd.read_csv(shop_dir / "peers.csv")
    peers.loc[peers["date"] == "2026-11-15", "tier"] = "L5"
    peers.loc[peers["date"] == "2026-11-15", "peer_avg"] *= 2
    peers.to_csv(shop_dir / "peers.csv", index=False)
    table, notes = noted(calc.compare_peers, connect(shop_dir), WEEK)
    assert table.loc["conversion_rate", "peer_avg"] == pytest.approx(0.06)  # L5's one day
    assert has_note(notes, "按最近一天的层级 L5 对比", "compared with L5, the tier of the latest day")


def test_no_peers_at_all_is_one_note(shop):
    later = Period(pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-22"))
    table, notes = noted(calc.compare_peers, shop, later)
    assert table["peer_avg"].isna().all()
    assert has_note(notes, "没有同行同层数据", "no peer-tier figures for 2026-11-16 ~ 2026-11-22")


# ------------------------------------------------------------- the sample shop


@pytest.mark.recovery
def test_conversion_intervals_cover_the_true_conversion(sample, truth):
    """95% Wilson intervals of each source's weekly conversion on normal weeks cover the true
    conversion at least 90% of the time (the true rate drifts a little with prices)."""
    unusual = set()
    for w in truth["normal_days"]["excluded_windows"]:
        unusual.update(pd.date_range(w["start"], w["end"]))
    first, last = sample.date_range("traffic")
    daily = calc.load_daily(sample, first, last)
    assert anomalies.excluded_days(sample, first, last).ne("").sum() > 0
    covered = []
    for monday in pd.date_range(daily["date"].min(), daily["date"].max(), freq="W-MON"):
        days = pd.date_range(monday, periods=7)
        if days[-1] > daily["date"].max() or any(d in unusual for d in days):
            continue
        rates, _ = noted(calc.rates_by, daily[daily["date"].isin(days)], "source", "pooled", 0.95)
        for source, row in rates.iterrows():
            true = truth["sources"][source]["conversion"]
            covered.append((source, row["conversion_low"] <= true <= row["conversion_high"]))
    frame = pd.DataFrame(covered, columns=["source", "covered"])
    assert len(frame) > 500
    assert frame["covered"].mean() >= 0.90
    assert frame.groupby("source")["covered"].mean().min() >= 0.80


def test_notes_point_at_the_caller_of_the_public_function(shop):
    import warnings

    from helpers.core.notes import MetricNote

    first = Period(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-01"))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", MetricNote)
        calc.summarize_sources(shop, WEEK, "daily_mean")
        calc.summarize_sources(shop, first)
        calc.rates_by(calc.load_daily(shop, WEEK.start, WEEK.end), "source", "daily_mean")
        calc.build_funnel(shop, WEEK, "daily_mean")
        calc.compare_peers(shop, WEEK)
    notes = [w for w in record if issubclass(w.category, MetricNote) and not w.message.note.sticky]
    assert len(notes) >= 5
    assert {w.filename for w in notes} == {__file__}, [(w.filename, str(w.message)) for w in notes]
