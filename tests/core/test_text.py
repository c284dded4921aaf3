"""Text from data as phrases: normalising review texts and their character n-grams."""

from __future__ import annotations

import pandas as pd

from helpers.core.text import BOILERPLATE, NGRAM_SIZES, count_ngrams, extract_ngrams, normalize_text


def test_text_handling_of_empty_emoji_mixed_and_boilerplate():
    assert normalize_text(None) == "" and normalize_text(float("nan")) == "" and normalize_text(pd.NA) == ""
    assert normalize_text("此用户没有填写评价。") == ""
    assert all(normalize_text(b) == "" for b in BOILERPLATE)
    assert normalize_text("  ＳＩＺＥ偏小！") == "size偏小"  # full-width Latin to half-width, lower case
    assert extract_ngrams("") == set()
    grams = extract_ngrams("尺码偏小，👍 ＳＩＺＥ偏小 quality不错")
    assert {"尺码", "尺码偏小", "码偏小", "偏小", "size", "quality", "不错"} <= grams
    assert not any("，" in g or "👍" in g for g in grams)
    assert "小偏" not in grams  # n-grams never cross punctuation, emoji or Latin


def test_ngrams_are_every_2_to_4_character_window_of_a_run():
    assert NGRAM_SIZES == (2, 3, 4)
    assert extract_ngrams("包装破损") == {"包装", "装破", "破损", "包装破", "装破损", "包装破损"}
    assert extract_ngrams("好", sizes=(2,)) == set()
    assert extract_ngrams("色差大", sizes=(3,)) == {"色差大"}
    assert extract_ngrams("a ok") == {"ok"}  # Latin words of two letters or more


def test_document_frequency_counts_a_phrase_once_per_text():
    counts = count_ngrams(["偏小偏小", "偏小", None, "色差"])
    assert counts["偏小"] == 2 and counts["色差"] == 1 and counts["小偏"] == 1
    assert count_ngrams([]) == {}
