"""The postmortem's sentences: both languages, data text escaped, each wholly in its language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.areas.campaigns import advice, sentences
from helpers.areas.campaigns.activity import build_timeline, hourly_sales, peak_day
from helpers.areas.campaigns.findings import recommend_next
from helpers.areas.campaigns.mechanics import analyse_mechanics
from helpers.areas.campaigns.profit import compute_profit
from helpers.areas.campaigns.refunds import compare_refunds
from helpers.areas.campaigns.uplift import estimate_uplift, summarize_pull_forward
from helpers.core.findings import Finding
from helpers.core.notes import quiet
from helpers.present.format import format_value
from tests.areas.campaigns.sample_shop import windows_for

CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
ACRONYMS = {"ROI", "ID"}


def test_sentences_in_both_languages_escape_data_text(frames, june):
    drivers = pd.DataFrame({"pre_sales_per_day": [10.0, 5.0], "event_sales_per_day": [30.0, 4.0],
                            "lift": [2.0, -0.2], "share_of_increase": [1.05, -0.05],
                            "share_change": [0.3, -0.3]}, index=pd.Index(["<i>裙</i>", "T*恤*"]))
    _, _, imp = june
    campaign, w = windows_for(frames, "nhj-2025", 5)
    short = estimate_uplift(frames, campaign, w)
    for lang in ("zh", "en"):
        text = sentences.describe_drivers(drivers, drivers, lang)
        assert "<i>" not in text and "&lt;i&gt;" in text and r"T\*恤\*" in text
        # the estimate's figures, as the report formats them, are in the sentence
        said = sentences.describe_uplift(imp, lang)
        for key in ("actual", "predicted", "effect", "effect_low", "effect_high"):
            assert format_value(imp.value("event", key), "yuan", lang) in said, (lang, key)
        assert f"{imp.value('event', 'relative'):+.1%}" in said and str(imp.fit_days) in said
        # without an estimate it says so, and why
        said = sentences.describe_uplift(short, lang)
        assert ("无法估计活动增量" if lang == "zh" else "could not be estimated") in said and " 5 " in said
    assert "相对提升" in sentences.describe_uplift(imp, "zh")
    assert "relative uplift" in sentences.describe_uplift(imp, "en")


def _report_sentences(shop, frames, june, lang):
    campaign, w, imp = june
    with quiet():
        timeline = build_timeline(frames, w)
        hourly = hourly_sales(shop, frames, campaign, w, peak_day(timeline))
        pull = summarize_pull_forward(imp)
        refunds = compare_refunds(frames, campaign, w)
        earned = compute_profit(frames, campaign, w, imp, refunds)
        mech = analyse_mechanics(shop, frames, campaign, w)
    return [sentences.campaign_header(campaign, w, lang), sentences.describe_timeline(timeline, w, hourly, lang),
            sentences.describe_stockouts(pd.DataFrame(columns=["title"]), lang),
            sentences.describe_uplift(imp, lang), sentences.describe_pull_forward(pull, imp, lang),
            sentences.describe_refunds(refunds, lang), sentences.describe_profit(earned, imp, lang),
            sentences.describe_mechanics(mech, lang),
            advice.describe_next(recommend_next(imp, pull, refunds, earned, mech, pd.DataFrame(), hourly), lang)]


def test_a_report_is_wholly_in_its_language(shop, frames, june):
    """The Chinese sentences have no English words but acronyms, and the English none of
    Chinese but the campaign's own name (data)."""
    name = june[0].name
    for text in _report_sentences(shop, frames, june, "zh"):
        assert set(ASCII_WORD.findall(text)) <= ACRONYMS, text
    for text in _report_sentences(shop, frames, june, "en"):
        assert not CJK.search(text.replace(name, "")), text


def test_every_issue_is_said_in_both_languages():
    day = pd.Timestamp("2026-11-11")
    issues = [("not_started", {"start": day, "data_last": day}), ("ended_before_data", {"data_first": day}),
              ("still_running", {"end": day, "data_last": day}), ("short_post", {"days": 4, "asked": 14}),
              ("short_baseline", {"days": 45, "asked": 56}), ("overlap", {"campaigns": ("店铺券 (x-1)",)}),
              ("not_enough_data", {"clean_days": 5, "needed": 28}), ("few_clean_days", {"clean_days": 30, "advised": 42})]
    for verdict, evidence in issues:
        issue = Finding("campaigns.windows", "x", verdict, evidence)
        zh, en = sentences.describe_issue(issue, "zh"), sentences.describe_issue(issue, "en")
        assert not ASCII_WORD.findall(zh.replace("`pre_days`", "")), zh  # the parameter to change, as code
        assert not CJK.search(en.replace("店铺券", "")), en
        for value in evidence.values():
            if isinstance(value, int):
                assert str(value) in zh and str(value) in en
    with pytest.raises(ValueError, match="unknown issue"):
        sentences.describe_issue(Finding("campaigns.windows", "x", "??", {}), "en")


def test_mechanic_names_come_from_the_label_table():
    assert sentences.mechanic_label("full_reduction", "zh") == "满减"
    assert sentences.mechanic_label("full_reduction", "en") == "spend-and-save"
    assert sentences.mechanic_label("lucky_draw", "en") == "lucky_draw"  # unknown: the data's own value
    with pytest.raises(ValueError, match="zh or en|not supported"):
        sentences.mechanic_label("bogo", "fr")
