"""The product report's Explore section: pick a category and what to rank by; its products
and their Pareto curve redraw (:func:`helpers.present.explore.explore` shows the default
slice in batch runs)."""

from __future__ import annotations

import pandas as pd

from helpers.areas.products.charts import plot_pareto
from helpers.areas.products.tables import table
from helpers.i18n import label
from helpers.present.explore import choice
from helpers.present.tables import style_table

RANK_BY = ("sales", "contribution", "units", "contribution_margin")


def explore_controls(portfolio: pd.DataFrame, lang: str) -> dict:
    """Selectors of the Explore section: category (or all) and the value to rank by."""
    cats = sorted(portfolio["category"].dropna().unique())
    by = {label(k, lang): k for k in RANK_BY}
    return {"category": choice(cats, None, label("category", lang), all_label=label("all", lang)),
            "by": choice(by, "sales", label("rank_by", lang))}


def render_explore(portfolio: pd.DataFrame, category: str | None, by: str = "sales", lang: str = "zh") -> list:
    """The Explore view: the slice's products ranked by ``by`` (top 30) and its Pareto curve."""
    subset = portfolio if not category else portfolio[portfolio["category"] == category]
    if subset.empty:
        return [style_table(pd.DataFrame({"": [label("no_data", lang)]}), lang=lang, hide_index=True)]
    ranked = subset.sort_values(by, ascending=False)
    return [table(ranked, "portfolio", lang, top=30), plot_pareto(subset, lang)]
