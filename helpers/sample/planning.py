"""Planning tables: purchase orders (``receipts``) and budget tests (``budget_tests``).

Both draw from their own random stream (:data:`STREAM`, seeded from the main seed), and are
built after every other table is written, so every other file is byte-identical with or
without them. The receipts are built backwards from the last ``inventory`` count and the
paid units of ``orders``: going back a day, stock grows by that day's sales and shrinks by
that day's receipt, and a receipt is placed when the stock going back would exceed about 45
days of sales. One stock-out is planted where a product sold nothing for a week or more of
ordinary trading: stock runs to 0 on its last sale and the next receipt lands on the day
sales resume. Its truth is the demand the generator expected in those days (the day's paid
units x the product's share of the day's pick weights), i.e. the lost sales.

The ``inventory`` table is rewritten with weekly counts (:data:`SNAPSHOT_DAYS`) read off the
same daily stock: every count agrees with the receipts and the sales between counts, the last
one is the count the selection generator drew, and a count inside the planted stock-out is 0.

Budget tests: each paid plan (not 淘宝客, which pays a commission per sale) has a saturating
weekly curve ``return(s) = a (1 - exp(-s / b))``; 26 test weeks at spends between 0.25 and 2.5
times its usual weekly spend, with 10% lognormal noise on the return.

Truth (``ground_truth.json`` key ``planning``): suppliers' lead times, the stock-out and its
lost units, each plan's curve (a, b, usual spend, ROI and marginal ROI there).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .calendar import _campaign_windows, _dates, _epoch_day, _excluded_days, _iso_date
from .demand import _baskets
from .specs import CAMPAIGNS, CATEGORIES, COMMISSION_CHANNEL, N_DAYS, PLANS, START

if TYPE_CHECKING:
    from .simulator import _Simulator

STREAM = 101  # [seed, STREAM]: a number no other table's stream uses
# suppliers, with their true lead time: lognormal with this median and log-sd (days)
SUPPLIERS = (("杭州织造", 12.0, 0.25), ("义乌百货", 7.0, 0.35), ("广州美妆", 9.0, 0.2), ("宁波母婴", 15.0, 0.3))
CATEGORY_SUPPLIER = (0, 0, 0, 1, 1, 2, 3)  # supplier of each category of specs.CATEGORIES
COVER_TRIGGER_DAYS = 45  # going back, a receipt is placed when stock would exceed this many days of sales
MIN_TRIGGER_UNITS = 10
STOCKOUT_MIN_DAYS = 7
SNAPSHOT_DAYS = 7  # inventory counts: weekly, on the weekday of the last count
LIFT_ORDERS = 40_000  # Monte Carlo baskets per event day and scenario for the per-product lift
BUDGET_TEST_WEEKS = 26
BUDGET_SPEND_RANGE = (0.25, 2.5)  # test spend / usual weekly spend
BUDGET_NOISE_SD = 0.1


def _daily_units(out: Path, fmt: str, ids: np.ndarray) -> np.ndarray:
    """Paid units per (day, product) read back from the written ``orders`` file."""
    path = out / f"orders.{fmt}"
    names = ["pay_time", "product_id", "quantity", "status"]
    if fmt == "csv":
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            include_columns=names, column_types={"product_id": pa.string(), "pay_time": pa.timestamp("s")}))
    else:
        table = pq.read_table(path, columns=names)
    table = table.filter(pc.and_(pc.equal(table["status"], "paid"), pc.is_valid(table["pay_time"])))
    day = (table["pay_time"].to_numpy().astype("datetime64[D]") - START).astype(np.int64)
    index = {p: j for j, p in enumerate(ids)}
    col = np.array([index[p] for p in table["product_id"].to_pylist()], dtype=np.int64)
    units = np.zeros((N_DAYS, len(ids)), dtype=np.int64)
    np.add.at(units, (day, col), table["quantity"].to_numpy())
    return units


def _expected_units(sim: _Simulator, units: np.ndarray) -> np.ndarray:
    """The generator's expected units per (day, product) on ordinary days: the day's paid units
    x the product's share of the day's pick weights (popularity, launch ramp, season, price)."""
    weights = sim.demand.base_weight * sim.demand.price_mult
    share = weights / np.maximum(weights.sum(1, keepdims=True), 1e-12)
    return units.sum(1, keepdims=True) * share


def _plant_stockout(units: np.ndarray, expected: np.ndarray) -> dict:
    """The longest-lost zero-sales run of ordinary days: product, first and last day, lost units."""
    excluded, _ = _excluded_days()
    best = None
    for j in range(units.shape[1]):
        zero = (units[:, j] == 0) & ~excluded
        day = 60
        while day < N_DAYS - 60:
            if not zero[day] or units[day - 1, j] == 0:
                day += 1
                continue
            end = day
            while end + 1 < N_DAYS - 60 and zero[end + 1]:
                end += 1
            lost = float(expected[day:end + 1, j].sum())
            if (end - day + 1 >= STOCKOUT_MIN_DAYS and units[end + 1, j] > 0
                    and (best is None or lost > best["lost"])):
                best = {"j": j, "first": day, "last": end, "lost": lost}
            day = end + 1
    if best is None:
        raise ValueError("no week without sales to plant the stock-out in")
    return best


def _receipts(rng: np.random.Generator, sim: _Simulator, units: np.ndarray, stock_last: np.ndarray,
              stockout: dict) -> tuple[dict, list[dict], np.ndarray]:
    """Receipts per product, built backwards from the last count (see the module docstring), and
    the closing stock per (day, product) they imply."""
    products = sim.products
    n = units.shape[1]
    closing = np.zeros((N_DAYS, n), dtype=np.int64)
    closing[-1] = stock_last
    rows: list[tuple[int, int, int, int]] = []  # (received day or -1, product, quantity, lead days)
    supplier = np.array(CATEGORY_SUPPLIER)[products["category"]]
    lead_mu = np.log(np.array([s[1] for s in SUPPLIERS]))
    lead_sd = np.array([s[2] for s in SUPPLIERS])
    for j in range(n):
        trigger = max(int(np.ceil(COVER_TRIGGER_DAYS * units[-90:, j].mean())), MIN_TRIGGER_UNITS)
        hold = int(rng.integers(60, 200)) if stock_last[j] > trigger else 0  # overstock sits since then
        launch = int(products["launch"][j])
        stock = int(stock_last[j])
        for t in range(N_DAYS - 1, 0, -1):
            level = stock + int(units[t, j])
            received = 0
            if j == stockout["j"] and t == stockout["last"] + 1:
                received = level
            elif j == stockout["j"] and stockout["first"] <= t <= stockout["last"]:
                received = 0
            elif t == launch:
                received = level
            elif t <= N_DAYS - 1 - hold and level > trigger:
                keep = max(1, int(round(rng.uniform(0.15, 0.4) * trigger)))
                received = level - keep if level > keep else 0
            if received > 0:
                lead = max(1, int(round(rng.lognormal(lead_mu[supplier[j]], lead_sd[supplier[j]]))))
                rows.append((t, j, received, lead))
            stock = level - received
            closing[t - 1, j] = stock
        if stock_last[j] < 2 * trigger // 3 and units[-30:, j].sum() > 0:  # on order at the last count
            lead = max(1, int(round(rng.lognormal(lead_mu[supplier[j]], lead_sd[supplier[j]]))))
            ordered = N_DAYS - 1 - int(rng.integers(0, max(lead - 1, 1)))
            rows.append((-1 - ordered, j, trigger, lead))
    rows.sort(key=lambda r: (r[0] if r[0] >= 0 else -1 - r[0] - r[3], r[1]))
    po, product, ordered, received, quantity, cost, names = [], [], [], [], [], [], []
    for k, (day, j, qty, lead) in enumerate(rows):
        order_day = (day - lead) if day >= 0 else (-1 - day)
        po.append(f"PO{str(START + np.timedelta64(order_day, 'D')).replace('-', '')}{k:05d}")
        product.append(str(products["id"][j]))
        ordered.append(order_day)
        received.append(day if day >= 0 else None)
        quantity.append(qty)
        cost.append(round(float(products["cost"][j]) / 100 * float(rng.normal(1.0, 0.02)), 2))
        names.append(SUPPLIERS[supplier[j]][0])
    recv = np.array([d if d is not None else 0 for d in received], dtype=np.int64)
    columns = {
        "po_id": pa.array(po, pa.string()),
        "product_id": pa.array(product, pa.string()),
        "ordered": _dates(np.array(ordered, dtype=np.int64)),
        "received": pa.array(_dates(recv).to_pylist(), pa.date32(),
                             mask=np.array([d is None for d in received])),
        "quantity": pa.array(quantity, pa.int64()),
        "unit_cost": pa.array(cost, pa.float64()),
        "supplier": pa.array(names, pa.string()),
    }
    leads = [{"supplier": s[0], "median_days": s[1], "log_sd": s[2],
              "mean_days": round(float(np.exp(np.log(s[1]) + s[2] ** 2 / 2)), 3),
              "categories": [c.name for k, c in enumerate(CATEGORIES) if CATEGORY_SUPPLIER[k] == i]}
             for i, s in enumerate(SUPPLIERS)]
    return columns, leads, closing


def _snapshots(sim: _Simulator, closing: np.ndarray) -> dict:
    """Weekly ``inventory`` counts: the closing stock every SNAPSHOT_DAYS days back from the last
    count, from each product's launch on; the last day's count is the one ``_inventory`` drew."""
    days = np.arange(N_DAYS - 1, -1, -SNAPSHOT_DAYS)[::-1]
    launch = np.asarray(sim.products["launch"])
    day, col = np.nonzero(days[:, None] >= launch[None, :])
    day = days[day]
    return {"date": _dates(day.astype(np.int64)),
            "product_id": pa.array(np.array(sim.products["id"]).astype(str)[col].tolist(), pa.string()),
            "stock": pa.array(closing[day, col], pa.int64())}


def _product_lifts(seed: int, sim: _Simulator) -> dict:
    """Each campaign's true lift per product: expected units in its event days with the campaign
    over the same days without it (buyers x units of the product per order, the units per order
    by Monte Carlo baskets with common random numbers: exposure, price, 凑单, 买一送一 included).
    Products not yet launched at the warm-up, or without expected units, are left out."""
    demand = sim.demand
    buyers_with = (demand.lam * demand.conv).sum(1)
    buyers_without = (demand.lam_nc * demand.conv_nc).sum(1)
    ids = np.array(sim.products["id"]).astype(str)
    launch = np.asarray(sim.products["launch"])
    out = {}
    for spec in CAMPAIGNS:
        win = _campaign_windows(spec)
        first, last = win["event"]
        if last >= N_DAYS:
            continue
        units = np.zeros((2, len(ids)))
        for day in range(first, last + 1):
            for k, with_campaign in enumerate((True, False)):
                rng = np.random.default_rng([seed, STREAM, day])
                b = _baskets(rng, demand.context(day, with_campaign), LIFT_ORDERS)
                per_order = np.bincount(b["product"], weights=b["units"], minlength=len(ids)) / LIFT_ORDERS
                units[k] += (buyers_with if with_campaign else buyers_without)[day] * per_order
        start = (win["warmup"] or win["event"])[0]
        keep = (launch <= start - 28) & (units[1] > 0)
        out[spec.campaign_id] = {str(ids[j]): round(float(units[0, j] / units[1, j]), 4) for j in np.nonzero(keep)[0]}
    return out


def _budget_tests(rng: np.random.Generator, ads: dict) -> tuple[dict, dict]:
    """Weekly spend and return of each paid plan in its budget-test weeks, and each plan's curve."""
    plan_names = np.array(ads["plan"].to_pylist())
    spend = ads["spend"].to_numpy(zero_copy_only=False)
    weeks = [N_DAYS - 1 - 7 * (BUDGET_TEST_WEEKS - i) for i in range(BUDGET_TEST_WEEKS)]
    weeks = [w - (int(_epoch_day(w)) + 3) % 7 for w in weeks]  # back to Monday (1970-01-01 was a Thursday)
    cols: dict[str, list] = {"week": [], "channel": [], "plan": [], "spend": [], "attributed_amount": []}
    truth = {}
    for plan in PLANS:
        if plan.channel == COMMISSION_CHANNEL:
            continue
        daily = spend[plan_names == plan.plan]
        usual = round(float(daily[-91:].mean()) * 7, 2)
        b = usual * float(rng.uniform(0.8, 1.6))
        roi_usual = float(rng.uniform(1.6, 4.0))
        a = roi_usual * usual / (1 - np.exp(-usual / b))
        for w in weeks:
            s = round(usual * float(rng.uniform(*BUDGET_SPEND_RANGE)), 2)
            r = a * (1 - np.exp(-s / b)) * float(np.exp(rng.normal(0, BUDGET_NOISE_SD)))
            cols["week"].append(w)
            cols["channel"].append(plan.channel)
            cols["plan"].append(plan.plan)
            cols["spend"].append(s)
            cols["attributed_amount"].append(round(r, 2))
        truth[plan.plan] = {"a": round(a, 2), "b": round(b, 2), "usual_weekly_spend": usual,
                            "roi_at_usual": round(roi_usual, 4),
                            "marginal_roi_at_usual": round(a / b * float(np.exp(-usual / b)), 4)}
    order = np.lexsort((np.array(cols["plan"]), np.array(cols["week"])))
    columns = {
        "week": _dates(np.array(cols["week"], dtype=np.int64)[order]),
        "channel": pa.array(np.array(cols["channel"])[order].tolist(), pa.string()),
        "plan": pa.array(np.array(cols["plan"])[order].tolist(), pa.string()),
        "spend": pa.array(np.array(cols["spend"])[order], pa.float64()),
        "attributed_amount": pa.array(np.array(cols["attributed_amount"])[order], pa.float64()),
    }
    return columns, truth


def _planning(seed: int, sim: _Simulator, out: Path, fmt: str, inventory: dict, ads: dict) -> tuple[dict, dict]:
    """``receipts``, ``budget_tests`` and the weekly ``inventory`` columns, and the ``planning`` truth."""
    rng = np.random.default_rng([seed, STREAM])
    ids = np.array(sim.products["id"]).astype(str)
    units = _daily_units(out, fmt, ids)
    expected = _expected_units(sim, units)
    stockout = _plant_stockout(units, expected)
    stock_last = inventory["stock"].to_numpy()
    receipts, leads, closing = _receipts(rng, sim, units, stock_last, stockout)
    budget, curves = _budget_tests(rng, ads)
    j = stockout["j"]
    truth = {
        "lead_times": leads,
        "stockout": {"product_id": str(ids[j]), "first": _iso_date(stockout["first"]),
                     "last": _iso_date(stockout["last"]), "days": stockout["last"] - stockout["first"] + 1,
                     "lost_units": round(stockout["lost"], 3),
                     "model": "stock 0 from the day after the last sale until the receipt on the day sales "
                              "resume; lost units = sum over those days of the day's paid units x the "
                              "product's share of the day's pick weights"},
        "product_lift": {"model": "per campaign and product: expected units in the event days with the campaign / "
                                  "without it (buyers x the product's units per order, Monte Carlo baskets)",
                         "campaigns": _product_lifts(seed, sim)},
        "budget_curves": {"model": "weekly attributed amount = a (1 - exp(-spend / b)) x lognormal(0, 0.1)",
                          "plans": curves},
    }
    return {"receipts": receipts, "budget_tests": budget, "inventory": _snapshots(sim, closing)}, truth
