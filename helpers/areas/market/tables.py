"""Market tables for reading: every one goes through :func:`helpers.present.tables.style_table`.

Headers are label keys. Two of the calculations' column names mean something else in the
rest of the workbook, so they are shown under market keys (:data:`HEADERS`): a market's
``sales`` are every listing's sales (销售额, ``market_sales``), not the shop's paid amount
(支付金额), and so on. Months show as ``2026-10``; yes/no columns as 是/否 (yes/no).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas.market import findings, sentences
from helpers.areas.market.size import month_label
from helpers.i18n import label, pick
from helpers.present.format import format_value
from helpers.present.tables import style_table

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration

#: Column -> the label key it is shown under, where the shared key means something else.
HEADERS = {"sales": "market_sales", "estimate": "sales_estimate", "flagged": "suspected_fake", "demand": "demand_12m"}


def _months(values) -> list[str | None]:
    return [month_label(m) if pd.notna(m) else None for m in values]


def _show(frame: pd.DataFrame, columns: Sequence[str], formats: dict[str, Any], lang: str,
          index_label: str | None = None):
    """style_table over ``columns`` of ``frame``, with :data:`HEADERS` applied and months as text."""
    shown = frame.rename(columns=HEADERS)
    if isinstance(shown.index, pd.DatetimeIndex):
        shown.index = shown.index.strftime("%Y-%m")
    return style_table(shown, {HEADERS.get(c, c): kind for c, kind in formats.items()}, lang,
                       columns=[HEADERS.get(c, c) for c in columns], index_label=index_label)


def size_table(size: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.size.market_size` table (partial months marked)."""
    formats = {"sales": "yuan", "sales_low": "yuan", "sales_high": "yuan", "units": "count", "listings": "count",
               "own_share": "pct", "mom": "signed_pct", "yoy": "signed_pct"}
    return _show(size, [*formats, "partial"], formats, lang, "month")


def seasonality_table(seasonality: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.size.seasonality` table."""
    formats = {"seasonality": "ratio", "years": "count"}
    return _show(seasonality, list(formats), formats, lang, "month_of_year")


def bands_table(bands: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.bands.price_bands` table."""
    formats = {"sales": "yuan", "sales_share": "pct", "units": "count", "listings": "count", "listing_months": "count",
               "listing_share": "pct", "demand_per_listing": "yuan", "own_share": "pct"}
    return _show(bands, list(formats), formats, lang, "band")


def concentration_table(conc: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.sellers.concentration` table."""
    formats = {"sellers": "count", "cr3": "pct", "cr5": "pct", "cr10": "pct", "hhi": "count"}
    return _show(conc, list(formats), formats, lang, "month")


def barriers_table(barriers: pd.Series, lang: str):
    """A :func:`helpers.areas.market.sellers.entry_barriers` series as a table of measures."""
    if barriers.empty:
        return style_table(pd.DataFrame({"value": []}), {}, lang)
    hhi = barriers["hhi"]
    level = sentences.hhi_words(findings.hhi_level(hhi), lang)
    rows = {
        "cr5": format_value(barriers["cr5"], "pct", lang),
        "hhi": "—" if pd.isna(hhi) else pick(lang, f"{hhi:,.0f}（{level}）", f"{hhi:,.0f} ({level})"),
        "new_listing_sales_share_12m": format_value(barriers["entrant_share"], "pct", lang),
        "entrants_12m": f"{int(barriers['entrants_12m']):,}",
        "top_listing_median_reviews": ("—" if pd.isna(barriers["median_reviews"])
                                       else f"{barriers['median_reviews']:,.0f}"),
    }
    index = [label(k, lang) for k in rows]
    frame = pd.DataFrame({"value": list(rows.values())}, index=index)
    numbers = pd.DataFrame({"value": [float(barriers[k]) for k in ("cr5", "hhi", "entrant_share", "entrants_12m",
                                                                  "median_reviews")]}, index=index)
    kinds = pd.DataFrame({"value": ["pct", "count", "pct", "count", "count"]}, index=index)
    return style_table(frame, {}, lang, index_label=f"{label('measure', lang)} ({month_label(barriers.name)})",
                       numbers=(numbers, kinds))


def ranking_table(ranked: pd.DataFrame, by: str, lang: str):
    """A :func:`helpers.areas.market.sellers.rank_sellers` table (``own`` marks our rows)."""
    formats = {"rank": "count", "sales": "yuan", "share": "pct", "price": "yuan", "rating": "ratio", "reviews": "count"}
    columns = ["rank", "shop", "title", "sales", "share", "price", "rating", "reviews", "own"]
    return _show(ranked, columns, formats, lang, by)


def entries_table(entries: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.sellers.entry_and_exit` table."""
    formats = {"entrants": "count", "leavers": "count", "listings": "count", "entrant_share": "pct"}
    return _show(entries, list(formats), formats, lang, "month")


def competitor_table(status: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.competition.competitor_status` table."""
    shown = status.assign(first_month=_months(status["first_month"]), last_month=_months(status["last_month"]))
    formats = {"price": "yuan", "rating": "ratio", "reviews": "count"}
    return _show(shown, ["first_month", "last_month", *formats, "gone"], formats, lang, "competitor")


def changes_table(changes: pd.DataFrame, lang: str, top: int = 15):
    """A :func:`helpers.areas.market.competition.detect_changes` table (newest first)."""
    shown = changes.head(top).set_index("month")
    formats = {"old_price": "yuan", "new_price": "yuan", "price_change": "signed_pct"}
    return _show(shown, ["shop", "listing_id", *formats, "title_change", "new_title"], formats, lang, "month")


def calibration_table(cal: Calibration, extrapolated: float, lang: str):
    """How far the calibration can be trusted, as a table of measures.

    ``extrapolated`` is :func:`helpers.areas.market.calibration.extrapolated_share`.
    """
    rows = [  # (measure, shown, number, kind)
        (label("cal_slope", lang), f"{cal.beta:.3f}", cal.beta, "ratio"),
        (label("cal_pairs", lang), f"{cal.n:,}", cal.n, "count"),
        (label("r_squared", lang), f"{cal.r2:.4f}", cal.r2, "ratio"),
        (label("cal_residual_sd", lang), f"{cal.sigma:.3f}", cal.sigma, "ratio"),
        (label("cal_index_range", lang), f"{cal.index_min:,.0f} ~ {cal.index_max:,.0f}",
         f"{cal.index_min:.0f} ~ {cal.index_max:.0f}", None),
        (f"{label('cal_loo_coverage', lang)} ({cal.confidence:.0%})", f"{cal.loo_coverage:.1%}", cal.loo_coverage, "pct"),
        (label("cal_extrapolated_share", lang), "—" if pd.isna(extrapolated) else f"{extrapolated:.1%}", extrapolated,
         "pct"),
    ]
    index = [r[0] for r in rows]
    frame = pd.DataFrame({"value": [r[1] for r in rows]}, index=index)
    numbers = pd.DataFrame({"value": [r[2] for r in rows]}, index=index)
    kinds = pd.DataFrame({"value": [r[3] for r in rows]}, index=index)
    return style_table(frame, {}, lang, index_label="measure", numbers=(numbers, kinds))


def estimates_table(estimates: pd.DataFrame, lang: str):
    """A :func:`helpers.areas.market.calibration.competitor_estimates` table."""
    formats = {"trade_index": "count", "estimate": "yuan", "low": "yuan", "high": "yuan", "units": "count"}
    return _show(estimates, ["shop", *formats, "extrapolated"], formats, lang, "listing_id")


def flags_table(flags: pd.DataFrame, lang: str, top: int = 10):
    """A :func:`helpers.areas.market.competition.flag_fake_orders` table (flagged first)."""
    shown = flags.head(top).assign(from_month=lambda f: _months(f["from_month"]))
    formats = {"step": "ratio", "level": "ratio"}
    return _show(shown, ["shop", "title", "step", "from_month", "level", "flagged"], formats, lang, "listing_id")


def opportunity_table(scored: pd.DataFrame, lang: str, top: int = 12):
    """A :func:`helpers.areas.market.opportunity.score_opportunities` table with the reasons
    (:func:`helpers.areas.market.sentences.opportunity_reasons`)."""
    shown = scored.assign(why=sentences.opportunity_reasons(scored, lang)).head(top).set_index(["category", "band"])
    formats = {"opportunity_score": "count", "demand": "yuan", "growth": "signed_pct", "hhi": "count",
               "demand_per_listing": "yuan", "own_share": "pct"}
    return _show(shown, [*formats, "why"], formats, lang)
