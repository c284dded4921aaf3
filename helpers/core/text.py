"""Text from data as phrases: the n-grams of review texts and listing titles.

Chinese has no spaces, so a phrase is a character n-gram of a run of Chinese characters
(never across punctuation, emoji or Latin), and a Latin word of two letters or more. The
platform's boilerplate ("此用户没有填写评价") is not a review. Kept by hand: no maintained
library segments short Chinese reviews better for counting phrases, and a word segmenter
(jieba) would be a large dependency with its own dictionary for the same counts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Any

import pandas as pd

NGRAM_SIZES = (2, 3, 4)
BOILERPLATE = ("此用户没有填写评价", "系统默认好评", "评价方未及时做出评价", "该用户未填写评价内容",
               "用户未填写评价内容")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]{2,}")


def normalize_text(value: Any) -> str:
    """Review text ready for n-grams: NFKC (full-width Latin to half-width), lower case,
    the platform's boilerplate ("此用户没有填写评价") removed; "" for empty or missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    out = unicodedata.normalize("NFKC", str(value)).lower().strip()
    for phrase in BOILERPLATE:
        out = out.replace(phrase, "")
    return out.strip(" 。.!！")


def extract_ngrams(value: Any, sizes: tuple[int, ...] = NGRAM_SIZES) -> set[str]:
    """The distinct phrases of one review: character n-grams of each run of Chinese
    characters (never across punctuation, emoji or Latin) plus Latin words of 2+ letters."""
    clean = normalize_text(value)
    grams: set[str] = set()
    for run in _CJK.findall(clean):
        for n in sizes:
            grams.update(run[i:i + n] for i in range(len(run) - n + 1))
    grams.update(_LATIN.findall(clean))
    return grams


def count_ngrams(texts: Any, sizes: tuple[int, ...] = NGRAM_SIZES) -> Counter:
    """Document frequency of every phrase: in how many of the texts it appears."""
    counts: Counter = Counter()
    for value in texts:
        counts.update(extract_ngrams(value, sizes))
    return counts

