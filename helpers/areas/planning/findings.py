"""Rules of the planning report: structured findings first, sentences in :mod:`.views`."""

from __future__ import annotations

import pandas as pd

from helpers.core.findings import Finding, not_enough_data


def judge_stock(stock: pd.DataFrame, spells: pd.DataFrame) -> Finding:
    """动销率, dead and slow stock with the cost they tie up, and past stock-outs' lost sales."""
    return Finding("planning.stock", "shop", "summary", {
        "products": int(len(stock)), "dead": int(stock["dead"].sum()), "slow": int(stock["slow"].sum()),
        "tied_up": float(stock.loc[stock["dead"] | stock["slow"], "tied_up"].sum()),
        "stockouts": int(len(spells)),
        "lost_units": float(spells["lost_units"].sum()) if len(spells) else 0.0,
        "lost_sales": float(spells["lost_sales"].sum()) if len(spells) else 0.0})


def judge_forecast(forecast: pd.DataFrame, confidence: float) -> Finding:
    """How far the forecasts can be trusted: median back-test WAPE and interval coverage."""
    if forecast.empty:
        return not_enough_data("planning.forecast", "shop", products=0)
    return Finding("planning.forecast", "shop", "summary", {
        "products": int(len(forecast)), "wape": float(forecast["backtest_wape"].median()),
        "coverage": float(forecast["backtest_coverage"].mean())}, confidence=confidence)


def judge_replenishment(points: pd.DataFrame, plan: pd.DataFrame | None) -> Finding:
    """Products to order now, and the campaign plan's late orders."""
    return Finding("planning.replenish", "shop", "order" if points["order_now"].any() else "hold", {
        "order_now": int(points["order_now"].sum()), "order_value": float(points["order_value"].sum()),
        "campaign_units": float(plan["quantity"].sum()) if plan is not None else float("nan"),
        "late": int(plan["late"].sum()) if plan is not None else 0})


def judge_target(decomposition: pd.DataFrame, rule: str = "planning.target") -> Finding:
    """The source (or key product, ``rule`` "planning.target_product") with the largest visitor
    gap, and the growth the target asks for."""
    gap = decomposition["visitor_gap"]
    if rule == "planning.target_product":  # the rest of the range is no product to act on
        gap = gap.drop(index="other", errors="ignore")
    top = str(gap.idxmax())
    growth = decomposition["target"].sum() / decomposition["base_gmv"].sum() - 1
    return Finding(rule, top, "gap" if gap.max() > 0 else "within_reach", {
        "visitor_gap": float(gap.max()), "growth": float(growth),
        "budget": float(decomposition["budget"].sum(skipna=True))})


def judge_pace(summary: dict, target: float) -> Finding:
    """On track or behind: the projected end against the target."""
    verdict = "on_track" if summary["projected"] >= target else "behind"
    return Finding("planning.pace", "month", verdict, {**summary, "target": target})


def judge_plans(curves: pd.DataFrame, break_even: float) -> list[Finding]:
    """Per plan: scale when the whole marginal-ROI interval is above break-even, cut when below."""
    out = []
    for plan, row in curves.iterrows():
        verdict = ("scale" if row["marginal_low"] > break_even else
                   "cut" if row["marginal_high"] < break_even else "keep")
        out.append(Finding("planning.budget", str(plan), verdict, {
            "marginal": float(row["marginal_now"]), "low": float(row["marginal_low"]),
            "high": float(row["marginal_high"]), "break_even_roi": break_even}, confidence=0.9))
    return out


def judge_readiness(ready: pd.DataFrame) -> Finding:
    """How many products can apply, and the check most of the others fail."""
    failed = ready["reasons"].explode().dropna()
    return Finding("planning.readiness", "shop", "summary", {
        "products": int(len(ready)), "ready": int(ready["ready"].sum()),
        "top_reason": str(failed.value_counts().index[0]) if len(failed) else ""})
