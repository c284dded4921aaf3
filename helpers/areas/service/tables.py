"""The after-sales report's tables, each through :func:`helpers.present.tables.style_table`.

Column names of the calculation frames are label keys, so the styler shows them in the
report's language; the values the area generates (row names such as "before_refunds",
response bands) are labelled here. Text from data is escaped by the styler.
"""

from __future__ import annotations

import pandas as pd

from helpers.i18n import label
from helpers.present.format import DASH, format_value
from helpers.present.tables import style_table


def _fixed(digits: int, signed: bool = False):
    sign = "+" if signed else ""
    return lambda v: DASH if pd.isna(v) else f"{v:{sign}.{digits}f}"


def _show(frame: pd.DataFrame, formats: dict, lang: str, index_label: str | None = None, **kwargs):
    return style_table(frame, formats, lang, columns=list(formats), index_label=index_label, **kwargs)


def band_name(band: object, lang: str) -> str:
    """A first-response band ("0-15s", "180s+") in the report's language ("0-15秒")."""
    return str(band).replace("s", label("seconds_short", lang))


def refund_summary_table(summary: pd.Series, lang: str):
    """The headline refund figures (:func:`helpers.areas.service.refunds.summarize_refunds`), one per row."""
    def fmt(key: str, kind: str) -> str:
        return format_value(summary[key], kind, lang)

    rate = f"{fmt('refund_rate_by_count', 'pct')} ({fmt('low', 'pct')} ~ {fmt('high', 'pct')})"
    rows = {"paid_lines": fmt("paid_lines", "count"), "refunded": fmt("refunded", "count"),
            "paid_amount": fmt("paid_amount", "yuan"), "refund_amount": fmt("refund_amount", "yuan"),
            "refund_rate_by_value": fmt("refund_rate_by_value", "pct"), "refund_rate_by_count": rate,
            "before_shipping": fmt("before_shipping", "pct"),
            "median_days": _fixed(1)(summary["median_days"]), "p90_days": _fixed(1)(summary["p90_days"])}
    index = [label(k, lang) for k in rows]
    frame = pd.DataFrame({"current": list(rows.values())}, index=index)
    kinds = {"paid_lines": "count", "refunded": "count", "paid_amount": "yuan", "refund_amount": "yuan",
             "refund_rate_by_value": "pct", "refund_rate_by_count": "pct", "before_shipping": "pct",
             "median_days": "ratio", "p90_days": "ratio"}
    numbers = pd.DataFrame({"current": [float(summary[k]) for k in kinds]}, index=index)
    return style_table(frame, lang=lang, numbers=(numbers, pd.DataFrame({"current": list(kinds.values())}, index=index)))


def refunds_by_table(table: pd.DataFrame, by: str, lang: str, top: int = 12):
    """A :func:`helpers.areas.service.refunds.refunds_by` table (top rows by refunded amount)."""
    shown = table.head(top).copy()
    if by == "campaign":
        shown.index = [label("no_campaign", lang) if i == "" else i for i in shown.index]
    return _show(shown, {"paid_lines": "count", "refunded": "count", "refund_rate_by_count": "pct", "low": "pct",
                         "high": "pct", "refund_amount": "yuan", "refund_rate_by_value": "pct",
                         "share_of_refunds": "pct"}, lang, by)


def reasons_table(reasons: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.service.refunds.summarize_reasons` table ("" shown as not given)."""
    shown = reasons.copy()
    shown.index = [label("no_reason", lang) if i == "" else i for i in shown.index]
    return _show(shown, {"refunded": "count", "refund_amount": "yuan", "share_of_refunds": "pct",
                         "before_shipping": "pct", "median_days": _fixed(1)}, lang, "refund_reason")


def margin_table(margin: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.service.refunds.refund_margin` table: before, after and lost to refunds."""
    shown = margin.copy()
    shown.index = [label(i, lang) for i in shown.index]
    return _show(shown, {"sales": "yuan", "cogs": "yuan", "gross_profit": "yuan", "gross_margin": "pct"}, lang)


def flagged_table(flags: pd.DataFrame, lang: str, top: int = 10):
    """The top of a :func:`helpers.areas.service.flags.flag_products` table: flagged products first."""
    shown = flags.head(top).copy()
    shown["flagged"] = shown["flagged"].astype(bool)
    shown["top_reason"] = shown["top_reason"].fillna("").replace("", label("no_reason", lang))
    return _show(shown, {"title": str, "category": str, "paid_lines": "count", "refunded": "count",
                         "refund_rate_by_count": "pct", "category_expected": "pct", "shrunk": "pct", "low": "pct",
                         "high": "pct", "flagged": str, "excess_refunds": lambda v: f"{v:+,.0f}", "top_reason": str,
                         "top_reason_share": "pct"}, lang, "product_id")


def reviews_table(by_product: pd.DataFrame, lang: str, top: int = 12):
    """A :func:`helpers.areas.service.reviews.reviews_by_product` table (products with enough reviews first)."""
    shown = by_product.sort_values(["enough", "bad"], ascending=False, kind="stable").head(top)
    return _show(shown, {"title": str, "reviews": "count", "mean_rating": "ratio", "good_rate": "pct",
                         "bad_rate": "pct", "low": "pct", "high": "pct"}, lang, "product_id")


def phrases_table(phrases: pd.DataFrame, titles: pd.Series | None, lang: str):
    """A :func:`helpers.areas.service.phrases.complaint_phrases` table (per product when ``titles`` is given)."""
    shown = phrases.copy()
    if titles is not None and (shown["group"] != "").any():
        shown["title"] = [titles.get(g, g) for g in shown["group"]]
        shown = shown.set_index(["title", "rank"])
    else:
        shown = shown.set_index("rank")
    return _show(shown, {"phrase": str, "z": "ratio", "bad_share": "pct", "good_share": "pct",
                         "bad_reviews": "count"}, lang)


def fulfilment_table(table: pd.DataFrame, by: str | None, lang: str):
    """A :func:`helpers.areas.service.fulfilment.summarize_fulfilment` table (``by`` None: the whole shop)."""
    shown = table.copy()
    if by is None:
        shown.index = [label("whole_shop", lang)]
    hours = _fixed(0)
    return _show(shown, {"orders": "count", "shipped_orders": "count", "due": "count", "on_time_rate": "pct",
                         "low": "pct", "high": "pct", "median_ship_hours": hours, "p90_ship_hours": hours,
                         "median_deliver_hours": hours, "median_transit_hours": hours}, lang, by)


def late_effects_table(effects: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.service.fulfilment.late_effects` table: rates, relative risk and risk difference."""
    shown = effects.rename(columns={"on_time_rate": "on_time_group"})
    shown.index = [label(i, lang) for i in shown.index]
    ratio = _fixed(2)
    return _show(shown, {"on_time_group": "pct", "late_rate": "pct", "on_time_n": "count", "late_n": "count",
                         "rr": ratio, "rr_low": ratio, "rr_high": ratio, "rd": "signed_pct", "rd_low": "signed_pct",
                         "rd_high": "signed_pct"}, lang)


def service_table(table: pd.DataFrame, by: str, lang: str):
    """A :func:`helpers.areas.service.chats.service_by` table (per response band or agent)."""
    shown = table.copy()
    if by == "response_band":
        shown.index = [band_name(b, lang) for b in shown.index]
    return _show(shown, {"chats": "count", "converted": "count", "inquiry_conversion_rate": "pct", "low": "pct",
                         "high": "pct", "median_response": _fixed(0)}, lang, by)


def dsr_table(summary: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.service.dsr.summarize_dsr` table (points, 3 decimals)."""
    shown = summary.copy()
    shown.index = [label(i, lang) for i in shown.index]
    shown["min_date"] = [d.strftime("%Y-%m-%d") if pd.notna(d) else DASH for d in shown["min_date"]]
    score, signed = _fixed(3), _fixed(3, signed=True)
    return _show(shown, {"first": score, "last": score, "score_change": signed, "peer": score, "gap": signed,
                         "min_score": score, "min_date": str}, lang, "dsr_score")


def drivers_table(drivers: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.service.dsr.dsr_drivers` table, one row per score and driver."""
    shown = drivers.copy()
    shown.index = pd.MultiIndex.from_arrays([[label(s, lang) for s in shown["dsr_score"]],
                                             [label(d, lang) for d in shown["driver"]]],
                                            names=["dsr_score", "driver"])
    signed = _fixed(3, signed=True)
    return _show(shown, {"coefficient": signed, "low": signed, "high": signed, "share_of_reviews": "pct",
                         "score_impact": signed, "n": "count"}, lang)
