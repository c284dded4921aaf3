"""The market notebook's own parameters and the category it analyses.

Parameters arrive as plain text from the notebook's ``parameters`` cell; each check raises a
``ValueError`` that names the parameter and shows a value that works.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from helpers.core.shop import Shop


def parse_list(value: str, name: str) -> list[str]:
    """Split a comma-separated parameter (commas ``,`` or ``，``) into its non-empty items.

    Raises
    ------
    ValueError
        naming ``name`` when ``value`` is not text.
    """
    if not isinstance(value, str):
        raise ValueError(f"parameter {name}={value!r} must be text, items separated by commas")
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


def parse_edges(value: str) -> list[float] | None:
    """Inner price band edges (元) from the ``price_bands`` parameter (``"100,150,200"``); None when empty.

    Raises
    ------
    ValueError
        when an item is not a number, or the edges are not positive and increasing.
    """
    items = parse_list(value, "price_bands")
    if not items:
        return None
    try:
        edges = [float(v) for v in items]
    except ValueError:
        raise ValueError(f"parameter price_bands={value!r} must be prices in yuan separated by commas, "
                         "e.g. 100,150,200") from None
    if any(e <= 0 for e in edges) or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"parameter price_bands={value!r} must be positive and increasing, e.g. 100,150,200")
    return edges


def check_options(*, price_bands: str = "", top_n: int = 5, confidence: float = 0.9, fake_threshold: float = 0.5,
                  price_change_threshold: float = 0.05, weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
                  include_fake_orders: bool = False) -> None:
    """Check the notebook's own parameters.

    Raises
    ------
    ValueError
        naming the parameter and the fix: band edges that are not increasing prices, a
        ``top_n`` below 1, a ``confidence`` outside [0.5, 1), a ``fake_threshold`` <= 0, a
        ``price_change_threshold`` outside [0, 1), weights that are negative or sum to 0, or an
        ``include_fake_orders`` that is not True or False.
    """
    parse_edges(price_bands)
    if not isinstance(top_n, int | np.integer) or isinstance(top_n, bool) or top_n < 1:
        raise ValueError(f"parameter top_n={top_n!r} must be a whole number >= 1")
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.9")
    if not isinstance(fake_threshold, int | float) or fake_threshold <= 0:
        raise ValueError(f"parameter fake_threshold={fake_threshold!r} must be positive, e.g. 0.5")
    if not isinstance(price_change_threshold, int | float) or not 0 <= price_change_threshold < 1:
        raise ValueError(f"parameter price_change_threshold={price_change_threshold!r} must be in [0, 1), e.g. 0.05")
    if not isinstance(include_fake_orders, bool | np.bool_):
        raise ValueError(f"parameter include_fake_orders={include_fake_orders!r} must be True or False")
    if any(not isinstance(w, int | float) or w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError(f"weights {weights!r} (weight_demand, weight_growth, weight_competition) must be "
                         "non-negative with a positive sum")


def list_categories(shop: Shop) -> list[str]:
    """Categories of the market table, largest by listing-months first (ties by name)."""
    t = shop.table("market")
    counts = t.group_by("category").aggregate(n=t.count()).execute()
    return list(counts.sort_values(["n", "category"], ascending=[False, True])["category"])


def resolve_category(shop: Shop, category: str) -> str:
    """The category to analyse: as given (checked), or the one where our own listings sell most.

    Our sales of a category = Σ units × price over our listing-months with units; without
    any, the largest category (:func:`list_categories`).

    Raises
    ------
    ValueError
        for a category that is not in the market table, naming the known ones and the closest.
    """
    known = list_categories(shop)
    if category:
        if category not in known:
            close = difflib.get_close_matches(category, known, n=3, cutoff=0.3)
            raise ValueError(f"category={category!r} is not in the market table; known: {', '.join(known)}"
                             + (f" (did you mean {', '.join(close)}?)" if close else ""))
        return category
    t = shop.table("market")
    own = t.filter(t.is_own & t.units.notnull())
    by_cat = own.group_by("category").aggregate(sales=(own.units * own.price).sum()).execute()
    if by_cat.empty or not (by_cat["sales"] > 0).any():
        return known[0]
    return str(by_cat.sort_values(["sales", "category"], ascending=[False, True])["category"].iloc[0])
