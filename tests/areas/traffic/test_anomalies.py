"""Anomaly detection: planted outages and drops on simulated days, campaign days left out, the
hand-written statistics equal to the libraries, and the sample's planted anomalies found."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.traffic import anomalies, calc, sentences
from helpers.core.calendar import SPRING_FESTIVALS, Period
from helpers.core.shop import connect
from tests.areas.traffic.shop import WEEK, has_note, noted, notes_point_at_the_caller


def _steady_shop_days(days=150, seed=3):
    """Two sources with a weekday pattern and Poisson noise; an outage and a conversion drop."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2026-01-05", periods=days)
    week = np.array([1.0, 0.95, 0.95, 1.0, 1.05, 1.2, 1.25])[dates.day_of_week]
    rows = []
    for source, base, conv in (("A", 800, 0.03), ("B", 1500, 0.04)):
        v = rng.poisson(base * week)
        b = rng.binomial(v, conv)
        rows.append(pd.DataFrame({"date": dates, "source": source, "source_group": "free_search", "visitors": v,
                                  "paid_buyers": b, "paid_amount": b * 100.0, "bounced_visitors": (v * 0.4).round()}))
    frame = pd.concat(rows, ignore_index=True)
    if days > 130:
        outage = (frame["source"] == "A") & (frame["date"] == dates[120])
        frame.loc[outage, ["visitors", "paid_buyers", "paid_amount", "bounced_visitors"]] = 0
        drop = (frame["source"] == "B") & (frame["date"] == dates[130])
        frame.loc[drop, "paid_buyers"] = 3
        frame.loc[drop, "paid_amount"] = 300.0
    return frame, dates


def test_detector_finds_an_outage_and_a_conversion_drop_and_little_else():
    frame, dates = _steady_shop_days()
    reasons = pd.Series("", index=dates)
    cells, days = anomalies.detect_anomalies(frame, reasons, dates[60], dates[-1])
    assert (days["status"] == "tested").all()
    flags = cells[cells["anomaly"]]
    outage = flags[(flags["source"] == "A") & (flags["date"] == dates[120])]
    assert list(outage["metric"]) == ["visitors"]  # conversion of a day without visitors is not tested
    assert outage["z"].iloc[0] < -10
    drop = flags[(flags["source"] == "B") & (flags["date"] == dates[130])]
    assert set(drop["metric"]) == {"conversion_rate", "uv_value"}
    others = len(flags) - len(outage) - len(drop)
    assert others <= 1, flags  # ~540 noise cells at |z| >= 4
    noise = cells[~cells["anomaly"]]["z"].dropna()
    assert 0.7 < noise.std() < 1.3  # calibrated scores
    assert list(cells.columns) == list(anomalies.CELL_COLUMNS)


def _overdispersed_days(seed: int, drop: float):
    """Two sources whose conversion varies beyond binomial from day to day (a mean-1 log-normal day
    effect, CV 10%, as real shops' does); source B's conversion x ``drop`` on days 150-152."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2026-01-05", periods=200)
    week = np.array([1.0, 0.95, 0.95, 1.0, 1.05, 1.2, 1.25])[dates.day_of_week]
    sd = math.sqrt(math.log1p(0.10**2))
    rows = []
    for source, base, conv in (("A", 800, 0.03), ("B", 1500, 0.04)):
        v = rng.poisson(base * week)
        p = conv * np.exp(rng.normal(-sd**2 / 2, sd, len(dates)))
        if source == "B":
            p[150:153] *= drop
        b = rng.binomial(v, p)
        rows.append(pd.DataFrame({"date": dates, "source": source, "source_group": "free_search", "visitors": v,
                                  "paid_buyers": b, "paid_amount": b * 100.0, "bounced_visitors": (v * 0.4).round()}))
    return pd.concat(rows, ignore_index=True), dates


def test_a_sustained_drop_no_single_day_shows_is_found_as_one_episode():
    """Conversion x 0.55 for three days on a noisy source: each day's z stays under 4 (-3.3, -3.4,
    -3.8), their run scores -6.1; and on 20 shops without a drop the runs add no false alarm."""
    frame, dates = _overdispersed_days(4, drop=0.55)
    cells, days = anomalies.detect_anomalies(frame, pd.Series("", index=dates), dates[60], dates[-1])
    drop = cells[(cells["source"] == "B") & (cells["metric"] == "conversion_rate") & cells["date"].isin(dates[150:153])]
    assert (drop["z"].abs() < 4).all()  # no single day is an anomaly
    assert drop["anomaly"].all() and set(drop["run_start"]) == {dates[150]}  # one episode, from its first day
    assert drop["run_z"].iloc[-1] <= -anomalies.RUN_THRESHOLD
    elsewhere = ~((cells["source"] == "B") & cells["date"].isin(dates[150:153]))  # UV value fell too
    assert not cells.loc[elsewhere, "anomaly"].any()
    flagged = cells[cells["anomaly"]].assign(hint="conversion_drop")
    scan = anomalies.AnomalyScan(flagged, cells, days, Period(dates[60], dates[-1]), 4.0, 56, 28)
    en = sentences.describe_anomalies(scan, "en")
    # conversion and UV value fell together: two episodes, each named once with its days
    assert "They include 2 sustained shift(s)" in en and "“B” conversion rate 2026-06-04 to 2026-06-06" in en
    assert "其中包括 2 段持续多日的同向偏移" in sentences.describe_anomalies(scan, "zh")
    flagged = single = 0
    for seed in range(100, 120):  # 16,800 ordinary cells
        frame, dates = _overdispersed_days(seed, drop=1.0)
        cells, _ = anomalies.detect_anomalies(frame, pd.Series("", index=dates), dates[60], dates[-1])
        flagged, single = flagged + int(cells["anomaly"].sum()), single + int((cells["z"].abs() >= 4).sum())
    assert flagged == single <= 8  # runs flag nothing more on ordinary days


def test_campaign_days_are_not_tested_and_short_history_is_said(shop):
    frame, dates = _steady_shop_days(days=40)
    reasons = pd.Series("", index=dates)
    reasons[dates[30]: dates[34]] = "双11"
    cells, days = anomalies.detect_anomalies(frame, reasons, dates[25], dates[-1], min_baseline_days=28)
    assert set(days.loc[days["date"].between(dates[30], dates[34]), "status"]) == {"excluded"}
    assert set(days.loc[days["date"].between(dates[30], dates[34]), "reason"]) == {"双11"}
    assert set(days.loc[days["date"] < dates[28], "status"]) == {"short_baseline"}
    assert not cells["date"].between(dates[30], dates[34]).any()
    # the notebook's path: a period shorter than the baseline needs is untested, and a note says so
    scan, notes = noted(anomalies.find_anomalies, shop, WEEK, weeks=1)
    assert scan.tested_days == 0 and set(scan.days["status"]) == {"short_baseline"}
    assert has_note(notes, "共 7 天未做异常检测：此前 112 天内不足 28 个正常日",
                    "7 day(s) from 2026-11-09 to 2026-11-15 were not tested: fewer than 28 ordinary days")
    assert scan.anomalies.empty
    assert notes_point_at_the_caller(anomalies.find_anomalies, shop, WEEK, weeks=1)


def test_nothing_to_scan_and_bad_parameters():
    frame, dates = _steady_shop_days(days=40)
    cells, days = anomalies.detect_anomalies(frame.iloc[:0], pd.Series(dtype=object), dates[0], dates[3])
    assert cells.empty and list(cells.columns) == list(anomalies.CELL_COLUMNS)
    assert set(days["status"]) == {"no_data"}
    with pytest.raises(ValueError, match="before it starts"):
        anomalies.detect_anomalies(frame, pd.Series(dtype=object), dates[3], dates[0])
    with pytest.raises(ValueError, match="anomaly_threshold"):
        anomalies.find_anomalies(None, WEEK, threshold=0)
    with pytest.raises(ValueError, match="min_baseline_days"):
        anomalies.find_anomalies(None, WEEK, baseline_days=20, min_baseline_days=28)


def test_excluded_days_name_campaigns_and_the_spring_festival(shop, shop_dir):
    pd.DataFrame({"campaign_id": ["c1"], "name": ["双11"], "mechanic": ["platform_event"], "threshold": [None],
                  "reduction": [None], "discount_rate": [None], "warmup_start": ["2026-11-01"],
                  "start": ["2026-11-05"], "end": ["2026-11-11"], "budget": [None]}).to_csv(
        shop_dir / "campaigns.csv", index=False)
    reasons = anomalies.excluded_days(connect(shop_dir), "2026-10-30", "2026-11-20", post_campaign_days=3)
    assert reasons[pd.Timestamp("2026-10-31")] == "" and reasons[pd.Timestamp("2026-11-01")] == "c1"
    assert reasons[pd.Timestamp("2026-11-14")] == "c1" and reasons[pd.Timestamp("2026-11-15")] == ""
    festival = pd.Timestamp(SPRING_FESTIVALS[6])  # 2026-02-17
    around = anomalies.excluded_days(shop, festival - pd.Timedelta(days=11), festival + pd.Timedelta(days=11))
    assert around.iloc[0] == "" and around.iloc[1] == "春节" and around.iloc[-2] == "春节" and around.iloc[-1] == ""


def test_excluded_days_on_the_sample_are_the_calendars_and_the_old_rule(sample):
    """The shared calendar (core.calendar.abnormal_days) gives what this area computed itself:
    each campaign from its warm-up (every warm-up of the sample starts before its campaign)
    to seven days after its end, and ten days either side of 春节, campaigns winning."""
    first, last = sample.date_range("traffic")
    reasons = anomalies.excluded_days(sample, first, last)
    dates = reasons.index
    expected = pd.Series("", index=dates, dtype=object)
    for day in SPRING_FESTIVALS:
        sf = pd.Timestamp(day)
        expected[(dates >= sf - pd.Timedelta(days=10)) & (dates <= sf + pd.Timedelta(days=10))] = "春节"
    campaigns = sample.table("campaigns").execute()
    assert (campaigns["warmup_start"].isna() | (campaigns["warmup_start"] < campaigns["start"])).all()
    for _, row in campaigns.iterrows():
        lo = pd.Timestamp(row["warmup_start"] if pd.notna(row["warmup_start"]) else row["start"])
        hi = pd.Timestamp(row["end"]) + pd.Timedelta(days=7)
        expected[(dates >= lo) & (dates <= hi)] = str(row["campaign_id"])
    pd.testing.assert_series_equal(reasons, expected)


# ------------------------------------------------------ the statistics against the libraries


def test_weekday_baseline_is_the_ols_fit_with_one_mean_per_weekday():
    """On days kept after trimming, the weekday means, the residual SD (n - 7 degrees of freedom)
    and the prediction SD are statsmodels' OLS on weekday dummies."""
    from statsmodels.regression.linear_model import OLS

    rng = np.random.default_rng(11)
    weekday = np.tile(np.arange(7), 8)
    visitors = rng.poisson(np.array([800, 760, 760, 800, 840, 960, 1000])[weekday], size=(3, 56)).T.astype(float)
    expected, pred, sd = anomalies._weekday_baseline(visitors, weekday, target=5)
    for j in range(visitors.shape[1]):
        y = 2 * np.sqrt(visitors[:, j] + 0.375)
        first = pd.Series(y).groupby(weekday).transform("median").to_numpy()
        keep = np.abs(y - first) <= anomalies.TRIM_Z * anomalies._robust_scale((y - first)[:, None])[0]
        dummies = pd.get_dummies(weekday[keep]).to_numpy(dtype=float)
        fit = OLS(y[keep], dummies).fit()
        n5 = int((weekday[keep] == 5).sum())
        np.testing.assert_allclose(pred[j], fit.params[5], rtol=1e-12)
        np.testing.assert_allclose(sd[j], max(np.sqrt(fit.scale), 1.0) * np.sqrt(1 + 1 / n5), rtol=1e-12)
        np.testing.assert_allclose(expected[j], visitors[keep & (weekday == 5), j].mean(), rtol=1e-12)


def test_poisson_mid_p_is_scipys_poisson_for_whole_counts():
    from scipy.stats import norm, poisson

    k = np.arange(0, 46, dtype=float)  # up to P(X <= k) = 1 - 1e-5: beyond, 1 - p has no digits left
    lam = np.full_like(k, 23.5)
    mid = poisson.cdf(k - 1, lam) + poisson.pmf(k, lam) / 2
    np.testing.assert_allclose(anomalies._poisson_z(k, lam, 1.0), norm.ppf(mid), rtol=1e-9, atol=1e-12)
    # overdispersion: count and mean divided by scale**2 (quasi-Poisson)
    np.testing.assert_allclose(anomalies._poisson_z(k * 4, lam * 4, 2.0), norm.ppf(mid), rtol=1e-9, atol=1e-12)
    assert math.isnan(float(anomalies._poisson_z(3.0, 0.0, 1.0)))  # no expectation: not scored


def test_robust_scale_is_scipys_median_absolute_deviation_around_zero():
    from scipy.stats import median_abs_deviation

    rng = np.random.default_rng(5)
    r = rng.normal(0, 3, size=(40, 4))
    r[3, 1] = np.nan
    mad = median_abs_deviation(r, axis=0, center=lambda x, axis: np.zeros(np.delete(x.shape, axis)),
                               scale=1 / anomalies.MAD_TO_SD, nan_policy="omit")
    np.testing.assert_allclose(anomalies._robust_scale(r), np.maximum(1.0, mad), rtol=1e-12)
    assert anomalies._robust_scale(np.full((5, 1), 0.1)).tolist() == [1.0]  # never below Poisson noise


# ------------------------------------------------------------------ the sample shop


@pytest.fixture(scope="module")
def full_scan(sample):
    first, last = sample.date_range("traffic")
    daily = calc.load_daily(sample, first, last)
    reasons = anomalies.excluded_days(sample, first, last)
    return anomalies.detect_anomalies(daily, reasons, first, last)


@pytest.fixture(scope="module")
def unusual_days(truth):
    """Days outside normal trading in the truth: campaign windows, Spring Festival, anomalies."""
    days = set()
    for w in truth["normal_days"]["excluded_windows"]:
        days.update(pd.date_range(w["start"], w["end"]))
    return days


MAX_FALSE_ALARMS = 8  # on the sample's normal days, at |z| >= 4, out of about 8,700 tested cells


@pytest.mark.recovery
def test_every_planted_anomaly_is_found_with_few_false_alarms(full_scan, truth, unusual_days):
    cells, _ = full_scan
    flags = cells[cells["anomaly"]]
    for a in truth["anomalies"]:
        metric = "visitors" if a["metric"] == "visitors" else "conversion_rate"
        window = pd.date_range(a["start"], a["end"])
        hit = flags[(flags["source"] == a["source"]) & (flags["metric"] == metric) & flags["date"].isin(window)]
        assert len(hit) >= max(1, math.ceil(len(window) / 2)), a  # a week-long one: most of its days
        assert (np.sign(hit["z"]) == np.sign(math.log(a["multiplier"]))).all(), a
    normal = cells[~cells["date"].isin(unusual_days)]
    false_alarms = normal[normal["anomaly"]]
    assert len(false_alarms) <= MAX_FALSE_ALARMS, false_alarms
    assert normal["z"].notna().sum() > 8_000


@pytest.mark.recovery
def test_bot_spike_is_recognised_as_bots(sample, truth):
    bots = next(a for a in truth["anomalies"] if a.get("kind") == "bots")
    period = Period(pd.Timestamp(bots["end"]), pd.Timestamp(bots["end"]))
    scan, _ = noted(anomalies.find_anomalies, sample, period, weeks=1)
    found = scan.anomalies[(scan.anomalies["source"] == bots["source"])]
    assert set(found["date"]) == set(pd.date_range(bots["start"], bots["end"]))
    assert set(found.loc[found["metric"] == "visitors", "hint"]) == {"bots"}
    assert (scan.anomalies["z"].abs().diff().dropna() <= 0).all()  # largest first
