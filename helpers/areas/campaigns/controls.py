"""Control series of the counterfactual, and the check that the campaign did not reach them.

口径 used here
--------------
- **Controls**: the categories without campaign lines (for 限时折扣 and 买一送一, which cover
  part of the range) and the same days last year (364 days back, weekday-aligned).
- A control is **contaminated** when the campaigns table puts a campaign (or 春节) on its
  days, or when it moves during the event: its own pre-period model says the move is real
  with probability >= :data:`CONTAMINATION_PROBABILITY` and it is at least
  :data:`CONTAMINATION_MIN_CHANGE`. The test is deliberately liberal: a contaminated control
  biases the estimate, while a clean one left out only widens the interval. Contaminated
  and unavailable controls are left out and named.

The table of :func:`build_controls` says each candidate's status and why, as a reason code
(``reason``) and the data it names (``detail``: categories, campaigns or a date); the views
word it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.areas.campaigns.campaign import (
    LAST_YEAR_DAYS,
    MIN_PRE_DAYS,
    Campaign,
    Windows,
    campaign_names,
)
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.model import SEED, fit_counterfactual, summarize_effect
from helpers.core.calendar import Period, abnormal_days

CONTAMINATION_MIN_CHANGE = 0.10  # a control moving less than this is not called contaminated
CONTAMINATION_PROBABILITY = 0.80  # liberal: a contaminated control biases, a dropped one only widens
PART_RANGE_MECHANICS = ("time_discount", "bogo")  # mechanics that cover some categories only
CONTROL_COLUMNS = ["status", "change_in_event", "p_real", "reason", "detail"]


def campaign_categories(frames: Frames, campaign: Campaign) -> list[str] | None:
    """Categories the campaign covers; None when it covers the whole shop or is unknown.

    满减, 免邮 and platform events apply to the whole shop (their lines are tagged only when an
    order reached the threshold, so untagged categories were in the campaign all the same);
    限时折扣 and 买一送一 cover the categories of their tagged lines.
    """
    if campaign.mechanic not in PART_RANGE_MECHANICS or frames.campaign_categories is None:
        return None
    cats = frames.campaign_categories
    cats = cats[(cats["campaign_id"] == campaign.campaign_id) & (cats["lines"] > 0)]
    return sorted(cats["category"].dropna().astype(str).unique()) or None


def _row(key: str, status: str, reason: str, detail: Any = ()) -> dict[str, Any]:
    return {"control": key, "status": status, "change_in_event": float("nan"), "p_real": float("nan"),
            "reason": reason, "detail": detail}


def _moves(series: pd.Series, train: pd.Series, phases: dict[str, Period],
           confidence: float) -> tuple[float, float, bool]:
    """Does a control move during the campaign? (relative change in the event, p, contaminated)."""
    cf = fit_counterfactual(series, train, model="regression", n_draws=1000, seed=SEED + 1)
    worst = (float("nan"), float("nan"), False)
    for name in ("event", "window"):
        period = phases.get(name)
        if period is None:
            continue
        days = (series.index >= period.start) & (series.index <= period.end)
        summary = summarize_effect(float(series[days].sum()), cf.draws[days].sum(axis=0), confidence)
        moved = (summary["p_real"] >= CONTAMINATION_PROBABILITY
                 and abs(summary["relative"]) >= CONTAMINATION_MIN_CHANGE)
        if name == "event" or moved:
            worst = (summary["relative"], summary["p_real"], moved or worst[2])
        if moved:
            break
    return worst


def _category_candidate(frames: Frames, campaign: Campaign, dates: pd.DatetimeIndex,
                        series: dict[str, pd.Series]) -> dict[str, Any]:
    cats = campaign_categories(frames, campaign)
    if frames.category_daily is None:
        return _row("other_categories", "unavailable", "no_products")
    if campaign.mechanic not in PART_RANGE_MECHANICS:
        return _row("other_categories", "unavailable", "whole_shop")
    if cats is None:
        return _row("other_categories", "unavailable", "no_tagged_lines")
    others = [c for c in frames.category_daily.columns if c not in cats]
    if not others:
        return _row("other_categories", "unavailable", "all_categories")
    series["other_categories"] = frames.category_daily[others].sum(axis=1).reindex(dates)
    return _row("other_categories", "candidate", "", tuple(others))


def build_controls(frames: Frames, campaign: Campaign, windows: Windows, train: pd.Series,
                   confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Candidate control series, checked for contamination.

    Parameters
    ----------
    frames, campaign, windows : the data and the campaign's days.
    train : the clean pre-period days the model is fitted on (bool Series over pre..window).
    confidence : level of the contamination check's intervals.

    Returns
    -------
    (used, table, train): the usable controls (columns, indexed like ``train``); one row per
    candidate (``other_categories``, ``last_year``) with its status (``used``,
    ``contaminated``, ``unavailable``), its relative change during the event, the
    probability that change is real, a reason code (``no_products``, ``whole_shop``,
    ``no_tagged_lines``, ``all_categories``, ``no_last_year``, ``last_year_campaign``,
    ``short_baseline``, ``moved``, ``steady``) and its detail (the categories, the
    campaigns named as :func:`~helpers.areas.campaigns.campaign.campaign_names` does, or the
    data's first day); and the training days left once the controls' own abnormal days are
    removed.
    """
    dates = train.index
    series: dict[str, pd.Series] = {}
    ly_clean = pd.Series(True, index=dates)
    phases = {"event": windows.event, "window": windows.window}
    rows = [_category_candidate(frames, campaign, dates, series)]
    shift = pd.Timedelta(days=LAST_YEAR_DAYS)
    if dates[0] - shift < frames.data_first:
        rows.append(_row("last_year", "unavailable", "no_last_year", frames.data_first))
    else:
        ly_dates = dates - shift
        reason = abnormal_days(frames.campaigns, ly_dates, windows.post_days)
        window = windows.window
        in_window = (dates >= window.start) & (dates <= window.end)
        hits = [r for r in dict.fromkeys(reason[in_window]) if r]
        if hits:
            rows.append(_row("last_year", "contaminated", "last_year_campaign",
                             campaign_names(frames.campaigns, hits)))
        else:
            ly = frames.daily["sales"].reindex(ly_dates)
            series["last_year"] = pd.Series(ly.to_numpy(), index=dates)
            ly_clean = pd.Series((reason == "").to_numpy(), index=dates)
            rows.append(_row("last_year", "candidate", ""))
    table = pd.DataFrame(rows).set_index("control")[CONTROL_COLUMNS]
    used = {}
    for key, values in series.items():
        own_train = train & ly_clean if key == "last_year" else train
        if values.isna().any() or own_train.sum() < MIN_PRE_DAYS:
            table.loc[key, ["status", "reason"]] = ["unavailable", "short_baseline"]
            continue
        change, p_real, moved = _moves(values, own_train, phases, confidence)
        table.loc[key, ["change_in_event", "p_real"]] = [change, p_real]
        table.loc[key, ["status", "reason"]] = ["contaminated", "moved"] if moved else ["used", "steady"]
        if not moved:
            used[key] = values
    if "last_year" in used:  # last year's abnormal days are left out of the fit as well
        train = train & ly_clean
    return pd.DataFrame(used, index=dates), table, train
