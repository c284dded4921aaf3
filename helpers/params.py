"""Notebook parameters: parse, default and check them before any analysis runs.

Parameters arrive as plain strings from the notebook's ``parameters`` cell (or
from papermill). Empty period parameters mean "the data's own range" or its
latest complete period, so pointing a notebook at another data folder just works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.contract import TABLES

if TYPE_CHECKING:
    from helpers.data import Shop

LANGS = ("zh", "en")
def is_zh(lang: str) -> bool:
    """True for "zh", False for "en"; any other language is a ValueError naming the parameter."""
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r}; use zh or en")
    return lang == "zh"


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


def parse_date(value: str | None, name: str) -> pd.Timestamp | None:
    """An ISO date parameter, or None when empty.

    Raises
    ------
    ValueError
        naming the parameter when the value is not a date such as 2026-11-11.
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        return pd.Timestamp(pd.to_datetime(text, format="ISO8601")).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"parameter {name}={value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-11") from exc


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


@dataclass(frozen=True)
class Params:
    """Checked notebook parameters."""

    period: Period
    lang: str
    data_first: pd.Timestamp
    data_last: pd.Timestamp
    campaign_id: str | None = None
    notes: tuple[str, ...] = ()


def check_params(
    shop: Shop,
    *,
    start_date: str = "",
    end_date: str = "",
    lang: str = "zh",
    tables: tuple[str, ...] = ("orders",),
    default: str = "last_complete_week",
    campaign_id: str | None = None,
    date_table: str = "orders",
) -> Params:
    """Check a notebook's parameters against the shop's data and fill in defaults.

    Parameters
    ----------
    shop : the connected data.
    start_date, end_date : ISO dates, inclusive; empty means the default period.
    lang : "zh" or "en".
    tables : tables the notebook cannot run without.
    default : rule for an empty period (see :func:`default_period`).
    campaign_id : campaign to analyse; empty means the data's latest one.
    date_table : table whose date column defines the data's range.

    Raises
    ------
    ValueError
        for an unknown language, a malformed or reversed date range, a range
        outside the data, a missing required table or an unknown campaign.
    """
    if lang not in LANGS:
        raise ValueError(f"parameter lang={lang!r} is not supported; use one of {LANGS}")
    for name in tables:
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}")
        if not shop.has(name):
            raise ValueError(shop.missing_message(name, "en").replace("This section", "This notebook")
                             .replace("so it is skipped", "so it cannot run"))
    first, last = shop.date_range(date_table)
    if pd.isna(first):
        raise ValueError(f"table `{date_table}` in {shop.origin} has no rows")
    first, last = first.normalize(), last.normalize()
    start, end = parse_date(start_date, "start_date"), parse_date(end_date, "end_date")
    notes = []
    if start is None and end is None:
        period = default_period(first, last, default)
        rule_zh = {"last_complete_week": "数据中最近一个完整周", "last_complete_month": "数据中最近一个完整月",
                   "all": "数据的全部日期"}[default]
        notes.append(f"分析期默认为 {period.label()}（{rule_zh}）" if lang == "zh" else
                     f"period defaults to {period.label()} ({default.replace('_', ' ')} in the data)")
    else:
        start = start if start is not None else first
        end = end if end is not None else last
        if end < start:
            raise ValueError(f"start_date={start.date()} is after end_date={end.date()}; swap them")
        period = Period(start, end)
        if period.end < first or period.start > last:
            raise ValueError(
                f"the period {period.label()} has no data: `{date_table}` in {shop.origin} covers "
                f"{first.date()} ~ {last.date()}; choose dates inside that range or leave them empty"
            )
        if period.start < first or period.end > last:
            notes.append(f"分析期 {period.label()} 超出数据范围（{first.date()} ~ {last.date()}），超出的日子按无销售计"
                         if lang == "zh" else
                         f"the period {period.label()} extends beyond the data "
                         f"({first.date()} ~ {last.date()}); days outside it count as no sales")
    resolved_campaign = resolve_campaign(shop, campaign_id, last) if campaign_id is not None else None
    return Params(period=period, lang=lang, data_first=first, data_last=last,
                  campaign_id=resolved_campaign, notes=tuple(notes))


def resolve_campaign(shop: Shop, campaign_id: str | None, data_last: pd.Timestamp | None = None) -> str | None:
    """The campaign id to analyse: as given (checked), or the latest one that started by ``data_last``.

    A campaign planned after the data ends is never the default: there is nothing to review yet.
    """
    if not shop.has("campaigns"):
        if campaign_id:
            raise ValueError(f"campaign_id={campaign_id!r} given but the data has no campaigns table")
        return None
    campaigns = shop.table("campaigns").select("campaign_id", "start").execute()
    if campaign_id:
        if campaign_id not in set(campaigns["campaign_id"]):
            known = ", ".join(sorted(campaigns["campaign_id"])[:20])
            raise ValueError(f"campaign_id={campaign_id!r} is not in the campaigns table; known: {known}")
        return campaign_id
    if data_last is not None:
        campaigns = campaigns[pd.to_datetime(campaigns["start"]) <= data_last]
    if campaigns.empty:
        return None
    return str(campaigns.sort_values("start")["campaign_id"].iloc[-1])
