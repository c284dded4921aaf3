"""Pricing (定价): margins at list price, price elasticity per category, and the
profit-maximising price under that elasticity.

口径 used here
--------------
- **Margin at list price**: gross_margin = 1 - unit cost / list price; contribution margin at
  list price = 1 - fee rate - (unit cost + unit platform cost) / list price, where fee rate =
  commission + payment fee rates of the category and unit platform cost = the product's
  freight, 运费险, packaging, gift, coupon and return costs per unit sold
  (:mod:`helpers.core.costs`); break-even ROI = 1 / contribution margin at list price (the ad
  ROI at which an ad-driven sale just pays its goods, fees and logistics).
- **Elasticity**: per category, a Poisson regression (log link) of weekly units per product
  on log list price with product and week fixed effects (the week effects absorb campaigns,
  seasonality and traffic), so the price coefficient is the elasticity (a log-log model that
  keeps weeks without sales). Weeks in a product's first ``ramp_weeks`` after launch are
  left out (new listings ramp up), as are products that never sold (their fixed effect is
  -inf). Standard errors are quasi-Poisson (Pearson dispersion). Not estimable when no
  product of the category changed price.
- **Price under constant elasticity e**: profit per unit = price x (1 - fee rate) - marginal
  cost (unit cost + unit platform cost), so the profit-maximising price is marginal cost / (1
  - fee rate) x e / (1 + e) for e < -1; at e >= -1 raising the price raises revenue and profit
  (no interior optimum). The range uses the elasticity's interval.
- **Guardrail**: a constant elasticity only holds near the prices the product was sold at. The
  tested range is the lowest to the highest list price of the product's paid lines;
  recommendations stay within it widened by ``allowance`` (10%) on each side. An optimum
  outside is "extrapolated" (the recommended price is the edge of the allowed range, and the
  advice is to test a price there, not to move to the optimum); a product with fewer than
  ``min_orders`` paid orders or ``min_price_points`` distinct list prices is "not enough
  data".

The Poisson fit (:func:`fit_poisson`) is iteratively reweighted least squares written out
(twenty lines). statsmodels ``GLM(family=Poisson()).fit(scale="X2")`` gives the same
coefficients and quasi-Poisson standard errors (``tests/areas/products/test_pricing.py``
checks both to 1e-12 relative on simulated panels; on the sample shop's seven categories the
elasticities agree to 2e-14 and their standard errors to 3e-12), but not bit for bit: the
reports record each category's elasticity to its last digit, and a switch would change those
figures in their 15th digit. The switch is one line in :func:`fit_elasticity` when the
recorded figures may move.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.core.costs import CostModel, contribution_by_product, load_costs
from helpers.core.lines import paid_order_lines
from helpers.core.notes import note
from helpers.core.stats import z_value

if TYPE_CHECKING:
    from helpers.core.shop import Shop


PRICE_ALLOWANCE = 0.10  # how far beyond the prices a product sold at a recommendation may go
MIN_PRICE_ORDERS = 30  # paid orders of a product before its price is advised on
MIN_PRICE_POINTS = 2  # distinct list prices a product must have sold at


def tested_prices(shop: Shop) -> pd.DataFrame:
    """The list prices each product has been sold at, over all the data.

    Returns
    -------
    DataFrame indexed by product_id: tested_low, tested_high (lowest and highest list price
    of its paid lines, yuan), price_points (distinct list prices, to the fen), orders (paid
    orders with the product).
    """
    o = paid_order_lines(shop)
    o = o.mutate(price=(o.list_price * 100).round())
    return o.group_by("product_id").aggregate(
        tested_low=o.list_price.min(), tested_high=o.list_price.max(), price_points=o.price.nunique(),
        orders=o.order_id.nunique()).execute().set_index("product_id")


def price_margins(shop: Shop, portfolio: pd.DataFrame, costs: CostModel | None = None) -> pd.DataFrame:
    """List price, costs, margins at list price, break-even ROI and the tested prices per product.

    Formulas: gross_margin = 1 - unit_cost / list_price; fee_rate = commission + payment fee
    rate of the category; unit_platform_cost = (freight + 运费险 + packaging + gift + coupon +
    return cost) / units over all the data (yuan per unit; the category's mean for a product
    that never sold); contribution_margin = 1 - fee_rate - (unit_cost + unit_platform_cost) /
    list_price; breakeven_roi = 1 / contribution_margin (see the module's 口径).

    Returns
    -------
    DataFrame indexed by product_id: title, category, list_price, unit_cost (yuan),
    gross_margin, fee_rate, unit_platform_cost, contribution_margin, breakeven_roi (NaN at a
    zero or negative margin, noted), sales (of the portfolio's period, yuan), and
    :func:`tested_prices`' columns; highest sales first.
    """
    costs = costs or load_costs(shop)
    p = shop.table("products").select("product_id", "title", "category", "list_price", "unit_cost")
    out = p.execute().set_index("product_id")
    out["gross_margin"] = metrics.gross_margin(out["list_price"], out["unit_cost"])
    rates = {c: costs.rates(c) for c in out["category"].unique()}
    out["fee_rate"] = out["category"].map(lambda c: rates[c].commission_rate + rates[c].payment_fee_rate)
    first, last = shop.date_range("orders")
    per = contribution_by_product(shop, Period(first.normalize(), last.normalize()), costs)
    other = per["platform_costs"] - per["commission"] - per["payment_fee"]
    unit = (other / per["units"].where(per["units"] > 0)).reindex(out.index)
    out["unit_platform_cost"] = unit.fillna(unit.groupby(out["category"]).transform("mean")).fillna(0.0)
    out["contribution_margin"] = 1 - out["fee_rate"] - (out["unit_cost"] + out["unit_platform_cost"]) / out["list_price"]
    out["breakeven_roi"] = metrics.breakeven_roi(out["contribution_margin"].where(out["contribution_margin"] > 0, 0))
    out["sales"] = portfolio["sales"].reindex(out.index).fillna(0.0)
    tested = tested_prices(shop).reindex(out.index)
    out = out.join(tested.assign(price_points=tested["price_points"].fillna(0).astype(int),
                                 orders=tested["orders"].fillna(0).astype(int)))
    return out.sort_values("sales", ascending=False)


def weekly_units(shop: Shop, ramp_weeks: int = 6) -> pd.DataFrame:
    """Units and list price per product and week (Monday), for the elasticity fit.

    Every week from the product's launch + ``ramp_weeks`` to the data's last complete week
    is a row (weeks without sales have 0 units); the week's list price is the unit-weighted
    list price of its lines, carried forward from the last week with sales when none sold.

    Returns
    -------
    DataFrame: product_id, category, week, units, list_price (yuan; NaN before the first sale).
    """
    o = paid_order_lines(shop)
    o = o.mutate(week=o.pay_time.truncate("W"))
    agg = o.group_by(["product_id", "week"]).aggregate(
        units=o.quantity.sum(), value=(o.list_price * o.quantity).sum()).execute()
    agg["week"] = pd.to_datetime(agg["week"])
    first, last = shop.date_range("orders")
    weeks = pd.date_range(first.normalize() - pd.Timedelta(days=first.weekday()), last.normalize(), freq="W-MON")
    if (last.normalize() - weeks[-1]).days < 6:
        weeks = weeks[:-1]  # the last week is incomplete
    p = shop.table("products").select("product_id", "category", "launch_date").execute()
    grid = pd.MultiIndex.from_product([p["product_id"], weeks], names=["product_id", "week"]).to_frame(index=False)
    grid = grid.merge(p, on="product_id")
    grid = grid[grid["week"] >= pd.to_datetime(grid["launch_date"]) + pd.Timedelta(weeks=ramp_weeks)]
    out = grid.merge(agg, on=["product_id", "week"], how="left")
    out["units"] = out["units"].fillna(0)
    out["list_price"] = out["value"] / out["units"].where(out["units"] > 0)
    out = out.sort_values(["product_id", "week"])
    out["list_price"] = out.groupby("product_id")["list_price"].ffill()
    return out[["product_id", "category", "week", "units", "list_price"]].reset_index(drop=True)


def fit_poisson(X: np.ndarray, y: np.ndarray, max_iter: int = 100) -> dict[str, np.ndarray]:
    """Poisson regression with log link by IRLS, with quasi-Poisson covariance.

    Model: E[y] = μ = exp(X β). Each step solves (X'WX) Δ = X'(y - μ) with W = diag(μ) until
    the largest step is under 1e-9. Pearson dispersion φ = Σ (y - μ)² / μ / (n - rank X);
    covariance = φ (X'WX)⁻¹ (pseudo-inverse), as ``GLM(...).fit(scale="X2")``.

    Returns
    -------
    dict: beta, cov, dispersion, iterations.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    beta = np.zeros(X.shape[1])
    beta[0] = math.log(max(y.mean(), 1e-9))
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        mu = np.exp(np.clip(X @ beta, -30, 30))
        info = X.T @ (X * mu[:, None])
        step = np.linalg.lstsq(info, X.T @ (y - mu), rcond=None)[0]
        beta = beta + step
        if np.abs(step).max() < 1e-9:
            break
    mu = np.exp(np.clip(X @ beta, -30, 30))
    dof = max(len(y) - np.linalg.matrix_rank(X), 1)
    dispersion = float(((y - mu) ** 2 / mu).sum() / dof)
    cov = np.linalg.pinv(X.T @ (X * mu[:, None])) * dispersion
    return {"beta": beta, "cov": cov, "dispersion": dispersion, "iterations": iterations}


def design_matrix(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The elasticity model's X and y for one category's rows of :func:`weekly_units`.

    Columns of X: intercept, log list price, product dummies and week dummies (the first
    level of each dropped); y: units.
    """
    prod = pd.get_dummies(g["product_id"], drop_first=True, dtype=float)
    week = pd.get_dummies(g["week"], drop_first=True, dtype=float)
    X = np.column_stack([np.ones(len(g)), np.log(g["list_price"].to_numpy(float)), prod.to_numpy(), week.to_numpy()])
    return X, g["units"].to_numpy(float)


def fit_elasticity(weekly: pd.DataFrame, confidence: float = 0.95, min_changed: int = 1) -> pd.DataFrame:
    """Price elasticity per category (see the module's 口径), with its interval.

    Formula: elasticity = the coefficient of log list price; low, high = elasticity ∓
    z_(1-α/2) se. A category where fewer than ``min_changed`` products changed price is not
    estimable: its elasticity is NaN with "no_variation" in ``note`` (and a report note).

    Returns
    -------
    DataFrame indexed by category: elasticity, se, low, high, products_changed, rows
    (product-weeks fitted), dispersion, note.
    """
    rows = []
    z = z_value(confidence)
    for cat, g in weekly.dropna(subset=["list_price"]).groupby("category", sort=True):
        moved = g.groupby("product_id")["list_price"].agg(lambda s: s.round(2).nunique() > 1)
        changed = int(moved.sum())
        g = g[g.groupby("product_id")["units"].transform("sum") > 0]
        row = {"category": cat, "products_changed": changed, "rows": len(g), "elasticity": np.nan, "se": np.nan,
               "low": np.nan, "high": np.nan, "dispersion": np.nan, "note": ""}
        if changed < min_changed or g.empty:
            row["note"] = "no_variation"
            note(f"{cat} 的价格弹性：没有商品调过一口价 → 无法估计",
                 f"price elasticity of {cat}: no product changed its list price -> not estimable")
            rows.append(row)
            continue
        X, y = design_matrix(g)
        fit = fit_poisson(X, y)
        se = math.sqrt(fit["cov"][1, 1])
        b = float(fit["beta"][1])
        row.update(elasticity=b, se=se, low=b - z * se, high=b + z * se, dispersion=fit["dispersion"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("category")


def optimal_prices(margins: pd.DataFrame, elasticity: pd.DataFrame, max_width: float = 1.0,
                   allowance: float = PRICE_ALLOWANCE, min_orders: int = MIN_PRICE_ORDERS,
                   min_price_points: int = MIN_PRICE_POINTS) -> pd.DataFrame:
    """Profit-maximising price (and its range) per product under its category's elasticity,
    and the price recommended within the prices the product has been sold at.

    Formulas: marginal cost = unit_cost + unit_platform_cost (yuan; unit_cost alone when the
    margins have no cost model columns); p* = marginal cost / (1 - fee_rate) x e / (1 + e) for
    e < -1 (yuan); the range comes from the elasticity's interval (an end at e >= -1 has no
    finite optimum: high = inf). Allowed range = [tested_low x (1 - allowance), tested_high x
    (1 + allowance)]; recommended_price = p* clipped to it. ``thin`` marks categories whose
    interval is wider than ``max_width`` or not estimable.

    ``direction``: "unknown" without an elasticity; "not_enough_data" under ``min_orders``
    paid orders or ``min_price_points`` distinct list prices; "extrapolated" when the optimum
    range lies wholly outside the allowed range (the constant elasticity is extrapolated: test
    a price at the edge, do not move to p*); else "keep" when the list price is inside the
    optimum range, "raise" below it, "cut" above it (the move stays within the allowed range).

    Returns
    -------
    DataFrame indexed by product_id: title, category, list_price, unit_cost, elasticity,
    optimal_price, optimal_low, optimal_high, tested_low, tested_high, orders, price_points,
    allowed_low, allowed_high, recommended_price, extrapolated, thin, direction.
    """
    def best(cost: pd.Series, e: pd.Series) -> pd.Series:
        return pd.Series(np.where(e < -1, cost * e / (1 + e.where(e < -1, -2)), np.inf), index=cost.index)

    out = margins[["title", "category", "list_price", "unit_cost"]].copy()
    e = elasticity.reindex(out["category"])
    out["elasticity"] = e["elasticity"].to_numpy()
    lo, hi = e["low"].to_numpy(), e["high"].to_numpy()
    fee = margins["fee_rate"] if "fee_rate" in margins.columns else 0.0
    extra = margins["unit_platform_cost"] if "unit_platform_cost" in margins.columns else 0.0
    cost = (out["unit_cost"] + extra) / (1 - fee)
    known = out["elasticity"].notna()
    out["optimal_price"] = best(cost, out["elasticity"]).where(known)
    out["optimal_low"] = best(cost, pd.Series(lo, index=out.index)).where(known)
    out["optimal_high"] = best(cost, pd.Series(hi, index=out.index)).where(known)
    for col, fill in (("tested_low", np.nan), ("tested_high", np.nan), ("orders", 0), ("price_points", 0)):
        out[col] = margins[col] if col in margins.columns else fill
    out["allowed_low"] = out["tested_low"] * (1 - allowance)
    out["allowed_high"] = out["tested_high"] * (1 + allowance)
    out["recommended_price"] = out["optimal_price"].clip(out["allowed_low"], out["allowed_high"])
    out["extrapolated"] = known & ((out["optimal_low"] > out["allowed_high"]) | (out["optimal_high"] < out["allowed_low"]))
    width = pd.Series(hi - lo, index=out.index)
    out["thin"] = ~(width <= max_width)
    thin_data = (out["orders"] < min_orders) | (out["price_points"] < min_price_points)
    inside = (out["list_price"] >= out["optimal_low"]) & (out["list_price"] <= out["optimal_high"])
    out["direction"] = np.select(
        [~known, thin_data, out["extrapolated"], inside, out["list_price"] < out["optimal_low"]],
        ["unknown", "not_enough_data", "extrapolated", "keep", "raise"], "cut")
    return out
