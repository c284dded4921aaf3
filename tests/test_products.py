"""Product selection and testing: known answers on a hand-built shop, the statistics against
scipy/statsmodels on the same inputs, edge cases (a variant without impressions, a product
never sold, a candidate without reviews, a category without price changes) and recovery of
the sample generator's planted truth (data/sample/ground_truth.json).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import data, metrics, products
from helpers.params import Period

SAMPLE = data.project_root() / "data" / "sample"
ODD = "连衣裙 <b>x</b>"  # a product title that must come out escaped


def _write(folder, name, rows, columns):
    pd.DataFrame(rows, columns=columns).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="module")
def whole(sample):
    first, last = sample.date_range("orders")
    return Period(first.normalize(), last.normalize())


@pytest.fixture()
def small(tmp_path):
    """Three products (p3 never sold), four paid orders in March 2026, one refund, one channel's ads.

    o1: p1 x2 ¥180 (list ¥100) + p2 x1 ¥50, source 直通车; o2: p1 x1 ¥100, 手淘搜索;
    o3: p2 x1 ¥50 + p1 x1 ¥100, 直通车; o4: p2 x1 ¥50 refunded before shipping, 手淘搜索.
    Ads: 直通车 spend ¥66 in March.
    """
    order_cols = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                  "paid_amount", "source", "campaign_id", "status"]
    _write(tmp_path, "orders", [
        ["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p1", 2, 100, 180, "直通车", "", "paid"],
        ["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p2", 1, 50, 50, "直通车", "", "paid"],
        ["o2", "2026-03-10 10:00:00", "2026-03-10 10:01:00", "c2", "p1", 1, 100, 100, "手淘搜索", "", "paid"],
        ["o3", "2026-03-20 10:00:00", "2026-03-20 10:01:00", "c3", "p2", 1, 50, 50, "直通车", "", "paid"],
        ["o3", "2026-03-20 10:00:00", "2026-03-20 10:01:00", "c3", "p1", 1, 100, 100, "直通车", "", "paid"],
        ["o4", "2026-03-25 10:00:00", "2026-03-25 10:01:00", "c4", "p2", 1, 50, 50, "手淘搜索", "", "paid"],
    ], order_cols)
    _write(tmp_path, "products", [
        ["p1", ODD, "女装连衣裙", "b", 40, 100, "2025-01-01"],
        ["p2", "收纳盒", "家居收纳", "b", 30, 50, "2025-01-01"],
        ["p3", "从没卖过", "家居收纳", "b", 10, 20, "2025-01-01"],
    ], ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])
    _write(tmp_path, "refunds", [["o4", "p2", "2026-03-26 09:00:00", 50, 0, "不想要了", "false"]],
           ["order_id", "product_id", "refund_time", "refund_amount", "quantity", "reason", "shipped"])
    _write(tmp_path, "ads", [["2026-03-05", "直通车", "plan", 1000, 30, 66, 1, 100, 15]],
           ["date", "channel", "plan", "impressions", "clicks", "spend", "attributed_orders", "attributed_amount",
            "attribution_window_days"])
    return data.connect(tmp_path)


MARCH = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))


# --------------------------------------------------------------------------- 1. portfolio


def test_portfolio_known_answer_and_never_sold_product(small):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pf = products.summarize_portfolio(small, MARCH)
    p1, p2, p3 = pf.loc["p1"], pf.loc["p2"], pf.loc["p3"]
    assert p1["units"] == 4 and p1["sales"] == pytest.approx(380)
    assert p1["discounts"] == pytest.approx(20)  # list 4 x 100 - paid 380
    assert p1["cogs"] == pytest.approx(160)
    # p2: 3 units sold, the refunded one came back before shipping: cost of 2 units only
    assert p2["sales"] == pytest.approx(150) and p2["refunds"] == pytest.approx(50)
    assert p2["cogs"] == pytest.approx(60) and p2["gross_profit"] == pytest.approx(40)
    # 直通车 ¥66 split by its sales: p1 280 / 380, p2 100 / 380
    assert p1["ad_spend"] == pytest.approx(66 * 280 / 380)
    assert p2["ad_spend"] == pytest.approx(66 * 100 / 380)
    assert p1["contribution"] == pytest.approx(380 - 160 - 66 * 280 / 380)
    # the never-sold product is a row of zeros with NaN margins, noted, and class C
    assert p3["units"] == 0 and p3["sales"] == 0 and math.isnan(p3["contribution_margin"])
    assert any(issubclass(w.category, metrics.MetricNote) for w in caught)
    assert products.abc_classes(pf["sales"])["p3"] == "C"


def test_abc_classes_known_answer():
    v = pd.Series([50, 30, 10, 5, 3, 2, 0, -4], index=list("abcdefgh"))
    assert products.abc_classes(v).tolist() == ["A", "A", "B", "B", "C", "C", "C", "C"]
    with pytest.warns(metrics.MetricNote, match="no positive value"):
        assert set(products.abc_classes(pd.Series([0.0, 0.0]))) == {"C"}


def test_abc_classes_on_the_sample_match_an_independent_count(sample, whole):
    """Portfolio sales agree with the raw CSV and the ABC split with a plain pandas Pareto."""
    pf = products.summarize_portfolio(sample, whole)
    raw = pd.read_csv(SAMPLE / "orders.csv", dtype={"product_id": str}, usecols=["product_id", "paid_amount",
                                                                                  "status"])
    sales = raw[raw["status"] == "paid"].groupby("product_id")["paid_amount"].sum()
    assert pf["sales"].reindex(sales.index).to_numpy() == pytest.approx(sales.to_numpy(), abs=0.01)
    ranked = sales.sort_values(ascending=False)
    cum_before = (ranked.cumsum() - ranked) / ranked.sum()
    expected = pd.Series(np.where(cum_before < 0.8, "A", np.where(cum_before < 0.95, "B", "C")), index=ranked.index)
    got = products.abc_classes(pf["sales"])
    assert (got.reindex(expected.index) == expected).all()
    a_share = ranked[expected == "A"].sum() / ranked.sum()
    assert 0.8 <= a_share < 0.8 + ranked.max() / ranked.sum()


def test_growth_share_quadrants(small):
    pf = products.summarize_portfolio(small, MARCH)
    m = products.growth_share(small, MARCH, pf)
    # halves: 03-01..03-16 and 03-17..03-31; p1 280 -> 100 (falling, biggest), p2 50 -> 100 (growing)
    assert m.loc["p1", "growth"] == pytest.approx(100 / 280 - 1)
    assert m.loc["p1", "quadrant"] == "cash_cow"
    assert m.loc["p2", "growth"] == pytest.approx(1.0)
    assert m.loc["p3", "quadrant"] == "dog"


def test_stock_cover_finds_the_planted_overstock(sample, whole, truth):
    pf = products.summarize_portfolio(sample, whole)
    cover = products.stock_cover(sample, whole, pf)
    planted = set(truth["inventory"]["overstocked"])
    slow = set(products.slow_movers(cover, 90).index)
    assert planted <= slow
    assert slow - planted <= set(truth["inventory"]["dead_stock"]) | set(cover.index[cover["daily_units"] < 0.2])
    # no sales in October 2026 (the generator's month), so at most a trickle in the last 30 days
    assert set(truth["inventory"]["dead_stock"]) <= slow
    assert cover.loc[cover["not_selling"], "cover_days"].isna().all()
    assert cover["sell_through"].between(0, 1).all()


def test_stock_cover_without_inventory_is_skipped_with_a_sentence(small):
    pf = products.summarize_portfolio(small, MARCH)
    assert products.stock_cover(small, MARCH, pf) is None
    low = products.low_margin_products(pf, 0.15)
    for lang in ("zh", "en"):
        text = products.describe_portfolio(pf.assign(abc_sales=products.abc_classes(pf["sales"])), None, low,
                                           lang=lang)
        assert "inventory" in text
        assert "<b>" not in text  # titles are escaped


# --------------------------------------------------------------------------- 2. scorecard


def test_spearman_matches_scipy():
    from scipy import stats

    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = x + rng.normal(size=40)
    y[3] = y[5]  # a tie
    got = products.spearman_interval(x, y)
    assert got["rho"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert got["low"] < got["rho"] < got["high"]
    with pytest.warns(metrics.MetricNote):
        assert math.isnan(products.spearman_interval([1, 2, 3], [1, 2, 3])["rho"])


def test_scorecard_ranks_past_launches_and_finds_the_successes(sample, truth):
    with pytest.warns(metrics.MetricNote, match="without reviews"):
        scored = products.score_candidates(products.load_candidates(sample))
    result, past = products.backtest_scorecard(scored, products.launch_sales(sample))
    assert result["n"] >= 40 and result["low"] > 0.4
    new = scored[scored["product_id"].isna()]
    success = pd.Series({k: v["succeeds"] for k, v in truth["candidates"]["new"].items()})
    # AUC: the chance a true success outscores a true failure
    s, f = new.loc[success[success].index, "score"], new.loc[success[~success].index, "score"]
    auc = (s.to_numpy()[:, None] > f.to_numpy()[None, :]).mean()
    assert auc > 0.75
    assert success[new.index[:10]].mean() >= 0.6  # 30% succeed overall


def test_candidate_without_reviews_is_scored(sample, truth):
    with pytest.warns(metrics.MetricNote):
        scored = products.score_candidates(products.load_candidates(sample))
    empty = truth["candidates"]["without_reviews"]
    assert scored.loc[empty, "rating"].isna().all()
    assert scored.loc[empty, "score"].notna().all()
    assert scored["score"].between(0, 100).all()


def test_weights_are_checked_and_change_the_ranking(sample):
    with pytest.raises(ValueError, match="unknown scorecard weight"):
        products.check_weights({"demand": 1, "price": 1})
    with pytest.raises(ValueError, match="positive sum"):
        products.check_weights({"demand": 0, "margin": 0})
    cands = products.load_candidates(sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        margin_only = products.score_candidates(cands, {"margin": 1})
    assert margin_only["gross_margin"].iloc[0] == pytest.approx(margin_only["gross_margin"].max())


# --------------------------------------------------------------------------- 3. product tests


def test_two_proportion_test_matches_statsmodels():
    from statsmodels.stats.proportion import proportions_ztest

    got = products.two_proportion_test(30, 1000, 48, 1100)
    z, p = proportions_ztest([48, 30], [1100, 1000])
    assert got["z"] == pytest.approx(z) and got["p_value"] == pytest.approx(p)


def test_sample_size_matches_statsmodels():
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    for base, mde in ((0.03, 0.1), (0.1, 0.2), (0.5, -0.1)):
        h = proportion_effectsize(base * (1 + mde), base)
        n = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0)
        assert products.sample_size(base, mde, 0.95, 0.8) == math.ceil(n)
    with pytest.warns(metrics.MetricNote):
        assert math.isnan(products.sample_size(0.6, 1.0))


def test_prob_best_matches_numerical_integration():
    from scipy import integrate, stats

    a, b = stats.beta(1 + 30, 1 + 970), stats.beta(1 + 42, 1 + 958)
    exact, _ = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), 0, 1, points=[0.03, 0.04], limit=200)
    got = products.prob_best([30, 42], [1000, 1000])
    assert got[1] == pytest.approx(exact, abs=0.01)
    assert got.sum() == pytest.approx(1.0)


def test_holm_known_answer():
    assert products.holm([0.01, 0.04, 0.03, np.nan]).tolist()[:3] == pytest.approx([0.03, 0.06, 0.06])


def test_the_true_best_variant_wins_and_the_aa_test_has_no_winner(sample, truth):
    tests = products.load_tests(sample)
    for test_id, spec in truth["product_tests"]["tests"].items():
        table, verdict = products.analyze_test(tests[tests["test_id"] == test_id])
        assert verdict["metric"] == spec["primary_metric"]
        if spec["no_real_difference"]:
            assert verdict["winner"] is None, test_id
        else:
            assert verdict["winner"] in (spec["best_variant"], None), test_id  # never a false winner
            assert verdict["leader"] == spec["best_variant"], test_id
    main = "T-2026-03-主图"
    _, verdict = products.analyze_test(tests[tests["test_id"] == main])
    assert verdict["winner"] == truth["product_tests"]["tests"][main]["best_variant"]
    assert verdict["prob_best"] > 0.95


@pytest.mark.parametrize("arms", [2, 3])
def test_aa_tests_declare_a_winner_at_most_at_the_nominal_rate(arms):
    """Simulated A/A tests: the share with a declared winner stays within the 5% level."""
    rng = np.random.default_rng(7)
    runs, winners = 300, 0
    for _ in range(runs):
        imp = rng.poisson(20000, arms)
        clicks = rng.binomial(imp, 0.03)
        frame = pd.DataFrame({"variant": list("ABC")[:arms], "element": "main_image", "impressions": imp,
                              "clicks": clicks, "add_to_cart": rng.binomial(clicks, 0.1), "orders": 0})
        _, verdict = products.analyze_test(frame, 0.95, seed=1, draws=500)
        winners += verdict["winner"] is not None
    rate = winners / runs
    assert rate <= 0.05 + 2.33 * math.sqrt(0.05 * 0.95 / runs)


def test_a_variant_with_zero_impressions(small):
    frame = pd.DataFrame({"variant": ["A", "B"], "element": "title", "impressions": [5000, 0],
                          "clicks": [150, 0], "add_to_cart": [10, 0], "orders": [3, 0]})
    with pytest.warns(metrics.MetricNote):
        table, verdict = products.analyze_test(frame)
    assert math.isnan(table.loc["B", "click_rate"])
    assert verdict["winner"] is None and verdict["decision"] == "keep_running"
    assert "B" in products.describe_test("t1", table, verdict, lang="en") or verdict["leader"] == "A"


# --------------------------------------------------------------------------- 4. pricing


def test_elasticities_recover_the_truth_within_their_intervals(sample, truth):
    est = products.fit_elasticity(products.weekly_units(sample))
    for cat, spec in truth["categories"].items():
        row = est.loc[cat]
        assert row["low"] <= spec["elasticity"] <= row["high"], cat
        assert row["high"] - row["low"] < 1.0, cat


def test_poisson_fit_matches_statsmodels(sample):
    import statsmodels.api as sm

    weekly = products.weekly_units(sample)
    g = weekly[(weekly["category"] == "美妆护肤")].dropna(subset=["list_price"])
    g = g[g.groupby("product_id")["units"].transform("sum") > 0]
    X, y = products._design(g)
    ours = products.fit_poisson(X, y)
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    assert ours["beta"][1] == pytest.approx(ref.params[1], abs=1e-6)
    assert math.sqrt(ours["cov"][1, 1]) == pytest.approx(ref.bse[1], rel=1e-4)


def test_a_category_without_price_changes_is_not_estimable():
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2026-01-05", periods=20, freq="W-MON")
    rows = [{"product_id": f"p{j}", "category": "无调价", "week": w, "units": rng.poisson(5), "list_price": 10.0 + j}
            for j in range(3) for w in weeks]
    with pytest.warns(metrics.MetricNote, match="not estimable"):
        est = products.fit_elasticity(pd.DataFrame(rows))
    assert math.isnan(est.loc["无调价", "elasticity"]) and est.loc["无调价", "note"] == "no_variation"
    margins = pd.DataFrame({"title": ["a"], "category": ["无调价"], "list_price": [10.0], "unit_cost": [5.0]},
                           index=["p0"])
    prices = products.optimal_prices(margins, est)
    assert prices.loc["p0", "direction"] == "unknown"
    assert "无法估计" in products.describe_pricing(est, prices, "zh")
    assert "cannot be estimated" in products.describe_pricing(est, prices, "en")


def test_optimal_price_formula():
    est = pd.DataFrame({"elasticity": [-2.0], "low": [-3.0], "high": [-0.5]}, index=["c"])
    margins = pd.DataFrame({"title": ["a"], "category": ["c"], "list_price": [10.0], "unit_cost": [5.0]},
                           index=["p"])
    out = products.optimal_prices(margins, est).loc["p"]
    assert out["optimal_price"] == pytest.approx(10.0)  # 5 x -2 / -1
    assert out["optimal_low"] == pytest.approx(7.5)  # 5 x -3 / -2
    assert out["optimal_high"] == np.inf and out["thin"]  # the interval reaches past -1
    assert out["direction"] == "keep"


# --------------------------------------------------------------------------- 5. keywords


def test_title_coverage_rule():
    title = "2024新款 春夏 法式 碎花 连衣裙 女 收腰显瘦"
    assert products.covers(title, "法式连衣裙")
    assert products.covers(title, "连衣裙女夏")  # one single character (夏) allowed
    assert not products.covers(title, "小个子连衣裙")
    assert not products.covers(title, "新中式连衣裙")  # 新 and 中: two single characters
    assert products.covers("纯棉 短袖 T恤 女", "短袖t恤女")  # case and spaces ignored


def test_the_planted_missing_keywords_are_found(sample, truth, whole):
    kw = products.keyword_value(sample, whole)
    titles = sample.table("products").execute().set_index("product_id")["title"]
    cov = products.keyword_coverage(titles, kw)
    planted = set(truth["keywords"]["missing_from_titles"])
    assert planted <= set(cov.index[cov["missing"]])
    assert not cov.loc["连衣裙", "missing"] and not cov.loc["法式连衣裙", "missing"]
    assert (cov["buyers_index"] > 0).all()


def test_word_roots_weight_the_searched_words(sample, whole):
    kw = products.keyword_value(sample, whole)
    titles = sample.table("products").execute().set_index("product_id")["title"]
    roots = products.word_roots(kw, titles)
    assert {"衬衫", "连衣裙"} <= set(roots.index)
    assert roots["root_weight"].is_monotonic_decreasing
    formula = products.title_formula(sample.table("products").execute().set_index("product_id"), kw)
    dresses = formula[formula["category"] == "女装连衣裙"]
    assert dresses["core"].all()  # every dress title carries 连衣裙


# --------------------------------------------------------------------------- 6-7. hot sellers, baskets


def test_a_new_launch_ramping_up_is_rising(sample, truth):
    """Products launched in August 2026 ramp up for six weeks: their share rises in September."""
    period = Period(pd.Timestamp("2026-08-01"), pd.Timestamp("2026-09-27"))
    rising = products.rising_products(sample, period, weeks=4, min_lines=5)
    launched = sample.table("products").execute()
    launch = pd.to_datetime(launched["launch_date"])
    new = set(launched.loc[launch.between(pd.Timestamp("2026-07-25"), pd.Timestamp("2026-08-31")), "product_id"])
    assert new & set(rising.index[rising["rising"]])
    for lang in ("zh", "en"):
        assert products.describe_rising(rising, 4, lang)


def test_pairs_match_a_direct_count(small):
    pairs, n = products.product_pairs(small, MARCH, min_count=1)
    assert n == 4
    row = pairs.set_index(["product_a", "product_b"]).loc[("p1", "p2")]
    assert row["pair_orders"] == 2
    assert row["support"] == pytest.approx(2 / 4)
    assert row["confidence"] == pytest.approx(2 / 3)  # p1 in 3 orders
    assert row["confidence_ba"] == pytest.approx(2 / 3)  # p2 in 3 orders
    assert row["lift"] == pytest.approx(2 / (3 * 3 / 4))  # one month: expected = 3 x 3 / 4
    aov = products.aov_by_category(small, MARCH)
    assert aov["orders"].sum() == 4
    assert aov.loc["女装连衣裙", "aov"] == pytest.approx((230 + 100 + 150) / 3)


def test_pair_lift_expects_independence_within_each_month(small, tmp_path):
    """April adds o5 (p1 + p3) and o6 (p3): expected orders with both add up month by month."""
    orders = pd.read_csv(tmp_path / "orders.csv", dtype=str, keep_default_na=False)
    april = pd.DataFrame([
        ["o5", "2026-04-02 10:00:00", "2026-04-02 10:01:00", "c5", "p1", "1", "100", "100", "直通车", "", "paid"],
        ["o5", "2026-04-02 10:00:00", "2026-04-02 10:01:00", "c5", "p3", "1", "20", "20", "直通车", "", "paid"],
        ["o6", "2026-04-03 10:00:00", "2026-04-03 10:01:00", "c6", "p3", "1", "20", "20", "直通车", "", "paid"],
    ], columns=orders.columns)
    pd.concat([orders, april]).to_csv(tmp_path / "orders.csv", index=False)
    pairs, n = products.product_pairs(data.connect(tmp_path), Period(MARCH.start, pd.Timestamp("2026-04-30")), 1)
    pairs = pairs.set_index(["product_a", "product_b"])
    assert n == 6
    # p1 & p2: March 3 x 3 / 4 + April 1 x 0 / 2 (pooled over both months it would be 4 x 3 / 6 = 2)
    assert pairs.loc[("p1", "p2"), "expected"] == pytest.approx(2.25)
    assert pairs.loc[("p1", "p2"), "lift"] == pytest.approx(2 / 2.25)
    # p1 & p3: March 3 x 0 / 4 + April 1 x 2 / 2 (pooled: 4 x 2 / 6)
    assert pairs.loc[("p1", "p3"), "expected"] == pytest.approx(1.0)
    assert pairs.loc[("p1", "p3"), "lift"] == pytest.approx(1.0)


def test_check_options_names_the_parameter():
    with pytest.raises(ValueError, match="confidence"):
        products.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="min_pair_orders"):
        products.check_options(min_pair_orders=0)
    with pytest.raises(ValueError, match="mde"):
        products.check_options(mde=0)
    products.check_options()


def test_report_tables_speak_the_report_language():
    # quadrant keys and yes/no flags reached the zh report as "cash_cow" and "False"
    growth = pd.DataFrame({"title": ["a", "b"], "sales": [1.0, 2.0], "share": [0.1, 0.2], "growth": [0.1, -0.2],
                           "quadrant": ["star", "cash_cow"]})
    html = products.table(growth, "growth", "zh").to_html()
    assert "明星" in html and "金牛" in html and "cash_cow" not in html
    cover = pd.DataFrame({"title": ["a"], "stock": [3], "daily_units": [0.1], "cover_days": [30],
                          "not_selling": [True], "sell_through": [0.5]})
    assert ">是<" in products.table(cover, "cover", "zh").to_html()
    assert ">yes<" in products.table(cover, "cover", "en").to_html()
