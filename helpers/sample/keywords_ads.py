"""The 直通车 keyword report (关键词报表): keywords with known conversion, ROI and quality.

Per 直通车 plan of ``ads`` and day, each keyword's impressions ~ Poisson(plan clicks of the
day x the keyword's click share / its CTR), clicks ~ Binomial(impressions, CTR), attributed
orders ~ Binomial(clicks, conversion), amount = orders x the keyword's order value x noise. The
plan's spend of the day (``ads.spend``) is split over its keywords in proportion to clicks x the
keyword's CPC, to the cent: a plan's keyword spend adds up to its spend in ``ads`` exactly.
Planted: losing keywords (true ROI far below any break-even), profitable ones, and a rising
search term whose searches grow by a factor each of the last weeks (on top of the plan's usual
clicks, so a plan's keyword clicks add up to its clicks in ``ads`` only before the takeoff). The
truth also gives each keyword's expected clicks over the last :data:`SHARE_WEEKS` weeks (plan
clicks x click share, summed), for the share of a search term's market clicks, and the market's
search terms (``keywords``) that no keyword buys. Own stream
(:data:`KEYWORD_STREAM`); the truth is ``ad_keywords`` in ground_truth.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .calendar import _dates, _epoch_day, _iso_date
from .draws import _lognormal_noise
from .market import KEYWORDS as MARKET_TERMS
from .specs import N_DAYS, PLANS

KEYWORD_STREAM = 47
RISING_WEEKS = 3  # the rising term grows over the last three weeks ...
RISING_GROWTH = 1.8  # ... by this factor a week
LOSING_ROI, PROFITABLE_ROI = 1.3, 4.5  # designed ROI below / above: losing / profitable
WINDOW_DAYS = 15
SHARE_WEEKS = 4  # the last weeks over which expected clicks are given (the share of a term's clicks)


@dataclass(frozen=True)
class KeywordSpec:
    plan: str
    keyword: str
    match_type: str
    click_share: float
    ctr: float
    cpc: float  # relative cost per click (yuan before the plan's own level is applied)
    conversion: float  # attributed orders per click
    order_value: float  # yuan
    quality: int  # 质量分 1-10


KEYWORDS: tuple[KeywordSpec, ...] = (
    KeywordSpec("直通车-核心大词", "连衣裙", "broad", 0.35, 0.020, 2.2, 0.012, 190, 6),
    KeywordSpec("直通车-核心大词", "T恤女", "broad", 0.25, 0.025, 1.4, 0.030, 100, 7),
    KeywordSpec("直通车-核心大词", "收纳盒", "exact", 0.20, 0.030, 1.2, 0.035, 90, 8),
    KeywordSpec("直通车-核心大词", "不粘锅", "exact", 0.20, 0.028, 1.6, 0.030, 180, 8),
    KeywordSpec("直通车-长尾精准词", "法式碎花连衣裙", "exact", 0.30, 0.045, 1.0, 0.040, 220, 9),
    KeywordSpec("直通车-长尾精准词", "纯棉短袖t恤女宽松", "exact", 0.30, 0.040, 0.8, 0.045, 85, 9),
    KeywordSpec("直通车-长尾精准词", "桌面收纳盒带盖", "exact", 0.25, 0.038, 0.8, 0.040, 70, 8),
    KeywordSpec("直通车-长尾精准词", "小个子连衣裙", "exact", 0.15, 0.040, 1.0, 0.035, 200, 7),
    KeywordSpec("直通车-竞品词", "大牌平替连衣裙", "broad", 0.50, 0.014, 2.8, 0.008, 180, 4),
    KeywordSpec("直通车-竞品词", "网红同款收纳", "broad", 0.30, 0.016, 2.4, 0.010, 90, 5),
    KeywordSpec("直通车-竞品词", "某宝同款不粘锅", "broad", 0.20, 0.015, 2.5, 0.012, 160, 5),
)
RISING_KEYWORD = "小个子连衣裙"


def _norm(term: str) -> str:
    """A search term as the platform matches it: case and spaces do not count (T恤女 = t恤女)."""
    return "".join(term.lower().split())


def _shares(specs: list[KeywordSpec]) -> np.ndarray:
    """Expected clicks of each keyword of one plan per day, per click of the plan in ``ads``.

    The rising term's searches grow on top of the plan's usual clicks (the others keep theirs),
    so its growth against the other keywords is the planted weekly factor.
    """
    base = np.array([k.click_share for k in specs])
    weights = np.repeat((base / base.sum())[None, :], N_DAYS, axis=0)
    takeoff = N_DAYS - 7 * RISING_WEEKS
    for j, k in enumerate(specs):
        if k.keyword == RISING_KEYWORD:
            step = np.clip((np.arange(N_DAYS) - takeoff) // 7 + 1, 0, None)
            weights[:, j] *= RISING_GROWTH ** step
    return weights


def _split_cents(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each day's total (cents) in proportion to the weights, to the cent (largest remainder)."""
    w = np.where(weights.sum(1, keepdims=True) > 0, weights, 1.0)
    raw = total[:, None] * w / w.sum(1, keepdims=True)
    out = np.floor(raw).astype(np.int64)
    left = (total - out.sum(1)).astype(np.int64)
    order = np.argsort(-(raw - out), axis=1, kind="stable")
    for i in np.nonzero(left)[0]:
        out[i, order[i, :left[i]]] += 1
    return out


def _ad_keywords(seed: int, ads_columns: dict) -> tuple[dict, dict]:
    """The ``ad_keywords`` table for the 直通车 plans of ``ads`` and its truth."""
    rng = np.random.default_rng([seed, KEYWORD_STREAM])
    plan_names = np.asarray(ads_columns["plan"].to_pylist())
    clicks_all = ads_columns["clicks"].to_numpy()
    cents_all = np.rint(ads_columns["spend"].to_numpy() * 100).astype(np.int64)
    rows = {k: [] for k in ("day", "plan", "keyword", "match", "impr", "clicks", "cents", "q", "bid",
                            "rank", "orders", "amount")}
    truth_kw = {}
    for plan in [p.plan for p in PLANS if p.channel == "直通车"]:
        specs = [k for k in KEYWORDS if k.plan == plan]
        at = plan_names == plan  # one row per day, in date order
        plan_clicks, plan_cents = clicks_all[at], cents_all[at]
        shares = _shares(specs)
        ctr = np.array([k.ctr for k in specs])
        cpc = np.array([k.cpc for k in specs])
        conv = np.array([k.conversion for k in specs])
        value = np.array([k.order_value for k in specs])
        impr = rng.poisson(plan_clicks[:, None] * shares / ctr)
        clicks = rng.binomial(impr, ctr)
        cents = _split_cents(plan_cents, np.where(plan_clicks[:, None] > 0, clicks * cpc, shares))
        orders = rng.binomial(clicks, conv)
        amount = np.rint(orders * value * 100 * _lognormal_noise(rng, 0.1, orders.shape))
        quality = np.clip(np.array([k.quality for k in specs])
                          + rng.choice([-1, 0, 0, 0, 1], size=impr.shape), 1, 10)
        bid = np.rint(cpc * 125 * _lognormal_noise(rng, 0.05, impr.shape))
        rank = np.maximum(1.0, np.round(30.0 / (quality * bid / 100) * _lognormal_noise(rng, 0.15, impr.shape), 1))
        day_idx, kw = np.nonzero(impr > 0)
        for key, arr in (("impr", impr), ("clicks", clicks), ("cents", cents), ("q", quality), ("bid", bid),
                         ("rank", rank), ("orders", orders), ("amount", amount)):
            rows[key].append(arr[day_idx, kw])
        rows["day"].append(day_idx)
        rows["plan"].append(np.full(len(day_idx), plan, dtype=object))
        rows["keyword"].append(np.array([specs[j].keyword for j in kw], dtype=object))
        rows["match"].append(np.array([specs[j].match_type for j in kw], dtype=object))
        last = np.asarray(ads_columns["date"].cast(pa.int32()).to_numpy())[at] >= _epoch_day(N_DAYS - 7 * SHARE_WEEKS)
        for j, k in enumerate(specs):
            spend = float(cents[:, j].sum()) / 100
            expected = float((clicks[:, j] * conv[j] * value[j]).sum())
            roi = k.conversion * k.order_value / k.cpc
            truth_kw[k.keyword] = {
                "plan": plan, "match_type": k.match_type, "ctr": k.ctr, "conversion": k.conversion,
                "order_value": k.order_value, "quality_score": k.quality, "designed_roi": roi,
                "expected_roi": expected / spend if spend else None,
                "expected_clicks_share_window": float((plan_clicks[last] * shares[last, j]).sum()),
                "verdict": "losing" if roi < LOSING_ROI else "profitable" if roi > PROFITABLE_ROI else "marginal"}
    cols = {k: np.concatenate(v) for k, v in rows.items()}
    srt = np.lexsort((cols["keyword"].astype(str), cols["plan"].astype(str), cols["day"]))
    cols = {k: v[srt] for k, v in cols.items()}
    columns = {
        "date": _dates(cols["day"]),
        "plan": pa.array(cols["plan"].tolist(), pa.string()),
        "keyword": pa.array(cols["keyword"].tolist(), pa.string()),
        "match_type": pa.array(cols["match"].tolist(), pa.string()),
        "impressions": pa.array(cols["impr"], pa.int64()),
        "clicks": pa.array(cols["clicks"], pa.int64()),
        "spend": pa.array(cols["cents"] / 100.0),
        "quality_score": pa.array(cols["q"].astype(float)),
        "bid": pa.array(cols["bid"] / 100.0),
        "avg_rank": pa.array(cols["rank"].astype(float)),
        "attributed_orders": pa.array(cols["orders"], pa.int64()),
        "attributed_amount": pa.array(cols["amount"] / 100.0),
        "attribution_window_days": pa.array(np.full(len(cols["day"]), WINDOW_DAYS), pa.int64()),
    }
    truth = {
        "model": "impressions ~ Poisson(plan clicks x click share (x the rising term's growth) / CTR), clicks ~ Binomial(impressions, CTR), "
                 "orders ~ Binomial(clicks, conversion), amount = orders x order value x noise; spend = the plan's "
                 "spend in ads split by clicks x relative CPC, to the cent",
        "keywords": truth_kw,
        "losing_keywords": sorted(k for k, v in truth_kw.items() if v["verdict"] == "losing"),
        "profitable_keywords": sorted(k for k, v in truth_kw.items() if v["verdict"] == "profitable"),
        "rising": {"keyword": RISING_KEYWORD, "weekly_growth": RISING_GROWTH,
                   "takeoff": _iso_date(N_DAYS - 7 * RISING_WEEKS), "weeks": RISING_WEEKS},
        "share_window": {"start": _iso_date(N_DAYS - 7 * SHARE_WEEKS), "end": _iso_date(N_DAYS - 1)},
        "market_terms_not_bought": sorted(t for terms in MARKET_TERMS.values() for t in terms
                                          if _norm(t) not in {_norm(k.keyword) for k in KEYWORDS}),
        "designed_roi": "conversion x order value / relative CPC; losing below "
                        f"{LOSING_ROI}, profitable above {PROFITABLE_ROI}",
    }
    return columns, truth
