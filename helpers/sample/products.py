"""The shop's catalogue: products, their list prices over time and the price test.

Draws from the main stream: products first, then their price paths. Writes the ``products``
table (list price of the last day). Truth: each product's popularity, reference price and
category (``products``), every price change (``price_effect.changes``) and the main
product's raised price during the price_change anomaly (``anomalies``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .calendar import _dates, _day_index, _iso_date
from .draws import _unique_ids
from .specs import (
    ANOMALIES,
    CATEGORIES,
    N_DAYS,
    NEW_PRODUCT_RAMP_DAYS,
    PRICE_CHANGE_MULTIPLIERS,
    START,
    CategorySpec,
)
from .writers import _take


def _round_price(yuan: np.ndarray) -> np.ndarray:
    """Shop-style prices ending in 9 (19, 39, 129, ...), in cents."""
    tens = np.maximum(np.rint(np.asarray(yuan) / 10.0), 2)
    return (tens * 10 - 1).astype(np.int64) * 100


def _titles(rng: np.random.Generator, cat: CategorySpec, launch: np.ndarray) -> list[str]:
    """Listing titles built from the category's word slots, unique within the shop."""
    titles: list[str] = []
    for day in launch:
        words = [slot[rng.integers(len(slot))] for slot in cat.words]
        year = int(str(START + np.timedelta64(int(day), "D"))[:4])
        prefix = f"{year}新款" if (cat.apparel and year >= 2024) else cat.brand
        title = " ".join([prefix, *words])
        suffix = 2
        while title in titles:  # two products drew the same words
            title = " ".join([prefix, *words, f"{suffix}号款"])
            suffix += 1
        titles.append(title)
    return titles


def _build_products(rng: np.random.Generator) -> dict:
    """Product master data and the demand parameters behind each product."""
    cat_idx, launch, price0, titles = [], [], [], []
    for ci, cat in enumerate(CATEGORIES):
        n = cat.n_products
        before = rng.random(n) < 0.55  # listings that existed before the period
        old = rng.integers(_day_index("2023-03-01"), 0, size=n)
        new = rng.integers(0, _day_index("2026-09-30"), size=n)
        days = np.where(before, old, new)
        lo, hi = cat.price_range
        price = _round_price(np.exp(rng.uniform(np.log(lo), np.log(hi), size=n)))
        cat_idx.append(np.full(n, ci))
        launch.append(days)
        price0.append(price)
        titles.extend(_titles(rng, cat, days))
    cat_arr = np.concatenate(cat_idx)
    n_products = len(cat_arr)
    cost_ratio = np.array([CATEGORIES[c].cost_ratio for c in cat_arr])
    p0 = np.concatenate(price0)
    return {
        "id": _unique_ids(rng, n_products, 600_000_000_000, 700_000_000_000).astype(str),
        "category": cat_arr,
        "launch": np.concatenate(launch),
        "price0": p0,
        "cost": np.rint(p0 * cost_ratio * rng.uniform(0.9, 1.1, n_products)).astype(np.int64),
        "popularity": rng.lognormal(0.0, 0.9, n_products),
        "title": titles,
    }


def _price_paths(rng: np.random.Generator, products: dict) -> tuple[np.ndarray, list[dict]]:
    """List price (cents) of every product on every day, and the price-change events."""
    n = len(products["price0"])
    price = np.repeat(products["price0"][None, :], N_DAYS, axis=0)
    events = []
    for j in range(n):
        first = max(int(products["launch"][j]), 0) + 14
        if first >= N_DAYS - 7:
            continue
        k = min(1 + rng.poisson(1.5), 4)
        days = np.unique(rng.integers(first, N_DAYS - 7, size=k))
        current = int(products["price0"][j])
        for day in days:
            mult = PRICE_CHANGE_MULTIPLIERS[rng.integers(len(PRICE_CHANGE_MULTIPLIERS))]
            new = int(_round_price(products["price0"][j] / 100 * mult))
            if new == current:
                continue
            price[day:, j] = new
            events.append({"product_id": str(products["id"][j]), "date": _iso_date(day),
                           "old_price": current / 100, "new_price": new / 100})
            current = new
    return price, events


def _apply_price_anomalies(products: dict, price: np.ndarray, events: list[dict]) -> dict[int, dict]:
    """Apply the price_change anomalies: the main product's list price is raised in the
    window and reverted after it (recorded as two price changes). Returns, per anomaly
    index, the product and prices."""
    out = {}
    cat_weight = np.array([c.weight for c in CATEGORIES])[products["category"]]
    for k, a in enumerate(ANOMALIES):
        if a.kind != "price_change":
            continue
        lo, hi = _day_index(a.start), _day_index(a.end)
        steady = (price[lo - 1:hi + 2] == price[lo - 1]).all(0)  # no other change around it
        mature = products["launch"] <= lo - NEW_PRODUCT_RAMP_DAYS
        j = int(np.argmax(products["popularity"] * cat_weight * steady * mature))
        old = int(price[lo, j])
        new = int(_round_price(old / 100 * a.price_multiplier))
        price[lo:hi + 1, j] = new
        pid = str(products["id"][j])
        events.append({"product_id": pid, "date": _iso_date(lo), "old_price": old / 100,
                       "new_price": new / 100})
        events.append({"product_id": pid, "date": _iso_date(hi + 1), "old_price": new / 100,
                       "new_price": int(price[hi + 1, j]) / 100})
        out[k] = {"product_id": pid, "old_price": old / 100, "new_price": new / 100}
    return out


def _product_columns(products: dict, price: np.ndarray) -> dict[str, pa.Array]:
    """Typed products columns; list_price is the price on the last day."""
    brands = [CATEGORIES[c].brand for c in products["category"]]
    return {
        "product_id": pa.array(list(products["id"]), pa.string()),
        "title": pa.array(products["title"], pa.string()),
        "category": _take([c.name for c in CATEGORIES], products["category"]),
        "brand": pa.array(brands, pa.string()),
        "unit_cost": pa.array(products["cost"] / 100.0),
        "list_price": pa.array(price[-1] / 100.0),
        "launch_date": _dates(products["launch"]),
    }
