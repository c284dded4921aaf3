"""Customers and members: hand-built shops with known answers, the models against closed forms,
simulations from known parameters and the sample generator's truth, and the report itself."""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import customers as cu
from helpers import data, metrics, report
from helpers.params import Period

SAMPLE = data.project_root() / "data" / "sample"
COLUMNS = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
           "paid_amount", "source", "status"]
END = pd.Timestamp("2026-03-31")
PERIOD = Period(pd.Timestamp("2026-01-01"), END)


def make_shop(folder, lines, refunds=None):
    """A shop from order lines (order, customer, pay time, paid, product, source), all paid."""
    rows = [(o, t, t, c, p, 1, paid, paid, s, "paid") for o, c, t, paid, p, s in lines]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.to_csv(folder / "orders.csv", index=False)
    if refunds:
        pd.DataFrame(refunds, columns=["order_id", "product_id", "refund_time", "refund_amount", "quantity",
                                       "reason"]).to_csv(folder / "refunds.csv", index=False)
    return data.connect(folder)


@pytest.fixture()
def small(tmp_path):
    """A: 2 orders on Jan 5 and one on Feb 4; B: 1 order of 2 lines; C: 1 order; D: refunded in full."""
    lines = [
        ("o1", "A", "2026-01-05 10:00:00", 100.0, "p1", "搜索"),
        ("o2", "A", "2026-01-05 18:00:00", 50.0, "p2", "直通车"),
        ("o3", "A", "2026-02-04 09:00:00", 80.0, "p1", "购物车"),
        ("o4", "B", "2026-03-01 12:00:00", 30.0, "p1", "搜索"),
        ("o4", "B", "2026-03-01 12:00:00", 70.0, "p2", "搜索"),
        ("o5", "C", "2026-03-30 08:00:00", 20.0, "p2", "直通车"),
        ("o6", "D", "2026-02-10 08:00:00", 60.0, "p1", "搜索"),
    ]
    refunds = [
        ("o6", "p1", "2026-02-15 10:00:00", 60.0, 1, "不想要了"),  # D: refunded in full
        ("o3", "p1", "2026-02-10 10:00:00", 500.0, 1, "质量问题"),  # more than paid: capped at the line
    ]
    return make_shop(tmp_path, lines, refunds)


# ------------------------------------------------------------------ purchases and summary


def test_summary_counts_same_day_orders_once_or_per_order(small):
    once = cu.summarize_customers(small, PERIOD, "once")
    per = cu.summarize_customers(small, PERIOD, "per_order")
    assert list(once.index) == ["A", "B", "C", "D"]
    assert once.loc["A", ["purchases", "x"]].tolist() == [2, 1]
    assert per.loc["A", ["purchases", "x"]].tolist() == [3, 2]
    assert once.loc["B", "purchases"] == per.loc["B", "purchases"] == 1  # two lines, one order
    # t_x and T in days: first Jan 5, last Feb 4, end Mar 31
    assert once.loc["A", "t_x"] == 30 and once.loc["A", "T"] == 85
    assert once.loc["A", "recency_days"] == (END - pd.Timestamp("2026-02-04")).days
    # values net of refunds; a refund above the paid amount leaves 0, never a negative value
    assert once.loc["A", "sales"] == pytest.approx(150.0)  # 100 + 50 + (80 - 80)
    assert once.loc["A", "first_value"] == pytest.approx(150.0)  # both Jan 5 orders together
    assert per.loc["A", "first_value"] == pytest.approx(100.0)
    assert once.loc["A", "repeat_value"] == pytest.approx(0.0)
    assert per.loc["A", "repeat_value"] == pytest.approx(25.0)  # (50 + 0) / 2
    assert once.loc["A", "first_source"] == "搜索" and once.loc["A", "first_product"] == "p1"
    assert once.loc["B", "first_product"] == "p2"  # the line with the larger paid amount
    assert pd.isna(once.loc["C", "repeat_value"]) and once.loc["C", "x"] == 0


def test_ties_go_to_the_smallest_id(tmp_path):
    """Equal lines, equal orders and orders paid in the same second: the smallest id wins, on any engine."""
    shop = make_shop(tmp_path, [
        ("o1", "A", "2026-01-05 10:00:00", 50.0, "p2", "直通车"),
        ("o1", "A", "2026-01-05 10:00:00", 50.0, "p1", "直通车"),  # o1: two equal lines -> p1
        ("o2", "A", "2026-01-05 10:00:00", 100.0, "p0", "搜索"),  # same second, same gross as o1
    ])
    once = cu.summarize_customers(shop, PERIOD, "once")
    assert once.loc["A", ["first_product", "first_source", "first_value"]].tolist() == ["p0", "搜索", 200.0]
    per = cu.summarize_customers(shop, PERIOD, "per_order")
    assert per.loc["A", ["first_product", "first_source", "first_value"]].tolist() == ["p1", "直通车", 100.0]
    assert per.loc["A", "second_date"] == pd.Timestamp("2026-01-05")


def test_order_refunded_in_full_is_a_purchase_worth_nothing(small):
    s = cu.summarize_customers(small, PERIOD)
    assert s.loc["D", "purchases"] == 1 and s.loc["D", "sales"] == 0.0
    assert (s["sales"] >= 0).all()
    rfm = cu.score_rfm(s, cu.split_rfm(s))
    assert rfm.loc["D", "monetary"] == 0.0 and not rfm.loc["D", "m_high"]


def test_missing_customer_ids_are_counted_in_a_note(tmp_path):
    shop = make_shop(tmp_path, [("o1", "A", "2026-01-05 10:00:00", 10.0, "p1", "搜索"),
                                ("o2", "", "2026-01-06 10:00:00", 30.0, "p1", "搜索")])
    assert list(cu.summarize_customers(shop, PERIOD).index) == ["A"]
    notes = cu.count_excluded_lines(shop, PERIOD)
    assert notes and "1 of 2 paid order lines" in notes[0] and "30.00 yuan" in notes[0]


def test_ids_that_look_like_numbers_stay_text(tmp_path):
    shop = make_shop(tmp_path, [
        ("1", "007", "2026-01-05 10:00:00", 10.0, "p1", "搜索"),
        ("2", "7", "2026-01-06 10:00:00", 20.0, "p1", "搜索"),
        ("3", "0070", "2026-01-07 10:00:00", 30.0, "p1", "搜索"),
        ("4", "007", "2026-02-07 10:00:00", 40.0, "p1", "搜索"),
    ])
    s = cu.summarize_customers(shop, PERIOD)
    assert sorted(s.index) == ["007", "0070", "7"]
    assert s.loc["007", "purchases"] == 2 and s.loc["7", "purchases"] == 1
    masks = cu.mask_ids(s.index, "salt")
    assert len(set(masks)) == 3


# ------------------------------------------------------------------ RFM


def test_rfm_segments_match_hand_computed_values(small):
    s = cu.summarize_customers(small, PERIOD)
    # R: A 55, B 30, C 1, D 49 days; F: 2, 1, 1, 1; M: 150, 100, 20, 0
    splits = cu.split_rfm(s)
    assert (splits.recency_days, splits.frequency, splits.monetary) == (39.5, 1.0, 60.0)
    assert set(splits.chosen.values()) == {"median"}
    rfm = cu.score_rfm(s, splits)
    assert rfm.loc["A", ["recency_days", "frequency", "monetary"]].tolist() == [55, 2, 150]
    assert rfm["segment"].to_dict() == {"A": "important_keep", "B": "important_develop",
                                        "C": "general_develop", "D": "general_retain"}
    given = cu.split_rfm(s, recency_days=60, frequency=1, monetary=120)
    assert given.chosen == {"recency_days": "parameter", "frequency": "parameter", "monetary": "parameter"}
    assert cu.score_rfm(s, given).loc["A", "segment"] == "important_value"
    seg = cu.summarize_segments(rfm)
    assert list(seg.index) == list(cu.SEGMENTS) and seg["customers"].sum() == 4
    assert seg.loc["important_keep", "share_of_sales"] == pytest.approx(150 / 270)
    assert seg.loc["general_value", "customers"] == 0 and pd.isna(seg.loc["general_value", "monetary"])


def test_rfm_splits_must_not_be_negative(small):
    s = cu.summarize_customers(small, PERIOD)
    with pytest.raises(ValueError, match="rfm_monetary"):
        cu.split_rfm(s, monetary=-1)


def test_segment_trend_uses_the_same_splits_each_month(small):
    s = cu.summarize_customers(small, PERIOD)
    splits = cu.split_rfm(s)
    trend = cu.segment_trend(small, PERIOD, splits)
    wide = trend.pivot(index="date", columns="segment", values="customers")
    assert list(wide.index) == list(pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-31"]))
    assert wide.loc["2026-01-31"].sum() == 1 and wide.loc["2026-03-31"].sum() == 4
    # at the last month end the trend equals the scored segments
    final = cu.summarize_segments(cu.score_rfm(s, splits))["customers"]
    assert wide.loc["2026-03-31"].reindex(final.index).tolist() == final.tolist()
    march = trend[trend["date"] == "2026-03-31"].set_index("segment")["month_sales"]
    assert march.sum() == pytest.approx(120.0)  # B 100 + C 20 in March


def _trend_by_brute_force(shop, period, splits, rule):
    """Every customer scored at every month end from their purchases up to it (the definition)."""
    p = cu.paid_purchases(shop, period.end, period.start, rule).execute()
    p["pay_date"] = pd.to_datetime(p["pay_date"])
    rows = []
    for end in cu.month_ends(period):
        upto = p[p["pay_date"] <= end]
        per = upto.groupby("customer_id").agg(last=("pay_date", "max"), frequency=("pay_date", "size"),
                                              monetary=("value", "sum"))
        month = upto[upto["pay_date"] >= end.replace(day=1)].groupby("customer_id")["value"].sum()
        per["month_sales"] = month.reindex(per.index).fillna(0.0)
        r, f, m = cu._rfm_flags((end - per["last"]).dt.days, per["frequency"], per["monetary"], splits)
        per["segment"] = [cu._SEGMENT_BY_FLAGS[k] for k in zip(r, f, m, strict=True)]
        sizes = per.groupby("segment").agg(customers=("last", "size"), month_sales=("month_sales", "sum"))
        for key in cu.SEGMENTS:
            rows.append({"date": end, "segment": key,
                         "customers": int(sizes["customers"].get(key, 0)),
                         "month_sales": float(sizes["month_sales"].get(key, 0.0))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("rule, start, end, recency, frequency, monetary", [
    ("once", "2025-03-15", "2026-08-20", 0, 0, 0),  # medians; the period starts and ends mid-month
    ("per_order", "2025-01-01", "2026-06-30", 45.5, 2, 300),  # a fractional recency split
    ("once", "2025-10-01", "2026-01-10", 7, 1, 150),  # R turns low within a month without purchases
])
def test_segment_trend_equals_scoring_every_customer_at_every_month_end(rule, start, end, recency, frequency,
                                                                        monetary):
    sample = data.connect(SAMPLE)
    period = Period(pd.Timestamp(start), pd.Timestamp(end))
    splits = cu.split_rfm(cu.summarize_customers(sample, period, rule), recency, frequency, monetary)
    trend = cu.segment_trend(sample, period, splits, rule)
    expected = _trend_by_brute_force(sample, period, splits, rule)
    assert trend["customers"].sum() > 1000 and trend["segment"].nunique() == 8
    pd.testing.assert_frame_equal(trend[["date", "segment", "customers"]], expected[["date", "segment", "customers"]],
                                  check_dtype=False)
    np.testing.assert_allclose(trend["month_sales"], expected["month_sales"], rtol=1e-9, atol=1e-6)


# ------------------------------------------------------------------ repurchase


@pytest.mark.parametrize("rule, customers, orders", [("once", (1, 4), (2, 5)), ("per_order", (1, 4), (3, 6))])
def test_repurchase_definitions_match_hand_counts(small, rule, customers, orders):
    table, notes = report.capture_notes(cu.compare_repurchase, small, PERIOD, rule, days=30)
    assert notes == ["N日复购率: 1 of 4 cohort customers left out: their 30-day window runs past the data's "
                     "last day (2026-03-31)"]
    assert tuple(table.loc["repurchase_rate_customers", ["numerator", "denominator"]]) == customers
    assert tuple(table.loc["repurchase_rate_orders", ["numerator", "denominator"]]) == orders
    # 30-day window: A (Jan 5 -> Feb 4, 30 days) counts; C's window runs past the end
    assert tuple(table.loc["repurchase_within_days", ["numerator", "denominator"]]) == (1, 3)
    # returning: February buyers (A, D) buying again in March: none
    assert tuple(table.loc["returning_rate", ["numerator", "denominator"]]) == (0, 2)
    assert table.loc["repurchase_within_days", "label"] == "30日复购率"


def test_gaps_and_returning_by_month(small):
    once, per = cu.summarize_gaps(small, PERIOD, "once"), cu.summarize_gaps(small, PERIOD, "per_order")
    assert once.to_dict("list") == {"days": [30], "purchases": [1]}
    assert per.to_dict("list") == {"days": [0, 30], "purchases": [1, 1]}
    stats = cu.describe_gaps(per)
    assert stats["median"] == 0 and stats["within_30"] == 1.0
    assert math.isnan(cu.describe_gaps(once.iloc[:0])["median"])
    ret = cu.returning_by_month(small, PERIOD)
    assert ret["month"].tolist() == list(pd.to_datetime(["2026-02-01", "2026-03-01"]))
    assert ret["previous_customers"].tolist() == [1, 2] and ret["returning_customers"].tolist() == [1, 0]


@pytest.fixture(scope="module")
def sample():
    shop = data.connect(SAMPLE)
    from helpers.params import check_params

    period = check_params(shop, default="all").period
    return shop, period, cu.summarize_customers(shop, period)


def test_repurchase_by_source_adds_up_to_the_metric(sample):
    shop, period, summary = sample
    by = cu.repurchase_by(summary, period, "first_source", 90, cu.source_labels(shop))
    orders = cu._metric_orders(shop, period.end, "once")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        whole = metrics.repurchase_within_days_from_orders(orders, 90, period.start, period.end,
                                                           data_end=period.end)
    assert by["customers"].sum() == whole.denominator and by["repeat_customers"].sum() == whole.numerator
    assert (by["low"] <= by["rate"]).all() and (by["rate"] <= by["high"]).all()
    assert all(" · " in name for name in by.index if name != "__other__")  # source groups from traffic


# ------------------------------------------------------------------ cohorts


def test_single_cohort_retention_and_sales(tmp_path):
    shop = make_shop(tmp_path, [
        ("o1", "A", "2026-01-03 10:00:00", 100.0, "p1", "搜索"),
        ("o2", "B", "2026-01-20 10:00:00", 50.0, "p1", "搜索"),
        ("o3", "A", "2026-02-01 10:00:00", 30.0, "p1", "搜索"),
        ("o4", "A", "2026-03-15 10:00:00", 20.0, "p1", "搜索"),
        ("o5", "B", "2026-03-16 10:00:00", 10.0, "p1", "搜索"),
    ])
    cohorts, notes = cu.build_cohorts(shop, PERIOD)
    assert notes == []
    assert cohorts["cohort"].nunique() == 1 and cohorts["age"].tolist() == [0, 1, 2]
    assert cohorts["retention"].tolist() == [1.0, 0.5, 1.0]
    assert cohorts["cumulative_sales_per_customer"].tolist() == pytest.approx([75.0, 90.0, 105.0])
    stats = cu.summarize_cohorts(cohorts)
    assert stats["retention_1"] == 0.5 and math.isnan(stats["retention_3"])
    assert cu.pivot_cohorts(cohorts).shape == (1, 3)
    # a period ending mid-month stops at the last complete month, and says so
    cut, notes = cu.build_cohorts(shop, Period(PERIOD.start, pd.Timestamp("2026-03-20")))
    assert cut["age"].max() == 1 and "2026-02-28" in notes[0]


# ------------------------------------------------------------------ the models


R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426  # Fader, Hardie & Lee (2005) on CDNOW, weeks


def test_bgnbd_loglik_hand_checkable_values():
    # r = alpha = a = b = 1: x = 0, T = 1 -> 1/2; x = 1, t_x = 1, T = 2 -> 1/18 + 1/8 = 13/72
    ll = cu.bgnbd_loglik((1, 1, 1, 1), [0, 1], [0, 1], [1, 2])
    assert ll == pytest.approx(np.log([1 / 2, 13 / 72]), abs=1e-12)
    # Gamma-Gamma p = 1, q = 2, gamma = 1, one purchase of 1: 2! / (1! 1!) / 2^3 = 1/4
    assert cu.gamma_gamma_loglik((1, 2, 1), [1], [1.0]) == pytest.approx([np.log(0.25)])


def test_bgnbd_loglik_equals_integrating_the_individual_model():
    """The closed form against integrating lambda and p out of the individual likelihood."""
    from scipy import integrate

    r, alpha, a, b = 2.0, 10.0, 1.5, 3.0
    x, t_x, T = 3, 20.0, 38.0
    gamma_norm = alpha ** r / math.gamma(r)
    beta_norm = math.gamma(a + b) / (math.gamma(a) * math.gamma(b))

    def individual(lam, p):  # purchases while active, then (maybe) dropout after the last one
        alive = (1 - p) ** x * lam ** x * math.exp(-lam * T)
        dead = p * (1 - p) ** (x - 1) * lam ** x * math.exp(-lam * t_x)
        prior = gamma_norm * lam ** (r - 1) * math.exp(-alpha * lam) * beta_norm * p ** (a - 1) * (1 - p) ** (b - 1)
        return (alive + dead) * prior

    value, _ = integrate.dblquad(individual, 0, 1, 0, 3, epsabs=1e-14, epsrel=1e-10)
    assert cu.bgnbd_loglik((r, alpha, a, b), [x], [t_x], [T])[0] == pytest.approx(math.log(value), abs=1e-6)


def test_analytic_gradients_match_finite_differences(simulated):
    from scipy import optimize

    _, sim = simulated
    x, t_x, T = (sim[c].to_numpy(dtype=float)[:2000] for c in ("x", "t_x", "T"))
    w = np.ones_like(x)
    point = np.array([0.5, 30.0, 1.2, 2.5])
    numeric = optimize.approx_fprime(point, lambda p: cu._bgnbd_grad(p, x, t_x, T, w)[0], 1e-6)
    assert cu._bgnbd_grad(point, x, t_x, T, w)[1] == pytest.approx(numeric, rel=1e-4)
    rep = sim[sim["x"] > 0].head(2000)
    xs, ms = rep["x"].to_numpy(dtype=float), rep["m"].to_numpy(dtype=float)
    w = np.ones_like(xs)
    point = np.array([3.0, 5.0, 250.0])
    numeric = optimize.approx_fprime(point, lambda p: cu._gg_grad(p, xs, ms, w)[0], 1e-6)
    assert cu._gg_grad(point, xs, ms, w)[1] == pytest.approx(numeric, rel=1e-4)


def test_expected_purchases_match_the_hypergeometric_closed_form():
    from scipy import special

    def closed_form(r, alpha, a, b, x, t_x, T, t):  # Fader, Hardie & Lee (2005), eq. 10
        head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                            * special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        return head / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))

    x, t_x, T = np.array([0, 1, 2, 5, 10]), np.array([0, 5, 20, 30, 35.0]), np.array([38.0] * 5)
    for params in ((R, ALPHA, A, B), (0.5, 30.0, 1.5, 3.0)):
        ours = cu.bgnbd_expected_purchases(params, x, t_x, T, 39.0)
        assert ours == pytest.approx(closed_form(*params, x, t_x, T, 39.0), rel=1e-9)


def test_horizon_zero_gives_zero():
    assert cu.bgnbd_expected_purchases((R, ALPHA, A, B), [0, 3], [0, 10], [20, 20], 0).tolist() == [0, 0]
    with pytest.raises(ValueError):
        cu.bgnbd_expected_purchases((R, ALPHA, A, B), [0], [0], [1], -1)


@pytest.fixture(scope="module")
def simulated():
    truth = (0.6, 40.0, 1.5, 3.5)
    rng = np.random.default_rng(3)
    sim = cu.simulate_bgnbd(20_000, truth, rng.uniform(100, 400, 20_000), seed=11, spend=(4.0, 6.0, 300.0))
    return truth, sim


def test_fit_recovers_the_parameters_of_simulated_customers(simulated):
    truth, sim = simulated
    fit = cu.fit_bgnbd(sim["x"], sim["t_x"], sim["T"])
    assert fit.converged
    z = 3.0  # the 99.7% interval on the log scale
    for name, true in zip(cu.BGNBD_PARAMS, truth, strict=True):
        est, se = fit.params[name], fit.se[name]
        assert abs(math.log(est / true)) < z * se / est, (name, est, true)
        assert se / est < 0.15, name  # the data pin the parameter down
        assert fit.low[name] < est < fit.high[name]


def test_gamma_gamma_recovers_simulated_spend(simulated):
    _, sim = simulated
    rep = sim[sim["x"] > 0]
    gg = cu.fit_gamma_gamma(rep["x"], rep["m"])
    for name, true in zip(cu.GG_PARAMS, (4.0, 6.0, 300.0), strict=True):
        est, se = gg.params[name], gg.se[name]
        assert abs(math.log(est / true)) < 3.0 * se / est, (name, est, true)
    # shrinkage: a customer's expected spend lies between their own mean and the population mean
    value = cu.gamma_gamma_expected_value(gg.values(), rep["x"], rep["m"])
    population = gg.params["p"] * gg.params["gamma"] / (gg.params["q"] - 1)
    lo, hi = np.minimum(rep["m"], population), np.maximum(rep["m"], population)
    assert ((value >= lo - 1e-9) & (value <= hi + 1e-9)).all()
    assert cu.gamma_gamma_expected_value(gg.values(), 0, np.nan) == pytest.approx(population)


def test_p_alive_and_expectations_match_the_simulation(simulated):
    truth, sim = simulated
    rep = sim[sim["x"] > 0]
    p_alive = cu.bgnbd_p_alive(truth, rep["x"], rep["t_x"], rep["T"])
    assert p_alive.mean() == pytest.approx(rep["alive"].mean(), abs=0.02)
    # a new customer's expected purchases in t days = the simulated mean of x at T = t
    new = cu.simulate_bgnbd(40_000, truth, 200.0, seed=5)
    expected = cu.bgnbd_expected_purchases(truth, 0, 0, 0, 200.0)[()]
    assert new["x"].mean() == pytest.approx(expected, rel=0.03)


def test_fit_refuses_impossible_summaries():
    with pytest.raises(ValueError, match="t_x <= T"):
        cu.fit_bgnbd([1], [5], [3])
    with pytest.raises(ValueError, match="at least one customer"):
        cu.fit_bgnbd([], [], [])


# ------------------------------------------------------------------ the sample shop's truth


def test_fit_recovers_the_sample_generators_truth(sample):
    shop, period, summary = sample
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))["repeat_purchase"]
    per = pd.read_csv(SAMPLE / "ground_truth_customers.csv", dtype={"customer_id": str}).set_index("customer_id")
    per = per.reindex(summary.index)
    assert per["purchase_rate_per_day"].notna().all()
    # customers who bought before the data have size-biased rates (see the truth file): leave them out
    own = summary[~per["before_data"].astype(bool)]
    fit = cu.fit_bgnbd(own["x"], own["t_x"], own["T"])
    params = truth["bgnbd"]
    for name, key in zip(cu.BGNBD_PARAMS, ("r", "alpha_days", "a", "b"), strict=True):
        est, se = fit.params[name], fit.se[name]
        assert abs(math.log(est / params[key])) < 3.0 * se / est, (name, est, params[key])
    # P(alive) of repeat customers against who is really still active at the end
    rep = own[own["x"] > 0]
    p_alive = cu.bgnbd_p_alive(fit.values(), rep["x"], rep["t_x"], rep["T"])
    alive = per.loc[rep.index, "alive_at_end"].astype(bool).to_numpy()
    assert p_alive.mean() == pytest.approx(alive.mean(), abs=0.03)
    likely, unlikely = alive[p_alive >= 0.7].mean(), alive[p_alive < 0.3].mean()
    assert likely > 0.65 and unlikely < 0.3


def test_distinct_rows_rebuild_every_row_in_order_of_first_appearance():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 5000).astype(float)
    t_x = rng.integers(0, 30, 5000).astype(float)
    T = np.where(rng.random(5000) < 0.01, np.nan, rng.integers(30, 60, 5000).astype(float))
    (ux, ut, uT), codes = cu._distinct(x, t_x, T)
    np.testing.assert_array_equal(ux[codes], x)
    np.testing.assert_array_equal(ut[codes], t_x)
    np.testing.assert_array_equal(uT[codes], T)  # NaN is one value of its own, as the rows it stands for
    rows = list(zip(x, t_x, np.nan_to_num(T, nan=-1.0), strict=True))
    assert list(zip(ux, ut, np.nan_to_num(uT, nan=-1.0), strict=True)) == list(dict.fromkeys(rows))
    assert [len(v) for v in cu._distinct(np.array([]), np.array([]))[0]] == [0, 0]


def test_holdout_check_on_the_sample(sample):
    shop, period, _ = sample
    check = cu.check_holdout(shop, period, 180)
    assert check.calibration_end == period.end - pd.Timedelta(days=180)
    agg = check.aggregate
    assert abs(agg.loc["repeat_purchases", "error"]) < 0.05
    assert abs(agg.loc["value_per_purchase", "error"]) < 0.05
    assert check.by_frequency["customers"].sum() == len(
        cu.summarize_customers(shop, Period(period.start, check.calibration_end)))
    assert check.weekly["actual"].iloc[-1] == agg.loc["repeat_purchases", "actual"]
    assert check.weekly["predicted"].is_monotonic_increasing
    # the weekly curve (computed per distinct (x, T)) ends at the per-customer prediction's total
    assert check.weekly["predicted"].iloc[-1] == pytest.approx(agg.loc["repeat_purchases", "predicted"], rel=1e-9)
    with pytest.raises(ValueError, match="holdout_days"):
        cu.check_holdout(shop, period, 0)
    skipped, message = cu.run_holdout(shop, period, 600, lang="en")
    assert skipped is None and "holdout_days" in message


# ------------------------------------------------------------------ edge cases end to end


def test_a_shop_with_one_customer_and_one_order(tmp_path):
    shop = make_shop(tmp_path, [("o1", "00123", "2026-01-05 10:00:00", 99.0, "p1", "搜索")])
    period = Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-05"))
    s = cu.summarize_customers(shop, period)
    assert s.loc["00123", ["x", "t_x", "T"]].tolist() == [0, 0, 0]
    rfm = cu.score_rfm(s, cu.split_rfm(s))
    assert rfm.loc["00123", "segment"] == "general_value" or rfm.loc["00123", "segment"].startswith("general")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        table = cu.compare_repurchase(shop, period, days=0)
    assert table.loc["repurchase_rate_customers", "rate"] == 0.0
    assert "returning_rate" not in table.index  # no complete month pair
    life = cu.score_lifetime(s, 90)
    assert life.bgnbd is None and life.notes and life.scores["expected_purchases"].isna().all()
    assert "Too few" in cu.describe_lifetime(life, "en")
    assert cu.build_recall_list(rfm, life, s).empty
    cohorts, notes = cu.build_cohorts(shop, period)
    assert cohorts["retention"].tolist() == [1.0] and "no complete month" in notes[0]
    holdout, message = cu.run_holdout(shop, period, 30)
    assert holdout is None and message


def test_score_lifetime_with_a_zero_horizon(simulated):
    _, sim = simulated
    summary = sim.rename(columns={"m": "repeat_value"}).head(3000)
    life = cu.score_lifetime(summary, 0)
    assert (life.scores["expected_purchases"] == 0).all()
    assert (life.scores["expected_value"].fillna(0) == 0).all()
    assert life.new_customer()["purchases"] == 0
    with pytest.raises(ValueError, match="horizon_days"):
        cu.score_lifetime(summary, -1)


def test_check_options_names_the_bad_parameter():
    good = dict(same_day_orders="once", horizon_days=90, holdout_days=180, repurchase_days=90,
                rfm_recency_days=0, rfm_frequency=0, rfm_monetary=0.0, export_dir="reports/exports")
    cu.check_options(**good)
    for name, bad in (("same_day_orders", "daily"), ("horizon_days", -1), ("holdout_days", 0),
                      ("rfm_frequency", -2), ("export_dir", " ")):
        with pytest.raises(ValueError, match=name):
            cu.check_options(**{**good, name: bad})


# ------------------------------------------------------------------ recall list, masking, export


def test_recall_list_rules_and_export(sample, tmp_path):
    shop, period, summary = sample
    rfm = cu.score_rfm(summary, cu.split_rfm(summary))
    life = cu.score_lifetime(summary, 90)
    recall = cu.build_recall_list(rfm, life, summary)
    assert len(recall) > 100
    assert recall["segment"].str.startswith("important").all()
    assert (summary.loc[recall.index, "x"] > 0).all()
    overdue = recall["reason"] == "overdue"
    assert (recall.loc[overdue, "days_since_last"] > 1.5 * recall.loc[overdue, "usual_gap_days"]).all()
    assert (recall.loc[~overdue, "p_alive_change"] <= -0.1).all()
    assert recall["sales"].is_monotonic_decreasing
    assert set(recall["action"]) <= set(cu.ACTIONS)
    assert (recall.loc[recall["p_alive"] < 0.2, "action"] == "winback").all()

    paths = cu.export_recall_list(recall.head(50), tmp_path / "exports", period, "zh")
    assert [p.name for p in paths] == ["recall_list_20250101_20261115.csv", "recall_list_20250101_20261115.xlsx"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "客户ID".encode() in raw
    back = pd.read_csv(paths[0], dtype=str, encoding="utf-8-sig")
    assert back["客户ID"].tolist() == list(recall.head(50).index)
    head = recall.head(50)  # labels row by row, in the export's language
    assert back.iloc[:, 1].tolist() == [cu.segment_label(k, "zh") for k in head["segment"]]
    assert back.iloc[:, -2].tolist() == [cu.REASONS[k][0] for k in head["reason"]]
    assert back.iloc[:, -1].tolist() == [cu.ACTIONS[k][0] for k in head["action"]]
    assert head["segment"].nunique() > 1 and head["action"].nunique() > 1
    from openpyxl import load_workbook

    sheet = load_workbook(paths[1]).active
    assert sheet["A1"].value == "客户ID" and sheet["A2"].value == recall.index[0]
    assert sheet["A2"].number_format == "@"


def test_exported_ids_keep_leading_zeros(tmp_path):
    recall = pd.DataFrame({"segment": ["important_value"], "sales": [100.0], "purchases": [3],
                           "last_purchase": [pd.Timestamp("2026-01-02")], "days_since_last": [80.0],
                           "usual_gap_days": [20.0], "overdue_days": [50.0], "p_alive": [0.4],
                           "p_alive_change": [-0.2], "expected_purchases": [0.3], "expected_value": [30.0],
                           "reason": ["overdue"], "action": ["save"]}, index=pd.Index(["000123"]))
    csv_path, xlsx_path = cu.export_recall_list(recall, tmp_path, PERIOD, "en")
    assert "\n000123," in csv_path.read_text(encoding="utf-8-sig")
    from openpyxl import load_workbook

    cell = load_workbook(xlsx_path).active["A2"]
    assert cell.value == "000123" and cell.data_type == "s"


def test_a_list_longer_than_xlsx_max_rows_is_written_as_csv_only_and_said(sample, tmp_path):
    shop, period, summary = sample
    recall = cu.build_recall_list(cu.score_rfm(summary, cu.split_rfm(summary)), cu.score_lifetime(summary, 90), summary)
    both = cu.export_recall_list(recall, tmp_path, period, "en", xlsx_max_rows=len(recall))
    assert [p.suffix for p in both] == [".csv", ".xlsx"]
    paths = cu.export_recall_list(recall, tmp_path, period, "en", xlsx_max_rows=len(recall) - 1)
    assert paths == [both[0]] and not both[1].exists()  # no stale XLSX of an earlier run beside the new CSV
    assert len(pd.read_csv(paths[0], dtype=str, encoding="utf-8-sig")) == len(recall)  # the CSV has everyone
    text = cu.describe_recall(recall, paths, "en")
    assert f"With {len(recall):,} customers the list is longer than the parameter `xlsx_max_rows`" in text
    assert "open the XLSX" not in text
    assert "超过参数 `xlsx_max_rows`" in cu.describe_recall(recall, paths, "zh")
    assert "xlsx_max_rows" not in cu.describe_recall(recall, both, "en")
    for bad in (-1, cu.XLSX_SHEET_ROWS + 1, 1.5, True):
        with pytest.raises(ValueError, match="parameter xlsx_max_rows=.* from 0 to 1,048,575"):
            cu.check_options(same_day_orders="once", horizon_days=90, holdout_days=180, repurchase_days=90,
                             rfm_recency_days=0, rfm_frequency=0, rfm_monetary=0.0, export_dir="x",
                             xlsx_max_rows=bad)


def test_masking_is_salted_and_stable(small, monkeypatch):
    ids = ["A", "B", "000123"]
    first, again = cu.mask_ids(ids, "s1"), cu.mask_ids(ids, "s1")
    assert list(first) == list(again) and list(first) != list(cu.mask_ids(ids, "s2"))
    assert all(re.fullmatch(r"u[0-9a-f]{10}", m) for m in first)
    monkeypatch.delenv(cu.SALT_ENV, raising=False)
    assert cu.id_salt(data.connect(SAMPLE))[0] == cu.SAMPLE_SALT
    one, _ = cu.id_salt(small)
    two, note = cu.id_salt(small)
    assert one != two and one != cu.SAMPLE_SALT and "random" in note  # other data: never the public salt
    monkeypatch.setenv(cu.SALT_ENV, "shop-secret")
    assert cu.id_salt(small)[0] == "shop-secret"


def test_sentences_escape_data_text():
    table = pd.DataFrame({"customers": [100, 100], "repeat_customers": [50, 5], "rate": [0.5, 0.05],
                          "low": [0.4, 0.02], "high": [0.6, 0.11]}, index=["<b>搜索</b>", "直通车*"])
    text = cu.describe_repurchase_by(table, "来源", "zh")
    assert "<b>" not in text and "&lt;b&gt;" in text and r"直通车\*" in text


# ------------------------------------------------------------------ the report


def test_report_renders_in_english_with_masked_ids(sample, tmp_path):
    from helpers import batch

    shop, period, summary = sample
    exports = tmp_path / "exports"
    spec = batch.RunSpec("customers-en", str(data.project_root() / "notebooks" / "05-customers.ipynb"),
                         {"lang": "en", "export_dir": str(exports)})
    result = batch.execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "05-customers" / "customers-en.html").read_text(encoding="utf-8")
    figures = {m["name"]: m["value"] for m in result.metrics}
    assert figures["customers"] == len(summary) and figures["repeat_customers"] == (summary["x"] > 0).sum()
    assert sum(figures[f"segment_{k}"] for k in cu.SEGMENTS) == len(summary)
    assert figures["expected_purchases"] > 0 and figures["recall_customers"] > 0
    assert "The recall list has" in html and "Important value" in html
    assert re.search(r"c\d{8}", html) is None  # no real customer id reaches the report
    assert cu.mask_ids([pd.read_csv(next(exports.glob("*.csv")), dtype=str, encoding="utf-8-sig").iloc[0, 0]],
                       cu.SAMPLE_SALT)[0] in html
    assert "recall_list_20250101_20261115.xlsx" in html.replace("\\_", "_")
    assert report.format_value(figures["repurchase_rate"], "pct", "en") in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
