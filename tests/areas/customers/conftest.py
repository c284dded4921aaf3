"""Shared set-up of the customers tests: a hand-built shop with known answers, the sample shop's
customers, and customers simulated from known BG/NBD parameters."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.areas.customers.models import simulate_bgnbd
from helpers.areas.customers.purchases import summarize_customers
from helpers.core.notes import quiet
from helpers.core.params import check_params
from helpers.core.shop import connect
from tests.areas.customers.shops import SAMPLE, make_shop


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    """A: 2 orders on Jan 5 and one on Feb 4; B: 1 order of 2 lines; C: 1 order; D: refunded in full.

    Shared by the tests (connected once): they only read it."""
    lines = [
        ("o1", "A", "2026-01-05 10:00:00", 100.0, "p1", "搜索"),
        ("o2", "A", "2026-01-05 18:00:00", 50.0, "p2", "直通车"),
        ("o3", "A", "2026-02-04 09:00:00", 80.0, "p1", "购物车"),
        ("o4", "B", "2026-03-01 12:00:00", 30.0, "p1", "搜索"),
        ("o4", "B", "2026-03-01 12:00:00", 70.0, "p2", "搜索"),
        ("o5", "C", "2026-03-30 08:00:00", 20.0, "p2", "直通车"),
        ("o6", "D", "2026-02-10 08:00:00", 60.0, "p1", "搜索"),
    ]
    refunds = [
        ("o6", "p1", "2026-02-15 10:00:00", 60.0, 1, "不想要了"),  # D: refunded in full
        ("o3", "p1", "2026-02-10 10:00:00", 500.0, 1, "质量问题"),  # more than paid: capped at the line
    ]
    return make_shop(tmp_path_factory.mktemp("small"), lines, refunds)


@pytest.fixture(scope="session")
def customers_sample():
    """(shop, whole period, per-customer summary) of the sample shop, computed once."""
    shop = connect(SAMPLE)
    with quiet():
        period = check_params(shop, default="all").period
    return shop, period, summarize_customers(shop, period)


@pytest.fixture(scope="session")
def simulated():
    """20,000 customers simulated from known BG/NBD and Gamma-Gamma parameters (days, yuan)."""
    truth = (0.6, 40.0, 1.5, 3.5)
    rng = np.random.default_rng(3)
    sim = simulate_bgnbd(20_000, truth, rng.uniform(100, 400, 20_000), seed=11, spend=(4.0, 6.0, 300.0))
    return truth, sim


@pytest.fixture(scope="session")
def recall_sample(customers_sample):
    """(summary, scored RFM, lifetime, recall list) of the sample shop, computed once."""
    from helpers.areas.customers.findings import build_recall_list
    from helpers.areas.customers.lifetime import score_lifetime
    from helpers.areas.customers.rfm import score_rfm, split_rfm

    _, _, summary = customers_sample
    scored = score_rfm(summary, split_rfm(summary))
    with quiet():
        life = score_lifetime(summary, 90)
    return summary, scored, life, build_recall_list(scored, life, summary)
