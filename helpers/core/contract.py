"""The data contract: every table the workbook reads, its columns, types and rules.

This module is the single source of truth. ``docs/data.md`` is generated from it
(``workbook docs``) and a test fails when the two drift apart. The loader in
``helpers.core.readers`` and ``helpers.core.validate`` enforce it: headers are mapped to contract names through
``aliases`` (platform exports use Chinese headers), values are parsed to
``kind`` and checked against ``min_value`` / ``choices``, keys are checked for
duplicates.

Kinds
-----
``str``      text (ids are text even when they look like numbers: 商品ID 6.5e11 must
             not become a float)
``int``      whole number; ``1,234`` is accepted
``float``    number; what is accepted depends on the column's ``number`` grammar (money,
             count, rate, plain, any: see :mod:`helpers.core.values`): ``¥12.50`` in money,
             ``3.52%`` (-> 0.0352) in a rate
``date``     calendar day; ``2026-11-11``, ``2026/11/11``, ``20261111``
``datetime`` timestamp; a bare date means midnight
``bool``     ``1/0``, ``true/false``, ``yes/no``, ``是/否``
"""

from __future__ import annotations

from helpers.core.contract_base import (  # noqa: F401 (the contract's public names)
    _SWAPPED,
    AD_RESULTS,
    AD_VOLUME,
    KINDS,
    TABLES,
    Column,
    RowRule,
    Table,
    _above,
    _c,
    _register,
)

SOURCE_GROUPS = (
    "free_search",  # 自然搜索
    "paid",  # 付费推广 (直通车, 引力魔方, 万相台)
    "recommendation",  # 推荐 (猜你喜欢, 首页)
    "live",  # 直播, 短视频
    "affiliate",  # 淘宝客
    "crm",  # 老客, 会员, 购物车/收藏 返回
    "offsite",  # 站外 (抖音, 小红书 links)
)
SOURCE_GROUP_ALIASES = {
    "自然搜索": "free_search",
    "免费搜索": "free_search",
    "付费推广": "paid",
    "付费流量": "paid",
    "推荐": "recommendation",
    "推荐流量": "recommendation",
    "直播": "live",
    "内容": "live",
    "淘宝客": "affiliate",
    "淘客": "affiliate",
    "自主访问": "crm",
    "老客": "crm",
    "会员": "crm",
    "站外": "offsite",
    "站外投放": "offsite",
}
ORDER_STATUSES = ("paid", "unpaid", "cancelled")
ORDER_STATUS_ALIASES = {
    "交易成功": "paid",
    "已付款": "paid",
    "买家已付款": "paid",
    "买家已付款，等待卖家发货": "paid",
    "卖家已发货": "paid",
    "卖家已发货，等待买家确认": "paid",
    "已发货": "paid",
    "部分发货": "paid",
    "待发货": "paid",
    "已签收": "paid",
    "已完成": "paid",
    "退款中": "paid",
    "等待买家付款": "unpaid",
    "待支付": "unpaid",
    "未付款": "unpaid",
    "交易关闭": "cancelled",
    "已关闭": "cancelled",
    "已取消": "cancelled",
}
MECHANICS = ("full_reduction", "time_discount", "bogo", "free_shipping", "platform_event")
MECHANIC_ALIASES = {
    "满减": "full_reduction",
    "限时折扣": "time_discount",
    "买一送一": "bogo",
    "免邮": "free_shipping",
    "包邮": "free_shipping",
    "平台大促": "platform_event",
    "大促": "platform_event",
}
PEER_METRICS = ("conversion_rate", "uv_value", "aov", "visitors", "paid_amount", "refund_rate")
PEER_METRIC_ALIASES = {
    "支付转化率": "conversion_rate",
    "UV价值": "uv_value",
    "客单价": "aov",
    "访客数": "visitors",
    "支付金额": "paid_amount",
    "退款率": "refund_rate",
}

_register(
    Table(
        name="orders",
        description="Order lines exported from the shop back end (订单报表).",
        grain="order line: one product in one order",
        key=("order_id", "product_id"),
        date_column="order_time",
        rules=(RowRule(("quantity", "paid_amount"), "money paid for no units (quantity 0)",
                       "a paid line sells at least one unit: correct the quantity, or put a price adjustment on "
                       "the line of the product it adjusts.",
                       lambda t: (t.quantity == 0) & (t.paid_amount > 0)),
               RowRule(("status", "pay_time"), "lines marked paid without a pay time: they count in no sales "
                       "figure", "export the orders again with their pay time, or check these orders' status.",
                       lambda t: (t.status == "paid") & t.pay_time.isnull(),
                       note_zh="条标为已支付的订单行没有付款时间，不计入任何销售数字（请重新导出带付款时间的订单，或核对这些订单的状态）")),
        optional=False,
        columns=(
            _c("order_id", "str", "order number", aliases=("订单编号", "订单号", "主订单编号", "子订单编号", "InvoiceNo", "Order ID")),
            _c("order_time", "datetime", "when the order was created", aliases=("订单创建时间", "下单时间", "创建时间", "InvoiceDate", "Order Date")),
            _c("pay_time", "datetime", "when it was paid; empty if unpaid", nullable=True,
               aliases=("订单付款时间", "付款时间", "支付时间")),
            _c("customer_id", "str", "buyer id or nickname; empty lines are counted and excluded from customer analyses",
               required=False, nullable=True, aliases=("买家会员名", "买家昵称", "买家ID", "会员ID", "客户ID", "CustomerID", "Customer ID")),
            _c("product_id", "str", "product id", aliases=("商品ID", "宝贝ID", "商品编号", "商家编码", "StockCode", "SKU")),
            _c("quantity", "int", "units bought", min_value=0, additive=True, unit="件",
               aliases=("购买数量", "宝贝数量", "商品数量", "数量", "Quantity")),
            _c("list_price", "float", "list price per unit before discounts", min_value=0, unit="元",
               aliases=("商品价格", "单价", "原价", "吊牌价", "UnitPrice", "Unit Price")),
            _c("paid_amount", "float", "amount paid for the line after all discounts (0 if unpaid)",
               min_value=0, additive=True, unit="元",
               aliases=("实付款", "实付金额", "买家实际支付金额", "买家实付金额")),
            _c("source", "str", "traffic source of the order, same names as in `traffic`; empty where the "
               "export has none (千牛, 拼多多): sections by source are then skipped", required=False, nullable=True,
               aliases=("流量来源", "来源", "渠道", "订单来源")),
            _c("campaign_id", "str", "campaign the line was sold under; empty if none", required=False,
               nullable=True, aliases=("活动ID", "活动编号")),
            _c("status", "str", "paid / unpaid / cancelled", choices=ORDER_STATUSES,
               value_aliases=ORDER_STATUS_ALIASES, aliases=("订单状态", "交易状态")),
        ),
    )
)
_register(
    Table(
        name="refunds",
        description="Refunds and returns (退款报表).",
        grain="refund of one product in one order",
        key=("order_id", "product_id"),
        date_column="refund_time",
        columns=(
            _c("order_id", "str", "order number of the refunded line", aliases=("订单编号", "订单号")),
            _c("product_id", "str", "product id", aliases=("商品ID", "宝贝ID")),
            _c("refund_time", "datetime", "when the refund was completed",
               aliases=("退款完结时间", "退款时间", "退款申请时间")),
            _c("refund_amount", "float", "amount refunded", min_value=0, additive=True, unit="元",
               aliases=("退款金额", "买家退款金额")),
            _c("quantity", "int", "units returned (0 for refund-only)", min_value=0, additive=True, unit="件",
               aliases=("退货数量", "退款数量")),
            _c("reason", "str", "buyer's stated reason", nullable=True, aliases=("退款原因", "退货原因")),
            _c("shipped", "bool", "the goods had shipped when the refund was asked", required=False,
               nullable=True, aliases=("是否发货", "货物状态")),
        ),
    )
)
_register(
    Table(
        name="products",
        description="Product master data (商品信息).",
        grain="product",
        key=("product_id",),
        date_column="launch_date",
        columns=(
            _c("product_id", "str", "product id", aliases=("商品ID", "宝贝ID", "商品编号")),
            _c("title", "str", "listing title", aliases=("商品标题", "宝贝标题", "商品名称")),
            _c("category", "str", "leaf category", aliases=("类目", "商品类目", "叶子类目")),
            _c("brand", "str", "brand", nullable=True, aliases=("品牌",)),
            _c("unit_cost", "float", "landed cost per unit (purchase and inbound freight; outbound freight, "
               "packaging and fees are in `costs`)",
               min_value=0, unit="元", aliases=("成本价", "单位成本", "成本")),
            _c("list_price", "float", "current list price per unit", min_value=0, unit="元",
               aliases=("一口价", "价格", "商品价格")),
            _c("launch_date", "date", "first day on sale", aliases=("上架时间", "上架日期", "发布时间")),
        ),
    )
)
_register(
    Table(
        name="traffic",
        description="Daily traffic by source (生意参谋 流量来源).",
        grain="day x traffic source",
        key=("date", "source"),
        date_column="date",
        rules=(_above("paid_buyers", "visitors", _SWAPPED), _above("order_buyers", "visitors", _SWAPPED),
               _above("cart_buyers", "visitors", _SWAPPED), _above("bounced_visitors", "visitors", _SWAPPED)),
        columns=(
            _c("date", "date", "statistics day", aliases=("统计日期", "日期")),
            _c("source", "str", "traffic source (二级来源)", aliases=("流量来源", "来源名称", "二级来源")),
            _c("source_group", "str", "group of the source", choices=SOURCE_GROUPS,
               value_aliases=SOURCE_GROUP_ALIASES, aliases=("来源分组", "一级来源", "流量类型")),
            _c("visitors", "int", "unique visitors of the day (访客数, UV)", min_value=0, additive=True,
               unit="人", aliases=("访客数", "UV")),
            _c("page_views", "int", "page views; empty where the export has none", required=False, nullable=True,
               min_value=0, additive=True, unit="次", aliases=("浏览量", "PV")),
            _c("bounced_visitors", "int", "visitors who left after one page; empty where the export has none "
               "(the bounce rate is then not computed)", required=False, nullable=True, min_value=0, additive=True,
               unit="人", aliases=("跳失人数", "跳失访客数")),
            _c("cart_buyers", "int", "visitors who added to cart", min_value=0, additive=True, unit="人",
               aliases=("加购人数",)),
            _c("order_buyers", "int", "visitors who placed an order", min_value=0, additive=True, unit="人",
               aliases=("下单买家数",)),
            _c("paid_buyers", "int", "visitors who paid", min_value=0, additive=True, unit="人",
               aliases=("支付买家数",)),
            _c("paid_amount", "float", "amount paid by these visitors", min_value=0, additive=True, unit="元",
               aliases=("支付金额",)),
        ),
    )
)
_register(
    Table(
        name="ads",
        description="Paid promotion by day, channel and plan (直通车, 引力魔方, 万相台, 淘宝客 reports).",
        grain="day x channel x plan",
        key=("date", "channel", "plan"),
        date_column="date",
        rules=(_above("clicks", "impressions", _SWAPPED),),
        columns=(
            _c("date", "date", "statistics day", aliases=("日期", "统计日期")),
            _c("channel", "str", "paid channel", aliases=("推广渠道", "渠道", "推广工具")),
            _c("plan", "str", "plan (计划) name", aliases=("计划名称", "推广计划", "计划")),
            *AD_VOLUME,
            *AD_RESULTS,
            _c("attribution_window_days", "int", "attribution window in days (转化周期)", min_value=0,
               unit="天", aliases=("转化周期", "归因周期")),
        ),
    )
)
_register(
    Table(
        name="campaigns",
        description="Campaigns and their mechanics (活动).",
        grain="campaign",
        key=("campaign_id",),
        date_column="start",
        columns=(
            _c("campaign_id", "str", "campaign id, as in orders.campaign_id", aliases=("活动ID", "活动编号")),
            _c("name", "str", "campaign name", aliases=("活动名称",)),
            _c("mechanic", "str", "full_reduction (满减) / time_discount (限时折扣) / bogo (买一送一) / "
               "free_shipping (免邮) / platform_event (平台大促)", choices=MECHANICS,
               value_aliases=MECHANIC_ALIASES, aliases=("活动类型", "玩法")),
            _c("threshold", "float", "满减 / 免邮 threshold", nullable=True, min_value=0, unit="元",
               aliases=("门槛", "满")),
            _c("reduction", "float", "满减 reduction per threshold reached", nullable=True, min_value=0,
               unit="元", aliases=("减", "优惠金额")),
            _c("discount_rate", "float", "限时折扣 price multiplier, e.g. 0.8 for 八折", nullable=True,
               min_value=0, max_value=1, aliases=("折扣",)),
            _c("warmup_start", "date", "first day of warm-up (预热); empty if none", nullable=True, future=True,
               aliases=("预热开始", "预热时间")),
            _c("start", "date", "first day of the campaign", future=True, aliases=("开始时间", "开始日期")),
            _c("end", "date", "last day of the campaign", future=True, aliases=("结束时间", "结束日期")),
            _c("budget", "float", "fixed cost (fees, gifts, design); empty if unknown (profit then "
               "leaves it out and says so)", nullable=True, min_value=0, additive=True, unit="元",
               aliases=("预算", "活动预算")),
        ),
    )
)
_register(
    Table(
        name="market",
        description="Category listings by month (市场/竞品 data, 生意参谋 市场排行).",
        grain="month x listing",
        key=("month", "listing_id"),
        date_column="month",
        columns=(
            _c("month", "date", "first day of the month", aliases=("月份", "统计月份")),
            _c("category", "str", "category", aliases=("类目",)),
            _c("shop", "str", "shop name", aliases=("店铺名称", "店铺")),
            _c("brand", "str", "brand", nullable=True, aliases=("品牌",)),
            _c("listing_id", "str", "listing id", aliases=("商品ID", "宝贝ID")),
            _c("title", "str", "listing title that month", aliases=("商品标题", "宝贝标题")),
            _c("price", "float", "average selling price that month", min_value=0, unit="元",
               aliases=("价格", "成交均价")),
            _c("units", "float", "units sold (empty where only an index is known)", nullable=True,
               min_value=0, additive=True, unit="件", aliases=("销量", "月销量")),
            _c("trade_index", "float", "platform trade index (交易指数)", nullable=True, min_value=0,
               aliases=("交易指数",)),
            _c("traffic_index", "float", "platform traffic/search index (流量指数)", nullable=True, min_value=0,
               aliases=("流量指数", "搜索人气")),
            _c("reviews", "int", "cumulative review count", nullable=True, min_value=0, aliases=("评价数",)),
            _c("rating", "float", "average rating (1-5)", nullable=True, min_value=0, max_value=5,
               aliases=("评分",)),
            _c("is_own", "bool", "the listing is our shop's", aliases=("本店", "是否本店")),
        ),
    )
)
_register(
    Table(
        name="keywords",
        description="Keyword statistics by week (生意参谋 搜索分析).",
        grain="week x keyword",
        key=("week", "keyword"),
        date_column="week",
        columns=(
            _c("week", "date", "Monday of the week", aliases=("周", "统计周")),
            _c("keyword", "str", "search keyword", aliases=("关键词", "搜索词")),
            _c("category", "str", "category the keyword belongs to", nullable=True, aliases=("类目",)),
            _c("search_popularity", "float", "search popularity (搜索人气)", min_value=0, aliases=("搜索人气",)),
            _c("click_rate", "float", "click rate of search results", min_value=0, max_value=1,
               aliases=("点击率",)),
            _c("online_items", "int", "listings online for the keyword", min_value=0, aliases=("在线商品数",)),
            _c("conversion_rate", "float", "payment conversion of the keyword's visitors", min_value=0,
               max_value=1, aliases=("支付转化率",)),
            _c("avg_cpc", "float", "average paid click price (直通车参考价)", min_value=0, unit="元",
               aliases=("直通车参考价", "平均点击单价")),
        ),
    )
)
_register(
    Table(
        name="peers",
        description="Peer-tier benchmarks by day (同行同层).",
        grain="day x metric x tier",
        key=("date", "metric", "tier"),
        date_column="date",
        columns=(
            _c("date", "date", "statistics day", aliases=("统计日期", "日期")),
            _c("metric", "str", "metric name", choices=PEER_METRICS, value_aliases=PEER_METRIC_ALIASES,
               aliases=("指标",)),
            _c("tier", "str", "the shop's tier (层级), e.g. L4", aliases=("层级",)),
            _c("peer_avg", "float", "tier average (同行同层平均)", min_value=0, number="any",
               aliases=("同行同层平均",)),
            _c("peer_excellent", "float", "tier excellent line (同行同层优秀)", min_value=0, number="any",
               aliases=("同行同层优秀",)),
        ),
    )
)
_register(
    Table(
        name="touchpoints",
        description="Order-level touch paths (成交路径 / 转化路径): the visits from each source "
        "that preceded a paid order, e.g. a 生意参谋 path export or a CDP. Needed for "
        "multi-touch attribution only.",
        grain="touch: one visit from one source before an order",
        key=("order_id", "touch_time", "source"),
        date_column="touch_time",
        columns=(
            _c("order_id", "str", "order number, as in orders.order_id",
               aliases=("订单编号", "订单号", "主订单编号")),
            _c("touch_time", "datetime", "when the visit happened",
               aliases=("触点时间", "访问时间", "进店时间", "浏览时间")),
            _c("source", "str", "traffic source of the visit, same names as in `traffic`",
               aliases=("流量来源", "来源", "触点来源", "渠道")),
        ),
    )
)

_register(
    Table(
        name="reviews",
        description="Product reviews (评价管理 export): stars, text and, where the platform gives "
        "them per order (JD, Douyin; Tmall keeps them anonymous), the three DSR sub-scores.",
        grain="review of one product in one order",
        key=("order_id", "product_id"),
        date_column="review_time",
        columns=(
            _c("order_id", "str", "order number of the reviewed line", aliases=("订单编号", "订单号", "子订单编号")),
            _c("product_id", "str", "product id", aliases=("商品ID", "宝贝ID")),
            _c("review_time", "datetime", "when the review was written",
               aliases=("评价时间", "评论时间", "初评时间")),
            _c("rating", "int", "stars, 1-5 (4-5 好评, 3 中评, 1-2 差评); an export that only says "
               "好评/中评/差评 needs them replaced by 5/3/1 first", min_value=1, max_value=5,
               aliases=("评分", "星级", "商品评分", "评价星级")),
            _c("text", "str", "review text as written (user text: escaped in every report)",
               nullable=True, aliases=("评价内容", "评论内容", "初评内容")),
            _c("dsr_description", "int", "描述相符 score the buyer gave, 1-5", required=False,
               nullable=True, min_value=1, max_value=5, aliases=("描述相符评分", "商品描述评分")),
            _c("dsr_service", "int", "服务态度 score the buyer gave, 1-5", required=False,
               nullable=True, min_value=1, max_value=5, aliases=("服务态度评分", "卖家服务评分")),
            _c("dsr_logistics", "int", "物流服务 score the buyer gave, 1-5", required=False,
               nullable=True, min_value=1, max_value=5, aliases=("物流服务评分", "物流评分")),
        ),
    )
)
_register(
    Table(
        name="shipments",
        description="Shipping and delivery of paid orders (发货/物流 export); split parcels: "
        "the first parcel.",
        grain="paid order",
        key=("order_id",),
        date_column="shipped_time",
        columns=(
            _c("order_id", "str", "order number, as in orders.order_id",
               aliases=("订单编号", "订单号", "主订单编号")),
            _c("shipped_time", "datetime", "when the parcel was shipped (handed to the carrier); "
               "empty while not shipped", nullable=True, aliases=("发货时间", "实际发货时间", "揽收时间")),
            _c("delivered_time", "datetime", "when the parcel was signed for; empty while in "
               "transit", required=False, nullable=True, aliases=("签收时间", "妥投时间")),
            _c("promised_hours", "int", "hours after payment the shop promised to ship within "
               "(48 usually, 72 in big promotions); empty means the notebook's default",
               required=False, nullable=True, min_value=0, unit="小时",
               aliases=("承诺发货时效", "承诺时效", "发货时效")),
            _c("warehouse", "str", "warehouse the parcel left from", required=False, nullable=True,
               aliases=("仓库", "发货仓", "发货仓库")),
            _c("carrier", "str", "carrier (快递公司)", required=False, nullable=True,
               aliases=("物流公司", "快递公司", "承运商")),
        ),
    )
)
_register(
    Table(
        name="service",
        description="Pre-sale customer-service chats (客服接待 / 询单 export).",
        grain="chat: one inquiry of one customer",
        key=("customer_id", "chat_time"),
        date_column="chat_time",
        columns=(
            _c("chat_time", "datetime", "when the customer's first message arrived",
               aliases=("接待时间", "咨询时间", "会话开始时间")),
            _c("customer_id", "str", "buyer id or nickname, as in orders.customer_id",
               aliases=("买家昵称", "买家会员名", "顾客ID", "客户ID")),
            _c("agent", "str", "customer-service agent (客服) who answered", required=False,
               nullable=True, aliases=("客服", "客服昵称", "接待客服")),
            _c("first_response_seconds", "float", "seconds from the customer's first message to "
               "the first answer (首次响应时长)", min_value=0, unit="秒",
               aliases=("首次响应时长", "首响时长", "首次响应时间")),
            _c("converted", "bool", "the customer paid an order after the chat (询单转化)",
               aliases=("是否下单", "是否付款", "询单转化", "是否成交")),
        ),
    )
)
_register(
    Table(
        name="dsr",
        description="Shop ratings by day (店铺动态评分 DSR: 180-day averages of buyers' scores), "
        "with the peer tier's averages where shown.",
        grain="day",
        key=("date",),
        date_column="date",
        columns=(
            _c("date", "date", "statistics day", aliases=("统计日期", "日期")),
            _c("description", "float", "描述相符 (item as described), 1-5", min_value=0, max_value=5,
               aliases=("描述相符", "宝贝与描述相符")),
            _c("service", "float", "服务态度 (seller's service), 1-5", min_value=0, max_value=5,
               aliases=("服务态度", "卖家服务态度")),
            _c("logistics", "float", "物流服务 (shipping), 1-5", min_value=0, max_value=5,
               aliases=("物流服务", "物流服务质量")),
            _c("peer_description", "float", "peer tier's average 描述相符", required=False,
               nullable=True, min_value=0, max_value=5, aliases=("描述相符同行平均", "同行描述相符")),
            _c("peer_service", "float", "peer tier's average 服务态度", required=False, nullable=True,
               min_value=0, max_value=5, aliases=("服务态度同行平均", "同行服务态度")),
            _c("peer_logistics", "float", "peer tier's average 物流服务", required=False,
               nullable=True, min_value=0, max_value=5, aliases=("物流服务同行平均", "同行物流服务")),
        ),
    )
)


_register(
    Table(
        name="product_tests",
        description="Product tests (测款/AB测试) by day and variant: main image, title or price variants "
        "of one product shown to split traffic.",
        grain="test x day x variant",
        key=("test_id", "date", "variant"),
        date_column="date",
        rules=(_above("clicks", "impressions", _SWAPPED),),
        columns=(
            _c("test_id", "str", "test name or id", aliases=("测试ID", "测款ID", "实验ID", "测试名称")),
            _c("date", "date", "statistics day", aliases=("统计日期", "日期")),
            _c("product_id", "str", "product tested, as in products", aliases=("商品ID", "宝贝ID")),
            _c("element", "str", "what the variants change", choices=("main_image", "title", "price"),
               value_aliases={"主图": "main_image", "标题": "title", "价格": "price"},
               aliases=("测试元素", "测试类型", "变量")),
            _c("variant", "str", "variant label (A, B, ...)", aliases=("版本", "变体", "方案")),
            _c("price", "float", "price shown to the variant's visitors (price tests); empty otherwise",
               required=False, nullable=True, min_value=0, unit="元", aliases=("测试价格", "价格")),
            _c("impressions", "int", "times the variant was shown (曝光量)", min_value=0, additive=True,
               unit="次", aliases=("曝光量", "展现量")),
            _c("clicks", "int", "clicks on the variant (点击量)", min_value=0, additive=True, unit="次",
               aliases=("点击量", "点击数")),
            _c("add_to_cart", "int", "add-to-cart events after a click (加购数)", min_value=0, additive=True,
               unit="次", aliases=("加购数", "加购件数", "加购人数")),
            _c("orders", "int", "paid orders after a click (成交笔数)", min_value=0, additive=True, unit="笔",
               aliases=("成交笔数", "支付笔数", "订单数")),
        ),
    )
)
_register(
    Table(
        name="candidates",
        description="Candidate products for launch (选品池), with the market signals seen before launch; "
        "rows with a product_id are past launches (used to back-test the scorecard).",
        grain="candidate product",
        key=("candidate_id",),
        date_column="assessed_date",
        columns=(
            _c("candidate_id", "str", "candidate id", aliases=("候选ID", "选品ID", "编号")),
            _c("assessed_date", "date", "day the signals were collected", aliases=("评估日期", "采集日期")),
            _c("title", "str", "candidate title or name", aliases=("标题", "商品名称", "候选商品")),
            _c("category", "str", "leaf category", aliases=("类目", "商品类目")),
            _c("price", "float", "planned (or launch) list price", min_value=0, unit="元",
               aliases=("售价", "计划售价", "价格")),
            _c("expected_cost", "float", "expected landed cost per unit", min_value=0, unit="元",
               aliases=("预估成本", "成本", "进货价")),
            _c("search_demand", "float", "market demand signal: search popularity of the item's main "
               "keyword (搜索人气)", min_value=0, aliases=("搜索人气", "市场需求", "需求指数")),
            _c("competitors", "int", "competing listings online for that keyword (在线商品数)", min_value=0,
               aliases=("在线商品数", "竞品数", "竞争商品数")),
            _c("rating", "float", "average rating of comparable listings (1-5); empty without reviews",
               nullable=True, min_value=0, max_value=5, aliases=("评分", "同款评分")),
            _c("reviews", "int", "review count of comparable listings", min_value=0,
               aliases=("评价数", "同款评价数")),
            _c("product_id", "str", "our product id once launched; empty for a candidate not launched",
               required=False, nullable=True, aliases=("商品ID", "宝贝ID")),
        ),
    )
)
_register(
    Table(
        name="inventory",
        description="Stock on hand by product (库存, 进销存 snapshot): one count, or dated counts (e.g. weekly) "
        "that give the stock history.",
        grain="day x warehouse x product",
        key=("date", "warehouse", "product_id"),
        date_column="date",
        columns=(
            _c("date", "date", "day of the count (end of day)", aliases=("日期", "盘点日期", "统计日期")),
            _c("warehouse", "str", "warehouse the stock is in; a file without the column counts all stock as "
               "one warehouse, 全部 (count every warehouse on the same days: the shop's stock is their sum)",
               required=False, default="全部", aliases=("仓库", "仓库名称", "发货仓")),
            _c("product_id", "str", "product id", aliases=("商品ID", "宝贝ID", "商家编码")),
            _c("stock", "int", "units on hand (可售库存)", min_value=0, unit="件",
               aliases=("库存", "可售库存", "库存数量")),
        ),
    )
)
_register(
    Table(
        name="costs",
        description="The shop's costs besides the goods (平台扣点, 支付手续费, 运费, 运费险, 包装, 赠品, 优惠券, "
        "退货): one row per platform and category; category * is the platform-wide row, an empty "
        "cell takes the default of docs/costs.md. Per-order items are read from the platform-wide row.",
        grain="platform x category x start day",
        key=("platform", "category", "valid_from"),
        date_column="valid_from",
        columns=(
            _c("platform", "str", "platform the rates apply to (天猫, 淘宝, 京东 ...)", aliases=("平台",)),
            _c("category", "str", "leaf category as in `products`; * (or 全部) for the platform-wide row",
               aliases=("类目", "叶子类目")),
            _c("valid_from", "date", "first day the row applies", future=True, aliases=("生效日期", "开始日期")),
            _c("commission_rate", "float", "commission on the paid amount after refunds (扣点, 技术服务费率)",
               required=False, nullable=True, min_value=0, max_value=1, aliases=("扣点", "技术服务费率", "佣金比例")),
            _c("payment_fee_rate", "float", "payment fee on the paid amount (支付手续费率)", required=False,
               nullable=True, min_value=0, max_value=1, aliases=("支付手续费率", "支付宝费率")),
            _c("freight_first", "float", "freight of an order's first kg (首重运费)", required=False, nullable=True,
               min_value=0, unit="元", aliases=("首重运费", "首重")),
            _c("freight_extra", "float", "freight per extra kg (续重运费); 0 for a flat rate", required=False,
               nullable=True, min_value=0, unit="元", aliases=("续重运费", "续重")),
            _c("unit_weight_kg", "float", "shipping weight of one unit, kg", required=False, nullable=True,
               min_value=0, unit="kg", aliases=("单件重量", "重量")),
            _c("free_shipping_over", "float", "paid amount per order from which the shop pays the freight "
               "(0: every order ships free, 包邮)", required=False, nullable=True, min_value=0, unit="元",
               aliases=("包邮门槛", "满额包邮")),
            _c("shipping_insurance", "float", "shipping insurance the shop buys per order (运费险)", required=False,
               nullable=True, min_value=0, unit="元", aliases=("运费险", "退货宝")),
            _c("packaging", "float", "packaging per order", required=False, nullable=True, min_value=0, unit="元",
               aliases=("包装", "包材")),
            _c("gift_cost", "float", "gifts per order (赠品)", required=False, nullable=True, min_value=0, unit="元",
               aliases=("赠品", "赠品成本")),
            _c("coupon_cost", "float", "coupons the shop funds outside the paid amount, per order", required=False,
               nullable=True, min_value=0, unit="元", aliases=("优惠券成本", "券成本")),
            _c("return_freight", "float", "return freight and handling per returned unit", required=False,
               nullable=True, min_value=0, unit="元", aliases=("退货运费",)),
            _c("unsellable_share", "float", "share of returned units that cannot be sold again", required=False,
               nullable=True, min_value=0, max_value=1, aliases=("退货损耗率", "不可二次销售比例")),
        ),
    )
)

# Tables of traffic below the shop (per product, per keyword, per live session) live in their own
# module to keep this one readable; importing it registers them here, in this order.
from helpers.core import contract_detail  # noqa: E402, F401


def alias_table() -> dict[str, dict[str, str]]:
    """Header -> contract name, per table (the contract name maps to itself)."""
    out: dict[str, dict[str, str]] = {}
    for table in TABLES.values():
        mapping: dict[str, str] = {}
        for col in table.columns:
            mapping[col.name.lower()] = col.name
            for alias in col.aliases:
                mapping[alias.lower()] = col.name
        out[table.name] = mapping
    return out


def render_data_doc() -> str:
    """The Markdown of ``docs/data.md``, generated from :data:`TABLES` (``workbook docs``)."""
    lines = [
        "# Data contract",
        "",
        "<!-- Generated from helpers/core/contract.py by `workbook docs`; do not edit by hand. "
        "A test fails when this file and the code disagree. -->",
        "",
        "A shop's data is a folder with one file per table, named after the table "
        "(`orders.csv`, `traffic.xlsx`, `ads.parquet`, ...), or a sub-folder per table whose files "
        "are stacked (`orders/2026-10.csv`, `orders/2026-11.csv`). Or a warehouse: set "
        "`WORKBOOK_DB_URL` to an Ibis connection URL and name the tables as below.",
        "",
        "Accepted files: `.csv`/`.tsv`/`.txt` (UTF-8, UTF-8 with BOM, GBK/GB18030; comma or tab "
        "separated; title rows above the header are skipped), `.xlsx`, `.xls`, and `.parquet` "
        "(read by DuckDB without loading into memory; use contract column names). Headers may be "
        "the contract names or any alias listed (the platforms' Chinese headers). Numbers follow "
        "their column's kind (rule `number:`): money `1,234.50`, `¥12.50`, `12.50元`, `1.2万` (yuan "
        "only: `$12.50` is refused); count `1,234`, `1.2万`; rate `0.0352` or `3.52%`; plain "
        "(indexes, scores) `1,234.5`, `1.2万`. A thousands separator separates groups of three "
        "digits (`12,5` and `1,2,3` are refused), and `inf` or `1e999` are refused. `-`, `—` or an "
        "empty cell mean missing (in a text column only these: a buyer called `None` is a buyer). "
        "Times with an offset (`+08:00`, `Z`) are turned into shop time. Text files are read in "
        "parts, so their size is not limited by memory; an unclosed quote that would swallow rows "
        "is an error. Columns not in the contract are ignored and listed in the load notes.",
        "",
        "Checks on load (an error names the file, the column, example rows and the fix): required "
        "columns present, values readable as the column's kind, no empty cells where the column "
        "is not nullable, bounds (no negative amounts or counts: returns go in `refunds`), allowed "
        "values, unique keys. Spaces around text values (ids, names) are removed: in every cell of "
        "a CSV or Excel export, and in the text columns of Parquet files and warehouse tables, "
        "where the notes count them. Rows repeated exactly are removed and counted in the notes; rows "
        "sharing a key with different values are an error. Times are the shop's local time "
        "(Asia/Shanghai for Chinese platforms), without a time zone.",
        "",
        "Check a folder with `workbook check DIR` (add `--json` for scripts).",
        "",
        "Platform exports need no renaming: a folder of files as downloaded from 生意参谋, 千牛, 京东商智, "
        "the 京东 order export, 抖店 or 拼多多 is recognised file by file from the headers and read through "
        "the export's profile (status values, source groups, the 订单报表 + 宝贝报表 join). "
        "[docs/platforms/](platforms/README.md) gives each export's menu path, the table it feeds and what "
        "is lost without it; a `workbook.yaml` in the folder maps exports no profile knows.",
        "",
        "| table | one row per | key | needed by every notebook |",
        "|---|---|---|---|",
    ]
    for t in TABLES.values():
        lines.append(f"| [`{t.name}`](#{t.name}) | {t.grain} | {', '.join(t.key)} | "
                     f"{'no' if t.optional else 'yes'} |")
    for t in TABLES.values():
        checks = "".join(f" Row check: {r.problem} is {'noted' if r.note_zh else 'refused'}." for r in t.rules)
        lines += ["", f"## {t.name}", "", t.description, "",
                  f"One row per {t.grain}. Key: `{', '.join(t.key)}`. Dates: `{t.date_column}`.{checks}", "",
                  "| column | kind | required | empty allowed | rule | unit | description | accepted headers |",
                  "|---|---|---|---|---|---|---|---|"]
        for c in t.columns:
            rules = []
            if c.min_value is not None:
                rules.append(f">= {c.min_value:g}")
            if c.max_value is not None:
                rules.append(f"<= {c.max_value:g}")
            if c.choices:
                rules.append("one of " + ", ".join(f"`{v}`" for v in c.choices))
            if c.value_aliases:
                rules.append("also accepted: " + ", ".join(f"{k} -> `{v}`" for k, v in c.value_aliases.items()))
            if c.number:
                rules.append(f"number: {c.number}")
            if c.kind in ("date", "datetime"):
                rules.append("from 1990, any day ahead" if c.future else "from 1990 to tomorrow")
            if c.additive:
                rules.append("summed in `workbook check`")
            lines.append(
                f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | "
                f"{'yes' if c.nullable else 'no'} | {'; '.join(rules)} | {c.unit} | {c.description} | "
                f"{', '.join(c.aliases)} |"
            )
    return "\n".join(lines) + "\n"


def pandera_schema(table_name: str):
    """The contract of one table as a ``pandera`` DataFrameSchema, for frames already in memory.

    The loader validates inside the engine (so Parquet and warehouse tables are
    checked without loading them); this schema serves code that builds or
    receives pandas frames, e.g. a custom export converter, so it can check
    them against the same rules. Keys are checked as unique together.
    """
    import pandera.pandas as pa

    table = TABLES[table_name]
    dtypes = {"str": str, "int": "Int64", "float": float, "date": "datetime64[us]",
              "datetime": "datetime64[us]", "bool": "boolean"}
    columns = {}
    for col in table.columns:
        checks = []
        if col.min_value is not None:
            checks.append(pa.Check.ge(col.min_value))
        if col.max_value is not None:
            checks.append(pa.Check.le(col.max_value))
        if col.choices is not None:
            checks.append(pa.Check.isin(list(col.choices)))
        columns[col.name] = pa.Column(dtypes[col.kind], checks=checks, nullable=col.nullable,
                                      required=col.required, coerce=True)
    key = list(table.key)
    # pandera 0.35's own `unique=` fails on pandas 3 ("duplicate values ... in stack")
    unique_key = pa.Check(lambda df: ~df.duplicated(subset=key, keep=False), name=f"unique ({', '.join(key)})")
    return pa.DataFrameSchema(columns, checks=[unique_key], strict="filter", name=table_name)


# the planning tables live in their own module (size limit); imported last, it registers them here
from helpers.core import contract_planning  # noqa: E402, F401
