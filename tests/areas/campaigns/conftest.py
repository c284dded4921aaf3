"""Fixtures of the campaign tests: the sample shop reduced once per session, every sample
campaign estimated over the generator's own phases, and every campaign's mechanics."""

from __future__ import annotations

import pytest

from helpers.areas.campaigns.frames import load_frames
from helpers.areas.campaigns.mechanics import analyse_mechanics
from helpers.areas.campaigns.uplift import estimate_uplift
from helpers.core.notes import quiet
from helpers.core.shop import connect
from tests.areas.campaigns.sample_shop import SAMPLE, truth_post_days, windows_for


@pytest.fixture(scope="session")
def shop():
    """The sample shop, connected once for every campaign test."""
    return connect(SAMPLE)


@pytest.fixture(scope="session")
def frames(shop):
    """The sample shop at day grain (:func:`helpers.areas.campaigns.frames.load_frames`)."""
    return load_frames(shop)


@pytest.fixture(scope="session")
def impacts(frames, truth) -> dict:
    """Every sample campaign estimated over the generator's own phases."""
    out = {}
    with quiet():
        for cid, entry in truth["campaigns"].items():
            campaign, windows = windows_for(frames, cid, truth_post_days(entry))
            out[cid] = estimate_uplift(frames, campaign, windows)
    return out


@pytest.fixture(scope="session")
def mechanics(shop, frames) -> dict:
    """Every sample campaign's mechanics, with the notebook's windows."""
    out = {}
    with quiet():
        for cid in frames.campaigns["campaign_id"]:
            campaign, windows = windows_for(frames, cid)
            out[cid] = analyse_mechanics(shop, frames, campaign, windows)
    return out


@pytest.fixture(scope="session")
def june(frames):
    """618-2026 as the notebook reviews it: (campaign, windows, impact)."""
    campaign, windows = windows_for(frames, "618-2026")
    with quiet():
        return campaign, windows, estimate_uplift(frames, campaign, windows)
