"""The customers report's Explore section: pick a segment, an acquisition source and a ranking;
see the slice's size and value and its top customers (ids masked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.customers.recall import mask_ids
from helpers.areas.customers.rfm import SEGMENTS, segment_label
from helpers.i18n import label
from helpers.present.explore import choice
from helpers.present.tables import style_table

if TYPE_CHECKING:
    from helpers.areas.customers.lifetime import Lifetime

#: What the top customers can be ranked by (label keys).
EXPLORE_SORTS = ("monetary", "expected_value", "p_alive", "recency_days", "frequency")


def explore_controls(summary: pd.DataFrame, lang: str) -> dict:
    """Selectors of the customers Explore section: segment, acquisition source and ranking."""
    everything = label("all", lang)
    sources = sorted(summary["first_source"].dropna().unique())
    return {
        "segment": choice({segment_label(k, lang): k for k in SEGMENTS}, None, label("segment", lang),
                          all_label=everything),
        "first_source": choice(sources, None, label("first_source", lang), all_label=everything),
        "sort_by": choice({label(k, lang): k for k in EXPLORE_SORTS}, "monetary", label("rank_by", lang)),
    }


def render_explore(rfm: pd.DataFrame, life: Lifetime, summary: pd.DataFrame, salt: str, segment: str | None,
                   first_source: str | None, sort_by: str = "monetary", *, lang: str, n: int = 20) -> list:
    """The Explore view: the slice's size and value, and its top customers with masked ids.

    Returns
    -------
    [a one-row summary (customers, share of all, sales in yuan, mean expected value in yuan),
    the top ``n`` customers].
    """
    # The slice is chosen on the scored customers and only its top n get the other columns:
    # joining everything first copied every customer twice per redraw (20 million at 50
    # million lines).
    frame = rfm
    if segment:
        frame = frame[frame["segment"] == segment]
    if first_source:
        frame = frame[summary["first_source"].reindex(frame.index).eq(first_source).fillna(False).to_numpy(bool)]
    key = frame[sort_by] if sort_by in frame else life.scores[sort_by].reindex(frame.index)
    expected_value = key if sort_by == "expected_value" else life.scores["expected_value"].reindex(frame.index)
    ascending = sort_by == "recency_days"  # the most recent buyers first
    first_n = key.reset_index(drop=True).sort_values(ascending=ascending, kind="stable").index[:n]
    top = (frame.iloc[first_n]
           .join(life.scores[["p_alive", "expected_purchases", "expected_value"]], how="left")
           .join(summary[["first_source", "last_date"]], how="left"))
    overview = pd.DataFrame({
        "customers": [len(frame)],
        "share": [len(frame) / len(rfm) if len(rfm) else float("nan")],
        "sales": [frame["monetary"].sum()],
        "expected_value": [expected_value.mean() if len(frame) else float("nan")],
    })
    top.index = mask_ids(top.index, salt)
    top["segment"] = [segment_label(k, lang) for k in top["segment"]]
    top["last_purchase"] = pd.to_datetime(top["last_date"]).dt.strftime("%Y-%m-%d")
    formats = {"recency_days": "count", "frequency": "count", "monetary": "yuan", "p_alive": "pct",
               "expected_value": "yuan"}
    columns = ["segment", "first_source", "recency_days", "frequency", "monetary", "p_alive", "expected_value",
               "last_purchase"]
    return [style_table(overview, {"customers": "count", "share": "pct", "sales": "yuan", "expected_value": "yuan"},
                        lang, hide_index=True),
            style_table(top, formats, lang, columns=columns, index_label="customer_id")]
