"""What bad reviews say: the phrases that set them apart from good reviews.

口径
----
Phrases are :func:`helpers.core.text.extract_ngrams` (character 2-4-grams of the Chinese
runs of each review, Latin words whole), counted once per review. Bad (1-2 stars) and good
(4-5 stars) reviews are compared with the log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn 2008, "Fightin' Words"); the prior is the whole review corpus of
the frame, weighted as much as the two groups compared together. Overlapping n-grams are
merged into the longest one that keeps at least 80% of the bad reviews. No model or
dictionary is downloaded.

The log-odds statistic is written out here: it is a few lines of numpy, and neither scipy nor
statsmodels has it. The one PyPI package that does (``fightin-words``, last released in 2019)
would add scikit-learn to the workbook's dependencies for its word counting, which the
phrases here do not use (they come from :mod:`helpers.core.text`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.text import extract_ngrams

MIN_PHRASE_REVIEWS = 3  # a phrase must appear in at least this many bad reviews
MERGE_SHARE = 0.8  # a longer n-gram replaces a shorter one when it keeps this share of reviews
MIN_Z = 1.96  # phrases below this z are not distinctive
PHRASE_COLUMNS = ["group", "phrase", "z", "bad_reviews", "bad_share", "good_share", "rank"]


def log_odds_dirichlet(target: Counter, reference: Counter, background: Counter,
                       prior_weight: float | None = None) -> pd.DataFrame:
    """Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    For each phrase w with counts y_t (target), y_r (reference), totals n_t, n_r, prior
    alpha_w = alpha_0 x background share of w, alpha_0 = ``prior_weight`` (None: n_t + n_r,
    a prior worth as much as the data):

    delta_w = log[(y_t + a_w) / (n_t + a_0 - y_t - a_w)] - log[(y_r + a_w) / (n_r + a_0 - y_r - a_w)],
    var ~ 1 / (y_t + a_w) + 1 / (y_r + a_w), z = delta / sqrt(var).

    Returns
    -------
    DataFrame indexed by phrase: target, reference (counts), delta, z; sorted by z.
    """
    words = sorted(set(target) | set(reference))
    if not words:
        # reviews without words (empty or only the platform's default text)
        return pd.DataFrame({"target": pd.Series(dtype="int64"), "reference": pd.Series(dtype="int64"),
                             "delta": pd.Series(dtype="float64"), "z": pd.Series(dtype="float64")},
                            index=pd.Index([], dtype=object, name="phrase"))
    bg_total = float(sum(background.values())) or 1.0
    yt = np.array([target.get(w, 0) for w in words], dtype=float)
    yr = np.array([reference.get(w, 0) for w in words], dtype=float)
    share = np.array([max(background.get(w, 0), 1) for w in words], dtype=float) / bg_total
    nt, nr = yt.sum(), yr.sum()
    a0 = float(prior_weight) if prior_weight is not None else max(nt + nr, 1.0)
    alpha = a0 * share
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((yt + alpha) / (nt + a0 - yt - alpha)) - np.log((yr + alpha) / (nr + a0 - yr - alpha)))
        z = delta / np.sqrt(1 / (yt + alpha) + 1 / (yr + alpha))
    out = pd.DataFrame({"target": yt.astype(int), "reference": yr.astype(int), "delta": delta, "z": z},
                       index=pd.Index(words, name="phrase"))
    return out.sort_values("z", ascending=False, kind="stable")


def _overlap(left: str, right: str) -> int:
    """Characters of ``left``'s end that start ``right`` (0 when too few to join them).

    At least 2 characters and all but one of the shorter phrase: "性价比不" + "价比不高",
    not "不" + "不推荐".
    """
    need = max(2, min(len(left), len(right)) - 1)
    return max((n for n in range(need, min(len(left), len(right))) if left.endswith(right[:n])), default=0)


def merge_overlaps(table: pd.DataFrame, top: int = 5, min_count: int = MIN_PHRASE_REVIEWS) -> pd.DataFrame:
    """The top distinct phrases of a :func:`log_odds_dirichlet` table.

    Walks the phrases by falling z (only z > 1.96 and in at least ``min_count`` target
    texts): a phrase inside one already kept is skipped; a phrase containing a kept one
    replaces it when it keeps at least :data:`MERGE_SHARE` of its texts ("尺码偏小" over
    "偏小"), else it is skipped; two phrases that overlap end to start ("性价比不" and
    "价比不高") and appear in as many texts are joined ("性价比不高"), keeping the first
    one's figures.
    """
    kept: dict[str, str] = {}  # shown phrase -> the n-gram whose figures it keeps
    candidates = table[(table["z"] > MIN_Z) & (table["target"] >= min_count)]
    # equal z (the same reviews) -> the longest first, so "包装破损" comes before "破损"
    order = np.lexsort((-candidates.index.str.len().to_numpy(), -candidates["z"].to_numpy()))
    candidates = candidates.iloc[order]
    counts = candidates["target"]

    def similar(a: str, b: str) -> bool:
        return min(counts[a], counts[b]) >= MERGE_SHARE * max(counts[a], counts[b])

    for phrase in candidates.index:
        if any(phrase in k for k in kept):
            continue
        inner = [k for k in kept if k in phrase]
        if inner:
            if all(counts[phrase] >= MERGE_SHARE * counts[kept[k]] for k in inner):
                for k in inner:
                    kept.pop(k)
                kept[phrase] = phrase
            continue
        joined = None
        for k, source in kept.items():
            if not similar(source, phrase):
                continue
            if n := _overlap(k, phrase):
                joined = (k, k + phrase[n:])
                break
            if n := _overlap(phrase, k):
                joined = (k, phrase + k[n:])
                break
        if joined:
            old, new = joined
            kept = {(new if k == old else k): v for k, v in kept.items()}
            continue
        kept[phrase] = phrase
        if len(kept) >= 3 * top:
            break
    out = candidates.loc[list(kept.values())].copy()
    out.index = pd.Index(list(kept), name="phrase")
    return out.sort_values("z", ascending=False, kind="stable").head(top)


@dataclass
class PhraseIndex:
    """The phrases of a column of review texts, each distinct text read once.

    ``codes`` gives each review its distinct text (0 .. texts - 1); the phrases of distinct
    text t are ``phrase_of[starts[t]:starts[t + 1]]``, numbers into ``phrases``.
    """

    codes: np.ndarray
    starts: np.ndarray
    phrase_of: np.ndarray
    phrases: np.ndarray

    @classmethod
    def of(cls, texts: pd.Series) -> PhraseIndex:
        """Index a column of review texts."""
        # Shops repeat texts (the platform's default review, "好评", copied ones): hundreds of
        # thousands of reviews are tens of thousands of texts, and n-grams are the slow part.
        codes, distinct = pd.factorize(texts, use_na_sentinel=False)
        grams = [extract_ngrams(value) for value in distinct]
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        flat = np.fromiter((g for text in grams for g in text), dtype=object, count=int(lengths.sum()))
        phrase_of, phrases = pd.factorize(flat)
        return cls(np.asarray(codes, dtype=np.int64), np.concatenate([[0], np.cumsum(lengths)]),
                   np.asarray(phrase_of, dtype=np.int64), np.asarray(phrases, dtype=object))

    def count(self, positions: np.ndarray | None = None) -> Counter:
        """Document frequency of each phrase among the reviews at ``positions`` (None: all)."""
        texts, reviews = np.unique(self.codes if positions is None else self.codes[positions], return_counts=True)
        lengths = self.starts[texts + 1] - self.starts[texts]
        # the phrase entries of the texts present, each weighted by the reviews with that text
        first = np.repeat(self.starts[texts] - np.cumsum(lengths) + lengths, lengths)
        entries = self.phrase_of[first + np.arange(lengths.sum())]
        found, which = np.unique(entries, return_inverse=True)
        counts = np.bincount(which, weights=np.repeat(reviews, lengths), minlength=len(found))
        return Counter(dict(zip(self.phrases[found].tolist(), counts.astype(np.int64).tolist(), strict=True)))


def complaint_phrases(reviews: pd.DataFrame, by: str | None = None, min_reviews: int = 20,
                      top: int = 5) -> pd.DataFrame:
    """The phrases that set bad reviews apart from good ones, for the shop or per group.

    Bad (1-2 stars) against good (4-5 stars) reviews with :func:`log_odds_dirichlet`, the
    prior from every review of the frame; per group (``by="product_id"``) only groups with
    at least ``min_reviews`` reviews and :data:`MIN_PHRASE_REVIEWS` bad ones.

    Returns
    -------
    DataFrame: group (the ``by`` value, or "" for the shop), phrase, z, bad_reviews (bad
    reviews of the group), bad_share (share of them containing the phrase), good_share
    (share of the group's good reviews containing it), rank (1 = most distinctive).
    """
    if reviews.empty:
        return pd.DataFrame(columns=PHRASE_COLUMNS)
    phrases = PhraseIndex.of(reviews["text"])
    background = phrases.count()
    verdict = reviews["verdict"].to_numpy()
    groups = ([("", np.arange(len(reviews)))] if by is None
              else list(reviews.groupby(by).indices.items()))
    rows = []
    for key, positions in groups:
        bad = positions[verdict[positions] == "bad"]
        good = positions[verdict[positions] == "good"]
        if by is not None and (len(positions) < min_reviews or len(bad) < MIN_PHRASE_REVIEWS):
            continue
        table = merge_overlaps(log_odds_dirichlet(phrases.count(bad), phrases.count(good), background), top)
        for rank, (phrase, row) in enumerate(table.iterrows(), start=1):
            rows.append({"group": key, "phrase": phrase, "z": row["z"], "bad_reviews": len(bad),
                         "bad_share": row["target"] / len(bad) if len(bad) else float("nan"),
                         "good_share": row["reference"] / len(good) if len(good) else float("nan"),
                         "rank": rank})
    return pd.DataFrame(rows, columns=PHRASE_COLUMNS)
