"""Tests for helpers.areas.market.explore: the Explore controls and the view they redraw."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from helpers.areas.market import explore
from helpers.core.notes import caught
from tests.areas.market.small import row, write_market


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explore_redraws_a_category_in_its_bands_without_repeating_notes(tmp_path, lang):
    rows = [row(m, shop, lid, units, price=price) for m in ("2025-01-01", "2025-02-01")
            for shop, lid, units, price in (("A", "1", 10, 50.0), ("B", "2", 5, 90.0), ("C", "3", 0, 150.0))]
    shop = write_market(tmp_path, rows)
    controls = explore.explore_controls(shop, "c", lang)
    assert controls["category"].value == "c" and controls["n_bands"].value == 4
    assert controls["n_bands"].description == {"zh": "价格带数", "en": "Number of price bands"}[lang]
    with caught() as found:
        fig, table = explore.render_explore(shop, None, "2025-02-28", "c", 3, lang)
    assert not found  # the report lists its notes once, in its Notes section
    assert isinstance(fig, plt.Figure)
    assert list(table.data.index) == ["<77", "77-110", "≥110"]  # tertiles of 50, 90, 150 to 2 digits
    assert table.data.iloc[:, 0].tolist() == [1000.0, 900.0, 0.0]
    plt.close("all")
