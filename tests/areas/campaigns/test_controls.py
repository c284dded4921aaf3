"""Control series: a control the campaign reached is left out and named."""

from __future__ import annotations

import pytest

from helpers.areas.campaigns.controls import CONTAMINATION_MIN_CHANGE, campaign_categories
from helpers.areas.campaigns.sentences import describe_control
from helpers.areas.campaigns.tables import controls_table


def _why(controls, key, lang="en"):
    row = controls.loc[key]
    return describe_control(row["reason"], row["detail"], row["change_in_event"], row["p_real"], lang)


@pytest.mark.recovery  # the generator lifts the whole shop's traffic during a category discount
def test_contaminated_and_missing_controls_are_named(impacts):
    flash = impacts["flash-2025-09"].controls
    # the generator lifts the whole shop's traffic during a discount on dresses, so the other
    # categories move too: they must not serve as a control
    assert flash.loc["other_categories", "status"] == "contaminated"
    assert flash.loc["other_categories", "reason"] == "moved"
    assert flash.loc["other_categories", "change_in_event"] > CONTAMINATION_MIN_CHANGE
    assert flash.loc["other_categories", "p_real"] >= 0.8
    assert "moved" in _why(flash, "other_categories") and "女装T恤" in _why(flash, "other_categories")
    assert "活动期间它自己也变化了" in _why(flash, "other_categories", "zh")
    assert flash.loc["last_year", "status"] == "unavailable"  # the data starts in 2025
    assert "The data starts on 2025-01-01" in _why(flash, "last_year")
    june = impacts["618-2026"].controls
    assert june.loc["last_year", "status"] == "contaminated"
    assert "618-2025" in _why(june, "last_year") and "618-2025" in _why(june, "last_year", "zh")
    assert june.loc["other_categories", "status"] == "unavailable"
    assert "whole shop" in _why(june, "other_categories")
    assert "对全店生效" in _why(june, "other_categories", "zh")


def test_only_part_range_mechanics_have_category_controls(frames):
    from helpers.areas.campaigns.campaign import get_campaign

    assert campaign_categories(frames, get_campaign(frames.campaigns, "618-2026")) is None  # 满减: whole shop
    assert campaign_categories(frames, get_campaign(frames.campaigns, "flash-2025-09")) == ["女装连衣裙"]


def test_controls_table_words_every_row(june):
    for lang, words in (("en", ("Same period last year", "Contaminated, left out", "Why")),
                        ("zh", ("去年同期", "受污染，未使用", "说明"))):
        html = controls_table(june[2], lang).to_html()
        assert all(w in html for w in words), lang
    for reason in ("no_products", "whole_shop", "no_tagged_lines", "all_categories", "short_baseline"):
        zh, en = (describe_control(reason, (), float("nan"), float("nan"), lang) for lang in ("zh", "en"))
        assert zh and en and zh != en
    assert "Spring Festival" in describe_control("last_year_campaign", ("spring_festival",), 0, 0, "en")
    assert "春节" in describe_control("last_year_campaign", ("spring_festival",), 0, 0, "zh")
    assert describe_control("steady", ("A", "B"), 0.034, 0.3, "en") == "Steady during the campaign (+3%). (A, B)"
    assert describe_control("steady", ("A", "B"), 0.034, 0.3, "zh") == "活动期间基本平稳（+3%）。（A、B）"
    with pytest.raises(ValueError, match="unknown control reason"):
        describe_control("??", (), 0, 0, "en")
