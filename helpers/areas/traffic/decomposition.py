"""What moved sales: the change against the previous period split into visitors, conversion and AOV.

口径
----
GMV here is the ``traffic`` table's paid amount (yuan); GMV = visitors x conversion x AOV
with conversion and AOV pooled over the days (the identity holds only for pooled rates,
whatever ``rate_method`` the report uses elsewhere).

The split is the symmetric **Shapley** decomposition of a product of three factors
(:func:`decompose_change`), written out in closed form: it adds up exactly to the change and,
unlike the log-mean (LMDI) split, stays defined when a source has no visitors or no buyers in
one of the periods. No statistics library offers this split of a product; the closed form is
the average over the six orders of changing the factors, which a test checks against the
permutation definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.traffic.calc import _daily_pair, load_daily
from helpers.areas.traffic.findings import judge_campaign_phase
from helpers.core import metrics
from helpers.core.calendar import campaign_phases
from helpers.core.notes import quiet

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.findings import Finding
    from helpers.core.shop import Shop

EFFECTS = ("visitors_effect", "conversion_effect", "aov_effect")


def decompose_change(visitors0, conversion0, aov0, visitors1, conversion1, aov1):
    """Split a change of GMV = visitors x conversion x AOV into three exact contributions.

    Symmetric Shapley decomposition of a product of three factors: each factor's
    contribution is its change weighted by the average of the other two over all orders of
    changing them,

    ``dV = (V1 - V0) [(C0 A0 + C1 A1) / 3 + (C0 A1 + C1 A0) / 6]``, and likewise for C and A.
    The three add up exactly to V1 C1 A1 - V0 C0 A0 (the AOV part is computed as the
    remainder, so rounding cannot leave a gap).

    A factor that is undefined in one period (conversion and AOV without visitors, AOV
    without buyers; pass NaN) takes the other period's value, so a source that appears or
    disappears is a pure visitors effect and a source whose buyers vanish is a conversion
    effect. Both undefined: 0.

    Parameters
    ----------
    visitors0, conversion0, aov0 : previous period (scalars or arrays; AOV in yuan).
    visitors1, conversion1, aov1 : this period.

    Returns
    -------
    (visitors_effect, conversion_effect, aov_effect), yuan, same shape as the input.
    """
    v0, c0, a0, v1, c1, a1 = (np.asarray(x, dtype=float)
                              for x in (visitors0, conversion0, aov0, visitors1, conversion1, aov1))
    c0, c1 = np.where(np.isnan(c0), c1, c0), np.where(np.isnan(c1), c0, c1)
    a0, a1 = np.where(np.isnan(a0), a1, a0), np.where(np.isnan(a1), a0, a1)
    c0, c1, a0, a1 = (np.nan_to_num(x, nan=0.0) for x in (c0, c1, a0, a1))
    total = v1 * c1 * a1 - v0 * c0 * a0
    dv = (v1 - v0) * ((c0 * a0 + c1 * a1) / 3 + (c0 * a1 + c1 * a0) / 6)
    dc = (c1 - c0) * ((v0 * a0 + v1 * a1) / 3 + (v0 * a1 + v1 * a0) / 6)
    da = total - dv - dc
    return dv, dc, da


def decompose_sales(shop: Shop, period: Period) -> pd.DataFrame:
    """Sales change against the previous period, split into visitors, conversion and AOV effects.

    Rows: "total" (the whole shop as one: its conversion effect includes the shift of
    traffic between sources that convert differently), each source (by sales), and
    "sum_of_sources" (the per-source effects added up). Every row's three effects add up to
    its delta; the sources' deltas add up to the total delta. See :func:`decompose_change`.
    When the previous period has no traffic data, previous, delta and the effects are NaN
    (with a note).

    Returns
    -------
    Frame with previous, current, delta (current - previous, yuan), visitors_effect,
    conversion_effect, aov_effect (yuan), and the factors visitors0/1, conversion0/1
    (fractions), aov0/1 (yuan).
    """
    current, previous = _daily_pair(shop, period)
    cols = ["visitors", "paid_buyers", "paid_amount"]
    both = (current.groupby("source")[cols].sum()
            .join(previous.groupby("source")[cols].sum(), how="outer", suffixes=("1", "0")).fillna(0.0))
    both = both.sort_values("paid_amount1", ascending=False)
    both.loc["total"] = both.sum()
    with quiet():  # undefined factors are handled by decompose_change
        factors = {f"{name}{p}": fn(both[f"{num}{p}"], both[f"{den}{p}"])
                   for p in ("0", "1")
                   for name, fn, num, den in (("conversion", metrics.conversion_rate, "paid_buyers", "visitors"),
                                              ("aov", metrics.aov, "paid_amount", "paid_buyers"))}
    dv, dc, da = decompose_change(both["visitors0"], factors["conversion0"], factors["aov0"],
                                  both["visitors1"], factors["conversion1"], factors["aov1"])
    table = pd.DataFrame({
        "previous": both["paid_amount0"], "current": both["paid_amount1"],
        "delta": both["paid_amount1"] - both["paid_amount0"],
        "visitors_effect": dv, "conversion_effect": dc, "aov_effect": da,
        "visitors0": both["visitors0"], "visitors1": both["visitors1"],
        "conversion0": factors["conversion0"], "conversion1": factors["conversion1"],
        "aov0": factors["aov0"], "aov1": factors["aov1"],
    }, index=both.index)
    sources = table.drop(index="total")
    summed = sources.sum(numeric_only=True)
    for col in ("conversion0", "conversion1", "aov0", "aov1"):
        summed[col] = float("nan")
    summed["visitors0"], summed["visitors1"] = table.loc["total", ["visitors0", "visitors1"]]
    table.loc["sum_of_sources"] = summed
    table = table.loc[["total", *sources.index, "sum_of_sources"]]
    if previous.empty or previous["visitors"].sum() == 0:  # nothing to compare with: no split
        table[["previous", "delta", *EFFECTS]] = float("nan")
    table.index.name = "source"
    return table


def read_campaign_phase(shop: Shop, period: Period, post_days: int = 7) -> Finding:
    """Which campaign phases the period and the previous period overlap, and whether the
    period's warm-up days show the warm-up pattern (:func:`helpers.areas.traffic.findings.judge_campaign_phase`).

    Phases come from the ``campaigns`` table and the platform calendar
    (:func:`helpers.core.calendar.campaign_phases`). The warm-up days' conversion (paid buyers
    / visitors) and add-to-cart rate (cart buyers / visitors), pooled, are set against the
    period's days outside any phase (or, when it has none, the previous period's).
    """
    campaigns = None
    if shop.has("campaigns"):
        campaigns = shop.table("campaigns").select("campaign_id", "name", "warmup_start", "start", "end").execute()
    phases = campaign_phases(campaigns, period, post_days)
    previous = campaign_phases(campaigns, period.previous(), post_days)
    days = load_daily(shop, period.previous().start, period.end).groupby("date")[
        ["visitors", "cart_buyers", "paid_buyers"]].sum()

    def rates(index) -> dict[str, float]:
        part = days.loc[days.index.isin(index)]
        with quiet():
            return {"visitors": float(part["visitors"].sum()),
                    "conversion": float(metrics.conversion_rate(part["paid_buyers"].sum(), part["visitors"].sum())),
                    "cart_rate": float(metrics.conversion_rate(part["cart_buyers"].sum(), part["visitors"].sum()))}

    def span(frame, phase=None):
        rows = frame if phase is None else frame[frame["phase"] == phase]
        return pd.DatetimeIndex(sorted({d for _, r in rows.iterrows() for d in pd.date_range(r["first"], r["last"])}))

    inside = pd.date_range(period.start, period.end)
    warm = span(phases, "warmup")
    before = inside.difference(span(phases))
    compare_with = "period"
    if before.empty:
        before = pd.date_range(period.previous().start, period.previous().end).difference(span(previous))
        compare_with = "previous"
    prev_days = pd.date_range(period.previous().start, period.previous().end)
    return judge_campaign_phase(phases, previous, rates(warm), rates(before), rates(prev_days),
                                {"warmup_span": (warm.min(), warm.max()) if len(warm) else None,
                                 "before_span": (before.min(), before.max()) if len(before) else None,
                                 "compare_with": compare_with})
