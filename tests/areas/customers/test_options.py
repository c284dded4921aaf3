"""The customers notebook's own parameters: a bad one is named with its fix."""

from __future__ import annotations

import pytest

from helpers.areas.customers.options import check_options
from helpers.areas.customers.purchases import SAME_DAY_RULES

GOOD = dict(same_day_orders="once", horizon_days=90, holdout_days=180, repurchase_days=90,
            rfm_recency_days=0, rfm_frequency=0, rfm_monetary=0.0, export_dir="reports/exports")


def test_check_options_names_the_bad_parameter():
    check_options(**GOOD)
    for rule in SAME_DAY_RULES:
        check_options(**{**GOOD, "same_day_orders": rule})
    for name, bad in (("same_day_orders", "daily"), ("horizon_days", -1), ("holdout_days", 0),
                      ("repurchase_days", 1.5), ("rfm_frequency", -2), ("rfm_monetary", float("nan")),
                      ("rfm_recency_days", "7"), ("export_dir", " "), ("xlsx_max_rows", -1)):
        with pytest.raises(ValueError, match=name):
            check_options(**{**GOOD, name: bad})
