"""The after-sales notebook run end to end: the figures it records are the helpers' figures."""

from __future__ import annotations

import re

import pytest

from helpers.areas.service import chats, dsr, fulfilment, refunds, reviews
from helpers.core.shop import project_root
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@pytest.mark.reports
def test_report_renders_in_english_and_records_the_helpers_figures(tmp_path, after_sales):
    nb = project_root() / "notebooks" / "06-service.ipynb"
    result = execute_run(RunSpec("service-en", str(nb), {"lang": "en"}), tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "06-service" / "service-en.html").read_text(encoding="utf-8")
    recorded = {m["name"]: m["value"] for m in result.metrics}
    shop, period, end = after_sales["shop"], after_sales["period"], after_sales["end"]
    s = refunds.summarize_refunds(after_sales["lines"], end, after_sales["maturity"])
    assert recorded["refund_rate_by_value"] == pytest.approx(s["refund_rate_by_value"])
    assert recorded["refund_rate_by_count"] == pytest.approx(s["refund_rate_by_count"])
    flags = after_sales["flags"]
    assert set(recorded["flagged_product_ids"].split(", ")) == set(flags.index[flags["flagged"]])
    assert recorded["flagged_products"] == int(flags["flagged"].sum())
    # each recorded figure is the helper's, not merely present
    assert recorded["bad_review_rate"] == pytest.approx(reviews.summarize_reviews(after_sales["reviews"])["bad_rate"])
    orders = fulfilment.order_shipments(shop, period, 48, end)
    assert recorded["on_time_ship_rate"] == pytest.approx(
        fulfilment.summarize_fulfilment(orders)["on_time_rate"].iloc[0])
    service = chats.summarize_service(shop, period)
    assert recorded["inquiry_conversion_rate"] == pytest.approx(service["inquiry_conversion_rate"])
    assert recorded["median_first_response_seconds"] == pytest.approx(service["median_response"])
    summary = dsr.summarize_dsr(dsr.load_dsr(shop, period))
    for key in dsr.DSR_SCORES:
        assert recorded[f"dsr_{key}_vs_peer"] == pytest.approx(summary.loc[key, "gap"])
    # the sentence counts the sample's paid lines, which the generator's truth states
    paid_lines = after_sales["all_truth"]["lines"]["paid_lines"]
    assert f"Of the {paid_lines:,} lines paid in the period" in html
    assert "refund significantly more than their category predicts" in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning reaches the reader
    assert html.count('src="data:image/png;base64,') >= 8
    headings = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, flags=re.S)
    assert headings and not any(CJK.search(h) for h in headings)  # only the English text cells were kept
