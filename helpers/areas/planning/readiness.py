"""Campaign readiness (活动报名检查): the thresholds of a campaign application checked per product.

Checks, each with its threshold from the notebook's parameters (platforms change them per
campaign, so none is hard-coded):

- ``dsr``: the shop's latest DSR (lowest of 描述相符, 服务态度, 物流服务) >= ``min_dsr``;
- ``sales_30d``: paid units in the last 30 days >= ``min_sales_30d``;
- ``lowest_price``: the campaign price (list price x ``campaign_discount``) <= the lowest paid
  unit price (paid amount / units of a day) over the last ``price_days`` days, the platforms'
  "lowest price in N days" rule (近N天最低价);
- ``stock``: units on hand >= ``min_stock``;
- ``rating``: average review rating over the last 90 days >= ``min_rating`` (products with
  fewer than 5 reviews fail it: not enough reviews).

A product is ready when it passes every check; the reasons list the checks it fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CHECKS = ("dsr", "sales_30d", "lowest_price", "stock", "rating")


@dataclass(frozen=True)
class Thresholds:
    min_dsr: float = 4.7
    min_sales_30d: int = 10
    price_days: int = 30
    campaign_discount: float = 0.9
    min_stock: int = 50
    min_rating: float = 4.5


def check_readiness(daily: pd.DataFrame, products: pd.DataFrame, stock: pd.Series, dsr: float | None,
                    ratings: pd.DataFrame | None, last_day: pd.Timestamp, th: Thresholds) -> pd.DataFrame:
    """Each product's value and verdict per check (module docstring).

    Parameters
    ----------
    daily : paid units and sales per (date, product_id).
    products : product_id, list_price (元).
    stock : units on hand per product.
    dsr : the shop's lowest latest DSR score, or None without a ``dsr`` table (check skipped).
    ratings : review_time, product_id, rating, or None without ``reviews`` (check skipped).

    Returns
    -------
    One row per product with sales in the last 90 days: the values (dsr, sales_30d,
    campaign_price, lowest_price, stock, rating, reviews), a pass column per check
    (``ok_<check>``, NaN when skipped), ready and reasons (the failed checks, in order).
    """
    recent = daily[daily["date"] > last_day - pd.Timedelta(days=90)]
    ids = pd.Index(sorted(recent["product_id"].unique()), name="product_id")
    out = pd.DataFrame(index=ids)
    out["dsr"] = dsr if dsr is not None else np.nan
    d30 = daily[daily["date"] > last_day - pd.Timedelta(days=30)]
    out["sales_30d"] = d30.groupby("product_id")["units"].sum().reindex(ids).fillna(0)
    window = daily[(daily["date"] > last_day - pd.Timedelta(days=th.price_days)) & (daily["units"] > 0)]
    out["lowest_price"] = (window["sales"] / window["units"]).groupby(window["product_id"]).min().reindex(ids)
    out["campaign_price"] = products.set_index("product_id")["list_price"].reindex(ids) * th.campaign_discount
    out["stock"] = stock.reindex(ids).fillna(0)
    if ratings is not None:
        r = ratings[ratings["review_time"] > last_day - pd.Timedelta(days=90)]
        g = r.groupby("product_id")["rating"]
        out["rating"], out["reviews"] = g.mean().reindex(ids), g.size().reindex(ids).fillna(0)
    else:
        out["rating"], out["reviews"] = np.nan, np.nan
    out["ok_dsr"] = (out["dsr"] >= th.min_dsr) if dsr is not None else np.nan
    out["ok_sales_30d"] = out["sales_30d"] >= th.min_sales_30d
    out["ok_lowest_price"] = out["lowest_price"].isna() | (out["campaign_price"] <= out["lowest_price"] + 0.005)
    out["ok_stock"] = out["stock"] >= th.min_stock
    out["ok_rating"] = ((out["reviews"] >= 5) & (out["rating"] >= th.min_rating)) if ratings is not None else np.nan
    flags = out[[f"ok_{c}" for c in CHECKS]]
    out["reasons"] = [[c for c in CHECKS if pd.notna(row[f"ok_{c}"]) and not bool(row[f"ok_{c}"])]
                      for _, row in flags.iterrows()]
    out["ready"] = out["reasons"].map(len) == 0
    return out
