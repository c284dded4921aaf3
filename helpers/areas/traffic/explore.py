"""The traffic report's Explore section: pick a source, a metric, the dates and the 口径, and
see the source's funnel and its daily figure (the shared slice engine,
:mod:`helpers.present.slices`, without categories: traffic has none); pick a product and see
its funnel by source and its daily trend; pick a keyword and see its daily clicks, CPC and ROI
with the action on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas.traffic import keywords, products
from helpers.areas.traffic.calc import build_funnel
from helpers.areas.traffic.detail_views import RATE_FORMATS
from helpers.areas.traffic.views import funnel_table
from helpers.core.calendar import Period
from helpers.i18n import label
from helpers.present.charts import plot_trend
from helpers.present.explore import choice, date_range
from helpers.present.slices import render_slice, slice_controls
from helpers.present.tables import style_table

if TYPE_CHECKING:
    from helpers.core.shop import Shop


def explore_controls(shop: Shop, period: Period, data_first: Any, data_last: Any, lang: str, trend_weeks: int = 8,
                     rate_method: str = "pooled") -> dict:
    """Selectors of the traffic Explore section: source, metric, dates and 口径, starting from
    the notebook's parameters (the whole shop's visitors over ``trend_weeks`` weeks)."""
    controls = slice_controls(shop, period, data_first, data_last, lang, trend_weeks)
    controls.pop("category")  # traffic has sources, not categories
    controls["metric"].value = "visitors"
    controls["rate_method"].value = rate_method
    return controls


def render_explore(shop: Shop, metric: str, source: str | None, dates: tuple, rate_method: str = "pooled",
                   lang: str = "zh") -> list:
    """The Explore view: the chosen source's funnel over the dates (the whole shop's without a
    source) and its daily metric."""
    if dates[1] < dates[0]:
        return [render_slice(shop, metric, source, None, dates, rate_method, lang)]
    funnel = build_funnel(shop, Period(*dates), rate_method)
    row = "total" if source is None else source
    if row in funnel.index:
        funnel_view = funnel_table(funnel.loc[[row]], lang)
    else:
        funnel_view = style_table(pd.DataFrame({"source": [label("no_data", lang)]}), {}, lang, hide_index=True)
    return [funnel_view, render_slice(shop, metric, source, None, dates, rate_method, lang)]


SOURCE_COLUMNS = ["visitors", "impressions", "ctr", "favourites", "cart_buyers", "fav_cart_rate", "paid_buyers",
                  "conversion_rate", "conversion_low", "conversion_high", "uv_value", "paid_amount"]


def product_controls(shop: Shop, period: Period, data_first: Any, data_last: Any, lang: str, top: int = 30) -> dict:
    """Selectors of the product view: one of the ``top`` products by visitors in the period
    (shown as title [id]; the first is the default) and the dates."""
    funnel = products.product_funnel(shop, period)
    options = {f"{r['title']} [{r['product_id']}]": str(r["product_id"]) for _, r in funnel.head(top).iterrows()}
    return {"product": choice(options, description=label("product", lang)),
            "dates": date_range(period.start, period.end, data_first, data_last, label("date", lang))}


def render_product(shop: Shop, product: str, dates: tuple, lang: str = "zh", confidence: float = 0.95) -> list:
    """The product view: its funnel by source over the dates and its daily visitors."""
    if dates[1] < dates[0]:
        return [style_table(pd.DataFrame({"source": [label("no_data", lang)]}), {}, lang, hide_index=True)]
    period = Period(*dates)
    sources = products.product_sources(shop, period, product, confidence)
    columns = [c for c in SOURCE_COLUMNS if c in sources]
    table = style_table(sources, RATE_FORMATS, lang, columns=columns, index_label="source")
    daily = products.product_daily(shop, period, product)
    if not len(daily):
        return [table]
    return [table, plot_trend(daily, x="date", y="visitors", kind="count", lang=lang, title=product)]


def keyword_controls(shop: Shop, period: Period, data_first: Any, data_last: Any, margin: float, lang: str) -> dict:
    """Selectors of the keyword view: a bought keyword (plan / keyword, most spend first; the
    first is the default) and the dates."""
    table = keywords.keyword_table(shop, period, margin)
    options = {f"{r['plan']} / {r['keyword']}": (r["plan"], r["keyword"]) for _, r in table.iterrows()}
    return {"keyword": choice(options, description=label("keyword", lang)),
            "dates": date_range(period.start, period.end, data_first, data_last, label("date", lang))}


def render_keyword(shop: Shop, keyword: tuple[str, str], dates: tuple, margin: float, lang: str = "zh",
                   confidence: float = 0.95) -> list:
    """The keyword view: the action on it over the dates (as in the report's keyword table, a
    Markdown sentence), then its daily clicks, CPC and ROI."""
    from IPython.display import Markdown

    if dates[1] < dates[0]:
        return [style_table(pd.DataFrame({"keyword": [label("no_data", lang)]}), {}, lang, hide_index=True)]
    period = Period(*dates)
    plan, word = keyword
    table = keywords.keyword_table(shop, period, margin, confidence)
    row = table[(table["plan"] == plan) & (table["keyword"] == word)]
    daily = keywords.keyword_daily(shop, period, plan, word)
    if not len(row) or not len(daily):
        return [style_table(pd.DataFrame({"keyword": [label("no_data", lang)]}), {}, lang, hide_index=True)]
    action = Markdown(keywords.describe_keywords([keywords.judge_keyword(row.iloc[0])], lang))
    return [action, *(plot_trend(daily, x="date", y=y, kind=kind, lang=lang, title=f"{word} · {label(y, lang)}")
                      for y, kind in (("clicks", "count"), ("cpc", "yuan"), ("roi", "ratio")))]
