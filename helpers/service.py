"""After-sales and service (售后, 评价, 履约, 客服, DSR): refunds, reviews, fulfilment, chats, ratings.

Reductions run in the engine (Ibis); only per-product, per-group or per-stratum rows come
back to pandas, except review text, which the phrase analysis reads in Python (the
reviews of a period, not the orders). Rates with a denominator go through
:mod:`helpers.metrics` (zero denominators give NaN and a :class:`~helpers.metrics.MetricNote`).

口径 used here
--------------
- **Refund rates (cohort)**: order lines paid in the period (status ``paid``, by pay
  time) and the refunds of those lines whenever they happened. 退款率(金额) = refunded
  amount / paid amount; 退款率(笔数) = refunded lines / paid lines (one line = one product
  in one order). A refund larger than its line counts as the line's amount (noted).
  Platform dashboards count refunds *completed* in the period instead (see
  ``docs/metrics.md``); the overview notebook shows that figure.
- **Mature lines**: a line paid less than ``maturity_days`` before the data's last day may
  still be refunded; ``maturity_days`` is the 95th percentile of the days from payment to
  refund in the data (7-60 days). Per-product flags and the late-shipping comparison use
  mature lines only; headline rates use every line and say how many are not mature.
- **Abnormal products**: a product's expected refund rate is its category's rate for the
  same mix of campaign and non-campaign lines. Products' rates are shrunk towards that
  expectation with a beta-binomial prior whose spread is estimated per category (method of
  moments), and a product is flagged when the lower end of its posterior interval lies
  above the expectation; the interval's level is Bonferroni-adjusted for the number of
  products tested, so a shop with 100 products does not get a few alarms by chance, and a
  product with a handful of orders cannot be flagged on noise.
- **Cost of refunds in margin**: gross profit before refunds = paid amount - units x unit
  cost; after refunds = (paid - refunded) - (units - units back) x unit cost, where units
  come back for refunds before shipping (the whole line) and returns (the returned
  quantity); refund-only after shipping loses the goods. Return postage and 运费险 are not
  in the data and are left out.
- **Reviews**: reviews written in the period. 好评 = 4-5 stars, 中评 = 3, 差评 = 1-2;
  好评率 = 好评 / reviews, 差评率 = 差评 / reviews. Text is user text: escaped in every output.
- **Phrases**: character 2-4-grams of the Chinese runs of each review (Latin words as
  whole words), counted once per review, compared between bad and good reviews with the
  log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
  "Fightin' Words"); the prior is the period's whole review corpus, weighted as much as
  the two groups compared together. Overlapping n-grams are merged into the longest one
  that keeps at least 80% of the bad reviews. No model or dictionary is downloaded.
- **Fulfilment**: per paid order of the period with a shipment record: hours from payment
  (first payment of the order in ``orders``) to shipment and to delivery. 及时发货率 =
  orders shipped within their promised hours / orders due (shipped, or unshipped with the
  promise already past on the data's last day). Promised hours come from
  ``shipments.promised_hours``, else the ``promised_hours`` parameter.
- **Late shipping and after-sales**: lines of shipped orders (refunds before shipping left
  out: those goods never travelled). Refunds after shipping, late vs on time, as a
  Mantel-Haenszel relative risk over strata of category x campaign (late parcels cluster in
  big promotions, whose buyers refund more for other reasons); bad reviews as a
  Mantel-Haenszel risk difference over the same strata (Greenland-Robins and Sato
  variances).
- **Service**: 询单转化率 = chats followed by a paid order (``converted``) / chats; first
  response in seconds; the effect of response time is a logistic regression of conversion
  on log2(first response seconds / 10), so its coefficient is the change in log-odds per
  doubling of the wait.
- **DSR**: the platform's daily scores (180-day averages) against the peer tier. Drivers:
  where reviews carry the buyer's DSR scores, an OLS regression of each score on the
  review's line having shipped late, been refunded, come from a slow chat (first response
  over ``SLOW_RESPONSE_SECONDS``) and being a flagged product, with heteroscedasticity-
  robust (HC1) intervals. A coefficient is the score change for one such line; coefficient
  x share of such lines is what the driver costs the shop's score now.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import fill_zero, known_customer, paid_order_lines
from helpers.params import is_zh as _zh
from helpers.report import format_value

if TYPE_CHECKING:
    from helpers.data import Shop
    from helpers.params import Period

GOOD_MIN_STARS = 4  # 好评: 4-5 stars
BAD_MAX_STARS = 2  # 差评: 1-2 stars
DEFAULT_MATURITY_DAYS = 20
MATURITY_BOUNDS = (7, 60)
MATURITY_QUANTILE = 0.95
NGRAM_SIZES = (2, 3, 4)
MIN_PHRASE_REVIEWS = 3  # a phrase must appear in at least this many bad reviews
MERGE_SHARE = 0.8  # a longer n-gram replaces a shorter one when it keeps this share of reviews
SLOW_RESPONSE_SECONDS = 60
RESPONSE_BANDS = (0, 15, 30, 60, 180, math.inf)  # first-response bands (seconds), right-closed
RESPONSE_REFERENCE_SECONDS = 10.0
#: The platform's text for a rating without words (treated as no text).
BOILERPLATE = ("此用户没有填写评价", "系统默认好评", "评价方未及时做出评价", "该用户未填写评价内容",
               "用户未填写评价内容")
DSR_SCORES = ("description", "service", "logistics")
DRIVERS = ("late_shipped", "refunded", "slow_response", "flagged_product")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]{2,}")

#: Labels of this module's columns and words: key -> (中文, English).
TEXT: dict[str, tuple[str, str]] = {
    "lines": ("支付子订单", "Paid lines"),
    "refunded": ("退款子订单", "Refunded lines"),
    "paid_amount": ("支付金额", "Paid amount"),
    "refund_amount": ("退款金额", "Refunded"),
    "refund_rate_by_count": ("退款率(笔数)", "Refund rate (count)"),
    "refund_rate_by_value": ("退款率(金额)", "Refund rate (value)"),
    "low": ("区间下限", "Low"),
    "high": ("区间上限", "High"),
    "share_of_refunds": ("占退款金额", "Share of refunds"),
    "category": ("类目", "Category"),
    "source": ("流量来源", "Source"),
    "campaign": ("活动", "Campaign"),
    "no_campaign": ("非活动", "No campaign"),
    "product": ("商品", "Product"),
    "product_id": ("商品ID", "Product id"),
    "title": ("商品标题", "Title"),
    "reason": ("退款原因", "Reason"),
    "no_reason": ("未填写", "Not given"),
    "refunds": ("退款笔数", "Refunds"),
    "before_shipping": ("发货前退款占比", "Before shipping"),
    "median_days": ("付款到退款中位天数", "Median days to refund"),
    "p90_days": ("付款到退款90分位天数", "90th pct days to refund"),
    "days": ("付款后天数", "Days after payment"),
    "shipped": ("发货后", "After shipping"),
    "not_shipped": ("发货前", "Before shipping"),
    "unknown_shipping": ("未知", "Unknown"),
    "sales": ("销售额", "Sales"),
    "cost": ("商品成本", "Cost of goods"),
    "gross_profit": ("毛利", "Gross profit"),
    "gross_margin": ("毛利率", "Gross margin"),
    "before_refunds": ("退款前", "Before refunds"),
    "after_refunds": ("退款后", "After refunds"),
    "lost": ("退款损失", "Lost to refunds"),
    "rate": ("退款率", "Refund rate"),
    "expected": ("类目预期", "Expected (category)"),
    "shrunk": ("收缩估计", "Shrunk estimate"),
    "flagged": ("异常", "Abnormal"),
    "excess_refunds": ("超额退款笔数", "Excess refunds"),
    "top_reason": ("主要原因", "Main reason"),
    "top_reason_share": ("主要原因占比", "Main reason share"),
    "reviews": ("评价数", "Reviews"),
    "good": ("好评", "Good"),
    "neutral": ("中评", "Neutral"),
    "bad": ("差评", "Bad"),
    "good_rate": ("好评率", "Good-review rate"),
    "neutral_rate": ("中评率", "Neutral rate"),
    "bad_rate": ("差评率", "Bad-review rate"),
    "mean_rating": ("平均星级", "Mean stars"),
    "empty_text": ("无文字评价", "Without text"),
    "phrase": ("关键词", "Phrase"),
    "z": ("显著性 z", "z"),
    "bad_share": ("差评中出现比例", "In bad reviews"),
    "good_share": ("好评中出现比例", "In good reviews"),
    "bad_reviews": ("差评数", "Bad reviews"),
    "period_start": ("起始", "From"),
    "stars": ("星级", "Stars"),
    "shop": ("全店", "Whole shop"),
    "orders": ("订单数", "Orders"),
    "shipped_orders": ("已发货", "Shipped"),
    "due": ("应发货订单", "Orders due"),
    "on_time_rate": ("及时发货率", "Shipped on time"),
    "median_ship_hours": ("付款到发货中位(小时)", "Median hours to ship"),
    "p90_ship_hours": ("付款到发货90分位(小时)", "90th pct hours to ship"),
    "median_deliver_hours": ("付款到签收中位(小时)", "Median hours to delivery"),
    "median_transit_hours": ("运输中位(小时)", "Median transit hours"),
    "warehouse": ("仓库", "Warehouse"),
    "carrier": ("快递公司", "Carrier"),
    "outcome": ("结果", "Outcome"),
    "on_time": ("按时发货", "Shipped on time"),
    "late": ("延迟发货", "Shipped late"),
    "on_time_n": ("按时样本", "On-time lines"),
    "on_time_group": ("按时组比率", "Rate when on time"),
    "late_rate": ("延迟组比率", "Rate when late"),
    "rr": ("相对风险(倍)", "Relative risk (×)"),
    "rr_low": ("相对风险下限", "RR low"),
    "rr_high": ("相对风险上限", "RR high"),
    "rd": ("风险差", "Risk difference"),
    "rd_low": ("风险差下限", "RD low"),
    "rd_high": ("风险差上限", "RD high"),
    "min_score": ("期内最低", "Lowest"),
    "min_date": ("最低日期", "Lowest on"),
    "late_n": ("延迟样本", "Late lines"),
    "crude": ("粗比较", "Crude"),
    "adjusted": ("分层调整", "Adjusted"),
    "refund_after_shipping": ("发货后退款", "Refund after shipping"),
    "bad_review": ("差评", "Bad review"),
    "relative_risk": ("相对风险 (倍)", "Relative risk (×)"),
    "risk_difference": ("风险差", "Risk difference"),
    "effect": ("调整后效应", "Adjusted effect"),
    "measure": ("效应指标", "Measure"),
    "hours_to_ship": ("付款到发货小时数", "Hours from payment to shipment"),
    "chats": ("询单数", "Chats"),
    "converted": ("询单转化", "Converted"),
    "inquiry_conversion_rate": ("询单转化率", "Inquiry conversion"),
    "mean_response": ("平均首次响应(秒)", "Mean first response (s)"),
    "median_response": ("首次响应中位(秒)", "Median first response (s)"),
    "p90_response": ("首次响应90分位(秒)", "90th pct first response (s)"),
    "within_30s": ("30秒内响应占比", "Answered within 30 s"),
    "agent": ("客服", "Agent"),
    "band": ("首次响应时长", "First response"),
    "score": ("评分", "Score"),
    "description": ("描述相符", "Item as described"),
    "service": ("服务态度", "Service"),
    "logistics": ("物流服务", "Logistics"),
    "ours": ("本店", "Our shop"),
    "peer": ("同行平均", "Peer average"),
    "gap": ("对比同行", "vs. peer"),
    "first": ("期初", "Start"),
    "last": ("期末", "End"),
    "change": ("期内变化", "Change"),
    "driver": ("因素", "Driver"),
    "coefficient": ("每单影响(分)", "Effect per line (points)"),
    "share": ("占评价比例", "Share of reviews"),
    "impact": ("对店铺评分影响(分)", "Cost to the shop score"),
    "late_shipped": ("延迟发货", "Shipped late"),
    "slow_response": ("客服首响慢", "Slow first response"),
    "flagged_product": ("退款异常商品", "Abnormal-refund product"),
    "n": ("样本数", "Reviews used"),
    "date": ("日期", "Date"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
}

#: What to do about a refund reason: reason -> (中文, English).
REASON_ACTIONS: dict[str, tuple[str, str]] = {
    "尺码不合适": ("补充尺码表和试穿建议，详情页写明偏大偏小", "add a size chart and fit advice to the listing"),
    "颜色与图片不符": ("重拍实物图并标注色差", "reshoot the photos in daylight and state the colour difference"),
    "质量问题": ("抽检在售批次并找供应商复核", "inspect the batch on sale and raise it with the supplier"),
    "包装破损": ("加固包装（气泡膜、加厚纸箱）并向快递索赔", "strengthen the packing and claim from the carrier"),
    "物流太慢": ("缩短发货时间，把延迟订单转到快的仓", "ship faster and move late orders to a faster warehouse"),
    "发错货": ("检查仓库拣货复核流程", "check the warehouse's pick-and-check step"),
    "不想要了/七天无理由": ("属正常退货，检查详情页是否夸大", "ordinary returns: check the listing does not overpromise"),
}
#: English glosses of common Chinese refund reasons (sentences only; tables show the data).
REASON_EN: dict[str, str] = {
    "尺码不合适": "size does not fit", "颜色与图片不符": "colour differs from the photos",
    "质量问题": "quality problem", "包装破损": "damaged packaging", "物流太慢": "delivery too slow",
    "发错货": "wrong item sent", "不想要了/七天无理由": "changed mind / 7-day return",
}


def text(key: str, lang: str = "zh") -> str:
    """Label of a column or word of this module (falls back to :func:`helpers.plots.label`)."""
    from helpers.plots import label_from

    return label_from(TEXT, key, lang)


_note = metrics.note
_z = metrics.z_value




def _num(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value


def _seconds_between(later, earlier):
    """Seconds from ``earlier`` to ``later`` as float64 (an Ibis expression).

    Cast before dividing: Spark reads a literal such as ``86400.0`` as a decimal, and whole
    seconds divided by a decimal keep only 7 decimal places.
    """
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64")


def _ts(value: Any):
    return pd.Timestamp(value).to_pydatetime()


# --------------------------------------------------------------------------- parameters


def check_options(*, confidence: float = 0.95, min_reviews: int = 20, promised_hours: int = 48) -> None:
    """Check the notebook's own parameters; a ValueError names the parameter and the fix."""
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    for name, value, low in (("min_reviews", min_reviews, 1), ("promised_hours", promised_hours, 1)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


def data_end(shop: Shop) -> pd.Timestamp:
    """The last day of the data (of ``orders``): later events cannot have happened yet."""
    return shop.date_range("orders")[1].normalize()


def period_header(shop: Shop, period: Period, lang: str = "zh") -> str:
    """The period and how each section places events in it, as one Markdown paragraph."""
    zh = _zh(lang)
    parts = [f"**分析期** {period.label()}（{period.days} 天）" if zh else
             f"**Period** {period.label()} ({period.days} days)"]
    parts.append("退款：本期支付的子订单及其退款（按订单归属，不论何时退款）" if zh else
                 "refunds: lines paid in the period and their refunds, whenever they came")
    parts.append("评价：本期写下的评价" if zh else "reviews: written in the period")
    parts.append("发货：本期支付的订单" if zh else "shipping: orders paid in the period")
    parts.append("客服：本期的询单" if zh else "service: chats in the period")
    covered = []
    for name in ("reviews", "shipments", "service", "dsr"):
        if shop.has(name):
            lo, hi = shop.date_range(name)
            if pd.notna(lo) and (lo.normalize() > period.start or hi.normalize() < period.end):
                covered.append(f"`{name}` {lo:%Y-%m-%d} ~ {hi:%Y-%m-%d}")
    text_ = " · ".join(parts)
    if covered:
        text_ += ("\n\n部分表只覆盖分析期的一段：" if zh else
                  "\n\nSome tables cover only part of the period: ") + "，".join(covered) + (
            "；这些章节只反映有数据的日子。" if zh else "; those sections describe the days they cover.")
    return text_


# --------------------------------------------------------------------------- refunds: lines


def paid_lines(shop: Shop, period: Period):
    """Order lines paid in the period with their refund and product (an Ibis table).

    Columns: order_id, product_id, pay_time, quantity, paid_amount, source, campaign
    (campaign id, or "" for none), campaign_line (bool), refunded (bool), refund_amount
    (yuan, capped at the line's paid amount), raw_refund_amount, returned (units sent
    back), shipped (the refund came after shipping: True / False / null), before_shipping
    (refunded before shipping: the goods never left), reason,
    refund_time, refund_days (days from payment to refund), category, title, unit_cost.
    """
    import ibis

    lines = paid_order_lines(shop, period)
    lines = lines.select("order_id", "product_id", "pay_time", "quantity", "paid_amount", "source",
                         campaign=lines.campaign_id.fill_null(""))
    if shop.has("refunds"):
        r = shop.table("refunds").select("order_id", "product_id", "refund_time", "refund_amount", "reason",
                                         "shipped", returned="quantity")
        lines = lines.left_join(r, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
    else:
        lines = lines.mutate(refund_time=ibis.null().cast("timestamp"), refund_amount=ibis.null().cast("float64"),
                             reason=ibis.null().cast("string"), shipped=ibis.null().cast("boolean"),
                             returned=ibis.null().cast("int64"))
    lines = lines.mutate(
        refunded=lines.refund_time.notnull(),
        before_shipping=lines.refund_time.notnull() & (lines.shipped == False).fill_null(False),  # noqa: E712
        raw_refund_amount=lines.refund_amount.fill_null(0.0),
        refund_amount=ibis.least(lines.refund_amount.fill_null(0.0), lines.paid_amount),
        returned=lines.returned.fill_null(0),
        campaign_line=lines.campaign != "",
        refund_days=_seconds_between(lines.refund_time, lines.pay_time) / 86400,
    )
    if shop.has("products"):
        p = shop.table("products").select("product_id", "category", "title", "unit_cost")
        lines = lines.left_join(p, "product_id").drop("product_id_right")
        lines = lines.mutate(category=lines.category.fill_null("?"), title=lines.title.fill_null(lines.product_id))
    else:
        lines = lines.mutate(category=ibis.literal("?"), title=lines.product_id,
                             unit_cost=ibis.null().cast("float64"))
    return lines


def refund_maturity_days(shop: Shop) -> int:
    """Days after payment by which almost every refund has come (95th percentile, 7-60 days).

    Lines paid more recently than this before the data's last day may still be refunded.
    Fewer than 30 matched refunds: :data:`DEFAULT_MATURITY_DAYS`.
    """
    if not shop.has("refunds"):
        return DEFAULT_MATURITY_DAYS
    o = shop.table("orders").select("order_id", "product_id", "pay_time")
    r = shop.table("refunds").select("order_id", "product_id", "refund_time")
    j = r.inner_join(o, ["order_id", "product_id"])
    days = _seconds_between(j.refund_time, j.pay_time) / 86400
    row = j.aggregate(n=j.count(), q=days.quantile(MATURITY_QUANTILE)).execute().iloc[0]
    if int(row["n"]) < 30 or pd.isna(row["q"]):
        return DEFAULT_MATURITY_DAYS
    return int(min(max(math.ceil(float(row["q"])), MATURITY_BOUNDS[0]), MATURITY_BOUNDS[1]))


def count_unmatched_refunds(shop: Shop, period: Period, lang: str = "zh") -> list[str]:
    """Notes on refunds completed in the period that match no paid order line.

    They cannot be placed on a paid line (the order may predate the orders export, or the
    ids differ), so they are left out of every rate; the note says how many and how much.
    Also notes refunds larger than their line (counted at the line's amount).
    """
    if not shop.has("refunds"):
        return []
    paid = paid_order_lines(shop).select("order_id", "product_id", "paid_amount")
    r = shop.table("refunds")
    r = r.filter(r.refund_time >= _ts(period.start), r.refund_time < _ts(period.end_exclusive))
    j = r.left_join(paid, ["order_id", "product_id"])
    import ibis

    row = j.aggregate(
        n=j.count(),
        unmatched=ibis.ifelse(j.paid_amount.isnull(), 1, 0).sum(),
        unmatched_amount=ibis.ifelse(j.paid_amount.isnull(), j.refund_amount, 0.0).sum(),
        over=ibis.ifelse(j.refund_amount > j.paid_amount + 0.005, 1, 0).sum(),
    ).execute().iloc[0]
    notes = []
    zh = _zh(lang)
    unmatched = int(fill_zero(row["unmatched"]))
    if unmatched:
        amount = format_value(_num(row["unmatched_amount"]), "yuan", lang)
        notes.append(f"{unmatched} 笔本期完成的退款（{amount}）在订单表中找不到对应的已支付子订单（订单可能早于订单导出范围，或编号不一致），"
                     "未计入任何退款率。" if zh else
                     f"{unmatched} refunds completed in the period ({amount}) match no paid order line (the "
                     "order may predate the orders export, or the ids differ); they are left out of every rate.")
    over = int(fill_zero(row["over"]))
    if over:
        notes.append(f"{over} 笔退款金额大于对应子订单的实付金额，按实付金额计入退款率。" if zh else
                     f"{over} refunds exceed their line's paid amount; they count at the paid amount.")
    return notes


def summarize_refunds(lines, end: Any, maturity_days: int, confidence: float = 0.95) -> pd.Series:
    """Headline refund figures of the period's paid lines (see the module's 口径).

    Parameters
    ----------
    lines : :func:`paid_lines` of the period.
    end : the data's last day (for the count of lines not yet mature).
    maturity_days : days after payment by which refunds are complete.
    confidence : level of the Wilson interval of the count rate.

    Returns
    -------
    Series: lines, refunded, paid_amount, refund_amount, refund_rate_by_value,
    refund_rate_by_count, low, high (interval of the count rate), before_shipping
    (share of refunded lines refunded before shipping), before_shipping_amount (share of
    the refunded amount), median_days, p90_days (payment to refund), immature_lines (lines
    paid within ``maturity_days`` of the end), maturity_days.
    """
    import ibis

    cutoff = _ts(pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(days=maturity_days))
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
        immature=ibis.ifelse(lines.pay_time >= cutoff, 1, 0).sum(),
    ).execute().iloc[0]
    n, k = int(row["lines"]), int(fill_zero(row["refunded"]))
    paid, refund = _num(row["paid_amount"]) if n else 0.0, _num(row["refund_amount"]) if n else 0.0
    low, high = metrics.wilson_interval(k, n, confidence)
    known = int(fill_zero(row["known"]))
    return pd.Series({
        "lines": n, "refunded": k, "paid_amount": paid, "refund_amount": refund,
        "refund_rate_by_value": metrics.refund_rate_by_value(refund, paid),
        "refund_rate_by_count": metrics.refund_rate_by_count(k, n), "low": low, "high": high,
        "before_shipping": int(fill_zero(row["before"])) / known if known else float("nan"),
        "before_shipping_amount": _num(row["before_amount"]) / refund if known and refund else float("nan"),
        "median_days": _num(row["median_days"]), "p90_days": _num(row["p90_days"]),
        "immature_lines": int(fill_zero(row["immature"])), "maturity_days": maturity_days,
    })


def refunds_by(lines, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """Refund rates per group of lines (category, source, campaign, product_id).

    Returns
    -------
    DataFrame indexed by the group: lines, refunded, refund_rate_by_count, low, high
    (Wilson interval of the count rate), paid_amount, refund_amount, refund_rate_by_value,
    share_of_refunds (of the refunded amount), sorted by refunded amount.
    """
    import ibis

    g = lines.group_by(by).aggregate(
        lines=lines.count(), refunded=ibis.ifelse(lines.refunded, 1, 0).sum(),
        paid_amount=lines.paid_amount.sum(), refund_amount=lines.refund_amount.sum(),
    ).execute().set_index(by)
    out = g.astype({"lines": "int64", "refunded": "int64"})
    out["refund_rate_by_count"] = metrics.refund_rate_by_count(out["refunded"], out["lines"])
    out["low"], out["high"] = metrics.wilson_interval(out["refunded"], out["lines"], confidence)
    out["refund_rate_by_value"] = metrics.refund_rate_by_value(out["refund_amount"], out["paid_amount"])
    total = out["refund_amount"].sum()
    out["share_of_refunds"] = out["refund_amount"] / total if total else float("nan")
    out = out.sort_values(["refund_amount", "lines"], ascending=False, kind="stable")
    return out[["lines", "refunded", "refund_rate_by_count", "low", "high", "paid_amount", "refund_amount",
                "refund_rate_by_value", "share_of_refunds"]]


def summarize_reasons(lines) -> pd.DataFrame:
    """Refunds per stated reason: count, amount, share of the amount, share before shipping, days.

    Returns
    -------
    DataFrame indexed by reason ("" for none given): refunds, refund_amount,
    share_of_refunds, before_shipping (share refunded before shipping, NaN when the
    export does not say), median_days (payment to refund), sorted by amount.
    """
    import ibis

    r = lines.filter(lines.refunded)
    g = r.group_by(reason=r.reason.fill_null("")).aggregate(
        refunds=r.count(), refund_amount=r.refund_amount.sum(),
        before=ibis.ifelse(r.shipped == False, 1, 0).sum(),  # noqa: E712
        known=ibis.ifelse(r.shipped.notnull(), 1, 0).sum(),
        median_days=r.refund_days.median(),
    ).execute().set_index("reason")
    total = g["refund_amount"].sum()
    g["share_of_refunds"] = g["refund_amount"] / total if total else float("nan")
    g["before_shipping"] = np.where(g["known"] > 0, g["before"] / g["known"].where(g["known"] > 0, 1), np.nan)
    g = g.sort_values("refund_amount", ascending=False, kind="stable")
    return g[["refunds", "refund_amount", "share_of_refunds", "before_shipping", "median_days"]]


def refund_timing(lines, max_days: int = 30) -> pd.DataFrame:
    """Refunded lines per whole day after payment (0 .. max_days, later ones in the last bin),
    split by before / after shipping.

    Returns
    -------
    DataFrame with columns day, stage ("not_shipped", "shipped", "unknown_shipping"), refunds.
    """
    import ibis

    r = lines.filter(lines.refunded)
    day = ibis.least(r.refund_days.floor(), max_days).cast("int64")
    stage = ibis.cases((r.shipped == False, "not_shipped"), (r.shipped == True, "shipped"),  # noqa: E712
                       else_="unknown_shipping")
    g = r.group_by(day=day, stage=stage).aggregate(refunds=r.count()).execute()
    return g.sort_values(["stage", "day"]).reset_index(drop=True)


def refund_margin(lines) -> pd.DataFrame:
    """What refunds cost in gross profit (see the module's 口径).

    Returns
    -------
    DataFrame indexed by before_refunds / after_refunds with sales, cost, gross_profit,
    gross_margin, plus a row ``lost`` (before - after); NaN costs without ``products``.
    """
    import ibis

    back = ibis.ifelse(lines.shipped == False, lines.quantity,  # noqa: E712
                       ibis.least(lines.returned, lines.quantity))
    row = lines.aggregate(
        sales=lines.paid_amount.sum(), refund=lines.refund_amount.sum(),
        cost=(lines.quantity * lines.unit_cost).sum(), cost_back=(back * lines.unit_cost).sum(),
        missing_cost=ibis.ifelse(lines.unit_cost.isnull(), 1, 0).sum(),
    ).execute().iloc[0]
    sales, refund = _num(row["sales"]), _num(row["refund"])
    cost, back_cost = _num(row["cost"]), _num(row["cost_back"])
    if int(fill_zero(row["missing_cost"])):
        _note(f"{int(row['missing_cost'])} paid lines have no unit cost (product missing from `products`); "
              "margin figures leave them out")
    before = {"sales": sales, "cost": cost, "gross_profit": metrics.gross_profit(sales, cost)}
    after = {"sales": sales - refund, "cost": cost - back_cost,
             "gross_profit": metrics.gross_profit(sales - refund, cost - back_cost)}
    out = pd.DataFrame([before, after], index=["before_refunds", "after_refunds"])
    out["gross_margin"] = metrics.gross_margin(out["sales"], out["cost"])
    out.loc["lost"] = out.loc["before_refunds"] - out.loc["after_refunds"]
    return out


# --------------------------------------------------------------------------- refunds: products


def product_refunds(lines, end: Any, maturity_days: int) -> pd.DataFrame:
    """Mature lines and refunds per product and campaign flag (the input of :func:`flag_products`).

    Returns
    -------
    DataFrame: product_id, title, category, campaign_line, lines, refunded,
    refund_amount, top_reason (most frequent reason), top_reason_refunds.
    """
    import ibis

    cutoff = _ts(pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(days=maturity_days))
    m = lines.filter(lines.pay_time < cutoff)
    g = m.group_by(["product_id", "campaign_line"]).aggregate(
        title=m.title.max(), category=m.category.max(), lines=m.count(),
        refunded=ibis.ifelse(m.refunded, 1, 0).sum(), refund_amount=m.refund_amount.sum(),
    ).execute()
    r = m.filter(m.refunded)
    reasons = r.group_by(["product_id", r.reason.fill_null("").name("reason")]).aggregate(n=r.count()).execute()
    if len(reasons):
        reasons = reasons.sort_values(["product_id", "n", "reason"], ascending=[True, False, True])
        top = reasons.drop_duplicates("product_id").set_index("product_id")
        g["top_reason"] = g["product_id"].map(top["reason"])
        g["top_reason_refunds"] = g["product_id"].map(top["n"]).fillna(0).astype("int64")
    else:
        g["top_reason"], g["top_reason_refunds"] = None, 0
    return g.astype({"lines": "int64", "refunded": "int64"})


def fit_dispersion(refunded: Any, lines: Any, expected: Any) -> float:
    """Intra-class correlation rho of a beta-binomial around known expected rates (method of moments).

    rho = max(0, sum[(k - n m)^2 - n m (1 - m)] / sum[n m (1 - m) (n - 1)]): the share of a
    product's refund variance beyond binomial noise. 0 means the products differ no more
    than chance would make them.
    """
    k, n, m = (np.asarray(v, dtype=float) for v in (refunded, lines, expected))
    ok = (n > 0) & (m > 0) & (m < 1)
    k, n, m = k[ok], n[ok], m[ok]
    den = float((n * m * (1 - m) * (n - 1)).sum())
    if den <= 0:
        return 0.0
    return max(0.0, float(((k - n * m) ** 2 - n * m * (1 - m)).sum()) / den)


def flag_products(per_product: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Products whose refund rate is abnormal against their category (see the module's 口径).

    Parameters
    ----------
    per_product : :func:`product_refunds`.
    confidence : family-wise level: each product's interval is at
        ``1 - (1 - confidence) / products tested`` (Bonferroni).

    Returns
    -------
    DataFrame indexed by product_id: title, category, lines, refunded, rate (refunded /
    lines), expected (the category's rate for the product's mix of campaign and other
    lines), shrunk (posterior mean), low, high (posterior interval), flagged (low >
    expected), excess_refunds (refunded - lines x expected), refund_amount, top_reason,
    top_reason_share, rho (the category's dispersion); sorted with flagged products first,
    then by excess refunds.
    """
    from scipy import stats

    if per_product.empty:
        return pd.DataFrame(columns=["title", "category", "lines", "refunded", "rate", "expected", "shrunk",
                                     "low", "high", "flagged", "excess_refunds", "refund_amount",
                                     "top_reason", "top_reason_share", "rho"])
    pp = per_product
    cat_rates = pp.groupby(["category", "campaign_line"])[["refunded", "lines"]].sum()
    rate = cat_rates["refunded"] / cat_rates["lines"]
    exp_refunds = pp["lines"] * [rate.loc[(c, f)] for c, f in zip(pp["category"], pp["campaign_line"], strict=True)]
    pp = pp.assign(expected_refunds=exp_refunds)
    agg = pp.groupby("product_id").agg(
        title=("title", "first"), category=("category", "first"), lines=("lines", "sum"),
        refunded=("refunded", "sum"), refund_amount=("refund_amount", "sum"),
        expected_refunds=("expected_refunds", "sum"), top_reason=("top_reason", "first"),
        top_reason_refunds=("top_reason_refunds", "first"))
    agg = agg[agg["lines"] > 0]
    agg["rate"] = agg["refunded"] / agg["lines"]
    agg["expected"] = agg["expected_refunds"] / agg["lines"]
    rho = {c: fit_dispersion(g["refunded"], g["lines"], g["expected"]) for c, g in agg.groupby("category")}
    agg["rho"] = agg["category"].map(rho)
    kappa = np.where(agg["rho"] > 0, (1 - agg["rho"]) / agg["rho"].where(agg["rho"] > 0, 1), 1e7)
    kappa = np.minimum(kappa, 1e7)
    m = agg["expected"].clip(1e-6, 1 - 1e-6)
    a = kappa * m + agg["refunded"]
    b = kappa * (1 - m) + agg["lines"] - agg["refunded"]
    level = 1 - (1 - confidence) / max(len(agg), 1)
    agg["shrunk"] = a / (a + b)
    agg["low"] = stats.beta.ppf((1 - level) / 2, a, b)
    agg["high"] = stats.beta.ppf(1 - (1 - level) / 2, a, b)
    agg["flagged"] = agg["low"] > agg["expected"]
    agg["excess_refunds"] = agg["refunded"] - agg["expected_refunds"]
    agg["top_reason_share"] = np.where(agg["refunded"] > 0, agg["top_reason_refunds"] / agg["refunded"].clip(lower=1),
                                       np.nan)
    agg = agg.sort_values(["flagged", "excess_refunds"], ascending=[False, False], kind="stable")
    agg.attrs["level"] = level
    return agg[["title", "category", "lines", "refunded", "rate", "expected", "shrunk", "low", "high", "flagged",
                "excess_refunds", "refund_amount", "top_reason", "top_reason_share", "rho"]]


# --------------------------------------------------------------------------- reviews


def load_reviews(shop: Shop, period: Period) -> pd.DataFrame:
    """Reviews written in the period, with product title and category (one row per review).

    Returns
    -------
    DataFrame: order_id, product_id, review_time, rating, text, the DSR scores when the
    export has them, title, category, verdict ("good" 4-5 stars / "neutral" 3 / "bad" 1-2).
    """
    r = shop.table("reviews")
    r = r.filter(r.review_time >= _ts(period.start), r.review_time < _ts(period.end_exclusive))
    frame = r.execute()
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute()
        frame = frame.merge(p, on="product_id", how="left")
        frame["title"] = frame["title"].fillna(frame["product_id"])
        frame["category"] = frame["category"].fillna("?")
    else:
        frame["title"], frame["category"] = frame["product_id"], "?"
    frame["verdict"] = review_verdict(frame["rating"])
    return frame


def review_verdict(rating: Any) -> pd.Series:
    """好评 / 中评 / 差评 of star ratings: "good" (4-5), "neutral" (3), "bad" (1-2)."""
    stars = pd.Series(rating, dtype="float64")
    out = np.where(stars >= GOOD_MIN_STARS, "good", np.where(stars <= BAD_MAX_STARS, "bad", "neutral"))
    return pd.Series(out, index=stars.index)


def summarize_reviews(reviews: pd.DataFrame, confidence: float = 0.95) -> pd.Series:
    """Review counts and rates of a set of reviews.

    好评率 = reviews with 4-5 stars / reviews; 差评率 = reviews with 1-2 stars / reviews
    (fractions; NaN with a note when there are no reviews).

    Returns
    -------
    Series: reviews, good, neutral, bad, good_rate, bad_rate, bad_low, bad_high (Wilson
    interval), mean_rating, empty_text (reviews without words, boilerplate included).
    """
    n = len(reviews)
    verdict = reviews["verdict"] if n else pd.Series(dtype=str)
    counts = verdict.value_counts()
    good, neutral, bad = (int(counts.get(k, 0)) for k in ("good", "neutral", "bad"))
    rates = metrics.rate_with_interval([good, bad], [n, n], confidence)
    empty = int(sum(not normalize_text(t) for t in reviews["text"])) if n else 0
    return pd.Series({"reviews": n, "good": good, "neutral": neutral, "bad": bad,
                      "good_rate": rates["rate"].iloc[0], "bad_rate": rates["rate"].iloc[1],
                      "bad_low": rates["low"].iloc[1], "bad_high": rates["high"].iloc[1],
                      "mean_rating": float(reviews["rating"].mean()) if n else float("nan"),
                      "empty_text": empty})


def reviews_by_product(reviews: pd.DataFrame, min_reviews: int = 20, confidence: float = 0.95) -> pd.DataFrame:
    """Ratings per product: reviews, mean stars, star shares, good and bad rates with intervals.

    Products with fewer than ``min_reviews`` reviews keep their row but ``enough`` is
    False: their rates are too noisy to rank.

    Returns
    -------
    DataFrame indexed by product_id: title, category, reviews, mean_rating, good_rate,
    neutral_rate, bad_rate, low, high (Wilson interval of the bad rate), bad, stars_1 ..
    stars_5 (shares), enough; sorted by bad reviews then reviews.
    """
    if reviews.empty:
        return pd.DataFrame(columns=["title", "category", "reviews", "mean_rating", "good_rate", "neutral_rate",
                                     "bad_rate", "low", "high", "bad", "enough"])
    g = reviews.groupby("product_id")
    out = g.agg(title=("title", "first"), category=("category", "first"), reviews=("rating", "size"),
                mean_rating=("rating", "mean"))
    counts = reviews.pivot_table(index="product_id", columns="verdict", values="rating", aggfunc="size",
                                 fill_value=0).reindex(columns=["good", "neutral", "bad"], fill_value=0)
    stars = reviews.pivot_table(index="product_id", columns="rating", values="order_id", aggfunc="size",
                                fill_value=0).reindex(columns=range(1, 6), fill_value=0)
    for k in ("good", "neutral", "bad"):
        out[f"{k}_rate"] = counts[k] / out["reviews"]
    out["bad"] = counts["bad"]
    out["low"], out["high"] = metrics.wilson_interval(counts["bad"], out["reviews"], confidence)
    for s in range(1, 6):
        out[f"stars_{s}"] = stars[s] / out["reviews"]
    out["enough"] = out["reviews"] >= min_reviews
    return out.sort_values(["bad", "reviews"], ascending=False, kind="stable")


def product_titles(reviews: pd.DataFrame) -> pd.Series:
    """Product id -> title of the reviewed products (the id where the title is unknown)."""
    if reviews.empty:
        return pd.Series(dtype=str)
    return reviews.groupby("product_id")["title"].first()


def rating_trend(reviews: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Mean stars and good, neutral and bad rates per week (reviews spanning up to 26 weeks
    of the period) or month.

    Returns
    -------
    DataFrame: date (first day of the week / month), reviews, mean_rating, good_rate,
    bad_rate, freq ("week" or "month").
    """
    if reviews.empty:
        return pd.DataFrame(columns=["date", "reviews", "mean_rating", "good_rate", "neutral_rate", "bad_rate",
                                     "freq"])
    when = pd.to_datetime(reviews["review_time"])
    span = min((when.max() - when.min()).days + 1, period.days)
    freq = "week" if span <= 26 * 7 else "month"
    start = when.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time
    frame = reviews.assign(date=start, is_good=reviews["verdict"] == "good", is_bad=reviews["verdict"] == "bad",
                           is_neutral=reviews["verdict"] == "neutral")
    out = frame.groupby("date").agg(reviews=("rating", "size"), mean_rating=("rating", "mean"),
                                    good_rate=("is_good", "mean"), neutral_rate=("is_neutral", "mean"),
                                    bad_rate=("is_bad", "mean")).reset_index()
    out["freq"] = freq
    return out


# --------------------------------------------------------------------------- review phrases


def normalize_text(value: Any) -> str:
    """Review text ready for n-grams: NFKC (full-width Latin to half-width), lower case,
    the platform's boilerplate ("此用户没有填写评价") removed; "" for empty or missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    out = unicodedata.normalize("NFKC", str(value)).lower().strip()
    for phrase in BOILERPLATE:
        out = out.replace(phrase, "")
    return out.strip(" 。.!！")


def extract_ngrams(value: Any, sizes: tuple[int, ...] = NGRAM_SIZES) -> set[str]:
    """The distinct phrases of one review: character n-grams of each run of Chinese
    characters (never across punctuation, emoji or Latin) plus Latin words of 2+ letters."""
    clean = normalize_text(value)
    grams: set[str] = set()
    for run in _CJK.findall(clean):
        for n in sizes:
            grams.update(run[i:i + n] for i in range(len(run) - n + 1))
    grams.update(_LATIN.findall(clean))
    return grams


def count_ngrams(texts: Any, sizes: tuple[int, ...] = NGRAM_SIZES) -> Counter:
    """Document frequency of every phrase: in how many of the texts it appears."""
    counts: Counter = Counter()
    for value in texts:
        counts.update(extract_ngrams(value, sizes))
    return counts


def log_odds_dirichlet(target: Counter, reference: Counter, background: Counter,
                       prior_weight: float | None = None) -> pd.DataFrame:
    """Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    For each phrase w with counts y_t (target), y_r (reference), totals n_t, n_r, prior
    alpha_w = alpha_0 x background share of w, alpha_0 = ``prior_weight`` (None: n_t + n_r,
    a prior worth as much as the data):

    delta_w = log[(y_t + a_w) / (n_t + a_0 - y_t - a_w)] - log[(y_r + a_w) / (n_r + a_0 - y_r - a_w)],
    var ~ 1 / (y_t + a_w) + 1 / (y_r + a_w), z = delta / sqrt(var).

    Returns
    -------
    DataFrame indexed by phrase: target, reference (counts), delta, z; sorted by z.
    """
    words = sorted(set(target) | set(reference))
    if not words:
        # reviews without words (empty or only the platform's default text)
        return pd.DataFrame({"target": pd.Series(dtype="int64"), "reference": pd.Series(dtype="int64"),
                             "delta": pd.Series(dtype="float64"), "z": pd.Series(dtype="float64")},
                            index=pd.Index([], dtype=object, name="phrase"))
    bg_total = float(sum(background.values())) or 1.0
    yt = np.array([target.get(w, 0) for w in words], dtype=float)
    yr = np.array([reference.get(w, 0) for w in words], dtype=float)
    share = np.array([max(background.get(w, 0), 1) for w in words], dtype=float) / bg_total
    nt, nr = yt.sum(), yr.sum()
    a0 = float(prior_weight) if prior_weight is not None else max(nt + nr, 1.0)
    alpha = a0 * share
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((yt + alpha) / (nt + a0 - yt - alpha)) - np.log((yr + alpha) / (nr + a0 - yr - alpha)))
        z = delta / np.sqrt(1 / (yt + alpha) + 1 / (yr + alpha))
    out = pd.DataFrame({"target": yt.astype(int), "reference": yr.astype(int), "delta": delta, "z": z},
                       index=pd.Index(words, name="phrase"))
    return out.sort_values("z", ascending=False, kind="stable")


def merge_overlaps(table: pd.DataFrame, top: int = 5, min_count: int = MIN_PHRASE_REVIEWS) -> pd.DataFrame:
    """The top distinct phrases of a :func:`log_odds_dirichlet` table.

    Walks the phrases by falling z (only z > 1.96 and in at least ``min_count`` target
    texts): a phrase inside one already kept is skipped; a phrase containing a kept one
    replaces it when it keeps at least :data:`MERGE_SHARE` of its texts ("尺码偏小" over
    "偏小"), else it is skipped; two phrases that overlap end to start ("性价比不" and
    "价比不高") and appear in as many texts are joined ("性价比不高"), keeping the first
    one's figures.
    """
    kept: dict[str, str] = {}  # shown phrase -> the n-gram whose figures it keeps
    candidates = table[(table["z"] > 1.96) & (table["target"] >= min_count)]
    # equal z (the same reviews) -> the longest first, so "包装破损" comes before "破损"
    order = np.lexsort((-candidates.index.str.len().to_numpy(), -candidates["z"].to_numpy()))
    candidates = candidates.iloc[order]
    counts = candidates["target"]

    def similar(a: str, b: str) -> bool:
        return min(counts[a], counts[b]) >= MERGE_SHARE * max(counts[a], counts[b])

    for phrase in candidates.index:
        if any(phrase in k for k in kept):
            continue
        inner = [k for k in kept if k in phrase]
        if inner:
            if all(counts[phrase] >= MERGE_SHARE * counts[kept[k]] for k in inner):
                for k in inner:
                    kept.pop(k)
                kept[phrase] = phrase
            continue
        joined = None
        for k, source in kept.items():
            need = max(2, min(len(k), len(phrase)) - 1)  # "性价比不" + "价比不高", not "不" + "不推荐"
            overlap = max((n for n in range(need, min(len(k), len(phrase))) if k.endswith(phrase[:n])), default=0)
            if overlap and similar(source, phrase):
                joined = (k, k + phrase[overlap:])
                break
            overlap = max((n for n in range(need, min(len(k), len(phrase))) if phrase.endswith(k[:n])), default=0)
            if overlap and similar(source, phrase):
                joined = (k, phrase + k[overlap:])
                break
        if joined:
            old, new = joined
            kept = {(new if k == old else k): v for k, v in kept.items()}
            continue
        kept[phrase] = phrase
        if len(kept) >= 3 * top:
            break
    out = candidates.loc[list(kept.values())].copy()
    out.index = pd.Index(list(kept), name="phrase")
    return out.sort_values("z", ascending=False, kind="stable").head(top)


@dataclass
class _PhraseIndex:
    """The phrases of a column of review texts, each distinct text read once.

    ``codes`` gives each review its distinct text (0 .. texts - 1); the phrases of distinct
    text t are ``phrase_of[starts[t]:starts[t + 1]]``, numbers into ``phrases``.
    """

    codes: np.ndarray
    starts: np.ndarray
    phrase_of: np.ndarray
    phrases: np.ndarray

    def count(self, positions: np.ndarray | None = None) -> Counter:
        """Document frequency of each phrase among the reviews at ``positions`` (None: all)."""
        texts, reviews = np.unique(self.codes if positions is None else self.codes[positions], return_counts=True)
        lengths = self.starts[texts + 1] - self.starts[texts]
        # the phrase entries of the texts present, each weighted by the reviews with that text
        first = np.repeat(self.starts[texts] - np.cumsum(lengths) + lengths, lengths)
        entries = self.phrase_of[first + np.arange(lengths.sum())]
        found, which = np.unique(entries, return_inverse=True)
        counts = np.bincount(which, weights=np.repeat(reviews, lengths), minlength=len(found))
        return Counter(dict(zip(self.phrases[found].tolist(), counts.astype(np.int64).tolist(), strict=True)))


def _index_phrases(texts: pd.Series) -> _PhraseIndex:
    # Shops repeat texts (the platform's default review, "好评", copied ones): hundreds of
    # thousands of reviews are tens of thousands of texts, and n-grams are the slow part.
    codes, distinct = pd.factorize(texts, use_na_sentinel=False)
    grams = [extract_ngrams(value) for value in distinct]
    lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
    flat = np.fromiter((g for text in grams for g in text), dtype=object, count=int(lengths.sum()))
    phrase_of, phrases = pd.factorize(flat)
    return _PhraseIndex(np.asarray(codes, dtype=np.int64), np.concatenate([[0], np.cumsum(lengths)]),
                        np.asarray(phrase_of, dtype=np.int64), np.asarray(phrases, dtype=object))


def complaint_phrases(reviews: pd.DataFrame, by: str | None = None, min_reviews: int = 20,
                      top: int = 5) -> pd.DataFrame:
    """The phrases that set bad reviews apart from good ones, for the shop or per group.

    Bad (1-2 stars) against good (4-5 stars) reviews with :func:`log_odds_dirichlet`, the
    prior from every review of the frame; per group (``by="product_id"``) only groups with
    at least ``min_reviews`` reviews and :data:`MIN_PHRASE_REVIEWS` bad ones.

    Returns
    -------
    DataFrame: group (the ``by`` value, or "" for the shop), phrase, z, bad_reviews (bad
    reviews of the group), bad_share (share of them containing the phrase), good_share
    (share of the group's good reviews containing it), rank (1 = most distinctive).
    """
    cols = ["group", "phrase", "z", "bad_reviews", "bad_share", "good_share", "rank"]
    if reviews.empty:
        return pd.DataFrame(columns=cols)
    phrases = _index_phrases(reviews["text"])
    background = phrases.count()
    verdict = reviews["verdict"].to_numpy()
    groups = ([("", np.arange(len(reviews)))] if by is None
              else list(reviews.groupby(by).indices.items()))
    rows = []
    for key, positions in groups:
        bad = positions[verdict[positions] == "bad"]
        good = positions[verdict[positions] == "good"]
        if by is not None and (len(positions) < min_reviews or len(bad) < MIN_PHRASE_REVIEWS):
            continue
        table = merge_overlaps(log_odds_dirichlet(phrases.count(bad), phrases.count(good), background), top)
        for rank, (phrase, row) in enumerate(table.iterrows(), start=1):
            rows.append({"group": key, "phrase": phrase, "z": row["z"], "bad_reviews": len(bad),
                         "bad_share": row["target"] / len(bad) if len(bad) else float("nan"),
                         "good_share": row["reference"] / len(good) if len(good) else float("nan"),
                         "rank": rank})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- fulfilment


def order_shipments(shop: Shop, period: Period, promised_hours: int = 48, end: Any = None):
    """Paid orders of the period with their shipment (an Ibis table, one row per order).

    Columns: order_id, pay_time, campaign_order (any campaign line), shipped_time,
    delivered_time, warehouse, carrier, promised (hours), ship_hours, deliver_hours,
    transit_hours, has_shipment, due (shipped, or the promise has passed by the end of the
    data), late (shipped after the promise, or not shipped and past it).
    """
    import ibis

    j = _shipment_records(shop, period)
    end = pd.Timestamp(end if end is not None else data_end(shop)) + pd.Timedelta(days=1)
    stop = ibis.literal(_ts(end), type="timestamp")
    promised = j.promised_hours.fill_null(promised_hours).cast("float64")
    hours = _seconds_between(j.shipped_time, j.pay_time) / 3600
    waited = _seconds_between(stop, j.pay_time) / 3600
    j = j.mutate(
        has_shipment=j.has_shipment.fill_null(False), promised=promised, ship_hours=hours,
        deliver_hours=_seconds_between(j.delivered_time, j.pay_time) / 3600,
        transit_hours=_seconds_between(j.delivered_time, j.shipped_time) / 3600,
        waited=waited,
        warehouse=j.warehouse.fill_null("?"), carrier=j.carrier.fill_null("?"),
    )
    j = j.mutate(
        due=j.has_shipment & (j.shipped_time.notnull() | (j.waited > j.promised)),
        late=j.has_shipment & ibis.ifelse(j.shipped_time.notnull(), j.ship_hours > j.promised,
                                          j.waited > j.promised),
    )
    return j


def _shipment_records(shop: Shop, period: Period):
    """Paid orders of the period left-joined with their shipment record (an Ibis table)."""
    # Every fulfilment table and the late-shipping comparisons read these orders: the engine
    # builds them once per shop and period (a grouping of every order line and a join).
    return shop.kept(("shipment_records", period.start, period.end_exclusive),
                     lambda: _join_shipments(shop, period))


def _join_shipments(shop: Shop, period: Period):
    import ibis

    o = paid_order_lines(shop, period)
    orders = o.group_by("order_id").aggregate(
        pay_time=o.pay_time.min(), campaign_order=ibis.ifelse(o.campaign_id.notnull(), 1, 0).max() > 0)
    s = shop.table("shipments").select("order_id", "shipped_time", "delivered_time", "promised_hours",
                                       "warehouse", "carrier")
    return orders.left_join(s.mutate(has_shipment=ibis.literal(True)), "order_id").drop("order_id_right")


def summarize_fulfilment(orders, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Shipping speed and 及时发货率 for all orders or per warehouse / carrier.

    及时发货率 = due orders shipped within their promised hours / due orders (fraction;
    NaN with a note when nothing is due).

    Returns
    -------
    DataFrame indexed by the group ("" for all orders): orders (paid orders with a
    shipment record), shipped_orders, due, on_time_rate, low, high (Wilson interval),
    median_ship_hours, p90_ship_hours, median_deliver_hours, median_transit_hours; plus,
    for the all-orders row, ``without_shipment`` (paid orders without a record, paid after
    the first recorded one: cancelled before shipping or missing) and ``before_export``
    (paid before the shipments export starts).
    """
    import ibis

    rec = orders.filter(orders.has_shipment)
    aggs = dict(
        orders=rec.count(), shipped_orders=ibis.ifelse(rec.shipped_time.notnull(), 1, 0).sum(),
        due=ibis.ifelse(rec.due, 1, 0).sum(), on_time=ibis.ifelse(rec.due & ~rec.late, 1, 0).sum(),
        median_ship_hours=rec.ship_hours.median(), p90_ship_hours=rec.ship_hours.quantile(0.9),
        median_deliver_hours=rec.deliver_hours.median(), median_transit_hours=rec.transit_hours.median(),
    )
    if by is None:
        out = rec.aggregate(**aggs).execute()
        out.index = pd.Index([""])
        first = rec.pay_time.min().execute()
        missing = orders.filter(~orders.has_shipment)
        if first is None or pd.isna(first):
            out["without_shipment"], out["before_export"] = int(missing.count().execute()), 0
        else:
            row = missing.aggregate(
                inside=ibis.ifelse(missing.pay_time >= _ts(first), 1, 0).sum(),
                before=ibis.ifelse(missing.pay_time < _ts(first), 1, 0).sum()).execute().iloc[0]
            out["without_shipment"] = int(fill_zero(row["inside"]))
            out["before_export"] = int(fill_zero(row["before"]))
    else:
        out = rec.group_by(by).aggregate(**aggs).execute().set_index(by)
    counts = ["orders", "shipped_orders", "due", "on_time"]
    out[counts] = out[counts].map(fill_zero).astype("int64")  # sums over no orders are NULL
    out["on_time_rate"] = metrics.rate_with_interval(out["on_time"], out["due"], confidence)["rate"]
    out["low"], out["high"] = metrics.wilson_interval(out["on_time"], out["due"], confidence)
    order = ["orders", "shipped_orders", "due", "on_time_rate", "low", "high", "median_ship_hours",
             "p90_ship_hours", "median_deliver_hours", "median_transit_hours"]
    if by is None:
        order += ["without_shipment", "before_export"]
    else:
        out = out.sort_values("on_time_rate", kind="stable")
    return out[order]


def ship_hours(orders, by: str = "warehouse", max_hours: int = 120, bin_hours: int = 4) -> pd.DataFrame:
    """Shipped orders per bin of hours from payment to shipment (the last bin holds the rest).

    Returns
    -------
    DataFrame: group (the ``by`` value), hours (bin start), orders.
    """
    import ibis

    s = orders.filter(orders.shipped_time.notnull())
    hours = ibis.least((s.ship_hours / bin_hours).floor() * bin_hours, max_hours).cast("int64")
    g = s.group_by(group=s[by], hours=hours).aggregate(orders=s.count()).execute()
    return g.sort_values(["group", "hours"]).reset_index(drop=True)


def mantel_haenszel(strata: pd.DataFrame, confidence: float = 0.95) -> dict[str, float]:
    """Mantel-Haenszel relative risk and risk difference over strata, with intervals.

    Parameters
    ----------
    strata : one row per stratum with a (events among the exposed), n1 (exposed), c
        (events among the unexposed), n0 (unexposed). Strata missing either group add
        nothing.

    Returns
    -------
    dict: rr, rr_low, rr_high (Greenland-Robins variance of log RR), rd, rd_low, rd_high
    (Sato variance), strata (used). NaN when no stratum has both groups or no events.
    """
    s = strata[(strata["n1"] > 0) & (strata["n0"] > 0)].astype(float)
    nan = float("nan")
    out = {"rr": nan, "rr_low": nan, "rr_high": nan, "rd": nan, "rd_low": nan, "rd_high": nan,
           "strata": int(len(s))}
    if s.empty:
        _note("Mantel-Haenszel: no stratum has both exposed and unexposed lines -> NaN")
        return out
    a, n1, c, n0 = s["a"], s["n1"], s["c"], s["n0"]
    N = n1 + n0
    z = _z(confidence)
    r_num, r_den = (a * n0 / N).sum(), (c * n1 / N).sum()
    if r_num > 0 and r_den > 0:
        rr = r_num / r_den
        var = ((n1 * n0 * (a + c) - a * c * N) / N**2).sum() / (r_num * r_den)
        se = math.sqrt(max(var, 0.0))
        out.update(rr=rr, rr_low=rr * math.exp(-z * se), rr_high=rr * math.exp(z * se))
    else:
        _note("Mantel-Haenszel relative risk: no events in one group -> NaN")
    w = n1 * n0 / N
    rd = float((w * (a / n1 - c / n0)).sum() / w.sum())
    p = ((n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / N**2).sum()
    q = ((a * (n0 - c) + c * (n1 - a)) / (2 * N)).sum()
    se = math.sqrt(max((rd * p + q) / w.sum() ** 2, 0.0))
    out.update(rd=rd, rd_low=rd - z * se, rd_high=rd + z * se)
    return out


def late_effects(shop: Shop, period: Period, promised_hours: int = 48, maturity_days: int = 20,
                 confidence: float = 0.95, end: Any = None) -> pd.DataFrame:
    """How late shipping moves refunds after shipping and bad reviews (see the module's 口径).

    Refunds: mature lines of due, recorded orders (paid at least ``maturity_days`` before the
    end), lines refunded before shipping left out. Reviews: reviewed lines of recorded,
    due orders. Both stratified by category x campaign flag.

    Returns
    -------
    DataFrame indexed by outcome ("refund_after_shipping", "bad_review"): on_time_rate,
    on_time_low, on_time_high, late_rate, late_low, late_high (Wilson), on_time_n, late_n,
    crude_rr, rr, rr_low, rr_high, rd, rd_low, rd_high (Mantel-Haenszel), strata.
    Outcomes whose tables are missing are left out.
    """
    import ibis

    end = pd.Timestamp(end if end is not None else data_end(shop))
    orders = order_shipments(shop, period, promised_hours, end)
    orders = orders.filter(orders.due).select("order_id", "late", "campaign_order")
    lines = paid_lines(shop, period)
    rows = {}
    if shop.has("refunds"):
        cutoff = _ts(end + pd.Timedelta(days=1) - pd.Timedelta(days=maturity_days))
        x = lines.filter(lines.pay_time < cutoff, ~lines.before_shipping)
        x = x.inner_join(orders, "order_id")
        g = x.group_by(["category", "campaign_order", "late"]).aggregate(
            n=x.count(), events=ibis.ifelse(x.refunded, 1, 0).sum()).execute()
        rows["refund_after_shipping"] = _compare(g, confidence)
    if shop.has("reviews"):
        r = shop.table("reviews").select("order_id", "product_id", "rating")
        x = lines.select("order_id", "product_id", "category").inner_join(r, ["order_id", "product_id"])
        x = x.inner_join(orders, "order_id")
        g = x.group_by(["category", "campaign_order", "late"]).aggregate(
            n=x.count(), events=ibis.ifelse(x.rating <= BAD_MAX_STARS, 1, 0).sum()).execute()
        rows["bad_review"] = _compare(g, confidence)
    return pd.DataFrame(rows).T


def _compare(g: pd.DataFrame, confidence: float) -> pd.Series:
    late, on = g[g["late"]], g[~g["late"]]
    n1, a, n0, c = (int(x) for x in (late["n"].sum(), late["events"].sum(), on["n"].sum(), on["events"].sum()))
    rates = metrics.rate_with_interval([c, a], [n0, n1], confidence)
    keys = ["category", "campaign_order"]
    strata = late.set_index(keys)[["events", "n"]].rename(columns={"events": "a", "n": "n1"}).join(
        on.set_index(keys)[["events", "n"]].rename(columns={"events": "c", "n": "n0"}), how="outer").fillna(0)
    mh = mantel_haenszel(strata, confidence)
    crude = rates["rate"].iloc[1] / rates["rate"].iloc[0] if rates["rate"].iloc[0] else float("nan")
    return pd.Series({"on_time_rate": rates["rate"].iloc[0], "on_time_low": rates["low"].iloc[0],
                      "on_time_high": rates["high"].iloc[0], "late_rate": rates["rate"].iloc[1],
                      "late_low": rates["low"].iloc[1], "late_high": rates["high"].iloc[1],
                      "on_time_n": n0, "late_n": n1, "crude_rr": crude, **mh})


# --------------------------------------------------------------------------- service


def _chats(shop: Shop, period: Period):
    s = shop.table("service")
    return s.filter(s.chat_time >= _ts(period.start), s.chat_time < _ts(period.end_exclusive))


def summarize_service(shop: Shop, period: Period, confidence: float = 0.95) -> pd.Series:
    """Chats, 询单转化率 and first-response times of the period.

    询单转化率 = chats followed by a paid order / chats (fraction). Platforms count people
    per day (询单人数); an export with one chat per customer and day gives the same figure.

    Returns
    -------
    Series: chats, converted, inquiry_conversion_rate, low, high (Wilson), mean_response,
    median_response, p90_response (seconds), within_30s (share answered within 30 s).
    """
    import ibis

    s = _chats(shop, period)
    row = s.aggregate(
        chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum(),
        mean_response=s.first_response_seconds.mean(), median_response=s.first_response_seconds.median(),
        p90_response=s.first_response_seconds.quantile(0.9),
        within_30s=ibis.ifelse(s.first_response_seconds <= 30, 1, 0).sum(),
    ).execute().iloc[0]
    n, k = int(row["chats"]), int(fill_zero(row["converted"]))
    rate = metrics.rate_with_interval(k, n, confidence)
    return pd.Series({"chats": n, "converted": k, "inquiry_conversion_rate": rate["rate"], "low": rate["low"],
                      "high": rate["high"], "mean_response": _num(row["mean_response"]),
                      "median_response": _num(row["median_response"]), "p90_response": _num(row["p90_response"]),
                      "within_30s": int(fill_zero(row["within_30s"])) / n if n else float("nan")})


def response_band(seconds: Any) -> pd.Series:
    """The first-response band of each value: "0-15s", "15-30s", ..., "180s+" (right-closed)."""
    edges = RESPONSE_BANDS
    labels = [f"{int(lo)}-{int(hi)}s" if np.isfinite(hi) else f"{int(lo)}s+" for lo, hi in zip(edges, edges[1:], strict=False)]
    return pd.cut(pd.Series(seconds, dtype="float64"), bins=list(edges), labels=labels, right=True,
                  include_lowest=True)


def service_by(shop: Shop, period: Period, by: str = "band", confidence: float = 0.95) -> pd.DataFrame:
    """Chats, conversion (with Wilson interval) and response times per response band or agent.

    Returns
    -------
    DataFrame indexed by band (in order) or agent: chats, converted,
    inquiry_conversion_rate, low, high, median_response.
    """
    import ibis

    s = _chats(shop, period)
    if by == "band":
        g = s.group_by(seconds=s.first_response_seconds).aggregate(
            chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum()).execute()
        g["band"] = response_band(g["seconds"])
        out = g.groupby("band", observed=False).agg(chats=("chats", "sum"), converted=("converted", "sum"))
        med = g.groupby("band", observed=False).apply(
            lambda d: _weighted_median(d["seconds"], d["chats"]), include_groups=False)
        out["median_response"] = med
    elif by == "agent":
        out = s.group_by(agent=s.agent.fill_null("?")).aggregate(
            chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum(),
            median_response=s.first_response_seconds.median()).execute().set_index("agent")
    else:
        raise ValueError(f"by={by!r}; use 'band' or 'agent'")
    out = out.astype({"chats": "int64", "converted": "int64"})
    rates = metrics.rate_with_interval(out["converted"], out["chats"], confidence)
    out["inquiry_conversion_rate"], out["low"], out["high"] = rates["rate"], rates["low"], rates["high"]
    if by == "agent":
        out = out.sort_values("chats", ascending=False, kind="stable")
    return out[["chats", "converted", "inquiry_conversion_rate", "low", "high", "median_response"]]


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    if not len(values) or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values.to_numpy())
    v, w = values.to_numpy()[order], weights.to_numpy()[order]
    return float(v[np.searchsorted(np.cumsum(w), w.sum() / 2)])


def fit_logistic(x: Any, successes: Any, trials: Any, confidence: float = 0.95) -> dict[str, float]:
    """Binomial logistic regression logit p = a + b x on grouped counts (Newton-Raphson).

    Returns
    -------
    dict: intercept, slope, slope_se, slope_low, slope_high, iterations. NaN when x does
    not vary or no group has trials.
    """
    x, k, n = (np.asarray(v, dtype=float) for v in (x, successes, trials))
    ok = n > 0
    x, k, n = x[ok], k[ok], n[ok]
    nan = float("nan")
    if len(x) < 2 or np.ptp(x) == 0:
        _note("logistic fit: the response times do not vary -> no slope")
        return {"intercept": nan, "slope": nan, "slope_se": nan, "slope_low": nan, "slope_high": nan,
                "iterations": 0}
    X = np.column_stack([np.ones_like(x), x])
    p0 = min(max(k.sum() / n.sum(), 1e-4), 1 - 1e-4)
    beta = np.array([math.log(p0 / (1 - p0)), 0.0])
    info = np.eye(2)
    iterations = 0
    for iterations in range(1, 51):  # noqa: B007 (the count is returned)
        mu = 1 / (1 + np.exp(-(X @ beta)))
        w = n * mu * (1 - mu)
        info = X.T @ (X * w[:, None])
        step = np.linalg.solve(info, X.T @ (k - n * mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    se = math.sqrt(np.linalg.inv(info)[1, 1])
    z = _z(confidence)
    return {"intercept": float(beta[0]), "slope": float(beta[1]), "slope_se": se,
            "slope_low": float(beta[1] - z * se), "slope_high": float(beta[1] + z * se),
            "iterations": iterations}


def fit_response_effect(shop: Shop, period: Period, confidence: float = 0.95) -> pd.Series:
    """How conversion moves with the first-response time: logit p = a + b log2(seconds / 10).

    b is the change in log-odds of converting per doubling of the wait; the Series also
    gives the fitted conversion at 10, 30, 60 and 180 seconds.

    Returns
    -------
    Series: intercept, slope, slope_se, slope_low, slope_high, iterations, odds_per_doubling
    (exp(b)), p_10s, p_30s, p_60s, p_180s.
    """
    import ibis

    s = _chats(shop, period)
    g = s.group_by(seconds=s.first_response_seconds).aggregate(
        chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum()).execute()
    x = np.log2(np.maximum(g["seconds"].to_numpy(dtype=float), 1.0) / RESPONSE_REFERENCE_SECONDS)
    fit = fit_logistic(x, g["converted"], g["chats"], confidence)
    out = pd.Series(fit)
    out["odds_per_doubling"] = math.exp(fit["slope"]) if np.isfinite(fit["slope"]) else float("nan")
    for sec in (10, 30, 60, 180):
        eta = fit["intercept"] + fit["slope"] * math.log2(sec / RESPONSE_REFERENCE_SECONDS)
        out[f"p_{sec}s"] = 1 / (1 + math.exp(-eta)) if np.isfinite(eta) else float("nan")
    return out


# --------------------------------------------------------------------------- DSR


def load_dsr(shop: Shop, period: Period) -> pd.DataFrame:
    """The DSR table's days inside the period (date as datetime64)."""
    d = shop.table("dsr")
    d = d.filter(d.date >= period.start.date(), d.date <= period.end.date()).order_by("date")
    frame = d.execute()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def summarize_dsr(dsr: pd.DataFrame | None) -> pd.DataFrame:
    """Each DSR score at the start and end of the period, its change and the gap to the peer tier.

    ``None`` or an empty frame (no DSR table) gives a row of NaN per score.

    Returns
    -------
    DataFrame indexed by score (description, service, logistics): first, last, change,
    peer (latest peer average), gap (last - peer), min, min_date.
    """
    dsr = dsr if dsr is not None else pd.DataFrame(columns=["date", *DSR_SCORES])
    rows = {}
    for key in DSR_SCORES:
        s = dsr[key].dropna() if key in dsr else pd.Series(dtype=float)
        if s.empty:
            rows[key] = {"first": np.nan, "last": np.nan, "change": np.nan, "peer": np.nan, "gap": np.nan,
                         "min": np.nan, "min_date": pd.NaT}
            continue
        peer = dsr[f"peer_{key}"].dropna() if f"peer_{key}" in dsr else pd.Series(dtype=float)
        last_peer = float(peer.iloc[-1]) if len(peer) else float("nan")
        lo = int(s.idxmin())
        rows[key] = {"first": float(s.iloc[0]), "last": float(s.iloc[-1]),
                     "change": float(s.iloc[-1] - s.iloc[0]), "peer": last_peer,
                     "gap": float(s.iloc[-1]) - last_peer, "min": float(s.min()),
                     "min_date": dsr.loc[lo, "date"]}
    return pd.DataFrame(rows).T


def fit_ols(X: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """OLS with heteroscedasticity-robust (HC1) standard errors.

    Returns
    -------
    DataFrame indexed by column position: coefficient, se, low, high.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, k = X.shape
    xtx_inv = np.linalg.pinv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    meat = X.T @ (X * (e**2)[:, None])
    cov = xtx_inv @ meat @ xtx_inv * (n / max(n - k, 1))
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    z = _z(confidence)
    return pd.DataFrame({"coefficient": beta, "se": se, "low": beta - z * se, "high": beta + z * se})


def review_experience(shop: Shop, period: Period, promised_hours: int = 48, flagged: Any = (),
                      end: Any = None, maturity_days: int = DEFAULT_MATURITY_DAYS) -> pd.DataFrame:
    """Reviews of the period with their DSR scores and what happened to the reviewed line.

    With ``refunds``, only lines paid at least ``maturity_days`` before the end are kept:
    a recent line's refund may not have happened yet, and counting it as not refunded
    would bias every coefficient.

    Columns: the three DSR scores, late_shipped (the order shipped after its promise; needs
    ``shipments``), refunded (the line has a refund; ``refunds``), slow_response (the order
    followed a converted chat of the same customer, answered after
    :data:`SLOW_RESPONSE_SECONDS`, in the day before payment; ``service``),
    flagged_product (the product is in ``flagged``). A driver whose table is missing is
    absent.
    """
    import ibis

    r = shop.table("reviews")
    r = r.filter(r.review_time >= _ts(period.start), r.review_time < _ts(period.end_exclusive),
                 r.dsr_description.notnull() | r.dsr_service.notnull() | r.dsr_logistics.notnull())
    o = paid_order_lines(shop).select("order_id", "product_id", "customer_id", "pay_time")
    x = r.select("order_id", "product_id", "dsr_description", "dsr_service", "dsr_logistics").inner_join(
        o, ["order_id", "product_id"])
    end = pd.Timestamp(end if end is not None else data_end(shop))
    if shop.has("refunds"):
        x = x.filter(x.pay_time < _ts(end + pd.Timedelta(days=1) - pd.Timedelta(days=maturity_days)))
    flagged = [str(p) for p in flagged]
    x = x.mutate(flagged_product=x.product_id.isin(flagged) if flagged else ibis.literal(False))
    if shop.has("shipments"):
        whole = _whole_range(shop)
        ships = order_shipments(shop, whole, promised_hours, end).select("order_id", "late", "due")
        x = x.left_join(ships, "order_id").drop("order_id_right")
        x = x.mutate(late_shipped=x.late.fill_null(False)).drop("late", "due")
    if shop.has("refunds"):
        rf = shop.table("refunds").select("order_id", "product_id", has_refund=ibis.literal(True))
        x = x.left_join(rf, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
        x = x.mutate(refunded=x.has_refund.fill_null(False)).drop("has_refund")
    if shop.has("service"):
        s = shop.table("service")
        slow = s.filter(s.converted, s.first_response_seconds > SLOW_RESPONSE_SECONDS).select(
            chat_customer="customer_id", chat_time="chat_time")
        pairs = x.filter(known_customer(x)).select("order_id", "customer_id", "pay_time").distinct()
        m = pairs.inner_join(slow, [pairs.customer_id == slow.chat_customer, slow.chat_time <= pairs.pay_time,
                                    slow.chat_time >= pairs.pay_time - ibis.interval(days=1)])
        hit = m.select("order_id").distinct().mutate(slow_hit=ibis.literal(True))
        x = x.left_join(hit, "order_id").drop("order_id_right")
        x = x.mutate(slow_response=x.slow_hit.fill_null(False)).drop("slow_hit")
    frame = x.execute()
    frame = frame.rename(columns={f"dsr_{k}": k for k in DSR_SCORES})
    return frame.drop(columns=["customer_id", "pay_time"])


def find_dsr_drivers(shop: Shop, period: Period, promised_hours: int = 48, flagged: Any = (),
                     confidence: float = 0.95, end: Any = None,
                     maturity_days: int = DEFAULT_MATURITY_DAYS) -> pd.DataFrame:
    """:func:`dsr_drivers` of the period's reviews, or an empty table with a note saying why not.

    Needs ``reviews`` with the buyers' DSR scores (JD and Douyin export them per order;
    Tmall keeps them anonymous, so a Tmall shop sees the trend but not the drivers).
    """
    empty = dsr_drivers(pd.DataFrame())
    if not shop.has("reviews"):
        _note("DSR drivers need the `reviews` table with the buyers' DSR scores")
        return empty
    experience = review_experience(shop, period, promised_hours, flagged, end, maturity_days)
    if experience.empty:
        _note("DSR drivers: no review of the period carries DSR scores (dsr_description, dsr_service, "
              "dsr_logistics), so what drives the scores cannot be estimated")
        return empty
    return dsr_drivers(experience, confidence)


def _whole_range(shop: Shop):
    from helpers.params import Period

    lo, hi = shop.date_range("orders")
    return Period(lo.normalize(), hi.normalize())


def dsr_drivers(experience: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Which after-sales events move each DSR score: one OLS per score (HC1 intervals).

    score = a + sum(b_d x driver_d) over the drivers present in ``experience`` (each a 0/1
    indicator of the reviewed line). b_d is the score change for a line with the driver;
    impact = b_d x share of reviewed lines with it is what the driver costs the shop's
    average score now (negative = lowers it).

    Returns
    -------
    DataFrame: score, driver, coefficient, low, high, share, impact, n. Drivers that never
    or always happen are left out (no contrast).
    """
    cols = ["score", "driver", "coefficient", "low", "high", "share", "impact", "n"]
    drivers = [d for d in DRIVERS if d in experience.columns]
    rows = []
    for score in DSR_SCORES:
        if score not in experience:
            continue
        data = experience.dropna(subset=[score])
        usable = [d for d in drivers if 0 < data[d].astype(bool).mean() < 1]
        if len(data) < len(usable) + 10 or not usable:
            continue
        X = np.column_stack([np.ones(len(data))] + [data[d].astype(float).to_numpy() for d in usable])
        fit = fit_ols(X, data[score].to_numpy(dtype=float), confidence)
        for j, d in enumerate(usable, start=1):
            share = float(data[d].astype(bool).mean())
            rows.append({"score": score, "driver": d, "coefficient": fit.loc[j, "coefficient"],
                         "low": fit.loc[j, "low"], "high": fit.loc[j, "high"], "share": share,
                         "impact": fit.loc[j, "coefficient"] * share, "n": len(data)})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- sentences


def unique_notes(*groups) -> list[str]:
    """The notes of several sections in order, each once."""
    return list(dict.fromkeys(n for group in groups for n in group if n))


def _reason_name(reason: Any, lang: str) -> str:
    from helpers.report import escape

    name = str(reason) if reason not in (None, "") and not (isinstance(reason, float) and math.isnan(reason)) \
        else text("no_reason", lang)
    if _zh(lang) or name not in REASON_EN:
        return f"「{escape(name)}」"
    return f"“{escape(name)}” ({REASON_EN[name]})"


def _action(reason: Any, lang: str) -> str:
    pair = REASON_ACTIONS.get(str(reason))
    if pair is None:
        return "查看买家退款留言找出共同问题" if _zh(lang) else "read the buyers' refund notes for the common problem"
    return pair[0 if _zh(lang) else 1]


def describe_refunds(summary: pd.Series, reasons: pd.DataFrame, margin: pd.DataFrame, lang: str = "zh") -> str:
    """What the period's refunds are, why they happen and what they cost, with the main action."""
    zh = _zh(lang)
    if not summary["lines"]:
        return "本期没有支付的子订单。" if zh else "No order line was paid in the period."
    v, c = format_value(summary["refund_rate_by_value"], "pct", lang), format_value(summary["refund_rate_by_count"], "pct", lang)
    lo, hi = format_value(summary["low"], "pct", lang), format_value(summary["high"], "pct", lang)
    amount = format_value(summary["refund_amount"], "yuan", lang)
    parts = []
    if zh:
        parts.append(f"本期支付的 {int(summary['lines']):,} 个子订单中有 {int(summary['refunded']):,} 个退款，"
                     f"退款率（金额）{v}，（笔数）{c}（区间 {lo} ~ {hi}），退款金额 {amount}。")
    else:
        parts.append(f"Of the {int(summary['lines']):,} lines paid in the period, {int(summary['refunded']):,} were "
                     f"refunded: {v} by value, {c} by count ({lo} to {hi}), {amount} in all.")
    if pd.notna(summary["before_shipping"]):
        b = format_value(summary["before_shipping"], "pct", lang)
        parts.append(f"其中 {b} 在发货前退款（多为取消和等发货太久），其余在收货后。" if zh else
                     f"{b} were refunded before shipping (cancellations and buyers tired of waiting), the rest after "
                     "delivery.")
    if len(reasons):
        top = reasons.index[0]
        share = format_value(reasons["share_of_refunds"].iloc[0], "pct", lang)
        parts.append(f"金额最大的原因是{_reason_name(top, lang)}（占退款金额 {share}），对策：{_action(top, lang)}。"
                     if zh else f"The costliest reason is {_reason_name(top, lang)} ({share} of the refunded "
                     f"amount): {_action(top, lang)}.")
    lost = margin.loc["lost", "gross_profit"] if "lost" in margin.index else float("nan")
    if pd.notna(lost):
        m0 = format_value(margin.loc["before_refunds", "gross_margin"], "pct", lang)
        m1 = format_value(margin.loc["after_refunds", "gross_margin"], "pct", lang)
        parts.append(f"退款让毛利减少 {format_value(lost, 'yuan', lang)}，毛利率从 {m0} 变为 {m1}（未计退货运费）。" if zh else
                     f"Refunds cost {format_value(lost, 'yuan', lang)} of gross profit; margin goes from {m0} to {m1} "
                     "(return postage not included).")
    if summary["immature_lines"]:
        d = int(summary["maturity_days"])
        parts.append(f"注意：{int(summary['immature_lines']):,} 个子订单支付不足 {d} 天，后续还可能退款，本期退款率会略升。"
                     if zh else f"{int(summary['immature_lines']):,} lines were paid less than {d} days before the end "
                     "of the data and may still be refunded, so these rates will creep up.")
    return (" " if not zh else "").join(parts)


def describe_flagged(flags: pd.DataFrame, confidence: float = 0.95, lang: str = "zh", top: int = 5) -> str:
    """Which products refund abnormally, by how much, why, and what to do."""
    from helpers.report import escape

    zh = _zh(lang)
    tested = len(flags)
    flagged = flags[flags["flagged"]]
    level = flags.attrs.get("level", confidence)
    if flagged.empty:
        median = float(flags["lines"].median()) if tested else 0.0
        return (f"{tested} 个商品中没有退款率显著高于同类目预期的商品（区间按 {tested} 个商品同时检验，"
                f"单个区间水平 {level:.4f}）。商品的已满期子订单中位数为 {median:,.0f} 个，样本越少只能发现越大的差异，"
                "需要时把分析期拉长。" if zh else
                f"None of the {tested} products refunds significantly more than its category would predict "
                f"(intervals tested jointly over {tested} products, each at level {level:.4f}). The median product "
                f"has {median:,.0f} lines old enough to judge; with few lines only large differences show, so "
                "lengthen the period to find smaller ones.")
    parts = [f"{len(flagged)} 个商品的退款率显著高于同类目预期（{tested} 个商品联合检验，小销量商品向类目收缩，不会因偶然被标出）："
             if zh else f"{len(flagged)} products refund significantly more than their category predicts (tested "
             f"jointly over {tested} products; small products are shrunk towards their category, so noise cannot "
             "flag them):"]
    items = []
    for _, row in flagged.head(top).iterrows():
        rate, exp_ = format_value(row["rate"], "pct", lang), format_value(row["expected"], "pct", lang)
        reason = _reason_name(row["top_reason"], lang)
        share = format_value(row["top_reason_share"], "pct", lang)
        if zh:
            items.append(f"「{escape(row['title'])}」退款率 {rate}（类目预期 {exp_}，多出约 {row['excess_refunds']:,.0f} 笔），"
                         f"主要原因{reason}（{share}）：{_action(row['top_reason'], lang)}")
        else:
            items.append(f"“{escape(row['title'])}” refunds {rate} against {exp_} expected (about "
                         f"{row['excess_refunds']:,.0f} extra refunds), mostly {reason} ({share}): "
                         f"{_action(row['top_reason'], lang)}")
    return parts[0] + ("；".join(items) + "。" if zh else " " + "; ".join(items) + ".")


def describe_reviews(summary: pd.Series, by_product: pd.DataFrame, lang: str = "zh") -> str:
    """The period's review mix and the products that draw the most bad reviews."""
    from helpers.report import escape

    zh = _zh(lang)
    if not summary["reviews"]:
        return "本期没有评价。" if zh else "No review was written in the period."
    good, bad = format_value(summary["good_rate"], "pct", lang), format_value(summary["bad_rate"], "pct", lang)
    lo, hi = format_value(summary["bad_low"], "pct", lang), format_value(summary["bad_high"], "pct", lang)
    parts = [f"本期 {int(summary['reviews']):,} 条评价，平均 {summary['mean_rating']:.2f} 星，好评率 {good}，差评率 {bad}"
             f"（{lo} ~ {hi}）；{int(summary['empty_text']):,} 条没有文字。" if zh else
             f"{int(summary['reviews']):,} reviews in the period, {summary['mean_rating']:.2f} stars on average: "
             f"{good} good, {bad} bad ({lo} to {hi}); {int(summary['empty_text']):,} without words."]
    enough = by_product[by_product["enough"]] if len(by_product) else by_product
    shop_bad = summary["bad_rate"]
    worst = enough[enough["low"] > shop_bad] if len(enough) else enough
    if len(worst):
        names = "、".join(f"「{escape(t)}」（{format_value(r, 'pct', lang)}）" for t, r in zip(worst["title"].head(3), worst["bad_rate"].head(3), strict=True)) \
            if zh else ", ".join(f"“{escape(t)}” ({format_value(r, 'pct', lang)})" for t, r in
                                 zip(worst["title"].head(3), worst["bad_rate"].head(3), strict=True))
        parts.append(f"差评率显著高于全店的商品：{names}，先处理这些商品的差评原因（见下方关键词），并在问大家/详情页回应。" if zh else
                     f"Products with a bad-review rate clearly above the shop's: {names}. Fix what their bad reviews "
                     "say (phrases below) and answer it on the listing.")
    else:
        parts.append("没有商品的差评率显著高于全店。" if zh else "No product's bad-review rate is clearly above the shop's.")
    return (" " if not zh else "").join(parts)


def describe_phrases(shop_phrases: pd.DataFrame, product_phrases: pd.DataFrame, titles: pd.Series,
                     lang: str = "zh") -> str:
    """What bad reviews complain about, shop-wide and for the products with a clear theme."""
    from helpers.report import escape

    zh = _zh(lang)
    if shop_phrases.empty:
        return "差评太少，找不出有代表性的抱怨。" if zh else "Too few bad reviews to find what they complain about."
    top = shop_phrases.head(3)
    words = ("、" if zh else ", ").join(f"「{escape(p)}」" if zh else f"“{escape(p)}”" for p in top["phrase"])
    parts = [f"全店差评中最突出的说法是 {words}（差评里出现比例 {format_value(top['bad_share'].iloc[0], 'pct', lang)}，"
             f"好评里 {format_value(top['good_share'].iloc[0], 'pct', lang)}）。" if zh else
             f"The phrases that most set bad reviews apart are {words} (the first in "
             f"{format_value(top['bad_share'].iloc[0], 'pct', lang)} of bad reviews, {format_value(top['good_share'].iloc[0], 'pct', lang)} "
             "of good ones)."]
    if len(product_phrases):
        firsts = product_phrases[product_phrases["rank"] == 1].sort_values("bad_reviews", ascending=False).head(4)
        items = []
        for _, row in firsts.iterrows():
            title = escape(titles.get(row["group"], row["group"]))
            items.append(f"「{title}」→「{escape(row['phrase'])}」（{format_value(row['bad_share'], 'pct', lang)} 的差评）" if zh
                         else f"“{title}” → “{escape(row['phrase'])}” ({format_value(row['bad_share'], 'pct', lang)} of its bad "
                         "reviews)")
        parts.append(("按商品：" + "；".join(items) + "。尺码类问题改尺码表，色差改图，破损改包装，物流类问题看第 3 节。") if zh else
                     ("By product: " + "; ".join(items) + ". Size complaints call for a size chart, colour ones for "
                      "new photos, damage for better packing, delivery ones for section 3."))
    return (" " if not zh else "").join(parts)


def describe_fulfilment(overall: pd.DataFrame, by_warehouse: pd.DataFrame | None, by_carrier: pd.DataFrame | None,
                        lang: str = "zh") -> str:
    """How fast the shop ships and delivers, and where it is late."""
    from helpers.report import escape

    zh = _zh(lang)
    row = overall.iloc[0]
    if not row["orders"]:
        return "本期支付的订单没有发货记录。" if zh else "No order paid in the period has a shipment record."
    rate = format_value(row["on_time_rate"], "pct", lang)
    parts = [f"本期有发货记录的订单 {int(row['orders']):,} 笔，及时发货率 {rate}（{format_value(row['low'], 'pct', lang)} ~ "
             f"{format_value(row['high'], 'pct', lang)}），付款到发货中位 {row['median_ship_hours']:.0f} 小时、90分位 "
             f"{row['p90_ship_hours']:.0f} 小时，付款到签收中位 {row['median_deliver_hours']:.0f} 小时。" if zh else
             f"{int(row['orders']):,} orders of the period have a shipment record; {rate} shipped on time "
             f"({format_value(row['low'], 'pct', lang)} to {format_value(row['high'], 'pct', lang)}), a median of "
             f"{row['median_ship_hours']:.0f} hours from payment to shipment (90th percentile "
             f"{row['p90_ship_hours']:.0f}) and {row['median_deliver_hours']:.0f} hours to delivery."]
    if row.get("without_shipment", 0):
        parts.append(f"{int(row['without_shipment']):,} 笔已支付订单没有发货记录（多为发货前取消）。" if zh else
                     f"{int(row['without_shipment']):,} paid orders have no shipment record (mostly cancelled before "
                     "shipping).")
    if row.get("before_export", 0):
        parts.append(f"发货表从分析期中途开始，之前支付的 {int(row['before_export']):,} 笔订单不在本节统计内。" if zh else
                     f"The shipments export starts inside the period; the {int(row['before_export']):,} orders paid "
                     "before it are not in this section.")
    if by_warehouse is not None and len(by_warehouse) > 1:
        worst = by_warehouse.iloc[0]
        best = by_warehouse.iloc[-1]
        parts.append(f"最慢的仓是「{escape(by_warehouse.index[0])}」（及时率 {format_value(worst['on_time_rate'], 'pct', lang)}，"
                     f"最好的「{escape(by_warehouse.index[-1])}」{format_value(best['on_time_rate'], 'pct', lang)}）：先查它的拣货人手和截单时间，"
                     "大促前给它加人或把订单分到其他仓。" if zh else
                     f"The slowest warehouse is “{escape(by_warehouse.index[0])}” ({format_value(worst['on_time_rate'], 'pct', lang)} "
                     f"on time, against {format_value(best['on_time_rate'], 'pct', lang)} at “{escape(by_warehouse.index[-1])}”): "
                     "check its picking staff and cut-off time, and add people or route orders elsewhere before big "
                     "promotions.")
    if by_carrier is not None and len(by_carrier) > 1:
        slow = by_carrier.sort_values("median_transit_hours", ascending=False).iloc[0]
        fast = by_carrier.sort_values("median_transit_hours").iloc[0]
        s_name = by_carrier.sort_values("median_transit_hours", ascending=False).index[0]
        f_name = by_carrier.sort_values("median_transit_hours").index[0]
        parts.append(f"运输最慢的快递是「{escape(s_name)}」（中位 {slow['median_transit_hours']:.0f} 小时，"
                     f"「{escape(f_name)}」{fast['median_transit_hours']:.0f} 小时）。" if zh else
                     f"The slowest carrier is “{escape(s_name)}” ({slow['median_transit_hours']:.0f} hours in transit, "
                     f"against {fast['median_transit_hours']:.0f} for “{escape(f_name)}”).")
    return (" " if not zh else "").join(parts)


def describe_late_effects(effects: pd.DataFrame, lang: str = "zh") -> str:
    """What a late parcel costs in refunds and bad reviews, with intervals."""
    zh = _zh(lang)
    if effects.empty:
        return "没有退款或评价数据，无法评估延迟发货的影响。" if zh else \
            "Without refunds or reviews the cost of late shipping cannot be measured."
    parts = []
    if "refund_after_shipping" in effects.index:
        e = effects.loc["refund_after_shipping"]
        if pd.notna(e["rr"]):
            parts.append(f"延迟发货的子订单发货后退款率 {format_value(e['late_rate'], 'pct', lang)}，按时的 {format_value(e['on_time_rate'], 'pct', lang)}；"
                         f"按类目和活动分层后，延迟使退款风险变为 {e['rr']:.2f} 倍（{e['rr_low']:.2f} ~ {e['rr_high']:.2f}）。"
                         if zh else f"Lines shipped late were refunded after shipping {format_value(e['late_rate'], 'pct', lang)} of the "
                         f"time, on-time ones {format_value(e['on_time_rate'], 'pct', lang)}; within category and campaign, "
                         f"lateness multiplies the refund risk by {e['rr']:.2f} ({e['rr_low']:.2f} to {e['rr_high']:.2f}).")
    if "bad_review" in effects.index:
        e = effects.loc["bad_review"]
        if pd.notna(e["rd"]):
            parts.append(f"差评率：延迟 {format_value(e['late_rate'], 'pct', lang)}，按时 {format_value(e['on_time_rate'], 'pct', lang)}，"
                         f"分层后每个延迟订单多 {format_value(e['rd'], 'pct', lang)} 的差评概率（{format_value(e['rd_low'], 'pct', lang)} ~ "
                         f"{format_value(e['rd_high'], 'pct', lang)}）。" if zh else
                         f"Bad reviews: {format_value(e['late_rate'], 'pct', lang)} after a late parcel, "
                         f"{format_value(e['on_time_rate'], 'pct', lang)} after an on-time one; within strata a late parcel adds "
                         f"{format_value(e['rd'], 'pct', lang)} to the chance of a bad review ({format_value(e['rd_low'], 'pct', lang)} to "
                         f"{format_value(e['rd_high'], 'pct', lang)}).")
    significant = any(pd.notna(effects.loc[i, col]) and effects.loc[i, col] > thr
                      for i, col, thr in (("refund_after_shipping", "rr_low", 1.0), ("bad_review", "rd_low", 0.0))
                      if i in effects.index)
    parts.append("按时发货直接减少退款和差评：大促前按预计单量排班，承诺时效内发不完的订单提前告知买家。" if zh and significant else
                 ("Shipping on time pays off directly in fewer refunds and bad reviews: staff the warehouse for the "
                  "expected volume before promotions and tell buyers early when an order will miss the promise."
                  if significant else ("本期数据中延迟发货与退款、差评的关联不显著。" if zh else
                                       "In this period late shipping shows no clear link with refunds or bad reviews.")))
    return (" " if not zh else "").join(parts)


def describe_service(summary: pd.Series, effect: pd.Series, by_agent: pd.DataFrame | None, lang: str = "zh") -> str:
    """Response times, 询单转化率 and what answering faster is worth."""
    from helpers.report import escape

    zh = _zh(lang)
    if not summary["chats"]:
        return "本期没有询单。" if zh else "No chat in the period."
    rate = format_value(summary["inquiry_conversion_rate"], "pct", lang)
    parts = [f"本期询单 {int(summary['chats']):,} 次，询单转化率 {rate}（{format_value(summary['low'], 'pct', lang)} ~ "
             f"{format_value(summary['high'], 'pct', lang)}）；首次响应平均 {summary['mean_response']:.0f} 秒、中位 "
             f"{summary['median_response']:.0f} 秒，{format_value(summary['within_30s'], 'pct', lang)} 在 30 秒内回复。" if zh else
             f"{int(summary['chats']):,} chats in the period converted at {rate} ({format_value(summary['low'], 'pct', lang)} to "
             f"{format_value(summary['high'], 'pct', lang)}); first responses took {summary['mean_response']:.0f} s on average "
             f"(median {summary['median_response']:.0f} s) and {format_value(summary['within_30s'], 'pct', lang)} came within 30 s."]
    if pd.notna(effect.get("slope")):
        p10, p60 = format_value(effect["p_10s"], "pct", lang), format_value(effect["p_60s"], "pct", lang)
        sig = effect["slope_high"] < 0
        parts.append(f"等待时间每翻一倍，转化的几率变为 {effect['odds_per_doubling']:.2f} 倍（{math.exp(effect['slope_low']):.2f} ~ "
                     f"{math.exp(effect['slope_high']):.2f}）：10 秒内回复转化约 {p10}，60 秒约 {p60}。" if zh else
                     f"Each doubling of the wait multiplies the odds of converting by {effect['odds_per_doubling']:.2f} "
                     f"({math.exp(effect['slope_low']):.2f} to {math.exp(effect['slope_high']):.2f}): about {p10} convert "
                     f"when answered in 10 s, {p60} at 60 s.")
        if sig:
            parts.append("把首次响应压到 15 秒内（快捷短语、高峰加人、夜间自动回复后人工跟进）是最便宜的转化提升。" if zh else
                         "Getting first responses under 15 s (quick replies, more staff at peaks, a night shift that "
                         "follows up the auto-reply) is the cheapest conversion gain.")
    if by_agent is not None and len(by_agent) > 1:
        slow = by_agent.sort_values("median_response", ascending=False).iloc[0]
        name = by_agent.sort_values("median_response", ascending=False).index[0]
        parts.append(f"响应最慢的是「{escape(name)}」（中位 {slow['median_response']:.0f} 秒，转化 "
                     f"{format_value(slow['inquiry_conversion_rate'], 'pct', lang)}）。" if zh else
                     f"The slowest agent is “{escape(name)}” (median {slow['median_response']:.0f} s, conversion "
                     f"{format_value(slow['inquiry_conversion_rate'], 'pct', lang)}).")
    return (" " if not zh else "").join(parts)


def describe_dsr(summary: pd.DataFrame, drivers: pd.DataFrame, lang: str = "zh") -> str:
    """Where each DSR score stands against the peer tier and which after-sales event pulls it down most."""
    zh = _zh(lang)
    parts = []
    for key, row in summary.iterrows():
        if pd.isna(row["last"]):
            continue
        name = text(key, lang)
        gap = row["gap"]
        if zh:
            rel = "—" if pd.isna(gap) else (f"高于同行 {gap:+.3f}" if gap >= 0 else f"低于同行 {gap:+.3f}")
            parts.append(f"{name} {row['last']:.3f}（{rel}，期内 {row['change']:+.3f}）")
        else:
            rel = "no peer figure" if pd.isna(gap) else (f"{gap:+.3f} against the peer tier")
            parts.append(f"{name} {row['last']:.3f} ({rel}, {row['change']:+.3f} over the period)")
    if parts:
        out = ("期末 DSR：" + "；".join(parts) + "。") if zh else ("DSR at the end of the period: " + "; ".join(parts) + ".")
    else:
        out = "没有 DSR 表，无法看评分走势。" if zh else "Without the DSR table the scores' trend is not shown."
    if len(drivers):
        drags = drivers[(drivers["high"] < 0)].sort_values("impact")
        if drags.empty:
            return out + ("各项售后事件对 DSR 的影响都不显著。" if zh else
                          " No after-sales event has a clear effect on the scores.")
        worst = drags.iloc[0]
        out += (f"拉低评分最多的是{text(worst['driver'], 'zh')}对{text(worst['score'], 'zh')}的影响：每个这样的订单约 "
                f"{worst['coefficient']:+.2f} 分（{worst['low']:+.2f} ~ {worst['high']:+.2f}），按当前占比 "
                f"{format_value(worst['share'], 'pct', lang)} 使店铺评分低约 {abs(worst['impact']):.3f} 分，先解决它。" if zh else
                f" The biggest drag is {text(worst['driver'], 'en').lower()} on {text(worst['score'], 'en').lower()}: "
                f"about {worst['coefficient']:+.2f} points per such line ({worst['low']:+.2f} to {worst['high']:+.2f}); "
                f"at its current share of {format_value(worst['share'], 'pct', lang)} it costs the shop's score about "
                f"{abs(worst['impact']):.3f}: fix that first.")
        others = drags.iloc[1:4]
        if len(others):
            listed = ("、".join(f"{text(d, 'zh')}→{text(sc, 'zh')}（{c:+.2f}）" for d, sc, c in
                               zip(others["driver"], others["score"], others["coefficient"], strict=True)) if zh else
                      ", ".join(f"{text(d, 'en').lower()} on {text(sc, 'en').lower()} ({c:+.2f})" for d, sc, c in
                                zip(others["driver"], others["score"], others["coefficient"], strict=True)))
            out += (f"显著拉低评分的还有：{listed}。" if zh else f" Other clear drags: {listed}.")
    below = [text(k, lang) for k, row in summary.iterrows() if pd.notna(row["gap"]) and row["gap"] < 0]
    if below:
        out += (f"低于同行的项（{'、'.join(below)}）会影响搜索权重和活动报名门槛。" if zh else
                f" Scores below the peer tier ({', '.join(below)}) weigh on search ranking and campaign eligibility.")
    return out


# --------------------------------------------------------------------------- tables


def _styled(frame: pd.DataFrame, formats: dict[str, Any], lang: str, index_name: str | None = None):
    from helpers import plots

    cols = [c for c in formats if c in frame.columns]
    shown = frame[cols].rename(columns={c: text(c, lang) for c in cols})
    if index_name is not None:
        shown.index.name = text(index_name, lang) if index_name in TEXT else index_name
    return plots.style_table(shown, {text(c, lang): formats[c] for c in cols}, lang, translate=False)


def refund_summary_table(summary: pd.Series, lang: str = "zh"):
    """The headline refund figures as a table of formatted values."""
    from helpers import plots

    rows = [("lines", format_value(summary["lines"], "count", lang)), ("refunded", format_value(summary["refunded"], "count", lang)),
            ("paid_amount", format_value(summary["paid_amount"], "yuan", lang)),
            ("refund_amount", format_value(summary["refund_amount"], "yuan", lang)),
            ("refund_rate_by_value", format_value(summary["refund_rate_by_value"], "pct", lang)),
            ("refund_rate_by_count", f"{format_value(summary['refund_rate_by_count'], 'pct', lang)} "
                                     f"({format_value(summary['low'], 'pct', lang)} ~ {format_value(summary['high'], 'pct', lang)})"),
            ("before_shipping", format_value(summary["before_shipping"], "pct", lang)),
            ("median_days", "—" if pd.isna(summary["median_days"]) else f"{summary['median_days']:.1f}"),
            ("p90_days", "—" if pd.isna(summary["p90_days"]) else f"{summary['p90_days']:.1f}")]
    frame = pd.DataFrame({plots.t("current", lang): [v for _, v in rows]}, index=[text(k, lang) for k, _ in rows])
    return plots.style_table(frame, lang=lang, translate=False)


def refunds_by_table(table: pd.DataFrame, by: str, lang: str = "zh", top: int = 12):
    """A :func:`refunds_by` table for reading (top rows by refunded amount)."""
    shown = table.head(top).copy()
    if by == "campaign":
        shown.index = [text("no_campaign", lang) if i == "" else i for i in shown.index]
    return _styled(shown, {"lines": "count", "refunded": "count", "refund_rate_by_count": "pct", "low": "pct",
                           "high": "pct", "refund_amount": "yuan", "refund_rate_by_value": "pct",
                           "share_of_refunds": "pct"}, lang, by)


def reasons_table(reasons: pd.DataFrame, lang: str = "zh"):
    """A :func:`summarize_reasons` table for reading."""
    shown = reasons.copy()
    shown.index = [text("no_reason", lang) if i == "" else i for i in shown.index]
    return _styled(shown, {"refunds": "count", "refund_amount": "yuan", "share_of_refunds": "pct",
                           "before_shipping": "pct", "median_days": lambda v: "—" if pd.isna(v) else f"{v:.1f}"},
                   lang, "reason")


def margin_table(margin: pd.DataFrame, lang: str = "zh"):
    """A :func:`refund_margin` table for reading."""
    shown = margin.copy()
    shown.index = [text(i, lang) for i in shown.index]
    return _styled(shown, {"sales": "yuan", "cost": "yuan", "gross_profit": "yuan", "gross_margin": "pct"}, lang)


def flagged_table(flags: pd.DataFrame, lang: str = "zh", top: int = 10):
    """The top of a :func:`flag_products` table: flagged products first, then the largest excess."""
    shown = flags.head(top).copy()
    shown["flagged"] = ["●" if f else "" for f in shown["flagged"]]
    shown["top_reason"] = shown["top_reason"].fillna("").replace("", text("no_reason", lang))
    shown.index.name = "product_id"
    return _styled(shown, {"title": str, "category": str, "lines": "count", "refunded": "count", "rate": "pct",
                           "expected": "pct", "shrunk": "pct", "low": "pct", "high": "pct", "flagged": str,
                           "excess_refunds": lambda v: f"{v:+,.0f}", "top_reason": str, "top_reason_share": "pct"},
                   lang, "product_id")


def reviews_table(by_product: pd.DataFrame, lang: str = "zh", top: int = 12):
    """A :func:`reviews_by_product` table for reading (products with enough reviews first)."""
    shown = by_product.sort_values(["enough", "bad"], ascending=False, kind="stable").head(top)
    return _styled(shown, {"title": str, "reviews": "count", "mean_rating": "ratio", "good_rate": "pct",
                           "bad_rate": "pct", "low": "pct", "high": "pct"}, lang, "product_id")


def phrases_table(phrases: pd.DataFrame, titles: pd.Series | None = None, lang: str = "zh"):
    """A :func:`complaint_phrases` table for reading (review text escaped)."""
    shown = phrases.copy()
    if titles is not None and (shown["group"] != "").any():
        shown["title"] = [titles.get(g, g) for g in shown["group"]]
        shown = shown.set_index(["title", "rank"])
        shown.index.names = [text("title", lang), "#"]
    else:
        shown = shown.set_index("rank")
        shown.index.name = "#"
    return _styled(shown, {"phrase": str, "z": "ratio", "bad_share": "pct", "good_share": "pct",
                           "bad_reviews": "count"}, lang)


def fulfilment_table(table: pd.DataFrame, by: str | None = None, lang: str = "zh"):
    """A :func:`summarize_fulfilment` table for reading."""
    shown = table.copy()
    if by is None:
        shown.index = [text("shop", lang)]
    hours = lambda v: "—" if pd.isna(v) else f"{v:.0f}"  # noqa: E731
    return _styled(shown, {"orders": "count", "shipped_orders": "count", "due": "count", "on_time_rate": "pct",
                           "low": "pct", "high": "pct", "median_ship_hours": hours, "p90_ship_hours": hours,
                           "median_deliver_hours": hours, "median_transit_hours": hours}, lang, by)


def late_effects_table(effects: pd.DataFrame, lang: str = "zh"):
    """A :func:`late_effects` table for reading: rates, relative risk and risk difference."""
    shown = effects.rename(columns={"on_time_rate": "on_time_group"})
    shown.index = [text(i, lang) for i in shown.index]
    ratio = lambda v: "—" if pd.isna(v) else f"{v:.2f}"  # noqa: E731
    return _styled(shown, {"on_time_group": "pct", "late_rate": "pct", "on_time_n": "count", "late_n": "count",
                           "rr": ratio, "rr_low": ratio, "rr_high": ratio, "rd": "signed_pct",
                           "rd_low": "signed_pct", "rd_high": "signed_pct"}, lang)


def service_table(table: pd.DataFrame, by: str = "band", lang: str = "zh"):
    """A :func:`service_by` table for reading."""
    return _styled(table, {"chats": "count", "converted": "count", "inquiry_conversion_rate": "pct", "low": "pct",
                           "high": "pct", "median_response": lambda v: "—" if pd.isna(v) else f"{v:.0f}"},
                   lang, by)


def dsr_table(summary: pd.DataFrame, lang: str = "zh"):
    """A :func:`summarize_dsr` table for reading."""
    shown = summary.copy()
    shown.index = [text(i, lang) for i in shown.index]
    shown["min_date"] = [d.strftime("%Y-%m-%d") if pd.notna(d) else "—" for d in shown["min_date"]]
    four = lambda v: "—" if pd.isna(v) else f"{v:.3f}"  # noqa: E731
    signed = lambda v: "—" if pd.isna(v) else f"{v:+.3f}"  # noqa: E731
    return _styled(shown.rename(columns={"min": "min_score"}),
                   {"first": four, "last": four, "change": signed, "peer": four, "gap": signed, "min_score": four,
                    "min_date": str}, lang, "score")


def drivers_table(drivers: pd.DataFrame, lang: str = "zh"):
    """A :func:`dsr_drivers` table for reading."""
    shown = drivers.copy()
    shown.index = pd.MultiIndex.from_arrays([[text(s, lang) for s in shown["score"]],
                                             [text(d, lang) for d in shown["driver"]]],
                                            names=[text("score", lang), text("driver", lang)])
    signed = lambda v: "—" if pd.isna(v) else f"{v:+.3f}"  # noqa: E731
    return _styled(shown, {"coefficient": signed, "low": signed, "high": signed, "share": "pct", "impact": signed,
                           "n": "count"}, lang)


# --------------------------------------------------------------------------- plots


def _plain(texts) -> None:
    for t in texts:
        t.set_parse_math(False)


def plot_flagged(flags: pd.DataFrame, lang: str = "zh", top: int = 12):
    """Refund rate (shrunk estimate and interval) against the category expectation, top products."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    data = flags.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.6, 0.42 * len(data) + 1.2)), layout="constrained")
    y = np.arange(len(data))
    colors = ["#d62728" if f else "#4c72b0" for f in data["flagged"]]
    ax.hlines(y, data["low"], data["high"], color=colors, lw=2.5)
    ax.scatter(data["shrunk"], y, color=colors, zorder=3, label=text("shrunk", lang))
    ax.scatter(data["expected"], y, marker="|", s=220, color="#333333", zorder=4, label=text("expected", lang))
    ax.scatter(data["rate"], y, marker="x", color="#777777", zorder=3, label=text("rate", lang))
    ax.set_yticks(y, [str(t)[:22] + ("…" if len(str(t)) > 22 else "") for t in data["title"]])
    plots.pct_axis(ax, "x")
    ax.set_xlabel(text("refund_rate_by_count", lang))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("退款率与类目预期（红色 = 异常）" if _zh(lang) else "Refund rate against the category (red = abnormal)")
    _plain([*ax.get_yticklabels(), ax.title])
    return fig


def plot_refund_timing(timing: pd.DataFrame, lang: str = "zh"):
    """Refunds per day after payment, stacked by before / after shipping."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    wide = timing.pivot_table(index="day", columns="stage", values="refunds", aggfunc="sum", fill_value=0)
    bottom = np.zeros(len(wide))
    for stage, color in (("not_shipped", "#dd8452"), ("shipped", "#4c72b0"), ("unknown_shipping", "#999999")):
        if stage in wide:
            ax.bar(wide.index, wide[stage], bottom=bottom, color=color, label=text(stage, lang), width=0.85)
            bottom = bottom + wide[stage].to_numpy()
    plots.count_axis(ax)
    ax.set_xlabel(text("days", lang))
    ax.set_ylabel(text("refunds", lang))
    ax.legend()
    ax.set_title("付款后多少天退款" if _zh(lang) else "When refunds come, in days after payment")
    return fig


def plot_rating_trend(trend: pd.DataFrame, lang: str = "zh"):
    """Bad and neutral review rates per week or month (the good rate is the rest)."""
    from helpers import plots

    if trend.empty:
        return None
    long = trend.melt(id_vars="date", value_vars=["bad_rate", "neutral_rate"], var_name="metric",
                      value_name="rate")
    long["metric"] = [text(m, lang) for m in long["metric"]]
    freq = trend["freq"].iloc[0]
    fig = plots.plot_trend(long, x="date", y="rate", hue="metric", kind="pct", lang=lang,
                           title=("差评率与中评率（按" + text(freq, "zh") + "）") if _zh(lang) else
                           f"Bad and neutral review rates by {freq}")
    ax = fig.axes[0]
    ax.set_ylabel(text("rate", lang) if _zh(lang) else "Share of reviews")
    ax.get_legend().set_title("")
    return fig


def plot_ratings(by_product: pd.DataFrame, summary_row: pd.Series | None = None, lang: str = "zh", top: int = 10):
    """Star shares (1-5) of the products with most reviews, as stacked horizontal bars."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    data = by_product[by_product["enough"]].sort_values("reviews", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.6, 0.4 * len(data) + 1.3)), layout="constrained")
    y = np.arange(len(data))
    left = np.zeros(len(data))
    colors = {1: "#c0392b", 2: "#e67e22", 3: "#bdc3c7", 4: "#7fb3d5", 5: "#2e86c1"}
    for s in range(1, 6):
        vals = data[f"stars_{s}"].to_numpy(dtype=float)
        ax.barh(y, vals, left=left, color=colors[s], label=f"{s}★", height=0.7)
        left += vals
    ax.set_yticks(y, [str(t)[:22] + ("…" if len(str(t)) > 22 else "") for t in data["title"]])
    plots.pct_axis(ax, "x")
    ax.set_xlim(0, 1)
    ax.legend(ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel("评价星级占比" if _zh(lang) else "Share of reviews by stars")
    _plain(ax.get_yticklabels())
    return fig


def plot_ship_hours(hist: pd.DataFrame, promised_hours: int = 48, lang: str = "zh", by: str = "warehouse"):
    """Orders per bin of hours from payment to shipment, one line per group (``by``: the
    :func:`ship_hours` grouping), with the promised hours marked."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for group, g in hist.groupby("group"):
        share = g["orders"] / g["orders"].sum()
        ax.plot(g["hours"], share, marker="o", ms=3, label=str(group))
    ax.axvline(promised_hours, color="#d62728", ls="--", lw=1)
    ax.text(promised_hours, ax.get_ylim()[1] * 0.95, f" {promised_hours}h", color="#d62728", va="top")
    plots.pct_axis(ax)
    ax.set_xlabel(text("hours_to_ship", lang))
    ax.set_ylabel("订单占比" if _zh(lang) else "Share of orders")
    legend = ax.legend(title=text(by, lang))
    _plain(legend.get_texts())
    ax.set_title("付款到发货的时间分布" if _zh(lang) else "Hours from payment to shipment")
    return fig


def plot_late_effects(effects: pd.DataFrame, lang: str = "zh"):
    """On-time against late: refund-after-shipping and bad-review rates with intervals."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 0.9 * len(effects) + 1.6), layout="constrained")
    y = np.arange(len(effects))
    for dy, key, color in ((-0.12, "on_time", "#4c72b0"), (0.12, "late", "#d62728")):
        rate = effects[f"{key}_rate"].astype(float)
        lo, hi = effects[f"{key}_low"].astype(float), effects[f"{key}_high"].astype(float)
        ax.errorbar(rate, y + dy, xerr=[rate - lo, hi - rate], fmt="o", color=color, capsize=3,
                    label=text(key, lang))
    ax.set_yticks(y, [text(i, lang) for i in effects.index])
    ax.invert_yaxis()
    plots.pct_axis(ax, "x")
    ax.legend(loc="lower right")
    ax.set_title("延迟发货与退款、差评" if _zh(lang) else "Late parcels, refunds and bad reviews")
    return fig


def plot_service(bands: pd.DataFrame, lang: str = "zh"):
    """询单转化率 per first-response band, with Wilson intervals."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    data = bands[bands["chats"] > 0]
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    x = np.arange(len(data))
    rate = data["inquiry_conversion_rate"].astype(float)
    ax.bar(x, rate, color="#4c72b0", width=0.6)
    ax.errorbar(x, rate, yerr=[rate - data["low"].astype(float), data["high"].astype(float) - rate], fmt="none",
                color="#333333", capsize=4)
    ax.set_xticks(x, [str(i) for i in data.index])
    plots.pct_axis(ax)
    ax.set_xlabel(text("band", lang))
    ax.set_ylabel(text("inquiry_conversion_rate", lang))
    ax.set_title("首次响应越慢，询单转化越低" if _zh(lang) else "Slower first responses, fewer conversions")
    return fig


def plot_dsr(dsr: pd.DataFrame, lang: str = "zh"):
    """The three DSR scores over time (ours solid, peer average dashed), one panel each."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker

    from helpers import plots

    plots.set_theme(lang)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained", sharey=True)
    for ax, key in zip(axes, DSR_SCORES, strict=True):
        ax.plot(dsr["date"], dsr[key], color="#4c72b0", label=text("ours", lang))
        if f"peer_{key}" in dsr and dsr[f"peer_{key}"].notna().any():
            ax.plot(dsr["date"], dsr[f"peer_{key}"], color="#999999", ls="--", label=text("peer", lang))
        ax.set_title(text(key, lang))
        ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%.2f"))
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes[0].legend(loc="lower left", fontsize=8)
    return fig


def plot_drivers(drivers: pd.DataFrame, lang: str = "zh"):
    """DSR driver coefficients with intervals, one row per score x driver."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    data = drivers.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(data) + 1.4), layout="constrained")
    y = np.arange(len(data))
    ax.errorbar(data["coefficient"], y, xerr=[data["coefficient"] - data["low"], data["high"] - data["coefficient"]],
                fmt="o", color="#4c72b0", capsize=3)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [f"{text(s, lang)} · {text(d, lang)}" for s, d in zip(data["score"], data["driver"], strict=True)])
    ax.set_xlabel(text("coefficient", lang))
    ax.set_title("各因素对 DSR 的影响（每单）" if _zh(lang) else "What moves each DSR score (per line)")
    return fig


# ---------------------------------------------------------------------------
# Explore section
# ---------------------------------------------------------------------------


def explore_controls(reviews: pd.DataFrame, lang: str = "zh", top: int = 30) -> dict:
    """Selectors of the service Explore section: category and product (the most reviewed ones)."""
    from helpers import explore, plots

    everything = "全部" if lang == "zh" else "All"
    counts = reviews.groupby(["product_id", "title"]).size().sort_values(ascending=False).head(top)
    products = {f"{title} ({pid})": pid for pid, title in counts.index}
    categories = sorted(reviews["category"].dropna().unique())
    return {
        "category": explore.choice(categories, None, plots.label("category", lang), all_label=everything),
        "product": explore.choice(products, None, plots.label("product", lang), all_label=everything),
    }


def render_explore(reviews: pd.DataFrame, period: Period, category: str | None, product: str | None,
                   lang: str = "zh") -> list:
    """The Explore view: what the slice's bad reviews say and how its ratings moved.

    A product choice wins over the category choice (a product has one category).
    """
    subset = reviews
    if product:
        subset = reviews[reviews["product_id"] == product]
    elif category:
        subset = reviews[reviews["category"] == category]
    if subset.empty:
        return [pd.DataFrame({"": [text("no_data", lang)]})]
    phrases = complaint_phrases(subset, top=8)
    return [phrases_table(phrases, None, lang), plot_rating_trend(rating_trend(subset, period), lang)]
