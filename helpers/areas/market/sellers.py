"""Concentration and rankings: CR-n and HHI per month, top shops, brands and listings, entry and exit.

Reductions run in the engine (Ibis): sales per month and seller, their ranks and the sums
CR-n and HHI need; only per-month, per-seller or per-listing rows come back to pandas.

口径
----
- **Concentration**: CR-n and HHI over sellers' (shops' unless stated) sales per month
  (:func:`helpers.core.metrics.hhi`, :func:`helpers.core.metrics.concentration_ratio`);
  sellers are ranked by sales, ties by name.
- **Rankings** are over the last ``RANK_MONTHS`` full months; ties share the lowest rank.
- **Entrants / leavers**: a listing first seen after the data's first month enters then; one
  last seen before the data's last month is gone from the month after.
- **Entrant shops**: a shop first seen after the data's first month; ranked among every shop.
- **Entrant share** of a month = sales of listings first seen in the 12 months up to it
  (and after the data's first month) / the month's sales.
"""

from __future__ import annotations

import pandas as pd

from helpers.areas.market.size import month_label
from helpers.core import metrics
from helpers.core.notes import note, quiet

RANK_MONTHS = 12  # rankings, opportunity demand: the last 12 full months
CR_LEVELS = (3, 5, 10)


def seller_months(sales, by: str = "shop"):
    """Sales (元) per month and seller (``shop`` or ``brand``; a missing brand is ""), an Ibis table."""
    t = sales
    key = t[by].fill_null("") if by == "brand" else t[by]
    return t.mutate(seller=key).group_by(["month", "seller"]).aggregate(sales=t.sales.sum())


def concentration(sales, by: str = "shop") -> pd.DataFrame:
    """CR3, CR5, CR10 and HHI of sellers' sales per month.

    CR-n = sales of the n largest sellers / market sales; HHI = 10000 × Σ sales² / (Σ sales)².

    Parameters
    ----------
    sales : a :func:`helpers.areas.market.size.listing_sales` table (one category).
    by : ``shop`` or ``brand``.

    Returns
    -------
    DataFrame indexed by month: sellers (with sales), cr3, cr5, cr10 (fractions), hhi
    (points, 0-10000). A month without sales has NaN ratios (noted); a single seller has HHI
    10000 and CR-n 100%.
    """
    import ibis

    sm = seller_months(sales, by)
    sm = sm.mutate(rank=ibis.row_number().over(group_by="month", order_by=[ibis.desc("sales"), "seller"]))
    agg = sm.group_by("month").aggregate(
        sellers=(sm.sales > 0).cast("int64").sum(), total=sm.sales.sum(), sq=(sm.sales * sm.sales).sum(),
        **{f"top{n}": sm.sales.sum(where=sm["rank"] < n) for n in CR_LEVELS}).execute()
    agg["month"] = pd.to_datetime(agg["month"])
    agg = agg.set_index("month").sort_index()
    out = pd.DataFrame(index=agg.index)
    out["sellers"] = agg["sellers"].astype(int)
    with quiet():  # said once below, naming the months
        for n in CR_LEVELS:
            out[f"cr{n}"] = metrics.concentration_ratio(agg[f"top{n}"].fillna(0), agg["total"])
        out["hhi"] = metrics.hhi(agg["sq"], agg["total"])
    empty = agg.index[~(agg["total"] != 0)]
    if len(empty):
        months = ", ".join(month_label(m) for m in empty)
        note(f"{months} 市场没有销售：这些月的 CR 和 HHI 显示为 —",
             f"the market had no sales in {months}: CR and HHI are shown as — there")
    return out


def rank_sellers(sales, by: str = "shop", months: list | None = None, top: int = 10) -> pd.DataFrame:
    """Top sellers (``shop``, ``brand`` or ``listing_id``) by sales over the given months.

    Ties share a rank (the lowest, as in "1, 2, 2, 4") and are listed by name, so the table
    is the same on every run.

    Returns
    -------
    DataFrame indexed by seller (index name ``by``): rank, sales (元), share (of all
    sellers' sales), own (ours), and for listings their shop and latest title, price, rating
    and reviews.
    """
    t = sales
    if months is not None:
        t = t.filter(t.month.isin(list(months)))
    key = t[by].fill_null("") if by == "brand" else t[by]
    t = t.mutate(seller=key)
    aggs = {"sales": t.sales.sum(), "own": t.is_own.any()}
    if by == "listing_id":
        aggs.update(shop=t.shop.arbitrary(), price=t.price.argmax(t.month), title=t.title.argmax(t.month),
                    rating=t.rating.argmax(t.month), reviews=t.reviews.argmax(t.month))
    agg = t.group_by("seller").aggregate(**aggs).execute()
    if agg.empty:
        return pd.DataFrame(columns=["rank", "sales", "share", "own"])
    agg["share"] = metrics.share(agg["sales"])
    agg["rank"] = agg["sales"].rank(method="min", ascending=False).astype(int)
    agg = agg.sort_values(["rank", "seller"]).set_index("seller")
    agg.index.name = by
    cols = ["rank", "sales", "share", "own"] + (["shop", "title", "price", "rating", "reviews"]
                                                 if by == "listing_id" else [])
    return agg[cols].head(top)


def rank_entrants(sales, months: list | None = None) -> pd.DataFrame:
    """Shops that entered during the data, with their rank among all shops over ``months``.

    A shop enters in its first month with a listing when that is after the data's first
    month (one present from the start may be older than the data). Ranks and shares are
    :func:`rank_sellers`' over every shop (ours included), so a newcomer's rank says where it
    stands in the whole market.

    Returns
    -------
    DataFrame indexed by shop: first_month, rank, sales (元), share (of all shops' sales over
    ``months``), best ranked first; empty when no shop entered.
    """
    t = sales
    first = t.group_by("shop").aggregate(first_month=t.month.min()).execute()
    first["first_month"] = pd.to_datetime(first["first_month"])
    first = first.set_index("shop")["first_month"]
    if first.empty:
        return pd.DataFrame(columns=["first_month", "rank", "sales", "share"])
    new = first[first > first.min()]
    ranked = rank_sellers(t, "shop", months, top=len(first))
    out = ranked.loc[ranked.index.intersection(new.index), ["rank", "sales", "share"]]
    out.insert(0, "first_month", new.reindex(out.index))
    return out.sort_values(["rank", "first_month"])


def listing_spans(sales) -> pd.DataFrame:
    """First and last month of every listing, with its shop, sales (元) and whether it is ours."""
    t = sales
    spans = t.group_by("listing_id").aggregate(first_month=t.month.min(), last_month=t.month.max(),
                                               shop=t.shop.arbitrary(), sales=t.sales.sum(),
                                               own=t.is_own.any()).execute()
    spans["first_month"] = pd.to_datetime(spans["first_month"])
    spans["last_month"] = pd.to_datetime(spans["last_month"])
    return spans.set_index("listing_id").sort_index()


def entry_and_exit(sales, size: pd.DataFrame) -> pd.DataFrame:
    """New and gone listings per month and the sales share of listings that entered in the last 12 months.

    A listing enters in its first month when that is after the data's first month and
    leaves after its last month when that is before the data's last month (our listings
    appear only in months they sold, so they are counted as competitors are).

    Parameters
    ----------
    sales : a :func:`helpers.areas.market.size.listing_sales` table (one category).
    size : its :func:`helpers.areas.market.size.market_size` (the months and listings).

    Returns
    -------
    DataFrame indexed by month: entrants, leavers, listings, entrant_share (sales of
    listings first seen in the 12 months up to that month / the month's sales; NaN in a
    month without sales, which market_size notes).
    """
    spans = listing_spans(sales)
    months = size.index
    first, last = months.min(), months.max()
    entrants = spans[spans["first_month"] > first].groupby("first_month").size()
    leavers = spans[spans["last_month"] < last].groupby("last_month").size()
    out = pd.DataFrame(index=months)
    out["entrants"] = entrants.reindex(months, fill_value=0).astype(int)
    # A listing last seen in month m is gone from month m+1 on.
    gone = leavers.copy()
    gone.index = gone.index + pd.DateOffset(months=1)
    out["leavers"] = gone.reindex(months, fill_value=0).astype(int)
    out["listings"] = size["listings"]
    t = sales
    recent_sales = t.group_by(["month", "listing_id"]).aggregate(sales=t.sales.sum()).execute()
    recent_sales["month"] = pd.to_datetime(recent_sales["month"])
    recent_sales = recent_sales.join(spans["first_month"], on="listing_id")
    new = ((recent_sales["first_month"] > first)
           & (recent_sales["first_month"] > recent_sales["month"] - pd.DateOffset(months=12)))
    by_month = recent_sales.assign(new_sales=recent_sales["sales"].where(new, 0)).groupby("month")[
        ["new_sales", "sales"]].sum().reindex(months)
    with quiet():  # months without sales are market_size's note
        out["entrant_share"] = metrics.share(by_month["new_sales"], by_month["sales"])
    return out


def entry_barriers(size: pd.DataFrame, conc: pd.DataFrame, entries: pd.DataFrame,
                   top_listings: pd.DataFrame) -> pd.Series:
    """How hard the category is to enter, in the last full month.

    Returns
    -------
    Series named by that month: cr5, hhi, entrant_share (see :func:`entry_and_exit`),
    entrants_12m (listings that entered in the 12 months up to it) and median_reviews (the
    median reviews of ``top_listings``, the review moat). Empty without a full month.
    """
    full = size.index[~size["partial"]]
    if not len(full):
        return pd.Series(dtype=float)
    m = full[-1]
    reviews = top_listings["reviews"].median() if "reviews" in top_listings and len(top_listings) else float("nan")
    return pd.Series({"cr5": conc.loc[m, "cr5"], "hhi": conc.loc[m, "hhi"],
                      "entrant_share": entries.loc[m, "entrant_share"],
                      "entrants_12m": int(entries["entrants"].loc[m - pd.DateOffset(months=11):m].sum()),
                      "median_reviews": reviews}, name=m, dtype=float)
