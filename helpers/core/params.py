"""Notebook parameters: parse, default and check them before any analysis runs.

Parameters arrive as plain strings from the notebook's ``parameters`` cell (or
from papermill). Empty period parameters mean "the data's own range" or its
latest complete period, so pointing a notebook at another data folder just works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.calendar import Period, default_period
from helpers.core.contract import TABLES
from helpers.core.notes import note
from helpers.i18n import check_lang

if TYPE_CHECKING:
    from helpers.core.shop import Shop


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


@dataclass(frozen=True)
class Params:
    """Checked notebook parameters."""

    period: Period
    lang: str
    data_first: pd.Timestamp
    data_last: pd.Timestamp
    campaign_id: str | None = None


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

    The period chosen by default, or one reaching beyond the data, is a note of the report.
    """
    check_lang(lang)
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
    if start is None and end is None:
        period = default_period(first, last, default)
        rule_zh = {"last_complete_week": "数据中最近一个完整周", "last_complete_month": "数据中最近一个完整月",
                   "all": "数据的全部日期"}[default]
        note(f"分析期默认为 {period.label()}（{rule_zh}）",
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
            note(f"分析期 {period.label()} 超出数据范围（{first.date()} ~ {last.date()}），超出的日子按无销售计",
                 f"the period {period.label()} extends beyond the data "
                 f"({first.date()} ~ {last.date()}); days outside it count as no sales")
    resolved_campaign = resolve_campaign(shop, campaign_id, last) if campaign_id is not None else None
    return Params(period=period, lang=lang, data_first=first, data_last=last, campaign_id=resolved_campaign)


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
