"""Both counterfactual models side by side: where their estimates part, and whether they rank
the shop's campaigns alike.

One model's answer is a guess about what the shop would have sold; when the regression and
the structural model (:mod:`helpers.areas.campaigns.model`) disagree beyond their intervals,
the report states the disagreement instead of either answer.

口径 used here
--------------
- **Apart**: a phase's effect intervals (yuan) of the two models do not overlap
  (regression low > structural high, or the reverse).
- **Read differently**: the intervals overlap but a verdict drawn from them differs (the
  event's lift, a dip before or after the event).
- **Ranking**: campaigns ordered by campaign ROI (:func:`helpers.areas.campaigns.profit.campaign_roi`)
  under each model, each computed as in its own postmortem
  (:func:`~helpers.areas.campaigns.comparison.compare_campaigns`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.areas.campaigns import findings as rules
from helpers.areas.campaigns.campaign import MODELS, Campaign, Windows
from helpers.areas.campaigns.comparison import compare_campaigns
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.uplift import Impact, estimate_uplift, summarize_pull_forward
from helpers.core.findings import Finding, not_enough_data

MODEL_PHASES = ("warmup", "event", "post_dip", "post", "window")
FIGURES = ("effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high", "p_real", "days")


@dataclass
class ModelComparison:
    """The two models' estimates of one campaign (see :func:`compare_models`).

    ``table`` is indexed by phase (:data:`MODEL_PHASES` present in both) with, per model,
    ``<model>_<figure>`` for the figures of :data:`FIGURES` and ``apart`` (bool).
    """

    campaign: Campaign
    table: pd.DataFrame
    impacts: dict[str, Impact]
    pulls: dict[str, pd.DataFrame]


def compare_models(frames: Frames, campaign: Campaign, windows: Windows, impact: Impact | None = None,
                   confidence: float = 0.95) -> ModelComparison:
    """Estimate the campaign with every model of :data:`~helpers.areas.campaigns.campaign.MODELS`
    (reusing ``impact`` for its own model) and put the phases' effects side by side.

    Returns
    -------
    ModelComparison; its table is empty when either model could not estimate.
    """
    impacts = {impact.model: impact} if impact is not None else {}
    for m in MODELS:
        if m not in impacts:
            impacts[m] = estimate_uplift(frames, campaign, windows, model=m, confidence=confidence)
    pulls = {m: summarize_pull_forward(i) for m, i in impacts.items()}
    if not all(i.ok for i in impacts.values()):
        return ModelComparison(campaign, pd.DataFrame(), impacts, pulls)
    phases = [p for p in MODEL_PHASES if all(p in pulls[m].index for m in MODELS)]
    table = pd.DataFrame(index=pd.Index(phases, name="phase"))
    for m in MODELS:
        for f in FIGURES:
            table[f"{m}_{f}"] = pulls[m].loc[phases, f].astype(float) if f in pulls[m].columns else float("nan")
    a, b = MODELS
    table["apart"] = ((table[f"{a}_effect_low"] > table[f"{b}_effect_high"])
                      | (table[f"{b}_effect_low"] > table[f"{a}_effect_high"]))
    return ModelComparison(campaign, table, impacts, pulls)


def judge_models(cmp: ModelComparison) -> Finding:
    """Do the two models tell the same story? Rule ``campaigns.models``.

    Verdicts: ``disagree`` (some phase's intervals are apart), ``read_differently`` (the
    intervals overlap but the event-lift or a dip verdict differs), ``agree``;
    ``not_enough_data`` when a model could not estimate. Evidence: ``apart`` and
    ``differ`` (phase names) and, per model, the event's and window's effect with intervals.
    """
    cid = cmp.campaign.campaign_id
    if cmp.table.empty:
        return not_enough_data("campaigns.models", cid)
    t = cmp.table
    apart = [p for p in t.index if bool(t.loc[p, "apart"])]
    readings = {m: {"event": rules.judge_event_lift(cmp.impacts[m]).verdict,
                    **{ph: d.verdict for ph in ("warmup", "post")
                       if (d := rules.judge_dip(cmp.pulls[m], ph, cid)) is not None}}
                for m in MODELS}
    a, b = MODELS
    differ = [k for k in readings[a] if readings[a][k] != readings[b].get(k)]
    evidence = {"apart": apart, "differ": differ, "readings": readings}
    for m in MODELS:
        for p in ("event", "post_dip", "window"):
            if p in t.index:
                evidence[f"{m}_{p}"] = tuple(float(t.loc[p, f"{m}_{f}"]) for f in ("effect", "effect_low", "effect_high"))
                evidence[f"{m}_{p}_relative"] = float(t.loc[p, f"{m}_relative"])
    verdict = "disagree" if apart else ("read_differently" if differ else "agree")
    return Finding("campaigns.models", cid, verdict, evidence)


def compare_rankings(frames: Frames, campaign: Campaign, tables: dict[str, pd.DataFrame] | None = None, *,
                     pre_days: int = 56, post_days: int = 14, confidence: float = 0.95) -> pd.DataFrame:
    """Every campaign's ROI and rank under each model (the tables of
    :func:`~helpers.areas.campaigns.comparison.compare_campaigns` given are reused).

    Returns
    -------
    Frame indexed by campaign_id with role, name, and per model ``roi_<model>`` (net,
    a ratio), ``profit_<model>`` (yuan) and ``rank_<model>`` (1 = best ROI; NaN without an
    estimate).
    """
    tables = dict(tables or {})
    for m in MODELS:
        if m not in tables:
            tables[m] = compare_campaigns(frames, campaign, pre_days=pre_days, post_days=post_days, model=m,
                                          confidence=confidence)
    first = tables[MODELS[0]]
    out = first[["role", "name"]].copy()
    for m in MODELS:
        t = tables[m].reindex(out.index)
        out[f"roi_{m}"] = t["roi"].astype(float)
        out[f"profit_{m}"] = t["profit"].astype(float)
        out[f"rank_{m}"] = out[f"roi_{m}"].rank(ascending=False, method="min")
    return out


def judge_ranking(ranks: pd.DataFrame, campaign_id: str) -> Finding:
    """Do the two models rank this campaign, and the best campaign, alike? Rule
    ``campaigns.ranking``: ``same_rank`` / ``rank_differs``; ``not_enough_data`` when fewer
    than two campaigns have an ROI under both models or this one has none."""
    both = ranks.dropna(subset=[f"roi_{m}" for m in MODELS])
    if len(both) < 2 or campaign_id not in both.index:
        return not_enough_data("campaigns.ranking", campaign_id, campaigns=len(both))
    evidence = {"campaigns": len(both)}
    for m in MODELS:
        r = both[f"roi_{m}"].rank(ascending=False, method="min")
        evidence[f"rank_{m}"] = int(r[campaign_id])
        evidence[f"roi_{m}"] = float(both.loc[campaign_id, f"roi_{m}"])
        best = both[f"roi_{m}"].idxmax()
        evidence[f"best_{m}"] = str(both.loc[best, "name"])
    a, b = MODELS
    same = evidence[f"rank_{a}"] == evidence[f"rank_{b}"] and evidence[f"best_{a}"] == evidence[f"best_{b}"]
    return Finding("campaigns.ranking", campaign_id, "same_rank" if same else "rank_differs", evidence)
