"""The one table styler: headers in the report's language, formats, escaping."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.present import tables as p

NAN = float("nan")


def test_style_table_escapes_html_and_formats():
    df = pd.DataFrame(
        {
            "title": ["<script>alert('x')</script>连衣裙", "保温杯 & 茶杯"],
            "paid_amount": [12345.0, NAN],
            "conversion_rate": [0.035, NAN],
            "orders": [1234, 5],
        },
        index=["<b>p1</b>", "p2"],
    )
    formats = {"paid_amount": "wan", "conversion_rate": "pct", "orders": "count"}
    html = p.style_table(df, formats).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>p1</b>" not in html and "&lt;b&gt;p1&lt;/b&gt;" in html
    assert "保温杯 &amp; 茶杯" in html
    assert "1.23万" in html and "3.5%" in html and "1,234" in html
    assert "—" in html and "nan" not in html.lower()
    assert "支付转化率" in html and "支付金额" in html  # headers translated


def test_style_table_english_and_no_translation():
    df = pd.DataFrame({"paid_amount": [12345.0], "weird col": ["<i>x</i>"]})
    html = p.style_table(df, {"paid_amount": "big"}, "en").to_html()
    assert "12.3k" in html and "Paid amount" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    html = p.style_table(df, {"paid_amount": "yuan"}, translate=False, hide_index=True).to_html()
    assert "paid_amount" in html and "¥12,345" in html


def test_style_table_unknown_column():
    with pytest.raises(KeyError):
        p.style_table(pd.DataFrame({"a": [1]}), {"b": "pct"})


def test_style_table_escapes_headers():
    df = pd.DataFrame({"<img src=x onerror=alert(1)>": [1]})
    html = p.style_table(df).to_html()
    assert "<img" not in html
