"""Every campaign side by side, on the definitions of its own postmortem."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.areas.campaigns.campaign import get_campaign
from helpers.areas.campaigns.comparison import compare_campaigns, find_last_year
from helpers.areas.campaigns.sentences import describe_comparison
from helpers.areas.campaigns.tables import comparison_table
from helpers.areas.campaigns.uplift import estimate_uplift
from helpers.core.notes import MetricNote
from tests.areas.campaigns.sample_shop import windows_for


def test_last_years_edition_is_the_same_mechanic_about_a_year_before(frames):
    def last(cid):
        return find_last_year(frames.campaigns, get_campaign(frames.campaigns, cid))

    assert last("618-2026") == "618-2025" and last("nhj-2026") == "nhj-2025" and last("1111-2026") == "1111-2025"
    assert last("bogo-2026-04") is None and last("618-2025") is None


@pytest.mark.recovery  # every campaign of the sample estimated (several seconds)
def test_comparison_uses_the_same_definitions(frames):
    campaign = get_campaign(frames.campaigns, "618-2026")
    with pytest.warns(MetricNote, match="no uplift for nhj-2025") as caught:
        table = compare_campaigns(frames, campaign)
    assert any("nhj-2025 没有增量估计" in w.message.note.zh for w in caught)
    assert table.loc["618-2026", "role"] == "this" and table.loc["618-2025", "role"] == "last_year"
    assert set(table["role"]) == {"this", "last_year", "other"}
    assert "1111-2026" in table.index
    _, w = windows_for(frames, "618-2026")
    own = estimate_uplift(frames, campaign, w)
    assert table.loc["618-2026", "relative"] == pytest.approx(own.value("event", "relative"))
    assert table.loc["618-2026", "net_effect"] == pytest.approx(own.value("window", "effect"))
    assert np.isnan(table.loc["nhj-2025", "relative"]) and table.loc["nhj-2025", "event_sales"] > 0
    text = describe_comparison(table, "en")
    assert "last year's “618 年中大促 2025”" in text and "ranks" in text
    assert "与去年同期的「618 年中大促 2025」相比" in describe_comparison(table, "zh")
    ranked = table.dropna(subset=["roi"]).sort_values("roi", ascending=False)
    rank = list(ranked.index).index("618-2026") + 1
    assert f"ranks {rank} of {len(ranked)}" in text
    html = comparison_table(table, "en").to_html()
    assert "618 年中大促 2026 (This one)" in html and "618 年中大促 2025 (Same period last year)" in html
    assert html.index("618-2026") < html.index("618-2025") < html.index("nhj-2025")  # this, last year, others
    assert "spend-and-save" in html and "满减" not in html
    assert "满减" in comparison_table(table, "zh").to_html()
