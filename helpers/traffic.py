"""Traffic analysis (流量分析): sources, funnel, peers, paid promotion, changes, attribution.

Reductions run in the engine (Ibis); only per-day, per-source rows (a few
thousand at most) come back to pandas. Every ratio is computed by
:mod:`helpers.metrics`.

口径 used here
--------------
- Visitors, buyers and sales come from ``traffic`` (the platform's daily
  per-source figures), so UV价值 = 支付转化率 x 客单价 holds. Visitors over
  several days are summed (visitor-days). A source without a row on a day had
  0 visitors that day.
- Rates over several days follow ``rate_method``: ``"pooled"`` (sum / sum) or
  ``"daily_mean"`` (mean of the daily rates), see
  :func:`helpers.metrics.rate_over_days`; reports label the method with
  :func:`helpers.metrics.describe_method`. Conversion intervals are Wilson
  intervals of the pooled counts (:func:`helpers.metrics.wilson_interval`).
- Paid traffic (付费流量) is the source groups ``paid`` and ``affiliate``;
  every other group is free traffic (免费流量).
- Sales change: GMV = visitors x conversion x AOV, pooled over the days, split
  into the three contributions by the symmetric **Shapley** decomposition
  (:func:`decompose_change`), which adds up exactly to the change and, unlike
  the log-mean (LMDI) split, stays defined when a source has no visitors or no
  buyers in one of the periods.
- Anomalies: every day of every source is compared with its own trailing
  baseline of ordinary days (campaign windows and the Spring Festival left
  out, outlying days trimmed): visitors against the same weekday's mean on a
  variance-stabilised scale, conversion and UV value against pooled rates with
  a Poisson tail test; scores are z values, calibrated on the baseline's own
  day-to-day spread, see :func:`detect_anomalies`.
- Paid promotion (``ads``): 点击转化率 = attributed orders / clicks; ROI =
  attributed amount / spend within each plan's own attribution window;
  break-even ROI = 1 / gross margin of the period's paid order lines
  (``orders`` x ``products.unit_cost``); highest affordable CPC = attributed
  amount per click x gross margin.
- Attribution (``touchpoints``): each paid order's touches up to its pay time;
  last-click, first-click, linear and position-based (40/20/40) credit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import fill_zero, paid_order_lines
from helpers.params import Period
from helpers.params import is_zh as _zh

if TYPE_CHECKING:
    from helpers.data import Shop

RATE_METHODS = ("pooled", "daily_mean")
PAID_GROUPS = ("paid", "affiliate")
COUNTS = (
    "visitors",
    "page_views",
    "bounced_visitors",
    "cart_buyers",
    "order_buyers",
    "paid_buyers",
    "paid_amount",
)
ANOMALY_METRICS = ("visitors", "conversion_rate", "uv_value")  # the metrics scored per day
AFFILIATE_CHANNELS = ("淘宝客", "淘客", "CPS")  # paid by commission on sales, not per click
ATTRIBUTION_MODELS = ("last_click", "first_click", "linear", "position_based")
#: 春节 (Chinese New Year's Day): logistics stop and demand dips around it every year.
SPRING_FESTIVALS = (
    "2020-01-25",
    "2021-02-12",
    "2022-02-01",
    "2023-01-22",
    "2024-02-10",
    "2025-01-29",
    "2026-02-17",
    "2027-02-06",
    "2028-01-26",
    "2029-02-13",
    "2030-02-03",
)
MAD_TO_SD = 1.4826  # MAD of a normal distribution x this = its standard deviation
TRIM_Z = 3.5  # baseline days further than this (robust z) are left out of pooled baselines

#: Labels of this module's columns and words: key -> (中文, English).
TEXT: dict[str, tuple[str, str]] = {
    "source": ("流量来源", "Source"),
    "source_group": ("来源分组", "Source group"),
    "traffic_type": ("流量类型", "Traffic type"),
    "paid": ("付费流量", "Paid traffic"),
    "free": ("免费流量", "Free traffic"),
    "total": ("全店", "Whole shop"),
    "sum_of_sources": ("各来源合计", "Sum of sources"),
    "visitors": ("访客数", "Visitors"),
    "paid_buyers": ("支付买家数", "Paid buyers"),
    "paid_amount": ("支付金额", "Sales"),
    "cart_buyers": ("加购人数", "Add-to-cart buyers"),
    "order_buyers": ("下单买家数", "Order buyers"),
    "conversion_low": ("转化率下限", "Conversion low"),
    "conversion_high": ("转化率上限", "Conversion high"),
    "visitor_share": ("访客占比", "Share of visitors"),
    "sales_share": ("销售额占比", "Share of sales"),
    "visitors_change": ("访客环比", "Visitors vs prev."),
    "sales_change": ("销售额环比", "Sales vs prev."),
    "conversion_change": ("转化率环比", "Conversion vs prev."),
    "cart_to_order": ("加购→下单", "Cart → order"),
    "own": ("本店", "Our shop"),
    "peer_avg": ("同行平均", "Peer average"),
    "peer_excellent": ("同行优秀", "Peer excellent"),
    "vs_peer_avg": ("对比同行平均", "vs. peer average"),
    "gap_to_avg": ("追平平均可多卖", "Worth closing to average"),
    "gap_to_excellent": ("追平优秀可多卖", "Worth closing to excellent"),
    "channel": ("推广渠道", "Channel"),
    "plan": ("推广计划", "Plan"),
    "window": ("归因周期(天)", "Attribution window (days)"),
    "impressions": ("展现量", "Impressions"),
    "clicks": ("点击量", "Clicks"),
    "spend": ("花费", "Spend"),
    "orders": ("成交笔数", "Orders"),
    "amount": ("成交金额", "Attributed sales"),
    "click_conversion": ("点击转化率", "Click conversion"),
    "value_per_click": ("每次点击产出", "Sales per click"),
    "max_cpc": ("最高可承受点击花费", "Max affordable CPC"),
    "profit": ("推广毛利", "Gross profit after ads"),
    "verdict": ("建议", "Action"),
    "reason": ("原因", "Reason"),
    "cut": ("削减", "Cut"),
    "scale": ("加投", "Scale up"),
    "optimise": ("优化", "Optimise"),
    "previous": ("上期", "Previous"),
    "current": ("本期", "This period"),
    "change": ("变化", "Change"),
    "visitors_effect": ("访客贡献", "Visitors effect"),
    "conversion_effect": ("转化率贡献", "Conversion effect"),
    "aov_effect": ("客单价贡献", "AOV effect"),
    "date": ("日期", "Date"),
    "metric": ("指标", "Metric"),
    "observed": ("实际", "Observed"),
    "expected": ("基线预期", "Baseline"),
    "deviation": ("偏离", "Deviation"),
    "z": ("偏离度 z", "z score"),
    "impact": ("影响金额", "Impact"),
    "bounce_rate": ("跳失率", "Bounce rate"),
    "hint": ("可能原因", "Likely cause"),
    "last_click": ("末次点击", "Last click"),
    "first_click": ("首次点击", "First click"),
    "linear": ("线性", "Linear"),
    "position_based": ("位置(40/20/40)", "Position (40/20/40)"),
    "best_source": ("UV价值最高的来源", "Best source (UV value)"),
    "worst_source": ("UV价值最低的来源", "Worst source (UV value)"),
    "paid_roi": ("推广ROI", "Paid ROI"),
    "anomalies": ("异常数（扫描期内）", "Anomalies in the scan"),
    "cpc_axis": ("平均点击花费", "CPC"),
    "conversion_axis": ("点击转化率", "Click conversion"),
}


def text(key: str, lang: str = "zh") -> str:
    """Label of a column or word of this module (falls back to :func:`helpers.plots.label`)."""
    from helpers.plots import label_from

    return label_from(TEXT, key, lang)


_note = metrics.note


def _formatters(lang: str):
    """Sentence formatters of one language: yuan, percent, ratio and count (NaN as "—")."""
    from helpers.report import format_value

    return tuple(
        lambda v, kind=kind: format_value(v, kind, lang)
        for kind in ("yuan", "pct", "ratio", "count")
    )


def _check_method(rate_method: str) -> None:
    if rate_method not in RATE_METHODS:
        raise ValueError(
            f"parameter rate_method={rate_method!r} is not supported; use one of "
            f"{RATE_METHODS} (pooled: total / total; daily_mean: mean of daily rates)"
        )


#: Source groups of the contract: key -> (中文, English).
GROUP_TEXT: dict[str, tuple[str, str]] = {
    "free_search": ("自然搜索", "Free search"),
    "paid": ("付费推广", "Paid ads"),
    "recommendation": ("推荐", "Recommendation"),
    "live": ("直播与内容", "Live and content"),
    "affiliate": ("淘宝客", "Affiliates"),
    "crm": ("老客与会员", "Returning and members"),
    "offsite": ("站外", "Off-site"),
}


def group_label(group: str, lang: str = "zh") -> str:
    """Display name of a source group (or of "paid" / "free" traffic type) in ``lang``."""
    if group in GROUP_TEXT:
        return GROUP_TEXT[group][0 if lang == "zh" else 1]
    return str(group)


def check_options(
    *,
    rate_method: str = "pooled",
    confidence: float = 0.95,
    anomaly_threshold: float = 4.0,
    anomaly_weeks: int = 8,
    baseline_days: int = 56,
    trend_weeks: int = 8,
) -> None:
    """Check the traffic notebook's own parameters; a ValueError names the parameter and the fix."""
    _check_method(rate_method)
    if not 0.5 <= confidence < 1:
        raise ValueError(
            f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95"
        )
    if not anomaly_threshold > 0:
        raise ValueError(
            f"parameter anomaly_threshold={anomaly_threshold!r} must be positive, e.g. 4 "
            "(lower finds more anomalies and more false alarms)"
        )
    for name, value, low in (
        ("anomaly_weeks", anomaly_weeks, 1),
        ("trend_weeks", trend_weeks, 1),
        ("baseline_days", baseline_days, 28),
    ):
        if int(value) != value or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


def period_header(period: Period, rate_method: str, lang: str = "zh") -> str:
    """The compared periods and the multi-day method, as one Markdown line."""
    prev = period.previous()
    method = metrics.describe_method(rate_method, lang)
    if _zh(lang):
        return (
            f"**本期** {period.label()}（{period.days} 天） · **上期** {prev.label()} · "
            f"**多日比率口径** {method}"
        )
    return (
        f"**This period** {period.label()} ({period.days} days) · **previous** {prev.label()} · "
        f"**rates over several days** {method}"
    )


# --------------------------------------------------------------------------- data


def load_daily(shop: Shop, start: Any, end: Any) -> pd.DataFrame:
    """Daily traffic per source from ``start`` to ``end`` (inclusive), zeros filled in.

    Parameters
    ----------
    shop : connected data with a ``traffic`` table.
    start, end : first and last day.

    Returns
    -------
    Frame with one row per day and source (every source seen in the range, on
    every day from the first to the last day with data in the range): date
    (Timestamp), source, source_group, traffic_type ("paid" for the groups in
    :data:`PAID_GROUPS`, else "free") and the counts of :data:`COUNTS`. A
    source without a row on a day gets 0 visitors and 0 buyers that day
    (platform exports leave such rows out); days outside the data's own span
    are left out, not filled.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    t = shop.table("traffic")
    t = t.filter((t.date >= start.date()) & (t.date <= end.date()))
    frame = t.select("date", "source", "source_group", *COUNTS).execute()
    if frame.empty:
        return pd.DataFrame(
            {
                "date": pd.Series([], dtype="datetime64[ns]"),
                "source": pd.Series([], dtype=object),
                "source_group": pd.Series([], dtype=object),
                "traffic_type": pd.Series([], dtype=object),
                **{c: pd.Series([], dtype=float) for c in COUNTS},
            }
        )
    frame["date"] = pd.to_datetime(frame["date"])
    # zeros only inside the span the data covers: before its first day nothing is known
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq="D")
    groups = frame.sort_values("date").groupby("source")["source_group"].last()
    full = pd.MultiIndex.from_product([dates, sorted(groups.index)], names=["date", "source"])
    out = (
        frame.set_index(["date", "source"])[list(COUNTS)]
        .reindex(full)
        .fillna(0.0)
        .astype(float)
        .reset_index()
    )
    out.insert(2, "source_group", out["source"].map(groups))
    out.insert(3, "traffic_type", _traffic_type(out["source_group"]))
    return out


def _traffic_type(group: pd.Series) -> pd.Series:
    return group.map(lambda g: "paid" if g in PAID_GROUPS else "free")


def rates_by(
    daily: pd.DataFrame, key: str, rate_method: str = "pooled", confidence: float = 0.95
) -> pd.DataFrame:
    """Counts and rates per value of ``key`` (source, source_group, traffic_type) of daily rows.

    ``daily`` is :func:`load_daily` output. Returns the summed :data:`COUNTS` and
    conversion_rate, uv_value, aov (by ``rate_method``, with a note naming the item
    for days left out), conversion_low and conversion_high (Wilson interval of the
    pooled counts at ``confidence``).
    """
    _check_method(rate_method)
    day_totals = daily.groupby([key, "date"])[list(COUNTS)].sum()
    out = day_totals.groupby(level=0).sum()
    rates = {
        "conversion_rate": ("paid_buyers", "visitors"),
        "uv_value": ("paid_amount", "visitors"),
        "aov": ("paid_amount", "paid_buyers"),
    }
    for name, (num, den) in rates.items():
        values = {}
        for item, days in day_totals.groupby(level=0):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", metrics.MetricNote)
                values[item] = metrics.rate_over_days(days[num], days[den], rate_method, key=name)
            for w in caught:
                if issubclass(w.category, metrics.MetricNote):
                    _note(f"{item}: {w.message}", stacklevel=4)
        out[name] = pd.Series(values)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", metrics.MetricNote
        )  # a source without visitors: NaN shows it
        low, high = metrics.wilson_interval(out["paid_buyers"], out["visitors"], confidence)
    out["conversion_low"], out["conversion_high"] = low, high
    return out


def summarize_sources(
    shop: Shop,
    period: Period,
    rate_method: str = "pooled",
    confidence: float = 0.95,
    by: str = "source",
) -> pd.DataFrame:
    """Source map (流量地图): visitors, buyers, conversion with interval, UV value, AOV, shares.

    Parameters
    ----------
    shop : connected data with ``traffic``.
    period : the days analysed; the comparison is ``period.previous()``.
    rate_method : "pooled" or "daily_mean" for conversion, UV value and AOV.
    confidence : level of the Wilson interval of the pooled conversion.
    by : "source", "source_group" or "traffic_type" (paid / free).

    Returns
    -------
    Frame indexed by ``by``, sorted by visitors, with visitors, paid_buyers,
    paid_amount (yuan), conversion_rate, conversion_low, conversion_high
    (Wilson interval of the pooled conversion), uv_value, aov (yuan),
    visitor_share, sales_share, source_group (by source) and the previous
    period's visitors, sales and conversion with relative changes
    (visitors_change, sales_change, conversion_change).
    """
    _check_method(rate_method)
    if by not in ("source", "source_group", "traffic_type"):
        raise ValueError(f"by={by!r}; use source, source_group or traffic_type")
    current, previous = _daily_pair(shop, period)
    table = rates_by(current, by, rate_method, confidence)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        table["visitor_share"] = metrics.share(table["visitors"])
        table["sales_share"] = metrics.share(table["paid_amount"])
    if by == "source":
        table.insert(0, "source_group", current.groupby("source")["source_group"].last())
    if previous.empty or previous["visitors"].sum() == 0:
        prev = pd.DataFrame(
            index=table.index, columns=["visitors", "paid_amount", "conversion_rate"], dtype=float
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", metrics.MetricNote
            )  # the current period's notes suffice
            prev = rates_by(previous, by, rate_method, confidence)
    prev = prev.reindex(table.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # new sources have no base: shown as —
        for col, name in (
            ("visitors", "visitors"),
            ("paid_amount", "sales"),
            ("conversion_rate", "conversion"),
        ):
            table[f"{name}_previous"] = prev[col]
            table[f"{name}_change"] = metrics.change(table[col], prev[col])
    keep = ["source_group"] if by == "source" else []
    keep += [
        "visitors",
        "paid_buyers",
        "paid_amount",
        "conversion_rate",
        "conversion_low",
        "conversion_high",
        "uv_value",
        "aov",
        "visitor_share",
        "sales_share",
        "visitors_previous",
        "sales_previous",
        "conversion_previous",
        "visitors_change",
        "sales_change",
        "conversion_change",
    ]
    table = table[keep].sort_values("visitors", ascending=False)
    table.index.name = by
    return table


def _daily_pair(shop: Shop, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This period's and the previous period's daily traffic; one note if there is none."""
    current = load_daily(shop, period.start, period.end)
    if current.empty or current["visitors"].sum() == 0:
        raise ValueError(
            f"the traffic table has no visitors in {period.label()}; choose a period "
            "inside the traffic data (see `workbook check`)"
        )
    prev_period = period.previous()
    previous = load_daily(shop, prev_period.start, prev_period.end)
    if previous.empty or previous["visitors"].sum() == 0:
        _note(
            f"previous period ({prev_period.label()}) has no traffic in the data, so its "
            "comparisons are shown as —",
            stacklevel=4,
        )
    return current, previous


def total_figures(
    sources: pd.DataFrame, shop: Shop, period: Period, rate_method: str = "pooled"
) -> pd.Series:
    """Whole-shop visitors, buyers, sales, conversion, UV value and AOV of the period.

    Rates follow ``rate_method`` over the shop's daily totals (all sources
    summed per day). ``sources`` is the :func:`summarize_sources` table, used
    for the summed counts.
    """
    _check_method(rate_method)
    daily = load_daily(shop, period.start, period.end).groupby("date")[list(COUNTS)].sum()
    out = {
        "visitors": float(sources["visitors"].sum()),
        "paid_buyers": float(sources["paid_buyers"].sum()),
        "paid_amount": float(sources["paid_amount"].sum()),
    }
    out["conversion_rate"] = metrics.rate_over_days(
        daily["paid_buyers"], daily["visitors"], rate_method, key="conversion_rate"
    )
    out["uv_value"] = metrics.rate_over_days(
        daily["paid_amount"], daily["visitors"], rate_method, key="uv_value"
    )
    out["aov"] = metrics.rate_over_days(
        daily["paid_amount"], daily["paid_buyers"], rate_method, key="aov"
    )
    return pd.Series(out)


def pick_best_worst(sources: pd.DataFrame, min_share: float = 0.02) -> tuple[str, str]:
    """The sources with the highest and the lowest UV value (sales per visitor).

    Only sources with at least ``min_share`` of the period's visitors compete,
    so a source with a handful of visitors cannot win or lose by chance.
    Returns ("", "") when no source qualifies.
    """
    eligible = sources[(sources["visitor_share"] >= min_share) & sources["uv_value"].notna()]
    if eligible.empty:
        return "", ""
    return str(eligible["uv_value"].idxmax()), str(eligible["uv_value"].idxmin())


def daily_trend(
    shop: Shop, end: pd.Timestamp, weeks: int = 8, by: str = "source_group", lang: str = "zh"
) -> pd.DataFrame:
    """Daily visitors, sales and UV value per source group (or traffic type) over ``weeks``
    weeks ending on ``end``; group names in ``lang`` (for a plot legend)."""
    if by not in ("source_group", "traffic_type", "source"):
        raise ValueError(f"by={by!r}; use source_group, traffic_type or source")
    history = Period.ending(pd.Timestamp(end), days=7 * int(weeks))
    daily = load_daily(shop, history.start, history.end)
    out = daily.groupby(["date", by])[["visitors", "paid_amount"]].sum().reset_index()
    if by != "source":
        out[by] = [text(g, lang) if by == "traffic_type" else group_label(g, lang) for g in out[by]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # empty days show as gaps
        out["uv_value"] = metrics.uv_value(out["paid_amount"], out["visitors"])
    return out


# --------------------------------------------------------------------------- funnel

FUNNEL_STAGES = ("visitors", "cart_buyers", "order_buyers", "paid_buyers")


def build_funnel(shop: Shop, period: Period, rate_method: str = "pooled") -> pd.DataFrame:
    """Funnel visitors -> add-to-cart -> order -> paid, for the whole shop and per source.

    Stage rates are per visitor: cart_rate (加购率), order_conversion_rate
    (下单转化率), conversion_rate (支付转化率); steps are cart_to_order
    (下单 / 加购 = order_conversion_rate / cart_rate) and order_to_pay_rate
    (支付 / 下单); bounce_rate (跳失率). With ``rate_method="daily_mean"``
    each per-visitor rate is the mean of daily rates and the steps are ratios
    of those means. In exports where buyers order without carting (立即购买)
    cart_to_order can exceed 100%.

    Returns
    -------
    Frame indexed by "total" then the sources (by visitors), with the stage
    counts and the rates above.
    """
    _check_method(rate_method)
    daily = load_daily(shop, period.start, period.end)
    shop_days = daily.groupby("date")[list(COUNTS)].sum().assign(source="total")
    per_source = daily.set_index("date")[["source", *COUNTS]]
    rows = {}
    for name, days in pd.concat([shop_days, per_source]).groupby("source", sort=False):
        row = {k: float(days[k].sum()) for k in (*FUNNEL_STAGES, "bounced_visitors")}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", metrics.MetricNote)
            for key, num in (
                ("cart_rate", "cart_buyers"),
                ("order_conversion_rate", "order_buyers"),
                ("conversion_rate", "paid_buyers"),
                ("bounce_rate", "bounced_visitors"),
            ):
                row[key] = metrics.rate_over_days(days[num], days["visitors"], rate_method, key=key)
            row["order_to_pay_rate"] = metrics.rate_over_days(
                days["paid_buyers"], days["order_buyers"], rate_method, key="order_to_pay_rate"
            )
        for w in caught:
            if issubclass(w.category, metrics.MetricNote):
                _note(f"{name}: {w.message}")
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["cart_to_order"] = table["order_conversion_rate"] / table["cart_rate"].where(
        table["cart_rate"] > 0
    )
    order = ["total", *table.drop(index="total").sort_values("visitors", ascending=False).index]
    return table.loc[
        order,
        [
            *FUNNEL_STAGES,
            "cart_rate",
            "cart_to_order",
            "order_conversion_rate",
            "order_to_pay_rate",
            "conversion_rate",
            "bounce_rate",
        ],
    ]


def plot_funnel(funnel: pd.DataFrame, lang: str = "zh", title: str | None = None):
    """Horizontal funnel of the whole shop: stage counts, share of visitors, step rate."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    row = funnel.loc["total"]
    values = [row[k] for k in FUNNEL_STAGES]
    labels = [text(k, lang) for k in FUNNEL_STAGES]
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    y = np.arange(len(values))[::-1]
    top = max(values) or 1.0
    ax.barh(y, values, left=[(top - v) / 2 for v in values], color="#4c72b0", height=0.6)
    for i, (yy, v) in enumerate(zip(y, values, strict=True)):
        share = plots.fmt_pct(v / top if top else float("nan"), 1)
        step = (
            ""
            if i == 0
            else " · " + plots.fmt_pct(v / values[i - 1] if values[i - 1] else float("nan"), 1)
        )
        wide = v > 0.4 * top  # the label fits inside the bar; else it goes to its right
        ax.text(
            top / 2 if wide else (top + v) / 2 + 0.01 * top,
            yy,
            f"{plots.fmt_count(v)} ({share}{step})",
            ha="center" if wide else "left",
            va="center",
            color="white" if wide else "#222222",
            fontsize=10,
        ).set_parse_math(False)
    ax.set_yticks(y, labels)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(
        title
        or (
            "转化漏斗（占访客 · 环节通过率）"
            if _zh(lang)
            else "Funnel (share of visitors · step rate)"
        )
    )
    return fig


# --------------------------------------------------------------------------- peers

PEER_METRICS = ("conversion_rate", "uv_value", "aov")


def compare_peers(
    shop: Shop, period: Period, rate_method: str = "pooled", tier: str = ""
) -> pd.DataFrame:
    """Own conversion, UV value and AOV against the peer tier (同行同层), and what the gap is worth.

    Peers publish daily lines; their period value is the mean of the days.
    Worth of a gap, in yuan, at the period's own traffic:
    conversion: (peer - own) x visitors x own AOV; UV value: (peer - own) x
    visitors; AOV: (peer - own) x paid buyers. Zero where the shop is already
    above the line; NaN (with a note naming the metric) where peers do not
    publish the metric for the period.

    Returns
    -------
    Frame indexed by conversion_rate, uv_value, aov with own, peer_avg,
    peer_excellent, vs_peer_avg (relative), gap_to_avg, gap_to_excellent (yuan).
    """
    from helpers.overview import peer_lines

    _check_method(rate_method)
    daily = load_daily(shop, period.start, period.end).groupby("date")[list(COUNTS)].sum()
    visitors, buyers = float(daily["visitors"].sum()), float(daily["paid_buyers"].sum())
    own = {
        "conversion_rate": metrics.rate_over_days(
            daily["paid_buyers"], daily["visitors"], rate_method, key="conversion_rate"
        ),
        "uv_value": metrics.rate_over_days(
            daily["paid_amount"], daily["visitors"], rate_method, key="uv_value"
        ),
        "aov": metrics.rate_over_days(
            daily["paid_amount"], daily["paid_buyers"], rate_method, key="aov"
        ),
    }
    table = pd.DataFrame({"own": pd.Series(own)})
    tier = tier or _latest_tier(shop, period)
    peers = peer_lines(shop, period, tier or None)
    table = table.join(peers.reindex(list(PEER_METRICS)), how="left")
    missing = [k for k in PEER_METRICS if pd.isna(table.loc[k, "peer_avg"])]
    if missing and len(missing) < len(PEER_METRICS):
        _note(
            "peers (同行同层) has no " + ", ".join(missing) + f" for {period.label()}: "
            "those comparisons are shown as —"
        )
    elif missing:
        _note(f"no peer-tier (同行同层) figures for {period.label()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        table["vs_peer_avg"] = metrics.change(table["own"], table["peer_avg"])
    per_unit = {"conversion_rate": visitors * own["aov"], "uv_value": visitors, "aov": buyers}
    for line, col in (("peer_avg", "gap_to_avg"), ("peer_excellent", "gap_to_excellent")):
        gap = (table[line] - table["own"]).clip(lower=0.0)
        table[col] = gap * pd.Series(per_unit)
    table.index.name = "metric"
    return table


def _latest_tier(shop: Shop, period: Period) -> str:
    """The shop's tier on the last day of the period that has peer rows ('' if none)."""
    if not shop.has("peers"):
        return ""
    p = shop.table("peers")
    p = p.filter((p.date >= period.start.date()) & (p.date <= period.end.date()))
    tiers = p.group_by("tier").aggregate(last=p.date.max()).execute()
    if len(tiers) > 1:
        latest = str(tiers.sort_values("last")["tier"].iloc[-1])
        _note(
            f"peers has several tiers in {period.label()}; compared with {latest}, the tier of "
            "the latest day",
            stacklevel=4,
        )
        return latest
    return str(tiers["tier"].iloc[0]) if len(tiers) else ""


# --------------------------------------------------------------------------- paid promotion


def estimate_margin(shop: Shop, period: Period) -> float:
    """Gross margin (毛利率) of the period's paid order lines, from ``products.unit_cost``.

    毛利率 = (sales - units x unit cost) / sales over lines paid in the period
    (by pay time), before refunds. Lines of products without a cost are left
    out (with a note). NaN with a note when ``products`` is missing.
    """
    import ibis

    if not shop.has("products"):
        _note(
            "gross margin unknown: the data has no products table with unit_cost, so the "
            "break-even ROI and the highest affordable CPC cannot be computed"
        )
        return float("nan")
    lines = paid_order_lines(shop, period)
    p = shop.table("products").select("product_id", "unit_cost")
    lines = lines.left_join(p, "product_id")
    row = (
        lines.aggregate(
            sales=lines.paid_amount.sum(),
            costed=ibis.ifelse(lines.unit_cost.isnull(), 0.0, lines.paid_amount).sum(),
            cost=(lines.quantity * lines.unit_cost).sum(),
        )
        .execute()
        .iloc[0]
    )
    sales, costed = fill_zero(row["sales"]), fill_zero(row["costed"])
    if costed < sales - 0.005:
        _note(
            f"毛利率: {sales - costed:,.2f} yuan of sales are for products without a unit cost "
            "and are left out of the margin"
        )
    return float(metrics.gross_margin(costed, fill_zero(row["cost"])))


def summarize_ads(
    shop: Shop,
    period: Period,
    margin: float,
    by: str = "plan",
    scale_factor: float = 1.5,
    min_orders: int = 10,
) -> pd.DataFrame:
    """Paid promotion per plan or channel: CTR, CPC, CPM, conversion, ROI, cost per order, verdict.

    Parameters
    ----------
    shop : connected data with ``ads``.
    period : the days analysed.
    margin : the shop's gross margin (:func:`estimate_margin`).
    by : "plan" (channel and plan) or "channel".
    scale_factor : a plan whose ROI is at least this multiple of the break-even
        ROI is marked to scale up.
    min_orders : below this many attributed orders the reason says to confirm
        over a longer period.

    Returns
    -------
    Frame indexed by (channel, plan) or channel with impressions, clicks, spend,
    orders, amount, window (attribution days, "7-15" when plans differ), ctr,
    cpc, cpm, click_conversion (orders / clicks), roi (ROAS in the window),
    cost_per_order, value_per_click (amount / clicks), max_cpc (value per click
    x margin), profit (amount x margin - spend, yuan), verdict ("cut",
    "optimise", "scale") and reason (English text; :func:`describe_verdict`
    words it for a report).
    """
    if by not in ("plan", "channel"):
        raise ValueError(f"by={by!r}; use plan or channel")
    a = shop.table("ads")
    a = a.filter((a.date >= period.start.date()) & (a.date <= period.end.date()))
    keys = ["channel", "plan"] if by == "plan" else ["channel"]
    frame = (
        a.group_by(keys)
        .aggregate(
            impressions=a.impressions.sum(),
            clicks=a.clicks.sum(),
            spend=a.spend.sum(),
            orders=a.attributed_orders.sum(),
            amount=a.attributed_amount.sum(),
            window_lo=a.attribution_window_days.min(),
            window_hi=a.attribution_window_days.max(),
        )
        .execute()
    )
    if frame.empty:
        raise ValueError(
            f"the ads table has no rows in {period.label()}; choose a period inside the ads data"
        )
    frame = frame.set_index(keys).sort_index()
    num = frame[["impressions", "clicks", "spend", "orders", "amount"]].astype(float)
    table = num.copy()
    table["window"] = [
        str(lo) if lo == hi else f"{lo}-{hi}"
        for lo, hi in zip(frame["window_lo"], frame["window_hi"], strict=True)
    ]
    table["ctr"] = metrics.ctr(num["clicks"], num["impressions"])
    table["cpc"] = metrics.cpc(num["spend"], num["clicks"])
    table["cpm"] = metrics.cpm(num["spend"], num["impressions"])
    # 点击转化率: attributed orders per click, with clicks as the plan's visitors
    table["click_conversion"] = metrics.conversion_rate(num["orders"], num["clicks"])
    table["roi"] = metrics.roi(num["amount"], num["spend"])
    table["cost_per_order"] = metrics.cost_per_order(num["spend"], num["orders"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # zero clicks: already noted by cpc
        table["value_per_click"] = metrics.uv_value(num["amount"], num["clicks"])
    table["max_cpc"] = metrics.max_affordable_cpc(table["value_per_click"], margin)
    table["profit"] = num["amount"] * margin - num["spend"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # the caller notes a bad margin once
        breakeven = metrics.breakeven_roi(margin)
    verdicts = [
        classify_plan(row, breakeven, scale_factor, min_orders) for _, row in table.iterrows()
    ]
    table["verdict"] = [v for v, _ in verdicts]
    table["reason"] = [r for _, r in verdicts]
    return table


def classify_plan(
    row: pd.Series, breakeven: float, scale_factor: float = 1.5, min_orders: int = 10
) -> tuple[str, str]:
    """Verdict on one plan: "cut", "optimise" or "scale", and a reason key.

    Rules, in order: spend without clicks -> cut ("no_clicks"); no break-even
    ROI (margin unknown or <= 0) -> optimise ("no_breakeven"); ROI below
    break-even -> cut ("below_breakeven": every yuan spent loses gross profit);
    ROI at least ``scale_factor`` x break-even -> scale ("above_breakeven");
    otherwise optimise ("thin_margin"). A reason ends in ":few_orders" when the
    plan has fewer than ``min_orders`` attributed orders.
    """
    if row["spend"] > 0 and row["clicks"] == 0:
        return "cut", "no_clicks"
    if pd.isna(breakeven):
        verdict, reason = "optimise", "no_breakeven"
    elif pd.isna(row["roi"]):
        return "optimise", "no_spend"
    elif row["roi"] < breakeven:
        verdict, reason = "cut", "below_breakeven"
    elif row["roi"] >= scale_factor * breakeven:
        verdict, reason = "scale", "above_breakeven"
    else:
        verdict, reason = "optimise", "thin_margin"
    if row["orders"] < min_orders:
        reason += ":few_orders"
    return verdict, reason


def describe_verdict(row: pd.Series, breakeven: float, lang: str = "zh") -> str:
    """The reason of a plan's verdict in words, with its numbers."""
    yuan, pct, ratio, count = _formatters(lang)
    zh = _zh(lang)
    reason, _, few = str(row["reason"]).partition(":")
    roi, be = ratio(row["roi"]), ratio(breakeven)
    cpc, max_cpc = yuan(row["cpc"]), yuan(row["max_cpc"])
    texts = {
        "no_clicks": (
            f"花费 {yuan(row['spend'])} 却没有点击：检查计划设置、出价和定向",
            f"spent {yuan(row['spend'])} without a single click: check the "
            "plan's settings, bids and targeting",
        ),
        "no_breakeven": (
            "毛利率未知，无法判断是否保本",
            "gross margin unknown, break-even cannot be judged",
        ),
        "no_spend": ("没有花费", "no spend"),
        "below_breakeven": (
            f"ROI {roi} 低于保本 ROI {be}，每花 100 元亏 "
            f"{yuan(100 * (1 - row['roi'] / breakeven))} 毛利；点击花费 {cpc} "
            f"高于可承受的 {max_cpc}",
            f"ROI {roi} is below the break-even {be}: every ¥100 spent loses "
            f"{yuan(100 * (1 - row['roi'] / breakeven))} of gross profit; "
            f"CPC {cpc} is above the affordable {max_cpc}",
        ),
        "above_breakeven": (
            f"ROI {roi} 是保本 ROI {be} 的 {row['roi'] / breakeven:.1f} 倍：可加预算或提价，"
            f"点击花费最高可到 {max_cpc}",
            f"ROI {roi} is {row['roi'] / breakeven:.1f}x the break-even {be}: room "
            f"to raise budget or bids, up to a CPC of {max_cpc}",
        ),
        "above_breakeven_cps": (
            f"ROI {roi} 是保本 ROI {be} 的 {row['roi'] / breakeven:.1f} 倍：按成交付佣，"
            "可提高佣金或招募更多推广者",
            f"ROI {roi} is {row['roi'] / breakeven:.1f}x the break-even {be}: it pays a "
            "commission on sales, so raise the rate or recruit more promoters",
        ),
        "below_breakeven_cps": (
            f"ROI {roi} 低于保本 ROI {be}：佣金比例高于毛利所能承受，下调佣金或只推高毛利商品",
            f"ROI {roi} is below the break-even {be}: the commission is more than the margin "
            "allows; lower it or promote only high-margin products",
        ),
        "thin_margin": (
            f"ROI {roi} 略高于保本 {be}：先优化关键词、人群和创意，压低点击花费（当前 {cpc}）",
            f"ROI {roi} is just above the break-even {be}: tune keywords, audiences and "
            f"creatives and bring the CPC ({cpc}) down before adding budget",
        ),
    }
    name = row.name[0] if isinstance(row.name, tuple) else row.name
    if is_commission_channel(name) and f"{reason}_cps" in texts:
        reason = f"{reason}_cps"
    out = texts[reason][0 if zh else 1]
    if few:
        out += (
            f"（仅 {row['orders']:.0f} 笔成交，需更长周期确认）"
            if zh
            else f" (only {row['orders']:.0f} orders: confirm over a longer period)"
        )
    return out


def per_click_plans(table: pd.DataFrame) -> pd.DataFrame:
    """Plans billed per click: the rows of a :func:`summarize_ads` table outside the
    commission channels (:data:`AFFILIATE_CHANNELS`), which pay a share of sales."""
    channels = table.index.get_level_values("channel")
    return table[~np.array([is_commission_channel(c) for c in channels], dtype=bool)]


def is_commission_channel(channel: object) -> bool:
    """A channel paid by commission on sales (淘宝客, CPS), not per click."""
    return any(a in str(channel) for a in AFFILIATE_CHANNELS)


def build_profit_grid(
    table: pd.DataFrame,
    margin: float,
    multipliers: tuple[float, ...] = (0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4),
) -> pd.DataFrame:
    """Sensitivity of paid gross profit to CPC and click conversion (per-click plans together).

    profit = clicks x (conversion x sales per order x margin - CPC), at the
    period's clicks and sales per attributed order, for CPC and conversion at
    ``multipliers`` x their current (pooled) values. The centre cell is the
    period's actual amount x margin - spend of those plans.

    Returns
    -------
    Frame of profit (yuan): index conversion values (fractions), columns CPC
    values (yuan). Empty when the plans have no clicks or no orders.
    """
    plans = per_click_plans(table)
    clicks, spend = plans["clicks"].sum(), plans["spend"].sum()
    orders, amount = plans["orders"].sum(), plans["amount"].sum()
    if clicks == 0 or orders == 0 or pd.isna(margin):
        return pd.DataFrame()
    cpc = float(metrics.cpc(spend, clicks))
    conv = float(metrics.conversion_rate(orders, clicks))
    per_order = float(metrics.amount_per_order(amount, orders))
    cpcs = np.array([cpc * m for m in multipliers])
    convs = np.array([conv * m for m in multipliers])
    profit = clicks * (convs[:, None] * per_order * margin - cpcs[None, :])
    grid = pd.DataFrame(
        profit, index=pd.Index(convs, name="conversion"), columns=pd.Index(cpcs, name="cpc")
    )
    return grid.iloc[::-1]  # highest conversion on top


@dataclass(frozen=True)
class AdsReview:
    """Result of :func:`review_ads`."""

    margin: float  # gross margin of the period's paid lines
    breakeven: float  # 1 / margin (NaN when the margin is unknown or <= 0)
    roi: float  # attributed amount / spend of all plans
    plans: pd.DataFrame  # summarize_ads(by="plan")
    channels: pd.DataFrame  # summarize_ads(by="channel")
    grid: pd.DataFrame  # build_profit_grid of the per-click plans


def review_ads(shop: Shop, period: Period, scale_factor: float = 1.5) -> AdsReview:
    """Paid promotion of the period: margin, break-even ROI, plans, channels and profit grid.

    See :func:`estimate_margin`, :func:`summarize_ads` and :func:`build_profit_grid`.
    """
    margin = estimate_margin(shop, period)
    breakeven = metrics.breakeven_roi(margin) if pd.notna(margin) else float("nan")
    plans = summarize_ads(shop, period, margin, "plan", scale_factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # the plans' notes say it already
        channels = summarize_ads(shop, period, margin, "channel", scale_factor)
        roi = float(metrics.roi(plans["amount"].sum(), plans["spend"].sum()))
    return AdsReview(
        margin=margin,
        breakeven=float(breakeven),
        roi=roi,
        plans=plans,
        channels=channels,
        grid=build_profit_grid(plans, margin),
    )


def plot_profit_grid(grid: pd.DataFrame, lang: str = "zh"):
    """Heat map of :func:`build_profit_grid`: gross profit after ads by CPC and click conversion.

    Profit is red and loss green in Chinese reports (红盈绿亏, as 生意参谋 colours gains),
    green and red in English ones; the colour scale is centred on zero.
    """
    from helpers import plots

    if grid.empty:
        return None
    shown = grid.copy()
    shown.index = [plots.fmt_pct(v, 2) for v in grid.index]
    shown.columns = [plots.fmt_yuan(v) for v in grid.columns]
    zh = _zh(lang)
    return plots.plot_heatmap(
        shown,
        kind="yuan",
        lang=lang,
        cmap="RdYlGn_r" if zh else "RdYlGn",
        center=0.0,
        xlabel=text("cpc_axis", lang),
        ylabel=text("conversion_axis", lang),
        title="点击花费 × 点击转化率 → 推广后毛利"
        if zh
        else "CPC × click conversion → gross profit after ads",
    )


def describe_ads(
    plans: pd.DataFrame, channels: pd.DataFrame, margin: float, lang: str = "zh"
) -> str:
    """What paid promotion earns against break-even, and which plans to cut and to scale."""
    from helpers.report import escape

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    if pd.isna(margin) or margin <= 0:
        return (
            "毛利率未知或不为正，无法判断推广是否保本：补充商品成本（products.unit_cost）。"
            if zh
            else "The gross margin is unknown or not positive, so break-even cannot be judged: add "
            "product costs (products.unit_cost)."
        )
    be = 1 / margin
    spend, amount = plans["spend"].sum(), plans["amount"].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        roi = metrics.roi(amount, spend)
    profit = amount * margin - spend
    parts = [
        (
            f"推广花费 {yuan(spend)}，带来成交 {yuan(amount)}，整体 ROI "
            f"{ratio(roi)}；按毛利率 {pct(margin)}，保本 ROI 为 {be:.2f}，"
            f"推广后毛利 {yuan(profit)}。"
        )
        if zh
        else (
            f"Ads spent {yuan(spend)} for {yuan(amount)} of attributed sales, "
            f"ROI {ratio(roi)}; at a gross margin of {pct(margin)} the "
            f"break-even ROI is {be:.2f}, leaving {yuan(profit)} of gross profit after ads."
        )
    ]
    names = {
        v: [
            escape(p[-1] if isinstance(p, tuple) else p) for p in plans.index[plans["verdict"] == v]
        ]
        for v in ("cut", "scale")
    }
    if names["cut"]:
        lost = -plans.loc[plans["verdict"] == "cut", "profit"].clip(upper=0).sum()
        parts.append(
            (f"建议削减：{'、'.join(names['cut'])}（合计亏损毛利 {yuan(lost)}）。")
            if zh
            else f"Cut: {', '.join(names['cut'])} (together they lose {yuan(lost)} "
            "of gross profit)."
        )
    if names["scale"]:
        parts.append(
            f"建议加投：{'、'.join(names['scale'])}，ROI 远高于保本线。"
            if zh
            else f"Scale up: {', '.join(names['scale'])}, well above break-even."
        )
    windows = channels["window"].unique()
    if len(windows) > 1:
        parts.append(
            "各渠道归因周期不同（"
            + "、".join(f"{escape(c)} {w} 天" for c, w in channels["window"].items())
            + "），ROI 只在同周期间可比。"
            if zh
            else "Channels use different attribution windows ("
            + ", ".join(f"{escape(c)} {w}-day" for c, w in channels["window"].items())
            + "): compare ROIs only within the same window."
        )
    return " ".join(parts)


def describe_profit_grid(plans: pd.DataFrame, margin: float, lang: str = "zh") -> str:
    """Break-even click conversion at today's CPC and break-even CPC at today's conversion.

    Per-click plans together (:func:`per_click_plans`): break-even conversion =
    CPC / (sales per order x margin); break-even CPC = conversion x sales per
    order x margin (the highest affordable CPC).
    """
    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    plans = per_click_plans(plans)
    clicks, spend = plans["clicks"].sum(), plans["spend"].sum()
    orders, amount = plans["orders"].sum(), plans["amount"].sum()
    if clicks == 0 or orders == 0 or pd.isna(margin) or margin <= 0:
        return (
            "按点击计费的计划本期没有点击或成交（或毛利率未知），无法做敏感性分析。"
            if zh
            else "The per-click plans had no clicks or orders in the period (or the margin is "
            "unknown): no sensitivity grid."
        )
    cpc = spend / clicks
    conv = orders / clicks
    per_order = amount / orders
    profit = amount * margin - spend
    be_conv = cpc / (per_order * margin)
    be_cpc = conv * per_order * margin
    if zh:
        return (
            f"按点击计费的计划：当前点击花费 {yuan(cpc)}、点击转化率 {pct(conv)}、"
            f"笔单价 {yuan(per_order)}，推广后毛利 {yuan(profit)}。保本需要点击转化率"
            f"不低于 {pct(be_conv)}，或点击花费不高于 {yuan(be_cpc)}。"
            "图中红色为盈利、绿色为亏损：先守住转化率，再压点击花费。"
        )
    return (
        f"Per-click plans: CPC {yuan(cpc)}, click conversion {pct(conv)}, "
        f"sales per order {yuan(per_order)}, gross profit after ads "
        f"{yuan(profit)}. Breaking even needs a click conversion of at least "
        f"{pct(be_conv)}, or a CPC of at most {yuan(be_cpc)}. Green cells "
        "make money, red cells lose it: protect conversion first, then push the CPC down."
    )


# --------------------------------------------------------------------------- what changed


def decompose_change(visitors0, conversion0, aov0, visitors1, conversion1, aov1):
    """Split a change of GMV = visitors x conversion x AOV into three exact contributions.

    Symmetric Shapley decomposition of a product of three factors: each
    factor's contribution is its change weighted by the average of the other
    two over all orders of changing them,

    ``dV = (V1 - V0) [(C0 A0 + C1 A1) / 3 + (C0 A1 + C1 A0) / 6]``, and
    likewise for C and A. The three add up exactly to V1 C1 A1 - V0 C0 A0
    (the AOV part is computed as the remainder, so rounding cannot leave a gap).

    A factor that is undefined in one period (conversion and AOV without
    visitors, AOV without buyers; pass NaN) takes the other period's value, so
    a source that appears or disappears is a pure visitors effect and a source
    whose buyers vanish is a conversion effect. Both undefined: 0.

    Parameters
    ----------
    visitors0, conversion0, aov0 : previous period (scalars or arrays).
    visitors1, conversion1, aov1 : this period.

    Returns
    -------
    (visitors_effect, conversion_effect, aov_effect), yuan, same shape as the input.
    """
    v0, c0, a0, v1, c1, a1 = (
        np.asarray(x, dtype=float)
        for x in (visitors0, conversion0, aov0, visitors1, conversion1, aov1)
    )
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

    GMV here is the traffic table's paid amount; conversion and AOV are pooled
    over the days (the identity GMV = visitors x conversion x AOV holds only
    for pooled rates, whatever ``rate_method`` the report uses elsewhere).
    Rows: "total" (the whole shop as one: its conversion effect includes the
    shift of traffic between sources that convert differently), each source,
    and "sum_of_sources" (the per-source effects added up). Every row's three
    effects add up to its change; the sources' changes add up to the total
    change. See :func:`decompose_change` (Shapley). When the previous period
    has no traffic data, previous, change and the effects are NaN.

    Returns
    -------
    Frame with previous, current, change (yuan), visitors_effect,
    conversion_effect, aov_effect (yuan), and the factors visitors0/1,
    conversion0/1, aov0/1.
    """
    current, previous = _daily_pair(shop, period)
    cur = current.groupby("source")[["visitors", "paid_buyers", "paid_amount"]].sum()
    prev = previous.groupby("source")[["visitors", "paid_buyers", "paid_amount"]].sum()
    both = cur.join(prev, how="outer", lsuffix="1", rsuffix="0").fillna(0.0)
    both = both.sort_values("paid_amount1", ascending=False)
    both.loc["total"] = both.sum()
    rows = both.index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # undefined factors are handled below
        factors = {
            f"{name}{p}": fn(both[f"{num}{p}"], both[f"{den}{p}"])
            for p in ("0", "1")
            for name, fn, num, den in (
                ("conversion", metrics.conversion_rate, "paid_buyers", "visitors"),
                ("aov", metrics.aov, "paid_amount", "paid_buyers"),
            )
        }
    dv, dc, da = decompose_change(
        both["visitors0"],
        factors["conversion0"],
        factors["aov0"],
        both["visitors1"],
        factors["conversion1"],
        factors["aov1"],
    )
    table = pd.DataFrame(
        {
            "previous": both["paid_amount0"],
            "current": both["paid_amount1"],
            "change": both["paid_amount1"] - both["paid_amount0"],
            "visitors_effect": dv,
            "conversion_effect": dc,
            "aov_effect": da,
            "visitors0": both["visitors0"],
            "visitors1": both["visitors1"],
            "conversion0": factors["conversion0"],
            "conversion1": factors["conversion1"],
            "aov0": factors["aov0"],
            "aov1": factors["aov1"],
        },
        index=rows,
    )
    sources = table.drop(index="total")
    summed = sources.sum(numeric_only=True)
    for col in ("conversion0", "conversion1", "aov0", "aov1"):
        summed[col] = float("nan")
    summed["visitors0"], summed["visitors1"] = table.loc["total", ["visitors0", "visitors1"]]
    table.loc["sum_of_sources"] = summed
    table = table.loc[["total", *sources.index, "sum_of_sources"]]
    if previous.empty or previous["visitors"].sum() == 0:  # nothing to compare with: no split
        effects = ["previous", "change", "visitors_effect", "conversion_effect", "aov_effect"]
        table[effects] = float("nan")
    return table


def describe_decomposition(table: pd.DataFrame, lang: str = "zh") -> str:
    """Which of visitors, conversion and AOV moved sales, and which sources drove it."""
    from helpers.report import escape

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    total = table.loc["total"]
    if pd.isna(total["change"]):
        return (
            "上期没有流量数据，无法拆解销售额变化。"
            if zh
            else "The previous period has no traffic data, so the sales change cannot be split."
        )
    effects = {k: total[f"{k}_effect"] for k in ("visitors", "conversion", "aov")}
    names = {
        "visitors": ("访客数", "visitors"),
        "conversion": ("支付转化率", "conversion"),
        "aov": ("客单价", "AOV"),
    }
    main = max(effects, key=lambda k: abs(effects[k]))
    sign = "+" if total["change"] >= 0 else ""
    parts = []
    if zh:
        parts.append(
            f"支付金额环比变化 {sign}{yuan(total['change'])}（{yuan(total['previous'])} → "
            f"{yuan(total['current'])}）：访客贡献 {yuan(effects['visitors'])}，"
            f"转化率贡献 {yuan(effects['conversion'])}，客单价贡献 {yuan(effects['aov'])}，"
            f"主因是{names[main][0]}。"
        )
    else:
        parts.append(
            f"Sales changed by {sign}{yuan(total['change'])} ({yuan(total['previous'])} → "
            f"{yuan(total['current'])}): visitors {yuan(effects['visitors'])}, "
            f"conversion {yuan(effects['conversion'])}, AOV {yuan(effects['aov'])}; "
            f"the main driver was {names[main][1]}."
        )
    sources = table.drop(index=["total", "sum_of_sources"])
    if len(sources) and total["change"] != 0:
        worst = sources["change"].idxmin()
        best = sources["change"].idxmax()
        for item, up in ((worst, False), (best, True)):
            row = sources.loc[item]
            if (row["change"] > 0) != up or row["change"] == 0:
                continue
            eff = {k: row[f"{k}_effect"] for k in ("visitors", "conversion", "aov")}
            driver = max(eff, key=eff.get) if up else min(eff, key=eff.get)
            if zh:
                parts.append(
                    f"「{escape(item)}」{'增加' if up else '减少'} {yuan(abs(row['change']))}，"
                    f"主要来自{names[driver][0]}（{yuan(eff[driver])}）。"
                )
            else:
                parts.append(
                    f"“{escape(item)}” {'added' if up else 'lost'} {yuan(abs(row['change']))}, "
                    f"mostly through {names[driver][1]} ({yuan(eff[driver])})."
                )
        action = {
            "visitors": (
                "访客是主因：先查流量入口（搜索排名、推广预算、活动资源位）。",
                "Visitors drove it: check the traffic entrances first (search rank, ad "
                "budgets, placements).",
            ),
            "conversion": (
                "转化率是主因：先查价格、库存、详情页和评价。",
                "Conversion drove it: check prices, stock, detail pages and reviews first.",
            ),
            "aov": (
                "客单价是主因：查优惠力度、搭配购买和商品结构。",
                "AOV drove it: check discounts, bundles and the product mix.",
            ),
        }
        if total["change"] < 0:
            parts.append(action[main][0 if zh else 1])
    return " ".join(parts)


def plot_effects(table: pd.DataFrame, lang: str = "zh"):
    """Bars of each source's sales change against the previous period (largest moves)."""
    from helpers import plots

    rows = table.drop(index=["total", "sum_of_sources"])
    frame = pd.DataFrame({"label": rows.index.astype(str), "delta": rows["change"].to_numpy()})
    return plots.plot_bar_change(
        frame,
        "label",
        "delta",
        kind="yuan",
        lang=lang,
        title="各来源销售额变化" if _zh(lang) else "Sales change by source",
    )


# --------------------------------------------------------------------------- anomalies


def excluded_days(
    shop: Shop, start: Any, end: Any, post_campaign_days: int = 7, holiday_days: int = 10
) -> pd.Series:
    """Days that are not ordinary trading, with the reason: campaigns and the Spring Festival.

    A campaign covers its warm-up (or start) to its end plus ``post_campaign_days``
    (the dip after a promotion); the Spring Festival covers ``holiday_days`` either
    side of 春节 (logistics stop). These days are kept out of anomaly baselines and
    are not tested (their deviations are expected).

    Returns
    -------
    Series indexed by every day from start to end: "" for ordinary days, else the
    campaign id or "春节".
    """
    dates = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    reason = pd.Series("", index=dates, dtype=object)
    for day in SPRING_FESTIVALS:
        sf = pd.Timestamp(day)
        window = (dates >= sf - pd.Timedelta(days=holiday_days)) & (
            dates <= sf + pd.Timedelta(days=holiday_days)
        )
        reason[window] = "春节"
    if shop.has("campaigns"):
        c = shop.table("campaigns").select("campaign_id", "warmup_start", "start", "end").execute()
        for _, row in c.iterrows():
            lo = pd.Timestamp(
                row["warmup_start"] if pd.notna(row["warmup_start"]) else row["start"]
            )
            hi = pd.Timestamp(row["end"]) + pd.Timedelta(days=post_campaign_days)
            reason[(dates >= lo) & (dates <= hi)] = str(row["campaign_id"])
    return reason


def _anscombe(x, expected):
    """Variance-stabilised count residual 2 (sqrt(x + 3/8) - sqrt(expected + 3/8)): about N(0, 1)
    for a Poisson count, whatever its mean."""
    return 2.0 * (np.sqrt(np.maximum(x, 0) + 0.375) - np.sqrt(np.maximum(expected, 0) + 0.375))


def _poisson_z(x, expected, scale):
    """z of a count against its expectation from the Poisson mid-p tail, with overdispersion.

    The count and its mean are divided by the dispersion scale**2 (quasi-Poisson); the
    lower mid-p P(X < x) + P(X = x) / 2 uses the regularised incomplete gamma function,
    so it is exact for whole counts and continuous for amounts; z = Phi^-1(mid-p). Unlike
    the normal approximation it does not overstate a day with no buyers at all.
    """
    from scipy.special import gammaincc, ndtri

    phi = np.asarray(scale, dtype=float) ** 2
    k, lam = np.asarray(x, dtype=float) / phi, np.asarray(expected, dtype=float) / phi
    with np.errstate(invalid="ignore", divide="ignore"):
        upper_le = gammaincc(k + 1, lam)  # P(X <= k)
        lower_le = np.where(k > 0, gammaincc(np.maximum(k, 1e-300), lam), 0.0)  # P(X <= k - 1)
        mid = np.clip((upper_le + lower_le) / 2, 1e-300, 1 - 1e-16)
        z = ndtri(mid)
    return np.where(np.isfinite(lam) & (lam > 0) & np.isfinite(k), z, np.nan)


def _robust_scale(residuals: np.ndarray) -> np.ndarray:
    """Robust SD of residuals around 0 (1.4826 x median |r|), never below 1 (Poisson noise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mad = np.nanmedian(np.abs(residuals), axis=0)
    return np.maximum(1.0, np.nan_to_num(MAD_TO_SD * mad, nan=1.0))


def _pooled_baseline(x: np.ndarray, exposure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rate per unit of exposure pooled over baseline days, robust to outlying days.

    Pool, drop days whose residual is beyond TRIM_Z robust SDs, pool again.
    Returns (rate, scale); rate is NaN where the baseline has no exposure.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = x.sum(0) / exposure.sum(0)
        r = _anscombe(x, exposure * rate)
        keep = np.abs(r) <= TRIM_Z * _robust_scale(r)
        rate = (x * keep).sum(0) / (exposure * keep).sum(0)
    rate = np.where(np.isfinite(rate), rate, np.nan)
    return rate, _robust_scale(_anscombe(x, exposure * rate))


def detect_anomalies(
    daily: pd.DataFrame,
    reasons: pd.Series,
    start: Any,
    end: Any,
    *,
    threshold: float = 4.0,
    baseline_days: int = 56,
    min_baseline_days: int = 28,
    min_expected_buyers: float = 5.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every source's visitors, conversion and UV value on every day from start to end.

    For each day, the baseline is the last ``baseline_days`` ordinary days
    (``reasons == ""``, with data) among the ``2 x baseline_days`` calendar days
    before it; a day with fewer than ``min_baseline_days`` of them is not
    tested. Per source:

    - visitors: the mean of the same weekday's baseline days (all baseline
      days when fewer than two), fitted on y = 2 sqrt(visitors + 3/8) after
      dropping days beyond 3.5 robust SD; z = (y - fit) / (s sqrt(1 + 1/n)),
      s the residual SD (n - groups degrees of freedom, at least 1), n the
      weekday's baseline days;
    - conversion: expected buyers E = visitors x conversion pooled over the
      baseline (days beyond 3.5 robust SD left out);
    - UV value: expected sales = visitors x UV value pooled likewise (sales
      counted in units of the baseline AOV);
      both scored by the Poisson mid-p tail of the count against E, after
      dividing both by the dispersion s**2 (s = 1.4826 x median |Anscombe
      residual| over the baseline, at least 1), z = Phi^-1(mid-p); tested only
      where E >= ``min_expected_buyers`` (fewer buyers cannot tell a real
      change from chance) and the day has visitors.

    A cell is an anomaly when |z| >= threshold.

    Parameters
    ----------
    daily : :func:`load_daily` rows covering the baseline and the tested days.
    reasons : :func:`excluded_days` over the same days.
    start, end : first and last day tested.

    Returns
    -------
    (cells, days): ``cells`` has one row per tested day, source and metric
    (date, source, source_group, metric, observed, expected, deviation =
    observed / expected - 1, z, impact = the day's sales minus what the
    baseline expects (visitors: expected visitors x baseline UV value;
    conversion: (buyers - expected buyers) x baseline AOV; UV value: sales -
    visitors x baseline UV value), in yuan; visitors, bounce_rate,
    baseline_bounce_rate, anomaly); ``days`` has one row per day from start to
    end with status ("tested", "excluded", "short_baseline"), reason and
    baseline_days (ordinary days available); days absent from ``daily`` have status
    "no_data" and are never part of a baseline.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end < start:
        raise ValueError(f"anomaly scan ends ({end.date()}) before it starts ({start.date()})")
    first = min(daily["date"].min(), start) if len(daily) else start
    dates = pd.date_range(first, end, freq="D")
    wide = (
        daily.pivot_table(
            index="date",
            columns="source",
            values=["visitors", "paid_buyers", "paid_amount", "bounced_visitors"],
            aggfunc="sum",
        )
        .reindex(dates)
        .fillna(0.0)
    )
    sources = list(wide["visitors"].columns) if len(daily) else []
    groups = (
        daily.groupby("source")["source_group"].last() if len(daily) else pd.Series(dtype=object)
    )
    V, B, A, X = (
        wide[k].to_numpy(float) if sources else np.zeros((len(dates), 0))
        for k in ("visitors", "paid_buyers", "paid_amount", "bounced_visitors")
    )
    why = reasons.reindex(dates).fillna("").astype(str).to_numpy()
    has_data = (
        dates.isin(pd.DatetimeIndex(daily["date"].unique()))
        if len(daily)
        else np.zeros(len(dates), bool)
    )
    ordinary = (why == "") & has_data
    weekday = dates.day_of_week.to_numpy()
    cells, days = [], []
    for i in range(dates.get_loc(start) if start in dates else 0, len(dates)):
        if not has_data[i]:
            days.append((dates[i], "no_data", "", 0))
            continue
        if not ordinary[i]:
            days.append((dates[i], "excluded", why[i], 0))
            continue
        lo = max(0, i - 2 * baseline_days)
        idx = np.arange(lo, i)[ordinary[lo:i]][-baseline_days:]
        if len(idx) < min_baseline_days:
            days.append((dates[i], "short_baseline", "", len(idx)))
            continue
        days.append((dates[i], "tested", "", len(idx)))
        cells.append(
            _score_day(i, idx, V, B, A, X, weekday, sources, dates[i], min_expected_buyers)
        )
    day_table = pd.DataFrame(days, columns=["date", "status", "reason", "baseline_days"])
    if not cells:
        columns = [
            "date",
            "source",
            "source_group",
            "metric",
            "observed",
            "expected",
            "deviation",
            "z",
            "impact",
            "visitors",
            "bounce_rate",
            "baseline_bounce_rate",
            "anomaly",
        ]
        return pd.DataFrame(columns=columns).astype({"anomaly": bool}), day_table
    table = pd.concat(cells, ignore_index=True)
    table.insert(2, "source_group", table["source"].map(groups))
    table["anomaly"] = table["z"].abs() >= threshold
    return table, day_table


def _weekday_baseline(Vb: np.ndarray, wb: np.ndarray, target: int):
    """Expected visitors on weekday ``target`` and the z scale, from baseline days.

    Works on y = 2 sqrt(visitors + 3/8) (Anscombe: Poisson noise has SD 1 on
    this scale). Model: one mean per weekday (the overall mean for a weekday
    with fewer than two baseline days). Days beyond TRIM_Z robust SDs of a
    first fit on weekday medians are dropped; the residual SD uses n - groups
    degrees of freedom and the prediction SD adds the error of the weekday
    mean: s x sqrt(1 + 1 / n_weekday).

    Returns (expected visitors, predicted y, prediction SD of y), per source.
    """
    y = _anscombe(Vb, 0.0) + 2 * np.sqrt(0.375)  # = 2 sqrt(V + 3/8)
    groups = [wb == w for w in range(7)]
    enough = [g.sum() >= 2 for g in groups]

    def centre(stat, mask):
        out = np.empty_like(y)
        overall = stat(np.where(mask, y, np.nan))
        for g, ok in zip(groups, enough, strict=True):
            out[g] = stat(np.where(mask[g], y[g], np.nan)) if ok else overall
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        all_days = np.ones_like(y, dtype=bool)
        first = centre(lambda a: np.nanmedian(a, axis=0), all_days)
        keep = np.abs(y - first) <= TRIM_Z * _robust_scale(y - first)
        fit = centre(lambda a: np.nanmean(a, axis=0), keep)
        resid = np.where(keep, y - fit, np.nan)
        n_groups = sum(enough) + (0 if all(enough) else 1)
        dof = np.maximum(keep.sum(0) - n_groups, 1)
        sd = np.maximum(np.sqrt(np.nansum(resid**2, axis=0) / dof), 1.0)
        g = groups[target] if enough[target] else all_days
        n_target = np.maximum((keep & g[:, None]).sum(0), 1)
        pred = np.nanmean(np.where(keep & g[:, None], y, np.nan), axis=0)
        expected = np.nanmean(np.where(keep & g[:, None], Vb, np.nan), axis=0)
    return expected, pred, sd * np.sqrt(1 + 1 / n_target)


def _score_day(i, idx, V, B, A, X, weekday, sources, date, min_buyers) -> pd.DataFrame:
    """Scores of one day for every source (see :func:`detect_anomalies`)."""
    Vb, Bb, Ab, Xb, wb = V[idx], B[idx], A[idx], X[idx], weekday[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        exp_v, pred_y, sd_y = _weekday_baseline(Vb, wb, int(weekday[i]))
        conv, scale_c = _pooled_baseline(Bb, Vb)
        aov_b = Ab.sum(0) / Bb.sum(0)
        aov_b = np.where(np.isfinite(aov_b) & (aov_b > 0), aov_b, np.nan)
        uv_units, scale_u = _pooled_baseline(Ab / aov_b, Vb)
        uv_b = Ab.sum(0) / Vb.sum(0)
        v, b, a = V[i], B[i], A[i]
        bounce = np.where(v > 0, X[i] / v, np.nan)
        bounce_b = Xb.sum(0) / Vb.sum(0)
        z_v = (2 * np.sqrt(v + 0.375) - pred_y) / sd_y
        testable = v * conv >= min_buyers  # enough expected buyers to tell a change from chance
        z_c = np.where(testable, _poisson_z(b, v * conv, scale_c), np.nan)
        z_u = np.where(testable, _poisson_z(a / aov_b, v * uv_units, scale_u), np.nan)
        rows = {
            "visitors": (v, exp_v, z_v, a - exp_v * uv_b),
            "conversion_rate": (np.where(v > 0, b / v, np.nan), conv, z_c, (b - v * conv) * aov_b),
            "uv_value": (
                np.where(v > 0, a / v, np.nan),
                uv_units * aov_b,
                z_u,
                a - v * uv_units * aov_b,
            ),
        }
        frames = []
        for metric, (obs, exp, z, impact) in rows.items():
            frames.append(
                pd.DataFrame(
                    {
                        "date": date,
                        "source": sources,
                        "metric": metric,
                        "observed": obs,
                        "expected": exp,
                        "deviation": np.where(exp > 0, obs / exp - 1, np.nan),
                        "z": z,
                        "impact": impact,
                        "visitors": v,
                        "bounce_rate": bounce,
                        "baseline_bounce_rate": bounce_b,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def anomaly_hint(row: pd.Series) -> str:
    """Likely cause of an anomaly cell: bots, traffic_drop, traffic_spike, conversion_drop,
    conversion_spike, uv_drop, uv_spike. Bots: visitors up with the bounce rate at least 15
    points above its baseline (one-page visits that never buy)."""
    up = row["z"] > 0
    if row["metric"] == "visitors":
        if up and row["bounce_rate"] >= row["baseline_bounce_rate"] + 0.15:
            return "bots"
        return "traffic_spike" if up else "traffic_drop"
    if row["metric"] == "conversion_rate":
        return "conversion_spike" if up else "conversion_drop"
    return "uv_spike" if up else "uv_drop"


HINTS = {
    "bots": (
        "疑似刷量/机器流量：跳失率飙升且不成交，排查来源并从分析中剔除",
        "likely bot traffic: bounce rate jumped and nobody bought; trace the source and "
        "exclude it from analyses",
    ),
    "traffic_drop": (
        "流量骤降：查搜索排名/降权、推广预算是否耗尽、链接或资源位是否下线",
        "traffic fell: check search rank and penalties, exhausted ad budgets, broken "
        "links or lost placements",
    ),
    "traffic_spike": (
        "流量激增：确认来源（推荐、资源位、外链），及时承接（库存、客服）",
        "traffic jumped: confirm where it came from (feed, placement, link) and make "
        "sure stock and service keep up",
    ),
    "conversion_drop": (
        "转化骤降：查价格是否改动、库存/SKU 是否售罄、详情页和链接是否出错",
        "conversion fell: check recent price changes, sold-out SKUs, broken detail pages and links",
    ),
    "conversion_spike": (
        "转化激增：确认是否有漏标的活动或异常订单",
        "conversion jumped: check for an unrecorded promotion or suspicious orders",
    ),
    "uv_drop": (
        "UV价值骤降：查转化和客单价（优惠是否过大、低价款占比）",
        "UV value fell: check conversion and AOV (over-generous discounts, cheap-item mix)",
    ),
    "uv_spike": (
        "UV价值激增：确认大额订单是否真实",
        "UV value jumped: check that large orders are genuine",
    ),
}


@dataclass(frozen=True)
class AnomalyScan:
    """Result of :func:`find_anomalies`."""

    anomalies: pd.DataFrame  # flagged cells, largest |z| first, with a hint
    cells: pd.DataFrame  # every tested cell
    days: pd.DataFrame  # status of every scanned day
    scan: Period
    threshold: float
    baseline_days: int
    min_baseline_days: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tested_days(self) -> int:
        return int((self.days["status"] == "tested").sum())


def find_anomalies(
    shop: Shop,
    period: Period,
    weeks: int = 8,
    threshold: float = 4.0,
    baseline_days: int = 56,
    min_baseline_days: int = 28,
    post_campaign_days: int = 7,
) -> AnomalyScan:
    """Day-level anomalies per source on visitors, conversion and UV value (异常监控).

    Scans the ``weeks`` weeks that end on the period's last day (at least the
    period itself) against a seasonal baseline (see :func:`detect_anomalies`);
    campaign windows and the Spring Festival are kept out of the baseline and
    are not tested (:func:`excluded_days`).

    Parameters
    ----------
    threshold : robust z from which a deviation is an anomaly (4 = about one
        false alarm per 15,000 cells of Gaussian noise).
    baseline_days : calendar days of history behind each day.
    min_baseline_days : ordinary days the baseline needs (28 = four of each
        weekday); days with fewer are listed as untested.
    post_campaign_days : days after a campaign's end still treated as campaign.

    Returns
    -------
    :class:`AnomalyScan`.
    """
    if threshold <= 0:
        raise ValueError(f"parameter anomaly_threshold={threshold!r} must be positive, e.g. 4")
    if min_baseline_days < 7 or baseline_days < min_baseline_days:
        raise ValueError(
            f"baseline_days={baseline_days} and min_baseline_days={min_baseline_days}: "
            "use min_baseline_days >= 7 and baseline_days >= min_baseline_days"
        )
    scan_days = max(7 * int(weeks), period.days)
    scan = Period.ending(period.end, scan_days)
    history = scan.start - pd.Timedelta(days=2 * baseline_days)
    daily = load_daily(shop, history, scan.end)
    if (
        len(daily) and scan.start < daily["date"].min() <= scan.end
    ):  # scan from the data's first day
        scan = Period(daily["date"].min(), scan.end)
    reasons = excluded_days(shop, history, scan.end, post_campaign_days)
    cells, days = detect_anomalies(
        daily,
        reasons,
        scan.start,
        scan.end,
        threshold=threshold,
        baseline_days=baseline_days,
        min_baseline_days=min_baseline_days,
    )
    flagged = cells[cells["anomaly"].astype(bool)].copy()
    flagged["hint"] = [anomaly_hint(r) for _, r in flagged.iterrows()] if len(flagged) else []
    flagged = flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index)
    notes = []
    short = days[days["status"] == "short_baseline"]
    if len(short):
        notes.append(
            f"{len(short)} day(s) from {short['date'].min():%Y-%m-%d} to "
            f"{short['date'].max():%Y-%m-%d} were not tested: fewer than {min_baseline_days} "
            f"ordinary days of history in the {2 * baseline_days} days before them"
        )
    return AnomalyScan(
        anomalies=flagged.reset_index(drop=True),
        cells=cells,
        days=days,
        scan=scan,
        threshold=threshold,
        baseline_days=baseline_days,
        min_baseline_days=min_baseline_days,
        notes=tuple(notes),
    )


def describe_anomalies(result: AnomalyScan, lang: str = "zh") -> str:
    """How many anomalies the scan found, the largest ones, what to do, and what was not tested."""
    from helpers.report import escape
    from helpers.report import format_value as fv

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    days = result.days
    parts = []
    short = days[days["status"] == "short_baseline"]
    excluded = days[days["status"] == "excluded"]
    if len(short):
        have = int(short["baseline_days"].max())
        if zh:
            parts.append(
                f"{short['date'].min():%Y-%m-%d} 至 {short['date'].max():%Y-%m-%d} "
                f"共 {len(short)} 天"
                f"未做异常检测：季节性基线需要此前 {2 * result.baseline_days} 天内至少 "
                f"{result.min_baseline_days} 个正常日（每个星期几 4 天，活动和春节不算），"
                f"数据最多只有 {have} 天。补充更早的流量数据，或选更晚的日期。"
            )
        else:
            parts.append(
                f"{len(short)} day(s) from {short['date'].min():%Y-%m-%d} to "
                f"{short['date'].max():%Y-%m-%d} were not tested: the seasonal baseline needs "
                f"at least {result.min_baseline_days} ordinary days (four of each weekday; "
                f"campaign and Spring Festival days do not count) in the "
                f"{2 * result.baseline_days} days before, and the data has at most {have}. Add "
                "older traffic data or choose later dates."
            )
    missing = days[days["status"] == "no_data"]
    if len(missing):
        parts.append(
            f"{len(missing)} 天没有流量数据，未检测。"
            if zh
            else f"{len(missing)} day(s) have no traffic data and were not tested."
        )
    if len(excluded):
        reasons = (
            "、".join(escape(r) for r in dict.fromkeys(excluded["reason"]))
            if zh
            else ", ".join(escape(r) for r in dict.fromkeys(excluded["reason"]))
        )
        parts.append(
            f"{len(excluded)} 天处于活动或春节期间（{reasons}），波动属预期，未检测。"
            if zh
            else f"{len(excluded)} day(s) fall in campaign or Spring Festival windows ({reasons}); "
            "their swings are expected and were not tested."
        )
    tested = result.tested_days
    label = result.scan.label()
    if tested == 0:
        parts.insert(
            0,
            f"{escape(label)} 没有可检测的日期。"
            if zh
            else f"No day of {escape(label)} could be tested.",
        )
        return " ".join(parts)
    found = result.anomalies
    if found.empty:
        parts.insert(
            0,
            f"{escape(label)} 检测了 {tested} 天，各来源的访客、转化率和 UV价值都在正常波动范围内"
            f"（|z| < {result.threshold:g}）。"
            if zh
            else f"{tested} day(s) of {escape(label)} tested: every source's visitors, conversion "
            f"and UV value stayed within normal variation (|z| < {result.threshold:g}).",
        )
        return " ".join(parts)
    spots = found[["date", "source"]].drop_duplicates().shape[0]
    head = (
        f"{escape(label)} 检测了 {tested} 天，发现 {len(found)} 个异常（{spots} 个来源·日）。"
        "如有异常，一定要及时调整："
        if zh
        else f"{tested} day(s) of {escape(label)} tested: {len(found)} anomalies on "
        f"{spots} source-day(s). Act on them quickly:"
    )
    items = []
    for _, row in found.drop_duplicates(["date", "source"]).head(3).iterrows():
        kind = (
            "pct"
            if row["metric"] == "conversion_rate"
            else ("yuan" if row["metric"] == "uv_value" else "count")
        )
        name = text(row["metric"], lang)
        seen, base = fv(row["observed"], kind, lang), fv(row["expected"], kind, lang)
        if zh:
            items.append(
                f"{row['date']:%m-%d}「{escape(row['source'])}」{name} {seen}，"
                f"基线 {base}（{row['deviation']:+.0%}，影响约 "
                f"{yuan(row['impact'])}）：{HINTS[row['hint']][0]}"
            )
        else:
            items.append(
                f"{row['date']:%Y-%m-%d} “{escape(row['source'])}” {name.lower()} "
                f"{seen} against a baseline of {base} "
                f"({row['deviation']:+.0%}, about {yuan(row['impact'])}): {HINTS[row['hint']][1]}"
            )
    parts.insert(0, head + ("；".join(items) + "。" if zh else " " + "; ".join(items) + "."))
    return " ".join(parts)


# --------------------------------------------------------------------------- attribution


def attribute_orders(shop: Shop, period: Period) -> tuple[pd.DataFrame, dict[str, float]]:
    """Credit of each source for the period's paid orders under four attribution models.

    Each paid order (by pay time) with a path in ``touchpoints`` gets one unit
    of credit, spread over its touches up to the payment, ordered by time:
    last_click (all to the last touch), first_click (all to the first),
    linear (equal shares) and position_based (40% first, 40% last, 20% split
    over the touches between; two touches 50/50; one touch 100%). Credited
    sales = credit x the order's paid amount.

    Returns
    -------
    (table, coverage): ``table`` indexed by source with credited orders per
    model and the same as sales (``<model>_sales``); ``coverage`` has
    paid_orders, tracked_orders and tracked_share of the period.
    """
    import ibis

    paid = paid_order_lines(shop, period)
    orders = paid.group_by("order_id").aggregate(
        amount=paid.paid_amount.sum(), paid_at=paid.pay_time.min()
    )
    tp = shop.table("touchpoints")
    path = tp.join(orders, "order_id").filter(lambda t: t.touch_time <= t.paid_at)
    w = ibis.window(group_by="order_id", order_by=["touch_time", "source"])
    whole = ibis.window(group_by="order_id")
    path = path.mutate(pos=ibis.row_number().over(w), n=path.order_id.count().over(whole))
    first, last = path.pos == 0, path.pos == path.n - 1
    nf = path.n.cast("float64")
    position = ibis.cases(
        (path.n == 1, 1.0), (path.n == 2, 0.5), (first | last, 0.4), else_=0.2 / (nf - 2)
    )
    path = path.mutate(
        last_click=ibis.ifelse(last, 1.0, 0.0),
        first_click=ibis.ifelse(first, 1.0, 0.0),
        linear=1.0 / nf,
        position_based=position,
    )
    aggs = {}
    for model in ATTRIBUTION_MODELS:
        aggs[model] = path[model].sum()
        aggs[f"{model}_sales"] = (path[model] * path.amount).sum()
    table = path.group_by("source").aggregate(**aggs).execute().set_index("source")
    paid_orders = int(orders.count().execute())
    tracked = int(path.order_id.nunique().execute()) if len(table) else 0
    table = table.sort_values("last_click", ascending=False)
    coverage = {
        "paid_orders": paid_orders,
        "tracked_orders": tracked,
        "tracked_share": tracked / paid_orders if paid_orders else float("nan"),
    }
    if paid_orders and tracked < paid_orders:
        _note(
            f"touchpoints: {tracked} of {paid_orders} paid orders in {period.label()} have a touch "
            "path; attribution covers those only"
        )
    return table, coverage


def describe_attribution(table: pd.DataFrame, coverage: dict[str, float], lang: str = "zh") -> str:
    """Which sources open journeys (first click above last click) and which close them."""
    from helpers.report import escape

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    if table.empty or not coverage["tracked_orders"]:
        return (
            "本期没有带触点路径的成交订单。"
            if zh
            else "No paid order of this period has a touch path."
        )
    shares = table[list(ATTRIBUTION_MODELS)] / table["last_click"].sum()
    diff = shares["first_click"] - shares["last_click"]
    openers = diff[diff >= 0.03].sort_values(ascending=False)
    closers = diff[diff <= -0.03].sort_values()
    parts = [
        (
            f"{coverage['tracked_orders']} 笔成交（占本期 {pct(coverage['tracked_share'])}）"
            "有触点路径。"
        )
        if zh
        else (
            f"{coverage['tracked_orders']} paid orders ({pct(coverage['tracked_share'])} "
            "of the period's) have a touch path."
        )
    ]
    if len(openers):
        names = [
            f"{escape(s)}（首次 {pct(shares.loc[s, 'first_click'])} vs 末次 "
            f"{pct(shares.loc[s, 'last_click'])}）"
            if zh
            else f"{escape(s)} (first {pct(shares.loc[s, 'first_click'])} vs last "
            f"{pct(shares.loc[s, 'last_click'])})"
            for s in openers.index[:3]
        ]
        parts.append(
            (
                "种草/引入型来源：" + "、".join(names) + "。只看末次点击会低估它们，"
                "削减预算前先看首次点击和位置归因。"
            )
            if zh
            else (
                "Sources that open journeys: " + ", ".join(names) + ". Last-click reports "
                "undervalue them; check first-click and position-based credit before cutting "
                "their budgets."
            )
        )
    if len(closers):
        names = [escape(s) for s in closers.index[:3]]
        parts.append(
            ("收割型来源：" + "、".join(names) + "，末次点击高估了它们的独立贡献。")
            if zh
            else (
                "Sources that close journeys: " + ", ".join(names) + "; last click overstates "
                "what they achieve on their own."
            )
        )
    return " ".join(parts)


# --------------------------------------------------------------------------- report text and tables


def describe_sources(
    sources: pd.DataFrame,
    totals: pd.Series,
    rate_method: str,
    lang: str = "zh",
    min_share: float = 0.02,
) -> str:
    """Which sources bring buyers and which only visitors; free vs paid; biggest mover; actions."""
    from helpers.report import escape

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    method = metrics.describe_method(rate_method, lang)
    parts = []
    best, worst = pick_best_worst(sources, min_share)
    conv = totals["conversion_rate"]
    if zh:
        parts.append(
            f"本期访客 {count(totals['visitors'])}，支付转化率 {pct(conv)}，"
            f"UV价值 {yuan(totals['uv_value'])}，客单价 {yuan(totals['aov'])}"
            f"（{method}）。"
        )
    else:
        parts.append(
            f"{count(totals['visitors'])} visitors, conversion {pct(conv)}, "
            f"UV value {yuan(totals['uv_value'])}, AOV {yuan(totals['aov'])} "
            f"({method})."
        )
    if best:
        b, w = sources.loc[best], sources.loc[worst]
        if zh:
            parts.append(
                f"最值钱的来源是「{escape(best)}」（UV价值 {yuan(b['uv_value'])}，"
                f"贡献 {pct(b['sales_share'])} 的销售额），最不值钱的是「{escape(worst)}」"
                f"（UV价值 {yuan(w['uv_value'])}，占访客 {pct(w['visitor_share'])}"
                f"、销售额 {pct(w['sales_share'])}）。"
            )
        else:
            parts.append(
                f"The most valuable source is “{escape(best)}” (UV value {yuan(b['uv_value'])}, "
                f"{pct(b['sales_share'])} of sales); the least is “{escape(worst)}” "
                f"(UV value {yuan(w['uv_value'])}, {pct(w['visitor_share'])} "
                f"of visitors but {pct(w['sales_share'])} of sales)."
            )
    # sources that bring visitors, not buyers: big, and their whole interval below the shop rate
    browsers = sources[(sources["visitor_share"] >= 0.05) & (sources["conversion_high"] < conv)]
    if len(browsers):
        names = [escape(s) for s in browsers.index[:3]]
        parts.append(
            (
                "只带来访客、很少成交的来源：" + "、".join(names) + "（转化率区间整体低于全店）："
                "优化人群定向和承接页，或把预算转给高 UV价值的来源。"
            )
            if zh
            else (
                "Sources that bring visitors but few buyers: " + ", ".join(names) + " (their "
                "whole conversion interval is below the shop's): tighten targeting and landing "
                "pages, or move budget to sources with a higher UV value."
            )
        )
    paid = (
        sources[sources["source_group"].isin(PAID_GROUPS)]
        if "source_group" in sources
        else sources.iloc[:0]
    )
    if len(sources):
        pv = paid["visitors"].sum() / sources["visitors"].sum()
        ps = (
            paid["paid_amount"].sum() / sources["paid_amount"].sum()
            if sources["paid_amount"].sum()
            else float("nan")
        )
        parts.append(
            f"付费流量占访客 {pct(pv)}、销售额 {pct(ps)}。"
            if zh
            else f"Paid traffic is {pct(pv)} of visitors and {pct(ps)} of sales."
        )
        if pd.notna(ps) and ps > 0.5:
            parts.append(
                "付费依赖偏高：提升自然搜索（标题、主图、销量权重）降低成本。"
                if zh
                else "Sales lean on paid traffic: build free search (titles, images, sales rank) "
                "to lower the cost."
            )
    moved = sources.dropna(subset=["sales_change"])
    moved = moved[moved["visitor_share"] >= min_share]
    if len(moved):
        item = (moved["paid_amount"] - moved["sales_previous"]).abs().idxmax()
        row = moved.loc[item]
        parts.append(
            f"环比变化最大的是「{escape(item)}」：销售额 {row['sales_change']:+.1%}，访客 "
            f"{row['visitors_change']:+.1%}。"
            if zh
            else f"The biggest mover was “{escape(item)}”: sales {row['sales_change']:+.1%}, "
            f"visitors {row['visitors_change']:+.1%} on the previous period."
        )
    return " ".join(parts)


def describe_funnel(
    funnel: pd.DataFrame, rate_method: str, lang: str = "zh", min_share: float = 0.05
) -> str:
    """Where the funnel leaks most, and which big sources leak worse than the shop."""
    from helpers.report import escape

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    total = funnel.loc["total"]
    method = metrics.describe_method(rate_method, lang)
    steps = {
        "cart_rate": ("访客→加购", "visitor → cart"),
        "cart_to_order": ("加购→下单", "cart → order"),
        "order_to_pay_rate": ("下单→支付", "order → payment"),
    }
    losses = {k: 1 - total[k] for k in steps if pd.notna(total[k])}
    parts = []
    if losses:
        worst = max(losses, key=losses.get)
        parts.append(
            f"全店漏斗（{method}）：加购率 {pct(total['cart_rate'])}，下单→支付 "
            f"{pct(total['order_to_pay_rate'])}，支付转化率 {pct(total['conversion_rate'])}，"
            f"跳失率 {pct(total['bounce_rate'])}。流失最多的环节是{steps[worst][0]}"
            f"（{pct(losses[worst])} 没有走到下一步）。"
            if zh
            else f"Shop funnel ({method}): add-to-cart {pct(total['cart_rate'])}, order → "
            f"payment {pct(total['order_to_pay_rate'])}, conversion "
            f"{pct(total['conversion_rate'])}, bounce rate {pct(total['bounce_rate'])}. "
            f"The biggest leak is {steps[worst][1]} ({pct(losses[worst])} do not go on)."
        )
    sources = funnel.drop(index="total")
    big = sources[sources["visitors"] >= min_share * total["visitors"]]
    if len(big):
        bouncy = big["bounce_rate"].idxmax()
        b = big.loc[bouncy]
        if b["bounce_rate"] > total["bounce_rate"] + 0.05:
            parts.append(
                f"「{escape(bouncy)}」跳失率 {pct(b['bounce_rate'])}，高于全店 "
                f"{pct(total['bounce_rate'])}：落地页与这批访客的需求不匹配，检查主图、标题和人群。"
                if zh
                else f"“{escape(bouncy)}” has a bounce rate of {pct(b['bounce_rate'])} against the "
                f"shop's {pct(total['bounce_rate'])}: its landing pages do not match what these "
                "visitors want; check images, titles and audiences."
            )
        pay = big["order_to_pay_rate"].idxmin()
        p = big.loc[pay]
        if (
            pd.notna(p["order_to_pay_rate"])
            and p["order_to_pay_rate"] < total["order_to_pay_rate"] - 0.05
        ):
            parts.append(
                f"「{escape(pay)}」下单→支付仅 {pct(p['order_to_pay_rate'])}："
                "催付、检查优惠券和运费。"
                if zh
                else f"“{escape(pay)}” pays only {pct(p['order_to_pay_rate'])} of its orders: "
                "send payment reminders, check coupons and shipping fees."
            )
    return " ".join(parts)


def describe_peers(table: pd.DataFrame, lang: str = "zh") -> str:
    """Where the shop stands against the tier and what closing each gap is worth."""
    from helpers.report import format_value as fv

    yuan, pct, ratio, count = _formatters(lang)

    zh = _zh(lang)
    known = table.dropna(subset=["peer_avg"])
    if known.empty:
        return "本期没有同行同层数据。" if zh else "No peer-tier data for this period."
    parts = []
    for key, row in known.iterrows():
        kind = "pct" if key == "conversion_rate" else "yuan"
        name = text(key, lang)
        above = row["own"] >= row["peer_avg"]
        if zh:
            parts.append(
                f"{name} {fv(row['own'], kind, lang)}，{'高于' if above else '低于'}同行平均 "
                f"{fv(row['peer_avg'], kind, lang)}（优秀 {fv(row['peer_excellent'], kind, lang)}）"
                + ("" if above else f"，追平平均约可多卖 {yuan(row['gap_to_avg'])}")
                + "。"
            )
        else:
            parts.append(
                f"{name} {fv(row['own'], kind, lang)} is {'above' if above else 'below'} the tier "
                f"average {fv(row['peer_avg'], kind, lang)} "
                f"(excellent {fv(row['peer_excellent'], kind, lang)})"
                + (
                    ""
                    if above
                    else f"; reaching the average is worth about {yuan(row['gap_to_avg'])}"
                )
                + "."
            )
    missing = [text(k, lang) for k in table.index if pd.isna(table.loc[k, "peer_avg"])]
    if missing:
        parts.append(
            ("同行数据缺少：" + "、".join(missing) + "。")
            if zh
            else ("Peers publish no " + ", ".join(missing) + " for this period.")
        )
    behind = known[known["own"] < known["peer_avg"]]
    if len(behind):
        key = behind["gap_to_avg"].idxmax()
        action = {
            "conversion_rate": (
                "优先提升转化：详情页、评价、价格力和客服响应。",
                "Work on conversion first: detail pages, reviews, price and service response.",
            ),
            "uv_value": (
                "优先提升 UV价值：转化和客单价一起抓。",
                "Work on UV value: conversion and AOV together.",
            ),
            "aov": (
                "优先提升客单价：搭配套餐、满减门槛和关联推荐。",
                "Work on AOV first: bundles, spend thresholds and cross-selling.",
            ),
        }[key]
        parts.append(action[0 if zh else 1])
    return " ".join(parts)


def unique_notes(*groups) -> list[str]:
    """The notes of several sections in order, each once (sections repeat e.g. a missing
    previous period)."""
    return list(dict.fromkeys(n for group in groups for n in group if n))


def _styled(frame: pd.DataFrame, formats: dict[str, str], lang: str, index_key: str | None = None):
    """A plots.style_table of ``frame`` restricted to ``formats``' columns, headers in ``lang``."""
    from helpers import plots

    cols = [c for c in formats if c in frame.columns]
    shown = frame[cols].rename(columns={c: text(c, lang) for c in cols})
    if index_key:
        shown.index = [
            text(i, lang) if i in TEXT and i in ("total", "sum_of_sources", "paid", "free") else i
            for i in shown.index
        ]
        shown.index.name = text(index_key, lang)
    if isinstance(shown.index, pd.MultiIndex):
        shown.index = shown.index.set_names([text(n, lang) for n in shown.index.names])
    elif shown.index.name in TEXT:
        shown.index.name = text(shown.index.name, lang)
    return plots.style_table(
        shown, {text(c, lang): formats[c] for c in cols}, lang, translate=False
    )


def source_table(sources: pd.DataFrame, lang: str = "zh"):
    """The :func:`summarize_sources` table formatted for a report (text escaped)."""
    formats = {
        "source_group": "text",
        "visitors": "count",
        "paid_buyers": "count",
        "paid_amount": "yuan",
        "conversion_rate": "pct",
        "conversion_low": "pct",
        "conversion_high": "pct",
        "uv_value": "yuan",
        "aov": "yuan",
        "visitor_share": "pct",
        "sales_share": "pct",
        "visitors_change": "signed_pct",
        "sales_change": "signed_pct",
        "conversion_change": "signed_pct",
    }
    formats = {k: v for k, v in formats.items() if k in sources.columns}
    shown = sources.copy()
    if "source_group" in shown:
        shown["source_group"] = [group_label(g, lang) for g in shown["source_group"]]
    if sources.index.name == "source_group":
        shown.index = pd.Index([group_label(g, lang) for g in shown.index], name="source_group")
    elif sources.index.name == "traffic_type":
        shown.index = pd.Index([text(g, lang) for g in shown.index], name="traffic_type")
    return _styled(
        shown,
        {k: (v if v != "text" else str) for k, v in formats.items()},
        lang,
        sources.index.name or "source",
    )


def funnel_table(funnel: pd.DataFrame, lang: str = "zh"):
    """The :func:`build_funnel` table formatted for a report."""
    formats = {
        "visitors": "count",
        "cart_buyers": "count",
        "order_buyers": "count",
        "paid_buyers": "count",
        "cart_rate": "pct",
        "cart_to_order": "pct",
        "order_to_pay_rate": "pct",
        "conversion_rate": "pct",
        "bounce_rate": "pct",
    }
    return _styled(funnel, formats, lang, "source")


def peer_table(peers: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The :func:`compare_peers` table formatted for reading (each row in its own unit)."""
    from helpers.report import format_change
    from helpers.report import format_value as fv

    out = pd.DataFrame(index=[text(k, lang) for k in peers.index])
    kinds = ["pct" if k == "conversion_rate" else "yuan" for k in peers.index]
    for col in ("own", "peer_avg", "peer_excellent"):
        out[text(col, lang)] = [fv(v, k, lang) for v, k in zip(peers[col], kinds, strict=True)]
    out[text("vs_peer_avg", lang)] = [
        format_change(v, lang) if pd.notna(v) else "—" for v in peers["vs_peer_avg"]
    ]
    for col in ("gap_to_avg", "gap_to_excellent"):
        out[text(col, lang)] = [fv(v, "yuan", lang) for v in peers[col]]
    return out


def ads_table(ads: pd.DataFrame, breakeven: float, lang: str = "zh"):
    """The :func:`summarize_ads` table formatted for a report, verdicts and reasons in words."""
    shown = ads.copy()
    shown["verdict"] = [text(v, lang) for v in ads["verdict"]]
    shown["reason"] = [describe_verdict(r, breakeven, lang) for _, r in ads.iterrows()]
    formats = {
        "window": str,
        "impressions": "count",
        "clicks": "count",
        "spend": "yuan",
        "ctr": "pct",
        "cpc": "yuan",
        "cpm": "yuan",
        "click_conversion": "pct",
        "orders": "count",
        "amount": "yuan",
        "roi": "ratio",
        "cost_per_order": "yuan",
        "max_cpc": "yuan",
        "profit": "yuan",
        "verdict": str,
        "reason": str,
    }
    return _styled(shown, formats, lang)


def decomposition_table(table: pd.DataFrame, lang: str = "zh"):
    """The :func:`decompose_sales` table formatted for a report."""
    formats = {
        "previous": "yuan",
        "current": "yuan",
        "change": "yuan",
        "visitors_effect": "yuan",
        "conversion_effect": "yuan",
        "aov_effect": "yuan",
    }
    return _styled(table, formats, lang, "source")


def plot_anomalies(result: AnomalyScan, lang: str = "zh"):
    """The largest anomaly in context: its source's metric against the baseline over the scan,
    anomaly days marked. None when the scan found nothing."""
    from helpers import plots

    if result.anomalies.empty:
        return None
    top = result.anomalies.iloc[0]
    cells = result.cells[
        (result.cells["source"] == top["source"]) & (result.cells["metric"] == top["metric"])
    ].sort_values("date")
    series = {text("observed", lang): cells["observed"], text("expected", lang): cells["expected"]}
    frame = pd.concat(
        [
            pd.DataFrame({"date": cells["date"], "series": name, "value": values})
            for name, values in series.items()
        ],
        ignore_index=True,
    )
    kind = {"visitors": "count", "conversion_rate": "pct", "uv_value": "yuan"}[top["metric"]]
    fig = plots.plot_trend(
        frame,
        x="date",
        y="value",
        hue="series",
        kind=kind,
        lang=lang,
        title=f"{top['source']} · {text(top['metric'], lang)}",
    )
    ax = fig.axes[0]
    hits = cells[cells["anomaly"]]
    ax.scatter(hits["date"], hits["observed"], s=60, color="#d62728", zorder=5)
    ax.set_ylabel(text(top["metric"], lang))
    if ax.get_legend() is not None:
        ax.get_legend().set_title("")
    return fig


def anomaly_table(result: AnomalyScan, lang: str = "zh", top: int = 20) -> pd.DataFrame:
    """The anomalies of a scan formatted for reading, largest first (each row in its own unit)."""
    from helpers.report import format_value as fv

    found = result.anomalies.head(top)
    kinds = {"visitors": "count", "conversion_rate": "pct", "uv_value": "yuan"}
    return pd.DataFrame(
        {
            text("date", lang): [f"{d:%Y-%m-%d}" for d in found["date"]],
            text("source", lang): found["source"].astype(str).to_list(),
            text("metric", lang): [text(m, lang) for m in found["metric"]],
            text("observed", lang): [
                fv(v, kinds[m], lang)
                for v, m in zip(found["observed"], found["metric"], strict=True)
            ],
            text("expected", lang): [
                fv(v, kinds[m], lang)
                for v, m in zip(found["expected"], found["metric"], strict=True)
            ],
            text("deviation", lang): [
                f"{v:+.0%}" if pd.notna(v) else "—" for v in found["deviation"]
            ],
            text("z", lang): [f"{v:+.1f}" for v in found["z"]],
            text("impact", lang): [fv(v, "yuan", lang) for v in found["impact"]],
            text("bounce_rate", lang): [fv(v, "pct", lang) for v in found["bounce_rate"]],
            text("hint", lang): [HINTS[h][0 if lang == "zh" else 1] for h in found["hint"]],
        }
    )


def attribution_table(table: pd.DataFrame, lang: str = "zh"):
    """Each source's share of the order credit under each model (and last-click orders)."""
    shares = table[list(ATTRIBUTION_MODELS)] / table["last_click"].sum()
    return _styled(shares, dict.fromkeys(ATTRIBUTION_MODELS, "pct"), lang, "source")


# ---------------------------------------------------------------------------
# Explore section
# ---------------------------------------------------------------------------


def explore_controls(shop: Shop, period: Period, data_first: Any, data_last: Any, lang: str = "zh",
                     trend_weeks: int = 8, rate_method: str = "pooled") -> dict:
    """Selectors of the traffic Explore section: source, metric, dates and 口径, starting from the parameters."""
    from helpers import overview

    controls = overview.explore_controls(shop, period, data_first, data_last, lang, trend_weeks)
    controls.pop("category")  # traffic has sources, not categories
    controls["metric"].value = "visitors"
    controls["rate_method"].value = rate_method
    return controls


def render_explore(shop: Shop, metric: str, source: str | None, dates: tuple, rate_method: str = "pooled",
                   lang: str = "zh") -> list:
    """The Explore view: the chosen source's funnel over the dates and its daily metric."""
    from helpers import overview

    if dates[1] < dates[0]:
        return [overview.render_slice(shop, metric, source, None, dates, rate_method, lang)]
    funnel = build_funnel(shop, Period(*dates), rate_method)
    row = "total" if source is None else source
    if row not in funnel.index:
        funnel_view = pd.DataFrame({"": [text("no_data", lang)]})
    else:
        funnel_view = funnel_table(funnel.loc[[row]], lang)
    return [funnel_view, overview.render_slice(shop, metric, source, None, dates, rate_method, lang)]
