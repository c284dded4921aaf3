"""Reviews written in the period: counts, 好评率 and 差评率, per product and over time.

The reviews of a period come back to pandas (one row per review) because the phrase
analysis (:mod:`helpers.areas.service.phrases`) reads their text in Python.

口径
----
Reviews written in the period (by ``review_time``). 好评 = 4-5 stars, 中评 = 3, 差评 = 1-2;
好评率 = 好评 / reviews, 差评率 = 差评 / reviews (fractions). Text is the buyers' own:
every output escapes it. A review without words (empty, or the platform's boilerplate such
as "此用户没有填写评价") still counts for its stars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.service.scope import as_datetime
from helpers.core.stats import rate_with_interval, wilson_interval
from helpers.core.text import normalize_text

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

GOOD_MIN_STARS = 4  # 好评: 4-5 stars
BAD_MAX_STARS = 2  # 差评: 1-2 stars
VERDICTS = ("good", "neutral", "bad")
#: Reviews spanning up to this many weeks are counted per week, longer spans per month.
WEEKLY_MAX_WEEKS = 26


def load_reviews(shop: Shop, period: Period) -> pd.DataFrame:
    """Reviews written in the period, with product title and category (one row per review).

    Returns
    -------
    DataFrame: order_id, product_id, review_time, rating, text, the DSR scores when the
    export has them, title (the id where unknown), category ("?" where unknown), verdict
    ("good" 4-5 stars / "neutral" 3 / "bad" 1-2).
    """
    r = shop.table("reviews")
    r = r.filter(r.review_time >= as_datetime(period.start), r.review_time < as_datetime(period.end_exclusive))
    frame = r.execute()
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute()
        frame = frame.merge(p, on="product_id", how="left")
        frame["title"] = frame["title"].fillna(frame["product_id"])
        frame["category"] = frame["category"].fillna("?")
    else:
        frame["title"], frame["category"] = frame["product_id"], "?"
    frame["verdict"] = review_verdict(frame["rating"])
    return frame


def review_verdict(rating: Any) -> pd.Series:
    """好评 / 中评 / 差评 of star ratings: "good" (4-5), "neutral" (3), "bad" (1-2)."""
    stars = pd.Series(rating, dtype="float64")
    out = np.where(stars >= GOOD_MIN_STARS, "good", np.where(stars <= BAD_MAX_STARS, "bad", "neutral"))
    return pd.Series(out, index=stars.index)


def summarize_reviews(reviews: pd.DataFrame, confidence: float = 0.95) -> pd.Series:
    """Review counts and rates of a set of reviews.

    好评率 = reviews with 4-5 stars / reviews; 差评率 = reviews with 1-2 stars / reviews
    (fractions; NaN with a note when there are no reviews).

    Returns
    -------
    Series: reviews, good, neutral, bad, good_rate, bad_rate, bad_low, bad_high (Wilson
    interval of the bad rate), mean_rating (stars), empty_text (reviews without words,
    boilerplate included).
    """
    n = len(reviews)
    verdict = reviews["verdict"] if n else pd.Series(dtype=str)
    counts = verdict.value_counts()
    good, neutral, bad = (int(counts.get(k, 0)) for k in VERDICTS)
    rates = rate_with_interval([good, bad], [n, n], confidence)
    empty = int(sum(not normalize_text(t) for t in reviews["text"])) if n else 0
    return pd.Series({"reviews": n, "good": good, "neutral": neutral, "bad": bad,
                      "good_rate": rates["rate"].iloc[0], "bad_rate": rates["rate"].iloc[1],
                      "bad_low": rates["low"].iloc[1], "bad_high": rates["high"].iloc[1],
                      "mean_rating": float(reviews["rating"].mean()) if n else float("nan"),
                      "empty_text": empty})


def reviews_by_product(reviews: pd.DataFrame, min_reviews: int = 20, confidence: float = 0.95) -> pd.DataFrame:
    """Ratings per product: reviews, mean stars, star shares, good and bad rates with intervals.

    Products with fewer than ``min_reviews`` reviews keep their row but ``enough`` is
    False: their rates are too noisy to rank.

    Returns
    -------
    DataFrame indexed by product_id: title, category, reviews, mean_rating, good_rate,
    neutral_rate, bad_rate, low, high (Wilson interval of the bad rate), bad, stars_1 ..
    stars_5 (shares of reviews), enough; sorted by bad reviews then reviews.
    """
    if reviews.empty:
        return pd.DataFrame(columns=["title", "category", "reviews", "mean_rating", "good_rate", "neutral_rate",
                                     "bad_rate", "low", "high", "bad", "enough"])
    g = reviews.groupby("product_id")
    out = g.agg(title=("title", "first"), category=("category", "first"), reviews=("rating", "size"),
                mean_rating=("rating", "mean"))
    counts = reviews.pivot_table(index="product_id", columns="verdict", values="rating", aggfunc="size",
                                 fill_value=0).reindex(columns=list(VERDICTS), fill_value=0)
    stars = reviews.pivot_table(index="product_id", columns="rating", values="order_id", aggfunc="size",
                                fill_value=0).reindex(columns=range(1, 6), fill_value=0)
    for k in VERDICTS:
        out[f"{k}_rate"] = counts[k] / out["reviews"]
    out["bad"] = counts["bad"]
    out["low"], out["high"] = wilson_interval(counts["bad"], out["reviews"], confidence)
    for s in range(1, 6):
        out[f"stars_{s}"] = stars[s] / out["reviews"]
    out["enough"] = out["reviews"] >= min_reviews
    return out.sort_values(["bad", "reviews"], ascending=False, kind="stable")


def reviewed_titles(reviews: pd.DataFrame) -> pd.Series:
    """Product id -> title of the reviewed products (the id where the title is unknown)."""
    if reviews.empty:
        return pd.Series(dtype=str)
    return reviews.groupby("product_id")["title"].first()


def rating_trend(reviews: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Mean stars and good, neutral and bad rates per week or month.

    Per week (weeks starting on Monday) when the reviews span up to
    :data:`WEEKLY_MAX_WEEKS` weeks of the period, else per month.

    Returns
    -------
    DataFrame: date (first day of the week / month), reviews, mean_rating, good_rate,
    neutral_rate, bad_rate, freq ("week" or "month").
    """
    if reviews.empty:
        return pd.DataFrame(columns=["date", "reviews", "mean_rating", "good_rate", "neutral_rate", "bad_rate",
                                     "freq"])
    when = pd.to_datetime(reviews["review_time"])
    span = min((when.max() - when.min()).days + 1, period.days)
    freq = "week" if span <= WEEKLY_MAX_WEEKS * 7 else "month"
    start = when.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time
    frame = reviews.assign(date=start, is_good=reviews["verdict"] == "good", is_bad=reviews["verdict"] == "bad",
                           is_neutral=reviews["verdict"] == "neutral")
    out = frame.groupby("date").agg(reviews=("rating", "size"), mean_rating=("rating", "mean"),
                                    good_rate=("is_good", "mean"), neutral_rate=("is_neutral", "mean"),
                                    bad_rate=("is_bad", "mean")).reset_index()
    out["freq"] = freq
    return out
