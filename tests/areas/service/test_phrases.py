"""What bad reviews say: the log-odds statistic, merging overlaps, and planted complaints."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from helpers.areas.service import phrases, reviews
from helpers.core.text import count_ngrams, extract_ngrams
from tests.areas.service.conftest import MARCH


def test_log_odds_ranks_a_target_only_phrase_first_and_is_antisymmetric():
    target = Counter({"色差": 30, "很好": 5})
    reference = Counter({"很好": 60, "色差": 1})
    background = target + reference
    table = phrases.log_odds_dirichlet(target, reference, background)
    assert table.index[0] == "色差" and table.loc["色差", "z"] > 3
    flipped = phrases.log_odds_dirichlet(reference, target, background)
    assert flipped.loc["色差", "z"] == pytest.approx(-table.loc["色差", "z"])
    assert phrases.log_odds_dirichlet(Counter(), Counter(), Counter()).empty


def test_log_odds_is_the_formula_of_monroe_colaresi_and_quinn():
    target, reference = Counter({"a": 7, "b": 3}), Counter({"a": 2, "b": 9, "c": 4})
    background = Counter({"a": 10, "b": 20, "c": 5})
    table = phrases.log_odds_dirichlet(target, reference, background, prior_weight=50)
    yt, yr, a = 7, 2, 50 * 10 / 35
    delta = math.log((yt + a) / (10 + 50 - yt - a)) - math.log((yr + a) / (15 + 50 - yr - a))
    assert table.loc["a", "delta"] == pytest.approx(delta, rel=1e-12)
    assert table.loc["a", "z"] == pytest.approx(delta / math.sqrt(1 / (yt + a) + 1 / (yr + a)), rel=1e-12)


def test_overlapping_phrases_merge_into_the_longest():
    table = pd.DataFrame({"target": [10, 10, 10, 9, 9, 4], "reference": 0, "delta": 1.0,
                          "z": [3.0, 3.0, 3.0, 2.9, 2.9, 2.5]},
                         index=pd.Index(["偏小", "尺码偏小", "码偏", "性价比不", "价比不高", "不推荐"], name="phrase"))
    out = phrases.merge_overlaps(table, top=5)
    assert list(out.index) == ["尺码偏小", "性价比不高", "不推荐"]


def _with_verdicts(frame: pd.DataFrame) -> pd.DataFrame:
    frame["verdict"] = reviews.review_verdict(frame["rating"])
    return frame


def test_bad_review_phrases_find_a_planted_complaint():
    rows = [(f"o{i}", "p", 1, "尺码偏小，不太满意" if i % 2 else "尺码偏小穿着很紧") for i in range(40)]
    rows += [(f"o{i}", "p", 5, ["质量很好", "尺码标准，很满意", "物流很快"][i % 3]) for i in range(40, 140)]
    found = _with_verdicts(pd.DataFrame(rows, columns=["order_id", "product_id", "rating", "text"]))
    top = phrases.complaint_phrases(found, "product_id", min_reviews=20, top=3)
    assert top.iloc[0]["phrase"] == "尺码偏小" and top.iloc[0]["bad_share"] == 1.0
    assert list(top.columns) == phrases.PHRASE_COLUMNS


def test_phrase_shares_are_the_share_of_reviews_containing_the_phrase_when_texts_repeat():
    # Real shops repeat texts (the default review, "好评", copies); each review still counts once.
    rng = np.random.default_rng(3)
    complaints = ["尺码偏小，不太满意", "尺码偏小穿着很紧", "色差严重", "色差有点大，尺码偏小"]
    praise = ["质量很好", "尺码标准，很满意", "物流很快"]
    empty = ["此用户没有填写评价。", None]
    n = 600
    rating = rng.choice([1, 2, 3, 4, 5], n, p=[0.25, 0.1, 0.1, 0.15, 0.4])
    text = [rng.choice(complaints + empty + praise[:1]) if r <= 2 else rng.choice(praise + empty + complaints[2:3])
            for r in rating]
    found = _with_verdicts(pd.DataFrame({"product_id": rng.choice(["p1", "p2", "p3"], n), "rating": rating,
                                         "text": pd.array(text, dtype="str")},
                                        index=pd.Index(rng.permutation(n) * 3 + 1)))  # not 0..n-1, not in order
    for by, table in ((None, phrases.complaint_phrases(found, top=5)),
                      ("product_id", phrases.complaint_phrases(found, "product_id", min_reviews=20, top=3))):
        assert not table.empty
        for _, row in table.iterrows():
            group = found if by is None else found[found[by] == row["group"]]
            bad, good = group[group["verdict"] == "bad"], group[group["verdict"] == "good"]
            # merged phrases ("尺码偏小" and "偏小") keep the figures of the n-gram they came from
            source = [g for g in count_ngrams(bad["text"]) if g in row["phrase"]]
            shares = {g: sum(g in extract_ngrams(t) for t in bad["text"]) / len(bad) for g in source}
            assert row["bad_reviews"] == len(bad)
            assert any(row["bad_share"] == pytest.approx(v) for v in shares.values())
            if row["phrase"] in shares:
                in_good = sum(row["phrase"] in extract_ngrams(t) for t in good["text"])
                assert row["bad_share"] == pytest.approx(shares[row["phrase"]])
                assert row["good_share"] == pytest.approx(in_good / len(good))


def test_the_phrase_index_counts_each_review_once():
    texts = pd.Series(["尺码偏小", "尺码偏小", None, "色差", "尺码偏小 色差"])
    index = phrases.PhraseIndex.of(texts)
    assert index.count() == count_ngrams(texts)
    assert index.count(np.array([0, 3])) == count_ngrams(texts.iloc[[0, 3]])


def test_reviews_without_words_give_no_phrases_not_a_crash():
    # a product whose reviews are all the platform's default text, or empty
    found = _with_verdicts(pd.DataFrame({
        "product_id": "p1", "rating": [1, 1, 5, 1] * 10,
        "text": pd.Series(["此用户没有填写评价。", None, "", "  "] * 10, dtype="str"),
        "category": "c", "review_time": pd.Timestamp("2026-03-05")}))
    assert phrases.complaint_phrases(found, top=5).empty
    assert phrases.complaint_phrases(found, "product_id", min_reviews=2).empty


def test_one_bad_review_is_not_enough_to_name_a_complaint(shop):
    found = reviews.load_reviews(shop, MARCH)
    assert phrases.complaint_phrases(found, "product_id", min_reviews=2).empty
    assert phrases.complaint_phrases(found.iloc[:0]).empty


@pytest.mark.recovery
def test_planted_complaints_top_their_products_bad_review_phrases(after_sales):
    found = phrases.complaint_phrases(after_sales["reviews"], "product_id", min_reviews=20, top=3)
    for pid, d in after_sales["truth"]["defects"].items():
        top = found[(found["group"] == pid) & (found["rank"] == 1)]["phrase"].iloc[0]
        assert top in d["theme"] or d["theme"] in top, (pid, d["theme"], top)
    shop_top = phrases.complaint_phrases(after_sales["reviews"], top=3)["phrase"].tolist()
    assert after_sales["truth"]["reviews"]["late_theme"] in shop_top  # 物流慢, the late parcels' complaint
