"""Large shops on one machine: the workbook's engine steps against plain pandas, by size.

For shops of 1, 10 and 50 million order lines (Parquet, written by ``workbook sample
--scale`` if absent) it runs three heavy steps twice, once through the workbook's helpers
(Ibis on DuckDB) and once as idiomatic pandas on the same files:

- ``rfm``: the per-customer summary behind RFM, BG/NBD and repurchase
  (:func:`helpers.areas.customers.purchases.summarize_customers` + :func:`helpers.areas.customers.repurchase.compare_repurchase`,
  whole history);
- ``daily``: daily sales with paid orders, and sales by product and by source
  (:func:`helpers.areas.overview.calc.daily_sales` + :func:`helpers.areas.overview.calc.sales_by`, whole history);
- ``campaign``: the day-grain frames of a campaign postmortem: daily sales, orders and buyers,
  per campaign and category, first-time buyers, ads, refund cohorts and delays
  (:func:`helpers.areas.campaigns.frames.load_frames`).

The workbook runs each step twice: as the first run over new files (validation against the
contract inside its time) and as a rerun (``<step>, rerun``: the files were validated once
beforehand, untimed, and the record of it is found, as on every later report over the same
files; see :func:`helpers.core.cache.validation_record`). Both are compared with the same pandas
measurement.

Each (step, engine) runs in a fresh child process so that its peak memory is its own: the
child reads ``VmRSS`` before the step (imports done) and ``VmHWM`` after; the figure printed is
the difference. Both engines start from the Parquet files on disk; the pandas side reads only
the columns it needs and does not validate the data (the workbook does, inside its time, as on
the first run over new files: the record of a passed validation is switched off), so the
comparison favours pandas. The parent kills a child whose memory passes ``--mem-cap-gib``
or whose time passes ``--time-cap`` and reports it as such. Each pair's results are reduced to
a digest (counts and sums, computed after the measurement) and compared, so a fast wrong
answer cannot pass.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                    # 1, 10 and 50 million lines
    .venv/bin/python benchmarks/bench_scale.py --sizes 1 --steps rfm
    .venv/bin/python benchmarks/bench_scale.py --json results.json
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

LINES_PER_SCALE = 75_000  # order lines per unit of --scale in the sample generator (approximately)
STEPS = ("rfm", "daily", "campaign")
ENGINES = ("workbook", "rerun", "pandas")  # rerun: the workbook on files whose validation is on record


# --------------------------------------------------------------------------- memory of a process

def _status_kib(pid: int | str, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- the workbook's steps

def _workbook_shop(data_dir: str):
    from helpers.core.calendar import Period
    from helpers.core.shop import connect

    shop = connect(data_dir)
    first, last = shop.date_range("orders", "pay_time")
    return shop, Period(first.normalize(), last.normalize())


def workbook_rfm(data_dir: str) -> dict:
    from helpers.areas.customers import purchases
    from helpers.areas.customers import repurchase as repurchases

    shop, period = _workbook_shop(data_dir)
    summary = purchases.summarize_customers(shop, period)
    repurchase = repurchases.compare_repurchase(shop, period)
    rates = {key: (int(row["numerator"]), int(row["denominator"])) for key, row in repurchase.iterrows()}
    return functools.partial(_rfm_digest, summary, rates)


def _rfm_digest(summary, rates: dict) -> dict:
    return {
        "customers": len(summary),
        "purchases": int(summary["purchases"].sum()),
        "sales": float(summary["sales"].sum()),
        "first_value": float(summary["first_value"].sum()),
        "repeat_customers": int((summary["purchases"] >= 2).sum()),
        "span_days": int((summary["last_date"] - summary["first_date"]).dt.days.sum()),
        "second_purchase_days": int((summary["second_date"] - summary["first_date"]).dt.days.sum()),
        "first_sources": sorted(summary["first_source"].value_counts().to_dict().items()),
        "first_products": sum(zlib.crc32(p.encode()) for p in summary["first_product"].astype(str)) % 1_000_003,
        **{f"{key}_{part}": value for key, pair in sorted(rates.items()) for part, value in zip(("num", "den"), pair, strict=True)},
    }


def workbook_daily(data_dir: str) -> dict:
    from helpers.areas.overview import calc as overview

    shop, period = _workbook_shop(data_dir)
    daily = overview.daily_sales(shop, period)
    by_product = overview.sales_by(shop, period, "product")
    by_source = overview.sales_by(shop, period, "source")
    return functools.partial(_daily_digest, daily, by_product, by_source)


def _daily_digest(daily, by_product, by_source) -> dict:
    return {
        "days": len(daily),
        "sales": float(daily["sales"].sum()),
        "daily_orders": int(daily["paid_orders"].sum()),
        "products": len(by_product),
        "product_orders": int(by_product["paid_orders"].sum()),
        "sources": len(by_source),
        "source_orders": int(by_source["paid_orders"].sum()),
        "max_product_sales": float(by_product["sales"].max()),
    }


def workbook_campaign(data_dir: str) -> dict:
    from helpers.areas.campaigns.frames import load_frames
    from helpers.core.shop import connect

    frames = load_frames(connect(data_dir))
    return functools.partial(_campaign_digest, frames.daily, frames.campaign_daily, frames.new_buyers, frames.category_daily,
                            frames.campaign_categories, frames.ads_daily, frames.refund_cohorts, frames.refund_delays)


def _campaign_digest(daily, campaign_daily, new_buyers, category_daily, campaign_categories, ads_daily, cohorts,
                     delays) -> dict:
    return {
        "days": len(daily),
        "sales": float(daily["sales"].sum()),
        "orders": int(daily["orders"].sum()),
        "buyers": int(daily["buyers"].sum()),
        "campaign_rows": len(campaign_daily),
        "campaign_orders": int(campaign_daily["orders"].sum()),
        "new_buyers": int(new_buyers.sum()),
        "category_sales": float(category_daily.to_numpy().sum()),
        "campaign_category_lines": int(campaign_categories["lines"].sum()),
        "ad_spend": float(ads_daily.sum()),
        "cohort_refund_lines": int(cohorts["refund_lines"].sum()),
        "cohort_refund_amount": float(cohorts["refund_amount"].sum()),
        "refunds_by_delay": int(delays.sum()),
    }


# --------------------------------------------------------------------------- the same steps in pandas

def _read(data_dir: str, table: str, columns: list[str]):
    import pandas as pd

    return pd.read_parquet(Path(data_dir) / f"{table}.parquet", columns=columns)


def pandas_rfm(data_dir: str) -> dict:
    """The same per-customer summary and repurchase rates as the workbook step, in pandas."""
    import pandas as pd

    o = _read(data_dir, "orders", ["order_id", "customer_id", "product_id", "pay_time", "paid_amount", "source",
                                   "status"])
    r = _read(data_dir, "refunds", ["order_id", "product_id", "refund_amount"])
    o["customer_id"] = o["customer_id"].str.strip()
    o = o[(o["status"] == "paid") & o["pay_time"].notna() & o["customer_id"].notna() & (o["customer_id"] != "")]
    refunds = r.groupby(["order_id", "product_id"], as_index=False)["refund_amount"].sum()
    o = o.merge(refunds, on=["order_id", "product_id"], how="left")
    o["line_refund"] = o["refund_amount"].fillna(0.0).clip(upper=o["paid_amount"])
    # an order's main product: the largest line, ties to the smallest id
    o = o.sort_values(["order_id", "paid_amount", "product_id"], ascending=[True, False, True])
    orders = o.groupby("order_id", sort=False).agg(
        customer_id=("customer_id", "min"), pay_time=("pay_time", "min"), gross=("paid_amount", "sum"),
        refunded=("line_refund", "sum"), source=("source", "min"), top_product=("product_id", "first"))
    orders["pay_date"] = orders["pay_time"].dt.normalize()
    orders["value"] = orders["gross"] - orders["refunded"]
    # a purchase is a customer's day: source of its first order, product of its largest
    keys = ["customer_id", "pay_date"]
    source = orders.sort_values([*keys, "pay_time", "source"]).groupby(keys)["source"].first()
    top = (orders.sort_values([*keys, "gross", "top_product"], ascending=[True, True, False, True])
           .groupby(keys)["top_product"].first())
    days = orders.groupby(keys).agg(pay_time=("pay_time", "min"), value=("value", "sum"))
    days = days.join(source).join(top).reset_index().sort_values(["customer_id", "pay_time"])
    days["rank"] = days.groupby("customer_id").cumcount()
    firsts = days[days["rank"] == 0].set_index("customer_id")
    seconds = days[days["rank"] == 1].set_index("customer_id")
    per = days.groupby("customer_id").agg(first_date=("pay_date", "min"), last_date=("pay_date", "max"),
                                          purchases=("pay_date", "size"), sales=("value", "sum"))
    per["second_date"] = seconds["pay_date"]
    per["first_value"] = firsts["value"]
    per["first_source"] = firsts["source"]
    per["first_product"] = firsts["top_product"]

    end = days["pay_date"].max()
    repeat = int((per["purchases"] >= 2).sum())
    rates = {"repurchase_rate_customers": (repeat, len(per)),
             "repurchase_rate_orders": (int(per.loc[per["purchases"] >= 2, "purchases"].sum()),
                                        int(per["purchases"].sum()))}
    complete = per["first_date"] + pd.Timedelta(days=90) <= end
    within = per["second_date"].notna() & (per["second_date"] <= per["first_date"] + pd.Timedelta(days=90))
    rates["repurchase_within_days"] = (int((complete & within).sum()), int(complete.sum()))
    month = days["pay_date"].dt.to_period("M")
    current = (end + pd.Timedelta(days=1)).to_period("M") - 1  # the last complete month
    buyers = {m: set(days.loc[month == m, "customer_id"]) for m in (current - 1, current)}
    rates["returning_rate"] = (len(buyers[current - 1] & buyers[current]), len(buyers[current - 1]))
    return functools.partial(_rfm_digest, per, rates)


def pandas_daily(data_dir: str) -> dict:
    import pandas as pd

    o = _read(data_dir, "orders", ["order_id", "product_id", "source", "pay_time", "paid_amount", "status"])
    p = _read(data_dir, "products", ["product_id", "title"])
    o = o[(o["status"] == "paid") & o["pay_time"].notna()]
    o["date"] = o["pay_time"].dt.normalize()
    daily = o.groupby("date").agg(sales=("paid_amount", "sum"), paid_orders=("order_id", "nunique"))
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    daily = daily.reindex(days, fill_value=0)
    by_product = (o.merge(p, on="product_id", how="left")
                  .groupby(["product_id", "title"], dropna=False)
                  .agg(sales=("paid_amount", "sum"), paid_orders=("order_id", "nunique")))
    by_source = o.groupby("source").agg(sales=("paid_amount", "sum"), paid_orders=("order_id", "nunique"))
    return functools.partial(_daily_digest, daily, by_product, by_source)


def pandas_campaign(data_dir: str) -> dict:
    import numpy as np
    import pandas as pd

    o = _read(data_dir, "orders", ["order_id", "customer_id", "product_id", "pay_time", "quantity", "list_price",
                                   "paid_amount", "campaign_id", "status"])
    p = _read(data_dir, "products", ["product_id", "category", "unit_cost"])
    r = _read(data_dir, "refunds", ["order_id", "product_id", "refund_time", "refund_amount"])
    a = _read(data_dir, "ads", ["date", "spend"])
    lines = o[(o["status"] == "paid") & o["pay_time"].notna()].merge(p, on="product_id", how="left")
    lines["date"] = lines["pay_time"].dt.normalize()
    lines["list_value"] = lines["list_price"] * lines["quantity"]
    lines["cost"] = lines["quantity"] * lines["unit_cost"]
    lines["buyer"] = lines["customer_id"].where(lines["customer_id"] != "")  # an empty id is no buyer
    daily = lines.groupby("date").agg(sales=("paid_amount", "sum"), orders=("order_id", "nunique"),
                                      buyers=("buyer", "nunique"), units=("quantity", "sum"),
                                      list_value=("list_value", "sum"), cost=("cost", "sum"))
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    daily = daily.reindex(days, fill_value=0)
    tagged = lines[lines["campaign_id"].notna() & (lines["campaign_id"] != "")]
    campaign_daily = tagged.groupby(["date", "campaign_id"], as_index=False).agg(
        paid=("paid_amount", "sum"), list_value=("list_value", "sum"), cost=("cost", "sum"),
        lines=("order_id", "size"), orders=("order_id", "nunique"), units=("quantity", "sum"))
    firsts = lines.dropna(subset=["buyer"]).groupby("buyer")["date"].min()
    new_buyers = firsts.value_counts().reindex(days, fill_value=0)
    category_daily = lines.pivot_table(index="date", columns="category", values="paid_amount",
                                       aggfunc="sum").reindex(days).fillna(0.0)
    campaign_categories = tagged.groupby(["campaign_id", "category"]).agg(paid=("paid_amount", "sum"),
                                                                          lines=("order_id", "size"))
    ads_daily = a.assign(date=pd.to_datetime(a["date"])).groupby("date")["spend"].sum().reindex(days, fill_value=0.0)
    refunds = r.groupby(["order_id", "product_id"], as_index=False).agg(refund_time=("refund_time", "max"),
                                                                         refund_amount=("refund_amount", "sum"))
    joined = lines.merge(refunds, on=["order_id", "product_id"], how="left")
    joined["campaign"] = joined["campaign_id"].fillna("")
    joined["group"] = joined["category"].fillna("?")
    joined["refunded"] = joined["refund_amount"].notna().astype("int64")
    cohorts = joined.groupby(["date", "campaign", "group"]).agg(
        lines=("order_id", "size"), paid=("paid_amount", "sum"), refund_lines=("refunded", "sum"),
        refund_amount=("refund_amount", "sum"))
    refunded = joined[joined["refund_amount"].notna()]
    delay = np.floor((refunded["refund_time"] - refunded["pay_time"]).dt.total_seconds() / 86400)
    delays = delay.value_counts().sort_index()
    return functools.partial(_campaign_digest, daily, campaign_daily, new_buyers, category_daily, campaign_categories, ads_daily, cohorts,
                            delays)


STEP_FUNCTIONS = {
    ("rfm", "workbook"): workbook_rfm, ("rfm", "pandas"): pandas_rfm,
    ("daily", "workbook"): workbook_daily, ("daily", "pandas"): pandas_daily,
    ("campaign", "workbook"): workbook_campaign, ("campaign", "pandas"): pandas_campaign,
}


# --------------------------------------------------------------------------- running and measuring

def _child(step: str, engine: str, data_dir: str, conn, records: str = "off") -> None:
    # "workbook": a first run on these files, no record of an earlier validation (see
    # core.cache.validation_record); "rerun": the record made by record_validation is there.
    os.environ["WORKBOOK_CACHE_DIR"] = records if engine == "rerun" else "off"
    # Import what the engine needs before the baseline is read, so the figure is the step's.
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    if engine != "pandas":
        import ibis  # noqa: F401

        import helpers.areas.campaigns.frames  # noqa: F401
        import helpers.areas.customers.repurchase  # noqa: F401
        import helpers.areas.overview.calc  # noqa: F401
    before = _status_kib("self", "VmRSS")
    started = time.perf_counter()
    try:
        digest = STEP_FUNCTIONS[(step, "pandas" if engine == "pandas" else "workbook")](data_dir)
    except Exception as err:  # e.g. DuckDB out of memory under WORKBOOK_DUCKDB_MEMORY_LIMIT
        conn.send({"failed": f"error after {time.perf_counter() - started:.0f} s: {type(err).__name__}: "
                             f"{str(err).splitlines()[0][:120]}"})
        conn.close()
        return
    seconds = time.perf_counter() - started
    peak_mb = (_status_kib("self", "VmHWM") - before) / 1024
    # The digest (for comparing the results) is computed after the step is measured.
    conn.send({"seconds": seconds, "peak_mb": peak_mb, "baseline_mb": before / 1024, "digest": digest()})
    conn.close()


def _validate_all(data_dir: str, records: str) -> None:
    os.environ["WORKBOOK_CACHE_DIR"] = records
    from helpers.core.shop import connect

    shop = connect(data_dir)
    for name in shop.available:
        shop.table(name)


def record_validation(data_dir: str, records: str) -> float:
    """Validate every table once (untimed for the steps), leaving the record a rerun finds; seconds."""
    started = time.perf_counter()
    proc = mp.get_context("spawn").Process(target=_validate_all, args=(data_dir, records))
    proc.start()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"validating {data_dir} failed (exit code {proc.exitcode})")
    return time.perf_counter() - started


def measure(step: str, engine: str, data_dir: str, mem_cap_gib: float, time_cap: float,
            records: str = "off") -> dict:
    """Run one step in a fresh process; its time, peak memory above its baseline and digest."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(step, engine, data_dir, child, records))
    proc.start()
    child.close()
    cap_kib = mem_cap_gib * 1024 * 1024
    started = time.perf_counter()
    high = 0
    outcome = None
    while True:
        if parent.poll(0.05):
            try:
                outcome = parent.recv()
            except EOFError:  # the child died without a word (killed by the system)
                pass
            break
        if not proc.is_alive():
            break
        try:
            rss = _status_kib(proc.pid, "VmRSS")
        except (FileNotFoundError, ProcessLookupError):
            continue
        high = max(high, rss)
        if rss > cap_kib:
            proc.kill()
            outcome = {"failed": f"out of memory (over {mem_cap_gib:g} GiB)"}
            break
        if time.perf_counter() - started > time_cap:
            proc.kill()
            outcome = {"failed": f"impractical (over {time_cap:g} s)"}
            break
    proc.join()
    if outcome is None:
        outcome = {"failed": f"crashed (exit code {proc.exitcode})"}
    outcome.setdefault("wall_seconds", time.perf_counter() - started)
    return outcome


def digests_agree(a: dict, b: dict) -> list[str]:
    """Keys whose values differ between two digests (relative 1e-9 for floats)."""
    wrong = []
    for key in a:
        x, y = a[key], b.get(key)
        if isinstance(x, float) or isinstance(y, float):
            if y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6):
                wrong.append(f"{key}: {x} vs {y}")
        elif x != y:
            wrong.append(f"{key}: {x} vs {y}")
    return wrong


def ensure_shop(root: Path, millions: float) -> Path:
    """The folder of a Parquet sample shop of about ``millions`` million order lines (made if absent)."""
    from helpers import sample

    scale = math.ceil(millions * 1_000_000 / LINES_PER_SCALE)
    folder = root / f"scale-{scale}"
    if not (folder / "orders.parquet").exists():
        started = time.perf_counter()
        print(f"writing a shop of ~{millions:g} million lines (--scale {scale}) into {folder} ...", flush=True)
        sample.generate_sample(folder, scale=scale, fmt="parquet")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def order_lines(folder: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(folder / "orders.parquet").metadata.num_rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 50], help="shop sizes in million order lines")
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    ap.add_argument("--data-root", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "workbook-scale",
                    help="where the scaled shops are written (reused when present)")
    ap.add_argument("--mem-cap-gib", type=float, default=16.0,
                    help="kill a step whose resident memory passes this (the machine has other work)")
    ap.add_argument("--time-cap", type=float, default=1200.0, help="seconds before a step counts as impractical")
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--json", type=Path, help="also write the measurements to this file")
    args = ap.parse_args(argv)

    results = []
    for millions in args.sizes:
        folder = ensure_shop(args.data_root, millions)
        lines = order_lines(folder)
        records = ""
        if "rerun" in args.engines:
            records = tempfile.mkdtemp(prefix="bench-records-")
            seconds = record_validation(str(folder), records)
            print(f"{lines / 1e6:6.1f} M lines  validating every table once for the reruns: {seconds:.1f} s", flush=True)
        for step in args.steps:
            measured = {engine: (measure(step, engine, str(folder), args.mem_cap_gib, args.time_cap, records)
                                 if engine in args.engines else {"failed": "not run"}) for engine in ENGINES}
            for engine, label in (("workbook", step), ("rerun", f"{step}, rerun")):
                if engine not in args.engines:
                    continue
                row = {"lines": lines, "step": label, "workbook": measured[engine], "pandas": measured["pandas"]}
                wb, pdn = row["workbook"], row["pandas"]
                if "digest" in wb and "digest" in pdn:
                    row["mismatch"] = digests_agree(wb["digest"], pdn["digest"])
                results.append(row)
                print(_line(row), flush=True)
        if records:
            shutil.rmtree(records, ignore_errors=True)
    print()
    print(_table(results))
    print()
    print(_growth(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 1 if any(r.get("mismatch") for r in results) else 0


def _cell(outcome: dict, key: str, fmt: str) -> str:
    return fmt.format(outcome[key]) if key in outcome else outcome.get("failed", "?")


def _ratio(row: dict, key: str) -> str:
    wb, pdn = row["workbook"], row["pandas"]
    if key in wb and key in pdn and wb[key] > 0:
        return f"{pdn[key] / wb[key]:.1f}x"
    if key in wb and "failed" in pdn:
        return "pandas failed"
    return "-"


def _line(row: dict) -> str:
    status = "results equal" if row.get("mismatch") == [] else (
        "RESULTS DIFFER: " + "; ".join(row["mismatch"]) if row.get("mismatch") else "not compared")
    return (f"{row['lines'] / 1e6:6.1f} M lines  {row['step']:<9} workbook {_cell(row['workbook'], 'seconds', '{:.1f} s')}"
            f" / {_cell(row['workbook'], 'peak_mb', '{:.0f} MB')}   pandas {_cell(row['pandas'], 'seconds', '{:.1f} s')}"
            f" / {_cell(row['pandas'], 'peak_mb', '{:.0f} MB')}   {status}")


def _table(results: list[dict]) -> str:
    head = ("| order lines | step | workbook time | pandas time | time ratio (pandas/workbook) | workbook peak | "
            "pandas peak | memory ratio (pandas/workbook) | results |")
    rows = [head, "|" + "---|" * 9]
    for r in results:
        rows.append(
            f"| {r['lines'] / 1e6:.1f} M | {r['step']} | {_cell(r['workbook'], 'seconds', '{:.1f} s')} | "
            f"{_cell(r['pandas'], 'seconds', '{:.1f} s')} | {_ratio(r, 'seconds')} | "
            f"{_cell(r['workbook'], 'peak_mb', '{:,.0f} MB')} | {_cell(r['pandas'], 'peak_mb', '{:,.0f} MB')} | "
            f"{_ratio(r, 'peak_mb')} | {'equal' if r.get('mismatch') == [] else ('DIFFER' if r.get('mismatch') else '-')} |")
    return "\n".join(rows)


def _growth(results: list[dict]) -> str:
    """Seconds per million lines at each size: flat means linear cost."""
    out = ["Cost per million order lines (seconds), by size:"]
    for label in dict.fromkeys(r["step"] for r in results):
        for engine in ("workbook", "pandas"):
            if engine == "pandas" and label.endswith("rerun"):
                continue  # the same pandas measurement as the first-read row
            points = [(r["lines"], r[engine]["seconds"]) for r in results if r["step"] == label and "seconds" in r[engine]]
            if points:
                out.append(f"  {label:<14} {engine:<9} " + "  ".join(
                    f"{lines / 1e6:.0f}M: {sec / (lines / 1e6):.2f}" for lines, sec in points))
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
