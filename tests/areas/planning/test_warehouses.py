"""Stock in several warehouses: the shop's stock is their sum (every figure as for one
warehouse holding it all), and a warehouse out of a product while another holds it is a
stock-out of that warehouse, not of the shop."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.planning import stock, views
from helpers.core.shop import connect

DAYS = ["2026-01-01", "2026-01-08", "2026-01-15"]


def _shop(folder, frame):
    folder.mkdir()
    frame.to_csv(folder / "inventory.csv", index=False)
    return connect(folder)


def _two_warehouses(tmp_path):
    # p: 杭州仓 runs out on Jan 8 while 广州仓 still holds it; q: only in 杭州仓
    rows = [(d, "杭州仓", "p", s) for d, s in zip(DAYS, [5, 0, 0], strict=True)]
    rows += [(d, "广州仓", "p", s) for d, s in zip(DAYS, [10, 8, 6], strict=True)]
    rows += [(d, "杭州仓", "q", s) for d, s in zip(DAYS, [4, 4, 4], strict=True)]
    two = pd.DataFrame(rows, columns=["日期", "仓库", "商品ID", "库存"])
    one = two.groupby(["日期", "商品ID"], as_index=False)["库存"].sum()  # the same stock in one warehouse
    return _shop(tmp_path / "two", two), _shop(tmp_path / "one", one)


def _daily():
    return pd.DataFrame({"date": pd.to_datetime(["2026-01-05", "2026-01-12"]), "product_id": ["p", "p"],
                         "units": [7, 2], "sales": [70.0, 20.0]})


def test_the_shops_stock_is_the_sum_of_its_warehouses_and_equals_the_one_warehouse_figures(tmp_path):
    two, one = _two_warehouses(tmp_path)
    counts, single = stock.stock_counts(two), stock.stock_counts(one)
    pd.testing.assert_frame_equal(counts, single)
    assert counts[counts["date"] == DAYS[-1]].set_index("product_id")["stock"].to_dict() == {"p": 6, "q": 4}
    daily = _daily()
    pd.testing.assert_frame_equal(stock.stock_history(daily, counts, None), stock.stock_history(daily, single, None))
    pd.testing.assert_frame_equal(stock.summarize_stock(daily, counts.groupby("product_id", as_index=False).last(),
                                                        None),
                                  stock.summarize_stock(daily, single.groupby("product_id", as_index=False).last(),
                                                        None))


def test_one_warehouse_out_and_the_other_not_is_a_warehouse_stockout_not_the_shops(tmp_path):
    two, _ = _two_warehouses(tmp_path)
    daily, counts = _daily(), stock.stock_counts(two)
    history = stock.stock_history(daily, counts, None)
    assert stock.find_stockouts(stock.out_of_stock_days(history, None), min_days=1).empty
    per = stock.summarize_warehouses(daily, stock.warehouse_counts(two))
    assert bool(per.loc[("杭州仓", "p"), "out_now"]) and per.loc[("杭州仓", "p"), "out_counts"] == 2
    assert not per.loc[("广州仓", "p"), "out_now"] and per.loc[("广州仓", "p"), "stock"] == 6
    assert not per.loc[("杭州仓", "q"), "out_now"]
    # 9 units of p sold in the 30 days to Jan 15: 广州仓's 6 last 6 / (9 / 30 x 7) weeks at the shop's pace
    assert per.loc[("广州仓", "p"), "weeks_cover"] == pytest.approx(6 / (9 / 30 * 7))
    assert per.loc[("杭州仓", "p"), "weeks_cover"] == 0 and per.loc[("杭州仓", "q"), "weeks_cover"] == float("inf")
    text = views.describe_warehouses(per, "en")
    assert "2 warehouses" in text and "1 (warehouse, product) pairs" in text and "1 of these products" in text


def test_a_one_warehouse_shop_has_no_split_and_says_why(tmp_path):
    _, one = _two_warehouses(tmp_path)
    assert stock.warehouse_counts(one)["warehouse"].unique().tolist() == ["全部"]
    assert "one warehouse" in views.describe_warehouses(None, "en")
