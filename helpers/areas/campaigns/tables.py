"""The postmortem's tables for a report, each through :func:`helpers.present.tables.style_table`,
and the key figures a run records for the batch index (:func:`key_figures`).

Column and index names are label keys, worded by the styler in the report's language;
columns of the calculations whose own name means something else in the shared label table
(``actual`` is 实际 there, here the actual sales) are shown under their campaign key
(:data:`COLUMN_KEYS`). Phase, item and role names are label keys too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.areas.campaigns.agreement import ModelComparison
from helpers.areas.campaigns.campaign import MODELS
from helpers.areas.campaigns.comparison import ROLES
from helpers.areas.campaigns.mechanics import Mechanics
from helpers.areas.campaigns.profit import COST_ITEMS, PROFIT_ITEMS, Profit
from helpers.areas.campaigns.sentences import describe_control, mechanic_label
from helpers.areas.campaigns.uplift import Impact
from helpers.i18n import label, label_or_text
from helpers.present.format import DASH, fmt_pct, format_value
from helpers.present.tables import style_table

#: Columns and row names of the calculations -> the label key they are shown under.
COLUMN_KEYS = {"actual": "actual_sales", "predicted": "counterfactual_sales", "effect": "incremental_sales",
               "window": "whole_window", "lines": "order_lines", "paid": "paid_amount",
               "refund_rate": "refund_rate_by_value", "profit": "campaign_profit", "roi": "campaign_roi",
               "lift": "sales_lift", "repeat_rate": "new_buyer_repeat_rate",
               "repeat_cohort": "new_buyers_observed", "multiple": "threshold_multiple",
               "ratio": "bunching_ratio", "z": "bunching_z", "detected": "bunching_detected",
               "reason": "why"}


def _key(name: str) -> str:
    return COLUMN_KEYS.get(name, name)


def _shown(frame: pd.DataFrame, formats: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` with its columns under their label keys, and ``formats`` keyed the same way."""
    return frame.rename(columns=_key), {_key(c): kind for c, kind in formats.items()}


def _rows(index, lang: str) -> list[str]:
    """Row names of the calculations (phase, group, item keys) worded in ``lang``."""
    return [label_or_text(_key(i), lang) for i in index]


def _yuan(value: float, lang: str) -> str:
    return format_value(value, "yuan", lang)


def _signed(value: float) -> str:
    return DASH if value is None or pd.isna(value) else f"{value:+.1%}"


def stockout_table(stockouts: pd.DataFrame, lang: str):
    """The :func:`~helpers.areas.campaigns.activity.find_stockouts` table (titles escaped)."""
    shown = stockouts.copy()
    shown["last_sale"] = shown["last_sale"].dt.strftime("%Y-%m-%d").fillna(DASH)
    formats = {"title": str, "category": str, "baseline_per_day": "ratio", "last_sale": str,
               "silent_days": "count", "expected_units": "ratio", "p_silent": lambda v: f"{v:.1e}"}
    return style_table(shown, formats, lang, columns=list(formats), index_label="product_id")


def controls_table(impact: Impact, lang: str):
    """The control series, whether each was used, and why."""
    c = impact.controls
    why = [describe_control(r["reason"], r["detail"], r["change_in_event"], r["p_real"], lang)
           for _, r in c.iterrows()]
    shown = pd.DataFrame({"status": [label(s, lang) for s in c["status"]],
                          "change_in_event": c["change_in_event"].to_numpy(dtype=float), "why": why},
                         index=_rows(c.index, lang))
    return style_table(shown, {"status": str, "change_in_event": "signed_pct", "why": str}, lang,
                       index_label="control")


def uplift_table(impact: Impact, lang: str):
    """Actual, counterfactual and effect of each phase with intervals."""
    p = impact.phases.copy()
    p["start"] = pd.to_datetime(p["start"]).dt.strftime("%m-%d")
    p["end"] = pd.to_datetime(p["end"]).dt.strftime("%m-%d")
    p.index = _rows(p.index, lang)
    formats = {"start": str, "end": str, "days": "count", "actual": "yuan", "predicted": "yuan",
               "effect": "yuan", "effect_low": "yuan", "effect_high": "yuan", "relative": "signed_pct",
               "relative_low": "signed_pct", "relative_high": "signed_pct", "p_real": "pct"}
    shown, formats = _shown(p, formats)
    return style_table(shown, formats, lang, columns=list(formats), index_label="phase")


def pull_forward_table(pull: pd.DataFrame, lang: str):
    """Effect of each phase and the pull-forward share, with intervals."""
    phases = pull.drop(index="pull_forward_share", errors="ignore")
    out = pd.DataFrame({
        "days": [format_value(v, "count", lang) for v in phases["days"]] if "days" in phases else DASH,
        "incremental_sales": [_yuan(v, lang) for v in phases["effect"]],
        "interval": [f"{_yuan(a, lang)} ~ {_yuan(b, lang)}"
                     for a, b in zip(phases["effect_low"], phases["effect_high"], strict=True)],
        "relative": [_signed(v) for v in phases["relative"]],
        "p_real": [fmt_pct(v) for v in phases["p_real"]]}, index=_rows(phases.index, lang))
    if "pull_forward_share" in pull.index:
        share = pull.loc["pull_forward_share"]
        out.loc[label("pull_forward_share", lang)] = [
            DASH, fmt_pct(share["effect"]), f"{fmt_pct(share['effect_low'])} ~ {fmt_pct(share['effect_high'])}", DASH,
            fmt_pct(share["p_real"])]
    nan = float("nan")
    values = pd.DataFrame({"days": phases["days"].astype(float).tolist() if "days" in phases else nan,
                           "incremental_sales": phases["effect"].astype(float).tolist(),
                           "interval": out["interval"].iloc[:len(phases)].tolist(),
                           "relative": phases["relative"].astype(float).tolist(),
                           "p_real": phases["p_real"].astype(float).tolist()})
    kinds = pd.DataFrame({"days": "count", "incremental_sales": "yuan", "interval": None, "relative": "signed_pct",
                          "p_real": "pct"}, index=range(len(phases)))
    if "pull_forward_share" in pull.index:
        share = pull.loc["pull_forward_share"]
        values.loc[len(values)] = [nan, float(share["effect"]), out["interval"].iloc[-1], nan, float(share["p_real"])]
        kinds.loc[len(kinds)] = [None, "pct", None, None, "pct"]
    return style_table(out, {}, lang, index_label="phase", numbers=(values.set_axis(out.index), kinds.set_axis(out.index)))


def refund_table(refunds: pd.DataFrame, lang: str):
    """The :func:`~helpers.areas.campaigns.refunds.compare_refunds` table."""
    shown = refunds.copy()
    shown.index = _rows(shown.index, lang)
    formats = {"lines": "count", "paid": "yuan", "refund_amount": "yuan", "refund_rate": "pct",
               "completeness": "pct", "refund_rate_adjusted": "pct", "expected_rate": "pct",
               "vs_normal": "ratio", "extra_refunds": "yuan"}
    shown, formats = _shown(shown, formats)
    return style_table(shown, formats, lang, columns=list(formats))


def profit_table(profit: Profit, lang: str):
    """The profit bridge with intervals (costs negative), then margin, cost, ROI, break-even
    and the cost per new buyer."""
    t = profit.table
    rows = []  # (item, value, kind, interval text)
    for item in PROFIT_ITEMS:
        sign = -1 if item in COST_ITEMS else 1
        v, lo, hi = (t.loc[item, c] for c in ("value", "low", "high"))
        interval = DASH if pd.isna(lo) else f"{_yuan(lo, lang)} ~ {_yuan(hi, lang)}"
        rows.append((_key(item), sign * v if pd.notna(v) else v, "yuan", interval))
    rows += [("normal_margin", profit.normal_margin, "pct", DASH),
             ("campaign_cost", profit.campaign_cost, "yuan", DASH),
             ("campaign_roi", profit.roi, "ratio", DASH),
             ("breakeven_sales", profit.breakeven_sales, "yuan", DASH),
             ("incremental_new_buyers", profit.new_buyers["incremental"], "count", DASH),
             ("cost_per_new_buyer", profit.cost_per_new_buyer, "yuan", DASH)]
    index = [label(r[0], lang) for r in rows]
    shown = [fmt_pct(v) if kind == "pct" else format_value(v, kind, lang) for _, v, kind, _ in rows]
    out = pd.DataFrame({"amount": shown, "interval": [r[3] for r in rows]}, index=index)
    values = pd.DataFrame({"amount": [float(r[1]) for r in rows], "interval": out["interval"]}, index=index)
    kinds = pd.DataFrame({"amount": [r[2] for r in rows], "interval": None}, index=index)
    return style_table(out, {}, lang, index_label="item", numbers=(values, kinds))


MECHANIC_KINDS = {"orders_per_day": "ratio", "amount_per_order": "yuan", "margin_per_order": "yuan",
                  "list_per_order": "yuan",
                  "units_per_order": "ratio", "lines_per_order": "ratio", "campaign_order_share": "pct",
                  "reach_share": "pct", "band_share": "pct", "below_share": "pct"}


def mechanics_table(mech: Mechanics, lang: str):
    """Order-level figures of the event against the baseline, the effective discount and the
    bunching test at the threshold."""
    t = mech.table
    nan = float("nan")
    rows = []  # (metric, baseline, event, change, kind)
    for key in t.index:
        rows.append((key, t.loc[key, "baseline"], t.loc[key, "event"], t.loc[key, "change"],
                     MECHANIC_KINDS.get(key, "ratio")))
    if pd.notna(mech.effective_discount):
        rows.append(("effective_discount", nan, mech.effective_discount, nan, "discount"))
    v = mech.velocity
    if v is not None:
        rows.append(("velocity_units_per_day", v["baseline_units_per_day"], v["event_units_per_day"],
                     v["velocity_ratio"] - 1, "ratio"))
        rows.append(("profit_per_day", v["baseline_profit_per_day"], v["event_profit_per_day"],
                     v["event_profit_per_day"] / v["baseline_profit_per_day"] - 1
                     if v["baseline_profit_per_day"] else nan, "yuan"))
    if mech.bunching is not None:
        rows.append(("bunching_ratio", 1.0, mech.bunching["ratio"], nan, "ratio"))
        rows.append(("bunching_z", nan, mech.bunching["z"], nan, "z"))
    shown_as = {"campaign_order_share": "tagged_order_share"}  # a tag is not a condition met
    index = pd.Index([label(shown_as.get(r[0], r[0]), lang) for r in rows], name="metric")

    def cell(value, kind):
        if pd.isna(value):
            return DASH
        return {"z": f"{value:.1f}", "discount": fmt_pct(value)}.get(kind) or format_value(value, kind, lang)

    excel_kind = {"z": "ratio", "discount": "pct"}
    out = pd.DataFrame({"baseline": [cell(r[1], r[4]) for r in rows], "event": [cell(r[2], r[4]) for r in rows],
                        "change": [_signed(r[3]) for r in rows]}, index=index)
    values = pd.DataFrame({"baseline": [float(r[1]) for r in rows], "event": [float(r[2]) for r in rows],
                           "change": [float(r[3]) for r in rows]}, index=index)
    kinds = pd.DataFrame({"baseline": [excel_kind.get(r[4], r[4]) for r in rows],
                          "event": [excel_kind.get(r[4], r[4]) for r in rows], "change": "signed_pct"}, index=index)
    return style_table(out, {}, lang, index_label="metric", numbers=(values, kinds))


def profile_table(mech: Mechanics, lang: str):
    """The bunching test at the threshold and at placebo lines around it (None without one)."""
    if mech.profile is None:
        return None
    p = mech.profile.copy()
    p.index = pd.Index(p.index.astype(float), name="threshold_line")  # numbers in the XLSX, yuan in the header
    p["detected"] = p["detected"].astype(bool)  # the styler writes 是/否 or yes/no
    shown, formats = _shown(p, {"multiple": "ratio", "ratio": "ratio", "z": "ratio"})
    return style_table(shown, formats, lang).format_index(lambda v: f"{v:,.0f}", axis=0)


def models_table(cmp: ModelComparison, lang: str):
    """Both counterfactual models' effect of each phase with intervals, side by side, and
    whether the intervals are apart (None when a model could not estimate)."""
    t = cmp.table
    if t.empty:
        return None
    cols = {f"model_{m}": [f"{_yuan(e, lang)} ({_signed(r)}), {_yuan(a, lang)} ~ {_yuan(b, lang)}"
                           for e, r, a, b in zip(t[f"{m}_effect"], t[f"{m}_relative"], t[f"{m}_effect_low"],
                                                 t[f"{m}_effect_high"], strict=True)] for m in MODELS}
    names = [label("whole_window", lang) if p == "window" else
             (f"{label(p, lang)} ({int(t.loc[p, f'{MODELS[0]}_days'])}/{int(t.loc[p, f'{MODELS[1]}_days'])})"
              if p == "post_dip" else label(p, lang)) for p in t.index]
    out = pd.DataFrame(cols, index=names)
    out["models_apart"] = t["apart"].to_numpy(bool)
    return style_table(out, {}, lang, index_label="phase")


def ranking_table(ranks: pd.DataFrame, lang: str):
    """Every campaign's ROI and rank under each model (names escaped), best under the first model first."""
    shown = ranks.sort_values(f"rank_{MODELS[0]}")
    formats = {"name": str, **{k: kind for m in MODELS for k, kind in ((f"roi_{m}", "ratio"), (f"rank_{m}", "count"))}}
    return style_table(shown, formats, lang, columns=list(formats), index_label="campaign_id")


def buyers_table(buyers: pd.DataFrame, lang: str):
    """The :func:`~helpers.areas.campaigns.activity.compare_buyers` table."""
    shown = buyers.copy()
    shown.index = _rows(shown.index, lang)
    formats = {"buyers_per_day": "ratio", "new_per_day": "ratio", "returning_per_day": "ratio",
               "new_share": "pct", "repeat_rate": "pct", "repeat_low": "pct", "repeat_high": "pct",
               "repeat_cohort": "count"}
    shown, formats = _shown(shown, formats)
    return style_table(shown, formats, lang, columns=list(formats))


def drivers_table(drivers: pd.DataFrame, lang: str):
    """The :func:`~helpers.areas.campaigns.activity.find_drivers` table (names escaped)."""
    formats = {"pre_sales_per_day": "yuan", "event_sales_per_day": "yuan", "lift": "signed_pct",
               "share_of_increase": "pct", "share_change": "signed_pct"}
    shown, formats = _shown(drivers, formats)
    return style_table(shown, formats, lang, columns=list(formats), index_label=drivers.index.name)


def comparison_table(table: pd.DataFrame, lang: str):
    """The :func:`~helpers.areas.campaigns.comparison.compare_campaigns` table: this campaign
    first, then last year's edition, then the others by start (names escaped)."""
    order = {role: i for i, role in enumerate(ROLES)}
    shown = table.assign(_o=table["role"].map(order)).sort_values(["_o", "start"]).drop(columns="_o")
    role_word = {"this": "this_campaign", "last_year": "last_year"}
    shown["name"] = [f"{n} ({label(role_word[r], lang)})" if r in role_word else n
                     for n, r in zip(shown["name"], shown["role"], strict=True)]
    shown["mechanic"] = [mechanic_label(m, lang) for m in shown["mechanic"]]
    formats = {"name": str, "mechanic": str, "event_sales": "yuan", "effect": "yuan",
               "relative": "signed_pct", "relative_low": "signed_pct", "relative_high": "signed_pct",
               "net_effect": "yuan", "pull_forward_share": "pct", "discount_cost": "yuan",
               "budget": "yuan", "profit": "yuan", "roi": "ratio", "cost_per_new_buyer": "yuan",
               "refund_vs_normal": "ratio"}
    shown, formats = _shown(shown, formats)
    return style_table(shown, formats, lang, columns=list(formats), index_label="campaign_id")


def key_figures(impact: Impact, pull: pd.DataFrame, refunds: pd.DataFrame, profit: Profit,
                lang: str) -> list[tuple[str, Any, str, str]]:
    """The figures a postmortem records for the batch index: (name, value, unit, label).

    Names are stable machine names; units ``yuan``, ``pct`` (a fraction), ``ratio``,
    ``count``; labels in ``lang``.
    """
    def campaign_lines(column: str) -> float:
        return float(refunds.loc["campaign_lines", column]) if "campaign_lines" in refunds.index else float("nan")

    share = float(pull.loc["pull_forward_share", "effect"]) if "pull_forward_share" in pull.index else float("nan")
    figures = [
        ("campaign_sales", impact.value("event", "actual"), "yuan", "event_sales"),
        ("incremental_sales", impact.value("event", "effect"), "yuan", "incremental_sales"),
        ("incremental_sales_low", impact.value("event", "effect_low"), "yuan", "effect_low"),
        ("incremental_sales_high", impact.value("event", "effect_high"), "yuan", "effect_high"),
        ("relative_uplift", impact.value("event", "relative"), "pct", "relative"),
        ("probability_real", impact.value("event", "p_real"), "pct", "p_real"),
        ("net_incremental_sales", impact.value("window", "effect"), "yuan", "net_effect"),
        ("pull_forward_share", share, "pct", "pull_forward_share"),
        ("incremental_profit", profit.value("profit"), "yuan", "campaign_profit"),
        ("campaign_roi", profit.roi, "ratio", "campaign_roi"),
        ("new_buyers", profit.new_buyers["incremental"], "count", "incremental_new_buyers"),
        ("cost_per_new_buyer", profit.cost_per_new_buyer, "yuan", "cost_per_new_buyer"),
        ("post_event_refund_rate", campaign_lines("refund_rate_adjusted"), "pct", "campaign_refund_rate"),
        ("refund_vs_normal", campaign_lines("vs_normal"), "ratio", "refund_vs_normal"),
    ]
    return [(name, value, unit, label(key, lang)) for name, value, unit, key in figures]
