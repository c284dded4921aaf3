"""Stock and sell-through (进销存): stock history, 动销率, weeks of cover, dead and slow stock,
past stock-outs and the sales they lost.

Stock history: the latest ``inventory`` count of each product is the anchor; every earlier
day's closing stock follows from the flow identity

    stock(d - 1) = stock(d) - received(d) + sold(d)

with ``received`` from ``receipts`` (by the day received) and ``sold`` the paid units of the
day (:func:`daily_sales`). A day is out of stock when nothing was available on it: the
previous day's closing stock plus the day's receipts is 0.

Lost sales of a stock-out (断货损失): the product's daily demand is estimated from the
``reference_days`` before and after the spell (days in stock), scaled by the shop's own
sales in the spell against those reference days (season, campaigns), times the spell's days.
The interval is the exact Poisson (Garwood) interval of the reference units, scaled the same
way: it bounds the expected demand lost, not a single draw of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from helpers.core.lines import paid_order_lines

if TYPE_CHECKING:
    from helpers.core.shop import Shop


def daily_sales(shop: Shop) -> pd.DataFrame:
    """Paid units and amount per (day, product), reduced in the engine.

    Returns
    -------
    DataFrame with date (Timestamp, the pay day), product_id, units (件) and sales (元).
    """
    lines = paid_order_lines(shop)
    out = (lines.mutate(date=lines.pay_time.date())
           .group_by(["date", "product_id"])
           .aggregate(units=lines.quantity.sum(), sales=lines.paid_amount.sum())
           .execute())
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["date", "product_id"]).reset_index(drop=True)


def stock_counts(shop: Shop) -> pd.DataFrame:
    """Every ``inventory`` count of the shop: date, product_id, stock (件), by date and product.

    stock = the sum over warehouses of the day's counts (one warehouse: its count), so the
    warehouses are to be counted on the same days."""
    inv = shop.table("inventory")
    out = inv.group_by(["date", "product_id"]).aggregate(stock=inv.stock.sum()).execute()
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["date", "product_id"]).reset_index(drop=True)


def warehouse_counts(shop: Shop) -> pd.DataFrame:
    """Every ``inventory`` count per warehouse: date, warehouse, product_id, stock (件)."""
    out = shop.table("inventory").select("date", "warehouse", "product_id", "stock").execute()
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["date", "warehouse", "product_id"]).reset_index(drop=True)


def summarize_warehouses(daily: pd.DataFrame, counts: pd.DataFrame, window_days: int = 30) -> pd.DataFrame:
    """On-hand, weeks of cover and stock-outs per (warehouse, product) from the warehouses' counts.

    Sales carry no warehouse, so cover is the weeks a warehouse's stock would last at the
    product's shop-wide pace: weeks_cover = stock / (units in the ``window_days`` up to the last
    count / window_days x 7) (0 without stock, inf when nothing sold). A warehouse is out of a
    product on a count of 0 after a count above 0 there (never stocked there: not a stock-out);
    the shop is out only when every warehouse is (:func:`out_of_stock_days` on the sum).

    Returns
    -------
    One row per (warehouse, product) (MultiIndex warehouse, product_id): stock (latest count,
    件), weeks_cover, out_counts (counts at 0 after stock), out_now (the latest of them is one).
    """
    c = counts.sort_values(["warehouse", "product_id", "date"])
    g = c.groupby(["warehouse", "product_id"])
    c = c.assign(out=c["stock"].eq(0) & g["stock"].cummax().gt(0))
    out = g.agg(stock=("stock", "last"))
    out["out_counts"] = c.groupby(["warehouse", "product_id"])["out"].sum().astype(int)
    out["out_now"] = c.groupby(["warehouse", "product_id"])["out"].last()
    recent = daily[daily["date"] > counts["date"].max() - pd.Timedelta(days=window_days)]
    rate = recent.groupby("product_id")["units"].sum().reindex(out.index.get_level_values("product_id")).fillna(0.0)
    rate = rate.to_numpy() / window_days * 7
    out["weeks_cover"] = np.where(out["stock"] == 0, 0.0,
                                  np.where(rate > 0, out["stock"] / np.where(rate > 0, rate, 1.0), np.inf))
    return out[["stock", "weeks_cover", "out_counts", "out_now"]]


def latest_stock(shop: Shop) -> pd.DataFrame:
    """Each product's latest count: product_id, date, stock (件)."""
    counts = stock_counts(shop)
    return counts.groupby("product_id", as_index=False).last()[["product_id", "date", "stock"]]


def history_source(counts: pd.DataFrame) -> str:
    """Which stock history the counts give: "snapshots" when some product was counted on several
    days (each day anchored on the next count), "latest_count" when each has one count."""
    return "snapshots" if counts.groupby("product_id")["date"].nunique().max() > 1 else "latest_count"


def receipts_frame(shop: Shop) -> pd.DataFrame | None:
    """The ``receipts`` table with dates as Timestamps and lead_days (received - ordered), or None."""
    if not shop.has("receipts"):
        return None
    r = shop.table("receipts").execute()
    r["ordered"] = pd.to_datetime(r["ordered"])
    r["received"] = pd.to_datetime(r["received"])
    r["lead_days"] = (r["received"] - r["ordered"]).dt.days
    return r


def _flow(daily: pd.DataFrame, receipts: pd.DataFrame | None, days: pd.DatetimeIndex, ids: list) -> pd.DataFrame:
    """flow(d) = sum over (d, last day] of (received - sold), per product (件)."""
    sold = daily.pivot_table(index="date", columns="product_id", values="units", aggfunc="sum").reindex(days)
    sold = sold.reindex(columns=ids).fillna(0.0)
    got = pd.DataFrame(0.0, index=days, columns=ids)
    if receipts is not None:
        done = receipts[receipts["received"].notna() & receipts["product_id"].isin(ids)]
        got = (done.pivot_table(index="received", columns="product_id", values="quantity", aggfunc="sum")
               .reindex(index=days, columns=ids).fillna(0.0))
    return (got - sold).iloc[::-1].cumsum().iloc[::-1].shift(-1).fillna(0.0)


def stock_history(daily: pd.DataFrame, counts: pd.DataFrame, receipts: pd.DataFrame | None) -> pd.DataFrame:
    """Closing stock per product and day, from the counts back to the first day of sales.

    With one count per product every earlier day follows from it; with dated counts
    (snapshots) each day follows from the next count on or after it, so a count error or a
    loss the flows do not show (shrinkage) stays between two counts instead of shifting all
    history (:func:`count_gaps` measures it).

    Returns
    -------
    Wide DataFrame: index = days, columns = product ids, values = closing stock (件); a
    product's days after its last count are left out (NaN). Negative values mean the tables
    disagree (a sale not covered by stock or receipts) and are kept for the caller to flag.
    """
    days = pd.date_range(min(daily["date"].min(), counts["date"].min()), counts["date"].max(), freq="D")
    ids = list(dict.fromkeys(counts["product_id"]))
    # closing stock(d) = the next count - sum over (d, count day] of (received - sold)
    flow = _flow(daily, receipts, days, ids)
    history = pd.DataFrame(np.nan, index=days, columns=ids)
    for pid, own in counts.sort_values("date").groupby("product_id"):
        dates = own["date"].to_numpy()
        nxt = np.searchsorted(dates, days.to_numpy(), side="left")  # the next count on or after each day
        known = nxt < len(dates)
        at_count = flow[pid].reindex(pd.DatetimeIndex(dates[nxt[known]])).to_numpy()
        history.loc[known, pid] = own["stock"].to_numpy()[nxt[known]] - (flow[pid].to_numpy()[known] - at_count)
    return history


def count_gaps(daily: pd.DataFrame, counts: pd.DataFrame, receipts: pd.DataFrame | None) -> pd.DataFrame:
    """Each count against what the next count, the receipts and the sales say it should be.

    implied(s_k) = count(s_k+1) + sold in (s_k, s_k+1] - received in (s_k, s_k+1]; gap =
    count - implied (件): positive = units that left without a sale (shrinkage, damage,
    returns to the supplier), negative = units that arrived without a receipt.

    Returns
    -------
    One row per count that has a later one: product_id, date, counted, implied, gap.
    """
    pairs = counts.sort_values(["product_id", "date"]).assign(
        next_date=lambda f: f.groupby("product_id")["date"].shift(-1),
        next_stock=lambda f: f.groupby("product_id")["stock"].shift(-1)).dropna(subset=["next_date"])
    cols = ["product_id", "date", "counted", "implied", "gap"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    days = pd.date_range(min(daily["date"].min(), counts["date"].min()), counts["date"].max(), freq="D")
    ids = list(dict.fromkeys(pairs["product_id"]))
    flow = _flow(daily, receipts, days, ids).stack()
    here = flow.reindex(pd.MultiIndex.from_arrays([pairs["date"], pairs["product_id"]])).to_numpy()
    there = flow.reindex(pd.MultiIndex.from_arrays([pairs["next_date"], pairs["product_id"]])).to_numpy()
    out = pairs[["product_id", "date"]].assign(counted=pairs["stock"].to_numpy(),
                                               implied=pairs["next_stock"].to_numpy() - (here - there))
    out["gap"] = out["counted"] - out["implied"]
    return out[cols].reset_index(drop=True)


def out_of_stock_days(history: pd.DataFrame, receipts: pd.DataFrame | None) -> pd.DataFrame:
    """True where nothing was available on the day: previous closing stock + receipts of the day is 0."""
    got = pd.DataFrame(0.0, index=history.index, columns=history.columns)
    if receipts is not None:
        done = receipts[receipts["received"].notna()]
        got = (done.pivot_table(index="received", columns="product_id", values="quantity", aggfunc="sum")
               .reindex(index=history.index, columns=history.columns).fillna(0.0))
    available = history.shift(1) + got
    # before a product's first stock it was not yet listed: not a stock-out
    listed = (history.shift(1).fillna(0) + got > 0).cummax()
    return (available <= 0) & history.notna() & history.shift(1).notna() & listed


def find_stockouts(out: pd.DataFrame, min_days: int = 3) -> pd.DataFrame:
    """Spells of at least ``min_days`` consecutive out-of-stock days: product_id, first, last, days."""
    rows = []
    for pid in out.columns:
        flags = out[pid].to_numpy()
        day = 0
        while day < len(flags):
            if flags[day]:
                end = day
                while end + 1 < len(flags) and flags[end + 1]:
                    end += 1
                if end - day + 1 >= min_days:
                    rows.append({"product_id": pid, "first": out.index[day], "last": out.index[end],
                                 "days": end - day + 1})
                day = end + 1
            else:
                day += 1
    return pd.DataFrame(rows, columns=["product_id", "first", "last", "days"])


def estimate_lost_sales(spells: pd.DataFrame, daily: pd.DataFrame, out: pd.DataFrame, abnormal: pd.Series,
                        reference_days: int = 42, confidence: float = 0.9) -> pd.DataFrame:
    """Units and sales each stock-out lost, with an interval (see the module docstring).

    Formula: lost = r x f x days, with r = reference units / reference days in stock (days
    before and after the spell), f = the other products' units per day in the spell / in those
    reference days. Interval: Garwood's exact Poisson interval of the reference units, times f x days /
    reference days. Lost sales (元) = lost units x the product's average paid price on the
    reference days.

    Returns
    -------
    The spells with reference_units, reference_days, shop_factor, lost_units, lost_low,
    lost_high, lost_sales (元); empty spells give an empty frame with these columns.
    """
    cols = ["reference_units", "reference_days", "shop_factor", "lost_units", "lost_low", "lost_high", "lost_sales"]
    if spells.empty:
        return spells.reindex(columns=[*spells.columns, *cols])
    units = daily.pivot_table(index="date", columns="product_id", values="units", aggfunc="sum")
    units = units.reindex(out.index).fillna(0.0)
    sales = daily.pivot_table(index="date", columns="product_id", values="sales", aggfunc="sum")
    sales = sales.reindex(out.index).fillna(0.0)
    shop = units.sum(axis=1)
    alpha = 1 - confidence
    rows = []
    for spell in spells.itertuples(index=False):
        pid = spell.product_id
        span = (out.index >= spell.first) & (out.index <= spell.last)
        near = ((out.index >= spell.first - pd.Timedelta(days=reference_days))
                & (out.index <= spell.last + pd.Timedelta(days=reference_days)) & ~span)
        ref = near & ~out[pid].to_numpy() & (abnormal.reindex(out.index).fillna("") == "").to_numpy()
        n_ref = int(ref.sum())
        others = shop - units[pid]  # the product's own missing sales must not lower the shop's pace
        k = float(units.loc[ref, pid].sum())
        shop_ref = float(others[ref].mean()) if n_ref else np.nan
        factor = float(others[span].mean()) / shop_ref if shop_ref and shop_ref > 0 else np.nan
        scale = factor * spell.days / n_ref if n_ref else np.nan
        low = stats.chi2.ppf(alpha / 2, 2 * k) / 2 if k > 0 else 0.0
        high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
        price = float(sales.loc[ref, pid].sum()) / k if k > 0 else np.nan
        rows.append({"reference_units": k, "reference_days": n_ref, "shop_factor": factor,
                     "lost_units": k * scale, "lost_low": low * scale, "lost_high": high * scale,
                     "lost_sales": k * scale * price})
    return pd.concat([spells.reset_index(drop=True), pd.DataFrame(rows, columns=cols)], axis=1)


def summarize_stock(daily: pd.DataFrame, counts: pd.DataFrame, costs: pd.Series | None,
                    window_days: int = 30, slow_weeks: float = 26.0, dead_days: int = 90) -> pd.DataFrame:
    """Sell-through and cover per product at its latest count.

    Formulas: units_window = paid units in the ``window_days`` up to the count; sell-through
    售罄率 = units_window / (units_window + stock); weeks of cover 库存周转周数 = stock /
    (units_window / window_days x 7) (inf when nothing sold); dead 滞销 = stock > 0 and no sale
    in ``dead_days``; slow = cover above ``slow_weeks``; tied-up cost 占用资金 = stock x
    unit cost (元, NaN without a cost).

    Returns
    -------
    One row per product (index product_id): stock, units_window, sell_through, weeks_cover,
    last_sale, dead, slow, tied_up.
    """
    out = counts.set_index("product_id")[["date", "stock"]].copy()
    last_day = out["date"].max()
    recent = daily[daily["date"] > last_day - pd.Timedelta(days=window_days)]
    out["units_window"] = recent.groupby("product_id")["units"].sum().reindex(out.index).fillna(0.0)
    out["sell_through"] = out["units_window"] / (out["units_window"] + out["stock"]).where(
        out["units_window"] + out["stock"] > 0)
    rate = out["units_window"] / window_days
    out["weeks_cover"] = np.where(rate > 0, out["stock"] / (rate * 7).where(rate > 0), np.inf)
    out.loc[out["stock"] == 0, "weeks_cover"] = 0.0
    out["last_sale"] = daily.groupby("product_id")["date"].max().reindex(out.index)
    idle = (last_day - out["last_sale"]).dt.days
    out["dead"] = (out["stock"] > 0) & (idle.isna() | (idle > dead_days))
    out["slow"] = ~out["dead"] & (out["weeks_cover"] > slow_weeks)
    out["tied_up"] = out["stock"] * (costs.reindex(out.index) if costs is not None else np.nan)
    return out.drop(columns="date")


def moving_rate(stock: pd.DataFrame) -> float:
    """动销率: share of products with stock or sales whose window saw at least one sale."""
    listed = stock[(stock["stock"] > 0) | (stock["units_window"] > 0)]
    return float((listed["units_window"] > 0).mean()) if len(listed) else float("nan")
