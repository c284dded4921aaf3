"""Engines without a feature the helpers use give the same figures by another road."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.campaigns import activity, campaign, frames
from helpers.areas.customers import purchases, repurchase
from helpers.areas.service import fulfilment
from helpers.core.calendar import Period
from helpers.core.shop import connect, project_root


@pytest.mark.recovery
def test_an_engine_without_temporary_tables_gives_the_same_figures(sample, monkeypatch):
    """Trino (ibis 12) cannot create temporary tables: the helpers that keep a result in the
    engine recompute it instead, with the same figures."""
    no_temp = connect(project_root() / "data" / "sample")

    def refuse(name, expr):
        raise NotImplementedError("Temporary tables are not supported in the Trino backend")

    monkeypatch.setattr(no_temp.con, "_create_cached_table", refuse)
    whole = Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-11-15"))
    autumn = Period(pd.Timestamp("2026-10-05"), pd.Timestamp("2026-11-15"))
    results = []
    for shop in (sample, no_temp):
        shipped = fulfilment.order_shipments(shop, autumn)
        loaded = frames.load_frames(shop)
        june = campaign.get_campaign(loaded.campaigns, "618-2026")
        windows = campaign.campaign_windows(june, loaded.data_first, loaded.data_last, 56, 14, loaded.campaigns)
        results.append([purchases.summarize_customers(shop, whole), repurchase.compare_repurchase(shop, whole),
                        fulfilment.summarize_fulfilment(shipped), fulfilment.summarize_fulfilment(shipped, "carrier"),
                        fulfilment.late_effects(shop, autumn), activity.compare_buyers(shop, loaded, june, windows)])
    for cached, recomputed in zip(*results, strict=True):
        pd.testing.assert_frame_equal(cached, recomputed, check_exact=False, rtol=1e-12)
    assert results[0][0]["purchases"].sum() > 10_000 and results[0][2]["orders"].iloc[0] > 1_000
    assert results[0][5]["repeat_cohort"].min() > 1_000
    assert not [t for t in no_temp.con.list_tables() if t.startswith("ibis_cache")]
    assert [t for t in sample.con.list_tables() if t.startswith("ibis_cache")]  # the same helpers do cache there
