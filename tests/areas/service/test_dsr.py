"""DSR: the scores against the peer tier, what happened to each reviewed line, and the drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.service import dsr, scope
from helpers.core.notes import caught
from helpers.core.shop import connect
from helpers.core.stats import z_value
from tests.areas.service.conftest import MARCH


def test_dsr_summary_of_the_hand_built_shop(shop):
    summary = dsr.summarize_dsr(dsr.load_dsr(shop, MARCH))
    assert summary.index.name == "dsr_score" and list(summary.index) == list(dsr.DSR_SCORES)
    assert summary.loc["description", "last"] == pytest.approx(4.75)
    assert summary.loc["description", "score_change"] == pytest.approx(-0.05)
    assert summary.loc["description", "gap"] == pytest.approx(-0.10)
    assert summary.loc["description", "min_date"] == pd.Timestamp("2026-03-31")
    assert summary.loc["service", "gap"] == pytest.approx(0.05)
    assert dsr.summarize_dsr(None)["last"].isna().all()


def test_review_experience_of_the_hand_built_shop(shop):
    experience = dsr.review_experience(shop, MARCH, 48, flagged=["p1"], end=scope.data_end(shop))
    assert len(experience) == 4
    lines = experience.set_index(["order_id", "product_id"])
    assert lines.loc[("o2", "p1"), "late_shipped"]
    assert lines.loc[("o1", "p1"), "refunded"]
    assert not lines.loc[("o1", "p1"), "slow_response"]
    assert lines.loc[("o4", "p1"), "flagged_product"] and not lines.loc[("o4", "p2"), "flagged_product"]


def test_an_order_without_a_customer_is_not_linked_to_a_chat_without_one(shop, shop_copy):
    """o2's buyer and a slow converted chat an hour before its payment both have an empty id: no one, no link."""
    orders = shop.table("orders").execute()
    orders.loc[orders["order_id"] == "o2", "customer_id"] = ""
    chat_log = shop.table("service").execute()
    chat_log.loc[len(chat_log)] = {"chat_time": pd.Timestamp("2026-03-03 09:00:00"), "customer_id": "",
                                   "agent": "小悦", "first_response_seconds": 600, "converted": True}
    for name, frame in (("orders", orders), ("service", chat_log)):
        (shop_copy / f"{name}.csv").unlink()
        frame.to_parquet(shop_copy / f"{name}.parquet")
    experience = dsr.review_experience(connect(shop_copy), MARCH, 48, end=pd.Timestamp("2026-04-30"))
    assert not experience["slow_response"].any()


def test_ols_with_robust_errors():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, 2000)
    y = 4.9 - 0.6 * x + rng.normal(0, 0.3 + 0.3 * x)
    fit = dsr.fit_ols(np.column_stack([np.ones(2000), x]), y)
    assert fit.loc[1, "coefficient"] == pytest.approx(-0.6, abs=0.05)
    assert fit.loc[1, "low"] < -0.6 < fit.loc[1, "high"]


def test_ols_is_statsmodels_with_the_hand_written_hc1_numbers():
    """statsmodels' OLS with HC1 gives the sandwich formula the module used to write out."""
    rng = np.random.default_rng(4)
    n = 1500
    X = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, 2, n)])
    y = 4.8 - 0.4 * X[:, 1] - 0.2 * X[:, 2] + rng.normal(0, 0.3 + 0.4 * X[:, 1])
    fit = dsr.fit_ols(X, y, confidence=0.9)
    bread = np.linalg.pinv(X.T @ X)
    beta = bread @ X.T @ y
    e = y - X @ beta
    cov = bread @ (X.T @ (X * (e**2)[:, None])) @ bread * n / (n - X.shape[1])
    se = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(fit["coefficient"], beta, rtol=1e-10)
    np.testing.assert_allclose(fit["se"], se, rtol=1e-10)
    z = z_value(0.9)
    np.testing.assert_allclose(fit["low"], beta - z * se, rtol=1e-10)
    np.testing.assert_allclose(fit["high"], beta + z * se, rtol=1e-10)


def test_drivers_are_one_regression_per_score():
    rng = np.random.default_rng(6)
    n = 800
    late = rng.random(n) < 0.2
    refunded = rng.random(n) < 0.1
    experience = pd.DataFrame({"description": 4.9 - 0.1 * refunded + rng.normal(0, 0.2, n),
                               "service": 4.9 - 0.5 * refunded + rng.normal(0, 0.2, n),
                               "logistics": 4.9 - 0.7 * late + rng.normal(0, 0.2, n),
                               "late_shipped": late, "refunded": refunded, "flagged_product": False})
    drivers = dsr.dsr_drivers(experience)
    assert list(drivers.columns) == dsr.DRIVER_COLUMNS
    assert set(drivers["driver"]) == {"late_shipped", "refunded"}  # a driver that never happens has no contrast
    row = drivers.set_index(["dsr_score", "driver"]).loc[("logistics", "late_shipped")]
    assert row["coefficient"] == pytest.approx(-0.7, abs=0.05)
    assert row["score_impact"] == pytest.approx(row["coefficient"] * late.mean())
    assert row["share_of_reviews"] == pytest.approx(late.mean()) and row["n"] == n


def test_drivers_without_reviews_are_an_empty_table_with_a_note(shop, tmp_path):
    folder = tmp_path / "orders_only"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(shop.files["orders"][0].read_bytes())
    with caught() as notes:
        drivers = dsr.find_dsr_drivers(connect(folder), MARCH)
    assert drivers.empty and list(drivers.columns) == dsr.DRIVER_COLUMNS
    assert any("`reviews`" in n.en and "`reviews`" in n.zh for n in notes)


@pytest.mark.recovery
def test_dsr_drivers_recover_the_planted_effects(after_sales):
    drivers = after_sales["drivers"].set_index(["dsr_score", "driver"])
    planted = after_sales["truth"]["dsr"]["effects_on_expected_score"]
    for score, driver in (("logistics", "late"), ("service", "refunded"), ("service", "slow_response")):
        name = "late_shipped" if driver == "late" else driver
        row = drivers.loc[(score, name)]
        assert row["low"] <= planted[score][driver] <= row["high"], (score, driver, row["coefficient"])
        # found (the interval below 0) and narrow enough to act on; not the point within ±0.15: over
        # 10 seeds of the sample the slow-response point had an SD of 0.10 and a 95% half-width of
        # 0.18-0.30 (with or without the day effect on conversion), the others 0.04-0.05
        assert row["high"] < 0 and (row["high"] - row["low"]) / 2 <= 0.35, (score, driver)
    # a flagged (defective) product costs 描述相符 about defect share x 1.2 points
    assert drivers.loc[("description", "flagged_product"), "coefficient"] < -0.25


@pytest.mark.recovery
def test_dsr_table_sits_near_the_planted_peer_tier(after_sales):
    summary = dsr.summarize_dsr(dsr.load_dsr(after_sales["shop"], after_sales["period"]))
    for key, peer in after_sales["truth"]["dsr"]["peer_average"].items():
        assert summary.loc[key, "peer"] == pytest.approx(peer, abs=0.03)
        assert 4.5 < summary.loc[key, "last"] <= 5
