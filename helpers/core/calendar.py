"""The calendar: periods of calendar days, the Spring Festival, campaign days.

A :class:`Period` is an inclusive range of days; the default period of a notebook is found
in the data's own range (:func:`default_period`). Days that are not ordinary trading (a
campaign from its warm-up to some days after its end, the Spring Festival) are named by
:func:`abnormal_days`, for baselines that must leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PERIOD_DEFAULTS = ("last_complete_week", "last_complete_month", "all")


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end.date()}) before it starts ({self.start.date()})")

    @classmethod
    def ending(cls, end: pd.Timestamp, days: int) -> Period:
        """The ``days`` days up to and including ``end``."""
        return cls(end - pd.Timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def end_exclusive(self) -> pd.Timestamp:
        """Midnight after the last day, for filtering timestamps with ``< end_exclusive``."""
        return self.end + pd.Timedelta(days=1)

    def shift(self, days: int) -> Period:
        return Period(self.start + pd.Timedelta(days=days), self.end + pd.Timedelta(days=days))

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return self.shift(-self.days)

    def last_year(self) -> Period:
        """The same weekdays one year earlier (364 days back, so weekday effects cancel)."""
        return self.shift(-364)

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"


def default_period(first: pd.Timestamp, last: pd.Timestamp, rule: str) -> Period:
    """The default analysis period inside the data's range [first, last].

    ``last_complete_week``: the latest Monday-Sunday week that ends on or before
    ``last``; ``last_complete_month``: the latest calendar month ending on or
    before ``last``; ``all``: the whole range. Falls back to the whole range
    when the data is shorter than the period.
    """
    first, last = first.normalize(), last.normalize()
    if rule == "last_complete_week":
        end = last - pd.Timedelta(days=(last.weekday() + 1) % 7)  # last Sunday on or before `last`
        start = end - pd.Timedelta(days=6)
    elif rule == "last_complete_month":
        end = last if (last + pd.Timedelta(days=1)).day == 1 else last.replace(day=1) - pd.Timedelta(days=1)
        start = end.replace(day=1)
    elif rule == "all":
        start, end = first, last
    else:
        raise ValueError(f"unknown default period {rule!r}; use one of {PERIOD_DEFAULTS}")
    if start < first:
        start, end = first, last
    return Period(start, end)


#: 春节 (Chinese New Year's Day): logistics stop and demand dips around it every year.
SPRING_FESTIVALS = (
    "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
    "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03",
)
HOLIDAY_DAYS = 10  # days either side of 春节 that are not ordinary trading


def campaign_days(campaigns: pd.DataFrame, post_days: int) -> pd.DataFrame:
    """Each campaign's affected days: first day (warm-up, or start) to end + ``post_days``.

    Parameters
    ----------
    campaigns : the ``campaigns`` table (campaign_id, name, warmup_start, start, end).
    post_days : days after the end still affected (the dip after a promotion).

    Returns
    -------
    DataFrame with campaign_id, name, first, end, last (Timestamps).
    """
    first = campaigns["warmup_start"].where(campaigns["warmup_start"].notna()
                                            & (campaigns["warmup_start"] < campaigns["start"]),
                                            campaigns["start"])
    return pd.DataFrame({"campaign_id": campaigns["campaign_id"].astype(str),
                         "name": campaigns["name"].astype(str), "first": pd.to_datetime(first),
                         "end": pd.to_datetime(campaigns["end"]),
                         "last": pd.to_datetime(campaigns["end"]) + pd.Timedelta(days=post_days)})


def abnormal_days(campaigns: pd.DataFrame | None, dates: pd.DatetimeIndex, post_days: int,
                  holiday_days: int = HOLIDAY_DAYS, exclude: str | None = None) -> pd.Series:
    """Why each day is not ordinary trading: a campaign id, "春节", or "" for a clean day.

    A campaign covers its warm-up (or start) to its end plus ``post_days``; 春节 covers
    ``holiday_days`` either side of the Spring Festival (logistics stop). A day in both is
    named after the campaign. ``exclude`` leaves one campaign out (the one under review);
    ``campaigns=None`` means the shop has no campaigns table.
    """
    reason = pd.Series("", index=dates, dtype=object)
    for day in SPRING_FESTIVALS:
        sf = pd.Timestamp(day)
        reason[(dates >= sf - pd.Timedelta(days=holiday_days))
               & (dates <= sf + pd.Timedelta(days=holiday_days))] = "春节"
    if campaigns is not None:
        for _, row in campaign_days(campaigns, post_days).iterrows():
            if row["campaign_id"] == exclude:
                continue
            reason[(dates >= row["first"]) & (dates <= row["last"])] = row["campaign_id"]
    return reason


#: Platform events (平台大促) by month-day, for years the shop's ``campaigns`` table does not
#: list them: name, warm-up (预热) first day, event first and last day. Tmall's own dates move a
#: few days from year to year; these are the usual ones.
PLATFORM_EVENTS = (("双十一", "10-20", "11-01", "11-11"), ("618", "05-20", "06-01", "06-18"))
PHASES = ("warmup", "event", "aftermath")


def campaign_phases(campaigns: pd.DataFrame | None, period: Period, post_days: int = 7) -> pd.DataFrame:
    """The campaign phases (warm-up 预热, event, aftermath) that overlap ``period``.

    A campaign of the ``campaigns`` table has a warm-up from ``warmup_start`` to the day
    before ``start`` (when given), the event from ``start`` to ``end`` and an aftermath of
    ``post_days`` days after it (the dip while buyers who bought ahead stay away). Platform
    events (:data:`PLATFORM_EVENTS`) fill in the years the table does not cover them (no
    campaign of the table overlapping their event days).

    Returns
    -------
    DataFrame with campaign_id, name, phase (one of :data:`PHASES`), first, last (the phase's
    days inside the period, Timestamps), days (their count), source ("campaigns" or
    "platform"); phases in time order. Empty when the period is ordinary trading.
    """
    rows = []
    events = []
    if campaigns is not None and len(campaigns):
        for _, c in campaigns.iterrows():
            start, end = pd.Timestamp(c["start"]), pd.Timestamp(c["end"])
            warm = pd.Timestamp(c["warmup_start"]) if pd.notna(c["warmup_start"]) else None
            events.append((str(c["campaign_id"]), str(c["name"]), warm, start, end, "campaigns"))
    for year in range(period.start.year - 1, period.end.year + 1):
        for name, warm, start, end in PLATFORM_EVENTS:
            start_day, end_day = pd.Timestamp(f"{year}-{start}"), pd.Timestamp(f"{year}-{end}")
            if not any(e[3] <= end_day and e[4] >= start_day for e in events if e[5] == "campaigns"):
                events.append((f"{name}-{year}", f"{name} {year}", pd.Timestamp(f"{year}-{warm}"), start_day,
                               end_day, "platform"))
    for cid, name, warm, start, end, source in events:
        spans = {"warmup": (warm, start - pd.Timedelta(days=1)) if warm is not None and warm < start else None,
                 "event": (start, end), "aftermath": (end + pd.Timedelta(days=1), end + pd.Timedelta(days=post_days))}
        for phase, span in spans.items():
            if span is None or post_days <= 0 and phase == "aftermath":
                continue
            first, last = max(span[0], period.start), min(span[1], period.end)
            if first <= last:
                rows.append({"campaign_id": cid, "name": name, "phase": phase, "first": first, "last": last,
                             "days": (last - first).days + 1, "source": source})
    frame = pd.DataFrame(rows, columns=["campaign_id", "name", "phase", "first", "last", "days", "source"])
    return frame.sort_values("first", kind="stable").reset_index(drop=True)
