"""Tables, charts and sentences of the planning report, per language.

Column names are label keys (translated by :func:`helpers.present.tables.style_table`);
sentences are rendered from the findings of :mod:`.findings`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from helpers.core.findings import Finding
from helpers.i18n import is_zh, label
from helpers.present.charts import set_theme
from helpers.present.format import format_value
from helpers.present.tables import style_table


def _money(v: float, lang: str) -> str:
    return format_value(v, "yuan", lang)


def _pct(v: float, lang: str) -> str:
    return format_value(v, "pct", lang)


def _titled(frame: pd.DataFrame, titles: pd.Series) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "title", titles.reindex(out.index).fillna(pd.Series(out.index, index=out.index)))
    return out


def stock_table(stock: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 15):
    """The products tying up the most cost in dead or slow stock, then the rest by cover."""
    t = stock.sort_values(["dead", "slow", "tied_up"], ascending=False).head(rows)
    t = _titled(t, titles).rename(columns={"units_window": "plan_units_30d", "weeks_cover": "plan_weeks_cover",
                                           "tied_up": "plan_tied_up"})
    return style_table(t[["title", "stock", "plan_units_30d", "sell_through", "plan_weeks_cover", "plan_tied_up"]],
                       {"stock": "count", "plan_units_30d": "count", "sell_through": "pct",
                        "plan_weeks_cover": "ratio", "plan_tied_up": "yuan"}, lang, index_label="product")


def stockout_table(spells: pd.DataFrame, titles: pd.Series, lang: str):
    t = spells.set_index("product_id")
    t = _titled(t, titles).rename(columns={"first": "plan_stockout_first", "last": "plan_stockout_last",
                                           "days": "plan_stockout_days", "lost_units": "plan_lost_units",
                                           "lost_low": "plan_lost_low", "lost_high": "plan_lost_high",
                                           "lost_sales": "plan_lost_sales"})
    for c in ("plan_stockout_first", "plan_stockout_last"):
        t[c] = t[c].dt.strftime("%Y-%m-%d")
    cols = ["title", "plan_stockout_first", "plan_stockout_last", "plan_stockout_days", "plan_lost_units",
            "plan_lost_low", "plan_lost_high", "plan_lost_sales"]
    return style_table(t[cols], {"plan_stockout_days": "count", "plan_lost_units": "ratio", "plan_lost_low": "ratio",
                                 "plan_lost_high": "ratio", "plan_lost_sales": "yuan"}, lang, index_label="product")


def describe_stock(f: Finding, moving: float, lang: str) -> str:
    e = f.evidence
    if is_zh(lang):
        s = (f"动销率 {_pct(moving, lang)}：{e['products']} 个有库存或有销售的商品中，近30天卖出过的占比。"
             f"滞销 {e['dead']} 个、慢动销 {e['slow']} 个，共占用资金 {_money(e['tied_up'], lang)}。")
        if e["stockouts"]:
            s += (f"历史上断货 {e['stockouts']} 次，按断货前后的需求估计损失 {e['lost_units']:.1f} 件、"
                  f"{_money(e['lost_sales'], lang)}。")
        return s
    s = (f"Moving rate {_pct(moving, lang)}: the share of the {e['products']} products with stock or sales "
         f"that sold in the last 30 days. {e['dead']} dead and {e['slow']} slow products tie up "
         f"{_money(e['tied_up'], lang)}.")
    if e["stockouts"]:
        s += (f" {e['stockouts']} past stock-out(s) lost an estimated {e['lost_units']:.1f} units, "
              f"{_money(e['lost_sales'], lang)}, judged from demand before and after.")
    return s


def forecast_table(forecast: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 20):
    t = _titled(forecast.sort_values("horizon_units", ascending=False).head(rows), titles)
    t = t.rename(columns={"weekly_mean": "plan_weekly_forecast", "horizon_units": "plan_horizon_units",
                          "horizon_low": "plan_horizon_low", "horizon_high": "plan_horizon_high",
                          "backtest_wape": "plan_backtest_wape", "backtest_coverage": "plan_backtest_coverage"})
    cols = ["title", "plan_weekly_forecast", "plan_horizon_units", "plan_horizon_low", "plan_horizon_high",
            "plan_backtest_wape", "plan_backtest_coverage"]
    return style_table(t[cols], {c: "ratio" for c in cols[1:5]} | {"plan_backtest_wape": "pct",
                                                                    "plan_backtest_coverage": "pct"},
                       lang, index_label="product")


def calendar_table(weekday: pd.Series, month: pd.Series, lifts: pd.DataFrame, lang: str):
    """Weekday and month indexes side by side, then each past campaign's lift."""
    days = ["一", "二", "三", "四", "五", "六", "日"] if is_zh(lang) else ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    w = pd.DataFrame({"plan_weekday_index": weekday.to_numpy()}, index=[days[i] for i in weekday.index])
    m = pd.DataFrame({"plan_month_index": month.to_numpy()}, index=[str(i) for i in month.index])
    lift = lifts.rename(columns={"event_days": "plan_event_days", "units_per_day": "plan_units_per_day",
                                 "baseline_per_day": "plan_baseline_per_day", "lift": "plan_lift"})
    return (style_table(w.T, {}, lang), style_table(m.T, {}, lang),
            style_table(lift, {"plan_event_days": "count", "plan_units_per_day": "ratio",
                               "plan_baseline_per_day": "ratio", "plan_lift": "ratio"}, lang))


def describe_forecast(f: Finding, weeks: int, lang: str) -> str:
    if not f.enough_data:
        return "历史太短，无法预测。" if is_zh(lang) else "Too little history to forecast."
    e = f.evidence
    if is_zh(lang):
        return (f"{e['products']} 个商品预测未来 {weeks} 周（SARIMAX(0,1,1)，断货周和活动周不参与拟合）。"
                f"回测：误差中位数 {_pct(e['wape'], lang)}，{_pct(f.confidence, lang)} 区间实际覆盖 {_pct(e['coverage'], lang)}。")
    return (f"{e['products']} products forecast {weeks} weeks ahead (SARIMAX(0,1,1); stock-out and campaign weeks "
            f"are left out of the fit). Back-test: median error {_pct(e['wape'], lang)}; the "
            f"{_pct(f.confidence, lang)} intervals covered {_pct(e['coverage'], lang)} of the weeks.")


def plot_forecast(weekly: pd.Series, forecast: pd.DataFrame, title: str, lang: str):
    """One product's weekly units with the forecast and its interval."""
    set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    recent = weekly.iloc[-52:]
    ax.plot(recent.index, recent.to_numpy(), label=label("units", lang))
    step = pd.Timedelta(days=7)
    future = [recent.index[-1] + step * int(k) for k in forecast["step"]]
    ax.plot(future, forecast["mean"], ls="--", label=label("plan_weekly_forecast", lang))
    ax.fill_between(future, forecast["low"], forecast["high"], alpha=0.25)
    ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


def plot_top_forecast(forecast: pd.DataFrame, weekly: pd.DataFrame, paths: dict, titles: pd.Series, lang: str):
    """:func:`plot_forecast` of the product with the most units forecast; None without forecasts."""
    if not len(forecast):
        return None
    top = forecast["horizon_units"].idxmax()
    return plot_forecast(weekly[top], paths[top], str(titles.get(top, top)), lang)


def lead_table(leads: pd.DataFrame, lang: str):
    t = leads.rename(columns={"orders": "plan_po_count", "mean_days": "plan_lead_mean", "sd_days": "plan_lead_sd",
                              "p90_days": "plan_lead_p90"})
    return style_table(t, {"plan_po_count": "count", "plan_lead_mean": "ratio", "plan_lead_sd": "ratio",
                           "plan_lead_p90": "ratio"}, lang, index_label="plan_supplier")


def reorder_table(points: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 20):
    t = _titled(points.sort_values(["order_now", "order_value"], ascending=False).head(rows), titles)
    t = t.rename(columns={"supplier": "plan_supplier", "daily_demand": "plan_daily_demand",
                          "safety_stock": "plan_safety_stock", "reorder_point": "plan_reorder_point",
                          "position": "plan_position", "order_qty": "plan_order_qty", "order_value": "plan_order_value"})
    cols = ["title", "plan_supplier", "plan_daily_demand", "plan_safety_stock", "plan_reorder_point", "plan_position",
            "plan_order_qty", "plan_order_value"]
    return style_table(t[cols], {"plan_daily_demand": "ratio", "plan_safety_stock": "ratio",
                                 "plan_reorder_point": "ratio", "plan_position": "count", "plan_order_qty": "count",
                                 "plan_order_value": "yuan"}, lang, index_label="product")


def campaign_plan_table(plan: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 20):
    t = _titled(plan.sort_values("quantity", ascending=False).head(rows), titles)
    t["order_by"] = t["order_by"].dt.strftime("%Y-%m-%d")
    t = t.rename(columns={"supplier": "plan_supplier", "demand": "plan_demand_to_end", "position": "plan_position",
                          "quantity": "plan_order_qty", "order_by": "plan_order_by", "risk_out": "plan_risk_out",
                          "leftover": "plan_leftover"})
    cols = ["title", "plan_supplier", "plan_demand_to_end", "plan_position", "plan_order_qty", "plan_order_by",
            "plan_risk_out", "plan_leftover"]
    return style_table(t[cols], {"plan_demand_to_end": "ratio", "plan_position": "count", "plan_order_qty": "count",
                                 "plan_risk_out": "pct", "plan_leftover": "ratio"}, lang, index_label="product")


def describe_replenishment(f: Finding, path: str | None, lang: str) -> str:
    e = f.evidence
    zh = is_zh(lang)
    s = (f"现在需要下单的商品 {e['order_now']} 个，金额 {_money(e['order_value'], lang)}。" if zh else
         f"{e['order_now']} products are at or below their reorder point: order {_money(e['order_value'], lang)} now.")
    if e["late"]:
        s += (f"{e['late']} 个商品按平均到货时间已来不及在活动前到货。" if zh else
              f" {e['late']} products can no longer arrive before the campaign at their usual lead time.")
    if path:
        s += (f"采购计划已写入 `{Path(path).name}`（每个供应商一页）。" if zh else
              f" The purchase plan is in `{Path(path).name}` (a sheet per supplier).")
    return s


def target_table(dec: pd.DataFrame, lang: str):
    t = dec.rename(columns={"conversion": "conversion_rate", "visitors": "plan_needed_visitors",
                            "base_visitors": "plan_base_visitors", "visitor_gap": "plan_visitor_gap",
                            "budget": "plan_ad_budget"})
    t.loc["total"] = t.sum(numeric_only=True)
    t.loc["total", ["conversion_rate", "aov"]] = float("nan")
    cols = ["target", "plan_needed_visitors", "conversion_rate", "aov", "plan_base_visitors", "plan_visitor_gap",
            "plan_ad_budget"]
    t.index = [label("total", lang) if i == "total" else i for i in t.index]
    return style_table(t[cols], {"target": "yuan", "plan_needed_visitors": "count", "conversion_rate": "pct",
                                 "aov": "yuan", "plan_base_visitors": "count", "plan_visitor_gap": "count",
                                 "plan_ad_budget": "yuan"}, lang, index_label="source")


def describe_target(f: Finding, target: float, lang: str) -> str:
    e = f.evidence
    if is_zh(lang):
        return (f"目标 {_money(target, lang)} 比当前节奏高 {_pct(e['growth'], lang)}；按各来源自己的转化率和客单价拆解，"
                f"访客缺口最大的是「{f.subject}」（{e['visitor_gap']:,.0f} 人）；付费来源补足缺口约需推广预算 "
                f"{_money(e['budget'], lang)}。各来源目标精确相加等于总目标。")
    return (f"The target of {_money(target, lang)} is {_pct(e['growth'], lang)} above the current pace. At each "
            f"source's own conversion and AOV the largest visitor gap is {f.subject} ({e['visitor_gap']:,.0f} visitors); "
            f"closing the paid sources' gaps takes about {_money(e['budget'], lang)} of ads. The sources' targets add "
            "up to the total exactly.")


def pace_table(by_source: pd.DataFrame, lang: str):
    t = by_source.rename(columns={"actual": "plan_actual", "plan": "plan_plan", "ratio": "plan_pace_ratio"})
    return style_table(t, {"plan_actual": "yuan", "plan_plan": "yuan", "plan_pace_ratio": "pct"}, lang,
                       index_label="source")


def plot_pace(frame: pd.DataFrame, lang: str):
    set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(frame.index, frame["plan_cum"], ls="--", label=label("plan_plan", lang))
    ax.plot(frame.index, frame["actual_cum"], label=label("plan_actual", lang))
    ax.legend(loc="upper left")
    return fig


def describe_pace(f: Finding, lang: str) -> str:
    e = f.evidence
    if is_zh(lang):
        word = "可以完成" if f.verdict == "on_track" else "完成不了"
        return (f"已过 {e['days_done']} 天：实际 {_money(e['actual'], lang)}，计划 {_money(e['plan_to_date'], lang)}。"
                f"按当前节奏月末约 {_money(e['projected'], lang)}，{word}目标 {_money(e['target'], lang)}；"
                f"剩余 {e['days_left']} 天每天需 {_money(e['needed_per_day'], lang)}（计划每天 "
                f"{_money(e['planned_per_day_left'], lang)}）。")
    word = "meets" if f.verdict == "on_track" else "falls short of"
    return (f"After {e['days_done']} days: actual {_money(e['actual'], lang)} against a plan of "
            f"{_money(e['plan_to_date'], lang)}. At this pace the month ends near {_money(e['projected'], lang)}, "
            f"which {word} the target of {_money(e['target'], lang)}; the {e['days_left']} days left need "
            f"{_money(e['needed_per_day'], lang)} a day (plan: {_money(e['planned_per_day_left'], lang)}).")


def budget_table(curves: pd.DataFrame, allocation: pd.DataFrame, verdicts: list[Finding], lang: str):
    t = curves[["spend_now", "roi_now", "marginal_now", "marginal_low", "marginal_high"]].join(
        allocation[["spend", "expected_return"]])
    t["verdict"] = [label(f"plan_verdict_{f.verdict}", lang) for f in verdicts]
    t = t.rename(columns={"spend_now": "plan_spend_now", "roi_now": "plan_roi_now", "marginal_now": "plan_marginal_roi",
                          "marginal_low": "plan_marginal_low", "marginal_high": "plan_marginal_high",
                          "spend": "plan_new_spend", "expected_return": "plan_expected_return"})
    return style_table(t, {"plan_spend_now": "yuan", "plan_roi_now": "ratio", "plan_marginal_roi": "ratio",
                           "plan_marginal_low": "ratio", "plan_marginal_high": "ratio", "plan_new_spend": "yuan",
                           "plan_expected_return": "yuan"}, lang)


def describe_budget(summary: dict, source: str, budget: float, lang: str) -> str:
    s = summary
    if is_zh(lang):
        src = "预算测试周" if source == "budget_tests" else "推广报表的每周数据"
        return (f"每周预算 {_money(budget, lang)}：按边际ROI分配（曲线拟合自{src}），保本ROI {s['break_even_roi']:.2f}。"
                f"投入 {_money(s['allocated'], lang)}，预计成交 {_money(s['expected_return'], lang)}"
                f"（90% 区间 {_money(s['return_low'], lang)} ~ {_money(s['return_high'], lang)}）；"
                f"其余 {_money(s['unspent'], lang)} 的边际ROI低于保本，不建议花。")
    src = "budget-test weeks" if source == "budget_tests" else "weekly totals of the ads report"
    return (f"Weekly budget {_money(budget, lang)}, split by marginal ROI (curves fitted on {src}); break-even ROI "
            f"{s['break_even_roi']:.2f}. Spending {_money(s['allocated'], lang)} is expected to return "
            f"{_money(s['expected_return'], lang)} (90% range {_money(s['return_low'], lang)} to "
            f"{_money(s['return_high'], lang)}); the other {_money(s['unspent'], lang)} would earn a marginal ROI below "
            "break-even and is better not spent.")


def readiness_table(ready: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 25):
    t = _titled(ready.sort_values(["ready", "sales_30d"], ascending=False).head(rows), titles)
    t["reasons"] = [", ".join(label(f"plan_check_{r}", lang) for r in rs) for rs in t["reasons"]]
    t = t.rename(columns={"sales_30d": "plan_units_30d", "campaign_price": "plan_campaign_price",
                          "lowest_price": "plan_lowest_price", "ready": "plan_ready", "reasons": "plan_reasons"})
    cols = ["title", "plan_units_30d", "plan_campaign_price", "plan_lowest_price", "stock", "rating", "plan_ready",
            "plan_reasons"]
    return style_table(t[cols], {"plan_units_30d": "count", "plan_campaign_price": "yuan",
                                 "plan_lowest_price": "yuan", "stock": "count", "rating": "ratio"},
                       lang, index_label="product")


def describe_readiness(f: Finding, dsr: float | None, lang: str) -> str:
    e = f.evidence
    reason = label(f"plan_check_{e['top_reason']}", lang) if e["top_reason"] else ""
    if is_zh(lang):
        s = f"{e['products']} 个近90天有销售的商品中 {e['ready']} 个满足全部报名条件。"
        return s + (f"最常见的不达标项：{reason}。" if reason else "") + (
            f"店铺 DSR 最低项 {dsr:.2f}。" if dsr is not None else "")
    s = f"{e['ready']} of the {e['products']} products sold in the last 90 days meet every threshold."
    return s + (f" The check failed most: {reason}." if reason else "") + (
        f" The shop's lowest DSR score is {dsr:.2f}." if dsr is not None else "")


def truth_table(frame: pd.DataFrame | None, lang: str):
    """The sample shop's estimates beside the generator's truth (:func:`.setup.compare_with_truth`)."""
    if frame is None:
        return None
    t = frame.copy()
    t.index = [f"{label(key, lang)} · {subject}" for key, subject in t.pop("figure")]
    t = t.rename(columns={"estimate": "plan_estimate", "low": "low", "high": "high", "truth": "plan_truth"})
    return style_table(t, {c: "ratio" for c in t.columns}, lang)


def describe_history(source: str | None, count_days: int, gaps: pd.DataFrame | None, lang: str) -> str:
    """Which stock history the report used: the dated counts, or the latest count and the flows."""
    off = gaps[gaps["gap"].abs() > 0] if gaps is not None else pd.DataFrame()
    if source == "snapshots":
        if is_zh(lang):
            s = f"库存历史来自 {count_days} 次盘点：每天的库存以其后最近一次盘点为准，加减其间的入库和销量。"
            return s + (f"{len(off)} 次盘点与入库和销量对不上（见数据说明）。" if len(off) else "每次盘点都与入库和销量吻合。")
        s = (f"Stock history from {count_days} counts: each day follows from the next count, with the receipts "
             "and sales in between.")
        return s + (f" {len(off)} counts disagree with the receipts and sales (see the notes)." if len(off) else
                    " Every count agrees with the receipts and sales.")
    return ("库存历史由最近一次盘点倒推（只有一次盘点）：最近盘点减去之后的入库、加上之后的销量。" if is_zh(lang) else
            "Stock history worked back from the latest count (there is one count): the count less later receipts "
            "plus later sales.")


def product_target_table(dec: pd.DataFrame, titles: pd.Series, lang: str):
    """The target per key product (visitors x conversion x AOV), the rest as one row."""
    t = dec.copy()
    names = titles.reindex(t.index)
    names[t.index == "other"] = label("plan_other_products", lang)
    t.insert(0, "title", names.fillna(pd.Series(t.index, index=t.index)))
    t.index = [label("plan_other_products", lang) if i == "other" else i for i in t.index]
    t = t.rename(columns={"conversion": "conversion_rate", "visitors": "plan_needed_visitors",
                          "base_visitors": "plan_base_visitors", "visitor_gap": "plan_visitor_gap"})
    cols = ["title", "target", "plan_needed_visitors", "conversion_rate", "aov", "plan_base_visitors",
            "plan_visitor_gap"]
    return style_table(t[cols], {"target": "yuan", "plan_needed_visitors": "count", "conversion_rate": "pct",
                                 "aov": "yuan", "plan_base_visitors": "count", "plan_visitor_gap": "count"},
                       lang, index_label="product")


def describe_product_target(f: Finding, dec: pd.DataFrame, titles: pd.Series, lang: str) -> str:
    e = f.evidence
    key = dec.drop(index="other", errors="ignore")
    share = key["target"].sum() / dec["target"].sum()
    name = label("plan_other_products", lang) if f.subject == "other" else str(titles.get(f.subject, f.subject))
    if is_zh(lang):
        return (f"前 {len(key)} 个商品承担目标的 {_pct(share, lang)}；访客缺口最大的是「{name}」"
                f"（{e['visitor_gap']:,.0f} 人）。各商品目标精确相加等于总目标。")
    return (f"The top {len(key)} products carry {_pct(share, lang)} of the target; the largest visitor gap is "
            f"{name} ({e['visitor_gap']:,.0f} visitors). The products' targets add up to the total exactly.")


def lift_table(lifts: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 20):
    """The template campaign's lift per product, its own and its category's, with the interval."""
    t = _titled(lifts.sort_values("event_units", ascending=False).head(rows), titles)
    t = t.rename(columns={"event_units": "plan_event_units", "baseline_units": "plan_baseline_units",
                          "raw_lift": "plan_raw_lift", "category_lift": "plan_category_lift",
                          "weight": "plan_lift_weight", "lift": "plan_lift", "lift_low": "low", "lift_high": "high"})
    cols = ["title", "category", "plan_event_units", "plan_baseline_units", "plan_raw_lift", "plan_category_lift",
            "plan_lift_weight", "plan_lift", "low", "high"]
    return style_table(t[cols], {"plan_event_units": "count", "plan_baseline_units": "count", "plan_raw_lift": "ratio",
                                 "plan_category_lift": "ratio", "plan_lift_weight": "pct", "plan_lift": "ratio",
                                 "low": "ratio", "high": "ratio"}, lang, index_label="product")


def describe_lifts(lifts: pd.DataFrame, shop_lift: float, template: str, lang: str) -> str:
    spread = lifts["lift"].quantile([0.1, 0.9])
    own = int((lifts["weight"] >= 0.5).sum())
    if is_zh(lang):
        return (f"按「{template}」的表现，各商品的活动提升倍数在 {spread.iloc[0]:.2f} 到 {spread.iloc[1]:.2f} 之间"
                f"（10%~90% 分位；全店 {shop_lift:.2f}）。{own} 个商品主要按自身数据估计，其余向所在类目收缩。备货计划按每个商品自己的倍数。")
    return (f"In {template} the products' lifts ran from {spread.iloc[0]:.2f} to {spread.iloc[1]:.2f} (10th to 90th "
            f"percentile; the shop's {shop_lift:.2f}). {own} products are judged mainly on their own data, the rest "
            "lean on their category. The campaign stock plan uses each product's own lift.")


def clearance_table(plan: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 15):
    """Seasonal products to clear first: window, excess, markdown and start-by date."""
    t = _titled(plan.head(rows), titles)
    t["window"] = [label(f"plan_window_{w}", lang) for w in t["window"]]
    for c in ("window_end", "start_by"):
        t[c] = pd.to_datetime(t[c]).dt.strftime("%Y-%m-%d")
    t = t.rename(columns={"window": "plan_window", "window_end": "plan_window_end",
                          "window_demand": "plan_window_demand", "position": "plan_position", "excess": "plan_excess",
                          "weeks_cover_after": "plan_cover_after", "markdown": "plan_markdown",
                          "start_by": "plan_start_by"})
    cols = ["title", "category", "plan_window", "plan_window_end", "plan_window_demand", "plan_position",
            "plan_excess", "plan_cover_after", "plan_markdown", "plan_start_by"]
    return style_table(t[cols], {"plan_window_demand": "ratio", "plan_position": "count", "plan_excess": "ratio",
                                 "plan_cover_after": "ratio", "plan_markdown": "pct"}, lang, index_label="product")


def describe_clearance(f: Finding, elasticity: float, titles: pd.Series, lang: str) -> str:
    e = f.evidence
    zh = is_zh(lang)
    if not f.enough_data:
        return (f"历史只有 {e['history_days']} 天，不足 {e['min_days']} 天，无法判断季节，不做清货建议。" if zh else
                f"Only {e['history_days']} days of history, under {e['min_days']}: seasons cannot be judged, so "
                "there is no clearance advice.")
    if f.verdict == "no_excess":
        return (f"{e['seasonal']} 个季节性商品的库存都能在本季（或下一季到来前）卖完，无需清货。" if zh else
                f"The stock of all {e['seasonal']} seasonal products sells within its season (or before the next "
                "one): nothing to clear.")
    name = str(titles.get(f.subject, f.subject))
    start = pd.Timestamp(e["start_by"]).strftime("%Y-%m-%d")
    if zh:
        return (f"{e['seasonal']} 个季节性商品中 {e['clear']} 个库存超出本季需求，共多 {e['excess_units']:,.0f} 件。"
                f"最急的是「{name}」：最晚 {start} 开始清货，从今天起全部卖完约需降价 {_pct(e['markdown'], lang)}"
                f"（按价格弹性 {elasticity:.1f} 估算，弹性是假设，不是拟合值）。")
    return (f"{e['clear']} of {e['seasonal']} seasonal products hold more than their season will sell, "
            f"{e['excess_units']:,.0f} units in all. Most urgent: {name}, to start clearing by {start}; selling it all "
            f"from today takes about {_pct(e['markdown'], lang)} off (at a price elasticity of {elasticity:.1f}, an "
            "assumption, not a fit).")


def warehouse_table(warehouses: pd.DataFrame, titles: pd.Series, lang: str, rows: int = 20):
    """Stock per (warehouse, product): the ones out now first, then by counts at zero and cover."""
    t = warehouses.reset_index("warehouse").sort_values(["out_now", "out_counts", "weeks_cover"],
                                                        ascending=[False, False, True]).head(rows)
    t = _titled(t, titles).rename(columns={"weeks_cover": "plan_weeks_cover", "out_counts": "plan_wh_out_counts",
                                           "out_now": "plan_wh_out_now"})
    return style_table(t[["warehouse", "title", "stock", "plan_weeks_cover", "plan_wh_out_counts", "plan_wh_out_now"]],
                       {"stock": "count", "plan_weeks_cover": "ratio", "plan_wh_out_counts": "count"}, lang,
                       index_label="product")


def describe_warehouses(warehouses: pd.DataFrame | None, lang: str) -> str:
    """Per-warehouse stock-outs against the shop's: a product out in one warehouse and held in
    another is not out for the shop (its stock is the sum), but that warehouse's orders ship
    from further away. None: one warehouse, nothing to split."""
    if warehouses is None:
        return ("库存只有一个仓库（或盘点表没有仓库列）：不分仓展示，上面的数字即该仓库的库存。" if is_zh(lang) else
                "The stock is in one warehouse (or the counts name none): no split by warehouse; the figures above "
                "are that warehouse's.")
    n = warehouses.index.get_level_values("warehouse").nunique()
    out = warehouses[warehouses["out_now"]]
    held = warehouses["stock"].groupby(level="product_id").sum()
    split = out.index.get_level_values("product_id").unique()
    split = int((held.reindex(split) > 0).sum())
    if is_zh(lang):
        return (f"{n} 个仓库的库存合计为店铺库存（上文）。按最近一次盘点，{len(out)} 个（仓库，商品）组合断货，"
                f"其中 {split} 个商品在其他仓库仍有库存：店铺层面不算断货，但这些仓库的订单要从别的仓发货。")
    return (f"The shop's stock above is the sum of {n} warehouses. At the latest count {len(out)} (warehouse, product) "
            f"pairs are out of stock; {split} of these products are still held in another warehouse: not out for "
            "the shop, but that warehouse's orders ship from another one.")
