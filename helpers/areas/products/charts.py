"""The product report's charts: the Pareto curve, the growth-share matrix, a product test's
rates, the elasticities and the keyword map. Every word is a label in the report's language
(:func:`helpers.i18n.label`); titles and keywords are data and shown as they are."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.areas.products.portfolio import ABC_CUTS
from helpers.core.findings import Finding
from helpers.i18n import label
from helpers.present.charts import pct_axis, plain_text, set_theme

QUADRANTS = ("star", "cash_cow", "question", "dog")


def plot_pareto(portfolio: pd.DataFrame, lang: str):
    """Cumulative share of sales and of contribution against the share of products, each
    ranked by its own value (Pareto curve); the dashed line is the A-class cut (80%)."""
    set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for col in ("sales", "contribution"):
        v = portfolio[col].clip(lower=0).sort_values(ascending=False)
        if v.sum() > 0:
            ax.plot(np.arange(1, len(v) + 1) / len(v), v.cumsum() / v.sum(), label=label(col, lang))
    ax.axhline(ABC_CUTS[0], color="grey", lw=0.8, ls="--")
    ax.set_xlabel(label("share_of_products_ranked", lang))
    ax.set_ylabel(label("cumulative_share", lang))
    pct_axis(ax, "x")
    pct_axis(ax, "y")
    ax.legend()
    plt.close(fig)
    return fig


def plot_growth_share(matrix: pd.DataFrame, lang: str):
    """Growth-share matrix: share of sales (x, log) against growth (y, clipped to -100%..300%),
    coloured by quadrant; the dashed lines are the median share and zero growth."""
    set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    m = matrix[(matrix["share_of_sales"] > 0) & matrix["sales_growth"].notna()]
    for q in QUADRANTS:
        g = m[m["quadrant"] == q]
        ax.scatter(g["share_of_sales"], g["sales_growth"].clip(-1, 3), label=label(q, lang), s=25)
    ax.set_xscale("log")
    ax.axvline(matrix["share_of_sales"].median(), color="grey", lw=0.8, ls="--")
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(label("share_of_sales", lang))
    ax.set_ylabel(label("sales_growth", lang))
    pct_axis(ax, "y")
    ax.legend()
    plt.close(fig)
    return fig


def plot_test(table: pd.DataFrame, finding: Finding, lang: str):
    """The primary rate of each variant of a test with its interval (title: the test id)."""
    set_theme(lang)
    m = finding.evidence["metric"]
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    y = np.arange(len(table))
    rate = table[m].to_numpy(float)
    err = np.vstack([rate - table[f"{m}_low"].to_numpy(float), table[f"{m}_high"].to_numpy(float) - rate])
    ax.errorbar(rate, y, xerr=err, fmt="o", capsize=4)
    ax.set_yticks(y, [str(v) for v in table.index])
    ax.set_xlabel(label(m, lang))
    ax.set_title(str(finding.subject))
    pct_axis(ax, "x")
    plt.close(fig)
    return fig


def plot_elasticity(elasticity: pd.DataFrame, lang: str):
    """Elasticity per category with its interval; the -1 line separates elastic from inelastic."""
    set_theme(lang)
    e = elasticity[elasticity["elasticity"].notna()].sort_values("elasticity")
    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    y = np.arange(len(e))
    ax.errorbar(e["elasticity"], y, xerr=[e["elasticity"] - e["low"], e["high"] - e["elasticity"]], fmt="o",
                capsize=4)
    ax.set_yticks(y, [str(c) for c in e.index])
    ax.axvline(-1, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(label("elasticity", lang))
    plt.close(fig)
    return fig


def plot_keywords(coverage: pd.DataFrame, lang: str, labels: int = 10):
    """Keyword value (buyers index) against competition (items per searcher), both log; the
    keywords no title carries in red, the ``labels`` most valuable of them named."""
    set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for missing, color, key in ((False, "tab:blue", "keyword_in_titles"), (True, "tab:red", "keyword_not_in_titles")):
        g = coverage[coverage["missing"] == missing]
        ax.scatter(g["competition_ratio"], g["buyers_index"], s=20, color=color, label=label(key, lang))
    gaps = coverage[coverage["missing"]].nlargest(labels, "buyers_index")
    texts: list[Any] = [ax.annotate(str(k), (r["competition_ratio"], r["buyers_index"]), fontsize=8)
                        for k, r in gaps.iterrows()]
    plain_text(texts)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label("competition_ratio", lang))
    ax.set_ylabel(label("buyers_index", lang))
    ax.legend()
    plt.close(fig)
    return fig
