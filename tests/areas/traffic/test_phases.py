"""Campaign phases in the traffic report: a month whose conversion falls in the 双十一 warm-up
while add-to-cart doubles is the warm-up, not a price or detail-page problem; a week around
the event names it."""

from __future__ import annotations

import pandas as pd

from helpers.areas.traffic import decomposition, sentences
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.shop import TRAFFIC_COLUMNS, noted

OCTOBER = Period(pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))
WARMUP_START = pd.Timestamp("2026-10-20")


def _write(folder, campaigns: bool) -> None:
    """September and October: 10,000 visitors a day, AOV ¥100. Conversion 2.36% in September,
    2.42% on Oct 1-19, 1.53% on Oct 20-31 with add-to-cart 7.6% -> 14% (the warm-up)."""
    rows = []
    for day in pd.date_range("2026-08-31", "2026-10-31"):
        warm = day >= WARMUP_START
        conv = 0.0153 if warm else (0.0242 if day.month == 10 else 0.0236)
        cart = 0.14 if warm else 0.076
        v = 10000
        buyers = round(v * conv)
        rows.append((day.date(), "手淘搜索", "free_search", v, 3 * v, v // 3, round(v * cart), buyers + 5, buyers,
                     buyers * 100.0))
    pd.DataFrame(rows, columns=TRAFFIC_COLUMNS).to_csv(folder / "traffic.csv", index=False)
    pd.DataFrame([("o1", "2026-10-02 10:00", "2026-10-02 10:01", "c1", "p1", 1, 100, 100, "手淘搜索", "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "source", "status"]).to_csv(folder / "orders.csv", index=False)
    if campaigns:
        pd.DataFrame([("1111-2026", "双十一 2026", "platform_event", 300, 50, "", "2026-10-20", "2026-11-01",
                       "2026-11-11", 60000)],
                     columns=["campaign_id", "name", "mechanic", "threshold", "reduction", "discount_rate",
                              "warmup_start", "start", "end", "budget"]).to_csv(folder / "campaigns.csv", index=False)


def test_the_october_drop_is_the_warm_up_not_a_conversion_problem(tmp_path):
    _write(tmp_path, campaigns=True)
    shop = connect(tmp_path)
    change, _ = noted(decomposition.decompose_sales, shop, OCTOBER)
    phase, _ = noted(decomposition.read_campaign_phase, shop, OCTOBER)
    assert (phase.rule, phase.verdict, phase.subject) == ("traffic.campaign_phase", "warmup", "双十一 2026")
    assert phase.evidence["warmup_span"] == (WARMUP_START, OCTOBER.end)
    assert round(phase.evidence["warmup"]["conversion"], 4) == 0.0153
    assert round(phase.evidence["before"]["conversion"], 4) == 0.0242
    assert phase.evidence["warmup"]["cart_rate"] > 1.8 * phase.evidence["before"]["cart_rate"]
    en = sentences.describe_decomposition(change, "en", phase)
    assert "the main driver was conversion" in en
    assert "10-20 to 10-31 is the warm-up of “双十一 2026”: conversion 1.53% (against 2.42% on 10-01 ~ 10-19" in en
    assert "check prices, stock, detail pages and reviews first" not in en
    zh = sentences.describe_decomposition(change, "zh", phase)
    assert "是「双十一 2026」的预热期" in zh and "先查价格、库存、详情页和评价" not in zh


def test_the_platform_calendar_names_the_warm_up_without_a_campaigns_table(tmp_path):
    _write(tmp_path, campaigns=False)
    shop = connect(tmp_path)
    phase, _ = noted(decomposition.read_campaign_phase, shop, OCTOBER)
    assert (phase.verdict, phase.subject) == ("warmup", "双十一 2026")


def test_an_ordinary_month_keeps_the_ordinary_advice(tmp_path):
    _write(tmp_path, campaigns=True)
    shop = connect(tmp_path)
    september = Period(pd.Timestamp("2026-09-01"), pd.Timestamp("2026-09-30"))
    phase, _ = noted(decomposition.read_campaign_phase, shop, september)
    assert phase.verdict == "ordinary" and sentences.describe_campaign_phase(phase, "en") == ""
