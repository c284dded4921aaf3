"""The lifetime models on the shop: the sample generator's truth, the hold-out check, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import lifetime, models, sentences
from helpers.areas.customers.findings import build_recall_list
from helpers.areas.customers.purchases import summarize_customers
from helpers.areas.customers.repurchase import compare_repurchase
from helpers.areas.customers.rfm import score_rfm, split_rfm
from helpers.core.calendar import Period
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.notes import MetricNote, caught, quiet
from tests.areas.customers.shops import SAMPLE, make_shop


@pytest.mark.recovery
def test_fit_recovers_the_sample_generators_truth(customers_sample, truth):
    shop, period, summary = customers_sample
    per = pd.read_csv(SAMPLE / "ground_truth_customers.csv", dtype={"customer_id": str}).set_index("customer_id")
    per = per.reindex(summary.index)
    assert per["purchase_rate_per_day"].notna().all()
    # customers who bought before the data have size-biased rates (see the truth file): leave them out
    own = summary[~per["before_data"].astype(bool)]
    fit = models.fit_bgnbd(own["x"], own["t_x"], own["T"])
    params = truth["repeat_purchase"]["bgnbd"]
    for name, key in zip(models.BGNBD_PARAMS, ("r", "alpha_days", "a", "b"), strict=True):
        est, se = fit.params[name], fit.se[name]
        assert abs(math.log(est / params[key])) < 3.0 * se / est, (name, est, params[key])
    # P(alive) of repeat customers against who is really still active at the end
    rep = own[own["x"] > 0]
    p_alive = models.bgnbd_p_alive(fit.values(), rep["x"], rep["t_x"], rep["T"])
    alive = per.loc[rep.index, "alive_at_end"].astype(bool).to_numpy()
    assert p_alive.mean() == pytest.approx(alive.mean(), abs=0.03)
    likely, unlikely = alive[p_alive >= 0.7].mean(), alive[p_alive < 0.3].mean()
    assert likely > 0.65 and unlikely < 0.3


@pytest.mark.recovery
def test_holdout_check_on_the_sample(customers_sample):
    shop, period, _ = customers_sample
    check = lifetime.check_holdout(shop, period, 180)
    assert check.calibration_end == period.end - pd.Timedelta(days=180)
    agg = check.aggregate
    assert list(agg.index) == ["repeat_purchases", "spend_per_purchase"]
    assert abs(agg.loc["repeat_purchases", "error"]) < 0.05
    assert abs(agg.loc["spend_per_purchase", "error"]) < 0.05
    with quiet():
        calibration = summarize_customers(shop, Period(period.start, check.calibration_end))
    assert check.by_frequency["customers"].sum() == len(calibration)
    assert check.weekly["actual"].iloc[-1] == agg.loc["repeat_purchases", "actual"]
    assert check.weekly["predicted"].is_monotonic_increasing
    # the weekly curve (computed per distinct (x, T)) ends at the per-customer prediction's total
    assert check.weekly["predicted"].iloc[-1] == pytest.approx(agg.loc["repeat_purchases", "predicted"], rel=1e-9)
    with pytest.raises(ValueError, match="holdout_days"):
        lifetime.check_holdout(shop, period, 0)
    with pytest.raises(ValueError, match="holdout_days"):
        lifetime.run_holdout(shop, period, 0)
    ran, verdict = lifetime.run_holdout(shop, period, 180)
    assert ran is not None and verdict.verdict == "trust"
    skipped, finding = lifetime.run_holdout(shop, period, 600)
    assert skipped is None and finding.verdict == NOT_ENOUGH_DATA
    assert finding.evidence == {"holdout_days": 600, "history_days": 83, "max_days": 341}
    assert "`holdout_days` = 600 leaves only 83 days" in sentences.describe_holdout(finding, "en")
    assert "`holdout_days` = 600 之前只有 83 天历史" in sentences.describe_holdout(finding, "zh")


def test_score_lifetime_with_a_zero_horizon(simulated):
    _, sim = simulated
    summary = sim.rename(columns={"m": "repeat_value"}).head(3000)
    with caught() as found:
        life = lifetime.score_lifetime(summary, 0)
    assert found == []  # converged, no dates to speak of, spend independent of frequency
    assert (life.scores["expected_purchases"] == 0).all()
    assert (life.scores["expected_value"].fillna(0) == 0).all()
    assert life.new_customer()["purchases"] == 0
    assert list(life.scores.columns) == ["x", "t_x", "T", *lifetime.SCORE_COLUMNS]
    with pytest.raises(ValueError, match="horizon_days"):
        lifetime.score_lifetime(summary, -1)


def test_score_lifetime_says_what_the_models_assume(simulated):
    _, sim = simulated
    summary = sim.rename(columns={"m": "repeat_value"}).head(3000)
    summary["first_date"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(summary)) % 30, unit="D")
    with pytest.warns(MetricNote) as record:
        life = lifetime.score_lifetime(summary, 90)
    notes = [w.message.note for w in record if issubclass(w.category, MetricNote)]
    assert [(n.zh, n.en) for n in notes] == [(
        "生命周期模型：客户在数据中的第一次购买（数据始于 2025-01-01）算作首购；数据开始前就买过的客户看起来像新客，"
        "购买频率因此略微偏高",
        "lifetime models: a customer's first purchase in the data (from 2025-01-01) counts as their first; "
        "customers who bought before the data starts look new, which makes purchase rates look slightly higher")]
    assert [w.filename for w in record if issubclass(w.category, MetricNote)] == [__file__]
    assert life.bgnbd.converged and life.gamma_gamma is not None
    new = life.new_customer()
    assert new["value"] == pytest.approx(new["purchases"] * new["value_per_purchase"])


def test_a_shop_with_one_customer_and_one_order(tmp_path):
    shop = make_shop(tmp_path, [("o1", "00123", "2026-01-05 10:00:00", 99.0, "p1", "搜索")])
    period = Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-05"))
    s = summarize_customers(shop, period)
    assert s.loc["00123", ["x", "t_x", "T"]].tolist() == [0, 0, 0]
    rfm = score_rfm(s, split_rfm(s))
    # R 0 <= median 0 (recent), F 1 not above 1, M 99 not above 99: recent only, general
    assert rfm.loc["00123", "segment"] == "general_develop"
    with quiet():
        table = compare_repurchase(shop, period, days=0)
    assert table.loc["repurchase_rate_customers", "rate"] == 0.0
    assert "returning_rate" not in table.index  # no complete month pair
    with caught() as found:
        life = lifetime.score_lifetime(s, 90)
    assert life.bgnbd is None and life.scores["expected_purchases"].isna().all()
    assert [(n.zh, n.en) for n in found] == [(
        "只有 0 位客户购买过两次及以上（至少需要 10 位）：无法拟合生命周期模型，因此没有预计购买次数、预计消费金额和活跃概率",
        "only 0 customers bought more than once (at least 10 are needed): no lifetime model, so no expected "
        "purchases, values or P(active)")]
    assert "Too few" in sentences.describe_lifetime(life, "en")
    assert "复购客户太少" in sentences.describe_lifetime(life, "zh")
    assert build_recall_list(rfm, life, s).empty
    holdout, finding = lifetime.run_holdout(shop, period, 30)
    assert holdout is None and finding.verdict == NOT_ENOUGH_DATA
    assert finding.evidence == {"holdout_days": 30, "history_days": 0, "max_days": 0}
