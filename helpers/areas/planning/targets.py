"""Targets (目标拆解) and pacing (进度).

Decomposition: GMV = visitors x conversion x AOV per source (访客数 x 支付转化率 x 客单价). The
shop's own rates per source over the ``base_days`` before the plan (from ``traffic``) give
each source's share of GMV; the target is split in those shares, in fen, with the largest
remainder method, so the sources add up to the target exactly. Each source keeps its
conversion and AOV; the visitors it takes = target_s / (conversion_s x AOV_s), so visitors x
conversion x AOV = target_s. The gap is the visitors taken over the baseline's visitors for
the same number of days; for a paid source the extra visitors cost the channel's CPC
(``ads`` spend / clicks over the base days).

The same split per key product (:func:`product_rates`: the top products by GMV from
``product_traffic``, the rest as one row) shows which products the target leans on and where
the visitor gap is largest.

Pacing: the plan of a day = target x that day's share of the same month a year earlier
(aligned by day of month; an even split without that history); projected end = actual to
date + the rest of the plan x (actual to date / plan to date); the daily amount needed for the
rest = (target - actual) / days left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval


def source_rates(traffic: pd.DataFrame, end: pd.Timestamp, base_days: int) -> pd.DataFrame:
    """Visitors, paid buyers, amount, conversion (with a 90% Wilson interval) and AOV per source
    over the ``base_days`` up to ``end``; per day figures are the sums / base_days."""
    t = traffic[(traffic["date"] > end - pd.Timedelta(days=base_days)) & (traffic["date"] <= end)]
    g = t.groupby("source").agg(group=("source_group", "first"), visitors=("visitors", "sum"),
                                buyers=("paid_buyers", "sum"), amount=("paid_amount", "sum"))
    g["conversion"] = g["buyers"] / g["visitors"].where(g["visitors"] > 0)
    low, high = wilson_interval(g["buyers"].to_numpy(), g["visitors"].to_numpy(), 0.9)
    g["conversion_low"], g["conversion_high"] = low, high
    g["aov"] = g["amount"] / g["buyers"].where(g["buyers"] > 0)
    return g[g["amount"] > 0]


def product_rates(product_traffic: pd.DataFrame, end: pd.Timestamp, base_days: int, top: int = 10,
                  other: str = "other") -> pd.DataFrame:
    """Visitors, paid buyers, amount, conversion and AOV per key product over the ``base_days``
    up to ``end``, from ``product_traffic`` summed over sources.

    Key products are the ``top`` products by paid amount (GMV) in those days; the rest are
    summed into one row named ``other`` (its conversion and AOV are the pooled ones of the
    group: its buyers / its visitors, its amount / its buyers). Same columns as
    :func:`source_rates` (``group`` is "product" or "other"), so :func:`decompose_target`
    splits a target over them as it does over sources.
    """
    t = product_traffic[(product_traffic["date"] > end - pd.Timedelta(days=base_days))
                        & (product_traffic["date"] <= end)]
    g = t.groupby("product_id").agg(visitors=("visitors", "sum"), buyers=("paid_buyers", "sum"),
                                    amount=("paid_amount", "sum"))
    g = g[g["amount"] > 0].sort_values("amount", ascending=False)
    key = g.iloc[:top].assign(group="product")
    if len(g) > top:
        key.loc[other] = [*g.iloc[top:][["visitors", "buyers", "amount"]].sum(), "other"]
    key["conversion"] = key["buyers"] / key["visitors"].where(key["visitors"] > 0)
    low, high = wilson_interval(key["buyers"].to_numpy(float), key["visitors"].to_numpy(float), 0.9)
    key["conversion_low"], key["conversion_high"] = low, high
    key["aov"] = key["amount"] / key["buyers"].where(key["buyers"] > 0)
    key.index.name = "product_id"
    return key[key["visitors"] > 0]


def split_exactly(total: float, weights: pd.Series) -> pd.Series:
    """``total`` (元) split in proportion to ``weights`` in whole fen; the parts sum to total exactly."""
    fen = int(round(total * 100))
    raw = weights / weights.sum() * fen
    parts = np.floor(raw).astype(np.int64)
    left = fen - int(parts.sum())
    order = np.argsort(-(raw - parts).to_numpy(), kind="stable")[:left]
    parts.iloc[order] += 1
    return parts / 100


def decompose_target(rates: pd.DataFrame, target: float, days: int, base_days: int,
                     cpc: pd.Series | None = None) -> pd.DataFrame:
    """The GMV target per source as visitors x conversion x AOV (module docstring).

    Returns
    -------
    One row per source: target (元; sums to ``target`` exactly), conversion, aov, visitors
    (needed; visitors x conversion x aov = target), base_visitors (at the current daily rate
    over ``days``), visitor_gap, budget (元 for paid sources with a CPC, else NaN).
    """
    out = pd.DataFrame(index=rates.index)
    out["group"] = rates["group"]
    out["target"] = split_exactly(target, rates["amount"])
    out["conversion"], out["aov"] = rates["conversion"], rates["aov"]
    out["visitors"] = out["target"] / (out["conversion"] * out["aov"])
    out["base_visitors"] = rates["visitors"] / base_days * days
    out["base_gmv"] = rates["amount"] / base_days * days
    out["visitor_gap"] = out["visitors"] - out["base_visitors"]
    out["budget"] = np.nan
    if cpc is not None:
        paid = out.index.isin(cpc.index)
        out.loc[paid, "budget"] = (out.loc[paid, "visitor_gap"].clip(lower=0) * cpc.reindex(out.index[paid]))
    return out.sort_values("target", ascending=False)


def channel_cpc(ads: pd.DataFrame, end: pd.Timestamp, base_days: int) -> pd.Series:
    """Cost per click per channel (元) over the base days: spend / clicks; channels with clicks."""
    a = ads[(ads["date"] > end - pd.Timedelta(days=base_days)) & (ads["date"] <= end)]
    g = a.groupby("channel")[["spend", "clicks"]].sum()
    return (g["spend"] / g["clicks"].where(g["clicks"] > 0)).dropna()


def pace(traffic: pd.DataFrame, target: float, month: pd.Period) -> tuple[pd.DataFrame, dict]:
    """Plan against actuals per day of ``month`` (module docstring).

    Returns
    -------
    (daily frame indexed by date: plan, actual (NaN after the data), cumulative plan and
    actual; summary dict: actual, plan_to_date, plan_share_to_date (plan to date / target; NaN
    for a zero target), days_done, days_left, projected, needed_per_day, planned_per_day_left).
    """
    days = pd.date_range(month.start_time, month.end_time.normalize(), freq="D")
    daily = traffic.groupby("date")["paid_amount"].sum()
    last_year = daily.reindex(days - pd.DateOffset(years=1))
    weights = (pd.Series(last_year.to_numpy(), index=days) if last_year.notna().all()
               else pd.Series(1.0, index=days))
    frame = pd.DataFrame({"plan": target * weights / weights.sum(), "actual": daily.reindex(days)})
    done = frame["actual"].notna()
    actual, plan_done = float(frame.loc[done, "actual"].sum()), float(frame.loc[done, "plan"].sum())
    rest = float(frame.loc[~done, "plan"].sum())
    left = int((~done).sum())
    frame["plan_cum"] = frame["plan"].cumsum()
    frame["actual_cum"] = frame["actual"].cumsum().where(done)
    summary = {"actual": actual, "plan_to_date": plan_done,
               "plan_share_to_date": plan_done / target if target > 0 else np.nan,
               "days_done": int(done.sum()), "days_left": left,
               "projected": actual + rest * (actual / plan_done if plan_done > 0 else 1.0),
               "needed_per_day": (target - actual) / left if left else np.nan,
               "planned_per_day_left": rest / left if left else np.nan,
               "shape": "last_year" if last_year.notna().all() else "even"}
    return frame, summary


def pace_by_source(traffic: pd.DataFrame, decomposition: pd.DataFrame, month: pd.Period,
                   plan_share: float) -> pd.DataFrame:
    """Each source's actual to date against its share of the plan to date (plan_share = plan to
    date / target): actual, plan, ratio."""
    t = traffic[(traffic["date"] >= month.start_time) & (traffic["date"] <= month.end_time)]
    actual = t.groupby("source")["paid_amount"].sum()
    plan = decomposition["target"] * plan_share
    out = pd.DataFrame({"actual": actual.reindex(plan.index).fillna(0.0), "plan": plan})
    out["ratio"] = out["actual"] / out["plan"].where(out["plan"] > 0)
    return out.sort_values("plan", ascending=False)
