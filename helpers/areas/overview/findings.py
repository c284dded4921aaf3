"""Overview findings: whether the period's comparisons are like with like around campaigns.

Rule ``overview.campaign_phase``: when the period or the previous period overlaps a
campaign's warm-up (预热), event or aftermath (from ``campaigns`` and the platform calendar),
the change on the previous period is the campaign's rhythm, not an ordinary change; the
finding names the phases and carries the comparison with ordinary days (campaign and Spring
Festival days left out) and with last year's phases. :func:`helpers.areas.overview.views.
describe_campaigns` words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.findings import Finding

if TYPE_CHECKING:
    from helpers.areas.overview.calc import CampaignContext


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: r[k] for k in ("name", "phase", "first", "last", "days")} for _, r in frame.iterrows()]


def judge_campaign_phase(context: CampaignContext, kpis: pd.DataFrame) -> Finding:
    """Whether the period's comparison crosses campaign phases, with the like-for-like figures.

    Parameters
    ----------
    context : :func:`helpers.areas.overview.calc.read_campaigns` of the period.
    kpis : :func:`helpers.areas.overview.calc.compare_periods` of the period, with the
        ordinary baseline when ``context.baseline`` is set.

    Returns
    -------
    Finding with verdict "ordinary" (no phase in the period or the previous one) or
    "campaign"; subject the campaign names; evidence: phases, previous_phases,
    last_year_phases (records of name, phase, first, last, days), baseline ((first, last)
    or None), and sales, visitors, conversion_rate changes against the previous period
    (change_*), the baseline (vs_ordinary_*) and last year (yoy_*), relative.
    """
    names = list(dict.fromkeys([*context.phases["name"], *context.previous["name"]]))
    evidence: dict = {"phases": _records(context.phases), "previous_phases": _records(context.previous),
                      "last_year_phases": _records(context.last_year),
                      "baseline": (context.baseline.start, context.baseline.end) if context.baseline else None}
    for key in ("sales", "visitors", "conversion_rate"):
        for col, name in (("change", "change"), ("vs_ordinary", "vs_ordinary"), ("yoy", "yoy")):
            value = kpis.loc[key, col] if col in kpis and key in kpis.index else float("nan")
            evidence[f"{name}_{key}"] = float(value)
    return Finding("overview.campaign_phase", "、".join(names), "campaign" if names else "ordinary", evidence)
