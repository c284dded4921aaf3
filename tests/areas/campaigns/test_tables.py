"""The postmortem's tables and the key figures a run records."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns import tables
from helpers.areas.campaigns.profit import compute_profit
from helpers.areas.campaigns.refunds import compare_refunds
from helpers.areas.campaigns.uplift import summarize_pull_forward
from helpers.core.notes import quiet
from tests.xlsx_checks import assert_sheet_holds_numbers

CJK = re.compile(r"[\u3400-\u9fff]")


def _headers(styler) -> list[str]:
    frame = styler.data
    return [str(c) for c in frame.columns] + [str(frame.index.name or "")] + [str(i) for i in frame.index]


@pytest.fixture(scope="module")
def figures(frames, june):
    campaign, w, imp = june
    with quiet():
        pull = summarize_pull_forward(imp)
        refunds = compare_refunds(frames, campaign, w)
        earned = compute_profit(frames, campaign, w, imp, refunds)
    return imp, pull, refunds, earned


def test_key_figures_are_the_helpers_own(figures):
    imp, pull, refunds, earned = figures
    recorded = {name: (value, unit, label) for name, value, unit, label in tables.key_figures(*figures, "en")}
    assert recorded["campaign_sales"][0] == imp.value("event", "actual")
    assert recorded["incremental_sales_low"][0] <= recorded["incremental_sales"][0] <= recorded["incremental_sales_high"][0]
    assert recorded["relative_uplift"] == (imp.value("event", "relative"), "pct", "Relative uplift")
    assert recorded["net_incremental_sales"][0] == imp.value("window", "effect")
    assert recorded["pull_forward_share"][0] == pull.loc["pull_forward_share", "effect"]
    assert recorded["incremental_profit"][0] == earned.value("profit")
    assert recorded["campaign_roi"][0] == pytest.approx(earned.value("profit") / earned.campaign_cost)
    assert recorded["new_buyers"][0] == earned.new_buyers["incremental"]
    assert recorded["post_event_refund_rate"][0] == refunds.loc["campaign_lines", "refund_rate_adjusted"]
    assert recorded["refund_vs_normal"][1] == "ratio"
    zh = {name: label for name, _, _, label in tables.key_figures(*figures, "zh")}
    assert zh["campaign_sales"] == "活动期销售额" and zh["campaign_roi"] == "活动ROI(净)"


def test_tables_have_their_headers_in_the_report_language(figures):
    imp, pull, refunds, earned = figures
    for lang in ("zh", "en"):
        styled = [tables.uplift_table(imp, lang), tables.pull_forward_table(pull, lang),
                  tables.refund_table(refunds, lang), tables.profit_table(earned, lang), tables.controls_table(imp, lang)]
        for table in styled:
            assert_sheet_holds_numbers(table, lang)
        words = [w for s in styled for w in _headers(s)]
        if lang == "zh":
            assert not [w for w in words if re.search(r"[A-Za-z]{2,}", w.replace("ROI", ""))], words
        else:
            assert not [w for w in words if CJK.search(w)], words
    uplift = tables.uplift_table(imp, "en").data
    assert list(uplift.index) == ["Warm-up", "Event", "Post-event", "Whole window (net)"]
    assert {"Actual sales", "Without campaign", "Incremental sales"} <= set(uplift.columns)
    profit = tables.profit_table(earned, "en").data
    assert profit.loc["Budget", "Amount"] == "-¥30,000"  # costs are shown negative
    sign = "-¥" if earned.value("profit") < 0 else "¥"  # a loss is shown negative, a profit without a sign
    assert profit.loc["Campaign profit", "Amount"].startswith(sign)
    sheet = tables.profit_table(earned, "en").workbook_table  # the XLSX: numbers, each row its own format
    budget = next(r for r in sheet["rows"] if r[0] == "Budget")
    assert budget[1] == -30000 and sheet["cell_formats"][sheet["rows"].index(budget)][1] == "#,##0.00"
    margin = next(i for i, r in enumerate(sheet["rows"]) if r[0] == "Normal margin (list prices)")
    assert sheet["cell_formats"][margin][1] == "0.00%" and sheet["rows"][margin][1] == earned.normal_margin
    share = tables.pull_forward_table(pull, "zh").data.loc["透支比例"]
    assert share.iloc[0] == share.iloc[3] == "—" and share.iloc[1].endswith("%")


def test_an_empty_control_table_still_has_its_headers(frames):
    from helpers.areas.campaigns.uplift import estimate_uplift
    from tests.areas.campaigns.sample_shop import windows_for

    campaign, w = windows_for(frames, "nhj-2025", 5)
    imp = estimate_uplift(frames, campaign, w)
    shown = tables.controls_table(imp, "en").data
    assert shown.empty and list(shown.columns) == ["Status", "Change during the event", "Why"]
    assert np.isnan(tables.key_figures(imp, summarize_pull_forward(imp), pd.DataFrame(),
                                       compute_profit(frames, campaign, w, imp, None), "en")[1][1])
