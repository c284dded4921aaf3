"""Demand forecast per product (需求预测), back-tested, with weekday and season indexes and the
campaign lift learned from the shop's own history.

Model: ``statsmodels.tsa.statespace.SARIMAX`` with order (0, 1, 1) on weekly paid units, i.e.
simple exponential smoothing (ETS(A,N,N)) in state-space form. Chosen over
``ExponentialSmoothing``/``ETSModel`` because the Kalman filter treats missing weeks as missing:
weeks with a stock-out (sales are not demand) and campaign weeks (not ordinary demand) are
left out of the fit instead of pulling the level down or up, and the prediction intervals are
exact for the model. Weekly, because most products sell a few units a day (daily counts are
too noisy for a Gaussian model); days are the week's forecast split by the shop's weekday
index. A product's season is in the level; the shop's month index is shown beside it.

Campaign lift (活动提升): for each past campaign, the shop's paid units per day in its event
days over those of the 28 ordinary days before its warm-up (the counterfactual of the
campaign notebook, in its simplest form). A planned campaign's days are forecast as the
baseline times the lift of the campaign chosen as its template. Per product
(:func:`product_lifts`), the same ratio for each product, shrunk towards its category's when
the product sold too few units to tell (empirical Bayes, with an interval): in a campaign whose
mechanic covers one category (买一送一 on 收纳) or discounts some products more, one lift for
the shop over-stocks some products and under-stocks others.

Back-test: the model is fitted once per product, at an origin ``backtest_weeks`` before the
data's end, and forecasts those weeks; its WAPE (Σ|actual - forecast| / Σ actual) and the share
of weeks its interval covered are reported beside each product's forecast. The forecast itself
takes the held-out weeks in with the same parameters (``append``, no second fit): the error
shown is that of the parameters that forecast, and each product costs one fit, not two.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

WEEK = 7


def weekly_units(daily: pd.DataFrame, last_day: pd.Timestamp, censored: pd.DataFrame | None,
                 abnormal: pd.Series) -> pd.DataFrame:
    """Paid units per product and 7-day week ending on ``last_day``; censored weeks are NaN.

    A week is censored when any of its days was out of stock (``censored``, a day x product
    frame of booleans) or not ordinary trading (``abnormal`` non-empty: campaign, 春节).

    Returns
    -------
    DataFrame: index = each week's last day, columns = product ids, values = units or NaN.
    """
    days = pd.date_range(daily["date"].min(), last_day, freq="D")
    units = (daily.pivot_table(index="date", columns="product_id", values="units", aggfunc="sum")
             .reindex(days).fillna(0.0))
    week_end = last_day - ((last_day - days).days // WEEK) * pd.Timedelta(days=WEEK)
    counts = pd.Series(1, index=days).groupby(week_end).sum()
    weekly = units.groupby(week_end).sum()[counts == WEEK]
    bad_day = abnormal.reindex(days).fillna("") != ""
    bad_week = bad_day.groupby(week_end).any().reindex(weekly.index)
    weekly[bad_week.to_numpy()] = np.nan
    if censored is not None:
        out = censored.reindex(index=days, columns=units.columns).fillna(False).astype(bool)
        weekly = weekly.mask(out.groupby(week_end).any().reindex(weekly.index))
    return weekly


def one_blas_thread():
    """A context in which every BLAS (numpy's, scipy's bundled OpenBLAS, MKL) runs on one thread.

    statsmodels' Kalman filter calls BLAS on 2 x 2 matrices thousands of times per fit;
    OpenBLAS's worker threads gain nothing there and, on a machine whose cores are busy with
    other runs, spin for their turn: the shop's 100 forecasts took 46-96 s instead of 4 s
    (measured on 2 shared cores). threadpoolctl finds the loaded BLAS libraries and restores
    their threads afterwards.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _fit(values: np.ndarray):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short or flat series
        # the scale concentrated out of the likelihood: the same estimate with one parameter
        # (theta) left to search, several times faster than searching (theta, sigma2)
        model = SARIMAX(values, order=(0, 1, 1), trend="n", concentrate_scale=True)
        return model.fit(disp=False)


def _path(fitted, weeks: int, confidence: float) -> pd.DataFrame:
    pred = fitted.get_forecast(weeks)
    mean = np.asarray(pred.predicted_mean, dtype=float)
    sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
    low, high = np.asarray(pred.conf_int(alpha=1 - confidence), dtype=float).T
    return pd.DataFrame({"step": np.arange(1, weeks + 1), "mean": np.maximum(mean, 0),
                         "low": np.maximum(low, 0), "high": np.maximum(high, 0), "sd": sd})


def forecast_product(series: pd.Series, weeks: int, confidence: float = 0.8) -> pd.DataFrame:
    """Weekly forecast of one product with its prediction interval.

    Returns
    -------
    DataFrame with step (1..weeks), mean, low, high (units per week, floored at 0) and sd (the
    forecast's standard error).
    """
    return _path(_fit(series.to_numpy(dtype=float)), weeks, confidence)


def _score(test: pd.Series, path: pd.DataFrame) -> dict:
    seen = test.notna().to_numpy()
    actual = test.to_numpy()[seen]
    mean, low, high = (path[c].to_numpy()[seen] for c in ("mean", "low", "high"))
    wape = float(np.abs(actual - mean).sum() / actual.sum()) if actual.sum() > 0 else np.nan
    return {"backtest_wape": wape, "backtest_coverage": float(((actual >= low) & (actual <= high)).mean())}


def backtest_forecast(series: pd.Series, weeks: int, backtest_weeks: int,
                      confidence: float = 0.8) -> tuple[pd.DataFrame, dict]:
    """One product's forecast and its back-test from a single fit.

    The model is fitted once, on the weeks before the back-test origin; it forecasts the
    ``backtest_weeks`` held out (the back-test), then takes those weeks in with the same
    parameters (statsmodels ``append``, no refit) and forecasts ``weeks`` ahead from the
    data's end. The error reported is thus the error of the very parameters that forecast.
    Without enough weeks before the origin the model is fitted on everything and the
    back-test is NaN.

    Returns
    -------
    (the forecast path as :func:`forecast_product`, {"backtest_wape", "backtest_coverage"}).
    """
    train, test = series.iloc[:-backtest_weeks], series.iloc[-backtest_weeks:]
    if train.notna().sum() < 8 or test.notna().sum() == 0:
        return forecast_product(series, weeks, confidence), {"backtest_wape": np.nan, "backtest_coverage": np.nan}
    fitted = _fit(train.to_numpy(dtype=float))
    score = _score(test, _path(fitted, backtest_weeks, confidence))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = fitted.append(test.to_numpy(dtype=float))
    return _path(full, weeks, confidence), score


def forecast_all(weekly: pd.DataFrame, weeks: int, backtest_weeks: int, confidence: float = 0.8,
                 min_weeks: int = 12) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Forecast and back-test every product with at least ``min_weeks`` observed weeks.

    Formula: forecast = the SARIMAX(0,1,1) mean of the next ``weeks`` weeks (units per week);
    back-test WAPE = Σ|actual - forecast| / Σ actual over the last ``backtest_weeks`` observed
    weeks, forecast from the origin before them; coverage = share of those weeks inside the
    back-test interval. One fit per product (:func:`backtest_forecast`).

    Returns
    -------
    (table, paths). table: one row per product (index product_id): weekly_mean (units/week
    over the horizon), horizon_units, horizon_low, horizon_high (sum over the horizon; interval
    from the summed variance of the steps, a lower bound since steps correlate: widened by
    sqrt(weeks)), week_sd (one week's forecast sd), observed_weeks, backtest_wape,
    backtest_coverage. paths: product id -> its weekly path (:func:`forecast_product`).
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows, paths = {}, {}
    for pid in weekly.columns:
        series = weekly[pid]
        if series.notna().sum() < min_weeks or series.iloc[-26:].fillna(0).sum() == 0:
            continue
        with one_blas_thread():
            f, score = backtest_forecast(series, weeks, backtest_weeks, confidence)
        total = float(f["mean"].sum())
        # the steps of a random walk's forecast are correlated: the sum's sd grows like steps^1.5
        sd_total = float(np.sqrt((f["sd"] ** 2).sum() * weeks))
        rows[pid] = {"weekly_mean": total / weeks, "horizon_units": total,
                     "horizon_low": max(total - z * sd_total, 0.0), "horizon_high": total + z * sd_total,
                     "week_sd": float(f["sd"].iloc[0]), "observed_weeks": int(series.notna().sum()), **score}
        paths[pid] = f
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "product_id"
    return out, paths


def forecast_products(weekly: pd.DataFrame, weeks: int, backtest_weeks: int, confidence: float = 0.8,
                      min_weeks: int = 12) -> pd.DataFrame:
    """The table of :func:`forecast_all` (one row per product), without the paths."""
    return forecast_all(weekly, weeks, backtest_weeks, confidence, min_weeks)[0]


def backtest_product(series: pd.Series, weeks: int, confidence: float = 0.8) -> dict:
    """WAPE and interval coverage of the forecast made ``weeks`` weeks before the end."""
    return backtest_forecast(series, 1, weeks, confidence)[1]


def weekday_index(daily: pd.DataFrame, abnormal: pd.Series) -> pd.Series:
    """The shop's paid units by weekday over its mean, on ordinary days (Monday = 0 .. Sunday = 6)."""
    total = daily.groupby("date")["units"].sum()
    total = total[(abnormal.reindex(total.index).fillna("") == "").to_numpy()]
    by_day = total.groupby(total.index.dayofweek).mean()
    return by_day / by_day.mean()


def month_index(daily: pd.DataFrame, abnormal: pd.Series) -> pd.Series:
    """The shop's paid units per ordinary day by calendar month over their mean (1 .. 12)."""
    total = daily.groupby("date")["units"].sum()
    total = total[(abnormal.reindex(total.index).fillna("") == "").to_numpy()]
    by_month = total.groupby(total.index.month).mean()
    return by_month / by_month.mean()


def campaign_lifts(daily: pd.DataFrame, campaigns: pd.DataFrame, abnormal: pd.Series,
                   baseline_days: int = 28) -> pd.DataFrame:
    """Each past campaign's lift: units per event day / units per ordinary day in the
    ``baseline_days`` before its warm-up (or start).

    Returns
    -------
    DataFrame indexed by campaign_id with name, event_days, units_per_day, baseline_per_day,
    lift (a ratio; NaN without ordinary baseline days).
    """
    total = daily.groupby("date")["units"].sum()
    ordinary = total[(abnormal.reindex(total.index).fillna("") == "").to_numpy()]
    rows = []
    for c in campaigns.itertuples(index=False):
        start, end = pd.Timestamp(c.start), pd.Timestamp(c.end)
        first = pd.Timestamp(c.warmup_start) if pd.notna(c.warmup_start) else start
        event = total[(total.index >= start) & (total.index <= end)]
        base = ordinary[(ordinary.index < first) & (ordinary.index >= first - pd.Timedelta(days=baseline_days))]
        if event.empty:
            continue
        base_rate = float(base.mean()) if len(base) else np.nan
        rows.append({"campaign_id": str(c.campaign_id), "name": str(c.name), "event_days": len(event),
                     "units_per_day": float(event.mean()), "baseline_per_day": base_rate,
                     "lift": float(event.mean()) / base_rate if base_rate and base_rate > 0 else np.nan})
    return pd.DataFrame(rows).set_index("campaign_id") if rows else pd.DataFrame(
        columns=["name", "event_days", "units_per_day", "baseline_per_day", "lift"])


def product_lifts(daily: pd.DataFrame, campaign: pd.Series, abnormal: pd.Series, categories: pd.Series,
                  out: pd.DataFrame | None = None, baseline_days: int = 28, confidence: float = 0.9) -> pd.DataFrame:
    """One campaign's lift per product, shrunk towards its category's (empirical Bayes).

    Formula: raw lift L_j = (U_j / event days) / (K_j / baseline days), U_j = the product's
    units in the campaign's event days, K_j = its units on the ordinary days in stock among
    the ``baseline_days`` before the warm-up (or start). On the log scale L_j has the variance
    v_j = 1 / (U_j + 0.5) + 1 / (K_j + 0.5) + s_c^2 (1 / event days + 1 / baseline days_j):
    Poisson, plus the day-to-day variance that every product of the category shares (a shop's
    conversion varies from day to day beyond chance), s_c^2 = max((phi_c - 1) / m_c, 0) from the
    quasi-Poisson dispersion phi_c = Σ_d (x_d - m_c)^2 / m_c / (D - 1) of the category's daily
    units x_d on the D ordinary baseline days (mean m_c). The category's lift L_c is pooled
    as Σ U_j / Σ (K_j / baseline days_j x event days) over its products, with v_c = 1 / (Σ U +
    0.5) + 1 / (Σ K + 0.5) + s_c^2 (1 / event days + 1 / D); tau^2, the spread of the products' true log lifts around it,
    is the variance of log L_j less the mean v_j (method of moments, over the shop when a
    category has fewer than 5 products with sales on both sides). The estimate is
    exp(w_j log L_j + (1 - w_j) log L_c), w_j = tau^2 / (tau^2 + v_j): a product with few
    units leans on its category, a product that sold nothing before gets the category's lift.
    Interval: the normal posterior, sd = sqrt(w_j v_j + (1 - w_j)^2 v_c), v_c the category's
    own variance.

    Parameters
    ----------
    campaign : one row of ``campaigns`` (start, end, warmup_start).
    categories : product id -> category.
    out : day x product out-of-stock flags (stock.out_of_stock_days); those days are not baseline.

    Returns
    -------
    DataFrame indexed by product_id (those sold or in ``categories``): category, event_units,
    baseline_units, baseline_days, raw_lift, category_lift, weight, lift, lift_low, lift_high.
    A product first sold after the baseline began has weight 0: its category's lift.
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    start, end = pd.Timestamp(campaign["start"]), pd.Timestamp(campaign["end"])
    first = pd.Timestamp(campaign["warmup_start"]) if pd.notna(campaign.get("warmup_start")) else start
    days = pd.date_range(first - pd.Timedelta(days=baseline_days), end, freq="D")
    units = (daily.pivot_table(index="date", columns="product_id", values="units", aggfunc="sum")
             .reindex(days).fillna(0.0))
    event = (days >= start) & (days <= end)
    ordinary = (abnormal.reindex(days).fillna("") == "").to_numpy() & (days < first)
    base_ok = pd.DataFrame(np.repeat(ordinary[:, None], units.shape[1], 1), index=days, columns=units.columns)
    if out is not None:
        base_ok &= ~out.reindex(index=days, columns=units.columns).fillna(False).astype(bool)
    seen = daily.groupby("product_id")["date"].min()
    listed = seen[seen < first - pd.Timedelta(days=baseline_days)].index
    ids = units.columns.union(categories.index)
    units, base_ok = units.reindex(columns=ids, fill_value=0.0), base_ok.reindex(columns=ids, fill_value=False)
    f = pd.DataFrame({"category": categories.reindex(ids).fillna("").astype(object)}, index=ids)
    f["event_units"] = units.loc[event].sum()
    f["baseline_units"] = units.where(base_ok, 0.0).sum()
    f["baseline_days"] = base_ok.sum()
    n_event = int(event.sum())
    rate = f["baseline_units"] / f["baseline_days"].where(f["baseline_days"] > 0)
    f["raw_lift"] = (f["event_units"] / n_event) / rate.where(rate > 0)
    # the day-to-day variance (relative) the products of a category share, from its daily units
    cat_days = units.loc[ordinary].T.groupby(f["category"]).sum().T
    mean = cat_days.mean()
    phi = ((cat_days - mean) ** 2).sum() / mean.where(mean > 0) / max(len(cat_days) - 1, 1)
    s2 = ((phi - 1) / mean).clip(lower=0.0).fillna(0.0) if len(cat_days) > 1 else mean * 0.0
    s2_j = s2.reindex(f["category"]).fillna(0.0).to_numpy()
    base_n = f["baseline_days"].where(f["baseline_days"] > 0)
    f["v"] = (1 / (f["event_units"] + 0.5) + 1 / (f["baseline_units"] + 0.5)
              + s2_j * (1 / n_event + (1 / base_n).fillna(0.0)))
    # pooled over the products listed before the baseline: the category's event units over what
    # their baseline rates expect in those days (NaN for a category without any)
    old = f[f.index.isin(listed)]
    g = old.groupby("category")
    expected = (rate.reindex(old.index).fillna(0.0) * n_event).groupby(old["category"]).sum()
    pooled = g["event_units"].sum() / expected.where(expected > 0)
    v_cat = (1 / (g["event_units"].sum() + 0.5) + 1 / (g["baseline_units"].sum() + 0.5)
             + s2.reindex(pooled.index).fillna(0.0) * (1 / n_event + 1 / max(int(ordinary.sum()), 1)))
    f["category_lift"] = pooled.reindex(f["category"]).to_numpy(dtype=float)
    both = (f["event_units"] > 0) & (f["baseline_units"] > 0) & f.index.isin(listed)
    dev = np.log(f["raw_lift"].where(both)) - np.log(f["category_lift"])

    def spread(rows: pd.Series) -> float:
        return max(float(dev[rows].var(ddof=1) - f.loc[rows, "v"].mean()), 0.0)

    shop_tau2 = spread(both)
    tau2 = {c: spread(both & (f["category"] == c)) if (both & (f["category"] == c)).sum() >= 5 else shop_tau2
            for c in pooled.index}
    t2 = pd.Series(tau2, dtype=float).reindex(f["category"]).to_numpy()
    f["weight"] = np.where(both, t2 / (t2 + f["v"]), 0.0)
    log_lift = f["weight"] * np.log(f["raw_lift"].where(both, 1.0)) + (1 - f["weight"]) * np.log(f["category_lift"])
    sd = np.sqrt(f["weight"] * f["v"] + (1 - f["weight"]) ** 2 * v_cat.reindex(f["category"]).to_numpy(dtype=float) + np.where(both, 0.0, t2))
    f["lift"], f["lift_low"], f["lift_high"] = np.exp(log_lift), np.exp(log_lift - z * sd), np.exp(log_lift + z * sd)
    return f.drop(columns=["v"])
