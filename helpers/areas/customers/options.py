"""The customers notebook's own parameters, checked before any work is done."""

from __future__ import annotations

import numpy as np

from helpers.areas.customers.purchases import check_same_day
from helpers.areas.customers.recall import check_xlsx_max_rows


def check_options(*, same_day_orders: str, horizon_days: int, holdout_days: int, repurchase_days: int,
                  rfm_recency_days: float, rfm_frequency: float, rfm_monetary: float, export_dir: str,
                  xlsx_max_rows: int = 100_000) -> None:
    """Check the notebook's own parameters; errors name the parameter and the fix.

    Raises
    ------
    ValueError
        for an unknown ``same_day_orders``, a number of days that is not a whole number (or
        below 0; ``holdout_days`` below 1), a negative or non-numeric RFM split, an empty
        ``export_dir`` or an ``xlsx_max_rows`` outside 0 .. one Excel sheet.
    """
    check_same_day(same_day_orders)
    for name, value, low in (("horizon_days", horizon_days, 0), ("holdout_days", holdout_days, 1),
                             ("repurchase_days", repurchase_days, 0)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number of days >= {low}")
    for name, value in (("rfm_recency_days", rfm_recency_days), ("rfm_frequency", rfm_frequency),
                        ("rfm_monetary", rfm_monetary)):
        if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
            raise ValueError(f"parameter {name}={value!r} must be a number >= 0 (0 means the median)")
    if not str(export_dir).strip():
        raise ValueError("parameter export_dir is empty; give a folder for the CRM files, e.g. reports/exports")
    check_xlsx_max_rows(xlsx_max_rows)
