"""Products that refund abnormally: the joint test, shrinkage and the dispersion estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.areas.service import flags
from tests.areas.service.conftest import ODD


def _products(refunded: np.ndarray, lines: np.ndarray) -> pd.DataFrame:
    rows = [{"product_id": f"p{i}", "title": ODD if i == 0 else f"t{i}", "category": "c", "campaign_line": False,
             "paid_lines": int(lines[i]), "refunded": int(refunded[i]), "refund_amount": float(refunded[i]),
             "top_reason": "质量问题", "top_reason_refunds": int(refunded[i])} for i in range(len(lines))]
    rows.append({"product_id": "tiny", "title": "tiny", "category": "c", "campaign_line": False, "paid_lines": 3,
                 "refunded": 2, "refund_amount": 2.0, "top_reason": None, "top_reason_refunds": 0})
    return pd.DataFrame(rows)


def test_flagging_finds_the_bad_product_and_not_the_small_one():
    rng = np.random.default_rng(3)
    n = np.full(20, 500)
    k = rng.binomial(n, 0.10)
    k[0] = 130  # 26% against 10%
    found = flags.flag_products(_products(k, n))
    assert list(found.index[found["flagged"]]) == ["p0"]
    assert found.loc["tiny", "refund_rate_by_count"] == pytest.approx(2 / 3)
    assert found.loc["tiny", "shrunk"] < 0.3  # shrunk towards the category
    assert found.attrs["level"] == pytest.approx(1 - 0.05 / 21)
    expected = (k.sum() + 2) / (n.sum() + 3)  # one category, no campaign lines: its pooled rate
    assert found["category_expected"].to_numpy() == pytest.approx(np.full(21, expected))
    assert found.loc["p0", "excess_refunds"] == pytest.approx(130 - 500 * expected)
    assert list(found.columns) == flags.FLAG_COLUMNS


def test_the_posterior_is_the_beta_of_the_prior_and_the_counts():
    rng = np.random.default_rng(5)
    n = np.full(30, 300)
    k = rng.binomial(n, rng.beta(4, 36, 30))
    found = flags.flag_products(_products(k, n))
    row = found.loc["p1"]
    rho = row["rho"]
    assert rho == pytest.approx(flags.fit_dispersion(found["refunded"], found["paid_lines"],
                                                     found["category_expected"]))
    kappa = (1 - rho) / rho
    a = kappa * row["category_expected"] + row["refunded"]
    b = kappa * (1 - row["category_expected"]) + row["paid_lines"] - row["refunded"]
    level = found.attrs["level"]
    assert row["shrunk"] == pytest.approx(a / (a + b), rel=1e-12)
    assert row["low"] == pytest.approx(stats.beta.ppf((1 - level) / 2, a, b), rel=1e-12)
    assert row["high"] == pytest.approx(stats.beta.ppf((1 + level) / 2, a, b), rel=1e-12)


def test_no_products_give_an_empty_table_with_the_columns():
    empty = flags.flag_products(pd.DataFrame())
    assert empty.empty and list(empty.columns) == flags.FLAG_COLUMNS


def test_dispersion_is_zero_for_binomial_noise_and_positive_for_mixtures():
    rng = np.random.default_rng(0)
    n = np.full(200, 400)
    assert flags.fit_dispersion(rng.binomial(n, 0.1), n, np.full(200, 0.1)) < 0.003
    p = rng.beta(2, 18, 200)  # rho = 1 / (2 + 18 + 1)
    assert flags.fit_dispersion(rng.binomial(n, p), n, np.full(200, 0.1)) == pytest.approx(1 / 21, abs=0.02)
    assert flags.fit_dispersion([], [], []) == 0.0


@pytest.mark.recovery
def test_planted_defective_products_are_flagged_and_at_most_one_other(after_sales):
    planted = set(after_sales["truth"]["defects"])
    found = after_sales["flags"]
    flagged = set(found.index[found["flagged"]])
    assert planted <= flagged
    assert len(flagged - planted) <= 1
    for pid, d in after_sales["truth"]["defects"].items():
        assert found.loc[pid, "top_reason"] == d["refund_reason"]
        assert found.loc[pid, "refund_rate_by_count"] == pytest.approx(d["expected_refund_rate"], abs=0.03)
