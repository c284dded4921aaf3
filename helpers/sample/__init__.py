"""Deterministic, seeded sample shop (悦家优品旗舰店, a Tmall shop) with known ground truth.

:func:`generate_sample` simulates 2025-01-01 .. 2026-11-15 of a mid-sized Tmall shop and
writes every table of :mod:`helpers.core.contract` plus ``ground_truth.json``, the parameters
the data were drawn from (true conversion per source, price elasticity per category,
campaign uplift, refund probabilities, repeat purchase, market index transform, ...).
Notebooks and tests use the truth to check that an analysis recovers what was put in.

How the simulation works
------------------------
Traffic comes first: visitors per (day, source) are Poisson around
``base x trend x weekday x season x Spring Festival x campaign x anomaly x noise`` and
paid buyers are Binomial(visitors, conversion x day effect), the day effect a mean-1
log-normal per (day, source) with a CV of 9% (real days convert beyond binomial), the same on
a campaign day and on its no-campaign counterfactual. Orders are then built to match that
traffic exactly: every paid buyer is one customer with one order of 1-3 lines (more
under 满减, where buyers top up their basket to reach the threshold). Returning customers
come from a queue of customers whose next purchase is due (a BG/NBD process: per-customer
purchase rate and dropout probability); new customers fill the other slots. Days are
simulated in order and orders/refunds are written month by month, so memory stays
bounded whatever the ``scale``.

Same ``seed`` and ``scale`` give byte-identical files: one ``numpy.random.Generator``
drives the whole run in a fixed order (the Monte Carlo used for campaign truth has its
own seeded streams), nothing depends on dict/set order or on the clock.

Modules
-------
``specs``       the shop: period, sources, categories, campaigns, anomalies, plans, streams
``calendar``    day indices and the per-day multipliers (weekday, season, trend, Spring
                Festival, campaigns, anomalies); the ``campaigns`` table
``products``    catalogue, price paths and the price test; the ``products`` table
``demand``      expected visitors and conversion, product choice, baskets
``customers``   the BG/NBD customer queue; ``ground_truth_customers``
``simulator``   the day loop; ``orders``, ``refunds``, ``traffic``
``aftersales``  ``shipments``, ``reviews``, ``service``, ``dsr``
``ads``         ``ads`` and ``touchpoints``
``market``      ``market``, ``keywords``, ``peers``
``selection``   ``product_tests``, ``candidates``, ``inventory``
``costs``       ``costs`` (commission, fees, freight, 运费险, packaging, returns)
``planning``    ``receipts`` (purchase orders, a planted stock-out), ``budget_tests`` and the weekly
                ``inventory`` counts (rewritten over the last count ``selection`` drew)
``live``        ``live_sessions`` and the session days whose incremental effect is planted
``product_traffic`` ``product_traffic`` (per product and source; the 测款 test)
``keywords_ads`` ``ad_keywords`` (the 直通车 keyword report)
``crowds``      ``ad_crowds`` (the 引力魔方 crowd report)
``truth``       the cross-table truth and the assembly of ``ground_truth.json``
``writers``     CSV / Parquet writers and Arrow column helpers
``draws``       random draws several tables share

The functions and classes of these modules keep a leading underscore: they are internal.
The public interface is :func:`generate_sample` and the constants re-exported here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .ads import _ads, _touchpoints
from .aftersales import _AfterSales
from .calendar import _campaign_columns
from .costs import _costs
from .crowds import _ad_crowds
from .customers import _write_customer_truth
from .demand import _Demand
from .keywords_ads import _ad_keywords
from .live import _live_sessions, _schedule
from .market import _keywords, _market, _peers
from .planning import _planning
from .product_traffic import _product_traffic
from .products import _apply_price_anomalies, _build_products, _price_paths, _product_columns
from .selection import _candidates, _inventory, _product_tests, _title_gaps
from .simulator import _Simulator, _traffic_columns
from .specs import DEFAULT_SEED, END, FORMATS, HOURS, MIDNIGHT_RUSH, N_DAYS, SHOP, START
from .truth import _ground_truth
from .writers import _write_table

__all__ = ["generate_sample", "DEFAULT_SEED", "START", "END", "N_DAYS", "SHOP", "FORMATS",
           "HOURS", "MIDNIGHT_RUSH"]


def generate_sample(out_dir: str | Path, seed: int = DEFAULT_SEED, scale: float = 1.0,
                    fmt: str = "csv") -> dict:
    """Simulate the sample shop and write every contract table plus its ground truth.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing); existing files are overwritten.
    seed : int
        Seed of the run; the same seed and scale give byte-identical files.
    scale : float
        Multiplies traffic and order volume (1 = committed sample, ~70k order lines;
        134 = ~10 million lines). Orders and refunds are streamed month by month.
    fmt : {"csv", "parquet"}
        ``csv``: ``<table>.csv`` UTF-8 without BOM, ISO dates, empty cells for nulls;
        ``parquet``: ``<table>.parquet`` with contract types (zstd).

    Returns
    -------
    dict
        The ground truth, as written to ``ground_truth.json``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if not (isinstance(scale, int | float) and scale > 0):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    scale = float(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    products = _build_products(rng)
    price, price_events = _price_paths(rng, products)
    price_anomalies = _apply_price_anomalies(products, price, price_events)
    demand = _Demand(products, price, scale, seed)
    sim = _Simulator(rng, scale, demand, out, fmt)
    sim.after_sales = _AfterSales(seed, sim, out, fmt)
    sim.run()
    rows = dict(sim.rows)
    _write_customer_truth(out, fmt, sim.customers)
    rows["traffic"] = _write_table(out, "traffic", fmt, _traffic_columns(sim))
    rows["products"] = _write_table(out, "products", fmt, _product_columns(products, price))
    rows["campaigns"] = _write_table(out, "campaigns", fmt, _campaign_columns(scale))
    # Built in this order because ads, market, keywords and peers continue the main stream;
    # the others draw from their own streams.
    built = {
        "ads": _ads(rng, sim),
        "market": _market(rng, sim),
        "keywords": _keywords(rng),
        "peers": _peers(rng, sim),
        "touchpoints": _touchpoints(seed, sim),
        "product_tests": _product_tests(seed, products),
        "candidates": _candidates(seed, products),
        "inventory": _inventory(seed, sim),
        "costs": _costs(),
    }
    # Product, keyword and live tables draw from their own streams, after everything else.
    schedule = _schedule(seed)
    product_columns, product_truth, incremental = _product_traffic(seed, sim, schedule)
    built["product_traffic"] = (product_columns, product_truth)
    built["ad_keywords"] = _ad_keywords(seed, built["ads"][0])
    built["ad_crowds"] = _ad_crowds(seed, built["ads"][0])
    built["live_sessions"] = _live_sessions(seed, sim, schedule, incremental)
    tables = {}
    for name, (columns, table_truth) in built.items():
        rows[name] = _write_table(out, name, fmt, columns)
        tables[name] = table_truth
    tables["keywords"]["missing_from_titles"] = _title_gaps(products)
    # last: it reads the written orders back, and draws from its own stream
    planning, tables["planning"] = _planning(seed, sim, out, fmt, built["inventory"][0], built["ads"][0])
    for name, columns in planning.items():
        rows[name] = _write_table(out, name, fmt, columns)
    truth = _ground_truth(seed, scale, fmt, sim, price_events, price_anomalies, tables, rows)
    text = json.dumps(truth, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    (out / "ground_truth.json").write_text(text, encoding="utf-8")
    return truth
