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
    assert out["ok"] is False and out["problems"][0]["column"] == "paid_amount"
    assert out["problems"][0]["file"].endswith("orders.csv")


def test_workbook_check_reports_every_problem_of_every_file_in_one_run(tmp_path, capsys):
    """Four mistakes in three files used to take five runs to find."""
    rows = [*ROWS_ZH, ROWS_ZH[0].replace("283900001", "283900007").replace("¥1200.50", '"12,5"'),
            ROWS_ZH[2].replace("283900003", "283900008").replace(",3,1299,", ",-1.5,1299,")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    write(tmp_path / "traffic.csv", ["date,source,source_group,visitors,page_views,bounced_visitors,cart_buyers,"
                                     "order_buyers,paid_buyers,paid_amount",
                                     "2026-11-01,手淘搜索,free_search,10,30,2,3,5,127,900",
                                     "2026-11-02,手淘搜索,free_search,10,30,2,3,5,1,-9"])
    write(tmp_path / "products.csv", ["product_id,title,category,unit_cost,list_price", "1001,裙,女装,$5,10"])
    assert cli_main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "orders.csv: 2 problems" in err and "'12,5'" in err and "'-1.5'" in err
    assert "traffic.csv: 2 problems" in err and "paid_buyers above visitors" in err and "below 0" in err
    assert "products.csv: 3 problems" in err and "currency other than yuan" in err and "launch_date" in err
    assert cli_main(["check", str(tmp_path), "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["problems"]) == 7


def test_params_lists_a_notebooks_parameters(capsys):
    assert cli_main(["params", "05"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("05-customers.ipynb: ") and "repurchase_days   int = 90" in out
    assert "N of the N-day repurchase rate" in out  # the comment of the parameters cell
    assert cli_main(["params", "99"]) == 2
    assert "the notebooks are: 00-shop-overview" in capsys.readouterr().err
