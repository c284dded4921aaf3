"""The engine-side helpers give the same results on Spark as on DuckDB.

Every helper that builds Ibis expressions on ``shop.table(name)`` runs twice on the sample
shop: on DuckDB (``core.shop.connect``) and on PySpark in local mode (``core.shop.connect_backend``
on the same tables registered as Spark views), for the same periods. Results must agree:
exactly for counts, ids, dates and text; to a relative 1e-9 for sums and ratios (floating
point sums depend on the order rows are added, which differs across engines); rows are
compared in key order where the engine defines none. The notes a helper raises
(``MetricNote``) must agree too, and so must validation errors.

Spark needs Java (17 or later) and ``pyspark`` (the ``spark`` extra, part of ``dev``).
Without them the suite is skipped with the reason, except when
``WORKBOOK_REQUIRE_SPARK=1`` (set by ``.ci/run``): then it fails, so CI cannot pass it
by skipping. Select it with ``pytest -m spark``; leave it out with ``-m "not spark"``.

Not covered here, and why: helpers that only post-process frames already compared here
(describe_*, *_table, plot_*, score_rfm, fit_* models on the compared summaries) or that
compose the covered ones (compare_periods, review_ads, find_anomalies, run_holdout,
find_dsr_drivers, explore/render_*); ``load_reviews`` text processing runs in pandas.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns import activity, frames, mechanics
from helpers.areas.campaigns import campaign as campaigns
from helpers.areas.customers import cohorts, lifetime, purchases, repurchase, rfm
from helpers.areas.market import bands, calibration, competition, opportunity, sellers, size
from helpers.areas.market import options as market_options
from helpers.areas.overview import calc as overview
from helpers.areas.products import baskets, experiments, keywords, portfolio, pricing, selection
from helpers.areas.service import chats, dsr, flags, fulfilment, reviews
from helpers.areas.service import refunds as service_refunds
from helpers.areas.traffic import ads, anomalies, attribution, decomposition
from helpers.areas.traffic import calc as traffic
from helpers.core.calendar import Period
from helpers.core.errors import DataError
from helpers.core.lines import lines_with_refunds, peer_lines, product_titles
from helpers.core.notes import MetricNote
from helpers.core.shop import connect, connect_backend
from helpers.present import slices

pytestmark = pytest.mark.spark

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
REQUIRE_ENV = "WORKBOOK_REQUIRE_SPARK"
RTOL = 1e-9
ATOL = 1e-9  # yuan, days, rates: far below anything a report shows
# 618 and the weeks around it; and the last six weeks (双十一), when the touchpoint, shipment
# and customer-service exports exist
JUNE = Period(pd.Timestamp("2026-05-20"), pd.Timestamp("2026-06-30"))
AUTUMN = Period(pd.Timestamp("2026-10-05"), pd.Timestamp("2026-11-15"))
CAMPAIGN = "618-2026"


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install -e '.[spark]' (or '.[dev]')"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        return "Java is not installed: Spark needs a JRE 17+ (apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark():
    """A local Spark session: two cores, one shuffle partition per core, no UI, quiet."""
    problem = spark_missing()
    if problem:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("workbook-engine-tests")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def duck():
    return connect(SAMPLE)


@pytest.fixture(scope="module")
def spark_shop(spark, duck, tmp_path_factory):
    """The sample shop on Spark: its validated tables written as Parquet and registered as views."""
    import ibis

    folder = tmp_path_factory.mktemp("spark-shop")
    con = ibis.pyspark.connect(spark)
    for name in duck.available:
        path = folder / f"{name}.parquet"
        duck.table(name).to_parquet(path)
        con.read_parquet(str(path), table_name=name)
    return connect_backend(con)


@pytest.fixture(scope="module")
def inputs(duck):
    """The pandas inputs the campaign helpers take besides the shop, computed once."""
    loaded = frames.load_frames(duck)
    campaign = campaigns.get_campaign(loaded.campaigns, CAMPAIGN)
    windows = campaigns.campaign_windows(campaign, loaded.data_first, loaded.data_last, 56, 14, loaded.campaigns)
    peak = activity.peak_day(activity.build_timeline(loaded, windows))
    return {"frames": loaded, "campaign": campaign, "windows": windows, "peak": peak,
            "splits": rfm.split_rfm(purchases.summarize_customers(duck, JUNE))}


# ----------------------------------------------------------------------- comparison


def _kind(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"  # DuckDB gives microseconds, Spark nanoseconds: the values are what count
    return "other"


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def assert_same(a, b, path: str = "result") -> None:
    """Assert that a DuckDB result and a Spark result agree (see the module docstring)."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} on DuckDB, {type(b).__name__} on Spark"
    if isinstance(a, pd.DataFrame):
        _assert_same_frame(a, b, path)
    elif isinstance(a, pd.Series):
        assert a.name == b.name, f"{path}: series named {a.name!r} vs {b.name!r}"
        _assert_same_frame(a.to_frame("value"), b.to_frame("value"), path)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        if not (np.isnan(a) and np.isnan(b)):
            assert b == pytest.approx(a, rel=RTOL, abs=ATOL), f"{path}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def _assert_same_frame(a: pd.DataFrame, b: pd.DataFrame, path: str) -> None:
    assert list(a.columns) == list(b.columns), f"{path}: columns {list(a.columns)} vs {list(b.columns)}"
    assert list(a.index.names) == list(b.index.names), f"{path}: index {a.index.names} vs {b.index.names}"
    assert len(a) == len(b), f"{path}: {len(a)} rows on DuckDB, {len(b)} on Spark"
    keep_index = not isinstance(a.index, pd.RangeIndex)
    a, b = (f.reset_index() if keep_index else f.reset_index(drop=True) for f in (a, b))
    a.columns = b.columns = [str(c) for c in a.columns]
    for col in a.columns:
        assert _kind(a[col].dtype) == _kind(b[col].dtype), (
            f"{path}.{col}: dtype {a[col].dtype} on DuckDB, {b[col].dtype} on Spark")
    # rows in key order: exact columns first, so float noise cannot reorder them
    exact = [c for c in a.columns if _kind(a[c].dtype) != "float"]
    floats = [c for c in a.columns if _kind(a[c].dtype) == "float"]
    if len(a):
        order = [c for c in exact + floats if a[c].map(lambda v: not isinstance(v, (list, dict))).all()]
        a, b = (f.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)
                for f in (a, b))
    for col in floats:
        np.testing.assert_allclose(b[col].to_numpy(float), a[col].to_numpy(float), rtol=RTOL, atol=ATOL,
                                   equal_nan=True, err_msg=f"{path}.{col}")
    for col in exact:
        x = [None if _missing(v) else v for v in a[col]]
        y = [None if _missing(v) else v for v in b[col]]
        if _kind(a[col].dtype) == "datetime":
            x, y = ([None if v is None else pd.Timestamp(v) for v in z] for z in (x, y))
        bad = [i for i, (u, v) in enumerate(zip(x, y, strict=True)) if u != v]
        assert not bad, f"{path}.{col}: {len(bad)} rows differ, e.g. {x[bad[0]]!r} vs {y[bad[0]]!r}"


def run_both(fn, duck, spark_shop):
    """fn(shop) on DuckDB and on Spark, with the notes each raised."""
    out = []
    for shop in (duck, spark_shop):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MetricNote)
            result = fn(shop)
        out.append((result, sorted({str(w.message) for w in caught if issubclass(w.category, MetricNote)})))
    return out


# ----------------------------------------------------------------------- helper parity

CASES = {
    # overview and the slice engine
    "overview.summarize_period": lambda s, i: overview.summarize_period(s, JUNE),
    "overview.summarize_period(order_cohort)": lambda s, i: overview.summarize_period(s, AUTUMN, "order_cohort"),
    "overview.daily_sales": lambda s, i: overview.daily_sales(s, JUNE),
    "overview.sales_by": lambda s, i: [overview.sales_by(s, JUNE, d) for d in overview.DIMENSIONS],
    "lines.peer_lines": lambda s, i: peer_lines(s, JUNE),
    "slices.slice_options": lambda s, i: slices.slice_options(s),
    "slices.daily_slice": lambda s, i: [slices.daily_slice(s, JUNE, m) for m in ("paid_orders", "uv_value")],
    # traffic
    "traffic.load_daily": lambda s, i: traffic.load_daily(s, JUNE.start, JUNE.end),
    "traffic.summarize_sources": lambda s, i: [traffic.summarize_sources(s, JUNE, m) for m in traffic.RATE_METHODS],
    "traffic.build_funnel": lambda s, i: traffic.build_funnel(s, JUNE),
    "traffic.compare_peers": lambda s, i: traffic.compare_peers(s, JUNE),
    "traffic.estimate_margin": lambda s, i: ads.estimate_margin(s, JUNE),
    "traffic.summarize_ads": lambda s, i: ads.summarize_ads(s, JUNE, 0.45),
    "traffic.decompose_sales": lambda s, i: decomposition.decompose_sales(s, JUNE),
    "traffic.excluded_days": lambda s, i: anomalies.excluded_days(s, JUNE.start, JUNE.end),
    "traffic.attribute_orders": lambda s, i: attribution.attribute_orders(s, AUTUMN),
    # market (the sample's market export: one category, monthly listings)
    "market.list_categories": lambda s, i: market_options.list_categories(s),
    "market.calibrate": lambda s, i: [calibration.calibration_pairs(s), calibration.calibrate(s)],
    "market.listing_sales": lambda s, i: _market(s, lambda sales, cal, end: sales.execute()),
    "market.market_size": lambda s, i: _market(s, lambda sales, cal, end: size.market_size(sales, cal, end)),
    "market.bands": lambda s, i: _market(s, lambda sales, cal, end: [
        bands.quantile_edges(sales), bands.price_bands(sales, bands.quantile_edges(sales))]),
    "market.sellers": lambda s, i: _market(s, lambda sales, cal, end: [
        sellers.concentration(sales), sellers.rank_sellers(sales, "shop"), sellers.rank_sellers(sales, "brand"),
        sellers.rank_sellers(sales, "listing_id"), sellers.listing_spans(sales)]),
    "market.competitors": lambda s, i: _market(s, lambda sales, cal, end: [
        competition.competitor_trends(sales, competition.resolve_competitors(sales, [], 5)),
        competition.detect_changes(sales), competition.flag_fake_orders(sales)]),
    "market.segment_table": lambda s, i: _market(s, lambda sales, cal, end: opportunity.segment_table(s, cal, end)),
    # products
    "products.summarize_portfolio": lambda s, i: [portfolio.summarize_portfolio(s, p) for p in (JUNE, AUTUMN)],
    "products.growth_share": lambda s, i: portfolio.growth_share(s, JUNE, portfolio.summarize_portfolio(s, JUNE)),
    "products.stock_cover": lambda s, i: portfolio.stock_cover(s, JUNE, portfolio.summarize_portfolio(s, JUNE)),
    "products.price_margins": lambda s, i: pricing.price_margins(s, portfolio.summarize_portfolio(s, JUNE)),
    "products.candidates_and_launches": lambda s, i: [selection.load_candidates(s), selection.launch_sales(s)],
    "products.load_tests": lambda s, i: experiments.load_tests(s),
    "products.weekly_units": lambda s, i: pricing.weekly_units(s),
    "products.keyword_value": lambda s, i: [keywords.keyword_value(s), keywords.keyword_value(s, JUNE)],
    "products.rising_products": lambda s, i: portfolio.rising_products(s, AUTUMN, weeks=3, min_lines=5),
    "products.product_pairs": lambda s, i: baskets.product_pairs(s, JUNE, 5),
    "lines.product_titles": lambda s, i: product_titles(s),
    "products.aov_by_category": lambda s, i: [baskets.aov_by_category(s, p) for p in (JUNE, AUTUMN)],
    # campaigns
    "campaigns.read_campaigns": lambda s, i: campaigns.read_campaigns(s),
    "campaigns.load_frames": lambda s, i: dataclasses.replace(frames.load_frames(s), origin=""),  # origin: the engine
    "campaigns.order_value_histogram": lambda s, i: mechanics.order_value_histogram(
        s, CAMPAIGN, {"event": pd.date_range(i["windows"].event.start, i["windows"].event.end)}, 400),
    "campaigns.hourly_sales": lambda s, i: activity.hourly_sales(s, i["frames"], i["campaign"], i["windows"],
                                                                 i["peak"]),
    "campaigns.product_activity": lambda s, i: activity.product_activity(s, i["frames"], i["campaign"], i["windows"]),
    "campaigns.compare_buyers": lambda s, i: activity.compare_buyers(s, i["frames"], i["campaign"], i["windows"]),
    # customers
    "customers.count_excluded_lines": lambda s, i: purchases.count_excluded_lines(s, JUNE),
    "customers.summarize_customers": lambda s, i: [purchases.summarize_customers(s, JUNE, rule)
                                                   for rule in purchases.SAME_DAY_RULES],
    "customers.segment_trend": lambda s, i: rfm.segment_trend(s, JUNE, i["splits"]),
    "customers.compare_repurchase": lambda s, i: repurchase.compare_repurchase(s, JUNE),
    "customers.summarize_gaps": lambda s, i: repurchase.summarize_gaps(s, JUNE),
    "customers.build_cohorts": lambda s, i: cohorts.build_cohorts(s, JUNE),
    "customers.check_holdout": lambda s, i: [
        (c.calibration_end, c.fit.params, c.aggregate, c.by_frequency, c.weekly)
        for c in [lifetime.check_holdout(s, Period(JUNE.start, AUTUMN.end), 60)]],
    # service (its exports start in July 2026: JUNE checks the empty case)
    "service.refund_maturity_days": lambda s, i: service_refunds.refund_maturity_days(s),
    "service.refunds": lambda s, i: [
        f(lines_with_refunds(s, AUTUMN)) for f in (
            lambda x: service_refunds.summarize_refunds(x, AUTUMN.end, 20),
            lambda x: service_refunds.refunds_by(x, "category"), service_refunds.summarize_reasons,
            service_refunds.refund_timing, service_refunds.refund_margin,
            lambda x: flags.product_refunds(x, AUTUMN.end, 20))],
    "service.count_unmatched_refunds": lambda s, i: service_refunds.count_unmatched_refunds(s, AUTUMN),
    "service.load_reviews": lambda s, i: reviews.load_reviews(s, AUTUMN),
    "service.fulfilment": lambda s, i: [
        f(fulfilment.order_shipments(s, p)) for p in (AUTUMN, JUNE) for f in (
            fulfilment.summarize_fulfilment, lambda x: fulfilment.summarize_fulfilment(x, "carrier"),
            fulfilment.ship_hours)],
    "service.late_effects": lambda s, i: fulfilment.late_effects(s, AUTUMN),
    "service.summarize_service": lambda s, i: [chats.summarize_service(s, p) for p in (AUTUMN, JUNE)],
    "service.service_by": lambda s, i: [chats.service_by(s, AUTUMN, by) for by in ("response_band", "agent")],
    "service.fit_response_effect": lambda s, i: chats.fit_response_effect(s, AUTUMN),
    "service.load_dsr": lambda s, i: dsr.load_dsr(s, AUTUMN),
    "service.review_experience": lambda s, i: dsr.review_experience(s, AUTUMN),
}


def _market(shop, fn):
    """fn(listing sales, calibration, last day of the market data) for the sample's category."""
    cal = calibration.calibrate(shop)
    category = market_options.resolve_category(shop, "")
    sales = size.listing_sales(shop, cal, category)
    end = sales.month.max().execute()
    return fn(sales, cal, end)


@pytest.mark.parametrize("name", list(CASES))
def test_helper_gives_the_same_result_on_spark(name, duck, spark_shop, inputs):
    (on_duck, duck_notes), (on_spark, spark_notes) = run_both(lambda s: CASES[name](s, inputs), duck, spark_shop)
    assert_same(on_duck, on_spark, name)
    assert spark_notes == duck_notes


def test_spark_shop_has_the_contract_tables(duck, spark_shop):
    assert spark_shop.available == duck.available
    assert spark_shop.origin == "pyspark connection"
    assert spark_shop.date_range("orders") == duck.date_range("orders")


def test_validation_errors_are_the_same_on_spark(spark, tmp_path):
    """A bad warehouse table is refused inside Spark with the message DuckDB gives."""
    import ibis

    frame = pd.DataFrame({
        "order_id": ["o1", "o2", "o3"], "product_id": ["p1", "p1", "p2"], "customer_id": ["c1", "c2", "c3"],
        "order_time": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 11:00", "2026-03-03 12:00"]),
        "pay_time": pd.to_datetime(["2026-03-01 10:01", "2026-03-02 11:02", "2026-03-03 12:03"]),
        "status": ["paid", "paid", "paid"], "quantity": [1, 2, 1], "list_price": [99.0, 50.0, 20.0],
        "paid_amount": [99.0, -5.0, 20.0], "source": ["手淘搜索"] * 3, "campaign_id": [None] * 3,
    })
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    separate = spark.newSession()  # its own views, so the sample's `orders` stays untouched
    spark_con = ibis.pyspark.connect(separate)
    spark_con.read_parquet(str(path), table_name="orders")
    duck_con = ibis.duckdb.connect()
    duck_con.read_parquet(str(path), table_name="orders")
    messages = []
    for con in (duck_con, spark_con):
        with pytest.raises(DataError) as err:
            connect_backend(con, origin="warehouse").table("orders")
        assert err.value.column == "paid_amount"
        messages.append(str(err.value))
    assert "1 rows have values below 0" in messages[0]
    assert "order_id=o2" in messages[0]
    assert messages[1] == messages[0]


def test_padded_text_is_stripped_alike_on_spark(spark, tmp_path):
    """Spaces, tabs, line breaks and full-width spaces around ids are removed by both engines' regexes."""
    import ibis

    frame = pd.DataFrame({
        "order_id": [" o1", "o2\t"], "product_id": ["p1", "p2\u3000"], "customer_id": ["c1\r\n", "  c1"],
        "order_time": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 11:00"]),
        "pay_time": pd.to_datetime(["2026-03-01 10:01", "2026-03-02 11:02"]),
        "status": ["paid", "paid"], "quantity": [1, 2], "list_price": [99.0, 50.0],
        "paid_amount": [99.0, 50.0], "source": ["\u3000手淘搜索 ", "直通车"], "campaign_id": [None, None],
    })
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    spark_con = ibis.pyspark.connect(spark.newSession())
    spark_con.read_parquet(str(path), table_name="orders")
    duck_con = ibis.duckdb.connect()
    duck_con.read_parquet(str(path), table_name="orders")
    for con in (duck_con, spark_con):
        shop = connect_backend(con, origin="warehouse")
        got = shop.table("orders").order_by("order_id").execute()
        assert got[["order_id", "product_id", "customer_id", "source"]].values.tolist() == [
            ["o1", "p1", "c1", "手淘搜索"], ["o2", "p2", "c1", "直通车"]]
        assert len(shop.notes) == 4  # order_id, customer_id, product_id, source
