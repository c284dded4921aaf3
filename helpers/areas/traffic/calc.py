"""Traffic calculations: daily traffic per source, the source map, the funnel and the peer tier.

Reductions run in the engine (Ibis); only per-day, per-source rows (a few thousand at most)
come back to pandas. Every ratio is computed by :mod:`helpers.core.metrics`, every interval
by :mod:`helpers.core.stats`.

口径 used here
--------------
- Visitors, buyers and sales come from ``traffic`` (the platform's daily per-source
  figures), so UV价值 = 支付转化率 x 客单价 holds. Visitors over several days are summed
  (visitor-days). A source without a row on a day had 0 visitors that day.
- Rates over several days follow ``rate_method``: ``"pooled"`` (sum / sum) or
  ``"daily_mean"`` (mean of the daily rates), see
  :func:`helpers.core.metrics.rate_over_days`; reports name the method with
  :func:`helpers.core.metrics.describe_method`. Conversion intervals are Wilson intervals of
  the pooled counts widened by the days' spread beyond chance
  (:func:`helpers.core.stats.overdispersed_interval`; ``dispersion`` 1 = binomial).
- Paid traffic (付费流量) is the source groups ``paid`` and ``affiliate``; every other group
  is free traffic (免费流量). The ``crm`` group (购物车, 我的淘宝) is returning visitors: high UV
  value, but not a channel that wins new visitors.
- Peers (同行同层) publish daily lines; their period value is the mean of the days
  (:func:`helpers.core.lines.peer_lines`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.core.lines import peer_lines
from helpers.core.notes import caught, note, quiet
from helpers.core.stats import day_dispersion, overdispersed_interval
from helpers.i18n import has_label, label

if TYPE_CHECKING:
    from helpers.core.shop import Shop

RATE_METHODS = ("pooled", "daily_mean")
PAID_GROUPS = ("paid", "affiliate")
RETURNING_GROUPS = ("crm",)  # 购物车, 我的淘宝: buyers coming back, not visitors won
COUNTS = ("visitors", "page_views", "bounced_visitors", "cart_buyers", "order_buyers", "paid_buyers",
          "paid_amount")
SOURCE_KEYS = ("source", "source_group", "traffic_type")
FUNNEL_STAGES = ("visitors", "cart_buyers", "order_buyers", "paid_buyers")
PEER_METRICS = ("conversion_rate", "uv_value", "aov")
#: Row names this area generates (the whole shop, the sum of the sources) -> label key.
ROW_LABELS = {"total": "whole_shop", "sum_of_sources": "sum_of_sources"}


# --------------------------------------------------------------------------- names and options


def item_name(item: Any, by: str, lang: str) -> str:
    """Display name of a row of a per-``by`` table in ``lang``.

    Source names are data and pass unchanged; a source group is the label ``group_<group>``,
    a traffic type ``paid_traffic`` or ``free_traffic``; the whole shop and the sum of the
    sources are labels too (:data:`ROW_LABELS`).
    """
    if item in ROW_LABELS:
        return label(ROW_LABELS[item], lang)
    if by == "source_group" and has_label(f"group_{item}"):
        return label(f"group_{item}", lang)
    if by == "traffic_type" and item in ("paid", "free"):
        return label(f"{item}_traffic", lang)
    return str(item)


def check_method(rate_method: str) -> None:
    """ValueError naming ``rate_method`` unless it is one of :data:`RATE_METHODS`."""
    if rate_method not in RATE_METHODS:
        raise ValueError(
            f"parameter rate_method={rate_method!r} is not supported; use one of "
            f"{RATE_METHODS} (pooled: total / total; daily_mean: mean of daily rates)"
        )


def check_options(*, rate_method: str = "pooled", confidence: float = 0.95, anomaly_threshold: float = 4.0,
                  anomaly_weeks: int = 8, baseline_days: int = 56, trend_weeks: int = 8) -> None:
    """Check the traffic notebook's own parameters; a ValueError names the parameter and the fix."""
    check_method(rate_method)
    if not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    if not anomaly_threshold > 0:
        raise ValueError(
            f"parameter anomaly_threshold={anomaly_threshold!r} must be positive, e.g. 4 "
            "(lower finds more anomalies and more false alarms)"
        )
    for name, value, low in (("anomaly_weeks", anomaly_weeks, 1), ("trend_weeks", trend_weeks, 1),
                             ("baseline_days", baseline_days, 28)):
        if int(value) != value or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


# --------------------------------------------------------------------------- daily traffic


def load_daily(shop: Shop, start: Any, end: Any) -> pd.DataFrame:
    """Daily traffic per source from ``start`` to ``end`` (inclusive), zeros filled in.

    Parameters
    ----------
    shop : connected data with a ``traffic`` table.
    start, end : first and last day.

    Returns
    -------
    Frame with one row per day and source (every source seen in the range, on every day
    from the first to the last day with data in the range): date (Timestamp), source,
    source_group, traffic_type ("paid" for the groups in :data:`PAID_GROUPS`, else "free")
    and the counts of :data:`COUNTS` (visitors, buyers: people; paid_amount: yuan). A
    source without a row on a day gets 0 visitors and 0 buyers that day (platform exports
    leave such rows out); days outside the data's own span are left out, not filled.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    t = shop.table("traffic")
    t = t.filter((t.date >= start.date()) & (t.date <= end.date()))
    frame = t.select("date", "source", "source_group", *COUNTS).execute()
    if frame.empty:
        return pd.DataFrame({
            "date": pd.Series([], dtype="datetime64[ns]"),
            "source": pd.Series([], dtype=object),
            "source_group": pd.Series([], dtype=object),
            "traffic_type": pd.Series([], dtype=object),
            **{c: pd.Series([], dtype=float) for c in COUNTS},
        })
    frame["date"] = pd.to_datetime(frame["date"])
    # zeros only inside the span the data covers: before its first day nothing is known
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq="D")
    groups = frame.sort_values("date").groupby("source")["source_group"].last()
    full = pd.MultiIndex.from_product([dates, sorted(groups.index)], names=["date", "source"])
    out = (frame.set_index(["date", "source"])[list(COUNTS)].reindex(full).fillna(0.0).astype(float)
           .reset_index())
    lacking = [c for c in COUNTS if frame[c].isna().all()]  # not in the export (跳失人数, 浏览量): unknown, not 0
    out[lacking] = float("nan")
    out.insert(2, "source_group", out["source"].map(groups))
    out.insert(3, "traffic_type", out["source_group"].map(lambda g: "paid" if g in PAID_GROUPS else "free"))
    return out


def _daily_pair(shop: Shop, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This period's and the previous period's daily traffic; one note if the previous has none."""
    current = load_daily(shop, period.start, period.end)
    if current.empty or current["visitors"].sum() == 0:
        raise ValueError(
            f"the traffic table has no visitors in {period.label()}; choose a period "
            "inside the traffic data (see `workbook check`)"
        )
    prev_period = period.previous()
    previous = load_daily(shop, prev_period.start, prev_period.end)
    if previous.empty or previous["visitors"].sum() == 0:
        note(f"上期（{prev_period.label()}）在数据中没有流量，其对比显示为 —",
             f"previous period ({prev_period.label()}) has no traffic in the data, so its "
             "comparisons are shown as —", stacklevel=3)
    return current, previous


def _shop_days(shop: Shop, period: Period) -> pd.DataFrame:
    """The whole shop's daily totals of :data:`COUNTS` (every source summed per day)."""
    return load_daily(shop, period.start, period.end).groupby("date")[list(COUNTS)].sum(min_count=1)


def _shop_rates(days: pd.DataFrame, rate_method: str) -> dict[str, float]:
    """Conversion, UV value and AOV of daily totals by ``rate_method``."""
    return {
        "conversion_rate": metrics.rate_over_days(days["paid_buyers"], days["visitors"], rate_method,
                                                  key="conversion_rate"),
        "uv_value": metrics.rate_over_days(days["paid_amount"], days["visitors"], rate_method, key="uv_value"),
        "aov": metrics.rate_over_days(days["paid_amount"], days["paid_buyers"], rate_method, key="aov"),
    }


# --------------------------------------------------------------------------- source map


def rates_by(daily: pd.DataFrame, key: str, rate_method: str = "pooled",
             confidence: float = 0.95) -> pd.DataFrame:
    """Counts and rates per value of ``key`` (source, source_group, traffic_type) of daily rows.

    conversion_rate = paid buyers / visitors, uv_value = paid amount / visitors (yuan),
    aov = paid amount / paid buyers (yuan), each over the days by ``rate_method``;
    conversion_low and conversion_high are the Wilson interval of the pooled counts at
    ``confidence``.

    Parameters
    ----------
    daily : :func:`load_daily` rows.
    key : the column to group by.
    rate_method : "pooled" or "daily_mean".
    confidence : level of the Wilson interval.

    Returns
    -------
    Frame indexed by ``key`` with the summed :data:`COUNTS` and the rates above. Days left
    out of a rate (zero denominators) are one note per item, naming it.
    """
    check_method(rate_method)
    return _rates(daily, key, rate_method, confidence)


def _rates(daily: pd.DataFrame, key: str, rate_method: str, confidence: float) -> pd.DataFrame:
    """:func:`rates_by`, its notes pointing at the caller of the public function that called it."""
    day_totals = daily.groupby([key, "date"])[list(COUNTS)].sum()
    out = day_totals.groupby(level=0).sum()
    for name, (num, den) in (("conversion_rate", ("paid_buyers", "visitors")),
                             ("uv_value", ("paid_amount", "visitors")),
                             ("aov", ("paid_amount", "paid_buyers"))):
        values = {}
        for item, days in day_totals.groupby(level=0):
            with caught() as found:
                values[item] = metrics.rate_over_days(days[num], days[den], rate_method, key=name)
            for n in found:
                note(f"{item_name(item, key, 'zh')}：{n.zh}", f"{item_name(item, key, 'en')}: {n.en}", stacklevel=3)
        out[name] = pd.Series(values)
    # days vary more than chance on a real shop: the interval widens by the days' own spread
    spread = day_dispersion(day_totals["paid_buyers"], day_totals["visitors"]).reindex(out.index)
    out["dispersion"] = spread["dispersion"]
    with quiet():  # a source without visitors: its NaN interval shows it
        low, high = overdispersed_interval(out["paid_buyers"], out["visitors"], spread["dispersion"], spread["days"],
                                           confidence)
    out["conversion_low"], out["conversion_high"] = low, high
    return out


def summarize_sources(shop: Shop, period: Period, rate_method: str = "pooled", confidence: float = 0.95,
                      by: str = "source") -> pd.DataFrame:
    """Source map (流量地图): visitors, buyers, conversion with interval, UV value, AOV, shares.

    visitor_share = visitors / all visitors, sales_share = paid amount / all paid amount;
    x_change = x / previous period's x - 1 (relative).

    Parameters
    ----------
    shop : connected data with ``traffic``.
    period : the days analysed; the comparison is ``period.previous()``.
    rate_method : "pooled" or "daily_mean" for conversion, UV value and AOV.
    confidence : level of the Wilson interval of the pooled conversion.
    by : "source", "source_group" or "traffic_type" (paid / free).

    Returns
    -------
    Frame indexed by ``by``, sorted by visitors, with visitors, paid_buyers, paid_amount
    (yuan), conversion_rate, conversion_low, conversion_high, uv_value, aov (yuan),
    visitor_share, sales_share, source_group (by source) and the previous period's
    visitors, sales and conversion with their relative changes (visitors_change,
    sales_change, conversion_change; NaN for a source new in this period).
    """
    check_method(rate_method)
    if by not in SOURCE_KEYS:
        raise ValueError(f"by={by!r}; use source, source_group or traffic_type")
    current, previous = _daily_pair(shop, period)
    table = _rates(current, by, rate_method, confidence)
    with quiet():
        table["visitor_share"] = metrics.share(table["visitors"])
        table["sales_share"] = metrics.share(table["paid_amount"])
    if by == "source":
        table.insert(0, "source_group", current.groupby("source")["source_group"].last())
    if previous.empty or previous["visitors"].sum() == 0:
        prev = pd.DataFrame(index=table.index, columns=["visitors", "paid_amount", "conversion_rate"],
                            dtype=float)
    else:
        with quiet():  # the current period's notes suffice
            prev = _rates(previous, by, rate_method, confidence)
    prev = prev.reindex(table.index)
    with quiet():  # new sources have no base: shown as —
        for col, name in (("visitors", "visitors"), ("paid_amount", "sales"), ("conversion_rate", "conversion")):
            table[f"{name}_previous"] = prev[col]
            table[f"{name}_change"] = metrics.change(table[col], prev[col])
    keep = ["source_group"] if by == "source" else []
    keep += ["visitors", "paid_buyers", "paid_amount", "conversion_rate", "conversion_low", "conversion_high",
             "uv_value", "aov", "visitor_share", "sales_share", "visitors_previous", "sales_previous",
             "conversion_previous", "visitors_change", "sales_change", "conversion_change"]
    table = table[keep].sort_values("visitors", ascending=False)
    table.index.name = by
    return table


def total_figures(sources: pd.DataFrame, shop: Shop, period: Period, rate_method: str = "pooled") -> pd.Series:
    """Whole-shop visitors, buyers, sales, conversion, UV value and AOV of the period.

    Counts are the sums of the :func:`summarize_sources` table ``sources``; the rates follow
    ``rate_method`` over the shop's daily totals (all sources summed per day).

    Returns
    -------
    Series: visitors, paid_buyers, paid_amount (yuan), conversion_rate, uv_value (yuan),
    aov (yuan).
    """
    check_method(rate_method)
    out = {"visitors": float(sources["visitors"].sum()), "paid_buyers": float(sources["paid_buyers"].sum()),
           "paid_amount": float(sources["paid_amount"].sum())}
    out.update(_shop_rates(_shop_days(shop, period), rate_method))
    return pd.Series(out)


def pick_best_worst(sources: pd.DataFrame, min_share: float = 0.02) -> tuple[str, str]:
    """The sources with the highest and the lowest UV value (sales per visitor).

    Only sources with at least ``min_share`` of the period's visitors compete, so a source
    with a handful of visitors cannot win or lose by chance. ("", "") when none qualifies.
    """
    eligible = sources[(sources["visitor_share"] >= min_share) & sources["uv_value"].notna()]
    if eligible.empty:
        return "", ""
    return str(eligible["uv_value"].idxmax()), str(eligible["uv_value"].idxmin())


def daily_trend(shop: Shop, end: pd.Timestamp, weeks: int = 8, by: str = "source_group") -> pd.DataFrame:
    """Daily visitors, sales and UV value per source group (or traffic type, or source) over
    the ``weeks`` weeks ending on ``end``.

    Returns
    -------
    Frame with date, ``by`` (keys, not display names), visitors, paid_amount (yuan) and
    uv_value (yuan per visitor; NaN on a day without visitors).
    """
    if by not in SOURCE_KEYS:
        raise ValueError(f"by={by!r}; use source_group, traffic_type or source")
    history = Period.ending(pd.Timestamp(end), days=7 * int(weeks))
    daily = load_daily(shop, history.start, history.end)
    out = daily.groupby(["date", by])[["visitors", "paid_amount"]].sum().reset_index()
    with quiet():  # empty days show as gaps
        out["uv_value"] = metrics.uv_value(out["paid_amount"], out["visitors"])
    return out


# --------------------------------------------------------------------------- funnel


def build_funnel(shop: Shop, period: Period, rate_method: str = "pooled") -> pd.DataFrame:
    """Funnel visitors -> add-to-cart -> order -> paid, for the whole shop and per source.

    Stage rates are per visitor: cart_rate (加购率 = cart buyers / visitors),
    order_conversion_rate (下单转化率), conversion_rate (支付转化率); the steps are
    cart_to_order = order_conversion_rate / cart_rate (下单 / 加购) and order_to_pay_rate
    (支付买家 / 下单买家); bounce_rate (跳失率 = bounced visitors / visitors). With
    ``rate_method="daily_mean"`` each per-visitor rate is the mean of daily rates and the
    steps are ratios of those means. In exports where buyers order without carting
    (立即购买) cart_to_order can exceed 100%.

    Returns
    -------
    Frame indexed by "total" then the sources (by visitors), with the stage counts and the
    rates above (fractions). Days left out of a rate are one note per row, naming it.
    """
    check_method(rate_method)
    daily = load_daily(shop, period.start, period.end)
    shop_days = daily.groupby("date")[list(COUNTS)].sum(min_count=1).assign(source="total")
    per_source = daily.set_index("date")[["source", *COUNTS]]
    rows = {}
    for name, days in pd.concat([shop_days, per_source]).groupby("source", sort=False):
        row = {k: float(days[k].sum()) for k in (*FUNNEL_STAGES, "bounced_visitors")}
        with caught() as found:
            for key, num in (("cart_rate", "cart_buyers"), ("order_conversion_rate", "order_buyers"),
                             ("conversion_rate", "paid_buyers"), ("bounce_rate", "bounced_visitors")):
                row[key] = metrics.rate_over_days(days[num], days["visitors"], rate_method, key=key)
            row["order_to_pay_rate"] = metrics.rate_over_days(days["paid_buyers"], days["order_buyers"],
                                                              rate_method, key="order_to_pay_rate")
        for n in found:
            note(f"{item_name(name, 'source', 'zh')}：{n.zh}", f"{item_name(name, 'source', 'en')}: {n.en}")
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["cart_to_order"] = table["order_conversion_rate"] / table["cart_rate"].where(table["cart_rate"] > 0)
    order = ["total", *table.drop(index="total").sort_values("visitors", ascending=False).index]
    return table.loc[order, [*FUNNEL_STAGES, "cart_rate", "cart_to_order", "order_conversion_rate",
                             "order_to_pay_rate", "conversion_rate", "bounce_rate"]]


# --------------------------------------------------------------------------- peers


def compare_peers(shop: Shop, period: Period, rate_method: str = "pooled", tier: str = "") -> pd.DataFrame:
    """Own conversion, UV value and AOV against the peer tier (同行同层), and what the gap is worth.

    Worth of a gap, in yuan, at the period's own traffic: conversion: (peer - own) x
    visitors x own AOV; UV value: (peer - own) x visitors; AOV: (peer - own) x paid buyers.
    Zero where the shop is already above the line; NaN (with a note naming the metric)
    where peers do not publish the metric for the period.

    Parameters
    ----------
    tier : the peer tier to compare with; empty means the shop's tier on the latest day of
        the period that has peer rows.

    Returns
    -------
    Frame indexed by conversion_rate, uv_value, aov with own, peer_avg, peer_excellent,
    vs_peer_avg (own / peer_avg - 1), gap_to_avg, gap_to_excellent (yuan).
    """
    check_method(rate_method)
    daily = _shop_days(shop, period)
    visitors, buyers = float(daily["visitors"].sum()), float(daily["paid_buyers"].sum())
    own = _shop_rates(daily, rate_method)
    table = pd.DataFrame({"own": pd.Series(own)})
    tier = tier or _latest_tier(shop, period)
    peers = peer_lines(shop, period, tier or None)
    table = table.join(peers.reindex(list(PEER_METRICS)), how="left")
    missing = [k for k in PEER_METRICS if pd.isna(table.loc[k, "peer_avg"])]
    if missing and len(missing) < len(PEER_METRICS):
        note(f"同行同层数据在 {period.label()} 没有" + "、".join(label(k, "zh") for k in missing)
             + "：这些对比显示为 —",
             "the peer tier has no " + ", ".join(label(k, "en") for k in missing)
             + f" for {period.label()}: those comparisons are shown as —")
    elif missing:
        note(f"{period.label()} 没有同行同层数据", f"no peer-tier figures for {period.label()}")
    with quiet():
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
        note(f"同行数据在 {period.label()} 有多个层级，按最近一天的层级 {latest} 对比",
             f"peers has several tiers in {period.label()}; compared with {latest}, the tier of the latest day",
             stacklevel=3)
        return latest
    return str(tiers["tier"].iloc[0]) if len(tiers) else ""
