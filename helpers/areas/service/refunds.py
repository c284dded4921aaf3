"""Refunds of the period's paid lines: headline rates, groups, reasons, timing and margin.

Reductions run in the engine (Ibis) on :func:`helpers.core.lines.lines_with_refunds`; only
per-group rows come back to pandas. Rates go through :mod:`helpers.core.metrics` and
:mod:`helpers.core.stats` (a zero denominator gives NaN and a note).

口径
----
- **Refund rates (cohort)**: order lines paid in the period (status ``paid``, by pay time)
  and the refunds of those lines whenever they happened. 退款率(金额) = refunded amount /
  paid amount; 退款率(笔数) = refunded lines / paid lines (one line = one product in one
  order). A refund larger than its line counts as the line's amount (noted). Platform
  dashboards count refunds *completed* in the period instead (``docs/metrics.md``); the
  overview notebook shows that figure.
- **Mature lines**: a line paid less than ``maturity_days`` before the data's last day may
  still be refunded; ``maturity_days`` is the 95th percentile of the days from payment to
  refund in the data (7-60 days). Headline rates use every line and say how many are not
  mature; per-product flags and the late-shipping comparison use mature lines only.
- **Cost of refunds in margin**: gross profit before refunds = paid amount - units x unit
  cost; after refunds = (paid - refunded) - (units - units back) x unit cost, where units
  come back for refunds before shipping (the whole line) and returns (the returned
  quantity); refund-only after shipping loses the goods. Return postage and 运费险 are not
  in the data and are left out.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.service.scope import as_datetime, as_float, mature_before
from helpers.core import metrics
from helpers.core.lines import paid_order_lines, seconds_between
from helpers.core.notes import note
from helpers.core.shop import fill_zero
from helpers.core.stats import wilson_interval
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

DEFAULT_MATURITY_DAYS = 20
MATURITY_BOUNDS = (7, 60)
MATURITY_QUANTILE = 0.95
#: Refund stages of :func:`refund_timing`, in the order charts stack them.
STAGES = ("not_shipped", "shipped", "unknown_shipping")


def refund_maturity_days(shop: Shop) -> int:
    """Days after payment by which almost every refund has come.

    The 95th percentile of (refund time - pay time) in days over every refund matched to
    its line, rounded up and kept within 7-60 days. Lines paid more recently than this
    before the data's last day may still be refunded. Without ``refunds``, or with fewer
    than 30 matched refunds: :data:`DEFAULT_MATURITY_DAYS`.
    """
    if not shop.has("refunds"):
        return DEFAULT_MATURITY_DAYS
    o = shop.table("orders").select("order_id", "product_id", "pay_time")
    r = shop.table("refunds").select("order_id", "product_id", "refund_time")
    j = r.inner_join(o, ["order_id", "product_id"])
    days = seconds_between(j.refund_time, j.pay_time) / 86400
    row = j.aggregate(n=j.count(), q=days.quantile(MATURITY_QUANTILE)).execute().iloc[0]
    if int(row["n"]) < 30 or pd.isna(row["q"]):
        return DEFAULT_MATURITY_DAYS
    return int(min(max(math.ceil(float(row["q"])), MATURITY_BOUNDS[0]), MATURITY_BOUNDS[1]))


def count_unmatched_refunds(shop: Shop, period: Period) -> pd.Series:
    """Refunds completed in the period that match no paid line, and refunds larger than their line.

    An unmatched refund cannot be placed on a paid line (the order may predate the orders
    export, or the ids differ), so it is left out of every rate; a refund larger than its
    line counts at the line's paid amount. Each is a note of the report.

    Returns
    -------
    Series: refunds (completed in the period), unmatched, unmatched_amount (yuan), over
    (refunds exceeding their line by more than half a fen). All 0 without ``refunds``.
    """
    import ibis

    if not shop.has("refunds"):
        return pd.Series({"refunds": 0, "unmatched": 0, "unmatched_amount": 0.0, "over": 0})
    paid = paid_order_lines(shop).select("order_id", "product_id", "paid_amount")
    r = shop.table("refunds")
    r = r.filter(r.refund_time >= as_datetime(period.start), r.refund_time < as_datetime(period.end_exclusive))
    j = r.left_join(paid, ["order_id", "product_id"])
    row = j.aggregate(
        n=j.count(),
        unmatched=ibis.ifelse(j.paid_amount.isnull(), 1, 0).sum(),
        unmatched_amount=ibis.ifelse(j.paid_amount.isnull(), j.refund_amount, 0.0).sum(),
        over=ibis.ifelse(j.refund_amount > j.paid_amount + 0.005, 1, 0).sum(),
    ).execute().iloc[0]
    out = pd.Series({"refunds": int(fill_zero(row["n"])), "unmatched": int(fill_zero(row["unmatched"])),
                     "unmatched_amount": fill_zero(row["unmatched_amount"]), "over": int(fill_zero(row["over"]))})
    if out["unmatched"]:
        k = int(out["unmatched"])
        zh, en = (format_value(out["unmatched_amount"], "yuan", lang) for lang in ("zh", "en"))
        note(f"{k} 笔本期完成的退款（{zh}）在订单表中找不到对应的已支付子订单（订单可能早于订单导出范围，或编号不一致），"
             "未计入任何退款率。",
             f"{k} refunds completed in the period ({en}) match no paid order line (the order may predate the "
             "orders export, or the ids differ); they are left out of every rate.")
    if out["over"]:
        k = int(out["over"])
        note(f"{k} 笔退款金额大于对应子订单的实付金额，按实付金额计入退款率。",
             f"{k} refunds exceed their line's paid amount; they count at the paid amount.")
    return out


def summarize_refunds(lines, end: Any, maturity_days: int, confidence: float = 0.95) -> pd.Series:
    """Headline refund figures of the period's paid lines (see the module's 口径).

    退款率(金额) = refund_amount / paid_amount; 退款率(笔数) = refunded / paid_lines
    (fractions), with the Wilson interval of the count rate.

    Parameters
    ----------
    lines : :func:`helpers.core.lines.lines_with_refunds` of the period.
    end : the data's last day (for the count of lines not yet mature).
    maturity_days : days after payment by which refunds are complete.
    confidence : level of the Wilson interval of the count rate.

    Returns
    -------
    Series: paid_lines, refunded, paid_amount, refund_amount (yuan), refund_rate_by_value,
    refund_rate_by_count, low, high (interval of the count rate), before_shipping (share of
    refunded lines refunded before shipping, among those whose stage is known),
    before_shipping_amount (share of the refunded amount), median_days, p90_days (days from
    payment to refund), immature_lines (lines paid within ``maturity_days`` of the end),
    maturity_days.
    """
    import ibis

    row = lines.aggregate(
        lines=lines.count(),
        refunded=ibis.ifelse(lines.refunded, 1, 0).sum(),
        paid_amount=lines.paid_amount.sum(),
        refund_amount=lines.refund_amount.sum(),
        before=ibis.ifelse(lines.refunded & (lines.shipped == False), 1, 0).sum(),  # noqa: E712
        before_amount=ibis.ifelse(lines.shipped == False, lines.refund_amount, 0.0).sum(),  # noqa: E712
        known=ibis.ifelse(lines.refunded & lines.shipped.notnull(), 1, 0).sum(),
        median_days=lines.refund_days.median(),
        p90_days=lines.refund_days.quantile(0.9),
        immature=ibis.ifelse(lines.pay_time >= mature_before(end, maturity_days), 1, 0).sum(),
    ).execute().iloc[0]
    n, k = int(row["lines"]), int(fill_zero(row["refunded"]))
    paid = as_float(row["paid_amount"]) if n else 0.0
    refund = as_float(row["refund_amount"]) if n else 0.0
    low, high = wilson_interval(k, n, confidence)
    known = int(fill_zero(row["known"]))
    return pd.Series({
        "paid_lines": n, "refunded": k, "paid_amount": paid, "refund_amount": refund,
        "refund_rate_by_value": metrics.refund_rate_by_value(refund, paid),
        "refund_rate_by_count": metrics.refund_rate_by_count(k, n), "low": low, "high": high,
        "before_shipping": int(fill_zero(row["before"])) / known if known else float("nan"),
        "before_shipping_amount": as_float(row["before_amount"]) / refund if known and refund else float("nan"),
        "median_days": as_float(row["median_days"]), "p90_days": as_float(row["p90_days"]),
        "immature_lines": int(fill_zero(row["immature"])), "maturity_days": maturity_days,
    })


def refunds_by(lines, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """Refund rates per group of lines (``by``: category, source, campaign or product_id).

    Returns
    -------
    DataFrame indexed by the group: paid_lines, refunded, refund_rate_by_count, low, high
    (Wilson interval of the count rate), paid_amount, refund_amount, refund_rate_by_value,
    share_of_refunds (the group's refunded amount / all refunded amount), sorted by
    refunded amount. Campaign "" is the lines of no campaign.
    """
    import ibis

    g = lines.group_by(by).aggregate(
        paid_lines=lines.count(), refunded=ibis.ifelse(lines.refunded, 1, 0).sum(),
        paid_amount=lines.paid_amount.sum(), refund_amount=lines.refund_amount.sum(),
    ).execute().set_index(by)
    out = g.astype({"paid_lines": "int64", "refunded": "int64"})
    out["refund_rate_by_count"] = metrics.refund_rate_by_count(out["refunded"], out["paid_lines"])
    out["low"], out["high"] = wilson_interval(out["refunded"], out["paid_lines"], confidence)
    out["refund_rate_by_value"] = metrics.refund_rate_by_value(out["refund_amount"], out["paid_amount"])
    total = out["refund_amount"].sum()
    out["share_of_refunds"] = out["refund_amount"] / total if total else float("nan")
    out = out.sort_values(["refund_amount", "paid_lines"], ascending=False, kind="stable")
    return out[["paid_lines", "refunded", "refund_rate_by_count", "low", "high", "paid_amount", "refund_amount",
                "refund_rate_by_value", "share_of_refunds"]]


def summarize_reasons(lines) -> pd.DataFrame:
    """Refunds per stated reason: count, amount, share of the amount, share before shipping, days.

    Returns
    -------
    DataFrame indexed by refund_reason ("" for none given): refunded (refunded lines),
    refund_amount (yuan), share_of_refunds, before_shipping (share refunded before shipping,
    NaN when the export does not say), median_days (payment to refund), sorted by amount.
    """
    import ibis

    r = lines.filter(lines.refunded)
    g = r.group_by(refund_reason=r.reason.fill_null("")).aggregate(
        refunded=r.count(), refund_amount=r.refund_amount.sum(),
        before=ibis.ifelse(r.shipped == False, 1, 0).sum(),  # noqa: E712
        known=ibis.ifelse(r.shipped.notnull(), 1, 0).sum(),
        median_days=r.refund_days.median(),
    ).execute().set_index("refund_reason")
    total = g["refund_amount"].sum()
    g["share_of_refunds"] = g["refund_amount"] / total if total else float("nan")
    g["before_shipping"] = np.where(g["known"] > 0, g["before"] / g["known"].where(g["known"] > 0, 1), np.nan)
    g = g.sort_values("refund_amount", ascending=False, kind="stable")
    return g[["refunded", "refund_amount", "share_of_refunds", "before_shipping", "median_days"]]


def refund_timing(lines, max_days: int = 30) -> pd.DataFrame:
    """Refunded lines per whole day after payment, split by before / after shipping.

    Day = floor((refund time - pay time) in days), 0 .. ``max_days``; later refunds fall in
    the last day.

    Returns
    -------
    DataFrame with columns day, stage (one of :data:`STAGES`), refund_count.
    """
    import ibis

    r = lines.filter(lines.refunded)
    day = ibis.least(r.refund_days.floor(), max_days).cast("int64")
    stage = ibis.cases((r.shipped == False, "not_shipped"), (r.shipped == True, "shipped"),  # noqa: E712
                       else_="unknown_shipping")
    g = r.group_by(day=day, stage=stage).aggregate(refund_count=r.count()).execute()
    return g.sort_values(["stage", "day"]).reset_index(drop=True)


def refund_margin(lines) -> pd.DataFrame:
    """What refunds cost in gross profit (see the module's 口径).

    Returns
    -------
    DataFrame indexed by before_refunds / after_refunds with sales, cogs, gross_profit
    (yuan), gross_margin (fraction), plus a row ``lost`` (before - after). Lines without a
    unit cost (no ``products``) are noted and give NaN costs.
    """
    import ibis

    back = ibis.ifelse(lines.shipped == False, lines.quantity,  # noqa: E712
                       ibis.least(lines.returned, lines.quantity))
    row = lines.aggregate(
        sales=lines.paid_amount.sum(), refund=lines.refund_amount.sum(),
        cost=(lines.quantity * lines.unit_cost).sum(), cost_back=(back * lines.unit_cost).sum(),
        missing_cost=ibis.ifelse(lines.unit_cost.isnull(), 1, 0).sum(),
    ).execute().iloc[0]
    sales, refund = as_float(row["sales"]), as_float(row["refund"])
    cost, back_cost = as_float(row["cost"]), as_float(row["cost_back"])
    missing = int(fill_zero(row["missing_cost"]))
    if missing:
        note(f"{missing} 个支付子订单没有单位成本（商品不在 `products` 表中），毛利数字未计入它们",
             f"{missing} paid lines have no unit cost (product missing from `products`); margin figures leave "
             "them out")
    before = {"sales": sales, "cogs": cost, "gross_profit": metrics.gross_profit(sales, cost)}
    after = {"sales": sales - refund, "cogs": cost - back_cost,
             "gross_profit": metrics.gross_profit(sales - refund, cost - back_cost)}
    out = pd.DataFrame([before, after], index=["before_refunds", "after_refunds"])
    out["gross_margin"] = metrics.gross_margin(out["sales"], out["cogs"])
    out.loc["lost"] = out.loc["before_refunds"] - out.loc["after_refunds"]
    return out
