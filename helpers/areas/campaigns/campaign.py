"""The campaign under review and the days a postmortem looks at.

A campaign is one row of the ``campaigns`` table (:class:`Campaign`); :func:`campaign_windows`
cuts the days around it into phases, clipped to the data, and finds the baseline.

口径 used here
--------------
- **Phases**: warm-up (预热, ``warmup_start`` .. ``start`` - 1), event (``start`` .. ``end``),
  post (``end`` + 1 .. ``end`` + ``post_days``); the **window** is all three.
- **Baseline** (pre-period): the ``pre_days`` **clean days** closest before the window. Days
  inside another campaign's window (warm-up .. end + ``post_days``) or within
  :data:`helpers.core.calendar.HOLIDAY_DAYS` of 春节 are skipped and earlier days taken
  instead, looking back at most 3 x ``pre_days`` days.
- What limits a review (the campaign has not started, the data ends inside it, the baseline
  is short, another campaign overlaps it) is an issue: a
  :class:`~helpers.core.findings.Finding` of rule ``campaigns.windows`` whose verdict names
  the problem and whose evidence holds the dates and counts; the views say it in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.calendar import Period, abnormal_days, campaign_days
from helpers.core.findings import Finding
from helpers.core.notes import quiet
from helpers.core.params import Params, check_params

if TYPE_CHECKING:
    from helpers.core.shop import Shop

MODELS = ("regression", "structural")
MIN_PRE_DAYS = 28  # clean pre-period days below which no counterfactual is estimated
SHORT_PRE_DAYS = 42  # below this the estimate is made but flagged as uncertain
LAST_YEAR_DAYS = 364  # weekday-aligned "same days last year"
SPRING_FESTIVAL = "spring_festival"  # label key of 春节 where a list names what occupied some days
WINDOW_RULE = "campaigns.windows"


def check_options(*, pre_days: int = 56, post_days: int = 14, confidence: float = 0.95,
                  model: str = "regression", repeat_days: int = 90, top_n: int = 5) -> None:
    """Check the postmortem notebook's own parameters.

    Raises
    ------
    ValueError
        naming the parameter and the fix: an unknown model, a confidence outside
        [0.5, 1), ``pre_days`` below :data:`MIN_PRE_DAYS`, a negative ``post_days``, or a
        count that is not a whole number.
    """
    if model not in MODELS:
        raise ValueError(f"parameter model={model!r} is not supported; use one of {MODELS} "
                         "(regression: trend + weekday + controls; structural: local level + "
                         "weekly seasonal + controls)")
    if not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    for name, value, low in (("pre_days", pre_days, MIN_PRE_DAYS), ("post_days", post_days, 0),
                             ("repeat_days", repeat_days, 1), ("top_n", top_n, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= {low}")


def check_campaign_params(shop: Shop, campaign_id: str, lang: str) -> Params:
    """:func:`helpers.core.params.check_params` for a postmortem: the ``orders`` and
    ``campaigns`` tables required, the campaign checked (empty: the latest that has started),
    the data's whole range as the period.

    A postmortem reviews the campaign's own days, so the default period is no note of its
    report.

    Raises
    ------
    ValueError
        for an unknown language or campaign, or a missing table (see ``check_params``).
    """
    with quiet():
        return check_params(shop, lang=lang, tables=("orders", "campaigns"), default="all", campaign_id=campaign_id)


@dataclass(frozen=True)
class Campaign:
    """One row of the ``campaigns`` table; missing numbers are NaN, a missing warm-up None.

    Money (``threshold``, ``reduction``, ``budget``) is in yuan; ``discount_rate`` is the
    price paid as a fraction of the list price (0.8 = 8折).
    """

    campaign_id: str
    name: str
    mechanic: str
    threshold: float
    reduction: float
    discount_rate: float
    warmup_start: pd.Timestamp | None
    start: pd.Timestamp
    end: pd.Timestamp
    budget: float

    @property
    def first_day(self) -> pd.Timestamp:
        """The first day the campaign touches: its warm-up, else its start."""
        return self.warmup_start if self.warmup_start is not None else self.start


def read_campaigns(shop: Shop) -> pd.DataFrame:
    """The ``campaigns`` table as a small frame (dates as Timestamps), sorted by start."""
    c = shop.table("campaigns").execute()
    for col in ("warmup_start", "start", "end"):
        c[col] = pd.to_datetime(c[col])
    return c.sort_values(["start", "campaign_id"]).reset_index(drop=True)


def get_campaign(campaigns: pd.DataFrame, campaign_id: str) -> Campaign:
    """The campaign ``campaign_id`` of a :func:`read_campaigns` frame.

    Raises
    ------
    ValueError
        naming the campaigns table and the known ids when the id is unknown, and when the
        campaign ends before it starts.
    """
    rows = campaigns[campaigns["campaign_id"] == campaign_id]
    if rows.empty:
        known = ", ".join(map(str, campaigns["campaign_id"].head(20)))
        raise ValueError(f"campaign_id={campaign_id!r} is not in the campaigns table; known: "
                         f"{known or '(none)'}. Use one of those ids, or leave campaign_id empty for "
                         "the latest campaign.")
    row = rows.iloc[0]
    start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
    if end < start:
        raise ValueError(f"campaigns table: campaign {campaign_id!r} ends ({end.date()}) before it "
                         f"starts ({start.date()}); fix its start and end columns")
    warm = row["warmup_start"]
    warm = pd.Timestamp(warm) if pd.notna(warm) and pd.Timestamp(warm) < start else None

    def num(col: str) -> float:
        return float(row[col]) if col in row and pd.notna(row[col]) else float("nan")

    return Campaign(campaign_id=str(row["campaign_id"]), name=str(row["name"]),
                    mechanic=str(row["mechanic"]), threshold=num("threshold"),
                    reduction=num("reduction"), discount_rate=num("discount_rate"),
                    warmup_start=warm, start=start, end=end, budget=num("budget"))


@dataclass(frozen=True)
class Windows:
    """The days a postmortem looks at, clipped to the data (None: the phase has no day).

    ``pre`` runs from the earliest baseline day to the day before the campaign; its
    ``clean_days`` are the days the model learns from (other campaigns' windows and 春节
    skipped). ``issues`` are the :data:`WINDOW_RULE` findings on clipped or short phases.
    """

    pre: Period | None
    warmup: Period | None
    event: Period | None
    post: Period | None
    data_first: pd.Timestamp
    data_last: pd.Timestamp
    pre_days: int
    post_days: int
    clean_days: tuple[pd.Timestamp, ...] = ()
    issues: tuple[Finding, ...] = ()

    @property
    def window(self) -> Period | None:
        """Warm-up through post-period: the days whose effect is measured."""
        parts = [p for p in (self.warmup, self.event, self.post) if p is not None]
        return Period(parts[0].start, parts[-1].end) if parts else None

    def phases(self) -> dict[str, Period]:
        """The phases that have days in the data, in time order."""
        return {k: p for k, p in (("warmup", self.warmup), ("event", self.event),
                                  ("post", self.post)) if p is not None}


def _clip(start: pd.Timestamp, end: pd.Timestamp, first: pd.Timestamp,
          last: pd.Timestamp) -> Period | None:
    lo, hi = max(start, first), min(end, last)
    return Period(lo, hi) if lo <= hi else None


def _issue(campaign: Campaign, verdict: str, **evidence) -> Finding:
    return Finding(WINDOW_RULE, campaign.campaign_id, verdict, evidence)


def campaign_windows(campaign: Campaign, data_first: pd.Timestamp, data_last: pd.Timestamp,
                     pre_days: int = 56, post_days: int = 14,
                     campaigns: pd.DataFrame | None = None) -> Windows:
    """Baseline, warm-up, event and post-period of a campaign, clipped to the data's days.

    Parameters
    ----------
    campaign : the campaign.
    data_first, data_last : first and last day of the orders data.
    pre_days : clean days before the campaign's first day (warm-up or start) used as the
        baseline. With ``campaigns``, days inside another campaign's window (its warm-up to
        its end + ``post_days``) or within 10 days of 春节 are skipped and earlier days
        taken instead, looking back at most 3 x ``pre_days`` days.
    post_days : days after the end analysed for the aftermath.
    campaigns : the campaigns table (:func:`read_campaigns`); without it the baseline is
        simply the ``pre_days`` calendar days before the campaign.

    Returns
    -------
    Windows, whose ``issues`` say (verdicts ``not_started``, ``ended_before_data``,
    ``still_running``, ``short_post``, ``short_baseline``) what the data leaves out.
    """
    day = pd.Timedelta(days=1)
    first, last = pd.Timestamp(data_first).normalize(), pd.Timestamp(data_last).normalize()
    c = campaign
    issues = []
    before = c.first_day - day
    if campaigns is None:
        candidates = pd.date_range(max(c.first_day - pre_days * day, first), before)
        clean = candidates
    else:
        candidates = pd.date_range(max(c.first_day - 3 * pre_days * day, first), before)
        reason = abnormal_days(campaigns, candidates, post_days, exclude=c.campaign_id)
        clean = candidates[(reason == "").to_numpy()][-pre_days:]
    clean = clean[clean <= last] if c.start <= last else clean[:0]  # nothing to review: no baseline
    pre = Period(clean[0], min(before, last)) if len(clean) else None
    warm = _clip(c.warmup_start, c.start - day, first, last) if c.warmup_start is not None else None
    event = _clip(c.start, c.end, first, last)
    post = _clip(c.end + day, c.end + post_days * day, first, last) if post_days else None
    if c.start > last:
        issues.append(_issue(c, "not_started", start=c.start, data_last=last))
    elif c.end < first:
        issues.append(_issue(c, "ended_before_data", data_first=first))
    else:
        if c.end > last:
            issues.append(_issue(c, "still_running", end=c.end, data_last=last))
        elif post_days and (post is None or post.days < post_days):
            issues.append(_issue(c, "short_post", days=0 if post is None else post.days, asked=int(post_days)))
        if SHORT_PRE_DAYS <= len(clean) < pre_days:
            issues.append(_issue(c, "short_baseline", days=len(clean), asked=int(pre_days)))
    return Windows(pre=pre, warmup=warm, event=event, post=post, data_first=first, data_last=last,
                   pre_days=int(pre_days), post_days=int(post_days),
                   clean_days=tuple(clean), issues=tuple(issues))


def clean_pre_days(windows: Windows) -> pd.Series:
    """True on the baseline days the model learns from, over the pre-period to the window's end.

    The days are :attr:`Windows.clean_days` (see :func:`campaign_windows`); empty when the
    campaign has no baseline or no day in the data.
    """
    if windows.pre is None or windows.window is None:
        return pd.Series(dtype=bool)
    dates = pd.date_range(windows.pre.start, windows.window.end)
    return pd.Series(dates.isin(pd.DatetimeIndex(windows.clean_days)), index=dates)


def baseline_days(windows: Windows) -> pd.DatetimeIndex:
    """The clean baseline days (:func:`clean_pre_days`) as dates, in order."""
    clean = clean_pre_days(windows)
    return clean.index[clean.to_numpy()] if len(clean) else pd.DatetimeIndex([])


def campaign_names(campaigns: pd.DataFrame, ids) -> tuple[str, ...]:
    """"name (id)" of each campaign id; 春节 (as :func:`abnormal_days` names it) becomes the
    label key :data:`SPRING_FESTIVAL`, worded by the views in the report's language."""
    names = []
    for cid in ids:
        if cid == "春节":
            names.append(SPRING_FESTIVAL)
            continue
        match = campaigns.loc[campaigns["campaign_id"].astype(str) == cid, "name"]
        names.append(f"{match.iloc[0]} ({cid})" if len(match) else cid)
    return tuple(names)


def find_overlaps(campaigns: pd.DataFrame, campaign: Campaign, post_days: int) -> pd.DataFrame:
    """Other campaigns whose warm-up..end touch this campaign's warm-up..end + post_days."""
    days = campaign_days(campaigns, 0)
    lo, hi = campaign.first_day, campaign.end + pd.Timedelta(days=post_days)
    hit = (days["campaign_id"] != campaign.campaign_id) & (days["first"] <= hi) & (days["end"] >= lo)
    return days.loc[hit, ["campaign_id", "name", "first", "end"]].reset_index(drop=True)
