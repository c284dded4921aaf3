"""Traffic findings: the ad-plan rule returns a Finding for every branch; its reasons and the
anomaly hints are worded in both languages."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.traffic import ads, findings
from helpers.core.findings import NOT_ENOUGH_DATA, Finding
from tests.areas.traffic.shop import WEEK, noted


def _plan(name=("直通车", "P"), spend=100.0, clicks=50.0, roi=2.0, orders=40.0, low=None, high=None, days=14,
          **more):
    return pd.Series({"spend": spend, "clicks": clicks, "roi": roi, "attributed_orders": orders,
                      "attributed_amount": roi * spend if roi == roi else 0.0, "cpc": 2.0, "max_cpc": 3.0,
                      "roi_low": roi - 0.1 if low is None else low, "roi_high": roi + 0.1 if high is None else high,
                      "days": days, "revenue_known": True, "commission_rate": float("nan"), **more}, name=name)


@pytest.mark.parametrize(("plan", "breakeven", "verdict", "reason"), [
    (_plan(clicks=0.0, roi=0.0), 1.5, "cut", "no_clicks"),
    (_plan(), float("nan"), "optimise", "no_breakeven"),
    (_plan(spend=0.0, roi=float("nan")), 1.5, "optimise", "no_spend"),
    (_plan(roi=1.0), 1.5, "cut", "below_breakeven"),
    (_plan(roi=2.35), 1.5, "scale", "above_breakeven"),  # low end exactly 1.5 x break-even
    (_plan(roi=2.0), 1.5, "optimise", "thin_margin"),
    (_plan(roi=4.0, orders=3.0), 1.5, NOT_ENOUGH_DATA, "few_orders"),
    (_plan(roi=4.0, days=2), 1.5, NOT_ENOUGH_DATA, "few_orders"),
    (_plan(roi=1.2, low=0.4, high=2.0), 1.5, NOT_ENOUGH_DATA, "straddles"),
    (_plan(roi=float("nan"), revenue_known=False), 1.5, "unknown", "no_revenue"),
    (_plan(("淘宝客", "C"), commission_rate=0.1), 1.5, "scale", "commission_low"),
    (_plan(("淘宝客", "C"), commission_rate=0.5), 1.5, "keep", "commission_ok"),
    (_plan(("淘宝客", "C"), commission_rate=0.7), 1.5, "cut", "commission_high"),
])
def test_the_plan_rule_in_every_branch(plan, breakeven, verdict, reason):
    found = findings.classify_plan(plan, breakeven)
    assert isinstance(found, Finding) and found.rule == "ads.plan" and found.subject == f"{plan.name[0]} · {plan.name[1]}"
    assert (found.verdict, found.evidence["reason"]) == (verdict, reason)
    assert findings.reason_code(found) == reason
    assert found.evidence["roi"] == plan["roi"] or math.isnan(found.evidence["roi"])
    # a verdict resting on the interval carries its level
    assert (found.confidence == 0.95) == (reason in ("below_breakeven", "above_breakeven", "thin_margin"))


def test_every_reason_is_worded_in_both_languages(shop):
    margin = ads.estimate_margin(shop, WEEK)
    plans, _ = noted(ads.summarize_ads, shop, WEEK, margin)
    b = plans.loc[("直通车", "B")]
    assert "without a single click" in findings.describe_verdict(b, 1 / margin, "en")
    assert "却没有点击" in findings.describe_verdict(b, 1 / margin, "zh")
    c = plans.loc[("淘宝客", "C")]  # paid by commission: the advice is about the commission rate, no CPC
    assert "commission rate 10.00% is well below the contribution margin 48.60%" in findings.describe_verdict(
        c, 1 / margin, "en")
    assert "佣金率 10.00%" in findings.describe_verdict(c, 1 / margin, "zh")
    assert "CPC" not in findings.describe_verdict(c, 1 / margin, "en")
    a = plans.loc[("直通车", "A")]
    assert findings.describe_verdict(a, 1 / margin, "en").startswith("only 5 orders over 1 day(s)")
    assert "仅 5 笔成交" in findings.describe_verdict(a, 1 / margin, "zh")
    for reason in ("no_breakeven", "no_spend", "below_breakeven", "thin_margin", "above_breakeven", "straddles",
                   "no_revenue", "few_orders"):
        row = _plan(reason=reason)
        zh, en = findings.describe_verdict(row, 1.5, "zh"), findings.describe_verdict(row, 1.5, "en")
        assert zh and en and zh != en
    loss = findings.describe_verdict(_plan(reason="below_breakeven", roi=0.75), 1.5, "en")
    assert "every ¥100 spent loses ¥50.00 of gross profit" in loss and "interval 0.65–0.85" in loss
    cps = findings.describe_verdict(_plan(("淘宝客", "C"), reason="commission_high", commission_rate=0.7), 1.5, "zh")
    assert "下调佣金" in cps
    with pytest.raises(ValueError, match="unknown plan reason"):
        findings.describe_verdict(_plan(reason="mystery"), 1.5, "en")


def test_commission_channels():
    assert findings.is_commission_channel("淘宝客") and findings.is_commission_channel("CPS联盟")
    assert not findings.is_commission_channel("直通车")


@pytest.mark.parametrize(("metric", "z", "bounce", "hint"), [
    ("visitors", 5.0, 0.70, "bots"),
    ("visitors", 5.0, 0.50, "traffic_spike"),
    ("visitors", -5.0, 0.90, "traffic_drop"),
    ("conversion_rate", -5.0, 0.4, "conversion_drop"),
    ("conversion_rate", 5.0, 0.4, "conversion_spike"),
    ("uv_value", -5.0, 0.4, "uv_drop"),
    ("uv_value", 5.0, 0.4, "uv_spike"),
])
def test_anomaly_hints(metric, z, bounce, hint):
    cell = pd.Series({"metric": metric, "z": z, "bounce_rate": bounce, "baseline_bounce_rate": 0.40})
    assert findings.anomaly_hint(cell) == hint
    assert hint in findings.HINTS
    zh, en = findings.hint_text(hint, "zh"), findings.hint_text(hint, "en")
    assert zh != en and not any("\u4e00" <= ch <= "\u9fff" for ch in en)
