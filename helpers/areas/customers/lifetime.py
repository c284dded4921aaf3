"""Customer lifetime value: the models of :mod:`.models` fitted on the shop's customers, their
per-customer predictions, and a hold-out check on the shop's own history.

口径 used here
--------------
The models read every customer's whole history up to the period's last day
(:func:`.purchases.summarize_customers`: x, t_x, T in days, the mean value of the repeat
purchases in yuan). A customer's first purchase in the data counts as their first: who
bought before the data starts looks new (a note says so). Expected values are in yuan and
not discounted. Below :data:`MIN_REPEAT_CUSTOMERS` customers with a repeat purchase there is
no model, and the figures are NaN (a note says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.models import (
    ModelFit,
    bgnbd_expected_purchases,
    bgnbd_p_alive,
    compress_rows,
    distinct_rows,
    expected_grouped,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
    purchases_if_alive,
    why_not_converged,
)
from helpers.areas.customers.purchases import (
    add_lifetime_columns,
    arrow_to_pandas,
    customer_table,
    paid_purchases,
)
from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.core.notes import note, quiet
from helpers.i18n import label

if TYPE_CHECKING:
    from helpers.core.shop import Shop

MIN_REPEAT_CUSTOMERS = 10  # fewer customers with a repeat purchase: no lifetime model
SCORE_COLUMNS = ("p_alive", "p_alive_before", "expected_purchases", "value_per_purchase", "expected_value")


@dataclass
class Lifetime:
    """Per-customer predictions of the fitted models, and the fits."""

    scores: pd.DataFrame
    bgnbd: ModelFit | None  # None: too few repeat customers to fit
    gamma_gamma: ModelFit | None
    horizon_days: int

    def new_customer(self) -> dict[str, float]:
        """Expected repeat purchases and their value (yuan) over the horizon for a brand-new customer.

        purchases = E[X(horizon)] of BG/NBD at x = t_x = T = 0; value_per_purchase = the
        Gamma-Gamma population mean p gamma / (q - 1); value = their product.
        """
        if self.bgnbd is None:
            return {"purchases": np.nan, "value_per_purchase": np.nan, "value": np.nan}
        purchases = float(bgnbd_expected_purchases(self.bgnbd.values(), 0, 0, 0, self.horizon_days)[()])
        value = (float(gamma_gamma_expected_value(self.gamma_gamma.values(), 0, np.nan)[()])
                 if self.gamma_gamma else np.nan)
        return {"purchases": purchases, "value_per_purchase": value, "value": purchases * value}


def score_lifetime(summary: pd.DataFrame, horizon_days: int, recent_days: int = 30) -> Lifetime:
    """Fit BG/NBD and Gamma-Gamma on the customers' whole histories and predict each customer.

    Parameters
    ----------
    summary : :func:`.purchases.summarize_customers` output (x, t_x, T in days; repeat_value).
    horizon_days : days ahead for expected purchases and value (0 gives 0).
    recent_days : P(alive) is also given as it was this many days ago, to see it fall.

    Returns
    -------
    Lifetime with scores indexed by customer_id: x, t_x, T, p_alive, p_alive_before
    (``recent_days`` ago, for customers whose last purchase is older than that),
    expected_purchases, value_per_purchase (Gamma-Gamma, yuan) and expected_value =
    expected_purchases x value_per_purchase (yuan, not discounted). Notes say what the
    models could not do (too few repeat customers, no convergence, spend tied to frequency).
    """
    if horizon_days < 0:
        raise ValueError(f"parameter horizon_days={horizon_days} must be >= 0")
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    scores = pd.DataFrame({"x": x, "t_x": t_x, "T": T}, index=summary.index)
    repeat_customers = int((x > 0).sum())
    if repeat_customers < MIN_REPEAT_CUSTOMERS:
        note(f"只有 {repeat_customers} 位客户购买过两次及以上（至少需要 {MIN_REPEAT_CUSTOMERS} 位）：无法拟合生命周期模型，"
             "因此没有预计购买次数、预计消费金额和活跃概率",
             f"only {repeat_customers} customers bought more than once (at least {MIN_REPEAT_CUSTOMERS} are "
             "needed): no lifetime model, so no expected purchases, values or P(active)")
        for col in SCORE_COLUMNS:
            scores[col] = np.nan
        if horizon_days == 0:
            scores["expected_purchases"] = 0.0
        return Lifetime(scores, None, None, int(horizon_days))
    bg = fit_bgnbd(x, t_x, T)
    note_unconverged(bg, "全部历史", "whole history")
    if "first_date" in summary and len(summary):
        first = f"{summary['first_date'].min():%Y-%m-%d}"
        note(f"生命周期模型：客户在数据中的第一次购买（数据始于 {first}）算作首购；数据开始前就买过的客户看起来像新客，"
             "购买频率因此略微偏高",
             f"lifetime models: a customer's first purchase in the data (from {first}) counts as their first; "
             "customers who bought before the data starts look new, which makes purchase rates look slightly higher")
    params = bg.values()
    scores["p_alive"] = bgnbd_p_alive(params, x, t_x, T)
    earlier = T - recent_days
    seen = (earlier >= t_x) & (earlier >= 0)
    before = np.full(len(x), np.nan)
    before[seen] = bgnbd_p_alive(params, x[seen], t_x[seen], earlier[seen])
    scores["p_alive_before"] = before
    scores["expected_purchases"] = expected_grouped(params, x, t_x, T, horizon_days)
    m = summary["repeat_value"].to_numpy(dtype=float)
    gg = None
    repeaters = (x >= 1) & (m > 0)
    if repeaters.sum() >= MIN_REPEAT_CUSTOMERS:
        gg = fit_gamma_gamma(x, m)
        if gg.params["q"] <= 1:
            note("Gamma-Gamma：q ≤ 1，平均单次消费不存在，不给出预计消费金额",
                 "Gamma-Gamma: q <= 1, the mean spend is not defined; values are left out")
        corr = np.corrcoef(x[repeaters], m[repeaters])[0, 1] if repeaters.sum() > 2 else np.nan
        if abs(corr) > 0.3:
            note(f"Gamma-Gamma 假设单次消费与购买频率无关；这里两者相关（{corr:+.2f}），预计消费金额只宜粗看",
                 f"Gamma-Gamma assumes spend per purchase does not depend on how often a customer buys; here "
                 f"they correlate ({corr:+.2f}), so expected values are rough")
        scores["value_per_purchase"] = gamma_gamma_expected_value(gg.values(), x, m)
    else:
        note(f"有正金额复购的客户少于 {MIN_REPEAT_CUSTOMERS} 位：没有消费模型，不给出预计消费金额",
             f"fewer than {MIN_REPEAT_CUSTOMERS} customers with a repeat purchase of positive value: no spend "
             "model, expected values are not given")
        scores["value_per_purchase"] = np.nan
    scores["expected_value"] = scores["expected_purchases"] * scores["value_per_purchase"]
    return Lifetime(scores, bg, gg, int(horizon_days))


def note_unconverged(fit: ModelFit, data_zh: str, data_en: str) -> None:
    """A note when ``fit`` did not converge: which fit, on what data, why, and that its
    predictions are not to be relied on."""
    if fit.converged:
        return
    zh, en = (label(f"not_converged_{why_not_converged(fit)}", x) for x in ("zh", "en"))
    note(f"{fit.model} 模型在{data_zh}上没有收敛（{zh}）：它的预测不可靠，不作为结论",
         f"the {fit.model} model did not converge on the {data_en} ({en}): its predictions are not reliable "
         "and are not used as a verdict")


@dataclass
class Holdout:
    """Calibration/holdout check: fit on the history up to ``calibration_end``, predict after."""

    calibration_end: pd.Timestamp
    holdout_days: int
    fit: ModelFit
    aggregate: pd.DataFrame  # rows: repeat purchases, (spend per purchase); predicted, actual, error
    by_frequency: pd.DataFrame  # calibration repeat purchases bucket -> customers, predicted, actual
    weekly: pd.DataFrame  # day, predicted, actual (cumulative repeat purchases)


class ShortHistory(ValueError):
    """The data is too short for the hold-out check; ``evidence`` holds the numbers that say why."""

    def __init__(self, message: str, **evidence):
        super().__init__(message)
        self.evidence = evidence


def check_holdout(shop: Shop, period: Period, holdout_days: int = 180, same_day_orders: str = "once") -> Holdout:
    """Fit on the history before the last ``holdout_days`` days and predict those days.

    Customers first seen in the calibration period are followed into the holdout; their
    repeat purchases there are compared with the BG/NBD prediction in total, by how many
    repeat purchases they made in calibration (0, 1, ..., 7+), and day by day (cumulative).
    Where both are possible, Gamma-Gamma's expected spend per purchase is compared with the
    holdout's mean purchase value (yuan). error = (predicted - actual) / actual.

    Raises
    ------
    ValueError
        when ``holdout_days`` is not positive; :class:`ShortHistory` when it leaves less
        than ``holdout_days`` of history, or fewer than :data:`MIN_REPEAT_CUSTOMERS` repeat
        customers, before it.
    """
    import ibis
    from ibis import _

    if holdout_days <= 0:
        raise ValueError(f"parameter holdout_days={holdout_days} must be > 0")
    first_day = shop.date_range("orders", "pay_time")[0].normalize()
    cal_end = period.end - pd.Timedelta(days=holdout_days)
    # days counted as Period counts them, both ends included: 1997-01-01 ~ 09-30 is 273 days
    history = Period(first_day, cal_end).days if cal_end >= first_day else 0
    if history < holdout_days:
        most = Period(first_day, period.end).days // 2
        raise ShortHistory(f"parameter holdout_days={holdout_days} leaves only {history} days of history before "
                           f"it; use at most {most} days", holdout_days=int(holdout_days), history_days=history,
                           max_days=most)
    # Only numbers come back, one row per calibration customer: the check needs no ids (at
    # 50 million lines a summary with text ids was 3 GiB more). Sorted by every column so that
    # the rows, and the fit's sums over them, come in the same order on every run.
    cal = customer_table(shop, Period(first_day, cal_end), same_day_orders)
    cut = ibis.literal(cal_end.date(), type="date")
    p = paid_purchases(shop, period.end, None, same_day_orders)
    later = p.filter(p.pay_date > cut).join(cal.select("customer_id"), "customer_id")  # first seen by the cut
    later = later.mutate(day=later.pay_date.delta(cut, unit="day"))
    hold = later.group_by("customer_id").aggregate(holdout_purchases=_.count(), holdout_value=_.value.sum())
    both = cal.left_join(hold, cal.customer_id == hold.customer_id)
    both = both.select("first_date", "last_date", "purchases", "sales", "first_value",
                       holdout_purchases=both.holdout_purchases.fill_null(0),
                       holdout_value=both.holdout_value.fill_null(0.0))
    calibration = arrow_to_pandas(both.order_by(list(both.columns)).to_pyarrow())
    add_lifetime_columns(calibration, cal_end)
    repeaters = int((calibration["x"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise ShortHistory(f"the calibration period up to {cal_end.date()} has {repeaters} customers who bought "
                           f"more than once; the check needs at least {MIN_REPEAT_CUSTOMERS}",
                           holdout_days=int(holdout_days), calibration_end=cal_end, repeat_customers=repeaters,
                           needed=MIN_REPEAT_CUSTOMERS)
    fit = fit_bgnbd(calibration["x"], calibration["t_x"], calibration["T"])
    note_unconverged(fit, f" {cal_end.date()} 以前的历史", f"history up to {cal_end.date()}")
    params = fit.values()
    x, t_x, T = (calibration[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    predicted = expected_grouped(params, x, t_x, T, holdout_days)
    actual = calibration["holdout_purchases"].to_numpy(dtype=float)
    actual_value = calibration["holdout_value"].to_numpy(dtype=float)
    rows = [{"item": "repeat_purchases", "predicted": predicted.sum(), "actual": actual.sum()}]
    m = calibration["repeat_value"].to_numpy(dtype=float)
    if ((x >= 1) & (m > 0)).sum() >= MIN_REPEAT_CUSTOMERS:
        gg = fit_gamma_gamma(x, m)
        bought = (actual > 0) & (actual_value > 0)
        if bought.any() and gg.params["q"] > 1:
            value = gamma_gamma_expected_value(gg.values(), x[bought], m[bought])
            rows.append({"item": "spend_per_purchase",
                         "predicted": float(np.average(value, weights=actual[bought])),
                         "actual": float(actual_value[bought].sum() / actual[bought].sum())})
    aggregate = pd.DataFrame(rows).set_index("item")
    with quiet():  # no repeat purchase in the holdout: the error is NaN, and the table shows it
        aggregate["error"] = metrics.change(aggregate["predicted"], aggregate["actual"])
    bucket = np.minimum(x, 7).astype(int)
    by = pd.DataFrame({"bucket": bucket, "predicted": predicted, "actual": actual}).groupby("bucket").agg(
        customers=("actual", "size"), predicted=("predicted", "mean"), actual=("actual", "mean"))
    by.index = [f"{b}+" if b == 7 else str(b) for b in by.index]
    daily = later.group_by("day").aggregate(purchases=_.count()).execute()
    steps = np.unique(np.r_[np.arange(7, holdout_days, 7), holdout_days]).astype(int)
    actual_cum = [int(daily.loc[daily["day"] <= d, "purchases"].sum()) for d in steps]
    # sum of P(alive) x E[purchases | alive]: the second factor depends on (x, T) only, so the
    # curve's many horizons are computed once per distinct (x, T), weighted by P(alive)
    (ux, ut, uT), weights = compress_rows(x, t_x, T)
    (px, pT), pair = distinct_rows(ux, uT)
    alive = np.bincount(pair, weights=weights * bgnbd_p_alive(params, ux, ut, uT), minlength=len(px))
    predicted_cum = [float(alive @ purchases_if_alive(params, px, pT, float(d))) for d in steps]
    weekly = pd.DataFrame({"day": steps, "predicted": predicted_cum, "actual": actual_cum})
    return Holdout(cal_end, int(holdout_days), fit, aggregate, by, weekly)
