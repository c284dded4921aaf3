"""The Explore section: selectors over the reviews and the view of one slice."""

from __future__ import annotations

import pandas as pd

from helpers.areas.service import explore, reviews
from helpers.present.explore import ALL
from tests.areas.service.conftest import MARCH


def test_controls_offer_categories_and_the_most_reviewed_products(shop):
    found = reviews.load_reviews(shop, MARCH)
    controls = explore.explore_controls(found, "zh")
    assert [v for _, v in controls["category"].options] == [ALL, "女装", "家居"]
    assert controls["product"].options[0][0] == "全部"
    assert [v for _, v in controls["product"].options][1] == "p1"  # three reviews before p2's one
    assert controls["category"].description == "类目"
    assert explore.explore_controls(found, "en")["product"].description == "Product"


def test_reviews_without_words_give_a_view_not_a_crash():
    found = pd.DataFrame({"order_id": [f"o{i}" for i in range(40)], "product_id": "p1", "rating": [1, 1, 5, 1] * 10,
                          "text": pd.Series(["此用户没有填写评价。", None, "", "  "] * 10, dtype="str"),
                          "category": "c", "title": "t", "review_time": pd.Timestamp("2026-03-05")})
    found["verdict"] = reviews.review_verdict(found["rating"])
    view = explore.render_explore(found, MARCH, None, "p1", "en")
    assert len(view) == 2 and view[0].data.empty


def test_an_empty_slice_says_there_is_no_data(shop):
    found = reviews.load_reviews(shop, MARCH)
    view = explore.render_explore(found, MARCH, "没有的类目", None, "en")
    assert len(view) == 1 and "No data" in view[0].to_html()
    view = explore.render_explore(found, MARCH, "家居", None, "zh")
    assert len(view) == 2 and "关键词" in view[0].to_html()
