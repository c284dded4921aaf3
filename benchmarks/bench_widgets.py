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

from helpers import data, explore, overview, params, plots  # noqa: E402

CHANGES = [("source", "直通车"), ("metric", "conversion_rate"), ("category", None), ("metric", "sales"),
           ("category", "女装T恤"), ("source", None), ("rate_method", "daily_mean"), ("metric", "uv_value"),
           ("category", None), ("metric", "visitors")]


def pandas_slice(orders: pd.DataFrame, products: pd.DataFrame, traffic: pd.DataFrame, metric, source, category,
                 dates) -> pd.DataFrame:
    """The same daily slice as overview.daily_slice, in plain pandas on in-memory frames."""
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
    os.environ.pop(explore.STATIC_ENV, None)
    warnings.simplefilter("ignore")  # the replay includes slices the data cannot make (noted in the UI)
    shop = data.connect("data/sample")
    checked = params.check_params(shop)
    plots.set_theme("zh")
    controls = overview.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "zh")
    render = functools.partial(overview.render_slice, shop, lang="zh")
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
        fig = plots.plot_trend(frame.rename(columns={"value": metric}), x="date", y=metric, lang="zh")
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


if __name__ == "__main__":
    main()
