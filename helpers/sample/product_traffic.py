"""Traffic per product and source (生意参谋 商品效果 by source), with a 测款 test and known rates.

Each day of the last :data:`.live.WINDOW_DAYS` days, every source's visitors in ``traffic`` are
split over the products on sale (multinomial on demand weight x product-source affinity), so a
day's product visitors add up to the source's visitors exactly. Per (day, product, source):
favourites ~ Binomial(visitors, fav_rate), cart ~ Binomial(visitors, cart_rate) (independent of
each other), paid buyers ~ Binomial(visitors, source conversion of the day x the product's
conversion multiplier, normalised so the day's expected buyers equal the source's), and on a live
session day the live source's conversion is raised by the creator's incremental lift
(:mod:`.live`). Impressions (曝光量) follow from visitors and the product's true click-through
rate: impressions = visitors + Poisson(visitors x (1 - CTR) / CTR), the count of showings that
brought no visit when visits are a CTR-thinned Poisson stream of showings (own sub-stream, so the
other columns do not move). Planted: a 测款 test (the three newest listings get the same 直通车 visitors for
two weeks, with different true 收藏/加购 rates, CTR and conversion), two products whose traffic is
concentrated in 直通车 (an ad-dependent listing) and one with no 手淘搜索 traffic (a search gap).
Own stream (:data:`PRODUCT_TRAFFIC_STREAM`); the truth is ``product_traffic`` in ground_truth.json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import _dates, _day_index, _iso_date
from .live import CREATORS, LIVE_SOURCE, WINDOW_DAYS, _session_lift
from .specs import N_DAYS, SOURCES, UNPAID_RATIO
from .writers import _take

if TYPE_CHECKING:
    from .simulator import _Simulator

PRODUCT_TRAFFIC_STREAM = 43
TEST_START, TEST_DAYS = "2026-09-21", 14  # the 测款 window
TEST_SHARE = 0.1  # of the day's 直通车 visitors, given to each test listing
TEST_SOURCE = "直通车"
# True (favourite rate, cart rate, conversion multiplier) of the test listings, best first;
# assigned to the three newest listings in a random order.
TEST_RATES = ((0.07, 0.11, 1.3), (0.04, 0.07, 0.9), (0.025, 0.04, 0.6))
TEST_CTR = (0.055, 0.035, 0.02)  # true click-through rates of the test listings, in TEST_RATES' order
CTR_RANGE = (0.02, 0.06)  # true CTR of the other listings, uniform
CONCENTRATED_SOURCE = "直通车"
GAP_SOURCE = "手淘搜索"
EXTRA_UNITS = 0.15  # units per paid buyer above one
PAGES_PER_VISITOR = 1.5  # mean extra page views per visitor


def _test_products(products: dict) -> np.ndarray:
    """The three newest listings launched before the test starts, newest first."""
    start = _day_index(TEST_START)
    launched = np.nonzero(products["launch"] < start)[0]
    return launched[np.argsort(-products["launch"][launched], kind="stable")][:3]


def _click_through(seed: int, n_prod: int, tests: np.ndarray, order: np.ndarray) -> np.ndarray:
    """True click-through rate (visitors / impressions) per product; the test listings take
    :data:`TEST_CTR` in the order their other rates were dealt (own sub-stream)."""
    ctr = np.random.default_rng([seed, PRODUCT_TRAFFIC_STREAM, 2]).uniform(*CTR_RANGE, n_prod)
    for k, j in enumerate(tests):
        ctr[j] = TEST_CTR[order[k]]
    return ctr


def _product_traffic(seed: int, sim: _Simulator, schedule: dict[int, int]) -> tuple[dict, dict, dict]:
    """The ``product_traffic`` table, its truth and the expected incremental amount per session of
    each creator (yuan); ``schedule`` maps a session day to its creator (:func:`.live._schedule`)."""
    rng = np.random.default_rng([seed, PRODUCT_TRAFFIC_STREAM])
    d, products = sim.demand, sim.products
    names = [s.name for s in SOURCES]
    n_prod, n_src = len(products["id"]), len(SOURCES)
    fav = rng.uniform(0.03, 0.08, n_prod)
    cart = rng.uniform(0.04, 0.11, n_prod)
    mult = rng.lognormal(0.0, 0.35, n_prod)
    affinity = rng.lognormal(0.0, 0.5, (n_prod, n_src))
    tests = _test_products(products)
    order = rng.permutation(len(tests))
    for k, j in enumerate(tests):
        fav[j], cart[j], mult[j] = TEST_RATES[order[k]]
    others = np.setdiff1d(np.arange(n_prod), tests)
    mature = others[products["launch"][others] < N_DAYS - WINDOW_DAYS - 60]
    picks = rng.choice(mature, size=3, replace=False)
    concentrated, gap = picks[:2], picks[2:]
    affinity[concentrated] *= 0.05
    affinity[concentrated, names.index(CONCENTRATED_SOURCE)] *= 600.0
    affinity[gap, names.index(GAP_SOURCE)] = 0.0
    test_lo = _day_index(TEST_START)
    test_days = range(test_lo, test_lo + TEST_DAYS)
    live = names.index(LIVE_SOURCE)
    cells = {k: [] for k in ("day", "product", "source", "visitors", "views", "fav", "cart", "orders",
                             "paid", "cents")}
    expected_paid = np.zeros(n_prod)
    expected_cents = np.zeros(n_prod)
    visitors_total = np.zeros(n_prod)
    expected_by_creator = np.zeros(len(CREATORS))
    lift = _session_lift(schedule)
    for day in range(N_DAYS - WINDOW_DAYS, N_DAYS):
        weight = d.base_weight[day] * d.price_mult[day]
        vis_day = np.zeros((n_prod, n_src), dtype=np.int64)
        for s in range(n_src):
            total = int(sim.traffic["visitors"][day, s])
            w = weight * affinity[:, s]
            if s == names.index(TEST_SOURCE) and day in test_days:
                each = int(total * TEST_SHARE)
                vis_day[tests, s] = each
                total -= each * len(tests)
                w = w.copy()
                w[tests] = 0.0
            if total > 0 and w.sum() > 0:
                vis_day[:, s] += rng.multinomial(total, w / w.sum())
        share = vis_day / np.maximum(vis_day.sum(0), 1)
        norm = (share * mult[:, None]).sum(0)
        conv = d.conv[day][None, :] * mult[:, None] / np.where(norm > 0, norm, 1.0)[None, :]
        conv[:, live] *= lift[day]
        conv = np.minimum(conv, 0.9)
        p_idx, s_idx = np.nonzero(vis_day)
        v = vis_day[p_idx, s_idx]
        c = conv[p_idx, s_idx]
        paid = rng.binomial(v, c)
        unpaid = rng.binomial(v - paid, np.minimum(c * UNPAID_RATIO, 0.5))
        price = d.price[day][p_idx]
        units = paid + rng.poisson(paid * EXTRA_UNITS)
        cells["day"].append(np.full(len(v), day))
        cells["product"].append(p_idx)
        cells["source"].append(s_idx)
        cells["visitors"].append(v)
        cells["views"].append(v + rng.poisson(v * PAGES_PER_VISITOR))
        cells["fav"].append(rng.binomial(v, fav[p_idx]))
        cells["cart"].append(rng.binomial(v, cart[p_idx]))
        cells["orders"].append(paid + unpaid)
        cells["paid"].append(paid)
        cells["cents"].append(units * price)
        np.add.at(expected_paid, p_idx, v * c)
        np.add.at(expected_cents, p_idx, v * c * (1 + EXTRA_UNITS) * price)
        np.add.at(visitors_total, p_idx, v)
        k = schedule.get(day)
        if k is not None:
            at = s_idx == live
            base = c[at] / lift[day]
            expected_by_creator[k] += float((v[at] * (c[at] - base) * (1 + EXTRA_UNITS) * price[at]).sum())
    cols = {k: np.concatenate(v) for k, v in cells.items()}
    srt = np.lexsort((cols["source"], cols["product"], cols["day"]))
    cols = {k: v[srt] for k, v in cols.items()}
    ctr = _click_through(seed, n_prod, tests, order)
    seen_ctr = ctr[cols["product"]]
    impressions = cols["visitors"] + np.random.default_rng([seed, PRODUCT_TRAFFIC_STREAM, 1]).poisson(
        cols["visitors"] * (1 - seen_ctr) / seen_ctr)
    columns = {
        "date": _dates(cols["day"]),
        "product_id": _take(list(products["id"]), cols["product"]),
        "source": _take(names, cols["source"]),
        "visitors": pa.array(cols["visitors"], pa.int64()),
        "impressions": pa.array(impressions, pa.int64()),
        "page_views": pa.array(cols["views"], pa.int64()),
        "favourites": pa.array(cols["fav"], pa.int64()),
        "cart_buyers": pa.array(cols["cart"], pa.int64()),
        "order_buyers": pa.array(cols["orders"], pa.int64()),
        "paid_buyers": pa.array(cols["paid"], pa.int64()),
        "paid_amount": pa.array(cols["cents"] / 100.0),
    }
    sessions = {CREATORS[k].name: 0 for k in range(len(CREATORS))}
    for k in schedule.values():
        sessions[CREATORS[k].name] += 1
    incremental = {name: expected_by_creator[k] / 100 / max(sessions[name], 1)
                   for k, name in enumerate(sessions)}
    pid = products["id"]
    seen = visitors_total > 0
    ranking = sorted(range(len(tests)), key=lambda k: order[k])
    truth = {
        "window": {"start": _iso_date(N_DAYS - WINDOW_DAYS), "end": _iso_date(N_DAYS - 1)},
        "model": "visitors of traffic split per day and source over the products (multinomial, demand weight x "
                 "affinity); favourites, cart and paid buyers Binomial per cell; conversion = the source's true "
                 "conversion of the day x the product's multiplier, normalised so expected buyers match the "
                 "source's; the live source's conversion x (1 + creator's lift) on session days",
        "fav_cart_rate": "(favourites + cart_buyers) / visitors = fav_rate + cart_rate",
        "ctr": "visitors / impressions; impressions = visitors + Poisson(visitors x (1 - ctr) / ctr), one CTR per "
               "product for every source",
        "products": {
            str(pid[j]): {"fav_rate": float(fav[j]), "cart_rate": float(cart[j]),
                          "fav_cart_rate": float(fav[j] + cart[j]), "ctr": float(ctr[j]),
                          "conversion_multiplier": float(mult[j]),
                          "expected_conversion": float(expected_paid[j] / visitors_total[j]),
                          "expected_uv_value": float(expected_cents[j] / visitors_total[j] / 100),
                          "visitors": int(visitors_total[j])}
            for j in np.nonzero(seen)[0]},
        "test": {
            "start": TEST_START, "days": TEST_DAYS, "source": TEST_SOURCE,
            "visitors_share_each": TEST_SHARE,
            "products": [str(pid[tests[k]]) for k in ranking],  # best first
            "best": str(pid[tests[ranking[0]]]),
            "best_ctr": str(pid[tests[ranking[0]]]),  # the best on 收藏加购率 is also the best on CTR
            "worst": str(pid[tests[ranking[-1]]]),
            "rule": "each listing gets int(0.1 x the day's 直通车 visitors) of them during the test",
        },
        "concentrated": {str(pid[j]): CONCENTRATED_SOURCE for j in concentrated},
        "gaps": {str(pid[j]): GAP_SOURCE for j in gap},
        "units_per_buyer": 1 + EXTRA_UNITS,
    }
    return columns, truth, incremental
