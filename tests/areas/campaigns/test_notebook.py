"""The postmortem notebook run by the batch executor in English: it records the helpers' own
figures, shows no warning, and its notes say what the data left out."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from helpers.areas.campaigns.frames import load_frames
from helpers.areas.campaigns.profit import compute_profit
from helpers.areas.campaigns.refunds import compare_refunds
from helpers.areas.campaigns.tables import key_figures
from helpers.areas.campaigns.uplift import estimate_uplift, summarize_pull_forward
from helpers.core.notes import quiet
from helpers.core.shop import connect, project_root
from helpers.present.format import format_value
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run
from tests.areas.campaigns.sample_shop import SAMPLE, windows_for


@pytest.mark.reports
def test_notebook_renders_in_english_with_the_helpers_figures(tmp_path):
    """The batch runner renders the postmortem of 1111-2025 in English; every recorded key
    figure is the helpers' own on the same data, and no warning or error reaches the reader.
    The orders are the sample's as a Parquet export with every 100th line's customer id empty
    (""): sales do not change, and the lines without a buyer are a note of the report."""
    shop_dir = tmp_path / "shop"
    shutil.copytree(SAMPLE, shop_dir)
    orders = pd.read_csv(shop_dir / "orders.csv", dtype=str)
    orders.loc[::100, "customer_id"] = ""
    orders.to_parquet(shop_dir / "orders.parquet")
    (shop_dir / "orders.csv").unlink()
    nb = project_root() / "notebooks" / "04-campaign-postmortem.ipynb"
    spec = RunSpec("1111-2025-en", str(nb), {"lang": "en", "campaign_id": "1111-2025", "data_dir": str(shop_dir)},
                   timeout=900)
    result = execute_run(spec, tmp_path / "reports")
    assert result.status == "ok", result.error
    figures = {m["name"]: m["value"] for m in result.metrics}

    with quiet():
        frames = load_frames(connect(shop_dir))
        campaign, w = windows_for(frames, "1111-2025")
        imp = estimate_uplift(frames, campaign, w)
        pull = summarize_pull_forward(imp)
        refunds = compare_refunds(frames, campaign, w)
        earned = compute_profit(frames, campaign, w, imp, refunds)
    expected = {name: value for name, value, _, _ in key_figures(imp, pull, refunds, earned, "en")}
    assert set(figures) == set(expected)
    for name, value in expected.items():  # each recorded figure is the helpers' own
        assert figures[name] == pytest.approx(value, rel=1e-9), name
    # and they read as the sample's campaign: a real, profitable lift with some sales pulled forward
    assert figures["incremental_sales_low"] < figures["incremental_sales"] < figures["incremental_sales_high"]
    assert figures["probability_real"] > 0.95 and figures["relative_uplift"] > 1
    assert 0 < figures["net_incremental_sales"] < figures["incremental_sales"]
    assert 0 < figures["pull_forward_share"] < 1 and figures["refund_vs_normal"] > 1
    assert figures["new_buyers"] > 0 and figures["campaign_roi"] == pytest.approx(
        figures["incremental_profit"] / earned.campaign_cost)

    html = (tmp_path / "reports" / "04-campaign-postmortem" / "1111-2025-en.html").read_text(encoding="utf-8")
    assert "The campaign added" in html and "of the event's orders reached the ¥300 line" in html
    assert format_value(imp.value("event", "effect"), "yuan", "en") in html
    paid = (orders["status"] == "paid") & orders["pay_time"].notna()
    empty = orders["customer_id"] == ""
    assert f"{(paid & empty).sum()} of {paid.sum()} paid order lines have an empty customer_id" in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert "# 活动复盘" not in html and "活动期实际卖了" not in html  # the Chinese cells and sentences are dropped
