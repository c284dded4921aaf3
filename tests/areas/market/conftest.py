"""The sample shop's market, analysed once for every market test module (package scope)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.areas.market import calibration, size
from helpers.core.notes import quiet
from helpers.core.shop import connect

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


@pytest.fixture(scope="package")
def shop():
    return connect(SAMPLE)


@pytest.fixture(scope="package")
def market_truth(truth):
    """The generator's truth about the market table."""
    return truth["market"]


@pytest.fixture(scope="package")
def cal(shop):
    return calibration.calibrate(shop, 0.9)


@pytest.fixture(scope="package")
def end(shop):
    return shop.date_range("orders")[1]


@pytest.fixture(scope="package")
def per_category(shop, cal, end, market_truth):
    """category -> (listing sales, market size) for every category of the truth."""
    out = {}
    with quiet():
        for cat in market_truth["by_category"]:
            s = size.listing_sales(shop, cal, cat)
            out[cat] = (s, size.market_size(s, cal, end, 0.9))
    return out
