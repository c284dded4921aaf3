"""What every after-sales section shares: the notebook's own options, the data's last day and
the whole range of the orders.

口径: a section places events by the period's calendar days (``period.start <= t <
period.end_exclusive``); "the end of the data" is the last day of ``orders``, after which no
refund, shipment or review can have happened yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.calendar import Period

if TYPE_CHECKING:
    from helpers.core.shop import Shop


def check_options(*, confidence: float = 0.95, min_reviews: int = 20, promised_hours: int = 48) -> None:
    """Check the notebook's own parameters; a ValueError names the parameter and the fix.

    Parameters
    ----------
    confidence : level of every interval, between 0.5 and 1 (e.g. 0.95).
    min_reviews : reviews a product needs before it is ranked, a whole number >= 1.
    promised_hours : hours to ship promised to buyers, a whole number >= 1.
    """
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    for name, value, low in (("min_reviews", min_reviews, 1), ("promised_hours", promised_hours, 1)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


def data_end(shop: Shop) -> pd.Timestamp:
    """The last day of the data (of ``orders``): later events cannot have happened yet."""
    return shop.date_range("orders")[1].normalize()


def whole_range(shop: Shop) -> Period:
    """Every day of ``orders``, from its first to its last day."""
    lo, hi = shop.date_range("orders")
    return Period(lo.normalize(), hi.normalize())


def mature_before(end: Any, maturity_days: int) -> dt.datetime:
    """The pay time before which a line is mature: ``end + 1 day - maturity_days``.

    A line paid at or after it may still be refunded by the end of the data.
    """
    return as_datetime(pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(days=maturity_days))


def as_datetime(value: Any) -> dt.datetime:
    """A timestamp as a Python datetime (what an Ibis filter compares a column with)."""
    return pd.Timestamp(value).to_pydatetime()


def as_float(value: Any) -> float:
    """An executed figure as a float (NaN for NULL or text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
