"""`workbook` on the command line."""

from __future__ import annotations

import json

from helpers.runner.cli import main as cli_main
from tests.core.exports import (
    HEADER_ZH,
    ROWS_ZH,
    write,
)


def test_workbook_check_summarises_rows_dates_and_totals(tmp_path, capsys):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    assert cli_main(["check", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    orders = summary["tables"]["orders"]
    assert orders["rows"] == 3 and orders["totals"] == {"quantity": 6, "paid_amount": 4800.5}
    assert orders["start"].startswith("2026-11-01") and orders["end"].startswith("2026-11-03")
    assert "traffic" in summary["missing"]
    assert cli_main(["check", str(tmp_path)]) == 0
    assert "orders" in capsys.readouterr().out


def test_workbook_check_fails_with_message_on_bad_data(tmp_path, capsys):
    write(tmp_path / "orders.csv", [HEADER_ZH.replace(",实付款", ""), "1,2026-11-01,,a,p,1,10,s,交易成功"])
    assert cli_main(["check", str(tmp_path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["column"] == "paid_amount" and out["file"].endswith("orders.csv")
