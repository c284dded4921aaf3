"""Index calibration (指数还原): from a platform's trade index (交易指数) to real sales.

口径
----
- Model: ln(sales) = α + β·ln(trade index) + ε, ε ~ N(0, σ²), fitted by OLS on the shop's
  own listing-months where both are known (the platform uses one transform for all shops, a
  power law plus rounding noise, which this recovers). β > 0 makes the mapping monotone.
- Point estimates are means: exp(α + β·ln x + σ²/2) (ln-normal smearing). Intervals are OLS
  prediction intervals on the ln scale (t distribution, n - 2 degrees of freedom) turned back
  into yuan.
- Trust is reported as the number of pairs, R², the residual spread, the leave-one-out
  coverage of our own months (externally studentized residuals inside the interval's t
  quantile with n - 3 degrees of freedom) and the share of competitor index values outside
  the range our pairs cover (extrapolation).

What is the library's and what is written out
---------------------------------------------
The leave-one-out residuals are statsmodels' (``OLSInfluence.resid_studentized_external``).
The coefficients are solved from the normal equations (X'X)⁻¹X'y and the prediction interval
is written out from them: statsmodels' OLS and ``get_prediction`` give the same numbers to
1e-12 (``tests/areas/market/test_calibration.py`` proves it) but not to the last bit, and the
market sizes the reports record are sums of these estimates, so the arithmetic that made
the recorded figures stays. The estimates also run inside the engine as one expression
(:func:`helpers.areas.market.size.listing_sales`), which needs the plain numbers α, β, σ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.shop import Shop

MIN_PAIRS = 8  # (index, sales) pairs needed to fit the calibration


class CalibrationError(ValueError):
    """Why the index cannot be calibrated: the message in English, ``zh`` the same in Chinese."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class Calibration:
    """ln(sales) = alpha + beta·ln(index): a fitted index-to-sales mapping and its uncertainty."""

    alpha: float
    beta: float
    cov: tuple[tuple[float, float], tuple[float, float]]  # covariance of (alpha, beta)
    sigma: float  # residual standard deviation (ln units)
    n: int
    r2: float
    index_min: float
    index_max: float
    loo_coverage: float  # share of own pairs inside their leave-one-out interval
    confidence: float

    @property
    def dof(self) -> int:
        """Residual degrees of freedom, n - 2."""
        return self.n - 2

    @property
    def t_crit(self) -> float:
        """Two-sided t quantile of the prediction interval: t⁻¹(0.5 + confidence / 2, n - 2)."""
        from scipy import stats

        return float(stats.t.ppf(0.5 + self.confidence / 2, self.dof))


def fit_index_calibration(index: Any, sales: Any, confidence: float = 0.9) -> Calibration:
    """Fit the monotone mapping from a platform index to real sales (指数还原).

    Model: ln(sales) = α + β·ln(index) + ε, ε ~ N(0, σ²), by OLS: (α, β) = (X'X)⁻¹X'y with
    X = [1, ln index], y = ln sales; σ² = Σ residual² / (n - 2); cov(α, β) = σ²(X'X)⁻¹.
    Only pairs with both values positive and finite are used.

    Parameters
    ----------
    index : trade index values (交易指数) of our own listing-months.
    sales : the same listing-months' real sales (元).
    confidence : level of the prediction intervals.

    Returns
    -------
    The :class:`Calibration`, with R², the index range of the pairs and the leave-one-out
    coverage: the share of pairs whose externally studentized residual lies within the
    t quantile of ``confidence`` (n - 3 degrees of freedom).

    Raises
    ------
    CalibrationError
        (a ValueError) with fewer than ``MIN_PAIRS`` usable pairs, no spread in the index, or
        a fitted mapping that is not increasing (β <= 0): the index then cannot be converted.
    """
    import statsmodels.api as sm
    from scipy import stats
    from statsmodels.stats.outliers_influence import OLSInfluence

    x = np.asarray(index, dtype=float)
    y = np.asarray(sales, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    n = int(ok.sum())
    if n < MIN_PAIRS:
        raise CalibrationError(
            f"only {n} (trade index, sales) pairs of our own listings; the index calibration needs at least "
            f"{MIN_PAIRS}: add months of the market table where our listings (is_own) have both trade_index and units",
            f"本店只有 {n} 组（交易指数, 销售额）样本，指数还原至少需要 {MIN_PAIRS} 组：请在市场表中补充本店商品"
            "同时有交易指数和销量的月份")
    lx, ly = np.log(x[ok]), np.log(y[ok])
    if np.ptp(lx) == 0:
        raise CalibrationError("every own trade index value is the same; the calibration needs index values that differ",
                               "本店所有交易指数都相同，指数还原需要不同的指数值")
    X = np.column_stack([np.ones(n), lx])
    xtx_inv = np.linalg.inv(X.T @ X)
    coef = xtx_inv @ X.T @ ly
    resid = ly - X @ coef
    dof = n - 2
    sigma2 = float(resid @ resid / dof)
    if coef[1] <= 0:
        raise CalibrationError(
            f"the fitted index-to-sales mapping is not increasing (slope {coef[1]:.3f}); the trade index of these "
            "pairs does not rise with sales, check that trade_index and units belong together",
            f"拟合出的指数-销售额关系不是递增的（斜率 {coef[1]:.3f}）：这些样本的交易指数不随销售额上升，"
            "请检查交易指数和销量是否属于同一商品月")
    studentized = OLSInfluence(sm.OLS(ly, X).fit()).resid_studentized_external
    loo = float(np.mean(np.abs(studentized) <= float(stats.t.ppf(0.5 + confidence / 2, dof - 1))))
    ss_tot = float(((ly - ly.mean()) ** 2).sum())
    cov = xtx_inv * sigma2
    return Calibration(alpha=float(coef[0]), beta=float(coef[1]),
                       cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
                       sigma=math.sqrt(sigma2), n=n, r2=1 - float(resid @ resid) / ss_tot if ss_tot else float("nan"),
                       index_min=float(x[ok].min()), index_max=float(x[ok].max()), loo_coverage=loo,
                       confidence=confidence)


def calibration_pairs(shop: Shop) -> pd.DataFrame:
    """Our own listing-months with both a trade index and units > 0, all categories.

    Returns
    -------
    DataFrame with month, category, listing_id, trade_index and sales (= units × price, 元),
    ordered by month and listing.
    """
    t = shop.table("market")
    own = t.filter(t.is_own & t.units.notnull() & t.trade_index.notnull() & (t.units > 0))
    return own.select("month", "category", "listing_id", "trade_index",
                      sales=own.units * own.price).order_by(["month", "listing_id"]).execute()


def calibrate(shop: Shop, confidence: float = 0.9) -> Calibration | None:
    """The calibration fitted on the shop's own pairs (:func:`fit_index_calibration`), or None
    with a note saying why it could not be fitted."""
    pairs = calibration_pairs(shop)
    try:
        return fit_index_calibration(pairs["trade_index"], pairs["sales"], confidence)
    except CalibrationError as exc:
        note(f"未能还原交易指数：{exc.zh}；只有交易指数的商品不计入销售额",
             f"index calibration not fitted: {exc}; listings known only by their index are left out of sales figures")
        return None


def predict_sales(cal: Calibration, index: Any) -> pd.DataFrame:
    """Sales (元) estimated from trade index values, with the calibration's prediction interval.

    With μ = α + β·ln x and var_fit = Var(α) + 2·ln x·Cov(α, β) + (ln x)²·Var(β):
    estimate = exp(μ + σ²/2) (the mean of a ln-normal), low/high = exp(μ ∓ t·sqrt(σ² + var_fit)),
    t the two-sided quantile of ``cal.confidence`` with n - 2 degrees of freedom.

    Returns
    -------
    DataFrame with ``estimate``, ``low``, ``high`` (元) and ``extrapolated`` (the index lies
    outside the range of the pairs the calibration was fitted on). An index <= 0 gives NaN.
    """
    x = np.asarray(index, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lx = np.where(x > 0, np.log(x), np.nan)
    mu = cal.alpha + cal.beta * lx
    (a, b), (_, d) = cal.cov
    var_fit = a + 2 * b * lx + d * lx**2
    half = cal.t_crit * np.sqrt(cal.sigma**2 + var_fit)
    return pd.DataFrame({"estimate": np.exp(mu + cal.sigma**2 / 2), "low": np.exp(mu - half),
                         "high": np.exp(mu + half), "extrapolated": (x < cal.index_min) | (x > cal.index_max)})


def widen_for_extrapolation(half_width: Any, extrapolated: Any) -> Any:
    """An index interval's half-width widened by the share of the estimate that is extrapolated.

    half_width' = half_width / (1 - e), e = the share (0-1) of the estimate that comes from
    trade index values outside the range of the pairs the calibration was fitted on. The
    fitted interval is evidence only inside that range; beyond it the power law is assumed,
    not checked, so the interval is scaled by how much of the estimate rests on that
    assumption: unchanged at e = 0, doubled at e = 0.5, unbounded (NaN, shown as —) at e = 1.
    A missing e (nothing estimated) leaves the half-width as it is. This is a stated widening,
    not a probability: its level is no longer the calibration's ``confidence``.
    """
    e = np.asarray(extrapolated, dtype=float)
    e = np.where(np.isnan(e), 0.0, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(e < 1, np.asarray(half_width, dtype=float) / (1 - e), np.nan)
    return float(out) if out.ndim == 0 else out


def extrapolated_share(shop: Shop, cal: Calibration) -> float:
    """Share of competitors' trade index values (all categories) outside the range of our pairs.

    Formula: competitor listing-months with index < index_min or > index_max / competitor
    listing-months with an index. NaN without competitor index values.
    """
    t = shop.table("market")
    comp = t.filter(~t.is_own & t.trade_index.notnull())
    outside = comp.aggregate(n=comp.count(), out=((comp.trade_index < cal.index_min)
                                                  | (comp.trade_index > cal.index_max)).cast("int64").sum()).execute()
    n_comp = int(outside["n"].iloc[0])
    return int(outside["out"].iloc[0] or 0) / n_comp if n_comp else float("nan")


def competitor_estimates(sales, cal: Calibration, month: Any, top: int = 12) -> pd.DataFrame:
    """The largest sales estimated from the trade index in one month, with their intervals.

    Parameters
    ----------
    sales : a :func:`helpers.areas.market.size.listing_sales` table.
    cal : the calibration behind the estimates.
    month : first day of the month shown.
    top : how many listings, largest estimate first.

    Returns
    -------
    DataFrame indexed by listing_id: shop, price, trade_index, estimate, low, high (元),
    extrapolated, units (= estimate / price).
    """
    t = sales.filter(sales.estimated & (sales.month == pd.Timestamp(month).date()))
    rows = t.select("listing_id", "shop", "price", "trade_index").execute()
    pred = predict_sales(cal, rows["trade_index"])
    rows = pd.concat([rows.reset_index(drop=True), pred], axis=1).sort_values("estimate", ascending=False).head(top)
    rows["units"] = rows["estimate"] / rows["price"]
    return rows.set_index("listing_id")
