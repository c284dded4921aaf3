"""The sample shop's product, keyword and live tables agree with the tables it already wrote:
product visitors add up to the source's visitors, keyword spend to the 直通车 plan's spend, the
测款 listings share the same paid traffic, and live sessions avoid campaign windows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.sample import generate_sample

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype={"product_id": str})


def test_product_visitors_add_up_to_the_sources_visitors_every_day():
    pt, traffic = read(SAMPLE, "product_traffic"), read(SAMPLE, "traffic")
    summed = pt.groupby(["date", "source"])["visitors"].sum()
    shop = traffic.set_index(["date", "source"])["visitors"].reindex(summed.index)
    assert (summed == shop).all() and len(summed) > 1000


def test_keyword_spend_adds_up_to_each_keyword_plans_spend_to_the_cent():
    kw, ads = read(SAMPLE, "ad_keywords"), read(SAMPLE, "ads")
    summed = kw.groupby(["date", "plan"])["spend"].sum().round(2)
    plans = ads[ads["plan"].isin(kw["plan"].unique())].set_index(["date", "plan"])["spend"]
    plans = plans[plans > 0]
    assert (summed.reindex(plans.index) == plans).all()


def test_the_test_listings_get_the_same_paid_visitors_each_day(truth):
    test = truth["product_traffic"]["test"]
    pt = read(SAMPLE, "product_traffic")
    days = pd.date_range(test["start"], periods=test["days"]).strftime("%Y-%m-%d")
    shared = pt[pt["date"].isin(days) & pt["product_id"].isin(test["products"]) & (pt["source"] == test["source"])]
    per_day = shared.pivot_table(index="date", columns="product_id", values="visitors")
    assert len(per_day) == test["days"] and (per_day.nunique(axis=1) == 1).all()


def test_live_sessions_fall_outside_campaign_windows(truth):
    sessions = read(SAMPLE, "live_sessions")
    days = pd.to_datetime(sessions["start"]).dt.normalize()
    campaigns = set(truth["campaigns"])
    for window in [w for w in truth["normal_days"]["excluded_windows"] if w["reason"] in campaigns]:
        inside = (days >= pd.Timestamp(window["start"])) & (days <= pd.Timestamp(window["end"]))
        assert not inside.any(), window


@pytest.mark.recovery
def test_the_new_tables_are_deterministic_and_leave_the_others_unchanged(tmp_path):
    # The new tables draw from their own streams: a second run gives the same bytes, and the
    # tables written before them are the committed sample's at the default seed and scale.
    generate_sample(tmp_path)
    for name in ("product_traffic", "ad_keywords", "live_sessions", "traffic", "ads", "orders"):
        assert (tmp_path / f"{name}.csv").read_bytes() == (SAMPLE / f"{name}.csv").read_bytes(), name
