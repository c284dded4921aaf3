"""The day loop: traffic funnel, orders and refunds of every day, streamed to disk.

:class:`_Simulator` draws each day's visitors and buyers per source, gives every paid buyer a
customer and a basket, refunds some lines, and writes ``orders`` and ``refunds`` month by
month (memory stays bounded at any scale), then the ``traffic`` table. It draws from the main
stream in a fixed order; the after-sales simulation hooks into every day. Its counters feed
the ``sources``, ``lines`` and ``rows`` truth and the tables built after the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from helpers.core.contract import ORDER_STATUSES

from .calendar import _dates, _day_index, _epoch_day, _iso_date, _month_index
from .customers import _Customers
from .demand import _baskets, _Demand
from .draws import _draw_reasons
from .specs import (
    BGNBD_ALPHA,
    BGNBD_R,
    CAMPAIGN_REFUND_MULTIPLIER,
    CAMPAIGNS,
    CANCELLED_SHARE,
    CATEGORIES,
    HOURS,
    MIDNIGHT_RUSH,
    N_DAYS,
    PARTIAL_REASONS,
    REASON_WEIGHTS_APPAREL,
    REASON_WEIGHTS_OTHER,
    REASON_WEIGHTS_UNSHIPPED,
    REFUND_DAYS_SHIPPED,
    REFUND_DAYS_UNSHIPPED,
    REFUND_REASONS,
    SECONDS_PER_DAY,
    SHIPPED_PROB,
    SOURCES,
    TOUCH_DAYS,
    UNPAID_RATIO,
    VISITOR_NOISE_SD,
)
from .writers import _customer_ids, _TableWriter, _take, _timestamps

FLUSH_LINES = 100_000  # order lines buffered before writing (bounds memory at any scale)


class _DayListener(Protocol):
    """What follows the shop day by day (the after-sales stream): each day's order lines, then
    a flush with the orders and the end of the run."""

    def day(self, day: int, rows: dict, *hits) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> dict: ...


class _Simulator:
    """Runs the shop day by day and streams orders and refunds to disk."""

    def __init__(self, rng: np.random.Generator, scale: float, demand: _Demand, out_dir: Path,
                 fmt: str) -> None:
        self.rng = rng
        self.scale = scale
        self.demand = demand
        self.products = demand.products
        n_src = len(SOURCES)
        self.is_crm = np.array([s.group == "crm" for s in SOURCES])
        self.returning_share = np.array([s.returning_share for s in SOURCES])
        self.bounce = np.array([s.bounce for s in SOURCES])
        self.extra_pages = np.array([s.extra_pages for s in SOURCES])
        self.apparel = np.array([c.apparel for c in CATEGORIES])[demand.cat]
        self.refund_prob = np.array([c.refund_prob for c in CATEGORIES])[demand.cat]
        shape = (N_DAYS, n_src)
        self.traffic = {k: np.zeros(shape, dtype=np.int64) for k in (
            "visitors", "page_views", "bounced_visitors", "cart_buyers", "order_buyers",
            "paid_buyers", "paid_cents", "returning_buyers")}
        self.months = _month_index()
        n_months = int(self.months[-1]) + 1
        n_products = len(self.products["id"])
        self.product_units = np.zeros((n_months, n_products), dtype=np.int64)
        self.product_cents = np.zeros((n_months, n_products), dtype=np.int64)
        # Prior customers: enough size-biased (rate ~ Gamma(r + 1, alpha)) customers to fill
        # today's returning slots.
        first_month = slice(0, 30)
        slots = (demand.lam_nc[first_month] * demand.conv_nc[first_month]).mean(0)
        demand_returning = float((slots * np.where(self.is_crm, 1.0, self.returning_share)).sum())
        self.customers = _Customers(rng, int(round(demand_returning * BGNBD_ALPHA / (BGNBD_R + 1))))
        self.orders_out = _TableWriter(out_dir, "orders", fmt)
        self.refunds_out = _TableWriter(out_dir, "refunds", fmt)
        self.buffer: list[dict] = []
        self.refund_buffer: list[dict] = []
        self.touch_orders: list[dict] = []  # paid orders of the last TOUCH_DAYS days
        self.line_counts = {"paid_lines": 0, "campaign_lines": 0}
        self.after_sales: _DayListener | None = None  # set by generate_sample

    # -- traffic
    def _traffic(self, day: int) -> dict[str, np.ndarray]:
        """Draw one day's funnel counts per source."""
        rng, d = self.rng, self.demand
        noise = np.exp(rng.normal(0.0, VISITOR_NOISE_SD, len(SOURCES)) - VISITOR_NOISE_SD**2 / 2)
        vis = rng.poisson(d.lam[day] * noise)
        paid = rng.binomial(vis, d.conv[day])
        unpaid = rng.binomial(vis - paid, np.minimum(d.conv[day] * UNPAID_RATIO, 0.5))
        cart = paid + unpaid + rng.binomial(vis - paid - unpaid, d.cart[day])
        bounced = rng.binomial(vis - cart, self.bounce)
        if d.bots[day].any():  # bot visits: one page each, no cart, no order
            bots = rng.poisson(d.bots[day])
            vis, bounced = vis + bots, bounced + bots
        # At least one visitor of a non-empty source saw a second page.
        bounced = np.where((vis > 0) & (bounced >= vis), vis - 1, bounced)
        stayed = vis - bounced
        views = vis + stayed + rng.poisson(stayed * self.extra_pages)
        return {"visitors": vis, "page_views": views, "bounced_visitors": bounced,
                "cart_buyers": cart, "order_buyers": paid + unpaid, "paid_buyers": paid}

    # -- customers
    def _paid_customers(self, day: int, paid: np.ndarray) -> np.ndarray:
        """Customer index of every paid slot (slots ordered by source)."""
        rng = self.rng
        eligible = np.where(self.is_crm, paid, rng.binomial(paid, self.returning_share))
        source = np.repeat(np.arange(len(SOURCES)), paid)
        offset = np.arange(len(source)) - np.repeat(np.cumsum(paid) - paid, paid)
        slots = np.nonzero(offset < eligible[source])[0]
        others = np.nonzero(offset >= eligible[source])[0]
        served, extra = self.customers.serve(day, len(slots), len(others))
        chosen = slots[rng.permutation(len(slots))[: len(served)]]
        spill = others[rng.permutation(len(others))[: len(extra)]]
        cust = np.full(len(source), -1, dtype=np.int64)
        cust[chosen] = served
        cust[spill] = extra
        fresh = cust < 0
        cust[fresh] = self.customers.new(int(fresh.sum()))
        return cust

    # -- one day
    def day(self, day: int) -> None:
        """Simulate one day and buffer its order lines and refunds."""
        counts = self._traffic(day)
        for key, value in counts.items():
            self.traffic[key][day] = value
        source, cust, status = self._orders(day, counts)
        if not len(source):
            return
        rows = self._order_lines(day, source, cust, status)
        self.traffic["paid_cents"][day] = np.bincount(
            rows["source"], weights=rows["paid_cents"], minlength=len(SOURCES)
        ).round().astype(np.int64)
        self.buffer.append(rows)
        self._track_sales(day, rows)
        hits = self._refunds(rows)
        if self.after_sales is not None:
            self.after_sales.day(day, rows, *hits)
        if day >= N_DAYS - TOUCH_DAYS:
            first = np.r_[True, rows["order_id"][1:] != rows["order_id"][:-1]] & rows["paid"]
            self.touch_orders.append({k: rows[k][first]
                                      for k in ("order_id", "order_time", "source")})

    def _orders(self, day: int, counts: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Source, customer and status (0 paid, 1 unpaid, 2 cancelled) of each order."""
        rng = self.rng
        paid = counts["paid_buyers"]
        unpaid = counts["order_buyers"] - paid
        cust_paid = self._paid_customers(day, paid)
        returning = self.customers.pay(cust_paid, day)
        sources = np.arange(len(SOURCES))
        source = np.concatenate([np.repeat(sources, paid), np.repeat(sources, unpaid)])
        n_paid, n_unpaid = int(paid.sum()), int(unpaid.sum())
        self.traffic["returning_buyers"][day] = np.bincount(
            source[:n_paid][returning], minlength=len(SOURCES))
        # Unpaid orders come from visitors who never pay: new ids outside the repeat pool.
        cust = np.concatenate([cust_paid, self.customers.new(n_unpaid)])
        status = np.concatenate([np.zeros(n_paid, dtype=np.int64),
                                 1 + (rng.random(n_unpaid) < CANCELLED_SHARE)])
        return source, cust, status

    def _order_lines(self, day: int, source: np.ndarray, cust: np.ndarray,
                     status: np.ndarray) -> dict[str, np.ndarray]:
        """Baskets, times and ids of the day's orders, as line arrays in time order."""
        n = len(source)
        ctx = self.demand.context(day)
        lines = _baskets(self.rng, ctx, n)
        order_sec, pay_sec = self._times(day, n, ctx.campaign)
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((np.arange(n), order_sec))] = np.arange(n)  # order ids follow time
        o = lines["order"]
        is_paid = status[o] == 0
        date_code = int(_iso_date(day).replace("-", ""))
        base = _epoch_day(day) * SECONDS_PER_DAY
        rows = {
            "order_id": date_code * 100_000_000 + rank[o] + 1,
            "order_time": base + order_sec[o],
            "pay_time": base + pay_sec[o],
            "paid": is_paid,
            "customer": cust[o],
            "product": lines["product"],
            "units": lines["units"],
            "list_price": lines["list_price"],
            "paid_cents": np.where(is_paid, lines["paid"], 0),
            "source": source[o],
            "campaign": np.where(lines["tagged"], ctx.campaign, -1),
            "status": status[o],
        }
        sort = np.argsort(rank[o], kind="stable")
        return {k: v[sort] for k, v in rows.items()}

    def _track_sales(self, day: int, rows: dict[str, np.ndarray]) -> None:
        """Accumulate paid units and cents per product and month (for the market table)."""
        m = self.months[day]
        paid = rows["paid"]
        np.add.at(self.product_units[m], rows["product"][paid], rows["units"][paid])
        np.add.at(self.product_cents[m], rows["product"][paid], rows["paid_cents"][paid])
        self.line_counts["paid_lines"] += int(paid.sum())
        self.line_counts["campaign_lines"] += int((rows["campaign"] >= 0).sum())

    def _times(self, day: int, n: int, campaign: int) -> tuple[np.ndarray, np.ndarray]:
        """Order and payment second-of-day; payment a few minutes later, same day."""
        rng = self.rng
        hours = HOURS / HOURS.sum()
        spec = CAMPAIGNS[campaign] if campaign >= 0 else None
        big_day = spec is not None and spec.peak_day is not None and (
            day in (_day_index(spec.start), _day_index(spec.peak_day)))
        if big_day:
            hours = (1 - MIDNIGHT_RUSH) * hours + MIDNIGHT_RUSH * (np.arange(24) == 0)
        hour = np.minimum(np.searchsorted(np.cumsum(hours), rng.random(n), side="right"), 23)
        order_sec = hour * 3600 + rng.integers(0, 3600, n)
        delay = 5 + np.floor(rng.exponential(150.0, n)).astype(np.int64)
        return order_sec, np.minimum(order_sec + delay, SECONDS_PER_DAY - 1)

    def _refunds(self, rows: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Refund some paid lines 1-20 days later; refunds after the period are censored.

        Returns the refunded rows of ``rows``, whether each was shipped and whether its refund
        falls inside the period: the after-sales model moves the shipped ones.
        """
        rng = self.rng
        idx = np.nonzero(rows["paid"])[0]
        prod = rows["product"][idx]
        prob = self.refund_prob[prod] * np.where(rows["campaign"][idx] >= 0,
                                                 CAMPAIGN_REFUND_MULTIPLIER, 1.0)
        hit = rng.random(len(idx)) < prob
        idx, prod = idx[hit], prod[hit]
        m = len(idx)
        apparel = self.apparel[prod]
        shipped = rng.random(m) < np.where(apparel, SHIPPED_PROB[True], SHIPPED_PROB[False])
        reason = np.where(
            shipped,
            np.where(apparel, _draw_reasons(rng, REASON_WEIGHTS_APPAREL, m),
                     _draw_reasons(rng, REASON_WEIGHTS_OTHER, m)),
            _draw_reasons(rng, REASON_WEIGHTS_UNSHIPPED, m))
        partial = shipped & np.isin(reason, PARTIAL_REASONS) & (rng.random(m) < 0.35)
        paid = rows["paid_cents"][idx]
        amount = np.where(partial, np.floor(paid * rng.uniform(0.2, 0.5, m)).astype(np.int64), paid)
        qty = np.where(shipped & ~partial, rows["units"][idx], 0)
        lo = np.where(shipped, REFUND_DAYS_SHIPPED[0], REFUND_DAYS_UNSHIPPED[0])
        hi = np.where(shipped, REFUND_DAYS_SHIPPED[1], REFUND_DAYS_UNSHIPPED[1])
        after = np.rint(rng.uniform(lo, hi) * SECONDS_PER_DAY).astype(np.int64)
        when = rows["pay_time"][idx] + after
        inside = when < (_epoch_day(N_DAYS - 1) + 1) * SECONDS_PER_DAY
        self.refund_buffer.append({
            "order_id": rows["order_id"][idx][inside], "product": prod[inside],
            "refund_time": when[inside], "amount": amount[inside], "quantity": qty[inside],
            "reason": reason[inside], "shipped": shipped[inside]})
        return idx, shipped, inside

    # -- output
    def flush(self) -> None:
        """Write the buffered month of orders and refunds."""
        if self.buffer:
            rows = {k: np.concatenate([b[k] for b in self.buffer]) for k in self.buffer[0]}
            self.orders_out.write(_order_columns(rows, self.products["id"]))
        if self.refund_buffer:
            rows = {k: np.concatenate([b[k] for b in self.refund_buffer])
                    for k in self.refund_buffer[0]}
            self.refunds_out.write(_refund_columns(rows, self.products["id"]))
        self.buffer, self.refund_buffer = [], []
        if self.after_sales is not None:
            self.after_sales.flush()

    def run(self) -> None:
        """Simulate the whole period, writing at every month end."""
        for day in range(N_DAYS):
            self.day(day)
            month_end = day == N_DAYS - 1 or self.months[day + 1] != self.months[day]
            # Big shops flush mid-month too, so the buffer never outgrows FLUSH_LINES much.
            if month_end or sum(len(b["order_id"]) for b in self.buffer) >= FLUSH_LINES:
                self.flush()
        self.rows = {"orders": self.orders_out.close(), "refunds": self.refunds_out.close()}
        if self.after_sales is not None:
            self.rows.update(self.after_sales.close())


def _order_columns(rows: dict[str, np.ndarray], product_ids: np.ndarray) -> dict[str, pa.Array]:
    """Typed orders columns from the simulator's line arrays."""
    return {
        "order_id": pa.array(rows["order_id"]).cast(pa.string()),
        "order_time": _timestamps(rows["order_time"]),
        "pay_time": _timestamps(rows["pay_time"], rows["paid"]),
        "customer_id": _customer_ids(rows["customer"]),
        "product_id": _take(list(product_ids), rows["product"]),
        "quantity": pa.array(rows["units"], pa.int64()),
        "list_price": pa.array(rows["list_price"] / 100.0),
        "paid_amount": pa.array(rows["paid_cents"] / 100.0),
        "source": _take([s.name for s in SOURCES], rows["source"]),
        "campaign_id": _take([c.campaign_id for c in CAMPAIGNS], rows["campaign"]),
        "status": _take(ORDER_STATUSES, rows["status"]),
    }


def _refund_columns(rows: dict[str, np.ndarray], product_ids: np.ndarray) -> dict[str, pa.Array]:
    """Typed refunds columns from the simulator's refund arrays."""
    return {
        "order_id": pa.array(rows["order_id"]).cast(pa.string()),
        "product_id": _take(list(product_ids), rows["product"]),
        "refund_time": _timestamps(rows["refund_time"]),
        "refund_amount": pa.array(rows["amount"] / 100.0),
        "quantity": pa.array(rows["quantity"], pa.int64()),
        "reason": _take(REFUND_REASONS, rows["reason"]),
        "shipped": pa.array(rows["shipped"], pa.bool_()),
    }


def _traffic_columns(sim: _Simulator) -> dict[str, pa.Array]:
    """Typed traffic columns, one row per (date, source), sources in declared order."""
    n_src = len(SOURCES)
    t = sim.traffic
    return {
        "date": _dates(np.repeat(np.arange(N_DAYS), n_src)),
        "source": _take([s.name for s in SOURCES], np.tile(np.arange(n_src), N_DAYS)),
        "source_group": _take([s.group for s in SOURCES], np.tile(np.arange(n_src), N_DAYS)),
        **{k: pa.array(t[k].ravel(), pa.int64()) for k in (
            "visitors", "page_views", "bounced_visitors", "cart_buyers", "order_buyers",
            "paid_buyers")},
        "paid_amount": pa.array(t["paid_cents"].ravel() / 100.0),
    }
