"""The category market (生意参谋): listings, search keywords and peer benchmarks.

Writes ``market`` (monthly listings, ours exact from the orders and competitors' drawn, with
the platform's trade and traffic indices, planted competitor price cuts and fake-order
listings), ``keywords`` (weekly search statistics, with emerging terms) and ``peers``
(同行同层 benchmarks around our own smoothed metrics). Draws from the main stream after the
ads. Truth: ``market`` (index transform, shares, concentration, growth, price bands, hidden
units), ``keywords`` and ``peers``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import (
    _campaign_windows,
    _dates,
    _day_index,
    _iso_date,
    _month_coverage,
    _month_starts,
    _yearly_cosine,
)
from .draws import _lognormal_noise, _unique_ids
from .products import _round_price
from .specs import CAMPAIGNS, CATEGORIES, N_DAYS, SHOP, START, TIER, CategorySpec
from .writers import _take

if TYPE_CHECKING:
    from .simulator import _Simulator

# Market: trade_index = a * (units * price) ** b * exp(N(0, sd)); traffic_index likewise
# from visitors. 生意参谋 indices are a monotone concave transform of the true value.
TRADE_INDEX_A, TRADE_INDEX_B, TRADE_INDEX_SD = 2.8, 0.64, 0.02
TRAFFIC_INDEX_A, TRAFFIC_INDEX_B, TRAFFIC_INDEX_SD = 6.0, 0.72, 0.04
COMPETITORS_PER_CATEGORY = 9
INDEX_ONLY_SHARE = 0.3  # competitor listings published without units
MARKET_MONTH_FACTOR = {1: 1.1, 2: 0.72, 6: 1.4, 11: 2.0}
MARKET_GROWTH = 0.10
REVIEW_RATE = 0.3
COMPETITOR_SHOPS = {  # fictional shops
    "apparel": ("栖木衣舍旗舰店", "南枝女装旗舰店", "拾光衣橱旗舰店", "素影服饰旗舰店",
                "云朵家女装店", "白鹿原创设计店", "橘意服饰专营店", "简约男装旗舰店",
                "墨客男装旗舰店", "衫语衬衫旗舰店", "青柠女装旗舰店", "晴川服饰专营店",
                "知秋男装专营店", "暖阳女装店", "山茶女装旗舰店"),
    "home": ("乐居收纳旗舰店", "整理控家居旗舰店", "方寸家居专营店", "木匠坊家居旗舰店",
             "厨房小当家旗舰店", "锅匠厨具旗舰店", "禾味厨具专营店", "净界家居旗舰店",
             "巧手收纳专营店", "归置家居店", "食光厨房旗舰店", "北欧小屋家居店",
             "原木生活旗舰店"),
    "beauty": ("水漾护肤旗舰店", "肌初研究所旗舰店", "花间美妆专营店", "透颜护肤旗舰店",
               "清研肌理旗舰店", "植萃美肤店"),
    "baby": ("贝贝乐母婴旗舰店", "小象宝贝母婴店", "萌芽母婴旗舰店", "暖宝宝母婴专营店",
             "童趣成长旗舰店", "初生母婴旗舰店"),
}
CATEGORY_SHOP_POOL = {"女装连衣裙": "apparel", "女装T恤": "apparel", "男装衬衫": "apparel",
                      "家居收纳": "home", "厨房用品": "home", "美妆护肤": "beauty",
                      "母婴用品": "baby"}
N_FAKE_LISTINGS = 3
N_COMPETITOR_CHANGES = 4
COMPETITOR_PRICE_CUT = 0.78
MARKET_BANDS = 4  # price bands of the market truth
GROWTH_MONTHS = 6  # window of the true trailing year-on-year market growth

KEYWORDS: dict[str, tuple[str, ...]] = {
    "女装连衣裙": ("连衣裙", "连衣裙女夏", "碎花连衣裙", "法式连衣裙", "收腰连衣裙", "气质长裙",
               "小个子连衣裙", "新中式连衣裙"),
    "女装T恤": ("t恤女", "短袖t恤女", "纯棉t恤", "宽松t恤", "冰丝t恤", "打底衫女", "印花t恤",
              "多巴胺穿搭t恤"),
    "男装衬衫": ("衬衫男", "长袖衬衫男", "白衬衫", "商务衬衫", "免烫衬衫", "亚麻衬衫",
             "短袖衬衫男", "休闲衬衫"),
    "家居收纳": ("收纳盒", "收纳箱", "置物架", "衣柜收纳", "桌面收纳", "抽屉收纳",
             "折叠收纳箱", "静音收纳推车"),
    "厨房用品": ("不粘锅", "炒锅", "砧板", "保鲜盒", "刀具套装", "调料盒", "蒸锅",
             "空气炸锅纸"),
    "美妆护肤": ("精华液", "面霜", "面膜", "爽肤水", "洗面奶", "防晒霜", "早c晚a",
             "修护精华"),
    "母婴用品": ("婴儿湿巾", "纸尿裤", "奶瓶", "辅食碗", "口水巾", "爬行垫", "安抚巾",
             "婴儿洗衣液"),
}
# Keywords whose popularity takes off during the period: (keyword, take-off Monday, factor).
EMERGING_KEYWORDS = (("多巴胺穿搭t恤", "2026-03-02", 4.0),
                     ("新中式连衣裙", "2025-09-01", 3.0),
                     ("静音收纳推车", "2026-01-05", 3.5))

# Peers (同行同层): peer value = our rolling value * ratio; conversion above the tier
# average but under the excellent line, AOV under the average.
PEER_RATIOS = {  # metric: (peer_avg / ours, peer_excellent / ours)
    "conversion_rate": (1 / 1.2, 1.1),
    "uv_value": (0.9, 1.5),
    "aov": (1.15, 1.5),
    "visitors": (0.8, 2.2),
    "paid_amount": (0.75, 2.4),
}
PEER_NOISE_SD = 0.03
PEER_WINDOW = 7


def _market_factor(cat: CategorySpec) -> np.ndarray:
    """Monthly market size multiplier of a category (season, events, growth, coverage)."""
    starts = _month_starts()
    mid = np.minimum(starts + 14, N_DAYS - 1)
    season = _yearly_cosine(cat.season_amp, cat.season_peak)[mid]
    months = (START + starts.astype("timedelta64[D]")).astype("datetime64[M]")
    month_of_year = months.astype(int) % 12 + 1
    events = np.array([MARKET_MONTH_FACTOR.get(int(m), 1.0) for m in month_of_year])
    growth = 1 + MARKET_GROWTH * starts / 365.25
    return season * events * growth * _month_coverage()


def _competitors(rng: np.random.Generator, own_sales: np.ndarray) -> list[dict]:
    """Competitor listings with their monthly true and reported units and prices."""
    n_months = len(_month_starts())
    listings = []
    for ci, cat in enumerate(CATEGORIES):
        pool = COMPETITOR_SHOPS[CATEGORY_SHOP_POOL[cat.name]]
        factor = _market_factor(cat)
        full = _month_coverage() > 0.99
        own_avg = own_sales[full, ci].mean() if full.any() else 0.0
        target = own_avg * (1 / cat.market_share - 1)  # monthly competitor sales
        weight = rng.lognormal(0.0, 0.8, COMPETITORS_PER_CATEGORY)
        for k in range(COMPETITORS_PER_CATEGORY):
            shop = pool[rng.integers(len(pool))]
            lo, hi = cat.price_range
            launch_price = _round_price(np.exp(rng.uniform(np.log(lo), np.log(hi)))) / 100
            price = np.full(n_months, launch_price)
            words = [slot[rng.integers(len(slot))] for slot in cat.words]
            brand = shop.removesuffix("旗舰店").removesuffix("专营店").removesuffix("店")
            base_sales = (target * weight[k] / weight.sum() / factor[full].mean()
                          if full.any() else 0.0)
            listings.append({
                "category": ci, "shop": shop, "brand": brand,
                "title": np.array([" ".join([brand, *words])] * n_months, dtype=object),
                "price": price, "base_units": base_sales / price[0], "factor": factor,
                "conversion": rng.uniform(0.02, 0.06), "rating": round(rng.uniform(4.5, 4.95), 2),
                "reviews0": int(rng.lognormal(7.0, 1.0)),
                "index_only": bool(rng.random() < INDEX_ONLY_SHARE),
                "first_month": 0 if rng.random() < 0.85 else int(rng.integers(3, 16)),
                "fake": np.zeros(n_months),
            })
    ids = _unique_ids(rng, len(listings), 500_000_000_000, 600_000_000_000).astype(str)
    for listing, lid in zip(listings, ids, strict=True):
        listing["listing_id"] = lid
    return listings


def _competitor_events(rng: np.random.Generator, listings: list[dict]) -> tuple[list, list]:
    """Price cuts with new titles on known months, and fake-order (刷单) listings."""
    n_months = len(_month_starts())
    # Only listings present from the start, so every event has months before it.
    present = np.array([i for i, lst in enumerate(listings) if lst["first_month"] == 0])
    chosen = rng.choice(present, N_COMPETITOR_CHANGES + N_FAKE_LISTINGS, replace=False)
    changes, fakes = [], []
    for i in chosen[:N_COMPETITOR_CHANGES]:
        lst = listings[int(i)]
        month = int(rng.integers(5, n_months - 2))
        old_price = float(lst["price"][month])
        new_price = float(_round_price(old_price * COMPETITOR_PRICE_CUT) / 100)
        old_title = str(lst["title"][month])
        new_title = old_title.replace(lst["brand"], f"{lst['brand']} 限时直降", 1)
        lst["price"][month:] = new_price
        lst["title"][month:] = new_title
        changes.append({"listing_id": lst["listing_id"], "shop": lst["shop"],
                        "category": CATEGORIES[lst["category"]].name,
                        "month": _iso_date(_month_starts()[month]), "old_price": old_price,
                        "new_price": new_price, "old_title": old_title, "new_title": new_title})
    for i in chosen[N_COMPETITOR_CHANGES:]:
        lst = listings[int(i)]
        month = int(rng.integers(4, n_months - 6))
        mult = float(rng.uniform(2.0, 4.0))
        lst["fake"][month:] = mult
        fakes.append({"listing_id": lst["listing_id"], "shop": lst["shop"],
                      "category": CATEGORIES[lst["category"]].name,
                      "from_month": _iso_date(_month_starts()[month]), "fake_units_per_real_unit": mult})
    return changes, fakes


def _market(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Monthly category listings: ours (exact from orders) and competitors'."""
    cat = sim.products["category"]
    n_months = len(_month_starts())
    own_sales = np.zeros((n_months, len(CATEGORIES)))
    np.add.at(own_sales.T, cat, sim.product_cents.T / 100.0)
    listings = _competitors(rng, own_sales)
    changes, fakes = _competitor_events(rng, listings)
    visitors = sim.traffic["visitors"].sum()
    shop_conv = sim.traffic["paid_buyers"].sum() / visitors if visitors else 0.02
    rows: dict[str, list] = {k: [] for k in (
        "month", "category", "shop", "brand", "listing_id", "title", "price", "units",
        "true_units", "is_own", "reviews", "rating", "visitors")}
    own_reviews = np.where(sim.products["launch"] < 0,
                           rng.lognormal(6.0, 1.0, len(cat)).astype(np.int64), 0).astype(float)
    own_rating = rng.uniform(4.6, 4.9, len(cat))
    comp_reviews = np.array([lst["reviews0"] for lst in listings], dtype=float)
    for m in range(n_months):
        for ci, category in enumerate(CATEGORIES):
            for j in np.nonzero((cat == ci) & (sim.product_units[m] > 0))[0]:
                units = int(sim.product_units[m, j])
                own_reviews[j] += units * REVIEW_RATE
                _market_row(rows, m, category.name, SHOP, category.brand,
                            str(sim.products["id"][j]), sim.products["title"][j],
                            round(sim.product_cents[m, j] / units / 100, 2), units, units, True,
                            own_reviews[j], own_rating[j], units / shop_conv)
            for li, lst in enumerate(listings):
                if lst["category"] != ci or m < lst["first_month"]:
                    continue
                price = float(lst["price"][m])
                # Competitors respond to their own price cuts with the category elasticity.
                elastic = (price / lst["price"][0]) ** category.elasticity
                true = int(rng.poisson(lst["base_units"] * lst["factor"][m] * elastic
                                       * _lognormal_noise(rng, 0.12, None)))
                reported = true + int(round(true * lst["fake"][m]))
                comp_reviews[li] += reported * REVIEW_RATE
                rating = 4.95 if lst["fake"][m] > 0 else lst["rating"]
                _market_row(rows, m, category.name, lst["shop"], lst["brand"], lst["listing_id"],
                            str(lst["title"][m]), price, None if lst["index_only"] else reported,
                            reported, False, comp_reviews[li], rating, true / lst["conversion"])
    return _market_columns(rng, rows), _market_truth(rows, changes, fakes)


def _market_row(rows: dict, month: int, category: str, shop: str, brand: str, listing: str,
                title: str, price: float, units: int | None, true_units: int, own: bool,
                reviews: float, rating: float, visitors: float) -> None:
    """Append one market listing-month (``true_units``: units behind the trade index)."""
    for key, value in (("month", month), ("category", category), ("shop", shop),
                       ("brand", brand), ("listing_id", listing), ("title", title),
                       ("price", price), ("units", units), ("true_units", true_units),
                       ("is_own", own), ("reviews", int(round(reviews))), ("rating", rating),
                       ("visitors", visitors)):
        rows[key].append(value)


def _market_columns(rng: np.random.Generator, rows: dict) -> dict[str, pa.Array]:
    """Typed market columns with the platform indices computed from true values."""
    sales = np.array(rows["true_units"], dtype=float) * np.array(rows["price"])
    n = len(sales)
    trade = TRADE_INDEX_A * sales**TRADE_INDEX_B * np.exp(rng.normal(0, TRADE_INDEX_SD, n))
    visitors = np.array(rows["visitors"])
    traffic = (TRAFFIC_INDEX_A * visitors**TRAFFIC_INDEX_B
               * np.exp(rng.normal(0, TRAFFIC_INDEX_SD, n)))
    return {
        "month": _dates(_month_starts()[np.array(rows["month"], dtype=np.int64)]),
        "category": pa.array(rows["category"]),
        "shop": pa.array(rows["shop"]),
        "brand": pa.array(rows["brand"], pa.string()),
        "listing_id": pa.array(rows["listing_id"]),
        "title": pa.array(rows["title"]),
        "price": pa.array(rows["price"], pa.float64()),
        "units": pa.array(rows["units"], pa.float64()),
        "trade_index": pa.array(trade),
        "traffic_index": pa.array(traffic),
        "reviews": pa.array(rows["reviews"], pa.int64()),
        "rating": pa.array(rows["rating"], pa.float64()),
        "is_own": pa.array(rows["is_own"], pa.bool_()),
    }


def _market_truth(rows: dict, changes: list, fakes: list) -> dict:
    """Index transform, our true share per category and the planted competitor events."""
    sales = np.array(rows["true_units"], dtype=float) * np.array(rows["price"])
    own = np.array(rows["is_own"])
    category = np.array(rows["category"], dtype=object)
    share = {}
    for cat in CATEGORIES:
        in_cat = category == cat.name
        total = sales[in_cat].sum()
        share[cat.name] = float(sales[in_cat & own].sum() / total) if total else None
    return {
        "trade_index": {"formula": "trade_index = a * (units * price) ** b * exp(e), "
                                   "e ~ N(0, sd); units include fake orders",
                        "a": TRADE_INDEX_A, "b": TRADE_INDEX_B, "sd": TRADE_INDEX_SD},
        "traffic_index": {"formula": "traffic_index = a * visitors ** b * exp(e), "
                                     "visitors = real units / listing conversion",
                          "a": TRAFFIC_INDEX_A, "b": TRAFFIC_INDEX_B, "sd": TRAFFIC_INDEX_SD},
        "own_share_by_category": share,
        "own_share_definition": "our sales / all listed sales (units * price, index-only "
                                "listings included at their hidden units) over all months",
        "fake_order_suspects": fakes,
        "competitor_changes": changes,
        "shops": 1 + len({s for s, o in zip(rows["shop"], own, strict=True) if not o}),
        "index_only_share_of_competitor_listings": INDEX_ONLY_SHARE,
        "note": "2026-11 covers 1-15 November only; our listings appear in months they sold",
        "months": [_iso_date(d) for d in _month_starts()],
        "size_definition": "sales = units * price of every listing-month, index-only listings at "
                           "their hidden units, fake orders included (as the platform counts "
                           "them); HHI and CR5 over shops' sales; growth = sales of the last "
                           f"{GROWTH_MONTHS} full months / the same months a year earlier - 1",
        "band_definition": f"{MARKET_BANDS} bands, edges = price_range low * (high / low) ** (k / "
                           f"{MARKET_BANDS}) rounded to 10 yuan, left-closed [edge_k, edge_k+1); "
                           "demand per listing = band sales / listing-months in the band",
        "by_category": _market_category_truth(rows),
        "index_only_units": _index_only_truth(rows),
    }


def _band_edges(cat: CategorySpec) -> list[float]:
    """Inner edges of the truth's price bands: a geometric split of the category's range."""
    lo, hi = cat.price_range
    return [float(np.rint(lo * (hi / lo) ** (k / MARKET_BANDS) / 10) * 10)
            for k in range(1, MARKET_BANDS)]


def _market_category_truth(rows: dict) -> dict:
    """True monthly size, share, concentration, growth and price bands of every category."""
    month = np.array(rows["month"], dtype=np.int64)
    category = np.array(rows["category"], dtype=object)
    shop = np.array(rows["shop"], dtype=object)
    price = np.array(rows["price"], dtype=float)
    units = np.array(rows["true_units"], dtype=float)
    sales, own = units * price, np.array(rows["is_own"])
    n_months = len(_month_starts())
    recent = np.nonzero(_month_coverage() > 0.99)[0][-GROWTH_MONTHS:]
    out = {}
    for cat in CATEGORIES:
        in_cat = category == cat.name
        size = np.bincount(month[in_cat], sales[in_cat], n_months)
        own_sales = np.bincount(month[in_cat & own], sales[in_cat & own], n_months)
        hhi, cr5 = [], []
        for m in range(n_months):
            sel = in_cat & (month == m)
            by_shop = np.bincount(np.unique(shop[sel], return_inverse=True)[1], sales[sel])
            pct = 100 * by_shop / by_shop.sum()
            hhi.append(round(float((pct**2).sum()), 1))
            cr5.append(round(float(np.sort(pct)[::-1][:5].sum() / 100), 4))
        edges = _band_edges(cat)
        band = np.searchsorted(edges, price[in_cat], side="right")
        band_sales = np.bincount(band, sales[in_cat], MARKET_BANDS)
        per_listing = band_sales / np.bincount(band, minlength=MARKET_BANDS)
        out[cat.name] = {
            "sales_by_month": [round(float(x), 2) for x in size],
            "units_by_month": np.bincount(month[in_cat], units[in_cat], n_months).astype(int).tolist(),
            "own_share_by_month": [round(float(x), 4) for x in own_sales / size],
            "hhi_by_month": hhi,
            "cr5_by_month": cr5,
            "growth": round(float(size[recent].sum() / size[recent - 12].sum() - 1), 4),
            "growth_months": [_iso_date(_month_starts()[m]) for m in recent],
            "band_edges": edges,
            "band_sales_share": [round(float(x), 4) for x in band_sales / band_sales.sum()],
            "band_demand_per_listing": [round(float(x), 2) for x in per_listing],
            "top_band": int(np.argmax(band_sales)),
            "under_supplied_band": int(np.nanargmax(per_listing)),
        }
    return out


def _index_only_truth(rows: dict) -> dict:
    """Hidden true units (fake orders included) of every index-only listing, month by month."""
    out: dict[str, dict] = {}
    for m, lid, shown, true in zip(rows["month"], rows["listing_id"], rows["units"],
                                   rows["true_units"], strict=True):
        if shown is None:
            entry = out.setdefault(lid, {"first_month": _iso_date(_month_starts()[m]), "units": []})
            entry["units"].append(int(true))
    return out


def _week_event_share() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mondays of the keyword weeks and the share of each week in big-event / warm-up days."""
    mondays = np.arange(_day_index("2025-01-06"), N_DAYS - 6, 7)
    event = np.zeros(N_DAYS)
    warm = np.zeros(N_DAYS)
    for spec in CAMPAIGNS:
        if not spec.warmup_start:  # only platform events move the whole market
            continue
        win = _campaign_windows(spec)
        event[win["event"][0]:win["event"][1] + 1] = 1
        warm[win["warmup"][0]:win["warmup"][1] + 1] = 1
    return mondays, np.add.reduceat(event, mondays) / 7, np.add.reduceat(warm, mondays) / 7


def _keywords(rng: np.random.Generator) -> tuple[dict, dict]:
    """Weekly keyword statistics (搜索分析) following category season and events."""
    mondays, event, warm = _week_event_share()
    n_weeks = len(mondays)
    emerging = {k: (_day_index(w), f) for k, w, f in EMERGING_KEYWORDS}
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "keyword", "category", "search_popularity", "click_rate", "online_items",
        "conversion_rate", "avg_cpc")}
    for cat in CATEGORIES:
        season = _yearly_cosine(cat.season_amp, cat.season_peak)[mondays + 3]
        for rank, kw in enumerate(KEYWORDS[cat.name]):  # head terms first
            growth = 1 + 0.08 * mondays / 365.25
            if kw in emerging:  # logistic take-off around the given Monday
                day0, factor = emerging[kw]
                growth = growth * (1 + (factor - 1) / (1 + np.exp(-(mondays - day0) / 21.0)))
            pop = (rng.lognormal(10.0 - 0.35 * rank, 0.3) * season * growth
                   * (1 + 0.6 * event + 0.2 * warm) * _lognormal_noise(rng, 0.06, n_weeks))
            cols["keyword"].append(np.full(n_weeks, kw, dtype=object))
            cols["category"].append(np.full(n_weeks, cat.name, dtype=object))
            cols["search_popularity"].append(pop)
            ctr = rng.uniform(0.25, 0.6) * _lognormal_noise(rng, 0.05, n_weeks)
            cols["click_rate"].append(np.clip(ctr, 0.01, 0.95))
            items = (rng.lognormal(13.5 - 0.3 * rank, 0.4) * (1 + 0.15 * mondays / 365.25)
                     * _lognormal_noise(rng, 0.02, n_weeks))
            cols["online_items"].append(np.rint(items).astype(np.int64))
            cr = (rng.uniform(0.01, 0.06) * (1 + 0.5 * event - 0.3 * warm)
                  * _lognormal_noise(rng, 0.08, n_weeks))
            cols["conversion_rate"].append(np.clip(cr, 0.0, 1.0))
            cpc = rng.uniform(0.6, 3.5) * (1 + 0.3 * event) * _lognormal_noise(rng, 0.05, n_weeks)
            cols["avg_cpc"].append(cpc)
    # Rows ordered by week, then keyword in declared order.
    order = lambda key: np.stack(cols[key], axis=1).ravel()  # noqa: E731
    n_kw = len(cols["keyword"])
    columns = {
        "week": _dates(np.repeat(mondays, n_kw)),
        "keyword": pa.array(order("keyword").tolist(), pa.string()),
        "category": pa.array(order("category").tolist(), pa.string()),
        "search_popularity": pa.array(order("search_popularity")),
        "click_rate": pa.array(order("click_rate")),
        "online_items": pa.array(order("online_items"), pa.int64()),
        "conversion_rate": pa.array(order("conversion_rate")),
        "avg_cpc": pa.array(order("avg_cpc")),
    }
    truth = {"emerging": [{"keyword": k, "takeoff_week": w, "popularity_multiplier": f}
                          for k, w, f in EMERGING_KEYWORDS],
             "event_week_multipliers": {"search_popularity": 1.6, "conversion_rate": 1.5,
                                        "avg_cpc": 1.3},
             "weeks": n_weeks}
    return columns, truth


def _centred_rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling sum (shorter at the edges)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.clip(np.arange(len(x)) - window // 2, 0, len(x))
    hi = np.clip(np.arange(len(x)) + window // 2 + 1, 0, len(x))
    return c[hi] - c[lo]


def _peers(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Daily 同行同层 benchmarks derived from our own (smoothed) metrics and fixed gaps."""
    vis = sim.traffic["visitors"].sum(1).astype(float)
    buyers = sim.traffic["paid_buyers"].sum(1).astype(float)
    amount = sim.traffic["paid_cents"].sum(1) / 100.0
    v, b, a = (_centred_rolling_sum(x, PEER_WINDOW) for x in (vis, buyers, amount))

    def ratio(num: np.ndarray, den: np.ndarray, overall: float) -> np.ndarray:
        # Tiny shops can have a week without buyers: fall back to the period value.
        return np.where((den > 0) & (num > 0), num / np.maximum(den, 1e-9), overall)

    ours = {
        "conversion_rate": ratio(b, v, buyers.sum() / max(vis.sum(), 1)),
        "uv_value": ratio(a, v, amount.sum() / max(vis.sum(), 1)),
        "aov": ratio(a, b, amount.sum() / max(buyers.sum(), 1)),
        "visitors": np.maximum(v / PEER_WINDOW, 1.0),
        "paid_amount": np.maximum(a / PEER_WINDOW, 1.0),
    }
    metrics = list(PEER_RATIOS)
    avg = np.stack([ours[m] * PEER_RATIOS[m][0] * _lognormal_noise(rng, PEER_NOISE_SD, N_DAYS)
                    for m in metrics], 1)
    exc = np.stack([ours[m] * PEER_RATIOS[m][1] * _lognormal_noise(rng, PEER_NOISE_SD, N_DAYS)
                    for m in metrics], 1)
    exc = np.maximum(exc, avg * 1.05)  # the excellent line is always above the average
    metric_idx = np.tile(np.arange(len(metrics)), N_DAYS)
    columns = {
        "date": _dates(np.repeat(np.arange(N_DAYS), len(metrics))),
        "metric": _take(metrics, metric_idx),
        "tier": pa.array(np.full(len(metric_idx), TIER, dtype=object).tolist(), pa.string()),
        "peer_avg": pa.array(avg.ravel()),
        "peer_excellent": pa.array(exc.ravel()),
    }
    truth = {
        "tier": TIER,
        "ours_over_peer_avg": {m: 1 / PEER_RATIOS[m][0] for m in metrics},
        "ours_over_peer_excellent": {m: 1 / PEER_RATIOS[m][1] for m in metrics},
        "definition": f"peer = our {PEER_WINDOW}-day centred value * ratio * lognormal noise "
                      f"(sd {PEER_NOISE_SD}); refund_rate not published",
    }
    return columns, truth
