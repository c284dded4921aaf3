"""Traffic down to the product (商品360 / 商品效果 by source): funnel, UV value, 测款, 人货场.

Reads ``product_traffic`` (day x product x source); reductions run in the engine and a table
per product (or product x source) comes back.

口径
----
- Visitors are product-page visitors summed over days and sources (visitor-days, as the
  export counts them; a visitor of two products counts twice).
- 支付转化率 = paid buyers / visitors; 加购率 = cart buyers / visitors; 收藏率 = favourites /
  visitors; 收藏加购率 = (favourites + cart buyers) / visitors, the field's 测款 signal before
  sales exist; UV价值 = paid amount / visitors (yuan). Intervals are Wilson intervals
  (:func:`helpers.core.stats.rate_with_interval`); the 收藏加购率's treats each visitor as two
  trials (favourite? cart?), exact when the two are independent with equal rates and
  conservative otherwise (the variance of a sum of binomials is at most the pooled one).
- 点击率 (CTR) = visitors / impressions (曝光量), with its Wilson interval; only where the
  export has impressions (``product_traffic.impressions``): the 测款 signal of the main image
  and price as shown in search and feeds, before the page is seen.
- A product's UV value is compared with its category's (all the category's products in the
  period): ``uv_index`` = product UV value / category UV value.
- 测款: the listings under test share the same traffic (same source, same days); P(best) is
  the posterior probability of the highest 收藏加购率 (:func:`helpers.core.stats.prob_best`),
  and of the highest CTR where impressions exist; each signal is judged on its own (a listing
  whose page converts interest but whose CTR lags needs a new main image, not a drop).
- 人货场: a product's share of visitors per source; concentrated when one source brings more
  than ``max_share`` (70%) of them (a risk: the listing lives on one channel), a gap when a
  source bringing at least ``gap_source_share`` (10%) of the shop's product visitors brings it
  none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.findings import Finding, not_enough_data
from helpers.core.lines import product_titles
from helpers.core.stats import prob_best, rate_with_interval
from helpers.i18n import pick
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

COUNTS = ("visitors", "impressions", "page_views", "favourites", "cart_buyers", "order_buyers", "paid_buyers", "paid_amount")
TEST_VERDICTS = ("push", "drop", "keep_testing")


def _counts(shop: Shop, period: Period, by: list[str], products: list[str] | None = None,
            sources: list[str] | None = None) -> pd.DataFrame:
    t = shop.table("product_traffic")
    t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
    if products is not None:
        t = t.filter(t.product_id.isin(list(products)))
    if sources is not None:
        t = t.filter(t.source.isin(list(sources)))
    cols = [c for c in COUNTS if c in t.columns]
    out = t.group_by(by).aggregate(**{c: t[c].sum() for c in cols}).execute()
    for c in cols:
        out[c] = out[c].astype(float).fillna(0.0)
    return out


def add_rates(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Add the funnel's rates and intervals to a frame of summed counts.

    Adds conversion_rate/_low/_high, cart_rate, fav_rate, fav_cart_rate/_low/_high (fractions),
    uv_value and aov (yuan); with an ``impressions`` column also ctr/_low/_high (visitors /
    impressions). NaN where visitors (or buyers, for AOV; impressions, for CTR) are 0: an export
    without impressions sums to 0 and has no CTR, never a CTR of 0.
    """
    out = table.copy()
    shown = out["impressions"] > 0 if "impressions" in out else pd.Series(False, index=out.index)
    if shown.any():
        ctr = rate_with_interval(out.loc[shown, "visitors"], out.loc[shown, "impressions"], confidence)
        out["ctr"], out["ctr_low"], out["ctr_high"] = (ctr[c].reindex(out.index) for c in ("rate", "low", "high"))
    conv = rate_with_interval(out["paid_buyers"], out["visitors"], confidence)
    out["conversion_rate"], out["conversion_low"], out["conversion_high"] = conv["rate"], conv["low"], conv["high"]
    both = rate_with_interval(out["favourites"] + out["cart_buyers"], 2 * out["visitors"], confidence)
    out["fav_cart_rate"], out["fav_cart_low"], out["fav_cart_high"] = (2 * both["rate"], 2 * both["low"],
                                                                       2 * both["high"])
    v = out["visitors"].where(out["visitors"] > 0)
    out["cart_rate"] = out["cart_buyers"] / v
    out["fav_rate"] = out["favourites"] / v
    out["uv_value"] = out["paid_amount"] / v
    out["aov"] = out["paid_amount"] / out["paid_buyers"].where(out["paid_buyers"] > 0)
    return out


def _with_products(shop: Shop, table: pd.DataFrame) -> pd.DataFrame:
    if not shop.has("products"):
        table["title"], table["category"] = table["product_id"], ""
        return table
    p = shop.table("products").select("product_id", "title", "category").execute()
    out = table.merge(p, on="product_id", how="left")
    out["title"] = out["title"].fillna(out["product_id"])
    out["category"] = out["category"].fillna("")
    return out


def product_funnel(shop: Shop, period: Period, confidence: float = 0.95, by_source: bool = False,
                   min_visitors: int = 0) -> pd.DataFrame:
    """Per product (and source): visitors, 收藏, 加购, buyers, amount and the rates with intervals.

    Formula: see the module's 口径; ``uv_index`` = product UV value / its category's UV value
    (the category's products pooled), 1 = as valuable as the category's average visitor.

    Returns
    -------
    DataFrame: product_id, [source,] title, category, the counts, the rates of :func:`add_rates`,
    uv_index; products with fewer than ``min_visitors`` visitors are left out; most visitors first.
    """
    by = ["product_id", "source"] if by_source else ["product_id"]
    out = _with_products(shop, _counts(shop, period, by))
    out = add_rates(out, confidence)
    cat = out.groupby("category")[["paid_amount", "visitors"]].transform("sum")
    out["uv_index"] = out["uv_value"] / (cat["paid_amount"] / cat["visitors"].where(cat["visitors"] > 0))
    out = out[out["visitors"] >= min_visitors]
    return out.sort_values(["visitors", "product_id"], ascending=[False, True]).reset_index(drop=True)


def product_sources(shop: Shop, period: Period, product_id: str, confidence: float = 0.95) -> pd.DataFrame:
    """One product's funnel per source (its 商品360 流量来源): the counts and rates of
    :func:`add_rates` indexed by source, most visitors first; empty when it had no visitors."""
    out = add_rates(_counts(shop, period, ["source"], products=[product_id]), confidence)
    return out.sort_values(["visitors", "source"], ascending=[False, True]).set_index("source")


def product_daily(shop: Shop, period: Period, product_id: str) -> pd.DataFrame:
    """One product's daily visitors, paid buyers, conversion and UV value (all sources), by date."""
    out = add_rates(_counts(shop, period, ["date"], products=[product_id]))
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values("date").reset_index(drop=True)


def newest_listings(shop: Shop, period: Period, count: int = 3) -> list[str]:
    """The ``count`` most recently launched products with visitors in the period (the listings a
    test usually concerns), newest first; empty without ``products``."""
    if not shop.has("products"):
        return []
    seen = set(_counts(shop, period, ["product_id"])["product_id"].astype(str))
    p = shop.table("products").select("product_id", "launch_date").execute()
    p = p[p["product_id"].astype(str).isin(seen) & (pd.to_datetime(p["launch_date"]) <= period.end)]
    return list(p.sort_values(["launch_date", "product_id"], ascending=[False, True])["product_id"].astype(str)[:count])


def listing_period(test_start: str, test_days: int, period: Period) -> Period:
    """The days of a 测款: ``test_days`` days from ``test_start`` (YYYY-MM-DD), or ending on the
    period's last day when ``test_start`` is empty."""
    from helpers.core.calendar import Period

    if not test_start:
        return Period.ending(period.end, test_days)
    try:
        start = pd.Timestamp(test_start)
    except ValueError as exc:
        raise ValueError(f"parameter test_start={test_start!r} is not a date; use YYYY-MM-DD or leave it empty") from exc
    return Period(start, start + pd.Timedelta(days=test_days - 1))


def compare_listings(shop: Shop, period: Period, products: list[str], source: str | None = None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """The 测款 table: the listings under test on the same traffic, with intervals and P(best).

    Parameters
    ----------
    products : the listings under test (product ids).
    source : count only this source's visitors (the paid traffic the test bought, e.g. 直通车);
        None counts every source.

    Returns
    -------
    DataFrame indexed by product_id: title, the counts and rates of :func:`add_rates`,
    prob_best (P(highest 收藏加购率), a fraction), prob_best_conversion and, where every listing
    has impressions, prob_best_ctr (P(highest CTR)).
    """
    sources = None if source is None else [source]
    counts = _counts(shop, period, ["product_id"], products=products, sources=sources)
    counts = counts.set_index("product_id").reindex(list(products)).fillna(0.0).reset_index()
    out = add_rates(_with_products(shop, counts), confidence)
    out["prob_best"] = prob_best(out["favourites"] + out["cart_buyers"], 2 * out["visitors"])
    out["prob_best_conversion"] = prob_best(out["paid_buyers"], out["visitors"])
    if "ctr" in out and out["ctr"].notna().all() and len(out):
        out["prob_best_ctr"] = prob_best(out["visitors"], out["impressions"])
    return out.set_index("product_id")


def judge_listings(table: pd.DataFrame, min_visitors: int = 200, push_probability: float = 0.9,
                   min_impressions: int = 3000) -> list[Finding]:
    """Which listing of a 测款 to push, which to drop, or that the test needs more traffic.

    Rules, on the 收藏加购率 of :func:`compare_listings` (rule ``traffic.listing_test``) and,
    where every listing has impressions, on its CTR (rule ``traffic.listing_ctr``):

    - a listing with fewer than ``min_visitors`` visitors (``min_impressions`` impressions,
      for CTR) -> not enough data for every listing (the comparison is only fair once each
      had its share);
    - the listing with P(best) >= ``push_probability`` -> push;
    - a listing whose interval lies wholly below the interval of the leader -> drop;
    - otherwise keep testing.

    Returns
    -------
    The 收藏加购率 findings, one per listing, then the CTR findings (none without impressions).
    """
    out = _judge_signal(table, "traffic.listing_test", "visitors", min_visitors, "fav_cart", "prob_best",
                        push_probability)
    if "prob_best_ctr" in table:
        out += _judge_signal(table, "traffic.listing_ctr", "impressions", min_impressions, "ctr", "prob_best_ctr",
                             push_probability)
    return out


def _judge_signal(table: pd.DataFrame, rule: str, sample: str, minimum: int, rate: str, best: str,
                  push_probability: float) -> list[Finding]:
    """:func:`judge_listings` on one signal: ``rate`` (column prefix of the rate and its
    interval), ``best`` (its P(best) column), ``sample`` (its trials) and their minimum."""
    rate_col = "fav_cart_rate" if rate == "fav_cart" else rate
    if not len(table) or (table[sample] < minimum).any():
        return [not_enough_data(rule, str(pid), **{sample: int(r[sample]), f"min_{sample}": minimum})
                for pid, r in table.iterrows()]
    leader = table[best].idxmax()
    out = []
    for pid, r in table.iterrows():
        evidence = {rate_col: r[rate_col], f"{rate}_low": r[f"{rate}_low"], f"{rate}_high": r[f"{rate}_high"],
                    "prob_best": r[best], sample: int(r[sample]), "conversion_rate": r["conversion_rate"],
                    "leader": str(leader)}
        if pid == leader and r[best] >= push_probability:
            verdict, conf = "push", r[best]
        elif pid != leader and r[f"{rate}_high"] < table.loc[leader, f"{rate}_low"]:
            verdict, conf = "drop", 1 - r[best]
        else:
            verdict, conf = "keep_testing", None
        out.append(Finding(rule, str(pid), verdict, evidence, conf))
    return out


def source_matrix(shop: Shop, period: Period, min_visitors: int = 200, max_share: float = 0.7,
                  gap_source_share: float = 0.1) -> tuple[pd.DataFrame, list[Finding]]:
    """人货场: each product's share of visitors per source, with concentration and gaps.

    Returns
    -------
    (matrix, findings): matrix indexed by product_id, a column per source (share of the
    product's visitors, fractions summing to 1) plus visitors, top_source, top_share, title;
    findings ``traffic.source_concentration`` (verdict ``concentrated``) and
    ``traffic.source_gap`` (verdict ``gap``) for products with at least ``min_visitors``.
    """
    counts = _counts(shop, period, ["product_id", "source"])
    visits = counts.pivot_table(index="product_id", columns="source", values="visitors", aggfunc="sum", fill_value=0.0)
    totals = visits.sum(axis=1)
    shares = visits.div(totals.where(totals > 0), axis=0)
    shop_share = visits.sum(axis=0) / visits.to_numpy().sum() if visits.size else visits.sum(axis=0)
    major = list(shop_share[shop_share >= gap_source_share].index)
    matrix = shares.copy()
    matrix["visitors"] = totals
    matrix["top_source"] = shares.idxmax(axis=1) if len(shares.columns) else ""
    matrix["top_share"] = shares.max(axis=1)
    titles = product_titles(shop)
    matrix["title"] = [titles.get(str(p), str(p)) for p in matrix.index]
    findings = []
    for pid, row in matrix[matrix["visitors"] >= min_visitors].iterrows():
        if row["top_share"] > max_share:
            findings.append(Finding("traffic.source_concentration", str(pid), "concentrated",
                                    {"source": row["top_source"], "share": row["top_share"],
                                     "visitors": int(row["visitors"]), "max_share": max_share}))
        for source in major:
            if visits.loc[pid, source] == 0:
                findings.append(Finding("traffic.source_gap", str(pid), "gap",
                                        {"source": source, "shop_share": float(shop_share[source]),
                                         "visitors": int(row["visitors"])}))
    return matrix.sort_values("visitors", ascending=False), findings


# --------------------------------------------------------------------------- sentences


def _name(pid: str, titles: pd.Series | None) -> str:
    title = titles.get(pid) if titles is not None else None
    return escape(f"{title} [{pid}]" if isinstance(title, str) and title != pid else pid)


def describe_listings(findings: list[Finding], lang: str, titles: pd.Series | None = None) -> str:
    """The 测款 decision: push, drop, keep testing or wait for traffic, on 收藏加购率 and then on
    CTR where the export has impressions."""
    interest = [f for f in findings if f.rule == "traffic.listing_test"]
    clicks = [f for f in findings if f.rule == "traffic.listing_ctr"]
    if not interest:
        return pick(lang, "没有测款商品。", "No listings under test.")
    text = _describe_signal(interest, lang, titles, "visitors")
    if clicks:
        text += " " + _describe_signal(clicks, lang, titles, "impressions")
        verdict = {f.subject: f.verdict for f in clicks}
        image = [_name(f.subject, titles) for f in interest if f.verdict == "push" and verdict.get(f.subject) == "drop"]
        if image:
            text += " " + pick(lang, f"{'、'.join(image)} 收藏加购领先但点击率落后：商品本身受欢迎，先换主图和标题再放量。",
                               f"{', '.join(image)} lead on favourite + cart but lag on CTR: the product appeals, "
                               "so change the main image and title before scaling.")
    return text


def _describe_signal(findings: list[Finding], lang: str, titles: pd.Series | None, sample: str) -> str:
    pct = lambda v: format_value(v, "pct", lang)  # noqa: E731
    ctr = sample == "impressions"
    zh_name, en_name = ("点击率", "CTR") if ctr else ("收藏加购率", "favourite + cart rate")
    rate, prefix = ("ctr", "ctr") if ctr else ("fav_cart_rate", "fav_cart")
    if not findings[0].enough_data:
        need = findings[0].evidence[f"min_{sample}"]
        short = [f"{_name(f.subject, titles)} {format_value(f.evidence[sample], 'count', lang)}" for f in findings
                 if f.evidence[sample] < need]
        if ctr:
            return pick(lang, f"点击率还不能比较：每个商品至少需要 {need} 次曝光（{'、'.join(short)}）。",
                        f"CTR cannot be compared yet: each listing needs {need} impressions ({', '.join(short)}).")
        return pick(lang, f"测款数据还不够：每个商品至少需要 {need} 个访客才能比较（{'、'.join(short)}）。继续给同样的流量。",
                    f"Not enough data for the test yet: each listing needs {need} visitors before they are compared "
                    f"({', '.join(short)}). Keep giving them the same traffic.")
    parts = []
    for f in findings:
        e = f.evidence
        shown = f"{pct(e[rate])}（{pct(e[f'{prefix}_low'])}–{pct(e[f'{prefix}_high'])}）"
        shown_en = f"{pct(e[rate])} ({pct(e[f'{prefix}_low'])}–{pct(e[f'{prefix}_high'])})"
        name = _name(f.subject, titles)
        if f.verdict == "push":
            parts.append(pick(lang, f"{'点击率最好' if ctr else '主推'} {name}：{zh_name} {shown}，是最好的概率 {pct(e['prob_best'])}。",
                              f"{'Best CTR' if ctr else 'Push'} {name}: {en_name} {shown_en}, {pct(e['prob_best'])} "
                              "probability it is the best."))
        elif f.verdict == "drop":
            parts.append(pick(lang, f"{'点击率落后' if ctr else '放弃'} {name}：{zh_name} {shown}，整个区间低于领先款"
                                    f"{'，主图或价格没有吸引力' if ctr else ''}。",
                              f"{'CTR behind' if ctr else 'Drop'} {name}: {en_name} {shown_en}, its whole interval below the "
                              f"leader's{': the main image or price does not draw clicks' if ctr else ''}."))
        else:
            parts.append(pick(lang, f"{name} 继续测：{zh_name} {shown}，还分不出高下。",
                              f"Keep testing {name}: {en_name} {shown_en}, not yet told apart."))
    return " ".join(parts)


def describe_matrix(findings: list[Finding], lang: str, titles: pd.Series | None = None) -> str:
    """Products living on one source (a risk) and big sources that bring a product nothing (a gap)."""
    pct = lambda v: format_value(v, "pct", lang)  # noqa: E731
    conc = [f for f in findings if f.verdict == "concentrated"]
    gaps = [f for f in findings if f.verdict == "gap"]
    if not conc and not gaps:
        return pick(lang, "没有商品的流量集中在单一来源，主要来源都给每个商品带来了访客。",
                    "No product depends on a single source, and every major source brings every product visitors.")
    parts = []
    if conc:
        items = [f"{_name(f.subject, titles)}（{escape(f.evidence['source'])} {pct(f.evidence['share'])}）" for f in conc]
        items_en = [f"{_name(f.subject, titles)} ({escape(f.evidence['source'])} {pct(f.evidence['share'])})" for f in conc]
        parts.append(pick(lang, f"流量集中在单一来源（超过 {pct(conc[0].evidence['max_share'])}，风险）：{'、'.join(items)}；"
                                "这个来源一断，商品就没有流量，需要补搜索和推荐流量。",
                          f"Traffic concentrated in one source (over {pct(conc[0].evidence['max_share'])}, a risk): "
                          f"{', '.join(items_en)}; if that source stops, the listing has no traffic: build search "
                          "and recommendation traffic."))
    if gaps:
        items = [f"{_name(f.subject, titles)}（{escape(f.evidence['source'])}）" for f in gaps]
        items_en = [f"{_name(f.subject, titles)} ({escape(f.evidence['source'])})" for f in gaps]
        parts.append(pick(lang, f"主要来源没有带来任何访客（缺口）：{'、'.join(items)}；检查标题关键词、类目和是否被降权。",
                          f"A major source brings no visitors at all (a gap): {', '.join(items_en)}; check the title's "
                          "keywords, the category and whether the listing was demoted."))
    return " ".join(parts)


def describe_products(funnel: pd.DataFrame, lang: str, top: int = 3, min_visitors: int = 100) -> str:
    """The products with the highest and lowest UV value among those with at least ``min_visitors``."""
    ranked = funnel[funnel["visitors"] >= min_visitors].dropna(subset=["uv_value"])
    if not len(ranked):
        return pick(lang, f"本期没有访客达到 {min_visitors} 的商品。",
                    f"No product has {min_visitors} visitors in the period.")
    yuan = lambda v: format_value(v, "yuan", lang)  # noqa: E731
    ranked = ranked.sort_values("uv_value", ascending=False)
    titles = funnel.set_index("product_id")["title"]
    high = [f"{_name(r['product_id'], titles)} {yuan(r['uv_value'])}" for _, r in ranked.head(top).iterrows()]
    low = [f"{_name(r['product_id'], titles)} {yuan(r['uv_value'])}" for _, r in ranked.tail(top).iterrows()]
    return pick(lang, f"UV价值最高：{'、'.join(high)}；最低：{'、'.join(low)}。UV价值低于类目平均（uv_index < 1）的商品，"
                      "先看详情页和价格，再决定是否继续买流量。",
                f"Highest UV value: {', '.join(high)}; lowest: {', '.join(low)}. Products below their category's "
                "UV value (uv_index < 1): fix the detail page and price before buying them more traffic.")


def listing_verdicts(findings: list[Finding], rule: str = "traffic.listing_test") -> pd.Series:
    """Product id -> verdict of :func:`judge_listings` on one signal (for the table)."""
    return pd.Series({f.subject: f.verdict for f in findings if f.rule == rule}, dtype=object)


def share_columns(matrix: pd.DataFrame) -> list[str]:
    """The per-source share columns of :func:`source_matrix`."""
    return [c for c in matrix.columns if c not in ("visitors", "top_source", "top_share", "title")]
