"""The planning notebook's own parameters and the data every section shares, loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.planning import forecast, stock
from helpers.core import costs as cost_model
from helpers.core.calendar import Period, abnormal_days
from helpers.core.notes import note
from helpers.core.params import parse_date
from helpers.core.shop import project_root, resolve_export_dir

if TYPE_CHECKING:
    from helpers.core.shop import Shop


@dataclass(frozen=True)
class Options:
    horizon_weeks: int
    campaign_start: pd.Timestamp
    month: pd.Period
    month_days: int
    base_end: pd.Timestamp
    stem: str

    def plan_path(self, export_dir: str) -> str:
        """Where the purchase-plan workbook goes (relative folders are under the project root)."""
        return str(resolve_export_dir(export_dir) / f"purchase_plan_{self.stem}.xlsx")


def check_options(shop: Shop, *, horizon_days: int, backtest_weeks: int, confidence: float, service_level: float,
                  campaign_template: str, campaign_start: str, target_month: str, target_gmv: float,
                  weekly_budget: float, campaign_discount: float) -> Options:
    """Check the notebook's parameters; a clear ValueError names the one that is wrong."""
    if horizon_days < 7:
        raise ValueError(f"horizon_days={horizon_days}: plan at least 7 days ahead")
    if backtest_weeks < 1:
        raise ValueError(f"backtest_weeks={backtest_weeks}: hold out at least one week")
    for name, value in (("confidence", confidence), ("service_level", service_level),
                        ("campaign_discount", campaign_discount)):
        if not 0 < value < 1 and not (name == "campaign_discount" and value == 1):
            raise ValueError(f"{name}={value}: a share between 0 and 1")
    if target_gmv <= 0 or weekly_budget < 0:
        raise ValueError("target_gmv must be above 0 and weekly_budget at least 0")
    start = parse_date(campaign_start, "campaign_start")
    if start is None:
        raise ValueError("campaign_start is empty: give the first day of the campaign to prepare, YYYY-MM-DD")
    try:
        month = pd.Period(target_month, freq="M")
    except ValueError:
        raise ValueError(f"target_month={target_month!r}: write the month as YYYY-MM") from None
    if campaign_template:
        if not shop.has("campaigns"):
            raise ValueError(f"campaign_template={campaign_template!r} given but the data has no campaigns table")
        known = set(shop.table("campaigns").campaign_id.execute())
        if campaign_template not in known:
            raise ValueError(f"campaign_template={campaign_template!r} is not in the campaigns table; known: "
                             f"{', '.join(sorted(known))}")
    return Options(horizon_weeks=int(np.ceil(horizon_days / 7)), campaign_start=start, month=month,
                   month_days=month.days_in_month, base_end=month.start_time - pd.Timedelta(days=1),
                   stem=f"{campaign_template or 'plan'}_{start:%Y%m%d}")


@dataclass
class PlanningData:
    """What the sections share: daily sales, stock, receipts and the other tables (None when absent)."""

    daily: pd.DataFrame
    last_day: pd.Timestamp
    titles: pd.Series
    products: pd.DataFrame
    unit_cost: pd.Series
    abnormal: pd.Series
    lifts: pd.DataFrame
    weekly: pd.DataFrame
    on_hand: pd.Series
    stock: pd.DataFrame | None
    spells: pd.DataFrame
    receipts: pd.DataFrame | None
    traffic: pd.DataFrame | None
    product_traffic: pd.DataFrame | None
    ads: pd.DataFrame | None
    budget_tests: pd.DataFrame | None
    dsr: float | None
    ratings: pd.DataFrame | None
    break_even: float
    stock_source: str | None = None  # "snapshots" or "latest_count" (stock.history_source)
    count_days: int = 0  # days with a count
    count_gaps: pd.DataFrame | None = None  # stock.count_gaps
    out_of_stock: pd.DataFrame | None = None  # day x product flags (stock.out_of_stock_days)
    campaigns: pd.DataFrame | None = None
    # per (warehouse, product) (stock.summarize_warehouses) when the counts name several warehouses
    warehouses: pd.DataFrame | None = None


def _dated(shop: Shop, name: str, column: str = "date") -> pd.DataFrame | None:
    if not shop.has(name):
        return None
    frame = shop.table(name).execute()
    frame[column] = pd.to_datetime(frame[column])
    return frame


def load_planning(shop: Shop, slow_weeks: float = 26.0) -> PlanningData:
    """Load and reduce what every section reads (see each module for the definitions)."""
    daily = stock.daily_sales(shop)
    products = shop.table("products").execute() if shop.has("products") else pd.DataFrame(
        columns=["product_id", "title", "unit_cost", "list_price"])
    titles = products.set_index("product_id")["title"]
    unit_cost = products.set_index("product_id")["unit_cost"]
    campaigns = shop.table("campaigns").execute() if shop.has("campaigns") else None
    receipts = stock.receipts_frame(shop)
    days = pd.date_range(daily["date"].min(), daily["date"].max(), freq="D")
    abnormal = abnormal_days(campaigns, days, 7)
    spells = pd.DataFrame(columns=["product_id", "first", "last", "days", "lost_units", "lost_sales"])
    out = source = gaps = warehouses = None
    count_days = 0
    if shop.has("inventory"):
        counts = stock.stock_counts(shop)
        latest = counts.groupby("product_id", as_index=False).last()
        last_day = counts["date"].max()
        source, count_days = stock.history_source(counts), int(counts["date"].nunique())
        history = stock.stock_history(daily, counts, receipts)
        gaps = stock.count_gaps(daily, counts, receipts)
        off = gaps[gaps["gap"].abs() > 0]
        if len(off):
            note(f"inventory：{len(off)} 次盘点与前后盘点、入库和销量对不上，合计差 {off['gap'].sum():+,.0f} 件"
                 "（正数：没有销售记录却少了的库存，如损耗；负数：没有入库单却多出的库存）；每天的库存以其后最近一次盘点为准。",
                 f"inventory: {len(off)} counts disagree with the next count, the receipts and the sales, by "
                 f"{off['gap'].sum():+,.0f} units in all (positive: stock gone without a sale, e.g. shrinkage; "
                 "negative: stock arrived without a receipt); each day's stock follows from the next count.")
        out = stock.out_of_stock_days(history, receipts)
        spells = stock.estimate_lost_sales(stock.find_stockouts(out), daily, out, abnormal)
        summary = stock.summarize_stock(daily, latest, unit_cost, slow_weeks=slow_weeks)
        on_hand = latest.set_index("product_id")["stock"]
        by_warehouse = stock.warehouse_counts(shop)
        if by_warehouse["warehouse"].nunique() > 1:
            warehouses = stock.summarize_warehouses(daily, by_warehouse)
    else:
        last_day, summary, on_hand = daily["date"].max(), None, pd.Series(dtype=float)
    lifts = (forecast.campaign_lifts(daily, campaigns, abnormal) if campaigns is not None
             else forecast.campaign_lifts(daily, pd.DataFrame(columns=["campaign_id"]), abnormal))
    period = Period.ending(last_day, 90)
    dsr = None
    if shop.has("dsr"):
        latest = shop.table("dsr").execute().sort_values("date").iloc[-1]
        dsr = float(min(latest["description"], latest["service"], latest["logistics"]))
    return PlanningData(
        daily=daily, last_day=last_day, titles=titles, products=products, unit_cost=unit_cost, abnormal=abnormal,
        lifts=lifts, weekly=forecast.weekly_units(daily, last_day, out, abnormal), on_hand=on_hand, stock=summary,
        spells=spells, receipts=receipts, traffic=_dated(shop, "traffic"),
        product_traffic=_dated(shop, "product_traffic"), ads=_dated(shop, "ads"),
        budget_tests=_dated(shop, "budget_tests", "week"), dsr=dsr,
        ratings=_dated(shop, "reviews", "review_time"),
        break_even=float(cost_model.break_even_roi(cost_model.contribution_margin(shop, period))),
        stock_source=source, count_days=count_days, count_gaps=gaps, out_of_stock=out,
        campaigns=campaigns, warehouses=warehouses)


def campaign_lift(lifts: pd.DataFrame, template: str) -> float:
    """The template campaign's lift (NaN when the template is empty or has no baseline)."""
    return float(lifts.loc[template, "lift"]) if template and template in lifts.index else float("nan")


def template_lifts(data: PlanningData, template: str, confidence: float = 0.9) -> pd.DataFrame | None:
    """The template campaign's lift per product (:func:`.forecast.product_lifts`); None without a
    template or a campaigns table."""
    if not template or data.campaigns is None:
        return None
    row = data.campaigns.set_index("campaign_id").loc[template]
    categories = data.products.set_index("product_id")["category"] if "category" in data.products else pd.Series(
        dtype=object)
    return forecast.product_lifts(data.daily, row, data.abnormal, categories, data.out_of_stock,
                                  confidence=confidence)


def compare_with_truth(data_dir: str, data: PlanningData, curves: pd.DataFrame | None,
                       lifts: pd.DataFrame | None = None, template: str = "") -> pd.DataFrame | None:
    """The sample shop's planning figures beside the generator's truth (``ground_truth.json``, key
    ``planning``); None for a shop without it. ``figure`` is (label key, subject). Rows: the planted stock-out's lost
    units (with the interval), each supplier's mean lead time, each plan's marginal ROI at its usual spend, and with
    the template's per-product ``lifts``: the share of products whose 90% interval holds the true lift (beside 0.9)
    and the three best-selling products' lifts."""
    path = Path(data_dir) if data_dir else None
    if path is not None and not path.is_absolute():
        path = project_root() / path
    if path is None or not (path / "ground_truth.json").exists():
        return None
    truth = json.loads((path / "ground_truth.json").read_text(encoding="utf-8")).get("planning")
    if truth is None:
        return None
    rows = []
    so = truth["stockout"]
    hit = data.spells[data.spells["product_id"] == so["product_id"]]
    if len(hit):
        h = hit.iloc[0]
        rows.append({"figure": ("plan_lost_units", so["product_id"]), "estimate": h["lost_units"], "low": h["lost_low"],
                     "high": h["lost_high"], "truth": so["lost_units"]})
    if data.receipts is not None:
        done = data.receipts.dropna(subset=["lead_days"]).groupby("supplier")["lead_days"]
        for lt in truth["lead_times"]:
            if lt["supplier"] in done.groups:
                g = done.get_group(lt["supplier"])
                se = g.std(ddof=1) / np.sqrt(len(g))
                rows.append({"figure": ("plan_lead_mean", lt["supplier"]), "estimate": g.mean(), "low": g.mean() - 1.645 * se,
                             "high": g.mean() + 1.645 * se, "truth": lt["mean_days"]})
    if curves is not None:
        for plan, c in truth["budget_curves"]["plans"].items():
            if plan in curves.index:
                f = curves.loc[plan]
                rows.append({"figure": ("plan_marginal_roi", plan), "estimate": f["marginal_now"], "low": f["marginal_low"],
                             "high": f["marginal_high"],
                             "truth": c["a"] / c["b"] * float(np.exp(-f["spend_now"] / c["b"]))})
    known = truth.get("product_lift", {}).get("campaigns", {}).get(template)
    if lifts is not None and known:
        t = pd.Series(known, dtype=float).reindex(lifts.index)
        seen = lifts[t.notna()]
        inside = (seen["lift_low"] <= t[seen.index]) & (t[seen.index] <= seen["lift_high"])
        rows.append({"figure": ("plan_truth_lift", template), "estimate": float(inside.mean()), "low": np.nan,
                     "high": np.nan, "truth": 0.9})
        for pid in seen.sort_values("event_units", ascending=False).index[:3]:
            rows.append({"figure": ("plan_lift", pid), "estimate": seen.at[pid, "lift"], "low": seen.at[pid, "lift_low"],
                         "high": seen.at[pid, "lift_high"], "truth": t[pid]})
    return pd.DataFrame(rows) if rows else None
