"""What the traffic figures say, one sentence per report language.

Each ``describe_*`` reads a calculation's frame and returns Markdown; figures are formatted
by :func:`helpers.present.format.format_value`, names of metrics and rows come from the
label table, and text from data (source and plan names) is escaped.
"""

from __future__ import annotations

import pandas as pd

from helpers.areas.traffic.ads import break_even_point
from helpers.areas.traffic.anomalies import METRIC_KINDS, RUN_DAYS, AnomalyScan
from helpers.areas.traffic.attribution import credit_shares
from helpers.areas.traffic.calc import PAID_GROUPS, RETURNING_GROUPS, pick_best_worst
from helpers.areas.traffic.findings import hint_text, is_commission_channel
from helpers.core import metrics
from helpers.core.findings import NOT_ENOUGH_DATA, Finding
from helpers.core.notes import quiet
from helpers.i18n import is_zh, label, pick
from helpers.present.display import escape
from helpers.present.format import format_value

FACTORS = ("visitors", "conversion", "aov")  # the factors of GMV, as in the decomposition's effects


def _fmt(lang: str):
    """Formatters of one language: yuan, percent, ratio, count (NaN as "—")."""
    return tuple((lambda v, kind=kind: format_value(v, kind, lang)) for kind in ("yuan", "pct", "ratio", "count"))


def describe_sources(sources: pd.DataFrame, totals: pd.Series, rate_method: str, lang: str,
                     min_share: float = 0.02) -> str:
    """Which sources bring buyers and which only visitors; free vs paid; the biggest mover.

    ``sources`` and ``totals`` are :func:`helpers.areas.traffic.calc.summarize_sources` (by
    source) and :func:`helpers.areas.traffic.calc.total_figures`. A source "brings visitors,
    not buyers" when it has at least 5% of the visitors and its whole conversion interval
    lies below the shop's conversion.
    """
    yuan, pct, _, count = _fmt(lang)
    zh = is_zh(lang)
    method = metrics.describe_method(rate_method, lang)
    conv = totals["conversion_rate"]
    parts = [pick(lang,
                  f"本期访客 {count(totals['visitors'])}，支付转化率 {pct(conv)}，UV价值 {yuan(totals['uv_value'])}，"
                  f"客单价 {yuan(totals['aov'])}（{method}）。",
                  f"{count(totals['visitors'])} visitors, conversion {pct(conv)}, UV value "
                  f"{yuan(totals['uv_value'])}, AOV {yuan(totals['aov'])} ({method}).")]
    best, worst = pick_best_worst(sources, min_share)
    if best:
        b, w = sources.loc[best], sources.loc[worst]
        parts.append(
            f"最值钱的来源是「{escape(best)}」（UV价值 {yuan(b['uv_value'])}，贡献 {pct(b['sales_share'])} 的销售额），"
            f"最不值钱的是「{escape(worst)}」（UV价值 {yuan(w['uv_value'])}，占访客 {pct(w['visitor_share'])}"
            f"、销售额 {pct(w['sales_share'])}）。" if zh else
            f"The most valuable source is “{escape(best)}” (UV value {yuan(b['uv_value'])}, "
            f"{pct(b['sales_share'])} of sales); the least is “{escape(worst)}” (UV value "
            f"{yuan(w['uv_value'])}, {pct(w['visitor_share'])} of visitors but {pct(w['sales_share'])} of sales).")
    groups = sources["source_group"] if "source_group" in sources else pd.Series("", index=sources.index)
    if best and groups.get(best) in RETURNING_GROUPS:
        parts.append(pick(lang, f"「{escape(best)}」是老客回访（购物车、我的淘宝），不是拉新渠道：它的 UV价值 高是因为访客本来就想买。",
                          f"“{escape(best)}” is returning visitors (cart, My Taobao), not a channel that wins new "
                          "ones: its UV value is high because these visitors already meant to buy."))
    browsers = sources[(sources["visitor_share"] >= 0.05) & (sources["conversion_high"] < conv)]
    paid_browsers = browsers[groups.reindex(browsers.index).isin(PAID_GROUPS)]
    free_browsers = browsers.drop(index=paid_browsers.index)
    better = sources[groups.isin(PAID_GROUPS) & (sources["uv_value"] > totals["uv_value"])
                     & (sources["visitor_share"] >= min_share)].sort_values("uv_value", ascending=False)
    if len(paid_browsers):
        names = "、".join(f"「{escape(s)}」" for s in paid_browsers.index[:3])
        targets = [escape(s) for s in better.index[:3]]
        parts.append(
            f"付费来源{names}只带来访客、很少成交（转化率区间整体低于全店）：优化人群定向和承接页"
            + (f"，或把预算转给 UV价值 更高的付费来源（{'、'.join(targets)}）。" if targets else "。") if zh else
            "Paid sources that bring visitors but few buyers: " + ", ".join(escape(s) for s in paid_browsers.index[:3])
            + " (their whole conversion interval is below the shop's): tighten targeting and landing pages"
            + (f", or move budget to paid sources with a higher UV value ({', '.join(targets)})." if targets else "."))
    if len(free_browsers):
        names = [escape(s) for s in free_browsers.index[:3]]
        parts.append(
            "免费来源" + "、".join(f"「{n}」" for n in names) + "访客多、成交少（转化率区间整体低于全店）：这是免费流量，不涉及预算，"
            "改进主图、标题和承接页，让这些访客买得下去。" if zh else
            "Free sources with many visitors but few buyers: " + ", ".join(names) + " (their whole conversion "
            "interval is below the shop's). This traffic costs nothing, so there is no budget to move: improve "
            "main images, titles and landing pages so these visitors buy.")
    paid = sources[sources["source_group"].isin(PAID_GROUPS)] if "source_group" in sources else sources.iloc[:0]
    if len(sources):
        pv = paid["visitors"].sum() / sources["visitors"].sum()
        total_sales = sources["paid_amount"].sum()
        ps = paid["paid_amount"].sum() / total_sales if total_sales else float("nan")
        parts.append(pick(lang, f"付费流量占访客 {pct(pv)}、销售额 {pct(ps)}。",
                          f"Paid traffic is {pct(pv)} of visitors and {pct(ps)} of sales."))
        if pd.notna(ps) and ps > 0.5:
            parts.append(pick(lang, "付费依赖偏高：提升自然搜索（标题、主图、销量权重）降低成本。",
                              "Sales lean on paid traffic: build free search (titles, images, sales rank) "
                              "to lower the cost."))
    moved = sources.dropna(subset=["sales_change"])
    moved = moved[moved["visitor_share"] >= min_share]
    if len(moved):
        item = (moved["paid_amount"] - moved["sales_previous"]).abs().idxmax()
        row = moved.loc[item]
        parts.append(pick(lang,
                          f"环比变化最大的是「{escape(item)}」：销售额 {row['sales_change']:+.1%}，访客 "
                          f"{row['visitors_change']:+.1%}。",
                          f"The biggest mover was “{escape(item)}”: sales {row['sales_change']:+.1%}, "
                          f"visitors {row['visitors_change']:+.1%} on the previous period."))
    return " ".join(parts)


def _step_name(step: str, lang: str) -> str:
    """A funnel step in a sentence: visitor -> cart, cart -> order, order -> payment."""
    if step == "cart_rate":
        return pick(lang, "访客→加购", "visitor → cart")
    if step == "cart_to_order":
        return pick(lang, "加购→下单", "cart → order")
    return pick(lang, "下单→支付", "order → payment")


def describe_funnel(funnel: pd.DataFrame, rate_method: str, lang: str, min_share: float = 0.05) -> str:
    """Where the funnel leaks most, and which big sources leak worse than the shop.

    The leak of a step is 1 - its rate; a source with at least ``min_share`` of the visitors
    is named when its bounce rate is 5 points above the shop's or its order -> payment rate
    5 points below.
    """
    _, pct, _, _ = _fmt(lang)
    zh = is_zh(lang)
    total = funnel.loc["total"]
    method = metrics.describe_method(rate_method, lang)
    losses = {k: 1 - total[k] for k in ("cart_rate", "cart_to_order", "order_to_pay_rate") if pd.notna(total[k])}
    parts = []
    if losses:
        worst = max(losses, key=losses.get)
        step = _step_name(worst, lang)
        parts.append(
            f"全店漏斗（{method}）：加购率 {pct(total['cart_rate'])}，下单→支付 {pct(total['order_to_pay_rate'])}，"
            f"支付转化率 {pct(total['conversion_rate'])}，跳失率 {pct(total['bounce_rate'])}。流失最多的环节是{step}"
            f"（{pct(losses[worst])} 没有走到下一步）。" if zh else
            f"Shop funnel ({method}): add-to-cart {pct(total['cart_rate'])}, order → payment "
            f"{pct(total['order_to_pay_rate'])}, conversion {pct(total['conversion_rate'])}, bounce rate "
            f"{pct(total['bounce_rate'])}. The biggest leak is {step} ({pct(losses[worst])} do not go on).")
    sources = funnel.drop(index="total")
    big = sources[sources["visitors"] >= min_share * total["visitors"]]
    if len(big):
        bouncy = big["bounce_rate"].fillna(-1.0).idxmax()  # no 跳失人数 in the export: no source named
        b = big.loc[bouncy]
        if b["bounce_rate"] > total["bounce_rate"] + 0.05:
            parts.append(
                f"「{escape(bouncy)}」跳失率 {pct(b['bounce_rate'])}，高于全店 {pct(total['bounce_rate'])}："
                "落地页与这批访客的需求不匹配，检查主图、标题和人群。" if zh else
                f"“{escape(bouncy)}” has a bounce rate of {pct(b['bounce_rate'])} against the shop's "
                f"{pct(total['bounce_rate'])}: its landing pages do not match what these visitors want; check "
                "images, titles and audiences.")
        slow = big["order_to_pay_rate"].idxmin()
        p = big.loc[slow]
        if pd.notna(p["order_to_pay_rate"]) and p["order_to_pay_rate"] < total["order_to_pay_rate"] - 0.05:
            parts.append(
                f"「{escape(slow)}」下单→支付仅 {pct(p['order_to_pay_rate'])}：催付、检查优惠券和运费。" if zh else
                f"“{escape(slow)}” pays only {pct(p['order_to_pay_rate'])} of its orders: send payment "
                "reminders, check coupons and shipping fees.")
    return " ".join(parts)


def _peer_action(key: str, lang: str) -> str:
    """What to work on first when ``key`` is the costliest gap to the peer average."""
    if key == "conversion_rate":
        return pick(lang, "优先提升转化：详情页、评价、价格力和客服响应。",
                    "Work on conversion first: detail pages, reviews, price and service response.")
    if key == "uv_value":
        return pick(lang, "优先提升 UV价值：转化和客单价一起抓。", "Work on UV value: conversion and AOV together.")
    return pick(lang, "优先提升客单价：搭配套餐、满减门槛和关联推荐。",
                "Work on AOV first: bundles, spend thresholds and cross-selling.")


def describe_peers(table: pd.DataFrame, lang: str) -> str:
    """Where the shop stands against the tier and what closing each gap is worth
    (:func:`helpers.areas.traffic.calc.compare_peers`)."""
    yuan = _fmt(lang)[0]
    zh = is_zh(lang)
    known = table.dropna(subset=["peer_avg"])
    if known.empty:
        return pick(lang, "本期没有同行同层数据。", "No peer-tier data for this period.")
    parts = []
    for key, row in known.iterrows():
        kind = "pct" if key == "conversion_rate" else "yuan"
        own, avg, exc = (format_value(row[c], kind, lang) for c in ("own", "peer_avg", "peer_excellent"))
        above = row["own"] >= row["peer_avg"]
        if zh:
            parts.append(f"{label(key, lang)} {own}，{'高于' if above else '低于'}同行平均 {avg}（优秀 {exc}）"
                         + ("" if above else f"，追平平均约可多卖 {yuan(row['gap_to_avg'])}") + "。")
        else:
            parts.append(f"{label(key, lang)} {own} is {'above' if above else 'below'} the tier average {avg} "
                         f"(excellent {exc})"
                         + ("" if above else f"; reaching the average is worth about {yuan(row['gap_to_avg'])}")
                         + ".")
    missing = [label(k, lang) for k in table.index if pd.isna(table.loc[k, "peer_avg"])]
    if missing:
        parts.append(pick(lang, "同行数据缺少：" + "、".join(missing) + "。",
                          "Peers publish no " + ", ".join(missing) + " for this period."))
    behind = known[known["own"] < known["peer_avg"]]
    if len(behind):
        parts.append(_peer_action(behind["gap_to_avg"].idxmax(), lang))
    return " ".join(parts)


def _plan_name(index_value) -> str:
    return escape(index_value[-1] if isinstance(index_value, tuple) else index_value)


def describe_ads(plans: pd.DataFrame, channels: pd.DataFrame, margin: float, lang: str,
                 phase: Finding | None = None) -> str:
    """What paid promotion earns against break-even, which plans to cut and to scale, which have
    no verdict yet, and whether ROIs of different attribution windows can be compared.

    Break-even ROI = 1 / contribution margin before ads; gross profit after ads = attributed amount x margin -
    spend (yuan), over the plans whose attributed amount is known. ``plans`` and ``channels``
    are :func:`helpers.areas.traffic.ads.summarize_ads` by plan and by channel. With a
    campaign-phase finding (:func:`helpers.areas.traffic.decomposition.read_campaign_phase`)
    whose period includes campaign days, the verdicts are said to hold for those days only.
    """
    yuan, pct, ratio, _ = _fmt(lang)
    if pd.isna(margin) or margin <= 0:
        return pick(lang, "贡献毛利率未知或不为正，无法判断推广是否保本：补充商品成本（products.unit_cost）。",
                    "The contribution margin is unknown or not positive, so break-even cannot be judged: add product "
                    "costs (products.unit_cost).")
    be = 1 / margin
    known = plans[plans["revenue_known"]] if "revenue_known" in plans else plans
    parts = []
    if len(known):
        spend, amount = known["spend"].sum(), known["attributed_amount"].sum()
        with quiet():
            roi = metrics.roi(amount, spend)
        profit = amount * margin - spend
        parts.append(pick(lang,
                          f"推广花费 {yuan(spend)}，带来成交 {yuan(amount)}，整体 ROI {ratio(roi)}；按贡献毛利率（扣除平台、物流和退货成本后）{pct(margin)}，"
                          f"保本 ROI 为 {be:.2f}，推广后毛利 {yuan(profit)}。",
                          f"Ads spent {yuan(spend)} for {yuan(amount)} of attributed sales, ROI {ratio(roi)}; at a "
                          f"contribution margin (after platform, logistics and return costs) of {pct(margin)} the break-even ROI is {be:.2f}, leaving {yuan(profit)} of "
                          "gross profit after ads."))
    unknown = [_plan_name(p) for p in plans.index.difference(known.index, sort=False)]
    if unknown:
        parts.append(pick(lang,
                          f"{'、'.join(unknown)} 有成交笔数但没有成交金额：ROI 未知，不能当作 0（缺少金额不等于没有成交），"
                          "这些计划不下结论；导出时带上成交金额。",
                          f"{', '.join(unknown)}: orders but no attributed amount, so the ROI is unknown, not 0 (a "
                          "missing amount is not zero sales); no verdict on them; export the attributed amount."))
    cut = [_plan_name(p) for p in plans.index[plans["verdict"] == "cut"]]
    scale = [_plan_name(p) for p in plans.index[plans["verdict"] == "scale"]]
    waiting = [_plan_name(p) for p in plans.index[plans["verdict"] == NOT_ENOUGH_DATA]]
    if cut:
        lost = yuan(-plans.loc[plans["verdict"] == "cut", "profit_after_ads"].clip(upper=0).sum())
        parts.append(pick(lang, f"建议削减：{'、'.join(cut)}（合计亏损毛利 {lost}）。",
                          f"Cut: {', '.join(cut)} (together they lose {lost} of gross profit)."))
    if scale:
        parts.append(pick(lang, f"建议加投：{'、'.join(scale)}，ROI 远高于保本线（整个区间都在上方；淘宝客看佣金率）。",
                          f"Scale up: {', '.join(scale)}, well above break-even (the whole ROI interval; affiliates by "
                          "their commission rate)."))
    if waiting:
        parts.append(pick(lang, f"暂不下结论：{'、'.join(waiting)}（成交太少，"
                                "或 ROI 区间跨过保本线），拉长周期再看。",
                          f"No verdict yet: {', '.join(waiting)} (too few orders, or the ROI interval straddles "
                          "break-even); look again over a longer period."))
    parts.append(_describe_windows(plans, lang))
    if phase is not None and phase.evidence["phases"]:
        parts.append(pick(lang, f"本期含{describe_phases(phase.evidence['phases'], lang)}：这些天的 ROI 反映大促的流量和转化，"
                                "以上建议只适用于同一阶段，不要延续到平常日。",
                          f"This period includes {describe_phases(phase.evidence['phases'], lang)}: ROI on those days "
                          "reflects the campaign's traffic and conversion, so these verdicts hold for the same phase "
                          "only, not for ordinary days."))
    return " ".join(p for p in parts if p)


def _describe_windows(plans: pd.DataFrame, lang: str) -> str:
    """Whether the per-click plans' ROIs share one attribution window, were normalised to one, or
    cannot be compared (commission plans are judged on their commission rate, not compared)."""
    per_click = plans[[not is_commission_channel(c) for c in plans.index.get_level_values("channel")]]
    windows = per_click["attribution_window_days"].astype(str)
    if windows.nunique() <= 1:
        return ""
    listed = sorted(set(windows), key=lambda w: int(w.split("-")[0]))
    mixed = windows.str.contains("-")
    changed = [str(k[-1]) if isinstance(k, tuple) else str(k) for k in per_click.index[mixed]]
    reference = int(plans["window_reference"].iloc[0]) if "window_reference" in plans else None
    if ("roi_normalised" in plans and (~mixed).any()
            and per_click.loc[~mixed, "roi_normalised"].notna().all()):
        text = pick(lang,
                    f"各计划归因周期不同（{'、'.join(listed)} 天），已按店铺自身的周期换算比例统一到 {reference} 天"
                    "后再比较（见“统一周期 ROI”列）。",
                    f"Plans use different attribution windows ({', '.join(listed)} days); their ROIs were put on "
                    f"the {reference}-day window with the shop's own window ratios before comparing them (the "
                    "“ROI on one window” column).")
        if changed:
            text += pick(lang, f"{'、'.join(changed)} 在本期内换过归因周期，ROI 混合了两种周期，不参与比较。",
                         f" {', '.join(changed)} changed its window within the period: its ROI mixes two "
                         "windows and is not compared.")
        return text
    return pick(lang,
                f"各计划归因周期不同（{'、'.join(listed)} 天），数据中没有同一计划在两种周期下的记录，无法换算："
                "不同周期的 ROI 不可比，只在同周期的计划之间比较；各计划只与保本线比较。",
                f"Plans use different attribution windows ({', '.join(listed)} days) and no plan was reported under "
                "two windows, so there is no ratio to convert them: ROIs of different windows are not comparable; "
                "compare plans only within one window, and each plan only against break-even.")


def describe_profit_grid(plans: pd.DataFrame, margin: float, lang: str) -> str:
    """Break-even click conversion at today's CPC and break-even CPC at today's conversion,
    for the per-click plans together (:func:`helpers.areas.traffic.ads.break_even_point`)."""
    yuan, pct, _, _ = _fmt(lang)
    point = break_even_point(plans, margin)
    if point is None:
        return pick(lang, "按点击计费的计划本期没有点击或成交（或毛利率未知），无法做敏感性分析。",
                    "The per-click plans had no clicks or orders in the period (or the margin is unknown): "
                    "no sensitivity grid.")
    cpc, conv, per_order, profit = (point[k] for k in ("cpc", "conversion", "per_order", "profit"))
    be_conv, be_cpc = point["breakeven_conversion"], point["breakeven_cpc"]
    return pick(lang,
                f"按点击计费的计划：当前点击花费 {yuan(cpc)}、点击转化率 {pct(conv)}、笔单价 {yuan(per_order)}，"
                f"推广后毛利 {yuan(profit)}。保本需要点击转化率不低于 {pct(be_conv)}，或点击花费不高于 {yuan(be_cpc)}。"
                "图中红色为盈利、绿色为亏损：先守住转化率，再压点击花费。",
                f"Per-click plans: CPC {yuan(cpc)}, click conversion {pct(conv)}, sales per order "
                f"{yuan(per_order)}, gross profit after ads {yuan(profit)}. Breaking even needs a click conversion "
                f"of at least {pct(be_conv)}, or a CPC of at most {yuan(be_cpc)}. Green cells make money, red "
                "cells lose it: protect conversion first, then push the CPC down.")


def _factor_name(factor: str, lang: str) -> str:
    """A factor of GMV in a sentence: 访客数 / visitors, 支付转化率 / conversion, 客单价 / AOV."""
    if is_zh(lang):
        return label({"visitors": "visitors", "conversion": "conversion_rate", "aov": "aov"}[factor], lang)
    return "AOV" if factor == "aov" else factor


def _change_action(factor: str, lang: str) -> str:
    """Where to look first when ``factor`` drove a fall in sales."""
    if factor == "visitors":
        return pick(lang, "访客是主因：先查流量入口（搜索排名、推广预算、活动资源位）。",
                    "Visitors drove it: check the traffic entrances first (search rank, ad budgets, placements).")
    if factor == "conversion":
        return pick(lang, "转化率是主因：先查价格、库存、详情页和评价。",
                    "Conversion drove it: check prices, stock, detail pages and reviews first.")
    return pick(lang, "客单价是主因：查优惠力度、搭配购买和商品结构。",
                "AOV drove it: check discounts, bundles and the product mix.")


def describe_phases(phases: list[dict], lang: str) -> str:
    """Campaign phases as words: 「双十一 2026」活动期（11-09 ~ 11-11，3 天）、... (evidence records)."""
    items = []
    for r in phases:
        name, phase = escape(r["name"]), label(f"phase_{r['phase']}", lang)
        span = f"{r['first']:%m-%d} ~ {r['last']:%m-%d}"
        items.append(f"「{name}」{phase}（{span}，{r['days']} 天）" if is_zh(lang) else
                     f"the {phase} of “{name}” ({span}, {r['days']} day(s))")
    return ("、" if is_zh(lang) else ", ").join(items)


def describe_campaign_phase(finding: Finding, lang: str) -> str:
    """What a :func:`helpers.areas.traffic.decomposition.read_campaign_phase` finding means
    for reading the change: the warm-up pattern, or a comparison that mixes campaign days."""
    pct = _fmt(lang)[1]
    zh = is_zh(lang)
    ev = finding.evidence
    if finding.verdict == "ordinary":
        return ""
    if finding.verdict == "warmup":
        warm, before, prev = ev["warmup"], ev["before"], ev["previous"]
        (w0, w1), (b0, b1) = ev["warmup_span"], ev["before_span"]
        times = warm["cart_rate"] / before["cart_rate"] if before["cart_rate"] else float("nan")
        against = (f"{b0:%m-%d} ~ {b1:%m-%d}" if ev["compare_with"] == "period" else
                   pick(lang, f"上期平常日 {b0:%m-%d} ~ {b1:%m-%d}", f"the previous period's ordinary days "
                                                                f"{b0:%m-%d} ~ {b1:%m-%d}"))
        return pick(lang,
                    f"{w0:%m-%d} ~ {w1:%m-%d} 是「{escape(finding.subject)}」的预热期：支付转化率 {pct(warm['conversion'])}"
                    f"（{against} 为 {pct(before['conversion'])}，上期 {pct(prev['conversion'])}），而加购率从 "
                    f"{pct(before['cart_rate'])} 升到 {pct(warm['cart_rate'])}（{times:.1f} 倍）。买家加购后等活动价付款，"
                    "转化下降是预热的正常节奏，不是价格、库存、详情页或评价的问题：看加购和收藏是否在增长，活动开始后再复核转化。",
                    f"{w0:%m-%d} to {w1:%m-%d} is the warm-up of “{escape(finding.subject)}”: conversion "
                    f"{pct(warm['conversion'])} (against {pct(before['conversion'])} on {against} and "
                    f"{pct(prev['conversion'])} in the previous period) while add-to-cart rose from "
                    f"{pct(before['cart_rate'])} to {pct(warm['cart_rate'])} ({times:.1f}x). Buyers add to cart and wait "
                    "for the event price: the conversion drop is the warm-up, not prices, stock, detail pages or "
                    "reviews. Watch carts and favourites grow, and check conversion again once the event starts.")
    now, before = describe_phases(ev["phases"], lang), describe_phases(ev["previous_phases"], lang)
    if zh:
        text = (f"本期含{now}" if now else "本期是平常日") + (f"；上期含{before}" if before else "；上期是平常日")
        return text + "：环比混合了活动日和平常日，变化主要是活动节奏，不要按常态问题排查；与活动前的平常日或去年同一阶段比较。"
    text = (f"This period includes {now}" if now else "This period is ordinary trading") + (
        f"; the previous one includes {before}" if before else "; the previous one is ordinary trading")
    return text + (": the comparison mixes campaign and ordinary days, so the change is mostly the campaign's "
                   "rhythm, not an ordinary problem; compare with ordinary days before the campaign or the same "
                   "phase last year.")


def describe_decomposition(table: pd.DataFrame, lang: str, phase: Finding | None = None) -> str:
    """Which of visitors, conversion and AOV moved sales, and which sources drove it
    (:func:`helpers.areas.traffic.decomposition.decompose_sales`). With a campaign-phase
    finding (:func:`helpers.areas.traffic.decomposition.read_campaign_phase`) other than
    "ordinary", the phase is named and replaces the where-to-look advice of an ordinary fall."""
    yuan = _fmt(lang)[0]
    zh = is_zh(lang)
    total = table.loc["total"]
    if pd.isna(total["delta"]):
        return pick(lang, "上期没有流量数据，无法拆解销售额变化。",
                    "The previous period has no traffic data, so the sales change cannot be split.")
    effects = {k: total[f"{k}_effect"] for k in FACTORS}
    main = max(effects, key=lambda k: abs(effects[k]))
    sign = "+" if total["delta"] >= 0 else ""
    parts = [pick(lang,
                  f"支付金额环比变化 {sign}{yuan(total['delta'])}（{yuan(total['previous'])} → {yuan(total['current'])}）："
                  f"访客贡献 {yuan(effects['visitors'])}，转化率贡献 {yuan(effects['conversion'])}，客单价贡献 "
                  f"{yuan(effects['aov'])}，主因是{_factor_name(main, lang)}。",
                  f"Sales changed by {sign}{yuan(total['delta'])} ({yuan(total['previous'])} → "
                  f"{yuan(total['current'])}): visitors {yuan(effects['visitors'])}, conversion "
                  f"{yuan(effects['conversion'])}, AOV {yuan(effects['aov'])}; the main driver was "
                  f"{_factor_name(main, lang)}.")]
    sources = table.drop(index=["total", "sum_of_sources"])
    if len(sources) and total["delta"] != 0:
        for item, up in ((sources["delta"].idxmin(), False), (sources["delta"].idxmax(), True)):
            row = sources.loc[item]
            if (row["delta"] > 0) != up or row["delta"] == 0:
                continue
            eff = {k: row[f"{k}_effect"] for k in FACTORS}
            driver = max(eff, key=eff.get) if up else min(eff, key=eff.get)
            amount, name = yuan(abs(row["delta"])), _factor_name(driver, lang)
            parts.append(f"「{escape(item)}」{'增加' if up else '减少'} {amount}，主要来自{name}（{yuan(eff[driver])}）。"
                         if zh else
                         f"“{escape(item)}” {'added' if up else 'lost'} {amount}, mostly through {name} "
                         f"({yuan(eff[driver])}).")
        if phase is not None and phase.verdict != "ordinary":
            parts.append(describe_campaign_phase(phase, lang))
        elif total["delta"] < 0:
            parts.append(_change_action(main, lang))
    return " ".join(parts)


def _reason_name(reason: str, lang: str) -> str:
    """Why a day was not tested: a campaign id (data) or the Spring Festival."""
    return label("spring_festival", lang) if reason == "春节" else escape(reason)


def _in_sentence(name: str) -> str:
    """An English label inside a sentence: "Conversion rate" -> "conversion rate", "UV value" kept."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def describe_anomalies(result: AnomalyScan, lang: str) -> str:
    """How many anomalies the scan found, the largest ones, what to do, and what was not tested
    (:func:`helpers.areas.traffic.anomalies.find_anomalies`)."""
    yuan = _fmt(lang)[0]
    zh = is_zh(lang)
    days = result.days
    parts = []
    short = days[days["status"] == "short_baseline"]
    if len(short):
        a, b, n = f"{short['date'].min():%Y-%m-%d}", f"{short['date'].max():%Y-%m-%d}", len(short)
        have, need, window = int(short["baseline_days"].max()), result.min_baseline_days, 2 * result.baseline_days
        parts.append(
            f"{a} 至 {b} 共 {n} 天未做异常检测：季节性基线需要此前 {window} 天内至少 {need} 个正常日"
            f"（每个星期几 4 天，活动和春节不算），数据最多只有 {have} 天。补充更早的流量数据，或选更晚的日期。" if zh else
            f"{n} day(s) from {a} to {b} were not tested: the seasonal baseline needs at least {need} ordinary "
            f"days (four of each weekday; campaign and Spring Festival days do not count) in the {window} days "
            f"before, and the data has at most {have}. Add older traffic data or choose later dates.")
    missing = days[days["status"] == "no_data"]
    if len(missing):
        parts.append(pick(lang, f"{len(missing)} 天没有流量数据，未检测。",
                          f"{len(missing)} day(s) have no traffic data and were not tested."))
    excluded = days[days["status"] == "excluded"]
    if len(excluded):
        reasons = [_reason_name(r, lang) for r in dict.fromkeys(excluded["reason"])]
        parts.append(pick(lang, f"{len(excluded)} 天处于活动或春节期间（{'、'.join(reasons)}），波动属预期，未检测。",
                          f"{len(excluded)} day(s) fall in campaign or Spring Festival windows "
                          f"({', '.join(reasons)}); their swings are expected and were not tested."))
    tested, scan = result.tested_days, escape(result.scan.label())
    if tested == 0:
        parts.insert(0, pick(lang, f"{scan} 没有可检测的日期。", f"No day of {scan} could be tested."))
        return " ".join(parts)
    found = result.anomalies
    if found.empty:
        parts.insert(0, pick(lang,
                             f"{scan} 检测了 {tested} 天，各来源的访客、转化率和 UV价值都在正常波动范围内"
                             f"（|z| < {result.threshold:g}）。",
                             f"{tested} day(s) of {scan} tested: every source's visitors, conversion and UV value "
                             f"stayed within normal variation (|z| < {result.threshold:g})."))
        return " ".join(parts)
    spots = found[["date", "source"]].drop_duplicates().shape[0]
    head = pick(lang, f"{scan} 检测了 {tested} 天，发现 {len(found)} 个异常（{spots} 个来源·日）。如有异常，一定要及时调整：",
                f"{tested} day(s) of {scan} tested: {len(found)} anomalies on {spots} source-day(s). "
                "Act on them quickly:")
    items = []
    for _, row in found.drop_duplicates(["date", "source"]).head(3).iterrows():
        kind = METRIC_KINDS[row["metric"]]
        name, source = label(row["metric"], lang), escape(row["source"])
        seen, base = format_value(row["observed"], kind, lang), format_value(row["expected"], kind, lang)
        hint = hint_text(row["hint"], lang)
        items.append(f"{row['date']:%m-%d}「{source}」{name} {seen}，基线 {base}（{row['deviation']:+.0%}，影响约 "
                     f"{yuan(row['impact'])}）：{hint}" if zh else
                     f"{row['date']:%Y-%m-%d} “{source}” {_in_sentence(name)} {seen} against a baseline of {base} "
                     f"({row['deviation']:+.0%}, about {yuan(row['impact'])}): {hint}")
    parts.insert(0, head + ("；".join(items) + "。" if zh else " " + "; ".join(items) + "."))
    if "run_start" in found and found["run_start"].notna().any():
        runs = (found[found["run_start"].notna()].groupby(["source", "metric", "run_start"], sort=False)["date"]
                .agg(["min", "max"]).reset_index())
        spans = [(escape(r["source"]), label(r["metric"], lang), r["min"], r["max"]) for _, r in runs.iterrows()]
        parts.insert(1, pick(
            lang,
            f"其中包括 {len(spans)} 段持续多日的同向偏移（单日未必显著，连续 {RUN_DAYS} 天合计显著），各算一次："
            + "；".join(f"「{s}」{m} {a:%m-%d}～{b:%m-%d}" for s, m, a, b in spans) + "。",
            f"They include {len(spans)} sustained shift(s) over several days (a day alone may be within noise, "
            f"{RUN_DAYS} days in a row are not), one episode each: "
            + "; ".join(f"“{s}” {_in_sentence(m)} {a:%Y-%m-%d} to {b:%Y-%m-%d}" for s, m, a, b in spans) + "."))
    return " ".join(parts)


def describe_attribution(table: pd.DataFrame, coverage: dict[str, float], lang: str) -> str:
    """Which sources open journeys (first-click share at least 3 points above last-click) and
    which close them (3 points below) (:func:`helpers.areas.traffic.attribution.attribute_orders`)."""
    pct = _fmt(lang)[1]
    zh = is_zh(lang)
    if table.empty or not coverage["tracked_orders"]:
        return pick(lang, "本期没有带触点路径的成交订单。", "No paid order of this period has a touch path.")
    shares = credit_shares(table)
    diff = shares["first_click"] - shares["last_click"]
    openers = diff[diff >= 0.03].sort_values(ascending=False)
    closers = diff[diff <= -0.03].sort_values()
    tracked, share = coverage["tracked_orders"], pct(coverage["tracked_share"])
    parts = [pick(lang, f"{tracked} 笔成交（占本期 {share}）有触点路径。",
                  f"{tracked} paid orders ({share} of the period's) have a touch path.")]
    if len(openers):
        names = [(escape(s), pct(shares.loc[s, "first_click"]), pct(shares.loc[s, "last_click"]))
                 for s in openers.index[:3]]
        parts.append(
            "种草/引入型来源：" + "、".join(f"{s}（首次 {f}，末次 {la}）" for s, f, la in names)
            + "。只看末次点击会低估它们，削减预算前先看首次点击和位置归因。" if zh else
            "Sources that open journeys: " + ", ".join(f"{s} (first {f} vs last {la})" for s, f, la in names)
            + ". Last-click reports undervalue them; check first-click and position-based credit before "
            "cutting their budgets.")
    if len(closers):
        names = [escape(s) for s in closers.index[:3]]
        parts.append(pick(lang, "收割型来源：" + "、".join(names) + "，末次点击高估了它们的独立贡献。",
                          "Sources that close journeys: " + ", ".join(names) + "; last click overstates what "
                          "they achieve on their own."))
    return " ".join(parts)

