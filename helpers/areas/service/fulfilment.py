"""Fulfilment (发货与物流): shipping speed, 及时发货率, and what a late parcel costs.

Reductions run in the engine (Ibis); the paid orders of a period joined with their
shipment are built once per shop and period (:meth:`helpers.core.shop.Shop.kept`).

口径
----
- **Fulfilment**: per paid order of the period with a shipment record: hours from payment
  (the order's first payment in ``orders``) to shipment and to delivery. 及时发货率 =
  orders shipped within their promised hours / orders due (shipped, or unshipped with the
  promise already past on the data's last day). Promised hours come from
  ``shipments.promised_hours``, else the ``promised_hours`` parameter.
- **Late shipping and after-sales**: lines of shipped orders (refunds before shipping left
  out: those goods never travelled). Refunds after shipping (mature lines only), late vs on
  time, as a Mantel-Haenszel relative risk over strata of category x campaign (late parcels
  cluster in big promotions, whose buyers refund more for other reasons); bad reviews as a
  Mantel-Haenszel risk difference over the same strata.

The pooled relative risk is statsmodels' (``StratifiedTable.riskratio_pooled``). Its
interval (Greenland-Robins variance of log RR) and the risk difference with Sato's variance
are written out in :func:`mantel_haenszel`: statsmodels gives intervals for the pooled odds
ratio only, and scipy has no stratified analysis.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.service.reviews import BAD_MAX_STARS
from helpers.areas.service.scope import as_datetime, data_end, mature_before
from helpers.core.lines import lines_with_refunds, paid_order_lines, seconds_between
from helpers.core.notes import note
from helpers.core.shop import fill_zero
from helpers.core.stats import rate_with_interval, z_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: Outcomes of :func:`late_effects`, in the order the report lists them.
OUTCOMES = ("refund_after_shipping", "bad_review")
STRATA = ["category", "campaign_order"]


def order_shipments(shop: Shop, period: Period, promised_hours: int = 48, end: Any = None):
    """Paid orders of the period with their shipment (an Ibis table, one row per order).

    ship_hours = (shipped time - pay time) in hours; deliver_hours and transit_hours
    likewise; an order is due when shipped or when its promise has passed by the end of the
    data, and late when shipped after the promise or not shipped and past it.

    Returns
    -------
    Ibis table: order_id, pay_time, campaign_order (any campaign line), shipped_time,
    delivered_time, warehouse, carrier ("?" where unknown), promised (hours), ship_hours,
    deliver_hours, transit_hours, waited, has_shipment, due, late.
    """
    import ibis

    j = _shipment_records(shop, period)
    end = pd.Timestamp(end if end is not None else data_end(shop)) + pd.Timedelta(days=1)
    stop = ibis.literal(as_datetime(end), type="timestamp")
    promised = j.promised_hours.fill_null(promised_hours).cast("float64")
    j = j.mutate(
        has_shipment=j.has_shipment.fill_null(False), promised=promised,
        ship_hours=seconds_between(j.shipped_time, j.pay_time) / 3600,
        deliver_hours=seconds_between(j.delivered_time, j.pay_time) / 3600,
        transit_hours=seconds_between(j.delivered_time, j.shipped_time) / 3600,
        waited=seconds_between(stop, j.pay_time) / 3600,
        warehouse=j.warehouse.fill_null("?"), carrier=j.carrier.fill_null("?"),
    )
    return j.mutate(
        due=j.has_shipment & (j.shipped_time.notnull() | (j.waited > j.promised)),
        late=j.has_shipment & ibis.ifelse(j.shipped_time.notnull(), j.ship_hours > j.promised,
                                          j.waited > j.promised),
    )


def _shipment_records(shop: Shop, period: Period):
    """Paid orders of the period left-joined with their shipment record (an Ibis table)."""
    # Every fulfilment table and the late-shipping comparisons read these orders: the engine
    # builds them once per shop and period (a grouping of every order line and a join).
    return shop.kept(("shipment_records", period.start, period.end_exclusive),
                     lambda: _join_shipments(shop, period))


def _join_shipments(shop: Shop, period: Period):
    import ibis

    o = paid_order_lines(shop, period)
    orders = o.group_by("order_id").aggregate(
        pay_time=o.pay_time.min(), campaign_order=ibis.ifelse(o.campaign_id.notnull(), 1, 0).max() > 0)
    s = shop.table("shipments").select("order_id", "shipped_time", "delivered_time", "promised_hours",
                                       "warehouse", "carrier")
    return orders.left_join(s.mutate(has_shipment=ibis.literal(True)), "order_id").drop("order_id_right")


def summarize_fulfilment(orders, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Shipping speed and 及时发货率 for all orders or per warehouse / carrier.

    及时发货率 = due orders shipped within their promised hours / due orders (fraction;
    NaN with a note when nothing is due).

    Returns
    -------
    DataFrame indexed by the group ("" for all orders): orders (paid orders with a
    shipment record), shipped_orders, due, on_time_rate, low, high (Wilson interval),
    median_ship_hours, p90_ship_hours, median_deliver_hours, median_transit_hours (hours);
    plus, for the all-orders row, ``without_shipment`` (paid orders without a record, paid
    after the first recorded one: cancelled before shipping or missing) and
    ``before_export`` (paid before the shipments export starts). Groups are sorted worst
    on-time rate first.
    """
    import ibis

    rec = orders.filter(orders.has_shipment)
    aggs = dict(
        orders=rec.count(), shipped_orders=ibis.ifelse(rec.shipped_time.notnull(), 1, 0).sum(),
        due=ibis.ifelse(rec.due, 1, 0).sum(), on_time=ibis.ifelse(rec.due & ~rec.late, 1, 0).sum(),
        median_ship_hours=rec.ship_hours.median(), p90_ship_hours=rec.ship_hours.quantile(0.9),
        median_deliver_hours=rec.deliver_hours.median(), median_transit_hours=rec.transit_hours.median(),
    )
    if by is None:
        out = rec.aggregate(**aggs).execute()
        out.index = pd.Index([""])
        first = rec.pay_time.min().execute()
        missing = orders.filter(~orders.has_shipment)
        if first is None or pd.isna(first):
            out["without_shipment"], out["before_export"] = int(missing.count().execute()), 0
        else:
            row = missing.aggregate(
                inside=ibis.ifelse(missing.pay_time >= as_datetime(first), 1, 0).sum(),
                before=ibis.ifelse(missing.pay_time < as_datetime(first), 1, 0).sum()).execute().iloc[0]
            out["without_shipment"] = int(fill_zero(row["inside"]))
            out["before_export"] = int(fill_zero(row["before"]))
    else:
        out = rec.group_by(by).aggregate(**aggs).execute().set_index(by)
    counts = ["orders", "shipped_orders", "due", "on_time"]
    out[counts] = out[counts].map(fill_zero).astype("int64")  # sums over no orders are NULL
    rates = rate_with_interval(out["on_time"], out["due"], confidence)
    out["on_time_rate"], out["low"], out["high"] = rates["rate"], rates["low"], rates["high"]
    order = ["orders", "shipped_orders", "due", "on_time_rate", "low", "high", "median_ship_hours",
             "p90_ship_hours", "median_deliver_hours", "median_transit_hours"]
    if by is None:
        order += ["without_shipment", "before_export"]
    else:
        out = out.sort_values("on_time_rate", kind="stable")
    return out[order]


def ship_hours(orders, by: str = "warehouse", max_hours: int = 120, bin_hours: int = 4) -> pd.DataFrame:
    """Shipped orders per bin of hours from payment to shipment (the last bin holds the rest).

    Returns
    -------
    DataFrame: group (the ``by`` value), hours (bin start), orders.
    """
    import ibis

    s = orders.filter(orders.shipped_time.notnull())
    hours = ibis.least((s.ship_hours / bin_hours).floor() * bin_hours, max_hours).cast("int64")
    g = s.group_by(group=s[by], hours=hours).aggregate(orders=s.count()).execute()
    return g.sort_values(["group", "hours"]).reset_index(drop=True)


def mantel_haenszel(strata: pd.DataFrame, confidence: float = 0.95) -> dict[str, float]:
    """Mantel-Haenszel relative risk and risk difference over strata, with intervals.

    Per stratum a events of n1 exposed, c events of n0 unexposed, N = n1 + n0:

    RR = sum(a n0 / N) / sum(c n1 / N) (``StratifiedTable.riskratio_pooled``), with the
    Greenland-Robins variance var(log RR) = sum[(n1 n0 (a + c) - a c N) / N^2] /
    (sum(a n0 / N) sum(c n1 / N));
    RD = sum(w (a / n1 - c / n0)) / sum(w), w = n1 n0 / N, with Sato's variance
    (RD P + Q) / sum(w)^2, P = sum[(n1^2 c - n0^2 a + n1 n0 (n0 - n1) / 2) / N^2],
    Q = sum[(a (n0 - c) + c (n1 - a)) / (2 N)].

    Parameters
    ----------
    strata : one row per stratum with a, n1, c, n0. Strata missing either group add
        nothing.

    Returns
    -------
    dict: rr, rr_low, rr_high, rd, rd_low, rd_high (fractions), strata (used). NaN, with a
    note, when no stratum has both groups or one group has no events.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    s = strata[(strata["n1"] > 0) & (strata["n0"] > 0)].astype(float)
    nan = float("nan")
    out = {"rr": nan, "rr_low": nan, "rr_high": nan, "rd": nan, "rd_low": nan, "rd_high": nan,
           "strata": int(len(s))}
    if s.empty:
        note("Mantel-Haenszel：没有一个分层同时有暴露组和对照组 → NaN",
             "Mantel-Haenszel: no stratum has both exposed and unexposed lines -> NaN")
        return out
    a, n1, c, n0 = s["a"], s["n1"], s["c"], s["n0"]
    N = n1 + n0
    z = z_value(confidence)
    r_num, r_den = (a * n0 / N).sum(), (c * n1 / N).sum()
    if r_num > 0 and r_den > 0:
        tables = np.array([[a, n1 - a], [c, n0 - c]], dtype=float)  # 2 x 2 x strata
        rr = float(StratifiedTable(tables).riskratio_pooled)
        var = ((n1 * n0 * (a + c) - a * c * N) / N**2).sum() / (r_num * r_den)
        se = math.sqrt(max(var, 0.0))
        out.update(rr=rr, rr_low=rr * math.exp(-z * se), rr_high=rr * math.exp(z * se))
    else:
        note("Mantel-Haenszel 相对风险：其中一组没有事件 → NaN",
             "Mantel-Haenszel relative risk: no events in one group -> NaN")
    w = n1 * n0 / N
    rd = float((w * (a / n1 - c / n0)).sum() / w.sum())
    p = ((n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / N**2).sum()
    q = ((a * (n0 - c) + c * (n1 - a)) / (2 * N)).sum()
    se = math.sqrt(max((rd * p + q) / w.sum() ** 2, 0.0))
    out.update(rd=rd, rd_low=rd - z * se, rd_high=rd + z * se)
    return out


def late_effects(shop: Shop, period: Period, promised_hours: int = 48, maturity_days: int = 20,
                 confidence: float = 0.95, end: Any = None) -> pd.DataFrame:
    """How late shipping moves refunds after shipping and bad reviews (see the module's 口径).

    Refunds: mature lines of due, recorded orders (paid at least ``maturity_days`` before the
    end), lines refunded before shipping left out. Reviews: reviewed lines of recorded,
    due orders. Both stratified by category x campaign flag.

    Returns
    -------
    DataFrame indexed by outcome (:data:`OUTCOMES`): on_time_rate, on_time_low,
    on_time_high, late_rate, late_low, late_high (Wilson), on_time_n, late_n, crude_rr, rr,
    rr_low, rr_high, rd, rd_low, rd_high (Mantel-Haenszel), strata. Outcomes whose tables
    are missing are left out.
    """
    import ibis

    end = pd.Timestamp(end if end is not None else data_end(shop))
    orders = order_shipments(shop, period, promised_hours, end)
    orders = orders.filter(orders.due).select("order_id", "late", "campaign_order")
    lines = lines_with_refunds(shop, period)
    rows = {}
    if shop.has("refunds"):
        x = lines.filter(lines.pay_time < mature_before(end, maturity_days), ~lines.before_shipping)
        x = x.inner_join(orders, "order_id")
        g = x.group_by([*STRATA, "late"]).aggregate(n=x.count(), events=ibis.ifelse(x.refunded, 1, 0).sum()).execute()
        rows["refund_after_shipping"] = _compare(g, confidence)
    if shop.has("reviews"):
        r = shop.table("reviews").select("order_id", "product_id", "rating")
        x = lines.select("order_id", "product_id", "category").inner_join(r, ["order_id", "product_id"])
        x = x.inner_join(orders, "order_id")
        g = x.group_by([*STRATA, "late"]).aggregate(
            n=x.count(), events=ibis.ifelse(x.rating <= BAD_MAX_STARS, 1, 0).sum()).execute()
        rows["bad_review"] = _compare(g, confidence)
    return pd.DataFrame(rows).T


def _compare(g: pd.DataFrame, confidence: float) -> pd.Series:
    """Late against on-time lines of one outcome: crude rates and the stratified effects."""
    late, on = g[g["late"]], g[~g["late"]]
    n1, a, n0, c = (int(x) for x in (late["n"].sum(), late["events"].sum(), on["n"].sum(), on["events"].sum()))
    rates = rate_with_interval([c, a], [n0, n1], confidence)
    strata = late.set_index(STRATA)[["events", "n"]].rename(columns={"events": "a", "n": "n1"}).join(
        on.set_index(STRATA)[["events", "n"]].rename(columns={"events": "c", "n": "n0"}), how="outer").fillna(0)
    mh = mantel_haenszel(strata, confidence)
    crude = rates["rate"].iloc[1] / rates["rate"].iloc[0] if rates["rate"].iloc[0] else float("nan")
    return pd.Series({"on_time_rate": rates["rate"].iloc[0], "on_time_low": rates["low"].iloc[0],
                      "on_time_high": rates["high"].iloc[0], "late_rate": rates["rate"].iloc[1],
                      "late_low": rates["low"].iloc[1], "late_high": rates["high"].iloc[1],
                      "on_time_n": n0, "late_n": n1, "crude_rr": crude, **mh})
