"""Refunds after a campaign against what the same categories normally return."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.refunds import compare_refunds, daily_refunds, refund_completeness
from helpers.areas.campaigns.sentences import describe_refunds
from helpers.core.notes import MetricNote, quiet
from tests.areas.campaigns.sample_shop import BIG_EVENTS, windows_for


@pytest.mark.recovery
@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_campaign_lines_refund_at_the_true_multiplier(frames, truth, cid):
    """Campaign lines are refunded 1.5x as often as the same categories normally
    (ground_truth refunds.campaign_line_multiplier); ±0.3 covers ~3 standard errors."""
    campaign, w = windows_for(frames, cid)
    with quiet():
        refunds = compare_refunds(frames, campaign, w)
    multiplier = truth["refunds"]["campaign_line_multiplier"]
    assert refunds.loc["campaign_lines", "vs_normal"] == pytest.approx(multiplier, abs=0.3)
    assert refunds.loc["normal", "vs_normal"] == pytest.approx(1.0)


def test_recent_campaign_refunds_are_completed_from_the_usual_delays(frames):
    campaign, w = windows_for(frames, "1111-2026")  # refunds take up to 20 days; data ends 4 days after
    with pytest.warns(MetricNote, match="expected to have arrived") as caught:
        refunds = compare_refunds(frames, campaign, w)
    assert any("活动周期的退款预计只到了" in n.message.note.zh for n in caught)
    row = refunds.loc["campaign_lines"]
    assert row["completeness"] < 0.7
    assert row["refund_rate"] < row["expected_rate"] < row["refund_rate_adjusted"]
    assert row["vs_normal"] == pytest.approx(1.5, abs=0.3)
    assert row["refund_rate_adjusted"] == pytest.approx(row["refund_amount"] / (row["paid"] * row["completeness"]))
    assert row["extra_refunds"] == pytest.approx(row["paid"] * (row["refund_rate_adjusted"] - row["expected_rate"]))
    share = refund_completeness(frames.refund_delays, np.array([-1, 0, 5, 10, 25, 400]))
    assert share[0] == 0 and share[-1] == 1 and (np.diff(share) >= 0).all()
    for lang, words in (("en", "have arrived yet"), ("zh", "的退款已经到账")):
        assert words in describe_refunds(refunds, lang)


def test_completeness_is_the_cumulative_share_of_refund_delays():
    delays = pd.Series([2.0, 1.0, 1.0], index=[0, 3, 10])  # 4 refunded lines: 2 same day, then day 3 and 10
    np.testing.assert_allclose(refund_completeness(delays, [0, 2, 3, 9, 10, 11]), [0.5, 0.5, 0.75, 0.75, 1, 1])
    np.testing.assert_allclose(refund_completeness(None, [0, 1]), [1, 1])  # no refunds: nothing to wait for


def test_refund_wave_against_the_normal_level(frames):
    campaign, w = windows_for(frames, "618-2026")
    daily = daily_refunds(frames, w)
    assert daily.index[0] == w.pre.start and daily.index[-1] == w.window.end + pd.Timedelta(days=21)
    before = daily.loc[daily.index < w.window.start, "refund_amount"]
    assert daily["normal"].iloc[0] == pytest.approx(before.mean())
    after = daily.loc[w.event.end:, "refund_amount"]
    assert after.head(21).mean() > daily["normal"].iloc[0]  # the wave after the campaign
