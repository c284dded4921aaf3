"""Shop overview (周报) views: the key-figure table, the movers and the sentences that read them.

Sentences are built from the calculations' frames, one per report language, with every
word from the label table (:mod:`helpers.i18n`) and every figure formatted by
:mod:`helpers.present.format`.
"""

from __future__ import annotations

import pandas as pd

from helpers.core import metrics
from helpers.core.findings import Finding
from helpers.i18n import is_zh, label, label_or_text
from helpers.present.display import escape
from helpers.present.format import format_change, format_value
from helpers.present.tables import keep_numbers


def describe_overview(table: pd.DataFrame, period_label: str, lang: str) -> str:
    """Sentences summarising a :func:`helpers.areas.overview.calc.compare_periods` table.

    Says how sales moved against the previous period and last year, and which
    of visitors, conversion and AOV drove the move (GMV = UV x CVR x AOV).
    """
    def val(k, col="current"):
        return table.loc[k, col] if k in table.index else float("nan")

    sales_now = format_value(val("sales"), "yuan", lang)
    parts = []
    if is_zh(lang):
        parts.append(f"{escape(period_label)} 支付金额 {sales_now}，环比 {format_change(val('sales', 'change'), lang)}，"
                     f"同比 {format_change(val('sales', 'yoy'), lang)}。")
    else:
        parts.append(f"Sales in {escape(period_label)} were {sales_now}, {format_change(val('sales', 'change'), lang)} "
                     f"on the previous period and {format_change(val('sales', 'yoy'), lang)} on last year.")
    drivers = {k: val(k, "change") for k in ("visitors", "conversion_rate", "aov")}
    known = {k: v for k, v in drivers.items() if pd.notna(v)}
    if known:
        main = max(known, key=lambda k: abs(known[k]))
        name = label(main, lang)
        if is_zh(lang):
            parts.append("销售额 = 访客数 × 支付转化率 × 客单价：三者环比分别为 "
                         + "、".join(format_change(drivers[k], lang) for k in drivers)
                         + f"，变化最大的是{name}（{format_change(known[main], lang)}）。")
        else:
            parts.append("Sales = visitors x conversion x AOV; these moved "
                         + ", ".join(format_change(drivers[k], lang) for k in drivers)
                         + f" respectively, and the biggest mover was {name} ({format_change(known[main], lang)}).")
    for key in ("refund_rate_in_period", "refund_rate_by_value"):  # the rate says which 口径 it is
        refund = val(key)
        if pd.notna(refund):
            parts.append(f"{label(key, lang)} {format_value(refund, 'pct', lang)}。" if is_zh(lang) else
                         f"{label(key, lang)} was {format_value(refund, 'pct', lang)}.")
    return " ".join(parts)


def _phases(records: list[dict], lang: str) -> str:
    """Phases grouped by campaign: 「双十一 2026」活动期 11-09 ~ 11-11（3 天）、活动后回落期 ..."""
    zh = is_zh(lang)
    out = []
    for name in dict.fromkeys(r["name"] for r in records):
        items = [f"{label('phase_' + r['phase'], lang)} {r['first']:%m-%d} ~ {r['last']:%m-%d}"
                 + (f"（{r['days']} 天）" if zh else f" ({r['days']} day(s))") for r in records if r["name"] == name]
        out.append(f"「{escape(name)}」" + "、".join(items) if zh else f"“{escape(name)}” " + ", ".join(items))
    return ("；" if zh else "; ").join(out)


def describe_campaigns(finding: Finding, lang: str) -> str:
    """The campaign phases around the period and the like-for-like comparisons
    (:func:`helpers.areas.overview.findings.judge_campaign_phase`); empty for an ordinary period."""
    if finding.verdict == "ordinary":
        return ""
    zh = is_zh(lang)
    ev = finding.evidence

    def chg(key, col):
        return format_change(ev[f"{col}_{key}"], lang)

    now, before, ly = (_phases(ev[k], lang) for k in ("phases", "previous_phases", "last_year_phases"))
    parts = []
    if zh:
        parts.append((f"本期处在{now}" if now else "本期是平常日") + (f"；上期处在{before}" if before else "；上期是平常日")
                     + f"：环比 {chg('sales', 'change')} 主要是大促的节奏（预热蓄水、活动爆发、活动后回落），不能当作常态变化来读。")
    else:
        parts.append((f"This period falls in {now}" if now else "This period is ordinary trading")
                     + (f"; the previous one in {before}" if before else "; the previous one is ordinary trading")
                     + f": the {chg('sales', 'change')} on the previous period is mostly the campaign's rhythm "
                     "(warm-up, peak, slump after), not an ordinary change.")
    if ev["baseline"] is not None:
        b0, b1 = ev["baseline"]
        span = f"{b0:%Y-%m-%d} ~ {b1:%Y-%m-%d}"
        parts.append(
            f"同口径对比活动前的常态期 {span}（已排除活动和春节日）：支付金额 {chg('sales', 'vs_ordinary')}，访客数 "
            f"{chg('visitors', 'vs_ordinary')}，支付转化率 {chg('conversion_rate', 'vs_ordinary')}。" if zh else
            f"Like with like, against the ordinary days {span} before the campaign (campaign and Spring Festival days "
            f"left out): sales {chg('sales', 'vs_ordinary')}, visitors {chg('visitors', 'vs_ordinary')}, conversion "
            f"{chg('conversion_rate', 'vs_ordinary')}.")
    else:
        parts.append("数据中找不到活动前等长的常态期，无法做同口径对比。" if zh else
                     "The data has no ordinary stretch of the same length before the campaign to compare with.")
    if ly:
        parts.append(f"去年同期也处在{ly}，同比 {chg('sales', 'yoy')} 是同一阶段的对比。" if zh else
                     f"The same weeks last year fell in {ly}, so the {chg('sales', 'yoy')} on last year compares "
                     "the same phases.")
    return " ".join(parts)


def describe_peers(table: pd.DataFrame, visitors: float, lang: str) -> str:
    """Where the shop stands against its peer tier, and what closing the UV-value gap is worth.

    Worth = (peer average UV value - own UV value) x the period's visitors,
    in yuan: the extra sales at current traffic if UV value reached the
    tier average.
    """
    rows = [k for k in ("conversion_rate", "uv_value", "aov") if k in table.index and pd.notna(table.loc[k, "peer_avg"])]
    if not rows:
        return ("本期没有同行同层数据。" if is_zh(lang) else "No peer-tier data for this period.")
    parts = []
    for k in rows:
        own, avg, exc = table.loc[k, ["current", "peer_avg", "peer_excellent"]]
        kind = "pct" if k == "conversion_rate" else "yuan"
        rel = "高于" if own >= avg else "低于"
        if is_zh(lang):
            parts.append(f"{metrics.label(k, lang)} {format_value(own, kind, lang)}，{rel}同行平均 "
                         f"{format_value(avg, kind, lang)}（优秀 {format_value(exc, kind, lang)}）。")
        else:
            rel = "above" if own >= avg else "below"
            parts.append(f"{metrics.label(k, lang)} {format_value(own, kind, lang)} is {rel} the tier average "
                         f"{format_value(avg, kind, lang)} (excellent {format_value(exc, kind, lang)}).")
    if "uv_value" in rows:
        gap = table.loc["uv_value", "peer_avg"] - table.loc["uv_value", "current"]
        if gap > 0 and pd.notna(visitors):
            worth = format_value(gap * visitors, "yuan", lang)
            parts.append(f"若 UV价值 追平同行平均，按本期访客可多卖约 {worth}。" if is_zh(lang) else
                         f"Reaching the tier's average UV value would add about {worth} at this period's traffic.")
    return " ".join(parts)


def describe_movers(movers: pd.DataFrame, dimension_label: str, lang: str) -> str:
    """One sentence naming the biggest riser and faller of a :func:`helpers.areas.overview.calc.top_movers` table."""
    if movers.empty:
        if "skipped" in movers.attrs:  # the column the movers need is not in the data
            return movers.attrs["skipped"]["zh" if is_zh(lang) else "en"]
        return "两期销售额没有变化。" if is_zh(lang) else "No change in sales between the two periods."
    up, down = movers[movers["delta"] > 0], movers[movers["delta"] < 0]
    parts = []
    if not up.empty:
        top = up.iloc[0]
        parts.append(f"{dimension_label}中增长最多的是「{escape(up.index[0])}」（{format_value(top['delta'], 'yuan', lang)}，"
                      f"占总变化 {format_change(top['share_of_change'], lang)}）" if is_zh(lang) else
                      f"The biggest riser by {dimension_label} was “{escape(up.index[0])}” "
                      f"(+{format_value(top['delta'], 'yuan', lang)}, {format_change(top['share_of_change'], lang)} "
                      "of the total change)")
    if not down.empty:
        low = down.iloc[0]
        parts.append(f"下降最多的是「{escape(down.index[0])}」（{format_value(low['delta'], 'yuan', lang)}）" if is_zh(lang)
                      else f"the biggest faller was “{escape(down.index[0])}” ({format_value(low['delta'], 'yuan', lang)})")
    return ("；".join(parts) + "。") if is_zh(lang) else ("; ".join(parts) + ".")


def _header(col: str, lang: str) -> str:
    # a period-on-period change is 环比; the ordinary baseline's column is named for what it is
    return label({"change": "mom", "ordinary": "ordinary_baseline"}.get(col, col), lang)


def kpi_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A :func:`helpers.areas.overview.calc.compare_periods` table formatted for reading.

    Each row keeps its own unit (yuan, percent, count); relative changes are
    signed percents; NaN shows as "—" (no data, or a zero denominator). The ordinary
    baseline's columns appear when the table has them.
    """
    values = ["current", "previous", "last_year", "ordinary", "peer_avg", "peer_excellent"]
    columns = ["current", "previous", "change", "last_year", "yoy", "ordinary", "vs_ordinary", "peer_avg",
               "peer_excellent", "vs_peer_avg"]
    columns = [c for c in columns if c in table]
    if table[["peer_avg", "peer_excellent"]].isna().all().all():
        columns = [c for c in columns if c not in ("peer_avg", "peer_excellent", "vs_peer_avg")]
    out = pd.DataFrame(index=[label(k, lang) for k in table.index])
    kinds = pd.DataFrame(index=out.index)
    for col in columns:
        if col in values:
            cells = [format_value(v, kind, lang) for v, kind in zip(table[col], table["kind"], strict=True)]
            kinds[col] = list(table["kind"])
        else:
            cells = [format_change(v, lang) if pd.notna(v) else "—" for v in table[col]]
            kinds[col] = "signed_pct"
        out[_header(col, lang)] = cells
    # each row has its own unit: the report's XLSX gets the numbers with a format per cell
    return keep_numbers(out, table[columns].astype(float), kinds)


def movers_table(movers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A :func:`helpers.areas.overview.calc.top_movers` table formatted for reading."""

    name = movers.index.name
    out = pd.DataFrame(index=pd.Index(movers.index.map(str), name=label_or_text(name, lang) if name else None))
    kinds = {"current": "yuan", "previous": "yuan", "delta": "yuan", "change": "signed_pct",
             "share_of_change": "signed_pct"}
    for col, kind in kinds.items():
        out[_header(col, lang)] = ([format_value(v, kind, lang) for v in movers[col]] if kind == "yuan" else
                                   [format_change(v, lang) if pd.notna(v) else "—" for v in movers[col]])
    return keep_numbers(out, movers[list(kinds)].astype(float),
                        pd.DataFrame({c: [k] * len(movers) for c, k in kinds.items()}))


def period_header(period, lang: str) -> str:
    """The periods being compared, as one Markdown line."""
    prev, ly = period.previous(), period.last_year()
    if is_zh(lang):
        return (f"**本期** {period.label()}（{period.days} 天） · **上期** {prev.label()} · "
                f"**去年同期** {ly.label()}（按星期对齐，前推 364 天）")
    return (f"**This period** {period.label()} ({period.days} days) · **previous** {prev.label()} · "
            f"**same weeks last year** {ly.label()} (364 days back, weekday-aligned)")
