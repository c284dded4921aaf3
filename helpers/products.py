"""Product selection and testing (选品, 测款, 定价, 选词, 爆款, 关联销售).

Reductions run in the engine (Ibis); per-product, per-week, per-pair and per-variant rows come
back to pandas. Rates with a denominator go through :mod:`helpers.metrics` (zero denominators
give NaN and a :class:`~helpers.metrics.MetricNote`).

口径 used here
--------------
- **Portfolio** (lines paid in the period, as :func:`helpers.service.paid_lines`): sales =
  paid amount (after discounts); discounts = list price x units - paid amount; refunds = the
  refunded amount of those lines; cost of goods = (units - units returned) x unit cost;
  gross profit = sales - refunds - cost of goods; ad spend is allocated to products by
  their share of each paid channel's sales (``ads`` has no product dimension; orders carry
  the channel as ``source``); contribution = gross profit - ad spend.
- **ABC (Pareto)**: products sorted by the value, A = the products that make the first 80%
  of the total, B = the next 15%, C = the rest (and every product with nothing or a loss).
- **Growth x share**: share = the product's share of the shop's sales in the period; growth
  = its sales in the second half of the period against the first half. Stars: share above the median
  and growing; cash cows: share above the median, not growing; question marks: small and
  growing; dogs: small and not growing.
- **Stock (进销存)**: from the latest ``inventory`` count; daily sales = units of the last
  ``cover_window`` days / days; days of cover = stock / daily sales; sell-through = units
  sold in the period / (units sold + stock on hand).
- **Scorecard**: each signal is turned into its percentile among the candidates scored
  (0-100): demand = search_demand; competition = search_demand per competing listing;
  margin = 1 - expected_cost / price; attractiveness = mean percentile of rating, review
  count and price position (price percentile within the category). Score = weighted mean.
  A candidate without reviews gets the lowest review percentile and the median rating
  percentile (noted). Back-test: Spearman rank correlation between the score of the shop's
  past launches (candidates with a product_id) and their sales in the first 90 days after
  launch, with a Fisher-z interval (Bonett-Wright standard error).
- **Product tests (测款)**: 点击率 = clicks / impressions, 加购率 = add_to_cart / clicks,
  转化率 = orders / clicks, with Wilson intervals. The primary metric is the click rate for
  main image and title tests and orders per click for price tests. Each variant is compared
  with the first (control) by a pooled two-proportion z test, Holm-adjusted across variants;
  P(best) is the posterior probability of the highest primary rate under Beta(1, 1) priors
  (Monte Carlo, seeded). A winner is declared only when its adjusted p-value is under
  1 - confidence and every variant reached the sample size that detects ``mde`` (relative)
  with 80% power; otherwise the test keeps running. Sample size per variant: the arcsine
  (Cohen's h) formula n = 2 ((z_(1-α/2) + z_power) / h)², h = 2 asin √p₂ - 2 asin √p₁.
- **Elasticity**: per category, a Poisson regression (log link) of weekly units per product
  on log list price with product and week fixed effects (the week effects absorb campaigns,
  seasonality and traffic), so the price coefficient is the elasticity (a log-log model that
  keeps weeks without sales). Weeks in a product's first ``ramp_weeks`` after launch are
  left out (new listings ramp up). Standard errors are quasi-Poisson (Pearson dispersion).
  Not estimable when no product of the category changed price.
- **Price under constant elasticity e**: the profit-maximising price is unit cost x e / (1 + e)
  for e < -1; at e >= -1 raising the price raises revenue and profit within the observed
  range (no interior optimum). The range uses the elasticity's interval.
- **Keywords**: per keyword over the weeks of the period: buyers index = search popularity x
  click rate x conversion; competition = online items / search popularity; value per ¥ of
  CPC = buyers index / avg CPC. A title covers a keyword when the keyword can be split into
  pieces of 2+ characters each found in the title (spaces and case ignored), with at most
  one single character found in the title. Word roots: character 2-3-grams of keywords
  weighted by popularity (no dictionary download).
- **Hot sellers (爆款)**: the last ``hot_weeks`` weeks against the weeks before: share of the
  shop's sales and units; the rise is tested on order lines (binomial share of the two
  windows, Wilson interval). ``traffic`` has no product dimension, so product UV value
  cannot be computed; sales share and orders per week stand in for it.
- **Baskets**: paid orders of the period. support = orders with both / orders; confidence(A→B)
  = orders with both / orders with A; lift = orders with both / the number expected if the
  two were bought independently within each month (Σ_m n_A,m n_B,m / N_m; the unstratified
  lift confidence / support(B) is inflated by products that sold in the same months only).
  Pairs with fewer than ``min_pair_orders`` orders are not shown.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import paid_order_lines
from helpers.params import Period
from helpers.params import is_zh as _zh
from helpers.report import format_value

if TYPE_CHECKING:
    from helpers.data import Shop

ABC_CUTS = (0.8, 0.95)
PRIMARY_METRIC = {"main_image": "click_rate", "title": "click_rate", "price": "order_rate"}
DEFAULT_WEIGHTS = {"demand": 0.4, "competition": 0.15, "margin": 0.2, "attractiveness": 0.25}
LAUNCH_DAYS = 90
PAID_CHANNELS_NOTE = "ads spend allocated by each channel's sales share"
BEST_DRAWS = 20_000

#: Labels of this module's columns and words: key -> (中文, English).
TEXT: dict[str, tuple[str, str]] = {
    "product_id": ("商品ID", "Product id"),
    "title": ("商品标题", "Title"),
    "category": ("类目", "Category"),
    "units": ("销量(件)", "Units"),
    "sales": ("销售额", "Sales"),
    "discounts": ("优惠", "Discounts"),
    "refunds": ("退款", "Refunds"),
    "cogs": ("商品成本", "Cost of goods"),
    "gross_profit": ("毛利", "Gross profit"),
    "gross_margin": ("毛利率", "Gross margin"),
    "ad_spend": ("分摊推广费", "Ad spend (allocated)"),
    "contribution": ("贡献利润", "Contribution"),
    "contribution_margin": ("贡献利润率", "Contribution margin"),
    "abc_sales": ("ABC(销售额)", "ABC (sales)"),
    "abc_profit": ("ABC(贡献利润)", "ABC (contribution)"),
    "share": ("销售占比", "Share of sales"),
    "growth": ("环比增长", "Growth"),
    "quadrant": ("象限", "Quadrant"),
    "star": ("明星", "Star"),
    "cash_cow": ("金牛", "Cash cow"),
    "question": ("问题", "Question mark"),
    "dog": ("瘦狗", "Dog"),
    "stock": ("库存(件)", "Stock"),
    "daily_units": ("日均销量", "Units per day"),
    "cover_days": ("库存可售天数", "Days of cover"),
    "sell_through": ("售罄率", "Sell-through"),
    "not_selling": ("近30天无销售", "No sales in 30 days"),
    "candidate_id": ("候选ID", "Candidate"),
    "price": ("价格", "Price"),
    "expected_cost": ("预估成本", "Expected cost"),
    "search_demand": ("搜索人气", "Search demand"),
    "competitors": ("竞品数", "Competitors"),
    "rating": ("评分", "Rating"),
    "reviews": ("评价数", "Reviews"),
    "demand": ("需求分", "Demand"),
    "competition": ("竞争分", "Competition"),
    "margin": ("利润分", "Margin"),
    "attractiveness": ("吸引力分", "Attractiveness"),
    "score": ("综合得分", "Score"),
    "rank": ("排名", "Rank"),
    "launch_sales": ("上架90天销售额", "Sales in first 90 days"),
    "launch_date": ("上架日期", "Launched"),
    "variant": ("版本", "Variant"),
    "impressions": ("曝光量", "Impressions"),
    "clicks": ("点击量", "Clicks"),
    "add_to_cart": ("加购数", "Add-to-cart"),
    "orders": ("成交笔数", "Orders"),
    "click_rate": ("点击率", "Click rate"),
    "cart_rate": ("加购率", "Add-to-cart rate"),
    "order_rate": ("转化率(成交/点击)", "Orders per click"),
    "low": ("下限", "Low"),
    "high": ("上限", "High"),
    "p_value": ("p值(校正后)", "p (adjusted)"),
    "prob_best": ("最优概率", "P(best)"),
    "needed": ("所需样本/版本", "Needed per variant"),
    "revenue_per_impression": ("每曝光成交额", "Revenue per impression"),
    "list_price": ("一口价", "List price"),
    "unit_cost": ("成本", "Unit cost"),
    "breakeven_roi": ("保本ROI", "Break-even ROI"),
    "elasticity": ("价格弹性", "Elasticity"),
    "products_changed": ("调价商品数", "Products with price changes"),
    "rows": ("商品周数", "Product-weeks"),
    "optimal_price": ("利润最优价", "Profit-maximising price"),
    "optimal_low": ("最优价下限", "Optimum low"),
    "optimal_high": ("最优价上限", "Optimum high"),
    "keyword": ("关键词", "Keyword"),
    "search_popularity": ("搜索人气", "Search popularity"),
    "conversion_rate": ("支付转化率", "Conversion"),
    "online_items": ("在线商品数", "Online items"),
    "avg_cpc": ("直通车均价", "Avg. CPC"),
    "buyers_index": ("成交指数", "Buyers index"),
    "competition_ratio": ("竞争度(商品/人气)", "Items per searcher"),
    "value_per_cpc": ("每元点击价值", "Value per ¥ CPC"),
    "titles_covering": ("覆盖标题数", "Titles carrying it"),
    "core": ("核心词", "Core word"),
    "head_covered": ("热门词覆盖", "Head words carried"),
    "long_tail_covered": ("长尾词覆盖", "Long-tail words carried"),
    "title_chars": ("标题字数", "Title length"),
    "root": ("词根", "Word root"),
    "root_weight": ("词根人气", "Root popularity"),
    "in_titles": ("标题含有", "In our titles"),
    "recent_share": ("近期占比", "Recent share"),
    "before_share": ("此前占比", "Earlier share"),
    "share_ratio": ("占比变化(倍)", "Share ratio"),
    "recent_lines": ("近期子订单数", "Recent order lines"),
    "rising": ("显著上升", "Rising"),
    "pair": ("商品组合", "Pair"),
    "product_a": ("商品A", "Product A"),
    "product_b": ("商品B", "Product B"),
    "pair_orders": ("同单订单数", "Orders with both"),
    "support": ("支持度", "Support"),
    "confidence": ("置信度(A→B)", "Confidence (A→B)"),
    "confidence_ba": ("置信度(B→A)", "Confidence (B→A)"),
    "lift": ("提升度", "Lift"),
    "aov": ("客单价", "AOV"),
    "p25": ("25分位", "25th pct"),
    "median": ("中位数", "Median"),
    "p75": ("75分位", "75th pct"),
    "multi_share": ("多件订单占比", "Multi-product orders"),
    "no_data": ("没有数据", "No data"),
}


def text(key: str, lang: str = "zh") -> str:
    """Label of a column or word of this module (falls back to :func:`helpers.plots.label`)."""
    from helpers.plots import label_from

    return label_from(TEXT, key, lang)


_note = metrics.note
_z = metrics.z_value




def _ts(value: Any):
    return pd.Timestamp(value).to_pydatetime()


def _esc(value: Any) -> str:
    from helpers.report import escape

    return escape(value)


# --------------------------------------------------------------------------- parameters


def check_options(*, confidence: float = 0.95, weights: dict[str, float] | None = None, mde: float = 0.1,
                  min_pair_orders: int = 10, slow_days: int = 90, min_margin: float = 0.15,
                  hot_weeks: int = 4) -> None:
    """Check the notebook's own parameters; a ValueError names the parameter and the fix."""
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    if not isinstance(mde, int | float) or not 0 < mde < 5:
        raise ValueError(f"parameter mde={mde!r} must be a relative effect above 0, e.g. 0.1 for +10%")
    if not isinstance(min_margin, int | float) or not -1 < min_margin < 1:
        raise ValueError(f"parameter min_margin={min_margin!r} must be a fraction, e.g. 0.15")
    for name, value in (("min_pair_orders", min_pair_orders), ("slow_days", slow_days), ("hot_weeks", hot_weeks)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= 1")
    check_weights(weights or DEFAULT_WEIGHTS)


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    """Scorecard weights normalised to sum 1; a ValueError names a bad weight."""
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown scorecard weight(s) {sorted(unknown)}; use {sorted(DEFAULT_WEIGHTS)}")
    w = {k: weights.get(k, 0.0) for k in DEFAULT_WEIGHTS}
    if any(not isinstance(v, int | float) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError(f"scorecard weights {weights} must be >= 0 with a positive sum, e.g. weight_demand=0.4")
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


# --------------------------------------------------------------------------- 1. portfolio


def _channel_shares(lines) -> pd.DataFrame:
    """Each product's share of each channel's paid amount (channel = order source)."""
    by = lines.group_by(["source", "product_id"]).aggregate(amount=lines.paid_amount.sum()).execute()
    total = by.groupby("source")["amount"].transform("sum")
    by["share"] = np.where(total > 0, by["amount"] / total.where(total > 0, 1), 0.0)
    return by


def allocate_ad_spend(shop: Shop, period: Period, lines) -> pd.Series:
    """Ad spend of the period per product, allocated by each channel's sales share.

    ``ads`` reports spend per channel and plan, not per product; a channel's spend is split
    over the products in proportion to the paid amount of orders from that channel (orders
    carry it as ``source``). Spend of a channel with no orders is not allocated (noted).

    Returns
    -------
    Series product_id -> yuan (0 for products without paid-channel sales).
    """
    if not shop.has("ads"):
        return pd.Series(dtype=float)
    a = shop.table("ads")
    a = a.filter(a.date >= _ts(period.start).date(), a.date <= _ts(period.end).date())
    spend = a.group_by("channel").aggregate(spend=a.spend.sum()).execute().set_index("channel")["spend"]
    shares = _channel_shares(lines)
    shares = shares[shares["source"].isin(spend.index)]
    unallocated = sorted(set(spend.index) - set(shares["source"]))
    if unallocated:
        _note(f"ad spend of {', '.join(unallocated)} has no orders from that channel in the period -> "
              "not allocated to products")
    shares["spend"] = shares["share"] * shares["source"].map(spend)
    return shares.groupby("product_id")["spend"].sum()


def summarize_portfolio(shop: Shop, period: Period) -> pd.DataFrame:
    """Per product: units, sales, discounts, refunds, cost, gross profit, ad spend, contribution.

    Products in ``products`` without a sale in the period are kept with zeros (a product
    never sold is a row, not a gap). Margins are NaN where sales are 0 (noted).

    Returns
    -------
    DataFrame indexed by product_id: title, category, units, sales, discounts, refunds, cogs,
    gross_profit, gross_margin, ad_spend, contribution, contribution_margin.
    """
    import ibis

    from helpers import service

    lines = service.paid_lines(shop, period)
    # Units that stay with the buyer: refunds before shipping return the whole line,
    # returns the returned quantity (as service.refund_margin).
    back = ibis.ifelse(lines.shipped == False, lines.quantity,  # noqa: E712
                       ibis.least(lines.returned, lines.quantity))
    lines = lines.mutate(kept=lines.quantity - back)
    o = paid_order_lines(shop, period)
    listed = o.group_by("product_id").aggregate(list_value=(o.list_price * o.quantity).sum()).execute()
    agg = lines.group_by(["product_id", "title", "category"]).aggregate(
        units=lines.quantity.sum(), sales=lines.paid_amount.sum(), refunds=lines.refund_amount.sum(),
        cogs=(lines.kept * lines.unit_cost).sum(), kept=lines.kept.sum()).execute().set_index("product_id")
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute().set_index("product_id")
        agg = agg.reindex(agg.index.union(p.index))
        agg["title"] = agg["title"].fillna(p["title"])
        agg["category"] = agg["category"].fillna(p["category"])
    num = ["units", "sales", "refunds", "cogs", "kept"]
    agg[num] = agg[num].fillna(0.0)
    agg["units"] = agg["units"].astype(int)
    agg["discounts"] = (listed.set_index("product_id")["list_value"].reindex(agg.index).fillna(0.0)
                        - agg["sales"]).clip(lower=0)
    agg["gross_profit"] = agg["sales"] - agg["refunds"] - agg["cogs"]
    agg["ad_spend"] = allocate_ad_spend(shop, period, lines).reindex(agg.index).fillna(0.0)
    agg["contribution"] = agg["gross_profit"] - agg["ad_spend"]
    net = agg["sales"] - agg["refunds"]
    agg["gross_margin"] = metrics.share(agg["gross_profit"], net.where(net > 0, 0))
    agg["contribution_margin"] = metrics.contribution_margin(agg["contribution"], net.where(net > 0, 0))
    cols = ["title", "category", "units", "sales", "discounts", "refunds", "cogs", "gross_profit", "gross_margin",
            "ad_spend", "contribution", "contribution_margin"]
    return agg[cols].sort_values("sales", ascending=False)


def abc_classes(values: pd.Series, cuts: tuple[float, float] = ABC_CUTS) -> pd.Series:
    """Pareto (ABC) class of each item by its cumulative share of the positive total.

    Items sorted by value (largest first); an item is A while the cumulative share *before*
    it is under ``cuts[0]`` (so the item that crosses 80% is still A), B under ``cuts[1]``,
    else C. Items with a value <= 0 are C. An all-zero input is all C (noted).

    Returns
    -------
    Series of "A"/"B"/"C" with the input's index.
    """
    v = pd.Series(values, dtype=float).fillna(0.0)
    pos = v.clip(lower=0)
    total = pos.sum()
    out = pd.Series("C", index=v.index, dtype=object)
    if total <= 0:
        _note("ABC classes: no positive value -> every product is C")
        return out
    order = pos.sort_values(ascending=False, kind="stable")
    before = (order.cumsum() - order) / total
    cls = np.where(before < cuts[0], "A", np.where(before < cuts[1], "B", "C"))
    out.loc[order.index] = np.where(order > 0, cls, "C")
    return out


def growth_share(shop: Shop, period: Period, portfolio: pd.DataFrame) -> pd.DataFrame:
    """Share of shop sales and growth (second half of the period against the first), with
    the quadrant of the growth-share matrix.

    Returns
    -------
    DataFrame indexed by product_id: title, sales, share, growth (NaN for products without
    sales in the first half, noted; counted as growing when they sold in the second),
    quadrant (star / cash_cow / question / dog).
    """
    import ibis

    mid = period.start + pd.Timedelta(days=period.days // 2)
    o = paid_order_lines(shop, period)
    late = o.pay_time >= _ts(mid)
    halves = o.group_by("product_id").aggregate(
        first=ibis.ifelse(late, 0.0, o.paid_amount).sum(), second=ibis.ifelse(late, o.paid_amount, 0.0).sum()
    ).execute().set_index("product_id").reindex(portfolio.index).fillna(0.0)
    out = portfolio[["title", "sales"]].copy()
    out["share"] = metrics.share(out["sales"], float(out["sales"].sum()))
    out["growth"] = metrics.change(halves["second"], halves["first"])
    big = out["share"] > out["share"].median()
    growing = out["growth"].where(out["growth"].notna(), (halves["second"] > 0).astype(float)) > 0
    out["quadrant"] = np.select([big & growing, big, growing], ["star", "cash_cow", "question"], "dog")
    return out


def stock_cover(shop: Shop, period: Period, portfolio: pd.DataFrame, window_days: int = 30) -> pd.DataFrame | None:
    """Days of stock cover and sell-through per product from the latest inventory count.

    Returns
    -------
    DataFrame indexed by product_id: title, stock, daily_units (last ``window_days`` days up
    to the count), cover_days (NaN where nothing sold, noted), not_selling (stock but no sales
    in the window), sell_through; slowest first; or None without an ``inventory`` table.
    """
    if not shop.has("inventory"):
        return None
    inv = shop.table("inventory")
    last = inv.aggregate(d=inv.date.max()).execute()["d"].iloc[0]
    stock = inv.filter(inv.date == last).select("product_id", "stock").execute().set_index("product_id")["stock"]
    o = paid_order_lines(shop, Period.ending(pd.Timestamp(last), window_days))
    recent = o.group_by("product_id").aggregate(units=o.quantity.sum()).execute().set_index("product_id")["units"]
    out = pd.DataFrame({"stock": stock})
    out["title"] = portfolio["title"].reindex(out.index)
    out["daily_units"] = recent.reindex(out.index).fillna(0) / window_days
    out["cover_days"] = metrics.days_of_cover(out["stock"], out["daily_units"])
    out["not_selling"] = (out["daily_units"] == 0) & (out["stock"] > 0)
    sold = portfolio["units"].reindex(out.index).fillna(0)
    out["sell_through"] = metrics.sell_through(sold, out["stock"])
    out = out[["title", "stock", "daily_units", "cover_days", "not_selling", "sell_through"]]
    return out.sort_values(["not_selling", "cover_days"], ascending=False)


def slow_movers(cover: pd.DataFrame, slow_days: int = 90) -> pd.DataFrame:
    """Products with more than ``slow_days`` days of cover, or stock and no recent sales."""
    return cover[(cover["cover_days"] > slow_days) | cover["not_selling"]]


def low_margin_products(portfolio: pd.DataFrame, min_margin: float = 0.15) -> pd.DataFrame:
    """Products whose contribution margin is under ``min_margin`` (or negative): they do not
    carry their costs (不要轻易销售利润率低的产品). Products without sales are left out.

    Returns
    -------
    DataFrame (portfolio rows), lowest contribution margin first.
    """
    sold = portfolio[portfolio["sales"] > 0]
    low = sold[sold["contribution_margin"] < min_margin]
    return low.sort_values("contribution_margin")


# --------------------------------------------------------------------------- 2. selection scorecard


def load_candidates(shop: Shop) -> pd.DataFrame:
    """The candidates table as pandas (a small table), indexed by candidate_id."""
    return shop.table("candidates").execute().set_index("candidate_id")


def _percentile(values: pd.Series) -> pd.Series:
    """Percentile rank 0-100 within the set (ties share the mean rank); a single item is 50."""
    v = pd.Series(values, dtype=float)
    if v.notna().sum() <= 1:
        return pd.Series(np.where(v.notna(), 50.0, np.nan), index=v.index)
    return (v.rank(method="average") - 1) / (v.notna().sum() - 1) * 100


def score_candidates(candidates: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Scorecard of candidate products (see the module's 口径).

    Parameters
    ----------
    candidates : rows with category, price, expected_cost, search_demand, competitors,
        rating (NaN without reviews), reviews.
    weights : demand, competition, margin, attractiveness (normalised to sum 1).

    Returns
    -------
    The input with demand, competition, margin, attractiveness (percentiles 0-100),
    gross_margin (1 - expected_cost / price), score (0-100) and rank (1 = best).
    """
    w = check_weights(weights or DEFAULT_WEIGHTS)
    c = candidates.copy()
    c["gross_margin"] = metrics.gross_margin(c["price"], c["expected_cost"])
    per_comp = metrics.share(c["search_demand"], c["competitors"].where(c["competitors"] > 0, 0))
    c["demand"] = _percentile(np.log1p(c["search_demand"]))
    c["competition"] = _percentile(per_comp).fillna(0.0)
    c["margin"] = _percentile(c["gross_margin"]).fillna(0.0)
    no_reviews = c["reviews"].fillna(0) <= 0
    if no_reviews.any():
        _note(f"{int(no_reviews.sum())} candidate(s) without reviews: rating counted at the median, reviews at "
              "the bottom")
    rating = _percentile(c["rating"].where(~no_reviews)).fillna(50.0)
    reviews = _percentile(np.log1p(c["reviews"].fillna(0)))
    position = c.groupby("category")["price"].transform(lambda s: _percentile(s)).fillna(50.0)
    c["attractiveness"] = (rating + reviews + position) / 3
    c["score"] = sum(w[k] * c[k] for k in DEFAULT_WEIGHTS)
    c["rank"] = c["score"].rank(ascending=False, method="first").astype(int)
    return c.sort_values("rank")


def launch_sales(shop: Shop, days: int = LAUNCH_DAYS) -> pd.DataFrame:
    """Sales of each product in its first ``days`` days after launch (paid lines).

    Only products launched inside the orders data whose whole window is inside it are kept.

    Returns
    -------
    DataFrame indexed by product_id: launch_date, launch_sales (yuan), units.
    """
    first, last = shop.date_range("orders")
    p = shop.table("products")
    lo, hi = first.normalize(), last.normalize() - pd.Timedelta(days=days - 1)
    p = p.filter(p.launch_date >= _ts(lo).date(), p.launch_date <= _ts(hi).date())
    o = paid_order_lines(shop)
    j = o.inner_join(p.select("product_id", "launch_date"), "product_id")
    age = (j.pay_time.epoch_seconds() - j.launch_date.cast("timestamp").epoch_seconds()) / 86400.0
    j = j.filter(age >= 0, age < days)
    sales = j.group_by("product_id").aggregate(launch_sales=j.paid_amount.sum(), units=j.quantity.sum()).execute()
    launched = p.select("product_id", "launch_date").execute().set_index("product_id")
    out = launched.join(sales.set_index("product_id"))
    out[["launch_sales", "units"]] = out[["launch_sales", "units"]].fillna(0)
    return out


def spearman_interval(x: Any, y: Any, confidence: float = 0.95) -> dict[str, float]:
    """Spearman rank correlation with a Fisher-z interval (Bonett-Wright standard error).

    rho = Pearson correlation of the (average) ranks; z = atanh(rho), se = sqrt((1 + rho²/2)
    / (n - 3)); the interval is tanh(z ± z_(1-α/2) se). NaN with fewer than 4 pairs (noted).

    Returns
    -------
    dict: rho, low, high, n.
    """
    x, y = pd.Series(np.asarray(x, dtype=float)), pd.Series(np.asarray(y, dtype=float))
    ok = x.notna() & y.notna()
    n = int(ok.sum())
    nan = float("nan")
    if n < 4 or x[ok].nunique() < 2 or y[ok].nunique() < 2:
        _note(f"rank correlation needs 4+ pairs that vary; got {n} -> NaN")
        return {"rho": nan, "low": nan, "high": nan, "n": n}
    rho = float(np.corrcoef(x[ok].rank(), y[ok].rank())[0, 1])
    r = min(max(rho, -0.999999), 0.999999)
    se = math.sqrt((1 + r * r / 2) / (n - 3))
    z = math.atanh(r)
    half = _z(confidence) * se
    return {"rho": rho, "low": math.tanh(z - half), "high": math.tanh(z + half), "n": n}


def backtest_scorecard(scored: pd.DataFrame, launches: pd.DataFrame, confidence: float = 0.95
                       ) -> tuple[dict[str, float], pd.DataFrame]:
    """Does the score rank the shop's past launches by their first-90-day sales?

    Returns
    -------
    (correlation dict from :func:`spearman_interval`, the launched candidates with their
    score and launch_sales, best score first).
    """
    past = scored[scored.get("product_id", pd.Series(index=scored.index, dtype=object)).notna()]
    past = past.join(launches[["launch_date", "launch_sales"]], on="product_id", how="inner")
    result = spearman_interval(past["score"], past["launch_sales"], confidence)
    return result, past.sort_values("score", ascending=False)


# --------------------------------------------------------------------------- 3. product tests


def load_tests(shop: Shop) -> pd.DataFrame:
    """Product tests summed per test and variant (variants in label order)."""
    t = shop.table("product_tests")
    price = t.price if "price" in t.columns else None
    aggs = dict(product_id=t.product_id.arbitrary(), element=t.element.arbitrary(),
                start=t.date.min(), end=t.date.max(), impressions=t.impressions.sum(), clicks=t.clicks.sum(),
                add_to_cart=t.add_to_cart.sum(), orders=t.orders.sum())
    if price is not None:
        aggs["price"] = price.mean()
    out = t.group_by(["test_id", "variant"]).aggregate(**aggs).execute()
    return out.sort_values(["test_id", "variant"]).reset_index(drop=True)


def two_proportion_test(s1: float, n1: float, s2: float, n2: float) -> dict[str, float]:
    """Pooled two-proportion z test of p2 = p1 (two-sided).

    z = (p2 - p1) / sqrt(p(1-p)(1/n1 + 1/n2)), p = (s1 + s2) / (n1 + n2). NaN when a group
    has no trials or the pooled rate is 0 or 1 (noted).

    Returns
    -------
    dict: z, p_value, difference (p2 - p1).
    """
    nan = float("nan")
    if n1 <= 0 or n2 <= 0:
        _note("two-proportion test: a group has no trials -> NaN")
        return {"z": nan, "p_value": nan, "difference": nan}
    p1, p2, p = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    if p in (0.0, 1.0):
        return {"z": 0.0, "p_value": 1.0, "difference": p2 - p1}
    z = (p2 - p1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return {"z": z, "p_value": 2 * (1 - NormalDist().cdf(abs(z))), "difference": p2 - p1}


def holm(p_values: Any) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN kept as NaN)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.nonzero(~np.isnan(p))[0]
    m = len(ok)
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for i, idx in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[idx]))
        out[idx] = running
    return out


def prob_best(successes: Any, trials: Any, draws: int = BEST_DRAWS, seed: int = 0) -> np.ndarray:
    """Posterior probability that each variant has the highest rate (Beta(1, 1) priors).

    Monte Carlo over ``draws`` joint posterior draws with a fixed seed (reproducible reports).
    A variant with no trials has the flat prior (it can still be 'best' by chance: noted).
    """
    s, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    if (n <= 0).any():
        _note(f"{int((n <= 0).sum())} variant(s) without trials: their P(best) comes from the prior alone")
    rng = np.random.default_rng(seed)
    samples = rng.beta(1 + s[:, None], 1 + np.clip(n - s, 0, None)[:, None], size=(len(s), draws))
    return np.bincount(samples.argmax(0), minlength=len(s)) / draws


def sample_size(baseline: float, mde: float, confidence: float = 0.95, power: float = 0.8) -> float:
    """Trials per variant to detect a relative lift ``mde`` over ``baseline`` (two-sided).

    n = 2 ((z_(1-α/2) + z_power) / h)², h = 2 asin √(baseline (1 + mde)) - 2 asin √baseline
    (Cohen's h: 2 asin √p has variance 1/n, the difference of two groups 2/n; the formula of
    statsmodels' NormalIndPower with equal groups).

    Returns
    -------
    Trials per variant (rounded up); NaN for a baseline outside (0, 1) or a target above 1.
    """
    target = baseline * (1 + mde)
    if not 0 < baseline < 1 or not 0 < target < 1 or mde == 0:
        _note(f"sample size: baseline {baseline!r} with lift {mde!r} is not a rate pair in (0, 1) -> NaN")
        return float("nan")
    h = 2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline))
    z = NormalDist().inv_cdf(0.5 + confidence / 2) + NormalDist().inv_cdf(power)
    return float(math.ceil(2 * (z / h) ** 2))


def _denominator(metric: str) -> str:
    return "impressions" if metric == "click_rate" else "clicks"


def _numerator(metric: str) -> str:
    return {"click_rate": "clicks", "cart_rate": "add_to_cart", "order_rate": "orders"}[metric]


def analyze_test(variants: pd.DataFrame, confidence: float = 0.95, mde: float = 0.1, power: float = 0.8,
                 seed: int = 0, draws: int = BEST_DRAWS) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rates with intervals, tests against the control, P(best) and the verdict of one test.

    Parameters
    ----------
    variants : one test's rows of :func:`load_tests` (first variant = control).

    Returns
    -------
    (table per variant: impressions, clicks, add_to_cart, orders, click_rate, cart_rate,
    order_rate with low/high of each, p_value (Holm, vs control; NaN for the control),
    prob_best, revenue_per_impression where a price is known;
    verdict dict: metric, winner (or None), prob_best of the leader, enough (bool), needed
    per variant, smallest denominator, decision: "winner" / "no_difference" / "keep_running").
    """
    v = variants.set_index("variant").copy()
    element = str(v["element"].iloc[0])
    metric = PRIMARY_METRIC.get(element, "click_rate")
    for key in ("click_rate", "cart_rate", "order_rate"):
        r = metrics.rate_with_interval(v[_numerator(key)], v[_denominator(key) if key != "cart_rate" else "clicks"],
                                       confidence)
        v[key], v[f"{key}_low"], v[f"{key}_high"] = r["rate"], r["low"], r["high"]
    num, den = v[_numerator(metric)].astype(float), v[_denominator(metric)].astype(float)
    control = v.index[0]
    raw = [float("nan")] + [two_proportion_test(num[control], den[control], num[k], den[k])["p_value"]
                            for k in v.index[1:]]
    v["p_value"] = holm(raw)
    v["prob_best"] = prob_best(num.to_numpy(), den.to_numpy(), draws, seed)
    if "price" in v.columns and v["price"].notna().any():
        v["revenue_per_impression"] = metrics.share(v["orders"] * v["price"], v["impressions"])
    base = float(num[control] / den[control]) if den[control] > 0 else float("nan")
    needed = sample_size(base, mde, confidence, power) if 0 < base < 1 else float("nan")
    smallest = float(den.min())
    enough = bool(np.isfinite(needed) and smallest >= needed)
    leader = str(v["prob_best"].idxmax())
    alpha = 1 - confidence
    better = v.index[(v["p_value"] < alpha) & (num / den.where(den > 0) > base)]
    worse = v.index[(v["p_value"] < alpha) & (num / den.where(den > 0) < base)]
    if len(better):
        winner = str(v.loc[better, "prob_best"].idxmax())
    elif len(worse) == len(v) - 1 and len(worse):
        winner = str(control)  # every challenger is significantly worse than the control
    else:
        winner = None
    if winner is not None:
        decision = "winner"
    elif enough:
        decision = "no_difference"
    else:
        decision = "keep_running"
    verdict = {"metric": metric, "element": element, "winner": winner, "leader": leader,
               "prob_best": float(v.loc[winner or leader, "prob_best"]), "enough": enough, "needed": needed,
               "smallest": smallest, "decision": decision, "control": str(control), "baseline": base}
    return v, verdict


# --------------------------------------------------------------------------- 4. pricing


def price_margins(shop: Shop, portfolio: pd.DataFrame) -> pd.DataFrame:
    """Current list price, unit cost, margin at list price and the break-even ROI per product.

    Returns
    -------
    DataFrame indexed by product_id: title, category, list_price, unit_cost, gross_margin
    (1 - cost / price), breakeven_roi (1 / margin; NaN at a zero or negative margin, noted),
    sales.
    """
    p = shop.table("products").select("product_id", "title", "category", "list_price", "unit_cost")
    out = p.execute().set_index("product_id")
    out["gross_margin"] = metrics.gross_margin(out["list_price"], out["unit_cost"])
    out["breakeven_roi"] = metrics.breakeven_roi(out["gross_margin"].where(out["gross_margin"] > 0, 0))
    out["sales"] = portfolio["sales"].reindex(out.index).fillna(0.0)
    return out.sort_values("sales", ascending=False)


def weekly_units(shop: Shop, ramp_weeks: int = 6) -> pd.DataFrame:
    """Units and list price per product and week (Monday), for the elasticity fit.

    Every week from the product's launch + ``ramp_weeks`` to the data's last complete week
    is a row (weeks without sales have 0 units); the week's list price is the unit-weighted
    list price of its lines, carried forward from the last week with sales when none sold.

    Returns
    -------
    DataFrame: product_id, category, week, units, list_price (NaN before the first sale).
    """
    o = paid_order_lines(shop)
    week = o.pay_time.truncate("W")
    o = o.mutate(week=week)
    agg = o.group_by(["product_id", "week"]).aggregate(
        units=o.quantity.sum(), value=(o.list_price * o.quantity).sum()).execute()
    agg["week"] = pd.to_datetime(agg["week"])
    first, last = shop.date_range("orders")
    weeks = pd.date_range(first.normalize() - pd.Timedelta(days=first.weekday()), last.normalize(), freq="W-MON")
    if (last.normalize() - weeks[-1]).days < 6:
        weeks = weeks[:-1]  # the last week is incomplete
    p = shop.table("products").select("product_id", "category", "launch_date").execute()
    grid = pd.MultiIndex.from_product([p["product_id"], weeks], names=["product_id", "week"]).to_frame(index=False)
    grid = grid.merge(p, on="product_id")
    grid = grid[grid["week"] >= pd.to_datetime(grid["launch_date"]) + pd.Timedelta(weeks=ramp_weeks)]
    out = grid.merge(agg, on=["product_id", "week"], how="left")
    out["units"] = out["units"].fillna(0)
    out["list_price"] = out["value"] / out["units"].where(out["units"] > 0)
    out = out.sort_values(["product_id", "week"])
    out["list_price"] = out.groupby("product_id")["list_price"].ffill()
    return out[["product_id", "category", "week", "units", "list_price"]].reset_index(drop=True)


def fit_poisson(X: np.ndarray, y: np.ndarray, max_iter: int = 100) -> dict[str, np.ndarray]:
    """Poisson regression with log link by IRLS, with quasi-Poisson covariance.

    Returns
    -------
    dict: beta, cov (Pearson dispersion x (X'WX)^-1), dispersion, iterations.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    beta = np.zeros(X.shape[1])
    beta[0] = math.log(max(y.mean(), 1e-9))
    info = np.eye(X.shape[1])
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        mu = np.exp(np.clip(X @ beta, -30, 30))
        info = X.T @ (X * mu[:, None])
        step = np.linalg.lstsq(info, X.T @ (y - mu), rcond=None)[0]
        beta = beta + step
        if np.abs(step).max() < 1e-9:
            break
    mu = np.exp(np.clip(X @ beta, -30, 30))
    dof = max(len(y) - np.linalg.matrix_rank(X), 1)
    dispersion = float(((y - mu) ** 2 / mu).sum() / dof)
    cov = np.linalg.pinv(X.T @ (X * mu[:, None])) * dispersion
    return {"beta": beta, "cov": cov, "dispersion": dispersion, "iterations": iterations}


def _design(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Intercept, log price, product and week dummies (first level of each dropped)."""
    prod = pd.get_dummies(g["product_id"], drop_first=True, dtype=float)
    week = pd.get_dummies(g["week"], drop_first=True, dtype=float)
    X = np.column_stack([np.ones(len(g)), np.log(g["list_price"].to_numpy(float)), prod.to_numpy(), week.to_numpy()])
    return X, g["units"].to_numpy(float)


def fit_elasticity(weekly: pd.DataFrame, confidence: float = 0.95, min_changed: int = 1) -> pd.DataFrame:
    """Price elasticity per category (see the module's 口径), with its interval.

    A category where fewer than ``min_changed`` products changed price is not estimable:
    its elasticity is NaN with the reason in ``note`` (and a MetricNote).

    Returns
    -------
    DataFrame indexed by category: elasticity, low, high, se, products_changed, rows,
    dispersion, note.
    """
    rows = []
    z = _z(confidence)
    for cat, g in weekly.dropna(subset=["list_price"]).groupby("category", sort=True):
        moved = g.groupby("product_id")["list_price"].agg(lambda s: s.round(2).nunique() > 1)
        changed = int(moved.sum())
        # Products that never sold cannot inform the fit (their fixed effect is -inf).
        g = g[g.groupby("product_id")["units"].transform("sum") > 0]
        row = {"category": cat, "products_changed": changed, "rows": len(g), "elasticity": np.nan, "se": np.nan,
               "low": np.nan, "high": np.nan, "dispersion": np.nan, "note": ""}
        if changed < min_changed or g.empty:
            row["note"] = "no_variation"
            _note(f"price elasticity of {cat}: no product changed its list price -> not estimable")
            rows.append(row)
            continue
        X, y = _design(g)
        fit = fit_poisson(X, y)
        se = math.sqrt(fit["cov"][1, 1])
        b = float(fit["beta"][1])
        row.update(elasticity=b, se=se, low=b - z * se, high=b + z * se, dispersion=fit["dispersion"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("category")


def optimal_prices(margins: pd.DataFrame, elasticity: pd.DataFrame, max_width: float = 1.0) -> pd.DataFrame:
    """Profit-maximising price (and its range) per product under its category's elasticity.

    p* = unit cost x e / (1 + e) for e < -1; the range comes from the elasticity's interval
    (an end at e >= -1 has no finite optimum: high = inf). ``thin`` marks categories whose
    interval is wider than ``max_width`` or not estimable.

    Returns
    -------
    DataFrame indexed by product_id: title, category, list_price, unit_cost, elasticity,
    optimal_price, optimal_low, optimal_high, thin, direction ("raise" / "cut" / "keep").
    """
    def best(cost: pd.Series, e: pd.Series) -> pd.Series:
        return pd.Series(np.where(e < -1, cost * e / (1 + e.where(e < -1, -2)), np.inf), index=cost.index)

    out = margins[["title", "category", "list_price", "unit_cost"]].copy()
    e = elasticity.reindex(out["category"])
    out["elasticity"] = e["elasticity"].to_numpy()
    lo, hi = e["low"].to_numpy(), e["high"].to_numpy()
    cost = out["unit_cost"]
    out["optimal_price"] = best(cost, out["elasticity"]).where(out["elasticity"].notna())
    out["optimal_low"] = best(cost, pd.Series(lo, index=out.index)).where(out["elasticity"].notna())
    out["optimal_high"] = best(cost, pd.Series(hi, index=out.index)).where(out["elasticity"].notna())
    width = pd.Series(hi - lo, index=out.index)
    out["thin"] = ~(width <= max_width)
    inside = (out["list_price"] >= out["optimal_low"]) & (out["list_price"] <= out["optimal_high"])
    out["direction"] = np.select([out["elasticity"].isna(), inside, out["list_price"] < out["optimal_low"]],
                                 ["unknown", "keep", "raise"], "cut")
    return out


# --------------------------------------------------------------------------- 5. keywords and titles


def normalize_title(value: Any) -> str:
    """Title text for matching: lower case, spaces and punctuation removed (NFKC)."""
    import unicodedata

    text_ = unicodedata.normalize("NFKC", str(value)).lower()
    return "".join(ch for ch in text_ if ch.isalnum())


def covers(title: str, keyword: str) -> bool:
    """True when the (normalised) title carries the keyword (see the module's 口径).

    The keyword must split into pieces of 2+ characters that each occur in the title, with
    at most one single-character piece that occurs in the title: 法式连衣裙 is carried by
    "法式 碎花 连衣裙", 小个子连衣裙 is not.
    """
    t, k = normalize_title(title), normalize_title(keyword)
    if not k:
        return False
    # best[i] = fewest single-character pieces needed to cover k[:i] (inf: impossible)
    best = [0] + [math.inf] * len(k)
    for i in range(1, len(k) + 1):
        for j in range(i):
            if best[j] == math.inf or k[j:i] not in t:
                continue
            best[i] = min(best[i], best[j] + (1 if i - j == 1 else 0))
    return best[len(k)] <= 1


def keyword_value(shop: Shop, period: Period | None = None) -> pd.DataFrame:
    """Keyword value and competition over the weeks of the period (see the module's 口径).

    Returns
    -------
    DataFrame indexed by keyword: category, search_popularity (weekly mean), click_rate,
    conversion_rate, online_items, avg_cpc, buyers_index, competition_ratio, value_per_cpc,
    weeks.
    """
    k = shop.table("keywords")
    if period is not None:
        k = k.filter(k.week >= _ts(period.start).date(), k.week <= _ts(period.end).date())
    agg = k.group_by("keyword").aggregate(
        category=k.category.arbitrary(), search_popularity=k.search_popularity.mean(),
        click_rate=k.click_rate.mean(), conversion_rate=k.conversion_rate.mean(),
        online_items=k.online_items.mean(), avg_cpc=k.avg_cpc.mean(), weeks=k.week.nunique()).execute()
    out = agg.set_index("keyword")
    out["buyers_index"] = out["search_popularity"] * out["click_rate"] * out["conversion_rate"]
    out["competition_ratio"] = metrics.share(out["online_items"], out["search_popularity"])
    out["value_per_cpc"] = metrics.share(out["buyers_index"], out["avg_cpc"])
    return out.sort_values("buyers_index", ascending=False)


def keyword_coverage(titles: pd.Series, keywords: pd.DataFrame) -> pd.DataFrame:
    """How many of our titles carry each keyword, and which valuable ones none carries.

    ``valuable`` = buyers index at or above the median of the keyword's category.

    Returns
    -------
    ``keywords`` with titles_covering (count), missing (no title carries it), valuable.
    """
    normal = [normalize_title(t) for t in titles]
    out = keywords.copy()
    out["titles_covering"] = [sum(covers(t, kw) for t in normal) for kw in out.index]
    out["missing"] = out["titles_covering"] == 0
    med = out.groupby("category")["buyers_index"].transform("median")
    out["valuable"] = out["buyers_index"] >= med
    return out


def title_formula(products: pd.DataFrame, keywords: pd.DataFrame, head: int = 3) -> pd.DataFrame:
    """Core word + attribute words + long-tail words coverage per title (核心词+属性词+长尾词).

    Per category, the core word is its most searched keyword, head words the ``head`` most
    searched, long-tail words the rest; attribute words are the title's space-separated
    words that are not part of the core word (a title without spaces counts 0).

    Returns
    -------
    DataFrame indexed by product_id: title, category, core (bool), head_covered,
    long_tail_covered, long_tail_total, attribute_words, title_chars.
    """
    rows = []
    for pid, row in products.iterrows():
        kws = keywords[keywords["category"] == row["category"]].sort_values("search_popularity", ascending=False)
        names = list(kws.index)
        core = names[0] if names else None
        words = [w for w in str(row["title"]).split() if core is None or normalize_title(w) not in
                 normalize_title(core)]
        rows.append({
            "product_id": pid, "title": row["title"], "category": row["category"],
            "core": bool(core) and covers(row["title"], core),
            "head_covered": sum(covers(row["title"], k) for k in names[:head]),
            "long_tail_covered": sum(covers(row["title"], k) for k in names[head:]),
            "long_tail_total": max(len(names) - head, 0),
            "attribute_words": len(words) if " " in str(row["title"]) else 0,
            "title_chars": len(str(row["title"])),
        })
    return pd.DataFrame(rows).set_index("product_id")


def word_roots(keywords: pd.DataFrame, titles: pd.Series, sizes: tuple[int, ...] = (2, 3),
               top: int = 20) -> pd.DataFrame:
    """Chinese word roots (character n-grams of the keywords) weighted by search popularity.

    Each keyword adds its popularity to every distinct n-gram it contains; a root contained
    in a longer root with at least 80% of its weight is dropped (the longer root says it).

    Returns
    -------
    DataFrame indexed by root: root_weight, keywords (count), in_titles (how many of our
    titles contain it), top ``top`` by weight.
    """
    from helpers.service import extract_ngrams

    weight: dict[str, float] = {}
    count: dict[str, int] = {}
    for kw, pop in keywords["search_popularity"].items():
        for gram in extract_ngrams(normalize_title(kw), sizes):
            weight[gram] = weight.get(gram, 0.0) + float(pop)
            count[gram] = count.get(gram, 0) + 1
    roots = pd.DataFrame({"root_weight": weight, "keywords": count}).sort_values("root_weight", ascending=False)
    keep = [r for r in roots.index if not any(
        r != o and r in o and roots.at[o, "root_weight"] >= 0.8 * roots.at[r, "root_weight"] for o in roots.index)]
    roots = roots.loc[keep].head(top)
    normal = [normalize_title(t) for t in titles]
    roots["in_titles"] = [sum(r in t for t in normal) for r in roots.index]
    return roots


# --------------------------------------------------------------------------- 6. hot sellers


def rising_products(shop: Shop, period: Period, weeks: int = 4, confidence: float = 0.95,
                    min_lines: int = 10) -> pd.DataFrame:
    """Products whose share of the shop's sales rises: the last ``weeks`` weeks of the
    period against the ``weeks`` before (see the module's 口径).

    The rise is tested on paid lines: a product's share of the shop's lines in the recent
    window against the earlier one, each with a Wilson interval; ``rising`` when the recent
    interval lies above the earlier one.

    Returns
    -------
    DataFrame indexed by product_id: title, recent_sales, before_sales, recent_share,
    before_share, share_ratio, recent_lines, before_lines, recent_low, before_high, rising;
    products with fewer than ``min_lines`` recent lines are left out.
    """
    end = period.end_exclusive
    mid = end - pd.Timedelta(weeks=weeks)
    start = mid - pd.Timedelta(weeks=weeks)
    o = paid_order_lines(shop, Period(start, period.end))
    o = o.mutate(recent=o.pay_time >= _ts(mid))
    agg = o.group_by(["product_id", "recent"]).aggregate(sales=o.paid_amount.sum(), lines=o.count()).execute()
    wide = agg.pivot_table(index="product_id", columns="recent", values=["sales", "lines"], fill_value=0)
    out = pd.DataFrame(index=wide.index)
    for flag, name in ((True, "recent"), (False, "before")):
        out[f"{name}_sales"] = wide["sales"][flag] if flag in wide["sales"].columns else 0.0
        out[f"{name}_lines"] = wide["lines"][flag] if flag in wide["lines"].columns else 0
    out["recent_share"] = metrics.share(out["recent_sales"], float(out["recent_sales"].sum()))
    out["before_share"] = metrics.share(out["before_sales"], float(out["before_sales"].sum()))
    out["share_ratio"] = metrics.share(out["recent_share"], out["before_share"].where(out["before_share"] > 0, 0))
    low, _ = metrics.wilson_interval(out["recent_lines"], float(out["recent_lines"].sum()), confidence)
    _, high = metrics.wilson_interval(out["before_lines"], float(out["before_lines"].sum()), confidence)
    out["recent_low"], out["before_high"] = low, high
    out["rising"] = out["recent_low"] > out["before_high"]
    if shop.has("products"):
        titles = shop.table("products").select("product_id", "title").execute().set_index("product_id")["title"]
        out.insert(0, "title", titles.reindex(out.index))
    out = out[out["recent_lines"] >= min_lines]
    return out.sort_values(["rising", "share_ratio"], ascending=False)


# --------------------------------------------------------------------------- 7. baskets


def product_pairs(shop: Shop, period: Period, min_count: int = 10) -> tuple[pd.DataFrame, int]:
    """Products bought together in paid orders of the period (see the module's 口径).

    Lift is stratified by month: observed orders with both / the orders with both expected
    if the two were bought independently *within each month* (Σ_m n_a,m n_b,m / N_m). Over a
    long period, two products that both sold only in the same few months (new launches, a
    season) would otherwise show a high lift from timing alone.

    Returns
    -------
    (DataFrame per unordered pair (product_a < product_b): pair_orders, support, confidence
    (A→B and B→A: confidence_ba), lift, expected, orders_a, orders_b, with pair_orders >=
    ``min_count``, highest lift first; the number of paid orders).
    """
    o = paid_order_lines(shop, period)
    # The validated key (order_id, product_id) makes every line one item of its order.
    items = o.select("order_id", "product_id", month=o.pay_time.truncate("M"))
    per_month = items.group_by(["month", "product_id"]).aggregate(n=items.count()).execute()
    months = items.group_by("month").aggregate(orders=items.order_id.nunique()).execute().set_index("month")["orders"]
    n_orders = int(months.sum())
    per_product = per_month.groupby("product_id")["n"].sum()
    a = items.select("order_id", product_a="product_id")
    b = items.select("order_id", product_b="product_id")
    pairs = a.inner_join(b, "order_id").filter(lambda t: t.product_a < t.product_b)
    counts = pairs.group_by(["product_a", "product_b"]).aggregate(pair_orders=pairs.count())
    counts = counts.filter(counts.pair_orders >= min_count).execute()
    counts["expected"] = _expected_pair_orders(per_month, months, counts["product_a"], counts["product_b"])
    counts["orders_a"] = counts["product_a"].map(per_product)
    counts["orders_b"] = counts["product_b"].map(per_product)
    counts["support"] = metrics.share(counts["pair_orders"], float(n_orders))
    counts["confidence"] = metrics.share(counts["pair_orders"], counts["orders_a"])
    counts["confidence_ba"] = metrics.share(counts["pair_orders"], counts["orders_b"])
    counts["lift"] = metrics.basket_lift(counts["pair_orders"], counts["expected"])
    return counts.sort_values(["lift", "pair_orders"], ascending=False).reset_index(drop=True), n_orders


def _expected_pair_orders(per_month: pd.DataFrame, months: pd.Series, product_a: pd.Series, product_b: pd.Series,
                          chunk: int = 100_000) -> np.ndarray:
    """Σ_m n_a,m · n_b,m / N_m for each pair: orders with both expected if independent within each month.

    ``per_month`` has month, product_id and n (orders with the product), ``months`` the orders
    per month. Whole arrays, a block of pairs at a time: a shop with thousands of products has
    hundreds of thousands of pairs (a row lookup per pair took minutes), and the block bounds
    the pairs x months temporaries.
    """
    wide = per_month.pivot_table(index="product_id", columns="month", values="n", fill_value=0)
    inv = 1.0 / months.reindex(wide.columns).to_numpy(float)
    n = wide.to_numpy(float)
    ia, ib = wide.index.get_indexer(product_a), wide.index.get_indexer(product_b)
    expected = np.empty(len(ia))
    for start in range(0, len(ia), chunk):
        block = slice(start, start + chunk)
        expected[block] = (n[ia[block]] * n[ib[block]] * inv).sum(axis=1)
    return expected


def product_titles(shop: Shop) -> pd.Series:
    """product_id -> title (empty without a ``products`` table)."""
    if not shop.has("products"):
        return pd.Series(dtype=object)
    return shop.table("products").select("product_id", "title").execute().set_index("product_id")["title"]


def aov_by_category(shop: Shop, period: Period) -> pd.DataFrame:
    """Order value distribution per category of the order's largest line.

    Returns
    -------
    DataFrame indexed by category: orders, aov (mean), p25, median, p75, multi_share (orders
    with 2+ products).
    """
    import ibis

    o = paid_order_lines(shop, period)
    if shop.has("products"):
        p = shop.table("products").select("product_id", "category")
        o = o.left_join(p, "product_id").drop("product_id_right")
    else:
        o = o.mutate(category=ibis.null().cast("string"))
    # One grouping by order (three windows over every line took 3x as long); the key
    # (order_id, product_id) makes the order's lines its distinct products.
    main = o.group_by("order_id").aggregate(
        category=metrics.first_of(o.category.fill_null("?"), -o.paid_amount, o.product_id),
        order_value=o.paid_amount.sum(), n_products=o.count())
    g = main.group_by("category").aggregate(
        orders=main.count(), aov=main.order_value.mean(), p25=main.order_value.quantile(0.25),
        median=main.order_value.quantile(0.5), p75=main.order_value.quantile(0.75),
        multi=(main.n_products >= 2).cast("int64").sum()).execute().set_index("category")
    g["multi_share"] = metrics.share(g["multi"], g["orders"])
    return g.drop(columns="multi").sort_values("orders", ascending=False)


# --------------------------------------------------------------------------- sentences


def _title_of(frame: pd.DataFrame, pid: Any) -> str:
    title = frame["title"].get(pid) if "title" in frame.columns else None
    return _esc(title if isinstance(title, str) else pid)


def describe_portfolio(portfolio: pd.DataFrame, cover: pd.DataFrame | None, low: pd.DataFrame,
                       slow_days: int = 90, min_margin: float = 0.15, lang: str = "zh") -> str:
    """What the portfolio says: A-class concentration, loss makers, slow movers, what to do."""
    zh = _zh(lang)
    a = portfolio["abc_sales"] == "A"
    n, n_a = len(portfolio), int(a.sum())
    a_share = float(portfolio.loc[a, "sales"].sum() / portfolio["sales"].sum()) if portfolio["sales"].sum() else np.nan
    never = int((portfolio["units"] == 0).sum())
    losers = portfolio[portfolio["contribution"] < 0]
    parts = [(f"{n} 个商品中 {n_a} 个 A 类商品贡献了 {format_value(a_share, 'pct', lang)} 的销售额。" if zh else
              f"{n_a} of {n} products (class A) bring {format_value(a_share, 'pct', lang)} of sales.")]
    if len(losers):
        names = ("、" if zh else ", ").join(_title_of(losers, i) for i in losers.index[:3])
        parts.append(f"{len(losers)} 个商品扣除退款、成本和分摊推广费后亏损（如 {names}）：先停推广、再考虑提价或下架。" if zh else
                     f"{len(losers)} products lose money after refunds, cost and allocated ads (e.g. {names}): "
                     "stop their ads first, then raise the price or delist.")
    if len(low):
        parts.append(f"{len(low)} 个商品贡献利润率低于 {format_value(min_margin, 'pct', lang)}，不要再为它们加推广或参加深度折扣活动。" if zh else
                     f"{len(low)} products earn under {format_value(min_margin, 'pct', lang)} contribution margin: do not add "
                     "ads or deep discounts for them.")
    if never:
        parts.append(f"{never} 个商品本期没有卖出。" if zh else f"{never} products sold nothing in the period.")
    if cover is not None:
        slow = slow_movers(cover, slow_days)
        if len(slow):
            names = ("、" if zh else ", ").join(_title_of(slow, i) for i in slow.index[:3])
            parts.append(f"{len(slow)} 个商品库存够卖 {slow_days} 天以上（如 {names}），占用资金：停止补货、做清仓或搭配销售。" if zh else
                         f"{len(slow)} products hold more than {slow_days} days of stock (e.g. {names}), tying up "
                         "cash: stop reordering, clear them or bundle them.")
    else:
        parts.append("没有 `inventory` 库存表，库存天数和售罄率未计算。" if zh else
                     "No `inventory` table: days of cover and sell-through are not computed.")
    return " ".join(parts)


def describe_scorecard(scored: pd.DataFrame, backtest: dict[str, float], lang: str = "zh", top: int = 3) -> str:
    """The best new candidates and how far the back-test says to trust the score."""
    zh = _zh(lang)
    new = scored[scored["product_id"].isna()] if "product_id" in scored.columns else scored
    best = new.head(top)
    names = ("、" if zh else ", ").join(f"{_esc(r['title'])}（{r['score']:.0f} 分）" if zh else f"{_esc(r['title'])} ({r['score']:.0f})"
                      for _, r in best.iterrows())
    parts = [f"得分最高的候选品：{names}。" if zh else f"Highest-scoring candidates: {names}."]
    rho, lo, hi, n = backtest["rho"], backtest["low"], backtest["high"], backtest["n"]
    if not np.isfinite(rho):
        parts.append("过去上新的商品不足 4 个，无法回测评分，先小批量测款再决定。" if zh else
                     "Fewer than 4 past launches: the score cannot be back-tested; test small batches before committing.")
    else:
        level = ("强" if lo > 0.5 else "中等" if lo > 0.2 else "弱") if zh else (
            "strong" if lo > 0.5 else "moderate" if lo > 0.2 else "weak")
        parts.append(
            f"回测：对过去 {n} 个上新商品，评分与上架90天销售额的秩相关为 {rho:.2f}（95% 区间 {lo:.2f} ~ {hi:.2f}），"
            f"排序能力{level}。" if zh else
            f"Back-test on {n} past launches: rank correlation of the score with first-90-day sales {rho:.2f} "
            f"(95% interval {lo:.2f} to {hi:.2f}), a {level} ranking.")
        parts.append("按评分排序决定先测哪些，用测款数据决定是否放量。" if zh else
                     "Use the score to choose what to test first and the test results to decide what to scale.")
    return " ".join(parts)


def describe_test(test_id: str, table: pd.DataFrame, verdict: dict[str, Any], mde: float = 0.1,
                  lang: str = "zh") -> str:
    """The verdict of one product test and what to do next."""
    zh = _zh(lang)
    metric = text(verdict["metric"], lang)
    tid = _esc(test_id)
    p = format_value(verdict["prob_best"], "pct", lang)
    needed = verdict["needed"]
    if verdict["decision"] == "winner":
        w = verdict["winner"]
        rate = format_value(table.loc[w, verdict["metric"]], "pct", lang)
        s = (f"测试 {tid}：版本 {_esc(w)} 胜出，{metric} {rate}，是最优版本的概率 {p}。换上版本 {_esc(w)}。" if zh else
             f"Test {tid}: variant {_esc(w)} wins on {metric.lower()} ({rate}), probability of being best {p}. "
             f"Switch to variant {_esc(w)}.")
        if not verdict["enough"]:
            s += (f" 注意：最小样本未达到（每版本需 {needed:,.0f}），差异可能被高估。" if zh else
                  f" Caution: the minimum sample ({needed:,.0f} per variant) was not reached; the lift may be overstated.")
        return s
    if verdict["decision"] == "no_difference":
        return (f"测试 {tid}：各版本 {metric} 没有可信差异（样本已够检出 {format_value(mde, 'pct', lang)} 的相对提升）。"
                "保留原版本，换一个改动更大的方案再测。" if zh else
                f"Test {tid}: no credible difference in {metric.lower()} (the sample could detect a "
                f"{format_value(mde, 'pct', lang)} relative lift). Keep the control and test a bolder change.")
    return (f"测试 {tid}：尚无结论，领先版本 {_esc(verdict['leader'])} 最优概率 {p}；每版本还需约 {needed:,.0f} 次"
            f"{'曝光' if verdict['metric'] == 'click_rate' else '点击'}（当前最少 {verdict['smallest']:,.0f}），继续测试。" if zh else
            f"Test {tid}: no verdict yet; leader {_esc(verdict['leader'])} has P(best) {p}; each variant needs about "
            f"{needed:,.0f} {'impressions' if verdict['metric'] == 'click_rate' else 'clicks'} (smallest now "
            f"{verdict['smallest']:,.0f}): keep it running.")


def describe_pricing(elasticity: pd.DataFrame, prices: pd.DataFrame, lang: str = "zh") -> str:
    """Elasticity per category in words, the categories not estimable and the price moves."""
    zh = _zh(lang)
    parts = []
    est = elasticity[elasticity["elasticity"].notna()]
    for cat, r in est.iterrows():
        kind = ("富有弹性：降价增加收入，但利润在 成本×e/(1+e) 处最高" if r["high"] < -1 else
                "缺乏弹性：提价同时增加收入和利润" if r["low"] > -1 else
                "弹性接近 -1：调价对收入影响小，提价主要增加利润") if zh else (
            "elastic: price cuts raise revenue, but profit peaks at cost × e/(1+e)" if r["high"] < -1 else
            "inelastic: a price rise raises both revenue and profit" if r["low"] > -1 else
            "close to -1: price moves barely change revenue, a rise mainly adds profit")
        parts.append(f"{_esc(cat)} 价格弹性 {r['elasticity']:.2f}（{r['low']:.2f} ~ {r['high']:.2f}），{kind}。" if zh else
                     f"{_esc(cat)}: elasticity {r['elasticity']:.2f} ({r['low']:.2f} to {r['high']:.2f}), {kind}.")
    for cat in elasticity.index[elasticity["elasticity"].isna()]:
        parts.append(f"{_esc(cat)} 没有商品调过价，无法估计价格弹性：先对一两个商品做价格测试。" if zh else
                     f"{_esc(cat)}: no product changed its price, so its elasticity cannot be estimated; run a "
                     "price test on one or two products first.")
    thin = elasticity[(elasticity["high"] - elasticity["low"]) > 1]
    if len(thin):
        parts.append(("数据较少、区间很宽的类目：" if zh else "Thin data, wide intervals: ")
                     + ("、" if zh else ", ").join(_esc(c) for c in thin.index) + ("，定价建议仅供参考。" if zh else "; treat the price advice as rough."))
    moves = prices["direction"].value_counts()
    parts.append(f"按利润最优价：{int(moves.get('raise', 0))} 个商品可提价，{int(moves.get('cut', 0))} 个可降价，"
                 f"{int(moves.get('keep', 0))} 个在最优区间内。" if zh else
                 f"Against the profit-maximising range: {int(moves.get('raise', 0))} products could be priced higher, "
                 f"{int(moves.get('cut', 0))} lower, {int(moves.get('keep', 0))} are inside it.")
    return " ".join(parts)


def describe_keywords(coverage: pd.DataFrame, formula: pd.DataFrame, lang: str = "zh", top: int = 6) -> str:
    """Valuable keywords no title carries, and titles without the core word."""
    zh = _zh(lang)
    gaps = coverage[coverage["missing"]].sort_values("buyers_index", ascending=False)
    parts = []
    if len(gaps):
        names = ("、" if zh else ", ").join(_esc(k) for k in gaps.index[:top])
        parts.append(f"{len(gaps)} 个搜索词没有任何标题覆盖，按成交指数排前的是：{names}。"
                     "有对应商品的，把词加进标题（替换没人搜的词）；没有的，可作为选品方向。" if zh else
                     f"{len(gaps)} searched keywords appear in none of our titles; the most valuable: {names}. Where a "
                     "product fits, put the word into its title (replacing words nobody searches); otherwise it is a "
                     "product idea.")
    no_core = formula[~formula["core"]]
    if len(no_core):
        parts.append(f"{len(no_core)} 个标题不含类目核心词，搜索曝光会吃亏。" if zh else
                     f"{len(no_core)} titles lack their category's core word and lose search exposure.")
    low_tail = formula[formula["long_tail_covered"] == 0]
    if len(low_tail):
        parts.append(f"{len(low_tail)} 个标题没有覆盖任何长尾词：按 核心词+属性词+长尾词 重写。" if zh else
                     f"{len(low_tail)} titles carry no long-tail keyword: rewrite them as core word + attribute "
                     "words + long-tail words.")
    return " ".join(parts) or ("标题覆盖了所有搜索词。" if zh else "Our titles carry every searched keyword.")


def describe_rising(rising: pd.DataFrame, weeks: int, lang: str = "zh", top: int = 3) -> str:
    """Products whose share is rising, with the evidence."""
    zh = _zh(lang)
    up = rising[rising["rising"]]
    proxy = ("（流量表没有商品维度，用销售占比代替商品 UV 价值）" if zh else
             " (traffic has no product dimension, so sales share stands in for product UV value)")
    if up.empty:
        return (f"最近 {weeks} 周没有商品的销售占比显著上升{proxy}。" if zh else
                f"No product's share of sales rose credibly in the last {weeks} weeks{proxy}.")
    items = "；".join(f"{_title_of(up, i)} 占比 {format_value(r['before_share'], 'pct', lang)} → {format_value(r['recent_share'], 'pct', lang)}"
                     for i, r in up.head(top).iterrows()) if zh else "; ".join(
        f"{_title_of(up, i)} share {format_value(r['before_share'], 'pct', lang)} → {format_value(r['recent_share'], 'pct', lang)}"
        for i, r in up.head(top).iterrows())
    return (f"{len(up)} 个商品的销售占比在最近 {weeks} 周显著上升{proxy}：{items}。备足库存、加推广预算、报名活动，把它们做成爆款。"
            if zh else
            f"{len(up)} products' share of sales rose credibly in the last {weeks} weeks{proxy}: {items}. Stock up, "
            "add ad budget and enter them into campaigns to grow them into best sellers.")


def describe_baskets(pairs: pd.DataFrame, aov: pd.DataFrame, titles: pd.Series, lang: str = "zh", top: int = 3) -> str:
    """Which pairs to link on product pages and where bundles would lift AOV."""
    zh = _zh(lang)
    strong = pairs[pairs["lift"] > 1]
    if strong.empty:
        return ("没有满足最小次数、且同买多于偶然的商品组合。" if zh else
                "No pair is bought together often enough and more than by chance.")
    items = [f"{_esc(titles.get(r['product_a'], r['product_a']))} + {_esc(titles.get(r['product_b'], r['product_b']))}"
             f"（{int(r['pair_orders'])} 单，提升度 {r['lift']:.1f}）" if zh else
             f"{_esc(titles.get(r['product_a'], r['product_a']))} + {_esc(titles.get(r['product_b'], r['product_b']))} "
             f"({int(r['pair_orders'])} orders, lift {r['lift']:.1f})" for _, r in strong.head(top).iterrows()]
    low = aov["multi_share"].idxmin() if len(aov) else None
    s = ("在详情页互相关联、做搭配套餐：" + "；".join(items) + "。") if zh else (
        "Link these on each other's pages and offer them as bundles: " + "; ".join(items) + ".")
    if low is not None:
        s += (f" {_esc(low)} 的多件订单最少（{format_value(aov.loc[low, 'multi_share'], 'pct', lang)}），适合加价购或满件优惠提高客单价。" if zh else
              f" {_esc(low)} has the fewest multi-product orders ({format_value(aov.loc[low, 'multi_share'], 'pct', lang)}): "
              "add-ons or multi-buy offers there would raise AOV.")
    return s


# --------------------------------------------------------------------------- tables and plots

TABLE_FORMATS: dict[str, dict[str, Any]] = {
    "portfolio": {"title": None, "category": None, "units": "count", "sales": "yuan", "discounts": "yuan",
                  "refunds": "yuan", "gross_profit": "yuan", "ad_spend": "yuan", "contribution": "yuan",
                  "contribution_margin": "pct", "abc_sales": None, "abc_profit": None},
    "growth": {"title": None, "sales": "yuan", "share": "pct", "growth": "signed_pct", "quadrant": None},
    "cover": {"title": None, "stock": "count", "daily_units": "ratio", "cover_days": "count", "not_selling": None,
              "sell_through": "pct"},
    "scorecard": {"title": None, "category": None, "price": "yuan", "gross_margin": "pct", "search_demand": "count",
                  "competitors": "count", "rating": "ratio", "reviews": "count", "demand": "count",
                  "competition": "count", "margin": "count", "attractiveness": "count", "score": "count"},
    "backtest": {"title": None, "launch_date": None, "score": "count", "launch_sales": "yuan"},
    "test": {"impressions": "count", "clicks": "count", "add_to_cart": "count", "orders": "count",
             "click_rate": "pct", "click_rate_low": "pct", "click_rate_high": "pct", "cart_rate": "pct",
             "order_rate": "pct", "order_rate_low": "pct", "order_rate_high": "pct", "p_value": "ratio",
             "prob_best": "pct", "price": "yuan", "revenue_per_impression": "yuan"},
    "elasticity": {"elasticity": "ratio", "low": "ratio", "high": "ratio", "products_changed": "count",
                   "rows": "count"},
    "prices": {"title": None, "category": None, "list_price": "yuan", "unit_cost": "yuan", "elasticity": "ratio",
               "optimal_price": "yuan", "optimal_low": "yuan", "optimal_high": "yuan"},
    "margins": {"title": None, "list_price": "yuan", "unit_cost": "yuan", "gross_margin": "pct",
                "breakeven_roi": "ratio", "sales": "yuan"},
    "keywords": {"category": None, "search_popularity": "count", "click_rate": "pct", "conversion_rate": "pct",
                 "online_items": "count", "avg_cpc": "yuan", "buyers_index": "count", "competition_ratio": "ratio",
                 "value_per_cpc": "ratio", "titles_covering": "count"},
    "formula": {"title": None, "core": None, "head_covered": "count", "long_tail_covered": "count",
                "title_chars": "count"},
    "roots": {"root_weight": "count", "in_titles": "count"},
    "rising": {"title": None, "before_share": "pct", "recent_share": "pct", "share_ratio": "ratio",
               "recent_lines": "count", "rising": None},
    "pairs": {"title_a": None, "title_b": None, "pair_orders": "count", "support": "pct", "confidence": "pct",
              "confidence_ba": "pct", "lift": "ratio"},
    "aov": {"orders": "count", "aov": "yuan", "p25": "yuan", "median": "yuan", "p75": "yuan", "multi_share": "pct"},
}
_EXTRA_LABELS = {"click_rate_low": "low", "click_rate_high": "high", "order_rate_low": "low",
                 "order_rate_high": "high", "title_a": "product_a", "title_b": "product_b"}


def table(frame: pd.DataFrame, kind: str, lang: str = "zh", top: int | None = 20):
    """A report table of one of this module's frames (columns of :data:`TABLE_FORMATS`)."""
    from helpers import plots

    spec = TABLE_FORMATS[kind]
    cols = [c for c in spec if c in frame.columns]
    shown = frame[cols].head(top) if top else frame[cols]
    shown = shown.copy()
    if "quadrant" in cols:
        shown["quadrant"] = shown["quadrant"].map(lambda v: text(v, lang) if isinstance(v, str) and v in TEXT else v)
    yes, no = ("是", "否") if _zh(lang) else ("yes", "no")
    for c in cols:
        if pd.api.types.is_bool_dtype(shown[c]):
            shown[c] = shown[c].map({True: yes, False: no})
    names = {}
    for c in cols:
        base = text(_EXTRA_LABELS.get(c, c), lang)
        if c in ("click_rate_low", "order_rate_low", "click_rate_high", "order_rate_high"):
            base = f"{text(c.rsplit('_', 1)[0], lang)} {base}"
        names[c] = base
    shown = shown.rename(columns=names)
    if shown.index.name in TEXT:
        shown.index.name = text(shown.index.name, lang)
    formats = {names[c]: spec[c] for c in cols if spec[c] is not None}
    return plots.style_table(shown, formats, lang, translate=False)


def plot_pareto(portfolio: pd.DataFrame, lang: str = "zh"):
    """Cumulative share of sales and contribution against products ranked by each (Pareto curve)."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for col in ("sales", "contribution"):
        v = portfolio[col].clip(lower=0).sort_values(ascending=False)
        if v.sum() > 0:
            ax.plot(np.arange(1, len(v) + 1) / len(v), v.cumsum() / v.sum(), label=text(col, lang))
    ax.axhline(ABC_CUTS[0], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("商品占比（按贡献排序）" if _zh(lang) else "Share of products (ranked)")
    ax.set_ylabel("累计占比" if _zh(lang) else "Cumulative share")
    plots.pct_axis(ax, "x")
    plots.pct_axis(ax, "y")
    ax.legend()
    plt.close(fig)
    return fig


def plot_growth_share(matrix: pd.DataFrame, lang: str = "zh"):
    """Growth-share matrix: share of sales (x, log) against growth (y), coloured by quadrant."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    m = matrix[(matrix["share"] > 0) & matrix["growth"].notna()]
    for q in ("star", "cash_cow", "question", "dog"):
        g = m[m["quadrant"] == q]
        ax.scatter(g["share"], g["growth"].clip(-1, 3), label=text(q, lang), s=25)
    ax.set_xscale("log")
    ax.axvline(matrix["share"].median(), color="grey", lw=0.8, ls="--")
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(text("share", lang))
    ax.set_ylabel(text("growth", lang))
    plots.pct_axis(ax, "y")
    ax.legend()
    plt.close(fig)
    return fig


def plot_test(table_: pd.DataFrame, verdict: dict[str, Any], test_id: str, lang: str = "zh"):
    """The primary rate of each variant with its interval."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    m = verdict["metric"]
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    y = np.arange(len(table_))
    rate = table_[m].to_numpy(float)
    err = np.vstack([rate - table_[f"{m}_low"].to_numpy(float), table_[f"{m}_high"].to_numpy(float) - rate])
    ax.errorbar(rate, y, xerr=err, fmt="o", capsize=4)
    ax.set_yticks(y, [str(v) for v in table_.index])
    ax.set_xlabel(text(m, lang))
    ax.set_title(str(test_id))
    plots.pct_axis(ax, "x")
    plt.close(fig)
    return fig


def plot_elasticity(elasticity: pd.DataFrame, lang: str = "zh"):
    """Elasticity per category with its interval; the -1 line separates elastic from inelastic."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    e = elasticity[elasticity["elasticity"].notna()].sort_values("elasticity")
    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    y = np.arange(len(e))
    ax.errorbar(e["elasticity"], y, xerr=[e["elasticity"] - e["low"], e["high"] - e["elasticity"]], fmt="o",
                capsize=4)
    ax.set_yticks(y, [str(c) for c in e.index])
    ax.axvline(-1, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(text("elasticity", lang))
    plt.close(fig)
    return fig


def plot_keywords(coverage: pd.DataFrame, lang: str = "zh", labels: int = 10):
    """Keyword value (buyers index) against competition; keywords no title carries in red."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for missing, color in ((False, "tab:blue"), (True, "tab:red")):
        g = coverage[coverage["missing"] == missing]
        ax.scatter(g["competition_ratio"], g["buyers_index"], s=20, color=color,
                   label=("标题未覆盖" if missing else "标题已覆盖") if _zh(lang) else ("not in titles" if missing else
                                                                               "in titles"))
    gaps = coverage[coverage["missing"]].nlargest(labels, "buyers_index")
    texts = [ax.annotate(str(k), (r["competition_ratio"], r["buyers_index"]), fontsize=8)
             for k, r in gaps.iterrows()]
    plots._plain_text(texts)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(text("competition_ratio", lang))
    ax.set_ylabel(text("buyers_index", lang))
    ax.legend()
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------- explore


def explore_controls(portfolio: pd.DataFrame, lang: str = "zh") -> dict:
    """Selectors of the Explore section: category and ranking value."""
    from helpers import explore, plots

    everything = "全部" if lang == "zh" else "All"
    cats = sorted(portfolio["category"].dropna().unique())
    by = {text(k, lang): k for k in ("sales", "contribution", "units", "contribution_margin")}
    return {"category": explore.choice(cats, None, plots.label("category", lang), all_label=everything),
            "by": explore.choice(by, "sales", "排序" if lang == "zh" else "Rank by")}


def render_explore(portfolio: pd.DataFrame, category: str | None, by: str = "sales", lang: str = "zh") -> list:
    """The Explore view: the slice's products ranked by the chosen value, with its Pareto curve."""
    subset = portfolio if not category else portfolio[portfolio["category"] == category]
    if subset.empty:
        return [pd.DataFrame({"": [text("no_data", lang)]})]
    ranked = subset.sort_values(by, ascending=False)
    return [table(ranked, "portfolio", lang, top=30), plot_pareto(subset, lang)]
