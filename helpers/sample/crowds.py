"""The 引力魔方 crowd report (人群报表): crowds with known conversion and ROI, one losing money.

Per 引力魔方 plan of ``ads`` and day, the plan's clicks are split over its crowds (multinomial
on the crowds' click shares), impressions = clicks + Poisson(clicks x (1 - CTR) / CTR), the
plan's attributed orders are split over the crowds (multinomial on clicks x relative
conversion) and its spend and attributed amount to the cent (spend on clicks x relative CPC,
amount on orders x relative order value): a plan's crowd clicks, spend, orders and amount add
up to its row in ``ads`` exactly (impressions do not: the report counts a showing per crowd). Planted: one crowd converting at a fraction of the others at a higher CPC, whose
ROI is far below any break-even. Own stream (:data:`CROWD_STREAM`); the truth is ``ad_crowds``
in ground_truth.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .calendar import _epoch_day, _iso_date
from .keywords_ads import _split_cents
from .specs import N_DAYS, PLANS

CROWD_STREAM = 53
CHANNEL = "引力魔方"
LOSING_ROI = 1.3  # expected ROI below: losing (below any break-even of the cost model)
RECENT_DAYS = 28  # the truth is also given over the report's last four weeks (the default crowd window)


@dataclass(frozen=True)
class CrowdSpec:
    plan: str
    crowd: str
    click_share: float
    ctr: float
    cpc: float  # relative cost per click within the plan
    conversion: float  # relative attributed orders per click within the plan
    order_value: float  # relative amount per order within the plan


CROWDS: tuple[CrowdSpec, ...] = (
    CrowdSpec("引力魔方-人群拉新", "相似店铺人群", 0.35, 0.007, 1.0, 1.3, 1.0),
    CrowdSpec("引力魔方-人群拉新", "行业兴趣人群", 0.30, 0.006, 0.9, 1.0, 1.0),
    CrowdSpec("引力魔方-人群拉新", "泛兴趣人群", 0.35, 0.004, 1.3, 0.15, 0.9),
    CrowdSpec("引力魔方-老客召回", "店铺收藏加购人群", 0.45, 0.014, 1.0, 1.3, 1.0),
    CrowdSpec("引力魔方-老客召回", "店铺成交老客", 0.25, 0.016, 0.9, 1.4, 1.1),
    CrowdSpec("引力魔方-老客召回", "店铺浏览未购人群", 0.30, 0.010, 1.1, 0.5, 0.9),
)


def _ad_crowds(seed: int, ads_columns: dict) -> tuple[dict, dict]:
    """The ``ad_crowds`` table for the 引力魔方 plans of ``ads`` and its truth."""
    rng = np.random.default_rng([seed, CROWD_STREAM])
    plan_names = np.asarray(ads_columns["plan"].to_pylist())
    days_all = np.asarray(ads_columns["date"].cast(pa.int32()).to_numpy(), dtype=np.int64)
    windows_all = ads_columns["attribution_window_days"].to_numpy()
    rows = {k: [] for k in ("epoch", "plan", "crowd", "impr", "clicks", "cents", "orders", "amount", "window")}
    truth_crowds = {}
    for plan in [p.plan for p in PLANS if p.channel == CHANNEL]:
        specs = [c for c in CROWDS if c.plan == plan]
        at = plan_names == plan  # the plan's rows, one per day it runs
        clicks_plan = ads_columns["clicks"].to_numpy()[at]
        orders_plan = ads_columns["attributed_orders"].to_numpy()[at]
        cents_plan = np.rint(ads_columns["spend"].to_numpy()[at] * 100).astype(np.int64)
        amount_plan = np.rint(np.nan_to_num(ads_columns["attributed_amount"].to_numpy(zero_copy_only=False)[at])
                              * 100).astype(np.int64)
        share = np.array([c.click_share for c in specs])
        ctr = np.array([c.ctr for c in specs])
        cpc = np.array([c.cpc for c in specs])
        conv = np.array([c.conversion for c in specs])
        value = np.array([c.order_value for c in specs])
        clicks = np.stack([rng.multinomial(n, share / share.sum()) for n in clicks_plan])
        impr = clicks + rng.poisson(clicks * (1 - ctr) / ctr)
        weight = clicks * conv
        fallback = np.broadcast_to(share * conv, weight.shape)
        weight = np.where(weight.sum(1, keepdims=True) > 0, weight, fallback)
        orders = np.stack([rng.multinomial(n, w / w.sum()) for n, w in zip(orders_plan, weight, strict=True)])
        cents = _split_cents(cents_plan, np.where(clicks_plan[:, None] > 0, clicks * cpc, share))
        amount = _split_cents(amount_plan, np.where(orders_plan[:, None] > 0, orders * value, share * value))
        days, col = np.nonzero(np.ones_like(clicks, dtype=bool))
        for key, arr in (("impr", impr), ("clicks", clicks), ("cents", cents), ("orders", orders),
                         ("amount", amount)):
            rows[key].append(arr[days, col])
        rows["epoch"].append(days_all[at][days])
        rows["window"].append(windows_all[at][days])
        rows["plan"].append(np.full(len(days), plan, dtype=object))
        rows["crowd"].append(np.array([specs[j].crowd for j in col], dtype=object))
        # Expected orders and amount of each crowd given the plan's day: shares of the totals.
        p_orders = weight / weight.sum(1, keepdims=True)
        exp_orders = orders_plan[:, None] * p_orders
        p_amount = exp_orders * value
        p_amount = p_amount / np.where(p_amount.sum(1, keepdims=True) > 0, p_amount.sum(1, keepdims=True), 1.0)
        exp_amount = amount_plan[:, None] * p_amount
        recent = days_all[at] >= _epoch_day(N_DAYS - RECENT_DAYS)
        for j, c in enumerate(specs):
            spend = cents[:, j].sum()
            roi = float(exp_amount[:, j].sum() / spend) if spend else None
            truth_crowds[c.crowd] = {
                "plan": plan, "ctr": c.ctr, "relative_conversion": c.conversion, "relative_cpc": c.cpc,
                "expected_conversion": float(exp_orders[:, j].sum() / max(clicks[:, j].sum(), 1)),
                "expected_roi": roi,
                "expected_conversion_recent": float(exp_orders[recent, j].sum() / max(clicks[recent, j].sum(), 1)),
                "expected_roi_recent": float(exp_amount[recent, j].sum() / max(cents[recent, j].sum(), 1)),
                "verdict": "losing" if roi is not None and roi < LOSING_ROI else "not_losing"}
    cols = {k: np.concatenate(v) for k, v in rows.items()}
    srt = np.lexsort((cols["crowd"].astype(str), cols["plan"].astype(str), cols["epoch"]))
    cols = {k: v[srt] for k, v in cols.items()}
    columns = {
        "date": pa.array(cols["epoch"].astype(np.int32), pa.int32()).cast(pa.date32()),
        "plan": pa.array(cols["plan"].tolist(), pa.string()),
        "crowd": pa.array(cols["crowd"].tolist(), pa.string()),
        "impressions": pa.array(cols["impr"], pa.int64()),
        "clicks": pa.array(cols["clicks"], pa.int64()),
        "spend": pa.array(cols["cents"] / 100.0),
        "attributed_orders": pa.array(cols["orders"], pa.int64()),
        "attributed_amount": pa.array(cols["amount"] / 100.0),
        "attribution_window_days": pa.array(cols["window"], pa.int64()),
    }
    truth = {
        "model": "per 引力魔方 plan and day: clicks ~ Multinomial(plan clicks, click shares), impressions = clicks + "
                 "Poisson(clicks x (1 - CTR) / CTR), orders ~ Multinomial(plan orders, clicks x relative conversion), "
                 "spend and amount split to the cent (clicks x relative CPC; orders x relative order value)",
        "crowds": truth_crowds,
        "recent": {"start": _iso_date(N_DAYS - RECENT_DAYS), "end": _iso_date(N_DAYS - 1)},
        "losing_crowds": sorted(k for k, v in truth_crowds.items() if v["verdict"] == "losing"),
        "expected_roi": "expected attributed amount (the plan's amount x the crowd's expected share) / the "
                        f"crowd's spend over the whole report; losing below {LOSING_ROI}",
    }
    return columns, truth
