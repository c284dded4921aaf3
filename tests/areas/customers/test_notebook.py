"""The customers notebook run end to end through the runner, in English: figures, masked ids,
the export, and a report wholly in its language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.areas.customers.recall import SAMPLE_SALT, mask_ids
from helpers.areas.customers.rfm import SEGMENTS
from helpers.core.shop import project_root
from helpers.present.format import format_value
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run
from tests.areas.customers.views import CJK


@pytest.mark.reports
def test_report_renders_in_english_with_masked_ids(customers_sample, tmp_path):
    shop, period, summary = customers_sample
    exports = tmp_path / "exports"
    spec = RunSpec("customers-en", str(project_root() / "notebooks" / "05-customers.ipynb"),
                   {"lang": "en", "export_dir": str(exports)})
    result = execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "05-customers" / "customers-en.html").read_text(encoding="utf-8")
    figures = {m["name"]: m["value"] for m in result.metrics}
    assert figures["customers"] == len(summary) and figures["repeat_customers"] == (summary["x"] > 0).sum()
    assert sum(figures[f"segment_{k}"] for k in SEGMENTS) == len(summary)
    assert figures["expected_purchases"] > 0 and figures["recall_customers"] > 0
    assert "The recall list has" in html and "Important value" in html
    assert re.search(r"c\d{8}", html) is None  # no real customer id reaches the report
    assert mask_ids([pd.read_csv(next(exports.glob("*.csv")), dtype=str, encoding="utf-8-sig").iloc[0, 0]],
                    SAMPLE_SALT)[0] in html
    assert "recall_list_20250101_20261115.xlsx" in html.replace("\\_", "_")
    assert format_value(figures["repurchase_rate"], "pct", "en") in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    # only the English text cells, and notes in English
    assert "Customers and members" in html and "用户运营" not in html and "数据说明" not in html
    assert "customer ids are masked with the sample shop's fixed salt" in html
    text = re.sub(r"<style.*?</style>|<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
    chinese = set(CJK.findall(text))
    data = set()
    for name in ("products.csv", "traffic.csv"):
        data |= set(CJK.findall((project_root() / "data" / "sample" / name).read_text(encoding="utf-8")))
    assert chinese <= data, sorted(chinese - data)  # Chinese only from data: titles, sources
