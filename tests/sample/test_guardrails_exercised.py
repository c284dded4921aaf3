"""The sample shop is as noisy as real data, so the guardrails fire in the shipped reports.

Issue 23 asks for guardrails on every recommendation (not enough data, intervals, partial
months, extrapolation); each area tests them on a shop built to trip them. These tests check
that the seeded sample shop the reports run on trips them too, through the areas' own
functions, so a reader of the shipped reports sees them at work: sparse ad plans whose months
give "not enough data yet", plans whose ROI interval straddles break-even, commission plans
without a CPC, extrapolated market index values with widened intervals, fake-order listings
left out, the partial last month, campaign phases named, prices held inside the tested range
and pairs of products that are bought together by chance only.

The shop is generated here with the shipped seed and scale (about 10 s).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.customers import cohorts
from helpers.areas.market import calibration, competition, size
from helpers.areas.overview.calc import read_campaigns
from helpers.areas.products import baskets, portfolio, pricing
from helpers.areas.traffic.ads import review_ads, summarize_ads
from helpers.areas.traffic.roi import estimate_window_ratios
from helpers.areas.traffic.sentences import describe_ads
from helpers.core.calendar import Period
from helpers.core.notes import caught, quiet
from helpers.core.shop import connect
from helpers.sample import DEFAULT_SEED, generate_sample

pytestmark = pytest.mark.recovery

OCTOBER = Period(pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))
SEPTEMBER = Period(pd.Timestamp("2026-09-01"), pd.Timestamp("2026-09-30"))
WHOLE = Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-11-15"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample shop as shipped (default seed, scale 1), written to a temporary folder."""
    folder = tmp_path_factory.mktemp("sample")
    truth = generate_sample(folder, seed=DEFAULT_SEED)
    return connect(folder), truth, folder


@pytest.fixture(scope="module")
def october_ads(built):
    shop, _, _ = built
    with quiet():
        return review_ads(shop, OCTOBER)


def test_ad_plans_are_sparse_as_in_a_real_account(built):
    shop, truth, _ = built
    ads = shop.table("ads").execute()
    days = ads.groupby("plan")["date"].nunique()
    period_days = truth["period"]["days"]
    sparse = truth["ads"]["sparse_plans"]
    assert len(sparse) >= 2
    for plan in sparse:
        spec = truth["ads"]["plans"][plan]
        assert days[plan] == spec["days_with_rows"] < period_days, plan
        rows = ads[ads["plan"] == plan]
        assert rows["date"].min() == pd.Timestamp(spec["first_day"]), plan
        for pause in spec["paused"]:
            inside = rows["date"].between(pd.Timestamp(pause["start"]), pd.Timestamp(pause["end"]))
            assert not inside.any(), (plan, pause)
    # the channel's clicks still follow its visitors: the others take a paused plan's budget
    traffic = shop.table("traffic").execute()
    for channel in ("万相台",):
        clicks = ads[ads["channel"] == channel]["clicks"].sum()
        visitors = traffic[traffic["source"] == channel]["visitors"].sum()
        assert clicks / visitors == pytest.approx(truth["ads"]["clicks_per_visitor"], rel=0.01)


def test_october_ads_report_says_not_enough_data_for_the_sparse_plans(october_ads, built):
    _, truth, _ = built
    plans = october_ads.plans.droplevel("channel")
    for plan in truth["ads"]["sparse_plans"]:
        row = plans.loc[plan]
        assert row["verdict"] == "not_enough_data", (plan, row["verdict"])
        assert row["reason"] == "few_orders" and row["attributed_orders"] < 20, plan
    paused = next(p for p in truth["ads"]["sparse_plans"] if truth["ads"]["plans"][p]["paused"])
    assert plans.loc[paused, "days"] < OCTOBER.days  # days with rows, not calendar days
    # ... while other plans still get a verdict, and some intervals straddle break-even
    assert plans["verdict"].isin(["cut", "scale", "optimise"]).any()
    assert (plans["reason"] == "straddles").any()
    straddling = plans[plans["reason"] == "straddles"]
    assert ((straddling["roi_low"] < october_ads.breakeven) & (straddling["roi_high"] > october_ads.breakeven)).all()


def test_a_plan_started_days_before_month_end_has_too_few_days(built):
    shop, truth, _ = built
    with quiet():
        margin = review_ads(shop, SEPTEMBER).margin
        plans = summarize_ads(shop, SEPTEMBER, margin).droplevel("channel")
    late = [p for p in truth["ads"]["sparse_plans"] if truth["ads"]["plans"][p]["first_day"] > "2026-09-01"]
    assert late
    for plan in late:
        assert plans.loc[plan, "days"] < 5 and plans.loc[plan, "verdict"] == "not_enough_data", plan


def test_commission_plans_are_judged_on_their_commission_rate(october_ads):
    affiliate = october_ads.plans.xs("淘宝客", level="channel")
    assert affiliate["cpc"].isna().all() and affiliate["max_cpc"].isna().all()
    assert (affiliate["commission_rate"] > 0).all()
    assert affiliate["reason"].str.startswith("commission").all()


def test_the_shops_own_window_ratio_is_read_and_the_plans_compared_on_one_window(built, october_ads):
    shop, truth, _ = built
    changed = {p: s for p, s in truth["ads"]["plans"].items() if s["window_changes"]}
    assert len(changed) == 1  # one plan was reported under two attribution windows
    plan, spec = next(iter(changed.items()))
    short, long = sorted((spec["attribution_window_days"], spec["window_changes"][0]["days"]))
    true = truth["ads"]["window_ratios"][f"{short}-{long}"]
    ratio = estimate_window_ratios(shop)[(short, long)]
    ads = shop.table("ads").execute()
    orders = ads[ads["plan"] == plan].groupby("attribution_window_days")["attributed_orders"].sum()
    se = math.sqrt(1 / orders[short] + 1 / orders[long])  # Poisson SE of the log ratio of the orders
    assert se < 0.06 and abs(math.log(ratio / true)) <= 2.5 * se, (ratio, true, se)
    # October's report puts every per-click plan on the shortest per-click window with that ratio
    plans = october_ads.plans
    per_click = plans[plans.index.get_level_values("channel") != "淘宝客"]
    assert set(per_click["attribution_window_days"]) == {str(short), str(long)}
    assert (plans["window_reference"] == short).all() and per_click["roi_normalised"].notna().all()
    longer = per_click[per_click["attribution_window_days"] == str(long)]
    assert longer["roi_normalised"].to_numpy() == pytest.approx((longer["roi"] / ratio).to_numpy())
    en = describe_ads(plans, october_ads.channels, october_ads.margin, "en")
    assert f"put on the {short}-day window with the shop's own window ratios" in en


def test_market_index_intervals_are_widened_where_extrapolated(built):
    shop, _, _ = built
    with quiet():
        cal = calibration.calibrate(shop, 0.9)
        share = calibration.extrapolated_share(shop, cal)
        months = []
        for category in shop.table("market").category.name("c").execute().unique():
            sales = size.listing_sales(shop, cal, category)
            flags = competition.flag_fake_orders(sales, 0.5)
            kept, _ = competition.drop_fake_orders(sales, flags)
            months.append(size.market_size(kept, cal, "2026-11-15", 0.9).assign(category=category))
    assert share > 0.2  # competitors' index values beyond our own range
    monthly = pd.concat(months, ignore_index=True)
    half = (monthly["sales_high"] - monthly["sales_low"]) / 2 / monthly["sales"]
    partly = (monthly["extrapolated_share"] > 0) & (monthly["extrapolated_share"] < 1)
    assert half[partly].max() > 0.05  # wider than the ±5% an unwidened interval showed
    wholly = monthly["extrapolated_share"] == 1
    assert wholly.any() and monthly.loc[wholly, "sales_high"].isna().all()  # no upper end


def test_fake_order_listings_are_left_out_of_the_market_by_default(built):
    shop, truth, _ = built
    with quiet():
        cal = calibration.calibrate(shop, 0.9)
        sales = size.listing_sales(shop, cal)
        flags = competition.flag_fake_orders(sales, 0.5)
        kept, _ = competition.drop_fake_orders(sales, flags)
    flagged = set(flags.index[flags["flagged"]])
    assert flagged & {s["listing_id"] for s in truth["market"]["fake_order_suspects"]}
    assert kept.count().execute() < sales.count().execute()  # their inflated months are out


def test_the_partial_last_month_is_marked_and_never_read_as_a_drop(built):
    shop, _, _ = built
    with quiet():
        cal = calibration.calibrate(shop, 0.9)
        monthly = size.market_size(size.listing_sales(shop, cal, "家居收纳"), cal, "2026-11-15", 0.9)
    last = monthly.iloc[-1]
    assert monthly.index[-1] == pd.Timestamp("2026-11-01") and last["partial"]
    assert pd.isna(last["mom"]) and pd.isna(last["yoy"])
    assert size.trailing_growth(monthly)["end"] == pd.Timestamp("2026-10-01")
    with caught() as notes:
        frame = cohorts.build_cohorts(shop, WHOLE)
    assert any("partial month" in n.en for n in notes)
    assert frame["cohort"].max() <= pd.Timestamp("2026-10-01")


def test_october_names_the_1111_warm_up(built):
    shop, _, _ = built
    context = read_campaigns(shop, OCTOBER)
    warm = context.phases[context.phases["phase"] == "warmup"]
    assert len(warm) and warm["name"].str.contains("双11|双十一|1111").any()
    assert context.baseline is not None  # an ordinary stretch to compare with


def test_price_recommendations_stay_in_the_tested_range(built):
    shop, _, _ = built
    with quiet():
        products = portfolio.summarize_portfolio(shop, WHOLE)
        margins = pricing.price_margins(shop, products)
        elasticity = pricing.fit_elasticity(pricing.weekly_units(shop), 0.95)
        prices = pricing.optimal_prices(margins, elasticity)
    assert (prices["direction"] == "extrapolated").any()
    known = prices["recommended_price"].notna()
    assert (prices.loc[known, "recommended_price"] <= prices.loc[known, "allowed_high"] + 1e-9).all()
    assert (prices.loc[known, "recommended_price"] >= prices.loc[known, "allowed_low"] - 1e-9).all()


def test_most_product_pairs_are_bought_together_by_chance(built):
    shop, _, _ = built
    with quiet():
        pairs, orders = baskets.product_pairs(shop, WHOLE, 10, 0.95)
    assert orders > 0 and len(pairs)
    assert (~pairs["bundle"]).any()  # shown, and not advised
    bundles = pairs[pairs["bundle"]]
    assert (bundles["lift"] > 1).all() and (bundles["q_value"] < 0.05).all()

