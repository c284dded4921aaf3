"""Multi-touch attribution (多触点归因): which sources open and which close the journeys to an order.

口径
----
Each paid order (by pay time, :func:`helpers.core.lines.paid_order_lines`) with a path in
``touchpoints`` gets one unit of credit, spread over its touches up to the payment (touches
after it are ignored), ordered by time: last click, first click, linear and position-based
(40/20/40). Credited sales = credit x the order's paid amount (yuan). The credit is
computed in the engine with window functions; only one row per source comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.lines import paid_order_lines
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

ATTRIBUTION_MODELS = ("last_click", "first_click", "linear", "position_based")


def attribute_orders(shop: Shop, period: Period) -> tuple[pd.DataFrame, dict[str, float]]:
    """Credit of each source for the period's paid orders under four attribution models.

    For an order with n touches, touch i (0 = first) gets: last_click 1 if i = n - 1;
    first_click 1 if i = 0; linear 1 / n; position_based 0.4 to the first and the last and
    0.2 / (n - 2) to each touch between (two touches 50/50; one touch 100%).

    Returns
    -------
    (table, coverage): ``table`` indexed by source, by last-click credit, with credited
    orders per model and the same as sales (``<model>_sales``, yuan); ``coverage`` has
    paid_orders, tracked_orders and tracked_share (tracked / paid) of the period. A note
    says when some paid orders have no path.
    """
    import ibis

    paid = paid_order_lines(shop, period)
    orders = paid.group_by("order_id").aggregate(amount=paid.paid_amount.sum(), paid_at=paid.pay_time.min())
    tp = shop.table("touchpoints")
    path = tp.join(orders, "order_id").filter(lambda t: t.touch_time <= t.paid_at)
    w = ibis.window(group_by="order_id", order_by=["touch_time", "source"])
    whole = ibis.window(group_by="order_id")
    path = path.mutate(pos=ibis.row_number().over(w), n=path.order_id.count().over(whole))
    first, last = path.pos == 0, path.pos == path.n - 1
    nf = path.n.cast("float64")
    position = ibis.cases((path.n == 1, 1.0), (path.n == 2, 0.5), (first | last, 0.4), else_=0.2 / (nf - 2))
    path = path.mutate(last_click=ibis.ifelse(last, 1.0, 0.0), first_click=ibis.ifelse(first, 1.0, 0.0),
                       linear=1.0 / nf, position_based=position)
    aggs = {}
    for model in ATTRIBUTION_MODELS:
        aggs[model] = path[model].sum()
        aggs[f"{model}_sales"] = (path[model] * path.amount).sum()
    table = path.group_by("source").aggregate(**aggs).execute().set_index("source")
    paid_orders = int(orders.count().execute())
    tracked = int(path.order_id.nunique().execute()) if len(table) else 0
    # ties in last-click credit keep the sources' name order: the engine returns groups in any order
    table = table.sort_index().sort_values("last_click", ascending=False, kind="stable")
    coverage = {"paid_orders": paid_orders, "tracked_orders": tracked,
                "tracked_share": tracked / paid_orders if paid_orders else float("nan")}
    if paid_orders and tracked < paid_orders:
        note(f"触点路径：{period.label()} 的 {paid_orders} 笔支付订单中有 {tracked} 笔有触点路径，归因只覆盖这些订单",
             f"touchpoints: {tracked} of {paid_orders} paid orders in {period.label()} have a touch path; "
             "attribution covers those only")
    return table, coverage


def credit_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each source's share of the tracked orders' credit under each model (fractions; every
    column sums to 1): the credited orders of :func:`attribute_orders` / the tracked orders."""
    return table[list(ATTRIBUTION_MODELS)] / table["last_click"].sum()
