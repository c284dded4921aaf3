"""What the campaign tests share: the sample shop's folder, a campaign's windows as the
postmortem cuts them, and sample folders with some tables edited or left out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.areas.campaigns.campaign import campaign_windows, get_campaign

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"
BIG_EVENTS = ("1111-2025", "1111-2026", "618-2025", "618-2026")
THRESHOLD_CAMPAIGNS = ("nhj-2025", "618-2025", "nhj-2026", "618-2026", "1111-2025", "1111-2026")
# Relative error allowed on (1 + uplift), i.e. on actual / counterfactual sales of the event:
# the event's sales carry ~5% noise and the 8-week baseline ~5% more.
UPLIFT_TOLERANCE = 0.12
# Widest intervals still worth reporting, above the widest measured over 6 seeds of the sample
# with its day effect on conversion: the event's (1 + uplift) half-width 13–22% of the estimate
# (regression); the warm-up's and post-period's relative change 0.18–0.46 wide.
UPLIFT_HALF_WIDTH = 0.25
PULL_FORWARD_WIDTH = 0.5


def truth_post_days(entry: dict) -> int:
    """Length of the generator's post-event dip (the truth's post phase)."""
    post = entry["post"]
    return 0 if post is None else (pd.Timestamp(post["end"]) - pd.Timestamp(post["start"])).days + 1


def windows_for(frames, campaign_id: str, post_days: int = 14, pre_days: int = 56):
    """The campaign and its windows, as the notebook cuts them."""
    campaign = get_campaign(frames.campaigns, campaign_id)
    return campaign, campaign_windows(campaign, frames.data_first, frames.data_last, pre_days,
                                      post_days, frames.campaigns)


def sample_folder(tmp_path: Path, campaigns: pd.DataFrame | None = None,
                  drop: tuple[str, ...] = ()) -> Path:
    """A data folder of symlinks to the sample's tables (parse cache hits), with an edited
    campaigns table and some tables left out."""
    for path in SAMPLE.glob("*.csv"):
        name = path.stem
        if name in drop or (name == "campaigns" and campaigns is not None):
            continue
        (tmp_path / path.name).symlink_to(path)
    if campaigns is not None:
        campaigns.to_csv(tmp_path / "campaigns.csv", index=False)
    return tmp_path


def raw_campaigns() -> pd.DataFrame:
    """The sample's campaigns table as text, to edit."""
    return pd.read_csv(SAMPLE / "campaigns.csv", dtype=str, keep_default_na=False)
