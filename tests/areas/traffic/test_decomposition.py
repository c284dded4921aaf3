"""The sales change split into visitors, conversion and AOV (Shapley): exact, symmetric, equal to
the permutation definition; known numbers on the hand-built shop; exact on the sample shop."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.traffic.decomposition import EFFECTS, decompose_change, decompose_sales
from helpers.core.calendar import Period
from tests.areas.traffic.shop import ODD, WEEK, has_note, noted


def test_shapley_decomposition_is_exact_and_symmetric():
    rng = np.random.default_rng(1)
    v0, v1 = rng.integers(0, 5000, 200), rng.integers(0, 5000, 200)
    c0, c1 = rng.uniform(0, 0.1, 200), rng.uniform(0, 0.1, 200)
    a0, a1 = rng.uniform(20, 400, 200), rng.uniform(20, 400, 200)
    dv, dc, da = decompose_change(v0, c0, a0, v1, c1, a1)
    np.testing.assert_allclose(dv + dc + da, v1 * c1 * a1 - v0 * c0 * a0, rtol=1e-12, atol=1e-9)
    # symmetric: swapping the periods flips every sign
    back = decompose_change(v1, c1, a1, v0, c0, a0)
    np.testing.assert_allclose(np.stack(back), -np.stack([dv, dc, da]), atol=1e-9)
    # one factor moving takes the whole change
    assert decompose_change(100, 0.1, 10, 200, 0.1, 10) == pytest.approx((100, 0, 0))
    # a source that appears, and one whose buyers vanish (AOV undefined)
    assert decompose_change(0, np.nan, np.nan, 60, 1 / 60, 50) == pytest.approx((50, 0, 0))
    dv, dc, da = decompose_change(100, 0.05, 80, 100, 0.0, np.nan)
    assert (dv, dc, da) == pytest.approx((0, -400, 0))


def test_closed_form_equals_the_shapley_definition_over_all_orders():
    """The Shapley value by its definition: each factor's marginal change averaged over the six
    orders in which the three factors can switch from the previous to this period's value."""
    rng = np.random.default_rng(7)
    before = rng.uniform([100, 0.005, 20], [9000, 0.1, 400], size=(50, 3))
    after = rng.uniform([100, 0.005, 20], [9000, 0.1, 400], size=(50, 3))
    shapley = np.zeros_like(before)
    for order in itertools.permutations(range(3)):
        state = before.copy()
        for factor in order:
            old = state.prod(axis=1)
            state[:, factor] = after[:, factor]
            shapley[:, factor] += (state.prod(axis=1) - old) / 6
    closed = np.stack(decompose_change(*before.T, *after.T), axis=1)
    np.testing.assert_allclose(closed, shapley, rtol=1e-12, atol=1e-9)  # yuan: cancellation of 1e4-sized terms


def test_sales_decomposition_known_numbers(shop):
    table, _ = noted(decompose_sales, shop, WEEK)
    assert table.loc["total", "delta"] == pytest.approx(50)
    assert table.loc["搜索", list(EFFECTS)].tolist() == pytest.approx([700, 0, 0])
    assert table.loc["直通车", list(EFFECTS)].tolist() == pytest.approx([0, -700, 0])
    assert table.loc[ODD, "visitors_effect"] == pytest.approx(50)
    np.testing.assert_allclose(table[list(EFFECTS)].sum(axis=1), table["delta"], atol=1e-9)
    assert table.loc["sum_of_sources", "delta"] == pytest.approx(table.loc["total", "delta"])
    assert list(table.index) == ["total", "搜索", "直通车", ODD, "sum_of_sources"]  # sources by sales
    assert table.loc["搜索", "conversion1"] == pytest.approx(0.05) and table.loc["搜索", "aov0"] == pytest.approx(100)
    assert math.isnan(table.loc["sum_of_sources", "aov1"])


def test_the_first_week_of_data_has_nothing_to_compare_with(shop):
    first = Period(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-01"))
    table, notes = noted(decompose_sales, shop, first)
    assert table[["delta", "visitors_effect"]].isna().all().all()
    assert (table["current"] > 0).any()
    assert has_note(notes, "在数据中没有流量，其对比显示为 —", "has no traffic in the data")


def test_sample_decomposition_adds_up_exactly(sample):
    period = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    table, _ = noted(decompose_sales, sample, period)
    np.testing.assert_allclose(table[list(EFFECTS)].sum(axis=1), table["delta"], rtol=1e-12, atol=1e-6)
    sources = table.drop(index=["total", "sum_of_sources"])
    assert sources["delta"].sum() == pytest.approx(table.loc["total", "delta"], abs=1e-6)
