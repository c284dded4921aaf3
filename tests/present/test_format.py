"""Numbers as reports write them: yuan, percent, counts, 万/亿 and k/M, "—" for missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.present import format as p

NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234, "¥1,234"),
        (1234.6, "¥1,235"),
        (100, "¥100"),
        (12.5, "¥12.50"),
        (99.999, "¥100.00"),
        (0, "¥0.00"),
        (-1234, "-¥1,234"),
        (-12.5, "-¥12.50"),
        (-0.001, "¥0.00"),
        (1_234_567.8, "¥1,234,568"),
        (NAN, "—"),
        (None, "—"),
        (pd.NA, "—"),
        (np.inf, "—"),
    ],
)
def test_fmt_yuan(value, expected):
    assert p.fmt_yuan(value) == expected


def test_fmt_pct():
    assert p.fmt_pct(0.035) == "3.5%"
    assert p.fmt_pct(0.035, digits=2) == "3.50%"
    assert p.fmt_pct(-0.0351) == "-3.5%"
    assert p.fmt_pct(0.035, signed=True) == "+3.5%"
    assert p.fmt_pct(-0.035, signed=True) == "-3.5%"
    assert p.fmt_pct(-0.00001) == "0.0%"
    assert p.fmt_pct(1.5) == "150.0%"
    assert p.fmt_pct(NAN) == "—"
    assert p.fmt_pct(np.float64("nan")) == "—"


def test_fmt_count_and_ratio():
    assert p.fmt_count(1234) == "1,234"
    assert p.fmt_count(1234.6) == "1,235"
    assert p.fmt_count(-56) == "-56"
    assert p.fmt_count(-0.2) == "0"
    assert p.fmt_count(None) == "—"
    assert p.fmt_ratio(3.256) == "3.26"
    assert p.fmt_ratio(-1.5) == "-1.50"
    assert p.fmt_ratio(NAN) == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "1.23万"),
        (1.5e8, "1.50亿"),
        (9999, "9,999"),
        (9999.6, "1.00万"),  # rounds up into 万
        (10_000, "1.00万"),
        (99_995_000, "9999.50万"),
        (99_999_999, "1.00亿"),  # never "10000.00万"
        (100_000_000, "1.00亿"),
        (-12345, "-1.23万"),
        (-1.5e8, "-1.50亿"),
        (0, "0"),
        (12.5, "12.50"),
        (NAN, "—"),
    ],
)
def test_fmt_wan(value, expected):
    assert p.fmt_wan(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "12.3k"),
        (1.5e8, "150.0M"),
        (1.5e9, "1.5B"),
        (999, "999"),
        (999_940, "999.9k"),
        (999_960, "1.0M"),
        (-2500, "-2.5k"),
        (NAN, "—"),
    ],
)
def test_fmt_big_en(value, expected):
    assert p.fmt_big(value, "en") == expected


def test_fmt_big_zh_is_wan():
    assert p.fmt_big(12345, "zh") == "1.23万"


def test_formatter_kinds():
    assert p.formatter("yuan")(12.5) == "¥12.50"
    assert p.formatter("signed_pct")(0.1) == "+10.0%"
    assert p.formatter("big", "en")(12345) == "12.3k"
    assert p.formatter("conversion_rate")(0.035) == "3.5%"  # metric key -> its unit
    assert p.formatter("aov")(150) == "¥150"
    assert p.formatter("roi")(3.2) == "3.20"
    with pytest.raises(ValueError):
        p.formatter("kg")
