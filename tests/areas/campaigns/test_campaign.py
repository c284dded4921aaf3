"""The campaign under review: its parameters, its row of the campaigns table and its days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.campaign import (
    SPRING_FESTIVAL,
    Campaign,
    baseline_days,
    campaign_names,
    campaign_windows,
    check_options,
    clean_pre_days,
    find_overlaps,
    get_campaign,
)
from helpers.areas.campaigns.sentences import campaign_header, describe_issue
from helpers.core.calendar import Period
from helpers.core.params import check_params
from tests.areas.campaigns.sample_shop import windows_for


def test_check_options_names_the_bad_parameter():
    check_options()
    for kwargs, name in (({"model": "bsts"}, "model"), ({"confidence": 1.2}, "confidence"),
                         ({"pre_days": 7}, "pre_days"), ({"post_days": -1}, "post_days"),
                         ({"repeat_days": 0}, "repeat_days"), ({"top_n": 2.5}, "top_n")):
        with pytest.raises(ValueError, match=name):
            check_options(**kwargs)


def test_unknown_campaign_is_a_clear_error(shop, frames):
    with pytest.raises(ValueError, match="campaign_id='nope' is not in the campaigns table; known: .*618-2026"):
        get_campaign(frames.campaigns, "nope")
    with pytest.raises(ValueError, match="not in the campaigns table"):
        check_params(shop, tables=("orders", "campaigns"), default="all", campaign_id="nope")
    # empty means the data's latest campaign
    assert check_params(shop, default="all", campaign_id="").campaign_id == "1111-2026"


def test_every_sample_campaign_id_resolves(shop, frames):
    for cid in frames.campaigns["campaign_id"]:
        assert check_params(shop, default="all", campaign_id=cid).campaign_id == cid
        assert get_campaign(frames.campaigns, cid).campaign_id == cid


def test_a_campaign_ending_before_it_starts_is_refused(frames):
    broken = frames.campaigns.copy()
    row = broken["campaign_id"] == "618-2026"
    broken.loc[row, "end"] = broken.loc[row, "start"] - pd.Timedelta(days=1)
    with pytest.raises(ValueError, match="ends .* before it starts"):
        get_campaign(broken, "618-2026")


def test_windows_phases_and_clean_baseline(frames):
    campaign, w = windows_for(frames, "618-2026")
    assert (w.warmup.start, w.warmup.end) == (pd.Timestamp("2026-05-31"), pd.Timestamp("2026-06-09"))
    assert (w.event.start, w.event.end) == (pd.Timestamp("2026-06-10"), pd.Timestamp("2026-06-18"))
    assert (w.post.start, w.post.end) == (pd.Timestamp("2026-06-19"), pd.Timestamp("2026-07-02"))
    assert w.window == Period(pd.Timestamp("2026-05-31"), pd.Timestamp("2026-07-02"))
    clean = pd.DatetimeIndex(w.clean_days)
    assert len(clean) == 56 and clean.max() == pd.Timestamp("2026-05-30")
    # the 收纳买一送一 window (04-10 .. 04-12 + 14 post days) is skipped, earlier days are taken
    bogo = pd.date_range("2026-04-10", "2026-04-26")
    assert not clean.isin(bogo).any() and clean.min() < pd.Timestamp("2026-04-10")
    assert w.issues == ()
    # the model's training days are exactly the clean days, over the pre-period to the window's end
    train = clean_pre_days(w)
    assert train.index[0] == w.pre.start and train.index[-1] == w.window.end
    assert baseline_days(w).equals(clean) and int(train.sum()) == 56


def test_windows_clip_to_the_data(frames):
    _, w = windows_for(frames, "1111-2026")
    assert w.post.days == 4  # the data ends on 2026-11-15
    (issue,) = w.issues
    assert issue.verdict == "short_post" and issue.evidence == {"days": 4, "asked": 14}
    assert "Only 4 of the 14 post-event days" in describe_issue(issue, "en")
    assert "活动后只有 4 天数据（要求 14 天）" in describe_issue(issue, "zh")
    future = Campaign("x-2027", "future", "bogo", np.nan, np.nan, np.nan, None,
                      pd.Timestamp("2027-01-01"), pd.Timestamp("2027-01-03"), 100.0)
    w = campaign_windows(future, frames.data_first, frames.data_last, campaigns=frames.campaigns)
    assert w.event is None and w.window is None and w.pre is None
    assert w.issues[0].verdict == "not_started"
    assert "after the data ends" in describe_issue(w.issues[0], "en")
    assert "还没有可复盘的数据" in describe_issue(w.issues[0], "zh")
    assert clean_pre_days(w).empty and baseline_days(w).empty


def test_overlaps_and_names(frames):
    june = get_campaign(frames.campaigns, "618-2026")
    assert find_overlaps(frames.campaigns, june, 14).empty
    assert campaign_names(frames.campaigns, ["618-2025", "春节", "unknown"]) == (
        "618 年中大促 2025 (618-2025)", SPRING_FESTIVAL, "unknown")


def test_header_says_the_terms_in_each_language_and_escapes_the_name(frames):
    campaign, w = windows_for(frames, "618-2026")
    zh, en = campaign_header(campaign, w, "zh"), campaign_header(campaign, w, "en")
    assert "满 ¥200 减 ¥30" in zh and "预算 ¥30,000" in zh and "满减" in zh and "56 个平日" in zh
    assert "¥30 off every ¥200" in en and "budget ¥30,000" in en and "spend-and-save" in en
    assert "56 clean days" in en
    odd = Campaign("x", "<b>x</b> *y*", "weird", np.nan, np.nan, 0.8, None, campaign.start, campaign.end, np.nan)
    header = campaign_header(odd, w, "en")
    assert "&lt;b&gt;" in header and r"\*y\*" in header and "weird" in header  # unknown mechanic as it is
    assert "20% off" in header and "budget not given" in header
    assert "8.0 折" in campaign_header(odd, w, "zh") and "预算 未填" in campaign_header(odd, w, "zh")


def test_a_postmortem_checks_its_campaign_without_a_period_note(shop):
    import warnings

    from helpers.areas.campaigns.campaign import check_campaign_params
    from helpers.core.notes import MetricNote

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetricNote)
        checked = check_campaign_params(shop, "", "en")
    assert checked.campaign_id == "1111-2026" and checked.period.start == checked.data_first
    assert not [w for w in caught if "period defaults" in str(w.message)]
    with pytest.raises(ValueError, match="campaign_id='nope'"):
        check_campaign_params(shop, "nope", "zh")
    with pytest.raises(ValueError, match="use one of zh, en"):
        check_campaign_params(shop, "618-2026", "fr")
