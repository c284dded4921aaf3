"""Contract tables of traffic below the shop: per product and source, per keyword, per crowd, per live session.

Registered into :data:`helpers.core.contract.TABLES` on import (``contract`` imports this module),
with the same :class:`~helpers.core.contract.Column` rules and row checks as every other table.
"""

from __future__ import annotations

from helpers.core.contract_base import _SWAPPED, AD_RESULTS, AD_VOLUME, Table, _above, _c, _register

_register(
    Table(
        name="product_traffic",
        description="Daily traffic and funnel per product and source (生意参谋 商品360 / 商品效果, by source).",
        grain="day x product x traffic source",
        key=("date", "product_id", "source"),
        date_column="date",
        rules=(_above("visitors", "impressions", _SWAPPED),
               _above("paid_buyers", "visitors", _SWAPPED), _above("order_buyers", "visitors", _SWAPPED),
               _above("cart_buyers", "visitors", _SWAPPED), _above("favourites", "visitors", _SWAPPED),
               _above("paid_buyers", "order_buyers", _SWAPPED)),
        columns=(
            _c("date", "date", "statistics day", aliases=("统计日期", "日期")),
            _c("product_id", "str", "product id, as in products", aliases=("商品ID", "宝贝ID")),
            _c("source", "str", "traffic source (二级来源), same names as in `traffic`",
               aliases=("流量来源", "来源名称", "二级来源")),
            _c("visitors", "int", "unique visitors of the product's page (商品访客数)", min_value=0, additive=True,
               unit="人", aliases=("商品访客数", "访客数")),
            _c("impressions", "int", "times the listing was shown (曝光量/展现量) in search results and feeds; "
               "empty where the export has none (the 测款 then judges 收藏加购率 only)", required=False, nullable=True,
               min_value=0, additive=True, unit="次", aliases=("商品曝光量", "曝光量", "展现量", "商品展现量")),
            _c("page_views", "int", "page views of the product (商品浏览量); empty where the export has none",
               required=False, nullable=True, min_value=0, additive=True, unit="次", aliases=("商品浏览量", "浏览量")),
            _c("favourites", "int", "visitors who favourited the product (收藏人数)", min_value=0, additive=True,
               unit="人", aliases=("商品收藏人数", "收藏人数", "收藏买家数")),
            _c("cart_buyers", "int", "visitors who added it to cart (加购人数)", min_value=0, additive=True,
               unit="人", aliases=("商品加购人数", "加购人数")),
            _c("order_buyers", "int", "visitors who ordered it (下单买家数)", min_value=0, additive=True, unit="人",
               aliases=("下单买家数",)),
            _c("paid_buyers", "int", "visitors who paid for it (支付买家数)", min_value=0, additive=True, unit="人",
               aliases=("支付买家数",)),
            _c("paid_amount", "float", "amount paid for it by these visitors (支付金额)", min_value=0, additive=True,
               unit="元", aliases=("支付金额",)),
        ),
    )
)
_register(
    Table(
        name="ad_keywords",
        description="Keyword report of search ads by day, plan and keyword (直通车/关键词推广 关键词报表).",
        grain="day x plan x keyword",
        key=("date", "plan", "keyword"),
        date_column="date",
        rules=(_above("clicks", "impressions", _SWAPPED),),
        columns=(
            _c("date", "date", "statistics day", aliases=("日期", "统计日期")),
            _c("plan", "str", "plan (计划) name, as in ads.plan", aliases=("计划名称", "推广计划", "计划")),
            _c("keyword", "str", "bought keyword (关键词)", aliases=("关键词", "关键词名称", "推广关键词")),
            _c("match_type", "str", "match type (匹配方式): exact / broad", required=False, nullable=True,
               choices=("exact", "broad"), value_aliases={"精准匹配": "exact", "精确匹配": "exact", "广泛匹配": "broad",
                                                          "智能匹配": "broad"},
               aliases=("匹配方式", "匹配类型")),
            *AD_VOLUME,
            _c("quality_score", "float", "quality score of the day (质量分, 1-10); empty where not shown",
               required=False, nullable=True, min_value=0, max_value=10, number="plain",
               aliases=("质量分", "移动质量分", "PC质量分")),
            _c("bid", "float", "bid per click at the day's end (出价)", required=False, nullable=True, min_value=0,
               unit="元", aliases=("出价", "移动出价", "关键词出价")),
            _c("avg_rank", "float", "average ad position (平均展现排名); empty where not shown", required=False,
               nullable=True, min_value=0, number="plain", aliases=("平均展现排名", "平均排名", "展现排名")),
            *AD_RESULTS,
            _c("attribution_window_days", "int", "attribution window in days (转化周期)", min_value=0, unit="天",
               required=False, nullable=True, aliases=("转化周期", "归因周期")),
        ),
    )
)
_register(
    Table(
        name="live_sessions",
        description="Live-stream sessions (直播场次: 淘宝直播, 抖店/巨量千川 直播 reports), the shop's own and creators'.",
        grain="live session",
        key=("session_id",),
        date_column="start",
        rules=(_above("product_clicks", "viewers", _SWAPPED),),
        columns=(
            _c("session_id", "str", "session id (场次ID)", aliases=("场次ID", "直播ID", "直播间场次ID")),
            _c("start", "datetime", "start of the session (开播时间)", aliases=("开播时间", "直播开始时间", "开始时间")),
            _c("duration_min", "float", "length of the session in minutes (直播时长)", min_value=0, unit="分钟",
               number="plain", aliases=("直播时长(分钟)", "直播时长", "时长")),
            _c("viewers", "int", "unique viewers (观看人数)", min_value=0, additive=True, unit="人",
               aliases=("观看人数", "累计观看人数", "场观")),
            _c("avg_watch_seconds", "float", "average watch time per viewer, seconds (人均观看时长)", min_value=0,
               unit="秒", number="plain", aliases=("人均观看时长(秒)", "人均观看时长", "平均停留时长")),
            _c("product_clicks", "int", "viewers who clicked a product (商品点击人数)", min_value=0, additive=True,
               unit="人", aliases=("商品点击人数", "商品点击次数", "点击商品人数")),
            _c("orders", "int", "paid orders from the session (成交订单数)", min_value=0, additive=True, unit="笔",
               aliases=("成交订单数", "成交笔数", "直播间成交订单数")),
            _c("amount", "float", "paid amount from the session (成交金额)", min_value=0, additive=True, unit="元",
               aliases=("成交金额", "直播间成交金额", "GMV")),
            _c("creator", "str", "who hosted it: the shop's own account (店播) or the creator's name (达人)",
               aliases=("主播", "达人昵称", "达人", "主播昵称", "直播账号")),
        ),
    )
)
_register(
    Table(
        name="ad_crowds",
        description="Crowd report of display and smart ads by day, plan and crowd (引力魔方/万相台 人群报表).",
        grain="day x plan x crowd",
        key=("date", "plan", "crowd"),
        date_column="date",
        rules=(_above("clicks", "impressions", _SWAPPED),),
        columns=(
            _c("date", "date", "statistics day", aliases=("日期", "统计日期")),
            _c("plan", "str", "plan (计划) name, as in ads.plan", aliases=("计划名称", "推广计划", "计划")),
            _c("crowd", "str", "targeted crowd (人群 / 定向人群)", aliases=("人群名称", "定向人群", "人群", "人群包名称")),
            *AD_VOLUME,
            *AD_RESULTS,
            _c("attribution_window_days", "int", "attribution window in days (转化周期)", min_value=0, unit="天",
               required=False, nullable=True, aliases=("转化周期", "归因周期")),
        ),
    )
)
