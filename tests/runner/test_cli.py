"""`workbook` on the command line."""

from __future__ import annotations

import json
import re

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
    assert out.startswith("05-customers.ipynb: ") and re.search(r"\n  repurchase_days +int = 90 ", out)
    assert "N of the N-day repurchase rate" in out  # the comment of the parameters cell
    assert cli_main(["params", "99"]) == 2
    assert "the notebooks are: 00-shop-overview" in capsys.readouterr().err


def test_workbook_check_names_what_each_platform_export_was_recognised_as(tmp_path, capsys):
    """A folder as downloaded: every file placed from its header; every problem of every file at once."""
    from tests.core.platforms.writers import write_csv
    from tests.core.test_platforms import DOUDIAN, QIANNIU_ITEMS, QIANNIU_ORDERS, sycm_flow_rows

    write_csv(tmp_path / "ExportOrderList202611021530.csv", QIANNIU_ORDERS)
    write_csv(tmp_path / "ExportOrderDetailList202611021530.csv", QIANNIU_ITEMS)
    write_csv(tmp_path / "店铺来源.csv", sycm_flow_rows(), titles=["统计日期：2026-11-02"])
    assert cli_main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ExportOrderList202611021530.csv: orders <- 千牛 订单报表" in out
    assert "店铺来源.csv: traffic <- 生意参谋 店铺来源" in out
    flow = sycm_flow_rows()
    flow[2][1] = "神秘渠道"
    write_csv(tmp_path / "店铺来源.csv", flow, titles=["统计日期：2026-11-02"])
    write_csv(tmp_path / "export.csv", [DOUDIAN[0] + QIANNIU_ORDERS[0], DOUDIAN[1] + QIANNIU_ORDERS[1]])
    items = [row[:] for row in QIANNIU_ITEMS]
    items[2][8] = "交易挂起"
    write_csv(tmp_path / "ExportOrderDetailList202611021530.csv", items)
    assert cli_main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "fits several exports" in err and "doudian_orders" in err and "qianniu_orders" in err
    assert "神秘渠道" in err and "'交易挂起'" in err
