"""Findings: advice as data first, sentences second.

A rule looks at the numbers and returns a :class:`Finding` (what it says, the numbers behind
it, how sure it is, which rule said it); an area's views render findings into sentences per
language. Rules are tested on the data they return, not on prose, and the two languages
cannot drift. Below its minimum sample a rule says so (:data:`NOT_ENOUGH_DATA`) instead of
advising.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Finding:
    """What one rule concluded about one subject.

    Attributes
    ----------
    rule : the rule's name, ``"<area>.<rule>"`` (e.g. ``"ads.cut_plan"``).
    subject : what the finding is about: a plan, a product, a campaign ...
    verdict : the rule's conclusion (``"cut"``, ``"scale"``, ``"keep"``, ...), or
        :data:`NOT_ENOUGH_DATA`.
    evidence : the numbers behind it (``{"roi": 0.51, "roi_low": 0.38, "orders": 214}``).
    confidence : the probability or interval level behind the verdict, when there is one.
    """

    rule: str
    subject: str
    verdict: str
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None

    @property
    def enough_data(self) -> bool:
        return self.verdict != NOT_ENOUGH_DATA


def not_enough_data(rule: str, subject: str, **evidence: Any) -> Finding:
    """The finding of a rule whose minimum sample was not reached (its counts in ``evidence``)."""
    return Finding(rule, subject, NOT_ENOUGH_DATA, dict(evidence))
