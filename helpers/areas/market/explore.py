"""The market Explore section: pick a category and a number of price bands, see its size and bands.

The view calls the same helpers as the report's sections; their notes are the report's
(already listed in its Notes section), so the view computes quietly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpers.areas.market.bands import price_bands, quantile_edges
from helpers.areas.market.charts import plot_size
from helpers.areas.market.options import list_categories
from helpers.areas.market.size import listing_sales, market_size
from helpers.areas.market.tables import bands_table
from helpers.core.notes import quiet
from helpers.i18n import label
from helpers.present import explore

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration
    from helpers.core.shop import Shop

BAND_COUNTS = (3, 4, 5, 6)


def explore_controls(shop: Shop, category: str, lang: str) -> dict:
    """Selectors of the Explore section: the category (default ``category``) and the number of
    quantile price bands (default 4)."""
    return {"category": explore.choice(list_categories(shop), category, label("category", lang)),
            "n_bands": explore.choice(list(BAND_COUNTS), 4, label("n_bands", lang))}


def render_explore(shop: Shop, cal: Calibration | None, data_end: Any, category: str, n_bands: int, lang: str) -> list:
    """One category's size chart and its price bands cut into ``n_bands`` quantile bands."""
    with quiet():
        s = listing_sales(shop, cal, category)
        size = market_size(s, cal, data_end)
        bands = price_bands(s, quantile_edges(s, int(n_bands)))
    return [plot_size(size, lang), bands_table(bands, lang)]
