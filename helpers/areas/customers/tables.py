"""The tables of the customers report, each through :func:`helpers.present.tables.style_table`.

Column names are label keys (translated by the styler); generated index values (segment
names, actions, the rows of the hold-out check) are labels in the report's language.
Customer ids are masked here: a report never shows a real id.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.customers.cohorts import pivot_cohorts
from helpers.areas.customers.recall import mask_ids
from helpers.areas.customers.repurchase import OTHER
from helpers.areas.customers.rfm import segment_label
from helpers.areas.customers.sentences import action_name
from helpers.core.metrics import METRICS
from helpers.i18n import is_zh, label
from helpers.present.format import DASH
from helpers.present.tables import style_table

if TYPE_CHECKING:
    from helpers.areas.customers.lifetime import Holdout
    from helpers.areas.customers.models import ModelFit

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _sig(value: Any) -> str:
    return DASH if value is None or not np.isfinite(value) else f"{value:.4g}"


def formula(key: str, lang: str) -> str:
    """A metric's formula in one language: the registry writes ``中文 (English)``."""
    text = METRICS[key].formula
    for match in re.finditer(r" \(", text):
        rest = text[match.end():]
        if rest.endswith(")") and not _CJK.search(rest):
            return text[:match.start()] if is_zh(lang) else rest[:-1]
    return text


def segments_table(segments: pd.DataFrame, lang: str):
    """The :func:`.rfm.summarize_segments` table for reading (segment names in ``lang``)."""
    shown = segments.copy()
    shown.index = [segment_label(k, lang) for k in shown.index]
    return style_table(shown, {"customers": "count", "share": "pct", "sales": "yuan", "share_of_sales": "pct",
                               "recency_days": "count", "frequency": "ratio", "monetary": "yuan"}, lang)


def repurchase_table(table: pd.DataFrame, lang: str):
    """The :func:`.repurchase.compare_repurchase` table for reading: each rate with its counts,
    window and definition (N named as its days)."""
    names, windows = [], []
    for key, row in table.iterrows():
        name, window = label(key, lang), row["window"]
        if key == "repurchase_within_days":
            name = name.replace("N日", f"{row['days']}日").replace("N-day", f"{row['days']}-day")
            window = f"N = {row['days']}; {label('first_purchase', lang)} {window}"
        names.append(name)
        windows.append(window)
    shown = pd.DataFrame({"rate": table["rate"].to_numpy(), "numerator": table["numerator"].to_numpy(),
                          "denominator": table["denominator"].to_numpy(), "window": windows,
                          "definition": [formula(k, lang) for k in table.index]}, index=names)
    return style_table(shown, {"rate": "pct", "numerator": "count", "denominator": "count"}, lang)


def repurchase_by_table(table: pd.DataFrame, lang: str):
    """A :func:`.repurchase.repurchase_by` table for reading (the pooled row named in ``lang``)."""
    shown = table.rename(index={OTHER: label("other", lang)})
    return style_table(shown, {"customers": "count", "repeat_customers": "count", "rate": "pct",
                               "low": "pct", "high": "pct"}, lang)


def cohort_table(cohorts: pd.DataFrame, value: str, lang: str, max_age: int = 12):
    """Cohorts (rows) by months since the first purchase (columns), with cohort sizes;
    ``value`` is "retention" or "cumulative_sales_per_customer"."""
    table = pivot_cohorts(cohorts, value)
    table = table[[c for c in table.columns if c <= max_age]]
    sizes = cohorts.groupby("cohort")["cohort_customers"].first()
    sizes.index = [f"{d:%Y-%m}" for d in sizes.index]
    table.insert(0, "cohort_customers", sizes.reindex(table.index))
    kind = "pct" if value == "retention" else "yuan"
    formats = {c: kind for c in table.columns if isinstance(c, int)}
    formats["cohort_customers"] = "count"
    return style_table(table, formats, lang)


def fit_table(fit: ModelFit | None, lang: str):
    """Estimates, standard errors and 95% intervals of a fit (an empty table without a fit)."""
    table = fit.table() if fit is not None else pd.DataFrame(columns=["estimate", "se", "low", "high"])
    table.index.name = f"{fit.model} (n = {fit.n:,})" if fit is not None else None
    return style_table(table, {c: _sig for c in ("estimate", "se", "low", "high")}, lang)


def holdout_tables(check: Holdout, lang: str):
    """(aggregate, by calibration frequency) tables of a :func:`.lifetime.check_holdout`, for reading."""
    agg = check.aggregate.rename(index={k: label(k, lang) for k in check.aggregate.index})
    by = check.by_frequency.copy()
    return (style_table(agg, {"predicted": "ratio", "actual": "ratio", "error": "signed_pct"}, lang,
                        index_label="item"),
            style_table(by, {"customers": "count", "predicted": "ratio", "actual": "ratio"}, lang,
                        index_label="calibration_repeat_purchases"))


def recall_table(recall: pd.DataFrame, salt: str, lang: str, n: int = 20):
    """The top ``n`` of the recall list with masked ids, for the report (never real ids)."""
    top = recall.head(n).copy()
    top.index = mask_ids(top.index, salt)
    top["segment"] = [segment_label(k, lang) for k in top["segment"]]
    top["why_listed"] = [label(f"recall_reason_{k}", lang) for k in top["why_listed"]]
    top["action"] = [action_name(k, lang) for k in top["action"]]
    top["last_purchase"] = pd.to_datetime(top["last_purchase"]).dt.strftime("%Y-%m-%d")
    top["recall_holdout"] = [label("recall_group_holdout" if h else "recall_group_contact", lang)
                             for h in top["recall_holdout"]]
    return style_table(top, {"sales": "yuan", "purchases": "count", "days_since_last": "count",
                             "usual_gap_days": "count", "p_alive": "pct", "expected_value": "yuan",
                             "recall_expected_return": "yuan"}, lang,
                       columns=["segment", "sales", "purchases", "last_purchase", "days_since_last",
                                "usual_gap_days", "p_alive", "expected_value", "recall_expected_return",
                                "why_listed", "action", "recall_holdout"],
                       index_label="customer_id")
