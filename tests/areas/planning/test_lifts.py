"""Campaign lift per product: a product's own lift where its data is rich, its category's where it
is thin, and on the sample shop the generator's per-product lift inside the intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.planning import forecast
from helpers.areas.planning.setup import load_planning

CAMPAIGN = pd.Series({"start": "2026-03-01", "end": "2026-03-04", "warmup_start": None})


def _shop(rates: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Daily units: (baseline per day, event per day) for each product, 40 ordinary days then 4 event days."""
    days = pd.date_range("2026-01-20", "2026-03-04", freq="D")
    event = days >= "2026-03-01"
    return pd.DataFrame([(d, p, e if ev else b, 10.0) for p, (b, e) in rates.items()
                         for d, ev in zip(days, event, strict=True)], columns=["date", "product_id", "units", "sales"])


def test_a_well_selling_product_keeps_its_own_lift_and_a_rare_one_leans_on_its_category():
    rates = {f"p{i}": (20.0, 20.0 * (1.5 + 0.25 * i)) for i in range(6)} | {"rare": (0.1, 1.0)}
    daily = _shop(rates)
    daily = daily[daily["units"] > 0]
    abnormal = pd.Series("", index=pd.date_range("2026-01-20", "2026-03-04", freq="D"))
    cats = pd.Series("cups", index=list(rates))
    lifts = forecast.product_lifts(daily, CAMPAIGN, abnormal, cats)
    assert lifts.loc["p5", "raw_lift"] == pytest.approx(2.75)
    assert lifts.loc["p5", "weight"] > 0.9 and lifts.loc["p5", "lift"] == pytest.approx(2.75, rel=0.05)
    assert lifts.loc["p5", "lift_low"] < 2.75 < lifts.loc["p5", "lift_high"]
    # 0.1 a day before, 1 a day in the event (raw 10x): a handful of units, pulled to the category
    assert lifts.loc["rare", "weight"] < 0.5
    assert abs(np.log(lifts.loc["rare", "lift"] / lifts.loc["rare", "category_lift"])) < np.log(10) / 2


def test_days_that_move_every_product_together_widen_the_interval():
    """30 products of one category sell 30 a day each, times a day effect they share (log-normal,
    CV 20%: a shop's conversion varies from day to day beyond chance), and the 4 event days lift
    each by its own true lift (1.5-2.5). The common day effect of 4 days moves every product's
    lift together by about 10%: the 90% intervals must carry it (Poisson alone gives ±1%)."""
    days = pd.date_range("2026-01-20", "2026-03-04", freq="D")
    event = np.asarray(days >= "2026-03-01")
    true = pd.Series(np.linspace(1.5, 2.5, 30), index=[f"p{i}" for i in range(30)])
    abnormal = pd.Series("", index=days)
    cats = pd.Series("cups", index=true.index)
    covered = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        shared = np.exp(rng.normal(-0.02, 0.198, len(days)))  # CV 20%, mean 1
        rows = [(d, p, u, u * 10.0) for p, lift in true.items()
                for d, u in zip(days, rng.poisson(30 * shared * np.where(event, lift, 1.0)), strict=True)]
        daily = pd.DataFrame(rows, columns=["date", "product_id", "units", "sales"])
        lifts = forecast.product_lifts(daily, CAMPAIGN, abnormal, cats).loc[true.index]
        covered.append(((lifts["lift_low"] <= true) & (true <= lifts["lift_high"])).mean())
    assert np.mean(covered) >= 0.8, np.mean(covered)


@pytest.mark.recovery
@pytest.mark.parametrize("campaign_id", ["bogo-2026-04", "nhj-2026"])
def test_the_sample_shops_per_product_lift_is_recovered_within_its_intervals(seeded, campaign_id):
    shop, truth, _ = seeded
    data = load_planning(shop)
    row = data.campaigns.set_index("campaign_id").loc[campaign_id]
    lifts = forecast.product_lifts(data.daily, row, data.abnormal, data.products.set_index("product_id")["category"],
                                   data.out_of_stock, confidence=0.9)
    true = pd.Series(truth["product_lift"]["campaigns"][campaign_id])
    est = lifts.loc[true.index]
    inside = (est["lift_low"] <= true) & (true <= est["lift_high"])
    # 90% intervals; the baseline weeks before the campaign are not its counterfactual (season moves), so
    # a little under nominal
    assert len(true) > 50 and inside.mean() >= 0.72, inside.mean()
    # where the products' true lifts differ (买一送一 lifts its category only: SD of the log lifts 0.62),
    # the per-product lift is closer to each product's truth than the shop's one lift; where they
    # hardly differ (年货节 2026: SD 0.07) the shop's lift is as good: on 4 seeds of the sample with its
    # day effect on conversion it was closer on all 4 (median errors 0.08 against 0.11 on average)
    if np.log(true).std() > 0.2:
        shop_lift = data.lifts.loc[campaign_id, "lift"]
        own = np.abs(np.log(est["lift"] / true)).median()
        assert own < np.abs(np.log(shop_lift / true)).median()
