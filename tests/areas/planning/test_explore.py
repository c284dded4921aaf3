"""The Explore view: a chosen product shows its forecast and reorder point, and a chosen target
redraws the breakdown, which adds up to that target."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from helpers.areas.planning import explore, forecast
from helpers.areas.planning.setup import check_options, load_planning


@pytest.mark.recovery
def test_a_chosen_product_and_target_redraw_the_forecast_reorder_point_and_breakdown(seeded):
    shop, _, _ = seeded
    data = load_planning(shop)
    options = check_options(shop, horizon_days=28, backtest_weeks=8, confidence=0.8, service_level=0.95,
                            campaign_template="nhj-2026", campaign_start="2027-01-14", target_month="2026-11",
                            target_gmv=1_500_000.0, weekly_budget=10_000.0, campaign_discount=0.9)
    fc = forecast.forecast_products(data.weekly, 4, 8, 0.8)
    context = explore.ExploreContext(data, options, fc, 0.8, 8, 0.95, 200.0, 0.25, 28)
    controls = explore.explore_controls(context, 28, 1_500_000.0, "en")
    assert controls["product"].value == fc["horizon_units"].idxmax()
    assert 1_800_000.0 in dict(controls["target_gmv"].options).values()  # 1.2 x the target
    product = fc.index[5]
    shown = explore.render_explore(context, product, 56, 1_800_000.0, "en")
    assert isinstance(shown[0], plt.Figure) and len(shown[0].axes[0].lines[1].get_xdata()) == 8  # 56 days = 8 weeks
    reorder = shown[1].data
    assert reorder.index.tolist() == [product]
    target = shown[2].data
    assert target.iloc[-1, 0] == pytest.approx(1_800_000.0)  # the total row: the chosen target, to the fen
    for item in shown:
        if isinstance(item, plt.Figure):
            plt.close(item)
