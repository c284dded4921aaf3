"""Campaign postmortem (活动复盘): true uplift with intervals, pull-forward, profit, mechanics.

The platform's campaign dashboard shows what sold during a campaign. That overstates it:
part of those sales would have happened anyway, part were pulled forward from the weeks
around it, discounts and ads cost money and refunds arrive later. These helpers answer
what the campaign really added, what it earned, which mechanics worked and what to change.

Reductions run in the engine (Ibis) at day grain (:func:`load_frames`: a few thousand rows
whatever the shop's size); the counterfactual model and the sentences work on those small
frames. Ratios that are shop-wide metrics come from :mod:`helpers.metrics`.

口径 used here
--------------
- **Sales** (支付金额): paid order lines by **pay date**, the whole shop (the campaign's
  effect on the shop, not only on its tagged lines). **Campaign lines**: order lines whose
  ``campaign_id`` is the campaign's.
- **Phases**: warm-up (预热, ``warmup_start`` .. ``start`` - 1), event (``start`` .. ``end``),
  post (``end`` + 1 .. ``end`` + ``post_days``); the **window** is all three. The
  **baseline** (pre-period) is the ``pre_days`` **clean days** closest before the window:
  days inside another campaign's window (warm-up .. end + ``post_days``) or within 10 days
  of 春节 are skipped and earlier days taken instead (looking back at most 3 x ``pre_days``).
- **Counterfactual** (what sales would have been without the campaign): a model of
  log daily sales fitted on the clean pre-period days and projected over the window.
  ``regression``: ordinary least squares on an intercept, a linear trend, weekday effects
  and the usable control series (log), with Student-t predictive draws that include the
  coefficients' uncertainty and the daily noise; ``structural``: a structural time-series
  model (local level + weekly seasonal + controls, statsmodels ``UnobservedComponents``)
  simulated forward. Both draw :data:`N_DRAWS` paths with the fixed seed :data:`SEED`, so
  results do not change between runs.
- **Controls**: categories without campaign lines (for campaigns on part of the range) and
  the same days last year (364 days back, weekday-aligned). A control is **contaminated**
  when the campaigns table puts a campaign on its days, or when it moves during the event
  (its own pre-period model says the move is real with probability >= 80% and it is at
  least 10%: a deliberately liberal test, since a contaminated control biases the estimate
  while a clean one left out only widens the interval); contaminated controls are left out and named.
- **Effect** of a phase = actual sales - counterfactual sales (yuan); **relative effect** =
  actual / counterfactual - 1; intervals are the equal-tailed ``confidence`` quantiles of the
  draws; **probability the effect is real** = share of draws on the same side of zero as the
  point estimate. Point estimates use the mean of the draws (the expected counterfactual).
- **Pull-forward** (透支): the effect of the warm-up (buyers waiting for the event) and of
  the post-period (buyers who stocked up); **net effect** = effect over the whole window;
  **pull-forward share** = -(warm-up effect + post effect) / event effect.
- **Refunds**: cohort basis (refunds of the lines paid in a period, whenever they came),
  completed for lines too recent to have all their refunds by the share of refunds that
  arrive within the observed delay (from the shop's own delays). **Normal refund rate**: the
  clean pre-period's lines.
- **Profit** (活动利润, yuan) = incremental sales at list prices x normal margin - discount
  cost - extra ad spend - extra refund cost - budget, over the window, where incremental
  sales at list prices = net incremental paid sales + discount cost; discount cost =
  list price x quantity - paid amount of the campaign lines; normal margin = (list value -
  cost) / list value of the pre-period lines (``products.unit_cost``); extra ad spend = ad
  spend in the window - the pre-period's daily spend x window days; extra refund cost =
  (refunds of the window's lines - normal refund rate x their sales) x the window's gross
  margin (refunded goods go back to stock, their gross profit is lost); budget =
  ``campaigns.budget``. **Campaign cost** = discount + extra ads + extra refund cost + budget;
  **campaign ROI** = profit / campaign cost (net: 0 is break-even).
- **New buyers**: customers whose first paid order in the data falls in the window;
  **incremental new buyers** = those - the pre-period's daily new buyers x window days;
  **cost per new buyer** = campaign cost / incremental new buyers.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import cache_table, known_customer, paid_order_lines
from helpers.params import Period
from helpers.params import is_zh as _zh

if TYPE_CHECKING:
    from helpers.data import Shop

MODELS = ("regression", "structural")
MIN_PRE_DAYS = 28  # clean pre-period days below which no counterfactual is estimated
SHORT_PRE_DAYS = 42  # below this the estimate is made but flagged as uncertain
N_DRAWS = 2000  # predictive draws of the counterfactual
SEED = 20261111  # fixed seed of the draws: the same data give the same report
LOG_OFFSET = 1.0  # yuan added before taking logs (days without sales)
CONTAMINATION_MIN_CHANGE = 0.10  # a control moving less than this is not called contaminated
CONTAMINATION_PROBABILITY = 0.80  # liberal: a contaminated control biases, a dropped one only widens
HOLIDAY_DAYS = 10  # days either side of 春节 left out of the fit
LAST_YEAR_DAYS = 364  # weekday-aligned "same days last year"
BUNCH_ABOVE_TEST = 0.30  # bunching test bands: [T, 1.3 T) above the line ...
BUNCH_BELOW_TEST = 0.30  # ... against [0.7 T, T) below it
BUNCH_Z = 4.0  # z of the bunching test from which bunching is called
BIN_SHARE = 0.05  # histogram bin width in plots, as a share of the threshold
STOCKOUT_P = 0.001  # a silent tail this improbable is flagged as a possible stock-out

#: Labels of this module's columns and words: key -> (中文, English).
TEXT: dict[str, tuple[str, str]] = {
    "pre": ("活动前基期", "Pre-period"),
    "warmup": ("预热期", "Warm-up"),
    "event": ("活动期", "Event"),
    "post": ("活动后", "Post-event"),
    "window": ("全周期(净效果)", "Whole window (net)"),
    "phase": ("阶段", "Phase"),
    "days": ("天数", "Days"),
    "start": ("开始", "Start"),
    "end": ("结束", "End"),
    "actual": ("实际销售额", "Actual sales"),
    "predicted": ("无活动预计", "Without campaign"),
    "predicted_low": ("预计下限", "Without, low"),
    "predicted_high": ("预计上限", "Without, high"),
    "effect": ("增量销售额", "Incremental sales"),
    "effect_low": ("增量下限", "Incremental, low"),
    "effect_high": ("增量上限", "Incremental, high"),
    "relative": ("相对提升", "Relative uplift"),
    "relative_low": ("提升下限", "Uplift, low"),
    "relative_high": ("提升上限", "Uplift, high"),
    "p_real": ("效果为真的概率", "Probability real"),
    "pointwise": ("逐日增量", "Daily effect"),
    "cumulative": ("累计增量", "Cumulative effect"),
    "interval": ("区间", "Interval"),
    "control": ("对照序列", "Control series"),
    "other_categories": ("未参加活动的类目", "Categories not in the campaign"),
    "last_year": ("去年同期", "Same days last year"),
    "status": ("状态", "Status"),
    "used": ("已使用", "Used"),
    "contaminated": ("受污染，未使用", "Contaminated, left out"),
    "unavailable": ("不可用", "Unavailable"),
    "change_in_event": ("活动期变化", "Change during the event"),
    "reason": ("说明", "Why"),
    "sales": ("支付金额", "Sales"),
    "orders": ("支付订单数", "Paid orders"),
    "hour": ("小时", "Hour"),
    "peak_share": ("峰值日占比", "Share on the peak day"),
    "baseline_share": ("平日占比", "Share on ordinary days"),
    "peak_sales": ("峰值日销售额", "Peak-day sales"),
    "date": ("日期", "Date"),
    "product_id": ("商品ID", "Product id"),
    "title": ("商品标题", "Title"),
    "category": ("类目", "Category"),
    "baseline_per_day": ("平日日均件数", "Usual units per day"),
    "last_sale": ("最后成交日", "Last sale"),
    "silent_days": ("无成交天数", "Days without sales"),
    "expected_units": ("预计应售件数", "Expected units"),
    "p_silent": ("无成交的概率", "Probability of no sales"),
    "lines": ("订单行数", "Order lines"),
    "paid": ("支付金额", "Paid"),
    "refund_amount": ("退款金额", "Refunds"),
    "refund_rate": ("退款率(金额)", "Refund rate (value)"),
    "refund_rate_adjusted": ("退款率(补齐未到退款)", "Refund rate (completed)"),
    "refund_lines_rate": ("退款率(行数)", "Refund rate (lines)"),
    "completeness": ("退款到齐比例", "Refunds arrived"),
    "expected_rate": ("同类商品平时退款率", "Usual rate, same categories"),
    "vs_normal": ("是平时的倍数", "Times the usual"),
    "extra_refunds": ("多退金额", "Extra refunds"),
    "campaign_lines": ("活动订单行", "Campaign lines"),
    "normal": ("平日(基期)", "Normal (pre-period)"),
    "window_lines": ("活动周期全部订单行", "All lines in the window"),
    "item": ("项目", "Item"),
    "value": ("金额", "Amount"),
    "low": ("下限", "Low"),
    "high": ("上限", "High"),
    "incremental_list_sales": ("增量销售额(按原价)", "Incremental sales at list prices"),
    "incremental_gross_profit": ("增量毛利", "Incremental gross profit"),
    "discount_cost": ("让利(折扣成本)", "Discount cost"),
    "extra_ad_spend": ("额外推广花费", "Extra ad spend"),
    "extra_refund_cost": ("额外退款损失", "Extra refund cost"),
    "budget": ("活动预算", "Budget"),
    "profit": ("活动利润", "Campaign profit"),
    "campaign_cost": ("活动投入", "Campaign cost"),
    "roi": ("活动ROI(净)", "Campaign ROI (net)"),
    "breakeven_sales": ("保本需增量(原价)", "Break-even incremental sales"),
    "normal_margin": ("平日毛利率(原价)", "Normal margin (list prices)"),
    "cost_per_new_buyer": ("每个新客成本", "Cost per new buyer"),
    "metric": ("指标", "Metric"),
    "baseline": ("基期(平日)", "Pre-period (normal)"),
    "campaign": ("活动", "Campaign"),
    "aov": ("客单价(每单实付)", "Paid per order"),
    "list_per_order": ("每单原价金额", "List value per order"),
    "units_per_order": ("每单件数", "Units per order"),
    "lines_per_order": ("每单商品数", "Products per order"),
    "effective_discount": ("实际优惠力度", "Effective discount"),
    "campaign_order_share": ("参与活动订单占比", "Orders using the campaign"),
    "reach_share": ("达到门槛订单占比", "Orders reaching the threshold"),
    "band_share": ("门槛上方订单占比", "Orders just above the threshold"),
    "below_share": ("门槛下方订单占比", "Orders just below the threshold"),
    "bunching_ratio": ("门槛上方集聚倍数", "Bunching above the threshold (x)"),
    "bunching_z": ("集聚检验 z", "Bunching z"),
    "order_value": ("订单原价金额", "Order value at list prices"),
    "share_of_orders": ("订单占比", "Share of orders"),
    "new_buyers": ("新客", "New buyers"),
    "returning_buyers": ("老客", "Returning buyers"),
    "buyers": ("支付买家数", "Buyers"),
    "per_day": ("日均", "Per day"),
    "repeat_rate": ("复购率", "Repeat rate"),
    "repeat_low": ("复购率下限", "Repeat rate, low"),
    "repeat_high": ("复购率上限", "Repeat rate, high"),
    "cohort": ("客群", "Group"),
    "event_new": ("活动新客", "New in the campaign"),
    "normal_new": ("平日新客", "New on normal days"),
    "pre_sales_per_day": ("基期日均销售额", "Pre-period sales per day"),
    "event_sales_per_day": ("活动期日均销售额", "Event sales per day"),
    "lift": ("提升", "Lift"),
    "share_of_increase": ("占增量比例", "Share of the increase"),
    "share_change": ("销售占比变化", "Change in share of sales"),
    "name": ("活动名称", "Campaign"),
    "mechanic": ("玩法", "Mechanic"),
    "event_sales": ("活动期销售额", "Event sales"),
    "net_effect": ("净增量(含透支)", "Net incremental sales"),
    "pull_forward_share": ("透支比例", "Pull-forward share"),
    "incremental_new_buyers": ("增量新客", "Incremental new buyers"),
    "refund_vs_normal": ("退款率/平时", "Refunds vs normal"),
    "campaign_id": ("活动ID", "Campaign id"),
    "orders_per_day": ("日均订单数", "Orders per day"),
}

#: Mechanics (contract values) in both languages.
MECHANIC_TEXT: dict[str, tuple[str, str]] = {
    "full_reduction": ("满减", "spend-and-save (满减)"),
    "time_discount": ("限时折扣", "time-limited discount (限时折扣)"),
    "bogo": ("买一送一", "buy one get one (买一送一)"),
    "free_shipping": ("满额包邮", "free shipping over a threshold (免邮)"),
    "platform_event": ("平台大促", "platform event (大促)"),
}


def text(key: str, lang: str = "zh") -> str:
    """Label of a column or word of this module (falls back to :func:`helpers.plots.label`)."""
    from helpers.plots import label_from

    return label_from(TEXT, key, lang)


_note = metrics.note


def _pick(lang: str, zh: str, en: str) -> str:
    return zh if _zh(lang) else en


def _fmt(value: float, kind: str, lang: str) -> str:
    from helpers import report

    if kind == "signed_pct":
        return "—" if value is None or pd.isna(value) else f"{value:+.1%}"
    return report.format_value(value, kind, lang)


def _safe_div(num: float, den: float) -> float:
    """num / den, NaN when den is 0 or missing (callers note why)."""
    if den is None or pd.isna(den) or den == 0 or num is None or pd.isna(num):
        return float("nan")
    return float(num) / float(den)


def check_options(*, pre_days: int = 56, post_days: int = 14, confidence: float = 0.95,
                  model: str = "regression", repeat_days: int = 90, top_n: int = 5) -> None:
    """Check the postmortem notebook's own parameters; a ValueError names the parameter and the fix."""
    if model not in MODELS:
        raise ValueError(f"parameter model={model!r} is not supported; use one of {MODELS} "
                         "(regression: trend + weekday + controls; structural: local level + "
                         "weekly seasonal + controls)")
    if not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    for name, value, low in (("pre_days", pre_days, MIN_PRE_DAYS), ("post_days", post_days, 0),
                             ("repeat_days", repeat_days, 1), ("top_n", top_n, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


# --------------------------------------------------------------------------- campaigns


@dataclass(frozen=True)
class Campaign:
    """One row of the ``campaigns`` table; missing numbers are NaN, a missing warm-up None."""

    campaign_id: str
    name: str
    mechanic: str
    threshold: float
    reduction: float
    discount_rate: float
    warmup_start: pd.Timestamp | None
    start: pd.Timestamp
    end: pd.Timestamp
    budget: float

    @property
    def first_day(self) -> pd.Timestamp:
        """The first day the campaign touches: its warm-up, else its start."""
        return self.warmup_start if self.warmup_start is not None else self.start

    def mechanic_label(self, lang: str = "zh") -> str:
        pair = MECHANIC_TEXT.get(self.mechanic, (self.mechanic, self.mechanic))
        return pair[0 if _zh(lang) else 1]


def read_campaigns(shop: Shop) -> pd.DataFrame:
    """The ``campaigns`` table as a small frame (dates as Timestamps), sorted by start."""
    c = shop.table("campaigns").execute()
    for col in ("warmup_start", "start", "end"):
        c[col] = pd.to_datetime(c[col])
    return c.sort_values(["start", "campaign_id"]).reset_index(drop=True)


def get_campaign(campaigns: pd.DataFrame, campaign_id: str) -> Campaign:
    """The campaign ``campaign_id`` of a :func:`read_campaigns` frame.

    Raises
    ------
    ValueError
        naming the campaigns table and the known ids when the id is unknown, and when the
        campaign ends before it starts.
    """
    rows = campaigns[campaigns["campaign_id"] == campaign_id]
    if rows.empty:
        known = ", ".join(map(str, campaigns["campaign_id"].head(20)))
        raise ValueError(f"campaign_id={campaign_id!r} is not in the campaigns table; known: "
                         f"{known or '(none)'}. Use one of those ids, or leave campaign_id empty for "
                         "the latest campaign.")
    row = rows.iloc[0]
    start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
    if end < start:
        raise ValueError(f"campaigns table: campaign {campaign_id!r} ends ({end.date()}) before it "
                         f"starts ({start.date()}); fix its start and end columns")
    warm = row["warmup_start"]
    warm = pd.Timestamp(warm) if pd.notna(warm) and pd.Timestamp(warm) < start else None

    def num(col: str) -> float:
        return float(row[col]) if col in row and pd.notna(row[col]) else float("nan")

    return Campaign(campaign_id=str(row["campaign_id"]), name=str(row["name"]),
                    mechanic=str(row["mechanic"]), threshold=num("threshold"),
                    reduction=num("reduction"), discount_rate=num("discount_rate"),
                    warmup_start=warm, start=start, end=end, budget=num("budget"))


@dataclass(frozen=True)
class Windows:
    """The days a postmortem looks at, clipped to the data (None: the phase has no day).

    ``pre`` runs from the earliest baseline day to the day before the campaign; its
    ``clean_days`` are the days the model learns from (other campaigns' windows and 春节
    skipped).
    """

    pre: Period | None
    warmup: Period | None
    event: Period | None
    post: Period | None
    data_first: pd.Timestamp
    data_last: pd.Timestamp
    pre_days: int
    post_days: int
    clean_days: tuple[pd.Timestamp, ...] = ()
    issues: tuple[tuple[str, str], ...] = ()  # (zh, en) sentences on clipped windows

    @property
    def window(self) -> Period | None:
        """Warm-up through post-period: the days whose effect is measured."""
        parts = [p for p in (self.warmup, self.event, self.post) if p is not None]
        return Period(parts[0].start, parts[-1].end) if parts else None

    def phases(self) -> dict[str, Period]:
        """The phases that have days in the data, in time order."""
        return {k: p for k, p in (("warmup", self.warmup), ("event", self.event),
                                  ("post", self.post)) if p is not None}


def _clip(start: pd.Timestamp, end: pd.Timestamp, first: pd.Timestamp,
          last: pd.Timestamp) -> Period | None:
    lo, hi = max(start, first), min(end, last)
    return Period(lo, hi) if lo <= hi else None


def campaign_windows(campaign: Campaign, data_first: pd.Timestamp, data_last: pd.Timestamp,
                     pre_days: int = 56, post_days: int = 14,
                     campaigns: pd.DataFrame | None = None) -> Windows:
    """Baseline, warm-up, event and post-period of a campaign, clipped to the data's days.

    Parameters
    ----------
    campaign : the campaign.
    data_first, data_last : first and last day of the orders data.
    pre_days : clean days before the campaign's first day (warm-up or start) used as the
        baseline. With ``campaigns``, days inside another campaign's window (its warm-up to
        its end + ``post_days``) or within :data:`HOLIDAY_DAYS` of 春节 are skipped and
        earlier days taken instead, looking back at most 3 x ``pre_days`` days.
    post_days : days after the end analysed for the aftermath.
    campaigns : the campaigns table (:func:`read_campaigns`); without it the baseline is
        simply the ``pre_days`` calendar days before the campaign.
    """
    day = pd.Timedelta(days=1)
    first, last = pd.Timestamp(data_first).normalize(), pd.Timestamp(data_last).normalize()
    c = campaign
    issues = []
    before = c.first_day - day
    if campaigns is None:
        candidates = pd.date_range(max(c.first_day - pre_days * day, first), before)
        clean = candidates
    else:
        candidates = pd.date_range(max(c.first_day - 3 * pre_days * day, first), before)
        reason = abnormal_days(campaigns, candidates, post_days, exclude=c.campaign_id)
        clean = candidates[(reason == "").to_numpy()][-pre_days:]
    clean = clean[clean <= last] if c.start <= last else clean[:0]  # nothing to review: no baseline
    pre = Period(clean[0], min(before, last)) if len(clean) else None
    warm = _clip(c.warmup_start, c.start - day, first, last) if c.warmup_start is not None else None
    event = _clip(c.start, c.end, first, last)
    post = _clip(c.end + day, c.end + post_days * day, first, last) if post_days else None
    if c.start > last:
        issues.append((f"活动 {c.start.date()} 才开始，数据只到 {last.date()}，还没有可复盘的数据。",
                       f"The campaign starts on {c.start.date()}, after the data ends "
                       f"({last.date()}): there is nothing to review yet."))
    elif c.end < first:
        issues.append((f"活动在数据开始（{first.date()}）之前就结束了。",
                       f"The campaign ended before the data starts ({first.date()})."))
    else:
        if c.end > last:
            issues.append((f"活动到 {c.end.date()} 才结束，数据只到 {last.date()}：活动期只分析到数据最后一天。",
                           f"The campaign runs to {c.end.date()} but the data ends on {last.date()}: "
                           "the event is analysed up to the last day of data."))
        elif post_days and (post is None or post.days < post_days):
            have = 0 if post is None else post.days
            issues.append((f"活动后只有 {have} 天数据（要求 {post_days} 天），活动后的回落与退款还不完整。",
                           f"Only {have} of the {post_days} post-event days are in the data, so the "
                           "aftermath and the refunds are not complete yet."))
        if SHORT_PRE_DAYS <= len(clean) < pre_days:
            issues.append((f"活动前只找到 {len(clean)} 个可用的平日作基期（要求 {pre_days} 天）。",
                           f"Only {len(clean)} of the {pre_days} clean baseline days asked for were "
                           "found before the campaign."))
    return Windows(pre=pre, warmup=warm, event=event, post=post, data_first=first, data_last=last,
                   pre_days=int(pre_days), post_days=int(post_days),
                   clean_days=tuple(clean), issues=tuple(issues))


def campaign_days(campaigns: pd.DataFrame, post_days: int) -> pd.DataFrame:
    """Each campaign's affected days: first day (warm-up or start) to end + ``post_days``."""
    first = campaigns["warmup_start"].where(campaigns["warmup_start"].notna()
                                            & (campaigns["warmup_start"] < campaigns["start"]),
                                            campaigns["start"])
    return pd.DataFrame({"campaign_id": campaigns["campaign_id"].astype(str),
                         "name": campaigns["name"].astype(str), "first": first,
                         "end": campaigns["end"],
                         "last": campaigns["end"] + pd.Timedelta(days=post_days)})


def abnormal_days(campaigns: pd.DataFrame, dates: pd.DatetimeIndex, post_days: int,
                  exclude: str | None = None) -> pd.Series:
    """Why each day is not ordinary trading: a campaign id, "春节", or "" for a clean day.

    A campaign covers its warm-up (or start) to its end plus ``post_days``; 春节 covers
    :data:`HOLIDAY_DAYS` either side of the Spring Festival (logistics stop). ``exclude``
    leaves one campaign out (the one under review).
    """
    from helpers.traffic import SPRING_FESTIVALS

    reason = pd.Series("", index=dates, dtype=object)
    for day in SPRING_FESTIVALS:
        sf = pd.Timestamp(day)
        reason[(dates >= sf - pd.Timedelta(days=HOLIDAY_DAYS))
               & (dates <= sf + pd.Timedelta(days=HOLIDAY_DAYS))] = "春节"
    for _, row in campaign_days(campaigns, post_days).iterrows():
        if row["campaign_id"] == exclude:
            continue
        reason[(dates >= row["first"]) & (dates <= row["last"])] = row["campaign_id"]
    return reason


def find_overlaps(campaigns: pd.DataFrame, campaign: Campaign, post_days: int) -> pd.DataFrame:
    """Other campaigns whose warm-up..end touch this campaign's warm-up..end + post_days."""
    days = campaign_days(campaigns, 0)
    lo, hi = campaign.first_day, campaign.end + pd.Timedelta(days=post_days)
    hit = (days["campaign_id"] != campaign.campaign_id) & (days["first"] <= hi) & (days["end"] >= lo)
    return days.loc[hit, ["campaign_id", "name", "first", "end"]].reset_index(drop=True)


# --------------------------------------------------------------------------- data


@dataclass
class Frames:
    """Everything a postmortem needs, reduced in the engine to day grain (small frames).

    ``daily`` is indexed by every day from the first to the last pay date; the optional
    tables' frames are None when the table is missing.
    """

    campaigns: pd.DataFrame
    daily: pd.DataFrame  # sales, orders, buyers, units, list_value, cost, costed_list_value
    campaign_daily: pd.DataFrame  # date, campaign_id, paid, list_value, cost, lines, orders, units
    new_buyers: pd.Series  # customers whose first paid order is on that day
    category_daily: pd.DataFrame | None = None  # date x category: sales
    campaign_categories: pd.DataFrame | None = None  # campaign_id, category, paid, lines
    ads_daily: pd.Series | None = None  # spend per day
    refund_cohorts: pd.DataFrame | None = None  # date, campaign_id ("" none), category, lines, paid, refunds
    refund_delays: pd.Series | None = None  # refunds by whole days after payment
    refunds_daily: pd.Series | None = None  # refund amount per refund day
    origin: str = ""

    @property
    def data_first(self) -> pd.Timestamp:
        return self.daily.index[0]

    @property
    def data_last(self) -> pd.Timestamp:
        return self.daily.index[-1]


def dated_paid_lines(shop: Shop):
    """:func:`helpers.data.paid_order_lines` with ``date``, the pay day (an Ibis expression)."""
    lines = paid_order_lines(shop)
    return lines.mutate(date=lines.pay_time.date())


def paid_lines(shop: Shop):
    """Paid order lines with ``date`` (pay day), ``list_value`` and, with products, category and
    unit cost (an Ibis expression)."""
    import ibis

    lines = dated_paid_lines(shop)
    lines = lines.mutate(list_value=lines.list_price * lines.quantity)
    if shop.has("products"):
        p = shop.table("products").select("product_id", "category", "unit_cost")
        lines = lines.left_join(p, "product_id").drop("product_id_right")
    else:
        lines = lines.mutate(category=ibis.null().cast("string"), unit_cost=ibis.null().cast("float64"))
    return lines.mutate(cost=lines.quantity * lines.unit_cost)


def _by_day(frame: pd.DataFrame, days: pd.DatetimeIndex, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.set_index("date")[columns].reindex(days).fillna(0.0)


def _line_cube(shop: Shop) -> pd.DataFrame:
    """Paid lines added up by pay day, campaign_id, category and refund delay (one query).

    delay is the whole days from payment to the line's last refund (null when not refunded
    or without a refunds table); refund_amount is the line's refunds, summed. Every sum of
    :class:`Frames` that is not a distinct count is read from this frame: each added
    grouping was another pass over every order line.
    """
    import ibis

    lines = paid_lines(shop)
    if shop.has("refunds"):
        r = shop.table("refunds")
        r = r.group_by(["order_id", "product_id"]).aggregate(refund_time=r.refund_time.max(),
                                                             refund_amount=r.refund_amount.sum())
        lines = lines.left_join(r, ["order_id", "product_id"])
        delay = ((lines.refund_time.epoch_seconds() - lines.pay_time.epoch_seconds()) / 86400).floor()
        lines = lines.mutate(delay=ibis.ifelse(lines.refund_amount.notnull(), delay, ibis.null()))
    else:
        lines = lines.mutate(refund_amount=ibis.null().cast("float64"), delay=ibis.null().cast("float64"))
    cube = lines.group_by(["date", "campaign_id", "category", "delay"]).aggregate(
        lines=lines.count(), paid=lines.paid_amount.sum(), units=lines.quantity.sum(),
        list_value=lines.list_value.sum(), cost=lines.cost.sum(),
        costed_list_value=ibis.ifelse(lines.unit_cost.isnull(), 0.0, lines.list_value).sum(),
        refund_lines=ibis.ifelse(lines.refund_amount.notnull(), 1, 0).sum(),
        refund_amount=lines.refund_amount.fill_null(0.0).sum(),
    ).execute()
    cube["date"] = pd.to_datetime(cube["date"])
    return cube


def _add_up(cube: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Sums of ``columns`` by ``keys`` (null keys kept; a sum over nothing but nulls stays NaN,
    as in the engine)."""
    return cube.groupby(keys, dropna=False, sort=True)[columns].sum(min_count=1).reset_index()


def _tagged(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["campaign_id"].notna() & (frame["campaign_id"] != "")]


def _note_anonymous(anonymous: int, lines: int) -> None:
    if anonymous:
        warnings.warn(metrics.MetricNote(
            f"{anonymous} of {lines} paid order lines have an empty customer_id: their sales and orders count, "
            "but they are not among the buyers or first-time buyers"), stacklevel=3)


def load_frames(shop: Shop) -> Frames:
    """Reduce the shop's orders, refunds, ads and products to the day-grain frames of :class:`Frames`.

    Four grouped queries over the order lines run in the engine (the sums by day, campaign,
    category and refund delay; distinct orders and buyers by day; distinct orders by day
    and campaign; first-purchase days); each returns at most a row per day, campaign,
    category and delay, so this stays fast on large shops.

    Raises
    ------
    ValueError
        when the orders table has no paid line (nothing to review).
    """
    cube = _line_cube(shop)
    if cube.empty:
        raise ValueError(f"orders in {shop.origin} has no paid line (status paid with a pay_time): "
                         "there is nothing to review")
    days = pd.date_range(cube["date"].min(), cube["date"].max())
    lines = dated_paid_lines(shop)
    known = known_customer(lines)
    distinct = lines.group_by("date").aggregate(orders=lines.order_id.nunique(),
                                                buyers=lines.customer_id.nunique(where=known),
                                                anonymous=(~known).sum()).execute()
    _note_anonymous(int(distinct.pop("anonymous").sum()), int(cube["lines"].sum()))
    sums = ["paid", "units", "list_value", "cost", "costed_list_value"]
    daily = _add_up(cube, ["date"], sums).merge(distinct.assign(date=pd.to_datetime(distinct["date"])), on="date")
    daily = _by_day(daily.rename(columns={"paid": "sales"}), days,
                    ["sales", "orders", "buyers", "units", "list_value", "cost", "costed_list_value"])
    tagged = lines.filter(lines.campaign_id.notnull() & (lines.campaign_id != ""))
    orders = tagged.group_by(["date", "campaign_id"]).aggregate(orders=tagged.order_id.nunique()).execute()
    orders["date"] = pd.to_datetime(orders["date"])
    campaign_daily = _add_up(_tagged(cube), ["date", "campaign_id"], ["paid", "list_value", "cost", "lines", "units"])
    campaign_daily = campaign_daily.merge(orders, on=["date", "campaign_id"], how="left")[
        ["date", "campaign_id", "paid", "list_value", "cost", "lines", "orders", "units"]]
    firsts = lines.filter(known).group_by("customer_id").aggregate(
        first=lines.date.min())
    new = firsts.group_by("first").aggregate(n=firsts.count()).execute()
    new_buyers = (pd.Series(new["n"].to_numpy(float), index=pd.to_datetime(new["first"]))
                  .reindex(days).fillna(0.0))
    frames = Frames(campaigns=read_campaigns(shop) if shop.has("campaigns") else pd.DataFrame(
        columns=["campaign_id", "name", "mechanic", "threshold", "reduction", "discount_rate",
                 "warmup_start", "start", "end", "budget"]),
        daily=daily, campaign_daily=campaign_daily, new_buyers=new_buyers, origin=shop.origin)
    if shop.has("products"):
        cat = _add_up(cube.assign(category=cube["category"].fillna("?")), ["date", "category"], ["paid"])
        frames.category_daily = (cat.pivot_table(index="date", columns="category", values="paid",
                                                 aggfunc="sum").reindex(days).fillna(0.0))
        frames.campaign_categories = _add_up(_tagged(cube), ["campaign_id", "category"], ["paid", "lines"])
    if shop.has("ads"):
        a = shop.table("ads")
        ads = a.group_by("date").aggregate(spend=a.spend.sum()).execute()
        frames.ads_daily = _by_day(ads, days, ["spend"])["spend"]
    if shop.has("refunds"):
        _load_refunds(shop, cube, frames, days)
    return frames


def _load_refunds(shop: Shop, cube: pd.DataFrame, frames: Frames, days: pd.DatetimeIndex) -> None:
    """Refund cohorts by pay day and campaign, delays after payment, refunds per refund day."""
    cohorts = _add_up(cube.assign(campaign_id=cube["campaign_id"].fillna(""), category=cube["category"].fillna("?")),
                      ["date", "campaign_id", "category"], ["lines", "paid", "refund_lines", "refund_amount"])
    frames.refund_cohorts = cohorts
    refunded = cube[cube["refund_lines"] > 0]
    frames.refund_delays = (refunded.groupby(refunded["delay"].astype(int))["refund_lines"].sum()
                            .astype(float).sort_index().rename_axis("delay").rename(None))
    rr = shop.table("refunds")
    per_day = rr.group_by(date=rr.refund_time.date()).aggregate(amount=rr.refund_amount.sum()).execute()
    per_day["date"] = pd.to_datetime(per_day["date"])
    frames.refunds_daily = per_day.set_index("date")["amount"].reindex(days).fillna(0.0)


# --------------------------------------------------------------------------- counterfactual model


@dataclass
class Counterfactual:
    """Predictive draws of daily sales without the campaign.

    ``draws`` has one row per day of ``dates`` and :data:`N_DRAWS` columns, in yuan. Days the
    model was fitted on get in-sample predictions (for the fit plot); the others are
    projections.
    """

    dates: pd.DatetimeIndex
    draws: np.ndarray
    model: str
    scale: str  # "log" or "level"
    train: np.ndarray  # bool per day: fitted on
    fit_error: float  # mean absolute percentage error on the fitted days
    notes: list[str] = field(default_factory=list)

    @property
    def mean(self) -> np.ndarray:
        return self.draws.mean(axis=1)


def _design(dates: pd.DatetimeIndex, origin: pd.Timestamp, controls: np.ndarray | None) -> np.ndarray:
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


def _fit_regression(z: np.ndarray, train: np.ndarray, dates: pd.DatetimeIndex,
                    controls: np.ndarray | None, n_draws: int, seed: int) -> np.ndarray:
    """OLS on the training days; Student-t predictive draws (coefficients + noise) for every day."""
    X = _design(dates, dates[train][0], controls)
    Xt, zt = X[train], z[train]
    beta, *_ = np.linalg.lstsq(Xt, zt, rcond=None)
    resid = zt - Xt @ beta
    rank = np.linalg.matrix_rank(Xt)
    dof = max(len(zt) - rank, 1)
    s2 = float(resid @ resid) / dof
    xtx_inv = np.linalg.pinv(Xt.T @ Xt)
    mean = X @ beta
    cov = s2 * (X @ xtx_inv @ X.T) + s2 * np.eye(len(dates))
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(dates)))
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((len(dates), n_draws))
    scale = np.sqrt(rng.chisquare(dof, n_draws) / dof)
    return mean[:, None] + (chol @ normal) / scale[None, :]


def _fit_structural(z: np.ndarray, train: np.ndarray, controls: np.ndarray | None, n_draws: int,
                    seed: int, notes: list[str]) -> np.ndarray:
    """Local level + weekly seasonal (+ controls): filtered in-sample, simulated forward."""
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
        notes.append("structural model: the likelihood optimiser did not fully converge; "
                     "compare with model=regression")
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
    Counterfactual, with draws in yuan. Logs are used when at least 95% of the training days
    have sales, else the model works on yuan (noted).
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r}; use one of {MODELS}")
    train_mask = train.reindex(sales.index).fillna(False).to_numpy(bool)
    if train_mask.sum() < 8:
        raise ValueError(f"the counterfactual needs at least 8 training days, got {int(train_mask.sum())}")
    y = sales.to_numpy(dtype=float)
    notes: list[str] = []
    scale = "log" if (y[train_mask] > 0).mean() >= 0.95 else "level"
    if scale == "level":
        notes.append("more than 5% of the pre-period days had no sales, so the model works on yuan "
                      "rather than logs; intervals are rougher")
    z = _transform(y, scale)
    ctrl = None
    if controls is not None and len(controls.columns):
        ctrl = np.log(controls.reindex(sales.index).to_numpy(dtype=float) + LOG_OFFSET)
    if model == "regression":
        zd = _fit_regression(z, train_mask, sales.index, ctrl, n_draws, seed)
    else:
        zd = _fit_structural(z, train_mask, ctrl, n_draws, seed, notes)
    draws = np.maximum(_untransform(zd, scale), 0.0)
    fitted = draws[train_mask].mean(axis=1)
    actual = y[train_mask]
    ok = actual > 0
    error = float(np.mean(np.abs(fitted[ok] - actual[ok]) / actual[ok])) if ok.any() else float("nan")
    return Counterfactual(dates=sales.index, draws=draws, model=model, scale=scale, train=train_mask,
                          fit_error=error, notes=notes)


def _quantiles(values: np.ndarray, confidence: float, axis: int = -1) -> tuple[Any, Any]:
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(values, [tail, 1 - tail], axis=axis)
    return lo, hi


def summarize_effect(actual: float, cf_draws: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Effect of one phase from its actual sales and the counterfactual draws of the phase's total.

    Returns
    -------
    dict with actual, predicted (mean of the draws), predicted_low/high, effect (actual -
    predicted), effect_low/high, relative (actual / predicted - 1), relative_low/high and
    p_real (share of draws on the point estimate's side of zero). Yuan and fractions.
    """
    predicted = float(np.mean(cf_draws))
    p_lo, p_hi = _quantiles(cf_draws, confidence)
    effect = actual - predicted
    rel_draws = np.where(cf_draws > 0, actual / np.where(cf_draws > 0, cf_draws, 1.0) - 1, np.nan)
    r_lo, r_hi = _quantiles(rel_draws[~np.isnan(rel_draws)], confidence) if np.isfinite(
        rel_draws).any() else (np.nan, np.nan)
    side = (actual - cf_draws) > 0 if effect >= 0 else (actual - cf_draws) < 0
    return {"actual": float(actual), "predicted": predicted, "predicted_low": float(p_lo),
            "predicted_high": float(p_hi), "effect": float(effect),
            "effect_low": float(actual - p_hi), "effect_high": float(actual - p_lo),
            "relative": _safe_div(actual, predicted) - 1, "relative_low": float(r_lo),
            "relative_high": float(r_hi), "p_real": float(np.mean(side))}


# --------------------------------------------------------------------------- controls


def campaign_categories(frames: Frames, campaign: Campaign) -> list[str] | None:
    """Categories the campaign covers; None when it covers the whole shop or is unknown.

    满减, 免邮 and platform events apply to the whole shop (their lines are tagged only when an
    order reached the threshold, so untagged categories were in the campaign all the same);
    限时折扣 and 买一送一 cover the categories of their tagged lines.
    """
    if campaign.mechanic not in ("time_discount", "bogo") or frames.campaign_categories is None:
        return None
    cats = frames.campaign_categories
    cats = cats[(cats["campaign_id"] == campaign.campaign_id) & (cats["lines"] > 0)]
    return sorted(cats["category"].dropna().astype(str).unique()) or None


def _control_row(key: str, status: str, zh: str, en: str, change: float = float("nan"),
                 p_real: float = float("nan")) -> dict[str, Any]:
    return {"control": key, "status": status, "change_in_event": change, "p_real": p_real,
            "reason_zh": zh, "reason_en": en}


def _moves(series: pd.Series, train: pd.Series, phases: dict[str, Period],
           confidence: float) -> tuple[float, float, bool]:
    """Does a control move during the campaign? (relative change in the event, p, contaminated)."""
    cf = fit_counterfactual(series, train, model="regression", n_draws=1000, seed=SEED + 1)
    worst = (float("nan"), float("nan"), False)
    for name in ("event", "window"):
        period = phases.get(name)
        if period is None:
            continue
        days = (series.index >= period.start) & (series.index <= period.end)
        summary = summarize_effect(float(series[days].sum()), cf.draws[days].sum(axis=0), confidence)
        moved = (summary["p_real"] >= CONTAMINATION_PROBABILITY
                 and abs(summary["relative"]) >= CONTAMINATION_MIN_CHANGE)
        if name == "event" or moved:
            worst = (summary["relative"], summary["p_real"], moved or worst[2])
        if moved:
            break
    return worst


def build_controls(frames: Frames, campaign: Campaign, windows: Windows, train: pd.Series,
                   confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Candidate control series, checked for contamination.

    Parameters
    ----------
    frames, campaign, windows : the data and the campaign's days.
    train : the clean pre-period days the model is fitted on (bool Series over pre..window).

    Returns
    -------
    (used, table, train): the usable controls (columns, indexed like ``train``), one row per
    candidate with its status (``used``, ``contaminated``, ``unavailable``), its change
    during the event and the reason in zh and en, and the training days left once the
    controls' own abnormal days are removed.
    """
    dates = train.index
    rows, series = [], {}
    ly_clean = pd.Series(True, index=dates)
    phases = {"event": windows.event, "window": windows.window}
    cats = campaign_categories(frames, campaign)
    if frames.category_daily is None:
        rows.append(_control_row("other_categories", "unavailable", "没有商品表（products），无法按类目对照。",
                                 "No products table, so categories cannot serve as controls."))
    elif campaign.mechanic not in ("time_discount", "bogo"):
        rows.append(_control_row(
            "other_categories", "unavailable",
            "该玩法对全店生效，所有商品都在活动内，没有可作对照的商品。",
            "The mechanic applies to the whole shop: every product is in the campaign, so there "
            "are no product controls."))
    elif cats is None:
        rows.append(_control_row("other_categories", "unavailable",
                                 "没有订单行带这个活动ID，无法判断活动覆盖哪些类目。",
                                 "No order line carries this campaign id, so its categories are "
                                 "unknown."))
    else:
        others = [c for c in frames.category_daily.columns if c not in cats]
        if not others:
            rows.append(_control_row("other_categories", "unavailable",
                                     "活动覆盖了所有类目，没有可作对照的类目。",
                                     "The campaign covered every category: no category is left "
                                     "as a control."))
        else:
            series["other_categories"] = frames.category_daily[others].sum(axis=1).reindex(dates)
            rows.append(_control_row("other_categories", "candidate", "、".join(others),
                                     ", ".join(others)))
    shift = pd.Timedelta(days=LAST_YEAR_DAYS)
    if dates[0] - shift < frames.data_first:
        rows.append(_control_row("last_year", "unavailable",
                                 f"数据从 {frames.data_first.date()} 开始，没有去年同期。",
                                 f"The data starts on {frames.data_first.date()}: last year's days "
                                 "are not in it."))
    else:
        ly_dates = dates - shift
        reason = abnormal_days(frames.campaigns, ly_dates, windows.post_days)
        window = windows.window
        in_window = (dates >= window.start) & (dates <= window.end)
        hits = [r for r in dict.fromkeys(reason[in_window]) if r]
        if hits:
            names = _campaign_names(frames.campaigns, hits)
            rows.append(_control_row("last_year", "contaminated",
                                     f"去年同期有 {names}，不能代表“没有活动”。",
                                     f"Last year's same days held {names}, so they do not show a "
                                     "year without a campaign."))
        else:
            ly = frames.daily["sales"].reindex(ly_dates)
            series["last_year"] = pd.Series(ly.to_numpy(), index=dates)
            ly_clean = pd.Series((reason == "").to_numpy(), index=dates)
            rows.append(_control_row("last_year", "candidate", "", ""))
    table = pd.DataFrame(rows).set_index("control")
    used = {}
    for key, values in series.items():
        own_train = train & ly_clean if key == "last_year" else train
        if values.isna().any() or own_train.sum() < MIN_PRE_DAYS:
            table.loc[key, ["status", "reason_zh", "reason_en"]] = [
                "unavailable", "对照序列的基期数据不足。", "Not enough clean pre-period days for this control."]
            continue
        change, p_real, moved = _moves(values, own_train, phases, confidence)
        table.loc[key, ["change_in_event", "p_real"]] = [change, p_real]
        label_zh, label_en = table.loc[key, "reason_zh"], table.loc[key, "reason_en"]
        if moved:
            table.loc[key, ["status", "reason_zh", "reason_en"]] = [
                "contaminated",
                f"活动期间它自己也变化了 {change:+.0%}（概率 {p_real:.0%}），说明活动也影响了它。"
                + (f"（{label_zh}）" if label_zh else ""),
                f"It moved {change:+.0%} itself during the campaign (probability {p_real:.0%}), so "
                "the campaign reached it too." + (f" ({label_en})" if label_en else "")]
        else:
            used[key] = values
            table.loc[key, ["status", "reason_zh", "reason_en"]] = [
                "used", f"活动期间基本平稳（{change:+.0%}）。" + (f"（{label_zh}）" if label_zh else ""),
                f"Steady during the campaign ({change:+.0%})." + (f" ({label_en})" if label_en else "")]
    if "last_year" in used:  # last year's abnormal days are left out of the fit as well
        train = train & ly_clean
    return pd.DataFrame(used, index=dates), table, train


def _campaign_names(campaigns: pd.DataFrame, ids: list[str]) -> str:
    names = []
    for cid in ids:
        if cid == "春节":
            names.append("春节")
            continue
        match = campaigns.loc[campaigns["campaign_id"].astype(str) == cid, "name"]
        names.append(f"{match.iloc[0]} ({cid})" if len(match) else cid)
    return ", ".join(names)


# --------------------------------------------------------------------------- uplift


@dataclass
class Impact:
    """The counterfactual estimate of one campaign (see :func:`estimate_uplift`).

    ``ok`` is False when no estimate could be made; ``issues`` then says why. ``phases`` is
    indexed by warmup / event / post / window (see :func:`summarize_effect` for its columns);
    ``daily`` has, per day from the pre-period to the window's end: phase, actual,
    predicted, low, high, effect, effect_low, effect_high and, inside the window,
    cum_effect, cum_low, cum_high.
    """

    campaign: Campaign
    windows: Windows
    model: str
    confidence: float
    ok: bool
    issues: list[tuple[str, str]]
    daily: pd.DataFrame
    phases: pd.DataFrame
    controls: pd.DataFrame
    overlaps: pd.DataFrame
    fit_days: int = 0
    fit_error: float = float("nan")
    phase_draws: dict[str, np.ndarray] = field(default_factory=dict)  # cf draws of each phase's total

    def value(self, phase: str, column: str) -> float:
        """One figure of ``phases``; NaN when the phase is absent or nothing was estimated."""
        if phase in self.phases.index and column in self.phases.columns:
            return float(self.phases.loc[phase, column])
        return float("nan")


PHASE_COLUMNS = ["start", "end", "days", "actual", "predicted", "predicted_low", "predicted_high",
                 "effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
                 "p_real"]


def _phase_frame(windows: Windows) -> pd.DataFrame:
    rows = {}
    for name, period in {**windows.phases(), "window": windows.window}.items():
        if period is not None:
            rows[name] = {"start": period.start, "end": period.end, "days": period.days}
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=PHASE_COLUMNS)


def clean_pre_days(frames: Frames, campaign: Campaign, windows: Windows) -> pd.Series:
    """True on the baseline days the model learns from, over the pre-period to the window's end.

    The days are :attr:`Windows.clean_days` (see :func:`campaign_windows`).
    """
    if windows.pre is None or windows.window is None:
        return pd.Series(dtype=bool)
    dates = pd.date_range(windows.pre.start, windows.window.end)
    return pd.Series(dates.isin(pd.DatetimeIndex(windows.clean_days)), index=dates)


def estimate_uplift(frames: Frames, campaign: Campaign, windows: Windows, *,
                    model: str = "regression", confidence: float = 0.95, n_draws: int = N_DRAWS,
                    seed: int = SEED) -> Impact:
    """What the shop would have sold without the campaign, and the effect of each phase.

    The model (``model``, see the module docstring) is fitted on the clean pre-period days,
    with the controls that pass :func:`build_controls`, and projected over the window.

    Returns
    -------
    Impact. No estimate (``ok`` False, figures NaN, the reason in ``issues``) when the
    campaign has no day in the data or the pre-period has fewer than :data:`MIN_PRE_DAYS`
    clean days.
    """
    issues = list(windows.issues)
    overlaps = find_overlaps(frames.campaigns, campaign, windows.post_days)
    if len(overlaps):
        names = _campaign_names(frames.campaigns, list(overlaps["campaign_id"]))
        issues.append((f"活动周期与 {names} 重叠：测到的效果是两个活动合在一起的效果，无法拆开。",
                       f"The window overlaps {names}: the effect measured is that of both campaigns "
                       "together and cannot be split between them."))
    observed = _phase_frame(windows)
    for name, row in observed.iterrows():  # what was sold is known even without a model
        observed.loc[name, "actual"] = float(frames.daily.loc[row["start"]:row["end"], "sales"].sum())
    empty = Impact(campaign=campaign, windows=windows, model=model, confidence=confidence, ok=False,
                   issues=issues, daily=pd.DataFrame(), phases=observed,
                   controls=pd.DataFrame(columns=["status", "change_in_event", "p_real",
                                                  "reason_zh", "reason_en"]),
                   overlaps=overlaps)
    if windows.event is None:
        return empty
    train = clean_pre_days(frames, campaign, windows)
    n_clean = int(train.sum()) if len(train) else 0
    if n_clean < MIN_PRE_DAYS:
        issues.append((f"活动前只有 {n_clean} 个可用的平日（至少需要 {MIN_PRE_DAYS} 天），无法可靠地估计“没有活动会卖多少”，"
                       "本节不给出增量。可换一个更早开始的数据，或把 pre_days 调大。",
                       f"The pre-period has only {n_clean} clean days (at least {MIN_PRE_DAYS} are "
                       "needed), too few to estimate what the shop would have sold without the "
                       "campaign, so no uplift is given. Use data that starts earlier, or a longer "
                       "pre_days."))
        return empty
    if n_clean < SHORT_PRE_DAYS:
        issues.append((f"活动前只有 {n_clean} 个可用的平日（建议 {SHORT_PRE_DAYS} 天以上），区间较宽，结论要谨慎。",
                       f"The pre-period has only {n_clean} clean days (at least {SHORT_PRE_DAYS} are "
                       "advised), so the intervals are wide: read the result with care."))
    dates = train.index
    sales = frames.daily["sales"].reindex(dates).fillna(0.0)
    controls, control_table, train = build_controls(frames, campaign, windows, train, confidence)
    cf = fit_counterfactual(sales, train, controls, model=model, n_draws=n_draws, seed=seed)
    for note in cf.notes:
        _note(f"campaign {campaign.campaign_id}: {note}")
    frame = _phase_frame(windows)
    phase_draws, rows = {}, {}
    for name in frame.index:
        period = windows.window if name == "window" else windows.phases()[name]
        days = (dates >= period.start) & (dates <= period.end)
        phase_draws[name] = cf.draws[days].sum(axis=0)
        rows[name] = {**frame.loc[name, ["start", "end", "days"]].to_dict(),
                      **summarize_effect(float(sales[days].sum()), phase_draws[name], confidence)}
    phases = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=PHASE_COLUMNS)
    window = (dates >= windows.window.start) & (dates <= windows.window.end)
    daily = _daily_effects(sales, cf, window, windows, confidence)
    return Impact(campaign=campaign, windows=windows, model=model, confidence=confidence, ok=True,
                  issues=issues, daily=daily, phases=phases, controls=control_table,
                  overlaps=overlaps, fit_days=int(train.sum()), fit_error=cf.fit_error,
                  phase_draws=phase_draws)


def _daily_effects(sales: pd.Series, cf: Counterfactual, window: np.ndarray, windows: Windows,
                   confidence: float) -> pd.DataFrame:
    lo, hi = _quantiles(cf.draws, confidence, axis=1)
    daily = pd.DataFrame({"actual": sales.to_numpy(), "predicted": cf.mean, "low": lo, "high": hi},
                         index=sales.index)
    daily.index.name = "date"
    phase = pd.Series("pre", index=sales.index, dtype=object)
    for name, period in windows.phases().items():
        phase[(sales.index >= period.start) & (sales.index <= period.end)] = name
    daily.insert(0, "phase", phase)
    daily["effect"] = daily["actual"] - daily["predicted"]
    daily["effect_low"] = daily["actual"] - daily["high"]
    daily["effect_high"] = daily["actual"] - daily["low"]
    cum = np.cumsum(sales.to_numpy()[window][:, None] - cf.draws[window], axis=0)
    c_lo, c_hi = _quantiles(cum, confidence, axis=1)
    for col, values in (("cum_effect", cum.mean(axis=1)), ("cum_low", c_lo), ("cum_high", c_hi)):
        daily[col] = np.nan
        daily.loc[window, col] = values
    return daily


# --------------------------------------------------------------------------- pull-forward


def summarize_pull_forward(impact: Impact) -> pd.DataFrame:
    """Dip before and after the event, and the net effect over the whole window.

    Returns
    -------
    Frame indexed by warmup / event / post / window with effect (yuan), its interval,
    relative (fraction) and p_real, plus a row ``pull_forward_share`` = -(warm-up effect +
    post effect) / event effect with its interval in effect / effect_low / effect_high
    (a fraction; NaN when the event added nothing). Empty figures (NaN) without an estimate.
    """
    cols = ["effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
            "p_real"]
    table = impact.phases.reindex(columns=cols).copy()
    share = pd.Series(np.nan, index=cols, name="pull_forward_share")
    event = impact.phase_draws.get("event")
    if impact.ok and event is not None:
        act = {k: impact.value(k, "actual") for k in impact.phase_draws}
        eff = {k: act[k] - d for k, d in impact.phase_draws.items()}
        give_back = sum(eff[k] for k in ("warmup", "post") if k in eff)
        if not isinstance(give_back, np.ndarray):  # neither warm-up nor post-period
            give_back = np.zeros_like(event)
        gain = eff["event"]
        point_gain = impact.value("event", "effect")
        point_back = sum(impact.value(k, "effect") for k in ("warmup", "post") if k in eff)
        if point_gain > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                draws = np.where(gain > 0, -give_back / gain, np.nan)
            lo, hi = _quantiles(draws[np.isfinite(draws)], impact.confidence)
            share[["effect", "effect_low", "effect_high"]] = [-point_back / point_gain, lo, hi]
            share["p_real"] = float(np.mean(give_back < 0))
        else:
            _note(f"pull-forward share of {impact.campaign.campaign_id}: the event added no sales "
                  "(effect <= 0), so the share is not defined -> NaN")
    table.loc["pull_forward_share"] = share
    return table


# --------------------------------------------------------------------------- refunds


def refund_completeness(delays: pd.Series, days_elapsed: np.ndarray | pd.Series) -> np.ndarray:
    """Share of a line's refunds that have arrived ``days_elapsed`` whole days after payment.

    Estimated from the shop's own refund delays (whole days between payment and refund); 1
    once more days have passed than any refund took.
    """
    if delays is None or delays.sum() == 0:
        return np.ones(len(np.atleast_1d(days_elapsed)))
    cdf = delays.sort_index().cumsum() / delays.sum()
    k = np.asarray(days_elapsed, dtype=float)
    pos = np.searchsorted(cdf.index.to_numpy(dtype=float), k, side="right") - 1
    return np.where(pos >= 0, cdf.to_numpy()[np.clip(pos, 0, len(cdf) - 1)], 0.0)


def compare_refunds(frames: Frames, campaign: Campaign, windows: Windows) -> pd.DataFrame:
    """Refunds of the campaign's lines and of the window's lines against the normal rate.

    Cohort basis (refunds of the lines paid in each group, whenever they arrived), by value.
    ``refund_rate_adjusted`` divides each day's refunds by the share expected to have
    arrived by the data's last day (:func:`refund_completeness`), so recent campaigns are
    not flattered by refunds that have not come yet. ``expected_rate`` is what the same
    categories return on normal days (the pre-period's rate per category, weighted by the
    group's sales), so a campaign selling more of an often-returned category is not blamed
    for it.

    Returns
    -------
    Frame indexed by normal / campaign_lines / window_lines with lines, paid, refund_amount,
    refund_lines, refund_rate, refund_lines_rate, completeness, refund_rate_adjusted,
    expected_rate, vs_normal (adjusted / expected rate) and extra_refunds (yuan: (adjusted
    - expected rate) x paid). Empty when the data has no refunds table.
    """
    cols = ["lines", "paid", "refund_amount", "refund_lines", "refund_rate", "refund_lines_rate",
            "completeness", "refund_rate_adjusted", "expected_rate", "vs_normal", "extra_refunds"]
    if frames.refund_cohorts is None or windows.window is None:
        return pd.DataFrame(columns=cols)
    rc = frames.refund_cohorts.copy()
    elapsed = (frames.data_last - rc["date"]).dt.days.to_numpy()
    rc["expected_share"] = rc["paid"].to_numpy() * refund_completeness(frames.refund_delays, elapsed)
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])
    groups = {"normal": rc[rc["date"].isin(pre_days)]}
    window = windows.window
    if window is not None:
        inside = rc[(rc["date"] >= window.start) & (rc["date"] <= window.end)]
        groups["campaign_lines"] = inside[inside["campaign_id"] == campaign.campaign_id]
        groups["window_lines"] = inside
    normal = groups["normal"].groupby("category")[["refund_amount", "expected_share"]].sum()
    overall = _safe_div(normal["refund_amount"].sum(), normal["expected_share"].sum())
    by_category = (normal["refund_amount"] / normal["expected_share"].where(normal["expected_share"] > 0))
    if pd.isna(overall):
        _note(f"refunds of {campaign.campaign_id}: the pre-period has no paid lines, so there is no "
              "normal refund rate to compare with -> NaN")
    rows = {}
    for name, g in groups.items():
        paid, refunds = float(g["paid"].sum()), float(g["refund_amount"].sum())
        expected_share = float(g["expected_share"].sum())
        per_cat = g.groupby("category")["paid"].sum()
        rates = by_category.reindex(per_cat.index).fillna(overall)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", metrics.MetricNote)  # an empty group is shown as —
            rate = metrics.refund_rate_by_value(refunds, paid)
            lines_rate = metrics.refund_rate_by_count(float(g["refund_lines"].sum()),
                                                      float(g["lines"].sum()))
        adjusted = _safe_div(refunds, expected_share)
        expected = _safe_div(float((per_cat * rates).sum()), paid)
        rows[name] = {"lines": float(g["lines"].sum()), "paid": paid, "refund_amount": refunds,
                      "refund_lines": float(g["refund_lines"].sum()), "refund_rate": rate,
                      "refund_lines_rate": lines_rate,
                      "completeness": _safe_div(expected_share, paid),
                      "refund_rate_adjusted": adjusted, "expected_rate": expected,
                      "vs_normal": _safe_div(adjusted, expected),
                      "extra_refunds": paid * (adjusted - expected) if paid else 0.0}
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=cols)
    if window is not None and table.loc["campaign_lines", "lines"] == 0:
        _note(f"refunds of {campaign.campaign_id}: no order line carries this campaign id, so the "
              "campaign lines' refund rate is empty")
    if window is not None and table.loc["window_lines", "completeness"] < 0.9:
        _note(f"refunds of {campaign.campaign_id}: only "
              f"{table.loc['window_lines', 'completeness']:.0%} of the window's refunds are expected "
              "to have arrived by the data's last day; the adjusted rate fills in the rest from the "
              "shop's usual refund delays")
    return table


def daily_refunds(frames: Frames, windows: Windows, after_days: int = 21) -> pd.DataFrame:
    """Refunds per refund day from the pre-period to ``after_days`` after the window, with the
    pre-period's mean per day as the normal level (the refund wave after a campaign)."""
    if frames.refunds_daily is None or windows.window is None:
        return pd.DataFrame(columns=["refund_amount", "normal"])
    start = windows.pre.start if windows.pre is not None else windows.window.start
    end = min(windows.window.end + pd.Timedelta(days=after_days), frames.data_last)
    days = pd.date_range(start, end)
    out = pd.DataFrame({"refund_amount": frames.refunds_daily.reindex(days).fillna(0.0)})
    out.index.name = "date"
    pre = out.loc[out.index < windows.window.start, "refund_amount"]
    out["normal"] = pre.mean() if len(pre) else np.nan
    return out


# --------------------------------------------------------------------------- profit


def effective_discount(paid: float, list_value: float) -> float:
    """Effective discount 实际优惠力度 of a group of order lines.

    Formula: 1 - 实付金额 / 原价金额 (1 - paid amount / (list price x quantity)).

    Parameters
    ----------
    paid : paid amount of the lines, yuan (after every discount).
    list_value : list price x quantity of the same lines, yuan (for 买一送一 the free unit
        counts at its list price, so two for the price of one is a 50% discount).

    Returns
    -------
    A fraction (0.2 = 20% off); NaN with a MetricNote when the list value is 0.
    """
    if not list_value:
        _note("effective discount: the list value is 0 -> NaN")
        return float("nan")
    return 1.0 - float(paid) / float(list_value)


def campaign_roi(profit: float, cost: float) -> float:
    """Campaign ROI 活动ROI(净), a net return.

    Formula: 活动利润 / 活动投入 (campaign profit / campaign cost), where campaign cost =
    discount cost + extra ad spend + extra refund cost + budget (yuan). 0 is break-even; 0.5
    means every yuan put in came back with 0.5 yuan of profit on top. Not the ads tools' ROI
    (sales / spend).

    Returns
    -------
    A ratio; NaN with a MetricNote when the campaign cost is 0 or negative.
    """
    if cost is None or pd.isna(cost) or cost <= 0:
        _note("campaign ROI: the campaign cost is 0 or below (no discount, ads, refunds or budget "
              "to charge) -> NaN")
        return float("nan")
    return float(profit) / float(cost)


def cost_per_new_buyer(cost: float, incremental_new_buyers: float) -> float:
    """Cost per new buyer 每个新客成本.

    Formula: 活动投入 / 增量新客 (campaign cost / incremental new buyers), where incremental
    new buyers = customers whose first paid order falls in the window - the pre-period's new
    buyers per day x window days.

    Returns
    -------
    Yuan per buyer; NaN with a MetricNote when the campaign brought no extra new buyers.
    """
    if incremental_new_buyers is None or pd.isna(incremental_new_buyers) or incremental_new_buyers <= 0:
        _note("cost per new buyer: the campaign brought no more new buyers than usual -> NaN")
        return float("nan")
    return float(cost) / float(incremental_new_buyers)


def count_new_buyers(frames: Frames, campaign: Campaign, windows: Windows) -> dict[str, float]:
    """New buyers in the window against the pre-period's daily rate.

    Returns
    -------
    dict: window (new buyers in the window), per_day_pre, expected (per_day_pre x window
    days) and incremental (window - expected). NaN without a window or clean pre-period.
    """
    nan = float("nan")
    if windows.window is None:
        return {"window": nan, "per_day_pre": nan, "expected": nan, "incremental": nan}
    w = windows.window
    in_window = float(frames.new_buyers[(frames.new_buyers.index >= w.start)
                                        & (frames.new_buyers.index <= w.end)].sum())
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])
    per_day = float(frames.new_buyers.reindex(pre_days).mean()) if len(pre_days) else nan
    expected = per_day * w.days
    if frames.data_first + pd.Timedelta(days=90) > w.start:
        _note(f"new buyers of {campaign.campaign_id}: the data starts less than 90 days before the "
              "campaign, so some returning customers look new (their earlier orders are not in the "
              "data)")
    return {"window": in_window, "per_day_pre": per_day, "expected": expected,
            "incremental": in_window - expected}


PROFIT_ITEMS = ("incremental_list_sales", "incremental_gross_profit", "discount_cost",
                "extra_ad_spend", "extra_refund_cost", "budget", "profit")


@dataclass
class Profit:
    """What the campaign earned (see :func:`compute_profit`)."""

    table: pd.DataFrame  # index PROFIT_ITEMS: value, low, high (yuan)
    normal_margin: float
    window_margin: float
    campaign_cost: float
    roi: float
    p_profit: float  # probability the profit is above 0
    breakeven_sales: float  # incremental sales at list prices needed to break even
    new_buyers: dict[str, float]
    cost_per_new_buyer: float
    missing: list[str]  # items left out for lack of data (ads table, budget, refunds)

    def value(self, item: str, column: str = "value") -> float:
        return float(self.table.loc[item, column]) if item in self.table.index else float("nan")


def compute_profit(frames: Frames, campaign: Campaign, windows: Windows, impact: Impact,
                   refunds: pd.DataFrame | None = None) -> Profit:
    """Campaign profit over the window (口径 in the module docstring), its interval and ROI.

    Items that cannot be computed (no ads table, no budget, no refunds table) are NaN in the
    table, left out of profit and cost and named in ``missing`` (and a MetricNote). Profit and
    its interval need the uplift estimate; without it only the costs are filled in.
    """
    nan = float("nan")
    missing = []
    window = windows.window
    table = pd.DataFrame(np.nan, index=list(PROFIT_ITEMS), columns=["value", "low", "high"])
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])
    pre = frames.daily.reindex(pre_days)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        normal_margin = metrics.gross_margin(float(pre["costed_list_value"].sum()), float(pre["cost"].sum()))
    if window is None:
        return Profit(table, normal_margin, nan, nan, nan, nan, nan, count_new_buyers(frames, campaign, windows),
                      nan, ["window"])
    in_w = frames.daily[(frames.daily.index >= window.start) & (frames.daily.index <= window.end)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        costed_sales = float(in_w["sales"].sum()) * _safe_div(in_w["costed_list_value"].sum(),
                                                               in_w["list_value"].sum())
        window_margin = metrics.gross_margin(costed_sales, float(in_w["cost"].sum()))
    if pd.isna(normal_margin):
        missing.append("margin")
        _note(f"profit of {campaign.campaign_id}: no unit costs for the pre-period's products "
              "(products.unit_cost), so the gross profit cannot be computed")
    cd = frames.campaign_daily
    lines = cd[(cd["campaign_id"] == campaign.campaign_id) & (cd["date"] >= window.start)
               & (cd["date"] <= window.end)]
    discount = float((lines["list_value"] - lines["paid"]).sum())
    table.loc["discount_cost", "value"] = discount
    if frames.ads_daily is None:
        missing.append("ads")
        _note("profit: the data has no ads table, so extra ad spend is left out of the profit")
    else:
        spend = frames.ads_daily
        in_spend = float(spend[(spend.index >= window.start) & (spend.index <= window.end)].sum())
        base = float(spend.reindex(pre_days).mean()) if len(pre_days) else nan
        table.loc["extra_ad_spend", "value"] = in_spend - base * window.days
    if refunds is None or refunds.empty or "window_lines" not in refunds.index:
        missing.append("refunds")
        _note("profit: the data has no refunds table, so extra refunds are left out of the profit")
    else:
        extra = float(refunds.loc["window_lines", "extra_refunds"])
        table.loc["extra_refund_cost", "value"] = extra * window_margin if pd.notna(window_margin) else nan
    if pd.isna(campaign.budget):
        missing.append("budget")
        _note(f"profit of {campaign.campaign_id}: the campaigns table has no budget for it, so its "
              "fixed cost is left out of the profit")
    else:
        table.loc["budget", "value"] = campaign.budget
    costs = table.loc[["discount_cost", "extra_ad_spend", "extra_refund_cost", "budget"], "value"]
    campaign_cost = float(costs.fillna(0.0).sum())
    new_buyers = count_new_buyers(frames, campaign, windows)
    breakeven = _safe_div(campaign_cost, normal_margin)
    roi, p_profit = nan, nan
    if impact.ok and "window" in impact.phase_draws and pd.notna(normal_margin):
        actual = impact.value("window", "actual")
        list_draws = actual - impact.phase_draws["window"] + discount
        point = impact.value("window", "effect") + discount
        lo, hi = _quantiles(list_draws, impact.confidence)
        table.loc["incremental_list_sales"] = [point, lo, hi]
        table.loc["incremental_gross_profit"] = [point * normal_margin, lo * normal_margin,
                                                 hi * normal_margin]
        profit_draws = list_draws * normal_margin - campaign_cost
        p_lo, p_hi = _quantiles(profit_draws, impact.confidence)
        table.loc["profit"] = [point * normal_margin - campaign_cost, p_lo, p_hi]
        p_profit = float(np.mean(profit_draws > 0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", metrics.MetricNote)  # a zero cost is said in the sentence
            roi = campaign_roi(table.loc["profit", "value"], campaign_cost)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        per_buyer = cost_per_new_buyer(campaign_cost, new_buyers["incremental"])
    return Profit(table=table, normal_margin=normal_margin, window_margin=window_margin,
                  campaign_cost=campaign_cost, roi=roi, p_profit=p_profit, breakeven_sales=breakeven,
                  new_buyers=new_buyers, cost_per_new_buyer=per_buyer, missing=missing)


# --------------------------------------------------------------------------- mechanics


def _orders_in(shop: Shop, campaign_id: str, periods: dict[str, pd.DatetimeIndex]):
    """Order-level rows (value at list prices, paid, units, lines, campaign) of the paid orders
    paid on the given days, labelled with the name of their period (an Ibis expression)."""
    import ibis

    lines = paid_lines(shop)
    all_days = sorted({d.date() for days in periods.values() for d in days})
    lines = lines.filter(lines.date.isin(all_days))
    orders = lines.group_by("order_id").aggregate(
        date=lines.date.min(), value=lines.list_value.sum(), paid=lines.paid_amount.sum(),
        units=lines.quantity.sum(), n_lines=lines.count(),
        tagged=ibis.ifelse(lines.campaign_id == campaign_id, 1, 0).max())
    label = ibis.cases(*[(orders.date.isin([d.date() for d in days]), name)
                         for name, days in periods.items()], else_=None)
    return orders.mutate(period=label).filter(lambda t: t.period.notnull())


def order_value_histogram(shop: Shop, campaign_id: str, periods: dict[str, pd.DatetimeIndex],
                          max_value: float) -> pd.DataFrame:
    """Orders per whole yuan of order value at list prices (Σ list price x quantity), per period.

    Values at or above ``max_value`` are counted in the last row. Returns a frame indexed by
    yuan (0 .. floor(max_value)) with one column of order counts per period.
    """
    o = _orders_in(shop, campaign_id, periods)
    top = int(math.floor(max_value))
    o = o.mutate(bin=o.value.floor().clip(upper=top).cast("int64"))
    counts = o.group_by(["period", "bin"]).aggregate(n=o.count()).execute()
    hist = counts.pivot_table(index="bin", columns="period", values="n", aggfunc="sum")
    return hist.reindex(index=range(top + 1), columns=list(periods)).fillna(0.0)


def _band(hist: pd.Series, lo: float, hi: float) -> float:
    """Orders with value in [lo, hi) from a whole-yuan histogram (bin k holds [k, k + 1)).

    Bins are attributed by their lower edge: a line at 199.5 counts bin 199 below it.
    """
    idx = hist.index.to_numpy(dtype=float)
    return float(hist[(idx >= math.ceil(lo)) & (idx < hi)].sum())


def measure_bunching(hist: pd.DataFrame, threshold: float, base: str = "baseline",
                  target: str = "event") -> dict[str, float]:
    """Do orders bunch just above a threshold (凑单), against the baseline's shape?

    Compares the orders in [T, 1.3 T) with those in [0.7 T, T) in the campaign against the
    same ratio in the baseline: bunching ratio = odds ratio of the two, z = log(odds ratio) /
    its standard error (counts + 0.5). A 满减 or free-shipping line moves buyers from just
    below to just above it, so the ratio jumps at the line and nowhere else; a campaign
    that only makes baskets bigger moves both bands and leaves the ratio near 1. Bunching is
    called at z >= :data:`BUNCH_Z` (strict: order values cluster on price points, so a
    looser line gives false alarms).

    Returns
    -------
    dict with above/below counts and shares per period, ratio, z and detected (0 or 1).
    """
    lo, hi = threshold * (1 - BUNCH_BELOW_TEST), threshold * (1 + BUNCH_ABOVE_TEST)
    out: dict[str, float] = {"threshold": float(threshold)}
    counts = {}
    for name in (base, target):
        h = hist[name]
        total = float(h.sum())
        above, below = _band(h, threshold, hi), _band(h, lo, threshold)
        counts[name] = (above, below)
        out[f"{name}_orders"] = total
        out[f"{name}_above_share"] = _safe_div(above, total)
        out[f"{name}_below_share"] = _safe_div(below, total)
        out[f"{name}_reach_share"] = _safe_div(_band(h, threshold, np.inf), total)
    (a2, b2), (a1, b1) = counts[base], counts[target]
    log_or = math.log((a1 + 0.5) / (b1 + 0.5)) - math.log((a2 + 0.5) / (b2 + 0.5))
    se = math.sqrt(1 / (a1 + 0.5) + 1 / (b1 + 0.5) + 1 / (a2 + 0.5) + 1 / (b2 + 0.5))
    out["ratio"] = math.exp(log_or)
    out["z"] = log_or / se
    out["detected"] = float(out["z"] >= BUNCH_Z)
    return out


def bunching_profile(hist: pd.DataFrame, threshold: float,
                     multiples: tuple[float, ...] = (0.6, 0.75, 1.0, 1.33, 1.67)) -> pd.DataFrame:
    """:func:`measure_bunching` at the threshold and at placebo lines around it.

    Bunching caused by the campaign shows at its own line only; a shift of the whole
    distribution would show at the placebo lines as well.
    """
    rows = {}
    for m in multiples:
        r = measure_bunching(hist, threshold * m)
        rows[round(threshold * m, 2)] = {"multiple": m, "ratio": r["ratio"], "z": r["z"],
                                         "detected": r["detected"]}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "line"
    return frame


@dataclass
class Mechanics:
    """How the campaign's mechanic worked (see :func:`analyse_mechanics`)."""

    campaign: Campaign
    table: pd.DataFrame  # index metric key; columns baseline, event, change
    effective_discount: float  # campaign lines in the event
    stated_discount: float  # what the mechanic promises (NaN when it depends on the basket)
    bunching: dict[str, float] | None = None
    profile: pd.DataFrame | None = None
    histogram: pd.DataFrame | None = None  # whole-yuan order counts, baseline and event


def analyse_mechanics(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows) -> Mechanics:
    """Orders in the event against the clean pre-period: order size, discount, and for a
    threshold (满减 / 免邮 / platform 满减) the bunching of order values just above it.

    Rows of ``table``: orders_per_day, aov (paid per order), list_per_order, units_per_order,
    lines_per_order, campaign_order_share and, with a threshold, reach_share (orders at or
    above it), band_share ([T, 1.3 T)) and below_share ([0.7 T, T)).
    """
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])
    event_days = (pd.date_range(windows.event.start, windows.event.end) if windows.event is not None
                  else pd.DatetimeIndex([]))
    periods = {"baseline": pre_days, "event": event_days}
    rows = pd.DataFrame(0.0, index=["orders", "value", "paid", "units", "n_lines", "tagged"],
                        columns=list(periods))
    if len(pre_days) or len(event_days):
        o = _orders_in(shop, campaign.campaign_id, {k: v for k, v in periods.items() if len(v)})
        stats = o.group_by("period").aggregate(orders=o.count(), value=o.value.sum(), paid=o.paid.sum(),
                                               units=o.units.sum(), n_lines=o.n_lines.sum(),
                                               tagged=o.tagged.sum()).execute()
        for _, r in stats.iterrows():
            rows[r["period"]] = r[rows.index].astype(float).to_numpy()
    days = {"baseline": max(len(pre_days), 1), "event": max(len(event_days), 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # an empty period shows as —
        table = pd.DataFrame({p: {
            "orders_per_day": rows.loc["orders", p] / days[p],
            "aov": metrics.amount_per_order(rows.loc["paid", p], rows.loc["orders", p]),
            "list_per_order": _safe_div(rows.loc["value", p], rows.loc["orders", p]),
            "units_per_order": _safe_div(rows.loc["units", p], rows.loc["orders", p]),
            "lines_per_order": _safe_div(rows.loc["n_lines", p], rows.loc["orders", p]),
            "campaign_order_share": metrics.share(rows.loc["tagged", p], rows.loc["orders", p]),
        } for p in periods}, index=None)
    cd = frames.campaign_daily
    lines = cd[(cd["campaign_id"] == campaign.campaign_id)]
    if windows.event is not None:
        lines = lines[(lines["date"] >= windows.event.start) & (lines["date"] <= windows.event.end)]
    eff = (effective_discount(float(lines["paid"].sum()), float(lines["list_value"].sum()))
           if len(lines) else float("nan"))
    stated = {"time_discount": 1 - campaign.discount_rate, "bogo": 0.5}.get(campaign.mechanic, np.nan)
    result = Mechanics(campaign=campaign, table=table, effective_discount=eff,
                       stated_discount=float(stated) if pd.notna(stated) else float("nan"))
    if pd.notna(campaign.threshold) and campaign.threshold > 0 and len(event_days) and len(pre_days):
        hist = order_value_histogram(shop, campaign.campaign_id, periods, 2.5 * campaign.threshold)
        result.histogram = hist
        result.bunching = measure_bunching(hist, campaign.threshold)
        result.profile = bunching_profile(hist, campaign.threshold)
        for p in periods:
            table.loc["reach_share", p] = result.bunching[f"{p}_reach_share"]
            table.loc["band_share", p] = result.bunching[f"{p}_above_share"]
            table.loc["below_share", p] = result.bunching[f"{p}_below_share"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        table["change"] = metrics.change(table["event"], table["baseline"])
    return result


# --------------------------------------------------------------------------- timeline


def build_timeline(frames: Frames, windows: Windows, impact: Impact | None = None,
                   lead_days: int = 28) -> pd.DataFrame:
    """Daily sales, orders and buyers from ``lead_days`` before the window to its end, with the
    phase of each day, the baseline's mean daily sales (``baseline``) and, when estimated, the
    counterfactual (``predicted``, ``low``, ``high``).
    """
    if windows.window is None:
        return pd.DataFrame(columns=["phase", "sales", "orders", "buyers"])
    start = max(windows.window.start - pd.Timedelta(days=lead_days), frames.data_first)
    days = pd.date_range(start, windows.window.end)
    out = frames.daily.reindex(days)[["sales", "orders", "buyers"]].fillna(0.0)
    out.index.name = "date"
    phase = pd.Series("pre", index=days, dtype=object)
    for name, period in windows.phases().items():
        phase[(days >= period.start) & (days <= period.end)] = name
    out.insert(0, "phase", phase)
    clean = pd.DatetimeIndex(windows.clean_days)
    out["baseline"] = float(frames.daily["sales"].reindex(clean).mean()) if len(clean) else np.nan
    if impact is not None and impact.ok:
        out = out.join(impact.daily[["predicted", "low", "high"]], how="left")
    return out


def peak_day(timeline: pd.DataFrame) -> pd.Timestamp | None:
    """The event day with the highest sales (None without event days)."""
    event = timeline[timeline["phase"] == "event"]
    return None if event.empty else pd.Timestamp(event["sales"].idxmax())


def hourly_sales(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                 day: pd.Timestamp | None) -> pd.DataFrame:
    """Sales per hour of pay time on ``day`` (the peak day) against the clean pre-period.

    Returns
    -------
    Frame indexed by hour 0..23: peak_sales (yuan), peak_share and baseline_share (share of
    the day's sales in that hour; baseline pooled over the clean pre-period days).
    """
    cols = ["peak_sales", "peak_share", "baseline_share"]
    if day is None:
        return pd.DataFrame(columns=cols)
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = [d.date() for d in clean.index[clean.to_numpy()]] if len(clean) else []
    lines = paid_lines(shop)
    lines = lines.filter(lines.date.isin([day.date(), *pre_days]))
    lines = lines.mutate(hour=lines.pay_time.hour(), is_peak=lines.date == day.date())
    h = lines.group_by(["is_peak", "hour"]).aggregate(sales=lines.paid_amount.sum()).execute()
    peak = h[h["is_peak"]].set_index("hour")["sales"].reindex(range(24)).fillna(0.0)
    base = h[~h["is_peak"].astype(bool)].set_index("hour")["sales"].reindex(range(24)).fillna(0.0)
    out = pd.DataFrame({"peak_sales": peak, "peak_share": peak / peak.sum() if peak.sum() else np.nan,
                        "baseline_share": base / base.sum() if base.sum() else np.nan})
    out.index.name = "hour"
    return out


def product_activity(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows) -> pd.DataFrame:
    """Per product: order lines on the clean pre-period days and in the event, units, sales and
    the last event day it sold (for stock-outs and drivers)."""
    cols = ["title", "category", "pre_lines", "pre_sales", "event_lines", "event_sales",
            "last_sale"]
    if windows.event is None:
        return pd.DataFrame(columns=cols)
    import ibis

    clean = clean_pre_days(frames, campaign, windows)
    pre_days = [d.date() for d in clean.index[clean.to_numpy()]] if len(clean) else []
    lines = paid_lines(shop)
    in_event = (lines.date >= windows.event.start.date()) & (lines.date <= windows.event.end.date())
    in_pre = lines.date.isin(pre_days) if pre_days else ibis.literal(False)
    lines = lines.filter(in_event | in_pre)
    lines = lines.mutate(ev=in_event)
    per = lines.group_by("product_id").aggregate(
        pre_lines=ibis.ifelse(lines.ev, 0, 1).sum(),
        pre_sales=ibis.ifelse(lines.ev, 0.0, lines.paid_amount).sum(),
        event_lines=ibis.ifelse(lines.ev, 1, 0).sum(),
        event_sales=ibis.ifelse(lines.ev, lines.paid_amount, 0.0).sum(),
        last_sale=lines.date.max(where=lines.ev)).execute()
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute()
        per = per.merge(p, on="product_id", how="left")
    else:
        per["title"], per["category"] = per["product_id"], None
    per["title"] = per["title"].fillna(per["product_id"])
    per["last_sale"] = pd.to_datetime(per["last_sale"])
    return per.set_index("product_id")[cols]


def find_stockouts(activity: pd.DataFrame, frames: Frames, campaign: Campaign,
                   windows: Windows) -> pd.DataFrame:
    """Products that stopped selling during the event although they should have kept selling.

    The data has no stock table, so stock-outs are inferred: a product that sold on the
    clean pre-period days at ``r`` lines per day is expected to sell ``r x lift x d`` lines
    in the last ``d`` event days it did not sell (``lift`` = the shop's orders per day in the
    event / in the pre-period). The chance of no sale at all is ``exp(-expected)``
    (Poisson); products below :data:`STOCKOUT_P` with at least two silent days are listed.

    Returns
    -------
    Frame indexed by product_id: title, category, baseline_per_day, last_sale, silent_days,
    expected_units (expected lines in the silent days), p_silent; most improbable first.
    """
    cols = ["title", "category", "baseline_per_day", "last_sale", "silent_days", "expected_units",
            "p_silent"]
    clean = clean_pre_days(frames, campaign, windows)
    n_pre = int(clean.sum()) if len(clean) else 0
    if windows.event is None or activity.empty or n_pre == 0:
        return pd.DataFrame(columns=cols)
    ev = windows.event
    pre_days = clean.index[clean.to_numpy()]
    orders_pre = float(frames.daily["orders"].reindex(pre_days).mean())
    orders_ev = float(frames.daily.loc[ev.start:ev.end, "orders"].mean())
    lift = _safe_div(orders_ev, orders_pre)
    a = activity[activity["pre_lines"] > 0].copy()
    a["baseline_per_day"] = a["pre_lines"] / n_pre
    last = a["last_sale"]
    a["silent_days"] = np.where(last.isna(), ev.days, (ev.end - last).dt.days)
    a["expected_units"] = a["baseline_per_day"] * (lift if pd.notna(lift) else 1.0) * a["silent_days"]
    a["p_silent"] = np.exp(-a["expected_units"])
    out = a[(a["silent_days"] >= 2) & (a["p_silent"] < STOCKOUT_P)].sort_values("p_silent")
    return out[cols]


# --------------------------------------------------------------------------- who and what


def compare_buyers(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                   repeat_days: int = 90, confidence: float = 0.95) -> pd.DataFrame:
    """New and returning buyers per day in the event against the clean pre-period, and how
    many of each period's new buyers bought again within ``repeat_days``.

    Buyers per day are distinct customers per day, summed over the days (buyer-days). New:
    the customer's first paid order in the data is that day; returning: the rest. The repeat
    rate is :func:`helpers.metrics.repurchase_within_days_from_orders` on the period's new
    buyers; buyers whose ``repeat_days`` have not passed by the data's last day are left out
    (its note says how many).

    Returns
    -------
    Frame indexed by baseline / event: buyers_per_day, new_per_day, returning_per_day,
    new_share, repeat_rate, repeat_low, repeat_high, repeat_cohort (new buyers with a
    complete window).
    """
    clean = clean_pre_days(frames, campaign, windows)
    pre_days = clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])
    periods = {"baseline": pre_days}
    if windows.event is not None:
        periods["event"] = pd.date_range(windows.event.start, windows.event.end)
    paid = dated_paid_lines(shop)
    # One row per paid order of a known customer (ids were stripped when the table was
    # validated), so the repurchase reduction neither strips nor groups the lines again;
    # kept in the engine while this runs, as each period's repeat rate reads every order.
    paid = paid.filter(known_customer(paid))
    orders = metrics.prepare_orders(cache_table(paid.group_by("order_id").aggregate(
        customer_id=paid.customer_id.min(), pay_time=paid.pay_time.min())), one_row_per_order=True)
    rows = {}
    for name, days in periods.items():
        buyers = frames.daily["buyers"].reindex(days)
        new = frames.new_buyers.reindex(days)
        n = max(len(days), 1)
        row = {"buyers_per_day": buyers.sum() / n, "new_per_day": new.sum() / n,
               "returning_per_day": (buyers.sum() - new.sum()) / n,
               "new_share": _safe_div(new.sum(), buyers.sum())}
        row.update(repeat_rate=np.nan, repeat_low=np.nan, repeat_high=np.nan, repeat_cohort=0.0)
        if len(days):
            # the new buyers whose first paid day is one of these days
            result = _repeat_of_days(orders, days, repeat_days, frames.data_last)
            row["repeat_cohort"] = float(result[1])
            if result[1]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", metrics.MetricNote)
                    lo, hi = metrics.wilson_interval(result[0], result[1], confidence)
                row.update(repeat_rate=result[0] / result[1], repeat_low=lo, repeat_high=hi)
        rows[name] = row
    if windows.event is not None and rows["event"]["repeat_cohort"] == 0:
        _note(f"repeat purchase of {campaign.campaign_id}'s new buyers: fewer than {repeat_days} days "
              "of data after the campaign, so it is not known yet")
    return pd.DataFrame.from_dict(rows, orient="index")


def _repeat_of_days(orders: metrics.PreparedOrders, days: pd.DatetimeIndex, repeat_days: int,
                    data_last: pd.Timestamp) -> tuple[int, int]:
    """(repeaters, cohort) of the new buyers whose first paid day is one of ``days``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # censoring is said by the caller
        r = metrics.repurchase_within_days_from_orders(orders, repeat_days, days.min(), days.max(),
                                                       data_end=data_last, cohort_days=days)
    return r.numerator, r.denominator


def find_drivers(activity: pd.DataFrame, frames: Frames, campaign: Campaign, windows: Windows,
                 by: str = "category", n: int = 5) -> pd.DataFrame:
    """Which categories or products the extra sales came from, and which lost share.

    Lift = event sales per day / pre-period sales per day - 1; share of increase = the item's
    extra sales per day / the shop's; share change = its share of event sales - its share of
    pre-period sales (percentage points as a fraction). Items that lost share while the
    shop grew were cannibalised by the campaign's products.

    Returns
    -------
    Frame (``by`` = "category": every category; "product": the ``n`` biggest contributors and
    the ``n`` biggest losers of share) with pre_sales_per_day, event_sales_per_day, lift,
    share_of_increase and share_change.
    """
    clean = clean_pre_days(frames, campaign, windows)
    n_pre = int(clean.sum()) if len(clean) else 0
    cols = ["pre_sales_per_day", "event_sales_per_day", "lift", "share_of_increase", "share_change"]
    if activity.empty or n_pre == 0 or windows.event is None:
        return pd.DataFrame(columns=cols)
    key = "category" if by == "category" else "title"
    g = activity.groupby(activity[key].fillna("?"))[["pre_sales", "event_sales"]].sum()
    out = pd.DataFrame({"pre_sales_per_day": g["pre_sales"] / n_pre,
                        "event_sales_per_day": g["event_sales"] / windows.event.days})
    delta = out["event_sales_per_day"] - out["pre_sales_per_day"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # new items have no pre-period sales
        out["lift"] = metrics.change(out["event_sales_per_day"], out["pre_sales_per_day"])
        out["share_of_increase"] = metrics.share(delta, float(delta.sum()))
        out["share_change"] = (metrics.share(out["event_sales_per_day"])
                               - metrics.share(out["pre_sales_per_day"]))
    out.index.name = by
    if by == "category":
        return out.sort_values("share_of_increase", ascending=False)
    top = out.nlargest(n, "share_of_increase")
    losers = out.drop(top.index).nsmallest(n, "share_change")
    return pd.concat([top, losers[losers["share_change"] < 0]])


# --------------------------------------------------------------------------- all campaigns


def find_last_year(campaigns: pd.DataFrame, campaign: Campaign) -> str | None:
    """The same event last year: same mechanic, starting 330..400 days earlier (closest to 364)."""
    gap = (campaign.start - campaigns["start"]).dt.days
    same = campaigns[(campaigns["mechanic"] == campaign.mechanic) & gap.between(330, 400)]
    if same.empty:
        return None
    return str(same.loc[(gap[same.index] - LAST_YEAR_DAYS).abs().idxmin(), "campaign_id"])


COMPARISON_COLUMNS = ["name", "mechanic", "start", "end", "event_sales", "effect", "effect_low",
                      "effect_high", "relative", "relative_low", "relative_high", "p_real",
                      "net_effect", "pull_forward_share", "discount_cost", "extra_ad_spend",
                      "budget", "profit", "roi", "incremental_new_buyers", "cost_per_new_buyer",
                      "refund_vs_normal"]


def summarize_campaign(frames: Frames, campaign: Campaign, *, pre_days: int = 56,
                       post_days: int = 14, model: str = "regression",
                       confidence: float = 0.95) -> dict[str, Any]:
    """One campaign's headline figures, computed exactly as in its own postmortem.

    Returns
    -------
    dict with the keys of :data:`COMPARISON_COLUMNS` (NaN where a figure cannot be had).
    """
    windows = campaign_windows(campaign, frames.data_first, frames.data_last, pre_days, post_days,
                               frames.campaigns)
    impact = estimate_uplift(frames, campaign, windows, model=model, confidence=confidence)
    pull = summarize_pull_forward(impact)
    refunds = compare_refunds(frames, campaign, windows)
    profit = compute_profit(frames, campaign, windows, impact, refunds)
    row = {"name": campaign.name, "mechanic": campaign.mechanic, "start": campaign.start,
           "end": campaign.end,
           "event_sales": impact.value("event", "actual") if impact.ok else (
               float(frames.daily.loc[windows.event.start:windows.event.end, "sales"].sum())
               if windows.event is not None else float("nan"))}
    for key in ("effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
                "p_real"):
        row[key] = impact.value("event", key)
    row["net_effect"] = impact.value("window", "effect")
    row["pull_forward_share"] = float(pull.loc["pull_forward_share", "effect"])
    for item in ("discount_cost", "extra_ad_spend", "budget", "profit"):
        row[item] = profit.value(item)
    row["roi"] = profit.roi
    row["incremental_new_buyers"] = profit.new_buyers["incremental"]
    row["cost_per_new_buyer"] = profit.cost_per_new_buyer
    row["refund_vs_normal"] = (float(refunds.loc["campaign_lines", "vs_normal"])
                               if "campaign_lines" in refunds.index else float("nan"))
    return row


def compare_campaigns(frames: Frames, campaign: Campaign, *, pre_days: int = 56, post_days: int = 14,
                      model: str = "regression", confidence: float = 0.95) -> pd.DataFrame:
    """Every campaign of the data that has started, on the same definitions (see
    :func:`summarize_campaign`), with ``role`` = this / last_year / other.

    Campaigns that cannot be estimated keep NaN figures; one MetricNote names them.
    """
    rows, failed = {}, []
    last_year = find_last_year(frames.campaigns, campaign)
    for cid in frames.campaigns["campaign_id"].astype(str):
        c = get_campaign(frames.campaigns, cid)
        if c.start > frames.data_last or c.end < frames.data_first:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", metrics.MetricNote)  # each has its own report
            row = summarize_campaign(frames, c, pre_days=pre_days, post_days=post_days, model=model,
                                     confidence=confidence)
        if pd.isna(row["effect"]):
            failed.append(cid)
        row["role"] = "this" if cid == campaign.campaign_id else (
            "last_year" if cid == last_year else "other")
        rows[cid] = row
    if failed:
        _note("no uplift for " + ", ".join(failed) + " (pre-period too short or no data): their "
              "figures show as —")
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=["role", *COMPARISON_COLUMNS])
    table.index.name = "campaign_id"
    return table


# --------------------------------------------------------------------------- presentation


def _esc(value: Any) -> str:
    from helpers.report import escape

    return escape(value)


def _yuan(value: float, lang: str) -> str:
    return _fmt(value, "yuan", lang)


def _pct(value: float, signed: bool = False) -> str:
    from helpers.plots import fmt_pct

    return fmt_pct(value, 1, signed=signed)


def _styled(frame: pd.DataFrame, formats: dict[str, Any], lang: str, index_key: str | None = None):
    """A plots.style_table of ``frame`` restricted to ``formats``' columns, headers in ``lang``."""
    from helpers import plots

    cols = [c for c in formats if c in frame.columns]
    shown = frame[cols].rename(columns={c: text(c, lang) for c in cols})
    if index_key:
        shown.index.name = text(index_key, lang)
    return plots.style_table(shown, {text(c, lang): formats[c] for c in cols}, lang, translate=False)


def _phase_index(index: pd.Index, lang: str) -> list[str]:
    return [text(i, lang) if i in TEXT else str(i) for i in index]


def campaign_header(campaign: Campaign, windows: Windows, lang: str = "zh") -> str:
    """The campaign, its mechanic, its phases and the baseline, as Markdown lines."""
    zh = _zh(lang)
    parts = []
    for key in ("warmup", "event", "post"):
        p = getattr(windows, key)
        if p is not None:
            parts.append(f"**{text(key, lang)}** {p.label()}（{p.days} 天）" if zh else
                         f"**{text(key, lang)}** {p.label()} ({p.days} days)")
    terms = []
    if pd.notna(campaign.threshold):
        if pd.notna(campaign.reduction):
            terms.append(f"满 ¥{campaign.threshold:,.0f} 减 ¥{campaign.reduction:,.0f}" if zh else
                         f"¥{campaign.reduction:,.0f} off every ¥{campaign.threshold:,.0f}")
        else:
            terms.append(f"门槛 ¥{campaign.threshold:,.0f}" if zh else
                         f"threshold ¥{campaign.threshold:,.0f}")
    if pd.notna(campaign.discount_rate):
        terms.append(f"{campaign.discount_rate * 10:.1f} 折" if zh else
                     f"{1 - campaign.discount_rate:.0%} off")
    budget = _yuan(campaign.budget, lang) if pd.notna(campaign.budget) else (
        "未填" if zh else "not given")
    n_clean = len(windows.clean_days)
    head = (f"**{_esc(campaign.name)}**（`{_esc(campaign.campaign_id)}`，{campaign.mechanic_label(lang)}"
            + (f"，{'、'.join(terms)}" if terms else "") + f"，预算 {budget}）" if zh else
            f"**{_esc(campaign.name)}** (`{_esc(campaign.campaign_id)}`, {campaign.mechanic_label(lang)}"
            + (f", {', '.join(terms)}" if terms else "") + f", budget {budget})")
    base = (f"**基期** {windows.pre.label()} 中的 {n_clean} 个平日" if zh else
            f"**baseline** {n_clean} clean days in {windows.pre.label()}") if windows.pre else (
        "**基期** 无" if zh else "**baseline** none")
    lines = [head, " · ".join([*parts, base])]
    lines += [f"- {_pick(lang, *issue)}" for issue in windows.issues]
    return "\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if len(lines) > 2 else "")


# -- timeline


def plot_timeline(timeline: pd.DataFrame, windows: Windows, lang: str = "zh"):
    """Daily sales around the campaign: warm-up, event and post-period shaded, peak day marked."""
    from matplotlib.patches import Patch

    from helpers import plots

    if timeline.empty:
        return None
    data = timeline.reset_index()
    fig = plots.plot_trend(data, x="date", y="sales", kind="yuan", lang=lang, marker=None,
                           title=text("sales", lang))
    ax = fig.axes[0]
    colors = {"warmup": "#9ecae1", "event": "#f2c14e", "post": "#c7e9c0"}
    handles = []
    for key, period in windows.phases().items():
        ax.axvspan(period.start, period.end + pd.Timedelta(days=1), color=colors[key], alpha=0.35, lw=0)
        handles.append(Patch(color=colors[key], alpha=0.5, label=text(key, lang)))
    peak = peak_day(timeline)
    if peak is not None:
        ax.annotate(f"{peak:%m-%d}", (peak, timeline.loc[peak, "sales"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return fig


def describe_timeline(timeline: pd.DataFrame, windows: Windows, hourly: pd.DataFrame,
                      lang: str = "zh") -> str:
    """Sales per day in each phase against the baseline, the peak day and its busiest hour."""
    zh = _zh(lang)
    if timeline.empty or windows.event is None:
        return "活动期没有数据。" if zh else "There is no data for the event."
    base = float(timeline["baseline"].iloc[0])
    per_day = timeline.groupby("phase")["sales"].mean()
    peak = peak_day(timeline)
    parts = []
    if pd.notna(base):
        parts.append(f"平日（基期）日均销售额 {_yuan(base, lang)}。" if zh else
                     f"On ordinary days (the baseline) the shop sold {_yuan(base, lang)} a day.")
    for key in ("warmup", "event", "post"):
        if key in per_day.index:
            v = per_day[key]
            rel = _safe_div(v, base) - 1
            parts.append(f"{text(key, lang)}日均 {_yuan(v, lang)}（{_pct(rel, True)}）。" if zh else
                         f"{text(key, lang)}: {_yuan(v, lang)} a day ({_pct(rel, True)}).")
    if peak is not None:
        share = _safe_div(timeline.loc[peak, "sales"], timeline.loc[timeline["phase"] == "event", "sales"].sum())
        parts.append(f"峰值日 {peak:%Y-%m-%d} 卖了 {_yuan(timeline.loc[peak, 'sales'], lang)}，占活动期的 {_pct(share)}。"
                     if zh else f"The peak day, {peak:%Y-%m-%d}, sold {_yuan(timeline.loc[peak, 'sales'], lang)}, "
                     f"{_pct(share)} of the event.")
    if not hourly.empty and hourly["peak_sales"].sum() > 0:
        top = int(hourly["peak_share"].idxmax())
        ps, bs = hourly.loc[top, "peak_share"], hourly.loc[top, "baseline_share"]
        parts.append(f"峰值日最集中的是 {top:02d}:00–{top:02d}:59，占当天 {_pct(ps)}（平日该小时占 {_pct(bs)}）。" if zh
                     else f"Its busiest hour was {top:02d}:00–{top:02d}:59 with {_pct(ps)} of the day's sales "
                     f"(ordinarily {_pct(bs)}).")
    return " ".join(parts)


def plot_hourly(hourly: pd.DataFrame, lang: str = "zh"):
    """Share of the day's sales per hour: the peak day (bars) against ordinary days (line)."""
    import matplotlib.pyplot as plt

    from helpers import plots

    if hourly.empty or hourly["peak_sales"].sum() == 0:
        return None
    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
    ax.bar(hourly.index, hourly["peak_share"], color="#f28e2b", label=text("peak_share", lang))
    ax.plot(hourly.index, hourly["baseline_share"], color="#4e79a7", marker="o", ms=3,
            label=text("baseline_share", lang))
    plots.pct_axis(ax)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel(text("hour", lang))
    ax.set_ylabel("")
    ax.legend(fontsize=8)
    return fig


def stockout_table(stockouts: pd.DataFrame, lang: str = "zh"):
    """The :func:`find_stockouts` table for a report (titles escaped)."""
    shown = stockouts.copy()
    shown["last_sale"] = shown["last_sale"].dt.strftime("%Y-%m-%d").fillna("—")
    return _styled(shown, {"title": str, "category": str, "baseline_per_day": "ratio",
                           "last_sale": str, "silent_days": "count", "expected_units": "ratio",
                           "p_silent": lambda v: f"{v:.1e}"}, lang, "product_id")


def describe_stockouts(stockouts: pd.DataFrame, lang: str = "zh") -> str:
    """Possible stock-outs, with the caveat that they are inferred from sales."""
    zh = _zh(lang)
    head = ("数据里没有库存表，断货只能从销量推断：平时每天都卖、活动中却连续多天零成交的商品。" if zh else
            "The data has no stock table, so stock-outs are inferred from sales: products that "
            "sell every day but sold nothing for several event days.")
    if stockouts.empty:
        return head + (" 本次活动没有发现这样的商品。" if zh else " No product looks sold out in this event.")
    names = "、".join(f"「{_esc(t)}」" for t in stockouts["title"].head(3)) if zh else ", ".join(
        f"“{_esc(t)}”" for t in stockouts["title"].head(3))
    lost = float((stockouts["expected_units"]).sum())
    return head + (f" 共 {len(stockouts)} 个商品疑似断货，如 {names}，按平时的速度少卖约 {lost:,.0f} 单。下次活动前按峰值日销量备货。"
                   if zh else f" {len(stockouts)} products look sold out, e.g. {names}; at their usual pace "
                   f"they would have sold about {lost:,.0f} more lines. Stock for the peak day next time.")


# -- uplift


def controls_table(impact: Impact, lang: str = "zh"):
    """The control series, whether each was used, and why (text escaped)."""
    c = impact.controls.copy()
    if c.empty:
        return _styled(pd.DataFrame(columns=["status", "change_in_event", "reason"]),
                       {"status": str, "change_in_event": "signed_pct", "reason": str}, lang, "control")
    c.index = [text(i, lang) for i in c.index]
    c["status"] = [text(s, lang) for s in c["status"]]
    c["reason"] = c["reason_zh" if _zh(lang) else "reason_en"]
    return _styled(c, {"status": str, "change_in_event": "signed_pct", "reason": str}, lang, "control")


def uplift_table(impact: Impact, lang: str = "zh"):
    """Actual, counterfactual and effect of each phase with intervals, for a report."""
    p = impact.phases.copy()
    p["start"] = pd.to_datetime(p["start"]).dt.strftime("%m-%d")
    p["end"] = pd.to_datetime(p["end"]).dt.strftime("%m-%d")
    p.index = _phase_index(p.index, lang)
    formats = {"start": str, "end": str, "days": "count", "actual": "yuan", "predicted": "yuan",
               "effect": "yuan", "effect_low": "yuan", "effect_high": "yuan", "relative": "signed_pct",
               "relative_low": "signed_pct", "relative_high": "signed_pct", "p_real": "pct"}
    return _styled(p, formats, lang, "phase")


def plot_impact(impact: Impact, lang: str = "zh"):
    """The three classic panels: actual vs counterfactual with its interval, the daily effect
    and the cumulative effect over the window (intervals shaded)."""
    import matplotlib.pyplot as plt

    from helpers import plots

    if not impact.ok:
        return None
    plots.set_theme(lang)
    d = impact.daily.reset_index()
    fig, axes = plt.subplots(3, 1, figsize=(9, 8.5), sharex=True, layout="constrained")
    actual, predicted = text("actual", lang), text("predicted", lang)
    long = pd.concat([pd.DataFrame({"date": d["date"], "value": d["actual"], "series": actual}),
                      pd.DataFrame({"date": d["date"], "value": d["predicted"], "series": predicted})])
    long = long.rename(columns={"value": text("sales", lang), "series": text("interval", lang)})
    plots.plot_trend(long, x="date", y=text("sales", lang), hue=text("interval", lang), kind="yuan",
                     lang=lang, ax=axes[0], marker=None)
    axes[0].fill_between(d["date"], d["low"], d["high"], color="#ff7f0e", alpha=0.2, lw=0)
    legend = axes[0].get_legend()
    if legend is not None:
        legend.set_title("")
    for ax, (col, lo, hi, key) in zip(axes[1:], (("effect", "effect_low", "effect_high", "pointwise"),
                                                 ("cum_effect", "cum_low", "cum_high", "cumulative")),
                                      strict=True):
        frame = d[["date", col, lo, hi]].rename(columns={col: text(key, lang)})
        plots.plot_trend(frame, x="date", y=text(key, lang), kind="yuan", lang=lang, ax=ax, marker=None)
        ax.fill_between(d["date"], d[lo], d[hi], color="#1f77b4", alpha=0.2, lw=0)
        ax.axhline(0, color="#444444", lw=0.8)
    start = impact.windows.window.start
    for ax in axes:
        ax.axvline(start, color="#888888", ls="--", lw=0.8)
        if impact.windows.event is not None:
            ax.axvspan(impact.windows.event.start, impact.windows.event.end + pd.Timedelta(days=1),
                       color="#f2c14e", alpha=0.15, lw=0)
    axes[0].set_title(f"{text('actual', lang)} vs {text('predicted', lang)}")
    return fig


def describe_uplift(impact: Impact, lang: str = "zh") -> str:
    """What the campaign added during the event, how sure that is, and the model behind it."""
    zh = _zh(lang)
    issues = [f"- {_pick(lang, *i)}" for i in impact.issues if i not in impact.windows.issues]
    if not impact.ok:
        head = ("无法估计活动增量。" if zh else "The uplift could not be estimated.")
        return head + ("\n\n" + "\n".join(issues) if issues else "")
    ev = impact.phases.loc["event"]
    conf = f"{impact.confidence:.0%}"
    model = {"regression": ("回归模型（趋势 + 星期效应 + 对照序列）", "a regression (trend + weekday + controls)"),
             "structural": ("结构时间序列模型（局部水平 + 周季节 + 对照序列）",
                            "a structural time-series model (local level + weekly seasonal + controls)")}[
        impact.model]
    used = [text(k, lang) for k in impact.controls.index if impact.controls.loc[k, "status"] == "used"]
    if zh:
        text_ = (f"活动期实际卖了 {_yuan(ev['actual'], lang)}；如果没有活动，预计只会卖 {_yuan(ev['predicted'], lang)}"
                 f"（{conf} 区间 {_yuan(ev['predicted_low'], lang)}～{_yuan(ev['predicted_high'], lang)}）。"
                 f"活动带来的增量为 **{_yuan(ev['effect'], lang)}**（区间 {_yuan(ev['effect_low'], lang)}～"
                 f"{_yuan(ev['effect_high'], lang)}），相对提升 **{_pct(ev['relative'], True)}**（区间 "
                 f"{_pct(ev['relative_low'], True)}～{_pct(ev['relative_high'], True)}），效果为真的概率 {_pct(ev['p_real'])}。")
        if ev["p_real"] < 0.95:
            text_ += " 这个提升可能只是正常波动，不能算作活动的功劳。"
        text_ += (f" “没有活动”的销售额由{model[0]}从活动前 {impact.fit_days} 个平日估计，拟合误差 {_pct(impact.fit_error)}；"
                  + (f"使用的对照序列：{'、'.join(used)}。" if used else "没有可用的对照序列（见上表），只靠活动前的走势。"))
    else:
        text_ = (f"The event sold {_yuan(ev['actual'], lang)}; without the campaign the shop would have sold "
                 f"about {_yuan(ev['predicted'], lang)} ({conf} interval {_yuan(ev['predicted_low'], lang)} to "
                 f"{_yuan(ev['predicted_high'], lang)}). The campaign added **{_yuan(ev['effect'], lang)}** "
                 f"(interval {_yuan(ev['effect_low'], lang)} to {_yuan(ev['effect_high'], lang)}), a relative "
                 f"uplift of **{_pct(ev['relative'], True)}** (interval {_pct(ev['relative_low'], True)} to "
                 f"{_pct(ev['relative_high'], True)}); the probability that the effect is real is "
                 f"{_pct(ev['p_real'])}.")
        if ev["p_real"] < 0.95:
            text_ += " The lift may well be ordinary noise: do not credit it to the campaign."
        text_ += (f" The no-campaign sales come from {model[1]} fitted on {impact.fit_days} clean days before "
                  f"the campaign (in-sample error {_pct(impact.fit_error)}); "
                  + (f"controls used: {', '.join(used)}." if used else
                     "no control series could be used (see the table above), only the trend before the "
                     "campaign."))
    return text_ + ("\n\n" + "\n".join(issues) if issues else "")


# -- pull-forward and refunds


def pull_forward_table(pull: pd.DataFrame, lang: str = "zh"):
    """Effect of each phase and the pull-forward share, for a report."""
    shown = pull.copy()
    share = shown.loc["pull_forward_share"].copy() if "pull_forward_share" in shown.index else None
    shown = shown.drop(index="pull_forward_share", errors="ignore")
    shown.index = _phase_index(shown.index, lang)
    out = pd.DataFrame({text("effect", lang): [_yuan(v, lang) for v in shown["effect"]],
                        text("interval", lang): [f"{_yuan(a, lang)} ~ {_yuan(b, lang)}" for a, b in
                                                 zip(shown["effect_low"], shown["effect_high"], strict=True)],
                        text("relative", lang): [_fmt(v, "signed_pct", lang) for v in shown["relative"]],
                        text("p_real", lang): [_pct(v) for v in shown["p_real"]]}, index=shown.index)
    if share is not None:
        out.loc[text("pull_forward_share", lang)] = [
            _pct(share["effect"]), f"{_pct(share['effect_low'])} ~ {_pct(share['effect_high'])}", "—",
            _pct(share["p_real"])]
    out.index.name = text("phase", lang)
    from helpers import plots

    return plots.style_table(out, {}, lang, translate=False)


def describe_pull_forward(pull: pd.DataFrame, impact: Impact, lang: str = "zh") -> str:
    """The dip before and after the event, the share of the gain it gave back and the net effect."""
    zh = _zh(lang)
    if not impact.ok:
        return "没有增量估计，无法计算透支。" if zh else "Without an uplift estimate there is no pull-forward figure."
    parts = []
    for key, zh_what, en_what in (("warmup", "预热期买家在等活动", "buyers waited for the event"),
                                  ("post", "活动后买家已经囤了货", "buyers had stocked up")):
        if key not in pull.index:
            continue
        e, rel, p = pull.loc[key, "effect"], pull.loc[key, "relative"], pull.loc[key, "p_real"]
        if e < 0 and p >= 0.9:
            parts.append(f"{text(key, lang)}比平时少卖 {_yuan(-e, lang)}（{_pct(rel, True)}，概率 {_pct(p)}）：{zh_what}。"
                         if zh else f"The {text(key, lang).lower()} sold {_yuan(-e, lang)} less than usual "
                         f"({_pct(rel, True)}, probability {_pct(p)}): {en_what}.")
        else:
            parts.append(f"{text(key, lang)}没有明显的回落（{_pct(rel, True)}）。" if zh else
                         f"The {text(key, lang).lower()} shows no clear dip ({_pct(rel, True)}).")
    share = pull.loc["pull_forward_share"]
    net = pull.loc["window"]
    if pd.notna(share["effect"]) and share["p_real"] < 0.9:
        parts.append(f"前后是否透支还说不准（透支比例区间 {_pct(share['effect_low'])}～{_pct(share['effect_high'])}）。"
                     if zh else "Whether the event took sales from the days around it is unclear (share "
                     f"interval {_pct(share['effect_low'])} to {_pct(share['effect_high'])}).")
    elif pd.notna(share["effect"]):
        parts.append(f"活动期增量中有 **{_pct(share['effect'])}** 是从前后透支来的（区间 {_pct(share['effect_low'])}～"
                     f"{_pct(share['effect_high'])}）。" if zh else
                     f"**{_pct(share['effect'])}** of the event's gain was taken from the days around it "
                     f"(interval {_pct(share['effect_low'])} to {_pct(share['effect_high'])}).")
    if impact.value("event", "p_real") < 0.9 and net["effect"] > 0:
        parts.append("活动期本身没有明显提升；下面的净增量来自活动前后几天，应先排查其他原因（季节、其他推广）再归功于活动。" if zh
                     else "The event itself showed no clear lift; the net gain below comes from the days "
                     "around it, so look for other causes (season, other promotions) before crediting "
                     "the campaign.")
    parts.append(f"算上前后，整个周期的净增量为 **{_yuan(net['effect'], lang)}**（区间 {_yuan(net['effect_low'], lang)}～"
                 f"{_yuan(net['effect_high'], lang)}），这才是活动真正多卖的。" if zh else
                 f"Counting both, the net gain over the whole window is **{_yuan(net['effect'], lang)}** "
                 f"(interval {_yuan(net['effect_low'], lang)} to {_yuan(net['effect_high'], lang)}): what the "
                 "campaign really added.")
    return " ".join(parts)


def refund_table(refunds: pd.DataFrame, lang: str = "zh"):
    """The :func:`compare_refunds` table for a report."""
    shown = refunds.copy()
    shown.index = [text(i if i != "campaign_lines" else "campaign_lines", lang) for i in shown.index]
    formats = {"lines": "count", "paid": "yuan", "refund_amount": "yuan", "refund_rate": "pct",
               "completeness": "pct", "refund_rate_adjusted": "pct", "expected_rate": "pct",
               "vs_normal": "ratio", "extra_refunds": "yuan"}
    return _styled(shown, formats, lang)


def plot_refunds(daily: pd.DataFrame, windows: Windows, lang: str = "zh"):
    """Refunds per refund day against the normal level, the campaign window shaded."""
    from helpers import plots

    if daily.empty:
        return None
    data = daily.reset_index().rename(columns={"refund_amount": text("refund_amount", lang)})
    fig = plots.plot_trend(data, x="date", y=text("refund_amount", lang), kind="yuan", lang=lang,
                           marker=None, highlight=(windows.window.start, windows.window.end),
                           title=text("refund_amount", lang))
    fig.axes[0].axhline(float(daily["normal"].iloc[0]), color="#888888", ls="--", lw=0.8)
    return fig


def describe_refunds(refunds: pd.DataFrame, lang: str = "zh") -> str:
    """Refund rate of the campaign's lines against what the same categories normally return."""
    zh = _zh(lang)
    if refunds.empty or "campaign_lines" not in refunds.index:
        return "没有退款数据。" if zh else "No refund data."
    c, n = refunds.loc["campaign_lines"], refunds.loc["normal"]
    if not c["lines"]:
        return ("没有订单行带这个活动ID，无法单看活动订单的退款。" if zh else
                "No order line carries this campaign id, so the campaign's own refunds cannot be separated.")
    parts = [f"活动订单的退款率（金额）为 {_pct(c['refund_rate_adjusted'])}，同样商品平时退 {_pct(c['expected_rate'])}，"
             f"是平时的 **{c['vs_normal']:.2f} 倍**，多退了约 {_yuan(c['extra_refunds'], lang)}。" if zh else
             f"The campaign lines' refund rate (value) is {_pct(c['refund_rate_adjusted'])} against "
             f"{_pct(c['expected_rate'])} for the same categories normally: **{c['vs_normal']:.2f}x**, about "
             f"{_yuan(c['extra_refunds'], lang)} of extra refunds."]
    if c["completeness"] < 0.95:
        parts.append(f"其中只有约 {_pct(c['completeness'])} 的退款已经到账，其余按本店平常的退款时间补齐估计。" if zh else
                     f"Only about {_pct(c['completeness'])} of those refunds have arrived yet; the rest is "
                     "filled in from the shop's usual refund delays.")
    parts.append(f"（基期退款率 {_pct(n['refund_rate'])}。）" if zh else
                 f"(Baseline refund rate {_pct(n['refund_rate'])}.)")
    return " ".join(parts)


# -- profit


def profit_table(profit: Profit, lang: str = "zh"):
    """The profit bridge with intervals, then ROI, break-even and cost per new buyer."""
    t = profit.table.copy()
    sign = {"discount_cost": -1, "extra_ad_spend": -1, "extra_refund_cost": -1, "budget": -1}
    rows = []
    for item in PROFIT_ITEMS:
        s = sign.get(item, 1)
        v, lo, hi = (t.loc[item, c] for c in ("value", "low", "high"))
        interval = "—" if pd.isna(lo) else f"{_yuan(lo, lang)} ~ {_yuan(hi, lang)}"
        rows.append((text(item, lang), _yuan(s * v if pd.notna(v) else v, lang), interval))
    rows.append((text("normal_margin", lang), _pct(profit.normal_margin), "—"))
    rows.append((text("campaign_cost", lang), _yuan(profit.campaign_cost, lang), "—"))
    rows.append((text("roi", lang), _fmt(profit.roi, "ratio", lang), "—"))
    rows.append((text("breakeven_sales", lang), _yuan(profit.breakeven_sales, lang), "—"))
    rows.append((text("incremental_new_buyers", lang), _fmt(profit.new_buyers["incremental"], "count", lang),
                 "—"))
    rows.append((text("cost_per_new_buyer", lang), _yuan(profit.cost_per_new_buyer, lang), "—"))
    out = pd.DataFrame(rows, columns=[text("item", lang), text("value", lang), text("interval", lang)])
    from helpers import plots

    return plots.style_table(out.set_index(text("item", lang)), {}, lang, translate=False)


def plot_profit(profit: Profit, lang: str = "zh"):
    """The profit bridge as bars: gross profit of the extra sales, minus each cost, = profit."""
    from helpers import plots

    if pd.isna(profit.value("profit")):
        return None
    sign = {"discount_cost": -1, "extra_ad_spend": -1, "extra_refund_cost": -1, "budget": -1}
    items = ["incremental_gross_profit", *sign, "profit"]
    value = text("value", lang)
    frame = pd.DataFrame({"label": [text(i, lang) for i in items],
                          value: [sign.get(i, 1) * profit.value(i) for i in items]}).dropna()
    return plots.plot_bar_change(frame, "label", value, kind="yuan", lang=lang, top=None,
                                 title=text("profit", lang))


def describe_profit(profit: Profit, impact: Impact, lang: str = "zh") -> str:
    """Profit, ROI, break-even and the cost of each new buyer, in words."""
    zh = _zh(lang)
    missing = {"ads": ("没有推广表，未计额外推广花费", "no ads table: extra ad spend not counted"),
               "budget": ("活动预算未填，未计固定成本", "no budget given: the fixed cost is not counted"),
               "refunds": ("没有退款表，未计额外退款", "no refunds table: extra refunds not counted"),
               "margin": ("没有商品成本，无法算毛利", "no unit costs: gross profit cannot be computed")}
    notes = [_pick(lang, *missing[m]) for m in profit.missing if m in missing]
    tail = ("（" + "；".join(notes) + "。）" if zh else " (" + "; ".join(notes) + ".)") if notes else ""
    if impact.windows.window is None:
        return "活动没有落在数据范围内的日子，无法计算利润。" if zh else "The campaign has no day in the data: no profit to compute."
    if pd.isna(profit.value("profit")) and "margin" in profit.missing:
        return ("没有商品成本（products.unit_cost），算不出毛利和利润；表中只列出成本。" if zh else
                "Without unit costs (products.unit_cost) neither gross profit nor profit can be "
                "computed; the table lists the costs only.")
    if pd.isna(profit.value("profit")):
        return (("没有增量估计，只能列出成本：" if zh else "Without an uplift estimate only the costs are known: ")
                + (f"活动投入 {_yuan(profit.campaign_cost, lang)}，按平日毛利率 {_pct(profit.normal_margin)}，"
                   f"需要按原价多卖 {_yuan(profit.breakeven_sales, lang)} 才能保本。" if zh else
                   f"the campaign cost {_yuan(profit.campaign_cost, lang)}, so at the normal margin of "
                   f"{_pct(profit.normal_margin)} it needed {_yuan(profit.breakeven_sales, lang)} of extra sales "
                   "at list prices to break even.") + tail)
    p = profit.value("profit")
    lo, hi = profit.value("profit", "low"), profit.value("profit", "high")
    gain = profit.value("incremental_list_sales")
    if 0.2 < profit.p_profit < 0.8:
        verdict_zh, verdict_en = "大致持平，盈亏不确定", "roughly broke even (profit or loss is uncertain)"
    else:
        verdict_zh = "赚钱" if p > 0 else "亏钱"
        verdict_en = "made money" if p > 0 else "lost money"
    if zh:
        out = (f"按净增量（含前后透支）算，活动{verdict_zh}：利润 **{_yuan(p, lang)}**（区间 {_yuan(lo, lang)}～{_yuan(hi, lang)}，"
               f"赚钱的概率 {_pct(profit.p_profit)}），活动投入 {_yuan(profit.campaign_cost, lang)}，活动ROI(净) "
               f"{_fmt(profit.roi, 'ratio', lang)}。保本需要按原价多卖 {_yuan(profit.breakeven_sales, lang)}，实际多卖 "
               f"{_yuan(gain, lang)}。")
        if pd.notna(profit.cost_per_new_buyer):
            out += (f" 多带来约 {profit.new_buyers['incremental']:,.0f} 个新客，每个新客成本 "
                    f"{_yuan(profit.cost_per_new_buyer, lang)}。")
    else:
        out = (f"On the net gain (pull-forward included) the campaign {verdict_en}: profit **{_yuan(p, lang)}** "
               f"(interval {_yuan(lo, lang)} to {_yuan(hi, lang)}, probability of a profit "
               f"{_pct(profit.p_profit)}) on a campaign cost of {_yuan(profit.campaign_cost, lang)}, a net "
               f"campaign ROI of {_fmt(profit.roi, 'ratio', lang)}. Breaking even needed "
               f"{_yuan(profit.breakeven_sales, lang)} of extra sales at list prices; it made {_yuan(gain, lang)}.")
        if pd.notna(profit.cost_per_new_buyer):
            out += (f" It brought about {profit.new_buyers['incremental']:,.0f} extra new buyers at "
                    f"{_yuan(profit.cost_per_new_buyer, lang)} each.")
    if impact.value("event", "p_real") < 0.9:
        out += (" 注意：活动期本身没有明显提升，这里的利润主要来自活动前后几天，未必是活动的功劳。" if zh else
                " Note: the event itself showed no clear lift, so this profit rests on the days around it "
                "and may not be the campaign's doing.")
    return out + tail


# -- mechanics


def mechanics_table(mech: Mechanics, lang: str = "zh"):
    """Order-level figures of the event against the baseline, for a report."""
    t = mech.table.copy()
    kinds = {"orders_per_day": "ratio", "aov": "yuan", "list_per_order": "yuan",
             "units_per_order": "ratio", "lines_per_order": "ratio", "campaign_order_share": "pct",
             "reach_share": "pct", "band_share": "pct", "below_share": "pct"}
    rows = []
    for key in t.index:
        kind = kinds.get(key, "ratio")
        rows.append((text(key, lang), _fmt(t.loc[key, "baseline"], kind, lang), _fmt(t.loc[key, "event"], kind, lang),
                     _fmt(t.loc[key, "change"], "signed_pct", lang)))
    if pd.notna(mech.effective_discount):
        rows.append((text("effective_discount", lang), "—", _pct(mech.effective_discount), "—"))
    if mech.bunching is not None:
        rows.append((text("bunching_ratio", lang), "1.00", f"{mech.bunching['ratio']:.2f}", "—"))
        rows.append((text("bunching_z", lang), "—", f"{mech.bunching['z']:.1f}", "—"))
    out = pd.DataFrame(rows, columns=[text("metric", lang), text("baseline", lang), text("event", lang),
                                      text("change", lang)]).set_index(text("metric", lang))
    from helpers import plots

    return plots.style_table(out, {}, lang, translate=False)


def profile_table(mech: Mechanics, lang: str = "zh"):
    """The bunching test at the threshold and at placebo lines around it."""
    if mech.profile is None:
        return None
    p = mech.profile.copy()
    p.index = [f"¥{v:,.0f}" for v in p.index]
    p["detected"] = [("是" if d else "否") if _zh(lang) else ("yes" if d else "no") for d in p["detected"]]
    p = p.rename(columns={"multiple": "× T", "ratio": text("bunching_ratio", lang),
                          "z": text("bunching_z", lang),
                          "detected": "集聚" if _zh(lang) else "Bunching"})
    from helpers import plots

    return plots.style_table(p, {"× T": "ratio", text("bunching_ratio", lang): "ratio",
                                 text("bunching_z", lang): "ratio"}, lang, translate=False)


def plot_order_values(mech: Mechanics, lang: str = "zh"):
    """Share of orders per order-value bin around the threshold, event against baseline."""
    import matplotlib.pyplot as plt

    from helpers import plots

    if mech.histogram is None:
        return None
    plots.set_theme(lang)
    t = mech.campaign.threshold
    width = max(1.0, round(BIN_SHARE * t))
    h = mech.histogram
    edges = np.arange(0.4 * t, 2.0 * t + width, width)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for col, color, name in (("baseline", "#4e79a7", text("baseline", lang)),
                             ("event", "#f28e2b", text("event", lang))):
        counts = h[col]
        idx = counts.index.to_numpy(dtype=float)
        binned = np.histogram(idx, bins=edges, weights=counts.to_numpy(dtype=float))[0]
        share = binned / counts.sum() if counts.sum() else binned
        ax.stairs(share, edges, label=name, color=color, lw=1.8)
    ax.axvline(t, color="#d62728", ls="--", lw=1)
    ax.annotate(f"¥{t:,.0f}", (t, ax.get_ylim()[1] * 0.92), xytext=(4, 0), textcoords="offset points",
                color="#d62728", fontsize=9)
    plots.yuan_axis(ax, "x", lang)
    plots.pct_axis(ax)
    ax.set_xlabel(text("order_value", lang))
    ax.set_ylabel(text("share_of_orders", lang))
    ax.legend(fontsize=8)
    return fig


def describe_mechanics(mech: Mechanics, lang: str = "zh") -> str:
    """Did the mechanic do what it is for? Bunching, reach, discount depth, basket size."""
    zh = _zh(lang)
    c, t = mech.campaign, mech.table
    if not t.loc["orders_per_day", "event"] > 0:
        return "活动期没有订单。" if zh else "There were no orders in the event."
    parts = []
    share = t.loc["campaign_order_share", "event"]
    if share == 0:
        parts.append("活动期没有一笔订单带这个活动ID：活动可能没有生效，或订单没有打上活动标记，请检查活动设置。" if zh else
                     "Not one order of the event carries this campaign id: the campaign may not have gone "
                     "live, or orders were not tagged with it. Check the campaign's set-up.")
    elif pd.notna(share):
        parts.append(f"活动期 {_pct(share)} 的订单用上了活动。" if zh else
                     f"{_pct(share)} of the event's orders used the campaign.")
    if pd.notna(mech.effective_discount):
        parts.append(f"活动订单行的实际优惠力度为 {_pct(mech.effective_discount)}" if zh else
                     f"The campaign lines' effective discount was {_pct(mech.effective_discount)}")
        if pd.notna(mech.stated_discount):
            parts[-1] += (f"（玩法标称 {_pct(mech.stated_discount)}）。" if zh else
                          f" (the mechanic promises {_pct(mech.stated_discount)}).")
        else:
            parts[-1] += "。" if zh else "."
    if mech.bunching is not None:
        b = mech.bunching
        reach0, reach1 = t.loc["reach_share", "baseline"], t.loc["reach_share", "event"]
        if b["detected"]:
            parts.append(f"订单金额在门槛 ¥{c.threshold:,.0f} 上方明显集聚：门槛上方 30% 区间的订单与下方 30% 区间之比是平时的 "
                         f"{b['ratio']:.1f} 倍（z = {b['z']:.1f}），说明买家在凑单，门槛起了作用。" if zh else
                         f"Order values bunch just above the ¥{c.threshold:,.0f} line: orders in the 30% above it "
                         f"against the 30% below are {b['ratio']:.1f} times the usual ratio (z = {b['z']:.1f}), so "
                         "buyers topped up their baskets to reach it.")
        else:
            parts.append(f"门槛 ¥{c.threshold:,.0f} 附近没有明显的凑单集聚（倍数 {b['ratio']:.1f}，z = {b['z']:.1f}）。" if zh
                         else f"There is no clear bunching at the ¥{c.threshold:,.0f} line (ratio {b['ratio']:.1f}, "
                         f"z = {b['z']:.1f}).")
        parts.append(f"达到门槛的订单占比从平时的 {_pct(reach0)} 变为 {_pct(reach1)}。" if zh else
                     f"Orders reaching the line went from {_pct(reach0)} on ordinary days to {_pct(reach1)}.")
        if reach0 >= 0.7:
            parts.append("平时大部分订单本来就过门槛，门槛设得太低，没有拉动客单价。" if zh else
                         "Most orders cleared the line anyway: it is set too low to lift the basket.")
    aov0, aov1 = t.loc["aov", "baseline"], t.loc["aov", "event"]
    u0, u1 = t.loc["units_per_order", "baseline"], t.loc["units_per_order", "event"]
    parts.append(f"每单实付从 {_yuan(aov0, lang)} 到 {_yuan(aov1, lang)}，每单件数从 {u0:.2f} 到 {u1:.2f}。" if zh else
                 f"Paid per order went from {_yuan(aov0, lang)} to {_yuan(aov1, lang)} and units per order "
                 f"from {u0:.2f} to {u1:.2f}.")
    return " ".join(parts)


# -- who and what


def buyers_table(buyers: pd.DataFrame, lang: str = "zh"):
    """The :func:`compare_buyers` table for a report."""
    shown = buyers.copy()
    shown.index = [text(i, lang) for i in shown.index]
    names = {"buyers_per_day": ("日均买家", "Buyers per day"), "new_per_day": ("日均新客", "New per day"),
             "returning_per_day": ("日均老客", "Returning per day"), "new_share": ("新客占比", "New share"),
             "repeat_rate": ("新客复购率", "New buyers' repeat rate"),
             "repeat_low": ("复购率下限", "Repeat, low"), "repeat_high": ("复购率上限", "Repeat, high"),
             "repeat_cohort": ("可观察新客数", "New buyers observed")}
    shown = shown.rename(columns={k: v[0 if _zh(lang) else 1] for k, v in names.items()})
    formats = {names[k][0 if _zh(lang) else 1]: f for k, f in (
        ("buyers_per_day", "ratio"), ("new_per_day", "ratio"), ("returning_per_day", "ratio"),
        ("new_share", "pct"), ("repeat_rate", "pct"), ("repeat_low", "pct"), ("repeat_high", "pct"),
        ("repeat_cohort", "count"))}
    from helpers import plots

    return plots.style_table(shown, formats, lang, translate=False)


def drivers_table(drivers: pd.DataFrame, lang: str = "zh"):
    """The :func:`find_drivers` table for a report (names escaped)."""
    return _styled(drivers, {"pre_sales_per_day": "yuan", "event_sales_per_day": "yuan",
                             "lift": "signed_pct", "share_of_increase": "pct",
                             "share_change": "signed_pct"}, lang, drivers.index.name)


def describe_buyers(buyers: pd.DataFrame, repeat_days: int, lang: str = "zh") -> str:
    """New against returning buyers, and whether the campaign's new buyers came back."""
    zh = _zh(lang)
    if "event" not in buyers.index:
        return "活动期没有数据。" if zh else "There is no data for the event."
    b, e = buyers.loc["baseline"], buyers.loc["event"]
    parts = [f"活动期日均 {e['new_per_day']:,.0f} 个新客、{e['returning_per_day']:,.0f} 个老客（平时 "
             f"{b['new_per_day']:,.0f} / {b['returning_per_day']:,.0f}），新客占比 {_pct(e['new_share'])}。" if zh else
             f"The event brought {e['new_per_day']:,.0f} new and {e['returning_per_day']:,.0f} returning buyers a "
             f"day (usually {b['new_per_day']:,.0f} / {b['returning_per_day']:,.0f}); {_pct(e['new_share'])} were new."]
    if pd.notna(e["repeat_rate"]) and pd.notna(b["repeat_rate"]):
        worse = e["repeat_high"] < b["repeat_low"]
        parts.append(f"活动新客 {repeat_days} 天内复购 {_pct(e['repeat_rate'])}，平日新客 {_pct(b['repeat_rate'])}"
                     + ("，活动拉来的新客更不容易回头。" if worse else "，两者没有明显差别。") if zh else
                     f"Within {repeat_days} days {_pct(e['repeat_rate'])} of the campaign's new buyers bought again "
                     f"against {_pct(b['repeat_rate'])} of ordinary new buyers"
                     + (": the campaign's new buyers come back less." if worse else ", no clear difference."))
    else:
        parts.append(f"活动后还不到 {repeat_days} 天，新客是否复购还看不出来。" if zh else
                     f"Fewer than {repeat_days} days have passed since the campaign, so whether its new buyers "
                     "come back is not known yet.")
    return " ".join(parts)


def describe_drivers(categories: pd.DataFrame, products: pd.DataFrame, lang: str = "zh") -> str:
    """Which categories carried the gain, and which products lost share (cannibalised)."""
    zh = _zh(lang)
    if categories.empty:
        return "没有类目数据。" if zh else "No category data."
    pre, ev = categories["pre_sales_per_day"].sum(), categories["event_sales_per_day"].sum()
    gain = _safe_div(ev, pre) - 1
    if not gain >= 0.05:
        return (f"活动期日均销售额只变化了 {_pct(gain, True)}，没有可拆分的增量。" if zh else
                f"Sales per day changed by only {_pct(gain, True)}: there is no gain to split.")
    top = categories.index[0]
    parts = [f"增量最多来自「{_esc(top)}」（占 {_pct(categories.loc[top, 'share_of_increase'])}，日均 "
             f"{_pct(categories.loc[top, 'lift'], True)}）。" if zh else
             f"Most of the gain came from “{_esc(top)}” ({_pct(categories.loc[top, 'share_of_increase'])} of it, "
             f"{_pct(categories.loc[top, 'lift'], True)} a day)."]
    lost = products[products["share_change"] < 0].nsmallest(3, "share_change") if not products.empty else products
    fell = products[products["lift"] < 0] if not products.empty else products
    if len(fell):
        names = ("、" if zh else ", ").join(_esc(t) for t in fell.index[:3])
        parts.append(f"有 {len(fell)} 个商品活动期反而卖得比平时少（如 {names}），可能被活动商品抢走了销量。" if zh else
                     f"{len(fell)} products sold less than usual during the event (e.g. {names}): the campaign's "
                     "products may have taken their sales.")
    elif len(lost):
        names = ("、" if zh else ", ").join(_esc(t) for t in lost.index[:3])
        parts.append(f"没有商品卖得比平时少，但 {names} 的销售占比下降最多。" if zh else
                     f"No product sold less than usual, but {names} lost the most share of sales.")
    return " ".join(parts)


# -- all campaigns


def comparison_table(table: pd.DataFrame, lang: str = "zh"):
    """The :func:`compare_campaigns` table for a report (names escaped; this campaign first)."""
    shown = table.copy()
    order = {"this": 0, "last_year": 1, "other": 2}
    shown = shown.assign(_o=shown["role"].map(order)).sort_values(["_o", "start"]).drop(columns="_o")
    role = {"this": ("本次", "This"), "last_year": ("去年同期", "Last year"), "other": ("", "")}
    shown["name"] = [f"{n} ({role[r][0 if _zh(lang) else 1]})" if role[r][0] else n
                     for n, r in zip(shown["name"], shown["role"], strict=True)]
    shown["mechanic"] = [MECHANIC_TEXT.get(m, (m, m))[0 if _zh(lang) else 1] for m in shown["mechanic"]]
    formats = {"name": str, "mechanic": str, "event_sales": "yuan", "effect": "yuan",
               "relative": "signed_pct", "relative_low": "signed_pct", "relative_high": "signed_pct",
               "net_effect": "yuan", "pull_forward_share": "pct", "discount_cost": "yuan",
               "budget": "yuan", "profit": "yuan", "roi": "ratio", "cost_per_new_buyer": "yuan",
               "refund_vs_normal": "ratio"}
    return _styled(shown, formats, lang, "campaign_id")


def describe_comparison(table: pd.DataFrame, lang: str = "zh") -> str:
    """This campaign against last year's and the shop's other campaigns, on the same definitions."""
    zh = _zh(lang)
    this = table[table["role"] == "this"]
    if this.empty or pd.isna(this["profit"].iloc[0]):
        return ("本次活动没有增量估计，无法与其他活动比较。" if zh else
                "This campaign has no uplift estimate to compare.")
    row = this.iloc[0]
    parts = []
    ly = table[table["role"] == "last_year"]
    if len(ly) and pd.notna(ly["profit"].iloc[0]):
        l = ly.iloc[0]  # noqa: E741
        parts.append(f"与去年同期的「{_esc(l['name'])}」相比，相对提升 {_pct(row['relative'], True)} 对 {_pct(l['relative'], True)}，"
                     f"利润 {_yuan(row['profit'], lang)} 对 {_yuan(l['profit'], lang)}。" if zh else
                     f"Against last year's “{_esc(l['name'])}”: uplift {_pct(row['relative'], True)} vs "
                     f"{_pct(l['relative'], True)}, profit {_yuan(row['profit'], lang)} vs {_yuan(l['profit'], lang)}.")
    elif len(ly):
        parts.append("去年同期的活动没有增量估计（基期不足）。" if zh else
                     "Last year's edition has no uplift estimate (too short a baseline).")
    else:
        parts.append("数据里没有去年同期的同类活动。" if zh else "The data has no edition of this campaign last year.")
    ranked = table.dropna(subset=["roi"]).sort_values("roi", ascending=False)
    if len(ranked) > 1:
        rank = list(ranked.index).index(this.index[0]) + 1
        best = ranked.iloc[0]
        parts.append(f"按活动ROI(净)，本次在 {len(ranked)} 个活动中排第 {rank}；最好的是「{_esc(best['name'])}」"
                     f"（{best['roi']:.2f}）。" if zh else
                     f"By net campaign ROI this one ranks {rank} of {len(ranked)}; the best was "
                     f"“{_esc(best['name'])}” ({best['roi']:.2f}).")
    return " ".join(parts)


# --------------------------------------------------------------------------- next time


def recommend_next(impact: Impact, pull: pd.DataFrame, refunds: pd.DataFrame, profit: Profit,
                   mech: Mechanics, stockouts: pd.DataFrame, hourly: pd.DataFrame,
                   lang: str = "zh") -> str:
    """What to change next time, one bullet per finding, each from the figures above it."""
    zh = _zh(lang)
    tips = []
    if not impact.ok:
        tips.append("活动前留出至少 4 周没有活动的平日（或提供更早的数据），否则无法衡量活动的真实增量。" if zh else
                    "Leave at least four campaign-free weeks before the next one (or keep older data), "
                    "otherwise its real gain cannot be measured.")
    p, pp = profit.value("profit"), profit.p_profit
    used = mech.table.loc["campaign_order_share", "event"] if "campaign_order_share" in mech.table.index else np.nan
    if impact.ok and used == 0:
        tips.append("没有一笔订单带这个活动ID：先检查活动是否上线、订单是否打标，否则无法复盘玩法和让利。" if zh else
                    "No order carries this campaign id: check that the campaign went live and that orders are "
                    "tagged, otherwise its mechanics and discounts cannot be reviewed.")
    if impact.ok and impact.value("event", "p_real") < 0.9:
        tips.append(f"活动期没有明显提升（效果为真的概率 {_pct(impact.value('event', 'p_real'))}）：这个活动按现在的做法不值得重复。"
                    if zh else "The event did not lift sales measurably (probability "
                    f"{_pct(impact.value('event', 'p_real'))}): not worth repeating as it is.")
    elif pd.notna(p):
        if p < 0 and pp < 0.5:
            tips.append(f"本次亏损 {_yuan(-p, lang)}：保本需要按原价多卖 {_yuan(profit.breakeven_sales, lang)}。下次降低让利力度或预算，"
                        "或把资源集中到提升更大的时段。" if zh else
                        f"The campaign lost {_yuan(-p, lang)}; breaking even needed "
                        f"{_yuan(profit.breakeven_sales, lang)} of extra sales at list prices. Next time cut the "
                        "discount depth or the budget, or focus them on the days that lift most.")
        elif pp >= 0.8:
            tips.append(f"值得再做：利润 {_yuan(p, lang)}，活动ROI(净) {_fmt(profit.roi, 'ratio', lang)}，保持玩法，重点解决下面的问题。"
                        if zh else f"Worth repeating: profit {_yuan(p, lang)}, net campaign ROI "
                        f"{_fmt(profit.roi, 'ratio', lang)}. Keep the format and fix the points below.")
        else:
            tips.append(f"利润不确定（赚钱的概率 {_pct(pp)}）：下次先用较小预算测试。" if zh else
                        f"The profit is uncertain (probability {_pct(pp)}): test with a smaller budget first.")
    if "pull_forward_share" in pull.index:
        share = pull.loc["pull_forward_share", "effect"]
        if pd.notna(share) and share >= 0.25 and pull.loc["pull_forward_share", "p_real"] >= 0.9:
            tips.append(f"{_pct(share)} 的增量是从前后透支来的：缩短预热期，预热期用定金膨胀等锁客方式代替“等活动”，"
                        "活动后安排返场或新品承接。" if zh else
                        f"{_pct(share)} of the gain was pulled from the days around the event: shorten the "
                        "warm-up, give warm-up buyers a deposit deal instead of a reason to wait, and plan a "
                        "follow-up after the event.")
    if "warmup" in pull.index and pull.loc["warmup", "effect"] < 0 and pull.loc["warmup", "p_real"] >= 0.9:
        tips.append(f"预热期少卖了 {_yuan(-pull.loc['warmup', 'effect'], lang)}：预热太长会让买家停止购买。" if zh else
                    f"The warm-up lost {_yuan(-pull.loc['warmup', 'effect'], lang)} of sales: a long warm-up "
                    "teaches buyers to stop buying.")
    if not refunds.empty and "campaign_lines" in refunds.index:
        ratio = refunds.loc["campaign_lines", "vs_normal"]
        if pd.notna(ratio) and ratio >= 1.3:
            tips.append(f"活动订单退款是平时的 {ratio:.1f} 倍：检查冲动消费品和尺码说明，对高退款类目减少让利，"
                        "把退款成本算进下次预算。" if zh else
                        f"Campaign lines came back {ratio:.1f} times as often as usual: check impulse items and "
                        "size guides, discount often-returned categories less, and budget for the refunds.")
    c = mech.campaign
    if mech.bunching is not None:
        reach0 = mech.table.loc["reach_share", "baseline"]
        aov = mech.table.loc["list_per_order", "baseline"]
        if mech.bunching["detected"]:
            ratio = _safe_div(c.threshold, aov)
            tips.append(f"买家会凑单到 ¥{c.threshold:,.0f}（平时客单价 {_yuan(aov, lang)} 的 {ratio:.1f} 倍），门槛有效：下次保留，"
                        "并准备价格刚好补足差额的凑单商品。" if zh else
                        f"Buyers top up to reach ¥{c.threshold:,.0f} ({ratio:.1f} x the usual basket of "
                        f"{_yuan(aov, lang)}), so the line works: keep it, and offer add-ons priced to close "
                        "the gap.")
        elif reach0 >= 0.7:
            tips.append(f"平时 {_pct(reach0)} 的订单本来就过 ¥{c.threshold:,.0f}，门槛太低：下次设在约 "
                        f"{_yuan(1.2 * aov, lang)}（平时客单价的 1.2 倍）。" if zh else
                        f"{_pct(reach0)} of ordinary orders already clear ¥{c.threshold:,.0f}, so the line is "
                        f"too low: set it near {_yuan(1.2 * aov, lang)} (1.2 x the usual basket).")
        else:
            tips.append(f"很少有人为 ¥{c.threshold:,.0f} 凑单：门槛可能太高，或缺少合适价位的凑单商品。" if zh else
                        f"Few buyers topped up to ¥{c.threshold:,.0f}: the line may be too high, or there are "
                        "no add-ons at the right price.")
    elif pd.notna(mech.effective_discount):
        u = mech.table.loc["units_per_order", "change"]
        tips.append(f"实际优惠 {_pct(mech.effective_discount)}，每单件数 {_pct(u, True)}：" if zh else
                    f"Effective discount {_pct(mech.effective_discount)}, units per order {_pct(u, True)}: ")
        tips[-1] += (("让利换来了更大的购物篮，可以保留。" if u > 0.1 else "让利没有换来更大的购物篮，下次缩小折扣范围。")
                     if zh else ("the discount bought bigger baskets; keep it." if u > 0.1 else
                                 "the discount did not buy bigger baskets; narrow it next time."))
    if not stockouts.empty:
        tips.append(f"{len(stockouts)} 个商品疑似断货：按峰值日的销量提前备货。" if zh else
                    f"{len(stockouts)} products look sold out: stock for the peak day's pace.")
    if not hourly.empty and hourly["peak_sales"].sum() > 0 and hourly.loc[0, "peak_share"] >= 0.15:
        tips.append(f"峰值日 {_pct(hourly.loc[0, 'peak_share'])} 的销售发生在 0 点档：提前安排客服、检查库存和价格设置。" if zh
                    else f"{_pct(hourly.loc[0, 'peak_share'])} of the peak day's sales came in the midnight hour: "
                    "staff customer service and check stock and prices before 00:00.")
    ads = profit.value("extra_ad_spend")
    gp = profit.value("incremental_gross_profit")
    if pd.notna(ads) and pd.notna(gp) and gp > 0 and ads > 0.3 * gp:
        tips.append(f"额外推广花费 {_yuan(ads, lang)}，占增量毛利的 {_pct(ads / gp)}：活动期出价过高，下次控制加价幅度。" if zh
                    else f"Extra ad spend of {_yuan(ads, lang)} ate {_pct(ads / gp)} of the extra gross profit: "
                    "cap the bid increase next time.")
    if not tips:
        tips.append("各项指标正常，保持现有做法。" if zh else "Nothing stands out: keep the current approach.")
    return "\n".join(f"- {t}" for t in tips)


def key_figures(impact: Impact, pull: pd.DataFrame, refunds: pd.DataFrame, profit: Profit,
                lang: str = "zh") -> list[tuple[str, Any, str, str]]:
    """The figures a postmortem records for the batch index: (name, value, unit, label)."""
    zh = _zh(lang)
    ev = "event"
    campaign_sales = impact.value(ev, "actual")
    refund_rate = (float(refunds.loc["campaign_lines", "refund_rate_adjusted"])
                   if "campaign_lines" in refunds.index else float("nan"))
    refund_vs = (float(refunds.loc["campaign_lines", "vs_normal"])
                 if "campaign_lines" in refunds.index else float("nan"))
    share = float(pull.loc["pull_forward_share", "effect"]) if "pull_forward_share" in pull.index else float("nan")
    figures = [
        ("campaign_sales", campaign_sales, "yuan", "活动期销售额", "Event sales"),
        ("incremental_sales", impact.value(ev, "effect"), "yuan", "活动期增量销售额", "Incremental sales"),
        ("incremental_sales_low", impact.value(ev, "effect_low"), "yuan", "增量下限", "Incremental sales, low"),
        ("incremental_sales_high", impact.value(ev, "effect_high"), "yuan", "增量上限", "Incremental sales, high"),
        ("relative_uplift", impact.value(ev, "relative"), "pct", "相对提升", "Relative uplift"),
        ("probability_real", impact.value(ev, "p_real"), "pct", "效果为真的概率", "Probability real"),
        ("net_incremental_sales", impact.value("window", "effect"), "yuan", "净增量(含透支)",
         "Net incremental sales"),
        ("pull_forward_share", share, "pct", "透支比例", "Pull-forward share"),
        ("incremental_profit", profit.value("profit"), "yuan", "活动利润", "Campaign profit"),
        ("campaign_roi", profit.roi, "ratio", "活动ROI(净)", "Campaign ROI (net)"),
        ("new_buyers", profit.new_buyers["incremental"], "count", "增量新客", "Incremental new buyers"),
        ("cost_per_new_buyer", profit.cost_per_new_buyer, "yuan", "每个新客成本", "Cost per new buyer"),
        ("post_event_refund_rate", refund_rate, "pct", "活动订单退款率", "Campaign lines' refund rate"),
        ("refund_vs_normal", refund_vs, "ratio", "退款率/平时", "Refunds vs normal"),
    ]
    return [(name, value, unit, zh_label if zh else en_label)
            for name, value, unit, zh_label, en_label in figures]


# ---------------------------------------------------------------------------
# Explore section
# ---------------------------------------------------------------------------


def explore_controls(shop: Shop, campaign_id: str, lang: str = "zh") -> dict:
    """Selectors of the campaign Explore section: campaign, metric, source, category and 口径.

    Starts from the notebook's campaign; the view spans the campaign's warm-up
    to two weeks after its end, with two weeks before for comparison.
    """
    from helpers import explore, overview, plots

    campaigns = read_campaigns(shop)
    options = overview.slice_options(shop)
    everything = "全部" if lang == "zh" else "All"
    labels = {f"{row.campaign_id} · {row['name']}": row.campaign_id for _, row in campaigns.iterrows()}
    methods = {metrics.describe_method(m, lang): m for m in ("pooled", "daily_mean")}
    return {
        "campaign": explore.choice(labels, campaign_id, plots.t("campaign", lang)),
        "metric": explore.choice({plots.label(m, lang): m for m in overview.SLICE_METRICS}, "sales",
                                 plots.t("metric", lang)),
        "source": explore.choice(options["source"], None, plots.label("source", lang), all_label=everything),
        "category": explore.choice(options["category"], None, plots.label("category", lang), all_label=everything),
        "rate_method": explore.toggle(methods, "pooled"),
    }


def render_explore(shop: Shop, campaign: str, metric: str, source: str | None, category: str | None,
                   rate_method: str = "pooled", lang: str = "zh", margin_days: int = 14):
    """The Explore view: the metric per day around the chosen campaign, its days shaded."""
    from helpers import overview

    c = get_campaign(read_campaigns(shop), campaign)
    first, last = shop.date_range("orders")
    start = max(first.normalize(), (c.warmup_start or c.start) - pd.Timedelta(days=margin_days))
    end = min(last.normalize(), c.end + pd.Timedelta(days=margin_days))
    if end < start:
        return pd.DataFrame({"": ["活动不在数据范围内" if lang == "zh" else "the campaign lies outside the data"]})
    fig = overview.render_slice(shop, metric, source, category, (start, end), rate_method, lang)
    ax = fig.axes[0]
    if c.warmup_start is not None and c.warmup_start < c.start:
        ax.axvspan(c.warmup_start, c.start, color="#9ecae1", alpha=0.25, lw=0)
    ax.axvspan(c.start, c.end + pd.Timedelta(days=1), color="#f2c14e", alpha=0.25, lw=0)
    return fig
