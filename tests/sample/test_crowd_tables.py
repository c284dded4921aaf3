"""The sample shop's crowd report and product impressions agree with the tables already written:
a 引力魔方 plan's crowd clicks, spend, orders and amount add up to its row in ``ads``, and every
product row was shown at least as often as it was visited."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{name}.csv", dtype={"product_id": str})


def test_crowd_figures_add_up_to_their_plans_row_in_ads_every_day():
    crowds, ads = read("ad_crowds"), read("ads")
    summed = crowds.groupby(["date", "plan"])[["clicks", "spend", "attributed_orders", "attributed_amount"]].sum()
    plans = ads.set_index(["date", "plan"]).loc[summed.index, summed.columns]
    assert len(summed) > 1000 and set(crowds["plan"]) == set(ads.loc[ads["channel"] == "引力魔方", "plan"])
    assert (summed[["clicks", "attributed_orders"]] == plans[["clicks", "attributed_orders"]]).all().all()
    assert ((summed[["spend", "attributed_amount"]] - plans[["spend", "attributed_amount"]]).abs() < 0.005).all().all()


def test_the_losing_crowd_is_planted_and_no_other(truth):
    planted = truth["ad_crowds"]
    assert planted["losing_crowds"] == [c for c, v in planted["crowds"].items() if v["expected_roi"] < 1.3]
    assert len(planted["losing_crowds"]) == 1


def test_product_impressions_are_never_below_visitors_and_follow_the_true_ctr(truth):
    pt = read("product_traffic")
    assert (pt["impressions"] >= pt["visitors"]).all()
    sums = pt.groupby("product_id")[["visitors", "impressions"]].sum()
    true = pd.Series({p: v["ctr"] for p, v in truth["product_traffic"]["products"].items()})
    ratio = (sums["visitors"] / sums["impressions"]) / true.reindex(sums.index)
    assert ratio.between(0.9, 1.1).mean() > 0.95
