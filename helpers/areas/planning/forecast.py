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
baseline times the lift of the campaign chosen as its template.

Back-test: the same model refitted at an origin ``backtest_weeks`` before the data's end,
forecasting those weeks; its WAPE (Σ|actual - forecast| / Σ actual) and the share of weeks its
interval covered are reported beside each product's forecast.
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


def _fit(series: pd.Series):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short or flat series
        model = SARIMAX(series.to_numpy(dtype=float), order=(0, 1, 1), trend="n")
        return model.fit(disp=False)


def forecast_product(series: pd.Series, weeks: int, confidence: float = 0.8) -> pd.DataFrame:
    """Weekly forecast of one product with its prediction interval.

    Returns
    -------
    DataFrame with step (1..weeks), mean, low, high (units per week, floored at 0) and sd (the
    forecast's standard error).
    """
    fitted = _fit(series)
    pred = fitted.get_forecast(weeks)
    mean = np.asarray(pred.predicted_mean, dtype=float)
    sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
    low, high = np.asarray(pred.conf_int(alpha=1 - confidence), dtype=float).T
    return pd.DataFrame({"step": np.arange(1, weeks + 1), "mean": np.maximum(mean, 0),
                         "low": np.maximum(low, 0), "high": np.maximum(high, 0), "sd": sd})


def forecast_products(weekly: pd.DataFrame, weeks: int, backtest_weeks: int, confidence: float = 0.8,
                      min_weeks: int = 12) -> pd.DataFrame:
    """Forecast and back-test every product with at least ``min_weeks`` observed weeks.

    Formula: forecast = the SARIMAX(0,1,1) mean of the next ``weeks`` weeks (units per week);
    back-test WAPE = Σ|actual - forecast| / Σ actual over the last ``backtest_weeks`` observed
    weeks, forecast from the origin before them; coverage = share of those weeks inside the
    back-test interval.

    Returns
    -------
    One row per product (index product_id): weekly_mean (units/week over the horizon),
    horizon_units, horizon_low, horizon_high (sum over the horizon; interval from the summed
    variance of the steps, a lower bound since steps correlate: widened by sqrt(weeks)),
    week_sd (one week's forecast sd), observed_weeks, backtest_wape, backtest_coverage.
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = {}
    for pid in weekly.columns:
        series = weekly[pid]
        if series.notna().sum() < min_weeks or series.iloc[-26:].fillna(0).sum() == 0:
            continue
        f = forecast_product(series, weeks, confidence)
        total = float(f["mean"].sum())
        # the steps of a random walk's forecast are correlated: the sum's sd grows like steps^1.5
        sd_total = float(np.sqrt((f["sd"] ** 2).sum() * weeks))
        row = {"weekly_mean": total / weeks, "horizon_units": total,
               "horizon_low": max(total - z * sd_total, 0.0), "horizon_high": total + z * sd_total,
               "week_sd": float(f["sd"].iloc[0]), "observed_weeks": int(series.notna().sum())}
        row.update(backtest_product(series, backtest_weeks, confidence))
        rows[pid] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "product_id"
    return out


def backtest_product(series: pd.Series, weeks: int, confidence: float = 0.8) -> dict:
    """WAPE and interval coverage of the forecast made ``weeks`` weeks before the end."""
    train, test = series.iloc[:-weeks], series.iloc[-weeks:]
    if train.notna().sum() < 8 or test.notna().sum() == 0:
        return {"backtest_wape": np.nan, "backtest_coverage": np.nan}
    f = forecast_product(train, weeks, confidence)
    seen = test.notna().to_numpy()
    actual = test.to_numpy()[seen]
    mean, low, high = (f[c].to_numpy()[seen] for c in ("mean", "low", "high"))
    wape = float(np.abs(actual - mean).sum() / actual.sum()) if actual.sum() > 0 else np.nan
    return {"backtest_wape": wape, "backtest_coverage": float(((actual >= low) & (actual <= high)).mean())}


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
