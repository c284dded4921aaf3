"""The market notebook run end to end by the runner: wholly in its language, the helpers' figures."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.market import bands, competition, size
from helpers.core.notes import quiet
from helpers.core.shop import project_root
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run

NOTEBOOK = project_root() / "notebooks" / "01-market-research.ipynb"


@pytest.mark.reports
def test_market_notebook_renders_in_english_with_the_figures_of_the_helpers(tmp_path, shop, cal, end, market_truth):
    # a category where the generator planted fake orders, with the price bands it drew from
    planted = list(market_truth["fake_order_suspects"])
    cat = min({s["category"] for s in planted})
    planted = [s for s in planted if s["category"] == cat]
    truth = market_truth["by_category"][cat]
    edges = ",".join(f"{e:g}" for e in truth["band_edges"])
    spec = RunSpec("market-en", str(NOTEBOOK), {"lang": "en", "category": cat, "price_bands": edges})
    result = execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "01-market-research" / "market-en.html").read_text(encoding="utf-8")
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning or error reaches the reader
    assert "Market size and trend" in html and "市场规模与趋势" not in html  # only the English text cells
    assert "Static view of the default slice" in html
    figures = {m["name"]: m["value"] for m in result.metrics}
    with quiet():
        sales = size.listing_sales(shop, cal, cat)
        clean, excluded = competition.drop_fake_orders(sales, competition.flag_fake_orders(sales))
        monthly = size.market_size(clean, cal, end)
    full = monthly[~monthly["partial"]]
    assert figures["market_size"] == full["sales"].iloc[-1]
    assert figures["own_share"] == full["own_share"].iloc[-1]
    # the report's top band is the helpers' on the market without the suspects (the generator's
    # truth counts their fake units, as the platform does: tests/areas/market/test_bands.py)
    assert figures["top_band"] == bands.top_band(bands.price_bands(clean, truth["band_edges"]))
    assert figures["fake_order_suspects"] == len(planted)
    # the suspects' listing-months, from the month the generator started their fake orders to
    # the data's last, are out of the market by default, and the report says so
    months = sum(pd.Period(end, "M").ordinal - pd.Period(s["from_month"], "M").ordinal + 1 for s in planted)
    assert excluded["listing_months"] == months
    assert f"{len(planted)} listings suspected of fake orders are left out" in html
