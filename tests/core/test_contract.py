"""The data contract: documentation and code agree, and the contract is self-consistent."""

from helpers.core.contract import KINDS, TABLES, alias_table, render_data_doc
from helpers.core.shop import project_root


def test_docs_data_md_is_generated_from_the_contract():
    doc = (project_root() / "docs" / "data.md").read_text(encoding="utf-8")
    assert doc == render_data_doc(), "docs/data.md is stale: run `workbook docs`"


def test_every_table_is_documented_with_every_column_and_alias():
    doc = render_data_doc()
    for table in TABLES.values():
        assert f"## {table.name}" in doc
        for col in table.columns:
            assert f"`{col.name}`" in doc
            for alias in col.aliases:
                assert alias in doc


def test_contract_is_consistent():
    for table in TABLES.values():
        names = table.names
        assert len(names) == len(set(names)), table.name
        assert set(table.key) <= set(names) and table.date_column in names
        for col in table.columns:
            assert col.kind in KINDS
            assert not (col.name in table.key and col.nullable), f"{table.name}.{col.name}: key cannot be empty"
            # an optional key column is filled with its default where a file lacks it
            assert col.required or col.name not in table.key or col.default is not None, \
                f"{table.name}.{col.name}: an optional key column needs a default"
            if col.value_aliases:
                assert set(col.value_aliases.values()) <= set(col.choices)


def test_aliases_are_unambiguous_within_a_table():
    for table in TABLES.values():
        seen = {}
        for col in table.columns:
            for alias in (col.name, *col.aliases):
                assert seen.setdefault(alias.lower(), col.name) == col.name, (table.name, alias)
        assert alias_table()[table.name]["订单编号" if table.name == "orders" else table.key[0]]


def test_issue_headers_are_all_mapped():
    """The Chinese headers operators meet most often map to contract names."""
    headers = {"统计日期": "traffic", "流量来源": "traffic", "访客数": "traffic", "浏览量": "traffic",
               "下单买家数": "traffic", "支付买家数": "traffic", "支付金额": "traffic", "加购人数": "traffic",
               "展现量": "ads", "点击量": "ads", "花费": "ads", "订单编号": "orders", "买家会员名": "orders",
               "商品ID": "orders", "购买数量": "orders", "实付款": "orders", "订单创建时间": "orders",
               "订单付款时间": "orders", "退款金额": "refunds"}
    aliases = alias_table()
    for header, table in headers.items():
        assert header.lower() in aliases[table], (header, table)


def test_pandera_schema_accepts_the_sample_and_rejects_bad_rows():
    import pandas as pd
    import pandera.errors
    import pytest

    from helpers.core.contract import pandera_schema
    from helpers.core.shop import connect

    frame = connect("data/sample").table("traffic").execute()
    validated = pandera_schema("traffic").validate(frame)
    assert len(validated) == len(frame)
    bad = frame.head(3).copy()
    bad.loc[bad.index[0], "visitors"] = -1
    with pytest.raises(pandera.errors.SchemaError, match="visitors"):
        pandera_schema("traffic").validate(bad)
    dupes = pd.concat([frame.head(2), frame.head(1)])
    with pytest.raises(pandera.errors.SchemaError):
        pandera_schema("traffic").validate(dupes)
