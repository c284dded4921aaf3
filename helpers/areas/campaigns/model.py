"""The counterfactual: what daily sales would have been without the campaign, as predictive draws.

口径 used here
--------------
A model of log daily sales is fitted on the clean baseline days and projected over the
window:

- ``regression``: ordinary least squares on an intercept, a linear trend (weeks), Tuesday..Sunday
  dummies and the usable control series (log), with Student-t predictive draws that include
  the coefficients' uncertainty and the daily noise;
- ``structural``: a structural time-series model (local level + weekly seasonal + controls,
  statsmodels ``UnobservedComponents``) simulated forward.

Both draw :data:`N_DRAWS` paths with the fixed seed :data:`SEED`, so a report does not change
between runs. Logs are taken of sales + :data:`LOG_OFFSET` yuan when at least 95% of the
training days have sales; otherwise the model works on yuan (a note says so). The
**effect** of a phase = actual sales - counterfactual sales (yuan); **relative effect** =
actual / counterfactual - 1; intervals are the equal-tailed ``confidence`` quantiles of the
draws (``numpy.quantile``); the **probability the effect is real** = share of draws on the
same side of zero as the point estimate. Point estimates use the mean of the draws.

Why the regression's draws are written out here: they are *joint* draws over every day of
the window from the multivariate Student-t predictive distribution,
mean X β̂, scale s² (X (X'X)⁻¹ X' + I), ν = n - rank degrees of freedom, so that the sum of a
phase's days carries the coefficients' shared uncertainty. statsmodels' OLS gives the same
β̂ and s² (a test proves it to 1e-10) but only per-day intervals, not joint draws, and
``scipy.stats.multivariate_t`` would draw other random numbers from the same seed, changing
every published figure; the draw is three lines of linear algebra on the fitted values.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import MODELS
from helpers.core.notes import note

N_DRAWS = 2000  # predictive draws of the counterfactual
SEED = 20261111  # fixed seed of the draws: the same data give the same report
LOG_OFFSET = 1.0  # yuan added before taking logs (days without sales)


@dataclass
class Counterfactual:
    """Predictive draws of daily sales without the campaign.

    ``draws`` has one row per day of ``dates`` and one column per draw, in yuan. Days the
    model was fitted on get in-sample predictions (for the fit plot); the others are
    projections. ``fit_error`` is the mean absolute percentage error on the fitted days.
    """

    dates: pd.DatetimeIndex
    draws: np.ndarray
    model: str
    scale: str  # "log" or "level"
    train: np.ndarray  # bool per day: fitted on
    fit_error: float

    @property
    def mean(self) -> np.ndarray:
        """The expected counterfactual sales per day (yuan): the mean of the draws."""
        return self.draws.mean(axis=1)


def design_matrix(dates: pd.DatetimeIndex, origin: pd.Timestamp, controls: np.ndarray | None) -> np.ndarray:
    """Intercept, trend (weeks since ``origin``), Tuesday..Sunday dummies and log controls."""
    t = (dates - origin).days.to_numpy(dtype=float) / 7.0
    dow = dates.day_of_week.to_numpy()
    cols = [np.ones(len(dates)), t] + [(dow == k).astype(float) for k in range(1, 7)]
    if controls is not None and controls.size:
        cols += [controls[:, j] for j in range(controls.shape[1])]
    return np.column_stack(cols)


def _transform(values: np.ndarray, scale: str) -> np.ndarray:
    return np.log(values + LOG_OFFSET) if scale == "log" else values


def _untransform(values: np.ndarray, scale: str) -> np.ndarray:
    return np.exp(values) - LOG_OFFSET if scale == "log" else values


def ols_fit(X: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, float, int]:
    """Least-squares coefficients β̂, residual variance s² = RSS / (n - rank) and its degrees of
    freedom (at least 1), as statsmodels ``OLS(z, X).fit()`` gives ``params`` and ``scale``."""
    beta, *_ = np.linalg.lstsq(X, z, rcond=None)
    resid = z - X @ beta
    dof = max(len(z) - np.linalg.matrix_rank(X), 1)
    return beta, float(resid @ resid) / dof, dof


def _fit_regression(z: np.ndarray, train: np.ndarray, dates: pd.DatetimeIndex,
                    controls: np.ndarray | None, n_draws: int, seed: int) -> np.ndarray:
    """OLS on the training days; joint Student-t predictive draws (coefficients + noise) for every day."""
    X = design_matrix(dates, dates[train][0], controls)
    Xt = X[train]
    beta, s2, dof = ols_fit(Xt, z[train])
    xtx_inv = np.linalg.pinv(Xt.T @ Xt)
    mean = X @ beta
    cov = s2 * (X @ xtx_inv @ X.T) + s2 * np.eye(len(dates))
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(dates)))
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((len(dates), n_draws))
    scale = np.sqrt(rng.chisquare(dof, n_draws) / dof)
    return mean[:, None] + (chol @ normal) / scale[None, :]


def _fit_structural(z: np.ndarray, train: np.ndarray, controls: np.ndarray | None, n_draws: int,
                    seed: int) -> np.ndarray:
    """Local level + weekly seasonal (+ controls): smoothed in-sample, simulated forward."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    last = int(np.nonzero(train)[0][-1])
    y_fit = np.where(train[:last + 1], z[:last + 1], np.nan)
    exog = controls if controls is not None and controls.size else None
    model = UnobservedComponents(y_fit, level="local level", seasonal=7,
                                 exog=None if exog is None else exog[:last + 1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(disp=False, maxiter=200)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note("结构时间序列模型：似然优化没有完全收敛，可与 model=regression 的结果对照",
             "structural model: the likelihood optimiser did not fully converge; compare with "
             "model=regression", stacklevel=3)
    rng = np.random.default_rng(seed)
    smoother = result.smoother_results  # in-sample: smoothed values (finite from day one)
    sd = np.sqrt(np.maximum(smoother.smoothed_forecasts_error_cov[0, 0], 0))
    inside = (smoother.smoothed_forecasts[0][:, None]
              + sd[:, None] * rng.standard_normal((last + 1, n_draws)))
    h = len(z) - last - 1
    if h <= 0:
        return inside
    future = result.simulate(h, anchor="end", repetitions=n_draws, rng=rng,
                             exog=None if exog is None else exog[last + 1:])
    return np.vstack([inside, np.asarray(future).reshape(h, n_draws)])


def fit_counterfactual(sales: pd.Series, train: pd.Series, controls: pd.DataFrame | None = None, *,
                       model: str = "regression", n_draws: int = N_DRAWS,
                       seed: int = SEED) -> Counterfactual:
    """Fit the no-campaign model on the training days and draw daily sales for every day.

    Parameters
    ----------
    sales : daily sales (yuan), indexed by consecutive dates: the pre-period then the window.
    train : bool Series on the same index, True on the clean pre-period days to fit on; all
        of them must come before the first day to project.
    controls : daily control series on the same index (yuan or counts), used as regressors
        on the log scale; None or empty for none.
    model : "regression" or "structural" (see the module docstring).
    n_draws, seed : number of predictive draws and their fixed seed.

    Returns
    -------
    Counterfactual, with draws in yuan (negative draws are cut to 0). Logs are used when at
    least 95% of the training days have sales, else the model works on yuan (a note).
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r}; use one of {MODELS}")
    train_mask = train.reindex(sales.index).fillna(False).to_numpy(bool)
    if train_mask.sum() < 8:
        raise ValueError(f"the counterfactual needs at least 8 training days, got {int(train_mask.sum())}")
    y = sales.to_numpy(dtype=float)
    scale = "log" if (y[train_mask] > 0).mean() >= 0.95 else "level"
    if scale == "level":
        note("活动前基期超过 5% 的日子没有销售，模型按金额而非对数拟合，区间较粗",
             "more than 5% of the pre-period days had no sales, so the model works on yuan rather "
             "than logs; intervals are rougher")
    z = _transform(y, scale)
    ctrl = None
    if controls is not None and len(controls.columns):
        ctrl = np.log(controls.reindex(sales.index).to_numpy(dtype=float) + LOG_OFFSET)
    if model == "regression":
        zd = _fit_regression(z, train_mask, sales.index, ctrl, n_draws, seed)
    else:
        zd = _fit_structural(z, train_mask, ctrl, n_draws, seed)
    draws = np.maximum(_untransform(zd, scale), 0.0)
    fitted = draws[train_mask].mean(axis=1)
    actual = y[train_mask]
    ok = actual > 0
    error = float(np.mean(np.abs(fitted[ok] - actual[ok]) / actual[ok])) if ok.any() else float("nan")
    return Counterfactual(dates=sales.index, draws=draws, model=model, scale=scale, train=train_mask,
                          fit_error=error)


def quantiles(values: np.ndarray, confidence: float, axis: int = -1) -> tuple[Any, Any]:
    """The equal-tailed ``confidence`` interval of draws: the (1 - c) / 2 and (1 + c) / 2 quantiles."""
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(values, [tail, 1 - tail], axis=axis)
    return lo, hi


def safe_div(num: float, den: float) -> float:
    """num / den, NaN when den is 0 or missing (callers note why)."""
    if den is None or pd.isna(den) or den == 0 or num is None or pd.isna(num):
        return float("nan")
    return float(num) / float(den)


def summarize_effect(actual: float, cf_draws: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Effect of one phase from its actual sales and the counterfactual draws of the phase's total.

    Formulas: predicted = mean of the draws; effect = actual - predicted (yuan); relative =
    actual / predicted - 1; effect_low/high = actual - the predicted interval's high/low;
    relative_low/high = quantiles of actual / draw - 1 over the positive draws; p_real =
    share of draws with actual - draw on the side of zero of the point effect.

    Returns
    -------
    dict with actual, predicted, predicted_low/high, effect, effect_low/high, relative,
    relative_low/high and p_real. Yuan and fractions.
    """
    predicted = float(np.mean(cf_draws))
    p_lo, p_hi = quantiles(cf_draws, confidence)
    effect = actual - predicted
    rel_draws = np.where(cf_draws > 0, actual / np.where(cf_draws > 0, cf_draws, 1.0) - 1, np.nan)
    r_lo, r_hi = quantiles(rel_draws[~np.isnan(rel_draws)], confidence) if np.isfinite(
        rel_draws).any() else (np.nan, np.nan)
    side = (actual - cf_draws) > 0 if effect >= 0 else (actual - cf_draws) < 0
    return {"actual": float(actual), "predicted": predicted, "predicted_low": float(p_lo),
            "predicted_high": float(p_hi), "effect": float(effect),
            "effect_low": float(actual - p_hi), "effect_high": float(actual - p_lo),
            "relative": safe_div(actual, predicted) - 1, "relative_low": float(r_lo),
            "relative_high": float(r_hi), "p_real": float(np.mean(side))}
