"""Market research (市场调研): size, price bands, concentration, competitors, index calibration.

Reductions run in the engine (Ibis); only per-month, per-band, per-seller or per-listing
rows come back to pandas. Rates with a denominator go through :mod:`helpers.metrics`
(zero denominators give NaN and a :class:`~helpers.metrics.MetricNote`).

口径 used here
--------------
- **Sales (销售额)** of a listing-month = units × price (the month's average selling
  price). Listings that show only a trade index (交易指数, no units) are counted at the
  sales the index calibration estimates, with an interval; nothing is left out silently.
  Units of those listings = estimated sales / price. Fake orders (刷单) are in the
  platform's counts and so in these figures; section 5 says which listings look inflated.
- **Market size** of a category in a month = the sales of every listing in it (ours
  included). The interval covers the estimated part only (known units are exact): a normal
  approximation to the sum of the estimates with the residual spread of each listing and
  the uncertainty of the fitted curve, which is shared by all of them.
- **Partial months**: a month that ends after the data's last day (of ``orders``) is
  partial; it is shown but left out of growth, seasonality and "last month" figures.
- **Growth**: 环比 = month / previous month - 1; 同比 = month / same month a year earlier - 1;
  trailing growth = sales of the last ``GROWTH_MONTHS`` full months / the same months a year
  earlier - 1 (one figure that is robust to a single odd month).
- **Seasonality** = average sales of a calendar month / average sales of all full months.
- **Share (占比)** = our listings' sales / market sales, same month(s).
- **Price bands**: left-closed ``[edge_k, edge_k+1)`` on the listing-month's price; edges are
  a parameter or the quantiles of listing-month prices rounded to 2 significant digits.
  Demand per listing = band sales / listing-months in the band (:func:`metrics.demand_per_listing`);
  the under-supplied band has the highest demand per listing among bands with at least
  ``MIN_BAND_LISTING_MONTHS`` listing-months.
- **Concentration**: CR-n and HHI over shops' sales per month (:func:`metrics.hhi`,
  :func:`metrics.concentration_ratio`).
- **Entrants / leavers**: a listing first seen after the data's first month / last seen
  before the data's last month.
- **Index calibration (指数还原)**: ln(sales) = α + β·ln(trade index), fitted by OLS on our own
  listing-months (where both are known: the platform uses one transform for all shops).
  β > 0 makes the mapping monotone; intervals are OLS prediction intervals (t distribution),
  point estimates are means (ln-normal smearing exp(σ²/2)). Trust is reported as the number
  of pairs, R², residual spread, leave-one-out coverage of our own months and the share of
  competitor index values outside the range our own pairs cover (extrapolation).
- **Fake orders (刷单)**: within a category, ln(trade index) is regressed on ln(traffic index)
  and ln(price) (sales follow visitors and price); a listing whose residual steps up by at
  least ``fake_threshold`` (ln units, 0.5 = trade index 65% above what its traffic implies)
  and stays up, or sits that far above the other listings from its first month, is flagged.
- **Competitor changes**: month-on-month price changes of at least ``price_change_threshold``
  and any change of title, per listing.
- **Opportunity**: segments = category × price band (each category's quartile bands);
  :func:`metrics.opportunity_score` over percentile ranks of demand (sales of the last 12
  full months), growth (trailing growth) and competition (HHI of the segment's shops).
"""

from __future__ import annotations

import difflib
import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.params import is_zh as _zh
from helpers.report import format_value

if TYPE_CHECKING:
    from helpers.data import Shop

GROWTH_MONTHS = 6
RANK_MONTHS = 12  # rankings, opportunity demand: the last 12 full months
MIN_PAIRS = 8  # (index, sales) pairs needed to fit the calibration
MIN_BAND_LISTING_MONTHS = 3
MIN_SIDE_MONTHS = 2  # months on each side of a fake-order step
CR_LEVELS = (3, 5, 10)
HHI_MODERATE, HHI_HIGH = 1500, 2500

#: Labels of this module's columns and words: key -> (中文, English).
TEXT: dict[str, tuple[str, str]] = {
    "month": ("月份", "Month"),
    "sales": ("销售额", "Sales"),
    "sales_low": ("销售额下限", "Sales low"),
    "sales_high": ("销售额上限", "Sales high"),
    "units": ("销量", "Units"),
    "estimated_sales": ("指数估算销售额", "Sales estimated from index"),
    "own_sales": ("本店销售额", "Our sales"),
    "own_share": ("本店占比", "Our share"),
    "listings": ("在售商品数", "Listings"),
    "listing_months": ("商品月数", "Listing-months"),
    "mom": ("环比", "Month on month"),
    "yoy": ("同比", "Year on year"),
    "partial": ("不完整月", "Partial month"),
    "seasonality": ("季节指数", "Seasonality"),
    "month_of_year": ("月", "Month of year"),
    "years": ("年数", "Years averaged"),
    "entrant_share": ("新品销售额占比", "Sales share of new listings"),
    "own": ("本店", "Ours"),
    "extrapolated": ("外推", "Extrapolated"),
    "gone": ("已退出", "Gone"),
    "band": ("价格带", "Price band"),
    "sales_share": ("销售额占比", "Share of sales"),
    "listing_share": ("商品占比", "Share of listings"),
    "demand_per_listing": ("单品需求(元/月)", "Demand per listing (¥/month)"),
    "cr3": ("CR3", "CR3"), "cr5": ("CR5", "CR5"), "cr10": ("CR10", "CR10"),
    "hhi": ("HHI", "HHI"),
    "sellers": ("店铺数", "Shops"),
    "rank": ("排名", "Rank"),
    "shop": ("店铺", "Shop"),
    "brand": ("品牌", "Brand"),
    "listing_id": ("商品ID", "Listing id"),
    "title": ("标题", "Title"),
    "share": ("占比", "Share"),
    "price": ("价格", "Price"),
    "rating": ("评分", "Rating"),
    "reviews": ("评价数", "Reviews"),
    "entrants": ("新进入商品", "New listings"),
    "leavers": ("退出商品", "Listings gone"),
    "first_month": ("首次出现", "First seen"),
    "last_month": ("最后出现", "Last seen"),
    "old_price": ("原价", "Old price"),
    "new_price": ("新价", "New price"),
    "price_change": ("价格变化", "Price change"),
    "old_title": ("原标题", "Old title"),
    "new_title": ("新标题", "New title"),
    "title_change": ("标题改动", "Title change"),
    "trade_index": ("交易指数", "Trade index"),
    "traffic_index": ("流量指数", "Traffic index"),
    "estimate": ("估算销售额", "Estimated sales"),
    "low": ("下限", "Low"),
    "high": ("上限", "High"),
    "step": ("交易/流量跳升", "Trade vs traffic step"),
    "level": ("高于同行", "Above peers"),
    "from_month": ("起始月份", "From"),
    "flagged": ("疑似刷单", "Suspected fake orders"),
    "category": ("类目", "Category"),
    "demand": ("需求(近12月销售额)", "Demand (12-month sales)"),
    "growth": ("增长", "Growth"),
    "opportunity_score": ("机会分", "Opportunity score"),
    "reason": ("理由", "Why"),
    "competitor": ("竞争对手", "Competitor"),
    "measure": ("指标", "Measure"),
    "value": ("数值", "Value"),
    "no_data": ("无数据", "No data"),
}


def text(key: str, lang: str = "zh") -> str:
    """Label of a column or word of this module (falls back to :func:`helpers.plots.label`)."""
    from helpers.plots import label_from

    return label_from(TEXT, key, lang)


_note = metrics.note


def _esc(value: Any) -> str:
    from helpers.report import escape

    return escape(value)


def _month(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m")


# --------------------------------------------------------------------------- parameters


def parse_list(value: str, name: str) -> list[str]:
    """Split a comma-separated parameter (commas ``,`` or ``，``) into its non-empty items."""
    if not isinstance(value, str):
        raise ValueError(f"parameter {name}={value!r} must be text, items separated by commas")
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


def parse_edges(value: str) -> list[float] | None:
    """Band edges from the ``price_bands`` parameter (``"100,150,200"``); None when empty."""
    items = parse_list(value, "price_bands")
    if not items:
        return None
    try:
        edges = [float(v) for v in items]
    except ValueError:
        raise ValueError(f"parameter price_bands={value!r} must be prices in yuan separated by commas, "
                         "e.g. 100,150,200") from None
    if any(e <= 0 for e in edges) or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"parameter price_bands={value!r} must be positive and increasing, e.g. 100,150,200")
    return edges


def check_options(*, price_bands: str = "", top_n: int = 5, confidence: float = 0.9, fake_threshold: float = 0.5,
                  price_change_threshold: float = 0.05, weights: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> None:
    """Check the notebook's own parameters; a ValueError names the parameter and the fix."""
    parse_edges(price_bands)
    if not isinstance(top_n, int | np.integer) or isinstance(top_n, bool) or top_n < 1:
        raise ValueError(f"parameter top_n={top_n!r} must be a whole number >= 1")
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.9")
    if not isinstance(fake_threshold, int | float) or fake_threshold <= 0:
        raise ValueError(f"parameter fake_threshold={fake_threshold!r} must be positive, e.g. 0.5")
    if not isinstance(price_change_threshold, int | float) or not 0 <= price_change_threshold < 1:
        raise ValueError(f"parameter price_change_threshold={price_change_threshold!r} must be in [0, 1), e.g. 0.05")
    if any(not isinstance(w, int | float) or w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError(f"weights {weights!r} (weight_demand, weight_growth, weight_competition) must be "
                         "non-negative with a positive sum")


def list_categories(shop: Shop) -> list[str]:
    """Categories of the market table, largest by listing-months first."""
    t = shop.table("market")
    counts = t.group_by("category").aggregate(n=t.count()).execute()
    return list(counts.sort_values(["n", "category"], ascending=[False, True])["category"])


def resolve_category(shop: Shop, category: str) -> str:
    """The category to analyse: as given (checked), or the one where our own listings sell most."""
    known = list_categories(shop)
    if category:
        if category not in known:
            close = difflib.get_close_matches(category, known, n=3, cutoff=0.3)
            raise ValueError(f"category={category!r} is not in the market table; known: {', '.join(known)}"
                             + (f" (did you mean {', '.join(close)}?)" if close else ""))
        return category
    t = shop.table("market")
    own = t.filter(t.is_own & t.units.notnull())
    by_cat = own.group_by("category").aggregate(sales=(own.units * own.price).sum()).execute()
    if by_cat.empty or not (by_cat["sales"] > 0).any():
        return known[0]
    return str(by_cat.sort_values(["sales", "category"], ascending=[False, True])["category"].iloc[0])


# --------------------------------------------------------------------------- index calibration


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
        return self.n - 2

    @property
    def t_crit(self) -> float:
        from scipy import stats

        return float(stats.t.ppf(0.5 + self.confidence / 2, self.dof))


def fit_index_calibration(index: Any, sales: Any, confidence: float = 0.9) -> Calibration:
    """Fit the monotone mapping from a platform index to real sales (指数还原).

    Model: ln(sales) = α + β·ln(index) + ε, ε ~ N(0, σ²), by OLS; the platform's transform
    is a power law plus rounding noise, which this recovers. Only pairs with both values
    positive are used.

    Parameters
    ----------
    index : trade index values (交易指数) of our own listing-months.
    sales : the same listing-months' real sales (元).
    confidence : level of the prediction intervals.

    Raises
    ------
    ValueError
        with fewer than ``MIN_PAIRS`` usable pairs, no spread in the index, or a fitted
        mapping that is not increasing (β <= 0): the index then cannot be converted.
    """
    x = np.asarray(index, dtype=float)
    y = np.asarray(sales, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    n = int(ok.sum())
    if n < MIN_PAIRS:
        raise ValueError(f"only {n} (trade index, sales) pairs of our own listings; the index calibration needs at "
                         f"least {MIN_PAIRS}: add months of the market table where our listings (is_own) have both "
                         "trade_index and units")
    lx, ly = np.log(x[ok]), np.log(y[ok])
    if np.ptp(lx) == 0:
        raise ValueError("every own trade index value is the same; the calibration needs index values that differ")
    X = np.column_stack([np.ones(n), lx])
    xtx_inv = np.linalg.inv(X.T @ X)
    coef = xtx_inv @ X.T @ ly
    resid = ly - X @ coef
    dof = n - 2
    sigma2 = float(resid @ resid / dof) if dof > 0 else float("nan")
    if coef[1] <= 0:
        raise ValueError(f"the fitted index-to-sales mapping is not increasing (slope {coef[1]:.3f}); the trade index "
                         "of these pairs does not rise with sales, check that trade_index and units belong together")
    from scipy import stats

    hat = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    # Leave-one-out: deleted residual over its own standard error (studentized, exact for OLS).
    s2_del = (resid @ resid - resid**2 / (1 - hat)) / (dof - 1) if dof > 1 else np.full(n, np.nan)
    t_del = resid / np.sqrt(s2_del * (1 - hat)) if dof > 1 else np.full(n, np.nan)
    loo = float(np.mean(np.abs(t_del) <= float(stats.t.ppf(0.5 + confidence / 2, max(dof - 1, 1)))))
    ss_tot = float(((ly - ly.mean()) ** 2).sum())
    cov = xtx_inv * sigma2
    return Calibration(alpha=float(coef[0]), beta=float(coef[1]),
                       cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
                       sigma=math.sqrt(sigma2), n=n, r2=1 - float(resid @ resid) / ss_tot if ss_tot else float("nan"),
                       index_min=float(x[ok].min()), index_max=float(x[ok].max()), loo_coverage=loo,
                       confidence=confidence)


def calibration_pairs(shop: Shop) -> pd.DataFrame:
    """Our own listing-months with both a trade index and units: (trade_index, sales) pairs, all categories."""
    t = shop.table("market")
    own = t.filter(t.is_own & t.units.notnull() & t.trade_index.notnull() & (t.units > 0))
    return own.select("month", "category", "listing_id", "trade_index",
                      sales=own.units * own.price).order_by(["month", "listing_id"]).execute()


def calibrate(shop: Shop, confidence: float = 0.9) -> Calibration | None:
    """The calibration fitted on the shop's own pairs, or None with a note saying why it could not be fitted."""
    pairs = calibration_pairs(shop)
    try:
        return fit_index_calibration(pairs["trade_index"], pairs["sales"], confidence)
    except ValueError as exc:
        _note(f"index calibration not fitted: {exc}; listings known only by their index are left out of sales "
              "figures")
        return None


def predict_sales(cal: Calibration, index: Any) -> pd.DataFrame:
    """Sales (元) estimated from trade index values with the calibration's prediction interval.

    Returns
    -------
    DataFrame with ``estimate`` (mean, ln-normal smearing), ``low`` and ``high`` (the
    ``cal.confidence`` prediction interval) and ``extrapolated`` (index outside the range of
    the pairs the calibration was fitted on).
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


def calibration_table(cal: Calibration, shop: Shop, lang: str = "zh") -> pd.DataFrame:
    """How far the calibration can be trusted, as a two-column table of measures."""
    t = shop.table("market")
    comp = t.filter(~t.is_own & t.trade_index.notnull())
    outside = comp.aggregate(n=comp.count(), out=((comp.trade_index < cal.index_min)
                                                  | (comp.trade_index > cal.index_max)).cast("int64").sum()).execute()
    n_comp = int(outside["n"].iloc[0])
    extrap = int(outside["out"].iloc[0] or 0) / n_comp if n_comp else float("nan")
    zh = _zh(lang)
    rows = [
        ("对数斜率 β" if zh else "Slope β (ln sales per ln index)", f"{cal.beta:.3f}"),
        ("自有样本对数" if zh else "Own (index, sales) pairs", f"{cal.n:,}"),
        ("R²", f"{cal.r2:.4f}"),
        ("残差标准差(对数)" if zh else "Residual sd (ln)", f"{cal.sigma:.3f}"),
        ("覆盖的指数范围" if zh else "Index range covered", f"{cal.index_min:,.0f} ~ {cal.index_max:,.0f}"),
        (f"留一法 {cal.confidence:.0%} 区间覆盖率" if zh else f"Leave-one-out coverage of {cal.confidence:.0%} intervals",
         f"{cal.loo_coverage:.1%}"),
        ("竞品指数超出范围(外推)占比" if zh else "Competitor index values outside the range (extrapolated)",
         f"{extrap:.1%}" if not math.isnan(extrap) else "—"),
    ]
    return pd.DataFrame({text("value", lang): [v for _, v in rows]}, index=pd.Index([k for k, _ in rows],
                                                                                   name=text("measure", lang)))


# --------------------------------------------------------------------------- listing-months with sales


def listing_sales(shop: Shop, cal: Calibration | None, category: str | None = None):
    """Listing-months with sales known or estimated from the trade index (an Ibis table).

    Columns: month, category, shop, brand, listing_id, title, price, is_own, reviews, rating,
    trade_index, traffic_index, estimated (sales come from the index), sales (元), units,
    lx (ln index of estimated rows, else 0) and the pieces the interval of a sum needs:
    est (the estimate of an estimated row, else 0). Without a calibration, index-only rows
    are left out (a note says how many).
    """
    import ibis

    t = shop.table("market")
    if category is not None:
        t = t.filter(t.category == category)
    known = t.units.notnull()
    if cal is None:
        missing = t.filter(~known).count().execute()
        if missing:
            _note(f"{missing} listing-months have only a trade index and no calibration: they are left out, so sales "
                  "cover listings with known units only")
        t = t.filter(known)
        known = ibis.literal(True)
    usable = known | (t.trade_index.notnull() & (t.trade_index > 0))
    dropped = t.filter(~usable).count().execute()
    if dropped:
        _note(f"{dropped} listing-months have neither units nor a trade index and are left out")
    t = t.filter(usable)
    known = t.units.notnull()
    lx = ibis.ifelse(known, 0.0, t.trade_index.cast("float64").ln())
    if cal is not None:
        est = ibis.ifelse(known, 0.0, (cal.alpha + cal.beta * lx + cal.sigma**2 / 2).exp())
    else:
        est = ibis.literal(0.0)
    sales = ibis.ifelse(known, t.units * t.price, est)
    units = ibis.ifelse(known, t.units, ibis.ifelse(t.price > 0, est / t.price, ibis.null("float64")))
    return t.mutate(estimated=~known, lx=lx, est=est, sales=sales, est_units=units)


def _interval(frame: pd.DataFrame, cal: Calibration | None, z: float) -> tuple[pd.Series, pd.Series]:
    """Low and high of totals whose estimated part has moments s1 = Σŝ, sx = Σŝ·lx, s2 = Σŝ²."""
    if cal is None:
        return frame["sales"], frame["sales"]
    (a, b), (_, d) = cal.cov
    resid_var = frame["s2"] * (math.exp(cal.sigma**2) - 1)
    fit_var = frame["s1"] ** 2 * a + 2 * frame["s1"] * frame["sx"] * b + frame["sx"] ** 2 * d
    sd = np.sqrt(resid_var + fit_var)
    return (frame["sales"] - z * sd).clip(lower=frame["known"]), frame["sales"] + z * sd


def _moments(t) -> dict:
    return {"sales": t.sales.sum(), "known": (t.sales - t.est).sum(), "s1": t.est.sum(),
            "sx": (t.est * t.lx).sum(), "s2": (t.est * t.est).sum()}


def month_end_partial(months: pd.Series, data_end: Any) -> pd.Series:
    """True for months that end after the data's last day (partial months)."""
    start = pd.to_datetime(months)
    return (start + pd.offsets.MonthEnd(0)) > pd.Timestamp(data_end)


def market_size(sales, cal: Calibration | None, data_end: Any, confidence: float = 0.9) -> pd.DataFrame:
    """Monthly market sales, units, listings and our share, with growth (one row per month).

    Parameters
    ----------
    sales : a :func:`listing_sales` table (one category).
    cal : the calibration behind the estimated rows (None: known units only).
    data_end : the data's last day; months ending after it are partial.
    confidence : level of the sales interval.

    Returns
    -------
    DataFrame indexed by month: sales, sales_low, sales_high, estimated_sales, units, listings,
    own_sales, own_share, mom, yoy, partial. Growth of a partial month, of a month after a
    partial month and over a month without sales is NaN (noted).
    """
    t = sales
    agg = t.group_by("month").aggregate(
        **_moments(t), units=t.est_units.sum(), listings=t.listing_id.nunique(),
        own_sales=t.sales.sum(where=t.is_own)).execute()
    agg["month"] = pd.to_datetime(agg["month"])
    agg = agg.set_index("month").sort_index()
    if len(agg):
        full = pd.date_range(agg.index.min(), agg.index.max(), freq="MS")
        missing = full.difference(agg.index)
        if len(missing):
            _note(f"no market rows in {', '.join(_month(m) for m in missing)}: shown as no sales")
        agg = agg.reindex(full, fill_value=0)
        agg.index.name = "month"
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    out = pd.DataFrame(index=agg.index)
    out["sales"] = agg["sales"].astype(float)
    out["sales_low"], out["sales_high"] = _interval(agg, cal, z)
    out["estimated_sales"] = agg["s1"].astype(float)
    out["units"] = agg["units"].astype(float)
    out["listings"] = agg["listings"].astype(int)
    out["own_sales"] = agg["own_sales"].fillna(0).astype(float)
    out["own_share"] = metrics.share(out["own_sales"], out["sales"])
    out["partial"] = month_end_partial(out.index.to_series(), data_end).to_numpy()
    comparable = out["sales"].where(~out["partial"])
    out["mom"] = metrics.change(comparable, comparable.shift(1))
    out["yoy"] = metrics.change(comparable, _year_before(comparable))
    if out["partial"].any():
        _note(f"{', '.join(_month(m) for m in out.index[out['partial']])} ends after the data's last day "
              f"({pd.Timestamp(data_end):%Y-%m-%d}): partial, left out of growth and seasonality")
    return out


def _year_before(series: pd.Series) -> pd.Series:
    shifted = series.copy()
    shifted.index = shifted.index + pd.DateOffset(years=1)
    return shifted.reindex(series.index)


def trailing_growth(size: pd.DataFrame, months: int = GROWTH_MONTHS) -> dict[str, Any]:
    """Sales of the last ``months`` full months against the same months a year earlier.

    Returns
    -------
    dict with growth (fraction, NaN when the year-earlier months are missing or zero),
    recent and base sales, and the first and last month of the window.
    """
    full = size[~size["partial"]]
    if full.empty:
        return {"growth": float("nan"), "recent": float("nan"), "base": float("nan"), "start": None, "end": None}
    window = full.index[-months:]
    base_index = window - pd.DateOffset(years=1)
    recent = float(full["sales"].reindex(window).sum())
    base_values = size["sales"].reindex(base_index)
    base = float(base_values.sum()) if base_values.notna().all() else float("nan")
    if math.isnan(base):
        _note(f"trailing growth needs {months} months a year before {_month(window[0])}; the data starts later")
    return {"growth": float(metrics.change(recent, base)), "recent": recent, "base": base,
            "start": window[0], "end": window[-1]}


def seasonality(size: pd.DataFrame) -> pd.DataFrame:
    """Seasonality profile: average sales of each calendar month / average of all full months."""
    full = size[~size["partial"]]
    by_month = full.groupby(full.index.month)["sales"].agg(["mean", "count"])
    overall = full["sales"].mean()
    out = pd.DataFrame({"seasonality": metrics.share(by_month["mean"], overall) if len(full) else [],
                        "years": by_month["count"]})
    out.index.name = "month_of_year"
    return out


# --------------------------------------------------------------------------- price bands


def _nice(value: float) -> float:
    """A price rounded to 2 significant digits (137 -> 140, 86.4 -> 86)."""
    if value <= 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(value)))
    return float(round(value, digits))


def quantile_edges(sales, n_bands: int = 4) -> list[float]:
    """Inner band edges at the price quantiles of the listing-months, rounded to 2 significant digits."""
    t = sales
    qs = [k / n_bands for k in range(1, n_bands)]
    row = t.aggregate(**{f"q{k}": t.price.quantile(q) for k, q in enumerate(qs)}).execute()
    edges = sorted({_nice(float(row[f"q{k}"].iloc[0])) for k in range(len(qs)) if pd.notna(row[f"q{k}"].iloc[0])})
    return [e for e in edges if e > 0]


def band_label(edges: list[float], k: int) -> str:
    """``<100``, ``100-150``, ``≥200`` style label of band k (left-closed)."""
    def f(x):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
    if not edges:
        return "all"
    if k == 0:
        return f"<{f(edges[0])}"
    if k == len(edges):
        return f"≥{f(edges[-1])}"
    return f"{f(edges[k - 1])}-{f(edges[k])}"


def _band_column(t, edges: list[float]):
    import ibis

    band = ibis.literal(0)
    for k, edge in enumerate(edges, start=1):
        band = ibis.ifelse(t.price >= edge, k, band)
    return band


def price_bands(sales, edges: list[float], months: list | None = None) -> pd.DataFrame:
    """Sales, units, listings, our share and demand per listing per price band.

    Parameters
    ----------
    sales : a :func:`listing_sales` table (one category).
    edges : increasing inner edges (元); band k is ``[edges[k-1], edges[k])``.
    months : restrict to these months (e.g. the full ones); None for all.

    Returns
    -------
    DataFrame indexed by band label in price order: sales, sales_share, units, listings
    (distinct), listing_months, listing_share (of listing-months), demand_per_listing,
    own_sales, own_share.
    """
    t = sales
    if months is not None:
        t = t.filter(t.month.isin(list(months)))
    t = t.mutate(band=_band_column(t, edges))
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
    """The band with the highest demand per listing among bands with enough listing-months."""
    eligible = bands[bands["listing_months"] >= MIN_BAND_LISTING_MONTHS]["demand_per_listing"].dropna()
    return None if eligible.empty else str(eligible.idxmax())


# --------------------------------------------------------------------------- concentration and rankings


def seller_months(sales, by: str = "shop"):
    """Sales per month and seller (``shop`` or ``brand``), an Ibis table."""
    t = sales
    key = t[by].fill_null("") if by == "brand" else t[by]
    return t.mutate(seller=key).group_by(["month", "seller"]).aggregate(sales=t.sales.sum())


def concentration(sales, by: str = "shop") -> pd.DataFrame:
    """CR3, CR5, CR10 and HHI of sellers' sales per month.

    Returns
    -------
    DataFrame indexed by month: sellers (with sales), cr3, cr5, cr10, hhi. A month without
    sales has NaN ratios (noted); a single seller has HHI 10000 and CR-n 100%.
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
    for n in CR_LEVELS:
        out[f"cr{n}"] = metrics.concentration_ratio(agg[f"top{n}"].fillna(0), agg["total"])
    out["hhi"] = metrics.hhi(agg["sq"], agg["total"])
    return out


def hhi_level(hhi: float, lang: str = "zh") -> str:
    """Words for an HHI: unconcentrated (<1500), moderately (1500-2500) or highly concentrated."""
    zh = _zh(lang)
    if hhi is None or math.isnan(hhi):
        return "无法判断" if zh else "unknown"
    if hhi < HHI_MODERATE:
        return "分散" if zh else "unconcentrated"
    if hhi <= HHI_HIGH:
        return "中度集中" if zh else "moderately concentrated"
    return "高度集中" if zh else "highly concentrated"


def rank_sellers(sales, by: str = "shop", months: list | None = None, top: int = 10) -> pd.DataFrame:
    """Top sellers (``shop``, ``brand`` or ``listing_id``) by sales over the given months.

    Ties share a rank (the lowest, as in "1, 2, 2, 4") and are listed by name, so the table
    is the same on every run.

    Returns
    -------
    DataFrame indexed by seller: rank, sales, share (of all sellers' sales), own (ours),
    and for listings their shop and latest title, price, rating and reviews.
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


def listing_spans(sales) -> pd.DataFrame:
    """First and last month of every listing, with its sales and whether it is ours."""
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

    Returns
    -------
    DataFrame indexed by month: entrants, leavers, listings, entrant_share (sales share of
    listings first seen in the 12 months up to that month).
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
    out["entrant_share"] = metrics.share(by_month["new_sales"], by_month["sales"])
    return out


def entry_barriers(size: pd.DataFrame, conc: pd.DataFrame, entries: pd.DataFrame, top_listings: pd.DataFrame,
                   lang: str = "zh") -> pd.DataFrame:
    """How hard the category is to enter: concentration, entrants' share and the review moat, last full month."""
    zh = _zh(lang)
    full = size.index[~size["partial"]]
    if not len(full):
        return pd.DataFrame({text("value", lang): []})
    m = full[-1]
    reviews = top_listings["reviews"].median() if "reviews" in top_listings and len(top_listings) else float("nan")
    rows = [
        ("CR5", format_value(conc.loc[m, "cr5"], "pct", lang)),
        ("HHI", f"{conc.loc[m, 'hhi']:,.0f} ({hhi_level(conc.loc[m, 'hhi'], lang)})"
         if pd.notna(conc.loc[m, "hhi"]) else "—"),
        ("近12月新品销售额占比" if zh else "Sales share of listings new in 12 months",
         format_value(entries.loc[m, "entrant_share"], "pct", lang)),
        ("近12月新进入商品数" if zh else "Listings entered in 12 months",
         f"{int(entries['entrants'].loc[m - pd.DateOffset(months=11):m].sum()):,}"),
        ("头部商品评价数中位数" if zh else "Median reviews of the top listings",
         "—" if pd.isna(reviews) else f"{reviews:,.0f}"),
    ]
    return pd.DataFrame({text("value", lang): [v for _, v in rows]},
                        index=pd.Index([k for k, _ in rows], name=f"{text('measure', lang)} ({_month(m)})"))


# --------------------------------------------------------------------------- competitors


def resolve_competitors(sales, names: list[str], top_n: int = 5, months: list | None = None) -> list[str]:
    """Competitor shops or listing ids to track: as given (checked) or the top shops by sales (not ours).

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

    Price is the sales-weighted average price of its listings (the simple mean where sales are
    0); rating is the mean of its listings; reviews is the sum of its listings' cumulative
    reviews. A competitor appears only in the months it had listings.

    Returns
    -------
    DataFrame with columns competitor, month, sales, price, rating, reviews, listings,
    estimated (some of its sales come from the index).
    """
    t = sales
    if not competitors:
        return pd.DataFrame(columns=["competitor", "month", "sales", "price", "rating", "reviews", "listings",
                                     "estimated"])
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
        return pd.DataFrame(columns=["competitor", "month", "sales", "price", "rating", "reviews", "listings",
                                     "estimated"])
    out = pd.concat(frames, ignore_index=True)
    out["month"] = pd.to_datetime(out["month"])
    return out[["competitor", "month", "sales", "price", "rating", "reviews", "listings", "estimated"]]


def competitor_status(trends: pd.DataFrame, last_month: Any) -> pd.DataFrame:
    """Per competitor: first and last month seen, latest price, rating and reviews; gone if not seen last month."""
    if trends.empty:
        return pd.DataFrame(columns=["first_month", "last_month", "price", "rating", "reviews", "gone"])
    last = trends.sort_values("month").groupby("competitor").tail(1).set_index("competitor")
    first = trends.groupby("competitor")["month"].min()
    out = pd.DataFrame({"first_month": first, "last_month": last["month"], "price": last["price"],
                        "rating": last["rating"], "reviews": last["reviews"]})
    out["gone"] = out["last_month"] < pd.Timestamp(last_month)
    for comp in out.index[out["gone"]]:
        _note(f"competitor {comp} has no listing after {_month(out.loc[comp, 'last_month'])}: it left the category "
              "or stopped selling")
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
    DataFrame with month, shop, listing_id, old_price, new_price, price_change (fraction),
    old_title, new_title, title_change (words added/removed); newest first.
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


# --------------------------------------------------------------------------- fake orders


def flag_fake_orders(sales, threshold: float = 0.5) -> pd.DataFrame:
    """Listings whose trade index is high for their traffic index (a sign of fake orders, 刷单).

    Within the category, ln(trade index) is regressed on ln(traffic index) and ln(price)
    over competitors' listing-months (OLS); a listing's residual is how much more it
    "sells" than its traffic and price explain. Per listing: ``step`` = the largest rise of
    the median residual after a month over the median before it (at least
    ``MIN_SIDE_MONTHS`` months each side), and ``level`` = its median residual above the
    median listing. Flagged when either reaches ``threshold`` (ln units).

    Returns
    -------
    DataFrame indexed by listing_id: shop, title, step, from_month (where the step starts),
    level, months, flagged; flagged listings first, then by the larger of step and level.
    """
    t = sales.filter(~sales.is_own & sales.trade_index.notnull() & sales.traffic_index.notnull()
                     & (sales.trade_index > 0) & (sales.traffic_index > 0) & (sales.price > 0))
    rows = t.select("listing_id", "shop", "title", "month", "trade_index", "traffic_index", "price").execute()
    cols = ["shop", "title", "step", "from_month", "level", "months", "flagged"]
    if len(rows) < 4:
        _note(f"only {len(rows)} competitor listing-months have both indices: fake-order check skipped")
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
        # The step is placed where the split explains most (mean shift weighted by both sides'
        # sizes, the classic change-point statistic) and measured with medians (robust).
        best, at, score = float("nan"), None, -np.inf
        for k in range(MIN_SIDE_MONTHS, n - MIN_SIDE_MONTHS + 1):
            stat = math.sqrt(k * (n - k) / n) * float(r[k:].mean() - r[:k].mean())
            if stat > score:
                score, at = stat, g["month"].iloc[k]
                best = float(np.median(r[k:]) - np.median(r[:k]))
        out.append({"listing_id": lid, "shop": g["shop"].iloc[-1], "title": g["title"].iloc[-1],
                    "step": best, "from_month": at,
                    "median": float(np.median(r)), "months": len(r)})
    res = pd.DataFrame(out).set_index("listing_id")
    res["level"] = res["median"] - res["median"].median()
    res["from_month"] = pd.to_datetime(res["from_month"])
    res["flagged"] = (res["step"] >= threshold) | (res["level"] >= threshold)
    res.loc[~(res["step"] >= threshold) & res["flagged"], "from_month"] = pd.NaT
    res["order"] = res[["step", "level"]].max(axis=1)
    return res.sort_values(["flagged", "order"], ascending=[False, False])[cols]


# --------------------------------------------------------------------------- opportunity


def segment_table(shop: Shop, cal: Calibration | None, data_end: Any, edges: dict[str, list[float]] | None = None,
                  n_bands: int = 4) -> pd.DataFrame:
    """Demand, growth, competition and our standing of every category × price band.

    Bands are each category's quantile bands unless ``edges`` gives a category's own.

    Returns
    -------
    DataFrame with category, band, demand (sales of the last ``RANK_MONTHS`` full months),
    growth (trailing growth of the segment), hhi (of its shops over the same months),
    listing_months, demand_per_listing, own_sales, own_share.
    """
    edges = dict(edges or {})
    frames = []
    for cat in list_categories(shop):
        s = listing_sales(shop, cal, cat)
        cat_edges = edges.get(cat) or quantile_edges(s, n_bands)
        months = s.select("month").distinct().execute()["month"]
        months = pd.DatetimeIndex(pd.to_datetime(months)).sort_values()
        full = months[~month_end_partial(months.to_series(), data_end).to_numpy()]
        recent = full[-RANK_MONTHS:]
        window = full[-GROWTH_MONTHS:]
        base = window - pd.DateOffset(years=1)
        b = s.mutate(band=_band_column(s, cat_edges))
        per = b.group_by(["band", "month", "shop"]).aggregate(sales=b.sales.sum(), n=b.count(),
                                                             own=b.sales.sum(where=b.is_own)).execute()
        per["month"] = pd.to_datetime(per["month"])
        for k in range(len(cat_edges) + 1):
            seg = per[per["band"] == k]
            last12 = seg[seg["month"].isin(recent)]
            by_shop = last12.groupby("shop")["sales"].sum()
            total = float(by_shop.sum())
            frames.append({
                "category": cat, "band": band_label(cat_edges, k), "demand": total,
                "recent": float(seg[seg["month"].isin(window)]["sales"].sum()),
                "base": float(seg[seg["month"].isin(base)]["sales"].sum()) if base.isin(months).all() else np.nan,
                "sq": float((by_shop**2).sum()), "listing_months": int(last12["n"].sum()),
                "own_sales": float(last12["own"].fillna(0).sum())})
    seg = pd.DataFrame(frames)
    seg["growth"] = metrics.change(seg["recent"], seg["base"])
    seg["hhi"] = metrics.hhi(seg["sq"], seg["demand"])
    seg["demand_per_listing"] = metrics.demand_per_listing(seg["demand"], seg["listing_months"])
    seg["own_share"] = metrics.share(seg["own_sales"], seg["demand"])
    return seg[["category", "band", "demand", "growth", "hhi", "listing_months", "demand_per_listing", "own_sales",
                "own_share"]]


def score_opportunities(segments: pd.DataFrame, weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
                        lang: str = "zh") -> pd.DataFrame:
    """Rank segments by :func:`metrics.opportunity_score` with the reasoning spelled out.

    Component scores are percentile ranks among the segments with sales (0 = lowest,
    1 = highest): demand and growth as they are, competition as HHI (less is better).
    Segments without sales in the last 12 months are left out (noted).
    """
    seg = segments[segments["demand"] > 0].copy()
    if len(seg) < len(segments):
        _note(f"{len(segments) - len(seg)} segments without sales in the last {RANK_MONTHS} full months are not scored")
    if seg.empty:
        return seg.assign(opportunity_score=[], reason=[])
    d = seg["demand"].rank(pct=True)
    g = seg["growth"].rank(pct=True)
    c = seg["hhi"].rank(pct=True)
    seg["opportunity_score"] = metrics.opportunity_score(d, g, c, *weights)
    zh = _zh(lang)
    n = len(seg)
    reasons = []
    for i in seg.index:
        dr = int(seg["demand"].rank(ascending=False, method="min")[i])
        growth = format_value(seg.loc[i, "growth"], "pct", lang) if pd.notna(seg.loc[i, "growth"]) else "—"
        hhi = f"{seg.loc[i, 'hhi']:,.0f}" if pd.notna(seg.loc[i, "hhi"]) else "—"
        share = format_value(seg.loc[i, "own_share"], "pct", lang)
        reasons.append(f"需求第{dr}/{n}，增长 {growth}，HHI {hhi}（{hhi_level(seg.loc[i, 'hhi'], lang)}），本店占 {share}"
                       if zh else f"demand #{dr} of {n}, growth {growth}, HHI {hhi} "
                                  f"({hhi_level(seg.loc[i, 'hhi'], lang)}), our share {share}")
    seg["reason"] = reasons
    return seg.sort_values(["opportunity_score", "demand"], ascending=[False, False]).reset_index(drop=True)


# --------------------------------------------------------------------------- sentences


def describe_size(size: pd.DataFrame, growth: dict, category: str, cal: Calibration | None, lang: str = "zh") -> str:
    """What the market's size, growth and our share mean for the shop (Markdown, data text escaped)."""
    zh = _zh(lang)
    full = size[~size["partial"]]
    if full.empty or not full["sales"].sum() > 0:
        return "该类目没有完整月份的销售。" if zh else "The category has no full month with sales."
    m = full.index[-1]
    row = full.loc[m]
    est_share = metrics.share(row["estimated_sales"], row["sales"])
    g = growth["growth"]
    share_then = full["own_share"].iloc[0]
    cat = _esc(category)
    half = metrics.share((row["sales_high"] - row["sales_low"]) / 2, row["sales"])
    interval = (f"（±{format_value(half, 'pct', lang)}，其中 {format_value(est_share, 'pct', lang)} 由交易指数估算）"
                if zh and cal is not None and est_share > 0 else
                f" (±{format_value(half, 'pct', lang)}; {format_value(est_share, 'pct', lang)} estimated from the trade index)"
                if cal is not None and est_share > 0 else "")
    if zh:
        return (f"{cat} {_month(m)} 市场规模 {format_value(row['sales'], 'yuan', lang)}{interval}；近 {GROWTH_MONTHS} 个完整月同比 "
                f"{format_value(g, 'pct', lang)}。本店占 {format_value(row['own_share'], 'pct', lang)}"
                f"（{_month(full.index[0])} 为 {format_value(share_then, 'pct', lang)}），"
                + ("份额在扩大。" if row["own_share"] > share_then else "份额没有跟上市场。"))
    return (f"{cat} sold {format_value(row['sales'], 'yuan', lang)} in {_month(m)}{interval}; the last {GROWTH_MONTHS} full "
            f"months grew {format_value(g, 'pct', lang)} year on year. Our share is {format_value(row['own_share'], 'pct', lang)} "
            f"({format_value(share_then, 'pct', lang)} in {_month(full.index[0])}): "
            + ("we are gaining ground." if row["own_share"] > share_then else "we are not keeping up with the market."))


def describe_bands(bands: pd.DataFrame, lang: str = "zh") -> str:
    """Which band sells most and which is under-supplied, with their shares of sales and listings."""
    zh = _zh(lang)
    top, under = top_band(bands), under_supplied_band(bands)
    if top is None:
        return "没有可分价格带的销售。" if zh else "No sales to split into price bands."
    b = bands.loc[top]
    text_ = (f"¥{_esc(top)} 贡献 {format_value(b['sales_share'], 'pct', lang)} 的销售额，只占 {format_value(b['listing_share'], 'pct', lang)} "
             f"的在售商品月数，本店在该价格带占 {format_value(b['own_share'], 'pct', lang)}。" if zh else
             f"¥{_esc(top)} carries {format_value(b['sales_share'], 'pct', lang)} of sales with "
             f"{format_value(b['listing_share'], 'pct', lang)} of listing-months; our share there is "
             f"{format_value(b['own_share'], 'pct', lang)}.")
    if under is not None:
        u = bands.loc[under]
        ratio = u["demand_per_listing"] / bands["demand_per_listing"].median()
        text_ += (f" 供给最不足的是 ¥{_esc(under)}：每个商品每月 {format_value(u['demand_per_listing'], 'yuan', lang)}，"
                  f"是各价格带中位数的 {ratio:.1f} 倍，新品放在这里竞争最少。" if zh else
                  f" The most under-supplied band is ¥{_esc(under)}: {format_value(u['demand_per_listing'], 'yuan', lang)} per "
                  f"listing per month, {ratio:.1f}× the median band, so a new listing meets the least competition there.")
    return text_


def describe_concentration(conc: pd.DataFrame, entries: pd.DataFrame, size: pd.DataFrame, shops: pd.DataFrame,
                           lang: str = "zh") -> str:
    """How concentrated the category is and how open to newcomers, in the last full month."""
    zh = _zh(lang)
    full = size.index[~size["partial"]]
    if not len(full) or pd.isna(conc.loc[full[-1], "hhi"]):
        return "没有可计算集中度的月份。" if zh else "No month with sales to measure concentration."
    m = full[-1]
    c = conc.loc[m]
    leader = _esc(shops.index[0]) if len(shops) else "—"
    lead_share = format_value(shops["share"].iloc[0], "pct", lang) if len(shops) else "—"
    new = format_value(entries.loc[m, "entrant_share"], "pct", lang)
    if zh:
        return (f"{_month(m)} CR5 为 {format_value(c['cr5'], 'pct', lang)}，HHI {c['hhi']:,.0f}（{hhi_level(c['hhi'], lang)}）；"
                f"第一名 {leader} 占 {lead_share}。近12个月新进入的商品拿到 {new} 的销售额，"
                + ("新店仍有机会。" if entries.loc[m, "entrant_share"] >= 0.05 else "新进入者很难分到份额。"))
    return (f"In {_month(m)} CR5 is {format_value(c['cr5'], 'pct', lang)} and HHI {c['hhi']:,.0f} ({hhi_level(c['hhi'], lang)}); "
            f"the leader {leader} holds {lead_share}. Listings that entered in the last 12 months take {new} of sales: "
            + ("there is room for newcomers." if entries.loc[m, "entrant_share"] >= 0.05
               else "newcomers find it hard to win share."))


def describe_competitors(status: pd.DataFrame, changes: pd.DataFrame, competitors: list[str], lang: str = "zh") -> str:
    """The latest competitor moves: price cuts, title edits and who left."""
    zh = _zh(lang)
    mine = changes[changes["shop"].isin(competitors) | changes["listing_id"].isin(competitors)]
    parts = []
    for _, r in changes.head(3).iterrows():
        price = (f"{format_value(r['old_price'], 'yuan', lang)}→{format_value(r['new_price'], 'yuan', lang)}"
                 if r["price_change"] else "")
        title = _esc(r["title_change"]) if r["title_change"] else ""
        parts.append(f"{_esc(r['shop'])} {_month(r['month'])} " + " ".join(p for p in (price, title) if p))
    gone = [_esc(c) for c in status.index[status["gone"]]] if len(status) else []
    if zh:
        s = (f"共发现 {len(changes)} 次竞品改价或改标题（跟踪对象 {len(mine)} 次）" + ("：" + "；".join(parts) + "。"
             if parts else "。"))
        return s + (f" 已退出：{'、'.join(gone)}。" if gone else "")
    s = (f"{len(changes)} competitor price or title changes ({len(mine)} by the tracked ones)"
         + (": " + "; ".join(parts) + "." if parts else "."))
    return s + (f" Gone: {', '.join(gone)}." if gone else "")


def describe_calibration(cal: Calibration | None, flags: pd.DataFrame, lang: str = "zh") -> str:
    """How far the index calibration can be trusted, and which listings look inflated."""
    zh = _zh(lang)
    flagged = flags[flags["flagged"]] if len(flags) else flags
    names = [f"{_esc(s)} ({_esc(i)})" for i, s in zip(flagged.index, flagged["shop"], strict=True)] if len(flagged) else []
    if cal is None:
        head = ("自有（指数, 销售额）样本不足，无法还原指数；只有公布销量的商品计入销售额。" if zh else
                "Too few own (index, sales) pairs to calibrate the index; only listings with units count in sales.")
    elif zh:
        head = (f"用本店 {cal.n} 组（交易指数, 销售额）拟合：销售额 ∝ 指数^{cal.beta:.2f}，R² {cal.r2:.3f}，"
                f"留一法 {cal.confidence:.0%} 区间实际覆盖 {cal.loo_coverage:.0%}，单个商品估算误差约 ±"
                f"{math.expm1(cal.t_crit * cal.sigma):.0%}；超出本店指数范围的估算是外推，可信度更低。")
    else:
        head = (f"Fitted on our {cal.n} (trade index, sales) pairs: sales ∝ index^{cal.beta:.2f}, R² {cal.r2:.3f}; "
                f"{cal.confidence:.0%} intervals held {cal.loo_coverage:.0%} of our own months left out one at a time, "
                f"about ±{math.expm1(cal.t_crit * cal.sigma):.0%} per listing; estimates beyond our own index range "
                "are extrapolations and less certain.")
    tail = ((f" 疑似刷单（交易指数远高于流量所能解释）：{'、'.join(names)}。" if names else " 没有发现交易指数异常偏高的商品。")
            if zh else (f" Suspected fake orders (trade index far above what traffic explains): {', '.join(names)}."
                        if names else " No listing's trade index is out of line with its traffic."))
    return head + tail


def describe_opportunity(scored: pd.DataFrame, weights: tuple[float, float, float], lang: str = "zh") -> str:
    """The best segment and where the shop stands in it."""
    zh = _zh(lang)
    if scored.empty:
        return "没有可评分的细分市场。" if zh else "No segment to score."
    top = scored.iloc[0]
    w = "/".join(f"{x:g}" for x in weights)
    if zh:
        return (f"按权重（需求/增长/竞争 = {w}），机会最大的是 {_esc(top['category'])} ¥{_esc(top['band'])}，"
                f"机会分 {top['opportunity_score']:.0f}：{_esc(top['reason'])}。")
    return (f"With weights demand/growth/competition = {w}, the best opening is {_esc(top['category'])} "
            f"¥{_esc(top['band'])}, score {top['opportunity_score']:.0f}: {_esc(top['reason'])}.")


# --------------------------------------------------------------------------- tables


def styled(frame: pd.DataFrame, formats: dict[str, Any], lang: str = "zh", index_name: str | None = None):
    """A table for reading: known columns renamed to ``lang``, values formatted, text escaped."""
    from helpers import plots

    cols = [c for c in formats if c in frame.columns]
    shown = frame[cols].rename(columns={c: text(c, lang) for c in cols})
    if index_name is not None:
        shown.index.name = text(index_name, lang)
    if isinstance(shown.index, pd.DatetimeIndex):
        shown.index = shown.index.strftime("%Y-%m")
    return plots.style_table(shown, {text(c, lang): formats[c] for c in cols}, lang, translate=False)


def size_table(size: pd.DataFrame, lang: str = "zh"):
    """A :func:`market_size` table for reading (partial months marked)."""
    shown = size.copy()
    shown["partial"] = ["●" if p else "" for p in shown["partial"]]
    return styled(shown, {"sales": "yuan", "sales_low": "yuan", "sales_high": "yuan", "units": "count",
                          "listings": "count", "own_share": "pct", "mom": "signed_pct", "yoy": "signed_pct",
                          "partial": str}, lang, "month")


def bands_table(bands: pd.DataFrame, lang: str = "zh"):
    """A :func:`price_bands` table for reading."""
    return styled(bands, {"sales": "yuan", "sales_share": "pct", "units": "count", "listings": "count",
                          "listing_months": "count", "listing_share": "pct", "demand_per_listing": "yuan",
                          "own_share": "pct"}, lang, "band")


def concentration_table(conc: pd.DataFrame, lang: str = "zh"):
    """A :func:`concentration` table for reading."""
    return styled(conc, {"sellers": "count", "cr3": "pct", "cr5": "pct", "cr10": "pct",
                         "hhi": lambda v: "—" if pd.isna(v) else f"{v:,.0f}"}, lang, "month")


def ranking_table(ranked: pd.DataFrame, by: str, lang: str = "zh"):
    """A :func:`rank_sellers` table for reading (our rows marked ●)."""
    shown = ranked.copy()
    shown["own"] = ["●" if o else "" for o in shown["own"]]
    return styled(shown, {"rank": "count", "shop": str, "title": str, "sales": "yuan", "share": "pct",
                          "price": "yuan", "rating": lambda v: "—" if pd.isna(v) else f"{v:.2f}",
                          "reviews": "count", "own": str}, lang, by)


def changes_table(changes: pd.DataFrame, lang: str = "zh", top: int = 15):
    """A :func:`detect_changes` table for reading (newest first)."""
    shown = changes.head(top).set_index("month")
    return styled(shown, {"shop": str, "listing_id": str, "old_price": "yuan", "new_price": "yuan",
                          "price_change": "signed_pct", "title_change": str, "new_title": str}, lang, "month")


def flags_table(flags: pd.DataFrame, lang: str = "zh", top: int = 10):
    """A :func:`flag_fake_orders` table for reading (flagged first)."""
    shown = flags.head(top).copy()
    shown["flagged"] = ["●" if f else "" for f in shown["flagged"]]
    shown["from_month"] = [_month(m) if pd.notna(m) else "" for m in shown["from_month"]]
    return styled(shown, {"shop": str, "title": str, "step": "ratio", "from_month": str, "level": "ratio",
                          "flagged": str}, lang, "listing_id")


def estimates_table(sales, cal: Calibration, month: Any, lang: str = "zh", top: int = 12):
    """Competitors' estimated sales from their trade index in one month, with intervals."""
    t = sales.filter(sales.estimated & (sales.month == pd.Timestamp(month).date()))
    rows = t.select("listing_id", "shop", "price", "trade_index").execute()
    pred = predict_sales(cal, rows["trade_index"])
    rows = pd.concat([rows.reset_index(drop=True), pred], axis=1).sort_values("estimate", ascending=False).head(top)
    rows["units"] = rows["estimate"] / rows["price"]
    rows["extrapolated"] = ["●" if e else "" for e in rows["extrapolated"]]
    return styled(rows.set_index("listing_id"), {"shop": str, "trade_index": "count", "estimate": "yuan",
                                                 "low": "yuan", "high": "yuan", "units": "count",
                                                 "extrapolated": str}, lang, "listing_id")


def competitor_table(status: pd.DataFrame, lang: str = "zh"):
    """A :func:`competitor_status` table for reading."""
    shown = status.copy()
    for c in ("first_month", "last_month"):
        shown[c] = [_month(m) for m in shown[c]]
    shown["gone"] = ["●" if g else "" for g in shown["gone"]]
    return styled(shown, {"first_month": str, "last_month": str, "price": "yuan",
                          "rating": lambda v: "—" if pd.isna(v) else f"{v:.2f}", "reviews": "count",
                          "gone": str}, lang, "competitor")


def opportunity_table(scored: pd.DataFrame, lang: str = "zh", top: int = 12):
    """A :func:`score_opportunities` table for reading."""
    shown = scored.head(top).set_index(["category", "band"])
    shown.index.names = [text("category", lang), text("band", lang)]
    return styled(shown, {"opportunity_score": lambda v: "—" if pd.isna(v) else f"{v:.0f}", "demand": "yuan",
                          "growth": "signed_pct", "hhi": lambda v: "—" if pd.isna(v) else f"{v:,.0f}",
                          "demand_per_listing": "yuan", "own_share": "pct", "reason": str}, lang)


# --------------------------------------------------------------------------- plots


def plot_size(size: pd.DataFrame, lang: str = "zh"):
    """Monthly market sales with its interval and our share on a second axis."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    x = size.index
    ax.fill_between(x, size["sales_low"], size["sales_high"], color="#4c72b0", alpha=0.25, lw=0)
    ax.plot(x, size["sales"], color="#4c72b0", marker="o", ms=3, label=text("sales", lang))
    partial = size[size["partial"]]
    ax.scatter(partial.index, partial["sales"], color="white", edgecolor="#4c72b0", zorder=3,
               label=text("partial", lang))
    plots.yuan_axis(ax, "y", lang)
    ax2 = ax.twinx()
    ax2.plot(x, size["own_share"], color="#dd8452", lw=1.5, label=text("own_share", lang))
    plots.pct_axis(ax2, "y")
    ax2.grid(False)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8)
    ax.set_title("市场规模与本店占比" if _zh(lang) else "Market size and our share")
    return fig


def plot_bands(bands: pd.DataFrame, lang: str = "zh"):
    """Share of sales against share of listing-months per price band."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    x = np.arange(len(bands))
    ax.bar(x - 0.2, bands["sales_share"], 0.4, label=text("sales_share", lang), color="#4c72b0")
    ax.bar(x + 0.2, bands["listing_share"], 0.4, label=text("listing_share", lang), color="#bbbbbb")
    ax.set_xticks(x, [f"¥{b}" for b in bands.index])
    plots.pct_axis(ax, "y")
    ax.legend(fontsize=8)
    ax.set_title("价格带：销售额与供给" if _zh(lang) else "Price bands: sales against supply")
    return fig


def plot_calibration(shop: Shop, cal: Calibration, lang: str = "zh"):
    """Own (index, sales) pairs on log axes with the fitted mapping and its prediction interval."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    pairs = calibration_pairs(shop)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.scatter(pairs["trade_index"], pairs["sales"], s=8, alpha=0.5, color="#4c72b0",
               label="本店月度样本" if _zh(lang) else "Our listing-months")
    grid = np.geomspace(max(cal.index_min / 3, 1e-9), cal.index_max * 3, 100)
    pred = predict_sales(cal, grid)
    ax.plot(grid, pred["estimate"], color="#dd8452", label=text("estimate", lang))
    ax.fill_between(grid, pred["low"], pred["high"], color="#dd8452", alpha=0.2, lw=0)
    ax.axvspan(cal.index_min, cal.index_max, color="#eeeeee", zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(text("trade_index", lang))
    ax.set_ylabel(text("sales", lang))
    ax.legend(fontsize=8)
    ax.set_title("交易指数还原（灰色 = 本店样本覆盖范围）" if _zh(lang) else "Trade index to sales (grey = range of our pairs)")
    return fig


def plot_competitors(trends: pd.DataFrame, lang: str = "zh"):
    """Competitors' monthly sales and price."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for comp, g in trends.groupby("competitor", sort=False):
        a1.plot(g["month"], g["sales"], marker="o", ms=2, label=str(comp))
        a2.plot(g["month"], g["price"], marker="o", ms=2, drawstyle="steps-post")
    plots.yuan_axis(a1, "y", lang)
    plots.yuan_axis(a2, "y", lang)
    a1.set_title(text("sales", lang))
    a2.set_title(text("price", lang))
    a1.legend(fontsize=7)
    for t in a1.get_legend().get_texts():
        t.set_parse_math(False)
    fig.autofmt_xdate()
    return fig


# --------------------------------------------------------------------------- Explore


def explore_controls(shop: Shop, category: str, lang: str = "zh") -> dict:
    """Selectors of the market Explore section: category and the number of price bands."""
    from helpers import explore

    return {"category": explore.choice(list_categories(shop), category, text("category", lang)),
            "n_bands": explore.choice([3, 4, 5, 6], 4, "价格带数" if _zh(lang) else "Price bands")}


def render_explore(shop: Shop, cal: Calibration | None, data_end: Any, category: str, n_bands: int,
                   lang: str = "zh") -> list:
    """The Explore view: one category's size and its price bands cut into ``n_bands`` quantile bands."""
    with warnings.catch_warnings():  # the report's Notes section already lists them
        warnings.simplefilter("ignore", metrics.MetricNote)
        s = listing_sales(shop, cal, category)
        size = market_size(s, cal, data_end)
        bands = price_bands(s, quantile_edges(s, int(n_bands)))
    return [plot_size(size, lang), bands_table(bands, lang)]
