"""The report's charts: titles and axis labels in the report's language."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.areas.service import charts, chats, dsr, fulfilment, refunds, reviews
from helpers.core.lines import lines_with_refunds
from tests.areas.service.conftest import MARCH

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    return [t for t in out if t]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_of_the_hand_built_shop_speak_the_report_language(shop, lang):
    lines = lines_with_refunds(shop, MARCH)
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=48)
    figures = [charts.plot_refund_timing(refunds.refund_timing(lines), lang),
               charts.plot_service(chats.service_by(shop, MARCH, "response_band"), lang),
               charts.plot_ship_hours(fulfilment.ship_hours(orders), 48, lang),
               charts.plot_late_effects(fulfilment.late_effects(shop, MARCH, 48, maturity_days=20), lang),
               charts.plot_dsr(dsr.load_dsr(shop, MARCH), lang),
               charts.plot_rating_trend(reviews.rating_trend(reviews.load_reviews(shop, MARCH), MARCH), lang)]
    data = {"杭州仓", "武汉仓"}  # warehouse names are the data's own
    for fig in figures:
        texts = [t for t in _texts(fig) if t not in data]
        assert texts
        for text in texts:
            if lang == "en":
                assert not CJK.search(text), text
            else:
                assert not re.search(r"[A-Za-z]{2,}", text), text


def test_flagged_and_drivers_charts_are_titled():
    flags = pd.DataFrame({"title": ["t$5 off"], "flagged": [True], "low": [0.2], "high": [0.4], "shrunk": [0.3],
                          "category_expected": [0.1], "refund_rate_by_count": [0.5]})
    fig = charts.plot_flagged(flags, "en")
    assert fig.axes[0].get_title() == "Refund rate against the category (red = abnormal)"
    assert fig.axes[0].get_yticklabels()[0].get_text() == "t$5 off"
    plt.close(fig)
    drivers = pd.DataFrame({"dsr_score": ["logistics"], "driver": ["late_shipped"], "coefficient": [-0.6],
                            "low": [-0.7], "high": [-0.5]})
    fig = charts.plot_drivers(drivers, "zh")
    assert fig.axes[0].get_title() == "各因素对 DSR 的影响（每单）"
    assert fig.axes[0].get_yticklabels()[0].get_text() == "物流服务 · 延迟发货"
    plt.close(fig)
    by_product = pd.DataFrame({"title": ["a"], "enough": [True], "reviews": [30],
                               **{f"stars_{s}": [0.2] for s in range(1, 6)}})
    fig = charts.plot_ratings(by_product, "zh")
    assert fig.axes[0].get_xlabel() == "评价星级占比"
    plt.close(fig)
    assert charts.plot_rating_trend(reviews.rating_trend(pd.DataFrame(), MARCH), "en") is None
