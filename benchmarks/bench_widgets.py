"""Explore responsiveness: time each widget update of the overview, driven from Python.

Each update re-runs the overview's helpers on DuckDB (through Ibis) and redraws
the chart. The baseline computes the same daily slice with plain pandas on
frames already in memory, in the same process, and draws the same chart, so the
ratio says what the engine path costs or saves per update. Usage::

    .venv/bin/python benchmarks/bench_widgets.py [--rounds N]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import settings  # noqa: E402
from helpers.core.params import check_params  # noqa: E402
from helpers.core.shop import connect  # noqa: E402
from helpers.present import charts, explore, slices  # noqa: E402

CHANGES = [("source", "直通车"), ("metric", "conversion_rate"), ("category", None), ("metric", "sales"),
           ("category", "女装T恤"), ("source", None), ("rate_method", "daily_mean"), ("metric", "uv_value"),
           ("category", None), ("metric", "visitors")]


def pandas_slice(orders: pd.DataFrame, products: pd.DataFrame, traffic: pd.DataFrame, metric, source, category,
                 dates) -> pd.DataFrame:
    """The same daily slice as present.slices.daily_slice, in plain pandas on in-memory frames."""
    start, end = dates
    days = pd.DataFrame({"date": pd.date_range(start, end, freq="D")})
    if metric in ("sales", "paid_orders"):
        lines = orders[(orders.status == "paid") & (orders.pay_time >= start)
                       & (orders.pay_time < end + pd.Timedelta(days=1))]
        if source:
            lines = lines[lines.source == source]
        if category:
            lines = lines[lines.product_id.isin(products.loc[products.category == category, "product_id"])]
        grouped = lines.groupby(lines.pay_time.dt.normalize())
        value = grouped.paid_amount.sum() if metric == "sales" else grouped.order_id.nunique()
        return days.merge(value.rename("value").rename_axis("date").reset_index(), on="date", how="left")
    t = traffic[(traffic.date >= start) & (traffic.date <= end)]
    if source:
        t = t[t.source == source]
    g = t.groupby("date")[["visitors", "paid_buyers", "paid_amount"]].sum()
    value = {"visitors": g.visitors, "conversion_rate": g.paid_buyers / g.visitors,
             "uv_value": g.paid_amount / g.visitors, "aov": g.paid_amount / g.paid_buyers}[metric]
    return days.merge(value.rename("value").rename_axis("date").reset_index(), on="date", how="left")


def _drawn(fig):
    """Rasterise the figure as the notebook front end would, so the timing includes drawing."""
    fig.canvas.draw()
    return fig


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times the list of changes is replayed")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # the replay includes slices the data cannot make (noted in the UI)
    os.environ.pop("WORKBOOK_STATIC", None)  # live widgets whatever the shell says
    settings.reload()
    shop = connect("data/sample")
    checked = check_params(shop)
    charts.set_theme("zh")
    controls = slices.slice_controls(shop, checked.period, checked.data_first, checked.data_last, "zh")
    render = functools.partial(slices.render_slice, shop, lang="zh")
    explorer = explore.explore(lambda **values: _drawn(render(**values)), controls, "zh")
    ours, selections = [], []
    for _ in range(args.rounds):
        for name, value in CHANGES:
            controls[name].value = explore.ALL if value is None else value
            ours.append(explorer.seconds)
            selections.append(explore.current_values(controls))
    orders = shop.table("orders").execute()
    products = shop.table("products").execute()
    traffic = shop.table("traffic").execute()
    traffic["date"] = pd.to_datetime(traffic["date"])
    base = []
    for values in selections:
        started = time.perf_counter()
        metric = values["metric"]
        category = values["category"] if metric in ("sales", "paid_orders") else None
        frame = pandas_slice(orders, products, traffic, metric, values["source"], category, values["dates"])
        fig = charts.plot_trend(frame.rename(columns={"value": metric}), x="date", y=metric, lang="zh")
        fig.canvas.draw()
        plt.close(fig)
        base.append(time.perf_counter() - started)
    med_ours, med_base = statistics.median(ours), statistics.median(base)
    p95 = sorted(ours)[int(0.95 * (len(ours) - 1))]
    print(f"{len(ours)} widget updates on the sample shop (helpers on DuckDB + redraw)")
    print(f"  workbook explore update : median {med_ours * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms, "
          f"max {max(ours) * 1000:6.0f} ms")
    print(f"  plain pandas in memory  : median {med_base * 1000:6.0f} ms")
    print(f"  ratio (pandas / ours)   : {med_base / med_ours:.2f}x")
    other_explorers(shop, checked, args.rounds)


def _time_updates(explorer, controls, changes, rounds) -> list[float]:
    seconds = []
    for _ in range(rounds):
        for name, value in changes:
            controls[name].value = explore.ALL if value is None else value
            if explorer.errors:
                raise SystemExit(f"update failed: {explorer.errors[-1]}")
            seconds.append(explorer.seconds)
    return seconds


def other_explorers(shop, checked, rounds: int) -> None:
    """Update times of the other notebooks' Explore sections (same helpers as their reports)."""
    from helpers.areas.campaigns import explore as campaigns
    from helpers.areas.customers import explore as customers
    from helpers.areas.customers import lifetime, purchases, rfm
    from helpers.areas.traffic import explore as traffic

    def drawn(render):
        return lambda **values: [_drawn(v) if isinstance(v, plt.Figure) else v for v in _as_list(render(**values))]

    rows = []
    controls = traffic.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "zh")
    ex = explore.explore(drawn(functools.partial(traffic.render_explore, shop, lang="zh")), controls, "zh")
    rows.append(("traffic (funnel + daily)", _time_updates(ex, controls, [
        ("source", "直通车"), ("metric", "conversion_rate"), ("source", "手淘搜索"), ("rate_method", "daily_mean"),
        ("source", None)], rounds)))
    controls = campaigns.explore_controls(shop, "618-2026", "zh")
    ex = explore.explore(drawn(functools.partial(campaigns.render_explore, shop, lang="zh")), controls, "zh")
    rows.append(("campaign (days around it)", _time_updates(ex, controls, [
        ("campaign", "1111-2025"), ("category", "女装T恤"), ("metric", "paid_orders"), ("campaign", "618-2025"),
        ("category", None)], rounds)))
    period = check_params(shop, default="all").period
    summary = purchases.summarize_customers(shop, period)
    scored = rfm.score_rfm(summary, rfm.split_rfm(summary))
    life = lifetime.score_lifetime(summary, 90)
    controls = customers.explore_controls(summary, "zh")
    render = functools.partial(customers.render_explore, scored, life, summary, "bench", lang="zh")
    ex = explore.explore(render, controls, "zh")
    rows.append(("customers (segment slice)", _time_updates(ex, controls, [
        ("segment", "important_value"), ("sort_by", "expected_value"), ("first_source", "手淘搜索"),
        ("segment", None), ("first_source", None)], rounds)))
    for name, seconds in rows:
        p95 = sorted(seconds)[int(0.95 * (len(seconds) - 1))]
        print(f"  {name:26}: median {statistics.median(seconds) * 1000:6.0f} ms, p95 {p95 * 1000:6.0f} ms, "
              f"max {max(seconds) * 1000:6.0f} ms ({len(seconds)} updates)")


def _as_list(value):
    return value if isinstance(value, list | tuple) else [value]


if __name__ == "__main__":
    main()
