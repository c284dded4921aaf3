"""The shop at day grain: every frame adds up the order lines it comes from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.frames import load_frames
from helpers.core.notes import MetricNote
from helpers.core.shop import connect
from tests.areas.campaigns.sample_shop import SAMPLE, sample_folder


@pytest.mark.recovery  # builds a shop of its own from the sample (several seconds)
def test_day_frames_add_up_the_order_lines_they_come_from(tmp_path):
    """Every frame of load_frames equals the same sums and distinct counts taken line by line
    in pandas, with a product missing from the products table (its lines have no category
    and no cost) and a campaign-tagged product among them."""
    sample_folder(tmp_path, drop=("products",))
    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})
    lines = connect(SAMPLE).table("orders").execute()
    paid = lines[(lines["status"] == "paid") & lines["pay_time"].notna()].copy()
    tagged_product = paid.loc[paid["campaign_id"].notna(), "product_id"].value_counts().index[0]
    products[products["product_id"] != tagged_product].to_csv(tmp_path / "products.csv", index=False)
    frames = load_frames(connect(tmp_path))

    paid = paid.merge(products.loc[products["product_id"] != tagged_product, ["product_id", "category", "unit_cost"]],
                      on="product_id", how="left")
    paid["date"] = paid["pay_time"].dt.normalize()
    paid["list_value"] = paid["list_price"] * paid["quantity"]
    paid["cost"] = paid["quantity"] * paid["unit_cost"]
    by_day = paid.groupby("date")
    daily = frames.daily.loc[frames.daily["orders"] > 0]
    np.testing.assert_allclose(daily["sales"], by_day["paid_amount"].sum(), rtol=1e-12)
    np.testing.assert_allclose(daily["cost"], by_day["cost"].sum(), rtol=1e-12)
    np.testing.assert_allclose(daily["costed_list_value"],
                               paid.assign(v=paid["list_value"].where(paid["unit_cost"].notna(), 0.0))
                               .groupby("date")["v"].sum(), rtol=1e-12)
    assert daily["orders"].tolist() == by_day["order_id"].nunique().tolist()
    assert daily["buyers"].tolist() == by_day["customer_id"].nunique().tolist()
    assert daily["units"].tolist() == by_day["quantity"].sum().tolist()
    firsts = paid.dropna(subset=["customer_id"]).groupby("customer_id")["date"].min().value_counts()
    assert frames.new_buyers[frames.new_buyers > 0].to_dict() == firsts.astype(float).sort_index().to_dict()

    tagged = paid[paid["campaign_id"].notna()]
    expected = tagged.groupby(["date", "campaign_id"]).agg(
        paid=("paid_amount", "sum"), lines=("order_id", "size"), orders=("order_id", "nunique"),
        units=("quantity", "sum"), cost=("cost", "sum"))
    got = frames.campaign_daily.set_index(["date", "campaign_id"]).sort_index()
    assert got.index.equals(expected.index)
    assert (got["lines"] == expected["lines"]).all() and (got["orders"] == expected["orders"]).all()
    assert (got["units"] == expected["units"]).all()
    np.testing.assert_allclose(got["paid"], expected["paid"], rtol=1e-12)
    np.testing.assert_allclose(got["cost"], expected["cost"], rtol=1e-12)

    cats = frames.campaign_categories.set_index(["campaign_id", "category"])["lines"]
    expected = tagged.groupby(["campaign_id", "category"], dropna=False).size()
    assert cats.sort_index().to_dict() == expected.sort_index().to_dict()
    assert cats.index.get_level_values("category").isna().any()  # the missing product's lines
    category = frames.category_daily.loc[daily.index]
    assert "?" in category.columns
    np.testing.assert_allclose(category["?"], paid.assign(on=paid["paid_amount"].where(paid["category"].isna(), 0.0))
                               .groupby("date")["on"].sum(), rtol=1e-12)
    np.testing.assert_allclose(category.sum(axis=1), daily["sales"], rtol=1e-12)

    refunds = pd.read_csv(SAMPLE / "refunds.csv", dtype={"order_id": str, "product_id": str},
                          parse_dates=["refund_time"])
    refunds = refunds.groupby(["order_id", "product_id"], as_index=False).agg(
        refund_time=("refund_time", "max"), refund_amount=("refund_amount", "sum"))
    joined = paid.merge(refunds, on=["order_id", "product_id"], how="left")
    cohorts = frames.refund_cohorts.set_index(["date", "campaign_id", "category"]).sort_index()
    expected = (joined.assign(campaign_id=joined["campaign_id"].fillna(""), category=joined["category"].fillna("?"),
                              refunded=joined["refund_amount"].notna())
                .groupby(["date", "campaign_id", "category"])
                .agg(lines=("order_id", "size"), refund_lines=("refunded", "sum"),
                     refund_amount=("refund_amount", "sum")))
    assert cohorts.index.equals(expected.index)
    assert (cohorts["lines"] == expected["lines"]).all() and (cohorts["refund_lines"] == expected["refund_lines"]).all()
    np.testing.assert_allclose(cohorts["refund_amount"], expected["refund_amount"], rtol=1e-12)
    refunded = joined[joined["refund_amount"].notna()]
    delays = np.floor((refunded["refund_time"] - refunded["pay_time"]).dt.total_seconds() / 86400)
    assert frames.refund_delays.to_dict() == delays.astype(int).value_counts().astype(float).sort_index().to_dict()


def test_lines_without_a_customer_are_not_buyers(anonymous_buyers):
    """An empty customer_id (a warehouse export's "", or spaces) is no buyer and no first-time
    buyer; the note says how many lines in both languages."""
    with pytest.warns(MetricNote, match="4 of 7 paid order lines have an empty customer_id") as caught:
        frames = load_frames(connect(anonymous_buyers))
    (note,) = [w.message.note for w in caught if "empty customer_id" in str(w.message)]
    assert "7 条已支付订单行中有 4 条买家ID为空" in note.zh
    assert frames.daily["buyers"].tolist() == [1, 1, 1]
    assert frames.daily["orders"].tolist() == [3, 2, 2]
    assert frames.daily["sales"].tolist() == [180.0, 100.0, 100.0]  # anonymous lines still sell
    assert frames.new_buyers.tolist() == [1, 1, 0]
    assert frames.campaigns.empty and frames.ads_daily is None and frames.refund_cohorts is None


def test_a_shop_without_paid_lines_has_nothing_to_review(tmp_path):
    pd.DataFrame({
        "order_id": ["o1"], "order_time": pd.to_datetime(["2026-11-10 10:00"]), "pay_time": pd.NaT,
        "customer_id": ["c1"], "product_id": "p1", "quantity": 1, "list_price": 10.0, "paid_amount": 0.0,
        "source": "搜索", "campaign_id": None, "status": "unpaid",
    }).to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(ValueError, match="no paid line"):
        load_frames(connect(tmp_path))
