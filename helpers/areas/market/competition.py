"""Competition: which competitors to track, their monthly trends, their price and title changes, fake-order flags.

口径
----
- **Tracked competitors**: the shops or listing ids given, else the top shops by sales (not
  ours) over the ranking months.
- **Trends**: price = the sales-weighted average price of a competitor's listings (the
  simple mean where sales are 0); rating = the mean of its listings; reviews = the sum of its
  listings' cumulative reviews. Gone = not seen in the last month.
- **Changes**: month-on-month price changes of at least ``price_change_threshold``
  (|new / old - 1|) and any change of title, per competitor listing.
- **Fake orders (刷单)**: within a category, ln(trade index) is regressed on ln(traffic
  index) and ln(price) over competitors' listing-months (OLS, ``numpy.linalg.lstsq``): sales
  follow visitors and price. A listing whose residual steps up by at least ``threshold``
  (ln units, 0.5 = trade index 65% above what its traffic implies) and stays up, or sits that
  far above the median listing from its first month, is flagged. Its months from the step on
  (every month when its level flags it) are left out of market size, shares and rankings by
  default (:func:`drop_fake_orders`).

The step is written out: it is placed where a split of the listing's months explains most
(the mean shift weighted by both sides' sizes, sqrt(k(n-k)/n)·(mean after - mean before),
the classic single change-point statistic) and measured with medians, which one odd month
cannot move. No library in the environment gives this pair (placement by the weighted mean
shift, size by medians) over a few dozen months.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np
import pandas as pd

from helpers.areas.market.sellers import rank_sellers
from helpers.areas.market.size import month_label
from helpers.core import metrics
from helpers.core.notes import note

MIN_SIDE_MONTHS = 2  # months on each side of a fake-order step
TREND_COLUMNS = ["competitor", "month", "sales", "price", "rating", "reviews", "listings", "estimated"]


def resolve_competitors(sales, names: list[str], top_n: int = 5, months: list | None = None) -> list[str]:
    """Competitor shops or listing ids to track: as given (checked) or the ``top_n`` shops by sales (not ours).

    Raises
    ------
    ValueError
        naming the unknown items and the closest known shop names.
    """
    t = sales
    shops = set(t.filter(~t.is_own).select("shop").distinct().execute()["shop"])
    if names:
        listings = set(t.filter(~t.is_own).select("listing_id").distinct().execute()["listing_id"])
        unknown = [n for n in names if n not in shops and n not in listings]
        if unknown:
            hints = {n: difflib.get_close_matches(n, sorted(shops), n=2, cutoff=0.4) for n in unknown}
            detail = "; ".join(f"{n!r}" + (f" (did you mean {', '.join(h)}?)" if h else "") for n, h in hints.items())
            raise ValueError(f"competitors not found among the category's other shops or listing ids: {detail}")
        return list(dict.fromkeys(names))
    ranked = rank_sellers(t.filter(~t.is_own), "shop", months, top=top_n)
    return list(ranked.index)


def competitor_trends(sales, competitors: list[str]) -> pd.DataFrame:
    """Monthly price, sales, rating and reviews of each competitor (a shop or a listing id).

    Price = Σ price × sales / Σ sales over its listings (the simple mean where sales are 0);
    rating is the mean of its listings; reviews the sum of its listings' cumulative reviews.
    A competitor appears only in the months it had listings.

    Returns
    -------
    DataFrame with columns competitor, month, sales (元), price (元), rating, reviews,
    listings, estimated (some of its sales come from the index).
    """
    t = sales
    if not competitors:
        return pd.DataFrame(columns=TREND_COLUMNS)
    t = t.filter(~t.is_own & (t.shop.isin(competitors) | t.listing_id.isin(competitors)))
    rows = t.select("month", "shop", "listing_id", "sales", "price", "rating", "reviews", "estimated").execute()
    frames = []
    for comp in competitors:
        sub = rows[(rows["shop"] == comp) | (rows["listing_id"] == comp)]
        if sub.empty:
            continue
        g = sub.assign(pv=sub["price"] * sub["sales"]).groupby("month")
        agg = g.agg(sales=("sales", "sum"), pv=("pv", "sum"), mean_price=("price", "mean"), rating=("rating", "mean"),
                    reviews=("reviews", "sum"), listings=("listing_id", "nunique"), estimated=("estimated", "any"))
        agg["price"] = np.where(agg["sales"] > 0, agg["pv"] / agg["sales"].where(agg["sales"] > 0), agg["mean_price"])
        frames.append(agg.drop(columns=["pv", "mean_price"]).reset_index().assign(competitor=comp))
    if not frames:
        return pd.DataFrame(columns=TREND_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["month"] = pd.to_datetime(out["month"])
    return out[TREND_COLUMNS]


def competitor_status(trends: pd.DataFrame, last_month: Any) -> pd.DataFrame:
    """Per competitor: first and last month seen, latest price, rating and reviews, and gone
    (not seen in ``last_month``; each one gone is noted)."""
    if trends.empty:
        return pd.DataFrame(columns=["first_month", "last_month", "price", "rating", "reviews", "gone"])
    last = trends.sort_values("month").groupby("competitor").tail(1).set_index("competitor")
    first = trends.groupby("competitor")["month"].min()
    out = pd.DataFrame({"first_month": first, "last_month": last["month"], "price": last["price"],
                        "rating": last["rating"], "reviews": last["reviews"]})
    out["gone"] = out["last_month"] < pd.Timestamp(last_month)
    for comp in out.index[out["gone"]]:
        seen = month_label(out.loc[comp, "last_month"])
        note(f"竞争对手 {comp} 在 {seen} 之后没有在售商品：已退出该类目或停止销售",
             f"competitor {comp} has no listing after {seen}: it left the category or stopped selling")
    return out


def title_change(old: str, new: str) -> str:
    """What changed in a title: ``+限时直降 -旧词`` (words when titles have spaces, else characters)."""
    old, new = str(old), str(new)
    words = " " in old or " " in new
    a, b = (old.split(), new.split()) if words else (list(old), list(new))
    join = " " if words else ""
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            parts.append("-" + join.join(a[i1:i2]))
        if op in ("insert", "replace"):
            parts.append("+" + join.join(b[j1:j2]))
    return " ".join(parts)


def detect_changes(sales, threshold: float = 0.05) -> pd.DataFrame:
    """Competitor price and title changes, month on month per listing (看到竞争对手改了价格、动了标题).

    A price change counts when |new / old - 1| >= ``threshold``; any title edit counts.

    Returns
    -------
    DataFrame with month, shop, listing_id, old_price, new_price (元), price_change
    (new / old - 1; 0 when below the threshold), old_title, new_title, title_change (words
    added/removed); newest first.
    """
    import ibis

    t = sales.filter(~sales.is_own)
    w = ibis.window(group_by="listing_id", order_by="month")
    t = t.mutate(old_price=t.price.lag().over(w), old_title=t.title.lag().over(w))
    moved = t.filter(t.old_price.notnull() & (((t.price / t.old_price - 1).abs() >= threshold)
                                               | (t.title != t.old_title)))
    rows = moved.select("month", "shop", "listing_id", "old_price", new_price=moved.price,
                        old_title=moved.old_title, new_title=moved.title).execute()
    rows["month"] = pd.to_datetime(rows["month"])
    rows["price_change"] = metrics.change(rows["new_price"], rows["old_price"])
    rows.loc[(rows["price_change"].abs() < threshold), ["price_change"]] = 0.0
    rows["title_change"] = [title_change(o, n) if o != n else "" for o, n in zip(rows["old_title"], rows["new_title"],
                                                                                  strict=True)]
    cols = ["month", "shop", "listing_id", "old_price", "new_price", "price_change", "old_title", "new_title",
            "title_change"]
    return rows.sort_values(["month", "shop", "listing_id"], ascending=[False, True, True])[cols].reset_index(drop=True)


def flag_fake_orders(sales, threshold: float = 0.5) -> pd.DataFrame:
    """Listings whose trade index is high for their traffic index (a sign of fake orders, 刷单).

    Within the category, ln(trade index) = a + b·ln(traffic index) + c·ln(price) + r is
    fitted over competitors' listing-months (OLS); a listing's residual r is how much more it
    "sells" than its traffic and price explain. Per listing: ``step`` = the rise of the
    median residual after a month over the median before it, at the split that maximises
    sqrt(k(n-k)/n)·(mean after - mean before) (at least ``MIN_SIDE_MONTHS`` months each
    side), and ``level`` = its median residual minus the median listing's. Flagged when
    either reaches ``threshold`` (ln units).

    Returns
    -------
    DataFrame indexed by listing_id: shop, title, step, from_month (where the step starts;
    NaT when only the level flags it), level, months, flagged; flagged listings first, then
    by the larger of step and level. Fewer than 4 usable listing-months skip the check
    (noted).
    """
    t = sales.filter(~sales.is_own & sales.trade_index.notnull() & sales.traffic_index.notnull()
                     & (sales.trade_index > 0) & (sales.traffic_index > 0) & (sales.price > 0))
    rows = t.select("listing_id", "shop", "title", "month", "trade_index", "traffic_index", "price").execute()
    cols = ["shop", "title", "step", "from_month", "level", "months", "flagged"]
    if len(rows) < 4:
        note(f"只有 {len(rows)} 个竞品商品月同时有交易指数和流量指数：跳过刷单检查",
             f"only {len(rows)} competitor listing-months have both indices: fake-order check skipped")
        return pd.DataFrame(columns=cols)
    rows = rows.sort_values(["listing_id", "month"])
    X = np.column_stack([np.ones(len(rows)), np.log(rows["traffic_index"]), np.log(rows["price"])])
    y = np.log(rows["trade_index"].to_numpy(float))
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    rows["resid"] = y - X @ coef
    out = []
    for lid, g in rows.groupby("listing_id", sort=True):
        r = g["resid"].to_numpy()
        n = len(r)
        best, at, score = float("nan"), None, -np.inf
        for k in range(MIN_SIDE_MONTHS, n - MIN_SIDE_MONTHS + 1):
            stat = math.sqrt(k * (n - k) / n) * float(r[k:].mean() - r[:k].mean())
            if stat > score:
                score, at = stat, g["month"].iloc[k]
                best = float(np.median(r[k:]) - np.median(r[:k]))
        out.append({"listing_id": lid, "shop": g["shop"].iloc[-1], "title": g["title"].iloc[-1],
                    "step": best, "from_month": at, "median": float(np.median(r)), "months": len(r)})
    res = pd.DataFrame(out).set_index("listing_id")
    res["level"] = res["median"] - res["median"].median()
    res["from_month"] = pd.to_datetime(res["from_month"])
    res["flagged"] = (res["step"] >= threshold) | (res["level"] >= threshold)
    res.loc[~(res["step"] >= threshold) & res["flagged"], "from_month"] = pd.NaT
    res["order"] = res[["step", "level"]].max(axis=1)
    return res.sort_values(["flagged", "order"], ascending=[False, False])[cols]


def drop_fake_orders(sales, flags: pd.DataFrame, include: bool = False) -> tuple[Any, dict[str, Any]]:
    """Take the listing-months suspected of fake orders (刷单) out of a listing sales table.

    A listing flagged by :func:`flag_fake_orders` is suspect from the month its step starts
    (``from_month``) on, or in every month when its level alone flags it: its sales before a
    step are left in. Market size, shares, concentration and rankings computed on the table
    returned then leave the inflated sales out.

    Parameters
    ----------
    sales : a :func:`helpers.areas.market.size.listing_sales` table.
    flags : its :func:`flag_fake_orders` table.
    include : keep the suspect rows (the table comes back unchanged); the summary still counts them.
        Rows left out are noted.

    Returns
    -------
    The table (an Ibis table) and a summary dict: included (``include``), listings (suspect
    listings), listing_months, sales (元, theirs) and share (their sales / all sales of the
    table, NaN when it has none).
    """
    import ibis

    flagged = flags[flags["flagged"]] if len(flags) else flags
    t = sales
    suspect = ibis.ifelse(t.listing_id.isnull(), False, False)  # a column, so that it sums like one
    for lid, start in zip(flagged.index, flagged["from_month"], strict=True):
        rows = t.listing_id == lid
        suspect = suspect | (rows & (t.month >= pd.Timestamp(start).date()) if pd.notna(start) else rows)
    agg = t.aggregate(total=t.sales.sum(), n=suspect.cast("int64").sum(),
                      out=t.sales.sum(where=suspect)).execute().iloc[0]
    total, out = float(agg["total"] or 0.0), float(agg["out"] or 0.0)
    summary = {"included": include, "listings": len(flagged), "listing_months": int(agg["n"] or 0), "sales": out,
               "share": out / total if total else float("nan")}
    if summary["listing_months"] and not include:
        note(f"{summary['listings']} 个疑似刷单商品的 {summary['listing_months']} 个商品月（销售额 {out:,.0f} 元）"
             "未计入市场规模、份额和排行",
             f"{summary['listing_months']} listing-months of {summary['listings']} listings suspected of fake orders "
             f"({out:,.0f} yuan) are left out of market size, shares and rankings")
    return (t if include else t.filter(~suspect)), summary
