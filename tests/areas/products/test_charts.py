"""Charts: every word on them is a label in the report's language; data (titles, keywords,
test ids) is shown as it is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import charts
from helpers.core.findings import Finding
from helpers.i18n import label


def _texts(fig) -> set[str]:
    ax = fig.axes[0]
    legend = ax.get_legend()
    return ({ax.get_xlabel(), ax.get_ylabel(), ax.get_title()}
            | {t.get_text() for t in (legend.get_texts() if legend else [])}) - {""}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_words_are_labels_of_the_report_language(lang):
    pf = pd.DataFrame({"sales": [500.0, 300, 0], "contribution": [200.0, -10, 0]})
    assert _texts(charts.plot_pareto(pf, lang)) == {label(k, lang) for k in (
        "share_of_products_ranked", "cumulative_share", "sales", "contribution")}
    matrix = pd.DataFrame({"share_of_sales": [0.5, 0.3, 0.15, 0.05], "sales_growth": [0.2, -0.1, 0.5, -0.3],
                           "quadrant": list(charts.QUADRANTS)})
    assert _texts(charts.plot_growth_share(matrix, lang)) == {label(k, lang) for k in (
        "share_of_sales", "sales_growth", *charts.QUADRANTS)}
    e = pd.DataFrame({"elasticity": [-2.0, np.nan], "low": [-2.3, np.nan], "high": [-1.7, np.nan]},
                     index=["女装T恤", "无调价"])
    fig = charts.plot_elasticity(e, lang)
    assert _texts(fig) == {label("elasticity", lang)}
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["女装T恤"]
    coverage = pd.DataFrame({"competition_ratio": [10.0, 20, 5], "buyers_index": [100.0, 50, 80],
                             "missing": [False, True, True]}, index=["连衣裙", "新中式连衣裙", "$5 包邮"])
    fig = charts.plot_keywords(coverage, lang)
    assert _texts(fig) == {label(k, lang) for k in (
        "competition_ratio", "buyers_index", "keyword_in_titles", "keyword_not_in_titles")}
    assert {t.get_text() for t in fig.axes[0].texts} == {"新中式连衣裙", "$5 包邮"}  # only the gaps, as written


def test_plot_test_shows_the_primary_rate_with_its_interval():
    table = pd.DataFrame({"click_rate": [0.03, 0.04], "click_rate_low": [0.028, 0.037],
                          "click_rate_high": [0.032, 0.042]}, index=["A", "B"])
    verdict = Finding("products.test", "T-2026-03-主图", "winner", {"metric": "click_rate"})
    fig = charts.plot_test(table, verdict, "en")
    assert _texts(fig) == {"Click rate", "T-2026-03-主图"}
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A", "B"]


def _render(fig) -> None:
    """Draw the figure to PNG as the report does: mathtext in a label would fail here."""
    import io

    fig.savefig(io.BytesIO(), format="png")


def test_data_with_dollar_signs_is_drawn_as_written():
    """A category "Kids $5-$10" was parsed as mathtext (shown as "Kids 5-10"), and one whose text
    between two "$" is not valid mathtext stopped notebook 02."""
    names = ["Kids $5-$10", "Tops $5_$"]
    elasticity = pd.DataFrame({"elasticity": [-1.2, -0.5], "low": [-1.5, -0.8], "high": [-0.9, -0.2]}, index=names)
    variants = pd.DataFrame({"click_rate": [0.1, 0.12], "click_rate_low": [0.08, 0.1],
                             "click_rate_high": [0.12, 0.14]}, index=names)
    coverage = pd.DataFrame({"competition_ratio": [1.0, 2.0], "buyers_index": [10.0, 20.0], "missing": [True, True]},
                            index=names)
    for fig in (charts.plot_elasticity(elasticity, "en"),
                charts.plot_test(variants, Finding("products.test", "test $1_$", "keep", {"metric": "click_rate"}), "zh"),
                charts.plot_keywords(coverage, "en")):
        _render(fig)
        ax = fig.axes[0]
        shown = [*ax.get_yticklabels(), *ax.texts, ax.title]
        assert set(names) <= {t.get_text() for t in shown}
        assert not any(t.get_parse_math() for t in shown)
