"""Anomaly monitoring (异常监控): every source's visitors, conversion and UV value, day by day.

口径
----
Every day of every source is compared with its own trailing baseline of ordinary days
(campaign windows and the Spring Festival left out, :func:`helpers.core.calendar.abnormal_days`;
outlying days trimmed): visitors against the same weekday's mean on a variance-stabilised
scale, conversion and UV value against pooled rates with a Poisson tail test. Scores are z
values calibrated on the baseline's own day-to-day spread, see :func:`detect_anomalies`.

Hand-written pieces and why
---------------------------
The detector scores every source of a day at once (arrays of days x sources), a few
thousand cells per report. Library fits per cell would cost seconds per report for the same
numbers, so the statistics are written out over arrays, and tests prove them equal to the
libraries:

- the weekday baseline is an ordinary least squares fit with one mean per weekday
  (``statsmodels`` OLS on weekday dummies gives the same fit and residual variance);
- the Poisson mid-p tail uses ``scipy.special.gammaincc``, which is
  ``scipy.stats.poisson.cdf`` for whole counts and stays continuous for sales amounts;
- the robust scale is 1.4826 x the median absolute residual around 0
  (``scipy.stats.median_abs_deviation`` with that scale); 1.4826 is the rounded normal
  constant the thresholds were calibrated with.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.traffic.calc import load_daily
from helpers.areas.traffic.findings import anomaly_hint
from helpers.core.calendar import HOLIDAY_DAYS, Period, abnormal_days
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.shop import Shop

#: The metrics scored per day -> how their values are formatted.
METRIC_KINDS = {"visitors": "count", "conversion_rate": "pct", "uv_value": "yuan"}
MAD_TO_SD = 1.4826  # MAD of a normal distribution x this = its standard deviation
TRIM_Z = 3.5  # baseline days further than this (robust z) are left out of pooled baselines
RUN_DAYS = 3  # consecutive days of one source and metric scored together (a sustained shift)
RUN_THRESHOLD = 4.5  # |sum of their z| / sqrt(RUN_DAYS) from which a run is an anomaly
RUN_MIN_Z = 1.5  # ... when every day of it deviates at least this much, the same way
CELL_COLUMNS = ("date", "source", "source_group", "metric", "observed", "expected", "deviation", "z", "impact",
                "visitors", "bounce_rate", "baseline_bounce_rate", "run_z", "run_start", "anomaly")


def excluded_days(shop: Shop, start: Any, end: Any, post_campaign_days: int = 7,
                  holiday_days: int = HOLIDAY_DAYS) -> pd.Series:
    """Days that are not ordinary trading, with the reason: campaigns and the Spring Festival.

    A campaign covers its warm-up (or start) to its end plus ``post_campaign_days`` (the dip
    after a promotion); the Spring Festival covers ``holiday_days`` either side of 春节
    (logistics stop). These days are kept out of anomaly baselines and are not tested
    (their deviations are expected). The shop's ``campaigns`` table is read here and handed
    to :func:`helpers.core.calendar.abnormal_days`.

    Returns
    -------
    Series indexed by every day from start to end: "" for ordinary days, else the campaign
    id or "春节".
    """
    dates = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    campaigns = None
    if shop.has("campaigns"):
        campaigns = shop.table("campaigns").select("campaign_id", "name", "warmup_start", "start", "end").execute()
    return abnormal_days(campaigns, dates, post_campaign_days, holiday_days)


# --------------------------------------------------------------------------- statistics


def _anscombe(x, expected):
    """Variance-stabilised count residual 2 (sqrt(x + 3/8) - sqrt(expected + 3/8)): about N(0, 1)
    for a Poisson count, whatever its mean."""
    return 2.0 * (np.sqrt(np.maximum(x, 0) + 0.375) - np.sqrt(np.maximum(expected, 0) + 0.375))


def _poisson_z(x, expected, scale):
    """z of a count against its expectation from the Poisson mid-p tail, with overdispersion.

    The count and its mean are divided by the dispersion scale**2 (quasi-Poisson); the lower
    mid-p P(X < x) + P(X = x) / 2 uses the regularised incomplete gamma function, so it is
    exact for whole counts and continuous for amounts; z = Phi^-1(mid-p). Unlike the normal
    approximation it does not overstate a day with no buyers at all.
    """
    from scipy.special import gammaincc, ndtri

    phi = np.asarray(scale, dtype=float) ** 2
    k, lam = np.asarray(x, dtype=float) / phi, np.asarray(expected, dtype=float) / phi
    with np.errstate(invalid="ignore", divide="ignore"):
        upper_le = gammaincc(k + 1, lam)  # P(X <= k)
        lower_le = np.where(k > 0, gammaincc(np.maximum(k, 1e-300), lam), 0.0)  # P(X <= k - 1)
        mid = np.clip((upper_le + lower_le) / 2, 1e-300, 1 - 1e-16)
        z = ndtri(mid)
    return np.where(np.isfinite(lam) & (lam > 0) & np.isfinite(k), z, np.nan)


def _robust_scale(residuals: np.ndarray) -> np.ndarray:
    """Robust SD of residuals around 0 (1.4826 x median |r|), never below 1 (Poisson noise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mad = np.nanmedian(np.abs(residuals), axis=0)
    return np.maximum(1.0, np.nan_to_num(MAD_TO_SD * mad, nan=1.0))


def _pooled_baseline(x: np.ndarray, exposure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rate per unit of exposure pooled over baseline days, robust to outlying days.

    Pool, drop days whose residual is beyond TRIM_Z robust SDs, pool again. Returns (rate,
    scale); rate is NaN where the baseline has no exposure.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = x.sum(0) / exposure.sum(0)
        r = _anscombe(x, exposure * rate)
        keep = np.abs(r) <= TRIM_Z * _robust_scale(r)
        rate = (x * keep).sum(0) / (exposure * keep).sum(0)
    rate = np.where(np.isfinite(rate), rate, np.nan)
    return rate, _robust_scale(_anscombe(x, exposure * rate))


def _weekday_baseline(Vb: np.ndarray, wb: np.ndarray, target: int):
    """Expected visitors on weekday ``target`` and the z scale, from baseline days.

    Works on y = 2 sqrt(visitors + 3/8) (Anscombe: Poisson noise has SD 1 on this scale).
    Model: one mean per weekday (the overall mean for a weekday with fewer than two
    baseline days). Days beyond TRIM_Z robust SDs of a first fit on weekday medians are
    dropped; the residual SD uses n - groups degrees of freedom and the prediction SD adds
    the error of the weekday mean: s x sqrt(1 + 1 / n_weekday).

    Returns (expected visitors, predicted y, prediction SD of y), per source.
    """
    y = _anscombe(Vb, 0.0) + 2 * np.sqrt(0.375)  # = 2 sqrt(V + 3/8)
    groups = [wb == w for w in range(7)]
    enough = [g.sum() >= 2 for g in groups]

    def centre(stat, mask):
        out = np.empty_like(y)
        overall = stat(np.where(mask, y, np.nan))
        for g, ok in zip(groups, enough, strict=True):
            out[g] = stat(np.where(mask[g], y[g], np.nan)) if ok else overall
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        all_days = np.ones_like(y, dtype=bool)
        first = centre(lambda a: np.nanmedian(a, axis=0), all_days)
        keep = np.abs(y - first) <= TRIM_Z * _robust_scale(y - first)
        fit = centre(lambda a: np.nanmean(a, axis=0), keep)
        resid = np.where(keep, y - fit, np.nan)
        n_groups = sum(enough) + (0 if all(enough) else 1)
        dof = np.maximum(keep.sum(0) - n_groups, 1)
        sd = np.maximum(np.sqrt(np.nansum(resid**2, axis=0) / dof), 1.0)
        g = groups[target] if enough[target] else all_days
        n_target = np.maximum((keep & g[:, None]).sum(0), 1)
        pred = np.nanmean(np.where(keep & g[:, None], y, np.nan), axis=0)
        expected = np.nanmean(np.where(keep & g[:, None], Vb, np.nan), axis=0)
    return expected, pred, sd * np.sqrt(1 + 1 / n_target)


def _score_day(i, idx, V, B, A, X, weekday, sources, date, min_buyers) -> pd.DataFrame:
    """Scores of one day for every source (see :func:`detect_anomalies`)."""
    Vb, Bb, Ab, Xb, wb = V[idx], B[idx], A[idx], X[idx], weekday[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        exp_v, pred_y, sd_y = _weekday_baseline(Vb, wb, int(weekday[i]))
        conv, scale_c = _pooled_baseline(Bb, Vb)
        aov_b = Ab.sum(0) / Bb.sum(0)
        aov_b = np.where(np.isfinite(aov_b) & (aov_b > 0), aov_b, np.nan)
        uv_units, scale_u = _pooled_baseline(Ab / aov_b, Vb)
        uv_b = Ab.sum(0) / Vb.sum(0)
        v, b, a = V[i], B[i], A[i]
        bounce = np.where(v > 0, X[i] / v, np.nan)
        bounce_b = Xb.sum(0) / Vb.sum(0)
        z_v = (2 * np.sqrt(v + 0.375) - pred_y) / sd_y
        testable = v * conv >= min_buyers  # enough expected buyers to tell a change from chance
        z_c = np.where(testable, _poisson_z(b, v * conv, scale_c), np.nan)
        z_u = np.where(testable, _poisson_z(a / aov_b, v * uv_units, scale_u), np.nan)
        rows = {
            "visitors": (v, exp_v, z_v, a - exp_v * uv_b),
            "conversion_rate": (np.where(v > 0, b / v, np.nan), conv, z_c, (b - v * conv) * aov_b),
            "uv_value": (np.where(v > 0, a / v, np.nan), uv_units * aov_b, z_u, a - v * uv_units * aov_b),
        }
        frames = [pd.DataFrame({"date": date, "source": sources, "metric": metric, "observed": obs,
                                "expected": exp, "deviation": np.where(exp > 0, obs / exp - 1, np.nan),
                                "z": z, "impact": impact, "visitors": v, "bounce_rate": bounce,
                                "baseline_bounce_rate": bounce_b})
                  for metric, (obs, exp, z, impact) in rows.items()]
    return pd.concat(frames, ignore_index=True)


def _flag_runs(table: pd.DataFrame, days: int = RUN_DAYS, threshold: float = RUN_THRESHOLD,
               min_z: float = RUN_MIN_Z) -> pd.DataFrame:
    """``run_z`` and ``run_start`` of every cell: sustained shifts scored over consecutive days.

    Formula: run_z of a cell = (z of its day + z of the ``days - 1`` days before) / sqrt(days),
    over consecutive tested days of the same source and metric (NaN when one of them is
    missing); a run is flagged when |run_z| >= ``threshold`` and every day's z is at least
    ``min_z`` the same way (a single outlying day never drags its neighbours in). Overlapping
    flagged runs merge into one episode; ``run_start`` is its first day (NaT outside one).
    """
    out = table.copy()
    z = out.pivot_table(index="date", columns=["source", "metric"], values="z", dropna=False)
    z = z.reindex(pd.date_range(z.index.min(), z.index.max())) if len(z) else z
    roll = z.rolling(days, min_periods=days)
    run_z = roll.sum() / np.sqrt(days)
    ends = ((run_z >= threshold) & (roll.min() >= min_z)) | ((run_z <= -threshold) & (roll.max() <= -min_z))
    inside = ends.iloc[::-1].rolling(days, min_periods=1).max().iloc[::-1].fillna(0).astype(bool)
    dates = pd.Series(z.index, index=z.index)
    start = pd.DataFrame({c: dates.where(inside[c] & ~inside[c].shift(1, fill_value=False)).ffill().where(inside[c])
                          for c in inside.columns}, index=z.index)
    start.columns = inside.columns

    def lookup(frame: pd.DataFrame) -> pd.Series:
        long = frame.stack(["source", "metric"], future_stack=True)
        return long.reindex(pd.MultiIndex.from_arrays([out["date"], out["source"], out["metric"]])).to_numpy()

    out["run_z"] = lookup(run_z).astype(float)
    out["run_start"] = pd.to_datetime(lookup(start))
    return out


# --------------------------------------------------------------------------- the detector


def detect_anomalies(daily: pd.DataFrame, reasons: pd.Series, start: Any, end: Any, *, threshold: float = 4.0,
                     baseline_days: int = 56, min_baseline_days: int = 28,
                     min_expected_buyers: float = 5.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every source's visitors, conversion and UV value on every day from start to end.

    For each day, the baseline is the last ``baseline_days`` ordinary days (``reasons ==
    ""``, with data) among the ``2 x baseline_days`` calendar days before it; a day with
    fewer than ``min_baseline_days`` of them is not tested. Per source:

    - visitors: the mean of the same weekday's baseline days (all baseline days when fewer
      than two), fitted on y = 2 sqrt(visitors + 3/8) after dropping days beyond 3.5 robust
      SD; z = (y - fit) / (s sqrt(1 + 1/n)), s the residual SD (n - groups degrees of
      freedom, at least 1), n the weekday's baseline days;
    - conversion: expected buyers E = visitors x conversion pooled over the baseline (days
      beyond 3.5 robust SD left out);
    - UV value: expected sales = visitors x UV value pooled likewise (sales counted in units
      of the baseline AOV);

    both scored by the Poisson mid-p tail of the count against E, after dividing both by
    the dispersion s**2 (s = 1.4826 x median |Anscombe residual| over the baseline, at least
    1), z = Phi^-1(mid-p); tested only where E >= ``min_expected_buyers`` (fewer buyers
    cannot tell a real change from chance) and the day has visitors. A cell is an anomaly
    when |z| >= ``threshold``, or when it belongs to a sustained shift: :data:`RUN_DAYS`
    consecutive tested days of the same source and metric whose z sum to |Σ z| / sqrt(3) >=
    :data:`RUN_THRESHOLD`, each day's z at least :data:`RUN_MIN_Z` the same way
    (:func:`_flag_runs`; the days of a run share ``run_start``, one episode). Day-to-day
    variance beyond Poisson widens the dispersion s and so lowers the power of a single day;
    a shift held over days adds up. Measured on the sample shop over 6 seeds (its conversion
    has a 9% day effect), on the ordinary days (about 8,800 cells a seed): single days flagged
    1–7 cells a seed, runs 0–7 more (0–3 episodes); a week's search-ranking penalty (visitors
    x 0.5) was flagged on 4–7 of its 7 days by single days, 7 of 7 with runs, and a 3-day
    price test (search conversion x 0.25) on 0–3 of 3 days, 3 of 3 with runs.

    Parameters
    ----------
    daily : :func:`helpers.areas.traffic.calc.load_daily` rows covering the baseline and
        the tested days.
    reasons : :func:`excluded_days` over the same days.
    start, end : first and last day tested.

    Returns
    -------
    (cells, days): ``cells`` has one row per tested day, source and metric (date, source,
    source_group, metric, observed, expected, deviation = observed / expected - 1, z,
    impact = the day's sales minus what the baseline expects, yuan (visitors: expected
    visitors x baseline UV value; conversion: (buyers - expected buyers) x baseline AOV; UV
    value: sales - visitors x baseline UV value); visitors, bounce_rate,
    baseline_bounce_rate, run_z, run_start (the first day of its sustained shift, NaT
    outside one), anomaly); ``days`` has one row per day from start to end with
    status ("tested", "excluded", "short_baseline", "no_data"), reason and baseline_days
    (ordinary days available); days absent from ``daily`` are never part of a baseline.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end < start:
        raise ValueError(f"anomaly scan ends ({end.date()}) before it starts ({start.date()})")
    first = min(daily["date"].min(), start) if len(daily) else start
    dates = pd.date_range(first, end, freq="D")
    wide = (daily.pivot_table(index="date", columns="source",
                              values=["visitors", "paid_buyers", "paid_amount", "bounced_visitors"], aggfunc="sum")
            .reindex(dates).fillna(0.0))
    sources = list(wide["visitors"].columns) if len(daily) else []
    groups = daily.groupby("source")["source_group"].last() if len(daily) else pd.Series(dtype=object)
    V, B, A, X = (wide[k].to_numpy(float) if sources else np.zeros((len(dates), 0))
                  for k in ("visitors", "paid_buyers", "paid_amount", "bounced_visitors"))
    why = reasons.reindex(dates).fillna("").astype(str).to_numpy()
    has_data = (dates.isin(pd.DatetimeIndex(daily["date"].unique())) if len(daily)
                else np.zeros(len(dates), bool))
    ordinary = (why == "") & has_data
    weekday = dates.day_of_week.to_numpy()
    cells, days = [], []
    for i in range(dates.get_loc(start) if start in dates else 0, len(dates)):
        if not has_data[i]:
            days.append((dates[i], "no_data", "", 0))
            continue
        if not ordinary[i]:
            days.append((dates[i], "excluded", why[i], 0))
            continue
        lo = max(0, i - 2 * baseline_days)
        idx = np.arange(lo, i)[ordinary[lo:i]][-baseline_days:]
        if len(idx) < min_baseline_days:
            days.append((dates[i], "short_baseline", "", len(idx)))
            continue
        days.append((dates[i], "tested", "", len(idx)))
        cells.append(_score_day(i, idx, V, B, A, X, weekday, sources, dates[i], min_expected_buyers))
    day_table = pd.DataFrame(days, columns=["date", "status", "reason", "baseline_days"])
    if not cells:
        return pd.DataFrame(columns=list(CELL_COLUMNS)).astype({"anomaly": bool}), day_table
    table = pd.concat(cells, ignore_index=True)
    table.insert(2, "source_group", table["source"].map(groups))
    table = _flag_runs(table)
    table["anomaly"] = (table["z"].abs() >= threshold) | table["run_start"].notna()
    return table, day_table


@dataclass(frozen=True)
class AnomalyScan:
    """Result of :func:`find_anomalies`."""

    anomalies: pd.DataFrame  # flagged cells, largest |z| first, with a hint
    cells: pd.DataFrame  # every tested cell
    days: pd.DataFrame  # status of every scanned day
    scan: Period
    threshold: float
    baseline_days: int
    min_baseline_days: int

    @property
    def tested_days(self) -> int:
        return int((self.days["status"] == "tested").sum())


def find_anomalies(shop: Shop, period: Period, weeks: int = 8, threshold: float = 4.0, baseline_days: int = 56,
                   min_baseline_days: int = 28, post_campaign_days: int = 7) -> AnomalyScan:
    """Day-level anomalies per source on visitors, conversion and UV value (异常监控).

    Scans the ``weeks`` weeks that end on the period's last day (at least the period
    itself) against a seasonal baseline (see :func:`detect_anomalies`); campaign windows
    and the Spring Festival are kept out of the baseline and are not tested
    (:func:`excluded_days`). Days that could not be tested for lack of history are a note.

    Parameters
    ----------
    threshold : robust z from which a deviation is an anomaly (4 = about one false alarm
        per 15,000 cells of Gaussian noise).
    baseline_days : calendar days of history behind each day.
    min_baseline_days : ordinary days the baseline needs (28 = four of each weekday); days
        with fewer are listed as untested.
    post_campaign_days : days after a campaign's end still treated as campaign.

    Returns
    -------
    :class:`AnomalyScan`; its anomalies carry a ``hint`` (the likely cause,
    :func:`helpers.areas.traffic.findings.anomaly_hint`).
    """
    if threshold <= 0:
        raise ValueError(f"parameter anomaly_threshold={threshold!r} must be positive, e.g. 4")
    if min_baseline_days < 7 or baseline_days < min_baseline_days:
        raise ValueError(
            f"baseline_days={baseline_days} and min_baseline_days={min_baseline_days}: "
            "use min_baseline_days >= 7 and baseline_days >= min_baseline_days"
        )
    scan = Period.ending(period.end, max(7 * int(weeks), period.days))
    history = scan.start - pd.Timedelta(days=2 * baseline_days)
    daily = load_daily(shop, history, scan.end)
    if len(daily) and scan.start < daily["date"].min() <= scan.end:  # scan from the data's first day
        scan = Period(daily["date"].min(), scan.end)
    reasons = excluded_days(shop, history, scan.end, post_campaign_days)
    cells, days = detect_anomalies(daily, reasons, scan.start, scan.end, threshold=threshold,
                                   baseline_days=baseline_days, min_baseline_days=min_baseline_days)
    flagged = cells[cells["anomaly"].astype(bool)].copy()
    flagged["hint"] = [anomaly_hint(r) for _, r in flagged.iterrows()] if len(flagged) else []
    flagged = flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index)
    short = days[days["status"] == "short_baseline"]
    if len(short):
        a, b, n = f"{short['date'].min():%Y-%m-%d}", f"{short['date'].max():%Y-%m-%d}", len(short)
        note(f"{a} 至 {b} 共 {n} 天未做异常检测：此前 {2 * baseline_days} 天内不足 {min_baseline_days} 个正常日",
             f"{n} day(s) from {a} to {b} were not tested: fewer than {min_baseline_days} ordinary days "
             f"of history in the {2 * baseline_days} days before them")
    return AnomalyScan(anomalies=flagged.reset_index(drop=True), cells=cells, days=days, scan=scan,
                       threshold=threshold, baseline_days=baseline_days, min_baseline_days=min_baseline_days)
