"""The rules: who is on the recall list and why, whether the hold-out check trusts the model,
whether two acquisition groups really differ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import findings
from helpers.areas.customers.lifetime import Holdout
from helpers.areas.customers.models import AT_BOUND, BGNBD_PARAMS, FLAT, ModelFit
from helpers.areas.customers.repurchase import OTHER
from helpers.core.findings import NOT_ENOUGH_DATA


@pytest.mark.recovery
def test_recall_list_rules(recall_sample):
    summary, scored, life, recall = recall_sample
    assert len(recall) > 100
    assert recall["segment"].str.startswith("important").all()
    assert (summary.loc[recall.index, "x"] > 0).all()
    overdue = recall["why_listed"] == "overdue"
    assert (recall.loc[overdue, "days_since_last"] > 1.5 * recall.loc[overdue, "usual_gap_days"]).all()
    assert (recall.loc[~overdue, "p_alive_change"] <= -0.1).all()
    assert recall["sales"].is_monotonic_decreasing
    assert set(recall["why_listed"]) == set(findings.REASONS)
    assert set(recall["action"]) == set(findings.ACTIONS)
    # every customer the rule names is on the list, and no one else
    x = summary["x"].reindex(scored.index)
    usual = summary["t_x"].reindex(scored.index) / x
    change = life.scores["p_alive"] - life.scores["p_alive_before"]
    p_alive = life.scores["p_alive"].reindex(scored.index)
    worth = life.scores["expected_value"].reindex(scored.index) * findings.RESPONSE_UPLIFT > findings.CONTACT_COST
    rule = (scored["m_high"] & (x > 0)
            & ((scored["recency_days"] > 1.5 * usual) | (change.reindex(scored.index).fillna(0) <= -0.1))
            & (p_alive >= findings.MIN_P_ALIVE) & worth)
    assert set(recall.index) == set(scored.index[rule])
    assert recall["p_alive"].min() >= 0.1  # the list once had customers at P(alive) 0%
    assert recall["recall_holdout"].mean() == pytest.approx(findings.HOLDOUT_SHARE, abs=0.03)
    # the action follows P(alive), and VIP care only for the important value segment
    alive = recall["p_alive"]
    expected = np.where(alive < 0.2, "winback", np.where(alive < 0.5, "save", np.where(
        recall["segment"] == "important_value", "vip_care", "remind")))
    assert (recall["action"].to_numpy() == expected).all()
    with pytest.raises(ValueError, match="overdue_factor"):
        findings.build_recall_list(scored, life, summary, overdue_factor=0)


def _fit(converged: bool = True, message: str = "") -> ModelFit:
    params = dict.fromkeys(BGNBD_PARAMS, 1.0)
    return ModelFit("BG/NBD", params, params, params, params, -1.0, 100, converged, message)


def _holdout(predicted: float, actual: float, spend: tuple[float, float] | None = None,
             fit: ModelFit | None = None) -> Holdout:
    rows = {"repeat_purchases": (predicted, actual, (predicted - actual) / actual if actual else np.nan)}
    if spend:
        rows["spend_per_purchase"] = (*spend, (spend[0] - spend[1]) / spend[1])
    agg = pd.DataFrame(rows, index=["predicted", "actual", "error"]).T
    return Holdout(pd.Timestamp("2026-05-19"), 180, fit or _fit(), agg, pd.DataFrame(), pd.DataFrame())


def test_holdout_verdict_within_ten_percent():
    good = findings.judge_holdout(_holdout(1090.0, 1000.0, (180.0, 181.0)))
    assert good.verdict == "trust" and good.rule == "customers.holdout"
    assert good.evidence == {"predicted": 1090.0, "actual": 1000.0, "error": pytest.approx(0.09),
                             "calibration_end": pd.Timestamp("2026-05-19"), "holdout_days": 180,
                             "spend_predicted": 180.0, "spend_actual": 181.0}
    assert findings.judge_holdout(_holdout(1110.0, 1000.0)).verdict == "rank_only"
    assert findings.judge_holdout(_holdout(890.0, 1000.0)).verdict == "rank_only"
    assert findings.judge_holdout(_holdout(5.0, 0.0)).verdict == "rank_only"  # no error to speak of
    assert "spend_predicted" not in findings.judge_holdout(_holdout(1000.0, 1000.0)).evidence


def test_a_fit_that_did_not_converge_gives_no_verdict():
    """Online Retail's hold-out fit (a -> 0, b ~ 14,000, no standard errors) predicted within a few
    percent by chance: a verdict on it would present an arbitrary point of a flat ridge as a model."""
    for message, why in ((FLAT, "flat"), (AT_BOUND, "at_bound"), ("ABNORMAL_TERMINATION_IN_LNSRCH", "optimizer")):
        found = findings.judge_holdout(_holdout(1000.0, 1000.0, fit=_fit(False, message)))
        assert found.verdict == NOT_ENOUGH_DATA
        assert found.evidence == {"calibration_end": pd.Timestamp("2026-05-19"), "holdout_days": 180,
                                  "not_converged": why}


def test_groups_differ_only_when_their_intervals_do_not_overlap():
    table = pd.DataFrame({"customers": [100, 100, 10], "repeat_customers": [50, 5, 9], "rate": [0.5, 0.05, 0.9],
                          "low": [0.4, 0.02, 0.6], "high": [0.6, 0.11, 0.98]}, index=["搜索", "直通车", OTHER])
    found = findings.compare_groups(table, "first_source")
    assert found.verdict == "differ" and found.subject == "first_source" and found.confidence == 0.95
    assert found.evidence["best"] == "搜索" and found.evidence["worst"] == "直通车"  # the pooled row never wins
    assert found.evidence["best_customers"] == 100 and found.evidence["worst_rate"] == 0.05
    table.loc["直通车", "high"] = 0.45
    assert findings.compare_groups(table, "first_source").verdict == "may_be_chance"
    alone = findings.compare_groups(table.loc[["搜索", OTHER]], "first_product")
    assert alone.verdict == NOT_ENOUGH_DATA and alone.evidence == {"groups": 1}
