"""How the campaign's mechanic worked, each judged on its own purpose: for a threshold (满减,
满额包邮, a platform's 满减) the share of orders that reached it and whether buyers topped up
their baskets to reach it (凑单); for 买一送一 the paid amount and margin per order; for 限时折扣
how fast the discounted products sold and what they earned per day.

口径 used here
--------------
- Orders of the **event** days against the clean **baseline** days, by pay day; an order's
  **value** is at list prices (Σ list price x quantity), its paid amount after discounts.
- **Effective discount** (实际优惠力度) of the campaign lines in the event = 1 - paid /
  list value; the **stated** discount is what the mechanic promises (限时折扣: 1 - its
  rate; 买一送一: 50%; NaN for threshold mechanics, which depend on the basket).
- **Bunching** at a threshold T: orders in [T, 1.3 T) against [0.7 T, T) in the event,
  against the same odds on the baseline days: the odds ratio of the 2x2 table with 0.5
  added to every cell (Haldane-Anscombe), z = log(odds ratio) / its standard error
  (statsmodels ``Table2x2``). Bunching is called at z >= :data:`BUNCH_Z`; placebo lines
  around T (:func:`bunching_profile`) show whether the whole distribution moved instead.
- **Reach share** (达门槛订单占比) = orders whose value at list prices is at or above T / all
  orders of the period: the share that met the condition, whatever the orders are tagged
  with (a platform event tags every line).
- **Margin per order** (每单利润, yuan) = (paid - goods cost - platform costs) / orders, goods
  cost = quantity x ``products.unit_cost`` (a 买一送一's free unit included), platform costs
  of the cost model (:func:`helpers.core.costs.daily_costs`) of the period's days. Its
  interval and that of paid per order: Welch's, from the per-order standard deviations
  (platform costs taken as known).
- **Velocity** (动销速度) of a 限时折扣: units per day of the products the campaign's lines
  sold, in the event against the baseline days; rate ratio = event / baseline units per
  day, its interval on the log scale with the baseline's day-to-day variance standing for
  both periods' (an event of a few days has no variance of its own):
  se(log ratio) = CV_baseline x sqrt(1 / n_event + 1 / n_baseline). **Gross profit per
  day** of the same products = (paid - goods cost - platform costs at the period's rate per
  yuan paid) / days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import Campaign, Windows, baseline_days
from helpers.areas.campaigns.frames import Frames, paid_lines
from helpers.areas.campaigns.model import safe_div
from helpers.areas.campaigns.profit import effective_discount
from helpers.core import metrics
from helpers.core.notes import note, quiet

if TYPE_CHECKING:
    from helpers.core.shop import Shop

BUNCH_ABOVE_TEST = 0.30  # bunching test bands: [T, 1.3 T) above the line ...
BUNCH_BELOW_TEST = 0.30  # ... against [0.7 T, T) below it
BUNCH_Z = 4.0  # z of the bunching test from which bunching is called
HISTOGRAM_REACH = 2.5  # order values are counted up to this multiple of the threshold
STATED_DISCOUNT_BOGO = 0.5  # 买一送一: two for the price of one


def _orders_in(shop: Shop, campaign_id: str, periods: dict[str, pd.DatetimeIndex]):
    """Order-level rows (value at list prices, paid, units, lines, campaign) of the paid orders
    paid on the given days, labelled with the name of their period (an Ibis expression)."""
    import ibis

    lines = paid_lines(shop)
    all_days = sorted({d.date() for days in periods.values() for d in days})
    lines = lines.filter(lines.date.isin(all_days))
    orders = lines.group_by("order_id").aggregate(
        date=lines.date.min(), value=lines.list_value.sum(), paid=lines.paid_amount.sum(),
        cost=lines.cost.sum(), units=lines.quantity.sum(), n_lines=lines.count(),
        tagged=ibis.ifelse(lines.campaign_id == campaign_id, 1, 0).max())
    label = ibis.cases(*[(orders.date.isin([d.date() for d in days]), name)
                         for name, days in periods.items()], else_=None)
    return orders.mutate(period=label).filter(lambda t: t.period.notnull())


def order_value_histogram(shop: Shop, campaign_id: str, periods: dict[str, pd.DatetimeIndex],
                          max_value: float) -> pd.DataFrame:
    """Orders per whole yuan of order value at list prices (Σ list price x quantity), per period.

    Values at or above ``max_value`` are counted in the last row. Returns a frame indexed by
    yuan (0 .. floor(max_value)) with one column of order counts per period.
    """
    o = _orders_in(shop, campaign_id, periods)
    top = int(math.floor(max_value))
    o = o.mutate(bin=o.value.floor().clip(upper=top).cast("int64"))
    counts = o.group_by(["period", "bin"]).aggregate(n=o.count()).execute()
    hist = counts.pivot_table(index="bin", columns="period", values="n", aggfunc="sum")
    return hist.reindex(index=range(top + 1), columns=list(periods)).fillna(0.0)


def _band(hist: pd.Series, lo: float, hi: float) -> float:
    """Orders with value in [lo, hi) from a whole-yuan histogram (bin k holds [k, k + 1)).

    Bins are attributed by their lower edge: a line at 199.5 counts bin 199 below it.
    """
    idx = hist.index.to_numpy(dtype=float)
    return float(hist[(idx >= math.ceil(lo)) & (idx < hi)].sum())


def measure_bunching(hist: pd.DataFrame, threshold: float, base: str = "baseline",
                     target: str = "event") -> dict[str, float]:
    """Do orders bunch just above a threshold (凑单), against the baseline's shape?

    Formula: with a = orders in [T, 1.3 T) and b = orders in [0.7 T, T), bunching ratio =
    ((a₁ + ½) / (b₁ + ½)) / ((a₀ + ½) / (b₀ + ½)) (event ₁ against baseline ₀), z =
    log(ratio) / sqrt(Σ 1 / (count + ½)): the odds ratio of a 2x2 table and its Wald z
    (statsmodels ``Table2x2``). A 满减 or free-shipping line moves buyers from just below to
    just above it, so the ratio jumps at the line and nowhere else; a campaign that only
    makes baskets bigger moves both bands and leaves the ratio near 1. Bunching is called at
    z >= :data:`BUNCH_Z` (strict: order values cluster on price points, so a looser line
    gives false alarms).

    Returns
    -------
    dict with threshold, per period its orders and the shares above / below / reaching the
    line, ratio, z and detected (0 or 1).
    """
    from statsmodels.stats.contingency_tables import Table2x2

    lo, hi = threshold * (1 - BUNCH_BELOW_TEST), threshold * (1 + BUNCH_ABOVE_TEST)
    out: dict[str, float] = {"threshold": float(threshold)}
    counts = {}
    for name in (base, target):
        h = hist[name]
        total = float(h.sum())
        above, below = _band(h, threshold, hi), _band(h, lo, threshold)
        counts[name] = (above, below)
        out[f"{name}_orders"] = total
        out[f"{name}_above_share"] = safe_div(above, total)
        out[f"{name}_below_share"] = safe_div(below, total)
        out[f"{name}_reach_share"] = safe_div(_band(h, threshold, np.inf), total)
    table = Table2x2(np.array([counts[target], counts[base]]) + 0.5, shift_zeros=False)
    out["ratio"] = float(table.oddsratio)
    out["z"] = float(table.log_oddsratio / table.log_oddsratio_se)
    out["detected"] = float(out["z"] >= BUNCH_Z)
    return out


def bunching_profile(hist: pd.DataFrame, threshold: float,
                     multiples: tuple[float, ...] = (0.6, 0.75, 1.0, 1.33, 1.67)) -> pd.DataFrame:
    """:func:`measure_bunching` at the threshold and at placebo lines around it.

    Bunching caused by the campaign shows at its own line only; a shift of the whole
    distribution would show at the placebo lines as well.

    Returns
    -------
    Frame indexed by the line (yuan) with multiple (of the threshold), ratio, z and
    detected.
    """
    rows = {}
    for m in multiples:
        r = measure_bunching(hist, threshold * m)
        rows[round(threshold * m, 2)] = {"multiple": m, "ratio": r["ratio"], "z": r["z"],
                                         "detected": r["detected"]}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "line"
    return frame


def _welch(m1: float, s1: float, n1: float, m0: float, s0: float, n0: float,
           confidence: float) -> tuple[float, float]:
    """Welch's interval of the difference of two means m1 - m0 (standard deviations s, counts n)."""
    from scipy.stats import t as student

    if min(n1, n0) < 2 or not (np.isfinite(s1) and np.isfinite(s0)):
        return float("nan"), float("nan")
    v1, v0 = s1 ** 2 / n1, s0 ** 2 / n0
    se = math.sqrt(v1 + v0)
    if se == 0:
        return m1 - m0, m1 - m0
    dof = (v1 + v0) ** 2 / (v1 ** 2 / (n1 - 1) + v0 ** 2 / (n0 - 1))
    half = float(student.ppf((1 + confidence) / 2, dof)) * se
    return m1 - m0 - half, m1 - m0 + half


def _platform_rate(frames: Frames, days: pd.DatetimeIndex, campaign_id: str | None = None) -> float:
    """Platform costs per yuan paid on ``days`` (of one campaign's lines when given); 0 without costs."""
    c = frames.costs
    if c is None or not len(days):
        return 0.0
    c = c[c["date"].isin(days)]
    if campaign_id is not None:
        c = c[c["campaign_id"] == campaign_id]
    return safe_div(float(c["platform_costs"].sum()), float(c["paid"].sum())) if len(c) else 0.0


def measure_velocity(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                     confidence: float = 0.95) -> dict[str, float]:
    """How fast the campaign's products sold in the event against the baseline days, and what
    they earned per day (a 限时折扣 is for selling faster at an acceptable margin).

    Formula: velocity ratio = event units per day / baseline units per day of the products
    whose lines carry the campaign id in the event; interval exp(log ratio ± t x se), se =
    CV of the baseline's daily units x sqrt(1 / event days + 1 / baseline days); gross profit
    per day = (paid - goods cost - paid x platform cost rate) / days (yuan).

    Returns
    -------
    dict with products, baseline_days, event_days, baseline_units, baseline_units_per_day,
    event_units_per_day, velocity_ratio, velocity_low, velocity_high,
    baseline_profit_per_day, event_profit_per_day, baseline_margin and event_margin
    (profit / paid); NaN where there is nothing to measure.
    """
    from scipy.stats import t as student

    pre = baseline_days(windows)
    event = (pd.date_range(windows.event.start, windows.event.end) if windows.event is not None
             else pd.DatetimeIndex([]))
    out = dict.fromkeys(["products", "baseline_units", "baseline_units_per_day", "event_units_per_day",
                         "velocity_ratio", "velocity_low", "velocity_high", "baseline_profit_per_day",
                         "event_profit_per_day", "baseline_margin", "event_margin"], float("nan"))
    out.update(baseline_days=float(len(pre)), event_days=float(len(event)))
    if not len(pre) or not len(event):
        return out
    lines = paid_lines(shop)
    in_event = lines.date.isin([d.date() for d in event])
    tagged = lines.filter(in_event & (lines.campaign_id == campaign.campaign_id))
    products = tagged.select("product_id").distinct()
    mine = lines.filter(lines.date.isin([d.date() for d in (*pre, *event)])
                        & lines.product_id.isin(products.product_id))
    daily = mine.group_by("date").aggregate(units=mine.quantity.sum(), paid=mine.paid_amount.sum(),
                                            cost=mine.cost.sum()).execute()
    out["products"] = float(products.count().execute())
    daily["date"] = pd.to_datetime(daily["date"])
    daily = daily.set_index("date").reindex(pre.append(event)).fillna(0.0)
    base, ev = daily.loc[pre], daily.loc[event]
    rates = {"baseline": _platform_rate(frames, pre), "event": _platform_rate(frames, event, campaign.campaign_id)}
    for name, part, n in (("baseline", base, len(pre)), ("event", ev, len(event))):
        profit = float(part["paid"].sum() - part["cost"].sum() - part["paid"].sum() * rates[name])
        out[f"{name}_units_per_day"] = float(part["units"].sum()) / n
        out[f"{name}_profit_per_day"] = profit / n
        out[f"{name}_margin"] = safe_div(profit, float(part["paid"].sum()))
    out["baseline_units"] = float(base["units"].sum())
    ratio = safe_div(out["event_units_per_day"], out["baseline_units_per_day"])
    out["velocity_ratio"] = ratio
    if ratio > 0 and len(pre) > 1:
        cv = float(base["units"].std(ddof=1)) / out["baseline_units_per_day"]
        half = float(student.ppf((1 + confidence) / 2, len(pre) - 1)) * cv * math.sqrt(1 / len(event) + 1 / len(pre))
        out["velocity_low"], out["velocity_high"] = ratio * math.exp(-half), ratio * math.exp(half)
    return out


@dataclass
class Mechanics:
    """How the campaign's mechanic worked (see :func:`analyse_mechanics`).

    ``orders`` holds, per period (baseline, event), the counts and spreads behind the
    table's per-order figures: orders, paid_sd and margin_sd (yuan per order);
    ``per_order`` the event-minus-baseline differences of paid_per_order and
    margin_per_order with their Welch intervals (``<metric>_diff``, ``_low``, ``_high``).
    """

    campaign: Campaign
    table: pd.DataFrame  # index metric key; columns baseline, event, change
    effective_discount: float  # campaign lines in the event
    stated_discount: float  # what the mechanic promises (NaN when it depends on the basket)
    bunching: dict[str, float] | None = None
    profile: pd.DataFrame | None = None
    histogram: pd.DataFrame | None = None  # whole-yuan order counts, baseline and event
    orders: dict[str, dict[str, float]] = field(default_factory=dict)
    per_order: dict[str, float] = field(default_factory=dict)
    velocity: dict[str, float] | None = None  # 限时折扣 (measure_velocity)


def analyse_mechanics(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                      confidence: float = 0.95) -> Mechanics:
    """Orders in the event against the clean pre-period: order size, paid amount and margin per
    order, the discount, for a threshold the share of orders that reached it and the
    bunching of order values just above it, for a 限时折扣 the products' velocity.

    Rows of ``table``: orders_per_day, amount_per_order (paid per order, yuan),
    margin_per_order (yuan; NaN when a line has no unit cost), list_per_order,
    units_per_order, lines_per_order, campaign_order_share (orders carrying the campaign id)
    and, with a threshold, reach_share (orders at or above it: those that met the
    condition), band_share ([T, 1.3 T)) and below_share ([0.7 T, T)); columns baseline,
    event and change (relative).
    """
    pre_days = baseline_days(windows)
    event_days = (pd.date_range(windows.event.start, windows.event.end) if windows.event is not None
                  else pd.DatetimeIndex([]))
    periods = {"baseline": pre_days, "event": event_days}
    keys = ["orders", "value", "paid", "cost", "uncosted", "units", "n_lines", "tagged", "paid_sd", "margin_sd"]
    rows = pd.DataFrame(np.nan, index=keys, columns=list(periods))
    rows.loc[["orders", "value", "paid", "cost", "uncosted", "units", "n_lines", "tagged"]] = 0.0
    if len(pre_days) or len(event_days):
        o = _orders_in(shop, campaign.campaign_id, {k: v for k, v in periods.items() if len(v)})
        margin = o.paid - o.cost.fill_null(0.0)
        stats = o.group_by("period").aggregate(orders=o.count(), value=o.value.sum(), paid=o.paid.sum(),
                                               cost=o.cost.sum(), uncosted=o.cost.isnull().sum(),
                                               units=o.units.sum(), n_lines=o.n_lines.sum(),
                                               tagged=o.tagged.sum(), paid_sd=o.paid.std(),
                                               margin_sd=margin.std()).execute()
        for _, r in stats.iterrows():
            rows[r["period"]] = r[rows.index].astype(float).to_numpy()
    days = {"baseline": max(len(pre_days), 1), "event": max(len(event_days), 1)}
    fees = {p: _platform_rate(frames, d) * rows.loc["paid", p] for p, d in periods.items()}
    with quiet():  # an empty period shows as —
        table = pd.DataFrame({p: {
            "orders_per_day": rows.loc["orders", p] / days[p],
            "amount_per_order": metrics.amount_per_order(rows.loc["paid", p], rows.loc["orders", p]),
            "margin_per_order": (safe_div(rows.loc["paid", p] - rows.loc["cost", p] - fees[p], rows.loc["orders", p])
                                 if rows.loc["uncosted", p] == 0 else float("nan")),
            "list_per_order": safe_div(rows.loc["value", p], rows.loc["orders", p]),
            "units_per_order": safe_div(rows.loc["units", p], rows.loc["orders", p]),
            "lines_per_order": safe_div(rows.loc["n_lines", p], rows.loc["orders", p]),
            "campaign_order_share": metrics.share(rows.loc["tagged", p], rows.loc["orders", p]),
        } for p in periods}, index=None)
    if (rows.loc["uncosted"] > 0).any():
        note(f"活动 {campaign.campaign_id} 的每单利润：部分订单的商品没有成本（products.unit_cost）→ —",
             f"margin per order of {campaign.campaign_id}: some orders' products have no unit cost "
             "(products.unit_cost) -> NaN")
    cd = frames.campaign_daily
    lines = cd[(cd["campaign_id"] == campaign.campaign_id)]
    if windows.event is not None:
        lines = lines[(lines["date"] >= windows.event.start) & (lines["date"] <= windows.event.end)]
    eff = (effective_discount(float(lines["paid"].sum()), float(lines["list_value"].sum()))
           if len(lines) else float("nan"))
    stated = {"time_discount": 1 - campaign.discount_rate,
              "bogo": STATED_DISCOUNT_BOGO}.get(campaign.mechanic, np.nan)
    result = Mechanics(campaign=campaign, table=table, effective_discount=eff,
                       stated_discount=float(stated) if pd.notna(stated) else float("nan"))
    result.orders = {p: {"orders": float(rows.loc["orders", p]), "paid_sd": float(rows.loc["paid_sd", p]),
                         "margin_sd": float(rows.loc["margin_sd", p])} for p in periods}
    n1, n0 = rows.loc["orders", "event"], rows.loc["orders", "baseline"]
    for metric, sd in (("amount_per_order", "paid_sd"), ("margin_per_order", "margin_sd")):
        m1, m0 = table.loc[metric, "event"], table.loc[metric, "baseline"]
        lo, hi = _welch(m1, rows.loc[sd, "event"], n1, m0, rows.loc[sd, "baseline"], n0, confidence)
        result.per_order.update({f"{metric}_diff": m1 - m0, f"{metric}_low": lo, f"{metric}_high": hi})
    if campaign.mechanic == "time_discount":
        result.velocity = measure_velocity(shop, frames, campaign, windows, confidence)
    if pd.notna(campaign.threshold) and campaign.threshold > 0 and len(event_days) and len(pre_days):
        hist = order_value_histogram(shop, campaign.campaign_id, periods, HISTOGRAM_REACH * campaign.threshold)
        result.histogram = hist
        result.bunching = measure_bunching(hist, campaign.threshold)
        result.profile = bunching_profile(hist, campaign.threshold)
        for p in periods:
            table.loc["reach_share", p] = result.bunching[f"{p}_reach_share"]
            table.loc["band_share", p] = result.bunching[f"{p}_above_share"]
            table.loc["below_share", p] = result.bunching[f"{p}_below_share"]
    with quiet():
        table["change"] = metrics.change(table["event"], table["baseline"])
    return result
