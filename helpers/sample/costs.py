"""The sample shop's costs besides the goods: the ``costs`` table and its truth.

The shop sells on 天猫 and ships free from ¥199 (below it the buyer pays the freight, so the
``ship-2025-07`` 满99包邮 campaign pays the freight of its orders between ¥99 and ¥199). Per
category: the commission of the Tmall schedule and the weight of a unit; the share of returns
that cannot be sold again is higher where opened goods cannot go back on the shelf. Nothing
here draws a random number: every other table is byte-identical with or without it. The
orders do not depend on these costs (they are what the shop pays, not what buyers see).
"""

from __future__ import annotations

import pyarrow as pa

from .specs import CATEGORIES

PLATFORM = "天猫"
VALID_FROM = "2025-01-01"
#: The platform-wide row (per-order items and the defaults of the per-category ones).
SHOP_COSTS = {"commission_rate": 0.05, "payment_fee_rate": 0.006, "freight_first": 4.5, "freight_extra": 2.0,
              "unit_weight_kg": 0.5, "free_shipping_over": 199.0, "shipping_insurance": 0.9, "packaging": 1.2,
              "gift_cost": 0.5, "coupon_cost": 0.0, "return_freight": 4.0, "unsellable_share": 0.1}
#: Per category: commission_rate, unit_weight_kg, unsellable_share.
CATEGORY_COSTS = {
    "女装连衣裙": (0.05, 0.4, 0.05),
    "女装T恤": (0.05, 0.25, 0.05),
    "男装衬衫": (0.05, 0.35, 0.05),
    "厨房用品": (0.05, 1.5, 0.1),
    "家居收纳": (0.05, 0.8, 0.1),
    "母婴用品": (0.03, 0.6, 0.3),
    "美妆护肤": (0.04, 0.3, 0.5),
}
ITEMS = tuple(SHOP_COSTS)
CATEGORY_ITEMS = ("commission_rate", "unit_weight_kg", "unsellable_share")


def _costs() -> tuple[dict, dict]:
    """The ``costs`` table's columns (a platform-wide row, then a row per category) and its truth."""
    names = [c.name for c in CATEGORIES]
    if set(names) != set(CATEGORY_COSTS):
        raise ValueError("CATEGORY_COSTS must name every category of the sample shop")
    rows = [{"category": "*", **SHOP_COSTS}]
    rows += [{"category": n, **dict(zip(CATEGORY_ITEMS, CATEGORY_COSTS[n], strict=True))} for n in names]
    columns = {"platform": pa.array([PLATFORM] * len(rows)), "category": pa.array([r["category"] for r in rows]),
               "valid_from": pa.array([VALID_FROM] * len(rows)).cast(pa.date32())}
    for item in ITEMS:
        columns[item] = pa.array([r.get(item) for r in rows], pa.float64())
    truth = {"platform": PLATFORM, "valid_from": VALID_FROM, "shop": dict(SHOP_COSTS),
             "categories": {n: dict(zip(CATEGORY_ITEMS, CATEGORY_COSTS[n], strict=True)) for n in names},
             "model": "helpers.core.costs: per-order items from the platform-wide row, commission, unit "
                      "weight and unsellable share per category; freight = first + extra x ceil(weight - 1 kg) "
                      "on orders paid at least free_shipping_over"}
    return columns, truth
