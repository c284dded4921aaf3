"""The Explore section of the postmortem: pick a campaign, a metric, a source and a category, and
see the days around that campaign (the slice engine of :mod:`helpers.present.slices`), its
warm-up and event shaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from helpers.areas.campaigns.campaign import get_campaign, read_campaigns
from helpers.core import metrics
from helpers.i18n import label, pick
from helpers.present import explore, slices

if TYPE_CHECKING:
    from helpers.core.shop import Shop

MARGIN_DAYS = 14  # days shown before the warm-up and after the end


def explore_controls(shop: Shop, campaign_id: str, lang: str) -> dict:
    """Selectors of the campaign Explore section: campaign, metric, source, category and 口径.

    Starts from the notebook's campaign; the view spans the campaign's warm-up to two weeks
    after its end, with two weeks before for comparison.
    """
    campaigns = read_campaigns(shop)
    options = slices.slice_options(shop)
    everything = label("all", lang)
    choices = {f"{row.campaign_id} · {row['name']}": row.campaign_id for _, row in campaigns.iterrows()}
    methods = {metrics.describe_method(m, lang): m for m in ("pooled", "daily_mean")}
    controls = {
        "campaign": explore.choice(choices, campaign_id, label("campaign", lang)),
        "metric": explore.choice({label(m, lang): m for m in slices.SLICE_METRICS}, "sales", label("metric", lang)),
        "source": explore.choice(options["source"], None, label("source", lang), all_label=everything),
        "category": explore.choice(options["category"], None, label("category", lang), all_label=everything),
        "rate_method": explore.toggle(methods, "pooled", label("definition", lang)),
    }
    slices.link_rate_toggle(controls)
    return controls


def render_explore(shop: Shop, campaign: str, metric: str, source: str | None, category: str | None,
                   rate_method: str = "pooled", lang: str = "zh", margin_days: int = MARGIN_DAYS):
    """The Explore view: the metric per day around the chosen campaign, its days shaded
    (warm-up blue, event yellow)."""
    c = get_campaign(read_campaigns(shop), campaign)
    first, last = shop.date_range("orders")
    start = max(first.normalize(), (c.warmup_start or c.start) - pd.Timedelta(days=margin_days))
    end = min(last.normalize(), c.end + pd.Timedelta(days=margin_days))
    if end < start:
        return pd.DataFrame({"": [pick(lang, "活动不在数据范围内", "the campaign lies outside the data")]})
    fig = slices.render_slice(shop, metric, source, category, (start, end), rate_method, lang)
    if not isinstance(fig, Figure):  # a sentence saying why this slice cannot be drawn
        return fig
    ax = fig.axes[0]
    if c.warmup_start is not None and c.warmup_start < c.start:
        ax.axvspan(c.warmup_start, c.start, color="#9ecae1", alpha=0.25, lw=0)
    ax.axvspan(c.start, c.end + pd.Timedelta(days=1), color="#f2c14e", alpha=0.25, lw=0)
    return fig
