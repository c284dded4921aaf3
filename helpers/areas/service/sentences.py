"""The after-sales report's sentences, one per report language.

Each ``describe_*`` reads the frames of the calculation modules and the findings of
:mod:`helpers.areas.service.findings`; every word that is a label comes from
:mod:`helpers.i18n`, every figure is formatted by :mod:`helpers.present.format`, and every
text from data (titles, reasons, phrases, warehouse and agent names) is escaped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas.service import findings
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.i18n import is_zh, label
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: English glosses of common refund reasons: the platform's reason text -> label key.
REASON_GLOSSES: dict[str, str] = {
    "尺码不合适": "refund_reason_size",
    "颜色与图片不符": "refund_reason_colour",
    "质量问题": "refund_reason_quality",
    "包装破损": "refund_reason_damaged",
    "物流太慢": "refund_reason_slow_delivery",
    "发错货": "refund_reason_wrong_item",
    "不想要了/七天无理由": "refund_reason_changed_mind",
}
COVERED_TABLES = ("reviews", "shipments", "service", "dsr")


def _pct(value: Any, lang: str) -> str:
    return format_value(value, "pct", lang)


def _join(parts: list[str], lang: str) -> str:
    return ("" if is_zh(lang) else " ").join(parts)


def _quote(text: Any, lang: str) -> str:
    return f"「{escape(text)}」" if is_zh(lang) else f"“{escape(text)}”"


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def reason_name(reason: Any, lang: str) -> str:
    """A refund reason quoted for a sentence; in English with its gloss when it is a common one."""
    name = label("no_reason", lang) if _missing(reason) else str(reason)
    if is_zh(lang) or name not in REASON_GLOSSES:
        return _quote(name, lang)
    return f"{_quote(name, lang)} ({label(REASON_GLOSSES[name], lang)})"


def action(reason: Any, lang: str) -> str:
    """What to do about refunds with this reason, in ``lang``."""
    return label(findings.refund_action(reason), lang)


def period_header(shop: Shop, period: Period, lang: str) -> str:
    """The period and how each section places events in it, as one Markdown paragraph."""
    zh = is_zh(lang)
    parts = [f"**分析期** {period.label()}（{period.days} 天）" if zh else
             f"**Period** {period.label()} ({period.days} days)",
             "退款：本期支付的子订单及其退款（按订单归属，不论何时退款）" if zh else
             "refunds: lines paid in the period and their refunds, whenever they came",
             "评价：本期写下的评价" if zh else "reviews: written in the period",
             "发货：本期支付的订单" if zh else "shipping: orders paid in the period",
             "客服：本期的询单" if zh else "service: chats in the period"]
    covered = []
    for name in COVERED_TABLES:
        if shop.has(name):
            lo, hi = shop.date_range(name)
            if pd.notna(lo) and (lo.normalize() > period.start or hi.normalize() < period.end):
                covered.append(f"`{name}` {lo:%Y-%m-%d} ~ {hi:%Y-%m-%d}")
    text = " · ".join(parts)
    if covered:
        text += (("\n\n部分表只覆盖分析期的一段：" + "，".join(covered) + "；这些章节只反映有数据的日子。") if zh else
                 ("\n\nSome tables cover only part of the period: " + ", ".join(covered)
                  + "; those sections describe the days they cover."))
    return text


def describe_refunds(summary: pd.Series, reasons: pd.DataFrame, margin: pd.DataFrame, lang: str) -> str:
    """What the period's refunds are, why they happen and what they cost, with the main action."""
    zh = is_zh(lang)
    if not summary["paid_lines"]:
        return "本期没有支付的子订单。" if zh else "No order line was paid in the period."
    v, c = _pct(summary["refund_rate_by_value"], lang), _pct(summary["refund_rate_by_count"], lang)
    lo, hi = _pct(summary["low"], lang), _pct(summary["high"], lang)
    amount = format_value(summary["refund_amount"], "yuan", lang)
    n, k = int(summary["paid_lines"]), int(summary["refunded"])
    parts = [f"本期支付的 {n:,} 个子订单中有 {k:,} 个退款，退款率（金额）{v}，（笔数）{c}（区间 {lo} ~ {hi}），"
             f"退款金额 {amount}。" if zh else
             f"Of the {n:,} lines paid in the period, {k:,} were refunded: {v} by value, {c} by count ({lo} to "
             f"{hi}), {amount} in all."]
    if pd.notna(summary["before_shipping"]):
        b = _pct(summary["before_shipping"], lang)
        parts.append(f"其中 {b} 在发货前退款（多为取消和等发货太久），其余在收货后。" if zh else
                     f"{b} were refunded before shipping (cancellations and buyers tired of waiting), the rest after "
                     "delivery.")
    top = findings.costliest_reason(reasons)
    if top is not None:
        share, name, advice = _pct(top.evidence["share_of_refunds"], lang), reason_name(top.subject, lang), \
            label(top.verdict, lang)
        parts.append(f"金额最大的原因是{name}（占退款金额 {share}），对策：{advice}。" if zh else
                     f"The costliest reason is {name} ({share} of the refunded amount): {advice}.")
    lost = margin.loc["lost", "gross_profit"] if "lost" in margin.index else float("nan")
    if pd.notna(lost):
        m0 = _pct(margin.loc["before_refunds", "gross_margin"], lang)
        m1 = _pct(margin.loc["after_refunds", "gross_margin"], lang)
        cost = format_value(lost, "yuan", lang)
        parts.append(f"退款让毛利减少 {cost}，毛利率从 {m0} 变为 {m1}（未计退货运费）。" if zh else
                     f"Refunds cost {cost} of gross profit; margin goes from {m0} to {m1} (return postage not "
                     "included).")
    if summary["immature_lines"]:
        d, young = int(summary["maturity_days"]), int(summary["immature_lines"])
        parts.append(f"注意：{young:,} 个子订单支付不足 {d} 天，后续还可能退款，本期退款率会略升。" if zh else
                     f"{young:,} lines were paid less than {d} days before the end of the data and may still be "
                     "refunded, so these rates will creep up.")
    return _join(parts, lang)


def describe_flagged(flags: pd.DataFrame, confidence: float, lang: str, top: int = 5) -> str:
    """Which products refund abnormally, by how much, why, and what to do."""
    zh = is_zh(lang)
    tested = len(flags)
    level = flags.attrs.get("level", confidence)
    found = findings.abnormal_products(flags, confidence)
    if not found:
        median = float(flags["paid_lines"].median()) if tested else 0.0
        return (f"{tested} 个商品中没有退款率显著高于同类目预期的商品（区间按 {tested} 个商品同时检验，"
                f"单个区间水平 {level:.4f}）。商品的已满期子订单中位数为 {median:,.0f} 个，样本越少只能发现越大的差异，"
                "需要时把分析期拉长。" if zh else
                f"None of the {tested} products refunds significantly more than its category would predict "
                f"(intervals tested jointly over {tested} products, each at level {level:.4f}). The median product "
                f"has {median:,.0f} lines old enough to judge; with few lines only large differences show, so "
                "lengthen the period to find smaller ones.")
    head = (f"{len(found)} 个商品的退款率显著高于同类目预期（{tested} 个商品联合检验，小销量商品向类目收缩，不会因偶然被标出）："
            if zh else f"{len(found)} products refund significantly more than their category predicts (tested "
            f"jointly over {tested} products; small products are shrunk towards their category, so noise cannot "
            "flag them):")
    items = []
    for f in found[:top]:
        e = f.evidence
        rate, expected = _pct(e["refund_rate_by_count"], lang), _pct(e["category_expected"], lang)
        reason, share, advice = reason_name(e["top_reason"], lang), _pct(e["top_reason_share"], lang), \
            label(f.verdict, lang)
        title = _quote(e["title"], lang)
        items.append(f"{title}退款率 {rate}（类目预期 {expected}，多出约 {e['excess_refunds']:,.0f} 笔），"
                     f"主要原因{reason}（{share}）：{advice}" if zh else
                     f"{title} refunds {rate} against {expected} expected (about {e['excess_refunds']:,.0f} extra "
                     f"refunds), mostly {reason} ({share}): {advice}")
    return head + ("；".join(items) + "。" if zh else " " + "; ".join(items) + ".")


def describe_reviews(summary: pd.Series, by_product: pd.DataFrame, lang: str) -> str:
    """The period's review mix and the products that draw the most bad reviews."""
    zh = is_zh(lang)
    if not summary["reviews"]:
        return "本期没有评价。" if zh else "No review was written in the period."
    good, bad = _pct(summary["good_rate"], lang), _pct(summary["bad_rate"], lang)
    lo, hi = _pct(summary["bad_low"], lang), _pct(summary["bad_high"], lang)
    n, empty, stars = int(summary["reviews"]), int(summary["empty_text"]), summary["mean_rating"]
    parts = [f"本期 {n:,} 条评价，平均 {stars:.2f} 星，好评率 {good}，差评率 {bad}（{lo} ~ {hi}）；{empty:,} 条没有文字。"
             if zh else f"{n:,} reviews in the period, {stars:.2f} stars on average: {good} good, {bad} bad ({lo} "
             f"to {hi}); {empty:,} without words."]
    worst = findings.worse_review_products(summary, by_product)[:3]
    if worst:
        names = ("、" if zh else ", ").join(
            f"{_quote(f.evidence['title'], lang)}（{_pct(f.evidence['bad_rate'], lang)}）" if zh else
            f"{_quote(f.evidence['title'], lang)} ({_pct(f.evidence['bad_rate'], lang)})" for f in worst)
        parts.append(f"差评率显著高于全店的商品：{names}，先处理这些商品的差评原因（见下方关键词），并在问大家/详情页回应。" if zh else
                     f"Products with a bad-review rate clearly above the shop's: {names}. Fix what their bad reviews "
                     "say (phrases below) and answer it on the listing.")
    else:
        parts.append("没有商品的差评率显著高于全店。" if zh else "No product's bad-review rate is clearly above the shop's.")
    return _join(parts, lang)


def describe_phrases(shop_phrases: pd.DataFrame, product_phrases: pd.DataFrame, titles: pd.Series,
                     lang: str) -> str:
    """What bad reviews complain about, shop-wide and for the products with a clear theme."""
    zh = is_zh(lang)
    if shop_phrases.empty:
        return "差评太少，找不出有代表性的抱怨。" if zh else "Too few bad reviews to find what they complain about."
    top = shop_phrases.head(3)
    words = ("、" if zh else ", ").join(_quote(p, lang) for p in top["phrase"])
    bad, good = _pct(top["bad_share"].iloc[0], lang), _pct(top["good_share"].iloc[0], lang)
    parts = [f"全店差评中最突出的说法是 {words}（差评里出现比例 {bad}，好评里 {good}）。" if zh else
             f"The phrases that most set bad reviews apart are {words} (the first in {bad} of bad reviews, {good} "
             "of good ones)."]
    if len(product_phrases):
        firsts = product_phrases[product_phrases["rank"] == 1].sort_values("bad_reviews", ascending=False).head(4)
        items = []
        for _, row in firsts.iterrows():
            title, phrase = _quote(titles.get(row["group"], row["group"]), lang), _quote(row["phrase"], lang)
            share = _pct(row["bad_share"], lang)
            items.append(f"{title}→{phrase}（{share} 的差评）" if zh else f"{title} → {phrase} ({share} of its bad reviews)")
        parts.append(("按商品：" + "；".join(items) + "。尺码类问题改尺码表，色差改图，破损改包装，物流类问题看第 3 节。") if zh else
                     ("By product: " + "; ".join(items) + ". Size complaints call for a size chart, colour ones for "
                      "new photos, damage for better packing, delivery ones for section 3."))
    return _join(parts, lang)


def describe_fulfilment(overall: pd.DataFrame, by_warehouse: pd.DataFrame | None, by_carrier: pd.DataFrame | None,
                        lang: str) -> str:
    """How fast the shop ships and delivers, and where it is late."""
    zh = is_zh(lang)
    row = overall.iloc[0]
    if not row["orders"]:
        return "本期支付的订单没有发货记录。" if zh else "No order paid in the period has a shipment record."
    rate, lo, hi = _pct(row["on_time_rate"], lang), _pct(row["low"], lang), _pct(row["high"], lang)
    n = int(row["orders"])
    ship, p90, deliver = row["median_ship_hours"], row["p90_ship_hours"], row["median_deliver_hours"]
    parts = [f"本期有发货记录的订单 {n:,} 笔，及时发货率 {rate}（{lo} ~ {hi}），付款到发货中位 {ship:.0f} 小时、90分位 "
             f"{p90:.0f} 小时，付款到签收中位 {deliver:.0f} 小时。" if zh else
             f"{n:,} orders of the period have a shipment record; {rate} shipped on time ({lo} to {hi}), a median of "
             f"{ship:.0f} hours from payment to shipment (90th percentile {p90:.0f}) and {deliver:.0f} hours to "
             "delivery."]
    if row.get("without_shipment", 0):
        k = int(row["without_shipment"])
        parts.append(f"{k:,} 笔已支付订单没有发货记录（多为发货前取消）。" if zh else
                     f"{k:,} paid orders have no shipment record (mostly cancelled before shipping).")
    if row.get("before_export", 0):
        k = int(row["before_export"])
        parts.append(f"发货表从分析期中途开始，之前支付的 {k:,} 笔订单不在本节统计内。" if zh else
                     f"The shipments export starts inside the period; the {k:,} orders paid before it are not in "
                     "this section.")
    slow = findings.slowest_warehouse(by_warehouse)
    if slow is not None:
        e = slow.evidence
        name, best = _quote(slow.subject, lang), _quote(e["best"], lang)
        worst_rate, best_rate = _pct(e["on_time_rate"], lang), _pct(e["best_on_time_rate"], lang)
        parts.append(f"最慢的仓是{name}（及时率 {worst_rate}，最好的{best}{best_rate}）：先查它的拣货人手和截单时间，"
                     "大促前给它加人或把订单分到其他仓。" if zh else
                     f"The slowest warehouse is {name} ({worst_rate} on time, against {best_rate} at {best}): check "
                     "its picking staff and cut-off time, and add people or route orders elsewhere before big "
                     "promotions.")
    carrier = findings.slowest_carrier(by_carrier)
    if carrier is not None:
        e = carrier.evidence
        name, fast = _quote(carrier.subject, lang), _quote(e["fastest"], lang)
        slow_h, fast_h = e["median_transit_hours"], e["fastest_transit_hours"]
        parts.append(f"运输最慢的快递是{name}（中位 {slow_h:.0f} 小时，{fast}{fast_h:.0f} 小时）。" if zh else
                     f"The slowest carrier is {name} ({slow_h:.0f} hours in transit, against {fast_h:.0f} for "
                     f"{fast}).")
    return _join(parts, lang)


def describe_late_effects(effects: pd.DataFrame, lang: str) -> str:
    """What a late parcel costs in refunds and bad reviews, with intervals."""
    zh = is_zh(lang)
    verdict = findings.judge_late_shipping(effects)
    if verdict.verdict == NOT_ENOUGH_DATA:
        return ("没有退款或评价数据，无法评估延迟发货的影响。" if zh else
                "Without refunds or reviews the cost of late shipping cannot be measured.")
    parts = []
    if "refund_after_shipping" in effects.index and pd.notna(effects.loc["refund_after_shipping", "rr"]):
        e = effects.loc["refund_after_shipping"]
        late, on = _pct(e["late_rate"], lang), _pct(e["on_time_rate"], lang)
        parts.append(f"延迟发货的子订单发货后退款率 {late}，按时的 {on}；按类目和活动分层后，延迟使退款风险变为 "
                     f"{e['rr']:.2f} 倍（{e['rr_low']:.2f} ~ {e['rr_high']:.2f}）。" if zh else
                     f"Lines shipped late were refunded after shipping {late} of the time, on-time ones {on}; "
                     f"within category and campaign, lateness multiplies the refund risk by {e['rr']:.2f} "
                     f"({e['rr_low']:.2f} to {e['rr_high']:.2f}).")
    if "bad_review" in effects.index and pd.notna(effects.loc["bad_review", "rd"]):
        e = effects.loc["bad_review"]
        late, on = _pct(e["late_rate"], lang), _pct(e["on_time_rate"], lang)
        rd, lo, hi = _pct(e["rd"], lang), _pct(e["rd_low"], lang), _pct(e["rd_high"], lang)
        parts.append(f"差评率：延迟 {late}，按时 {on}，分层后每个延迟订单多 {rd} 的差评概率（{lo} ~ {hi}）。" if zh else
                     f"Bad reviews: {late} after a late parcel, {on} after an on-time one; within strata a late "
                     f"parcel adds {rd} to the chance of a bad review ({lo} to {hi}).")
    if verdict.verdict == "ship_on_time":
        parts.append("按时发货直接减少退款和差评：大促前按预计单量排班，承诺时效内发不完的订单提前告知买家。" if zh else
                     "Shipping on time pays off directly in fewer refunds and bad reviews: staff the warehouse for "
                     "the expected volume before promotions and tell buyers early when an order will miss the "
                     "promise.")
    else:
        parts.append("本期数据中延迟发货与退款、差评的关联不显著。" if zh else
                     "In this period late shipping shows no clear link with refunds or bad reviews.")
    return _join(parts, lang)


def describe_service(summary: pd.Series, effect: pd.Series, by_agent: pd.DataFrame | None, lang: str) -> str:
    """Response times, 询单转化率 and what answering faster is worth."""
    zh = is_zh(lang)
    if not summary["chats"]:
        return "本期没有询单。" if zh else "No chat in the period."
    rate, lo, hi = _pct(summary["inquiry_conversion_rate"], lang), _pct(summary["low"], lang), \
        _pct(summary["high"], lang)
    n, mean, median = int(summary["chats"]), summary["mean_response"], summary["median_response"]
    fast = _pct(summary["within_30s"], lang)
    parts = [f"本期询单 {n:,} 次，询单转化率 {rate}（{lo} ~ {hi}）；首次响应平均 {mean:.0f} 秒、中位 {median:.0f} 秒，"
             f"{fast} 在 30 秒内回复。" if zh else
             f"{n:,} chats in the period converted at {rate} ({lo} to {hi}); first responses took {mean:.0f} s on "
             f"average (median {median:.0f} s) and {fast} came within 30 s."]
    judged = findings.judge_response_time(effect)
    if judged.enough_data:
        p10, p60 = _pct(effect["p_10s"], lang), _pct(effect["p_60s"], lang)
        odds, odds_lo, odds_hi = effect["odds_per_doubling"], math.exp(effect["slope_low"]), \
            math.exp(effect["slope_high"])
        parts.append(f"等待时间每翻一倍，转化的几率变为 {odds:.2f} 倍（{odds_lo:.2f} ~ {odds_hi:.2f}）：10 秒内回复转化约 "
                     f"{p10}，60 秒约 {p60}。" if zh else
                     f"Each doubling of the wait multiplies the odds of converting by {odds:.2f} ({odds_lo:.2f} to "
                     f"{odds_hi:.2f}): about {p10} convert when answered in 10 s, {p60} at 60 s.")
        if judged.verdict == "answer_faster":
            parts.append("把首次响应压到 15 秒内（快捷短语、高峰加人、夜间自动回复后人工跟进）是最便宜的转化提升。" if zh else
                         "Getting first responses under 15 s (quick replies, more staff at peaks, a night shift that "
                         "follows up the auto-reply) is the cheapest conversion gain.")
    slow = findings.slowest_agent(by_agent)
    if slow is not None:
        name, seconds = _quote(slow.subject, lang), slow.evidence["median_response"]
        conversion = _pct(slow.evidence["inquiry_conversion_rate"], lang)
        parts.append(f"响应最慢的是{name}（中位 {seconds:.0f} 秒，转化 {conversion}）。" if zh else
                     f"The slowest agent is {name} (median {seconds:.0f} s, conversion {conversion}).")
    return _join(parts, lang)


def _drag_name(driver: str, score: str, lang: str) -> str:
    if is_zh(lang):
        return f"{label(driver, lang)}对{label(score, lang)}"
    return f"{label(driver, lang).lower()} on {label(score, lang).lower()}"


def describe_dsr(summary: pd.DataFrame, drivers: pd.DataFrame, lang: str) -> str:
    """Where each DSR score stands against the peer tier and which after-sales event pulls it down most."""
    zh = is_zh(lang)
    parts = []
    for key, row in summary.iterrows():
        if pd.isna(row["last"]):
            continue
        name, gap, last, change = label(key, lang), row["gap"], row["last"], row["score_change"]
        if zh:
            rel = "—" if pd.isna(gap) else (f"高于同行 {gap:+.3f}" if gap >= 0 else f"低于同行 {gap:+.3f}")
            parts.append(f"{name} {last:.3f}（{rel}，期内 {change:+.3f}）")
        else:
            rel = "no peer figure" if pd.isna(gap) else f"{gap:+.3f} against the peer tier"
            parts.append(f"{name} {last:.3f} ({rel}, {change:+.3f} over the period)")
    if parts:
        out = ("期末 DSR：" + "；".join(parts) + "。") if zh else ("DSR at the end of the period: " + "; ".join(parts) + ".")
    else:
        out = "没有 DSR 表，无法看评分走势。" if zh else "Without the DSR table the scores' trend is not shown."
    if len(drivers):
        drags = findings.dsr_drags(drivers)
        if not drags:
            return out + ("各项售后事件对 DSR 的影响都不显著。" if zh else
                          " No after-sales event has a clear effect on the scores.")
        e = drags[0].evidence
        what = _drag_name(e["driver"], e["dsr_score"], lang)
        share, cost = _pct(e["share_of_reviews"], lang), abs(e["score_impact"])
        out += (f"拉低评分最多的是{what}的影响：每个这样的订单约 {e['coefficient']:+.2f} 分（{e['low']:+.2f} ~ "
                f"{e['high']:+.2f}），按当前占比 {share} 使店铺评分低约 {cost:.3f} 分，先解决它。" if zh else
                f" The biggest drag is {what}: about {e['coefficient']:+.2f} points per such line ({e['low']:+.2f} to "
                f"{e['high']:+.2f}); at its current share of {share} it costs the shop's score about {cost:.3f}: fix "
                "that first.")
        others = drags[1:4]
        if others:
            listed = ("、" if zh else ", ").join(
                f"{label(f.evidence['driver'], lang)}→{label(f.evidence['dsr_score'], lang)}"
                f"（{f.evidence['coefficient']:+.2f}）" if zh else
                f"{_drag_name(f.evidence['driver'], f.evidence['dsr_score'], lang)} ({f.evidence['coefficient']:+.2f})"
                for f in others)
            out += f"显著拉低评分的还有：{listed}。" if zh else f" Other clear drags: {listed}."
    below = [label(f.subject, lang) for f in findings.below_peer(summary)]
    if below:
        out += (f"低于同行的项（{'、'.join(below)}）会影响搜索权重和活动报名门槛。" if zh else
                f" Scores below the peer tier ({', '.join(below)}) weigh on search ranking and campaign eligibility.")
    return out
