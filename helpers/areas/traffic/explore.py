"""The traffic report's Explore section: pick a source, a metric, the dates and the 口径, and
see the source's funnel and its daily figure (the shared slice engine,
:mod:`helpers.present.slices`, without categories: traffic has none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas.traffic.calc import build_funnel
from helpers.areas.traffic.views import funnel_table
from helpers.core.calendar import Period
from helpers.i18n import label
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
