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
    spec = RunSpec("market-en", str(NOTEBOOK), {"lang": "en", "category": "美妆护肤", "price_bands": "110,190,340"})
    result = execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "01-market-research" / "market-en.html").read_text(encoding="utf-8")
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning or error reaches the reader
    assert "Market size and trend" in html and "市场规模与趋势" not in html  # only the English text cells
    assert "Static view of the default slice" in html
    figures = {m["name"]: m["value"] for m in result.metrics}
    with quiet():
        sales = size.listing_sales(shop, cal, "美妆护肤")
        clean, excluded = competition.drop_fake_orders(sales, competition.flag_fake_orders(sales))
        monthly = size.market_size(clean, cal, end)
    full = monthly[~monthly["partial"]]
    assert figures["market_size"] == full["sales"].iloc[-1]
    assert figures["own_share"] == full["own_share"].iloc[-1]
    beauty = market_truth["by_category"]["美妆护肤"]  # the report's top band is the generator's
    assert figures["top_band"] == bands.band_label(beauty["band_edges"], beauty["top_band"])
    assert figures["fake_order_suspects"] == 1
    # the suspect's listing-months, from the month the generator started its fake orders to the
    # data's last, are out of the market by default, and the report says so
    planted = next(s for s in market_truth["fake_order_suspects"] if s["category"] == "美妆护肤")
    months = pd.Period(end, "M").ordinal - pd.Period(planted["from_month"], "M").ordinal + 1
    assert excluded["listing_months"] == months and "1 listings suspected of fake orders are left out" in html
