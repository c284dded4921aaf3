"""Tests of the seeded sample-shop generator (helpers.sample) and the committed sample.

Small runs (scale 0.03) check determinism, formats and the contract; the committed
sample in data/sample/ checks that the planted truth can be recovered from the files.
Every test that generates a shop (about 5 s each) and every truth-recovery test is marked
``recovery``; the unmarked ones read the committed sample only.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.core.contract import MECHANICS, TABLES
from helpers.sample import generate_sample

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SMALL_SCALE = 0.03
SEED = 7
Z99 = 2.5758  # two-sided 99 % normal quantile
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


# ------------------------------------------------------------------------ helpers
def load(folder: Path, name: str) -> pd.DataFrame:
    """Read a generated CSV as the contract types (ids stay text)."""
    raw = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
    df = pd.DataFrame(index=raw.index)
    for col in TABLES[name].columns:
        if col.default is not None and col.name not in raw:  # one warehouse: loading fills the default
            continue
        text = raw[col.name].where(raw[col.name] != "")
        if col.kind in ("int", "float"):
            df[col.name] = pd.to_numeric(text)
        elif col.kind == "date":
            df[col.name] = pd.to_datetime(text, format="%Y-%m-%d")
        elif col.kind == "datetime":
            df[col.name] = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S")
        elif col.kind == "bool":
            df[col.name] = text.map({"true": True, "false": False})
        else:
            df[col.name] = text
    return df


def cents(values: pd.Series) -> pd.Series:
    """Yuan amounts as whole cents (exact comparison of money)."""
    return (values * 100).round().astype("int64")


def wilson(successes: int, n: int, z: float = Z99) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def conversion(traffic: pd.DataFrame, days: pd.DatetimeIndex) -> float:
    """Pooled paid conversion of a source's traffic rows over some days."""
    return traffic.loc[days, "paid_buyers"].sum() / traffic.loc[days, "visitors"].sum()


def excluded_days(truth: dict) -> pd.DatetimeIndex:
    """Days outside normal trading, as recorded in the truth."""
    days = [pd.date_range(w["start"], w["end"]) for w in truth["normal_days"]["excluded_windows"]]
    return pd.DatetimeIndex(np.concatenate([d.values for d in days]))


# ----------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate_sample(out, seed=SEED, scale=SMALL_SCALE)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: load(SAMPLE, name) for name in TABLES}


@pytest.fixture(scope="module")
def small_tables(small) -> dict[str, pd.DataFrame]:
    return {name: load(small[0], name) for name in TABLES}


@pytest.fixture(params=[pytest.param("small", marks=pytest.mark.recovery), "committed"])
def any_tables(request) -> dict[str, pd.DataFrame]:
    # Looked up lazily so that the committed case does not generate the small shop.
    return request.getfixturevalue("small_tables" if request.param == "small" else "tables")


# -------------------------------------------------------------- determinism/format
@pytest.mark.recovery
def test_same_seed_gives_identical_bytes(small, tmp_path):
    folder, _ = small
    generate_sample(tmp_path, seed=SEED, scale=SMALL_SCALE)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == len(TABLES) + 2  # + ground_truth.json, ground_truth_customers.csv
    for name in names:
        assert (folder / name).read_bytes() == (tmp_path / name).read_bytes(), name


@pytest.mark.recovery
def test_other_seed_gives_other_orders(small, tmp_path):
    generate_sample(tmp_path, seed=SEED + 1, scale=SMALL_SCALE)
    assert (small[0] / "orders.csv").read_bytes() != (tmp_path / "orders.csv").read_bytes()


@pytest.mark.recovery
def test_parquet_is_deterministic_and_matches_csv(small, small_tables, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    truth_a = generate_sample(a, seed=SEED, scale=SMALL_SCALE, fmt="parquet")
    generate_sample(b, seed=SEED, scale=SMALL_SCALE, fmt="parquet")
    assert {k: v for k, v in truth_a.items() if k != "format"} == {
        k: v for k, v in small[1].items() if k != "format"}
    for name in TABLES:
        path = a / f"{name}.parquet"
        assert path.read_bytes() == (b / f"{name}.parquet").read_bytes(), name
        frame = pq.read_table(path).to_pandas()
        csv = small_tables[name]
        written = [c for c in TABLES[name].columns if c.default is None]
        assert list(frame.columns) == [c.name for c in written]
        assert len(frame) == len(csv) == truth_a["rows"][name]
        for col in written:
            left, right = frame[col.name], csv[col.name]
            assert (left.isna() == right.isna()).all(), (name, col.name)
            ok = left.notna()
            if col.kind == "float":
                np.testing.assert_allclose(left[ok].astype(float), right[ok], rtol=0, atol=1e-9)
            elif col.kind in ("date", "datetime"):
                assert (pd.to_datetime(left[ok]).values == right[ok].values).all(), col.name
            else:
                assert (left[ok].astype(object).values == right[ok].astype(object).values).all(), \
                    (name, col.name)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate_sample(tmp_path, scale=0)
    with pytest.raises(ValueError):
        generate_sample(tmp_path, fmt="xlsx")


@pytest.mark.parametrize("folder", [pytest.param("small", marks=pytest.mark.recovery), "committed"])
def test_csv_text_conventions(folder, request):
    root = request.getfixturevalue("small")[0] if folder == "small" else SAMPLE
    for name, table in TABLES.items():
        data = (root / f"{name}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), name
        raw = pd.read_csv(root / f"{name}.csv", dtype=str, keep_default_na=False)
        # the sample shop has one warehouse: columns with a default are left out, as a shop's exports do
        assert list(raw.columns) == [c.name for c in table.columns if c.default is None], name
        for col in table.columns:
            if col.default is not None:
                continue
            values = raw[col.name][raw[col.name] != ""]
            if col.kind == "date":
                assert values.str.match(DATE_RE).all(), (name, col.name)
            elif col.kind == "datetime":
                assert values.str.match(DATETIME_RE).all(), (name, col.name)
            elif col.kind == "bool":
                assert values.isin(["true", "false"]).all(), (name, col.name)
            elif col.kind == "float" and col.unit == "元":
                assert values.str.match(r"^\d+\.\d{2}$").all(), (name, col.name)


# ------------------------------------------------------------------------ contract
@pytest.mark.parametrize("name", list(TABLES))
def test_tables_follow_the_contract(name, any_tables):
    df, table = any_tables[name], TABLES[name]
    written = [c for c in table.columns if c.default is None]  # one warehouse: the default is filled on loading
    assert list(df.columns) == [c.name for c in written]
    assert len(df) > 0
    assert not df.duplicated([k for k in table.key if k in df]).any(), "duplicate keys"
    for col in written:
        values = df[col.name].dropna()
        if not col.nullable:
            assert df[col.name].notna().all(), f"{col.name} has empty cells"
        if col.min_value is not None:
            assert (values >= col.min_value).all(), col.name
        if col.max_value is not None:
            assert (values <= col.max_value).all(), col.name
        if col.choices is not None:
            assert values.isin(col.choices).all(), col.name


def test_campaign_table_covers_every_mechanic(tables):
    campaigns = tables["campaigns"]
    assert len(campaigns) >= 8
    assert set(MECHANICS) <= set(campaigns["mechanic"])
    used = set(tables["orders"]["campaign_id"].dropna())
    assert used <= set(campaigns["campaign_id"])


# --------------------------------------------------------------------- consistency
def test_traffic_matches_orders_exactly(any_tables):
    orders, traffic = any_tables["orders"], any_tables["traffic"]
    paid = orders[orders["status"] == "paid"]
    assert (paid["pay_time"].dt.normalize() == paid["order_time"].dt.normalize()).all()
    assert (paid["pay_time"] >= paid["order_time"]).all()
    unpaid = orders[orders["status"] != "paid"]
    assert unpaid["pay_time"].isna().all() and (unpaid["paid_amount"] == 0).all()
    got = paid.assign(date=paid["pay_time"].dt.normalize(), cents=cents(paid["paid_amount"])) \
        .groupby(["date", "source"]).agg(buyers=("customer_id", "nunique"), cents=("cents", "sum"))
    placed = orders.assign(date=orders["order_time"].dt.normalize()) \
        .groupby(["date", "source"])["customer_id"].nunique().rename("ordered")
    t = traffic.set_index(["date", "source"]).join(got).join(placed).fillna(0)
    assert (t["paid_buyers"] == t["buyers"]).all()
    assert (cents(t["paid_amount"]) == t["cents"]).all()
    assert (t["order_buyers"] == t["ordered"]).all()


def test_funnel_is_ordered(any_tables):
    t = any_tables["traffic"]
    assert (t["cart_buyers"] >= t["order_buyers"]).all()
    assert (t["order_buyers"] >= t["paid_buyers"]).all()
    seen = t["visitors"] > 0
    assert (t.loc[seen, "bounced_visitors"] < t.loc[seen, "visitors"]).all()
    assert (t.loc[seen, "page_views"] > t.loc[seen, "visitors"]).all()
    assert (t["visitors"] >= t["cart_buyers"]).all()


def test_orders_are_well_formed(any_tables):
    orders, products = any_tables["orders"], any_tables["products"]
    per_order = orders.groupby("order_id").agg(
        customers=("customer_id", "nunique"), sources=("source", "nunique"),
        statuses=("status", "nunique"), times=("order_time", "nunique"))
    assert (per_order == 1).all().all()
    # One order per customer, day and source.
    firsts = orders.drop_duplicates("order_id")
    firsts = firsts.assign(day=firsts["order_time"].dt.normalize())
    assert not firsts.duplicated(["day", "customer_id", "source"]).any()
    assert orders["customer_id"].str.match(r"^c\d{8}$").all()
    paid = orders[orders["status"] == "paid"]
    assert (paid["paid_amount"] > 0).all()
    assert (paid["paid_amount"] <= paid["list_price"] * paid["quantity"] + 1e-9).all()
    launch = orders.merge(products[["product_id", "launch_date"]], on="product_id", how="left")
    assert launch["launch_date"].notna().all()
    assert (launch["order_time"] >= launch["launch_date"]).all(), "sold before launch"


def test_refunds_follow_their_orders(any_tables):
    orders, refunds = any_tables["orders"], any_tables["refunds"]
    r = refunds.merge(orders, on=["order_id", "product_id"], how="left",
                      suffixes=("", "_line"), validate="one_to_one")
    assert (r["status"] == "paid").all()
    assert (cents(r["refund_amount"]) <= cents(r["paid_amount"])).all()
    assert (r["quantity"] <= r["quantity_line"]).all()
    delay = (r["refund_time"] - r["pay_time"]).dt.total_seconds() / 86400
    assert delay.min() >= 1 - 1e-6 and delay.max() <= 20 + 1e-6
    assert r["refund_time"].max() < pd.Timestamp("2026-11-16")
    assert r["reason"].notna().all()
    assert (r.loc[~r["shipped"], "quantity"] == 0).all()


def test_price_changes_reach_the_orders(tables, truth):
    orders = tables["orders"]
    changes = pd.DataFrame(truth["price_effect"]["changes"])
    assert len(changes) >= 50
    checked = 0
    for _, ch in changes.iterrows():
        lines = orders[(orders["product_id"] == ch["product_id"])
                       & (orders["order_time"].dt.normalize() == pd.Timestamp(ch["date"]))]
        if len(lines):
            assert (lines["list_price"] == ch["new_price"]).all()
            checked += 1
    assert checked >= 20


def test_own_market_units_are_the_shop_sales(tables):
    paid = tables["orders"][tables["orders"]["status"] == "paid"]
    units = paid.groupby([paid["order_time"].dt.to_period("M").dt.start_time, "product_id"]
                         )["quantity"].sum()
    own = tables["market"][tables["market"]["is_own"]]
    own = own.set_index(["month", "listing_id"])["units"]
    own.index.names = units.index.names
    assert own.notna().all()
    pd.testing.assert_series_equal(own.sort_index().astype("int64"),
                                   units.sort_index().astype("int64"), check_names=False)


def test_truth_file_is_sorted_and_complete(truth, tables):
    text = (SAMPLE / "ground_truth.json").read_text(encoding="utf-8")
    assert text == json.dumps(truth, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert truth["period"] == {"start": "2025-01-01", "end": "2026-11-15", "days": 684}
    assert truth["rows"] == {name: len(df) for name, df in tables.items()}
    for source in truth["sources"].values():
        assert {"source_group", "conversion", "base_visitors"} <= set(source)
    assert len(truth["sources"]) >= 10
    assert len(truth["categories"]) >= 6
    assert all(-2.5 < c["elasticity"] < -0.5 for c in truth["categories"].values())
    for camp in truth["campaigns"].values():
        assert {"uplift", "pull_forward_before", "pull_forward_after", "event"} <= set(camp)
    assert 3 <= len(truth["anomalies"]) <= 6
    assert truth["repeat_purchase"]["customer_id_always_present"] is True
    assert set(truth["market"]["own_share_by_category"]) == set(truth["categories"])


def test_date_range_is_the_period(tables):
    for name in ("orders", "traffic", "ads", "peers"):
        col = TABLES[name].date_column
        assert tables[name][col].min().normalize() == pd.Timestamp("2025-01-01"), name
        assert tables[name][col].max().normalize() == pd.Timestamp("2026-11-15"), name
    assert tables["traffic"]["date"].nunique() == 684


def test_sample_folder_is_small():
    # 21 MB: a clone stays quick. The detail tables are most of what is above the shop's own
    # orders (8.5 MB): product_traffic (16 weeks x products x sources with impressions, 4.6 MB),
    # ad_keywords (0.7 MB), ad_crowds (0.3 MB) and the weekly inventory counts (0.3 MB)
    size = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert size < 21_000_000


# ------------------------------------------------------------------ truth recovery
@pytest.mark.recovery
def test_conversion_per_source_recovers_truth(tables, truth):
    t = tables["traffic"]
    normal = t[~t["date"].isin(excluded_days(truth))]
    pooled = normal.groupby("source")[["paid_buyers", "visitors"]].sum()
    for source, spec in truth["sources"].items():
        buyers, visitors = pooled.loc[source]
        lo, hi = wilson(int(buyers), int(visitors))
        expected = spec["expected_conversion_normal_days"]
        assert lo <= expected <= hi, (source, buyers / visitors, expected)
        assert abs(expected / spec["conversion"] - 1) < 0.05, source


@pytest.mark.recovery
def test_anomalies_are_visible(tables, truth):
    t = tables["traffic"].set_index(["source", "date"]).sort_index()
    excluded = excluded_days(truth)
    for a in truth["anomalies"]:
        s = t.loc[a["source"]]
        window = pd.date_range(a["start"], a["end"])
        two_weeks = pd.Timedelta(days=14)
        around = pd.date_range(window[0] - two_weeks, window[-1] + two_weeks)
        around = around[~around.isin(excluded)]
        if a["metric"] == "visitors":
            ratio = s.loc[window, "visitors"].mean() / s.loc[around, "visitors"].median()
        else:
            ratio = conversion(s, window) / conversion(s, around)
        assert np.sign(np.log(ratio)) == np.sign(np.log(a["multiplier"])), a
        assert abs(np.log(ratio)) > 0.5 * abs(np.log(a["multiplier"])), (a, ratio)


@pytest.mark.recovery
def test_refund_rate_per_category_near_truth(tables, truth):
    orders, refunds, products = tables["orders"], tables["refunds"], tables["products"]
    lines = orders[(orders["status"] == "paid") & orders["campaign_id"].isna()
                   & (orders["pay_time"] < pd.Timestamp("2026-11-15") - pd.Timedelta(days=21))]
    lines = lines.merge(products[["product_id", "category"]], on="product_id")
    keys = set(zip(refunds["order_id"], refunds["product_id"], strict=True))
    lines = lines.assign(refunded=[k in keys for k in zip(lines["order_id"], lines["product_id"],
                                                          strict=True)])
    rates = lines.groupby("category")["refunded"].agg(["mean", "size"])
    for category, p in truth["refunds"]["probability_by_category"].items():
        rate, n = rates.loc[category]
        assert abs(rate - p) < 3.5 * math.sqrt(p * (1 - p) / n), (category, rate, p)


@pytest.mark.recovery
def test_spring_festival_dip_is_visible(tables, truth):
    daily = tables["traffic"].groupby("date")[["visitors", "paid_buyers"]].sum()
    for sf in truth["spring_festival"]:
        bottom = daily.loc[sf["bottom_start"]:sf["bottom_end"]].mean()
        after = pd.Timestamp(sf["date"])
        later = daily.loc[after + pd.Timedelta(days=14):after + pd.Timedelta(days=34)].mean()
        assert bottom["visitors"] < 0.85 * later["visitors"], sf["date"]
        assert bottom["paid_buyers"] < 0.6 * later["paid_buyers"], sf["date"]


@pytest.mark.recovery
def test_campaign_sales_beat_the_weeks_before(tables, truth):
    daily = tables["traffic"].groupby("date")["paid_amount"].sum()
    excluded = excluded_days(truth)
    for cid, camp in truth["campaigns"].items():
        event = daily.loc[camp["event"]["start"]:camp["event"]["end"]].mean()
        first = pd.Timestamp((camp["warmup"] or camp["event"])["start"])
        before = pd.date_range(max(first - pd.Timedelta(days=14), pd.Timestamp("2025-01-01")),
                               first - pd.Timedelta(days=1))
        before = before[~before.isin(excluded)]
        assert len(before) >= 5, cid
        assert camp["uplift"] > 0.3, cid
        assert event > 1.25 * daily.loc[before].mean(), cid
        if camp["warmup"]:
            assert camp["pull_forward_before"] < 0, cid
        if camp["post"]:
            assert camp["pull_forward_after"] < 0, cid


@pytest.mark.recovery
def test_full_reduction_bunches_orders_above_the_threshold(tables):
    orders = tables["orders"]
    event = orders[(orders["campaign_id"] == "1111-2025") & (orders["status"] == "paid")]
    gross = (event["list_price"] * event["quantity"]).groupby(event["order_id"]).sum()
    above = ((gross >= 300) & (gross < 345)).sum()
    below = ((gross >= 255) & (gross < 300)).sum()
    assert above > 1.5 * below


@pytest.mark.recovery
def test_trade_index_follows_the_recorded_transform(tables, truth):
    m = tables["market"]
    m = m[m["units"] > 0]
    x = np.log(m["units"] * m["price"])
    y = np.log(m["trade_index"])
    b, log_a = np.polyfit(x, y, 1)
    params = truth["market"]["trade_index"]
    assert abs(b - params["b"]) < 0.02
    assert abs(log_a - math.log(params["a"])) < 0.15
    assert np.std(y - (log_a + b * x)) < 0.05


@pytest.mark.recovery
def test_fake_order_listings_jump_in_trade_over_traffic(tables, truth):
    m = tables["market"].assign(
        gap=lambda d: np.log(d["trade_index"]) - np.log(d["traffic_index"]))
    suspects = truth["market"]["fake_order_suspects"]
    assert len(suspects) >= 2
    for s in suspects:
        rows = m[m["listing_id"] == s["listing_id"]]
        start = pd.Timestamp(s["from_month"])
        jump = rows.loc[rows["month"] >= start, "gap"].mean() - \
            rows.loc[rows["month"] < start, "gap"].mean()
        assert jump > 0.4, s


@pytest.mark.recovery
def test_repeat_purchase_truth_matches_the_orders(tables, truth):
    paid = tables["orders"][tables["orders"]["status"] == "paid"]
    days = paid.assign(day=paid["pay_time"].dt.normalize())[["customer_id", "day"]] \
        .drop_duplicates().sort_values(["customer_id", "day"])
    gaps = days.groupby("customer_id")["day"].diff().dt.days.dropna()
    first = days.groupby("customer_id")["day"].min()
    second = days.groupby("customer_id")["day"].nth(1).set_axis(
        days.groupby("customer_id").nth(1)["customer_id"])
    cohort = first[first <= pd.Timestamp("2026-11-15") - pd.Timedelta(days=90)]
    back = (second.reindex(cohort.index) - cohort).dt.days <= 90
    observed = truth["repeat_purchase"]["observed"]
    assert observed["first_buyers_cohort"] == len(cohort)
    assert back.mean() == pytest.approx(observed["share_repurchase_within_90_days"], abs=1e-6)
    assert gaps.mean() == pytest.approx(observed["mean_days_between_purchases"], abs=1e-6)
    # Returning buyers come mostly through CRM sources.
    crm = [s for s, v in truth["sources"].items() if v["source_group"] == "crm"]
    assert all(truth["sources"][s]["observed_returning_share"] > 0.8 for s in crm)


@pytest.mark.recovery
def test_ads_recover_plan_truth(tables, truth):
    ads = tables["ads"]
    normal = ads[~ads["date"].isin(excluded_days(truth))]
    plans = truth["ads"]["plans"]
    for plan, spec in plans.items():
        rows = normal[normal["plan"] == plan]
        ctr = rows["clicks"].sum() / rows["impressions"].sum()
        # 5 %, or 4 standard errors of clicks / impressions (about 1 / sqrt(clicks)) for a
        # plan with few clicks, like the small test plan that runs for seven weeks
        assert ctr == pytest.approx(spec["ctr"], rel=max(0.05, 4 / math.sqrt(rows["clicks"].sum())))
        if spec["cpc"] is not None:
            cpc = rows["spend"].sum() / rows["clicks"].sum()
            assert cpc == pytest.approx(spec["cpc"], rel=0.05)
        else:
            share = rows["spend"].sum() / rows["attributed_amount"].sum()
            assert share == pytest.approx(spec["commission_rate"], rel=0.01)
        every = ads[ads["plan"] == plan]
        roas = every["attributed_amount"].sum() / every["spend"].sum()
        assert roas == pytest.approx(spec["observed_roas"], rel=1e-5)
        # the plan's window, then each change from its first day on
        window = pd.Series(spec["attribution_window_days"], index=every.index)
        for change in spec["window_changes"]:
            window[every["date"] >= pd.Timestamp(change["from"])] = change["days"]
        assert (every["attribution_window_days"] == window).all()
    breakeven = truth["ads"]["breakeven_roas"]
    assert truth["ads"]["loss_making_plans"] and truth["ads"]["profitable_plans"]
    for plan in truth["ads"]["loss_making_plans"]:
        assert plans[plan]["observed_roas"] < 0.75 * breakeven
    for plan in truth["ads"]["profitable_plans"]:
        assert plans[plan]["observed_roas"] > 1.5 * breakeven


@pytest.mark.recovery
def test_peers_bracket_the_shop(tables):
    peers = tables["peers"].pivot(index="date", columns="metric",
                                  values=["peer_avg", "peer_excellent"])
    assert (peers["peer_excellent"] > peers["peer_avg"]).all().all()
    daily = tables["traffic"].groupby("date")[["visitors", "paid_buyers", "paid_amount"]].sum()
    week = daily.rolling(7, center=True, min_periods=1).sum()
    conv = week["paid_buyers"] / week["visitors"]
    aov = week["paid_amount"] / week["paid_buyers"]
    between = (conv > peers["peer_avg"]["conversion_rate"]) & (
        conv < peers["peer_excellent"]["conversion_rate"])
    assert between.mean() > 0.9
    assert (aov < peers["peer_avg"]["aov"]).mean() > 0.9
