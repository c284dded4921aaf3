"""Customers: who buys again and when, a BG/NBD process, and the repeat-purchase truth.

:class:`_Customers` draws from its own stream (seeded from the main one), so the other
tables do not depend on the customer process. Writes ``ground_truth_customers`` (each
paying customer's true purchase rate, dropout probability and state at the end); builds
the ``repeat_purchase`` truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .specs import (
    BGNBD_A,
    BGNBD_ALPHA,
    BGNBD_B,
    BGNBD_R,
    CUSTOMER_TRUTH_FILE,
    MAX_WAIT_DAYS,
    N_DAYS,
    PULL_FORWARD_DAYS,
    REPEAT_WINDOW_DAYS,
)
from .writers import _customer_ids, _fixed_point_text


class _Customers:
    """The customer pool and the queue of customers due to buy again (a BG/NBD process).

    Every customer has a purchase rate ``lam`` ~ Gamma(BGNBD_R, rate BGNBD_ALPHA) per day
    and a dropout probability ``p_drop`` ~ Beta(BGNBD_A, BGNBD_B): while active they buy
    again after exponential gaps of mean 1 / lam, and after each repeat purchase they stop
    for good with probability ``p_drop`` (the first purchase in the data is their start).
    Due customers take the returning-buyer slots of the day (mostly CRM sources), then
    other buyer slots; returning slots the queue cannot fill pull forward customers due
    soon, then go to new customers. Customers draw from their own random stream, so the
    other tables do not depend on the customer process.
    """

    def __init__(self, rng: np.random.Generator, n_prior: int) -> None:
        self.rng = np.random.default_rng(rng.integers(2**63))
        cap = max(4096, 2 * n_prior)
        self.lam = np.zeros(cap)
        self.p_drop = np.zeros(cap)
        self.dead = np.zeros(cap, dtype=bool)  # dropped out, or lost waiting in the queue
        self.first = np.full(cap, -1, dtype=np.int16)  # first paid day seen in the data
        self.last = np.full(cap, -1, dtype=np.int16)
        self.rep90 = np.zeros(cap, dtype=bool)  # bought again within 90 days of first
        self.n = 0
        self.buckets: dict[int, list[np.ndarray]] = {}
        self.backlog = np.empty(0, dtype=np.int64)
        self.backlog_due = np.empty(0, dtype=np.int64)
        self.stats = {"dropped": 0, "pulled_forward": 0, "served": 0, "overflow": 0,
                      "slots_to_new": 0, "gap_sum": 0, "gap_count": 0, "prior_customers": n_prior}
        prior = self.new(n_prior)
        # Customers who bought before 2025 and are due soon: frequent buyers are the ones
        # due, so their rates are size-biased, Gamma(r + 1, alpha); gaps are memoryless.
        self.lam[prior] = self.rng.gamma(BGNBD_R + 1, 1 / BGNBD_ALPHA, n_prior)
        wait = self.rng.exponential(1.0, n_prior) / self.lam[prior]
        self._schedule(prior, np.minimum(np.floor(wait), 2 * N_DAYS).astype(np.int64))

    def new(self, m: int) -> np.ndarray:
        """Create ``m`` new customers and return their indices."""
        if self.n + m > len(self.lam):
            grow = max(2 * len(self.lam), self.n + m) - len(self.lam)
            self.lam = np.concatenate([self.lam, np.zeros(grow)])
            self.p_drop = np.concatenate([self.p_drop, np.zeros(grow)])
            self.dead = np.concatenate([self.dead, np.zeros(grow, bool)])
            self.first = np.concatenate([self.first, np.full(grow, -1, np.int16)])
            self.last = np.concatenate([self.last, np.full(grow, -1, np.int16)])
            self.rep90 = np.concatenate([self.rep90, np.zeros(grow, bool)])
        ids = np.arange(self.n, self.n + m, dtype=np.int64)
        self.lam[ids] = self.rng.gamma(BGNBD_R, 1 / BGNBD_ALPHA, m)
        self.p_drop[ids] = self.rng.beta(BGNBD_A, BGNBD_B, m)
        self.n += m
        return ids

    def _schedule(self, ids: np.ndarray, due: np.ndarray) -> None:
        """Queue customers for the day their next purchase is due (inside the period)."""
        keep = due < N_DAYS
        ids, due = ids[keep], due[keep]
        if not len(ids):
            return
        order = np.argsort(due, kind="stable")
        ids, due = ids[order], due[order]
        keys, starts = np.unique(due, return_index=True)
        for key, chunk in zip(keys, np.split(ids, starts[1:]), strict=True):
            self.buckets.setdefault(int(key), []).append(chunk)

    def serve(self, day: int, n: int, spare: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Returning customers for today: up to ``n`` for the returning-buyer slots,
        longest-waiting first, and the due customers beyond those for up to ``spare``
        other buyer slots (returning customers come through search and feeds too)."""
        ids = np.concatenate([self.backlog, *self.buckets.pop(day, [])])
        due = np.concatenate([self.backlog_due, np.full(len(ids) - len(self.backlog), day)])
        fresh = due >= day - MAX_WAIT_DAYS
        self.stats["dropped"] += int((~fresh).sum())
        self.dead[ids[~fresh]] = True
        ids, due = ids[fresh], due[fresh]
        take = min(n, len(ids))
        extra = min(spare, len(ids) - take)
        served, overflow = [ids[:take]], ids[take:take + extra]
        self.backlog, self.backlog_due = ids[take + extra:], due[take + extra:]
        need = n - take
        for future in range(day + 1, min(day + PULL_FORWARD_DAYS, N_DAYS - 1) + 1):
            if need <= 0:
                break
            if future not in self.buckets:
                continue
            waiting = np.concatenate(self.buckets.pop(future))
            served.append(waiting[:need])
            self.stats["pulled_forward"] += min(need, len(waiting))
            if len(waiting) > need:
                self.buckets[future] = [waiting[need:]]
            need -= min(need, len(waiting))
        out = np.concatenate(served)
        self.stats["served"] += len(out) + extra
        self.stats["overflow"] += extra
        self.stats["slots_to_new"] += n - len(out)
        return out, overflow

    def pay(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Record a paid order of each customer on ``day``; schedule their next purchase.

        After a repeat purchase the customer stops with probability ``p_drop``; the first
        purchase in the data is the customer's start (no dropout), as in BG/NBD. Returns a
        mask of customers who had paid before (in the data).
        """
        last = self.last[ids].astype(np.int64)
        returning = last >= 0
        self.stats["gap_sum"] += int((day - last[returning]).sum())
        self.stats["gap_count"] += int(returning.sum())
        first = self.first[ids].astype(np.int64)
        self.first[ids[first < 0]] = day
        self.rep90[ids[(first >= 0) & (day - first <= REPEAT_WINDOW_DAYS)]] = True
        self.last[ids] = day
        stop = returning & (self.rng.random(len(ids)) < self.p_drop[ids])
        self.dead[ids[stop]] = True
        again = ids[~stop]
        gap = np.ceil(self.rng.exponential(1.0, len(again)) / self.lam[again])
        self._schedule(again, day + np.clip(gap, 1, 2 * N_DAYS).astype(np.int64))
        return returning

    def customer_truth(self) -> dict[str, np.ndarray]:
        """Per paying customer: index, true rate, dropout probability and state at the end."""
        n = self.n
        paid = np.nonzero(self.first[:n] >= 0)[0]
        return {"index": paid, "lam": self.lam[paid], "p_drop": self.p_drop[paid],
                "alive": ~self.dead[paid], "prior": paid < self.stats["prior_customers"]}

    def repeat_truth(self) -> dict:
        """Repeat-purchase statistics as an analyst computes them from the paid orders."""
        first = self.first[: self.n].astype(np.int64)
        cohort = (first >= 0) & (first <= N_DAYS - 1 - REPEAT_WINDOW_DAYS)
        n_cohort = int(cohort.sum())
        gaps = self.stats["gap_count"]
        return {
            "first_buyers_cohort": n_cohort,
            "share_repurchase_within_90_days": (
                float(self.rep90[: self.n][cohort].sum() / n_cohort) if n_cohort else None),
            "mean_days_between_purchases": self.stats["gap_sum"] / gaps if gaps else None,
            "paying_customers": int((first >= 0).sum()),
        }


def _repeat_truth(customers: _Customers) -> dict:
    """Parametric and observed repeat-purchase truth (per customer: CUSTOMER_TRUTH_FILE)."""
    stats = customers.stats
    r, alpha, a, b = BGNBD_R, BGNBD_ALPHA, BGNBD_A, BGNBD_B
    return {
        "model": "BG/NBD (Fader, Hardie & Lee 2005): each customer buys at rate lam ~ "
                 "Gamma(shape r, rate alpha) per day while active and, after each repeat "
                 "purchase, stops for good with probability p ~ Beta(a, b); due customers "
                 "take returning-buyer slots (mostly CRM sources), then other buyer slots "
                 "(overflow); free returning slots pull forward customers due within "
                 "pull_forward_days, then go to new customers",
        "bgnbd": {"r": r, "alpha_days": alpha, "a": a, "b": b},
        "mean_purchase_rate_per_day": r / alpha,
        "mean_dropout_probability": a / (a + b),
        "probability_repurchase_within_90_days": 1 - (alpha / (alpha + REPEAT_WINDOW_DAYS)) ** r,
        "customer_truth_file": f"{CUSTOMER_TRUTH_FILE}.csv (or .parquet): customer_id, "
                               "purchase_rate_per_day (lam), dropout_probability (p), "
                               "alive_at_end (not dropped out by the last day), "
                               "before_data (bought before 2025: size-biased rate, Gamma(r + 1, "
                               "alpha), so leave them out when checking a fit)",
        "max_wait_days": MAX_WAIT_DAYS, "pull_forward_days": PULL_FORWARD_DAYS,
        "queue": {k: stats[k] for k in ("prior_customers", "served", "pulled_forward",
                                        "overflow", "dropped", "slots_to_new")},
        "observed": customers.repeat_truth(),
        "customer_id_always_present": True,
        "unpaid_orders_customers": "new ids that never pay",
    }


def _write_customer_truth(out_dir: Path, fmt: str, customers: _Customers) -> int:
    """Write each paying customer's true rate, dropout probability and state at the end."""
    t = customers.customer_truth()
    table = pa.table({
        "customer_id": _customer_ids(t["index"]),
        "purchase_rate_per_day": pa.array(np.round(t["lam"], 8)),
        "dropout_probability": pa.array(np.round(t["p_drop"], 6)),
        "alive_at_end": pa.array(t["alive"]),
        "before_data": pa.array(t["prior"]),
    })
    path = out_dir / f"{CUSTOMER_TRUTH_FILE}.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd", compression_level=3)
    else:
        text = pa.table({
            "customer_id": table["customer_id"],
            "purchase_rate_per_day": _fixed_point_text(table["purchase_rate_per_day"].combine_chunks(), 8),
            "dropout_probability": _fixed_point_text(table["dropout_probability"].combine_chunks(), 6),
            "alive_at_end": pc.if_else(table["alive_at_end"], "true", "false"),
            "before_data": pc.if_else(table["before_data"], "true", "false"),
        })
        with open(path, "wb") as fh:
            fh.write((",".join(text.column_names) + "\n").encode("utf-8"))
            pacsv.write_csv(text, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return table.num_rows
