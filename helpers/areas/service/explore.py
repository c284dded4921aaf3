"""The after-sales Explore section: a category or product's complaint phrases and rating trend.

The selectors only pick a slice of the period's reviews; the view calls the same helpers as
the report (:func:`helpers.areas.service.phrases.complaint_phrases`,
:func:`helpers.areas.service.reviews.rating_trend`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.service.charts import plot_rating_trend
from helpers.areas.service.phrases import complaint_phrases
from helpers.areas.service.reviews import rating_trend
from helpers.areas.service.tables import phrases_table
from helpers.i18n import label
from helpers.present import explore
from helpers.present.tables import style_table

if TYPE_CHECKING:
    from helpers.core.calendar import Period


def explore_controls(reviews: pd.DataFrame, lang: str, top: int = 30) -> dict:
    """Selectors of the section: category and product (the ``top`` most reviewed ones)."""
    everything = label("all", lang)
    counts = reviews.groupby(["product_id", "title"]).size().sort_values(ascending=False).head(top)
    products = {f"{title} ({pid})": pid for pid, title in counts.index}
    categories = sorted(reviews["category"].dropna().unique())
    return {
        "category": explore.choice(categories, None, label("category", lang), all_label=everything),
        "product": explore.choice(products, None, label("product", lang), all_label=everything),
    }


def render_explore(reviews: pd.DataFrame, period: Period, category: str | None, product: str | None,
                   lang: str) -> list:
    """The view of one slice: what its bad reviews say (a table) and how its ratings moved (a chart).

    A product choice wins over the category choice (a product has one category).
    """
    subset = reviews
    if product:
        subset = reviews[reviews["product_id"] == product]
    elif category:
        subset = reviews[reviews["category"] == category]
    if subset.empty:
        return [style_table(pd.DataFrame({"": [label("no_data", lang)]}), lang=lang, hide_index=True)]
    phrases = complaint_phrases(subset, top=8)
    return [phrases_table(phrases, None, lang), plot_rating_trend(rating_trend(subset, period), lang)]
