"""The sentences of the customers report, one per language, built from its figures and findings.

Words come from the label table (segment names ``segment_<key>``, actions ``action_<key>``);
figures are formatted by :mod:`helpers.present.format`; data text (sources, titles, paths) is
escaped.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.findings import ACTIONS
from helpers.areas.customers.models import why_not_converged
from helpers.areas.customers.recall import XLSX_SHEET_ROWS
from helpers.areas.customers.rfm import TREND_WINDOW_DAYS, segment_label
from helpers.core import metrics
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.notes import quiet
from helpers.core.shop import project_root
from helpers.i18n import is_zh, label
from helpers.present.display import escape
from helpers.present.format import format_change, format_value

if TYPE_CHECKING:
    from helpers.areas.customers.lifetime import Lifetime
    from helpers.areas.customers.rfm import RFMSplits
    from helpers.core.calendar import Period
    from helpers.core.findings import Finding
    from helpers.core.shop import Shop


def _days(value: float, lang: str) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:,.0f} 天" if is_zh(lang) else f"{value:,.0f} days"


def action_name(key: str, lang: str) -> str:
    """The short name of a recall action: its label up to the colon (``"VIP关怀"``, ``"VIP care"``)."""
    return re.split("[：:]", label(f"action_{key}", lang), maxsplit=1)[0]


def period_header(shop: Shop, period: Period, same_day_orders: str, lang: str) -> str:
    """The period and the counting rules, as one Markdown paragraph."""
    once = same_day_orders == "once"
    refunds = shop.has("refunds")
    if is_zh(lang):
        return (f"**分析期** {period.label()}（{period.days} 天） · "
                + ("同一客户同一天的多笔订单算一次购买" if once else "每笔订单算一次购买") + " · "
                + ("金额为实付款减去退款" if refunds else "没有退款表：金额为实付款，未扣退款")
                + " · 生命周期模型使用截至期末的全部历史")
    return (f"**Period** {period.label()} ({period.days} days) · "
            + ("a customer's orders paid on one day are one purchase" if once else "every order is a purchase")
            + " · " + ("values are paid amounts minus refunds" if refunds
                       else "no refunds table: values are paid amounts before refunds")
            + " · the lifetime models use the whole history up to the period's end")


def describe_splits(splits: RFMSplits, lang: str) -> str:
    """The RFM split points in words, saying where each came from (the shop's purchase cycle,
    repeat purchase, a median or a parameter)."""
    def how(key: str) -> str:
        text = label(f"rfm_split_{splits.chosen.get(key, 'parameter')}", lang)
        return f"（{text}）" if is_zh(lang) else f" ({text})"

    if is_zh(lang):
        return (f"分层规则：最近一次购买距期末 ≤ {splits.recency_days:,.0f} 天为“近”{how('recency_days')}，"
                f"购买次数 > {splits.frequency:,.0f} 次为“高频”{how('frequency')}，"
                f"消费金额 > {format_value(splits.monetary, 'yuan', lang)} 为“高额”{how('monetary')}；"
                "高额为“重要”，否则“一般”；近且高频为“价值”，近而不高频为“发展”，不近但高频为“保持”，"
                "既不近也不高频为“挽留”。")
    return (f"Split points: a customer is recent when the last purchase is at most "
            f"{splits.recency_days:,.0f} days before the period's end{how('recency_days')}, frequent "
            f"with more than {splits.frequency:,.0f} purchases{how('frequency')}, high-value with more than "
            f"{format_value(splits.monetary, 'yuan', lang)}{how('monetary')}. High value makes a customer "
            "“important”, otherwise “general”; recent and frequent is “value”, recent only “to develop”, "
            "frequent only “to keep”, neither “to win back”.")


def describe_rfm(segments: pd.DataFrame, lang: str) -> str:
    """What the segment table means for the shop: who carries sales, whom to win back."""
    total = int(segments["customers"].sum())
    if total == 0:
        return "本期没有购买客户。" if is_zh(lang) else "No customer bought in the period."
    top = segments.loc["important_value"]
    retain = segments.loc["important_retain"]
    keep = segments.loc["important_keep"]
    biggest = segments["share_of_sales"].idxmax()
    if is_zh(lang):
        parts = [f"本期共 {total:,} 位购买客户。{segment_label('important_value', lang)} {int(top['customers']):,} 人"
                 f"（{format_value(top['share'], 'pct', lang)}）贡献了 {format_value(top['share_of_sales'], 'pct', lang)} "
                 "的销售额，是店铺的基本盘，维护重点是体验和权益而不是折扣。"]
        if retain["customers"] > 0:
            parts.append(f"{segment_label('important_retain', lang)} {int(retain['customers']):,} 人消费高但已久未回来，"
                         f"他们占销售额的 {format_value(retain['share_of_sales'], 'pct', lang)}，"
                         "是召回名单的主要来源；")
        if keep["customers"] > 0:
            parts.append(f"{segment_label('important_keep', lang)} {int(keep['customers']):,} 人买得多却开始沉默，"
                         "应在流失前触达。")
        parts.append(f"销售额占比最大的分层是{segment_label(biggest, lang)}。")
        return "".join(parts)
    parts = [f"{total:,} customers bought in the period. The {segment_label('important_value', lang).lower()} "
             f"segment, {int(top['customers']):,} customers ({format_value(top['share'], 'pct', lang)}), brought "
             f"{format_value(top['share_of_sales'], 'pct', lang)} of sales: the shop's core, to be kept with service and "
             "perks rather than discounts."]
    if retain["customers"] > 0:
        parts.append(f"{int(retain['customers']):,} high spenders have not come back for a long time "
                     f"(“{segment_label('important_retain', lang).lower()}”, "
                     f"{format_value(retain['share_of_sales'], 'pct', lang)} of sales): the main source of the recall "
                     "list.")
    if keep["customers"] > 0:
        parts.append(f"{int(keep['customers']):,} frequent high spenders are going quiet "
                     f"(“{segment_label('important_keep', lang).lower()}”): reach them before they lapse.")
    parts.append(f"The largest share of sales comes from “{segment_label(biggest, lang)}”.")
    return " ".join(parts)


def describe_segment_trend(trend: pd.DataFrame, lang: str, months: int = 3) -> str:
    """How the important segments moved over the last ``months`` month ends, each month end
    scored over the same window (:func:`.rfm.segment_trend`)."""
    dates = sorted(trend["date"].unique())
    days = trend.attrs.get("window_days", TREND_WINDOW_DAYS)
    if len(dates) < 2:
        if not dates:
            return (f"分层趋势需要月末之前有完整的 {days} 天购买记录，目前数据不足，暂无趋势。" if is_zh(lang) else
                    f"The segment trend needs month ends with {days} full days of purchases before them: "
                    "not enough data yet.")
        return "期内只有一个月末，没有趋势可比。" if is_zh(lang) else "Only one month end in the period: no trend yet."
    last, before = dates[-1], dates[max(0, len(dates) - 1 - months)]
    wide = trend.pivot(index="date", columns="segment", values="customers")
    parts = []
    for key in ("important_value", "important_keep", "important_retain"):
        a, b = wide.loc[before, key], wide.loc[last, key]
        with quiet():  # a segment empty at the start has no relative change; "—" says so
            ch = metrics.change(float(b), float(a))
        name = segment_label(key, lang) if is_zh(lang) else segment_label(key, lang).lower()
        sep = ("（", "）") if is_zh(lang) else (" (", ")")
        parts.append(f"{name} {int(a):,} → {int(b):,}{sep[0]}{format_change(ch, lang)}{sep[1]}")
    span = f"{pd.Timestamp(before):%Y-%m-%d} → {pd.Timestamp(last):%Y-%m-%d}"
    if is_zh(lang):
        return (f"{span}：" + "；".join(parts) + f"。每个月末都只看之前 {days} 天内购买的客户、用同一套分层规则，"
                "人数不会因为历史累积而自然增长，变化就是客户在分层间的流动；"
                f"{segment_label('important_retain', lang)}增加说明高价值客户在流失。")
    return (f"{span}: " + "; ".join(parts) + f". Every month end counts only the customers who bought in the {days} "
            "days before it, with the same split points, so the counts do not grow just because history accumulates: "
            "the changes are customers moving between segments, and a growing win-back segment means valuable "
            "customers are lapsing.")


def describe_repurchase(table: pd.DataFrame, gaps: dict[str, float], same_day_orders: str, days: int,
                        lang: str) -> str:
    """The repurchase rates side by side, which one the platform shows, and the usual gap."""
    def rate(key):
        return table.loc[key, "rate"] if key in table.index else np.nan

    cust, orders, within = (rate("repurchase_rate_customers"), rate("repurchase_rate_orders"),
                            rate("repurchase_within_days"))
    ret = rate("returning_rate")
    n = table.loc["repurchase_rate_customers"]
    once = same_day_orders == "once"
    if is_zh(lang):
        parts = [f"本期 {int(n['denominator']):,} 位客户中 {int(n['numerator']):,} 位购买了两次及以上，复购率（人数）"
                 f"{format_value(cust, 'pct', lang)}；按订单算，老客订单占 {format_value(orders, 'pct', lang)}（总会高于人数口径）。"
                 f"期内首购的新客 {days} 天内再次购买的占 {format_value(within, 'pct', lang)}。"]
        if np.isfinite(ret):
            parts.append(f"上月买过的客户本月又买的回购率为 {format_value(ret, 'pct', lang)}。")
        parts.append("生意参谋的“复购率”是人数口径（复购买家数 ÷ 支付买家数），对应第一行；"
                     + ("本报告同一天的多笔订单算一次购买（按天去重），若平台数字略高，多半是它按订单计，可把参数 "
                        "`same_day_orders` 设为 `per_order` 对照。" if once else
                        "本报告同一天的多笔订单各算一次（按天非去重），若平台数字略低，多半是它按天去重，可把参数 "
                        "`same_day_orders` 设为 `once` 对照。"))
        if np.isfinite(gaps.get("median", np.nan)):
            parts.append(f"两次购买之间的间隔中位数为 {_days(gaps['median'], lang)}，一半的复购发生在 "
                         f"{gaps['p25']:,.0f}–{gaps['p75']:,.0f} 天之间：复购提醒应在这个窗口内发出。")
        return "".join(parts)
    parts = [f"{int(n['numerator']):,} of {int(n['denominator']):,} customers of the period bought at least twice: a "
             f"repurchase rate (customers) of {format_value(cust, 'pct', lang)}. By orders, repeat customers placed "
             f"{format_value(orders, 'pct', lang)} of orders (always above the customer basis). Of the customers first "
             f"buying in the period, {format_value(within, 'pct', lang)} bought again within {days} days."]
    if np.isfinite(ret):
        parts.append(f"Of last month's customers, {format_value(ret, 'pct', lang)} bought again this month "
                     "(returning rate).")
    parts.append("The repurchase rate in the platform's analytics (Business Advisor) is the customer basis "
                 "(repeat buyers / paying buyers), the first row; "
                 + ("here orders paid on one day count as one purchase, so if the platform shows a slightly higher "
                    "number it counts every order: set the parameter `same_day_orders` to `per_order` to compare."
                    if once else "here every order counts, so if the platform shows a slightly lower number it "
                    "counts one purchase per day: set the parameter `same_day_orders` to `once` to compare."))
    if np.isfinite(gaps.get("median", np.nan)):
        parts.append(f"The median gap between purchases is {_days(gaps['median'], lang)}; half of the repeat "
                     f"purchases come {gaps['p25']:,.0f}–{gaps['p75']:,.0f} days after the previous one: the "
                     "window for repurchase reminders.")
    return " ".join(parts)


def describe_repurchase_by(finding: Finding, lang: str) -> str:
    """The groups with the highest and the lowest N-day repurchase rate, from a
    :func:`.findings.compare_groups` finding (data text escaped)."""
    what = label(finding.subject, lang)
    if finding.verdict == NOT_ENOUGH_DATA:
        return "分组太少，无法比较。" if is_zh(lang) else "Too few groups to compare."
    e = finding.evidence
    best, worst = escape(e["best"]), escape(e["worst"])
    b_rate, w_rate = format_value(e["best_rate"], "pct", lang), format_value(e["worst_rate"], "pct", lang)
    if is_zh(lang):
        text = (f"按{what}看，「{best}」带来的新客复购率最高（{b_rate}，{int(e['best_customers']):,} 人），"
                f"「{worst}」最低（{w_rate}，{int(e['worst_customers']):,} 人）。")
        return text + ("两者的95%区间不重叠，差别可信：拉新预算可向前者倾斜。" if finding.verdict == "differ" else
                       "两者的95%区间重叠，差别可能只是随机波动。")
    text = (f"By {what.lower()}, “{best}” brought the new customers most likely to buy again "
            f"({b_rate} of {int(e['best_customers']):,}), “{worst}” the least ({w_rate} of "
            f"{int(e['worst_customers']):,}).")
    return text + (" Their 95% intervals do not overlap, so the difference is real: acquisition budget can lean "
                   "towards the first." if finding.verdict == "differ" else
                   " Their 95% intervals overlap: the difference may be chance.")


def describe_cohorts(stats: dict[str, float], lang: str) -> str:
    """Retention and cumulative value per customer at 1, 3, 6 and 12 months."""
    if not stats.get("cohorts"):
        return "期内没有首购客户。" if is_zh(lang) else "No customer made a first purchase in the period."
    known = [a for a in (1, 3, 6, 12) if np.isfinite(stats.get(f"retention_{a}", np.nan))]
    if not known:
        return ("只有一个月的数据，还看不到留存。" if is_zh(lang)
                else "Only one month of data: retention cannot be seen yet.")
    last = known[-1]
    if is_zh(lang):
        ret = "，".join(f"第{a}个月 {format_value(stats[f'retention_{a}'], 'pct', lang)}" for a in known)
        return (f"{int(stats['cohorts'])} 个首购月同期群的加权留存：{ret}。新客首购后 {last} 个月内人均累计消费 "
                f"{format_value(stats[f'sales_per_customer_{last}'], 'yuan', lang)}——这是获取一个新客最多值得花多少钱的"
                "上限参考（再扣掉毛利率）。颜色变浅的行是留存较差的月份，可对照当月的拉新渠道和活动。")
    ret = ", ".join(f"month {a}: {format_value(stats[f'retention_{a}'], 'pct', lang)}" for a in known)
    return (f"Customer-weighted retention of {int(stats['cohorts'])} monthly cohorts: {ret}. A new customer spends "
            f"{format_value(stats[f'sales_per_customer_{last}'], 'yuan', lang)} in their first {last} months on "
            "average: an upper bound for what acquiring one is worth (before margin). Lighter rows are months whose "
            "new customers came back less; compare them with that month's channels and campaigns.")


def describe_lifetime(life: Lifetime, lang: str) -> str:
    """What the fitted models say: purchase rhythm, dropout, expected purchases and value.

    Purchases a year of an active customer = r / alpha x 365 (the mean of Gamma(r, alpha)
    per day); dropout after a purchase = a / (a + b) (the mean of Beta(a, b)).
    """
    if life.bgnbd is None:
        return ("复购客户太少，无法拟合生命周期模型，本节只能留空；积累更多历史后再看。" if is_zh(lang) else
                "Too few customers bought more than once to fit the lifetime model; this section stays empty "
                "until there is more history.")
    if not life.bgnbd.converged:
        zh, en = (label(f"not_converged_{why_not_converged(life.bgnbd)}", x) for x in ("zh", "en"))
        return (f"数据不足以给出结论：生命周期模型没有收敛（{zh}），它的预计购买次数、金额和活跃概率不可靠，本节不据此下结论；"
                "积累更多历史后再看。" if is_zh(lang) else
                f"Not enough data for a conclusion: the lifetime model did not converge ({en}), so its expected "
                "purchases, values and P(active) are not reliable and this section draws no conclusion from them; "
                "look again with more history.")
    r, alpha, a, b = life.bgnbd.values()
    rate_year = r / alpha * 365
    dropout = a / (a + b)
    s = life.scores
    total = float(s["expected_purchases"].sum())
    value = float(np.nansum(s["expected_value"]))
    repeaters = s["x"] > 0
    active = float((s.loc[repeaters, "p_alive"] >= 0.5).mean()) if repeaters.any() else np.nan
    new = life.new_customer()
    h = life.horizon_days
    if is_zh(lang):
        text = (f"模型估计：活跃客户平均每年购买 {rate_year:.2f} 次（个体差异很大），每次复购后约 "
                f"{format_value(dropout, 'pct', lang)} 的客户不再回来。未来 {h} 天，现有 {len(s):,} 位客户预计共购买 "
                f"{total:,.0f} 次，价值约 {format_value(value, 'yuan', lang)}（未折现）；有过复购的客户中 "
                f"{format_value(active, 'pct', lang)} 仍大概率活跃（P≥50%）。")
        if np.isfinite(new["value"]):
            text += (f"一位新客在首购后 {h} 天内预计再买 {new['purchases']:.2f} 次，约 "
                     f"{format_value(new['value'], 'yuan', lang)}。")
        return text
    text = (f"The model: an active customer buys {rate_year:.2f} times a year on average (with large differences "
            f"between customers), and after each repeat purchase about {format_value(dropout, 'pct', lang)} do not "
            f"come back. In the next {h} days the {len(s):,} existing customers are expected to make {total:,.0f} "
            f"purchases worth about {format_value(value, 'yuan', lang)} (undiscounted); of the customers who bought "
            f"again, {format_value(active, 'pct', lang)} are likely still active (P >= 50%).")
    if np.isfinite(new["value"]):
        text += (f" A new customer is expected to buy {new['purchases']:.2f} more times in the {h} days after "
                 f"the first purchase, worth about {format_value(new['value'], 'yuan', lang)}.")
    return text


def describe_holdout(finding: Finding, lang: str) -> str:
    """How far the predictions can be trusted, from a :func:`.findings.judge_holdout` finding;
    when the check was skipped (not enough data), why and what to change."""
    e = finding.evidence
    if finding.verdict == NOT_ENOUGH_DATA:
        if "not_converged" in e:
            zh, en = (label(f"not_converged_{e['not_converged']}", x) for x in ("zh", "en"))
            if is_zh(lang):
                return (f"数据不足以检验：只用 {e['calibration_end']:%Y-%m-%d} 以前的历史拟合时，模型没有收敛（{zh}），"
                        "它的预测不可靠，因此不给出检验结论。换一个 `holdout_days`，或积累更多历史后再看。")
            return (f"Not enough data for the check: fitted on the history up to {e['calibration_end']:%Y-%m-%d}, "
                    f"the model did not converge ({en}), so its predictions are not reliable and the check gives "
                    "no verdict. Try another `holdout_days`, or wait for more history.")
        if "history_days" in e:
            if is_zh(lang):
                return (f"历史数据不足，跳过检验：`holdout_days` = {e['holdout_days']} 之前只有 {e['history_days']} 天历史"
                        f"（检验期之前的历史至少要和检验期一样长），最多可设为 {e['max_days']} 天。"
                        "把 `holdout_days` 调小，或积累更多历史后再看。")
            return (f"Not enough history for the check, so it is skipped: `holdout_days` = {e['holdout_days']} leaves "
                    f"only {e['history_days']} days of history before it (at least as many days as the holdout are "
                    f"needed); use at most {e['max_days']} days, or wait for more history.")
        if is_zh(lang):
            return (f"历史数据不足，跳过检验：截至 {e['calibration_end']:%Y-%m-%d} 的校准期只有 {e['repeat_customers']} "
                    f"位客户购买过两次及以上，检验至少需要 {e['needed']} 位。把 `holdout_days` 调小，或积累更多历史后再看。")
        return (f"Not enough history for the check, so it is skipped: the calibration period up to "
                f"{e['calibration_end']:%Y-%m-%d} has {e['repeat_customers']} customers who bought more than once, "
                f"and the check needs at least {e['needed']}. Use a smaller `holdout_days`, or wait for more history.")
    pred, act, err = e["predicted"], e["actual"], e["error"]
    spend = ""
    if "spend_predicted" in e:
        sp, sa = format_value(e["spend_predicted"], "yuan", lang), format_value(e["spend_actual"], "yuan", lang)
        spend = f"预测单次消费 {sp}，实际 {sa}。" if is_zh(lang) else f" Predicted spend per purchase {sp}, actual {sa}."
    good = finding.verdict == "trust"
    if is_zh(lang):
        verdict = ("总量误差在 ±10% 以内，用于预算和备货可以信任；单个客户的预测仍有较大随机性，适合排序而非精确预估。"
                   if good else "总量误差超过 10%，预测只宜用于给客户排序，金额要打折看待（店铺近期可能有大促或渠道变化）。")
        return (f"检验：只用 {e['calibration_end']:%Y-%m-%d} 以前的数据拟合，预测之后 {e['holdout_days']} 天老客复购 "
                f"{pred:,.0f} 次，实际 {act:,.0f} 次（误差 {format_change(err, lang)}）。{spend}{verdict}")
    verdict = (" The total is within ±10%, good enough for budgets and stock; single-customer predictions stay "
               "noisy, so use them to rank customers." if good else
               " The total is off by more than 10%: use the predictions to rank customers and discount the amounts "
               "(a campaign or a channel change may have moved behaviour).")
    return (f"Check: fitted only on the history up to {e['calibration_end']:%Y-%m-%d}, the model predicted "
            f"{pred:,.0f} repeat purchases by existing customers in the next {e['holdout_days']} days; they made "
            f"{act:,.0f} ({format_change(err, lang)}).{spend}{verdict}")


def describe_recall(recall: pd.DataFrame, paths: list[Path], lang: str) -> str:
    """The recall list in numbers, where the files are, and that only they carry real ids.

    When ``paths`` has no XLSX file (the list was longer than ``xlsx_max_rows``, see
    :func:`.recall.export_recall_list`), it says so and how to get one.
    """
    n = len(recall)
    if n == 0:
        return "没有需要召回的高价值客户。" if is_zh(lang) else "No valuable customer needs a recall now."
    xlsx = any(Path(p).suffix == ".xlsx" for p in paths)
    shown = []
    for p in paths:
        try:
            shown.append(str(Path(p).resolve().relative_to(project_root())))
        except ValueError:
            shown.append(str(p))
    files = ("、" if is_zh(lang) else ", ").join(escape(s) for s in shown)
    counts = recall["action"].value_counts()
    sales = float(recall["sales"].sum())
    acts = [f"{action_name(k, lang)} {int(counts[k]):,}" for k in ACTIONS if k in counts]
    overdue = int((recall["why_listed"] == "overdue").sum())
    falling = int((recall["why_listed"] == "falling").sum())
    a = recall.attrs
    held = int(recall["recall_holdout"].sum())
    contacted = recall[~recall["recall_holdout"].astype(bool)]
    ret, cost = float(contacted["recall_expected_return"].sum()), float(contacted["recall_contact_cost"].sum())
    fmt = functools.partial(format_value, kind="yuan", lang=lang)
    if is_zh(lang):
        guard = (f"\n\n每位客户的预期回报 = 预计消费金额 × 假设的召回提升 {a['response_uplift']:.0%}（假设，由对照组事后检验），"
                 f"单次触达成本 {fmt(a['contact_cost'])}；只列预期回报高于成本的客户，活跃概率低于 "
                 f"{a['min_p_alive']:.0%} 的不列（{a['below_floor']:,} 位），回报不抵成本的不列（{a['below_cost']:,} 位）。"
                 f"联系组合计预期回报 {fmt(ret)}，触达成本 {fmt(cost)}。其中 {held:,} 位（约 {a['holdout_share']:.0%}，按客户ID哈希"
                 "固定抽取）是对照组，不要联系：活动后比较联系组与对照组的回购，才能知道召回真正带来多少。")
        return (f"召回名单共 {n:,} 位高价值客户（本期消费合计 {format_value(sales, 'yuan', lang)}）：{overdue:,} 位超过购买周期"
                f"未回购，{falling:,} 位活跃概率在下降。建议动作：" + "，".join(acts) + "。" + guard +
                f"\n\n客户ID属于个人信息：本报告中的客户ID已脱敏（加盐哈希），只有导出文件含真实ID，供导入CRM使用：{files}"
                "（CSV 为 UTF-8 带 BOM，Excel 可直接打开中文；ID 以文本保存，前导零不丢失，双击打开 CSV 时 Excel 可能去掉前导零，"
                + ("请用 XLSX 或导入向导）。" if xlsx else "请用导入向导）。")
                + ("" if xlsx else f"名单有 {n:,} 人，超过参数 `xlsx_max_rows`，只写了 CSV（含全部客户），没有写 XLSX；"
                   f"需要 XLSX 时调大该参数（最多 {XLSX_SHEET_ROWS:,} 行，Excel 单表上限）。")
                + "请按公司个人信息规定保管和删除这些文件。")
    guard = (f"\n\nEach customer's expected return = expected value x an assumed response uplift of "
             f"{a['response_uplift']:.0%} (an assumption the hold-out group tests afterwards), against a cost per contact "
             f"of {fmt(a['contact_cost'])}; only customers whose expected return exceeds the cost are listed, none with "
             f"P(active) under {a['min_p_alive']:.0%} ({a['below_floor']:,} left out) or a return below the cost "
             f"({a['below_cost']:,} left out). Expected return of the customers contacted {fmt(ret)}, contact cost "
             f"{fmt(cost)}. "
             f"{held:,} customers (about {a['holdout_share']:.0%}, drawn by a hash of the customer id, stable across runs) "
             "are the hold-out group: do not contact them, and compare their repurchases with the contacted ones "
             "afterwards to learn what the recall really earned.")
    return (f"The recall list has {n:,} valuable customers ({format_value(sales, 'yuan', lang)} of sales in the "
            f"period): {overdue:,} are overdue against their rhythm, {falling:,} have a falling probability of being "
            "active. Suggested actions: " + ", ".join(acts) + "." + guard +
            f"\n\nCustomer ids are personal data: this report shows them masked (a salted hash); only the export "
            f"files carry the real ids, for the CRM import: {files} (the CSV is UTF-8 with a BOM so Excel shows "
            "Chinese; ids are text and keep leading zeros, but Excel may strip them when a CSV is double-clicked, so "
            + ("open the XLSX or use the import wizard). " if xlsx else "use the import wizard). ")
            + ("" if xlsx else f"With {n:,} customers the list is longer than the parameter `xlsx_max_rows`, so only "
               f"the CSV (every customer) was written, no XLSX; raise the parameter for an XLSX copy (at most "
               f"{XLSX_SHEET_ROWS:,} rows, one Excel sheet). ")
            + "Keep and delete these files as your privacy rules require.")
