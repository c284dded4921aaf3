"""Paid promotion (付费推广): plans and channels against break-even, and the profit grid.

口径
----
- ``ads`` rows are per day, channel and plan. 点击转化率 = attributed orders / clicks
  (clicks as the plan's visitors); ROI = attributed amount / spend within each plan's own
  attribution window (ROAS); cost per order = spend / attributed orders.
- Contribution margin before ads (贡献毛利率) = (paid - refunds - goods - commission -
  payment fee - freight - 运费险 - packaging - return costs) / paid over the period's paid
  order lines (by pay time; :mod:`helpers.core.costs`, the shop's ``costs`` table or the
  stated defaults); break-even ROI = 1 / margin; highest affordable CPC = attributed amount
  per click x margin; profit after ads = attributed amount x margin - spend (yuan).
- Plans of commission channels (淘宝客, CPS) pay a share of sales, not per click: the profit
  grid covers the per-click plans only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.traffic import roi as roi_mod
from helpers.areas.traffic.findings import classify_plan, is_commission_channel, reason_code
from helpers.core import metrics
from helpers.core.lines import paid_order_lines
from helpers.core.notes import note, quiet
from helpers.core.shop import fill_zero

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

AD_COUNTS = ("impressions", "clicks", "spend", "attributed_orders", "attributed_amount")


def estimate_margin(shop: Shop, period: Period) -> float:
    """Contribution margin before ads (贡献毛利率) of the period's paid order lines: what each
    yuan an ad brings in leaves once refunds, goods, commission, payment fee, freight, 运费险,
    packaging and return costs are paid (:func:`helpers.core.costs.contribution_margin`, with
    the shop's ``costs`` table or the documented defaults, which a note names).

    Margin = Σ contribution / Σ paid amount over lines of products with a unit cost; a
    fraction. Break-even ROI = 1 / margin and max CPC = amount per click x margin follow from
    it. Lines of products without a cost are left out (with a note). NaN with a note when
    ``products`` is missing.
    """
    import ibis

    from helpers.core.costs import contribution_margin

    if not shop.has("products"):
        note("贡献毛利率未知：没有带单位成本的 `products` 表，无法计算保本 ROI 和最高可承受点击花费",
             "contribution margin unknown: the data has no products table with unit_cost, so the break-even "
             "ROI and the highest affordable CPC cannot be computed")
        return float("nan")
    lines = paid_order_lines(shop, period)
    lines = lines.left_join(shop.table("products").select("product_id", "unit_cost"), "product_id")
    row = lines.aggregate(
        sales=lines.paid_amount.sum(),
        costed=ibis.ifelse(lines.unit_cost.isnull(), 0.0, lines.paid_amount).sum(),
    ).execute().iloc[0]
    sales, costed = fill_zero(row["sales"]), fill_zero(row["costed"])
    if costed < sales - 0.005:
        note(f"贡献毛利率：{sales - costed:,.2f} 元销售额的商品没有单位成本，未计入",
             f"contribution margin: {sales - costed:,.2f} yuan of sales are for products without a unit cost "
             "and are left out of the margin")
    return contribution_margin(shop, period)


def summarize_ads(shop: Shop, period: Period, margin: float, by: str = "plan", scale_factor: float = 1.5,
                  min_orders: int = 20, min_days: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Paid promotion per plan or channel: CTR, CPC, CPM, conversion, ROI, cost per order, verdict.

    Parameters
    ----------
    shop : connected data with ``ads``.
    period : the days analysed.
    margin : the shop's contribution margin before ads (:func:`estimate_margin`), a fraction.
    by : "plan" (channel and plan) or "channel".
    scale_factor : a plan whose ROI interval lies wholly above this multiple of the
        break-even ROI is marked to scale up.
    min_orders, min_days : below this many attributed orders, or days with rows, no verdict
        is given (not enough data).
    confidence : level of the ROI interval (:func:`helpers.areas.traffic.roi.roi_interval`).

    Returns
    -------
    Frame indexed by (channel, plan) or channel with impressions, clicks, spend (yuan),
    attributed_orders, attributed_amount (yuan), attribution_window_days (text; "7-15" when
    plans differ), ctr, cpc, cpm, click_conversion (orders / clicks), roi (ROAS in the
    window), cost_per_order, value_per_click (amount / clicks), max_cpc (value per click x
    margin), profit_after_ads (amount x margin - spend, yuan), the columns of
    :func:`guard_plans`, verdict ("cut", "optimise", "scale", "keep", "unknown" or
    "not_enough_data", see :func:`helpers.areas.traffic.findings.classify_plan`) and reason
    (a code, see :func:`helpers.areas.traffic.findings.reason_code`;
    :func:`helpers.areas.traffic.findings.describe_verdict` words it).
    """
    if by not in ("plan", "channel"):
        raise ValueError(f"by={by!r}; use plan or channel")
    a = shop.table("ads")
    a = a.filter((a.date >= period.start.date()) & (a.date <= period.end.date()))
    keys = ["channel", "plan"] if by == "plan" else ["channel"]
    frame = a.group_by(keys).aggregate(
        **{c: a[c].sum() for c in AD_COUNTS},
        window_lo=a.attribution_window_days.min(),
        window_hi=a.attribution_window_days.max(),
    ).execute()
    if frame.empty:
        raise ValueError(f"the ads table has no rows in {period.label()}; choose a period inside the ads data")
    frame = frame.set_index(keys).sort_index()
    num = frame[list(AD_COUNTS)].astype(float)
    table = num.copy()
    table["attribution_window_days"] = [str(lo) if lo == hi else f"{lo}-{hi}"
                                        for lo, hi in zip(frame["window_lo"], frame["window_hi"], strict=True)]
    table["ctr"] = metrics.ctr(num["clicks"], num["impressions"])
    table["cpc"] = metrics.cpc(num["spend"], num["clicks"])
    table["cpm"] = metrics.cpm(num["spend"], num["impressions"])
    table["click_conversion"] = metrics.conversion_rate(num["attributed_orders"], num["clicks"])
    table["roi"] = metrics.roi(num["attributed_amount"], num["spend"])
    table["cost_per_order"] = metrics.cost_per_order(num["spend"], num["attributed_orders"])
    with quiet():  # zero clicks: already noted by cpc
        table["value_per_click"] = metrics.uv_value(num["attributed_amount"], num["clicks"])
    table["max_cpc"] = metrics.max_affordable_cpc(table["value_per_click"], margin)
    table["profit_after_ads"] = num["attributed_amount"] * margin - num["spend"]
    with quiet():  # the caller notes an unknown margin once
        breakeven = metrics.breakeven_roi(margin)
    table = guard_plans(table, frame["window_lo"], frame["window_hi"], roi_mod.plan_days(shop, period, keys),
                        roi_mod.estimate_window_ratios(shop), confidence)
    found = [classify_plan(row, breakeven, scale_factor, min_orders, min_days) for _, row in table.iterrows()]
    table["verdict"] = [f.verdict for f in found]
    table["reason"] = [reason_code(f) for f in found]
    return table


def guard_plans(table: pd.DataFrame, window_lo: pd.Series, window_hi: pd.Series, days: pd.DataFrame,
                ratios: dict[tuple[int, int], float], confidence: float = 0.95) -> pd.DataFrame:
    """What a verdict needs besides the point figures: intervals, unknown revenue, commission, one window.

    - revenue_known: False for a row with attributed orders but no attributed amount (a
      conversion-only export): its ROI, interval, value per click, max CPC and profit are
      NaN (unknown), never 0.
    - roi_low, roi_high, days: the ROI interval of :func:`helpers.areas.traffic.roi.roi_interval`
      over the days with rows.
    - commission_rate = spend / attributed amount for the commission channels (淘宝客, CPS),
      which pay per sale: their CPC and max CPC are NaN (they are not bought per click).
    - roi_normalised: ROI on the shortest window of the per-click plans, with the shop's own
      window ratios (:func:`helpers.areas.traffic.roi.normalise_roi`); NaN where no ratio is
      known, the row mixes windows (its window changed within the period) or the row is a
      commission channel (judged on its commission rate, its ROI compared with no plan);
      window_reference: that window in days; confidence: the interval's level.
    """
    out = roi_mod.add_intervals(table, days, confidence)
    unknown = (out["attributed_orders"] > 0) & ~(out["attributed_amount"] > 0)
    out["revenue_known"] = ~unknown
    out.loc[unknown, ["roi", "roi_low", "roi_high", "value_per_click", "max_cpc", "profit_after_ads"]] = np.nan
    names = out.index.get_level_values("channel")
    commission = np.array([is_commission_channel(c) for c in names], dtype=bool)
    with quiet():
        out["commission_rate"] = np.where(commission, metrics.roi(out["spend"], out["attributed_amount"]), np.nan)
    out.loc[commission, ["cpc", "max_cpc"]] = np.nan
    single = pd.Series((window_lo == window_hi).to_numpy(), index=out.index)
    per_click = ~commission if (~commission).any() else np.ones(len(out), dtype=bool)
    normalised, reference = roi_mod.normalise_roi(
        out.loc[per_click, "roi"], pd.Series(window_lo.to_numpy(), index=out.index)[per_click], ratios)
    out["roi_normalised"] = normalised.reindex(out.index).where(single & ~commission)
    out["window_reference"] = reference
    out["confidence"] = confidence
    return out


def per_click_plans(table: pd.DataFrame) -> pd.DataFrame:
    """Plans billed per click: the rows of a :func:`summarize_ads` table outside the commission
    channels (:data:`helpers.areas.traffic.findings.AFFILIATE_CHANNELS`), which pay a share of sales."""
    channels = table.index.get_level_values("channel")
    return table[~np.array([is_commission_channel(c) for c in channels], dtype=bool)]


@dataclass(frozen=True)
class PerClick:
    """The per-click plans taken together: clicks, spend (yuan), attributed orders and amount (yuan)."""

    clicks: float
    spend: float
    orders: float
    amount: float

    @classmethod
    def of(cls, table: pd.DataFrame) -> PerClick:
        plans = per_click_plans(table)
        if "revenue_known" in plans:  # a plan without its revenue would count as earning nothing
            plans = plans[plans["revenue_known"]]
        return cls(float(plans["clicks"].sum()), float(plans["spend"].sum()),
                   float(plans["attributed_orders"].sum()), float(plans["attributed_amount"].sum()))

    def usable(self, margin: float) -> bool:
        """Clicks, orders and a positive margin: what a sensitivity needs."""
        return self.clicks > 0 and self.orders > 0 and pd.notna(margin) and margin > 0


def build_profit_grid(table: pd.DataFrame, margin: float,
                      multipliers: tuple[float, ...] = (0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4)) -> pd.DataFrame:
    """Sensitivity of paid gross profit to CPC and click conversion (per-click plans together).

    profit = clicks x (conversion x sales per order x margin - CPC), at the period's clicks
    and sales per attributed order, for CPC and conversion at ``multipliers`` x their
    current (pooled) values. The centre cell is the period's actual amount x margin - spend
    of those plans.

    Returns
    -------
    Frame of profit (yuan): index conversion values (fractions), columns CPC values (yuan),
    highest conversion on top. Empty when the plans have no clicks or no orders or the
    margin is unknown.
    """
    plans = PerClick.of(table)
    if plans.clicks == 0 or plans.orders == 0 or pd.isna(margin):
        return pd.DataFrame()
    cpc = float(metrics.cpc(plans.spend, plans.clicks))
    conv = float(metrics.conversion_rate(plans.orders, plans.clicks))
    per_order = float(metrics.amount_per_order(plans.amount, plans.orders))
    cpcs = np.array([cpc * m for m in multipliers])
    convs = np.array([conv * m for m in multipliers])
    profit = plans.clicks * (convs[:, None] * per_order * margin - cpcs[None, :])
    grid = pd.DataFrame(profit, index=pd.Index(convs, name="conversion"), columns=pd.Index(cpcs, name="cpc"))
    return grid.iloc[::-1]


def break_even_point(table: pd.DataFrame, margin: float) -> dict[str, float] | None:
    """Where the per-click plans break even (None without clicks, orders or a positive margin).

    Returns
    -------
    dict: cpc (spend / clicks), conversion (orders / clicks), per_order (amount / orders,
    yuan), profit (amount x margin - spend, yuan), breakeven_conversion = CPC / (sales per
    order x margin) and breakeven_cpc = conversion x sales per order x margin (the highest
    affordable CPC, yuan).
    """
    plans = PerClick.of(table)
    if not plans.usable(margin):
        return None
    cpc, conv = plans.spend / plans.clicks, plans.orders / plans.clicks
    per_order = plans.amount / plans.orders
    return {"cpc": cpc, "conversion": conv, "per_order": per_order,
            "profit": plans.amount * margin - plans.spend,
            "breakeven_conversion": cpc / (per_order * margin), "breakeven_cpc": conv * per_order * margin}


@dataclass(frozen=True)
class AdsReview:
    """Result of :func:`review_ads`."""

    margin: float  # gross margin of the period's paid lines (fraction)
    breakeven: float  # 1 / margin (NaN when the margin is unknown or <= 0)
    roi: float  # attributed amount / spend of all plans
    plans: pd.DataFrame  # summarize_ads(by="plan")
    channels: pd.DataFrame  # summarize_ads(by="channel")
    grid: pd.DataFrame  # build_profit_grid of the per-click plans


def review_ads(shop: Shop, period: Period, scale_factor: float = 1.5) -> AdsReview:
    """Paid promotion of the period: margin, break-even ROI, plans, channels and profit grid.

    See :func:`estimate_margin`, :func:`summarize_ads` and :func:`build_profit_grid`.
    """
    margin = estimate_margin(shop, period)
    breakeven = metrics.breakeven_roi(margin) if pd.notna(margin) else float("nan")
    plans = summarize_ads(shop, period, margin, "plan", scale_factor)
    with quiet():  # the plans' notes say it already
        channels = summarize_ads(shop, period, margin, "channel", scale_factor)
        roi = float(metrics.roi(plans["attributed_amount"].sum(), plans["spend"].sum()))
    return AdsReview(margin=margin, breakeven=float(breakeven), roi=roi, plans=plans, channels=channels,
                     grid=build_profit_grid(plans, margin))
