"""Report tables and plots of the product, keyword and live sections, in the report's language.

Column headers are label keys that :func:`helpers.present.tables.style_table` translates;
verdicts are translated here; product titles, keywords and creators are data (escaped by the
styler).
"""

from __future__ import annotations

import pandas as pd

from helpers.core.findings import Finding
from helpers.i18n import label
from helpers.present.charts import plot_heatmap
from helpers.present.tables import style_table

RATE_FORMATS = {"visitors": "count", "favourites": "count", "cart_buyers": "count", "paid_buyers": "count",
                "paid_amount": "yuan", "fav_rate": "pct", "cart_rate": "pct", "fav_cart_rate": "pct",
                "fav_cart_low": "pct", "fav_cart_high": "pct", "conversion_rate": "pct", "conversion_low": "pct",
                "conversion_high": "pct", "uv_value": "yuan", "aov": "yuan", "uv_index": "ratio",
                "prob_best": "pct", "prob_best_conversion": "pct", "impressions": "count", "ctr": "pct",
                "ctr_low": "pct", "ctr_high": "pct", "prob_best_ctr": "pct"}
FUNNEL_COLUMNS = ["title", "category", "visitors", "favourites", "cart_buyers", "paid_buyers", "fav_cart_rate",
                  "conversion_rate", "conversion_low", "conversion_high", "uv_value", "uv_index", "paid_amount"]
LISTING_COLUMNS = ["title", "visitors", "favourites", "cart_buyers", "fav_cart_rate", "fav_cart_low", "fav_cart_high",
                   "prob_best", "conversion_rate", "prob_best_conversion", "verdict"]
CTR_COLUMNS = ["impressions", "ctr", "ctr_low", "ctr_high", "prob_best_ctr", "verdict_ctr"]
KEYWORD_FORMATS = {"impressions": "count", "clicks": "count", "spend": "yuan", "ctr": "pct", "cpc": "yuan",
                   "conversion_rate": "pct", "attributed_orders": "count", "attributed_amount": "yuan", "roi": "ratio",
                   "roi_low": "ratio", "roi_high": "ratio", "max_cpc": "yuan", "quality_score": "ratio",
                   "avg_rank": "ratio", "bid": "yuan"}
KEYWORD_COLUMNS = ["plan", "keyword", "match_type", "impressions", "clicks", "ctr", "cpc", "bid", "max_cpc",
                   "quality_score", "avg_rank", "attributed_orders", "conversion_rate", "roi", "roi_low", "roi_high",
                   "spend", "action"]
RISING_FORMATS = {"previous": "count", "recent": "count", "growth": "signed_pct", "relative_growth": "ratio",
                  "relative_growth_low": "ratio", "relative_growth_high": "ratio"}
SESSION_FORMATS = {"duration_min": "count", "viewers": "count", "avg_watch_seconds": "count",
                   "product_clicks": "count", "orders": "count", "amount": "yuan", "click_rate": "pct",
                   "conversion_rate": "pct", "amount_per_viewer": "yuan", "sessions": "count",
                   "amount_per_session": "yuan", "session_days": "count", "incremental": "yuan",
                   "incremental_low": "yuan", "incremental_high": "yuan"}
SESSION_COLUMNS = ["session_id", "start", "creator", "duration_min", "viewers", "avg_watch_seconds", "product_clicks",
                   "click_rate", "orders", "conversion_rate", "amount", "amount_per_viewer"]
CREATOR_COLUMNS = ["sessions", "viewers", "avg_watch_seconds", "product_clicks", "click_rate", "orders",
                   "conversion_rate", "amount", "amount_per_session", "session_days", "incremental", "incremental_low",
                   "incremental_high", "verdict"]


def _verdicts(findings: list[Finding], lang: str, rule: str | None = None) -> pd.Series:
    return pd.Series({f.subject: label(f.verdict, lang) for f in findings if rule is None or f.rule == rule},
                     dtype=object)


def funnel_table(funnel: pd.DataFrame, lang: str, top: int = 20):
    """The products with the most visitors, their funnel, UV value and its index to the category."""
    shown = funnel.head(top).set_index("product_id")
    return style_table(shown, RATE_FORMATS, lang, columns=FUNNEL_COLUMNS, index_label="product_id")


def listing_table(table: pd.DataFrame, findings: list[Finding], lang: str):
    """The 测款 listings side by side with the decision, on 收藏加购率 and (with impressions) on CTR."""
    index = table.index.astype(str)
    shown = table.assign(verdict=_verdicts(findings, lang, "traffic.listing_test").reindex(index).to_numpy())
    columns = LISTING_COLUMNS
    if "prob_best_ctr" in table:
        shown["verdict_ctr"] = _verdicts(findings, lang, "traffic.listing_ctr").reindex(index).to_numpy()
        columns = [*LISTING_COLUMNS, *CTR_COLUMNS]
    return style_table(shown, RATE_FORMATS, lang, columns=columns, index_label="product_id")


def plot_matrix(matrix: pd.DataFrame, share_columns: list[str], lang: str, top: int = 25):
    """人货场 heat map: the top products by visitors (rows) x sources (columns), share of the product's visitors."""
    shown = matrix.head(top)
    titles = shown.index.astype(str)
    if "title" in shown:
        titles = shown["title"].astype(str)
    data = shown[share_columns].set_axis([str(t)[:24] for t in titles])
    data.index.name, data.columns.name = "product_id", "source"
    return plot_heatmap(data, "pct", label("source_matrix", lang), lang)


def keyword_view(table: pd.DataFrame, findings: list[Finding], lang: str):
    """The keyword report with the action per keyword."""
    subject = table["plan"].astype(str) + " / " + table["keyword"].astype(str)
    shown = table.assign(action=_verdicts(findings, lang).reindex(subject).to_numpy())
    return style_table(shown, KEYWORD_FORMATS, lang, columns=KEYWORD_COLUMNS, hide_index=True)


def rising_view(rising: pd.DataFrame, lang: str, top: int = 10):
    """Search terms by growth against the other keywords, rising ones first."""
    return style_table(rising.head(top), RISING_FORMATS, lang, columns=[*RISING_FORMATS, "rising"],
                       index_label="keyword")


def session_view(sessions: pd.DataFrame, lang: str):
    """Every session of the period with its attributed figures."""
    shown = sessions.assign(start=sessions["start"].dt.strftime("%Y-%m-%d %H:%M"))
    return style_table(shown, SESSION_FORMATS, lang, columns=SESSION_COLUMNS, hide_index=True)


def creator_view(creators: pd.DataFrame, incremental: pd.DataFrame, findings: list[Finding], lang: str):
    """Per creator: attributed figures beside the incremental amount per session day and the verdict."""
    shown = creators.join(incremental, how="left")
    shown["verdict"] = _verdicts(findings, lang).reindex(shown.index.astype(str)).to_numpy()
    return style_table(shown, SESSION_FORMATS, lang, columns=CREATOR_COLUMNS, index_label="creator")


TERM_FORMATS = {"search_popularity": "count", "market_clicks": "count", "our_clicks": "count", "share": "pct",
                "share_low": "pct", "share_high": "pct", "avg_rank": "ratio", "conversion_rate": "pct",
                "avg_cpc": "yuan"}
TERM_LABELS = {"market_clicks": "term_market_clicks", "our_clicks": "term_our_clicks", "share": "term_share",
               "share_low": "term_share_low", "share_high": "term_share_high", "status": "term_status"}
CROWD_FORMATS = {"impressions": "count", "clicks": "count", "spend": "yuan", "ctr": "pct", "cpc": "yuan",
                 "attributed_orders": "count", "attributed_amount": "yuan", "click_conversion": "pct", "roi": "ratio",
                 "roi_low": "ratio", "roi_high": "ratio"}
CROWD_COLUMNS = ["plan", "crowd", "impressions", "clicks", "ctr", "cpc", "attributed_orders", "click_conversion",
                 "attributed_amount", "roi", "roi_low", "roi_high", "spend", "action"]


def term_view(shares: pd.DataFrame, lang: str, top: int = 20):
    """The terms we buy, then the market's biggest terms: market clicks, ours, share with its
    interval, our average rank and whether we rank at all."""
    shown = pd.concat([shares[shares["bought"]], shares[~shares["bought"]]]).head(top)
    shown = shown.assign(status=[label("term_ranked" if b else "term_unranked", lang) for b in shown["bought"]])
    shown = shown.rename(columns=TERM_LABELS)
    formats = {TERM_LABELS.get(k, k): v for k, v in TERM_FORMATS.items()}
    columns = [TERM_LABELS.get(c, c) for c in ("category", "search_popularity", "market_clicks", "our_clicks",
                                               "share", "share_low", "share_high", "avg_rank", "conversion_rate",
                                               "avg_cpc", "status")]
    return style_table(shown, formats, lang, columns=columns, index_label="keyword")


def crowd_view(table: pd.DataFrame, findings: list[Finding], lang: str):
    """The crowd report with the action per crowd."""
    subject = table["plan"].astype(str) + " / " + table["crowd"].astype(str)
    shown = table.assign(action=_verdicts(findings, lang).reindex(subject).to_numpy())
    shown = shown.rename(columns={"conversion_rate": "click_conversion"})
    return style_table(shown, CROWD_FORMATS, lang, columns=CROWD_COLUMNS, hide_index=True)
