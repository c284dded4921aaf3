"""How the campaign's mechanic worked: order size, discount depth and, for a threshold (满减,
满额包邮, a platform's 满减), whether buyers topped up their baskets to reach it (凑单).

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import Campaign, Windows, baseline_days
from helpers.areas.campaigns.frames import Frames, paid_lines
from helpers.areas.campaigns.model import safe_div
from helpers.areas.campaigns.profit import effective_discount
from helpers.core import metrics
from helpers.core.notes import quiet

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
        units=lines.quantity.sum(), n_lines=lines.count(),
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


@dataclass
class Mechanics:
    """How the campaign's mechanic worked (see :func:`analyse_mechanics`)."""

    campaign: Campaign
    table: pd.DataFrame  # index metric key; columns baseline, event, change
    effective_discount: float  # campaign lines in the event
    stated_discount: float  # what the mechanic promises (NaN when it depends on the basket)
    bunching: dict[str, float] | None = None
    profile: pd.DataFrame | None = None
    histogram: pd.DataFrame | None = None  # whole-yuan order counts, baseline and event


def analyse_mechanics(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows) -> Mechanics:
    """Orders in the event against the clean pre-period: order size, discount, and for a
    threshold the bunching of order values just above it.

    Rows of ``table``: orders_per_day, amount_per_order (paid per order, yuan),
    list_per_order, units_per_order, lines_per_order, campaign_order_share and, with a
    threshold, reach_share (orders at or above it), band_share ([T, 1.3 T)) and below_share
    ([0.7 T, T)); columns baseline, event and change (relative).
    """
    pre_days = baseline_days(windows)
    event_days = (pd.date_range(windows.event.start, windows.event.end) if windows.event is not None
                  else pd.DatetimeIndex([]))
    periods = {"baseline": pre_days, "event": event_days}
    rows = pd.DataFrame(0.0, index=["orders", "value", "paid", "units", "n_lines", "tagged"],
                        columns=list(periods))
    if len(pre_days) or len(event_days):
        o = _orders_in(shop, campaign.campaign_id, {k: v for k, v in periods.items() if len(v)})
        stats = o.group_by("period").aggregate(orders=o.count(), value=o.value.sum(), paid=o.paid.sum(),
                                               units=o.units.sum(), n_lines=o.n_lines.sum(),
                                               tagged=o.tagged.sum()).execute()
        for _, r in stats.iterrows():
            rows[r["period"]] = r[rows.index].astype(float).to_numpy()
    days = {"baseline": max(len(pre_days), 1), "event": max(len(event_days), 1)}
    with quiet():  # an empty period shows as —
        table = pd.DataFrame({p: {
            "orders_per_day": rows.loc["orders", p] / days[p],
            "amount_per_order": metrics.amount_per_order(rows.loc["paid", p], rows.loc["orders", p]),
            "list_per_order": safe_div(rows.loc["value", p], rows.loc["orders", p]),
            "units_per_order": safe_div(rows.loc["units", p], rows.loc["orders", p]),
            "lines_per_order": safe_div(rows.loc["n_lines", p], rows.loc["orders", p]),
            "campaign_order_share": metrics.share(rows.loc["tagged", p], rows.loc["orders", p]),
        } for p in periods}, index=None)
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
