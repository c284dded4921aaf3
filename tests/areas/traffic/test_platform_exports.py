"""The product-by-source and crowd exports as downloaded (生意参谋 商品360 流量来源, 引力魔方 人群报表):
Chinese headers, title rows naming the product and the day, 1,234 counts, 3.52% rates, ¥ amounts
and 合计 rows are read into the contract tables unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.errors import DataError
from helpers.core.shop import connect
from tests.core.platforms.writers import write_csv, write_xlsx

ROWS = pd.DataFrame([
    ("2026-10-01", "680483847167", "手淘搜索", 1234, 25310, 2011, 61, 98, 40, 36, 7410.5),
    ("2026-10-01", "680483847167", "直通车", 310, 8120, 522, 22, 30, 9, 8, 1604.0),
    ("2026-10-02", "680483847167", "手淘搜索", 1190, 24007, 1880, 50, 91, 37, 33, 6822.0),
    ("2026-10-01", "657364144667", "直通车", 2048, 37240, 3302, 140, 220, 51, 47, 9156.25),
], columns=["date", "product_id", "source", "visitors", "impressions", "page_views", "favourites", "cart_buyers",
            "order_buyers", "paid_buyers", "paid_amount"])
HEAD = ["流量来源", "来源明细", "访客数", "曝光量", "浏览量", "收藏人数", "加购人数", "下单买家数", "支付买家数",
        "支付金额", "支付转化率"]
GROUP = {"手淘搜索": "淘内免费", "直通车": "付费流量"}


def _orders(folder):
    pd.DataFrame([("o1", "2026-10-01 10:00", "2026-10-01 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(folder / "orders.csv", index=False)


def _cells(r) -> list:
    return [GROUP[r.source], r.source, f"{r.visitors:,}", f"{r.impressions:,}", f"{r.page_views:,}",
            f"{r.favourites:,}", f"{r.cart_buyers:,}", f"{r.order_buyers:,}", f"{r.paid_buyers:,}",
            f"¥{r.paid_amount:,.2f}", f"{r.paid_buyers / r.visitors:.2%}"]


def _read(folder) -> pd.DataFrame:
    got = connect(folder).table("product_traffic").execute()
    got["date"] = pd.to_datetime(got["date"]).dt.strftime("%Y-%m-%d")
    return got.sort_values(["date", "product_id", "source"]).reset_index(drop=True)


def test_one_file_per_product_and_day_as_downloaded_gives_the_rows(tmp_path):
    _orders(tmp_path)
    for (day, pid), part in ROWS.groupby(["date", "product_id"]):
        titles = [f"【生意参谋平台】商品360 流量来源 商品ID：{pid}", f"统计日期：{day}~{day}"]
        total = ["合计", "", f"{part.visitors.sum():,}", "", "", "", "", "", "", "", ""]
        write_xlsx(tmp_path / f"【生意参谋平台】商品360_流量来源_{pid}_{day}.xlsx", titles, [], HEAD,
                   [_cells(r) for r in part.itertuples()] + [total])
    got = _read(tmp_path)
    want = ROWS.sort_values(["date", "product_id", "source"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


def test_a_gbk_csv_with_product_and_day_columns_is_read_alike(tmp_path):
    _orders(tmp_path)
    body = [[r.date.replace("-", "/"), f"{r.product_id}", *_cells(r)] for r in ROWS.itertuples()]
    write_csv(tmp_path / "商品来源效果_202610.csv", [["日期", "商品ID", *HEAD], *body],
              titles=["【生意参谋平台】商品360 流量来源", "统计日期：2026-10-01~2026-10-02"])
    want = ROWS.sort_values(["date", "product_id", "source"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(_read(tmp_path)[want.columns], want, check_dtype=False)


def test_a_download_whose_title_names_no_product_is_refused_naming_the_fix(tmp_path):
    _orders(tmp_path)
    part = ROWS[ROWS.product_id == "657364144667"]
    write_xlsx(tmp_path / "【生意参谋平台】商品360_流量来源.xlsx", ["【生意参谋平台】商品360 流量来源",
                                                             "统计日期：2026-10-01~2026-10-01"], [], HEAD,
               [_cells(r) for r in part.itertuples()])
    with pytest.raises(DataError, match="product_id") as err:
        connect(tmp_path).table("product_traffic")
    assert "title rows" in str(err.value)


def test_the_crowd_report_as_downloaded_gives_the_crowd_table(tmp_path):
    _orders(tmp_path)
    head = ["日期", "计划名称", "人群名称", "展现量", "点击量", "点击率", "花费", "平均点击花费", "总成交笔数",
            "总成交金额", "投入产出比"]
    rows = [["2026/10/01", "引力魔方-人群拉新", "相似店铺人群", "12,480", "96", "0.77%", "¥70.08", "0.73", "2",
             "¥341.93", "4.88"],
            ["2026/10/01", "引力魔方-人群拉新", "泛兴趣人群", "21,003", "88", "0.42%", "¥82.50", "0.94", "0",
             "0.00", "0.00"],
            ["合计", "", "", "33,483", "184", "", "¥152.58", "", "2", "¥341.93", ""]]
    write_csv(tmp_path / "引力魔方_人群报表_20261001.csv", [head, *rows])
    got = connect(tmp_path).table("ad_crowds").execute().sort_values("crowd").reset_index(drop=True)
    assert list(got["crowd"]) == ["泛兴趣人群", "相似店铺人群"]
    assert list(got["impressions"]) == [21003, 12480] and list(got["spend"]) == [82.5, 70.08]
    assert (got["attribution_window_days"] == 7).all()  # the report's default 转化周期
