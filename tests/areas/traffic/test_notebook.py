"""The traffic notebook run by the batch executor in English with daily-mean rates: it records
the figures the helpers compute, shows no warning, and reads wholly in English."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.areas.traffic import calc
from helpers.core.params import check_params
from helpers.core.shop import project_root
from helpers.present.display import METRIC_MIME
from helpers.runner.config import RunSpec
from helpers.runner.execute import execute_run
from tests.areas.traffic.shop import noted

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.reports
def test_notebook_runs_in_english_and_records_the_helpers_figures(sample, tmp_path):
    # Through the batch executor, as every report is run: a kernel on local sockets and a time limit,
    # so that a kernel that stops answering fails this test instead of blocking the suite.
    notebook = project_root() / "notebooks" / "03-traffic-analysis.ipynb"
    spec = RunSpec("traffic-en", str(notebook), {"lang": "en", "rate_method": "daily_mean"}, timeout=600)
    result = execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    nb = nbformat.read(result.ipynb, as_version=4)
    recorded, markdown = {}, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "lang-zh" not in cell.metadata.get("tags", []):
            markdown.append(cell.source)
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
            assert output.get("name") != "stderr", output.get("text")  # no warning reaches the reader
            payload = output.get("data", {}).get(METRIC_MIME)
            if payload:
                recorded[payload["name"]] = payload["value"]
            markdown.append(output.get("data", {}).get("text/markdown", ""))
    assert set(recorded) == {"visitors", "conversion_rate", "uv_value", "aov", "sales", "best_source",
                             "worst_source", "paid_roi", "anomalies"}
    period = check_params(sample, date_table="traffic").period
    sources, _ = noted(calc.summarize_sources, sample, period, "daily_mean")
    totals, _ = noted(calc.total_figures, sources, sample, period, "daily_mean")
    assert recorded["visitors"] == totals["visitors"] and recorded["sales"] == totals["paid_amount"]
    assert recorded["conversion_rate"] == pytest.approx(totals["conversion_rate"])
    assert (recorded["best_source"], recorded["worst_source"]) == calc.pick_best_worst(sources)
    assert recorded["anomalies"] >= 2  # the price test and the bot spike fall in the default scan
    text = "\n".join(markdown)
    assert "daily mean (mean of daily rates)" in text and "Act on them quickly" in text
    assert "如有异常" not in text and "支付金额" not in text  # no Chinese sentence in the English report
    html = (tmp_path / "03-traffic-analysis" / "traffic-en.html").read_text(encoding="utf-8")
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert "# 流量分析" not in html and "流量地图" not in html  # the Chinese text cells are dropped
