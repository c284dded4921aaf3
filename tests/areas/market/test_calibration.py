"""Tests for helpers.areas.market.calibration: the index-to-sales mapping, its intervals and its trust."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.areas.market import calibration, size
from helpers.areas.market.calibration import Calibration, CalibrationError
from tests.areas.market.small import notes_saying, row, write_market


def _synthetic(n=60, seed=7):
    rng = np.random.default_rng(seed)
    lx = rng.uniform(np.log(20), np.log(5000), n)
    ly = -1.3 + 1.56 * lx + rng.normal(0, 0.05, n)
    return np.exp(lx), np.exp(ly)


def test_fit_gives_statsmodels_ols_numbers():
    """The normal equations give what statsmodels' OLS gives (to 1e-12): coefficients, σ, their
    covariance and R²; the leave-one-out coverage counts statsmodels' externally studentized
    residuals, which equal the deleted-residual formula the module used to write out (to 1e-12)
    and give the same coverage."""
    import statsmodels.api as sm
    from scipy import stats
    from statsmodels.stats.outliers_influence import OLSInfluence

    index, sales = _synthetic()
    cal = calibration.fit_index_calibration(index, sales, 0.9)
    X = sm.add_constant(np.log(index))
    y = np.log(sales)
    res = sm.OLS(y, X).fit()
    np.testing.assert_allclose([cal.alpha, cal.beta], res.params, rtol=1e-12)
    np.testing.assert_allclose(cal.sigma, np.sqrt(res.scale), rtol=1e-12)
    np.testing.assert_allclose(np.array(cal.cov), res.cov_params(), rtol=1e-12)
    np.testing.assert_allclose(cal.r2, res.rsquared, rtol=1e-12)
    assert cal.dof == res.df_resid == len(y) - 2
    # the old hand-written leave-one-out: deleted residual over its own standard error, on the
    # same residuals (the fits themselves agree to 1e-12 above)
    xtx_inv = np.linalg.inv(X.T @ X)
    hat = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    e = res.resid
    s2_del = (e @ e - e**2 / (1 - hat)) / (cal.dof - 1)
    t_del = e / np.sqrt(s2_del * (1 - hat))
    np.testing.assert_allclose(OLSInfluence(res).resid_studentized_external, t_del, rtol=1e-12)
    assert cal.loo_coverage == np.mean(np.abs(t_del) <= stats.t.ppf(0.95, cal.dof - 1))
    assert (cal.index_min, cal.index_max, cal.n, cal.confidence) == (index.min(), index.max(), 60, 0.9)


def test_prediction_interval_is_statsmodels_obs_interval():
    """low/high = exp of statsmodels' prediction interval of one observation (obs_ci); the
    estimate is the ln-normal mean exp(μ + σ²/2)."""
    import statsmodels.api as sm

    index, sales = _synthetic()
    cal = calibration.fit_index_calibration(index, sales, 0.8)
    res = sm.OLS(np.log(sales), sm.add_constant(np.log(index))).fit()
    new = np.array([5.0, 100.0, 300.0, 2000.0, 40000.0])
    frame = res.get_prediction(sm.add_constant(np.log(new))).summary_frame(alpha=0.2)
    pred = calibration.predict_sales(cal, new)
    np.testing.assert_allclose(pred["low"], np.exp(frame["obs_ci_lower"]), rtol=1e-12)
    np.testing.assert_allclose(pred["high"], np.exp(frame["obs_ci_upper"]), rtol=1e-12)
    np.testing.assert_allclose(pred["estimate"], np.exp(frame["mean"] + res.scale / 2), rtol=1e-12)
    assert pred["extrapolated"].tolist() == [True, False, False, False, True]
    assert calibration.predict_sales(cal, [0.0, -1.0])["estimate"].isna().all()


@pytest.mark.recovery
def test_calibration_recovers_the_index_mapping(cal, market_truth):
    params = market_truth["trade_index"]
    assert cal.beta == pytest.approx(1 / params["b"], rel=0.02)
    assert cal.alpha == pytest.approx(-np.log(params["a"]) / params["b"], abs=0.05)
    assert cal.sigma == pytest.approx(params["sd"] / params["b"], rel=0.2)
    assert 0.85 <= cal.loo_coverage <= 0.95


@pytest.mark.recovery
def test_index_only_listings_inside_intervals_at_the_stated_rate(shop, cal, market_truth):
    m = shop.table("market").execute()
    hits = []
    for lid, entry in market_truth["index_only_units"].items():
        rows = m[m["listing_id"] == lid].sort_values("month")
        assert f"{rows['month'].iloc[0]:%Y-%m-%d}" == entry["first_month"]
        assert rows["units"].isna().all()
        pred = calibration.predict_sales(cal, rows["trade_index"])
        true_sales = np.array(entry["units"]) * rows["price"].to_numpy()
        hits.extend((pred["low"].to_numpy() <= true_sales) & (true_sales <= pred["high"].to_numpy()))
    assert len(hits) > 300
    assert 0.84 <= np.mean(hits) <= 0.96  # stated rate 90%


def test_too_few_index_pairs_give_a_clear_message_not_a_crash(tmp_path):
    rows = [row(f"2025-0{m}-01", "Own", "1", 10 + m, own=True) for m in range(1, 4)]
    rows += [row(f"2025-0{m}-01", "B", "2", None, index=50.0 + m) for m in range(1, 4)]
    shop = write_market(tmp_path, rows)
    pairs = calibration.calibration_pairs(shop)
    with pytest.raises(CalibrationError, match="only 3 .*pairs.*at least 8") as raised:
        calibration.fit_index_calibration(pairs["trade_index"], pairs["sales"])
    assert "只有 3 组" in raised.value.zh
    with notes_saying("未能还原交易指数：本店只有 3 组", "index calibration not fitted: only 3"):
        cal = calibration.calibrate(shop)
    assert cal is None
    with notes_saying("3 个商品月只有交易指数", "3 listing-months have only a trade index"):
        s = size.listing_sales(shop, cal, "c")
    monthly = size.market_size(s, cal, "2025-03-31")
    assert monthly["sales"].tolist() == [1100.0, 1200.0, 1300.0]  # known units only, said so


def test_a_mapping_that_falls_is_refused():
    index = np.arange(1, 11, dtype=float)
    with pytest.raises(ValueError, match="not increasing") as raised:
        calibration.fit_index_calibration(index, 100 / index)
    assert "不是递增的" in raised.value.zh


def test_an_index_without_spread_is_refused():
    with pytest.raises(CalibrationError, match="every own trade index value is the same"):
        calibration.fit_index_calibration(np.full(10, 50.0), np.arange(1, 11, dtype=float))


def _cal(**kw) -> Calibration:
    base = {"alpha": 0.0, "beta": 1.0, "cov": ((0.0, 0.0), (0.0, 0.0)), "sigma": 0.0, "n": 10, "r2": 1.0,
            "index_min": 10.0, "index_max": 100.0, "loo_coverage": 0.9, "confidence": 0.9}
    return Calibration(**{**base, **kw})


def test_competitor_estimates_and_extrapolated_share(tmp_path):
    rows = [row("2025-01-01", "Own", "1", 10, own=True, index=50.0)]
    rows += [row("2025-01-01", "B", "2", None, price=20.0, index=40.0),
             row("2025-01-01", "C", "3", None, price=10.0, index=400.0),
             row("2025-02-01", "C", "3", None, price=10.0, index=80.0)]
    shop = write_market(tmp_path, rows)
    cal = _cal()  # sales = index exactly
    s = size.listing_sales(shop, cal, "c")
    est = calibration.competitor_estimates(s, cal, "2025-01-01")
    assert list(est.index) == ["3", "2"]  # largest first
    assert est["estimate"].tolist() == pytest.approx([400.0, 40.0])
    assert est["units"].tolist() == pytest.approx([40.0, 2.0])
    assert est["extrapolated"].tolist() == [True, False]
    assert calibration.extrapolated_share(shop, cal) == pytest.approx(1 / 3)  # 400 of (40, 400, 80)
