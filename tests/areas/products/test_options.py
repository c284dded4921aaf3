"""The notebook's own parameters: a bad value fails with a message naming the parameter."""

from __future__ import annotations

import pytest

from helpers.areas.products import options


def test_check_options_names_the_parameter():
    with pytest.raises(ValueError, match="confidence"):
        options.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="min_pair_orders"):
        options.check_options(min_pair_orders=0)
    with pytest.raises(ValueError, match="mde"):
        options.check_options(mde=0)
    with pytest.raises(ValueError, match="min_margin"):
        options.check_options(min_margin=1.5)
    with pytest.raises(ValueError, match="hot_weeks"):
        options.check_options(hot_weeks=True)  # a flag is not a number of weeks
    options.check_options()


def test_weights_are_checked_and_normalised():
    with pytest.raises(ValueError, match="unknown scorecard weight"):
        options.check_weights({"demand": 1, "price": 1})
    with pytest.raises(ValueError, match="positive sum"):
        options.check_weights({"demand": 0, "margin": 0})
    with pytest.raises(ValueError, match="positive sum"):
        options.check_weights({"demand": -1, "margin": 2})
    w = options.check_weights({"demand": 2, "margin": 2})
    assert w == {"demand": 0.5, "competition": 0.0, "margin": 0.5, "attractiveness": 0.0}
    assert sum(options.check_weights(options.DEFAULT_WEIGHTS).values()) == pytest.approx(1.0)
