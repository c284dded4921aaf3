"""Search terms against the market: the shop's share of a term's clicks, its rank, and the terms
where no listing of the shop gets clicks.

Reads ``keywords`` (生意参谋 搜索分析, week x term: the market) and ``ad_keywords`` (直通车
关键词报表, day x plan x keyword: the shop's clicks and rank), through :mod:`helpers.core.shop`.

口径
----
- Terms are matched as the platform matches searches: case and spaces do not count
  (``T恤女`` = ``t恤女``).
- The weeks compared are the market's whole weeks (Monday to Sunday) inside the period; the
  shop's clicks are those of the same days.
- Market clicks = Σ 搜索人气 x 点击率 over the weeks, reading 搜索人气 as searchers. 生意参谋
  shows 搜索人气 as an index (指数化) unless the export is of raw values: on an index the share
  is on the index's scale (comparable between terms, not a true fraction), and a share above
  1 says so.
- Share = the shop's clicks / market clicks. Its interval is the exact (Garwood) Poisson
  interval of the shop's clicks divided by the market clicks, taken as known: the shop's
  clicks are a count of searches that happened to click its ads, Poisson rather than
  binomial (a binomial interval is too narrow where the share is large). The shop's clicks are paid clicks: the free search
  clicks of ``product_traffic`` carry no term, so the share is a lower bound of the shop's.
- Average rank = the ad's average position (平均展现排名), click-weighted over days and plans.
- A term the shop does not rank for = a term of the market no keyword of the shop bought
  clicks on; a finding for each with at least ``min_market_clicks`` market clicks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.findings import Finding
from helpers.core.notes import note
from helpers.i18n import pick
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop


def normalise_term(term: str) -> str:
    """A search term as matched: lower case, without spaces."""
    return "".join(str(term).lower().split())


def poisson_interval(counts: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson mean from one count each, in the count's units.

    Formula: low = χ²(α/2; 2k) / 2 (0 for k = 0), high = χ²(1 - α/2; 2k + 2) / 2,
    α = 1 - confidence (``statsmodels.stats.rates.confint_poisson(method="exact-c")``).
    """
    from statsmodels.stats.rates import confint_poisson

    low, high = confint_poisson(np.asarray(counts, dtype=float), 1.0, method="exact-c", alpha=1 - confidence)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def whole_weeks(period: Period) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first Monday and last Sunday of the whole weeks inside ``period`` (None if none)."""
    first = period.start + pd.Timedelta(days=(7 - period.start.weekday()) % 7)
    last = period.end - pd.Timedelta(days=(period.end.weekday() + 1) % 7)
    return (first.normalize(), last.normalize()) if last >= first else None


def term_share(shop: Shop, period: Period, confidence: float = 0.95) -> pd.DataFrame:
    """Per market search term: market clicks, the shop's clicks, its share with an interval, its rank.

    Formula: see the module's 口径.

    Returns
    -------
    DataFrame indexed by term (as the market writes it): category, search_popularity (summed
    over the weeks), market_clicks, our_clicks (0 where no keyword bought it), share,
    share_low, share_high (fractions), avg_rank (NaN where not bought), conversion_rate and
    avg_cpc (the market's, click-weighted), bought (bool); most market clicks first. Empty
    when the period holds no whole week.
    """
    weeks = whole_weeks(period)
    columns = ["category", "search_popularity", "market_clicks", "our_clicks", "share", "share_low", "share_high",
               "avg_rank", "conversion_rate", "avg_cpc", "bought"]
    if weeks is None:
        note("期间不含完整的一周：搜索词份额按整周计算", "the period holds no whole week: term shares need whole weeks")
        return pd.DataFrame(columns=columns)
    k = shop.table("keywords")
    k = k.filter((k.week >= weeks[0].date()) & (k.week <= (weeks[1] - pd.Timedelta(days=6)).date()))
    clicks = k.search_popularity * k.click_rate
    market = k.group_by("keyword").aggregate(
        category=k.category.max(), search_popularity=k.search_popularity.sum(), market_clicks=clicks.sum(),
        conv_w=(clicks * k.conversion_rate).sum(), cpc_w=(clicks * k.avg_cpc).sum()).execute()
    market["term"] = market["keyword"].map(normalise_term)
    ours = _our_clicks(shop, weeks)
    out = market.merge(ours, on="term", how="left").set_index("keyword")
    out.index.name = "term"
    out["bought"] = out["our_clicks"].notna()
    out["our_clicks"] = out["our_clicks"].fillna(0.0)
    mc = out["market_clicks"].where(out["market_clicks"] > 0)
    out["conversion_rate"] = out["conv_w"] / mc
    out["avg_cpc"] = out["cpc_w"] / mc
    over = out["our_clicks"] > out["market_clicks"]
    if over.any():
        note(f"{int(over.sum())} 个搜索词本店点击多于全网点击（{'、'.join(map(str, out.index[over][:3]))}）：搜索人气是"
             "指数而非人数，份额只可在词之间比较，不是真实占比",
             f"{int(over.sum())} term(s) have more of our clicks than market clicks ({', '.join(map(str, out.index[over][:3]))}): "
             "search popularity is an index, not searchers, so shares compare terms but are no true fractions")
    low, high = poisson_interval(out["our_clicks"].to_numpy(), confidence)
    out["share"] = out["our_clicks"] / mc
    out["share_low"] = low / mc
    out["share_high"] = high / mc
    return out[columns].sort_values(["market_clicks"], ascending=False)


def _our_clicks(shop: Shop, weeks: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """The shop's clicks and click-weighted average rank per normalised term over the weeks."""
    import ibis

    if not shop.has("ad_keywords"):
        return pd.DataFrame(columns=["term", "our_clicks", "avg_rank"])
    t = shop.table("ad_keywords")
    t = t.filter((t.date >= weeks[0].date()) & (t.date <= weeks[1].date()))
    known = t.avg_rank.notnull()
    weight = t.clicks.cast("float64")
    out = t.group_by("keyword").aggregate(
        clicks=t.clicks.sum(), rank_w=ibis.ifelse(known, t.avg_rank * weight, 0.0).sum(),
        rank_n=ibis.ifelse(known, weight, 0.0).sum()).execute()
    out["term"] = out["keyword"].map(normalise_term)
    out = out.groupby("term")[["clicks", "rank_w", "rank_n"]].sum()
    out["avg_rank"] = out["rank_w"] / out["rank_n"].where(out["rank_n"] > 0)
    return out.rename(columns={"clicks": "our_clicks"})[["our_clicks", "avg_rank"]].astype(float).reset_index()


def find_unranked(shares: pd.DataFrame, min_market_clicks: float = 1000.0, top: int = 10) -> list[Finding]:
    """Terms of the market where no listing of the shop gets clicks, the biggest first.

    Rule ``traffic.term_unranked`` (verdict ``unranked``): not bought and at least
    ``min_market_clicks`` market clicks over the weeks; at most ``top`` findings. Evidence:
    market clicks, search popularity, the market's conversion and CPC, the category.
    """
    gaps = shares[~shares["bought"] & (shares["market_clicks"] >= min_market_clicks)].head(top)
    return [Finding("traffic.term_unranked", str(term), "unranked",
                    {"market_clicks": float(r["market_clicks"]), "search_popularity": float(r["search_popularity"]),
                     "conversion_rate": float(r["conversion_rate"]), "avg_cpc": float(r["avg_cpc"]),
                     "category": "" if pd.isna(r["category"]) else str(r["category"]),
                     "min_market_clicks": min_market_clicks})
            for term, r in gaps.iterrows()]


def describe_terms(shares: pd.DataFrame, unranked: list[Finding], lang: str) -> str:
    """The shop's share of the terms it buys and the biggest terms where it has no clicks."""
    if not len(shares):
        return pick(lang, "本期没有完整的一周，无法计算搜索词份额。", "No whole week in the period: no term shares.")
    pct = lambda v: format_value(v, "pct", lang)  # noqa: E731
    count = lambda v: format_value(v, "count", lang)  # noqa: E731
    bought = shares[shares["bought"]].sort_values("share", ascending=False)
    parts = []
    if len(bought):
        items = [f"「{escape(t)}」{pct(r['share'])}（{pct(r['share_low'])}–{pct(r['share_high'])}），平均排名 "
                 f"{format_value(r['avg_rank'], 'ratio', lang)}" for t, r in bought.iterrows()]
        items_en = [f"“{escape(t)}” {pct(r['share'])} ({pct(r['share_low'])}–{pct(r['share_high'])}), average rank "
                    f"{format_value(r['avg_rank'], 'ratio', lang)}" for t, r in bought.iterrows()]
        parts.append(pick(lang, f"本店在投放词上的点击份额：{'；'.join(items)}。",
                          f"Our share of the clicks of the terms we buy: {'; '.join(items_en)}."))
    if unranked:
        items = [f"「{escape(f.subject)}」（{escape(f.evidence['category'])}，全网点击 {count(f.evidence['market_clicks'])}，"
                 f"转化率 {pct(f.evidence['conversion_rate'])}）" for f in unranked]
        items_en = [f"“{escape(f.subject)}” ({escape(f.evidence['category'])}, {count(f.evidence['market_clicks'])} "
                    f"market clicks, conversion {pct(f.evidence['conversion_rate'])})" for f in unranked]
        parts.append(pick(lang, f"本店没有任何点击（没有投放，也没有广告排名）的大词：{'、'.join(items)}。"
                                "在售商品相关的，写进标题并小预算测词。",
                          f"Big terms where we get no clicks at all (not bought, no ad rank): {', '.join(items_en)}. "
                          "Where a listing fits, put the term in its title and test it on a small budget."))
    elif not len(bought):
        parts.append(pick(lang, "本店没有购买任何市场搜索词。", "We buy none of the market's search terms."))
    return " ".join(parts)
