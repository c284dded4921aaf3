"""The campaign's true uplift per phase, and the sales it pulled forward from the days around it.

:func:`estimate_uplift` fits the counterfactual (:mod:`helpers.areas.campaigns.model`) with
the controls that pass :func:`~helpers.areas.campaigns.controls.build_controls` and sums
actual and counterfactual sales per phase; :func:`summarize_pull_forward` reads the dips.

口径 used here
--------------
- **Effect** of a phase = actual sales - counterfactual sales (yuan), with the interval and
  probability of :func:`~helpers.areas.campaigns.model.summarize_effect`; the **window**
  row is the net effect over warm-up, event and post-period.
- **Pull-forward** (透支): the effect of the warm-up (buyers waiting for the event) and of
  the post-period (buyers who stocked up); **pull-forward share** = -(warm-up effect + post
  effect) / event effect, with its interval from the same draws.
- **Post-event dip** (活动后回落), read on the days it lasts: buyers who stocked up come back
  within days, so a dip averaged over the whole post-period is diluted by the days after it
  ended. For each k = 1 .. post days, P_k = the share of draws whose counterfactual over the
  first k post days exceeds what was sold; the dip's days k* maximise P_k (ties: the bigger
  loss). Picking k* from the data is corrected for: its probability is 1 - the share of
  pseudo-actuals (counterfactual draws standing in for the sales, :data:`DIP_NULL_DRAWS`
  of them) whose own best P_k reaches the observed one (a max-statistic test), so a shop
  without a dip is called one no more often than 1 - the probability asked.
- No estimate when the campaign has no day in the data or the baseline has fewer than
  :data:`~helpers.areas.campaigns.campaign.MIN_PRE_DAYS` clean days: the figures are NaN
  and a finding (``not_enough_data``) says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import (
    MIN_PRE_DAYS,
    SHORT_PRE_DAYS,
    WINDOW_RULE,
    Campaign,
    Windows,
    campaign_names,
    clean_pre_days,
    find_overlaps,
)
from helpers.areas.campaigns.controls import CONTROL_COLUMNS, build_controls
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.model import (
    N_DRAWS,
    SEED,
    Counterfactual,
    fit_counterfactual,
    quantiles,
    summarize_effect,
)
from helpers.core.findings import Finding, not_enough_data
from helpers.core.notes import caught, note

DIP_NULL_DRAWS = 500  # pseudo-actual draws of the max-statistic test of the post-event dip
PHASE_COLUMNS = ["start", "end", "days", "actual", "predicted", "predicted_low", "predicted_high",
                 "effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
                 "p_real"]


@dataclass
class Impact:
    """The counterfactual estimate of one campaign (see :func:`estimate_uplift`).

    ``ok`` is False when no estimate could be made; ``issues`` (findings) then say why.
    ``phases`` is indexed by warmup / event / post / window (see
    :func:`~helpers.areas.campaigns.model.summarize_effect` for its columns); ``daily`` has,
    per day from the pre-period to the window's end: phase, actual, predicted, low, high,
    effect, effect_low, effect_high and, inside the window, cum_effect, cum_low, cum_high.
    """

    campaign: Campaign
    windows: Windows
    model: str
    confidence: float
    ok: bool
    issues: list[Finding]
    daily: pd.DataFrame
    phases: pd.DataFrame
    controls: pd.DataFrame
    overlaps: pd.DataFrame
    fit_days: int = 0
    fit_error: float = float("nan")
    phase_draws: dict[str, np.ndarray] = field(default_factory=dict)  # cf draws of each phase's total
    post_draws: np.ndarray | None = None  # cf draws of each post-event day (days x draws)

    def value(self, phase: str, column: str) -> float:
        """One figure of ``phases``; NaN when the phase is absent or nothing was estimated."""
        if phase in self.phases.index and column in self.phases.columns:
            return float(self.phases.loc[phase, column])
        return float("nan")


def _phase_frame(windows: Windows) -> pd.DataFrame:
    rows = {}
    for name, period in {**windows.phases(), "window": windows.window}.items():
        if period is not None:
            rows[name] = {"start": period.start, "end": period.end, "days": period.days}
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=PHASE_COLUMNS)


def _fit_noting_campaign(campaign: Campaign, *args, **kwargs) -> Counterfactual:
    """:func:`fit_counterfactual`, its notes naming the campaign (for the caller of estimate_uplift)."""
    with caught() as found:
        cf = fit_counterfactual(*args, **kwargs)
    for n in found:
        note(f"活动 {campaign.campaign_id}：{n.zh}", f"campaign {campaign.campaign_id}: {n.en}", stacklevel=3)
    return cf


def estimate_uplift(frames: Frames, campaign: Campaign, windows: Windows, *,
                    model: str = "regression", confidence: float = 0.95, n_draws: int = N_DRAWS,
                    seed: int = SEED) -> Impact:
    """What the shop would have sold without the campaign, and the effect of each phase.

    The model (``model``, see :mod:`helpers.areas.campaigns.model`) is fitted on the clean
    pre-period days, with the controls that pass
    :func:`~helpers.areas.campaigns.controls.build_controls`, and projected over the window.

    Returns
    -------
    Impact. Its ``issues`` add to the windows' the overlapping campaigns (verdict
    ``overlap``), a short baseline (``few_clean_days``) or no estimate (``ok`` False,
    figures NaN, a ``not_enough_data`` finding) when the pre-period has fewer than
    :data:`~helpers.areas.campaigns.campaign.MIN_PRE_DAYS` clean days.
    """
    issues = list(windows.issues)
    overlaps = find_overlaps(frames.campaigns, campaign, windows.post_days)
    if len(overlaps):
        issues.append(Finding(WINDOW_RULE, campaign.campaign_id, "overlap",
                              {"campaigns": campaign_names(frames.campaigns, list(overlaps["campaign_id"]))}))
    observed = _phase_frame(windows)
    for name, row in observed.iterrows():  # what was sold is known even without a model
        observed.loc[name, "actual"] = float(frames.daily.loc[row["start"]:row["end"], "sales"].sum())
    empty = Impact(campaign=campaign, windows=windows, model=model, confidence=confidence, ok=False,
                   issues=issues, daily=pd.DataFrame(), phases=observed,
                   controls=pd.DataFrame(columns=CONTROL_COLUMNS), overlaps=overlaps)
    if windows.event is None:
        return empty
    train = clean_pre_days(windows)
    n_clean = int(train.sum()) if len(train) else 0
    if n_clean < MIN_PRE_DAYS:
        issues.append(not_enough_data(WINDOW_RULE, campaign.campaign_id, clean_days=n_clean,
                                      needed=MIN_PRE_DAYS))
        return empty
    if n_clean < SHORT_PRE_DAYS:
        issues.append(Finding(WINDOW_RULE, campaign.campaign_id, "few_clean_days",
                              {"clean_days": n_clean, "advised": SHORT_PRE_DAYS}))
    dates = train.index
    sales = frames.daily["sales"].reindex(dates).fillna(0.0)
    controls, control_table, train = build_controls(frames, campaign, windows, train, confidence)
    cf = _fit_noting_campaign(campaign, sales, train, controls, model=model, n_draws=n_draws, seed=seed)
    frame = _phase_frame(windows)
    phase_draws, rows = {}, {}
    for name in frame.index:
        period = windows.window if name == "window" else windows.phases()[name]
        days = (dates >= period.start) & (dates <= period.end)
        phase_draws[name] = cf.draws[days].sum(axis=0)
        rows[name] = {**frame.loc[name, ["start", "end", "days"]].to_dict(),
                      **summarize_effect(float(sales[days].sum()), phase_draws[name], confidence)}
    phases = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=PHASE_COLUMNS)
    window = (dates >= windows.window.start) & (dates <= windows.window.end)
    daily = _daily_effects(sales, cf, window, windows, confidence)
    post = ((dates >= windows.post.start) & (dates <= windows.post.end)) if windows.post is not None else None
    return Impact(campaign=campaign, windows=windows, model=model, confidence=confidence, ok=True,
                  issues=issues, daily=daily, phases=phases, controls=control_table,
                  overlaps=overlaps, fit_days=int(train.sum()), fit_error=cf.fit_error,
                  phase_draws=phase_draws, post_draws=None if post is None else cf.draws[post])


def _daily_effects(sales: pd.Series, cf: Counterfactual, window: np.ndarray, windows: Windows,
                   confidence: float) -> pd.DataFrame:
    lo, hi = quantiles(cf.draws, confidence, axis=1)
    daily = pd.DataFrame({"actual": sales.to_numpy(), "predicted": cf.mean, "low": lo, "high": hi},
                         index=sales.index)
    daily.index.name = "date"
    phase = pd.Series("pre", index=sales.index, dtype=object)
    for name, period in windows.phases().items():
        phase[(sales.index >= period.start) & (sales.index <= period.end)] = name
    daily.insert(0, "phase", phase)
    daily["effect"] = daily["actual"] - daily["predicted"]
    daily["effect_low"] = daily["actual"] - daily["high"]
    daily["effect_high"] = daily["actual"] - daily["low"]
    cum = np.cumsum(sales.to_numpy()[window][:, None] - cf.draws[window], axis=0)
    c_lo, c_hi = quantiles(cum, confidence, axis=1)
    for col, values in (("cum_effect", cum.mean(axis=1)), ("cum_low", c_lo), ("cum_high", c_hi)):
        daily[col] = np.nan
        daily.loc[window, col] = values
    return daily


def find_post_dip(actual: np.ndarray, cf_draws: np.ndarray, confidence: float = 0.95,
                  seed: int = SEED) -> dict[str, float]:
    """The dip after the event, over the leading post days where it is clearest.

    Formula: with A_k = sales of the first k post days and D_k their counterfactual draws,
    P_k = mean(D_k > A_k); the dip's days k* = argmax P_k (ties: the most negative
    A_k - mean D_k). Its probability corrects for choosing k*: p_real = 1 - (1 + #{j:
    max_k P_k(draw j) >= max_k P_k}) / (1 + m), where draw j of the m =
    :data:`DIP_NULL_DRAWS` pseudo-actuals takes the place of the sales (ranks among the
    draws). Effect, relative and intervals are those of
    :func:`~helpers.areas.campaigns.model.summarize_effect` over the k* days.

    Parameters
    ----------
    actual : daily sales of the post days (yuan), in order.
    cf_draws : counterfactual draws of the same days (days x draws, yuan).

    Returns
    -------
    dict with days (k*), the summarize_effect figures over them (p_real replaced by the
    corrected probability that sales fell) and p_best (P_k* before the correction).
    """
    cum_a = np.cumsum(np.asarray(actual, dtype=float))
    cum_d = np.cumsum(cf_draws, axis=0)
    n = cum_d.shape[1]
    p_k = (cum_d > cum_a[:, None]).mean(axis=1)
    loss = cum_a - cum_d.mean(axis=1)
    best = np.flatnonzero(p_k >= p_k.max() - 1e-12)
    k = int(best[np.argmin(loss[best])])
    rng = np.random.default_rng(seed)
    pseudo = rng.choice(n, size=min(DIP_NULL_DRAWS, n), replace=False)
    ranks = cum_d.argsort(axis=1).argsort(axis=1)  # 0 = lowest draw of that day count
    null_best = ((n - 1 - ranks[:, pseudo]) / n).max(axis=0)  # share of draws above each pseudo-actual
    p_adj = (1 + np.sum(null_best >= p_k[k])) / (1 + len(pseudo))
    out = summarize_effect(float(cum_a[k]), cum_d[k], confidence)
    return {**out, "days": float(k + 1), "p_real": float(1 - p_adj), "p_best": float(p_k[k])}


def summarize_pull_forward(impact: Impact) -> pd.DataFrame:
    """Dip before and after the event, and the net effect over the whole window.

    Formula: pull-forward share = -(warm-up effect + post effect) / event effect, a fraction
    of the event's gain; its interval is the quantiles of the same ratio over the draws
    with a positive event gain, its ``p_real`` the share of draws where the warm-up and post
    together lost sales.

    Returns
    -------
    Frame indexed by warmup / event / post / window with effect (yuan), its interval,
    relative (fraction) and p_real, a row ``post_dip`` (:func:`find_post_dip`: the dip over
    its leading ``days``, probability corrected for choosing them) when there are post days,
    and a row ``pull_forward_share`` with the share and its interval in effect /
    effect_low / effect_high (NaN, with a note, when the event added nothing). Empty
    figures (NaN) without an estimate.
    """
    cols = ["effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
            "p_real", "days"]
    table = impact.phases.reindex(columns=cols).copy()
    if impact.ok and impact.post_draws is not None and len(impact.post_draws):
        actual = impact.daily.loc[impact.daily["phase"] == "post", "actual"].to_numpy()
        dip = find_post_dip(actual, impact.post_draws, impact.confidence)
        table.loc["post_dip"] = [dip[c] for c in cols]
    share = pd.Series(np.nan, index=cols, name="pull_forward_share")
    event = impact.phase_draws.get("event")
    if impact.ok and event is not None:
        act = {k: impact.value(k, "actual") for k in impact.phase_draws}
        eff = {k: act[k] - d for k, d in impact.phase_draws.items()}
        give_back = sum(eff[k] for k in ("warmup", "post") if k in eff)
        if not isinstance(give_back, np.ndarray):  # neither warm-up nor post-period
            give_back = np.zeros_like(event)
        gain = eff["event"]
        point_gain = impact.value("event", "effect")
        point_back = sum(impact.value(k, "effect") for k in ("warmup", "post") if k in eff)
        if point_gain > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                draws = np.where(gain > 0, -give_back / gain, np.nan)
            lo, hi = quantiles(draws[np.isfinite(draws)], impact.confidence)
            share[["effect", "effect_low", "effect_high"]] = [-point_back / point_gain, lo, hi]
            share["p_real"] = float(np.mean(give_back < 0))
        else:
            cid = impact.campaign.campaign_id
            note(f"{cid} 的透支比例：活动期没有带来增量（增量 <= 0），比例无定义 → —",
                 f"pull-forward share of {cid}: the event added no sales (effect <= 0), so the share "
                 "is not defined -> NaN")
    table.loc["pull_forward_share"] = share
    return table
