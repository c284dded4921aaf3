"""What a campaign earned: the profit bridge with its interval, campaign ROI, break-even and the
cost of each new buyer.

口径 used here
--------------
- **Profit** (活动利润, yuan) = incremental sales at list prices x normal margin - discount
  cost - waived freight - extra ad spend - extra refund cost - budget, over the window, where:
  incremental sales at list prices = net incremental paid sales + discount cost;
  **discount cost** = list price x quantity - paid amount of the campaign lines;
  **normal margin** = (list value - cost - platform costs) / list value of the baseline's
  lines (``products.unit_cost``; platform costs = commission, payment fee, freight, 运费险,
  packaging, gift and coupon of the cost model, :func:`helpers.core.costs.daily_costs`), so
  each extra order pays its fees and its parcel; **waived freight** (免邮 campaigns only) =
  the freight of the campaign's orders under the shop's free-shipping threshold, which the
  buyers would otherwise pay (a 买一送一's free unit is in the list value, so its cost is
  charged through the margin and the discount); **extra ad spend** = ad spend in the window - the baseline's
  daily spend x window days; **extra refund cost** = the window lines' extra refunds
  (:mod:`helpers.areas.campaigns.refunds`) x the window's gross margin (refunded goods go
  back to stock, their gross profit is lost); **budget** = ``campaigns.budget``.
- **Campaign cost** (活动投入) = discount + waived freight + extra ads + extra refund cost + budget;
  **campaign ROI** = profit / campaign cost (net: 0 is break-even); **break-even sales** =
  campaign cost / normal margin.
- **New buyers**: customers whose first paid order in the data falls in the window;
  **incremental new buyers** = those - the baseline's daily new buyers x window days;
  **cost per new buyer** = campaign cost / incremental new buyers.
- The profit's interval and the probability of a profit come from the counterfactual's
  draws of the window's sales; the costs are taken as known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import Campaign, Windows, baseline_days
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.model import quantiles, safe_div
from helpers.areas.campaigns.uplift import Impact
from helpers.core import metrics
from helpers.core.notes import note, quiet

PROFIT_ITEMS = ("incremental_list_sales", "incremental_gross_profit", "discount_cost", "waived_freight",
                "extra_ad_spend", "extra_refund_cost", "budget", "profit")
COST_ITEMS = ("discount_cost", "waived_freight", "extra_ad_spend", "extra_refund_cost", "budget")
NEW_BUYER_HISTORY_DAYS = 90  # with less data before a campaign, some returning buyers look new


def effective_discount(paid: float, list_value: float) -> float:
    """Effective discount 实际优惠力度 of a group of order lines.

    Formula: 1 - 实付金额 / 原价金额 (1 - paid amount / (list price x quantity)).

    Parameters
    ----------
    paid : paid amount of the lines, yuan (after every discount).
    list_value : list price x quantity of the same lines, yuan (for 买一送一 the free unit
        counts at its list price, so two for the price of one is a 50% discount).

    Returns
    -------
    A fraction (0.2 = 20% off); NaN with a note when the list value is 0.
    """
    if not list_value:
        note("实际优惠力度：原价金额为 0 → —", "effective discount: the list value is 0 -> NaN")
        return float("nan")
    return 1.0 - float(paid) / float(list_value)


def campaign_roi(profit: float, cost: float) -> float:
    """Campaign ROI 活动ROI(净), a net return.

    Formula: 活动利润 / 活动投入 (campaign profit / campaign cost, both yuan), where campaign
    cost = discount cost + waived freight + extra ad spend + extra refund cost + budget. 0 is break-even; 0.5
    means every yuan put in came back with 0.5 yuan of profit on top. Not the ads tools' ROI
    (sales / spend).

    Returns
    -------
    A ratio; NaN with a note when the campaign cost is 0 or negative.
    """
    if cost is None or pd.isna(cost) or cost <= 0:
        note("活动ROI(净)：活动投入为 0 或更低（没有让利、推广、退款或预算可计）→ —",
             "campaign ROI: the campaign cost is 0 or below (no discount, ads, refunds or budget "
             "to charge) -> NaN")
        return float("nan")
    return float(profit) / float(cost)


def cost_per_new_buyer(cost: float, incremental_new_buyers: float) -> float:
    """Cost per new buyer 每个新客成本.

    Formula: 活动投入 / 增量新客 (campaign cost in yuan / incremental new buyers), where
    incremental new buyers = customers whose first paid order falls in the window - the
    pre-period's new buyers per day x window days.

    Returns
    -------
    Yuan per buyer; NaN with a note when the campaign brought no extra new buyers.
    """
    if incremental_new_buyers is None or pd.isna(incremental_new_buyers) or incremental_new_buyers <= 0:
        note("每个新客成本：活动带来的新客没有多于平时 → —",
             "cost per new buyer: the campaign brought no more new buyers than usual -> NaN")
        return float("nan")
    return float(cost) / float(incremental_new_buyers)


def count_new_buyers(frames: Frames, campaign: Campaign, windows: Windows) -> dict[str, float]:
    """New buyers in the window against the pre-period's daily rate.

    Formula: incremental = new buyers in the window - new buyers per clean baseline day x
    window days.

    Returns
    -------
    dict: window (new buyers in the window), per_day_pre, expected (per_day_pre x window
    days) and incremental (window - expected). NaN without a window or clean pre-period. A
    note says when the data starts less than 90 days before the campaign.
    """
    nan = float("nan")
    if windows.window is None:
        return {"window": nan, "per_day_pre": nan, "expected": nan, "incremental": nan}
    w = windows.window
    in_window = float(frames.new_buyers[(frames.new_buyers.index >= w.start)
                                        & (frames.new_buyers.index <= w.end)].sum())
    pre_days = baseline_days(windows)
    per_day = float(frames.new_buyers.reindex(pre_days).mean()) if len(pre_days) else nan
    expected = per_day * w.days
    if frames.data_first + pd.Timedelta(days=NEW_BUYER_HISTORY_DAYS) > w.start:
        cid = campaign.campaign_id
        note(f"{cid} 的新客：数据在活动前不到 {NEW_BUYER_HISTORY_DAYS} 天才开始，部分老客看起来像新客"
             "（他们更早的订单不在数据中）",
             f"new buyers of {cid}: the data starts less than {NEW_BUYER_HISTORY_DAYS} days before the "
             "campaign, so some returning customers look new (their earlier orders are not in the data)")
    return {"window": in_window, "per_day_pre": per_day, "expected": expected,
            "incremental": in_window - expected}


@dataclass
class Profit:
    """What the campaign earned (see :func:`compute_profit`).

    ``missing`` names the items left out for lack of data: ``window`` (no day in the data),
    ``margin`` (no unit costs), ``ads``, ``refunds``, ``budget``.
    """

    table: pd.DataFrame  # index PROFIT_ITEMS: value, low, high (yuan)
    normal_margin: float
    window_margin: float
    campaign_cost: float
    roi: float
    p_profit: float  # probability the profit is above 0
    breakeven_sales: float  # incremental sales at list prices needed to break even
    new_buyers: dict[str, float]
    cost_per_new_buyer: float
    missing: list[str]

    def value(self, item: str, column: str = "value") -> float:
        """One figure of ``table`` (yuan); NaN for an unknown item."""
        return float(self.table.loc[item, column]) if item in self.table.index else float("nan")


def compute_profit(frames: Frames, campaign: Campaign, windows: Windows, impact: Impact,
                   refunds: pd.DataFrame | None = None) -> Profit:
    """Campaign profit over the window (口径 in the module docstring), its interval and ROI.

    Items that cannot be computed (no ads table, no budget, no refunds table) are NaN in the
    table, left out of profit and cost, named in ``missing`` and a note each. Profit and its
    interval need the uplift estimate; without it only the costs are filled in.
    """
    nan = float("nan")
    cid = campaign.campaign_id
    missing = []
    window = windows.window
    table = pd.DataFrame(np.nan, index=list(PROFIT_ITEMS), columns=["value", "low", "high"])
    pre_days = baseline_days(windows)
    pre = frames.daily.reindex(pre_days)
    with quiet():
        normal_margin = metrics.gross_margin(float(pre["costed_list_value"].sum()), float(pre["cost"].sum()))
    if frames.costs is not None and pd.notna(normal_margin):
        fees = frames.costs.groupby("date")["platform_costs"].sum().reindex(pre_days).fillna(0.0)
        normal_margin -= safe_div(float(fees.sum()), float(pre["list_value"].sum()))
    if window is None:
        return Profit(table, normal_margin, nan, nan, nan, nan, nan, count_new_buyers(frames, campaign, windows),
                      nan, ["window"])
    in_w = frames.daily[(frames.daily.index >= window.start) & (frames.daily.index <= window.end)]
    with quiet():
        costed_sales = float(in_w["sales"].sum()) * safe_div(in_w["costed_list_value"].sum(),
                                                              in_w["list_value"].sum())
        window_margin = metrics.gross_margin(costed_sales, float(in_w["cost"].sum()))
    if pd.isna(normal_margin):
        missing.append("margin")
        note(f"{cid} 的利润：基期商品没有单位成本（products.unit_cost），无法计算毛利",
             f"profit of {cid}: no unit costs for the pre-period's products (products.unit_cost), so "
             "the gross profit cannot be computed")
    cd = frames.campaign_daily
    lines = cd[(cd["campaign_id"] == cid) & (cd["date"] >= window.start) & (cd["date"] <= window.end)]
    discount = float((lines["list_value"] - lines["paid"]).sum())
    table.loc["discount_cost", "value"] = discount
    if campaign.mechanic == "free_shipping" and frames.costs is not None:
        c = frames.costs
        c = c[(c["campaign_id"] == cid) & (c["date"] >= window.start) & (c["date"] <= window.end)]
        table.loc["waived_freight", "value"] = float(c["waived_freight"].sum())
    if frames.ads_daily is None:
        missing.append("ads")
        note("利润：数据没有推广表（ads），额外推广花费未计入利润",
             "profit: the data has no ads table, so extra ad spend is left out of the profit")
    else:
        spend = frames.ads_daily
        in_spend = float(spend[(spend.index >= window.start) & (spend.index <= window.end)].sum())
        base = float(spend.reindex(pre_days).mean()) if len(pre_days) else nan
        table.loc["extra_ad_spend", "value"] = in_spend - base * window.days
    if refunds is None or refunds.empty or "window_lines" not in refunds.index:
        missing.append("refunds")
        note("利润：数据没有退款表（refunds），额外退款未计入利润",
             "profit: the data has no refunds table, so extra refunds are left out of the profit")
    else:
        extra = float(refunds.loc["window_lines", "extra_refunds"])
        table.loc["extra_refund_cost", "value"] = extra * window_margin if pd.notna(window_margin) else nan
    if pd.isna(campaign.budget):
        missing.append("budget")
        note(f"{cid} 的利润：活动表没有填它的预算，固定成本未计入利润",
             f"profit of {cid}: the campaigns table has no budget for it, so its fixed cost is left "
             "out of the profit")
    else:
        table.loc["budget", "value"] = campaign.budget
    costs = table.loc[list(COST_ITEMS), "value"]
    campaign_cost = float(costs.fillna(0.0).sum())
    new_buyers = count_new_buyers(frames, campaign, windows)
    breakeven = safe_div(campaign_cost, normal_margin)
    roi, p_profit = nan, nan
    if impact.ok and "window" in impact.phase_draws and pd.notna(normal_margin):
        actual = impact.value("window", "actual")
        list_draws = actual - impact.phase_draws["window"] + discount
        point = impact.value("window", "effect") + discount
        lo, hi = quantiles(list_draws, impact.confidence)
        table.loc["incremental_list_sales"] = [point, lo, hi]
        table.loc["incremental_gross_profit"] = [point * normal_margin, lo * normal_margin,
                                                 hi * normal_margin]
        profit_draws = list_draws * normal_margin - campaign_cost
        p_lo, p_hi = quantiles(profit_draws, impact.confidence)
        table.loc["profit"] = [point * normal_margin - campaign_cost, p_lo, p_hi]
        p_profit = float(np.mean(profit_draws > 0))
        with quiet():  # a zero cost is said in the sentence
            roi = campaign_roi(table.loc["profit", "value"], campaign_cost)
    with quiet():
        per_buyer = cost_per_new_buyer(campaign_cost, new_buyers["incremental"])
    return Profit(table=table, normal_margin=normal_margin, window_margin=window_margin,
                  campaign_cost=campaign_cost, roi=roi, p_profit=p_profit, breakeven_sales=breakeven,
                  new_buyers=new_buyers, cost_per_new_buyer=per_buyer, missing=missing)
