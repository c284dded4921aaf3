"""The postmortem's sentences, one per report language: the header, the issues of its days, the
reading of each section and the advice for next time.

Words come from the label table (:func:`helpers.i18n.label`), figures from
:mod:`helpers.present.format`, verdicts from :mod:`helpers.areas.campaigns.findings`; data
text (campaign, category and product names) is escaped. A Chinese report's sentences have
no English words and an English report's no Chinese, except the data's own names.
"""

from __future__ import annotations

import pandas as pd

from helpers.areas.campaigns import findings as rules
from helpers.areas.campaigns.activity import peak_day
from helpers.areas.campaigns.campaign import MIN_PRE_DAYS, SHORT_PRE_DAYS, Campaign, Windows
from helpers.areas.campaigns.mechanics import Mechanics
from helpers.areas.campaigns.model import safe_div
from helpers.areas.campaigns.profit import Profit
from helpers.areas.campaigns.uplift import Impact
from helpers.core.findings import NOT_ENOUGH_DATA, Finding
from helpers.i18n import has_label, is_zh, label, label_or_text, pick
from helpers.present.display import escape
from helpers.present.format import fmt_pct, format_value


def yuan(value: float, lang: str) -> str:
    """A yuan figure inside a sentence."""
    return format_value(value, "yuan", lang)


def pct(value: float, signed: bool = False) -> str:
    """A fraction as a percent with one decimal inside a sentence."""
    return fmt_pct(value, 1, signed=signed)


def ratio(value: float, lang: str) -> str:
    """A ratio (ROI) inside a sentence."""
    return format_value(value, "ratio", lang)


def _join(names, lang: str) -> str:
    """Names (data, or label keys such as 春节's) joined in the report's language, escaped."""
    return ("、" if is_zh(lang) else ", ").join(escape(label_or_text(n, lang)) for n in names)


def mechanic_label(mechanic: str, lang: str) -> str:
    """The mechanic's name (``mechanic_<value>`` label), or the value itself when unknown."""
    key = f"mechanic_{mechanic}"
    return label(key, lang) if has_label(key) else mechanic


def describe_issue(issue: Finding, lang: str) -> str:
    """One sentence for a ``campaigns.windows`` finding (see
    :func:`~helpers.areas.campaigns.campaign.campaign_windows` and
    :func:`~helpers.areas.campaigns.uplift.estimate_uplift`)."""
    e, zh = issue.evidence, is_zh(lang)
    day = {k: v.date() for k, v in e.items() if isinstance(v, pd.Timestamp)}
    if issue.verdict == "not_started":
        return pick(lang, f"活动 {day['start']} 才开始，数据只到 {day['data_last']}，还没有可复盘的数据。",
                    f"The campaign starts on {day['start']}, after the data ends ({day['data_last']}): "
                    "there is nothing to review yet.")
    if issue.verdict == "ended_before_data":
        return pick(lang, f"活动在数据开始（{day['data_first']}）之前就结束了。",
                    f"The campaign ended before the data starts ({day['data_first']}).")
    if issue.verdict == "still_running":
        return pick(lang, f"活动到 {day['end']} 才结束，数据只到 {day['data_last']}：活动期只分析到数据最后一天。",
                    f"The campaign runs to {day['end']} but the data ends on {day['data_last']}: the event "
                    "is analysed up to the last day of data.")
    if issue.verdict == "short_post":
        return pick(lang, f"活动后只有 {e['days']} 天数据（要求 {e['asked']} 天），活动后的回落与退款还不完整。",
                    f"Only {e['days']} of the {e['asked']} post-event days are in the data, so the aftermath "
                    "and the refunds are not complete yet.")
    if issue.verdict == "short_baseline":
        return pick(lang, f"活动前只找到 {e['days']} 个可用的平日作基期（要求 {e['asked']} 天）。",
                    f"Only {e['days']} of the {e['asked']} clean baseline days asked for were found before "
                    "the campaign.")
    if issue.verdict == "overlap":
        names = _join(e["campaigns"], lang)
        return pick(lang, f"活动周期与 {names} 重叠：测到的效果是两个活动合在一起的效果，无法拆开。",
                    f"The window overlaps {names}: the effect measured is that of both campaigns together "
                    "and cannot be split between them.")
    if issue.verdict == NOT_ENOUGH_DATA:
        n = e["clean_days"]
        if zh:
            return (f"活动前只有 {n} 个可用的平日（至少需要 {MIN_PRE_DAYS} 天），无法可靠地估计“没有活动会卖多少”，"
                    "本节不给出增量。可换一个更早开始的数据，或把基期天数（`pre_days`）调大。")
        return (f"The pre-period has only {n} clean days (at least {MIN_PRE_DAYS} are needed), too few to "
                "estimate what the shop would have sold without the campaign, so no uplift is given. Use "
                "data that starts earlier, or a longer `pre_days`.")
    if issue.verdict == "few_clean_days":
        n = e["clean_days"]
        return pick(lang, f"活动前只有 {n} 个可用的平日（建议 {SHORT_PRE_DAYS} 天以上），区间较宽，结论要谨慎。",
                    f"The pre-period has only {n} clean days (at least {SHORT_PRE_DAYS} are advised), so the "
                    "intervals are wide: read the result with care.")
    raise ValueError(f"unknown issue {issue.verdict!r}")


def describe_control(reason: str, detail, change: float, p_real: float, lang: str) -> str:
    """Why a control series was used, left out or unavailable (a row of
    :func:`~helpers.areas.campaigns.controls.build_controls`)."""
    zh = is_zh(lang)
    if reason == "no_products":
        return pick(lang, "没有商品表（products），无法按类目对照。",
                    "No products table, so categories cannot serve as controls.")
    if reason == "whole_shop":
        return pick(lang, "该玩法对全店生效，所有商品都在活动内，没有可作对照的商品。",
                    "The mechanic applies to the whole shop: every product is in the campaign, so there "
                    "are no product controls.")
    if reason == "no_tagged_lines":
        return pick(lang, "没有订单行带这个活动ID，无法判断活动覆盖哪些类目。",
                    "No order line carries this campaign id, so its categories are unknown.")
    if reason == "all_categories":
        return pick(lang, "活动覆盖了所有类目，没有可作对照的类目。",
                    "The campaign covered every category: no category is left as a control.")
    if reason == "no_last_year":
        first = pd.Timestamp(detail).date()
        return pick(lang, f"数据从 {first} 开始，没有去年同期。",
                    f"The data starts on {first}: last year's days are not in it.")
    if reason == "last_year_campaign":
        names = _join(detail, lang)
        return pick(lang, f"去年同期有 {names}，不能代表“没有活动”。",
                    f"Last year's same days held {names}, so they do not show a year without a campaign.")
    if reason == "short_baseline":
        return pick(lang, "对照序列的基期数据不足。", "Not enough clean pre-period days for this control.")
    names = _join(detail, lang) if detail else ""
    if reason == "moved":
        if zh:
            return f"活动期间它自己也变化了 {change:+.0%}（概率 {p_real:.0%}），说明活动也影响了它。" + (
                f"（{names}）" if names else "")
        return (f"It moved {change:+.0%} itself during the campaign (probability {p_real:.0%}), so the "
                "campaign reached it too." + (f" ({names})" if names else ""))
    if reason == "steady":
        if zh:
            return f"活动期间基本平稳（{change:+.0%}）。" + (f"（{names}）" if names else "")
        return f"Steady during the campaign ({change:+.0%})." + (f" ({names})" if names else "")
    raise ValueError(f"unknown control reason {reason!r}")


def campaign_header(campaign: Campaign, windows: Windows, lang: str) -> str:
    """The campaign, its mechanic, its phases and the baseline, as Markdown lines, then the
    issues of its days as a list."""
    zh = is_zh(lang)
    parts = []
    for key in ("warmup", "event", "post"):
        p = getattr(windows, key)
        if p is not None:
            parts.append(pick(lang, f"**{label(key, lang)}** {p.label()}（{p.days} 天）",
                              f"**{label(key, lang)}** {p.label()} ({p.days} days)"))
    terms = []
    if pd.notna(campaign.threshold):
        if pd.notna(campaign.reduction):
            terms.append(pick(lang, f"满 ¥{campaign.threshold:,.0f} 减 ¥{campaign.reduction:,.0f}",
                              f"¥{campaign.reduction:,.0f} off every ¥{campaign.threshold:,.0f}"))
        else:
            terms.append(pick(lang, f"门槛 ¥{campaign.threshold:,.0f}", f"threshold ¥{campaign.threshold:,.0f}"))
    if pd.notna(campaign.discount_rate):
        terms.append(pick(lang, f"{campaign.discount_rate * 10:.1f} 折", f"{1 - campaign.discount_rate:.0%} off"))
    budget = yuan(campaign.budget, lang) if pd.notna(campaign.budget) else pick(lang, "未填", "not given")
    mechanic = mechanic_label(campaign.mechanic, lang)
    name, cid = escape(campaign.name), escape(campaign.campaign_id)
    if zh:
        head = (f"**{name}**（`{cid}`，{mechanic}" + (f"，{'、'.join(terms)}" if terms else "")
                + f"，预算 {budget}）")
    else:
        head = (f"**{name}** (`{cid}`, {mechanic}" + (f", {', '.join(terms)}" if terms else "")
                + f", budget {budget})")
    n_clean = len(windows.clean_days)
    if windows.pre is not None:
        base = pick(lang, f"**基期** {windows.pre.label()} 中的 {n_clean} 个平日",
                    f"**baseline** {n_clean} clean days in {windows.pre.label()}")
    else:
        base = pick(lang, "**基期** 无", "**baseline** none")
    text = head + "\n\n" + " · ".join([*parts, base])
    if windows.issues:
        text += "\n\n" + "\n".join(f"- {describe_issue(i, lang)}" for i in windows.issues)
    return text


def describe_timeline(timeline: pd.DataFrame, windows: Windows, hourly: pd.DataFrame, lang: str) -> str:
    """Sales per day in each phase against the baseline, the peak day and its busiest hour."""
    if timeline.empty or windows.event is None:
        return pick(lang, "活动期没有数据。", "There is no data for the event.")
    base = float(timeline["baseline"].iloc[0])
    per_day = timeline.groupby("phase")["sales"].mean()
    peak = peak_day(timeline)
    parts = []
    if pd.notna(base):
        parts.append(pick(lang, f"平日（基期）日均销售额 {yuan(base, lang)}。",
                          f"On ordinary days (the baseline) the shop sold {yuan(base, lang)} a day."))
    for key in ("warmup", "event", "post"):
        if key in per_day.index:
            v = per_day[key]
            rel = safe_div(v, base) - 1
            parts.append(pick(lang, f"{label(key, lang)}日均 {yuan(v, lang)}（{pct(rel, True)}）。",
                              f"{label(key, lang)}: {yuan(v, lang)} a day ({pct(rel, True)})."))
    if peak is not None:
        sales = timeline.loc[peak, "sales"]
        share = safe_div(sales, timeline.loc[timeline["phase"] == "event", "sales"].sum())
        parts.append(pick(lang, f"峰值日 {peak:%Y-%m-%d} 卖了 {yuan(sales, lang)}，占活动期的 {pct(share)}。",
                          f"The peak day, {peak:%Y-%m-%d}, sold {yuan(sales, lang)}, {pct(share)} of the event."))
    if not hourly.empty and hourly["peak_sales"].sum() > 0:
        top = int(hourly["peak_share"].idxmax())
        ps, bs = hourly.loc[top, "peak_share"], hourly.loc[top, "baseline_share"]
        parts.append(pick(lang, f"峰值日最集中的是 {top:02d}:00–{top:02d}:59，占当天 {pct(ps)}（平日该小时占 {pct(bs)}）。",
                          f"Its busiest hour was {top:02d}:00–{top:02d}:59 with {pct(ps)} of the day's sales "
                          f"(ordinarily {pct(bs)})."))
    return " ".join(parts)


def describe_stockouts(stockouts: pd.DataFrame, lang: str) -> str:
    """Possible stock-outs, with the caveat that they are inferred from sales."""
    zh = is_zh(lang)
    head = pick(lang, "数据里没有库存表，断货只能从销量推断：平时每天都卖、活动中却连续多天零成交的商品。",
                "The data has no stock table, so stock-outs are inferred from sales: products that "
                "sell every day but sold nothing for several event days.")
    if stockouts.empty:
        return head + pick(lang, " 本次活动没有发现这样的商品。", " No product looks sold out in this event.")
    titles = stockouts["title"].head(3)
    names = "、".join(f"「{escape(t)}」" for t in titles) if zh else ", ".join(f"“{escape(t)}”" for t in titles)
    lost = float(stockouts["expected_units"].sum())
    return head + pick(lang, f" 共 {len(stockouts)} 个商品疑似断货，如 {names}，按平时的速度少卖约 {lost:,.0f} 单。"
                       "下次活动前按峰值日销量备货。",
                       f" {len(stockouts)} products look sold out, e.g. {names}; at their usual pace they would "
                       f"have sold about {lost:,.0f} more lines. Stock for the peak day next time.")


def _model_words(model: str, lang: str) -> str:
    if model == "regression":
        return pick(lang, "回归模型（趋势 + 星期效应 + 对照序列）", "a regression (trend + weekday + controls)")
    return pick(lang, "结构时间序列模型（局部水平 + 周季节 + 对照序列）",
                "a structural time-series model (local level + weekly seasonal + controls)")


def describe_uplift(impact: Impact, lang: str) -> str:
    """What the campaign added during the event, how sure that is, and the model behind it;
    then the issues of the estimate that the header did not list."""
    issues = [f"- {describe_issue(i, lang)}" for i in impact.issues if i not in impact.windows.issues]
    tail = ("\n\n" + "\n".join(issues)) if issues else ""
    verdict = rules.judge_uplift(impact)
    if not verdict.enough_data:
        return pick(lang, "无法估计活动增量。", "The uplift could not be estimated.") + tail
    ev = impact.phases.loc["event"]
    conf = f"{impact.confidence:.0%}"
    y = {k: yuan(ev[k], lang) for k in ("actual", "predicted", "predicted_low", "predicted_high", "effect",
                                         "effect_low", "effect_high")}
    r = {k: pct(ev[k], True) for k in ("relative", "relative_low", "relative_high")}
    used = [label(k, lang) for k in impact.controls.index if impact.controls.loc[k, "status"] == "used"]
    model = _model_words(impact.model, lang)
    if is_zh(lang):
        text = (f"活动期实际卖了 {y['actual']}；如果没有活动，预计只会卖 {y['predicted']}"
                f"（{conf} 区间 {y['predicted_low']}～{y['predicted_high']}）。"
                f"活动带来的增量为 **{y['effect']}**（区间 {y['effect_low']}～{y['effect_high']}），相对提升 "
                f"**{r['relative']}**（区间 {r['relative_low']}～{r['relative_high']}），效果为真的概率 {pct(ev['p_real'])}。")
        if verdict.verdict == "maybe_noise":
            text += " 这个提升可能只是正常波动，不能算作活动的功劳。"
        text += (f" “没有活动”的销售额由{model}从活动前 {impact.fit_days} 个平日估计，拟合误差 {pct(impact.fit_error)}；"
                 + (f"使用的对照序列：{'、'.join(used)}。" if used else "没有可用的对照序列（见上表），只靠活动前的走势。"))
    else:
        text = (f"The event sold {y['actual']}; without the campaign the shop would have sold about {y['predicted']} "
                f"({conf} interval {y['predicted_low']} to {y['predicted_high']}). The campaign added "
                f"**{y['effect']}** (interval {y['effect_low']} to {y['effect_high']}), a relative uplift of "
                f"**{r['relative']}** (interval {r['relative_low']} to {r['relative_high']}); the probability "
                f"that the effect is real is {pct(ev['p_real'])}.")
        if verdict.verdict == "maybe_noise":
            text += " The lift may well be ordinary noise: do not credit it to the campaign."
        text += (f" The no-campaign sales come from {model} fitted on {impact.fit_days} clean days before the "
                 f"campaign (in-sample error {pct(impact.fit_error)}); "
                 + (f"controls used: {', '.join(used)}." if used else
                    "no control series could be used (see the table above), only the trend before the campaign."))
    return text + tail


def describe_pull_forward(pull: pd.DataFrame, impact: Impact, lang: str) -> str:
    """The dip before and after the event, the share of the gain it gave back and the net effect."""
    if not impact.ok:
        return pick(lang, "没有增量估计，无法计算透支。", "Without an uplift estimate there is no pull-forward figure.")
    cid = impact.campaign.campaign_id
    parts = []
    for key in ("warmup", "post"):
        dip = rules.judge_dip(pull, key, cid)
        if dip is None:
            continue
        e, rel, p = (dip.evidence[k] for k in ("effect", "relative", "p_real"))
        name = label(key, lang)
        days = dip.evidence["days"]
        if key == "post" and pd.notna(days):
            n = int(days)
            name = pick(lang, f"活动后前 {n} 天", f"The first {n} post-event days")
        else:
            name = pick(lang, label(key, lang), f"The {label(key, lang).lower()}")
        lo, hi = pct(dip.evidence["low"], True), pct(dip.evidence["high"], True)
        if dip.verdict == "dip":
            why = (pick(lang, "预热期买家在等活动", "buyers waited for the event") if key == "warmup" else
                   pick(lang, "活动后买家已经囤了货", "buyers had stocked up"))
            parts.append(pick(lang, f"{name}比平时少卖 {yuan(-e, lang)}（{pct(rel, True)}，区间 {lo}～{hi}，概率 {pct(p)}）：{why}。",
                              f"{name} sold {yuan(-e, lang)} less than usual ({pct(rel, True)}, interval {lo} to {hi}, "
                              f"probability {pct(p)}): {why}."))
        else:
            parts.append(pick(lang, f"{name}没有明显的回落（{pct(rel, True)}，区间 {lo}～{hi}，概率 {pct(p)}）。",
                              f"{name} show no clear dip ({pct(rel, True)}, interval {lo} to {hi}, probability {pct(p)})."
                              if key == "post" and pd.notna(days) else
                              f"{name} shows no clear dip ({pct(rel, True)}, interval {lo} to {hi}, probability {pct(p)})."))
    share = rules.judge_pull_forward(pull, cid)
    lo, hi = pct(share.evidence["low"]), pct(share.evidence["high"])
    if share.verdict == "unclear":
        parts.append(pick(lang, f"前后是否透支还说不准（透支比例区间 {lo}～{hi}）。",
                          f"Whether the event took sales from the days around it is unclear (share interval {lo} to {hi})."))
    elif share.verdict == "pulled":
        s = pct(share.evidence["share"])
        parts.append(pick(lang, f"活动期增量中有 **{s}** 是从前后透支来的（区间 {lo}～{hi}）。",
                          f"**{s}** of the event's gain was taken from the days around it (interval {lo} to {hi})."))
    net = pull.loc["window"]
    if rules.judge_event_lift(impact).verdict == "no_clear_lift" and net["effect"] > 0:
        parts.append(pick(lang, "活动期本身没有明显提升；下面的净增量来自活动前后几天，应先排查其他原因（季节、其他推广）再归功于活动。",
                          "The event itself showed no clear lift; the net gain below comes from the days around "
                          "it, so look for other causes (season, other promotions) before crediting the campaign."))
    y = {k: yuan(net[k], lang) for k in ("effect", "effect_low", "effect_high")}
    parts.append(pick(lang, f"算上前后，整个周期的净增量为 **{y['effect']}**（区间 {y['effect_low']}～{y['effect_high']}），"
                      "这才是活动真正多卖的。",
                      f"Counting both, the net gain over the whole window is **{y['effect']}** (interval "
                      f"{y['effect_low']} to {y['effect_high']}): what the campaign really added."))
    return " ".join(parts)


def describe_refunds(refunds: pd.DataFrame, lang: str) -> str:
    """Refund rate of the campaign's lines against what the same categories normally return."""
    if refunds.empty or "campaign_lines" not in refunds.index:
        return pick(lang, "没有退款数据。", "No refund data.")
    c, n = refunds.loc["campaign_lines"], refunds.loc["normal"]
    if not c["lines"]:
        return pick(lang, "没有订单行带这个活动ID，无法单看活动订单的退款。",
                    "No order line carries this campaign id, so the campaign's own refunds cannot be separated.")
    adjusted, expected, extra = pct(c["refund_rate_adjusted"]), pct(c["expected_rate"]), yuan(c["extra_refunds"], lang)
    parts = [pick(lang, f"活动订单的退款率（金额）为 {adjusted}，同样商品平时退 {expected}，"
                  f"是平时的 **{c['vs_normal']:.2f} 倍**，多退了约 {extra}。",
                  f"The campaign lines' refund rate (value) is {adjusted} against {expected} for the same "
                  f"categories normally: **{c['vs_normal']:.2f}x**, about {extra} of extra refunds.")]
    if c["completeness"] < 0.95:
        parts.append(pick(lang, f"其中只有约 {pct(c['completeness'])} 的退款已经到账，其余按本店平常的退款时间补齐估计。",
                          f"Only about {pct(c['completeness'])} of those refunds have arrived yet; the rest is "
                          "filled in from the shop's usual refund delays."))
    parts.append(pick(lang, f"（基期退款率 {pct(n['refund_rate'])}。）", f"(Baseline refund rate {pct(n['refund_rate'])}.)"))
    return " ".join(parts)


def _missing_item(item: str, lang: str) -> str:
    if item == "ads":
        return pick(lang, "没有推广表，未计额外推广花费", "no ads table: extra ad spend not counted")
    if item == "budget":
        return pick(lang, "活动预算未填，未计固定成本", "no budget given: the fixed cost is not counted")
    if item == "refunds":
        return pick(lang, "没有退款表，未计额外退款", "no refunds table: extra refunds not counted")
    return pick(lang, "没有商品成本，无法算毛利", "no unit costs: gross profit cannot be computed")


def describe_profit(profit: Profit, impact: Impact, lang: str) -> str:
    """Profit, ROI, break-even and the cost of each new buyer, in words."""
    zh = is_zh(lang)
    missing = [_missing_item(m, lang) for m in profit.missing if m in ("ads", "budget", "refunds", "margin")]
    tail = (pick(lang, "（" + "；".join(missing) + "。）", " (" + "; ".join(missing) + ".)")) if missing else ""
    if impact.windows.window is None:
        return pick(lang, "活动没有落在数据范围内的日子，无法计算利润。", "The campaign has no day in the data: no profit to compute.")
    verdict = rules.judge_profit(profit, impact.campaign.campaign_id)
    cost, margin, breakeven = (yuan(profit.campaign_cost, lang), pct(profit.normal_margin),
                               yuan(profit.breakeven_sales, lang))
    if not verdict.enough_data and "margin" in profit.missing:
        return pick(lang, "没有商品成本（products.unit_cost），算不出毛利和利润；表中只列出成本。",
                    "Without unit costs (products.unit_cost) neither gross profit nor profit can be computed; "
                    "the table lists the costs only.")
    if not verdict.enough_data:
        return pick(lang, f"没有增量估计，只能列出成本：活动投入 {cost}，按平日毛利率 {margin}，需要按原价多卖 {breakeven} 才能保本。",
                    f"Without an uplift estimate only the costs are known: the campaign cost {cost}, so at the "
                    f"normal margin of {margin} it needed {breakeven} of extra sales at list prices to break even.") + tail
    p, lo, hi = (yuan(verdict.evidence[k], lang) for k in ("profit", "low", "high"))
    gain, roi = yuan(profit.value("incremental_list_sales"), lang), ratio(profit.roi, lang)
    if verdict.verdict == "break_even":
        says = pick(lang, "大致持平，盈亏不确定", "roughly broke even (profit or loss is uncertain)")
    elif verdict.verdict == "made_money":
        says = pick(lang, "赚钱", "made money")
    else:
        says = pick(lang, "亏钱", "lost money")
    if zh:
        out = (f"按净增量（含前后透支）算，活动{says}：利润 **{p}**（区间 {lo}～{hi}，赚钱的概率 {pct(profit.p_profit)}），"
               f"活动投入 {cost}，活动ROI(净) {roi}。保本需要按原价多卖 {breakeven}，实际多卖 {gain}。")
        if pd.notna(profit.cost_per_new_buyer):
            out += (f" 多带来约 {profit.new_buyers['incremental']:,.0f} 个新客，每个新客成本 "
                    f"{yuan(profit.cost_per_new_buyer, lang)}。")
    else:
        out = (f"On the net gain (pull-forward included) the campaign {says}: profit **{p}** (interval {lo} to "
               f"{hi}, probability of a profit {pct(profit.p_profit)}) on a campaign cost of {cost}, a net campaign "
               f"ROI of {roi}. Breaking even needed {breakeven} of extra sales at list prices; it made {gain}.")
        if pd.notna(profit.cost_per_new_buyer):
            out += (f" It brought about {profit.new_buyers['incremental']:,.0f} extra new buyers at "
                    f"{yuan(profit.cost_per_new_buyer, lang)} each.")
    if rules.judge_event_lift(impact).verdict == "no_clear_lift":
        out += pick(lang, " 注意：活动期本身没有明显提升，这里的利润主要来自活动前后几天，未必是活动的功劳。",
                    " Note: the event itself showed no clear lift, so this profit rests on the days around it "
                    "and may not be the campaign's doing.")
    return out + tail


def describe_mechanics(mech: Mechanics, lang: str) -> str:
    """Did the mechanic do what it is for? A threshold on the share of orders that reached it
    and the bunching above it, 买一送一 on paid amount and margin per order, 限时折扣 on its
    products' velocity and margin; never on basket size alone."""
    t = mech.table
    if not t.loc["orders_per_day", "event"] > 0:
        return pick(lang, "活动期没有订单。", "There were no orders in the event.")
    parts = []
    share = t.loc["campaign_order_share", "event"]
    threshold = rules.judge_threshold(mech)
    if share == 0:
        parts.append(pick(lang, "活动期没有一笔订单带这个活动ID：活动可能没有生效，或订单没有打上活动标记，请检查活动设置。",
                          "Not one order of the event carries this campaign id: the campaign may not have gone "
                          "live, or orders were not tagged with it. Check the campaign's set-up."))
    elif pd.notna(share) and threshold is None:
        parts.append(pick(lang, f"活动期 {pct(share)} 的订单带活动标记。", f"{pct(share)} of the event's orders carry the campaign's tag."))
    if pd.notna(mech.effective_discount):
        eff = pct(mech.effective_discount)
        sentence = pick(lang, f"活动订单行的实际优惠力度为 {eff}", f"The campaign lines' effective discount was {eff}")
        if pd.notna(mech.stated_discount):
            stated = pct(mech.stated_discount)
            sentence += pick(lang, f"（玩法标称 {stated}）。", f" (the mechanic promises {stated}).")
        else:
            sentence += pick(lang, "。", ".")
        parts.append(sentence)
    if threshold is not None:
        parts.append(_describe_threshold(threshold, lang))
    bogo, flash = rules.judge_bogo(mech), rules.judge_time_discount(mech)
    if bogo is not None:
        parts.append(_describe_bogo(bogo, lang))
    elif flash is not None:
        parts.append(_describe_flash(flash, lang))
    else:
        a0, a1 = (yuan(t.loc["amount_per_order", p], lang) for p in ("baseline", "event"))
        parts.append(pick(lang, f"每单实付从 {a0} 到 {a1}。", f"Paid per order went from {a0} to {a1}."))
    return " ".join(parts)


def _describe_threshold(finding: Finding, lang: str) -> str:
    """满减 on reach: the share of the event's orders at or above the line, and the bunching above it."""
    e = finding.evidence
    line = f"¥{e['threshold']:,.0f}"
    reach, reach0, band, band0 = (pct(e[k]) for k in ("event_reach", "usual_reach", "event_band", "usual_band"))
    tagged = e["tagged_share"]
    parts = [pick(lang, f"活动期 **{reach}** 的订单达到门槛 {line}（平时 {reach0}），这才是满足条件、拿到优惠的订单",
                  f"**{reach}** of the event's orders reached the {line} line (ordinarily {reach0}): those met the "
                  "condition and got the discount")]
    if pd.notna(tagged) and tagged > e["event_reach"] + 0.05:
        parts[0] += pick(lang, f"；带活动标记的订单占 {pct(tagged)}，标记不代表满足了门槛。",
                         f"; {pct(tagged)} carry the campaign's tag, which does not mean they met it.")
    else:
        parts[0] += pick(lang, "。", ".")
    if not finding.enough_data:
        parts.append(pick(lang, f"门槛附近的订单太少（{e['band_orders']:,.0f} 单，至少 {e['needed']} 单），凑单与否暂不下结论（数据不足）。",
                          f"Too few orders near the line ({e['band_orders']:,.0f}, at least {e['needed']} needed) to "
                          "judge topping up: not enough data yet."))
        return " ".join(parts)
    if e["detected"]:
        parts.append(pick(lang, f"{band} 的订单落在门槛上方 30% 以内（平时 {band0}）：门槛上方与下方 30% 区间的订单之比是平时的 "
                          f"{e['ratio']:.1f} 倍（z = {e['z']:.1f}），说明买家在凑单。",
                          f"{band} landed within 30% above it (ordinarily {band0}): orders in the 30% above against the "
                          f"30% below are {e['ratio']:.1f} times the usual ratio (z = {e['z']:.1f}), so buyers topped "
                          "up their baskets to reach it."))
    else:
        parts.append(pick(lang, f"门槛上方 30% 以内有 {band} 的订单（平时 {band0}），没有明显的凑单集聚（倍数 {e['ratio']:.1f}，z = {e['z']:.1f}）。",
                          f"{band} landed within 30% above it (ordinarily {band0}), with no clear bunching "
                          f"(ratio {e['ratio']:.1f}, z = {e['z']:.1f})."))
    if e["most_reach_anyway"]:
        parts.append(pick(lang, "平时大部分订单本来就过门槛，门槛设得太低，没有拉动客单价。",
                          "Most orders cleared the line anyway: it is set too low to lift the basket."))
    return " ".join(parts)


def _describe_bogo(finding: Finding, lang: str) -> str:
    """买一送一 on paid amount and margin per order (units per order are the free units)."""
    e = finding.evidence
    if not finding.enough_data:
        return pick(lang, f"订单太少（{e['orders']:,.0f} 单，至少 {e['needed']} 单），买一送一的效果暂不下结论（数据不足）。",
                    f"Too few orders ({e['orders']:,.0f}, at least {e['needed']} needed) to judge the "
                    "buy-one-get-one: not enough data yet.")
    key = e["judged_on"]
    a0, a1 = yuan(e["paid_per_order"], lang), yuan(e["event_paid_per_order"], lang)
    m0, m1 = yuan(e["margin_per_order"], lang), yuan(e["event_margin_per_order"], lang)
    lo, hi = yuan(e[f"{key}_low"], lang), yuan(e[f"{key}_high"], lang)
    text = pick(lang, f"每单实付从 {a0} 到 {a1}，每单利润从 {m0} 到 {m1}（变化区间 {lo}～{hi}）。",
                f"Paid per order went from {a0} to {a1} and margin per order from {m0} to {m1} (change interval "
                f"{lo} to {hi}).")
    says = {"earns_less_per_order": pick(lang, "每单多出的件数是送的，每单反而赚得更少。",
                                         "The extra units per order are the free ones: each order earned less."),
            "earns_more_per_order": pick(lang, "每单赚得更多。", "Each order earned more."),
            "no_clear_change": pick(lang, "每单收入没有明显变化。", "What each order brought in did not clearly change.")}
    return text + " " + says[finding.verdict]


def _describe_flash(finding: Finding, lang: str) -> str:
    """限时折扣 on velocity and margin, never on basket size."""
    e = finding.evidence
    if not finding.enough_data:
        return pick(lang, f"活动商品平时销量太少（{e['baseline_units']:,.0f} 件，至少 {e['needed']} 件），动销速度暂不下结论（数据不足）。",
                    f"The discounted products sold too few units on ordinary days ({e['baseline_units']:,.0f}, at "
                    f"least {e['needed']} needed) to judge their velocity: not enough data yet.")
    u0, u1 = f"{e['baseline_units_per_day']:,.1f}", f"{e['event_units_per_day']:,.1f}"
    r, lo, hi = (f"{e[k]:.1f}" for k in ("velocity_ratio", "velocity_low", "velocity_high"))
    g0, g1 = yuan(e["baseline_profit_per_day"], lang), yuan(e["event_profit_per_day"], lang)
    m0, m1 = pct(e["baseline_margin"]), pct(e["event_margin"])
    return pick(lang, f"{e['products']:,.0f} 个活动商品日均卖 {u1} 件，平时 {u0} 件（{r} 倍，区间 {lo}～{hi}）；"
                f"日均毛利 {g0} → {g1}，毛利率 {m0} → {m1}。",
                f"The {e['products']:,.0f} discounted products sold {u1} units a day against {u0} usually ({r} x, "
                f"interval {lo} to {hi}); their gross profit per day went from {g0} to {g1}, margin {m0} to {m1}.")


def describe_models(finding: Finding, lang: str) -> str:
    """Whether the regression and the structural model agree (a
    :func:`~helpers.areas.campaigns.agreement.judge_models` finding)."""
    e = finding.evidence
    if not finding.enough_data:
        return pick(lang, "只有一个模型能给出估计，无法对照两个模型。", "Only one model could estimate, so the two cannot be compared.")
    phases = _join([label("whole_window" if p == "window" else p, lang) for p in e["apart"]], lang)
    differ = _join([label(p, lang) for p in e["differ"]], lang)
    if finding.verdict == "disagree":
        return pick(lang, f"**两个模型不一致**：{phases}的增量区间不重叠，结论取决于用哪个模型，不能只看其中一个；"
                    "上表列出两者，应补充对照序列或更长的基期后再判断。",
                    f"**The two models disagree**: their intervals for {phases} do not overlap, so the answer depends "
                    "on the model and neither alone can be trusted; both are listed above. Add controls or a "
                    "longer baseline before acting on it.")
    if finding.verdict == "read_differently":
        return pick(lang, f"两个模型的区间重叠，但对{differ}的判断不同（一个认为明显、一个不明显）：这一项只能算“可能”。",
                    f"The two models' intervals overlap but they read {differ} differently (clear for one, not for "
                    "the other): treat that point as possible, not established.")
    return pick(lang, "两个模型的估计在区间内一致。", "The two models agree within their intervals.")


def describe_ranking(finding: Finding, lang: str) -> str:
    """Whether the two models rank this campaign alike (a
    :func:`~helpers.areas.campaigns.agreement.judge_ranking` finding)."""
    e = finding.evidence
    if not finding.enough_data:
        return pick(lang, "可比较的活动不足两个，无法排名。", "Fewer than two campaigns can be compared: no ranking.")
    n, r1, r2 = e["campaigns"], e["rank_regression"], e["rank_structural"]
    b1, b2 = escape(e["best_regression"]), escape(e["best_structural"])
    if finding.verdict == "same_rank":
        return pick(lang, f"两个模型的排名一致：本次在 {n} 个活动中排第 {r1}，最好的是「{b1}」。",
                    f"Both models rank this campaign {r1} of {n}; the best is “{b1}” under both.")
    return pick(lang, f"**两个模型的排名不同**：按回归模型本次在 {n} 个活动中排第 {r1}（最好「{b1}」），按结构模型排第 {r2}（最好「{b2}」）。"
                "排名取决于模型，不宜据此分配活动预算。",
                f"**The models rank the campaigns differently**: this one is {r1} of {n} under the regression (best "
                f"“{b1}”) and {r2} under the structural model (best “{b2}”). The ranking depends on the model: do "
                "not allocate campaign budgets on it.")


def describe_buyers(buyers: pd.DataFrame, repeat_days: int, lang: str) -> str:
    """New against returning buyers, and whether the campaign's new buyers came back."""
    if "event" not in buyers.index:
        return pick(lang, "活动期没有数据。", "There is no data for the event.")
    b, e = buyers.loc["baseline"], buyers.loc["event"]
    parts = [pick(lang, f"活动期日均 {e['new_per_day']:,.0f} 个新客、{e['returning_per_day']:,.0f} 个老客（平时 "
                  f"{b['new_per_day']:,.0f} / {b['returning_per_day']:,.0f}），新客占比 {pct(e['new_share'])}。",
                  f"The event brought {e['new_per_day']:,.0f} new and {e['returning_per_day']:,.0f} returning buyers "
                  f"a day (usually {b['new_per_day']:,.0f} / {b['returning_per_day']:,.0f}); {pct(e['new_share'])} "
                  "were new.")]
    repeat = rules.judge_repeat_buyers(buyers, "")
    if repeat.enough_data:
        ev_rate, base_rate = pct(e["repeat_rate"]), pct(b["repeat_rate"])
        less = repeat.verdict == "come_back_less"
        parts.append(pick(lang, f"活动新客 {repeat_days} 天内复购 {ev_rate}，平日新客 {base_rate}"
                          + ("，活动拉来的新客更不容易回头。" if less else "，两者没有明显差别。"),
                          f"Within {repeat_days} days {ev_rate} of the campaign's new buyers bought again against "
                          f"{base_rate} of ordinary new buyers"
                          + (": the campaign's new buyers come back less." if less else ", no clear difference.")))
    else:
        parts.append(pick(lang, f"活动后还不到 {repeat_days} 天，新客是否复购还看不出来。",
                          f"Fewer than {repeat_days} days have passed since the campaign, so whether its new buyers "
                          "come back is not known yet."))
    return " ".join(parts)


def describe_drivers(categories: pd.DataFrame, products: pd.DataFrame, lang: str) -> str:
    """Which categories carried the gain, and which products lost share (cannibalised)."""
    if categories.empty:
        return pick(lang, "没有类目数据。", "No category data.")
    pre, ev = categories["pre_sales_per_day"].sum(), categories["event_sales_per_day"].sum()
    gain = safe_div(ev, pre) - 1
    if not gain >= 0.05:
        return pick(lang, f"活动期日均销售额只变化了 {pct(gain, True)}，没有可拆分的增量。",
                    f"Sales per day changed by only {pct(gain, True)}: there is no gain to split.")
    top = categories.index[0]
    share, lift = pct(categories.loc[top, "share_of_increase"]), pct(categories.loc[top, "lift"], True)
    parts = [pick(lang, f"增量最多来自「{escape(top)}」（占 {share}，日均 {lift}）。",
                  f"Most of the gain came from “{escape(top)}” ({share} of it, {lift} a day).")]
    lost = products[products["share_change"] < 0].nsmallest(3, "share_change") if not products.empty else products
    fell = products[products["lift"] < 0] if not products.empty else products
    if len(fell):
        names = _join(fell.index[:3], lang)
        parts.append(pick(lang, f"有 {len(fell)} 个商品活动期反而卖得比平时少（如 {names}），可能被活动商品抢走了销量。",
                          f"{len(fell)} products sold less than usual during the event (e.g. {names}): the "
                          "campaign's products may have taken their sales."))
    elif len(lost):
        names = _join(lost.index[:3], lang)
        parts.append(pick(lang, f"没有商品卖得比平时少，但 {names} 的销售占比下降最多。",
                          f"No product sold less than usual, but {names} lost the most share of sales."))
    return " ".join(parts)


def describe_comparison(table: pd.DataFrame, lang: str) -> str:
    """This campaign against last year's and the shop's other campaigns, on the same definitions."""
    this = table[table["role"] == "this"]
    if this.empty or pd.isna(this["profit"].iloc[0]):
        return pick(lang, "本次活动没有增量估计，无法与其他活动比较。", "This campaign has no uplift estimate to compare.")
    row = this.iloc[0]
    parts = []
    ly = table[table["role"] == "last_year"]
    if len(ly) and pd.notna(ly["profit"].iloc[0]):
        last = ly.iloc[0]
        name = escape(last["name"])
        rel, rel0 = pct(row["relative"], True), pct(last["relative"], True)
        p, p0 = yuan(row["profit"], lang), yuan(last["profit"], lang)
        parts.append(pick(lang, f"与去年同期的「{name}」相比，相对提升 {rel} 对 {rel0}，利润 {p} 对 {p0}。",
                          f"Against last year's “{name}”: uplift {rel} vs {rel0}, profit {p} vs {p0}."))
    elif len(ly):
        parts.append(pick(lang, "去年同期的活动没有增量估计（基期不足）。",
                          "Last year's edition has no uplift estimate (too short a baseline)."))
    else:
        parts.append(pick(lang, "数据里没有去年同期的同类活动。", "The data has no edition of this campaign last year."))
    ranked = table.dropna(subset=["roi"]).sort_values("roi", ascending=False)
    if len(ranked) > 1:
        rank = list(ranked.index).index(this.index[0]) + 1
        best = ranked.iloc[0]
        name = escape(best["name"])
        parts.append(pick(lang, f"按活动ROI(净)，本次在 {len(ranked)} 个活动中排第 {rank}；最好的是「{name}」（{best['roi']:.2f}）。",
                          f"By net campaign ROI this one ranks {rank} of {len(ranked)}; the best was “{name}” "
                          f"({best['roi']:.2f})."))
    return " ".join(parts)
