"""Campaign readiness: each failed threshold is named as a reason."""

from __future__ import annotations

import pandas as pd

from helpers.areas.planning.readiness import Thresholds, check_readiness


def test_each_product_lists_the_thresholds_it_fails():
    last = pd.Timestamp("2026-11-15")
    days = pd.date_range(end=last, periods=30, freq="D")
    daily = pd.concat([pd.DataFrame({"date": days, "product_id": "good", "units": 1, "sales": 100.0}),
                       pd.DataFrame({"date": days[-3:], "product_id": "weak", "units": 1, "sales": [50.0, 40.0, 50.0]})])
    products = pd.DataFrame({"product_id": ["good", "weak"], "list_price": [100.0, 50.0]})
    reviews = pd.DataFrame({"review_time": [last] * 6, "product_id": ["good"] * 5 + ["weak"], "rating": [5] * 6})
    out = check_readiness(daily, products, pd.Series({"good": 80, "weak": 10}), 4.8, reviews, last,
                          Thresholds(min_sales_30d=10, campaign_discount=0.9, min_stock=50, min_rating=4.5))
    assert out.loc["good", "ready"] and out.loc["good", "reasons"] == []
    # 3 units, campaign price 45 above the lowest price 40, 10 in stock, a single review
    assert out.loc["weak", "reasons"] == ["sales_30d", "lowest_price", "stock", "rating"]
