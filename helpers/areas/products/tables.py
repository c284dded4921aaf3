"""The product report's tables: which columns each frame shows and how each is formatted,
through the one styler (:func:`helpers.present.tables.style_table`). Column names are label
keys; a rate's interval ends are shown as "<rate> <low/high>"."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.i18n import label
from helpers.present.tables import style_table


def _day(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


#: Per table: column -> format kind or function (None: shown as it is).
TABLE_FORMATS: dict[str, dict[str, Any]] = {
    "portfolio": {"title": None, "category": None, "units": "count", "sales": "yuan", "discounts": "yuan",
                  "refund_amount": "yuan", "gross_profit": "yuan", "platform_costs": "yuan",
                  "allocated_ad_spend": "yuan",
                  "contribution": "yuan", "contribution_margin": "pct", "abc_sales": None, "abc_profit": None},
    "growth": {"title": None, "sales": "yuan", "share_of_sales": "pct", "sales_growth": "signed_pct",
               "quadrant": None},
    "cover": {"title": None, "stock": "count", "daily_units": "ratio", "cover_days": "count", "not_selling": None,
              "sell_through": "pct"},
    "scorecard": {"title": None, "category": None, "price": "yuan", "gross_margin": "pct", "search_demand": "count",
                  "competitors": "count", "rating": "ratio", "reviews": "count", "demand_score": "count",
                  "competition": "count", "margin": "count", "attractiveness": "count", "total_score": "count"},
    "backtest": {"title": None, "launch_date": _day, "total_score": "count", "launch_sales": "yuan"},
    "test": {"impressions": "count", "clicks": "count", "add_to_cart": "count", "orders": "count",
             "click_rate": "pct", "click_rate_low": "pct", "click_rate_high": "pct", "cart_rate": "pct",
             "order_rate": "pct", "order_rate_low": "pct", "order_rate_high": "pct", "p_value": "ratio",
             "prob_best": "pct", "price": "yuan", "revenue_per_impression": "yuan"},
    "elasticity": {"elasticity": "ratio", "low": "ratio", "high": "ratio", "products_changed": "count",
                   "rows": "count"},
    "prices": {"title": None, "category": None, "list_price": "yuan", "unit_cost": "yuan", "elasticity": "ratio",
               "optimal_price": "yuan", "optimal_low": "yuan", "optimal_high": "yuan", "tested_low": "yuan",
               "tested_high": "yuan", "recommended_price": "yuan", "direction": None},
    "margins": {"title": None, "list_price": "yuan", "unit_cost": "yuan", "gross_margin": "pct",
                "unit_platform_cost": "yuan", "contribution_margin": "pct", "breakeven_roi": "ratio",
                "sales": "yuan"},
    "keywords": {"category": None, "search_popularity": "count", "click_rate": "pct", "conversion_rate": "pct",
                 "online_items": "count", "avg_cpc": "yuan", "buyers_index": "count", "competition_ratio": "ratio",
                 "value_per_cpc": "ratio", "titles_covering": "count"},
    "formula": {"title": None, "core": None, "head_covered": "count", "long_tail_covered": "count",
                "title_chars": "count"},
    "roots": {"root_weight": "count", "in_titles": "count"},
    "rising": {"title": None, "before_share": "pct", "recent_share": "pct", "share_ratio": "ratio",
               "recent_lines": "count", "rising": None},
    "pairs": {"title_a": None, "title_b": None, "pair_orders": "count", "support": "pct", "confidence": "pct",
              "confidence_ba": "pct", "lift": "ratio"},
    "aov": {"orders": "count", "amount_per_order": "yuan", "p25": "yuan", "median": "yuan", "p75": "yuan",
            "multi_share": "pct"},
}
_INTERVAL_ENDS = ("click_rate_low", "click_rate_high", "order_rate_low", "order_rate_high")
_SAME_AS = {"title_a": "product_a", "title_b": "product_b", "direction": "price_direction"}  # a pair's titles under the pair's headers


def _header(column: str, lang: str) -> str:
    if column in _INTERVAL_ENDS:
        rate, end = column.rsplit("_", 1)
        return f"{label(rate, lang)} {label(end, lang)}"
    return label(_SAME_AS.get(column, column), lang)


def table(frame: pd.DataFrame, kind: str, lang: str, top: int | None = 20):
    """A report table of one of this area's frames: the columns of :data:`TABLE_FORMATS`
    ``[kind]`` (those present), the first ``top`` rows, quadrant names in ``lang``.

    Returns
    -------
    A pandas Styler from :func:`helpers.present.tables.style_table`.
    """
    spec = TABLE_FORMATS[kind]
    cols = [c for c in spec if c in frame.columns]
    shown = (frame[cols].head(top) if top else frame[cols]).copy()
    if "quadrant" in cols:
        shown["quadrant"] = shown["quadrant"].map(lambda q: label(q, lang))
    if "direction" in cols:
        shown["direction"] = shown["direction"].map(lambda d: label(f"price_{d}", lang))
    names = {c: _header(c, lang) for c in cols}
    formats = {names[c]: spec[c] for c in cols if spec[c] is not None}
    return style_table(shown.rename(columns=names), formats, lang, hide_index=kind == "pairs")
