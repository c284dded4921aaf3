"""Pricing: margins and weekly units on the hand-built shop, the Poisson fit against
statsmodels' GLM, the elasticities recovering the generator's truth, a category without
price changes, the profit-maximising price formula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import findings, portfolio, pricing, views
from helpers.core.calendar import Period
from helpers.core.notes import MetricNote
from tests.areas.products.support import MARCH, notes_of


def _glm(X, y):
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    return GLM(y, X, family=Poisson()).fit(scale="X2")


def _panel(seed: int) -> pd.DataFrame:
    """Eight products over 30 weeks, prices cut by 20% in about a third of the weeks,
    elasticity -1.5, product and week effects."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2026-01-05", periods=30, freq="W-MON")
    rows = []
    for j in range(8):
        base = 20.0 + 10 * j
        price = base * np.where(rng.random(30) < 0.3, 0.8, 1.0)
        mu = np.exp(1.0 + 0.1 * j + 0.3 * np.sin(np.arange(30) / 4) - 1.5 * np.log(price / base))
        rows += [{"product_id": f"p{j}", "category": "c", "week": w, "units": u, "list_price": p}
                 for w, p, u in zip(weeks, price, rng.poisson(mu), strict=True)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_fit_matches_statsmodels(seed):
    """The hand-written IRLS gives statsmodels' GLM(Poisson).fit(scale="X2") coefficients to
    1e-12 and standard errors to 1e-11 (the covariance is the inverse of X'WX, whose
    condition number with the product and week dummies magnifies rounding in either code)."""
    X, y = pricing.design_matrix(_panel(seed))
    ours, ref = pricing.fit_poisson(X, y), _glm(X, y)
    np.testing.assert_allclose(ours["beta"], ref.params, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(ours["cov"])), ref.bse, rtol=1e-11)
    assert ours["dispersion"] == pytest.approx(ref.scale, rel=1e-12)


@pytest.mark.recovery
def test_poisson_fit_matches_statsmodels_on_the_sample(sample):
    weekly = pricing.weekly_units(sample)
    for _, g in weekly.dropna(subset=["list_price"]).groupby("category"):
        g = g[g.groupby("product_id")["units"].transform("sum") > 0]
        X, y = pricing.design_matrix(g)
        ours, ref = pricing.fit_poisson(X, y), _glm(X, y)
        assert ours["beta"][1] == pytest.approx(ref.params[1], rel=1e-12)
        assert math.sqrt(ours["cov"][1, 1]) == pytest.approx(ref.bse[1], rel=1e-11)


def test_fit_elasticity_recovers_a_simulated_elasticity():
    est = pricing.fit_elasticity(_panel(0))
    row = est.loc["c"]
    assert row["low"] < -1.5 < row["high"]
    assert row["products_changed"] == 8 and row["rows"] == 240 and row["note"] == ""
    assert row["high"] - row["elasticity"] == pytest.approx(row["elasticity"] - row["low"])
    assert row["high"] - row["low"] == pytest.approx(2 * 1.959963984540054 * row["se"])


@pytest.mark.recovery
def test_elasticities_recover_the_truth_within_their_intervals(sample, truth):
    """Every category's truth lies within its interval, taken jointly: seven 95% intervals all
    hold their truths only 0.95**7 = 70% of the time (measured over 12 seeds of the sample: 7
    and 8 of 12 with and without its day-to-day noise), so each is widened to 1 - 0.05 / 7
    (Bonferroni), which holds all seven at least 95% of the time."""
    from scipy.stats import norm

    est = pricing.fit_elasticity(pricing.weekly_units(sample))
    cats = truth["categories"]
    z = norm.ppf(1 - 0.05 / len(cats) / 2)
    for cat, spec in cats.items():
        row = est.loc[cat]
        assert abs(row["elasticity"] - spec["elasticity"]) <= z * row["se"], (cat, row["elasticity"], row["se"])
        assert row["high"] - row["low"] < 1.0, cat


def test_a_category_without_price_changes_is_not_estimable():
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2026-01-05", periods=20, freq="W-MON")
    rows = [{"product_id": f"p{j}", "category": "无调价", "week": w, "units": rng.poisson(5), "list_price": 10.0 + j}
            for j in range(3) for w in weeks]
    with pytest.warns(MetricNote, match="not estimable"):
        est = pricing.fit_elasticity(pd.DataFrame(rows))
    _, found = notes_of(pricing.fit_elasticity, pd.DataFrame(rows))
    assert [(n.zh, n.en) for n in found] == [("无调价 的价格弹性：没有商品调过一口价 → 无法估计",
                                              "price elasticity of 无调价: no product changed its list price -> "
                                              "not estimable")]
    assert math.isnan(est.loc["无调价", "elasticity"]) and est.loc["无调价", "note"] == "no_variation"
    margins = pd.DataFrame({"title": ["a"], "category": ["无调价"], "list_price": [10.0], "unit_cost": [5.0]},
                           index=["p0"])
    prices = pricing.optimal_prices(margins, est)
    assert prices.loc["p0", "direction"] == "unknown"
    responses = findings.price_responses(est)
    assert "无法估计" in views.describe_pricing(responses, prices, "zh")
    assert "cannot be estimated" in views.describe_pricing(responses, prices, "en")


def test_optimal_price_formula():
    est = pd.DataFrame({"elasticity": [-2.0], "low": [-3.0], "high": [-0.5]}, index=["c"])
    margins = pd.DataFrame({"title": ["a"], "category": ["c"], "list_price": [10.0], "unit_cost": [5.0],
                            "tested_low": [8.0], "tested_high": [12.0], "orders": [100], "price_points": [3]},
                           index=["p"])
    out = pricing.optimal_prices(margins, est).loc["p"]
    assert out["optimal_price"] == pytest.approx(10.0)  # 5 x -2 / -1
    assert out["optimal_low"] == pytest.approx(7.5)  # 5 x -3 / -2
    assert out["optimal_high"] == np.inf and out["thin"]  # the interval reaches past -1
    assert out["direction"] == "keep"


def test_optimal_price_directions():
    est = pd.DataFrame({"elasticity": [-3.0], "low": [-3.2], "high": [-2.8]}, index=["c"])
    margins = pd.DataFrame({"title": ["a", "b"], "category": ["c", "c"], "list_price": [5.0, 12.0],
                            "unit_cost": [5.0, 5.0], "tested_low": [5.0, 7.0], "tested_high": [7.0, 12.0],
                            "orders": [100, 100], "price_points": [2, 2]}, index=["cheap", "dear"])
    out = pricing.optimal_prices(margins, est)
    # p* = 5 x -3 / -2 = 7.5, range 5 x 3.2 / 2.2 = 7.27 .. 5 x 2.8 / 1.8 = 7.78
    assert out.loc["cheap", "optimal_price"] == pytest.approx(7.5)
    assert out["direction"].tolist() == ["raise", "cut"] and not out["thin"].any()


def test_price_margins_on_the_small_shop(small):
    pf = portfolio.summarize_portfolio(small, MARCH)
    margins = pricing.price_margins(small, pf)
    assert list(margins.index) == ["p1", "p2", "p3"]  # by sales
    assert margins.loc["p1", "gross_margin"] == pytest.approx(0.6)  # 1 - 40 / 100
    # the default cost model: 5% commission and 0.6% payment fee on the price, and per unit the
    # freight, 运费险 and packaging of its orders
    m = margins.loc["p1"]
    assert m["fee_rate"] == pytest.approx(0.056) and m["unit_platform_cost"] > 0
    assert m["contribution_margin"] == pytest.approx(1 - 0.056 - (40 + m["unit_platform_cost"]) / 100)
    assert m["breakeven_roi"] == pytest.approx(1 / m["contribution_margin"]) and m["breakeven_roi"] > 1 / 0.6
    assert (m["tested_low"], m["tested_high"], m["orders"], m["price_points"]) == (100, 100, 3, 1)
    assert margins.loc["p3", "sales"] == 0


def test_weekly_units_fill_weeks_without_sales(small):
    weekly = pricing.weekly_units(small, ramp_weeks=0)
    # orders 03-02 .. 03-25: the weeks of 03-02, 03-09, 03-16 (03-23 is incomplete)
    assert sorted(weekly["week"].unique()) == list(pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"]))
    p1 = weekly[weekly["product_id"] == "p1"]
    assert p1["units"].tolist() == [2, 1, 1] and p1["list_price"].tolist() == [100, 100, 100]
    p2 = weekly[weekly["product_id"] == "p2"]
    assert p2["units"].tolist() == [1, 0, 1] and p2["list_price"].tolist() == [50, 50, 50]  # carried forward
    assert weekly.loc[weekly["product_id"] == "p3", "list_price"].isna().all()  # never sold
    # products launched 2025-01-01 are past any ramp-up of 6 weeks too
    assert len(pricing.weekly_units(small)) == 9


def _wok_shop(folder) -> None:
    """A ¥29 wok (cost ¥13.65) sold 40 times at ¥29 and ¥31, a cutting board sold 5 times at ¥39."""
    from tests.areas.products.support import ORDER_COLUMNS, write

    rows = []
    for i in range(45):
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=2 * i)
        t = f"{day:%Y-%m-%d} 10:00:00"
        pid, price = ("wok", 29 if i % 2 else 31) if i < 40 else ("board", 39)
        rows.append([f"o{i}", t, t, f"c{i}", pid, 1, price, price, "手淘搜索", "", "paid"])
    write(folder, "orders", rows, ORDER_COLUMNS)
    write(folder, "products", [["wok", "家用 炒锅", "厨房用品", "b", 13.65, 29, "2025-01-01"],
                               ["board", "家用 砧板", "厨房用品", "b", 25.83, 39, "2025-01-01"]],
          ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])


def test_a_price_optimum_far_outside_the_prices_sold_is_flagged_never_a_raise(tmp_path):
    """The sample's kitchen elasticity (-1.01, interval -1.24 to -0.78) puts a ¥29 wok's
    "profit-optimal" price above ¥1,000: far outside the ¥29-31 it ever sold at."""
    from helpers.core.shop import connect

    _wok_shop(tmp_path)
    shop = connect(tmp_path)
    period = Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-05-31"))
    est = pd.DataFrame({"elasticity": [-1.01], "low": [-1.24], "high": [-0.78], "products_changed": [1]},
                       index=["厨房用品"])
    margins = pricing.price_margins(shop, portfolio.summarize_portfolio(shop, period))
    prices = pricing.optimal_prices(margins, est)
    wok = prices.loc["wok"]
    assert wok["optimal_price"] > 1000  # what the constant elasticity says ...
    assert (wok["tested_low"], wok["tested_high"]) == (29, 31)
    assert wok["extrapolated"] and wok["direction"] == "extrapolated"  # ... is flagged
    assert wok["recommended_price"] == pytest.approx(31 * 1.1)  # and bounded to +10% of the prices sold
    board = prices.loc["board"]
    assert board["direction"] == "not_enough_data"  # 5 orders, one price
    moves = findings.price_moves(prices)
    assert [(f.subject, f.verdict) for f in moves] == [("wok", "extrapolated"), ("board", "not_enough_data")]
    assert not moves[1].enough_data and moves[0].evidence["tested_high"] == 31
    responses = findings.price_responses(est)
    en, zh = views.describe_pricing(responses, prices, "en"), views.describe_pricing(responses, prices, "zh")
    assert "0 products could be priced higher" in en and "1 products have their optimum outside" in en
    assert "0 个商品可提价" in zh and "外推" in zh and "数据不足" in zh
