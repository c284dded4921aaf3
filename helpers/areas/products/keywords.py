"""Keywords and titles (选词与标题): which searched words are worth carrying, which of our
titles carry them, and the word roots buyers search most.

口径 used here
--------------
- Per keyword over the weeks of the period (weekly means): buyers index = search popularity
  x click rate x conversion rate; competition ratio = online items / search popularity;
  value per ¥ of CPC = buyers index / average CPC.
- A title covers a keyword when the keyword splits into pieces of 2+ characters that each
  occur in the title, with at most one single-character piece that occurs in it (spaces,
  punctuation and case ignored, NFKC).
- Title formula (核心词+属性词+长尾词): head words are the category's ``head`` most searched
  keywords, long-tail words the rest. The core word is judged per product, not per category
  (a 洁面乳 is not short of 爽肤水): it is the most searched keyword of the category whose
  type word the title carries. A keyword's type word is its last two characters (Chinese
  compounds name the thing last: 婴儿湿巾 -> 湿巾), after a trailing one-character audience or
  season word (女, 男, 夏 ...) is dropped; type words in :data:`SYNONYMS` count as one
  (洁面乳 = 洗面奶). A title lacks its core word only when it carries none of the keywords
  naming its kind; one whose title carries no keyword's type word has no core word and is
  not flagged.
- Word roots: character 2-3-grams of the keywords (:func:`helpers.core.text.extract_ngrams`)
  weighted by search popularity; no dictionary download.
"""

from __future__ import annotations

import math
import unicodedata
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core import metrics
from helpers.core.text import extract_ngrams

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop


#: Product-type words that name one thing; a title with any of them carries the first.
SYNONYMS = (
    ("洗面奶", "洁面乳", "洗面乳", "洁面膏", "洁面泡沫"),
    ("爽肤水", "化妆水", "柔肤水", "护肤水"),
    ("收纳箱", "整理箱"),
    ("湿巾", "湿纸巾"),
    ("砧板", "菜板"),
)
#: Audience and season words that follow the type word in searches (t恤女, 衬衫男, 连衣裙女夏).
TRAILING_WORDS = frozenset("男女夏冬春秋")


def listings(shop: Shop) -> pd.DataFrame:
    """Our listings: title and category per product_id (from ``products``)."""
    return shop.table("products").select("product_id", "title", "category").execute().set_index("product_id")


def normalize_title(value: Any) -> str:
    """Title text for matching: NFKC, lower case, spaces and punctuation removed."""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return "".join(ch for ch in text if ch.isalnum())


def covers(title: str, keyword: str) -> bool:
    """True when the title carries the keyword (see the module's 口径).

    法式连衣裙 is carried by "法式 碎花 连衣裙" (two pieces), 连衣裙女夏 by "... 连衣裙 女 ..."
    with one single character (夏) allowed; 小个子连衣裙 is not.
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


def canonical_words(text: str) -> str:
    """Normalised text (:func:`normalize_title`) with each :data:`SYNONYMS` word replaced by its group's first."""
    out = normalize_title(text)
    for group in SYNONYMS:
        for word in sorted(group[1:], key=len, reverse=True):
            out = out.replace(word, group[0])
    return out


def type_word(keyword: str) -> str:
    """The keyword's type word (see the module's 口径): its last two characters once trailing
    audience or season characters are dropped (连衣裙女夏 -> 衣裙, 婴儿湿巾 -> 湿巾)."""
    k = canonical_words(keyword)
    while len(k) > 2 and k[-1] in TRAILING_WORDS:
        k = k[:-1]
    return k[-2:]


def core_word(title: str, names: list[str]) -> tuple[str | None, bool]:
    """The product's core word and whether its title carries it.

    Of ``names`` (most searched first), the keywords whose type word the title carries
    (synonyms counted as one) name the product's kind; the core word is the first of them
    the title carries (it carries one: True), else the first of them (False); (None, True)
    when no keyword names the product's kind (nothing to add). A carried keyword is enough,
    as an attribute word that happens to end a keyword (套装 in 刀具套装) must not make a
    蒸锅 套装 short of 刀具套装.
    """
    t = canonical_words(title)
    kinds = [k for k in names if type_word(k) and type_word(k) in t]
    carried = [k for k in kinds if covers(t, canonical_words(k))]
    if carried:
        return carried[0], True
    return (kinds[0], False) if kinds else (None, True)


def keyword_value(shop: Shop, period: Period | None = None) -> pd.DataFrame:
    """Keyword value and competition over the weeks of the period (see the module's 口径).

    Returns
    -------
    DataFrame indexed by keyword: category, search_popularity (weekly mean), click_rate,
    conversion_rate (fractions), online_items, avg_cpc (yuan), weeks, buyers_index,
    competition_ratio (items per searcher), value_per_cpc (buyers index per yuan of CPC);
    most valuable first.
    """
    k = shop.table("keywords")
    if period is not None:
        k = k.filter(k.week >= period.start.date(), k.week <= period.end.date())
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

    Attribute words are the title's space-separated words that are not part of the core
    word (a title without spaces counts 0). The core word is the product's own
    (:func:`core_word`): among the keywords of its category whose type word the title carries,
    the most searched one it carries, else the most searched one; so a product is only judged
    on words for its own kind of product, and a synonym in the title (洁面乳 for 洗面奶) counts.

    Returns
    -------
    DataFrame indexed by product_id: title, category, core_word (None when no keyword of the
    category names the product's kind), core (the title carries a keyword naming its kind,
    synonyms counted; True when there is none, as there is nothing to add), head_covered,
    long_tail_covered, long_tail_total, attribute_words, title_chars.
    """
    rows = []
    for pid, row in products.iterrows():
        kws = keywords[keywords["category"] == row["category"]].sort_values("search_popularity", ascending=False)
        names = list(kws.index)
        core, carried = core_word(row["title"], names)
        words = [w for w in str(row["title"]).split() if core is None or normalize_title(w) not in
                 normalize_title(core)]
        rows.append({
            "product_id": pid, "title": row["title"], "category": row["category"], "core_word": core,
            "core": carried,
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
    titles contain it), the ``top`` heaviest (equal weights in the roots' order).
    """
    weight: dict[str, float] = {}
    count: dict[str, int] = {}
    for kw, pop in keywords["search_popularity"].items():
        for gram in extract_ngrams(normalize_title(kw), sizes):
            weight[gram] = weight.get(gram, 0.0) + float(pop)
            count[gram] = count.get(gram, 0) + 1
    # ties in weight are ordered by the root itself: the n-grams come from sets, whose order
    # changes from one Python process to the next
    roots = (pd.DataFrame({"root_weight": weight, "keywords": count}).sort_index()
             .sort_values("root_weight", ascending=False, kind="stable"))
    keep = [r for r in roots.index if not any(
        r != o and r in o and roots.at[o, "root_weight"] >= 0.8 * roots.at[r, "root_weight"] for o in roots.index)]
    roots = roots.loc[keep].head(top)
    roots.index.name = "root"
    normal = [normalize_title(t) for t in titles]
    roots["in_titles"] = [sum(r in t for t in normal) for r in roots.index]
    return roots
