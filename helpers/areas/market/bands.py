"""Price bands (价格带): where in price the money sits and which band is under-supplied.

口径
----
- Bands are left-closed ``[edge_k, edge_k+1)`` on the listing-month's price; the edges are a
  parameter or the quantiles of listing-month prices rounded to 2 significant digits.
- Demand per listing = band sales / listing-months in the band
  (:func:`helpers.core.metrics.demand_per_listing`); the under-supplied band has the highest
  demand per listing among bands with at least ``MIN_BAND_LISTING_MONTHS`` listing-months.
- The top band has the most sales.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.core import metrics

MIN_BAND_LISTING_MONTHS = 3


def _nice(value: float) -> float:
    """A price rounded to 2 significant digits (137 -> 140, 86.4 -> 86)."""
    if value <= 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(value)))
    return float(round(value, digits))


def quantile_edges(sales, n_bands: int = 4) -> list[float]:
    """Inner band edges (元) at the price quantiles k / n_bands of the listing-months, rounded to
    2 significant digits; equal edges merge, so fewer bands may come back."""
    t = sales
    qs = [k / n_bands for k in range(1, n_bands)]
    row = t.aggregate(**{f"q{k}": t.price.quantile(q) for k, q in enumerate(qs)}).execute()
    edges = sorted({_nice(float(row[f"q{k}"].iloc[0])) for k in range(len(qs)) if pd.notna(row[f"q{k}"].iloc[0])})
    return [e for e in edges if e > 0]


def band_label(edges: list[float], k: int) -> str:
    """``<100``, ``100-150``, ``≥200`` style label of band k (left-closed); ``all`` without edges."""
    def f(x):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
    if not edges:
        return "all"
    if k == 0:
        return f"<{f(edges[0])}"
    if k == len(edges):
        return f"≥{f(edges[-1])}"
    return f"{f(edges[k - 1])}-{f(edges[k])}"


def band_column(t, edges: list[float]):
    """The band number (0 .. len(edges)) of each row's price, as an Ibis expression."""
    import ibis

    band = ibis.literal(0)
    for k, edge in enumerate(edges, start=1):
        band = ibis.ifelse(t.price >= edge, k, band)
    return band


def price_bands(sales, edges: list[float], months: list | None = None) -> pd.DataFrame:
    """Sales, units, listings, our share and demand per listing per price band.

    Parameters
    ----------
    sales : a :func:`helpers.areas.market.size.listing_sales` table (one category).
    edges : increasing inner edges (元); band k is ``[edges[k-1], edges[k])``.
    months : restrict to these months (e.g. the full ones); None for all.

    Returns
    -------
    DataFrame indexed by band label in price order: sales (元), sales_share, units, listings
    (distinct), listing_months, listing_share (of listing-months), demand_per_listing
    (元 per listing-month), own_sales (元), own_share (of the band's sales).
    """
    t = sales
    if months is not None:
        t = t.filter(t.month.isin(list(months)))
    t = t.mutate(band=band_column(t, edges))
    agg = t.group_by("band").aggregate(sales=t.sales.sum(), units=t.est_units.sum(), listings=t.listing_id.nunique(),
                                       listing_months=t.count(), own_sales=t.sales.sum(where=t.is_own)).execute()
    agg = agg.set_index("band").reindex(range(len(edges) + 1))
    agg[["sales", "units", "listings", "listing_months", "own_sales"]] = agg[
        ["sales", "units", "listings", "listing_months", "own_sales"]].fillna(0)
    out = pd.DataFrame(index=pd.Index([band_label(edges, k) for k in agg.index], name="band"))
    out["sales"] = agg["sales"].to_numpy(float)
    out["sales_share"] = metrics.share(out["sales"]).to_numpy()
    out["units"] = agg["units"].to_numpy(float)
    out["listings"] = agg["listings"].to_numpy(int)
    out["listing_months"] = agg["listing_months"].to_numpy(int)
    out["listing_share"] = metrics.share(out["listing_months"].astype(float)).to_numpy()
    out["demand_per_listing"] = metrics.demand_per_listing(out["sales"], out["listing_months"]).to_numpy()
    out["own_sales"] = agg["own_sales"].to_numpy(float)
    out["own_share"] = metrics.share(out["own_sales"], out["sales"]).to_numpy()
    return out


def top_band(bands: pd.DataFrame) -> str | None:
    """The band with the most sales (哪个价格区间最火爆); None without sales."""
    s = bands["sales"]
    return None if s.empty or not s.max() > 0 else str(s.idxmax())


def under_supplied_band(bands: pd.DataFrame) -> str | None:
    """The band with the highest demand per listing among bands with at least
    ``MIN_BAND_LISTING_MONTHS`` listing-months; None when no band has enough."""
    eligible = bands[bands["listing_months"] >= MIN_BAND_LISTING_MONTHS]["demand_per_listing"].dropna()
    return None if eligible.empty else str(eligible.idxmax())
