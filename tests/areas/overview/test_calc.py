"""Shop overview calculations and views: period figures on a hand-built shop whose answers are
known, and on the sample shop against the truth it simulated."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest

from helpers.areas.overview import calc as overview
from helpers.areas.overview import views
from helpers.core.calendar import Period
from helpers.core.notes import MetricNote
from helpers.core.shop import connect, project_root

WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
PREV = WEEK.previous()


def _csv(path, frame):
    frame.to_csv(path, index=False)


@pytest.fixture()
def shop(tmp_path):
    """Two weeks: last week 2 paid orders (¥300), this week 3 paid orders (¥600) plus one unpaid."""
    orders = pd.DataFrame([
        # order_id, order_time, pay_time, customer, product, qty, list, paid, source, campaign, status
        ("a1", "2026-11-03 10:00", "2026-11-03 10:01", "c1", "p1", 1, 120, 100, "搜索", "", "paid"),
        ("a2", "2026-11-04 10:00", "2026-11-04 10:01", "c2", "p2", 2, 100, 200, "直通车", "", "paid"),
        ("b1", "2026-11-10 10:00", "2026-11-10 10:01", "c1", "p1", 1, 120, 100, "搜索", "", "paid"),
        ("b2", "2026-11-11 10:00", "2026-11-11 10:01", "c3", "p1", 2, 120, 200, "搜索", "", "paid"),
        ("b2", "2026-11-11 10:00", "2026-11-11 10:01", "c3", "p2", 3, 100, 300, "搜索", "", "paid"),
        ("b3", "2026-11-12 10:00", "", "c4", "p2", 1, 100, 0, "直通车", "", "unpaid"),
        # ordered last week, paid this week: counts this week (pay time)
        ("b4", "2026-11-08 23:50", "2026-11-09 00:10", "c5", "p1", 0, 120, 0, "搜索", "", "paid"),
    ], columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                "list_price", "paid_amount", "source", "campaign_id", "status"])
    _csv(tmp_path / "orders.csv", orders)
    _csv(tmp_path / "products.csv", pd.DataFrame({
        "product_id": ["p1", "p2"], "title": ["<b>连衣裙</b>", "T恤"], "category": ["女装", "女装"],
        "brand": ["A", "A"], "unit_cost": [40.0, 30.0], "list_price": [120, 100],
        "launch_date": ["2026-01-01", "2026-01-01"]}))
    traffic = []
    for day in pd.date_range(PREV.start, WEEK.end):
        this_week = day >= WEEK.start
        traffic.append((day.date(), "搜索", "free_search", 100 if this_week else 50, 300, 30, 10, 5,
                        2 if this_week else 1, 85.0 if this_week else 50.0))
    _csv(tmp_path / "traffic.csv", pd.DataFrame(traffic, columns=[
        "date", "source", "source_group", "visitors", "page_views", "bounced_visitors", "cart_buyers",
        "order_buyers", "paid_buyers", "paid_amount"]))
    _csv(tmp_path / "refunds.csv", pd.DataFrame({
        "order_id": ["b2", "a2"], "product_id": ["p2", "p2"],
        "refund_time": ["2026-11-13 12:00", "2026-11-10 12:00"], "refund_amount": [90.0, 60.0],
        "quantity": [1, 0], "reason": ["尺码不合适", "不想要了"], "shipped": [True, False]}))
    _csv(tmp_path / "peers.csv", pd.DataFrame({
        "date": [d.date() for d in pd.date_range(WEEK.start, WEEK.end)] * 1,
        "metric": "uv_value", "tier": "L4", "peer_avg": 1.0, "peer_excellent": 2.0}))
    _csv(tmp_path / "ads.csv", pd.DataFrame({
        "date": ["2026-11-10", "2026-11-11"], "channel": "直通车", "plan": "测款",
        "impressions": [1000, 1000], "clicks": [50, 50], "spend": [100.0, 50.0],
        "attributed_orders": [1, 2], "attributed_amount": [200.0, 250.0], "attribution_window_days": 15}))
    return connect(tmp_path)


def test_summarize_period_uses_pay_time_and_paid_lines(shop):
    s = overview.summarize_period(shop, WEEK)
    assert s["sales"] == 600.0 and s["paid_orders"] == 3 and s["buyers"] == 3 and s["units"] == 6
    # traffic-side figures: 700 visitors, 14 paid buyers, ¥595
    assert s["visitors"] == 700
    assert s["conversion_rate"] == pytest.approx(14 / 700)
    assert s["aov"] == pytest.approx(595 / 14)
    assert s["uv_value"] == pytest.approx(s["conversion_rate"] * s["aov"])
    # cost 3 x p1 @40 + 3 x p2 @30 = 210 -> margin (600 - 210) / 600
    assert s["gross_margin"] == pytest.approx(390 / 600)
    assert s["ad_spend"] == 150 and s["roi"] == pytest.approx(450 / 150)


def test_refund_bases_differ_as_documented(shop):
    by_date = overview.summarize_period(shop, WEEK, refund_basis="refund_date")
    cohort = overview.summarize_period(shop, WEEK, refund_basis="order_cohort")
    assert by_date["refund_amount"] == 150.0  # both refunds completed this week
    assert cohort["refund_amount"] == 90.0  # only b2 was paid this week
    assert cohort["refund_rate_by_value"] == pytest.approx(90 / 600)
    # two 口径, two names: the period's rate (the platform's 退款率) never passes for the rate by order
    assert by_date["refund_rate_in_period"] == pytest.approx(150 / 600) and "refund_rate_by_value" not in by_date
    assert "refund_rate_in_period" not in cohort
    with pytest.raises(ValueError, match="refund_basis"):
        overview.summarize_period(shop, WEEK, refund_basis="whenever")


def test_compare_periods_against_previous_last_year_and_peers(shop):
    with pytest.warns(MetricNote) as notes:
        table = overview.compare_periods(shop, WEEK)
    messages = [n.message.note for n in notes if isinstance(n.message, MetricNote)]
    assert any(m.en.startswith("same weeks last year (2025-11-10 ~ 2025-11-16) has no sales") for m in messages)
    assert any(m.zh.startswith("去年同期（2025-11-10 ~ 2025-11-16）在数据中没有销售和流量") for m in messages)
    assert any(m.en.startswith("previous period (2026-11-02 ~ 2026-11-08): ROI (ROAS)") for m in messages)
    assert any(m.zh.startswith("上期（2026-11-02 ~ 2026-11-08）：投入产出比") for m in messages)
    assert table.loc["sales", "previous"] == 300.0
    assert table.loc["sales", "change"] == pytest.approx(1.0)
    assert pd.isna(table.loc["sales", "yoy"])  # no data a year back: NaN, never 0
    assert table.loc["uv_value", "peer_avg"] == 1.0 and table.loc["uv_value", "peer_excellent"] == 2.0
    assert table.loc["uv_value", "vs_peer_avg"] == pytest.approx(595 / 700 - 1)
    assert list(table.index) == [overview.REFUND_RATE["refund_date"] if k == "refund_rate" else k for k in overview.KPIS]


def test_zero_visitors_give_nan_with_a_note(tmp_path, shop):
    empty = Period(pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-07"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = overview.summarize_period(shop, empty)
    assert s["sales"] == 0 and pd.isna(s["conversion_rate"]) and pd.isna(s["aov"])
    notes = [w.message.note for w in caught if issubclass(w.category, MetricNote)]
    assert any("Conversion rate: the denominator is 0" in n.en for n in notes)
    assert any("支付转化率：分母为 0" in n.zh for n in notes)


def test_top_movers_and_sentences_escape_titles(shop):
    movers = overview.top_movers(shop, WEEK, "product", n=5)
    assert movers.loc["<b>连衣裙</b>", "delta"] == 200.0  # 300 this week vs 100 last week
    assert movers.loc["T恤", "delta"] == 100.0
    assert movers["share_of_change"].sum() == pytest.approx(1.0)
    sentence = views.describe_movers(movers, "商品", "zh")
    assert views.movers_table(movers, "zh").index.name == "商品标题"  # the index is named in the report's language
    assert views.movers_table(movers, "en").index.name == "Title"
    assert "&lt;b&gt;" in sentence and "<b>" not in sentence
    by_source = overview.top_movers(shop, WEEK, "source")
    assert by_source.loc["搜索", "delta"] == 500.0 and by_source.loc["直通车", "delta"] == -200.0


def test_without_products_margin_is_unknown_and_products_show_ids(shop, tmp_path):
    (tmp_path / "products.csv").unlink()
    bare = connect(tmp_path)
    with pytest.warns(MetricNote, match="Gross margin: no `products` table"):
        s = overview.summarize_period(bare, WEEK)
    assert s["sales"] == 600 and pd.isna(s["gross_margin"])
    movers = overview.top_movers(bare, WEEK, "product")
    assert movers.loc["p1", "delta"] == 200.0
    with pytest.raises(ValueError, match="needs the `products` table"):
        overview.top_movers(bare, WEEK, "category")


def test_daily_sales_fills_missing_days(shop):
    daily = overview.daily_sales(shop, WEEK)
    assert len(daily) == 7 and daily["sales"].sum() == 600
    assert (daily.loc[daily["date"] == "2026-11-14", "sales"] == 0).all()


def test_kpi_table_and_overview_sentences(shop):
    with pytest.warns(MetricNote):
        table = overview.compare_periods(shop, WEEK)
    shown = views.kpi_table(table, "en")
    assert shown.loc["Sales", "This period"] == "¥600"
    assert shown.loc["Sales", "vs. previous period"] == "+100.0%"
    _the_xlsx_holds_numbers_with_each_rows_format(shown, table)
    text = views.describe_overview(table, WEEK.label(), "zh")
    assert "支付金额 ¥600" in text and "环比 +100.0%" in text
    peers = views.describe_peers(table, table.loc["visitors", "current"], "en")
    assert "below the tier average ¥1.00" in peers and "about ¥105" in peers  # (1.00 - 0.85) x 700


SAMPLE = project_root() / "data" / "sample"


@pytest.mark.recovery
def test_sample_overview_recovers_the_simulated_conversion_on_ordinary_weeks(truth):
    """On ordinary weeks (no campaign, festival or anomaly) the overview's conversion is the
    simulated one: each source's true conversion, weighted by the visitors it brought, within
    three binomial standard errors. A campaign week is far from it (the overview must not be
    read as the shop's normal rate there)."""
    import numpy as np

    shop = connect(SAMPLE)
    excluded = [(pd.Timestamp(w["start"]), pd.Timestamp(w["end"])) for w in truth["normal_days"]["excluded_windows"]]
    weeks = [Period(start, start + pd.Timedelta(days=6))
             for start in pd.date_range("2025-02-03", "2026-11-09", freq="7D")]
    quiet = [w for w in weeks if not any(lo <= w.end and w.start <= hi for lo, hi in excluded)]
    assert len(quiet) > 30
    t = shop.table("traffic")
    for week in quiet[::8]:
        in_week = t.filter((t.date >= week.start.date()) & (t.date <= week.end.date()))
        visitors = in_week.group_by("source").aggregate(v=in_week.visitors.sum()).execute().set_index("source")["v"]
        p = pd.Series({s: truth["sources"][s]["conversion"] for s in visitors.index})
        expected = float((visitors * p).sum() / visitors.sum())
        se = float(np.sqrt((visitors * p * (1 - p)).sum()) / visitors.sum())
        got = overview.summarize_period(shop, week)["conversion_rate"]
        assert got == pytest.approx(expected, abs=3 * se + 0.001), week.label()
    s = overview.summarize_period(shop, Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15")))
    assert s["uv_value"] == pytest.approx(s["conversion_rate"] * s["aov"])


def test_lines_without_a_customer_are_sales_but_not_buyers(anonymous_buyers):
    """An empty customer_id (a warehouse export's "") is no buyer: 支付买家数 counts c1 and c2, with a note."""
    with pytest.warns(MetricNote, match=r"Buyers, 2026-11-09 ~ 2026-11-15: 4 of 7 paid order lines \(140.00 yuan\)") as record:
        s = overview.summarize_period(connect(anonymous_buyers), WEEK)
    assert any("支付买家数，2026-11-09 ~ 2026-11-15：7 条已支付订单行中有 4 条（140.00 元）买家ID为空" in w.message.note.zh
               for w in record if isinstance(w.message, MetricNote))
    assert s["buyers"] == 2 and s["paid_orders"] == 7 and s["sales"] == 380.0


def test_an_impossible_refund_never_makes_an_impossible_rate(shop, tmp_path):
    """A refund of ¥1,000,000 on a ¥100 line and a refund of an order that does not exist gave a
    670% refund rate: the first counts at its line's amount, the second is left out, both noted."""
    _csv(tmp_path / "refunds.csv", pd.DataFrame({
        "order_id": ["b1", "zz9"], "product_id": ["p1", "p1"], "refund_time": ["2026-11-13 12:00", "2026-11-13 13:00"],
        "refund_amount": [1_000_000.0, 500.0], "quantity": [1, 1], "reason": ["质量问题", "质量问题"],
        "shipped": [True, True]}))
    with pytest.warns(MetricNote) as record:
        s = overview.summarize_period(connect(tmp_path), WEEK)
    assert s["refund_amount"] == 100.0 and s["refund_rate_in_period"] == pytest.approx(100 / 600)
    notes = [w.message.note for w in record if isinstance(w.message, MetricNote)]
    assert any("1 refunds (500.00 yuan) match no paid order line" in n.en for n in notes)
    assert any("1 笔退款大于对应子订单的实付金额" in n.zh and "999,900.00" in n.zh for n in notes)


def test_a_trend_starts_where_the_data_starts(shop):
    first, _ = shop.date_range("orders")
    eight_weeks = Period.ending(WEEK.end, days=56)
    daily = overview.daily_sales(shop, eight_weeks)
    assert daily["date"].min() == first.normalize()  # no ¥0 days before the shop's first order
    assert daily["date"].max() == WEEK.end and daily["date"].is_unique


def test_last_year_before_the_data_is_unknown_not_zero(shop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        table = overview.compare_periods(shop, WEEK)
    assert table["last_year"].isna().all()  # the data starts this year: ¥0.00 last year would be made up
    shown = views.kpi_table(table, "en")
    assert not shown.filter(like="last year").astype(str).apply(lambda c: c.str.contains("¥0")).any().any()


def _the_xlsx_holds_numbers_with_each_rows_format(shown, table):
    """An operator forwards the report's XLSX: its KPI sheet must sum and chart, so each cell is
    the number with its row's format (yuan, percent, count), not the text "¥600"."""
    import nbformat
    from openpyxl import load_workbook

    from helpers.present.tables import TABLE_MIME
    from helpers.runner.publish import write_tables_xlsx

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={TABLE_MIME: shown.attrs["workbook_table"]})])])
    path = Path(tempfile.mkdtemp()) / "kpi.xlsx"
    assert write_tables_xlsx(nb, path) == 1
    sheet = load_workbook(path).worksheets[0]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    header = [c.value for c in sheet[1]]
    now, change = header.index("This period"), header.index("vs. previous period")
    assert rows["Sales"][now].value == table.loc["sales", "current"] == 600
    assert rows["Sales"][now].number_format == "#,##0.00"
    assert rows["Sales"][change].value == pytest.approx(1.0) and "%" in rows["Sales"][change].number_format
    assert rows["Conversion rate"][now].number_format == "0.00%"
    assert rows["Visitors"][now].number_format == "#,##0"
