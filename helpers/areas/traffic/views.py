"""Traffic report tables: each calculation's frame through the one styler, in the report's language.

Column headers are label keys that :func:`helpers.present.tables.style_table` translates;
the row names this area generates (the whole shop, source groups, paid and free traffic,
verdicts, metric names, likely causes) are translated here. Source names are data and pass
unchanged (escaped by the styler).
"""

from __future__ import annotations

import pandas as pd

from helpers.areas.traffic.anomalies import METRIC_KINDS, AnomalyScan
from helpers.areas.traffic.attribution import ATTRIBUTION_MODELS, credit_shares
from helpers.areas.traffic.calc import FUNNEL_STAGES, item_name
from helpers.areas.traffic.findings import describe_verdict, hint_text
from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.i18n import is_zh, label
from helpers.present.format import format_change, format_value
from helpers.present.tables import style_table

SOURCE_FORMATS = {"visitors": "count", "paid_buyers": "count", "paid_amount": "yuan", "conversion_rate": "pct",
                  "conversion_low": "pct", "conversion_high": "pct", "uv_value": "yuan", "aov": "yuan",
                  "visitor_share": "pct", "sales_share": "pct", "visitors_change": "signed_pct",
                  "sales_change": "signed_pct", "conversion_change": "signed_pct"}
FUNNEL_FORMATS = {**dict.fromkeys(FUNNEL_STAGES, "count"), "cart_rate": "pct", "cart_to_order": "pct",
                  "order_to_pay_rate": "pct", "conversion_rate": "pct", "bounce_rate": "pct"}
ADS_FORMATS = {"impressions": "count", "clicks": "count", "spend": "yuan", "ctr": "pct", "cpc": "yuan",
               "cpm": "yuan", "click_conversion": "pct", "attributed_orders": "count", "attributed_amount": "yuan",
               "roi": "ratio", "roi_low": "ratio", "roi_high": "ratio", "roi_normalised": "ratio",
               "commission_rate": "pct", "cost_per_order": "yuan", "max_cpc": "yuan", "profit_after_ads": "yuan"}
ADS_COLUMNS = ["attribution_window_days", "impressions", "clicks", "spend", "ctr", "cpc", "cpm", "click_conversion",
               "attributed_orders", "attributed_amount", "roi", "roi_low", "roi_high", "roi_normalised",
               "commission_rate", "cost_per_order", "max_cpc", "profit_after_ads", "verdict", "reason"]
VERDICT_LABELS = {"unknown": "roi_unknown"}  # verdict -> label key, where they differ
DECOMPOSITION_FORMATS = dict.fromkeys(("previous", "current", "delta", "visitors_effect", "conversion_effect",
                                       "aov_effect"), "yuan")


def period_header(period: Period, rate_method: str, lang: str) -> str:
    """The compared periods and the multi-day method, as one Markdown line."""
    prev = period.previous()
    method = metrics.describe_method(rate_method, lang)
    if is_zh(lang):
        return (f"**本期** {period.label()}（{period.days} 天） · **上期** {prev.label()} · "
                f"**多日比率口径** {method}")
    return (f"**This period** {period.label()} ({period.days} days) · **previous** {prev.label()} · "
            f"**rates over several days** {method}")


def _rename_rows(frame: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    shown = frame.copy()
    shown.index = pd.Index([item_name(i, by, lang) for i in frame.index], name=by)
    return shown


def source_table(sources: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.traffic.calc.summarize_sources` table formatted for a report."""
    by = sources.index.name or "source"
    shown = _rename_rows(sources, by, lang)
    if "source_group" in shown:
        shown["source_group"] = [item_name(g, "source_group", lang) for g in shown["source_group"]]
    return style_table(shown, SOURCE_FORMATS, lang, columns=["source_group", *SOURCE_FORMATS], index_label=by)


def funnel_table(funnel: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.traffic.calc.build_funnel` table formatted for a report."""
    return style_table(_rename_rows(funnel, "source", lang), FUNNEL_FORMATS, lang, columns=list(FUNNEL_FORMATS),
                       index_label="source")


def peer_table(peers: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.traffic.calc.compare_peers` table formatted for reading: each
    row in its own unit (percent for conversion, yuan otherwise)."""
    kinds = ["pct" if k == "conversion_rate" else "yuan" for k in peers.index]
    out = pd.DataFrame(index=pd.Index([label(k, lang) for k in peers.index]))
    for col in ("own", "peer_avg", "peer_excellent"):
        out[col] = [format_value(v, k, lang) for v, k in zip(peers[col], kinds, strict=True)]
    out["vs_peer_avg"] = [format_change(v, lang) if pd.notna(v) else "—" for v in peers["vs_peer_avg"]]
    for col in ("gap_to_avg", "gap_to_excellent"):
        out[col] = [format_value(v, "yuan", lang) for v in peers[col]]
    cell_kinds = pd.DataFrame({"own": kinds, "peer_avg": kinds, "peer_excellent": kinds,
                               "vs_peer_avg": "signed_pct", "gap_to_avg": "yuan", "gap_to_excellent": "yuan"})
    values = peers[list(out.columns)].astype(float).set_axis(out.index)
    return style_table(out, {}, lang, numbers=(values, cell_kinds.set_axis(out.index)))


def ads_table(ads: pd.DataFrame, breakeven: float, lang: str):
    """A :func:`helpers.areas.traffic.ads.summarize_ads` table formatted for a report, the
    verdicts and their reasons in words. The ROI on one window is shown only when the plans
    use several windows; CPC and max CPC of commission channels show "—" (paid per sale)."""
    shown = ads.copy()
    shown["verdict"] = [label(VERDICT_LABELS.get(v, v), lang) for v in ads["verdict"]]
    shown["reason"] = [describe_verdict(r, breakeven, lang) for _, r in ads.iterrows()]
    columns = [c for c in ADS_COLUMNS if c in shown
               and (c != "roi_normalised" or shown["attribution_window_days"].nunique() > 1)
               and (c != "commission_rate" or shown[c].notna().any())]
    return style_table(shown, ADS_FORMATS, lang, columns=columns)


def decomposition_table(table: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.traffic.decomposition.decompose_sales` table formatted for a report."""
    return style_table(_rename_rows(table, "source", lang), DECOMPOSITION_FORMATS, lang,
                       columns=list(DECOMPOSITION_FORMATS), index_label="source")


def anomaly_table(result: AnomalyScan, lang: str, top: int = 20):
    """The anomalies of a scan formatted for reading, largest |z| first, each row in its own
    unit, with the likely cause in words."""
    found = result.anomalies.head(top)
    kinds = [METRIC_KINDS[m] for m in found["metric"]]
    out = pd.DataFrame({
        "date": [f"{d:%Y-%m-%d}" for d in found["date"]],
        "source": found["source"].astype(str).to_list(),
        "metric": [label(m, lang) for m in found["metric"]],
        "observed": [format_value(v, k, lang) for v, k in zip(found["observed"], kinds, strict=True)],
        "baseline_expected": [format_value(v, k, lang) for v, k in zip(found["expected"], kinds, strict=True)],
        "deviation": [f"{v:+.0%}" if pd.notna(v) else "—" for v in found["deviation"]],
        "robust_z": [f"{v:+.1f}" for v in found["z"]],
        "impact_amount": [format_value(v, "yuan", lang) for v in found["impact"]],
        "bounce_rate": [format_value(v, "pct", lang) for v in found["bounce_rate"]],
        "hint": [hint_text(h, lang) for h in found["hint"]],
    })
    values = out.assign(observed=found["observed"].to_numpy(), baseline_expected=found["expected"].to_numpy(),
                        deviation=found["deviation"].to_numpy(), robust_z=found["z"].to_numpy(),
                        impact_amount=found["impact"].to_numpy(), bounce_rate=found["bounce_rate"].to_numpy())
    cell_kinds = pd.DataFrame({c: None for c in out.columns}, index=out.index).assign(
        observed=kinds, baseline_expected=kinds, deviation="signed_pct", robust_z="ratio", impact_amount="yuan",
        bounce_rate="pct")
    return style_table(out, {}, lang, hide_index=True, numbers=(values, cell_kinds))


def attribution_table(table: pd.DataFrame, lang: str):
    """Each source's share of the order credit under each model
    (:func:`helpers.areas.traffic.attribution.credit_shares`)."""
    return style_table(credit_shares(table), dict.fromkeys(ATTRIBUTION_MODELS, "pct"), lang, index_label="source")
