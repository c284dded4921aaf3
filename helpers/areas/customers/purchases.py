"""Purchases and the per-customer summary every customer analysis starts from.

Reductions run in the engine (Ibis on ``shop.table("orders")``); only one row per customer
comes back to pandas.

口径 used here
--------------
- A **purchase** (购买) is a paid order: order lines with status ``paid`` and a pay time
  (:func:`helpers.core.lines.paid_order_lines`), of a known customer
  (:func:`helpers.core.lines.known_customer`; lines with an empty ``customer_id`` are counted
  in a note and left out), by **pay time**; an order is a distinct ``order_id``. With
  ``same_day_orders="once"`` (default) all orders a customer pays on one calendar day are
  one purchase (按天去重), with ``"per_order"`` every order counts (按天非去重).
- A purchase's **value** is its paid amount minus what was refunded on its lines
  (``refunds``, whenever the refund happened; a line never goes below 0). Without a
  ``refunds`` table it is the paid amount. A fully refunded order still counts as a
  purchase (the platform counts paid orders) with value 0.
- The **BG/NBD summary** of a customer comes from every purchase up to the period's last
  day (the lifetime models need whole histories): x = purchases - 1 (repeat purchases),
  t_x = days from the first to the last purchase, T = days from the first purchase to the
  period's last day; the mean value of the repeat purchases leaves the first one out (as
  Gamma-Gamma expects, Fader, Hardie & Lee 2005).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.lines import known_customer, paid_order_lines
from helpers.core.metrics import first_of
from helpers.core.notes import note
from helpers.core.shop import fill_zero

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: How a customer's orders paid on one day count: as one purchase, or each as its own.
SAME_DAY_RULES = ("once", "per_order")
PURCHASE_COLUMNS = ["customer_id", "purchase_id", "pay_time", "pay_date", "value", "source", "top_product"]


def check_same_day(same_day_orders: str) -> None:
    """A ValueError naming the parameter unless ``same_day_orders`` is one of :data:`SAME_DAY_RULES`."""
    if same_day_orders not in SAME_DAY_RULES:
        raise ValueError(f"parameter same_day_orders={same_day_orders!r}; use one of {SAME_DAY_RULES} "
                         "(once: a customer's orders paid on one day are one purchase)")


def _day(value: Any) -> pd.Timestamp:
    """A date-like value as midnight of its calendar day."""
    return pd.Timestamp(value).normalize()


def paid_purchases(shop: Shop, end: Any, start: Any = None, same_day_orders: str = "once"):
    """Purchases of known customers paid on or before ``end`` (an Ibis table, one row per purchase).

    Parameters
    ----------
    shop : connected data (``orders`` required; ``refunds`` used when present).
    end : last calendar day included (by pay time).
    start : first calendar day included; None means from the start of the data.
    same_day_orders : "once" (a customer's orders paid on one day are one purchase) or
        "per_order".

    Returns
    -------
    Ibis table with customer_id, purchase_id (the order id, or ``customer|date``),
    pay_time (first payment), pay_date, value (yuan, paid minus refunded), source (of the
    first order) and top_product (the product with the largest paid amount; of tied ones,
    the smallest id). An order belongs to the day of its first payment.
    """
    import ibis

    check_same_day(same_day_orders)
    # Every section reads the same purchases: built once per shop and rule (a temporary
    # table in the engine), then filtered by day.
    purchases = shop.kept(("purchases", same_day_orders), lambda: _build_purchases(shop, same_day_orders))
    if same_day_orders == "once":
        # derived on reading: kept, the text id would be a quarter of the table's memory
        purchases = purchases.mutate(
            purchase_id=purchases.customer_id.concat("|", purchases.pay_date.cast("string"))).select(PURCHASE_COLUMNS)
    purchases = purchases.filter(purchases.pay_date <= ibis.literal(_day(end).date(), type="date"))
    if start is not None:
        purchases = purchases.filter(purchases.pay_date >= ibis.literal(_day(start).date(), type="date"))
    return purchases


def tie_break(purchases, same_day_orders: str):
    """The column that orders a customer's purchases paid at the same time (after ``pay_time``).

    Per order it is the order id. Once a day, a customer's purchases fall on different days,
    so their pay times never tie and the day orders them as ``customer|date`` would: the text
    id is built when read, and would be made for every purchase only to sort them the same way.
    """
    check_same_day(same_day_orders)
    return purchases.pay_date if same_day_orders == "once" else purchases.purchase_id


def _build_purchases(shop: Shop, same_day_orders: str):
    import ibis
    from ibis import _

    lines = paid_order_lines(shop).select(
        "order_id", "product_id", "pay_time", "paid_amount", "source", "customer_id")  # ids stripped by the validation
    lines = lines.filter(known_customer(lines))
    if shop.has("refunds"):
        r = shop.table("refunds")
        r = r.group_by(["order_id", "product_id"]).aggregate(refund=r.refund_amount.sum())
        lines = lines.left_join(r, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
        refund = lines.refund.fill_null(0.0)
    else:
        refund = ibis.literal(0.0)
    lines = lines.mutate(line_refund=ibis.least(refund, lines.paid_amount))
    # Ties (two lines of one price, two orders at one second) go to the smallest id.
    orders = lines.group_by("order_id").aggregate(
        customer_id=_.customer_id.min(),
        pay_time=_.pay_time.min(),
        gross=_.paid_amount.sum(),
        refunded=_.line_refund.sum(),
        source=_.source.min(),
        top_product=first_of(_.product_id, -_.paid_amount),
    )
    orders = orders.mutate(pay_date=orders.pay_time.date(), value=orders.gross - orders.refunded)
    # Only what the analyses read is kept: the table stays in the engine's memory (35 million
    # purchases at 50 million lines).
    if same_day_orders == "per_order":
        return orders.rename(purchase_id="order_id").select(PURCHASE_COLUMNS)
    days = orders.group_by(["customer_id", "pay_date"]).aggregate(
        pay_time=_.pay_time.min(),
        value=_.value.sum(),
        source=first_of(_.source, _.pay_time),
        top_product=first_of(_.top_product, -_.gross),
    )
    return days.select([c for c in PURCHASE_COLUMNS if c != "purchase_id"])


def count_excluded_lines(shop: Shop, period: Period) -> int:
    """Paid lines of the period left out of every customer figure (an empty customer id).

    Returns
    -------
    The number of such lines; when there are any, a note says how many of the period's paid
    lines they are and their paid amount (yuan).
    """
    import ibis

    o = paid_order_lines(shop, period)
    unknown = ~known_customer(o)
    row = o.aggregate(lines=o.count(), empty=unknown.sum(),
                      amount=ibis.ifelse(unknown, o.paid_amount, 0.0).sum()).execute().iloc[0]
    empty = int(fill_zero(row["empty"]))
    if empty:
        lines, amount = int(row["lines"]), fill_zero(row["amount"])
        note(f"{lines} 条已支付订单行中有 {empty} 条（{amount:,.2f} 元）买家ID为空，未计入任何客户指标",
             f"{empty} of {lines} paid order lines ({amount:,.2f} yuan) have an empty customer_id and are "
             "left out of every customer figure")
    return empty


def summarize_customers(shop: Shop, period: Period, same_day_orders: str = "once") -> pd.DataFrame:
    """One row per customer with a purchase up to the period's last day (reduced in the engine).

    Returns
    -------
    Frame indexed by customer_id (text) with
    first_date, second_date, last_date : dates of the first, second and last purchase;
    purchases, sales : purchases and value (yuan) up to the last day;
    first_value : value of the first purchase (yuan);
    period_purchases, period_sales, period_last_date : the same inside the period (RFM);
    first_source, first_product : source and main product of the first purchase;
    x, t_x, T : BG/NBD summary in days (repeat purchases, first-to-last, first-to-end);
    recency_days : days from the last purchase in the period to its last day (NaN if none);
    repeat_value : mean value of the repeat purchases, (sales - first_value) / x, yuan (NaN
    when x = 0).
    """
    per = customer_table(shop, period, same_day_orders)
    # Millions of customers: straight from Arrow, sorted by the engine (ibis's execute
    # converts column by column in Python, seconds per million rows).
    frame = arrow_to_pandas(per.order_by("customer_id").to_pyarrow())
    return _finish_summary(frame, period.end)


def customer_table(shop: Shop, period: Period, same_day_orders: str):
    """The engine side of :func:`summarize_customers`: one row per customer (an Ibis table)."""
    import ibis
    from ibis import _

    p = paid_purchases(shop, period.end, None, same_day_orders)
    begin = ibis.literal(period.start.date(), type="date")
    w = ibis.window(group_by="customer_id", order_by=[p.pay_time, tie_break(p, same_day_orders)])
    p = p.mutate(rank=ibis.row_number().over(w), inside=p.pay_date >= begin)
    return p.group_by("customer_id").aggregate(
        first_date=_.pay_date.min(),
        second_date=_.pay_date.min(where=_.rank == 1),
        last_date=_.pay_date.max(),
        purchases=_.count(),
        sales=_.value.sum(),
        first_value=_.value.min(where=_.rank == 0),
        period_purchases=_.count(where=_.inside),
        period_sales=_.value.sum(where=_.inside),
        period_last_date=_.pay_date.max(where=_.inside),
        first_source=_.source.min(where=_.rank == 0),
        first_product=_.top_product.min(where=_.rank == 0),
    )


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table as pandas, freeing each Arrow column once converted (the peak holds one copy)."""
    return table.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)


def _finish_summary(frame: pd.DataFrame, end: Any) -> pd.DataFrame:
    """Types, the BG/NBD columns and a text index for an executed per-customer frame (changed in place)."""
    end = _day(end)
    frame["customer_id"] = frame["customer_id"].astype("string")
    for col in ("first_date", "second_date", "last_date", "period_last_date"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    for col in ("purchases", "period_purchases"):
        if col in frame:
            frame[col] = frame[col].fillna(0).astype("int64")
    for col in ("sales", "period_sales", "first_value"):
        if col in frame:
            frame[col] = frame[col].astype("float64").fillna(0.0)
    add_lifetime_columns(frame, end)
    if "period_last_date" in frame:
        frame["recency_days"] = ((end - frame["period_last_date"]) / pd.Timedelta(days=1)).astype("float64")
    frame = frame.set_index("customer_id")
    return frame if frame.index.is_monotonic_increasing else frame.sort_index()


def add_lifetime_columns(frame: pd.DataFrame, end: pd.Timestamp) -> None:
    """Add x, t_x, T (days) and repeat_value (yuan) from first_date, last_date, purchases, sales
    and first_value, observed up to ``end`` (the frame is changed in place).

    x = purchases - 1; t_x = last_date - first_date; T = end - first_date;
    repeat_value = (sales - first_value) / x where x > 0, else NaN.
    """
    frame["x"] = (frame["purchases"] - 1).astype("int64")
    frame["t_x"] = ((frame["last_date"] - frame["first_date"]) / pd.Timedelta(days=1)).astype("float64")
    frame["T"] = ((end - frame["first_date"]) / pd.Timedelta(days=1)).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat = (frame["sales"] - frame["first_value"]) / frame["x"]
    frame["repeat_value"] = repeat.where(frame["x"] > 0)
