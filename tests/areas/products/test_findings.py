"""Rules: a product test's verdict (recovering the generator's planted winners, never a false
winner, A/A tests at the nominal rate, a variant without impressions), the back-test's
trust, each category's price response and the portfolio's advice."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import experiments, findings, portfolio, pricing
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.notes import MetricNote
from tests.areas.products.support import MARCH, notes_of


@pytest.mark.recovery
def test_the_true_best_variant_wins_and_the_aa_test_has_no_winner(sample, truth):
    tests = experiments.load_tests(sample)
    for test_id, spec in truth["product_tests"]["tests"].items():
        _, verdict = findings.analyze_test(tests[tests["test_id"] == test_id])
        assert verdict.subject == test_id
        assert verdict.evidence["metric"] == spec["primary_metric"]
        if spec["no_real_difference"]:
            assert verdict.evidence["winner"] is None, test_id
        else:
            assert verdict.evidence["winner"] in (spec["best_variant"], None), test_id  # never a false winner
            assert verdict.evidence["leader"] == spec["best_variant"], test_id
    main = "T-2026-03-主图"
    _, verdict = findings.analyze_test(tests[tests["test_id"] == main])
    assert verdict.verdict == "winner"
    assert verdict.evidence["winner"] == truth["product_tests"]["tests"][main]["best_variant"]
    assert verdict.evidence["prob_best"] > 0.95


@pytest.mark.recovery
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
        _, verdict = findings.analyze_test(frame, 0.95, seed=1, draws=500)
        winners += verdict.evidence["winner"] is not None
    rate = winners / runs
    assert rate <= 0.05 + 2.33 * math.sqrt(0.05 * 0.95 / runs)


def test_a_variant_with_zero_impressions():
    frame = pd.DataFrame({"variant": ["A", "B"], "element": "title", "impressions": [5000, 0],
                          "clicks": [150, 0], "add_to_cart": [10, 0], "orders": [3, 0]})
    (table, verdict), found = notes_of(findings.analyze_test, frame, test_id="t1")
    assert math.isnan(table.loc["B", "click_rate"])
    assert verdict.evidence["winner"] is None and verdict.verdict == "keep_running"
    # B was never shown: its flat prior would make it "best" 97% of the time, but it cannot lead
    assert table.loc["B", "prob_best"] > 0.9
    assert verdict.evidence["leader"] == "A"
    assert verdict.evidence["smallest"] == 0 and not verdict.evidence["enough"]
    said = [(n.zh, n.en) for n in found]
    assert ("两比例检验：有一组没有样本 → NaN", "two-proportion test: a group has no trials -> NaN") in said
    assert ("1 个版本没有样本：其最优概率只来自先验",
            "1 variant(s) without trials: their P(best) comes from the prior alone") in said


def _table(impressions, clicks, p_values, prob_best):
    return pd.DataFrame({"element": "main_image", "impressions": impressions, "clicks": clicks,
                         "p_value": p_values, "prob_best": prob_best}, index=list("ABC")[:len(clicks)])


def test_judge_test_rules():
    # B clearly better: the winner, though the sample is short of what a 10% lift needs
    f = findings.judge_test("t", _table([20000, 20000], [600, 800], [np.nan, 1e-6], [0.0, 1.0]))
    assert (f.rule, f.verdict, f.evidence["winner"], f.confidence) == ("products.test", "winner", "B", 0.95)
    assert f.evidence["needed"] == 53182 and not f.evidence["enough"]
    # every challenger significantly worse: the control wins
    f = findings.judge_test("t", _table([20000] * 3, [800, 600, 590], [np.nan, 1e-6, 1e-6], [1.0, 0.0, 0.0]))
    assert (f.verdict, f.evidence["winner"]) == ("winner", "A")
    # no credible difference on a sample that could have seen one
    f = findings.judge_test("t", _table([60000, 60000], [1800, 1810], [np.nan, 0.86], [0.4, 0.6]))
    assert (f.verdict, f.evidence["winner"], f.evidence["leader"], f.evidence["enough"]) == (
        "no_difference", None, "B", True)
    # the same counts on a short sample: keep running
    f = findings.judge_test("t", _table([6000, 6000], [180, 181], [np.nan, 0.95], [0.45, 0.55]))
    assert f.verdict == "keep_running" and f.evidence["prob_best"] == 0.55


def test_judge_backtest_levels():
    def judge(low):
        return findings.judge_backtest({"rho": 0.7, "low": low, "high": 0.9, "n": 40}).verdict

    assert [judge(0.6), judge(0.5), judge(0.3), judge(0.2), judge(-0.1)] == [
        "strong", "moderate", "moderate", "weak", "weak"]
    nan = float("nan")
    f = findings.judge_backtest({"rho": nan, "low": nan, "high": nan, "n": 3})
    assert f.verdict == NOT_ENOUGH_DATA and not f.enough_data and f.evidence["n"] == 3


def test_price_responses():
    e = pd.DataFrame({"elasticity": [-2.0, -0.5, -1.1, np.nan], "low": [-2.3, -0.8, -1.9, np.nan],
                      "high": [-1.7, -0.2, -0.3, np.nan], "products_changed": [5, 4, 2, 0]},
                     index=["弹性", "刚性", "接近", "无调价"])
    out = findings.price_responses(e)
    assert [(f.subject, f.verdict) for f in out] == [("弹性", "elastic"), ("刚性", "inelastic"),
                                                     ("接近", "near_unit"), ("无调价", NOT_ENOUGH_DATA)]
    assert [f.evidence["thin"] for f in out] == [False, False, True, False]
    assert out[0].evidence["products_changed"] == 5 and out[0].confidence == 0.95


def test_a_category_without_price_changes_is_not_enough_data():
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2026-01-05", periods=20, freq="W-MON")
    rows = [{"product_id": f"p{j}", "category": "无调价", "week": w, "units": rng.poisson(5), "list_price": 10.0 + j}
            for j in range(3) for w in weeks]
    with pytest.warns(MetricNote, match="not estimable"):
        est = pricing.fit_elasticity(pd.DataFrame(rows))
    (f,) = findings.price_responses(est)
    assert f.verdict == NOT_ENOUGH_DATA and f.subject == "无调价"


def test_portfolio_findings_on_the_small_shop(small):
    pf = portfolio.summarize_portfolio(small, MARCH)
    pf["abc_sales"] = portfolio.abc_classes(pf["sales"])
    low = portfolio.low_margin_products(pf, 0.3)
    said = findings.by_rule(findings.portfolio_findings(pf, None, low, 90, 0.3))
    # p1 (380 of 530) is A and so is p2, which starts at 72% of the total: A is all of sales
    assert said["products.concentration"].evidence == {"products": 3, "a_products": 2, "a_share": 1.0}
    assert said["products.low_margin"].evidence == {"count": 1, "min_margin": 0.3}
    assert said["products.never_sold"].evidence == {"count": 1}
    assert not said["products.slow_movers"].enough_data
    assert said["products.slow_movers"].evidence == {"missing_table": "inventory"}
    assert "products.loss_making" not in said


def test_portfolio_findings_name_loss_makers_and_slow_movers():
    pf = pd.DataFrame({"title": ["赔钱货", np.nan, "好货"], "units": [5, 3, 10], "sales": [100.0, 50.0, 900.0],
                       "contribution": [-10.0, -5.0, 300.0], "abc_sales": ["B", "C", "A"]}, index=["p1", "p2", "p3"])
    cover = pd.DataFrame({"title": ["好货"], "cover_days": [120.0], "not_selling": [False]}, index=["p3"])
    said = findings.by_rule(findings.portfolio_findings(pf, cover, pf.iloc[:0], 90))
    assert said["products.loss_making"].evidence == {"count": 2, "examples": ["赔钱货", "p2"]}
    assert said["products.slow_movers"].evidence == {"count": 1, "slow_days": 90, "examples": ["好货"]}
    assert "products.low_margin" not in said and "products.never_sold" not in said


def test_the_headline_winner_is_the_surest_of_the_decided_tests_only():
    from helpers.core.findings import Finding

    def verdict(test, kind, prob):
        return Finding("products.test", test, kind, {"winner": "B", "prob_best": prob})

    undecided = verdict("t1", "keep_running", 0.99)  # a high P(best) without a verdict is no winner
    assert findings.best_winner([undecided]) is None
    best = findings.best_winner([undecided, verdict("t2", "winner", 0.96), verdict("t3", "winner", 0.98)])
    assert best.subject == "t3"
