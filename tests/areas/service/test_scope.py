"""The notebook's own options and the data's end."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.service import scope
from tests.areas.service.conftest import MARCH


def test_check_options_names_the_parameter():
    scope.check_options(confidence=0.9, min_reviews=5, promised_hours=24)
    with pytest.raises(ValueError, match="confidence"):
        scope.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="min_reviews"):
        scope.check_options(min_reviews=0)
    with pytest.raises(ValueError, match="promised_hours"):
        scope.check_options(promised_hours=2.5)
    with pytest.raises(ValueError, match="promised_hours"):
        scope.check_options(promised_hours=True)


def test_the_data_ends_on_the_last_day_of_orders(shop):
    assert scope.data_end(shop) == pd.Timestamp("2026-04-30")
    whole = scope.whole_range(shop)
    assert (whole.start, whole.end) == (pd.Timestamp("2026-03-02"), pd.Timestamp("2026-04-30"))
    assert MARCH.start < whole.start  # the hand-built period starts before the data


def test_a_line_is_mature_when_paid_maturity_days_before_the_day_after_the_end():
    assert scope.mature_before("2026-04-30", 20) == pd.Timestamp("2026-04-11").to_pydatetime()
