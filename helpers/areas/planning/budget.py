"""Budget allocation across paid plans (预算分配) by marginal ROI.

Each plan's weekly return is fitted as a saturating curve (diminishing returns)

    R(s) = a (1 - exp(-s / b))      (元 attributed per week at weekly spend s)

with ``scipy.optimize.curve_fit`` on the log of the return (noise on a return is a share of it,
so the fit is least squares of log R; its covariance gives the intervals), on the plan's budget-test
weeks (``budget_tests``) or, without them, on its weekly totals in ``ads``. a is the most the
plan can return a week, b the spend at which it has reached 63% of that; the marginal ROI
R'(s) = a / b x exp(-s / b). Plans that pay a commission per sale (淘宝客: no spend without
a sale) are not fitted.

Allocation: the budget goes, in small steps, to the plan with the highest marginal ROI, while
that ROI is above the break-even ROI of the cost model
(:func:`helpers.core.costs.break_even_roi`); what is left is not worth spending. The expected
return's range comes from 500 draws of each plan's (a, b) from its fitted normal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit


def saturating(spend, a, b):
    """R(s) = a (1 - exp(-s / b)), 元."""
    return a * (1 - np.exp(-np.asarray(spend, dtype=float) / b))


def _log_saturating(spend, a, b):
    return np.log(a) + np.log1p(-np.exp(-np.asarray(spend, dtype=float) / b))


def weekly_points(shop_ads: pd.DataFrame | None, tests: pd.DataFrame | None,
                  commission_channels: tuple[str, ...] = ("淘宝客",)) -> tuple[pd.DataFrame, str]:
    """The (plan, spend, amount) weeks to fit on, and where they come from ("budget_tests" or "ads")."""
    if tests is not None and len(tests):
        pts = tests.rename(columns={"attributed_amount": "amount"})
        source = "budget_tests"
    else:
        a = shop_ads.dropna(subset=["attributed_amount"]).copy()
        a["week"] = a["date"] - pd.to_timedelta(a["date"].dt.dayofweek, unit="D")
        pts = (a.groupby(["week", "channel", "plan"], as_index=False)
               .agg(spend=("spend", "sum"), amount=("attributed_amount", "sum")))
        source = "ads"
    pts = pts[~pts["channel"].isin(commission_channels) & (pts["spend"] > 0)]
    return pts[["plan", "channel", "spend", "amount"]], source


def fit_curves(points: pd.DataFrame, min_weeks: int = 8, confidence: float = 0.9) -> pd.DataFrame:
    """Fitted (a, b) per plan with standard errors and the marginal ROI at the plan's median spend.

    Returns
    -------
    One row per plan: weeks, a, a_sd, b, b_sd, cov_ab, spend_now (median weekly spend),
    roi_now (R(s)/s there), marginal_now, marginal_low, marginal_high (interval of R'(s) there).
    Plans with fewer than ``min_weeks`` weeks or a failed fit are left out.
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = {}
    for plan, g in points.groupby("plan"):
        if len(g) < min_weeks:
            continue
        g = g[g["amount"] > 0]
        s, r = g["spend"].to_numpy(float), g["amount"].to_numpy(float)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                (a, b), cov = curve_fit(_log_saturating, s, np.log(r), p0=(r.max() * 1.5, np.median(s)),
                                        bounds=([1e-6, 1e-6], [np.inf, np.inf]), maxfev=20000)
        except RuntimeError:
            continue
        if not np.all(np.isfinite(cov)):
            continue
        now = float(np.median(s))
        grad = np.array([np.exp(-now / b) / b, a * np.exp(-now / b) * (now - b) / b**3])
        marginal = a / b * np.exp(-now / b)
        sd = float(np.sqrt(grad @ cov @ grad))
        rows[plan] = {"channel": g["channel"].iloc[0], "weeks": len(g), "a": a, "a_sd": float(np.sqrt(cov[0, 0])),
                      "b": b, "b_sd": float(np.sqrt(cov[1, 1])), "cov_ab": float(cov[0, 1]),
                      "spend_now": now, "roi_now": float(saturating(now, a, b)) / now,
                      "marginal_now": marginal, "marginal_low": marginal - z * sd, "marginal_high": marginal + z * sd}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "plan"
    return out


def allocate_budget(curves: pd.DataFrame, budget: float, break_even: float, steps: int = 2000,
                    draws: int = 500, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Split a weekly ``budget`` by marginal ROI above ``break_even`` (module docstring).

    Returns
    -------
    (per plan: spend, share, expected return, marginal ROI at the spend, change against spend_now;
    summary: allocated, unspent, expected_return, return_low, return_high (5% and 95% of the
    draws), roi).
    """
    a, b = curves["a"].to_numpy(), curves["b"].to_numpy()
    spend = np.zeros(len(curves))
    step = budget / steps
    for _ in range(steps):
        marginal = a / b * np.exp(-spend / b)
        k = int(np.argmax(marginal))
        if not marginal[k] > break_even:
            break
        spend[k] += step
    out = pd.DataFrame({"channel": curves["channel"], "spend": spend, "spend_now": curves["spend_now"]},
                       index=curves.index)
    out["share"] = out["spend"] / budget if budget > 0 else np.nan
    out["expected_return"] = saturating(spend, a, b)
    out["marginal_roi"] = a / b * np.exp(-spend / b)
    out["change"] = out["spend"] - out["spend_now"]
    rng = np.random.default_rng(seed)
    totals = np.zeros(draws)
    for i, row in enumerate(curves.itertuples()):
        cov = np.array([[row.a_sd**2, row.cov_ab], [row.cov_ab, row.b_sd**2]])
        ab = rng.multivariate_normal([row.a, row.b], cov, size=draws)
        ab[:, 1] = np.maximum(ab[:, 1], 1e-6)
        totals += saturating(spend[i], ab[:, 0], ab[:, 1])
    allocated = float(spend.sum())
    expected = float(out["expected_return"].sum())
    summary = {"allocated": allocated, "unspent": budget - allocated, "expected_return": expected,
               "return_low": float(np.quantile(totals, 0.05)), "return_high": float(np.quantile(totals, 0.95)),
               "roi": expected / allocated if allocated > 0 else np.nan, "break_even_roi": break_even}
    return out, summary
