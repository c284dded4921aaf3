"""Tests for helpers.areas.market.options: the notebook's own parameters and the category."""

from __future__ import annotations

import pytest

from helpers.areas.market import options
from tests.areas.market.small import row, write_market


def test_bad_parameters_name_the_parameter():
    with pytest.raises(ValueError, match="price_bands"):
        options.check_options(price_bands="200,100")
    with pytest.raises(ValueError, match="price_bands"):
        options.check_options(price_bands="a,b")
    with pytest.raises(ValueError, match="price_bands"):
        options.check_options(price_bands="0,100")
    with pytest.raises(ValueError, match="weights"):
        options.check_options(weights=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="weights"):
        options.check_options(weights=(1.0, -1.0, 1.0))
    with pytest.raises(ValueError, match="top_n"):
        options.check_options(top_n=0)
    with pytest.raises(ValueError, match="top_n"):
        options.check_options(top_n=True)
    with pytest.raises(ValueError, match="confidence"):
        options.check_options(confidence=1.0)
    with pytest.raises(ValueError, match="fake_threshold"):
        options.check_options(fake_threshold=0)
    with pytest.raises(ValueError, match="price_change_threshold"):
        options.check_options(price_change_threshold=1.0)
    with pytest.raises(ValueError, match="competitors"):
        options.parse_list(5, "competitors")
    options.check_options()  # the notebook's defaults pass
    assert options.parse_edges("100，150, 200") == [100.0, 150.0, 200.0]
    assert options.parse_edges("") is None
    assert options.parse_list(" a ，b,, c", "competitors") == ["a", "b", "c"]


def test_unknown_category_is_named_with_the_closest(tmp_path):
    shop = write_market(tmp_path, [{**row("2025-01-01", "A", "1", 10), "category": "女装连衣裙"},
                                   {**row("2025-01-01", "A", "2", 10), "category": "美妆护肤"}])
    with pytest.raises(ValueError, match="not in the market table.*did you mean 女装连衣裙"):
        options.resolve_category(shop, "女装连衣")
    assert options.resolve_category(shop, "美妆护肤") == "美妆护肤"


def test_default_category_is_where_we_sell_most_else_the_largest(tmp_path):
    rows = [row("2025-01-01", "A", "1", 10), row("2025-02-01", "A", "1", 10), row("2025-01-01", "Own", "2", 5, own=True)]
    rows += [{**row("2025-01-01", "Own", "3", 50, own=True), "category": "d"}]
    shop = write_market(tmp_path, rows)
    assert options.list_categories(shop) == ["c", "d"]  # c has 3 listing-months, d one
    assert options.resolve_category(shop, "") == "d"  # our ¥5,000 in d against ¥500 in c
    none_own = write_market(tmp_path / "none_own", [row("2025-01-01", "A", "1", 10), {**row("2025-01-01", "B", "2", 5),
                                                                         "category": "d"},
                                       {**row("2025-02-01", "B", "2", 5), "category": "d"}])
    assert options.resolve_category(none_own, "") == "d"  # no own sales: the largest category
