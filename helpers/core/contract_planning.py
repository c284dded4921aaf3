"""The planning tables of the data contract: purchase orders (``receipts``) and budget tests.

Registered into :data:`helpers.core.contract.TABLES` when the contract is imported (the contract
module imports this one last), kept apart so that one module stays under the size limit. Stock
history (进销存) needs no table of its own: the ``inventory`` counts (one, or dated snapshots), the
receipts and the paid order lines give every day's stock (stock before = stock after - received
+ sold, from the next count on or after the day).
"""

from __future__ import annotations

from helpers.core.contract_base import Table, _c, _register

_register(
    Table(
        name="receipts",
        description="Purchase orders and their receipt into the warehouse (采购单, 入库单): what was ordered "
        "from which supplier, when, and when it arrived; lead time = received - ordered.",
        grain="purchase order line: one product in one purchase order",
        key=("po_id", "product_id"),
        date_column="ordered",
        columns=(
            _c("po_id", "str", "purchase order number", aliases=("采购单号", "采购单编号", "入库单号")),
            _c("product_id", "str", "product id, as in products", aliases=("商品ID", "宝贝ID", "商家编码")),
            _c("ordered", "date", "day the order was placed with the supplier", aliases=("下单日期", "采购日期")),
            _c("received", "date", "day the goods were received into stock; empty while still on order",
               nullable=True, aliases=("入库日期", "到货日期", "收货日期")),
            _c("quantity", "int", "units ordered (and received)", min_value=0, additive=True, unit="件",
               aliases=("采购数量", "入库数量", "数量")),
            _c("unit_cost", "float", "purchase cost per unit", min_value=0, unit="元",
               aliases=("采购单价", "进货价", "单价")),
            _c("supplier", "str", "supplier name", aliases=("供应商", "供应商名称", "厂家")),
        ),
    )
)
_register(
    Table(
        name="budget_tests",
        description="Budget tests of paid plans (预算测试, 日限额测试): a plan's weekly spend and attributed sales "
        "in weeks when its budget was set deliberately low or high. Steady budgets that follow traffic cannot "
        "show diminishing returns; these weeks can.",
        grain="week x plan",
        key=("week", "plan"),
        date_column="week",
        columns=(
            _c("week", "date", "first day (Monday) of the test week", aliases=("周", "测试周", "开始日期")),
            _c("channel", "str", "paid channel, as in ads", aliases=("推广渠道", "渠道", "推广工具")),
            _c("plan", "str", "plan (计划) name, as in ads", aliases=("计划名称", "推广计划", "计划")),
            _c("spend", "float", "spend of the week (花费)", min_value=0, additive=True, unit="元",
               aliases=("花费", "消耗")),
            _c("attributed_amount", "float", "sales attributed to the week's spend", min_value=0, additive=True,
               unit="元", aliases=("总成交金额", "成交金额")),
        ),
    )
)
