"""Inputs of the customers views built by hand, and a check that a text is wholly in its language."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.areas.customers.rfm import SEGMENTS

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Acronyms, model and file-format names a Chinese report may show as they are.
LATIN_OK = {"RFM", "BG", "NBD", "Gamma", "CRM", "ID", "CSV", "XLSX", "UTF", "BOM", "Excel", "JupyterLab",
            "HTML", "UV", "GMV", "SKU", "DSR", "VIP"}


def latin_words(text: str) -> list[str]:
    """Words of Latin letters in a Chinese text, leaving out `code`, acronyms and single letters."""
    text = re.sub(r"`[^`]*`", "", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in LATIN_OK]


def segments_frame() -> pd.DataFrame:
    """A summarize_segments table of 100 customers."""
    customers = np.array([10, 5, 8, 12, 15, 20, 10, 20])
    sales = customers * np.array([700, 350, 600, 340, 140, 100, 130, 90], dtype=float)
    return pd.DataFrame({"customers": customers, "share": customers / customers.sum(), "sales": sales,
                         "share_of_sales": sales / sales.sum(), "recency_days": 90.0, "frequency": 2.0,
                         "monetary": sales / customers}, index=list(SEGMENTS))


def recall_frame() -> pd.DataFrame:
    """A recall list of four customers, one per action, one of them held out."""
    frame = pd.DataFrame({
        "segment": ["important_value", "important_keep", "important_value", "important_retain"],
        "sales": [900.0, 800.0, 700.0, 600.0], "purchases": [5, 4, 3, 2],
        "last_purchase": pd.to_datetime(["2026-03-01", "2026-01-02", "2026-02-01", "2025-12-01"]),
        "days_since_last": [30.0, 88.0, 58.0, 120.0], "usual_gap_days": [10.0, 20.0, 30.0, 40.0],
        "overdue_days": [15.0, 58.0, 13.0, 60.0], "p_alive": [0.8, 0.6, 0.3, 0.1],
        "p_alive_change": [-0.2, -0.01, -0.05, -0.02], "expected_purchases": [1.0, 0.5, 0.2, 0.05],
        "expected_value": [300.0, 120.0, 50.0, 10.0], "why_listed": ["falling", "overdue", "overdue", "overdue"],
        "action": ["vip_care", "remind", "save", "winback"], "recall_expected_return": [15.0, 6.0, 2.5, 0.5],
        "recall_contact_cost": 0.05, "recall_holdout": [False, False, True, False]},
        index=pd.Index(["c001", "c002", "c003", "c004"]))
    frame.attrs.update(min_p_alive=0.1, response_uplift=0.05, contact_cost=0.05, holdout_share=0.1, below_floor=3,
                       below_cost=1)
    return frame


def visible(html: str) -> str:
    """The text a reader sees in a table's HTML (no styles, no tags)."""
    import html as entities

    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return entities.unescape(re.sub(r"<[^>]+>", " ", text))
