"""The report's charts: titles and axes in the report's language, nothing drawn from no data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.areas.customers import charts  # noqa: E402
from helpers.areas.customers.lifetime import Holdout  # noqa: E402
from tests.areas.customers.views import CJK, segments_frame  # noqa: E402


def _texts(fig) -> list[str]:
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in found if t.strip()]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_segment_chart_in_each_language():
    zh, en = (_texts(charts.plot_segments(segments_frame(), lang)) for lang in ("zh", "en"))
    assert "RFM 客户分层" in zh and "重要价值客户" in zh and "客户数" in zh
    assert "RFM segments" in en and "Important value" in en and not any(CJK.search(t) for t in en)


def test_trend_keeps_the_important_segments():
    dates = pd.to_datetime(["2026-01-31", "2026-02-28"])
    trend = pd.DataFrame([{"date": d, "segment": k, "customers": 5, "month_sales": 0.0}
                          for d in dates for k in segments_frame().index])
    texts = _texts(charts.plot_segment_trend(trend, "en"))
    assert "Important segments at month ends" in texts and "Important to win back" in texts
    assert "General value" not in texts


def test_gaps_returning_cohorts_and_holdout_charts():
    gaps = pd.DataFrame({"days": [0, 8, 30, 400], "purchases": [3, 2, 1, 1]})
    assert "复购间隔分布" in _texts(charts.plot_gaps(gaps, "zh"))
    assert charts.plot_returning(pd.DataFrame(columns=["month", "returning_rate"]), "en") is None
    assert charts.plot_cohort_heatmap(pd.DataFrame(), "retention", "en") is None
    cohorts = pd.DataFrame({"cohort": pd.to_datetime(["2026-01-01"] * 2), "age": [0, 1], "cohort_customers": [2, 2],
                            "active_customers": [2, 1], "sales": [150.0, 30.0], "retention": [1.0, 0.5],
                            "cumulative_sales_per_customer": [75.0, 90.0]})
    texts = _texts(charts.plot_cohort_heatmap(cohorts, "retention", "zh"))
    assert "同期群留存率" in texts and "首购后月数" in texts and "50.0%" in texts and "100.0%" not in texts
    weekly = pd.DataFrame({"day": [7, 14], "predicted": [1.0, 2.0], "actual": [1, 3]})
    by = pd.DataFrame({"customers": [5, 3], "predicted": [0.2, 0.4], "actual": [0.1, 0.5]}, index=["0", "7+"])
    check = Holdout(pd.Timestamp("2026-05-19"), 14, None, pd.DataFrame(), by, weekly)
    en = _texts(charts.plot_holdout(check, "en"))
    assert "Predicted vs actual (holdout)" in en and "Days into the holdout" in en and "7+" in en
    assert not any(CJK.search(t) for t in en)
