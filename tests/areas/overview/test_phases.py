"""Campaign phases in the weekly overview: a week covering the end of 双十一 and the slump after
it names the campaign and its phases and is compared with ordinary days, not only with the
event week before it."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.overview import calc, findings, views
from helpers.core.calendar import Period
from helpers.core.shop import connect

WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))


def _write(folder, campaigns: bool = True) -> None:
    """Sep 1 to Nov 15: one ¥100 order a day on ordinary days, five during 双十一 (Nov 1-11),
    one in the warm-up, none in the slump after it (Nov 12-15); 1,000 visitors a day."""
    rows, traffic = [], []
    for i, day in enumerate(pd.date_range("2026-09-01", "2026-11-15")):
        n = 5 if pd.Timestamp("2026-11-01") <= day <= pd.Timestamp("2026-11-11") else (
            0 if day > pd.Timestamp("2026-11-11") else 1)
        for k in range(n):
            rows.append((f"o{i}-{k}", f"{day.date()} 10:00", f"{day.date()} 10:01", f"c{i}-{k}", "p1", 1, 100, 100,
                         "手淘搜索", "paid"))
        traffic.append((day.date(), "手淘搜索", "free_search", 1000, 3000, 300, 80, n + 1, n, 100.0 * n))
    pd.DataFrame(rows, columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                                "list_price", "paid_amount", "source", "status"]).to_csv(folder / "orders.csv",
                                                                                         index=False)
    pd.DataFrame(traffic, columns=["date", "source", "source_group", "visitors", "page_views", "bounced_visitors",
                                   "cart_buyers", "order_buyers", "paid_buyers", "paid_amount"]).to_csv(
        folder / "traffic.csv", index=False)
    if campaigns:
        pd.DataFrame([("1111-2026", "双十一 2026", "platform_event", 300, 50, "", "2026-10-20", "2026-11-01",
                       "2026-11-11", 60000)],
                     columns=["campaign_id", "name", "mechanic", "threshold", "reduction", "discount_rate",
                              "warmup_start", "start", "end", "budget"]).to_csv(folder / "campaigns.csv", index=False)


def test_the_week_after_the_peak_names_11_11_and_compares_with_ordinary_days(tmp_path):
    _write(tmp_path)
    shop = connect(tmp_path)
    context = calc.read_campaigns(shop, WEEK)
    assert list(context.phases["phase"]) == ["event", "aftermath"]
    assert list(context.phases["days"]) == [3, 4] and list(context.previous["phase"]) == ["event"]
    # the latest ordinary week before the warm-up (Oct 20): campaign days are left out of the baseline
    assert context.baseline == Period(pd.Timestamp("2026-10-13"), pd.Timestamp("2026-10-19"))
    kpis = calc.compare_periods(shop, WEEK, baseline=context.baseline)
    assert kpis.loc["sales", "current"] == 1500 and kpis.loc["sales", "previous"] == 3500
    assert kpis.loc["sales", "ordinary"] == 700 and kpis.loc["sales", "vs_ordinary"] == pytest.approx(15 / 7 - 1)
    found = findings.judge_campaign_phase(context, kpis)
    assert (found.rule, found.verdict, found.subject) == ("overview.campaign_phase", "campaign", "双十一 2026")
    zh = views.describe_campaigns(found, "zh")
    assert "本期处在「双十一 2026」活动期 11-09 ~ 11-11（3 天）、活动后回落期 11-12 ~ 11-15（4 天）" in zh
    assert "环比 -57.1% 主要是大促的节奏" in zh
    assert "同口径对比活动前的常态期 2026-10-13 ~ 2026-10-19（已排除活动和春节日）：支付金额 +114.3%" in zh
    en = views.describe_campaigns(found, "en")
    assert "“双十一 2026” event 11-09 ~ 11-11 (3 day(s)), aftermath 11-12 ~ 11-15 (4 day(s))" in en
    table = views.kpi_table(kpis, "en")
    assert "Ordinary baseline" in table.columns and "vs. ordinary days" in table.columns


def test_a_warm_up_week_is_named_from_the_platform_calendar_without_campaigns(tmp_path):
    _write(tmp_path, campaigns=False)
    shop = connect(tmp_path)
    week = Period(pd.Timestamp("2026-10-19"), pd.Timestamp("2026-10-25"))
    context = calc.read_campaigns(shop, week)
    assert list(context.phases["phase"]) == ["warmup"] and list(context.phases["source"]) == ["platform"]
    found = findings.judge_campaign_phase(context, calc.compare_periods(shop, week, baseline=context.baseline))
    assert "“双十一 2026” warm-up 10-20 ~ 10-25 (6 day(s))" in views.describe_campaigns(found, "en")


def test_an_ordinary_week_says_nothing_about_campaigns(tmp_path):
    _write(tmp_path)
    shop = connect(tmp_path)
    week = Period(pd.Timestamp("2026-09-14"), pd.Timestamp("2026-09-20"))
    context = calc.read_campaigns(shop, week)
    assert context.baseline is None
    found = findings.judge_campaign_phase(context, calc.compare_periods(shop, week))
    assert found.verdict == "ordinary" and views.describe_campaigns(found, "zh") == ""
    assert "ordinary" not in calc.compare_periods(shop, week).columns
