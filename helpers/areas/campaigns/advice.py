"""The advice for next time in words: one sentence per finding of
:func:`helpers.areas.campaigns.findings.recommend_next`, in the report's language.

The figures behind each point are the finding's evidence, formatted by
:mod:`helpers.present.format`; a Chinese sentence has no English words but acronyms.
"""

from __future__ import annotations

from helpers.areas.campaigns import findings as rules
from helpers.areas.campaigns.campaign import MODELS
from helpers.areas.campaigns.sentences import pct, ratio, yuan
from helpers.core.findings import Finding
from helpers.i18n import pick


def _next_step(tip: Finding, lang: str) -> str:
    e, v = tip.evidence, tip.verdict
    if v == "keep_clean_weeks":
        return pick(lang, "活动前留出至少 4 周没有活动的平日（或提供更早的数据），否则无法衡量活动的真实增量。",
                    "Leave at least four campaign-free weeks before the next one (or keep older data), otherwise "
                    "its real gain cannot be measured.")
    if v == "check_tagging":
        return pick(lang, "没有一笔订单带这个活动ID：先检查活动是否上线、订单是否打标，否则无法复盘玩法和让利。",
                    "No order carries this campaign id: check that the campaign went live and that orders are "
                    "tagged, otherwise its mechanics and discounts cannot be reviewed.")
    if v == "not_worth_it":
        p = pct(e["p_real"])
        return pick(lang, f"活动期没有明显提升（效果为真的概率 {p}）：这个活动按现在的做法不值得重复。",
                    f"The event did not lift sales measurably (probability {p}): not worth repeating as it is.")
    if v == "cut_costs":
        loss, need = yuan(e["loss"], lang), yuan(e["breakeven_sales"], lang)
        return pick(lang, f"本次亏损 {loss}：保本需要按原价多卖 {need}。下次降低让利力度或预算，或把资源集中到提升更大的时段。",
                    f"The campaign lost {loss}; breaking even needed {need} of extra sales at list prices. Next "
                    "time cut the discount depth or the budget, or focus them on the days that lift most.")
    if v == "repeat":
        p, roi = yuan(e["profit"], lang), ratio(e["roi"], lang)
        return pick(lang, f"值得再做：利润 {p}，活动ROI(净) {roi}，保持玩法，重点解决下面的问题。",
                    f"Worth repeating: profit {p}, net campaign ROI {roi}. Keep the format and fix the points below.")
    if v == "test_smaller":
        p = pct(e["p_profit"])
        return pick(lang, f"利润不确定（赚钱的概率 {p}）：下次先用较小预算测试。",
                    f"The profit is uncertain (probability {p}): test with a smaller budget first.")
    if v == "shorten_warmup":
        s = pct(e["share"])
        return pick(lang, f"{s} 的增量是从前后透支来的：缩短预热期，预热期用定金膨胀等锁客方式代替“等活动”，活动后安排返场或新品承接。",
                    f"{s} of the gain was pulled from the days around the event: shorten the warm-up, give "
                    "warm-up buyers a deposit deal instead of a reason to wait, and plan a follow-up after the event.")
    if v == "warmup_dip":
        loss = yuan(e["loss"], lang)
        return pick(lang, f"预热期少卖了 {loss}：预热太长会让买家停止购买。",
                    f"The warm-up lost {loss} of sales: a long warm-up teaches buyers to stop buying.")
    if v == "fewer_refunds":
        r = e["times_usual"]
        return pick(lang, f"活动订单退款是平时的 {r:.1f} 倍：检查冲动消费品和尺码说明，对高退款类目减少让利，把退款成本算进下次预算。",
                    f"Campaign lines came back {r:.1f} times as often as usual: check impulse items and size "
                    "guides, discount often-returned categories less, and budget for the refunds.")
    if v == "models_disagree":
        a, b = (pct(e[f"{m}_window_relative"], True) if f"{m}_window_relative" in e else "—" for m in MODELS)
        ya, yb = (yuan(e[f"{m}_window"][0], lang) if f"{m}_window" in e else "—" for m in MODELS)
        return pick(lang, f"两个模型对净增量的估计区间不重叠（回归 {ya}，结构 {yb}；相对 {a} 对 {b}）：赚没赚钱取决于用哪个模型，"
                    "先不要据此加减预算；补充对照序列（活动外类目、去年同期）或更长的基期后再判断。",
                    f"The two models' intervals for the net gain do not overlap (regression {ya}, structural {yb}; "
                    f"{a} against {b}): whether the campaign paid depends on the model, so do not move budget on "
                    "it yet; add controls (categories outside it, last year) or a longer baseline first.")
    if v == "mechanic_too_few":
        return pick(lang, "玩法效果：样本还不够，暂不下结论（数据不足）。",
                    "Mechanics: not enough data yet to judge the mechanic.")
    if v in ("keep_threshold", "raise_threshold", "threshold_too_high"):
        line, usual = f"¥{e['threshold']:,.0f}", yuan(e["usual_list_per_order"], lang)
        reach, band = pct(e["event_reach"]), pct(e["event_band"])
        if v == "keep_threshold":
            x = e["threshold_vs_usual"]
            return pick(lang, f"活动期 {reach} 的订单达到 {line}（平时客单价 {usual} 的 {x:.1f} 倍），{band} 集中在门槛上方 30% 以内，"
                        "说明买家在凑单，门槛有效：下次保留，并准备价格刚好补足差额的凑单商品。",
                        f"{reach} of the event's orders reached {line} ({x:.1f} x the usual basket of {usual}) and "
                        f"{band} landed just above it (within 30%): buyers topped up, so the line works. Keep it, and "
                        "offer add-ons priced to close the gap.")
        if v == "raise_threshold":
            reach0, new = pct(e["usual_reach"]), yuan(e["suggested_threshold"], lang)
            times = f"{rules.NEW_THRESHOLD_MULTIPLE:.1f}"
            return pick(lang, f"平时 {reach0} 的订单本来就过 {line}，门槛太低：下次设在约 {new}（平时客单价的 {times} 倍）。",
                        f"{reach0} of ordinary orders already clear {line}, so the line is too low: set it near "
                        f"{new} ({times} x the usual basket).")
        return pick(lang, f"活动期只有 {reach} 的订单达到 {line}，门槛上方也没有凑单集聚：门槛可能太高，或缺少合适价位的凑单商品。",
                    f"Only {reach} of the event's orders reached {line} and none bunched above it: the line may be "
                    "too high, or there are no add-ons at the right price.")
    if v in ("rethink_bogo", "keep_bogo"):
        a0, a1 = yuan(e["paid_per_order"], lang), yuan(e["event_paid_per_order"], lang)
        m0, m1 = yuan(e["margin_per_order"], lang), yuan(e["event_margin_per_order"], lang)
        if v == "rethink_bogo":
            return pick(lang, f"买一送一让每单实付从 {a0} 降到 {a1}、每单利润从 {m0} 降到 {m1}：多出来的件数是送的，每单反而赚得更少。"
                        "下次只用在要清的库存上，或改成第二件半价。",
                        f"Buy-one-get-one cut paid per order from {a0} to {a1} and margin per order from {m0} to {m1}: "
                        "the extra units are the free ones, so each order earned less. Use it only to clear stock "
                        "next time, or offer the second unit at half price instead.")
        return pick(lang, f"买一送一期间每单实付 {a0} → {a1}、每单利润 {m0} → {m1}：每单赚得更多，可以保留。",
                    f"Paid per order went from {a0} to {a1} and margin per order from {m0} to {m1} with "
                    "buy-one-get-one: each order earned more, so it can stay.")
    if v in ("keep_flash", "flash_costs_margin", "flash_not_faster"):
        r, lo, hi = (f"{e[k]:.1f}" for k in ("velocity_ratio", "velocity_low", "velocity_high"))
        g0, g1 = yuan(e["baseline_profit_per_day"], lang), yuan(e["event_profit_per_day"], lang)
        if v == "flash_not_faster":
            return pick(lang, f"限时折扣期间活动商品的日均销量是平时的 {r} 倍（区间 {lo}～{hi}），没有明显卖得更快：折扣只是让出了毛利，下次缩小范围或不做。",
                        f"The discounted products sold {r} times their usual units per day (interval {lo} to {hi}), "
                        "not clearly faster: the discount only gave margin away. Narrow it or drop it next time.")
        if v == "flash_costs_margin":
            return pick(lang, f"限时折扣让活动商品卖快了 {r} 倍（区间 {lo}～{hi}），但日均毛利从 {g0} 降到 {g1}：下次减小折扣或缩短时间。",
                        f"The discount made its products sell {r} times as fast (interval {lo} to {hi}) but their gross "
                        f"profit per day fell from {g0} to {g1}: cut the discount or the duration next time.")
        return pick(lang, f"限时折扣让活动商品卖快了 {r} 倍（区间 {lo}～{hi}），日均毛利从 {g0} 升到 {g1}：可以保留。",
                    f"The discount made its products sell {r} times as fast (interval {lo} to {hi}) and their gross "
                    f"profit per day rose from {g0} to {g1}: keep it.")
    if v == "stock_up":
        n = e["products"]
        return pick(lang, f"{n} 个商品疑似断货：按峰值日的销量提前备货。", f"{n} products look sold out: stock for the peak day's pace.")
    if v == "staff_midnight":
        s = pct(e["share"])
        return pick(lang, f"峰值日 {s} 的销售发生在 0 点档：提前安排客服、检查库存和价格设置。",
                    f"{s} of the peak day's sales came in the midnight hour: staff customer service and check "
                    "stock and prices before 00:00.")
    if v == "cap_bids":
        ads, s = yuan(e["extra_ad_spend"], lang), pct(e["share_of_gain"])
        return pick(lang, f"额外推广花费 {ads}，占增量毛利的 {s}：活动期出价过高，下次控制加价幅度。",
                    f"Extra ad spend of {ads} ate {s} of the extra gross profit: cap the bid increase next time.")
    if v == "keep_approach":
        return pick(lang, "各项指标正常，保持现有做法。", "Nothing stands out: keep the current approach.")
    raise ValueError(f"unknown advice {v!r}")


def describe_next(tips: list[Finding], lang: str) -> str:
    """The advice of :func:`~helpers.areas.campaigns.findings.recommend_next`, one bullet each."""
    return "\n".join(f"- {_next_step(t, lang)}" for t in tips)
