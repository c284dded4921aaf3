"""Product selection views: the sentences that read the figures and findings, one per report
language, with every data text escaped (:func:`helpers.present.display.escape`) and every
figure formatted by :mod:`helpers.present.format`. Tables are in
:mod:`helpers.areas.products.tables`, charts in :mod:`helpers.areas.products.charts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.products.pricing import PRICE_ALLOWANCE
from helpers.core.findings import Finding
from helpers.i18n import is_zh, label
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period


def _join(items, lang: str) -> str:
    return ("、" if is_zh(lang) else ", ").join(escape(i) for i in items)


def _pct(value: float, lang: str) -> str:
    return format_value(value, "pct", lang)


def period_header(period: Period, lang: str) -> str:
    """The analysed period as one Markdown line."""
    return ("**分析期** " if is_zh(lang) else "**Period** ") + period.label()


def describe_portfolio(findings: list[Finding], lang: str) -> str:
    """What the portfolio says and what to do
    (:func:`helpers.areas.products.findings.portfolio_findings`)."""
    zh = is_zh(lang)
    parts = []
    for f in findings:
        e = f.evidence
        if f.rule == "products.concentration":
            share = _pct(e["a_share"], lang)
            parts.append(f"{e['products']} 个商品中 {e['a_products']} 个 A 类商品贡献了 {share} 的销售额。" if zh else
                         f"{e['a_products']} of {e['products']} products (class A) bring {share} of sales.")
        elif f.rule == "products.loss_making":
            names = _join(e["examples"], lang)
            parts.append(f"{e['count']} 个商品扣除退款、成本和分摊推广费后亏损（如 {names}）：先停推广、再考虑提价或下架。"
                         if zh else
                         f"{e['count']} products lose money after refunds, cost and allocated ads (e.g. {names}): "
                         "stop their ads first, then raise the price or delist.")
        elif f.rule == "products.low_margin":
            floor = _pct(e["min_margin"], lang)
            parts.append(f"{e['count']} 个商品贡献利润率低于 {floor}，不要再为它们加推广或参加深度折扣活动。" if zh else
                         f"{e['count']} products earn under {floor} contribution margin: do not add ads or deep "
                         "discounts for them.")
        elif f.rule == "products.never_sold":
            parts.append(f"{e['count']} 个商品本期没有卖出。" if zh else f"{e['count']} products sold nothing in the period.")
        elif f.rule == "products.slow_movers" and not f.enough_data:
            parts.append("没有 `inventory` 库存表，库存天数和售罄率未计算。" if zh else
                         "No `inventory` table: days of cover and sell-through are not computed.")
        elif f.rule == "products.slow_movers":
            names = _join(e["examples"], lang)
            parts.append(f"{e['count']} 个商品库存够卖 {e['slow_days']} 天以上（如 {names}），占用资金：停止补货、做清仓或搭配销售。"
                         if zh else
                         f"{e['count']} products hold more than {e['slow_days']} days of stock (e.g. {names}), tying "
                         "up cash: stop reordering, clear them or bundle them.")
    return " ".join(parts)


def describe_scorecard(scored: pd.DataFrame, backtest: Finding, lang: str, top: int = 3) -> str:
    """The best new candidates and how far the back-test
    (:func:`helpers.areas.products.findings.judge_backtest`) says to trust the score."""
    zh = is_zh(lang)
    new = scored[scored["product_id"].isna()] if "product_id" in scored.columns else scored
    best = new.head(top)
    names = ("、" if zh else ", ").join(
        f"{escape(r['title'])}（{r['total_score']:.0f} 分）" if zh else f"{escape(r['title'])} ({r['total_score']:.0f})"
        for _, r in best.iterrows())
    parts = [f"得分最高的候选品：{names}。" if zh else f"Highest-scoring candidates: {names}."]
    if not backtest.enough_data:
        parts.append("过去上新的商品不足 4 个，无法回测评分，先小批量测款再决定。" if zh else
                     "Fewer than 4 past launches: the score cannot be back-tested; test small batches before committing.")
        return " ".join(parts)
    e = backtest.evidence
    rho, lo, hi, n = e["rho"], e["low"], e["high"], e["n"]
    level = {"strong": "强", "moderate": "中等", "weak": "弱"}[backtest.verdict] if zh else backtest.verdict
    parts.append(f"回测：对过去 {n} 个上新商品，评分与上架90天销售额的秩相关为 {rho:.2f}（95% 区间 {lo:.2f} ~ {hi:.2f}），"
                 f"排序能力{level}。" if zh else
                 f"Back-test on {n} past launches: rank correlation of the score with first-90-day sales {rho:.2f} "
                 f"(95% interval {lo:.2f} to {hi:.2f}), a {level} ranking.")
    parts.append("按评分排序决定先测哪些，用测款数据决定是否放量。" if zh else
                 "Use the score to choose what to test first and the test results to decide what to scale.")
    return " ".join(parts)


def describe_test(finding: Finding, table: pd.DataFrame, mde: float, lang: str) -> str:
    """The verdict of one product test (:func:`helpers.areas.products.findings.judge_test`)
    and what to do next."""
    zh = is_zh(lang)
    e = finding.evidence
    metric = label(e["metric"], lang)
    tid = escape(finding.subject)
    p = _pct(e["prob_best"], lang)
    needed = e["needed"]
    if finding.verdict == "winner":
        w = escape(e["winner"])
        rate = _pct(table.loc[e["winner"], e["metric"]], lang)
        s = (f"测试 {tid}：版本 {w} 胜出，{metric} {rate}，是最优版本的概率 {p}。换上版本 {w}。" if zh else
             f"Test {tid}: variant {w} wins on {metric.lower()} ({rate}), probability of being best {p}. "
             f"Switch to variant {w}.")
        if not e["enough"]:
            s += (f" 注意：最小样本未达到（每版本需 {needed:,.0f}），差异可能被高估。" if zh else
                  f" Caution: the minimum sample ({needed:,.0f} per variant) was not reached; the lift may be overstated.")
        return s
    if finding.verdict == "no_difference":
        lift = _pct(mde, lang)
        return (f"测试 {tid}：各版本 {metric} 没有可信差异（样本已够检出 {lift} 的相对提升）。保留原版本，换一个改动更大的方案再测。"
                if zh else
                f"Test {tid}: no credible difference in {metric.lower()} (the sample could detect a {lift} relative "
                "lift). Keep the control and test a bolder change.")
    leader = escape(e["leader"])
    if zh:
        unit = "曝光" if e["metric"] == "click_rate" else "点击"
        return (f"测试 {tid}：尚无结论，领先版本 {leader} 最优概率 {p}；每版本还需约 {needed:,.0f} 次{unit}"
                f"（当前最少 {e['smallest']:,.0f}），继续测试。")
    unit = "impressions" if e["metric"] == "click_rate" else "clicks"
    return (f"Test {tid}: no verdict yet; leader {leader} has P(best) {p}; each variant needs about {needed:,.0f} "
            f"{unit} (smallest now {e['smallest']:,.0f}): keep it running.")


def describe_sample_plan(plan: pd.Series, lang: str) -> str:
    """The trials per variant of :func:`helpers.areas.products.experiments.sample_size_plan`,
    one "baseline: trials" pair per baseline rate."""
    return " · ".join(f"{format_value(b, 'pct', lang)}: {n:,.0f}" for b, n in plan.items())


def _response(verdict: str, lang: str) -> str:
    if is_zh(lang):
        return {"elastic": "富有弹性：降价增加收入，但利润在 成本×e/(1+e) 处最高",
                "inelastic": "缺乏弹性：提价同时增加收入和利润",
                "near_unit": "弹性接近 -1：调价对收入影响小，提价主要增加利润"}[verdict]
    return {"elastic": "elastic: price cuts raise revenue, but profit peaks at cost × e/(1+e)",
            "inelastic": "inelastic: a price rise raises both revenue and profit",
            "near_unit": "close to -1: price moves barely change revenue, a rise mainly adds profit"}[verdict]


def describe_pricing(responses: list[Finding], prices: pd.DataFrame, lang: str) -> str:
    """Elasticity per category in words
    (:func:`helpers.areas.products.findings.price_responses`), the categories not
    estimable and the price moves of :func:`helpers.areas.products.pricing.optimal_prices`."""
    zh = is_zh(lang)
    parts = []
    for f in (f for f in responses if f.enough_data):
        e = f.evidence
        kind = _response(f.verdict, lang)
        parts.append(f"{escape(f.subject)} 价格弹性 {e['elasticity']:.2f}（{e['low']:.2f} ~ {e['high']:.2f}），{kind}。" if zh
                     else f"{escape(f.subject)}: elasticity {e['elasticity']:.2f} ({e['low']:.2f} to {e['high']:.2f}), "
                     f"{kind}.")
    for f in (f for f in responses if not f.enough_data):
        parts.append(f"{escape(f.subject)} 没有商品调过价，无法估计价格弹性：先对一两个商品做价格测试。" if zh else
                     f"{escape(f.subject)}: no product changed its price, so its elasticity cannot be estimated; run a "
                     "price test on one or two products first.")
    thin = [f.subject for f in responses if f.evidence["thin"]]
    if thin:
        parts.append(f"数据较少、区间很宽的类目：{_join(thin, lang)}，定价建议仅供参考。" if zh else
                     f"Thin data, wide intervals: {_join(thin, lang)}; treat the price advice as rough.")
    moves = prices["direction"].value_counts()
    allow = f"{PRICE_ALLOWANCE:.0%}"
    up, down, keep, far, few = (int(moves.get(k, 0)) for k in ("raise", "cut", "keep", "extrapolated",
                                                               "not_enough_data"))
    parts.append(f"按利润最优价（不超出售过的价格 ±{allow}）：{up} 个商品可提价，{down} 个可降价，{keep} 个在最优区间内。" if zh else
                 f"Against the profit-maximising range (within ±{allow} of the prices sold): {up} products could be "
                 f"priced higher, {down} lower, {keep} are inside it.")
    if far:
        parts.append(f"{far} 个商品的最优价落在售过的价格之外（外推，弹性在那里未经检验）：不要直接调到该价，"
                     f"先在售过价格的 ±{allow} 内做价格测试。" if zh else
                     f"{far} products have their optimum outside the prices they sold at (an extrapolation the "
                     f"elasticity was never tested on): do not move to it; test a price within ±{allow} of those sold first.")
    if few:
        parts.append(f"{few} 个商品订单或售价点太少，暂无定价建议（数据不足）。" if zh else
                     f"{few} products have too few orders or price points for price advice yet (not enough data).")
    return " ".join(parts)


def describe_keywords(coverage: pd.DataFrame, formula: pd.DataFrame, lang: str, top: int = 6) -> str:
    """Valuable keywords no title carries, and titles without the core word."""
    zh = is_zh(lang)
    gaps = coverage[coverage["missing"]].sort_values("buyers_index", ascending=False)
    parts = []
    if len(gaps):
        names = _join(gaps.index[:top], lang)
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


def _title(frame: pd.DataFrame, pid) -> str:
    title = frame["title"].get(pid) if "title" in frame.columns else None
    return escape(title if isinstance(title, str) else pid)


def describe_rising(rising: pd.DataFrame, weeks: int, lang: str, top: int = 3) -> str:
    """Products whose share of sales is rising
    (:func:`helpers.areas.products.portfolio.rising_products`), with the evidence."""
    zh = is_zh(lang)
    up = rising[rising["rising"]]
    proxy = ("（流量表没有商品维度，用销售占比代替商品 UV 价值）" if zh else
             " (traffic has no product dimension, so sales share stands in for product UV value)")
    if up.empty:
        return (f"最近 {weeks} 周没有商品的销售占比显著上升{proxy}。" if zh else
                f"No product's share of sales rose credibly in the last {weeks} weeks{proxy}.")
    word = "占比" if zh else "share"
    items = ("；" if zh else "; ").join(
        f"{_title(up, i)} {word} {_pct(r['before_share'], lang)} → {_pct(r['recent_share'], lang)}"
        for i, r in up.head(top).iterrows())
    return (f"{len(up)} 个商品的销售占比在最近 {weeks} 周显著上升{proxy}：{items}。备足库存、加推广预算、报名活动，把它们做成爆款。"
            if zh else
            f"{len(up)} products' share of sales rose credibly in the last {weeks} weeks{proxy}: {items}. Stock up, "
            "add ad budget and enter them into campaigns to grow them into best sellers.")


def describe_baskets(pairs: pd.DataFrame, aov: pd.DataFrame, titles: pd.Series, lang: str, top: int = 3) -> str:
    """Which pairs (:func:`helpers.areas.products.baskets.product_pairs`) to link on product
    pages, and where bundles would lift the order value
    (:func:`helpers.areas.products.baskets.aov_by_category`)."""
    zh = is_zh(lang)
    strong = pairs[pairs["lift"] > 1]
    if strong.empty:  # not enough evidence for any bundle yet; the add-on advice below stands on its own
        s = ("数据不足：还没有商品组合既达到最小同买单数、又在多重检验后明显多于偶然同买，暂不建议捆绑。" if zh else
             "Not enough data yet: no pair is bought together often enough and, after testing every pair, more "
             "than by chance; no bundle is advised.")
    else:
        items = []
        for _, r in strong.head(top).iterrows():
            pair = (f"{escape(titles.get(r['product_a'], r['product_a']))} + "
                    f"{escape(titles.get(r['product_b'], r['product_b']))}")
            items.append(f"{pair}（{int(r['pair_orders'])} 单，提升度 {r['lift']:.1f}）" if zh else
                         f"{pair} ({int(r['pair_orders'])} orders, lift {r['lift']:.1f})")
        s = ("在详情页互相关联、做搭配套餐：" + "；".join(items) + "。") if zh else (
            "Link these on each other's pages and offer them as bundles: " + "; ".join(items) + ".")
    if len(aov):
        low = aov["multi_share"].idxmin()
        share = _pct(aov.loc[low, "multi_share"], lang)
        s += (f" {escape(low)} 的多件订单最少（{share}），适合加价购或满件优惠提高客单价。" if zh else
              f" {escape(low)} has the fewest multi-product orders ({share}): add-ons or multi-buy offers there "
              "would raise AOV.")
    return s

