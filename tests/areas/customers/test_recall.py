"""Masked ids in reports, real ids in the CRM files: the salt, the masks and the export."""

from __future__ import annotations

import re

import numpy as np
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
    assert back.columns[-5:-3].tolist() == ["入选原因", "建议动作"]  # the export's headers as before ...
    assert back.columns[-3:].tolist() == ["预期召回回报", "单次触达成本", "对照组（不联系）"]  # ... then the new ones
    assert set(back["对照组（不联系）"]) == {"联系", "对照组，不联系"}
    assert back["客户ID"].tolist() == list(head.index)
    # labels row by row, in the export's language
    assert back.iloc[:, 1].tolist() == [segment_label(k, "zh") for k in head["segment"]]
    assert back.iloc[:, -5].tolist() == [label(f"recall_reason_{k}", "zh") for k in head["why_listed"]]
    assert back.iloc[:, -4].tolist() == [label(f"action_{k}", "zh") for k in head["action"]]
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
                          "recall_expected_return": [1.5], "recall_contact_cost": [0.05], "why_listed": ["overdue"],
                          "action": ["save"], "recall_holdout": [True]}, index=pd.Index(["000123"]))
    csv_path, xlsx_path = recall.export_recall_list(frame, tmp_path, PERIOD, "en")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "\n000123," in text
    assert text.splitlines()[0].endswith("Why listed,Suggested action,Expected return of a contact,Cost per contact,"
                                         "Hold-out (not contacted)")
    assert text.splitlines()[1].endswith(',"hold-out, do not contact"')
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
    from helpers.core.shop import project_root, resolve_export_dir

    assert resolve_export_dir("reports/exports") == project_root() / "reports" / "exports"
    assert resolve_export_dir(tmp_path) == tmp_path


def test_formula_ids_reach_the_crm_files_as_text(tmp_path):
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1,1)", "-2+3"]
    frame = pd.DataFrame({"segment": ["important_value"] * 4, "sales": [100.0] * 4, "purchases": [3] * 4,
                          "last_purchase": [pd.Timestamp("2026-01-02")] * 4, "days_since_last": [80.0] * 4,
                          "usual_gap_days": [20.0] * 4, "overdue_days": [50.0] * 4, "p_alive": [0.4] * 4,
                          "p_alive_change": [-0.2] * 4, "expected_purchases": [0.3] * 4,
                          "expected_value": [30.0] * 4, "recall_expected_return": [1.5] * 4,
                          "recall_contact_cost": [0.05] * 4, "why_listed": ["overdue"] * 4, "action": ["save"] * 4,
                          "recall_holdout": [False] * 4},
                         index=pd.Index(hostile))
    csv_path, xlsx_path = recall.export_recall_list(frame, tmp_path, PERIOD, "en")
    ids = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig").iloc[:, 0]
    assert ids.tolist() == ["'" + h for h in hostile]  # shown as text by Excel and LibreOffice
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [c.value for c in cells] == hostile and all(c.data_type == "s" for c in cells)


def _recall_inputs():
    """Six overdue important customers (usual gap 20 days, 100 days since the last purchase):
    P(alive) 0, 0.05, 0.3, 0.6, 0.9, 0.9; expected values 0, 1, 40, 80, 200 and 0.5 yuan."""
    from types import SimpleNamespace

    ids = pd.Index([f"c{i}" for i in range(6)], name="customer_id")
    rfm_frame = pd.DataFrame({"m_high": True, "segment": "important_keep", "monetary": 500.0, "frequency": 3,
                              "recency_days": 100.0}, index=ids)
    summary = pd.DataFrame({"x": 2, "t_x": 40.0, "period_last_date": pd.Timestamp("2026-01-01")}, index=ids)
    scores = pd.DataFrame({"p_alive": [0.0, 0.05, 0.3, 0.6, 0.9, 0.9], "p_alive_before": [0.0, 0.05, 0.3, 0.6, 0.9, 0.9],
                           "expected_purchases": [0.0, 0.01, 0.2, 0.4, 1.0, 0.01],
                           "expected_value": [0.0, 1.0, 40.0, 80.0, 200.0, 0.5]}, index=ids)
    return rfm_frame, SimpleNamespace(scores=scores), summary


def test_recall_list_leaves_out_the_gone_and_the_unprofitable_and_holds_some_out():
    """P(alive) 0% and 5% are under the 10% floor; c5's expected return 0.5 x 5% = 0.025 yuan
    is below an SMS (0.05 yuan); each listed customer carries return and cost."""
    from helpers.areas.customers.findings import build_recall_list

    rfm_frame, life, summary = _recall_inputs()
    out = build_recall_list(rfm_frame, life, summary, min_p_alive=0.1, response_uplift=0.05, contact_cost=0.05,
                            holdout_share=0.0)
    assert sorted(out.index) == ["c2", "c3", "c4"]
    assert out.loc["c4", "recall_expected_return"] == pytest.approx(200 * 0.05)
    assert (out["recall_contact_cost"] == 0.05).all() and not out["recall_holdout"].any()
    assert (out["recall_expected_return"] > out["recall_contact_cost"]).all()
    assert out.attrs["below_floor"] == 2 and out.attrs["below_cost"] == 1
    # a coupon costing 5 yuan a contact leaves only the customer worth more than that (c3: 80 x 5% = 4)
    assert list(build_recall_list(rfm_frame, life, summary, contact_cost=5.0).index) == ["c4"]
    with pytest.raises(ValueError, match="holdout_share"):
        build_recall_list(rfm_frame, life, summary, holdout_share=1.5)


def test_recall_holdout_is_a_stable_share_drawn_from_the_id():
    from helpers.areas.customers.findings import holdout_draw

    ids = [f"customer-{i}" for i in range(20_000)]
    draw = holdout_draw(ids)
    assert (draw < 0.1).mean() == pytest.approx(0.1, abs=0.01)  # 3 binomial standard errors: 0.0064
    np.testing.assert_array_equal(holdout_draw(ids[::-1]), draw[::-1])  # the id decides, not the order
    assert holdout_draw(["customer-7"])[0] == draw[7]


def test_recall_sentence_states_cost_return_and_holdout(tmp_path):
    from helpers.areas.customers.findings import build_recall_list

    rfm_frame, life, summary = _recall_inputs()
    out = build_recall_list(rfm_frame, life, summary, holdout_share=1.0)
    en = describe_recall(out, [tmp_path / "recall.csv"], "en")
    assert out["recall_holdout"].all()
    assert "cost per contact of ¥0.05" in en and "P(active) under 10% (2 left out)" in en
    assert "3 customers (about 100%" in en and "do not contact them" in en
    assert "对照组" in describe_recall(out, [tmp_path / "recall.csv"], "zh")
