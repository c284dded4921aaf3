"""Product selection: A/B product tests (测款), candidate products (选品), inventory, title gaps.

Writes ``product_tests``, ``candidates`` and ``inventory``. Truth: ``product_tests``,
``candidates``, ``inventory`` and the keywords no title carries
(``keywords.missing_from_titles``). Each part draws from its own stream (:data:`.STREAMS`),
so every other table is byte-identical with or without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import _dates, _day_index
from .products import _round_price, _titles
from .specs import CATEGORIES, N_DAYS, NEW_PRODUCT_RAMP_DAYS, STREAMS
from .writers import _take

if TYPE_CHECKING:
    from .simulator import _Simulator

# (test_id, element, start, days, category whose most popular mature product is tested, mean
#  impressions per variant per day, variants: (name, price multiplier, click rate, add-to-cart
#  per click, order per add-to-cart)). Image and title tests are judged on the click rate,
#  price tests on orders per click (the listing's price does not change who clicks).
PRODUCT_TESTS = (
    ("T-2026-03-主图", "main_image", "2026-03-02", 14, "女装T恤", 2000,
     (("A", 1.0, 0.030, 0.10, 0.30), ("B", 1.0, 0.039, 0.10, 0.30), ("C", 1.0, 0.031, 0.10, 0.30))),
    ("T-2026-05-标题", "title", "2026-05-11", 14, "家居收纳", 2000,
     (("A", 1.0, 0.025, 0.09, 0.32), ("B", 1.0, 0.025, 0.09, 0.32))),
    ("T-2026-08-价格", "price", "2026-08-03", 14, "女装连衣裙", 6000,
     (("A", 1.0, 0.028, 0.08, 0.26), ("B", 0.85, 0.028, 0.08, 0.40))),
)
PRIMARY_METRIC = {"main_image": "click_rate", "title": "click_rate", "price": "order_rate"}
# Candidates: a latent appeal L = log(popularity) ~ N(0, 0.9), the same law as the shop's
# products; the signals a scorecard sees are noisy measurements of L, and success is the
# expected first-90-day sales, popularity x category weight x price (the shop's demand model).
N_NEW_CANDIDATES = 40
CANDIDATE_SUCCESS_SHARE = 0.3  # the top 30% of new candidates by expected sales succeed
ASSESS_DAYS_BEFORE_LAUNCH = 30  # a launched candidate's signals were collected a month before
CANDIDATES_WITHOUT_REVIEWS = 4  # brand-new items with no reviews yet (rating empty)
SIGNAL = {"demand_slope": 0.8, "demand_sd": 0.45, "rating_base": 4.55, "rating_slope": 0.12,
          "rating_sd": 0.12, "reviews_base": 60.0, "reviews_slope": 0.7, "cost_sd": 0.06,
          "competitors_sd": 0.35}
OVERSTOCKED = 5  # products planted with far more stock than they sell (滞销)
COVER_DAYS = {"normal": (3.4, 0.35), "overstocked": (180, 400)}  # lognormal (mu, sd); uniform days
# Keywords buyers search that no title carries: (keyword, the root no title slot contains).
TITLE_GAPS = (("小个子连衣裙", "小个子"), ("新中式连衣裙", "新中式"), ("气质长裙", "长裙"),
              ("多巴胺穿搭t恤", "穿搭"), ("静音收纳推车", "推车"), ("空气炸锅纸", "空气炸锅"),
              ("早c晚a", "早c晚a"), ("洗面奶", "洗面奶"), ("婴儿洗衣液", "洗衣液"))


def _tested_product(products: dict, category: str, day: int) -> int:
    """The most popular product of a category launched at least the ramp before ``day``."""
    cat = [c.name for c in CATEGORIES].index(category)
    ok = (products["category"] == cat) & (products["launch"] <= day - NEW_PRODUCT_RAMP_DAYS)
    return int(np.argmax(np.where(ok, products["popularity"], -1.0)))


def _product_tests(seed: int, products: dict) -> tuple[dict, dict]:
    """Daily funnel counts per test variant (测款) and each variant's true rates."""
    rng = np.random.default_rng([seed, STREAMS["product_tests"]])
    cols: dict[str, list] = {k: [] for k in ("test_id", "date", "product_id", "element", "variant",
                                             "price", "impressions", "clicks", "add_to_cart", "orders")}
    truth = {}
    for test_id, element, start, days, category, per_day, variants in PRODUCT_TESTS:
        j = _tested_product(products, category, _day_index(start))
        list_price = products["price0"][j] / 100  # the tested products never change price before
        for d in range(_day_index(start), _day_index(start) + days):
            for name, mult, ctr, cart, order in variants:
                imp = int(rng.poisson(per_day))
                clicks = int(rng.binomial(imp, ctr))
                carts = int(rng.binomial(clicks, cart))
                orders = int(rng.binomial(carts, order))
                price = float(_round_price(list_price * mult)) / 100 if element == "price" else np.nan
                for key, value in (("test_id", test_id), ("date", d), ("product_id", products["id"][j]),
                                   ("element", element), ("variant", name), ("price", price),
                                   ("impressions", imp), ("clicks", clicks), ("add_to_cart", carts),
                                   ("orders", orders)):
                    cols[key].append(value)
        rates = {name: {"click_rate": ctr, "cart_rate": cart, "order_rate": cart * order,
                        "orders_per_impression": ctr * cart * order}
                 for name, _, ctr, cart, order in variants}
        metric = PRIMARY_METRIC[element]
        primary = {n: r[metric] for n, r in rates.items()}
        no_difference = len(set(primary.values())) == 1
        truth[test_id] = {"product_id": str(products["id"][j]), "element": element, "start": start,
                          "days": days, "variants": rates, "primary_metric": metric,
                          "no_real_difference": no_difference,
                          "best_variant": None if no_difference else max(primary, key=primary.get)}
    columns = {
        "test_id": pa.array(cols["test_id"], pa.string()),
        "date": _dates(np.array(cols["date"])),
        "product_id": pa.array([str(p) for p in cols["product_id"]], pa.string()),
        "element": pa.array(cols["element"], pa.string()),
        "variant": pa.array(cols["variant"], pa.string()),
        "price": pa.array(np.array(cols["price"]), mask=np.isnan(np.array(cols["price"]))),
        **{k: pa.array(cols[k], pa.int64()) for k in ("impressions", "clicks", "add_to_cart", "orders")},
    }
    return columns, {"tests": truth, "model": "clicks ~ Binomial(impressions, click_rate), add_to_cart ~ "
                     "Binomial(clicks, cart_rate), orders ~ Binomial(add_to_cart, order per cart); "
                     "order_rate = orders per click; image and title tests are judged on click_rate, "
                     "price tests on order_rate (primary_metric)"}


def _candidate_signals(rng: np.random.Generator, log_pop: np.ndarray, cat: np.ndarray) -> dict:
    """What a buyer of the category sees before launch, as noisy measurements of the appeal."""
    n = len(log_pop)
    weight = np.array([c.weight for c in CATEGORIES])[cat]
    demand = weight * np.exp(SIGNAL["demand_slope"] * log_pop + rng.normal(0, SIGNAL["demand_sd"], n))
    comp_base = np.array([3000.0 * (1 + ci % 3) for ci in range(len(CATEGORIES))])[cat]
    competitors = np.rint(comp_base * np.exp(rng.normal(0, SIGNAL["competitors_sd"], n)))
    rating = np.clip(SIGNAL["rating_base"] + SIGNAL["rating_slope"] * log_pop
                     + rng.normal(0, SIGNAL["rating_sd"], n), 3.5, 5.0)
    reviews = rng.poisson(SIGNAL["reviews_base"] * np.exp(SIGNAL["reviews_slope"] * log_pop))
    return {"demand": np.round(demand * 10_000), "competitors": competitors.astype(np.int64),
            "rating": np.round(rating, 2), "reviews": reviews.astype(np.int64)}


def _candidates(seed: int, products: dict) -> tuple[dict, dict]:
    """Candidate products (选品): the shop's past launches with the signals seen before
    launch, and new candidates whose success the generator knows."""
    rng = np.random.default_rng([seed, STREAMS["candidates"]])
    launched = np.nonzero(products["launch"] >= 0)[0]
    n_new = N_NEW_CANDIDATES
    new_cat = rng.integers(len(CATEGORIES), size=n_new)
    new_log_pop = np.log(rng.lognormal(0.0, 0.9, n_new))
    new_price = np.array([_round_price(np.exp(rng.uniform(*np.log(CATEGORIES[c].price_range))))
                          for c in new_cat]) / 100
    new_cost = new_price * np.array([CATEGORIES[c].cost_ratio for c in new_cat]) * rng.uniform(0.9, 1.1, n_new)
    titles = [_titles(rng, CATEGORIES[c], np.array([N_DAYS]))[0] for c in new_cat]
    cat = np.concatenate([products["category"][launched], new_cat])
    log_pop = np.concatenate([np.log(products["popularity"][launched]), new_log_pop])
    price = np.concatenate([products["price0"][launched] / 100, new_price])
    cost = np.concatenate([products["cost"][launched] / 100, new_cost])
    signals = _candidate_signals(rng, log_pop, cat)
    # The shop estimates the cost before launch: its estimate is off by a few percent.
    expected_cost = np.round(cost * np.exp(rng.normal(0, SIGNAL["cost_sd"], len(cost))), 2)
    no_reviews = len(launched) + rng.choice(n_new, CANDIDATES_WITHOUT_REVIEWS, replace=False)
    signals["reviews"][no_reviews] = 0
    rating = pa.array(signals["rating"], mask=signals["reviews"] == 0)
    n_all = len(cat)
    ids = [f"C{k + 1:03d}" for k in range(n_all)]
    columns = {
        "candidate_id": pa.array(ids, pa.string()),
        "assessed_date": _dates(np.concatenate([products["launch"][launched] - ASSESS_DAYS_BEFORE_LAUNCH,
                                                np.full(n_new, N_DAYS - 1)])),
        "title": pa.array([products["title"][j] for j in launched] + titles, pa.string()),
        "category": _take([c.name for c in CATEGORIES], cat),
        "price": pa.array(np.round(price, 2)),
        "expected_cost": pa.array(expected_cost),
        "search_demand": pa.array(signals["demand"]),
        "competitors": pa.array(signals["competitors"], pa.int64()),
        "rating": rating,
        "reviews": pa.array(signals["reviews"], pa.int64()),
        "product_id": pa.array([str(products["id"][j]) for j in launched] + [None] * n_new, pa.string()),
    }
    weight = np.array([c.weight for c in CATEGORIES])[new_cat]
    expected = np.exp(new_log_pop) * weight * new_price
    cut = np.quantile(expected, 1 - CANDIDATE_SUCCESS_SHARE)
    truth = {
        "model": "latent appeal L = log(popularity) ~ N(0, 0.9) (as the shop's products); "
                 "search_demand = 10000 x category weight x exp(0.8 L + N(0, 0.45)); rating = "
                 "4.55 + 0.12 L + N(0, 0.12) clipped to 3.5-5 (empty without reviews); reviews ~ "
                 "Poisson(60 exp(0.7 L)); competitors independent of L; expected_cost = cost x "
                 "exp(N(0, 0.06)). Launched candidates (product_id set) are the shop's launches "
                 "in the period, their L is the product's popularity that drove their orders. A new "
                 "candidate succeeds when its expected first-90-day sales, popularity x category "
                 "weight x price, is in the top 30% of new candidates",
        "signal": SIGNAL,
        "launched": len(launched),
        "new": {ids[len(launched) + k]: {"popularity": float(np.exp(new_log_pop[k])),
                                          "expected_sales_index": float(expected[k]),
                                          "succeeds": bool(expected[k] >= cut)}
                for k in range(n_new)},
        "without_reviews": [ids[k] for k in sorted(no_reviews)],
    }
    return columns, truth


def _inventory(seed: int, sim: _Simulator) -> tuple[dict, dict]:
    """Stock on hand on the last day: about a month of each product's recent sales, with a
    few products planted far above that."""
    rng = np.random.default_rng([seed, STREAMS["inventory"]])
    ids = sim.products["id"]
    n = len(ids)
    rate = sim.product_units[-2] / 31.0  # daily units of the last complete month (2026-10)
    cover = rng.lognormal(*COVER_DAYS["normal"], n)
    selling = np.nonzero(rate > 0)[0]
    over = np.sort(rng.choice(selling, OVERSTOCKED, replace=False))
    cover[over] = rng.uniform(*COVER_DAYS["overstocked"], OVERSTOCKED)
    stock = np.where(rate > 0, np.ceil(rate * cover), rng.integers(20, 200, n)).astype(np.int64)
    columns = {"date": _dates(np.full(n, N_DAYS - 1)), "product_id": pa.array(list(ids), pa.string()),
               "stock": pa.array(stock, pa.int64())}
    truth = {"model": "stock = ceil(daily units of 2026-10 x cover days); cover ~ lognormal(3.4, 0.35) "
                      "(about 30 days), planted products 180-400 days; products without sales in "
                      "2026-10 hold 20-199 units (dead stock)",
             "overstocked": [str(ids[j]) for j in over],
             "dead_stock": [str(ids[j]) for j in range(n) if rate[j] == 0]}
    return columns, truth


def _title_gaps(products: dict) -> list[str]:
    """The planted keywords no title carries; checks that no title contains their root."""
    titles = [t.replace(" ", "").lower() for t in products["title"]]
    for keyword, root in TITLE_GAPS:
        if any(root in t for t in titles):
            raise ValueError(f"planted title gap {keyword!r}: a title contains {root!r}")
    return [k for k, _ in TITLE_GAPS]
