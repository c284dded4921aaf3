"""The lifetime models on the shop: the sample generator's truth, the hold-out check, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import findings, lifetime, models, sentences
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
        findings.run_holdout(shop, period, 0)
    ran, verdict = findings.run_holdout(shop, period, 180)
    assert ran is not None and verdict.verdict == "trust"
    skipped, finding = findings.run_holdout(shop, period, 600)
    assert skipped is None and finding.verdict == NOT_ENOUGH_DATA
    assert finding.evidence == {"holdout_days": 600, "history_days": 84, "max_days": 342}  # 2025-01-01 ~ 03-25
    assert "`holdout_days` = 600 leaves only 84 days" in sentences.describe_holdout(finding, "en")
    assert "`holdout_days` = 600 之前只有 84 天历史" in sentences.describe_holdout(finding, "zh")


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
    holdout, finding = findings.run_holdout(shop, period, 30)
    assert holdout is None and finding.verdict == NOT_ENOUGH_DATA
    assert finding.evidence == {"holdout_days": 30, "history_days": 0, "max_days": 0}


def _cdnow_like_shop(folder):
    """Twelve customers, first purchases on 2017-01-01, the last purchase on 2018-06-30: CDNOW's span of
    1997-01-01 ~ 1998-06-30 twenty years on (the same day counts; the loader refuses dates before 2000)."""
    lines = []
    for i in range(12):
        for n, day in enumerate(("2017-01-01", f"2017-03-{10 + i:02d}", f"2017-08-{10 + i:02d}",
                                 f"2018-02-{10 + i:02d}")):
            lines.append((f"o{i}-{n}", f"c{i:02d}", f"{day} 10:00:00", 20.0 + i + n, "p1", "搜索"))
    lines.append(("last", "c00", "2018-06-30 10:00:00", 30.0, "p1", "搜索"))
    return make_shop(folder, lines)


def test_holdout_counts_history_days_as_periods_do(tmp_path):
    """CDNOW's standard split, 39 + 39 weeks: 1997-01-01 ~ 09-30 (273 days by Period.days) then
    273 days of hold-out. The check counted 272 (end minus start) and refused it by one day."""
    shop = _cdnow_like_shop(tmp_path)
    period = Period(pd.Timestamp("2017-01-01"), pd.Timestamp("2018-06-30"))
    assert Period(pd.Timestamp("2017-01-01"), pd.Timestamp("2017-09-30")).days == 273
    with quiet():
        check = lifetime.check_holdout(shop, period, 273)
    assert check.calibration_end == pd.Timestamp("2017-09-30") and check.holdout_days == 273
    assert check.aggregate.loc["repeat_purchases", "actual"] == 13  # one in 2018-02 each, and the last order
    # one day more leaves 272 days of history: refused, and the most it can be is half of 546 days
    skipped, finding = findings.run_holdout(shop, period, 274)
    assert skipped is None
    assert finding.evidence == {"holdout_days": 274, "history_days": 272, "max_days": 273}


def test_a_fit_that_did_not_converge_is_noted():
    """Customers who never drop out (Online Retail's regime) leave BG/NBD's a and b undetermined:
    a note says the fit did not converge and why, in both languages."""
    sim = models.simulate_bgnbd(3000, (0.8, 60.0, 1e-6, 1e4), 200.0, seed=3)
    with caught() as found:
        life = lifetime.score_lifetime(sim.assign(repeat_value=np.nan), 90)
    assert not life.bgnbd.converged and np.isfinite(life.scores["expected_purchases"]).all()
    said = [n for n in found if "BG/NBD" in n.en]
    assert [(n.zh, n.en) for n in said] == [(
        "BG/NBD 模型在全部历史上没有收敛（似然在某个方向上是平的，没有标准误，数据无法确定参数）：它的预测不可靠，不作为结论",
        "the BG/NBD model did not converge on the whole history (the likelihood is flat in some direction, so "
        "there are no standard errors: the data cannot pin the parameters down): its predictions are not "
        "reliable and are not used as a verdict")]
