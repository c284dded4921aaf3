"""Market sentences: what the figures and findings mean for the shop, one sentence per report language.

Every figure is formatted by :mod:`helpers.present.format`, every word that is also a table
header or verdict comes from the label table (:mod:`helpers.i18n`), and text from the data
(categories, shops, titles, band labels) is escaped (:func:`helpers.present.display.escape`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas.market import findings
from helpers.areas.market.bands import top_band
from helpers.areas.market.calibration import widen_for_extrapolation
from helpers.areas.market.size import GROWTH_MONTHS, month_label
from helpers.core import metrics
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.notes import quiet
from helpers.i18n import is_zh, label, pick
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration


def hhi_words(verdict: str, lang: str) -> str:
    """The words for a :func:`helpers.areas.market.findings.hhi_level` verdict (分散 / unconcentrated ...)."""
    return label("no_data" if verdict == NOT_ENOUGH_DATA else f"hhi_{verdict}", lang)


def _hhi(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:,.0f}"


def category_header(category: str, data_end: Any, lang: str) -> str:
    """The analysed category and the data's last day, as one Markdown line."""
    day = f"{pd.Timestamp(data_end):%Y-%m-%d}"
    return pick(lang, f"**{label('category', lang)}** {escape(category)} · 数据截至 {day}",
                f"**{label('category', lang)}** {escape(category)} · data up to {day}")


def _size_interval(row: pd.Series, lang: str) -> str:
    """How sure the month's size is: its interval, the estimated share and how much of that is extrapolated."""
    with quiet():  # the month has sales
        est_share = metrics.share(row["estimated_sales"], row["sales"])
        half = metrics.share((row["sales_high"] - row["sales_low"]) / 2, row["sales"])
    est, ext = format_value(est_share, "pct", lang), format_value(row["extrapolated_share"], "pct", lang)
    low = format_value(row["sales_low"], "yuan", lang)
    if pd.isna(row["sales_high"]):
        return pick(lang, f"（其中 {est} 由交易指数估算，估算全部超出本店指数范围、是外推：区间没有上限，至少 {low}）",
                    f" ({est} estimated from the trade index, all of it extrapolated beyond our own index range: "
                    f"the interval has no upper end, at least {low})")
    if row["extrapolated_share"] > 0:
        return pick(lang, f"（±{format_value(half, 'pct', lang)}，其中 {est} 由交易指数估算，估算中 {ext} 超出本店指数"
                          "范围、是外推，区间已按外推占比放宽）",
                    f" (±{format_value(half, 'pct', lang)}; {est} estimated from the trade index, {ext} of that "
                    "extrapolated beyond our own index range, the interval widened by that share)")
    return pick(lang, f"（±{format_value(half, 'pct', lang)}，其中 {est} 由交易指数估算）",
                f" (±{format_value(half, 'pct', lang)}; {est} estimated from the trade index)")


def describe_size(size: pd.DataFrame, growth: dict, category: str, cal: Calibration | None, lang: str) -> str:
    """The market's size in the last full month (with its interval and the share of the
    estimate that is extrapolated), its trailing growth and whether our share is growing
    (:func:`helpers.areas.market.findings.judge_own_share`; "not enough data" below its minimum)."""
    full = size[~size["partial"]]
    if full.empty or not full["sales"].iloc[-1] > 0:
        return pick(lang, "该类目没有完整月份的销售。", "The category has no full month with sales.")
    m = full.index[-1]
    row = size.loc[m]
    cat, g = escape(category), format_value(growth["growth"], "pct", lang)
    sales = format_value(row["sales"], "yuan", lang)
    interval = _size_interval(row, lang) if cal is not None and row["estimated_sales"] > 0 else ""
    head = pick(lang, f"{cat} {month_label(m)} 市场规模 {sales}{interval}；近 {GROWTH_MONTHS} 个完整月同比 {g}。",
                f"{cat} sold {sales} in {month_label(m)}{interval}; the last {GROWTH_MONTHS} full months grew {g} "
                "year on year.")
    share = findings.judge_own_share(size)
    if not share.enough_data:
        months = share.evidence["full_months"]
        return head + pick(lang, f"本店份额走势：{label('not_enough_data', lang)}（{months} 个完整月，"
                                 f"至少要 {findings.MIN_SHARE_MONTHS} 个）。",
                           f" Our share's trend: {label('not_enough_data', lang).lower()} yet ({months} full months, "
                           f"{findings.MIN_SHARE_MONTHS} needed).")
    ev = share.evidence
    now, then = format_value(ev["share"], "pct", lang), format_value(ev["share_then"], "pct", lang)
    first = month_label(ev["first_month"])
    gaining = share.verdict == "gaining"
    if is_zh(lang):
        return head + f"本店占 {now}（{first} 为 {then}），" + ("份额在扩大。" if gaining else "份额没有跟上市场。")
    return (head + f" Our share is {now} ({then} in {first}): "
            + ("we are gaining ground." if gaining else "we are not keeping up with the market."))


def describe_fake_orders(excluded: dict, lang: str) -> str:
    """What the suspected fake orders (刷单) did to the figures: left out (how many listings,
    listing-months and how much in sales) or, when the switch says so, counted.

    ``excluded`` is :func:`helpers.areas.market.competition.drop_fake_orders`' summary.
    """
    n = excluded["listings"]
    if not n:
        return pick(lang, "没有疑似刷单的商品，市场数字不需剔除。", "No listing is suspected of fake orders: nothing is left out.")
    months, sales = excluded["listing_months"], format_value(excluded["sales"], "yuan", lang)
    share = format_value(excluded["share"], "pct", lang)
    if excluded["included"]:
        return pick(lang, f"{n} 个疑似刷单商品的 {months} 个商品月（{sales}，占全部销售额 {share}）按参数 "
                          "include_fake_orders = True 计入了市场规模、份额和排行。",
                    f"{n} listings suspected of fake orders are counted in size, shares and rankings "
                    f"(include_fake_orders = True): {months} listing-months, {sales}, {share} of all sales.")
    return pick(lang, f"已剔除 {n} 个疑似刷单商品的 {months} 个商品月（{sales}，占全部销售额 {share}）："
                      "市场规模、份额、集中度和排行都不含它们（参数 include_fake_orders = True 可计入）。",
                f"{n} listings suspected of fake orders are left out: {months} listing-months, {sales}, {share} of "
                "all sales are not in size, shares, concentration or rankings (include_fake_orders = True counts them).")


def describe_bands(bands: pd.DataFrame, lang: str) -> str:
    """Which band sells most and which is under-supplied
    (:func:`helpers.areas.market.findings.judge_band_supply`), with their shares of sales and listings."""
    top = top_band(bands)
    if top is None:
        return pick(lang, "没有可分价格带的销售。", "No sales to split into price bands.")
    b = bands.loc[top]
    sales_share, listing_share, own_share = (format_value(b[c], "pct", lang)
                                             for c in ("sales_share", "listing_share", "own_share"))
    text = pick(lang, f"¥{escape(top)} 贡献 {sales_share} 的销售额，只占 {listing_share} 的在售商品月数，"
                      f"本店在该价格带占 {own_share}。",
                f"¥{escape(top)} carries {sales_share} of sales with {listing_share} of listing-months; our share "
                f"there is {own_share}.")
    supply = findings.judge_band_supply(bands)
    if not supply.enough_data:
        text += pick(lang, f" 供给不足的价格带：{label('not_enough_data', lang)}（每个价格带至少要 "
                           f"{supply.evidence['min_listing_months']} 个商品月）。",
                     f" Under-supplied band: {label('not_enough_data', lang).lower()} yet (each band needs "
                     f"{supply.evidence['min_listing_months']} listing-months).")
    else:
        band, demand = escape(supply.subject), format_value(supply.evidence["demand_per_listing"], "yuan", lang)
        ratio = supply.evidence["ratio"]
        text += pick(lang, f" 供给最不足的是 ¥{band}：每个商品每月 {demand}，是各价格带中位数的 {ratio:.1f} 倍，"
                           "新品放在这里竞争最少。",
                     f" The most under-supplied band is ¥{band}: {demand} per listing per month, {ratio:.1f}× the "
                     "median band, so a new listing meets the least competition there.")
    return text


def _newcomers_verdict(found, lang: str) -> str:
    """The words for a :func:`helpers.areas.market.findings.judge_newcomers` finding."""
    ev = found.evidence
    if not found.enough_data:
        return pick(lang, f"能否进入：{label('not_enough_data', lang)}（{ev['months']} 个月的数据，至少要 {ev['min_months']} 个）。",
                    f"whether newcomers can win share: {label('not_enough_data', lang).lower()} yet ({ev['months']} "
                    f"months of data, {ev['min_months']} needed).")
    if "shop" in ev:
        shop, since = escape(ev["shop"]), month_label(ev["first_month"])
        share = format_value(ev["share"], "pct", lang)
        return pick(lang, f"但 {since} 才进入的 {shop} 已排第 {ev['rank']}（占 {share}）：新店仍有机会。",
                    f"but {shop}, which entered in {since}, already ranks #{ev['rank']} with {share}: there is room "
                    "for newcomers.")
    return pick(lang, {"open": "新店仍有机会。", "closed": "新进入者很难分到份额。"}[found.verdict],
                {"open": "there is room for newcomers.", "closed": "newcomers find it hard to win share."}[found.verdict])


def describe_concentration(conc: pd.DataFrame, entries: pd.DataFrame, size: pd.DataFrame, shops: pd.DataFrame,
                           entrants: pd.DataFrame, lang: str) -> str:
    """How concentrated the category is (:func:`helpers.areas.market.findings.judge_concentration`)
    and how open to newcomers (:func:`helpers.areas.market.findings.judge_newcomers`, checked
    against the ranks of the shops that entered, ``entrants`` =
    :func:`helpers.areas.market.sellers.rank_entrants`), in the last full month."""
    full = size.index[~size["partial"]]
    if not len(full) or pd.isna(conc.loc[full[-1], "hhi"]):
        return pick(lang, "没有可计算集中度的月份。", "No month with sales to measure concentration.")
    m = full[-1]
    c = conc.loc[m]
    level = hhi_words(findings.judge_concentration(c["hhi"], month_label(m), int(c["sellers"])).verdict, lang)
    verdict = _newcomers_verdict(findings.judge_newcomers(entries, m, entrants), lang)
    leader = escape(shops.index[0]) if len(shops) else "—"
    lead_share = format_value(shops["share"].iloc[0], "pct", lang) if len(shops) else "—"
    cr5, new = format_value(c["cr5"], "pct", lang), format_value(entries.loc[m, "entrant_share"], "pct", lang)
    if is_zh(lang):
        return (f"{month_label(m)} CR5 为 {cr5}，HHI {_hhi(c['hhi'])}（{level}）；第一名 {leader} 占 {lead_share}。"
                f"近12个月新进入的商品拿到 {new} 的销售额，" + verdict)
    return (f"In {month_label(m)} CR5 is {cr5} and HHI {_hhi(c['hhi'])} ({level}); the leader {leader} holds "
            f"{lead_share}. Listings that entered in the last 12 months take {new} of sales: " + verdict)


def describe_competitors(status: pd.DataFrame, changes: pd.DataFrame, competitors: list[str], lang: str) -> str:
    """The latest competitor moves: price cuts, title edits and who left."""
    mine = changes[changes["shop"].isin(competitors) | changes["listing_id"].isin(competitors)]
    parts = []
    for _, r in changes.head(3).iterrows():
        price = (f"{format_value(r['old_price'], 'yuan', lang)}→{format_value(r['new_price'], 'yuan', lang)}"
                 if r["price_change"] else "")
        title = escape(r["title_change"]) if r["title_change"] else ""
        parts.append(f"{escape(r['shop'])} {month_label(r['month'])} " + " ".join(p for p in (price, title) if p))
    gone = [escape(c) for c in status.index[status["gone"]]] if len(status) else []
    if is_zh(lang):
        s = (f"共发现 {len(changes)} 次竞品改价或改标题（跟踪对象 {len(mine)} 次）"
             + ("：" + "；".join(parts) + "。" if parts else "。"))
        return s + (f" 已退出：{'、'.join(gone)}。" if gone else "")
    s = (f"{len(changes)} competitor price or title changes ({len(mine)} by the tracked ones)"
         + (": " + "; ".join(parts) + "." if parts else "."))
    return s + (f" Gone: {', '.join(gone)}." if gone else "")


def describe_calibration(cal: Calibration | None, flags: pd.DataFrame, extrapolated: float, lang: str) -> str:
    """How far the index calibration can be trusted, and which listings look inflated (刷单).

    The error per listing is exp(t·σ) - 1: the half-width of the prediction interval of one
    listing, ignoring the (small) uncertainty of the curve, inside the calibration's range;
    the report also gives it widened by ``extrapolated``
    (:func:`helpers.areas.market.calibration.extrapolated_share`) through
    :func:`helpers.areas.market.calibration.widen_for_extrapolation`: error / (1 - extrapolated).
    """
    flagged = flags[flags["flagged"]] if len(flags) else flags
    names = [f"{escape(s)} ({escape(i)})" for i, s in zip(flagged.index, flagged["shop"], strict=True)] if len(flagged) else []
    if cal is None:
        head = pick(lang, "自有（指数, 销售额）样本不足，无法还原指数；只有公布销量的商品计入销售额。",
                    "Too few own (index, sales) pairs to calibrate the index; only listings with units count in sales.")
    else:
        inside = math.expm1(cal.t_crit * cal.sigma)
        error = f"{inside:.0%}"
        wide = widen_for_extrapolation(inside, extrapolated)
        wide_text = "—" if pd.isna(wide) else f"±{wide:.0%}"
        ext = "—" if pd.isna(extrapolated) else f"{extrapolated:.1%}"
        head = pick(lang, f"用本店 {cal.n} 组（交易指数, 销售额）拟合：销售额 ∝ 指数^{cal.beta:.2f}，R² {cal.r2:.3f}，"
                          f"留一法 {cal.confidence:.0%} 区间实际覆盖 {cal.loo_coverage:.0%}；在本店指数范围内单个商品估算误差约 "
                          f"±{error}。但竞品指数值有 {ext} 超出本店范围，这部分是外推：按外推占比放宽后误差约 {wide_text}"
                          "（误差 / (1 - 外推占比)）。",
                    f"Fitted on our {cal.n} (trade index, sales) pairs: sales ∝ index^{cal.beta:.2f}, R² {cal.r2:.3f}; "
                    f"{cal.confidence:.0%} intervals held {cal.loo_coverage:.0%} of our own months left out one at a "
                    f"time, about ±{error} per listing within our own index range. {ext} of competitors' index "
                    f"values lie beyond that range and are extrapolated: widened by that share the error is about "
                    f"{wide_text} (error / (1 - extrapolated share)).")
    if is_zh(lang):
        tail = (f" 疑似刷单（交易指数远高于流量所能解释）：{'、'.join(names)}。" if names
                else " 没有发现交易指数异常偏高的商品。")
    else:
        tail = (f" Suspected fake orders (trade index far above what traffic explains): {', '.join(names)}." if names
                else " No listing's trade index is out of line with its traffic.")
    return head + tail


def opportunity_reasons(scored: pd.DataFrame, lang: str) -> pd.Series:
    """Why each scored segment ranks where it does: its demand rank, growth, HHI and our share.

    ``scored`` is :func:`helpers.areas.market.opportunity.score_opportunities`' whole table
    (the rank is "of" its length).
    """
    n = len(scored)
    reasons = []
    for _, r in scored.iterrows():
        growth = format_value(r["growth"], "pct", lang)
        level = hhi_words(findings.hhi_level(r["hhi"]), lang)
        share = format_value(r["own_share"], "pct", lang)
        reasons.append(pick(lang, f"需求第{int(r['demand_rank'])}/{n}，增长 {growth}，HHI {_hhi(r['hhi'])}（{level}），本店占 {share}",
                            f"demand #{int(r['demand_rank'])} of {n}, growth {growth}, HHI {_hhi(r['hhi'])} ({level}), "
                            f"our share {share}"))
    return pd.Series(reasons, index=scored.index, name="why", dtype=object)


def describe_opportunity(scored: pd.DataFrame, weights: tuple[float, float, float], lang: str) -> str:
    """The best segment (:func:`helpers.areas.market.findings.best_opening`) and why."""
    best = findings.best_opening(scored)
    if not best.enough_data:
        n, need = best.evidence["segments"], best.evidence["min_segments"]
        return pick(lang, f"最佳机会：{label('not_enough_data', lang)}（{n} 个细分市场有销售，至少要 {need} 个才能比较）。",
                    f"Best opening: {label('not_enough_data', lang).lower()} yet ({n} segments with sales, {need} "
                    "needed to compare).")
    ev = best.evidence
    w = "/".join(f"{x:g}" for x in weights)
    reason = escape(opportunity_reasons(scored, lang).iloc[0])
    cat, band = escape(ev["category"]), escape(ev["band"])
    return pick(lang, f"按权重（需求/增长/竞争 = {w}），机会最大的是 {cat} ¥{band}，机会分 {ev['score']:.0f}：{reason}。",
                f"With weights demand/growth/competition = {w}, the best opening is {cat} ¥{band}, score "
                f"{ev['score']:.0f}: {reason}.")
