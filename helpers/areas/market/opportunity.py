"""Opportunity: every category × price band scored on demand, growth and competition.

口径
----
- Segments = category × price band (each category's quartile bands, or the edges given).
- Demand = the segment's sales over the last ``RANK_MONTHS`` full months (元); growth = its
  sales over the last ``GROWTH_MONTHS`` full months / the same months a year earlier - 1;
  competition = HHI of the segment's shops over the demand months.
- Listing-months suspected of fake orders (刷单, per category,
  :func:`helpers.areas.market.competition.flag_fake_orders`) are left out unless asked to keep them.
- :func:`helpers.core.metrics.opportunity_score` over percentile ranks among the segments
  with sales (0 = lowest, 1 = highest) of demand, growth and competition (less is better).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.market.bands import band_column, band_label, quantile_edges
from helpers.areas.market.competition import drop_fake_orders, flag_fake_orders
from helpers.areas.market.options import list_categories
from helpers.areas.market.sellers import RANK_MONTHS
from helpers.areas.market.size import GROWTH_MONTHS, listing_sales, month_end_partial
from helpers.core import metrics
from helpers.core.notes import note, quiet

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration
    from helpers.core.shop import Shop

SEGMENT_COLUMNS = ["category", "band", "demand", "growth", "hhi", "listing_months", "demand_per_listing", "own_sales",
                   "own_share"]


def segment_table(shop: Shop, cal: Calibration | None, data_end: Any, edges: dict[str, list[float]] | None = None,
                  n_bands: int = 4, fake_threshold: float = 0.5, include_fake_orders: bool = False) -> pd.DataFrame:
    """Demand, growth, competition and our standing of every category × price band.

    Parameters
    ----------
    shop : the connected data (the ``market`` table).
    cal : the index calibration (None: listings with known units only).
    data_end : the data's last day; months ending after it are partial and left out.
    edges : a category's own inner band edges (元); other categories get ``n_bands``
        quantile bands (:func:`helpers.areas.market.bands.quantile_edges`).
    fake_threshold : the fake-order flag's threshold (ln units); each category's suspect
        listing-months are left out (:func:`helpers.areas.market.competition.drop_fake_orders`,
        one note for all categories).
    include_fake_orders : keep the suspect listing-months instead.

    Returns
    -------
    DataFrame with category, band, demand (元, the last ``RANK_MONTHS`` full months), growth
    (fraction, NaN without the year-earlier months), hhi (points, of its shops over the
    demand months), listing_months, demand_per_listing (元 per listing-month), own_sales (元),
    own_share (of demand).
    """
    edges = dict(edges or {})
    frames = []
    dropped = {"listings": 0, "listing_months": 0, "sales": 0.0}
    for cat in list_categories(shop):
        s = listing_sales(shop, cal, cat)
        if not include_fake_orders:
            with quiet():  # said once below, for all categories
                s, out = drop_fake_orders(s, flag_fake_orders(s, fake_threshold))
            dropped = {k: dropped[k] + out[k] for k in dropped}
        cat_edges = edges.get(cat) or quantile_edges(s, n_bands)
        months = s.select("month").distinct().execute()["month"]
        months = pd.DatetimeIndex(pd.to_datetime(months)).sort_values()
        full = months[~month_end_partial(months.to_series(), data_end).to_numpy()]
        recent = full[-RANK_MONTHS:]
        window = full[-GROWTH_MONTHS:]
        base = window - pd.DateOffset(years=1)
        b = s.mutate(band=band_column(s, cat_edges))
        per = b.group_by(["band", "month", "shop"]).aggregate(sales=b.sales.sum(), n=b.count(),
                                                             own=b.sales.sum(where=b.is_own)).execute()
        per["month"] = pd.to_datetime(per["month"])
        for k in range(len(cat_edges) + 1):
            seg = per[per["band"] == k]
            last12 = seg[seg["month"].isin(recent)]
            by_shop = last12.groupby("shop")["sales"].sum()
            frames.append({
                "category": cat, "band": band_label(cat_edges, k), "demand": float(by_shop.sum()),
                "recent": float(seg[seg["month"].isin(window)]["sales"].sum()),
                "base": float(seg[seg["month"].isin(base)]["sales"].sum()) if base.isin(months).all() else np.nan,
                "sq": float((by_shop**2).sum()), "listing_months": int(last12["n"].sum()),
                "own_sales": float(last12["own"].fillna(0).sum())})
    if dropped["listing_months"]:
        note(f"机会评分未计入 {dropped['listings']} 个疑似刷单商品的 {dropped['listing_months']} 个商品月"
             f"（销售额 {dropped['sales']:,.0f} 元）",
             f"opportunity scores leave out {dropped['listing_months']} listing-months of {dropped['listings']} listings "
             f"suspected of fake orders ({dropped['sales']:,.0f} yuan)")
    seg = pd.DataFrame(frames)
    seg["growth"] = metrics.change(seg["recent"], seg["base"])
    seg["hhi"] = metrics.hhi(seg["sq"], seg["demand"])
    seg["demand_per_listing"] = metrics.demand_per_listing(seg["demand"], seg["listing_months"])
    seg["own_share"] = metrics.share(seg["own_sales"], seg["demand"])
    return seg[SEGMENT_COLUMNS]


def score_opportunities(segments: pd.DataFrame, weights: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> pd.DataFrame:
    """Rank segments by :func:`helpers.core.metrics.opportunity_score`.

    score = 100 × (w_d·d + w_g·g + w_c·(1 - c)) / (w_d + w_g + w_c), with d, g, c the
    percentile ranks (``rank(pct=True)``) of demand, growth and HHI among the segments with
    sales. Segments without sales in the last ``RANK_MONTHS`` full months are left out (noted).

    Returns
    -------
    The scored segments (the :func:`segment_table` columns) with opportunity_score (0-100)
    and demand_rank (1 = most demand, ties share the lowest), best first (ties by demand).
    """
    seg = segments[segments["demand"] > 0].copy()
    if len(seg) < len(segments):
        k = len(segments) - len(seg)
        note(f"{k} 个细分市场近 {RANK_MONTHS} 个完整月没有销售，未评分",
             f"{k} segments without sales in the last {RANK_MONTHS} full months are not scored")
    if seg.empty:
        return seg.assign(opportunity_score=[], demand_rank=[])
    d = seg["demand"].rank(pct=True)
    g = seg["growth"].rank(pct=True)
    c = seg["hhi"].rank(pct=True)
    seg["opportunity_score"] = metrics.opportunity_score(d, g, c, *weights)
    seg["demand_rank"] = seg["demand"].rank(ascending=False, method="min").astype(int)
    return seg.sort_values(["opportunity_score", "demand"], ascending=[False, False]).reset_index(drop=True)
