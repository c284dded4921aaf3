"""The planning notebook run end to end through the runner, in both languages: its figures, the
purchase-plan workbook, the truth table, and a report wholly in its language."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from helpers.core.shop import project_root
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _text(html: str) -> str:
    return re.sub(r"<style.*?</style>|<script.*?</script>|<[^>]+>", " ", html, flags=re.S)


@pytest.mark.reports
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_renders_in_its_language_with_the_purchase_plan(lang, seeded, tmp_path):
    _, truth, folder = seeded
    exports = tmp_path / "exports"
    spec = RunSpec(f"planning-{lang}", str(project_root() / "notebooks" / "07-planning.ipynb"),
                   {"lang": lang, "data_dir": str(folder), "export_dir": str(exports)})
    result = execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "07-planning" / f"planning-{lang}.html").read_text(encoding="utf-8")
    figures = {m["name"]: m["value"] for m in result.metrics}
    assert figures["target_gmv"] == pytest.approx(1_500_000.0)
    assert figures["lost_units"] > 0 and figures["expected_return"] > 0
    book = load_workbook(next(exports.glob("purchase_plan_*.xlsx")))
    assert book.sheetnames and book[book.sheetnames[0]]["A1"].value == "product_id"
    assert truth["stockout"]["product_id"] in html  # the closing table sets the estimate beside the truth
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    text = _text(html)
    if lang == "en":
        assert "Stock and sell-through" in text and "进销存" not in text
        data = set()
        for name in ("products.csv", "traffic.csv", "receipts.csv", "ads.csv", "campaigns.csv"):
            data |= set(CJK.findall((folder / name).read_text(encoding="utf-8")))
        assert set(CJK.findall(text)) <= data, sorted(set(CJK.findall(text)) - data)
    else:
        assert "进销存与动销" in text and "Stock and sell-through" not in text
