"""Tests for helpers.areas.market.charts: titles, legends and axis labels in the report's language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import charts
from helpers.areas.market.calibration import Calibration
from helpers.i18n import label

MONTHS = pd.date_range("2025-01-01", periods=3, freq="MS")


def _texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in out if t]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_are_labelled_in_the_report_language(lang):
    size = pd.DataFrame({"sales": [1.0, 2.0, 3.0], "sales_low": [0.9, 1.8, 2.7], "sales_high": [1.1, 2.2, 3.3],
                         "own_share": [0.1, 0.2, 0.3], "partial": [False, False, True]}, index=MONTHS)
    fig = charts.plot_size(size, lang)
    assert _texts(fig) == [label("chart_market_size", lang), label("market_sales", lang), label("partial", lang),
                           label("own_share", lang)]
    bands = pd.DataFrame({"sales_share": [0.4, 0.6], "listing_share": [0.5, 0.5]}, index=["<100", "≥100"])
    fig2 = charts.plot_bands(bands, lang)
    assert _texts(fig2) == [label("chart_price_bands", lang), label("sales_share", lang), label("listing_share", lang)]
    assert [t.get_text() for t in fig2.axes[0].get_xticklabels()] == ["¥<100", "¥≥100"]
    cal = Calibration(alpha=0.0, beta=1.0, cov=((0.01, 0.0), (0.0, 0.001)), sigma=0.1, n=10, r2=0.9, index_min=10.0,
                      index_max=100.0, loo_coverage=0.9, confidence=0.9)
    pairs = pd.DataFrame({"trade_index": [10.0, 50.0, 100.0], "sales": [10.0, 50.0, 100.0]})
    fig3 = charts.plot_calibration(pairs, cal, lang)
    assert _texts(fig3) == [label("chart_index_calibration", lang), label("trade_index", lang),
                            label("market_sales", lang), label("own_listing_months", lang),
                            label("sales_estimate", lang)]
    trends = pd.DataFrame({"competitor": ["$5 shop"] * 3, "month": MONTHS, "sales": [1.0, 2.0, 3.0],
                           "price": [10.0, 10.0, 9.0]})
    fig4 = charts.plot_competitors(trends, lang)
    legend = fig4.axes[0].get_legend().get_texts()[0]
    assert legend.get_text() == "$5 shop" and not legend.get_parse_math()  # data text is never mathtext
    assert [ax.get_title() for ax in fig4.axes] == [label("market_sales", lang), label("price", lang)]
    assert np.isfinite(fig.axes[0].get_ylim()).all()
    plt.close("all")


def test_competitors_and_bands_with_dollar_signs_are_drawn_as_written():
    """Names are data: text between two "$" that is not valid mathtext must not stop the report."""
    import io

    trends = pd.DataFrame({"competitor": ["$5_$ shop"] * 3, "month": MONTHS, "sales": [1.0, 2.0, 3.0],
                           "price": [10.0, 10.0, 9.0]})
    bands = pd.DataFrame({"sales_share": [0.4, 0.6], "listing_share": [0.5, 0.5]}, index=["$5_$", "$10_$"])
    for fig in (charts.plot_competitors(trends, "en"), charts.plot_bands(bands, "zh")):
        fig.savefig(io.BytesIO(), format="png")
        texts = [*fig.axes[0].get_xticklabels(), *fig.axes[0].get_legend().get_texts()]
        assert not any(t.get_parse_math() for t in texts)

