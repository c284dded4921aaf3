"""Masked ids in reports, real ids in the CRM files: the salt, the masks and the export."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers import settings
from helpers.areas.customers import recall
from helpers.areas.customers.options import check_options
from helpers.areas.customers.rfm import segment_label
from helpers.areas.customers.sentences import describe_recall
from helpers.core.notes import caught
from helpers.core.shop import connect
from helpers.i18n import label
from tests.areas.customers.shops import PERIOD, SAMPLE


@pytest.mark.recovery
def test_recall_list_export(recall_sample, customers_sample, tmp_path):
    _, period, _ = customers_sample
    head = recall_sample[3].head(50)
    paths = recall.export_recall_list(head, tmp_path / "exports", period, "zh")
    assert [p.name for p in paths] == ["recall_list_20250101_20261115.csv", "recall_list_20250101_20261115.xlsx"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "客户ID".encode() in raw
    back = pd.read_csv(paths[0], dtype=str, encoding="utf-8-sig")
    assert list(back.columns) == [label(c, "zh") for c in recall.EXPORT_COLUMNS]
    assert back.columns[-2:].tolist() == ["入选原因", "建议动作"]  # the export's headers as before
    assert back["客户ID"].tolist() == list(head.index)
    # labels row by row, in the export's language
    assert back.iloc[:, 1].tolist() == [segment_label(k, "zh") for k in head["segment"]]
    assert back.iloc[:, -2].tolist() == [label(f"recall_reason_{k}", "zh") for k in head["why_listed"]]
    assert back.iloc[:, -1].tolist() == [label(f"action_{k}", "zh") for k in head["action"]]
    assert head["segment"].nunique() > 1 and head["action"].nunique() > 1
    from openpyxl import load_workbook

    sheet = load_workbook(paths[1]).active
    assert sheet["A1"].value == "客户ID" and sheet["A2"].value == head.index[0]
    assert sheet["A2"].number_format == "@"


def test_exported_ids_keep_leading_zeros(tmp_path):
    frame = pd.DataFrame({"segment": ["important_value"], "sales": [100.0], "purchases": [3],
                          "last_purchase": [pd.Timestamp("2026-01-02")], "days_since_last": [80.0],
                          "usual_gap_days": [20.0], "overdue_days": [50.0], "p_alive": [0.4],
                          "p_alive_change": [-0.2], "expected_purchases": [0.3], "expected_value": [30.0],
                          "why_listed": ["overdue"], "action": ["save"]}, index=pd.Index(["000123"]))
    csv_path, xlsx_path = recall.export_recall_list(frame, tmp_path, PERIOD, "en")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "\n000123," in text
    assert text.splitlines()[0].endswith("Why listed,Suggested action")
    assert "Churn alert: a personal full-reduction coupon" in text and "Important value" in text
    from openpyxl import load_workbook

    cell = load_workbook(xlsx_path).active["A2"]
    assert cell.value == "000123" and cell.data_type == "s"
    with pytest.raises(ValueError, match="lang"):
        recall.recall_export_frame(frame, "fr")


@pytest.mark.recovery
def test_a_list_longer_than_xlsx_max_rows_is_written_as_csv_only_and_said(recall_sample, customers_sample,
                                                                           tmp_path):
    _, period, _ = customers_sample
    listed = recall_sample[3]
    both = recall.export_recall_list(listed, tmp_path, period, "en", xlsx_max_rows=len(listed))
    assert [p.suffix for p in both] == [".csv", ".xlsx"]
    paths = recall.export_recall_list(listed, tmp_path, period, "en", xlsx_max_rows=len(listed) - 1)
    assert paths == [both[0]] and not both[1].exists()  # no stale XLSX of an earlier run beside the new CSV
    assert len(pd.read_csv(paths[0], dtype=str, encoding="utf-8-sig")) == len(listed)  # the CSV has everyone
    text = describe_recall(listed, paths, "en")
    assert f"With {len(listed):,} customers the list is longer than the parameter `xlsx_max_rows`" in text
    assert "open the XLSX" not in text
    assert "超过参数 `xlsx_max_rows`" in describe_recall(listed, paths, "zh")
    assert "xlsx_max_rows" not in describe_recall(listed, both, "en")
    for bad in (-1, recall.XLSX_SHEET_ROWS + 1, 1.5, True):
        with pytest.raises(ValueError, match="parameter xlsx_max_rows=.* from 0 to 1,048,575"):
            check_options(same_day_orders="once", horizon_days=90, holdout_days=180, repurchase_days=90,
                          rfm_recency_days=0, rfm_frequency=0, rfm_monetary=0.0, export_dir="x", xlsx_max_rows=bad)


def test_masking_is_salted_and_stable(small, monkeypatch):
    ids = ["A", "B", "000123"]
    first, again = recall.mask_ids(ids, "s1"), recall.mask_ids(ids, "s1")
    assert list(first) == list(again) and list(first) != list(recall.mask_ids(ids, "s2"))
    assert all(re.fullmatch(r"u[0-9a-f]{10}", m) for m in first)
    monkeypatch.delenv(recall.SALT_ENV, raising=False)
    settings.reload()
    with caught() as found:
        assert recall.id_salt(connect(SAMPLE)) == recall.SAMPLE_SALT
    assert [(n.zh, n.en) for n in found] == [(
        "客户ID用样例店铺固定的盐脱敏；真实数据请设置 WORKBOOK_ID_SALT",
        "customer ids are masked with the sample shop's fixed salt; set WORKBOOK_ID_SALT for real data")]
    with caught() as found:
        one, two = recall.id_salt(small), recall.id_salt(small)
    assert one != two and recall.SAMPLE_SALT not in (one, two)  # other data: never the public salt
    assert [(n.zh, n.en) for n in found][0] == (
        "没有设置 WORKBOOK_ID_SALT，客户ID用本次运行的随机盐脱敏：每次运行的脱敏ID都不同（设置它可保持稳定）",
        "WORKBOOK_ID_SALT is not set, so customer ids are masked with a random salt for this run: masks differ "
        "between runs (set it to keep them stable)")
    monkeypatch.setenv(recall.SALT_ENV, "shop-secret")
    settings.reload()  # the salt is a setting, read once
    with caught() as found:
        assert recall.id_salt(small) == "shop-secret"
    assert [(n.zh, n.en) for n in found] == [("客户ID用 WORKBOOK_ID_SALT 中的盐脱敏",
                                              "customer ids are masked with the salt in WORKBOOK_ID_SALT")]
    with settings.override(id_salt="other-secret"), caught():
        assert recall.id_salt(connect(SAMPLE)) == "other-secret"


def test_resolve_export_dir(tmp_path):
    from helpers.core.shop import project_root

    assert recall.resolve_export_dir("reports/exports") == project_root() / "reports" / "exports"
    assert recall.resolve_export_dir(tmp_path) == tmp_path


def test_formula_ids_reach_the_crm_files_as_text(tmp_path):
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1,1)", "-2+3"]
    frame = pd.DataFrame({"segment": ["important_value"] * 4, "sales": [100.0] * 4, "purchases": [3] * 4,
                          "last_purchase": [pd.Timestamp("2026-01-02")] * 4, "days_since_last": [80.0] * 4,
                          "usual_gap_days": [20.0] * 4, "overdue_days": [50.0] * 4, "p_alive": [0.4] * 4,
                          "p_alive_change": [-0.2] * 4, "expected_purchases": [0.3] * 4,
                          "expected_value": [30.0] * 4, "why_listed": ["overdue"] * 4, "action": ["save"] * 4},
                         index=pd.Index(hostile))
    csv_path, xlsx_path = recall.export_recall_list(frame, tmp_path, PERIOD, "en")
    ids = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig").iloc[:, 0]
    assert ids.tolist() == ["'" + h for h in hostile]  # shown as text by Excel and LibreOffice
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [c.value for c in cells] == hostile and all(c.data_type == "s" for c in cells)
