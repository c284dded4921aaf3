"""After-sales and service: known answers on a hand-built shop, the statistics on known inputs,
edge cases (empty text, emoji, mixed languages, one review, unmatched refunds, missing tables),
escaping, and recovery of the sample generator's planted truth (data/sample/ground_truth.json).
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from helpers import data, metrics, service
from helpers.params import Period

SAMPLE = data.project_root() / "data" / "sample"
MARCH = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
ODD = "连衣裙 <b>x</b>"  # a product title that must come out escaped


def _write(folder, name, rows, columns):
    pd.DataFrame(rows, columns=columns).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture()
def shop(tmp_path):
    """Five paid lines in March 2026 (¥460), one unpaid, one paid on 04-30 (the data's end).

    Refunds: o1/p1 ¥100 returned after shipping; o3/p2 ¥40 on a ¥30 line before shipping (capped);
    one refund of an order that is not in `orders`. Shipments: o1 on time, o2 late (72 h), o4
    never shipped (past its promise), o3 none. Reviews: bad with markup, empty, emoji and Latin,
    the platform's empty-review text (p2's only review). Three chats, one converted.
    """
    order_cols = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                  "paid_amount", "source", "campaign_id", "status"]
    _write(tmp_path, "orders", [
        ("o1", "2026-03-02 10:00:00", "2026-03-02 10:00:00", "c1", "p1", 1, 100, 100, "搜索", "", "paid"),
        ("o2", "2026-03-03 10:00:00", "2026-03-03 10:00:00", "c2", "p1", 2, 100, 200, "搜索", "", "paid"),
        ("o3", "2026-03-04 10:00:00", "2026-03-04 10:00:00", "c3", "p2", 1, 30, 30, "直通车", "618", "paid"),
        ("o4", "2026-03-05 10:00:00", "2026-03-05 10:00:00", "c4", "p1", 1, 100, 100, "直通车", "", "paid"),
        ("o4", "2026-03-05 10:00:00", "2026-03-05 10:00:00", "c4", "p2", 1, 30, 30, "直通车", "", "paid"),
        ("o5", "2026-03-06 10:00:00", "", "c5", "p1", 1, 100, 0, "搜索", "", "unpaid"),
        ("o6", "2026-04-30 10:00:00", "2026-04-30 10:00:00", "c6", "p2", 1, 30, 30, "搜索", "", "paid"),
    ], order_cols)
    _write(tmp_path, "products", [
        ("p1", ODD, "女装", "悦衣坊", 50, 100, "2025-01-01"),
        ("p2", "收纳盒", "家居", "悦家", 10, 30, "2025-01-01"),
    ], ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])
    _write(tmp_path, "refunds", [
        ("o1", "p1", "2026-03-10 12:00:00", 100, 1, "尺码不合适", "true"),
        ("o3", "p2", "2026-03-04 20:00:00", 40, 0, "不想要了/七天无理由", "false"),
        ("x9", "p9", "2026-03-15 12:00:00", 55, 1, "质量问题", "true"),
    ], ["order_id", "product_id", "refund_time", "refund_amount", "quantity", "reason", "shipped"])
    _write(tmp_path, "shipments", [
        ("o1", "2026-03-02 20:00:00", "2026-03-04 10:00:00", 48, "杭州仓", "快递A"),
        ("o2", "2026-03-06 10:00:00", "2026-03-08 10:00:00", 48, "武汉仓", "快递B"),
        ("o4", "", "", "", "武汉仓", ""),
    ], ["order_id", "shipped_time", "delivered_time", "promised_hours", "warehouse", "carrier"])
    _write(tmp_path, "reviews", [
        ("o1", "p1", "2026-03-05 10:00:00", 1, "尺码偏小<script>alert(1)</script>", 3, 5, 4),
        ("o2", "p1", "2026-03-08 10:00:00", 5, "", 5, 5, 5),
        ("o4", "p1", "2026-03-09 10:00:00", 4, "很好看👍 quality不错", 5, 4, 5),
        ("o4", "p2", "2026-03-09 11:00:00", 3, "此用户没有填写评价。", 4, 4, 4),
    ], ["order_id", "product_id", "review_time", "rating", "text", "dsr_description", "dsr_service",
        "dsr_logistics"])
    _write(tmp_path, "service", [
        ("2026-03-02 09:50:00", "c1", "小悦", 10, "true"),
        ("2026-03-03 09:00:00", "c9", "小家", 100, "false"),
        ("2026-03-04 09:00:00", "c8", "小家", 20, "false"),
    ], ["chat_time", "customer_id", "agent", "first_response_seconds", "converted"])
    days = pd.date_range("2026-03-01", "2026-03-31")
    _write(tmp_path, "dsr", [(d.date(), 4.80 - 0.05 * (i == len(days) - 1), 4.9, 4.7, 4.85, 4.85, 4.8)
                             for i, d in enumerate(days)],
           ["date", "description", "service", "logistics", "peer_description", "peer_service", "peer_logistics"])
    return data.connect(tmp_path)


# --------------------------------------------------------------------------- parameters


def test_check_options_names_the_parameter():
    service.check_options(confidence=0.9, min_reviews=5, promised_hours=24)
    with pytest.raises(ValueError, match="confidence"):
        service.check_options(confidence=1.5)
    with pytest.raises(ValueError, match="min_reviews"):
        service.check_options(min_reviews=0)
    with pytest.raises(ValueError, match="promised_hours"):
        service.check_options(promised_hours=2.5)


# --------------------------------------------------------------------------- refunds


def test_refund_figures_of_the_hand_built_shop(shop):
    end = service.data_end(shop)
    assert end == pd.Timestamp("2026-04-30")
    lines = service.paid_lines(shop, MARCH)
    s = service.summarize_refunds(lines, end, 20)
    assert (s["lines"], s["refunded"]) == (5, 2)
    assert s["paid_amount"] == pytest.approx(460)
    assert s["refund_amount"] == pytest.approx(130)  # the ¥40 refund of a ¥30 line counts ¥30
    assert s["refund_rate_by_value"] == pytest.approx(130 / 460)
    assert s["refund_rate_by_count"] == pytest.approx(0.4)
    lo, hi = metrics.wilson_interval(2, 5)
    assert (s["low"], s["high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert s["before_shipping"] == pytest.approx(0.5)
    assert s["immature_lines"] == 0
    margin = service.refund_margin(lines)
    # cost 4 x 50 + 2 x 10 = 220; back: o1's returned dress (50) and o3's unshipped box (10)
    assert margin.loc["before_refunds", "gross_profit"] == pytest.approx(240)
    assert margin.loc["after_refunds", "gross_profit"] == pytest.approx(330 - 160)
    assert margin.loc["lost", "gross_profit"] == pytest.approx(70)
    reasons = service.summarize_reasons(lines)
    assert reasons.loc["尺码不合适", "before_shipping"] == 0 and reasons.loc["不想要了/七天无理由", "before_shipping"] == 1
    by_source = service.refunds_by(lines, "source")
    assert by_source.loc["搜索", "refund_rate_by_count"] == pytest.approx(0.5)
    assert by_source.loc["直通车", "refunded"] == 1


def test_unmatched_and_oversized_refunds_are_reported_not_dropped(shop):
    notes = service.count_unmatched_refunds(shop, MARCH, "en")
    assert any("1 refunds completed in the period (¥55.00) match no paid order line" in n for n in notes)
    assert any("1 refunds exceed their line's paid amount" in n for n in notes)
    zh = service.count_unmatched_refunds(shop, MARCH, "zh")
    assert any("找不到对应" in n for n in zh)


def test_a_refund_of_a_paid_line_without_pay_time_is_reported_as_unmatched(shop, tmp_path):
    """Such a line is in no sales figure, so neither is its refund: the note has to say so."""
    with open(tmp_path / "orders.csv", "a", encoding="utf-8") as f:
        f.write("o7,2026-03-07 10:00:00,,c7,p1,1,100,100,搜索,,paid\n")
    with open(tmp_path / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("o7,p1,2026-03-12 12:00:00,70,1,质量问题,true\n")
    contradictory = data.connect(tmp_path)
    notes = service.count_unmatched_refunds(contradictory, MARCH, "en")
    assert any("2 refunds completed in the period (¥125) match no paid order line" in n for n in notes)
    s = service.summarize_refunds(service.paid_lines(contradictory, MARCH), service.data_end(contradictory), 20)
    assert (s["lines"], s["refunded"], s["refund_amount"]) == (5, 2, pytest.approx(130))


def test_refund_timing_splits_before_and_after_shipping(shop):
    timing = service.refund_timing(service.paid_lines(shop, MARCH))
    assert set(map(tuple, timing[["day", "stage", "refunds"]].to_numpy().tolist())) == {
        (0, "not_shipped", 1), (8, "shipped", 1)}


def test_maturity_comes_from_the_data_and_stays_in_bounds(shop):
    assert service.refund_maturity_days(shop) == service.DEFAULT_MATURITY_DAYS  # fewer than 30 refunds


def test_flagging_finds_the_bad_product_and_not_the_small_one():
    rng = np.random.default_rng(3)
    n = np.full(20, 500)
    k = rng.binomial(n, 0.10)
    k[0] = 130  # 26% against 10%
    rows = [{"product_id": f"p{i}", "title": ODD if i == 0 else f"t{i}", "category": "c", "campaign_line": False, "lines": int(n[i]),
             "refunded": int(k[i]), "refund_amount": float(k[i]), "top_reason": "质量问题",
             "top_reason_refunds": int(k[i])} for i in range(20)]
    rows.append({"product_id": "tiny", "title": "tiny", "category": "c", "campaign_line": False, "lines": 3,
                 "refunded": 2, "refund_amount": 2.0, "top_reason": None, "top_reason_refunds": 0})
    flags = service.flag_products(pd.DataFrame(rows))
    assert list(flags.index[flags["flagged"]]) == ["p0"]
    assert flags.loc["tiny", "rate"] == pytest.approx(2 / 3)
    assert flags.loc["tiny", "shrunk"] < 0.3  # shrunk towards the category
    assert flags.attrs["level"] == pytest.approx(1 - 0.05 / 21)
    text = service.describe_flagged(flags, lang="en")
    assert "1 products refund significantly more" in text and "“连衣裙 &lt;b&gt;x&lt;/b&gt;”" in text
    assert "<b>" not in text and "<b>" not in service.flagged_table(flags, "en").to_html()
    none = service.describe_flagged(flags[~flags["flagged"]], lang="en")
    assert "None of the 20 products" in none and "median product has 500 lines" in none


def test_dispersion_is_zero_for_binomial_noise_and_positive_for_mixtures():
    rng = np.random.default_rng(0)
    n = np.full(200, 400)
    assert service.fit_dispersion(rng.binomial(n, 0.1), n, np.full(200, 0.1)) < 0.003
    p = rng.beta(2, 18, 200)  # rho = 1 / (2 + 18 + 1)
    assert service.fit_dispersion(rng.binomial(n, p), n, np.full(200, 0.1)) == pytest.approx(1 / 21, abs=0.02)
    assert service.fit_dispersion([], [], []) == 0.0


# --------------------------------------------------------------------------- reviews and phrases


def test_text_handling_of_empty_emoji_mixed_and_boilerplate():
    assert service.normalize_text(None) == "" and service.normalize_text(float("nan")) == ""
    assert service.normalize_text("此用户没有填写评价。") == ""
    assert service.extract_ngrams("") == set()
    grams = service.extract_ngrams("尺码偏小，👍 ＳＩＺＥ偏小 quality不错")
    assert {"尺码", "尺码偏小", "码偏小", "偏小", "size", "quality", "不错"} <= grams
    assert not any("，" in g or "👍" in g for g in grams)
    assert "小偏" not in grams  # n-grams never cross punctuation, emoji or Latin


def test_reviews_of_the_hand_built_shop(shop):
    reviews = service.load_reviews(shop, MARCH)
    s = service.summarize_reviews(reviews)
    assert (s["reviews"], s["good"], s["neutral"], s["bad"]) == (4, 2, 1, 1)
    assert s["bad_rate"] == pytest.approx(0.25) and s["good_rate"] == pytest.approx(0.5)
    assert s["empty_text"] == 2
    by = service.reviews_by_product(reviews, min_reviews=2)
    assert by.loc["p2", "reviews"] == 1 and not by.loc["p2", "enough"]  # one review: listed, not ranked
    assert by.loc["p1", "bad_rate"] == pytest.approx(1 / 3)
    assert by.loc["p1", "stars_1"] == pytest.approx(1 / 3)
    phrases = service.complaint_phrases(reviews, "product_id", min_reviews=2)
    assert phrases.empty  # one bad review is not enough to name a complaint
    html = service.reviews_table(by, "en").to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    trend = service.rating_trend(reviews, MARCH)
    assert trend["freq"].iloc[0] == "week" and trend["reviews"].sum() == 4


def test_no_reviews_gives_nan_rates_with_a_note(shop):
    reviews = service.load_reviews(shop, Period(pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-30")))
    with pytest.warns(metrics.MetricNote):
        s = service.summarize_reviews(reviews)
    assert s["reviews"] == 0 and math.isnan(s["bad_rate"])
    assert "No review" in service.describe_reviews(s, service.reviews_by_product(reviews), "en")


def test_log_odds_ranks_a_target_only_phrase_first_and_is_antisymmetric():
    target = Counter({"色差": 30, "很好": 5})
    reference = Counter({"很好": 60, "色差": 1})
    background = target + reference
    table = service.log_odds_dirichlet(target, reference, background)
    assert table.index[0] == "色差" and table.loc["色差", "z"] > 3
    flipped = service.log_odds_dirichlet(reference, target, background)
    assert flipped.loc["色差", "z"] == pytest.approx(-table.loc["色差", "z"])
    assert service.log_odds_dirichlet(Counter(), Counter(), Counter()).empty


def test_overlapping_phrases_merge_into_the_longest():
    table = pd.DataFrame({"target": [10, 10, 10, 9, 9, 4], "reference": 0, "delta": 1.0,
                          "z": [3.0, 3.0, 3.0, 2.9, 2.9, 2.5]},
                         index=pd.Index(["偏小", "尺码偏小", "码偏", "性价比不", "价比不高", "不推荐"], name="phrase"))
    out = service.merge_overlaps(table, top=5)
    assert list(out.index) == ["尺码偏小", "性价比不高", "不推荐"]


def test_bad_review_phrases_find_a_planted_complaint():
    rows = []
    for i in range(40):
        rows.append((f"o{i}", "p", 1, "尺码偏小，不太满意" if i % 2 else "尺码偏小穿着很紧"))
    for i in range(40, 140):
        rows.append((f"o{i}", "p", 5, ["质量很好", "尺码标准，很满意", "物流很快"][i % 3]))
    reviews = pd.DataFrame(rows, columns=["order_id", "product_id", "rating", "text"])
    reviews["verdict"] = service.review_verdict(reviews["rating"])
    top = service.complaint_phrases(reviews, "product_id", min_reviews=20, top=3)
    assert top.iloc[0]["phrase"] == "尺码偏小" and top.iloc[0]["bad_share"] == 1.0


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
    reviews = pd.DataFrame({"product_id": rng.choice(["p1", "p2", "p3"], n), "rating": rating,
                            "text": pd.array(text, dtype="str")},
                           index=pd.Index(rng.permutation(n) * 3 + 1))  # not 0..n-1, not in order
    reviews["verdict"] = service.review_verdict(reviews["rating"])
    for by, table in ((None, service.complaint_phrases(reviews, top=5)),
                      ("product_id", service.complaint_phrases(reviews, "product_id", min_reviews=20, top=3))):
        assert not table.empty
        for _, row in table.iterrows():
            group = reviews if by is None else reviews[reviews[by] == row["group"]]
            bad, good = group[group["verdict"] == "bad"], group[group["verdict"] == "good"]
            # merged phrases ("尺码偏小" and "偏小") keep the figures of the n-gram they came from
            source = [g for g in service.count_ngrams(bad["text"]) if g in row["phrase"]]
            shares = {g: sum(g in service.extract_ngrams(t) for t in bad["text"]) / len(bad) for g in source}
            assert row["bad_reviews"] == len(bad)
            assert any(row["bad_share"] == pytest.approx(v) for v in shares.values())
            if row["phrase"] in shares:
                in_good = sum(row["phrase"] in service.extract_ngrams(t) for t in good["text"])
                assert row["bad_share"] == pytest.approx(shares[row["phrase"]])
                assert row["good_share"] == pytest.approx(in_good / len(good))


def test_reviews_without_words_give_no_phrases_not_a_crash():
    # a product whose reviews are all the platform's default text, or empty
    reviews = pd.DataFrame({"product_id": "p1", "rating": [1, 1, 5, 1] * 10,
                            "text": pd.Series(["此用户没有填写评价。", None, "", "  "] * 10, dtype="str"),
                            "category": "c", "review_time": pd.Timestamp("2026-03-05")})
    reviews["verdict"] = service.review_verdict(reviews["rating"])
    assert service.complaint_phrases(reviews, top=5).empty
    assert service.complaint_phrases(reviews, "product_id", min_reviews=2).empty
    assert "Too few bad reviews" in service.describe_phrases(service.complaint_phrases(reviews), pd.DataFrame(),
                                                              pd.Series(dtype=str), "en")
    view = service.render_explore(reviews, MARCH, None, "p1", "en")
    assert len(view) == 2


# --------------------------------------------------------------------------- fulfilment


def test_fulfilment_of_the_hand_built_shop(shop):
    orders = service.order_shipments(shop, MARCH, promised_hours=48)
    overall = service.summarize_fulfilment(orders)
    row = overall.iloc[0]
    assert (row["orders"], row["shipped_orders"], row["due"]) == (3, 2, 3)
    assert row["on_time_rate"] == pytest.approx(1 / 3)  # o1 on time; o2 72 h; o4 never shipped
    assert row["without_shipment"] == 1  # o3, cancelled before shipping
    assert row["median_ship_hours"] == pytest.approx((10 + 72) / 2)
    by = service.summarize_fulfilment(orders, "warehouse")
    assert by.loc["武汉仓", "on_time_rate"] == 0 and by.loc["杭州仓", "on_time_rate"] == 1
    assert by.index[0] == "武汉仓"  # worst first
    text = service.describe_fulfilment(overall, by, None, "en")
    assert "“武汉仓”" in text and "33.33% shipped on time" in text


def test_promised_hours_parameter_fills_a_missing_promise(shop):
    orders = service.order_shipments(shop, MARCH, promised_hours=24)
    late = orders.select("order_id", "promised", "late").execute().set_index("order_id")
    assert late.loc["o4", "promised"] == 24 and late.loc["o1", "promised"] == 48
    assert bool(late.loc["o4", "late"]) and not bool(late.loc["o1", "late"])


def test_mantel_haenszel_single_stratum_matches_the_textbook():
    strata = pd.DataFrame({"a": [20], "n1": [100], "c": [10], "n0": [100]})
    mh = service.mantel_haenszel(strata)
    assert mh["rr"] == pytest.approx(2.0) and mh["rd"] == pytest.approx(0.1)
    se_log = math.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100)  # Katz = Greenland-Robins for one stratum
    assert mh["rr_high"] == pytest.approx(2 * math.exp(1.959964 * se_log), rel=1e-4)
    se_rd = math.sqrt(0.2 * 0.8 / 100 + 0.1 * 0.9 / 100)
    assert mh["rd_high"] - mh["rd"] == pytest.approx(1.959964 * se_rd, rel=1e-4)


def test_mantel_haenszel_removes_confounding_by_stratum():
    # late parcels sit mostly in the high-risk stratum: crude RR is far above the true 1.5
    strata = pd.DataFrame({"a": [30, 3], "n1": [100, 100], "c": [20, 20], "n0": [100, 1000]})
    crude = (33 / 200) / (40 / 1100)
    mh = service.mantel_haenszel(strata)
    assert crude > 4 and mh["rr"] == pytest.approx(1.5, rel=0.05)
    with pytest.warns(metrics.MetricNote):
        empty = service.mantel_haenszel(pd.DataFrame({"a": [1], "n1": [5], "c": [0], "n0": [0]}))
    assert math.isnan(empty["rr"])


def test_late_effects_on_the_hand_built_shop(shop):
    with pytest.warns(metrics.MetricNote, match="no events in one group"):  # no late line was refunded
        effects = service.late_effects(shop, MARCH, 48, maturity_days=20)
    assert set(effects.index) == {"refund_after_shipping", "bad_review"}
    # refunds: o1/p1 (on time, refunded), o2/p1 (late), o4 lines (late); o3 refunded before shipping
    assert effects.loc["refund_after_shipping", "on_time_n"] == 1
    assert effects.loc["refund_after_shipping", "late_n"] == 3
    assert effects.loc["refund_after_shipping", "on_time_rate"] == 1.0
    assert effects.loc["refund_after_shipping", "late_rate"] == 0.0 and math.isnan(effects.loc["refund_after_shipping", "rr"])
    assert effects.loc["bad_review", "late_n"] == 3 and effects.loc["bad_review", "on_time_rate"] == 1.0


# --------------------------------------------------------------------------- service and DSR


def test_service_figures_of_the_hand_built_shop(shop):
    s = service.summarize_service(shop, MARCH)
    assert (s["chats"], s["converted"]) == (3, 1)
    assert s["inquiry_conversion_rate"] == pytest.approx(1 / 3)
    assert s["median_response"] == 20 and s["within_30s"] == pytest.approx(2 / 3)
    with pytest.warns(metrics.MetricNote, match="2 of 5 trial counts are 0"):  # empty bands: NaN, not 0
        bands = service.service_by(shop, MARCH, "band")
    assert bands.loc["0-15s", "chats"] == 1 and bands.loc["15-30s", "chats"] == 1 and bands.loc["60-180s", "chats"] == 1
    assert bands.loc["30-60s", "chats"] == 0 and math.isnan(bands.loc["30-60s", "inquiry_conversion_rate"])
    agents = service.service_by(shop, MARCH, "agent")
    assert agents.loc["小家", "median_response"] == 60
    with pytest.raises(ValueError, match="band"):
        service.service_by(shop, MARCH, "hour")


def test_logistic_fit_recovers_known_coefficients():
    x = np.linspace(-2, 5, 50)
    p = 1 / (1 + np.exp(-(0.3 - 0.5 * x)))
    n = np.full(50, 4000)
    fit = service.fit_logistic(x, np.round(n * p), n)
    assert fit["slope"] == pytest.approx(-0.5, abs=0.01) and fit["intercept"] == pytest.approx(0.3, abs=0.02)
    assert fit["slope_low"] < fit["slope"] < fit["slope_high"]
    with pytest.warns(metrics.MetricNote):
        flat = service.fit_logistic([1, 1], [1, 2], [5, 5])
    assert math.isnan(flat["slope"])


def test_ols_with_robust_errors():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, 2000)
    y = 4.9 - 0.6 * x + rng.normal(0, 0.3 + 0.3 * x)
    fit = service.fit_ols(np.column_stack([np.ones(2000), x]), y)
    assert fit.loc[1, "coefficient"] == pytest.approx(-0.6, abs=0.05)
    assert fit.loc[1, "low"] < -0.6 < fit.loc[1, "high"]


def test_dsr_summary_and_drivers_of_the_hand_built_shop(shop):
    dsr = service.load_dsr(shop, MARCH)
    summary = service.summarize_dsr(dsr)
    assert summary.loc["description", "last"] == pytest.approx(4.75)
    assert summary.loc["description", "change"] == pytest.approx(-0.05)
    assert summary.loc["description", "gap"] == pytest.approx(-0.10)
    assert summary.loc["service", "gap"] == pytest.approx(0.05)
    experience = service.review_experience(shop, MARCH, 48, flagged=["p1"], end=service.data_end(shop))
    assert len(experience) == 4
    assert experience.set_index(["order_id", "product_id"]).loc[("o2", "p1"), "late_shipped"]
    assert experience.set_index(["order_id", "product_id"]).loc[("o1", "p1"), "refunded"]
    assert experience.set_index(["order_id", "product_id"]).loc[("o1", "p1"), "slow_response"] == False  # noqa: E712
    assert service.summarize_dsr(None)["last"].isna().all()
    text = service.describe_dsr(summary, service.dsr_drivers(pd.DataFrame()), "en")
    assert "Item as described 4.750 (-0.100 against the peer tier" in text and "below the peer tier" in text


def test_sections_without_their_tables(tmp_path, shop):
    folder = tmp_path / "orders_only"
    folder.mkdir()
    (folder / "orders.csv").write_bytes((shop.files["orders"][0]).read_bytes())
    bare = data.connect(folder)
    lines = service.paid_lines(bare, MARCH)
    assert service.count_unmatched_refunds(bare, MARCH) == []
    assert service.late_effects.__name__  # fulfilment needs shipments: the notebook skips it
    with pytest.warns(metrics.MetricNote, match="reviews"):
        drivers = service.find_dsr_drivers(bare, MARCH)
    assert drivers.empty
    assert "`reviews`" in bare.missing_message("reviews", "en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        margin = service.refund_margin(lines)
    assert math.isnan(margin.loc["lost", "gross_profit"])


# --------------------------------------------------------------------------- truth of the sample shop


@pytest.fixture(scope="module")
def sample():
    shop = data.connect(SAMPLE)
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))["after_sales"]
    lo, hi = shop.date_range("orders")
    period = Period(lo.normalize(), hi.normalize())
    end = service.data_end(shop)
    maturity = service.refund_maturity_days(shop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        lines = service.paid_lines(shop, period)
        flags = service.flag_products(service.product_refunds(lines, end, maturity))
        reviews = service.load_reviews(shop, period)
        effects = service.late_effects(shop, period, 48, maturity, end=end)
        flagged = list(flags.index[flags["flagged"]])
        drivers = service.find_dsr_drivers(shop, period, 48, flagged, end=end, maturity_days=maturity)
    return {"shop": shop, "truth": truth, "period": period, "end": end, "maturity": maturity, "lines": lines,
            "flags": flags, "reviews": reviews, "effects": effects, "drivers": drivers}


def test_maturity_of_the_sample_covers_its_refund_delays(sample):
    assert 15 <= sample["maturity"] <= 20  # refunds come 1-20 days after payment


def test_planted_defective_products_are_flagged_and_at_most_one_other(sample):
    planted = set(sample["truth"]["defects"])
    flagged = set(sample["flags"].index[sample["flags"]["flagged"]])
    assert planted <= flagged
    assert len(flagged - planted) <= 1
    for pid, d in sample["truth"]["defects"].items():
        assert sample["flags"].loc[pid, "top_reason"] == d["refund_reason"]
        assert sample["flags"].loc[pid, "rate"] == pytest.approx(d["expected_refund_rate"], abs=0.03)


def test_planted_complaints_top_their_products_bad_review_phrases(sample):
    phrases = service.complaint_phrases(sample["reviews"], "product_id", min_reviews=20, top=3)
    for pid, d in sample["truth"]["defects"].items():
        top = phrases[(phrases["group"] == pid) & (phrases["rank"] == 1)]["phrase"].iloc[0]
        assert top in d["theme"] or d["theme"] in top, (pid, d["theme"], top)
    shop_top = service.complaint_phrases(sample["reviews"], top=3)["phrase"].tolist()
    assert sample["truth"]["reviews"]["late_theme"] in shop_top  # 物流慢, the late parcels' complaint


def test_late_shipping_effect_on_bad_reviews_recovers_the_planted_size(sample):
    e = sample["effects"].loc["bad_review"]
    planted = sample["truth"]["reviews"]["late_effect_on_bad_review_rate"]  # +15 points
    assert e["rd"] == pytest.approx(planted, abs=0.04)
    assert e["rd_low"] <= planted <= e["rd_high"] and e["rd_low"] > 0


def test_late_shipping_effect_on_refunds_recovers_the_planted_relative_risk(sample):
    e = sample["effects"].loc["refund_after_shipping"]
    planted = sample["truth"]["refunds"]["late_shipping_relative_risk"]  # x1.8
    assert e["rr_low"] <= planted <= e["rr_high"] and e["rr_low"] > 1
    assert abs(math.log(e["rr"] / planted)) < 0.3


def test_slowest_warehouse_and_carrier_are_the_planted_ones(sample):
    orders = service.order_shipments(sample["shop"], sample["period"], 48, sample["end"])
    wh = service.summarize_fulfilment(orders, "warehouse")
    truth = sample["truth"]["shipping"]
    slowest = max(truth["warehouses"], key=lambda w: truth["warehouses"][w]["median_hours_to_ship"])
    assert wh.index[0] == slowest
    normal = truth["warehouses"][slowest]["expected_late_share_normal_day"]
    event = truth["warehouses"][slowest]["expected_late_share_platform_event"]
    assert normal - 0.03 <= 1 - wh.loc[slowest, "on_time_rate"] <= event
    carriers = service.summarize_fulfilment(orders, "carrier")
    slow_carrier = max(truth["carriers"], key=lambda c: truth["carriers"][c]["median_transit_hours"])
    assert carriers["median_transit_hours"].idxmax() == slow_carrier
    for name, spec in truth["carriers"].items():
        assert carriers.loc[name, "median_transit_hours"] == pytest.approx(spec["median_transit_hours"], rel=0.1)


def test_response_time_effect_on_conversion_recovers_the_planted_slope(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        fit = service.fit_response_effect(sample["shop"], sample["period"])
    planted = sample["truth"]["service"]["conversion_logit"]
    assert fit["slope"] == pytest.approx(planted["per_doubling_of_seconds"], abs=0.08)
    assert fit["intercept"] == pytest.approx(planted["intercept"], abs=0.12)
    assert fit["slope_low"] <= planted["per_doubling_of_seconds"] <= fit["slope_high"]


def test_dsr_drivers_recover_the_planted_effects(sample):
    drivers = sample["drivers"].set_index(["score", "driver"])
    planted = sample["truth"]["dsr"]["effects_on_expected_score"]
    for score, driver in (("logistics", "late"), ("service", "refunded"), ("service", "slow_response")):
        name = "late_shipped" if driver == "late" else driver
        row = drivers.loc[(score, name)]
        assert row["low"] <= planted[score][driver] <= row["high"], (score, driver, row["coefficient"])
        assert row["coefficient"] == pytest.approx(planted[score][driver], abs=0.15)
    # a flagged (defective) product costs 描述相符 about defect share x 1.2 points
    assert drivers.loc[("description", "flagged_product"), "coefficient"] < -0.25


def test_dsr_table_sits_near_the_planted_peer_tier(sample):
    dsr = service.load_dsr(sample["shop"], sample["period"])
    summary = service.summarize_dsr(dsr)
    for key, peer in sample["truth"]["dsr"]["peer_average"].items():
        assert summary.loc[key, "peer"] == pytest.approx(peer, abs=0.03)
        assert 4.5 < summary.loc[key, "last"] <= 5


def test_report_renders_in_english_and_records_the_helpers_figures(tmp_path, sample):
    from helpers import batch

    nb = data.project_root() / "notebooks" / "06-service.ipynb"
    result = batch.execute_run(batch.RunSpec("service-en", str(nb), {"lang": "en"}), tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "06-service" / "service-en.html").read_text(encoding="utf-8")
    recorded = {m["name"]: m["value"] for m in result.metrics}
    s = service.summarize_refunds(sample["lines"], sample["end"], sample["maturity"])
    assert recorded["refund_rate_by_value"] == pytest.approx(s["refund_rate_by_value"])
    assert recorded["refund_rate_by_count"] == pytest.approx(s["refund_rate_by_count"])
    assert set(recorded["flagged_product_ids"].split(", ")) == set(sample["flags"].index[sample["flags"]["flagged"]])
    for key in ("bad_review_rate", "on_time_ship_rate", "inquiry_conversion_rate", "dsr_logistics_vs_peer"):
        assert recorded[key] is not None
    assert "Of the 67,208 lines paid in the period" in html
    assert "refund significantly more than their category predicts" in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning reaches the reader
    assert html.count('src="data:image/png;base64,') >= 8


def test_an_order_without_a_customer_is_not_linked_to_a_chat_without_one(shop, tmp_path):
    """o2's buyer and a slow converted chat an hour before its payment both have an empty id: no one, no link."""
    orders = shop.table("orders").execute()
    orders.loc[orders["order_id"] == "o2", "customer_id"] = ""
    chats = shop.table("service").execute()
    chats.loc[len(chats)] = {"chat_time": pd.Timestamp("2026-03-03 09:00:00"), "customer_id": "",
                             "agent": "小悦", "first_response_seconds": 600, "converted": True}
    for name, frame in (("orders", orders), ("service", chats)):
        (tmp_path / f"{name}.csv").unlink()
        frame.to_parquet(tmp_path / f"{name}.parquet")
    experience = service.review_experience(data.connect(tmp_path), MARCH, 48, end=pd.Timestamp("2026-04-30"))
    assert not experience["slow_response"].any()
