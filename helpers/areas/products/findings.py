"""Rules that turn the product figures into advice, as :class:`helpers.core.findings.Finding`
data (the views render them in each language).

- ``products.test`` (:func:`judge_test`): a product test's verdict, "winner" when a
  challenger's Holm-adjusted p-value against the control is under 1 - confidence and its
  rate is higher (the one with the highest P(best) among several), or when every challenger
  is significantly worse (the control wins); otherwise "no_difference" when every variant
  reached the sample that detects ``mde`` with the given power, else "keep_running".
- ``products.scorecard_backtest`` (:func:`judge_backtest`): how far to trust the score's
  ranking, by the lower end of the rank correlation's interval: "strong" above 0.5,
  "moderate" above 0.2, else "weak"; not enough data under 4 past launches.
- ``products.price_response`` (:func:`price_responses`): per category, "elastic" when the
  whole elasticity interval is below -1 (price cuts raise revenue; profit peaks at cost x
  e / (1 + e)), "inelastic" when it is above -1 (a price rise raises revenue and profit),
  else "near_unit"; not enough data when no product changed price. ``thin`` in the evidence
  marks an interval wider than 1.
- ``products.price_move`` (:func:`price_moves`): per product, the direction of
  :func:`helpers.areas.products.pricing.optimal_prices` ("raise", "cut", "keep", or
  "extrapolated" when the optimum lies outside the prices sold: never a price rise), with the
  recommended price bounded to the prices sold; not enough data under the minimum orders or
  price points, or without an elasticity.
- ``products.concentration``, ``products.loss_making``, ``products.low_margin``,
  ``products.never_sold``, ``products.slow_movers`` (:func:`portfolio_findings`): what the
  portfolio says and what to do about it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.areas.products.experiments import BEST_DRAWS, RATES, compare_variants, primary_metric
from helpers.areas.products.portfolio import slow_movers
from helpers.core.findings import Finding, not_enough_data
from helpers.core.stats import sample_size_per_variant

EXAMPLES = 3  # products named in a portfolio finding


def judge_test(test_id: str, table: pd.DataFrame, confidence: float = 0.95, mde: float = 0.1,
               power: float = 0.8) -> Finding:
    """The verdict of one product test (see the module's rules).

    Parameters
    ----------
    test_id : the test's name (the finding's subject).
    table : :func:`helpers.areas.products.experiments.compare_variants` of the test.
    confidence, mde, power : the decision level, the relative lift the sample must be able to
        detect and the power to detect it.

    Returns
    -------
    Finding with verdict "winner" / "no_difference" / "keep_running" and evidence: metric,
    element, winner (variant or None), leader (highest P(best) among the variants with
    trials), prob_best (of the winner, else of the leader), enough (every variant reached
    ``needed``), needed (trials per variant, NaN without a usable baseline), smallest (the
    smallest variant's trials), control, baseline (the control's rate).
    """
    metric = primary_metric(table)
    num_col, den_col = RATES[metric]
    num, den = table[num_col].astype(float), table[den_col].astype(float)
    control = table.index[0]
    base = float(num[control] / den[control]) if den[control] > 0 else float("nan")
    needed = sample_size_per_variant(base, mde, confidence, power) if 0 < base < 1 else float("nan")
    smallest = float(den.min())
    enough = bool(np.isfinite(needed) and smallest >= needed)
    # a variant never shown has only its flat prior behind its P(best): it cannot lead
    shown = table["prob_best"].where(den > 0)
    leader = str(shown.idxmax() if shown.notna().any() else control)
    alpha = 1 - confidence
    rate = num / den.where(den > 0)
    better = table.index[(table["p_value"] < alpha) & (rate > base)]
    worse = table.index[(table["p_value"] < alpha) & (rate < base)]
    if len(better):
        winner = str(table.loc[better, "prob_best"].idxmax())
    elif len(worse) == len(table) - 1 and len(worse):
        winner = str(control)  # every challenger is significantly worse than the control
    else:
        winner = None
    verdict = "winner" if winner is not None else "no_difference" if enough else "keep_running"
    evidence = {"metric": metric, "element": str(table["element"].iloc[0]), "winner": winner, "leader": leader,
                "prob_best": float(table.loc[winner or leader, "prob_best"]), "enough": enough, "needed": needed,
                "smallest": smallest, "control": str(control), "baseline": base}
    return Finding("products.test", str(test_id), verdict, evidence, confidence)


def analyze_test(variants: pd.DataFrame, confidence: float = 0.95, mde: float = 0.1, power: float = 0.8,
                 seed: int = 0, draws: int = BEST_DRAWS, test_id: str | None = None) -> tuple[pd.DataFrame, Finding]:
    """One test's table (:func:`helpers.areas.products.experiments.compare_variants`) and its
    verdict (:func:`judge_test`). ``test_id`` defaults to the rows' ``test_id``."""
    if test_id is None:
        test_id = str(variants["test_id"].iloc[0]) if "test_id" in variants.columns else ""
    table = compare_variants(variants, confidence, seed, draws)
    return table, judge_test(test_id, table, confidence, mde, power)


def judge_backtest(backtest: dict[str, float], confidence: float = 0.95) -> Finding:
    """How far the scorecard's ranking can be trusted (see the module's rules).

    Parameters
    ----------
    backtest : :func:`helpers.areas.products.selection.backtest_scorecard`'s correlation:
        rho, low, high, n.

    Returns
    -------
    Finding with verdict "strong" / "moderate" / "weak", or not enough data; evidence rho,
    low, high, n.
    """
    evidence = {k: backtest[k] for k in ("rho", "low", "high", "n")}
    if not np.isfinite(backtest["rho"]):
        return not_enough_data("products.scorecard_backtest", "scorecard", **evidence)
    low = backtest["low"]
    verdict = "strong" if low > 0.5 else "moderate" if low > 0.2 else "weak"
    return Finding("products.scorecard_backtest", "scorecard", verdict, evidence, confidence)


def price_responses(elasticity: pd.DataFrame, confidence: float = 0.95, max_width: float = 1.0) -> list[Finding]:
    """How each category's demand answers price (see the module's rules), in the order of
    ``elasticity`` (:func:`helpers.areas.products.pricing.fit_elasticity`)."""
    out = []
    for cat, r in elasticity.iterrows():
        evidence = {"elasticity": float(r["elasticity"]), "low": float(r["low"]), "high": float(r["high"]),
                    "products_changed": int(r["products_changed"]),
                    "thin": bool((r["high"] - r["low"]) > max_width)}
        if not np.isfinite(r["elasticity"]):
            out.append(not_enough_data("products.price_response", str(cat), **evidence))
            continue
        verdict = "elastic" if r["high"] < -1 else "inelastic" if r["low"] > -1 else "near_unit"
        out.append(Finding("products.price_response", str(cat), verdict, evidence, confidence))
    return out


def price_moves(prices: pd.DataFrame) -> list[Finding]:
    """One finding per product of :func:`helpers.areas.products.pricing.optimal_prices` (see
    the module's rules), in the order of ``prices``.

    Evidence: list_price, recommended_price, optimal_price, tested_low, tested_high (yuan),
    orders, price_points, elasticity.
    """
    out = []
    for pid, r in prices.iterrows():
        evidence = {k: (float(r[k]) if pd.notna(r[k]) else float("nan"))
                    for k in ("list_price", "recommended_price", "optimal_price", "tested_low", "tested_high",
                              "elasticity")}
        evidence.update(orders=int(r["orders"]), price_points=int(r["price_points"]))
        if r["direction"] in ("not_enough_data", "unknown"):
            out.append(not_enough_data("products.price_move", str(pid), **evidence))
        else:
            out.append(Finding("products.price_move", str(pid), str(r["direction"]), evidence))
    return out


def _examples(frame: pd.DataFrame) -> list[str]:
    titles = frame["title"] if "title" in frame.columns else pd.Series(frame.index, index=frame.index)
    return [str(t) if isinstance(t, str) else str(pid) for pid, t in titles.head(EXAMPLES).items()]


def portfolio_findings(portfolio: pd.DataFrame, cover: pd.DataFrame | None, low: pd.DataFrame,
                       slow_days: int = 90, min_margin: float = 0.15) -> list[Finding]:
    """What the portfolio says, one finding per rule that has something to say.

    Parameters
    ----------
    portfolio : :func:`helpers.areas.products.portfolio.summarize_portfolio` with abc_sales.
    cover : :func:`helpers.areas.products.portfolio.stock_cover`, or None without inventory.
    low : :func:`helpers.areas.products.portfolio.low_margin_products`.

    Returns
    -------
    Findings: products.concentration ("a_class": products, a_products, a_share of sales),
    products.loss_making ("stop_ads": count, examples), products.low_margin ("no_extra_ads":
    count, min_margin), products.never_sold ("unsold": count), products.slow_movers
    ("clear_stock": count, slow_days, examples; not enough data without inventory).
    """
    a = portfolio["abc_sales"] == "A"
    total = portfolio["sales"].sum()
    a_share = float(portfolio.loc[a, "sales"].sum() / total) if total else float("nan")
    out = [Finding("products.concentration", "portfolio", "a_class",
                   {"products": len(portfolio), "a_products": int(a.sum()), "a_share": a_share})]
    losers = portfolio[portfolio["contribution"] < 0]
    if len(losers):
        out.append(Finding("products.loss_making", "portfolio", "stop_ads",
                           {"count": len(losers), "examples": _examples(losers)}))
    if len(low):
        out.append(Finding("products.low_margin", "portfolio", "no_extra_ads",
                           {"count": len(low), "min_margin": min_margin}))
    never = int((portfolio["units"] == 0).sum())
    if never:
        out.append(Finding("products.never_sold", "portfolio", "unsold", {"count": never}))
    if cover is None:
        out.append(not_enough_data("products.slow_movers", "portfolio", missing_table="inventory"))
    else:
        slow = slow_movers(cover, slow_days)
        if len(slow):
            out.append(Finding("products.slow_movers", "portfolio", "clear_stock",
                               {"count": len(slow), "slow_days": slow_days, "examples": _examples(slow)}))
    return out


def by_rule(findings: list[Finding]) -> dict[str, Any]:
    """Findings keyed by rule (the last one of a rule wins)."""
    return {f.rule: f for f in findings}


def best_winner(verdicts: list[Finding]) -> Finding | None:
    """Of the product tests that found a winner (:func:`analyze_test`), the one whose winner is
    the surest (highest P(best)); None when no test has a winner yet."""
    decided = [v for v in verdicts if v.verdict == "winner"]
    return max(decided, key=lambda v: v.evidence["prob_best"]) if decided else None
