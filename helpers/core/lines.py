"""The order lines every figure starts from, and the names that label them.

One definition of a paid order line (:func:`paid_order_lines`), of a known buyer
(:func:`known_customer`), of a line with its product's category, title and cost
(:func:`with_products`), of a paid line with its refund (:func:`lines_with_refunds`), and of
a product's and a source's display name; and the peer tier's average and excellent lines
(:func:`peer_lines`, 同行同层) that reports compare the shop with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from helpers.core.calendar import Period
    from helpers.core.shop import Shop


def paid_order_lines(shop: Shop, period: Period | None = None):
    """The paid order lines every sales figure starts from (an Ibis expression).

    A paid line has ``status == "paid"`` and a ``pay_time``; with ``period`` its pay time
    falls on one of the period's calendar days: ``period.start <= pay_time <
    period.end_exclusive``. Lines of other statuses, and "paid" lines without a pay time
    (contradictory rows), count in no sales figure.
    """
    import ibis

    o = shop.table("orders")
    if period is None:
        return o.filter(o.status == "paid", o.pay_time.notnull())
    # the bounds leave out a null pay time
    return o.filter(o.status == "paid",
                    o.pay_time >= ibis.literal(period.start.to_pydatetime(), type="timestamp"),
                    o.pay_time < ibis.literal(period.end_exclusive.to_pydatetime(), type="timestamp"))


def known_customer(lines: Any) -> Any:
    """Whether a line's buyer is known: its ``customer_id`` is neither missing nor empty.

    Every figure about customers counts only these (支付买家数, first-time buyers, repurchase,
    RFM): an empty id is no one in particular, not one buyer. Ids are stripped when a table
    is validated, so an id of spaces is empty here. Sales figures keep the other lines.
    """
    return lines.customer_id.notnull() & (lines.customer_id != "")


def with_products(shop: Shop, lines: Any) -> Any:
    """Order lines with their product's ``category``, ``title`` and ``unit_cost``.

    Without a ``products`` table the category and cost are null and the title is the id; a
    line whose product is missing from ``products`` gets nulls (a left join).
    """
    if not shop.has("products"):
        import ibis

        return lines.mutate(category=ibis.null().cast("string"), title=lines.product_id,
                            unit_cost=ibis.null().cast("float64"))
    p = shop.table("products").select("product_id", "category", "title", "unit_cost")
    return lines.left_join(p, "product_id").drop("product_id_right")


def product_titles(shop: Shop) -> pd.Series:
    """Product id -> listing title from ``products`` (an empty Series without the table)."""
    import pandas as pd

    if not shop.has("products"):
        return pd.Series(dtype=object, name="title")
    frame = shop.table("products").select("product_id", "title").execute()
    return pd.Series(frame["title"].to_numpy(), index=frame["product_id"].astype(str), name="title")


def source_groups(shop: Shop) -> pd.Series:
    """Traffic source -> its group (``traffic.source_group``); an empty Series without traffic."""
    import pandas as pd

    if not shop.has("traffic"):
        return pd.Series(dtype=object, name="source_group")
    t = shop.table("traffic")
    pairs = t.group_by("source").aggregate(group=t.source_group.min()).execute()
    return pd.Series(pairs["group"].to_numpy(), index=pairs["source"].astype(str), name="source_group")


def seconds_between(later: Any, earlier: Any) -> Any:
    """Seconds from ``earlier`` to ``later`` as float64 (an Ibis expression).

    Cast before dividing: Spark reads a literal such as ``86400.0`` as a decimal, and whole
    seconds divided by a decimal keep only 7 decimal places.
    """
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64")


def lines_with_refunds(shop: Shop, period: Period):
    """Order lines paid in the period with their refund and product (an Ibis table).

    Columns: order_id, product_id, pay_time, quantity, paid_amount, source, campaign
    (campaign id, or "" for none), campaign_line (bool), refunded (bool), refund_amount
    (yuan, capped at the line's paid amount), raw_refund_amount, returned (units sent
    back), shipped (the refund came after shipping: True / False / null), before_shipping
    (refunded before shipping: the goods never left), reason,
    refund_time, refund_days (days from payment to refund), category, title, unit_cost.
    """
    import ibis

    lines = paid_order_lines(shop, period)
    lines = lines.select("order_id", "product_id", "pay_time", "quantity", "paid_amount", "source",
                         campaign=lines.campaign_id.fill_null(""))
    if shop.has("refunds"):
        r = shop.table("refunds").select("order_id", "product_id", "refund_time", "refund_amount", "reason",
                                         "shipped", returned="quantity")
        lines = lines.left_join(r, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
    else:
        lines = lines.mutate(refund_time=ibis.null().cast("timestamp"), refund_amount=ibis.null().cast("float64"),
                             reason=ibis.null().cast("string"), shipped=ibis.null().cast("boolean"),
                             returned=ibis.null().cast("int64"))
    lines = lines.mutate(
        refunded=lines.refund_time.notnull(),
        before_shipping=lines.refund_time.notnull() & (lines.shipped == False).fill_null(False),  # noqa: E712
        raw_refund_amount=lines.refund_amount.fill_null(0.0),
        refund_amount=ibis.least(lines.refund_amount.fill_null(0.0), lines.paid_amount),
        returned=lines.returned.fill_null(0),
        campaign_line=lines.campaign != "",
        refund_days=seconds_between(lines.refund_time, lines.pay_time) / 86400,
    )
    if shop.has("products"):
        p = shop.table("products").select("product_id", "category", "title", "unit_cost")
        lines = lines.left_join(p, "product_id").drop("product_id_right")
        lines = lines.mutate(category=lines.category.fill_null("?"), title=lines.title.fill_null(lines.product_id))
    else:
        lines = lines.mutate(category=ibis.literal("?"), title=lines.product_id,
                             unit_cost=ibis.null().cast("float64"))
    return lines


def peer_lines(shop: Shop, period: Period, tier: str | None = None) -> pd.DataFrame:
    """Peer-tier average and excellent lines over the period (mean of the daily values).

    Returns
    -------
    Frame indexed by metric with columns ``peer_avg`` and ``peer_excellent``;
    empty when the data has no ``peers`` table or no rows in the period.
    """
    import pandas as pd

    if not shop.has("peers"):
        return pd.DataFrame(columns=["peer_avg", "peer_excellent"])
    p = shop.table("peers")
    p = p.filter((p.date >= period.start.date()) & (p.date <= period.end.date()))
    if tier:
        p = p.filter(p.tier == tier)
    return (p.group_by("metric").aggregate(peer_avg=p.peer_avg.mean(), peer_excellent=p.peer_excellent.mean())
            .execute().set_index("metric").sort_index())


def refunds_of_paid_lines(shop: Shop):
    """The refunds every refund figure counts (an Ibis table): those of a paid order line, each
    at most the amount paid for that line, with the line's ``paid_amount`` and ``pay_time``.

    A refund of a line that is not in the orders (an order older than the export, a mistyped
    id) cannot be set against any sale, and a refund larger than its line would make a refund
    rate above 100%: the first are left out, the second counted at the line's amount, and a
    note says how many of each and how much.
    """
    import ibis

    r = shop.table("refunds")
    paid = paid_order_lines(shop).select("order_id", "product_id", "paid_amount", "pay_time")
    joined = r.left_join(paid, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
    row = joined.aggregate(
        unmatched=ibis.ifelse(joined.paid_amount.isnull(), 1, 0).sum(),
        unmatched_amount=ibis.ifelse(joined.paid_amount.isnull(), joined.refund_amount, 0.0).sum(),
        over=ibis.ifelse(joined.refund_amount > joined.paid_amount, 1, 0).sum(),
        over_amount=ibis.ifelse(joined.refund_amount > joined.paid_amount,
                                joined.refund_amount - joined.paid_amount, 0.0).sum(),
    ).execute().iloc[0]
    from helpers.core.notes import note
    from helpers.core.shop import fill_zero

    if fill_zero(row["unmatched"]):
        n, amount = int(row["unmatched"]), fill_zero(row["unmatched_amount"])
        note(f"{n} 笔退款（{amount:,.2f} 元）在订单中找不到已支付的子订单（订单早于导出范围，或编号不一致），未计入任何退款数字",
             f"{n} refunds ({amount:,.2f} yuan) match no paid order line (an order older than the export, or "
             "different ids) and are left out of every refund figure", stacklevel=3)
    if fill_zero(row["over"]):
        n, amount = int(row["over"]), fill_zero(row["over_amount"])
        note(f"{n} 笔退款大于对应子订单的实付金额，按实付金额计入（多出 {amount:,.2f} 元未计）",
             f"{n} refunds are larger than the amount paid for their line and count at that amount "
             f"({amount:,.2f} yuan above it left out)", stacklevel=3)
    matched = joined.filter(joined.paid_amount.notnull())
    return matched.mutate(refund_amount=ibis.least(matched.refund_amount, matched.paid_amount))
