"""Deterministic, seeded sample shop (悦家优品旗舰店, a Tmall shop) with known ground truth.

:func:`generate_sample` simulates 2025-01-01 .. 2026-11-15 of a mid-sized Tmall shop and
writes every table of :mod:`helpers.core.contract` plus ``ground_truth.json``, the parameters
the data were drawn from (true conversion per source, price elasticity per category,
campaign uplift, refund probabilities, repeat purchase, market index transform, ...).
Notebooks and tests use the truth to check that an analysis recovers what was put in.

How the simulation works
------------------------
Traffic comes first: visitors per (day, source) are Poisson around
``base x trend x weekday x season x Spring Festival x campaign x anomaly x noise`` and
paid buyers are Binomial(visitors, conversion). Orders are then built to match that
traffic exactly: every paid buyer is one customer with one order of 1-3 lines (more
under 满减, where buyers top up their basket to reach the threshold). Returning customers
come from a queue of customers whose next purchase is due (a BG/NBD process: per-customer
purchase rate and dropout probability); new customers fill the other slots. Days are
simulated in order and orders/refunds are written month by month, so memory stays
bounded whatever the ``scale``.

Same ``seed`` and ``scale`` give byte-identical files: one ``numpy.random.Generator``
drives the whole run in a fixed order (the Monte Carlo used for campaign truth has its
own seeded streams), nothing depends on dict/set order or on the clock.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.core.contract import ORDER_STATUSES, TABLES

__all__ = ["generate_sample", "DEFAULT_SEED", "START", "END"]

DEFAULT_SEED = 20261115
START = np.datetime64("2025-01-01", "D")
END = np.datetime64("2026-11-15", "D")
N_DAYS = int((END - START).astype(np.int64)) + 1
SHOP = "悦家优品旗舰店"
TIER = "L4"
FORMATS = ("csv", "parquet")
SECONDS_PER_DAY = 86_400


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class SourceSpec:
    """A traffic source (二级来源) and its true behaviour at scale 1."""

    name: str
    group: str
    base_visitors: float  # visitors/day at scale 1 on 2025-01-01, before all multipliers
    conversion: float  # true paid conversion outside campaigns
    returning_share: float  # share of its buyer slots that go to due returning customers
    bounce: float  # probability a non-carting visitor leaves after one page
    extra_pages: float  # mean extra page views of a visitor who did not bounce


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec("手淘搜索", "free_search", 750, 0.030, 0.12, 0.42, 2.6),
    SourceSpec("直通车", "paid", 225, 0.022, 0.05, 0.50, 2.0),
    SourceSpec("引力魔方", "paid", 150, 0.012, 0.05, 0.60, 1.6),
    SourceSpec("万相台", "paid", 130, 0.018, 0.05, 0.55, 1.8),
    SourceSpec("猜你喜欢", "recommendation", 450, 0.009, 0.10, 0.62, 1.5),
    SourceSpec("首页推荐", "recommendation", 175, 0.007, 0.08, 0.65, 1.4),
    SourceSpec("淘宝直播", "live", 110, 0.035, 0.10, 0.35, 2.2),
    SourceSpec("短视频", "live", 90, 0.012, 0.06, 0.58, 1.5),
    SourceSpec("淘宝客", "affiliate", 60, 0.050, 0.05, 0.40, 1.8),
    SourceSpec("购物车", "crm", 65, 0.100, 1.00, 0.25, 3.0),
    SourceSpec("我的淘宝", "crm", 60, 0.080, 1.00, 0.30, 2.8),
    SourceSpec("站外抖音", "offsite", 75, 0.006, 0.03, 0.70, 1.2),
)

# Visitor weekday profile (Mon..Sun) per source group: content and recommendation feeds
# are browsed more at weekends, CRM returns peak on Sunday evenings.
WEEKDAY: dict[str, tuple[float, ...]] = {
    "free_search": (1.00, 0.98, 0.97, 0.98, 1.00, 1.07, 1.09),
    "paid": (1.00, 1.00, 1.00, 1.00, 1.00, 1.04, 1.04),
    "recommendation": (0.94, 0.95, 0.96, 0.97, 1.02, 1.12, 1.14),
    "live": (0.88, 0.92, 0.94, 0.96, 1.05, 1.18, 1.20),
    "affiliate": (1.00, 1.00, 1.00, 1.00, 1.02, 1.05, 1.05),
    "crm": (1.03, 1.02, 1.01, 1.00, 0.98, 0.97, 1.05),
    "offsite": (0.90, 0.92, 0.95, 0.98, 1.05, 1.15, 1.18),
}
# Campaigns move paid, CRM and affiliate traffic more than the rest (budgets go up,
# carts come back, 淘客 push the event): deviation of the multiplier is scaled by this.
CAMPAIGN_VISIT_AMPLIFIER = {"paid": 1.3, "crm": 1.2, "affiliate": 1.2}
ANNUAL_GROWTH = 0.25  # shop traffic grows 25 % a year
SHOP_SEASON_AMP, SHOP_SEASON_PEAK = 0.08, 170  # mild summer peak of the whole shop
VISITOR_NOISE_SD = 0.10  # daily log-normal noise on expected visitors
UNPAID_RATIO = 0.12  # unpaid orders per paid buyer (relative conversion of the rest)
CANCELLED_SHARE = 0.3  # of unpaid orders, the share closed as cancelled
CART_RATE = 0.05  # non-buying visitors who add to cart
WARMUP_CART_MULTIPLIER = 2.5  # 预热: buyers add to cart and wait


@dataclass(frozen=True)
class CategorySpec:
    """A leaf category of the shop and the truth of its demand."""

    name: str
    n_products: int
    price_range: tuple[float, float]  # list-price band, yuan
    elasticity: float  # demand multiplier = (price / reference_price) ** elasticity
    refund_prob: float  # probability a paid non-campaign line is refunded
    weight: float  # relative demand of the category
    season_amp: float  # amplitude of the yearly cosine in product choice
    season_peak: int  # day of year of the peak
    cost_ratio: float  # unit cost / launch list price
    brand: str
    apparel: bool
    words: tuple[tuple[str, ...], ...]  # title slots, one word drawn per slot
    market_share: float  # target share of our shop in the category market


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "女装连衣裙", 18, (129, 399), -1.8, 0.12, 1.3, 0.45, 172, 0.38, "悦衣坊", True,
        (("春季", "夏季", "早秋", "春夏", "秋冬"),
         ("法式", "韩版", "复古", "气质", "通勤", "温柔风", "小香风"),
         ("碎花", "纯色", "格纹", "波点", "条纹", "印花", "刺绣"),
         ("连衣裙 女",),
         ("收腰显瘦", "中长款", "A字裙", "高级感", "宽松遮肉", "方领泡泡袖")),
        0.06,
    ),
    CategorySpec(
        "女装T恤", 16, (39, 129), -2.2, 0.10, 1.4, 0.55, 190, 0.35, "悦衣坊", True,
        (("夏季", "春夏", "早秋", "夏装"),
         ("纯棉", "冰丝", "莫代尔", "重磅纯棉", "华夫格"),
         ("短袖", "长袖", "宽松", "修身", "oversize"),
         ("T恤 女",),
         ("ins潮", "百搭上衣", "圆领", "印花", "多巴胺", "打底衫")),
        0.09,
    ),
    CategorySpec(
        "男装衬衫", 14, (89, 299), -1.5, 0.11, 0.8, 0.25, 105, 0.40, "悦衣坊", True,
        (("春秋", "夏季", "商务", "休闲", "秋季"),
         ("纯棉", "免烫", "亚麻", "牛津纺", "天丝"),
         ("衬衫 男",),
         ("长袖", "短袖", "修身", "宽松", "正装", "白衬衣")),
        0.05,
    ),
    CategorySpec(
        "家居收纳", 14, (19, 159), -1.2, 0.06, 1.0, 0.15, 60, 0.42, "悦家优品", False,
        (("家用", "桌面", "衣柜", "抽屉式", "可折叠", "大容量"),
         ("收纳盒", "收纳箱", "置物架", "整理箱", "收纳筐", "挂袋"),
         ("透明", "塑料", "布艺", "带盖", "免打孔", "多层")),
        0.12,
    ),
    CategorySpec(
        "厨房用品", 14, (29, 299), -0.9, 0.05, 0.8, 0.10, 335, 0.45, "悦家优品", False,
        (("家用", "304不锈钢", "麦饭石", "竹木", "玻璃", "陶瓷"),
         ("不粘锅", "炒锅", "砧板", "保鲜盒", "刀具套装", "调料盒", "蒸锅"),
         ("燃气灶适用", "防霉", "密封", "多功能", "套装", "加厚")),
        0.07,
    ),
    CategorySpec(
        "美妆护肤", 12, (59, 599), -0.8, 0.07, 0.6, 0.20, 314, 0.30, "悦颜", False,
        (("补水保湿", "美白淡斑", "抗皱紧致", "修护", "控油", "舒缓"),
         ("精华液", "面霜", "面膜", "爽肤水", "洁面乳", "防晒霜"),
         ("女", "男女通用", "敏感肌", "官方正品", "学生")),
        0.03,
    ),
    CategorySpec(
        "母婴用品", 12, (39, 399), -1.0, 0.06, 0.6, 0.10, 15, 0.45, "小悦宝贝", False,
        (("婴儿", "宝宝", "新生儿", "儿童"),
         ("湿巾", "纸尿裤", "奶瓶", "辅食碗", "口水巾", "爬行垫", "安抚巾"),
         ("加厚", "宽口径", "硅胶", "纯棉", "大包装", "防胀气")),
        0.05,
    ),
)
PRICE_CHANGE_MULTIPLIERS = (0.75, 0.85, 0.9, 1.1, 1.15, 1.25)
NEW_PRODUCT_RAMP_DAYS = 42  # a new listing reaches full demand after ~6 weeks (测款)


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign, its mechanic and its true effect on traffic and conversion."""

    campaign_id: str
    name: str
    mechanic: str
    start: str
    end: str
    budget: float  # fixed cost at scale 1, yuan
    warmup_start: str | None = None
    threshold: float | None = None  # 满减 / 免邮 threshold, yuan
    reduction: float | None = None  # 满减 reduction per threshold reached, yuan
    discount_rate: float | None = None  # 限时折扣 price multiplier
    scope: str | None = None  # category the mechanic applies to (None: whole shop)
    visit_lift: float = 1.0  # event-day visitor multiplier
    conv_lift: float = 1.0  # event-day conversion multiplier
    peak_day: str | None = None  # the big day (11-11, 06-18)
    peak_visit: float = 1.0
    peak_conv: float = 1.0
    warm_visit: float = 1.0  # 预热: more visitors ...
    warm_conv: float = 1.0  # ... who convert less (they wait for the event)
    post_days: int = 0  # dip after the event (stocked-up buyers)
    post_visit: float = 1.0  # multiplier on the first post day, back to 1 linearly
    post_conv: float = 1.0
    exposure: float = 1.0  # extra in-shop exposure of the scope's products


CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec("nhj-2025", "年货节 2025", "full_reduction", "2025-01-08", "2025-01-14", 15000,
                 warmup_start="2025-01-06", threshold=199, reduction=20, visit_lift=1.3,
                 conv_lift=1.3, warm_visit=1.1, warm_conv=0.85, post_days=5, post_visit=0.93,
                 post_conv=0.85),
    CampaignSpec("618-2025", "618 年中大促 2025", "full_reduction", "2025-06-10", "2025-06-18",
                 30000, warmup_start="2025-05-31", threshold=200, reduction=30, visit_lift=1.4,
                 conv_lift=1.35, peak_day="2025-06-18", peak_visit=1.6, peak_conv=1.2,
                 warm_visit=1.2, warm_conv=0.7, post_days=10, post_visit=0.9, post_conv=0.78),
    CampaignSpec("ship-2025-07", "夏日满99包邮", "free_shipping", "2025-07-15", "2025-07-20", 2000,
                 threshold=99, visit_lift=1.2, conv_lift=1.3, post_days=3, post_visit=0.97,
                 post_conv=0.93),
    CampaignSpec("flash-2025-09", "连衣裙限时8折", "time_discount", "2025-09-05", "2025-09-07",
                 3000, discount_rate=0.8, scope="女装连衣裙", visit_lift=1.25, conv_lift=1.2,
                 exposure=1.3, post_days=3, post_visit=0.97, post_conv=0.93),
    CampaignSpec("1111-2025", "双十一 2025", "platform_event", "2025-11-01", "2025-11-11", 60000,
                 warmup_start="2025-10-20", threshold=300, reduction=50, visit_lift=1.6,
                 conv_lift=1.5, peak_day="2025-11-11", peak_visit=1.8, peak_conv=1.3,
                 warm_visit=1.3, warm_conv=0.6, post_days=14, post_visit=0.85, post_conv=0.7),
    CampaignSpec("nhj-2026", "年货节 2026", "full_reduction", "2026-01-15", "2026-01-25", 15000,
                 warmup_start="2026-01-12", threshold=199, reduction=20, visit_lift=1.3,
                 conv_lift=1.3, warm_visit=1.1, warm_conv=0.85, post_days=8, post_visit=0.93,
                 post_conv=0.85),
    CampaignSpec("bogo-2026-04", "收纳买一送一", "bogo", "2026-04-10", "2026-04-12", 5000,
                 scope="家居收纳", visit_lift=1.2, conv_lift=1.25, exposure=1.3, post_days=3,
                 post_visit=0.97, post_conv=0.93),
    CampaignSpec("618-2026", "618 年中大促 2026", "full_reduction", "2026-06-10", "2026-06-18",
                 30000, warmup_start="2026-05-31", threshold=200, reduction=30, visit_lift=1.4,
                 conv_lift=1.35, peak_day="2026-06-18", peak_visit=1.6, peak_conv=1.2,
                 warm_visit=1.2, warm_conv=0.7, post_days=10, post_visit=0.9, post_conv=0.78),
    CampaignSpec("1111-2026", "双十一 2026", "platform_event", "2026-11-01", "2026-11-11", 60000,
                 warmup_start="2026-10-20", threshold=300, reduction=50, visit_lift=1.6,
                 conv_lift=1.5, peak_day="2026-11-11", peak_visit=1.8, peak_conv=1.3,
                 warm_visit=1.3, warm_conv=0.6, post_days=14, post_visit=0.85, post_conv=0.7),
)
# Which order lines carry the campaign id: the whole event (platform), orders that
# reached the threshold (满减 / 免邮) or the scope's products (折扣 / 买一送一).
TAG_RULE = {
    "platform_event": "all_lines",
    "full_reduction": "threshold_reached",
    "free_shipping": "threshold_reached",
    "time_discount": "scope_products",
    "bogo": "scope_products",
}
TOPUP_PROB = 0.55  # buyers just below a threshold who add a filler item (凑单)
TOPUP_BAND = 0.3  # filler price lies in [gap, gap + band * threshold]
FLUSH_LINES = 100_000  # order lines buffered before writing (bounds memory at any scale)
MC_ORDERS = 20_000  # Monte Carlo baskets per day for the expected order value

SPRING_FESTIVALS = ("2025-01-29", "2026-02-17")
SF_HALF_WINDOW = 9  # days either side affected (logistics stop 物流停运)
SF_BOTTOM_HALF = 4  # days either side at the bottom of the dip
SF_VISIT_BOTTOM = 0.72
SF_CONV_BOTTOM = 0.5


@dataclass(frozen=True)
class AnomalySpec:
    """An injected shock on one source's visitors or conversion."""

    source: str
    metric: str  # visitors | conversion
    start: str
    end: str
    multiplier: float
    description: str
    kind: str = "shock"  # shock | bots (the extra visitors bounce, never buy) | price_change
    price_multiplier: float = 1.0  # price_change: list price of the main product in the window


ANOMALIES: tuple[AnomalySpec, ...] = (
    AnomalySpec("手淘搜索", "visitors", "2025-04-14", "2025-04-20", 0.5,
                "search ranking penalty for a week (搜索降权)"),
    AnomalySpec("直通车", "visitors", "2025-08-12", "2025-08-12", 0.35,
                "直通车 daily budget ran out in the morning (预算耗尽)"),
    AnomalySpec("手淘搜索", "conversion", "2026-03-18", "2026-03-18", 0.15,
                "detail page images broken (详情页故障)"),
    AnomalySpec("猜你喜欢", "visitors", "2026-07-09", "2026-07-09", 2.5,
                "recommendation feed picked up a product (推荐流量爆发)"),
    AnomalySpec("手淘搜索", "conversion", "2026-09-22", "2026-09-24", 0.25,
                "main product's price raised 30% for a test (涨价测试); search buyers compared "
                "prices and left until it was reverted", kind="price_change",
                price_multiplier=1.3),
    AnomalySpec("站外抖音", "visitors", "2026-10-13", "2026-10-14", 4.0,
                "bot traffic from an off-site promoter (刷流量): one-page visits, no buyers",
                kind="bots"),
)

# Repeat purchase, a BG/NBD process (Fader, Hardie & Lee 2005): each customer buys at a
# rate lam ~ Gamma(shape r, rate alpha) per day (exponential gaps) and, after each repeat
# purchase, stops for good with probability p ~ Beta(a, b).
BGNBD_R, BGNBD_ALPHA, BGNBD_A, BGNBD_B = 0.25, 60.0, 1.2, 2.8
MAX_WAIT_DAYS = 30  # a due customer who finds no slot for this long is lost
PULL_FORWARD_DAYS = 14  # free returning slots pull customers due within this window
REPEAT_WINDOW_DAYS = 90
CUSTOMER_TRUTH_FILE = "ground_truth_customers"  # per-customer repeat truth

REFUND_REASONS = ("尺码不合适", "颜色与图片不符", "质量问题", "不想要了/七天无理由", "物流太慢",
                  "发错货", "包装破损")
# Reason weights of shipped refunds (apparel / other) and of refunds before shipping.
REASON_WEIGHTS_APPAREL = (0.35, 0.15, 0.12, 0.28, 0.0, 0.05, 0.05)
REASON_WEIGHTS_OTHER = (0.0, 0.10, 0.30, 0.40, 0.0, 0.08, 0.12)
REASON_WEIGHTS_UNSHIPPED = (0.0, 0.0, 0.0, 0.75, 0.25, 0.0, 0.0)
PARTIAL_REASONS = (1, 2, 6)  # 颜色/质量/破损: sometimes settled by a partial refund-only
CAMPAIGN_REFUND_MULTIPLIER = 1.5  # impulse purchases come back more often
SHIPPED_PROB = {True: 0.8, False: 0.7}  # apparel / other
REFUND_DAYS_SHIPPED = (3.0, 20.0)
REFUND_DAYS_UNSHIPPED = (1.0, 2.0)

# Hour-of-day profile of orders; big days add a midnight rush (00:00 开抢).
HOURS = np.array([2.0, 1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 0.9, 1.6, 2.6, 3.4, 3.6, 3.5, 3.3, 3.4,
                  3.6, 3.7, 3.6, 3.6, 4.0, 4.8, 5.4, 5.0, 3.6])
MIDNIGHT_RUSH = 0.25


@dataclass(frozen=True)
class PlanSpec:
    """A paid plan (计划) and its true click and conversion behaviour."""

    channel: str  # same name as the traffic source
    plan: str
    click_share: float  # share of the channel's clicks
    ctr: float  # true click-through rate
    cpc: float  # true cost per click in yuan; for 淘宝客 the commission rate
    conv_mult: float  # conversion relative to the channel average
    aov_mult: float  # order value relative to the channel average
    window_days: int  # attribution window


PLANS: tuple[PlanSpec, ...] = (
    PlanSpec("直通车", "直通车-核心大词", 0.5, 0.025, 1.7, 1.0, 1.0, 15),
    PlanSpec("直通车", "直通车-长尾精准词", 0.3, 0.040, 0.9, 1.6, 1.05, 15),
    PlanSpec("直通车", "直通车-竞品词", 0.2, 0.015, 2.6, 0.3, 0.9, 15),
    PlanSpec("引力魔方", "引力魔方-人群拉新", 0.65, 0.006, 0.6, 0.8, 1.0, 7),
    PlanSpec("引力魔方", "引力魔方-老客召回", 0.35, 0.012, 0.45, 1.4, 1.0, 7),
    PlanSpec("万相台", "万相台-货品加速", 0.6, 0.020, 1.2, 1.1, 1.0, 7),
    PlanSpec("万相台", "万相台-上新快", 0.4, 0.018, 1.4, 0.85, 1.0, 7),
    PlanSpec("淘宝客", "淘宝客-通用计划", 0.7, 0.030, 0.08, 1.0, 1.0, 1),
    PlanSpec("淘宝客", "淘宝客-团长活动", 0.3, 0.050, 0.20, 1.0, 0.9, 1),
)
COMMISSION_CHANNEL = "淘宝客"  # pays a commission on sales (CPS), not per click
WINDOW_FACTOR = {15: 1.35, 7: 1.15, 1: 1.0}  # attributed orders / same-day orders
REPEAT_CLICK_RATE = 0.15  # clicks per visitor above one
EVENT_CPC_MULTIPLIER = 1.3  # auctions get dearer during big events
WARMUP_CPC_MULTIPLIER = 1.1

# Touch paths (touchpoints): exported for a share of the paid orders of the last weeks. The
# last touch is the order's own source; earlier touches come from discovery-heavy sources.
TOUCH_DAYS = 56
TOUCH_ORDER_SHARE = 0.5
TOUCH_EXTRA_PROBS = (0.45, 0.30, 0.15, 0.10)  # P(0, 1, 2, 3 touches before the last)
TOUCH_ASSIST_WEIGHTS = {"手淘搜索": 0.16, "直通车": 0.10, "引力魔方": 0.10, "万相台": 0.05,
                        "猜你喜欢": 0.20, "首页推荐": 0.11, "淘宝直播": 0.06, "短视频": 0.09,
                        "淘宝客": 0.02, "购物车": 0.0, "我的淘宝": 0.0, "站外抖音": 0.11}
TOUCH_GAP_SECONDS = 36 * 3600.0  # mean gap between earlier touches
LAST_TOUCH_SECONDS = 20 * 60.0  # mean gap between the last touch and the order

# Market: trade_index = a * (units * price) ** b * exp(N(0, sd)); traffic_index likewise
# from visitors. 生意参谋 indices are a monotone concave transform of the true value.
TRADE_INDEX_A, TRADE_INDEX_B, TRADE_INDEX_SD = 2.8, 0.64, 0.02
TRAFFIC_INDEX_A, TRAFFIC_INDEX_B, TRAFFIC_INDEX_SD = 6.0, 0.72, 0.04
COMPETITORS_PER_CATEGORY = 9
INDEX_ONLY_SHARE = 0.3  # competitor listings published without units
MARKET_MONTH_FACTOR = {1: 1.1, 2: 0.72, 6: 1.4, 11: 2.0}
MARKET_GROWTH = 0.10
REVIEW_RATE = 0.3
COMPETITOR_SHOPS = {  # fictional shops
    "apparel": ("栖木衣舍旗舰店", "南枝女装旗舰店", "拾光衣橱旗舰店", "素影服饰旗舰店",
                "云朵家女装店", "白鹿原创设计店", "橘意服饰专营店", "简约男装旗舰店",
                "墨客男装旗舰店", "衫语衬衫旗舰店", "青柠女装旗舰店", "晴川服饰专营店",
                "知秋男装专营店", "暖阳女装店", "山茶女装旗舰店"),
    "home": ("乐居收纳旗舰店", "整理控家居旗舰店", "方寸家居专营店", "木匠坊家居旗舰店",
             "厨房小当家旗舰店", "锅匠厨具旗舰店", "禾味厨具专营店", "净界家居旗舰店",
             "巧手收纳专营店", "归置家居店", "食光厨房旗舰店", "北欧小屋家居店",
             "原木生活旗舰店"),
    "beauty": ("水漾护肤旗舰店", "肌初研究所旗舰店", "花间美妆专营店", "透颜护肤旗舰店",
               "清研肌理旗舰店", "植萃美肤店"),
    "baby": ("贝贝乐母婴旗舰店", "小象宝贝母婴店", "萌芽母婴旗舰店", "暖宝宝母婴专营店",
             "童趣成长旗舰店", "初生母婴旗舰店"),
}
CATEGORY_SHOP_POOL = {"女装连衣裙": "apparel", "女装T恤": "apparel", "男装衬衫": "apparel",
                      "家居收纳": "home", "厨房用品": "home", "美妆护肤": "beauty",
                      "母婴用品": "baby"}
N_FAKE_LISTINGS = 3
N_COMPETITOR_CHANGES = 4
COMPETITOR_PRICE_CUT = 0.78
MARKET_BANDS = 4  # price bands of the market truth
GROWTH_MONTHS = 6  # window of the true trailing year-on-year market growth

KEYWORDS: dict[str, tuple[str, ...]] = {
    "女装连衣裙": ("连衣裙", "连衣裙女夏", "碎花连衣裙", "法式连衣裙", "收腰连衣裙", "气质长裙",
               "小个子连衣裙", "新中式连衣裙"),
    "女装T恤": ("t恤女", "短袖t恤女", "纯棉t恤", "宽松t恤", "冰丝t恤", "打底衫女", "印花t恤",
              "多巴胺穿搭t恤"),
    "男装衬衫": ("衬衫男", "长袖衬衫男", "白衬衫", "商务衬衫", "免烫衬衫", "亚麻衬衫",
             "短袖衬衫男", "休闲衬衫"),
    "家居收纳": ("收纳盒", "收纳箱", "置物架", "衣柜收纳", "桌面收纳", "抽屉收纳",
             "折叠收纳箱", "静音收纳推车"),
    "厨房用品": ("不粘锅", "炒锅", "砧板", "保鲜盒", "刀具套装", "调料盒", "蒸锅",
             "空气炸锅纸"),
    "美妆护肤": ("精华液", "面霜", "面膜", "爽肤水", "洗面奶", "防晒霜", "早c晚a",
             "修护精华"),
    "母婴用品": ("婴儿湿巾", "纸尿裤", "奶瓶", "辅食碗", "口水巾", "爬行垫", "安抚巾",
             "婴儿洗衣液"),
}
# Keywords whose popularity takes off during the period: (keyword, take-off Monday, factor).
EMERGING_KEYWORDS = (("多巴胺穿搭t恤", "2026-03-02", 4.0),
                     ("新中式连衣裙", "2025-09-01", 3.0),
                     ("静音收纳推车", "2026-01-05", 3.5))

# Peers (同行同层): peer value = our rolling value * ratio; conversion above the tier
# average but under the excellent line, AOV under the average.
PEER_RATIOS = {  # metric: (peer_avg / ours, peer_excellent / ours)
    "conversion_rate": (1 / 1.2, 1.1),
    "uv_value": (0.9, 1.5),
    "aov": (1.15, 1.5),
    "visitors": (0.8, 2.2),
    "paid_amount": (0.75, 2.4),
}
PEER_NOISE_SD = 0.03
PEER_WINDOW = 7

# Decimals of float columns in the files (yuan columns default to 2).
DECIMALS = {
    ("campaigns", "discount_rate"): 2,
    ("market", "units"): 0,
    ("market", "trade_index"): 1,
    ("market", "traffic_index"): 1,
    ("market", "rating"): 2,
    ("keywords", "search_popularity"): 0,
    ("keywords", "click_rate"): 4,
    ("keywords", "conversion_rate"): 4,
    ("candidates", "search_demand"): 0,
    ("candidates", "rating"): 2,
    ("peers", "peer_avg"): 4,
    ("peers", "peer_excellent"): 4,
    ("service", "first_response_seconds"): 0,
    ("dsr", "description"): 4,
    ("dsr", "service"): 4,
    ("dsr", "logistics"): 4,
    ("dsr", "peer_description"): 4,
    ("dsr", "peer_service"): 4,
    ("dsr", "peer_logistics"): 4,
}
ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(),
               "date": pa.date32(), "datetime": pa.timestamp("s"), "bool": pa.bool_()}


# ------------------------------------------------------------------------ calendar
def _day(text: str) -> int:
    """Day index of an ISO date in the simulated period (0 = 2025-01-01)."""
    return int((np.datetime64(text, "D") - START).astype(np.int64))


def _iso(day: int) -> str:
    """ISO date of a day index."""
    return str(START + np.timedelta64(int(day), "D"))


def _epoch_day(day: np.ndarray | int) -> np.ndarray | int:
    """Days since 1970-01-01 of day indices (the date32 representation)."""
    return day + int(START.astype(np.int64))


def _weekday() -> np.ndarray:
    """Weekday (Mon = 0) of every day of the period."""
    return (np.arange(N_DAYS) + 2) % 7  # 2025-01-01 was a Wednesday


def _day_of_year() -> np.ndarray:
    """Day of year (0-based) of every day of the period."""
    dates = START + np.arange(N_DAYS).astype("timedelta64[D]")
    return (dates - dates.astype("datetime64[Y]")).astype(np.int64)


def _month_index() -> np.ndarray:
    """Month number (0 = 2025-01) of every day of the period."""
    dates = START + np.arange(N_DAYS).astype("timedelta64[D]")
    months = dates.astype("datetime64[M]")
    return (months - months[0]).astype(np.int64)


def _yearly_cosine(amp: float, peak: int) -> np.ndarray:
    """``1 + amp * cos`` over the year, highest on day-of-year ``peak``."""
    return 1.0 + amp * np.cos(2 * np.pi * (_day_of_year() - peak) / 365.25)


def _trend() -> np.ndarray:
    """Multiplicative growth of traffic, 1 on the first day."""
    return np.exp(np.log1p(ANNUAL_GROWTH) * np.arange(N_DAYS) / 365.25)


def _spring_festival() -> tuple[np.ndarray, np.ndarray]:
    """Visitor and conversion multipliers of the Spring Festival dip (logistics stop)."""
    vis = np.ones(N_DAYS)
    conv = np.ones(N_DAYS)
    ramp = SF_HALF_WINDOW - SF_BOTTOM_HALF
    for text in SPRING_FESTIVALS:
        dist = np.abs(np.arange(N_DAYS) - _day(text))
        # Depth 1 at the bottom, falling linearly to 0 at the edge of the window.
        depth = np.clip((SF_HALF_WINDOW - dist) / ramp, 0.0, 1.0)
        vis *= 1 - (1 - SF_VISIT_BOTTOM) * depth
        conv *= 1 - (1 - SF_CONV_BOTTOM) * depth
    return vis, conv


# ------------------------------------------------------------------------ products
def _round_price(yuan: np.ndarray) -> np.ndarray:
    """Shop-style prices ending in 9 (19, 39, 129, ...), in cents."""
    tens = np.maximum(np.rint(np.asarray(yuan) / 10.0), 2)
    return (tens * 10 - 1).astype(np.int64) * 100


def _titles(rng: np.random.Generator, cat: CategorySpec, launch: np.ndarray) -> list[str]:
    """Listing titles built from the category's word slots, unique within the shop."""
    titles: list[str] = []
    for day in launch:
        words = [slot[rng.integers(len(slot))] for slot in cat.words]
        year = int(str(START + np.timedelta64(int(day), "D"))[:4])
        prefix = f"{year}新款" if (cat.apparel and year >= 2024) else cat.brand
        title = " ".join([prefix, *words])
        suffix = 2
        while title in titles:  # two products drew the same words
            title = " ".join([prefix, *words, f"{suffix}号款"])
            suffix += 1
        titles.append(title)
    return titles


def _unique_ids(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct random integers in ``[low, high)`` (numeric-looking ids)."""
    ids = rng.integers(low, high, size=n)
    while len(np.unique(ids)) < n:  # astronomically rare; redraw the later duplicates
        _, first = np.unique(ids, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        ids[dup] = rng.integers(low, high, size=len(dup))
    return ids


def _build_products(rng: np.random.Generator) -> dict:
    """Product master data and the demand parameters behind each product."""
    cat_idx, launch, price0, titles = [], [], [], []
    for ci, cat in enumerate(CATEGORIES):
        n = cat.n_products
        before = rng.random(n) < 0.55  # listings that existed before the period
        old = rng.integers(_day("2023-03-01"), 0, size=n)
        new = rng.integers(0, _day("2026-09-30"), size=n)
        days = np.where(before, old, new)
        lo, hi = cat.price_range
        price = _round_price(np.exp(rng.uniform(np.log(lo), np.log(hi), size=n)))
        cat_idx.append(np.full(n, ci))
        launch.append(days)
        price0.append(price)
        titles.extend(_titles(rng, cat, days))
    cat_arr = np.concatenate(cat_idx)
    n_products = len(cat_arr)
    cost_ratio = np.array([CATEGORIES[c].cost_ratio for c in cat_arr])
    p0 = np.concatenate(price0)
    return {
        "id": _unique_ids(rng, n_products, 600_000_000_000, 700_000_000_000).astype(str),
        "category": cat_arr,
        "launch": np.concatenate(launch),
        "price0": p0,
        "cost": np.rint(p0 * cost_ratio * rng.uniform(0.9, 1.1, n_products)).astype(np.int64),
        "popularity": rng.lognormal(0.0, 0.9, n_products),
        "title": titles,
    }


def _price_paths(rng: np.random.Generator, products: dict) -> tuple[np.ndarray, list[dict]]:
    """List price (cents) of every product on every day, and the price-change events."""
    n = len(products["price0"])
    price = np.repeat(products["price0"][None, :], N_DAYS, axis=0)
    events = []
    for j in range(n):
        first = max(int(products["launch"][j]), 0) + 14
        if first >= N_DAYS - 7:
            continue
        k = min(1 + rng.poisson(1.5), 4)
        days = np.unique(rng.integers(first, N_DAYS - 7, size=k))
        current = int(products["price0"][j])
        for day in days:
            mult = PRICE_CHANGE_MULTIPLIERS[rng.integers(len(PRICE_CHANGE_MULTIPLIERS))]
            new = int(_round_price(products["price0"][j] / 100 * mult))
            if new == current:
                continue
            price[day:, j] = new
            events.append({"product_id": str(products["id"][j]), "date": _iso(day),
                           "old_price": current / 100, "new_price": new / 100})
            current = new
    return price, events


# ----------------------------------------------------------------------- campaigns
def _campaign_days(spec: CampaignSpec) -> dict[str, tuple[int, int] | None]:
    """Day-index windows (inclusive) of a campaign's warm-up, event and post-event dip."""
    start, end = _day(spec.start), _day(spec.end)
    warm = (_day(spec.warmup_start), start - 1) if spec.warmup_start else None
    post_end = min(end + spec.post_days, N_DAYS - 1)
    post = (end + 1, post_end) if spec.post_days and end + 1 <= post_end else None
    return {"warmup": warm, "event": (start, end), "post": post}


def _amplify(mult: float, group: str) -> float:
    """A campaign multiplier as felt by a source group (paid/CRM move more)."""
    return 1.0 + (mult - 1.0) * CAMPAIGN_VISIT_AMPLIFIER.get(group, 1.0)


def _campaign_effects() -> dict[str, np.ndarray]:
    """Per-day campaign multipliers on visitors, conversion, cart rate and CPC."""
    groups = [s.group for s in SOURCES]
    vis = np.ones((N_DAYS, len(SOURCES)))
    conv = np.ones(N_DAYS)
    cart = np.ones(N_DAYS)
    cpc = np.ones(N_DAYS)
    event = np.full(N_DAYS, -1)
    covered = np.zeros(N_DAYS, dtype=bool)
    for k, spec in enumerate(CAMPAIGNS):
        win = _campaign_days(spec)
        lo = (win["warmup"] or win["event"])[0]
        hi = (win["post"] or win["event"])[1]
        if covered[lo:hi + 1].any():
            raise ValueError(f"campaign {spec.campaign_id} overlaps another campaign")
        covered[lo:hi + 1] = True
        if win["warmup"]:
            a, b = win["warmup"]
            vis[a:b + 1] *= [_amplify(spec.warm_visit, g) for g in groups]
            conv[a:b + 1] *= spec.warm_conv
            cart[a:b + 1] *= WARMUP_CART_MULTIPLIER
            cpc[a:b + 1] *= WARMUP_CPC_MULTIPLIER
        a, b = win["event"]
        vis[a:b + 1] *= [_amplify(spec.visit_lift, g) for g in groups]
        conv[a:b + 1] *= spec.conv_lift
        event[a:b + 1] = k
        if spec.warmup_start:  # only the big platform events have auctions heating up
            cpc[a:b + 1] *= EVENT_CPC_MULTIPLIER
        if spec.peak_day:
            p = _day(spec.peak_day)
            vis[p] *= [_amplify(spec.peak_visit, g) for g in groups]
            conv[p] *= spec.peak_conv
        if win["post"]:
            a, b = win["post"]
            depth = (spec.post_days + 1 - np.arange(1, b - a + 2)) / spec.post_days
            for i, f in enumerate(depth):
                vis[a + i] *= [_amplify(1 - (1 - spec.post_visit) * f, g) for g in groups]
                conv[a + i] *= 1 - (1 - spec.post_conv) * f
    return {"visitors": vis, "conversion": conv, "cart": cart, "cpc": cpc, "event": event}


def _anomaly_effects() -> tuple[np.ndarray, np.ndarray]:
    """Visitor and conversion multipliers of the injected anomalies, per (day, source)."""
    names = [s.name for s in SOURCES]
    vis = np.ones((N_DAYS, len(SOURCES)))
    conv = np.ones((N_DAYS, len(SOURCES)))
    for a in ANOMALIES:
        if a.kind == "bots":  # bots come on top of the people (see _bot_visitors)
            continue
        target = vis if a.metric == "visitors" else conv
        target[_day(a.start):_day(a.end) + 1, names.index(a.source)] *= a.multiplier
    return vis, conv


def _bot_visitors(people: np.ndarray) -> np.ndarray:
    """Expected bot visits per (day, source): (multiplier - 1) x the expected people."""
    names = [s.name for s in SOURCES]
    bots = np.zeros((N_DAYS, len(SOURCES)))
    for a in ANOMALIES:
        if a.kind == "bots":
            lo, hi, s = _day(a.start), _day(a.end) + 1, names.index(a.source)
            bots[lo:hi, s] += people[lo:hi, s] * (a.multiplier - 1.0)
    return bots


def _price_tests(products: dict, price: np.ndarray, events: list[dict]) -> dict[int, dict]:
    """Apply the price_change anomalies: the main product's list price is raised in the
    window and reverted after it (recorded as two price changes). Returns, per anomaly
    index, the product and prices."""
    out = {}
    cat_weight = np.array([c.weight for c in CATEGORIES])[products["category"]]
    for k, a in enumerate(ANOMALIES):
        if a.kind != "price_change":
            continue
        lo, hi = _day(a.start), _day(a.end)
        steady = (price[lo - 1:hi + 2] == price[lo - 1]).all(0)  # no other change around it
        mature = products["launch"] <= lo - NEW_PRODUCT_RAMP_DAYS
        j = int(np.argmax(products["popularity"] * cat_weight * steady * mature))
        old = int(price[lo, j])
        new = int(_round_price(old / 100 * a.price_multiplier))
        price[lo:hi + 1, j] = new
        pid = str(products["id"][j])
        events.append({"product_id": pid, "date": _iso(lo), "old_price": old / 100,
                       "new_price": new / 100})
        events.append({"product_id": pid, "date": _iso(hi + 1), "old_price": new / 100,
                       "new_price": int(price[hi + 1, j]) / 100})
        out[k] = {"product_id": pid, "old_price": old / 100, "new_price": new / 100}
    return out


# -------------------------------------------------------------------------- demand
@dataclass
class _Context:
    """What a buyer faces on one day: product weights, prices and the campaign mechanic."""

    weights: np.ndarray  # relative chance each product is picked (0 before launch)
    cum: np.ndarray  # cumulative weights for inverse-CDF sampling
    unit: np.ndarray  # price paid per charged unit, cents (after 限时折扣)
    list_price: np.ndarray  # list price, cents
    bogo: np.ndarray  # 买一送一: two units delivered per charged unit
    scope: np.ndarray  # products the campaign mechanic applies to
    campaign: int  # campaign index or -1
    threshold: int  # cents, 0 if none
    reduction: int  # cents per threshold reached, 0 if none
    tag_rule: str
    line_probs: tuple[float, float, float]
    by_price: np.ndarray  # product indices sorted by unit price (filler search)
    sorted_unit: np.ndarray
    sorted_cum: np.ndarray  # cumulative weights in that order, with a leading 0


class _Demand:
    """Expected traffic, conversion and product choice of every day, with and without
    campaigns (the counterfactual is what the campaign truth is measured against)."""

    def __init__(self, products: dict, price: np.ndarray, scale: float) -> None:
        self.products = products
        self.price = price
        self.cat = products["category"]
        elasticity = np.array([c.elasticity for c in CATEGORIES])[self.cat]
        self.elasticity = elasticity
        age = np.arange(N_DAYS)[:, None] - products["launch"][None, :]
        ramp = np.clip((age + 7) / NEW_PRODUCT_RAMP_DAYS, 0.0, 1.0) * (age >= 0)
        season = np.stack([_yearly_cosine(c.season_amp, c.season_peak) for c in CATEGORIES], 1)
        cat_weight = np.array([c.weight for c in CATEGORIES])[self.cat]
        self.base_weight = products["popularity"] * cat_weight * ramp * season[:, self.cat]
        self.price_mult = (price / products["price0"]) ** elasticity
        # Price moves shift the shop's conversion through the products' demand; the
        # normaliser keeps the average over the period at 1, so base conversion is the
        # conversion at typical prices.
        self.price_index = self._price_index(self.price_mult)
        self.normaliser = float(self.price_index.mean())
        self.effects = _campaign_effects()
        anom_vis, anom_conv = _anomaly_effects()
        sf_vis, sf_conv = _spring_festival()
        week = _weekday()
        weekday = np.array([[WEEKDAY[s.group][w] for s in SOURCES] for w in week])
        base = np.array([s.base_visitors for s in SOURCES]) * scale
        p = np.array([s.conversion for s in SOURCES])
        shop_season = _yearly_cosine(SHOP_SEASON_AMP, SHOP_SEASON_PEAK)
        common = (base[None, :] * _trend()[:, None] * weekday * shop_season[:, None]
                  * sf_vis[:, None] * anom_vis)
        self.lam_nc = common
        self.lam = common * self.effects["visitors"]
        self.bots = _bot_visitors(self.lam)
        campaign_index = self._campaign_price_index()
        conv_common = p[None, :] * sf_conv[:, None] * anom_conv
        self.conv_nc = np.minimum(conv_common * (self.price_index / self.normaliser)[:, None],
                                  0.9)
        self.conv = np.minimum(
            conv_common * (campaign_index / self.normaliser * self.effects["conversion"])[:, None],
            0.9)
        self.cart = CART_RATE * self.effects["cart"]

    def _price_index(self, mult: np.ndarray) -> np.ndarray:
        """Demand-weighted price multiplier of the assortment, per day."""
        return (self.base_weight * mult).sum(1) / self.base_weight.sum(1)

    def _campaign_prices(self, day: int, k: int) -> tuple[np.ndarray, ...]:
        """Charged unit price, elastic price, bogo and scope masks under campaign k."""
        spec = CAMPAIGNS[k]
        listp = self.price[day]
        scope = (np.ones(len(listp), dtype=bool) if spec.scope is None
                 else self.cat == [c.name for c in CATEGORIES].index(spec.scope))
        unit = listp.copy()
        elastic = listp.astype(float)
        bogo = np.zeros(len(listp), dtype=bool)
        if spec.mechanic == "time_discount":
            unit[scope] = np.rint(listp[scope] * spec.discount_rate).astype(np.int64)
            elastic = unit.astype(float)
        elif spec.mechanic == "bogo":
            bogo = scope.copy()
            elastic[scope] = listp[scope] / 2.0  # two for the price of one
        return unit, elastic, bogo, scope

    def _campaign_price_index(self) -> np.ndarray:
        """Price index with campaign prices on event days."""
        index = self.price_index.copy()
        for day in np.nonzero(self.effects["event"] >= 0)[0]:
            _, elastic, _, _ = self._campaign_prices(day, self.effects["event"][day])
            mult = (elastic / self.products["price0"]) ** self.elasticity
            index[day] = (self.base_weight[day] * mult).sum() / self.base_weight[day].sum()
        return index

    def context(self, day: int, with_campaign: bool = True) -> _Context:
        """Buyer context of a day, optionally without the campaign (counterfactual)."""
        k = int(self.effects["event"][day]) if with_campaign else -1
        listp = self.price[day]
        n = len(listp)
        if k >= 0:
            spec = CAMPAIGNS[k]
            unit, elastic, bogo, scope = self._campaign_prices(day, k)
            mult = (elastic / self.products["price0"]) ** self.elasticity
            exposure = np.where(scope, spec.exposure, 1.0)
            threshold = int(round((spec.threshold or 0) * 100))
            reduction = int(round((spec.reduction or 0) * 100))
            rule = TAG_RULE[spec.mechanic]
        else:
            unit, bogo, scope = listp, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
            mult, exposure, threshold, reduction, rule = self.price_mult[day], 1.0, 0, 0, ""
        weights = self.base_weight[day] * mult * exposure
        by_price = np.argsort(unit, kind="stable")
        return _Context(
            weights=weights, cum=np.cumsum(weights), unit=unit, list_price=listp, bogo=bogo,
            scope=scope, campaign=k, threshold=threshold, reduction=reduction, tag_rule=rule,
            line_probs=(0.68, 0.22, 0.10) if reduction else (0.82, 0.14, 0.04),
            by_price=by_price, sorted_unit=unit[by_price],
            sorted_cum=np.concatenate([[0.0], np.cumsum(weights[by_price])]),
        )


# ------------------------------------------------------------------------- baskets
def _draw_products(rng: np.random.Generator, ctx: _Context, n: int) -> np.ndarray:
    """``n`` products drawn by the day's choice weights."""
    u = rng.random(n) * ctx.cum[-1]
    return np.minimum(np.searchsorted(ctx.cum, u, side="right"), len(ctx.cum) - 1)


def _fill_distinct(rng: np.random.Generator, ctx: _Context, prod: np.ndarray, col: int,
                   wanted: np.ndarray) -> None:
    """Draw column ``col`` of the basket matrix for rows ``wanted``, distinct from the
    earlier columns (an order holds each product once); give up after 10 tries."""
    todo = np.nonzero(wanted)[0]
    for _ in range(10):
        if not len(todo):
            return
        prod[todo, col] = _draw_products(rng, ctx, len(todo))
        dup = (prod[todo, :col] == prod[todo, col:col + 1]).any(1)
        todo = todo[dup]
    prod[todo, col] = -1


def _top_up(rng: np.random.Generator, ctx: _Context, prod: np.ndarray, qty: np.ndarray,
            gross: np.ndarray) -> None:
    """凑单: buyers a little under the threshold add a filler priced to just clear it."""
    total = gross.sum(1)
    t = ctx.threshold
    near = (total >= 0.6 * t) & (total < t) & (rng.random(len(total)) < TOPUP_PROB)
    rows = np.nonzero(near)[0]
    if not len(rows):
        return
    gap = t - total[rows]
    lo = np.searchsorted(ctx.sorted_unit, gap, side="left")
    hi = np.searchsorted(ctx.sorted_unit, gap + TOPUP_BAND * t, side="right")
    mass = ctx.sorted_cum[hi] - ctx.sorted_cum[lo]
    u = ctx.sorted_cum[lo] + rng.random(len(rows)) * mass
    pos = np.clip(np.searchsorted(ctx.sorted_cum, u, side="right") - 1, lo, np.maximum(hi - 1, lo))
    ok = mass > 0
    rows, filler = rows[ok], ctx.by_price[pos[ok]]
    same = prod[rows, :3] == filler[:, None]
    has = same.any(1)
    # The filler is already in the basket: one more unit of it instead of a new line.
    r, c = rows[has], same[has].argmax(1)
    qty[r, c] += 1
    gross[r, c] += ctx.unit[filler[has]]
    r, f = rows[~has], filler[~has]
    prod[r, 3] = f
    qty[r, 3] = 1
    gross[r, 3] = ctx.unit[f]


def _allocate(total: np.ndarray, gross: np.ndarray) -> np.ndarray:
    """Split an order-level reduction over its lines pro rata, in whole cents."""
    order_gross = gross.sum(1)
    safe = np.maximum(order_gross, 1)
    share = total[:, None] * gross // safe[:, None]
    rest = total - share.sum(1)
    share[np.arange(len(total)), gross.argmax(1)] += rest  # rounding cents to the largest line
    return share


def _baskets(rng: np.random.Generator, ctx: _Context, n: int) -> dict[str, np.ndarray]:
    """Baskets of ``n`` orders: products, units, prices, paid cents and campaign tags.

    Returns line arrays (``order`` = index of the order, lines of an order contiguous)
    and ``order_paid`` (cents per order).
    """
    prod = np.full((n, 4), -1, dtype=np.int64)
    u = rng.random(n)
    p1, p2, _ = ctx.line_probs
    lines = 1 + (u >= p1) + (u >= p1 + p2)
    prod[:, 0] = _draw_products(rng, ctx, n)
    _fill_distinct(rng, ctx, prod, 1, lines >= 2)
    _fill_distinct(rng, ctx, prod, 2, lines >= 3)
    v = rng.random((n, 4))
    qty = np.where(prod >= 0, 1 + (v >= 0.86) + (v >= 0.97), 0)
    gross = np.where(prod >= 0, ctx.unit[np.maximum(prod, 0)] * qty, 0)
    if ctx.threshold:
        _top_up(rng, ctx, prod, qty, gross)
    order_gross = gross.sum(1)
    reduction = np.zeros((n, 4), dtype=np.int64)
    if ctx.reduction:
        reduction = _allocate(order_gross // ctx.threshold * ctx.reduction, gross)
    paid = gross - reduction
    safe = np.maximum(prod, 0)
    if ctx.tag_rule == "all_lines":
        tag = np.ones((n, 4), dtype=bool)
    elif ctx.tag_rule == "threshold_reached":
        tag = np.repeat((order_gross >= ctx.threshold)[:, None], 4, axis=1)
    else:
        tag = ctx.scope[safe]
    present = prod >= 0
    units = qty * np.where(ctx.bogo[safe], 2, 1)
    return {
        "order": np.nonzero(present)[0],
        "product": prod[present],
        "units": units[present],
        "list_price": ctx.list_price[safe][present],
        "paid": paid[present],
        "tagged": tag[present] & (ctx.campaign >= 0),
        "order_paid": paid.sum(1),
    }


def _expected_order_value(demand: _Demand, seed: int, day: int, with_campaign: bool) -> float:
    """Monte Carlo mean paid amount (cents) of an order on ``day``.

    Both scenarios reuse the same random stream (common random numbers), so the ratio of
    the two is far more precise than either value.
    """
    rng = np.random.default_rng([seed, 7, day])
    return float(_baskets(rng, demand.context(day, with_campaign), MC_ORDERS)["order_paid"].mean())


# ----------------------------------------------------------------------- customers
class _Customers:
    """The customer pool and the queue of customers due to buy again (a BG/NBD process).

    Every customer has a purchase rate ``lam`` ~ Gamma(BGNBD_R, rate BGNBD_ALPHA) per day
    and a dropout probability ``p_drop`` ~ Beta(BGNBD_A, BGNBD_B): while active they buy
    again after exponential gaps of mean 1 / lam, and after each repeat purchase they stop
    for good with probability ``p_drop`` (the first purchase in the data is their start).
    Due customers take the returning-buyer slots of the day (mostly CRM sources), then
    other buyer slots; returning slots the queue cannot fill pull forward customers due
    soon, then go to new customers. Customers draw from their own random stream, so the
    other tables do not depend on the customer process.
    """

    def __init__(self, rng: np.random.Generator, n_prior: int) -> None:
        self.rng = np.random.default_rng(rng.integers(2**63))
        cap = max(4096, 2 * n_prior)
        self.lam = np.zeros(cap)
        self.p_drop = np.zeros(cap)
        self.dead = np.zeros(cap, dtype=bool)  # dropped out, or lost waiting in the queue
        self.first = np.full(cap, -1, dtype=np.int16)  # first paid day seen in the data
        self.last = np.full(cap, -1, dtype=np.int16)
        self.rep90 = np.zeros(cap, dtype=bool)  # bought again within 90 days of first
        self.n = 0
        self.buckets: dict[int, list[np.ndarray]] = {}
        self.backlog = np.empty(0, dtype=np.int64)
        self.backlog_due = np.empty(0, dtype=np.int64)
        self.stats = {"dropped": 0, "pulled_forward": 0, "served": 0, "overflow": 0,
                      "slots_to_new": 0, "gap_sum": 0, "gap_count": 0, "prior_customers": n_prior}
        prior = self.new(n_prior)
        # Customers who bought before 2025 and are due soon: frequent buyers are the ones
        # due, so their rates are size-biased, Gamma(r + 1, alpha); gaps are memoryless.
        self.lam[prior] = self.rng.gamma(BGNBD_R + 1, 1 / BGNBD_ALPHA, n_prior)
        wait = self.rng.exponential(1.0, n_prior) / self.lam[prior]
        self._schedule(prior, np.minimum(np.floor(wait), 2 * N_DAYS).astype(np.int64))

    def new(self, m: int) -> np.ndarray:
        """Create ``m`` new customers and return their indices."""
        if self.n + m > len(self.lam):
            grow = max(2 * len(self.lam), self.n + m) - len(self.lam)
            self.lam = np.concatenate([self.lam, np.zeros(grow)])
            self.p_drop = np.concatenate([self.p_drop, np.zeros(grow)])
            self.dead = np.concatenate([self.dead, np.zeros(grow, bool)])
            self.first = np.concatenate([self.first, np.full(grow, -1, np.int16)])
            self.last = np.concatenate([self.last, np.full(grow, -1, np.int16)])
            self.rep90 = np.concatenate([self.rep90, np.zeros(grow, bool)])
        ids = np.arange(self.n, self.n + m, dtype=np.int64)
        self.lam[ids] = self.rng.gamma(BGNBD_R, 1 / BGNBD_ALPHA, m)
        self.p_drop[ids] = self.rng.beta(BGNBD_A, BGNBD_B, m)
        self.n += m
        return ids

    def _schedule(self, ids: np.ndarray, due: np.ndarray) -> None:
        """Queue customers for the day their next purchase is due (inside the period)."""
        keep = due < N_DAYS
        ids, due = ids[keep], due[keep]
        if not len(ids):
            return
        order = np.argsort(due, kind="stable")
        ids, due = ids[order], due[order]
        keys, starts = np.unique(due, return_index=True)
        for key, chunk in zip(keys, np.split(ids, starts[1:]), strict=True):
            self.buckets.setdefault(int(key), []).append(chunk)

    def serve(self, day: int, n: int, spare: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Returning customers for today: up to ``n`` for the returning-buyer slots,
        longest-waiting first, and the due customers beyond those for up to ``spare``
        other buyer slots (returning customers come through search and feeds too)."""
        ids = np.concatenate([self.backlog, *self.buckets.pop(day, [])])
        due = np.concatenate([self.backlog_due, np.full(len(ids) - len(self.backlog), day)])
        fresh = due >= day - MAX_WAIT_DAYS
        self.stats["dropped"] += int((~fresh).sum())
        self.dead[ids[~fresh]] = True
        ids, due = ids[fresh], due[fresh]
        take = min(n, len(ids))
        extra = min(spare, len(ids) - take)
        served, overflow = [ids[:take]], ids[take:take + extra]
        self.backlog, self.backlog_due = ids[take + extra:], due[take + extra:]
        need = n - take
        for future in range(day + 1, min(day + PULL_FORWARD_DAYS, N_DAYS - 1) + 1):
            if need <= 0:
                break
            if future not in self.buckets:
                continue
            waiting = np.concatenate(self.buckets.pop(future))
            served.append(waiting[:need])
            self.stats["pulled_forward"] += min(need, len(waiting))
            if len(waiting) > need:
                self.buckets[future] = [waiting[need:]]
            need -= min(need, len(waiting))
        out = np.concatenate(served)
        self.stats["served"] += len(out) + extra
        self.stats["overflow"] += extra
        self.stats["slots_to_new"] += n - len(out)
        return out, overflow

    def pay(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Record a paid order of each customer on ``day``; schedule their next purchase.

        After a repeat purchase the customer stops with probability ``p_drop``; the first
        purchase in the data is the customer's start (no dropout), as in BG/NBD. Returns a
        mask of customers who had paid before (in the data).
        """
        last = self.last[ids].astype(np.int64)
        returning = last >= 0
        self.stats["gap_sum"] += int((day - last[returning]).sum())
        self.stats["gap_count"] += int(returning.sum())
        first = self.first[ids].astype(np.int64)
        self.first[ids[first < 0]] = day
        self.rep90[ids[(first >= 0) & (day - first <= REPEAT_WINDOW_DAYS)]] = True
        self.last[ids] = day
        stop = returning & (self.rng.random(len(ids)) < self.p_drop[ids])
        self.dead[ids[stop]] = True
        again = ids[~stop]
        gap = np.ceil(self.rng.exponential(1.0, len(again)) / self.lam[again])
        self._schedule(again, day + np.clip(gap, 1, 2 * N_DAYS).astype(np.int64))
        return returning

    def customer_truth(self) -> dict[str, np.ndarray]:
        """Per paying customer: index, true rate, dropout probability and state at the end."""
        n = self.n
        paid = np.nonzero(self.first[:n] >= 0)[0]
        return {"index": paid, "lam": self.lam[paid], "p_drop": self.p_drop[paid],
                "alive": ~self.dead[paid], "prior": paid < self.stats["prior_customers"]}

    def repeat_truth(self) -> dict:
        """Repeat-purchase statistics as an analyst computes them from the paid orders."""
        first = self.first[: self.n].astype(np.int64)
        cohort = (first >= 0) & (first <= N_DAYS - 1 - REPEAT_WINDOW_DAYS)
        n_cohort = int(cohort.sum())
        gaps = self.stats["gap_count"]
        return {
            "first_buyers_cohort": n_cohort,
            "share_repurchase_within_90_days": (
                float(self.rep90[: self.n][cohort].sum() / n_cohort) if n_cohort else None),
            "mean_days_between_purchases": self.stats["gap_sum"] / gaps if gaps else None,
            "paying_customers": int((first >= 0).sum()),
        }


# ------------------------------------------------------------------------- writers
def _decimals(table: str, column: str) -> int:
    """Decimals a float column is rounded to in the files."""
    return DECIMALS.get((table, column), 2)


def _fixed(values: pa.Array, decimals: int) -> pa.Array:
    """Non-negative floats as fixed-point text (``12.50``); nulls stay null."""
    x = values.to_numpy(zero_copy_only=False).astype(float)
    valid = ~np.isnan(x)
    scaled = np.rint(np.where(valid, x, 0.0) * 10**decimals).astype(np.int64)
    text = pa.array(scaled // 10**decimals).cast(pa.string())
    if decimals:
        frac = pc.utf8_lpad(pa.array(scaled % 10**decimals).cast(pa.string()), decimals, "0")
        text = pc.binary_join_element_wise(text, frac, ".")
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))


def _csv_text(table: str, column: str, kind: str, values: pa.Array) -> pa.Array:
    """One typed column rendered as CSV text per the file conventions."""
    if kind == "str":
        return values
    if kind == "float":
        return _fixed(values, _decimals(table, column))
    if kind == "datetime":
        return pc.strftime(values, format="%Y-%m-%d %H:%M:%S")
    if kind == "bool":
        return pc.if_else(values, "true", "false")
    return values.cast(pa.string())  # int, date (ISO)


class _Writer:
    """Writes one contract table in chunks, as CSV (UTF-8, no BOM) or Parquet."""

    def __init__(self, out_dir: Path, name: str, fmt: str) -> None:
        self.name = name
        self.columns = TABLES[name].columns
        self.schema = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in self.columns])
        self.path = out_dir / f"{name}.{fmt}"
        self.fmt = fmt
        self.rows = 0
        if fmt == "csv":
            self._fh = open(self.path, "wb")  # closed in close()
            self._fh.write((",".join(c.name for c in self.columns) + "\n").encode("utf-8"))
        else:
            # Parquet stores no write time; with fixed options the bytes are identical
            # between runs (created_by only carries the pyarrow version).
            self._pq = pq.ParquetWriter(self.path, self.schema, compression="zstd",
                                        compression_level=3, write_page_index=False)

    def write(self, data: dict[str, pa.Array]) -> None:
        """Append rows given as typed arrays keyed by contract column name."""
        if set(data) != {c.name for c in self.columns}:
            raise ValueError(f"{self.name}: columns differ from the contract")
        arrays = []
        for col in self.columns:
            arr = data[col.name]
            arr = (arr if isinstance(arr, pa.Array) else pa.array(arr)).cast(ARROW_TYPES[col.kind])
            if col.kind == "float":  # the same rounding in both formats
                x = arr.to_numpy(zero_copy_only=False).astype(float)
                dec = _decimals(self.name, col.name)
                arr = pa.array(np.round(x, dec), mask=np.isnan(x), type=pa.float64())
            arrays.append(arr)
        if not arrays or len(arrays[0]) == 0:
            return
        typed = pa.Table.from_arrays(arrays, schema=self.schema)
        self.rows += typed.num_rows
        if self.fmt == "parquet":
            self._pq.write_table(typed)
            return
        text = pa.Table.from_arrays(
            [_csv_text(self.name, c.name, c.kind, typed.column(c.name).combine_chunks())
             for c in self.columns], names=[c.name for c in self.columns])
        # quoting_style="none" raises if a value ever contains a separator or quote.
        pacsv.write_csv(text, self._fh,
                        pacsv.WriteOptions(include_header=False, quoting_style="none"))

    def close(self) -> int:
        """Finish the file and return the number of rows written."""
        if self.fmt == "csv":
            self._fh.close()
        else:
            self._pq.close()
        return self.rows


def _write_table(out_dir: Path, name: str, fmt: str, data: dict) -> int:
    """Write a whole (small) table at once; returns the row count."""
    writer = _Writer(out_dir, name, fmt)
    writer.write(data)
    return writer.close()


def _take(names: list[str] | tuple[str, ...], idx: np.ndarray) -> pa.Array:
    """Strings by index; index -1 gives null."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(list(names), pa.string()).take(pa.array(idx, mask=idx < 0))


def _timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds as a timestamp array (null where not valid)."""
    mask = None if valid is None else ~valid
    return pa.array(seconds, pa.int64(), mask=mask).cast(pa.timestamp("s"))


def _dates(days: np.ndarray) -> pa.Array:
    """Day indices as a date32 array."""
    epoch = _epoch_day(np.asarray(days, dtype=np.int64))
    return pa.array(epoch, pa.int64()).cast(pa.int32()).cast(pa.date32())


def _customer_ids(idx: np.ndarray) -> pa.Array:
    """Customer indices as ids like ``c00001234``."""
    digits = pa.array(np.asarray(idx, dtype=np.int64) + 1).cast(pa.string())
    return pc.binary_join_element_wise("c", pc.utf8_lpad(digits, 8, "0"), "")


# ---------------------------------------------------------------------- simulation
class _Simulator:
    """Runs the shop day by day and streams orders and refunds to disk."""

    def __init__(self, rng: np.random.Generator, scale: float, demand: _Demand, out_dir: Path,
                 fmt: str) -> None:
        self.rng = rng
        self.scale = scale
        self.demand = demand
        self.products = demand.products
        n_src = len(SOURCES)
        self.is_crm = np.array([s.group == "crm" for s in SOURCES])
        self.returning_share = np.array([s.returning_share for s in SOURCES])
        self.bounce = np.array([s.bounce for s in SOURCES])
        self.extra_pages = np.array([s.extra_pages for s in SOURCES])
        self.apparel = np.array([c.apparel for c in CATEGORIES])[demand.cat]
        self.refund_prob = np.array([c.refund_prob for c in CATEGORIES])[demand.cat]
        shape = (N_DAYS, n_src)
        self.traffic = {k: np.zeros(shape, dtype=np.int64) for k in (
            "visitors", "page_views", "bounced_visitors", "cart_buyers", "order_buyers",
            "paid_buyers", "paid_cents", "returning_buyers")}
        self.months = _month_index()
        n_months = int(self.months[-1]) + 1
        n_products = len(self.products["id"])
        self.product_units = np.zeros((n_months, n_products), dtype=np.int64)
        self.product_cents = np.zeros((n_months, n_products), dtype=np.int64)
        # Prior customers: enough size-biased (rate ~ Gamma(r + 1, alpha)) customers to fill
        # today's returning slots.
        first_month = slice(0, 30)
        slots = (demand.lam_nc[first_month] * demand.conv_nc[first_month]).mean(0)
        demand_returning = float((slots * np.where(self.is_crm, 1.0, self.returning_share)).sum())
        self.customers = _Customers(rng, int(round(demand_returning * BGNBD_ALPHA / (BGNBD_R + 1))))
        self.orders_out = _Writer(out_dir, "orders", fmt)
        self.refunds_out = _Writer(out_dir, "refunds", fmt)
        self.buffer: list[dict] = []
        self.refund_buffer: list[dict] = []
        self.touch_orders: list[dict] = []  # paid orders of the last TOUCH_DAYS days
        self.line_counts = {"paid_lines": 0, "campaign_lines": 0}
        self.after_sales: _AfterSales | None = None  # set by generate_sample

    # -- traffic
    def _traffic(self, day: int) -> dict[str, np.ndarray]:
        """Draw one day's funnel counts per source."""
        rng, d = self.rng, self.demand
        noise = np.exp(rng.normal(0.0, VISITOR_NOISE_SD, len(SOURCES)) - VISITOR_NOISE_SD**2 / 2)
        vis = rng.poisson(d.lam[day] * noise)
        paid = rng.binomial(vis, d.conv[day])
        unpaid = rng.binomial(vis - paid, np.minimum(d.conv[day] * UNPAID_RATIO, 0.5))
        cart = paid + unpaid + rng.binomial(vis - paid - unpaid, d.cart[day])
        bounced = rng.binomial(vis - cart, self.bounce)
        if d.bots[day].any():  # bot visits: one page each, no cart, no order
            bots = rng.poisson(d.bots[day])
            vis, bounced = vis + bots, bounced + bots
        # At least one visitor of a non-empty source saw a second page.
        bounced = np.where((vis > 0) & (bounced >= vis), vis - 1, bounced)
        stayed = vis - bounced
        views = vis + stayed + rng.poisson(stayed * self.extra_pages)
        return {"visitors": vis, "page_views": views, "bounced_visitors": bounced,
                "cart_buyers": cart, "order_buyers": paid + unpaid, "paid_buyers": paid}

    # -- customers
    def _paid_customers(self, day: int, paid: np.ndarray) -> np.ndarray:
        """Customer index of every paid slot (slots ordered by source)."""
        rng = self.rng
        eligible = np.where(self.is_crm, paid, rng.binomial(paid, self.returning_share))
        source = np.repeat(np.arange(len(SOURCES)), paid)
        offset = np.arange(len(source)) - np.repeat(np.cumsum(paid) - paid, paid)
        slots = np.nonzero(offset < eligible[source])[0]
        others = np.nonzero(offset >= eligible[source])[0]
        served, extra = self.customers.serve(day, len(slots), len(others))
        chosen = slots[rng.permutation(len(slots))[: len(served)]]
        spill = others[rng.permutation(len(others))[: len(extra)]]
        cust = np.full(len(source), -1, dtype=np.int64)
        cust[chosen] = served
        cust[spill] = extra
        fresh = cust < 0
        cust[fresh] = self.customers.new(int(fresh.sum()))
        return cust

    # -- one day
    def day(self, day: int) -> None:
        """Simulate one day and buffer its order lines and refunds."""
        counts = self._traffic(day)
        for key, value in counts.items():
            self.traffic[key][day] = value
        source, cust, status = self._orders(day, counts)
        if not len(source):
            return
        rows = self._order_lines(day, source, cust, status)
        self.traffic["paid_cents"][day] = np.bincount(
            rows["source"], weights=rows["paid_cents"], minlength=len(SOURCES)
        ).round().astype(np.int64)
        self.buffer.append(rows)
        self._track_sales(day, rows)
        hits = self._refunds(rows)
        if self.after_sales is not None:
            self.after_sales.day(day, rows, *hits)
        if day >= N_DAYS - TOUCH_DAYS:
            first = np.r_[True, rows["order_id"][1:] != rows["order_id"][:-1]] & rows["paid"]
            self.touch_orders.append({k: rows[k][first]
                                      for k in ("order_id", "order_time", "source")})

    def _orders(self, day: int, counts: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Source, customer and status (0 paid, 1 unpaid, 2 cancelled) of each order."""
        rng = self.rng
        paid = counts["paid_buyers"]
        unpaid = counts["order_buyers"] - paid
        cust_paid = self._paid_customers(day, paid)
        returning = self.customers.pay(cust_paid, day)
        sources = np.arange(len(SOURCES))
        source = np.concatenate([np.repeat(sources, paid), np.repeat(sources, unpaid)])
        n_paid, n_unpaid = int(paid.sum()), int(unpaid.sum())
        self.traffic["returning_buyers"][day] = np.bincount(
            source[:n_paid][returning], minlength=len(SOURCES))
        # Unpaid orders come from visitors who never pay: new ids outside the repeat pool.
        cust = np.concatenate([cust_paid, self.customers.new(n_unpaid)])
        status = np.concatenate([np.zeros(n_paid, dtype=np.int64),
                                 1 + (rng.random(n_unpaid) < CANCELLED_SHARE)])
        return source, cust, status

    def _order_lines(self, day: int, source: np.ndarray, cust: np.ndarray,
                     status: np.ndarray) -> dict[str, np.ndarray]:
        """Baskets, times and ids of the day's orders, as line arrays in time order."""
        n = len(source)
        ctx = self.demand.context(day)
        lines = _baskets(self.rng, ctx, n)
        order_sec, pay_sec = self._times(day, n, ctx.campaign)
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((np.arange(n), order_sec))] = np.arange(n)  # order ids follow time
        o = lines["order"]
        is_paid = status[o] == 0
        date_code = int(_iso(day).replace("-", ""))
        base = _epoch_day(day) * SECONDS_PER_DAY
        rows = {
            "order_id": date_code * 100_000_000 + rank[o] + 1,
            "order_time": base + order_sec[o],
            "pay_time": base + pay_sec[o],
            "paid": is_paid,
            "customer": cust[o],
            "product": lines["product"],
            "units": lines["units"],
            "list_price": lines["list_price"],
            "paid_cents": np.where(is_paid, lines["paid"], 0),
            "source": source[o],
            "campaign": np.where(lines["tagged"], ctx.campaign, -1),
            "status": status[o],
        }
        sort = np.argsort(rank[o], kind="stable")
        return {k: v[sort] for k, v in rows.items()}

    def _track_sales(self, day: int, rows: dict[str, np.ndarray]) -> None:
        """Accumulate paid units and cents per product and month (for the market table)."""
        m = self.months[day]
        paid = rows["paid"]
        np.add.at(self.product_units[m], rows["product"][paid], rows["units"][paid])
        np.add.at(self.product_cents[m], rows["product"][paid], rows["paid_cents"][paid])
        self.line_counts["paid_lines"] += int(paid.sum())
        self.line_counts["campaign_lines"] += int((rows["campaign"] >= 0).sum())

    def _times(self, day: int, n: int, campaign: int) -> tuple[np.ndarray, np.ndarray]:
        """Order and payment second-of-day; payment a few minutes later, same day."""
        rng = self.rng
        hours = HOURS / HOURS.sum()
        spec = CAMPAIGNS[campaign] if campaign >= 0 else None
        big_day = spec is not None and spec.peak_day is not None and (
            day in (_day(spec.start), _day(spec.peak_day)))
        if big_day:
            hours = (1 - MIDNIGHT_RUSH) * hours + MIDNIGHT_RUSH * (np.arange(24) == 0)
        hour = np.minimum(np.searchsorted(np.cumsum(hours), rng.random(n), side="right"), 23)
        order_sec = hour * 3600 + rng.integers(0, 3600, n)
        delay = 5 + np.floor(rng.exponential(150.0, n)).astype(np.int64)
        return order_sec, np.minimum(order_sec + delay, SECONDS_PER_DAY - 1)

    def _refunds(self, rows: dict[str, np.ndarray]) -> None:
        """Refund some paid lines 1-20 days later; refunds after the period are censored."""
        rng = self.rng
        idx = np.nonzero(rows["paid"])[0]
        prod = rows["product"][idx]
        prob = self.refund_prob[prod] * np.where(rows["campaign"][idx] >= 0,
                                                 CAMPAIGN_REFUND_MULTIPLIER, 1.0)
        hit = rng.random(len(idx)) < prob
        idx, prod = idx[hit], prod[hit]
        m = len(idx)
        apparel = self.apparel[prod]
        shipped = rng.random(m) < np.where(apparel, SHIPPED_PROB[True], SHIPPED_PROB[False])
        reason = np.where(
            shipped,
            np.where(apparel, _draw_reason(rng, REASON_WEIGHTS_APPAREL, m),
                     _draw_reason(rng, REASON_WEIGHTS_OTHER, m)),
            _draw_reason(rng, REASON_WEIGHTS_UNSHIPPED, m))
        partial = shipped & np.isin(reason, PARTIAL_REASONS) & (rng.random(m) < 0.35)
        paid = rows["paid_cents"][idx]
        amount = np.where(partial, np.floor(paid * rng.uniform(0.2, 0.5, m)).astype(np.int64), paid)
        qty = np.where(shipped & ~partial, rows["units"][idx], 0)
        lo = np.where(shipped, REFUND_DAYS_SHIPPED[0], REFUND_DAYS_UNSHIPPED[0])
        hi = np.where(shipped, REFUND_DAYS_SHIPPED[1], REFUND_DAYS_UNSHIPPED[1])
        after = np.rint(rng.uniform(lo, hi) * SECONDS_PER_DAY).astype(np.int64)
        when = rows["pay_time"][idx] + after
        inside = when < (_epoch_day(N_DAYS - 1) + 1) * SECONDS_PER_DAY
        self.refund_buffer.append({
            "order_id": rows["order_id"][idx][inside], "product": prod[inside],
            "refund_time": when[inside], "amount": amount[inside], "quantity": qty[inside],
            "reason": reason[inside], "shipped": shipped[inside]})
        return idx, shipped, inside

    # -- output
    def flush(self) -> None:
        """Write the buffered month of orders and refunds."""
        if self.buffer:
            rows = {k: np.concatenate([b[k] for b in self.buffer]) for k in self.buffer[0]}
            self.orders_out.write(_order_columns(rows, self.products["id"]))
        if self.refund_buffer:
            rows = {k: np.concatenate([b[k] for b in self.refund_buffer])
                    for k in self.refund_buffer[0]}
            self.refunds_out.write(_refund_columns(rows, self.products["id"]))
        self.buffer, self.refund_buffer = [], []
        if self.after_sales is not None:
            self.after_sales.flush()

    def run(self) -> None:
        """Simulate the whole period, writing at every month end."""
        for day in range(N_DAYS):
            self.day(day)
            month_end = day == N_DAYS - 1 or self.months[day + 1] != self.months[day]
            # Big shops flush mid-month too, so the buffer never outgrows FLUSH_LINES much.
            if month_end or sum(len(b["order_id"]) for b in self.buffer) >= FLUSH_LINES:
                self.flush()
        self.rows = {"orders": self.orders_out.close(), "refunds": self.refunds_out.close()}
        if self.after_sales is not None:
            self.rows.update(self.after_sales.close())


def _draw_reason(rng: np.random.Generator, weights: tuple[float, ...], m: int) -> np.ndarray:
    """Refund reason indices drawn with the given weights."""
    cum = np.cumsum(weights) / sum(weights)
    return np.minimum(np.searchsorted(cum, rng.random(m), side="right"), len(weights) - 1)


def _order_columns(rows: dict[str, np.ndarray], product_ids: np.ndarray) -> dict[str, pa.Array]:
    """Typed orders columns from the simulator's line arrays."""
    return {
        "order_id": pa.array(rows["order_id"]).cast(pa.string()),
        "order_time": _timestamps(rows["order_time"]),
        "pay_time": _timestamps(rows["pay_time"], rows["paid"]),
        "customer_id": _customer_ids(rows["customer"]),
        "product_id": _take(list(product_ids), rows["product"]),
        "quantity": pa.array(rows["units"], pa.int64()),
        "list_price": pa.array(rows["list_price"] / 100.0),
        "paid_amount": pa.array(rows["paid_cents"] / 100.0),
        "source": _take([s.name for s in SOURCES], rows["source"]),
        "campaign_id": _take([c.campaign_id for c in CAMPAIGNS], rows["campaign"]),
        "status": _take(ORDER_STATUSES, rows["status"]),
    }


def _refund_columns(rows: dict[str, np.ndarray], product_ids: np.ndarray) -> dict[str, pa.Array]:
    """Typed refunds columns from the simulator's refund arrays."""
    return {
        "order_id": pa.array(rows["order_id"]).cast(pa.string()),
        "product_id": _take(list(product_ids), rows["product"]),
        "refund_time": _timestamps(rows["refund_time"]),
        "refund_amount": pa.array(rows["amount"] / 100.0),
        "quantity": pa.array(rows["quantity"], pa.int64()),
        "reason": _take(REFUND_REASONS, rows["reason"]),
        "shipped": pa.array(rows["shipped"], pa.bool_()),
    }


# ------------------------------------------------------------------- small tables
def _traffic_columns(sim: _Simulator) -> dict[str, pa.Array]:
    """Typed traffic columns, one row per (date, source), sources in declared order."""
    n_src = len(SOURCES)
    t = sim.traffic
    return {
        "date": _dates(np.repeat(np.arange(N_DAYS), n_src)),
        "source": _take([s.name for s in SOURCES], np.tile(np.arange(n_src), N_DAYS)),
        "source_group": _take([s.group for s in SOURCES], np.tile(np.arange(n_src), N_DAYS)),
        **{k: pa.array(t[k].ravel(), pa.int64()) for k in (
            "visitors", "page_views", "bounced_visitors", "cart_buyers", "order_buyers",
            "paid_buyers")},
        "paid_amount": pa.array(t["paid_cents"].ravel() / 100.0),
    }


def _product_columns(products: dict, price: np.ndarray) -> dict[str, pa.Array]:
    """Typed products columns; list_price is the price on the last day."""
    brands = [CATEGORIES[c].brand for c in products["category"]]
    return {
        "product_id": pa.array(list(products["id"]), pa.string()),
        "title": pa.array(products["title"], pa.string()),
        "category": _take([c.name for c in CATEGORIES], products["category"]),
        "brand": pa.array(brands, pa.string()),
        "unit_cost": pa.array(products["cost"] / 100.0),
        "list_price": pa.array(price[-1] / 100.0),
        "launch_date": _dates(products["launch"]),
    }


def _campaign_columns(scale: float) -> dict[str, pa.Array]:
    """Typed campaigns columns; fixed costs scale with the shop."""
    def days(texts: list[str | None]) -> pa.Array:
        idx = np.array([_day(t) if t else 0 for t in texts])
        return pc.if_else(pa.array([t is not None for t in texts]), _dates(idx),
                          pa.scalar(None, pa.date32()))

    return {
        "campaign_id": pa.array([c.campaign_id for c in CAMPAIGNS]),
        "name": pa.array([c.name for c in CAMPAIGNS]),
        "mechanic": pa.array([c.mechanic for c in CAMPAIGNS]),
        "threshold": pa.array([c.threshold for c in CAMPAIGNS], pa.float64()),
        "reduction": pa.array([c.reduction for c in CAMPAIGNS], pa.float64()),
        "discount_rate": pa.array([c.discount_rate for c in CAMPAIGNS], pa.float64()),
        "warmup_start": days([c.warmup_start for c in CAMPAIGNS]),
        "start": days([c.start for c in CAMPAIGNS]),
        "end": days([c.end for c in CAMPAIGNS]),
        "budget": pa.array([round(c.budget * scale, 2) for c in CAMPAIGNS]),
    }


def _lognormal(rng: np.random.Generator, sd: float, size) -> np.ndarray:
    """Mean-one log-normal noise."""
    return np.exp(rng.normal(0.0, sd, size) - sd**2 / 2)


def _gross_margin(sim: _Simulator) -> float:
    """Realised gross margin of paid sales (1 - cost of units / paid amount)."""
    cost = float((sim.product_units.sum(0) * sim.products["cost"]).sum())
    sales = float(sim.product_cents.sum())
    return 1.0 - cost / sales if sales else 0.5


def _ads(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Ads report per (date, channel, plan) tied to the paid sources' traffic and orders."""
    names = [s.name for s in SOURCES]
    vis, buyers, cents = (sim.traffic[k] for k in ("visitors", "paid_buyers", "paid_cents"))
    cpc_mult = sim.demand.effects["cpc"]
    per_plan: list[dict[str, np.ndarray]] = []
    for channel in dict.fromkeys(p.channel for p in PLANS):  # declared order
        s = names.index(channel)
        plans = [p for p in PLANS if p.channel == channel]
        clicks_left = vis[:, s] + rng.binomial(vis[:, s], REPEAT_CLICK_RATE)
        share_left = 1.0
        conv_norm = sum(p.click_share * p.conv_mult for p in plans)
        mean_aov = cents[:, s].sum() / max(buyers[:, s].sum(), 1)
        aov = np.where(buyers[:, s] > 0, cents[:, s] / np.maximum(buyers[:, s], 1), mean_aov)
        for i, plan in enumerate(plans):
            if i == len(plans) - 1:
                clicks = clicks_left
            else:
                clicks = rng.binomial(clicks_left, plan.click_share / share_left)
                clicks_left = clicks_left - clicks
                share_left -= plan.click_share
            # Impressions until `clicks` clicks at the true CTR (negative binomial).
            impressions = clicks + np.where(
                clicks > 0, rng.negative_binomial(np.maximum(clicks, 1), plan.ctr), 0)
            expected = (buyers[:, s] * plan.click_share * plan.conv_mult / conv_norm
                        * WINDOW_FACTOR[plan.window_days])
            orders = rng.poisson(expected)
            amount = np.rint(orders * aov * plan.aov_mult * _lognormal(rng, 0.1, N_DAYS))
            if channel == COMMISSION_CHANNEL:
                spend = np.rint(amount * plan.cpc)
            else:
                spend = np.rint(clicks * plan.cpc * 100 * cpc_mult * _lognormal(rng, 0.08, N_DAYS))
            per_plan.append({"impressions": impressions, "clicks": clicks, "spend": spend,
                             "orders": orders, "amount": amount})
    n_plans = len(PLANS)

    def interleave(key: str) -> np.ndarray:  # rows ordered by date, then plan
        return np.stack([p[key] for p in per_plan], axis=1).ravel()

    plan_idx = np.tile(np.arange(n_plans), N_DAYS)
    columns = {
        "date": _dates(np.repeat(np.arange(N_DAYS), n_plans)),
        "channel": _take([p.channel for p in PLANS], plan_idx),
        "plan": _take([p.plan for p in PLANS], plan_idx),
        "impressions": pa.array(interleave("impressions"), pa.int64()),
        "clicks": pa.array(interleave("clicks"), pa.int64()),
        "spend": pa.array(interleave("spend") / 100.0),
        "attributed_orders": pa.array(interleave("orders"), pa.int64()),
        "attributed_amount": pa.array(interleave("amount") / 100.0),
        "attribution_window_days": pa.array(
            np.array([p.window_days for p in PLANS])[plan_idx], pa.int64()),
    }
    return columns, _ads_truth(per_plan, _gross_margin(sim))


def _ads_truth(per_plan: list[dict[str, np.ndarray]], margin: float) -> dict:
    """True plan parameters and which plans lose or make money."""
    breakeven = 1.0 / margin if margin > 0 else None
    plans = {}
    for plan, data in zip(PLANS, per_plan, strict=True):
        spend = float(data["spend"].sum())
        roas = float(data["amount"].sum()) / spend if spend else None
        verdict = None
        if roas is not None and breakeven is not None:
            verdict = ("loss_making" if roas < 0.75 * breakeven
                       else "profitable" if roas > 1.5 * breakeven else "marginal")
        plans[plan.plan] = {
            "channel": plan.channel,
            "ctr": plan.ctr,
            "cpc": None if plan.channel == COMMISSION_CHANNEL else plan.cpc,
            "commission_rate": plan.cpc if plan.channel == COMMISSION_CHANNEL else None,
            "conversion_multiplier": plan.conv_mult,
            "order_value_multiplier": plan.aov_mult,
            "attribution_window_days": plan.window_days,
            "observed_roas": roas,
            "verdict": verdict,
        }
    return {
        "plans": plans,
        "gross_margin": margin,
        "breakeven_roas": breakeven,
        "loss_making_plans": sorted(k for k, v in plans.items() if v["verdict"] == "loss_making"),
        "profitable_plans": sorted(k for k, v in plans.items() if v["verdict"] == "profitable"),
        "attribution_factor_by_window": {str(k): v for k, v in WINDOW_FACTOR.items()},
        "cpc_multiplier": {"warmup": WARMUP_CPC_MULTIPLIER, "event": EVENT_CPC_MULTIPLIER},
        "clicks_per_visitor": 1 + REPEAT_CLICK_RATE,
    }


def _month_starts() -> np.ndarray:
    """Day index of the first day of every month of the period."""
    months = _month_index()
    return np.nonzero(np.r_[True, months[1:] != months[:-1]])[0]


def _month_coverage() -> np.ndarray:
    """Share of each calendar month inside the period (Nov 2026 is half a month)."""
    starts = START + _month_starts().astype("timedelta64[D]")
    months = starts.astype("datetime64[M]")
    calendar = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(int)
    return np.bincount(_month_index()) / calendar


def _market_factor(cat: CategorySpec) -> np.ndarray:
    """Monthly market size multiplier of a category (season, events, growth, coverage)."""
    starts = _month_starts()
    mid = np.minimum(starts + 14, N_DAYS - 1)
    season = _yearly_cosine(cat.season_amp, cat.season_peak)[mid]
    months = (START + starts.astype("timedelta64[D]")).astype("datetime64[M]")
    month_of_year = months.astype(int) % 12 + 1
    events = np.array([MARKET_MONTH_FACTOR.get(int(m), 1.0) for m in month_of_year])
    growth = 1 + MARKET_GROWTH * starts / 365.25
    return season * events * growth * _month_coverage()


def _competitors(rng: np.random.Generator, own_sales: np.ndarray) -> list[dict]:
    """Competitor listings with their monthly true and reported units and prices."""
    n_months = len(_month_starts())
    listings = []
    for ci, cat in enumerate(CATEGORIES):
        pool = COMPETITOR_SHOPS[CATEGORY_SHOP_POOL[cat.name]]
        factor = _market_factor(cat)
        full = _month_coverage() > 0.99
        own_avg = own_sales[full, ci].mean() if full.any() else 0.0
        target = own_avg * (1 / cat.market_share - 1)  # monthly competitor sales
        weight = rng.lognormal(0.0, 0.8, COMPETITORS_PER_CATEGORY)
        for k in range(COMPETITORS_PER_CATEGORY):
            shop = pool[rng.integers(len(pool))]
            lo, hi = cat.price_range
            launch_price = _round_price(np.exp(rng.uniform(np.log(lo), np.log(hi)))) / 100
            price = np.full(n_months, launch_price)
            words = [slot[rng.integers(len(slot))] for slot in cat.words]
            brand = shop.removesuffix("旗舰店").removesuffix("专营店").removesuffix("店")
            base_sales = (target * weight[k] / weight.sum() / factor[full].mean()
                          if full.any() else 0.0)
            listings.append({
                "category": ci, "shop": shop, "brand": brand,
                "title": np.array([" ".join([brand, *words])] * n_months, dtype=object),
                "price": price, "base_units": base_sales / price[0], "factor": factor,
                "conversion": rng.uniform(0.02, 0.06), "rating": round(rng.uniform(4.5, 4.95), 2),
                "reviews0": int(rng.lognormal(7.0, 1.0)),
                "index_only": bool(rng.random() < INDEX_ONLY_SHARE),
                "first_month": 0 if rng.random() < 0.85 else int(rng.integers(3, 16)),
                "fake": np.zeros(n_months),
            })
    ids = _unique_ids(rng, len(listings), 500_000_000_000, 600_000_000_000).astype(str)
    for listing, lid in zip(listings, ids, strict=True):
        listing["listing_id"] = lid
    return listings


def _competitor_events(rng: np.random.Generator, listings: list[dict]) -> tuple[list, list]:
    """Price cuts with new titles on known months, and fake-order (刷单) listings."""
    n_months = len(_month_starts())
    # Only listings present from the start, so every event has months before it.
    present = np.array([i for i, lst in enumerate(listings) if lst["first_month"] == 0])
    chosen = rng.choice(present, N_COMPETITOR_CHANGES + N_FAKE_LISTINGS, replace=False)
    changes, fakes = [], []
    for i in chosen[:N_COMPETITOR_CHANGES]:
        lst = listings[int(i)]
        month = int(rng.integers(5, n_months - 2))
        old_price = float(lst["price"][month])
        new_price = float(_round_price(old_price * COMPETITOR_PRICE_CUT) / 100)
        old_title = str(lst["title"][month])
        new_title = old_title.replace(lst["brand"], f"{lst['brand']} 限时直降", 1)
        lst["price"][month:] = new_price
        lst["title"][month:] = new_title
        changes.append({"listing_id": lst["listing_id"], "shop": lst["shop"],
                        "category": CATEGORIES[lst["category"]].name,
                        "month": _iso(_month_starts()[month]), "old_price": old_price,
                        "new_price": new_price, "old_title": old_title, "new_title": new_title})
    for i in chosen[N_COMPETITOR_CHANGES:]:
        lst = listings[int(i)]
        month = int(rng.integers(4, n_months - 6))
        mult = float(rng.uniform(2.0, 4.0))
        lst["fake"][month:] = mult
        fakes.append({"listing_id": lst["listing_id"], "shop": lst["shop"],
                      "category": CATEGORIES[lst["category"]].name,
                      "from_month": _iso(_month_starts()[month]), "fake_units_per_real_unit": mult})
    return changes, fakes


def _market(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Monthly category listings: ours (exact from orders) and competitors'."""
    cat = sim.products["category"]
    n_months = len(_month_starts())
    own_sales = np.zeros((n_months, len(CATEGORIES)))
    np.add.at(own_sales.T, cat, sim.product_cents.T / 100.0)
    listings = _competitors(rng, own_sales)
    changes, fakes = _competitor_events(rng, listings)
    visitors = sim.traffic["visitors"].sum()
    shop_conv = sim.traffic["paid_buyers"].sum() / visitors if visitors else 0.02
    rows: dict[str, list] = {k: [] for k in (
        "month", "category", "shop", "brand", "listing_id", "title", "price", "units",
        "true_units", "is_own", "reviews", "rating", "visitors")}
    own_reviews = np.where(sim.products["launch"] < 0,
                           rng.lognormal(6.0, 1.0, len(cat)).astype(np.int64), 0).astype(float)
    own_rating = rng.uniform(4.6, 4.9, len(cat))
    comp_reviews = np.array([lst["reviews0"] for lst in listings], dtype=float)
    for m in range(n_months):
        for ci, category in enumerate(CATEGORIES):
            for j in np.nonzero((cat == ci) & (sim.product_units[m] > 0))[0]:
                units = int(sim.product_units[m, j])
                own_reviews[j] += units * REVIEW_RATE
                _market_row(rows, m, category.name, SHOP, category.brand,
                            str(sim.products["id"][j]), sim.products["title"][j],
                            round(sim.product_cents[m, j] / units / 100, 2), units, units, True,
                            own_reviews[j], own_rating[j], units / shop_conv)
            for li, lst in enumerate(listings):
                if lst["category"] != ci or m < lst["first_month"]:
                    continue
                price = float(lst["price"][m])
                # Competitors respond to their own price cuts with the category elasticity.
                elastic = (price / lst["price"][0]) ** category.elasticity
                true = int(rng.poisson(lst["base_units"] * lst["factor"][m] * elastic
                                       * _lognormal(rng, 0.12, None)))
                reported = true + int(round(true * lst["fake"][m]))
                comp_reviews[li] += reported * REVIEW_RATE
                rating = 4.95 if lst["fake"][m] > 0 else lst["rating"]
                _market_row(rows, m, category.name, lst["shop"], lst["brand"], lst["listing_id"],
                            str(lst["title"][m]), price, None if lst["index_only"] else reported,
                            reported, False, comp_reviews[li], rating, true / lst["conversion"])
    return _market_columns(rng, rows), _market_truth(rows, changes, fakes)


def _market_row(rows: dict, month: int, category: str, shop: str, brand: str, listing: str,
                title: str, price: float, units: int | None, true_units: int, own: bool,
                reviews: float, rating: float, visitors: float) -> None:
    """Append one market listing-month (``true_units``: units behind the trade index)."""
    for key, value in (("month", month), ("category", category), ("shop", shop),
                       ("brand", brand), ("listing_id", listing), ("title", title),
                       ("price", price), ("units", units), ("true_units", true_units),
                       ("is_own", own), ("reviews", int(round(reviews))), ("rating", rating),
                       ("visitors", visitors)):
        rows[key].append(value)


def _market_columns(rng: np.random.Generator, rows: dict) -> dict[str, pa.Array]:
    """Typed market columns with the platform indices computed from true values."""
    sales = np.array(rows["true_units"], dtype=float) * np.array(rows["price"])
    n = len(sales)
    trade = TRADE_INDEX_A * sales**TRADE_INDEX_B * np.exp(rng.normal(0, TRADE_INDEX_SD, n))
    visitors = np.array(rows["visitors"])
    traffic = (TRAFFIC_INDEX_A * visitors**TRAFFIC_INDEX_B
               * np.exp(rng.normal(0, TRAFFIC_INDEX_SD, n)))
    return {
        "month": _dates(_month_starts()[np.array(rows["month"], dtype=np.int64)]),
        "category": pa.array(rows["category"]),
        "shop": pa.array(rows["shop"]),
        "brand": pa.array(rows["brand"], pa.string()),
        "listing_id": pa.array(rows["listing_id"]),
        "title": pa.array(rows["title"]),
        "price": pa.array(rows["price"], pa.float64()),
        "units": pa.array(rows["units"], pa.float64()),
        "trade_index": pa.array(trade),
        "traffic_index": pa.array(traffic),
        "reviews": pa.array(rows["reviews"], pa.int64()),
        "rating": pa.array(rows["rating"], pa.float64()),
        "is_own": pa.array(rows["is_own"], pa.bool_()),
    }


def _market_truth(rows: dict, changes: list, fakes: list) -> dict:
    """Index transform, our true share per category and the planted competitor events."""
    sales = np.array(rows["true_units"], dtype=float) * np.array(rows["price"])
    own = np.array(rows["is_own"])
    category = np.array(rows["category"], dtype=object)
    share = {}
    for cat in CATEGORIES:
        in_cat = category == cat.name
        total = sales[in_cat].sum()
        share[cat.name] = float(sales[in_cat & own].sum() / total) if total else None
    return {
        "trade_index": {"formula": "trade_index = a * (units * price) ** b * exp(e), "
                                   "e ~ N(0, sd); units include fake orders",
                        "a": TRADE_INDEX_A, "b": TRADE_INDEX_B, "sd": TRADE_INDEX_SD},
        "traffic_index": {"formula": "traffic_index = a * visitors ** b * exp(e), "
                                     "visitors = real units / listing conversion",
                          "a": TRAFFIC_INDEX_A, "b": TRAFFIC_INDEX_B, "sd": TRAFFIC_INDEX_SD},
        "own_share_by_category": share,
        "own_share_definition": "our sales / all listed sales (units * price, index-only "
                                "listings included at their hidden units) over all months",
        "fake_order_suspects": fakes,
        "competitor_changes": changes,
        "shops": 1 + len({s for s, o in zip(rows["shop"], own, strict=True) if not o}),
        "index_only_share_of_competitor_listings": INDEX_ONLY_SHARE,
        "note": "2026-11 covers 1-15 November only; our listings appear in months they sold",
        "months": [_iso(d) for d in _month_starts()],
        "size_definition": "sales = units * price of every listing-month, index-only listings at "
                           "their hidden units, fake orders included (as the platform counts "
                           "them); HHI and CR5 over shops' sales; growth = sales of the last "
                           f"{GROWTH_MONTHS} full months / the same months a year earlier - 1",
        "band_definition": f"{MARKET_BANDS} bands, edges = price_range low * (high / low) ** (k / "
                           f"{MARKET_BANDS}) rounded to 10 yuan, left-closed [edge_k, edge_k+1); "
                           "demand per listing = band sales / listing-months in the band",
        "by_category": _market_category_truth(rows),
        "index_only_units": _index_only_truth(rows),
    }


def _band_edges(cat: CategorySpec) -> list[float]:
    """Inner edges of the truth's price bands: a geometric split of the category's range."""
    lo, hi = cat.price_range
    return [float(np.rint(lo * (hi / lo) ** (k / MARKET_BANDS) / 10) * 10)
            for k in range(1, MARKET_BANDS)]


def _market_category_truth(rows: dict) -> dict:
    """True monthly size, share, concentration, growth and price bands of every category."""
    month = np.array(rows["month"], dtype=np.int64)
    category = np.array(rows["category"], dtype=object)
    shop = np.array(rows["shop"], dtype=object)
    price = np.array(rows["price"], dtype=float)
    units = np.array(rows["true_units"], dtype=float)
    sales, own = units * price, np.array(rows["is_own"])
    n_months = len(_month_starts())
    recent = np.nonzero(_month_coverage() > 0.99)[0][-GROWTH_MONTHS:]
    out = {}
    for cat in CATEGORIES:
        in_cat = category == cat.name
        size = np.bincount(month[in_cat], sales[in_cat], n_months)
        own_sales = np.bincount(month[in_cat & own], sales[in_cat & own], n_months)
        hhi, cr5 = [], []
        for m in range(n_months):
            sel = in_cat & (month == m)
            by_shop = np.bincount(np.unique(shop[sel], return_inverse=True)[1], sales[sel])
            pct = 100 * by_shop / by_shop.sum()
            hhi.append(round(float((pct**2).sum()), 1))
            cr5.append(round(float(np.sort(pct)[::-1][:5].sum() / 100), 4))
        edges = _band_edges(cat)
        band = np.searchsorted(edges, price[in_cat], side="right")
        band_sales = np.bincount(band, sales[in_cat], MARKET_BANDS)
        per_listing = band_sales / np.bincount(band, minlength=MARKET_BANDS)
        out[cat.name] = {
            "sales_by_month": [round(float(x), 2) for x in size],
            "units_by_month": np.bincount(month[in_cat], units[in_cat], n_months).astype(int).tolist(),
            "own_share_by_month": [round(float(x), 4) for x in own_sales / size],
            "hhi_by_month": hhi,
            "cr5_by_month": cr5,
            "growth": round(float(size[recent].sum() / size[recent - 12].sum() - 1), 4),
            "growth_months": [_iso(_month_starts()[m]) for m in recent],
            "band_edges": edges,
            "band_sales_share": [round(float(x), 4) for x in band_sales / band_sales.sum()],
            "band_demand_per_listing": [round(float(x), 2) for x in per_listing],
            "top_band": int(np.argmax(band_sales)),
            "under_supplied_band": int(np.nanargmax(per_listing)),
        }
    return out


def _index_only_truth(rows: dict) -> dict:
    """Hidden true units (fake orders included) of every index-only listing, month by month."""
    out: dict[str, dict] = {}
    for m, lid, shown, true in zip(rows["month"], rows["listing_id"], rows["units"],
                                   rows["true_units"], strict=True):
        if shown is None:
            entry = out.setdefault(lid, {"first_month": _iso(_month_starts()[m]), "units": []})
            entry["units"].append(int(true))
    return out


def _week_event_share() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mondays of the keyword weeks and the share of each week in big-event / warm-up days."""
    mondays = np.arange(_day("2025-01-06"), N_DAYS - 6, 7)
    event = np.zeros(N_DAYS)
    warm = np.zeros(N_DAYS)
    for spec in CAMPAIGNS:
        if not spec.warmup_start:  # only platform events move the whole market
            continue
        win = _campaign_days(spec)
        event[win["event"][0]:win["event"][1] + 1] = 1
        warm[win["warmup"][0]:win["warmup"][1] + 1] = 1
    return mondays, np.add.reduceat(event, mondays) / 7, np.add.reduceat(warm, mondays) / 7


def _keywords(rng: np.random.Generator) -> tuple[dict, dict]:
    """Weekly keyword statistics (搜索分析) following category season and events."""
    mondays, event, warm = _week_event_share()
    n_weeks = len(mondays)
    emerging = {k: (_day(w), f) for k, w, f in EMERGING_KEYWORDS}
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "keyword", "category", "search_popularity", "click_rate", "online_items",
        "conversion_rate", "avg_cpc")}
    for cat in CATEGORIES:
        season = _yearly_cosine(cat.season_amp, cat.season_peak)[mondays + 3]
        for rank, kw in enumerate(KEYWORDS[cat.name]):  # head terms first
            growth = 1 + 0.08 * mondays / 365.25
            if kw in emerging:  # logistic take-off around the given Monday
                day0, factor = emerging[kw]
                growth = growth * (1 + (factor - 1) / (1 + np.exp(-(mondays - day0) / 21.0)))
            pop = (rng.lognormal(10.0 - 0.35 * rank, 0.3) * season * growth
                   * (1 + 0.6 * event + 0.2 * warm) * _lognormal(rng, 0.06, n_weeks))
            cols["keyword"].append(np.full(n_weeks, kw, dtype=object))
            cols["category"].append(np.full(n_weeks, cat.name, dtype=object))
            cols["search_popularity"].append(pop)
            ctr = rng.uniform(0.25, 0.6) * _lognormal(rng, 0.05, n_weeks)
            cols["click_rate"].append(np.clip(ctr, 0.01, 0.95))
            items = (rng.lognormal(13.5 - 0.3 * rank, 0.4) * (1 + 0.15 * mondays / 365.25)
                     * _lognormal(rng, 0.02, n_weeks))
            cols["online_items"].append(np.rint(items).astype(np.int64))
            cr = (rng.uniform(0.01, 0.06) * (1 + 0.5 * event - 0.3 * warm)
                  * _lognormal(rng, 0.08, n_weeks))
            cols["conversion_rate"].append(np.clip(cr, 0.0, 1.0))
            cpc = rng.uniform(0.6, 3.5) * (1 + 0.3 * event) * _lognormal(rng, 0.05, n_weeks)
            cols["avg_cpc"].append(cpc)
    # Rows ordered by week, then keyword in declared order.
    order = lambda key: np.stack(cols[key], axis=1).ravel()  # noqa: E731
    n_kw = len(cols["keyword"])
    columns = {
        "week": _dates(np.repeat(mondays, n_kw)),
        "keyword": pa.array(order("keyword").tolist(), pa.string()),
        "category": pa.array(order("category").tolist(), pa.string()),
        "search_popularity": pa.array(order("search_popularity")),
        "click_rate": pa.array(order("click_rate")),
        "online_items": pa.array(order("online_items"), pa.int64()),
        "conversion_rate": pa.array(order("conversion_rate")),
        "avg_cpc": pa.array(order("avg_cpc")),
    }
    truth = {"emerging": [{"keyword": k, "takeoff_week": w, "popularity_multiplier": f}
                          for k, w, f in EMERGING_KEYWORDS],
             "event_week_multipliers": {"search_popularity": 1.6, "conversion_rate": 1.5,
                                        "avg_cpc": 1.3},
             "weeks": n_weeks}
    return columns, truth


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling sum (shorter at the edges)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.clip(np.arange(len(x)) - window // 2, 0, len(x))
    hi = np.clip(np.arange(len(x)) + window // 2 + 1, 0, len(x))
    return c[hi] - c[lo]


def _peers(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Daily 同行同层 benchmarks derived from our own (smoothed) metrics and fixed gaps."""
    vis = sim.traffic["visitors"].sum(1).astype(float)
    buyers = sim.traffic["paid_buyers"].sum(1).astype(float)
    amount = sim.traffic["paid_cents"].sum(1) / 100.0
    v, b, a = (_rolling_sum(x, PEER_WINDOW) for x in (vis, buyers, amount))

    def ratio(num: np.ndarray, den: np.ndarray, overall: float) -> np.ndarray:
        # Tiny shops can have a week without buyers: fall back to the period value.
        return np.where((den > 0) & (num > 0), num / np.maximum(den, 1e-9), overall)

    ours = {
        "conversion_rate": ratio(b, v, buyers.sum() / max(vis.sum(), 1)),
        "uv_value": ratio(a, v, amount.sum() / max(vis.sum(), 1)),
        "aov": ratio(a, b, amount.sum() / max(buyers.sum(), 1)),
        "visitors": np.maximum(v / PEER_WINDOW, 1.0),
        "paid_amount": np.maximum(a / PEER_WINDOW, 1.0),
    }
    metrics = list(PEER_RATIOS)
    avg = np.stack([ours[m] * PEER_RATIOS[m][0] * _lognormal(rng, PEER_NOISE_SD, N_DAYS)
                    for m in metrics], 1)
    exc = np.stack([ours[m] * PEER_RATIOS[m][1] * _lognormal(rng, PEER_NOISE_SD, N_DAYS)
                    for m in metrics], 1)
    exc = np.maximum(exc, avg * 1.05)  # the excellent line is always above the average
    metric_idx = np.tile(np.arange(len(metrics)), N_DAYS)
    columns = {
        "date": _dates(np.repeat(np.arange(N_DAYS), len(metrics))),
        "metric": _take(metrics, metric_idx),
        "tier": pa.array(np.full(len(metric_idx), TIER, dtype=object).tolist(), pa.string()),
        "peer_avg": pa.array(avg.ravel()),
        "peer_excellent": pa.array(exc.ravel()),
    }
    truth = {
        "tier": TIER,
        "ours_over_peer_avg": {m: 1 / PEER_RATIOS[m][0] for m in metrics},
        "ours_over_peer_excellent": {m: 1 / PEER_RATIOS[m][1] for m in metrics},
        "definition": f"peer = our {PEER_WINDOW}-day centred value * ratio * lognormal noise "
                      f"(sd {PEER_NOISE_SD}); refund_rate not published",
    }
    return columns, truth


def _touchpoints(seed: int, sim: _Simulator) -> tuple[dict, dict]:
    """Touch paths of a random share of the paid orders of the last TOUCH_DAYS days.

    The last touch is the order's own source (``orders.source`` follows the platform's
    last-click convention) a few minutes before the order; 0-3 earlier touches come from
    TOUCH_ASSIST_WEIGHTS, each at least a minute before the next. The paths use their own
    random stream, so the other tables do not depend on them.
    """
    rng = np.random.default_rng([seed, 11])
    names = [s.name for s in SOURCES]
    keys = ("order_id", "order_time", "source")
    orders = {k: np.concatenate([b[k] for b in sim.touch_orders] or [np.empty(0, np.int64)])
              for k in keys}
    keep = rng.random(len(orders["order_id"])) < TOUCH_ORDER_SHARE
    oid, otime, osrc = (orders[k][keep] for k in keys)
    m = len(oid)
    extra = rng.choice(len(TOUCH_EXTRA_PROBS), size=m, p=TOUCH_EXTRA_PROBS)
    counts = extra + 1
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    from_end = np.repeat(counts, counts) - 1 - (np.arange(total) - np.repeat(starts, counts))
    last = from_end == 0
    gap = 60 + np.floor(np.where(last, rng.exponential(LAST_TOUCH_SECONDS, total),
                                 rng.exponential(TOUCH_GAP_SECONDS, total))).astype(np.int64)
    after = np.r_[np.cumsum(gap[::-1])[::-1], 0]  # gaps from each touch to the array's end
    offset = after[:-1] - np.repeat(after[starts + counts], counts)  # ... to its order
    weights = np.array([TOUCH_ASSIST_WEIGHTS[n] for n in names])
    assist = rng.choice(len(names), size=total, p=weights / weights.sum())
    source = np.where(last, np.repeat(osrc, counts), assist)
    columns = {
        "order_id": pa.array(np.repeat(oid, counts)).cast(pa.string()),
        "touch_time": _timestamps(np.repeat(otime, counts) - offset),
        "source": _take(names, source),
    }
    probs = np.array(TOUCH_EXTRA_PROBS)
    share = np.bincount(osrc, minlength=len(names)) / max(m, 1)
    w = weights / weights.sum()
    k = np.arange(len(probs))
    expected = {
        "last_click": share,
        "first_click": probs[0] * share + (1 - probs[0]) * w,
        "linear": sum(p * (share + j * w) / (j + 1) for j, p in zip(k, probs, strict=True)),
        "position_based": (probs[0] * share + probs[1] * (share + w) / 2
                           + probs[2:].sum() * (0.4 * share + 0.6 * w)),
    }
    truth = {
        "days": TOUCH_DAYS, "from": _iso(N_DAYS - TOUCH_DAYS), "order_share": TOUCH_ORDER_SHARE,
        "orders": m, "touches": total,
        "earlier_touch_probabilities": list(TOUCH_EXTRA_PROBS),
        "assist_source_weights": dict(TOUCH_ASSIST_WEIGHTS),
        "mean_gap_hours": TOUCH_GAP_SECONDS / 3600,
        "last_touch": "the order's own source (orders.source), minutes before the order",
        "expected_credit_share": {
            model: {n: float(v) for n, v in zip(names, values, strict=True)}
            for model, values in expected.items()},
        "definition": "expected share of order credit per source given the observed last-touch "
                      "shares; position_based = 40/20/40 (two touches 50/50, one touch 100%)",
    }
    return columns, truth


# --------------------------------------------------------------------------- truth
def _excluded_days() -> tuple[np.ndarray, list[dict]]:
    """Days outside 'normal' trading: campaign windows, Spring Festival, anomalies."""
    excluded = np.zeros(N_DAYS, dtype=bool)
    windows = []
    for spec in CAMPAIGNS:
        win = _campaign_days(spec)
        lo = (win["warmup"] or win["event"])[0]
        hi = (win["post"] or win["event"])[1]
        excluded[lo:hi + 1] = True
        windows.append({"start": _iso(lo), "end": _iso(hi), "reason": spec.campaign_id})
    for text in SPRING_FESTIVALS:
        lo, hi = _day(text) - SF_HALF_WINDOW, _day(text) + SF_HALF_WINDOW
        excluded[lo:hi + 1] = True
        windows.append({"start": _iso(lo), "end": _iso(hi), "reason": f"spring festival {text}"})
    for a in ANOMALIES:
        excluded[_day(a.start):_day(a.end) + 1] = True
        windows.append({"start": a.start, "end": a.end, "reason": f"anomaly {a.source} {a.metric}"})
    return excluded, windows


def _source_truth(sim: _Simulator) -> dict:
    """True conversion per source and its expectation over normal days."""
    excluded, _ = _excluded_days()
    normal = ~excluded
    vis = sim.traffic["visitors"]
    out = {}
    for s, spec in enumerate(SOURCES):
        v = vis[normal, s]
        expected = float((v * sim.demand.conv[normal, s]).sum() / v.sum()) if v.sum() else None
        paid = sim.traffic["paid_buyers"][:, s].sum()
        out[spec.name] = {
            "source_group": spec.group,
            "conversion": spec.conversion,
            "base_visitors": spec.base_visitors * sim.scale,
            "expected_conversion_normal_days": expected,
            "returning_slot_share": spec.returning_share,
            "observed_returning_share": (float(sim.traffic["returning_buyers"][:, s].sum() / paid)
                                         if paid else None),
            "weekday_visitor_profile_mon_to_sun": list(WEEKDAY[spec.group]),
        }
    return out


def _campaign_truth(demand: _Demand, seed: int) -> dict:
    """Expected sales with and without each campaign, per phase (exact buyers, Monte Carlo
    order value with common random numbers)."""
    buyers_with = (demand.lam * demand.conv).sum(1)
    buyers_without = (demand.lam_nc * demand.conv_nc).sum(1)
    out = {}
    for spec in CAMPAIGNS:
        win = _campaign_days(spec)
        entry = {"name": spec.name, "mechanic": spec.mechanic, "scope": spec.scope,
                 "tag_rule": TAG_RULE[spec.mechanic],
                 "multipliers": {
                     "event_visitors": spec.visit_lift, "event_conversion": spec.conv_lift,
                     "peak_day": spec.peak_day, "peak_visitors": spec.peak_visit,
                     "peak_conversion": spec.peak_conv, "warmup_visitors": spec.warm_visit,
                     "warmup_conversion": spec.warm_conv,
                     "post_visitors_first_day": spec.post_visit,
                     "post_conversion_first_day": spec.post_conv,
                     "group_amplifier": CAMPAIGN_VISIT_AMPLIFIER}}
        incremental = 0.0
        for phase in ("warmup", "event", "post"):
            if win[phase] is None:
                entry[phase] = None
                continue
            days = range(win[phase][0], win[phase][1] + 1)
            w_val = [_expected_order_value(demand, seed, d, True) for d in days]
            n_val = (w_val if phase != "event"
                     else [_expected_order_value(demand, seed, d, False) for d in days])
            with_sales = sum(buyers_with[d] * v for d, v in zip(days, w_val, strict=True)) / 100
            without = sum(buyers_without[d] * v for d, v in zip(days, n_val, strict=True)) / 100
            b_with, b_without = buyers_with[list(days)].sum(), buyers_without[list(days)].sum()
            incremental += with_sales - without
            entry[phase] = {"start": _iso(days[0]), "end": _iso(days[-1]),
                            "expected_sales": with_sales, "expected_sales_without": without,
                            "relative_change_sales": with_sales / without - 1,
                            "relative_change_paid_buyers": float(b_with / b_without - 1)}
        entry["uplift"] = entry["event"]["relative_change_sales"]
        entry["pull_forward_before"] = (entry["warmup"]["relative_change_sales"]
                                        if entry["warmup"] else None)
        entry["pull_forward_after"] = (entry["post"]["relative_change_sales"]
                                       if entry["post"] else None)
        entry["incremental_sales_all_phases"] = incremental
        out[spec.campaign_id] = entry
    return out


def _category_truth(sim: _Simulator) -> dict:
    """Elasticity, refund probability and demand parameters per category."""
    out = {}
    for ci, cat in enumerate(CATEGORIES):
        peak = START.astype("datetime64[Y]") + np.timedelta64(cat.season_peak, "D")
        out[cat.name] = {
            "elasticity": cat.elasticity,
            "refund_probability": cat.refund_prob,
            "n_products": int((sim.products["category"] == ci).sum()),
            "price_range": list(cat.price_range),
            "demand_weight": cat.weight,
            "season_amplitude": cat.season_amp,
            "season_peak": str(peak)[5:],
            "brand": cat.brand,
            "apparel": cat.apparel,
        }
    return out


def _repeat_truth(sim: _Simulator) -> dict:
    """Parametric and observed repeat-purchase truth (per customer: CUSTOMER_TRUTH_FILE)."""
    stats = sim.customers.stats
    r, alpha, a, b = BGNBD_R, BGNBD_ALPHA, BGNBD_A, BGNBD_B
    return {
        "model": "BG/NBD (Fader, Hardie & Lee 2005): each customer buys at rate lam ~ "
                 "Gamma(shape r, rate alpha) per day while active and, after each repeat "
                 "purchase, stops for good with probability p ~ Beta(a, b); due customers "
                 "take returning-buyer slots (mostly CRM sources), then other buyer slots "
                 "(overflow); free returning slots pull forward customers due within "
                 "pull_forward_days, then go to new customers",
        "bgnbd": {"r": r, "alpha_days": alpha, "a": a, "b": b},
        "mean_purchase_rate_per_day": r / alpha,
        "mean_dropout_probability": a / (a + b),
        "probability_repurchase_within_90_days": 1 - (alpha / (alpha + REPEAT_WINDOW_DAYS)) ** r,
        "customer_truth_file": f"{CUSTOMER_TRUTH_FILE}.csv (or .parquet): customer_id, "
                               "purchase_rate_per_day (lam), dropout_probability (p), "
                               "alive_at_end (not dropped out by the last day), "
                               "before_data (bought before 2025: size-biased rate, Gamma(r + 1, "
                               "alpha), so leave them out when checking a fit)",
        "max_wait_days": MAX_WAIT_DAYS, "pull_forward_days": PULL_FORWARD_DAYS,
        "queue": {k: stats[k] for k in ("prior_customers", "served", "pulled_forward",
                                        "overflow", "dropped", "slots_to_new")},
        "observed": sim.customers.repeat_truth(),
        "customer_id_always_present": True,
        "unpaid_orders_customers": "new ids that never pay",
    }


def _write_customer_truth(out_dir: Path, fmt: str, sim: _Simulator) -> int:
    """Write each paying customer's true rate, dropout probability and state at the end."""
    t = sim.customers.customer_truth()
    table = pa.table({
        "customer_id": _customer_ids(t["index"]),
        "purchase_rate_per_day": pa.array(np.round(t["lam"], 8)),
        "dropout_probability": pa.array(np.round(t["p_drop"], 6)),
        "alive_at_end": pa.array(t["alive"]),
        "before_data": pa.array(t["prior"]),
    })
    path = out_dir / f"{CUSTOMER_TRUTH_FILE}.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd", compression_level=3)
    else:
        text = pa.table({
            "customer_id": table["customer_id"],
            "purchase_rate_per_day": _fixed(table["purchase_rate_per_day"].combine_chunks(), 8),
            "dropout_probability": _fixed(table["dropout_probability"].combine_chunks(), 6),
            "alive_at_end": pc.if_else(table["alive_at_end"], "true", "false"),
            "before_data": pc.if_else(table["before_data"], "true", "false"),
        })
        with open(path, "wb") as fh:
            fh.write((",".join(text.column_names) + "\n").encode("utf-8"))
            pacsv.write_csv(text, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return table.num_rows


def _clean(obj):
    """JSON-ready copy: numpy scalars to Python, floats rounded to 6 decimals."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return round(x, 6) if math.isfinite(x) else None
    return obj


# ------------------------------------------------------------- product selection
# Product tests (测款), candidate products (选品) and the keywords no title carries. All of
# it draws from its own random streams ([seed, 17] tests, [seed, 19] candidates), so every
# other table is byte-identical with or without it.
# (test_id, element, start, days, category whose most popular mature product is tested, mean
#  impressions per variant per day, variants: (name, price multiplier, click rate, add-to-cart
#  per click, order per add-to-cart)). Image and title tests are judged on the click rate,
#  price tests on orders per click (the listing's price does not change who clicks).
PRODUCT_TESTS = (
    ("T-2026-03-主图", "main_image", "2026-03-02", 14, "女装T恤", 2000,
     (("A", 1.0, 0.030, 0.10, 0.30), ("B", 1.0, 0.039, 0.10, 0.30), ("C", 1.0, 0.031, 0.10, 0.30))),
    ("T-2026-05-标题", "title", "2026-05-11", 14, "家居收纳", 2000,
     (("A", 1.0, 0.025, 0.09, 0.32), ("B", 1.0, 0.025, 0.09, 0.32))),
    ("T-2026-08-价格", "price", "2026-08-03", 14, "女装连衣裙", 6000,
     (("A", 1.0, 0.028, 0.08, 0.26), ("B", 0.85, 0.028, 0.08, 0.40))),
)
PRIMARY_METRIC = {"main_image": "click_rate", "title": "click_rate", "price": "order_rate"}
# Candidates: a latent appeal L = log(popularity) ~ N(0, 0.9), the same law as the shop's
# products; the signals a scorecard sees are noisy measurements of L, and success is the
# expected first-90-day sales, popularity x category weight x price (the shop's demand model).
N_NEW_CANDIDATES = 40
CANDIDATE_SUCCESS_SHARE = 0.3  # the top 30% of new candidates by expected sales succeed
ASSESS_DAYS_BEFORE_LAUNCH = 30  # a launched candidate's signals were collected a month before
CANDIDATES_WITHOUT_REVIEWS = 4  # brand-new items with no reviews yet (rating empty)
SIGNAL = {"demand_slope": 0.8, "demand_sd": 0.45, "rating_base": 4.55, "rating_slope": 0.12,
          "rating_sd": 0.12, "reviews_base": 60.0, "reviews_slope": 0.7, "cost_sd": 0.06,
          "competitors_sd": 0.35}
# Keywords buyers search that no title carries: (keyword, the root no title slot contains).
TITLE_GAPS = (("小个子连衣裙", "小个子"), ("新中式连衣裙", "新中式"), ("气质长裙", "长裙"),
              ("多巴胺穿搭t恤", "穿搭"), ("静音收纳推车", "推车"), ("空气炸锅纸", "空气炸锅"),
              ("早c晚a", "早c晚a"), ("洗面奶", "洗面奶"), ("婴儿洗衣液", "洗衣液"))


def _tested_product(products: dict, category: str, day: int) -> int:
    """The most popular product of a category launched at least the ramp before ``day``."""
    cat = [c.name for c in CATEGORIES].index(category)
    ok = (products["category"] == cat) & (products["launch"] <= day - NEW_PRODUCT_RAMP_DAYS)
    return int(np.argmax(np.where(ok, products["popularity"], -1.0)))


def _product_tests(seed: int, products: dict) -> tuple[dict, dict]:
    """Daily funnel counts per test variant (测款) and each variant's true rates."""
    rng = np.random.default_rng([seed, 17])
    cols: dict[str, list] = {k: [] for k in ("test_id", "date", "product_id", "element", "variant",
                                             "price", "impressions", "clicks", "add_to_cart", "orders")}
    truth = {}
    for test_id, element, start, days, category, per_day, variants in PRODUCT_TESTS:
        j = _tested_product(products, category, _day(start))
        list_price = products["price0"][j] / 100  # the tested products never change price before
        for d in range(_day(start), _day(start) + days):
            for name, mult, ctr, cart, order in variants:
                imp = int(rng.poisson(per_day))
                clicks = int(rng.binomial(imp, ctr))
                carts = int(rng.binomial(clicks, cart))
                orders = int(rng.binomial(carts, order))
                price = float(_round_price(list_price * mult)) / 100 if element == "price" else np.nan
                for key, value in (("test_id", test_id), ("date", d), ("product_id", products["id"][j]),
                                   ("element", element), ("variant", name), ("price", price),
                                   ("impressions", imp), ("clicks", clicks), ("add_to_cart", carts),
                                   ("orders", orders)):
                    cols[key].append(value)
        rates = {name: {"click_rate": ctr, "cart_rate": cart, "order_rate": cart * order,
                        "orders_per_impression": ctr * cart * order}
                 for name, _, ctr, cart, order in variants}
        metric = PRIMARY_METRIC[element]
        primary = {n: r[metric] for n, r in rates.items()}
        no_difference = len(set(primary.values())) == 1
        truth[test_id] = {"product_id": str(products["id"][j]), "element": element, "start": start,
                          "days": days, "variants": rates, "primary_metric": metric,
                          "no_real_difference": no_difference,
                          "best_variant": None if no_difference else max(primary, key=primary.get)}
    columns = {
        "test_id": pa.array(cols["test_id"], pa.string()),
        "date": _dates(np.array(cols["date"])),
        "product_id": pa.array([str(p) for p in cols["product_id"]], pa.string()),
        "element": pa.array(cols["element"], pa.string()),
        "variant": pa.array(cols["variant"], pa.string()),
        "price": pa.array(np.array(cols["price"]), mask=np.isnan(np.array(cols["price"]))),
        **{k: pa.array(cols[k], pa.int64()) for k in ("impressions", "clicks", "add_to_cart", "orders")},
    }
    return columns, {"tests": truth, "model": "clicks ~ Binomial(impressions, click_rate), add_to_cart ~ "
                     "Binomial(clicks, cart_rate), orders ~ Binomial(add_to_cart, order per cart); "
                     "order_rate = orders per click; image and title tests are judged on click_rate, "
                     "price tests on order_rate (primary_metric)"}


def _candidate_signals(rng: np.random.Generator, log_pop: np.ndarray, cat: np.ndarray) -> dict:
    """What a buyer of the category sees before launch, as noisy measurements of the appeal."""
    n = len(log_pop)
    weight = np.array([c.weight for c in CATEGORIES])[cat]
    demand = weight * np.exp(SIGNAL["demand_slope"] * log_pop + rng.normal(0, SIGNAL["demand_sd"], n))
    comp_base = np.array([3000.0 * (1 + ci % 3) for ci in range(len(CATEGORIES))])[cat]
    competitors = np.rint(comp_base * np.exp(rng.normal(0, SIGNAL["competitors_sd"], n)))
    rating = np.clip(SIGNAL["rating_base"] + SIGNAL["rating_slope"] * log_pop
                     + rng.normal(0, SIGNAL["rating_sd"], n), 3.5, 5.0)
    reviews = rng.poisson(SIGNAL["reviews_base"] * np.exp(SIGNAL["reviews_slope"] * log_pop))
    return {"demand": np.round(demand * 10_000), "competitors": competitors.astype(np.int64),
            "rating": np.round(rating, 2), "reviews": reviews.astype(np.int64)}


def _candidates(seed: int, products: dict) -> tuple[dict, dict]:
    """Candidate products (选品): the shop's past launches with the signals seen before
    launch, and new candidates whose success the generator knows."""
    rng = np.random.default_rng([seed, 19])
    launched = np.nonzero(products["launch"] >= 0)[0]
    n_new = N_NEW_CANDIDATES
    new_cat = rng.integers(len(CATEGORIES), size=n_new)
    new_log_pop = np.log(rng.lognormal(0.0, 0.9, n_new))
    new_price = np.array([_round_price(np.exp(rng.uniform(*np.log(CATEGORIES[c].price_range))))
                          for c in new_cat]) / 100
    new_cost = new_price * np.array([CATEGORIES[c].cost_ratio for c in new_cat]) * rng.uniform(0.9, 1.1, n_new)
    titles = [_titles(rng, CATEGORIES[c], np.array([N_DAYS]))[0] for c in new_cat]
    cat = np.concatenate([products["category"][launched], new_cat])
    log_pop = np.concatenate([np.log(products["popularity"][launched]), new_log_pop])
    price = np.concatenate([products["price0"][launched] / 100, new_price])
    cost = np.concatenate([products["cost"][launched] / 100, new_cost])
    signals = _candidate_signals(rng, log_pop, cat)
    # The shop estimates the cost before launch: its estimate is off by a few percent.
    expected_cost = np.round(cost * np.exp(rng.normal(0, SIGNAL["cost_sd"], len(cost))), 2)
    no_reviews = len(launched) + rng.choice(n_new, CANDIDATES_WITHOUT_REVIEWS, replace=False)
    signals["reviews"][no_reviews] = 0
    rating = pa.array(signals["rating"], mask=signals["reviews"] == 0)
    n_all = len(cat)
    ids = [f"C{k + 1:03d}" for k in range(n_all)]
    columns = {
        "candidate_id": pa.array(ids, pa.string()),
        "assessed_date": _dates(np.concatenate([products["launch"][launched] - ASSESS_DAYS_BEFORE_LAUNCH,
                                                np.full(n_new, N_DAYS - 1)])),
        "title": pa.array([products["title"][j] for j in launched] + titles, pa.string()),
        "category": _take([c.name for c in CATEGORIES], cat),
        "price": pa.array(np.round(price, 2)),
        "expected_cost": pa.array(expected_cost),
        "search_demand": pa.array(signals["demand"]),
        "competitors": pa.array(signals["competitors"], pa.int64()),
        "rating": rating,
        "reviews": pa.array(signals["reviews"], pa.int64()),
        "product_id": pa.array([str(products["id"][j]) for j in launched] + [None] * n_new, pa.string()),
    }
    weight = np.array([c.weight for c in CATEGORIES])[new_cat]
    expected = np.exp(new_log_pop) * weight * new_price
    cut = np.quantile(expected, 1 - CANDIDATE_SUCCESS_SHARE)
    truth = {
        "model": "latent appeal L = log(popularity) ~ N(0, 0.9) (as the shop's products); "
                 "search_demand = 10000 x category weight x exp(0.8 L + N(0, 0.45)); rating = "
                 "4.55 + 0.12 L + N(0, 0.12) clipped to 3.5-5 (empty without reviews); reviews ~ "
                 "Poisson(60 exp(0.7 L)); competitors independent of L; expected_cost = cost x "
                 "exp(N(0, 0.06)). Launched candidates (product_id set) are the shop's launches "
                 "in the period, their L is the product's popularity that drove their orders. A new "
                 "candidate succeeds when its expected first-90-day sales, popularity x category "
                 "weight x price, is in the top 30% of new candidates",
        "signal": SIGNAL,
        "launched": len(launched),
        "new": {ids[len(launched) + k]: {"popularity": float(np.exp(new_log_pop[k])),
                                          "expected_sales_index": float(expected[k]),
                                          "succeeds": bool(expected[k] >= cut)}
                for k in range(n_new)},
        "without_reviews": [ids[k] for k in sorted(no_reviews)],
    }
    return columns, truth


OVERSTOCKED = 5  # products planted with far more stock than they sell (滞销)
COVER_DAYS = {"normal": (3.4, 0.35), "overstocked": (180, 400)}  # lognormal (mu, sd); uniform days


def _inventory(seed: int, sim: _Simulator) -> tuple[dict, dict]:
    """Stock on hand on the last day: about a month of each product's recent sales, with a
    few products planted far above that."""
    rng = np.random.default_rng([seed, 23])
    ids = sim.products["id"]
    n = len(ids)
    rate = sim.product_units[-2] / 31.0  # daily units of the last complete month (2026-10)
    cover = rng.lognormal(*COVER_DAYS["normal"], n)
    selling = np.nonzero(rate > 0)[0]
    over = np.sort(rng.choice(selling, OVERSTOCKED, replace=False))
    cover[over] = rng.uniform(*COVER_DAYS["overstocked"], OVERSTOCKED)
    stock = np.where(rate > 0, np.ceil(rate * cover), rng.integers(20, 200, n)).astype(np.int64)
    columns = {"date": _dates(np.full(n, N_DAYS - 1)), "product_id": pa.array(list(ids), pa.string()),
               "stock": pa.array(stock, pa.int64())}
    truth = {"model": "stock = ceil(daily units of 2026-10 x cover days); cover ~ lognormal(3.4, 0.35) "
                      "(about 30 days), planted products 180-400 days; products without sales in "
                      "2026-10 hold 20-199 units (dead stock)",
             "overstocked": [str(ids[j]) for j in over],
             "dead_stock": [str(ids[j]) for j in range(n) if rate[j] == 0]}
    return columns, truth


def _title_gaps(products: dict) -> list[str]:
    """The planted keywords no title carries; checks that no title contains their root."""
    titles = [t.replace(" ", "").lower() for t in products["title"]]
    for keyword, root in TITLE_GAPS:
        if any(root in t for t in titles):
            raise ValueError(f"planted title gap {keyword!r}: a title contains {root!r}")
    return [k for k, _ in TITLE_GAPS]


# ------------------------------------------------------------------ after-sales
# Shipments, reviews, customer-service chats and shop ratings (DSR), with planted product
# defects and a late-shipping effect on refunds and reviews. All of it draws from its own
# random stream ([seed, 13]): orders, traffic and every other table are byte-identical with
# or without it. Refunds keep each category's rate (REFUND truth, per campaign flag): the
# after-sales model only moves refunds within a category towards defective products and late
# parcels (see _AfterSales._refund_lines).
AFTER_SALES_DAYS = 120  # shipments and reviews cover orders paid in the last 120 days, chats too
WAREHOUSES = ("杭州仓", "广州仓", "武汉仓")
WAREHOUSE_WEIGHTS = (0.5, 0.3, 0.2)  # buyers' regions: independent of the products
WAREHOUSE_SHIP_HOURS = (14.0, 18.0, 30.0)  # median hours from payment to shipment
SHIP_SIGMA = 0.55  # log-normal spread of the hours to shipment
CARRIERS = ("安达快递", "迅捷速运", "百通物流", "云路快运")  # fictional carriers
CARRIER_WEIGHTS = (0.35, 0.15, 0.3, 0.2)
CARRIER_TRANSIT_HOURS = (36.0, 24.0, 42.0, 66.0)  # median hours from shipment to delivery
TRANSIT_SIGMA = 0.35
PROMISED_HOURS = 48  # 48小时发货
EVENT_PROMISED_HOURS = 72  # platform events promise 72 hours (大促 72小时发货)
BACKLOG = {"platform_event": 2.2, "campaign": 1.3}  # ship-time multiplier on campaign days
LATE_REFUND_MULTIPLIER = 1.8  # after-shipping refund probability of a late parcel's lines
DEFECT_LINE_PROB = 0.4  # share of a defective product's lines that have the defect
DEFECT_REFUND_MULTIPLIER = 6.0  # after-shipping refund probability of a defective line
REFUND_PROB_CAP = 0.95
# (category, complaint theme, rank by popularity among products launched before the cut-off,
# refund reason): the products whose buyers get a defective item.
DEFECTS = (("女装连衣裙", "尺码偏小", 0, "尺码不合适"), ("女装T恤", "色差", 1, "颜色与图片不符"),
           ("厨房用品", "包装破损", 0, "包装破损"), ("家居收纳", "有异味", 0, "质量问题"))
DEFECT_LAUNCHED_BEFORE = "2025-10-01"
REVIEW_PROB = 0.35  # delivered lines reviewed, whatever the experience
REVIEW_DELAY_DAYS = (0.3, 2.5)  # after delivery: a fixed offset plus an exponential mean
BAD_REVIEW = {"base": 0.03, "late": 0.15, "defect": 0.55}  # P(1-2 stars) = sum of the terms
NEUTRAL_PROB = 0.06  # of the other reviews, 3 stars
EMPTY_TEXT_PROB = 0.03  # reviews without text
# Each of the 4 stars below 5 is lost with probability base + sum(effect x indicator).
DSR_LOSS = {"description": {"base": 0.03, "defect": 0.30},
            "service": {"base": 0.03, "refunded": 0.10, "slow_response": 0.12},
            "logistics": {"base": 0.03, "late": 0.15}}
DSR_WINDOW = 180  # DSR = mean of the scores given in the last 180 days
DSR_FIRST_DAY = 30
DSR_PEER = {"description": 4.84, "service": 4.82, "logistics": 4.86}
DSR_PEER_NOISE_SD = 0.004  # sd of the peer tier's day-to-day wobble, a moving average of noise
DSR_PEER_SMOOTH_DAYS = 15
CHATS_PER_ORDER = 0.4  # pre-sale chats per paid order
AGENTS = ("小悦", "小优", "小家", "夜班阿木")  # the last one answers 00:00-08:00
AGENT_WEIGHTS = (0.4, 0.35, 0.25)  # day shift
AGENT_SECONDS = (10.0, 14.0, 35.0, 45.0)  # median first-response seconds
RESPONSE_SIGMA = 0.8
RESPONSE_BUSY = {"platform_event": 2.5, "campaign": 1.5}
CONVERSION_LOGIT = (0.3, -0.5, 10.0)  # logit P(convert) = a + b log2(seconds / ref)
SLOW_RESPONSE_SECONDS = 60
PHRASES = {
    "good": ("质量很好", "很满意", "性价比很高", "物流很快", "包装很仔细", "客服态度很好",
             "和描述一致", "会回购的", "做工不错", "推荐购买", "第二次买了", "好评"),
    "neutral": ("一般般", "还行吧", "凑合用", "和预期差不多", "价格有点贵", "中规中矩",
                "没有想象中好"),
    "bad": ("不太满意", "有点失望", "不会再买了", "不推荐", "做工粗糙", "性价比不高",
            "和描述不符"),
    "late_mild": ("物流有点慢但东西不错", "发货稍微有点晚"),
    "extras": ("👍", "😊", "❤️", "very good", "OK的", "quality不错", "size合适"),
}
CATEGORY_PHRASES = {
    "女装连衣裙": ("版型很好看", "面料舒服", "上身效果很好", "尺码标准"),
    "女装T恤": ("面料柔软", "颜色很正", "尺码合适", "洗了不掉色"),
    "男装衬衫": ("很挺括", "不起皱", "老公很喜欢", "尺码标准"),
    "家居收纳": ("容量很大", "很结实", "安装简单", "放东西很方便"),
    "厨房用品": ("做饭方便", "很耐用", "不粘效果好", "做工扎实"),
    "美妆护肤": ("吸收很快", "很保湿", "味道好闻", "不油腻"),
    "母婴用品": ("宝宝很喜欢", "材质安全", "很柔软", "用着放心"),
}
THEME_PHRASES = {
    "尺码偏小": ("尺码偏小", "尺码偏小建议拍大一码", "尺码偏小穿着很紧", "买的L码还是尺码偏小"),
    "色差": ("色差很大", "有色差和图片不一样", "实物色差严重", "色差太明显了"),
    "包装破损": ("包装破损", "收到时包装破损", "外箱压坏了包装破损", "包装破损里面也有划痕"),
    "有异味": ("有异味", "打开有异味", "一股异味散不掉", "塑料味很大有异味"),
    "物流慢": ("物流慢", "物流太慢了", "发货太慢物流慢", "等了好多天物流慢"),
}
EMPTY_REVIEW = "此用户没有填写评价。"  # the platform's text for a rating without words
SERVICE_ID_BASE = 90_000_000  # ids of chatting visitors who did not buy: c90000001, ...


def _normal_tail(x: float) -> float:
    """P(Z > x) of a standard normal."""
    return 0.5 * math.erfc(x / math.sqrt(2))


def _defect_products(products: dict) -> dict[int, tuple[str, str]]:
    """Product index -> (complaint theme, refund reason) of the planted defective products."""
    cut = _day(DEFECT_LAUNCHED_BEFORE)
    names = [c.name for c in CATEGORIES]
    out = {}
    for category, theme, rank, reason in DEFECTS:
        ci = names.index(category)
        idx = np.nonzero((products["category"] == ci) & (products["launch"] < cut))[0]
        order = idx[np.argsort(-products["popularity"][idx], kind="stable")]
        if len(order) > rank:
            out[int(order[rank])] = (theme, reason)
    return out


class _AfterSales:
    """Shipping, refunds by defect and lateness, reviews, chats and DSR, day by day."""

    def __init__(self, seed: int, sim: _Simulator, out_dir: Path, fmt: str) -> None:
        self.rng = np.random.default_rng([seed, 13])
        self.out_dir, self.fmt = out_dir, fmt
        self.sim = sim
        products = sim.products
        n_products = len(products["id"])
        self.cat = sim.demand.cat
        self.defects = _defect_products(products)
        self.defect_prob = np.zeros(n_products)
        self.theme = np.full(n_products, -1)
        self.defect_reason = np.full(n_products, -1)
        themes = list(THEME_PHRASES)
        for i, (theme, reason) in self.defects.items():
            self.defect_prob[i] = DEFECT_LINE_PROB
            self.theme[i] = themes.index(theme)
            self.defect_reason[i] = REFUND_REASONS.index(reason)
        self.first_day = N_DAYS - AFTER_SALES_DAYS
        self.end = (_epoch_day(N_DAYS - 1) + 1) * SECONDS_PER_DAY  # midnight after the last day
        self.writers = {n: _Writer(out_dir, n, fmt) for n in ("shipments", "reviews", "service")}
        self.buffers: dict[str, list[dict]] = {n: [] for n in self.writers}
        n_groups = len(CATEGORIES) * 2
        self.norm = np.zeros((2, n_groups))  # running sums of p and p x multiplier per group
        self.dsr_sum = np.zeros((N_DAYS, 3))
        self.dsr_n = np.zeros(N_DAYS)
        self.expected = np.zeros((2, n_products))  # lines, expected refunds (paid >= 21 days)
        self.counts = {"capped_lines": 0, "dropped_converted_chats": 0, "orders_window": 0,
                       "late_orders_window": 0, "visitors": 0}

    # -- one day
    def day(self, day: int, rows: dict[str, np.ndarray], hit: np.ndarray, hit_shipped: np.ndarray,
            hit_inside: np.ndarray) -> None:
        """After-sales of the day's paid lines; rewrites the day's refunds in the buffer."""
        paid = np.nonzero(rows["paid"])[0]
        if not len(paid):
            return
        oid = rows["order_id"][paid]
        first = np.r_[True, oid[1:] != oid[:-1]]
        order = np.cumsum(first) - 1  # order index of each paid line
        lines = {"row": paid, "order": order, "product": rows["product"][paid],
                 "tagged": rows["campaign"][paid] >= 0}
        tagged = rows["campaign"][paid]
        camp = tagged[tagged >= 0]
        mechanic = CAMPAIGNS[int(camp[0])].mechanic if len(camp) else None
        ship = self._ship(day, rows["pay_time"][paid][first], mechanic)
        chats = self._chats(day, rows, paid[first], ship["pay"], mechanic)
        refunds = self._refund_lines(day, rows, lines, ship, hit, hit_shipped, hit_inside)
        self._reviews(day, rows, lines, ship, refunds, chats["slow_order"])
        if day >= self.first_day:
            self._buffer_shipments(oid[first], ship, refunds["cancelled_order"])

    def _ship(self, day: int, pay: np.ndarray, mechanic: str | None) -> dict[str, np.ndarray]:
        """Warehouse, carrier, promise, shipment and delivery of each paid order."""
        rng = self.rng
        n = len(pay)
        event = mechanic == "platform_event"
        backlog = BACKLOG["platform_event"] if event else (BACKLOG["campaign"] if mechanic else 1.0)
        wh = rng.choice(len(WAREHOUSES), size=n, p=WAREHOUSE_WEIGHTS)
        carrier = rng.choice(len(CARRIERS), size=n, p=CARRIER_WEIGHTS)
        hours = np.array(WAREHOUSE_SHIP_HOURS)[wh] * backlog * np.exp(rng.normal(0, SHIP_SIGMA, n))
        transit = np.array(CARRIER_TRANSIT_HOURS)[carrier] * np.exp(rng.normal(0, TRANSIT_SIGMA, n))
        promised = np.full(n, EVENT_PROMISED_HOURS if event else PROMISED_HOURS)
        shipped = pay + np.rint(hours * 3600).astype(np.int64)
        return {"pay": pay, "warehouse": wh, "carrier": carrier, "promised": promised,
                "shipped": shipped, "delivered": shipped + np.rint(transit * 3600).astype(np.int64),
                "late": hours > promised}

    def _chats(self, day: int, rows: dict[str, np.ndarray], order_rows: np.ndarray,
               pay: np.ndarray, mechanic: str | None) -> dict[str, np.ndarray]:
        """Pre-sale chats of the day; converted ones lead to one of the day's paid orders."""
        rng = self.rng
        n_orders = len(order_rows)
        n = int(rng.poisson(CHATS_PER_ORDER * n_orders))
        hours = HOURS / HOURS.sum()
        hour = np.minimum(np.searchsorted(np.cumsum(hours), rng.random(n), side="right"), 23)
        second = hour * 3600 + rng.integers(0, 3600, n)
        night = hour < 8
        agent = np.where(night, len(AGENTS) - 1,
                         rng.choice(len(AGENT_WEIGHTS), size=n, p=AGENT_WEIGHTS))
        busy = RESPONSE_BUSY["platform_event"] if mechanic == "platform_event" else (
            RESPONSE_BUSY["campaign"] if mechanic else 1.0)
        response = np.ceil(np.array(AGENT_SECONDS)[agent] * busy
                           * np.exp(rng.normal(0, RESPONSE_SIGMA, n))).astype(np.int64)
        a, b, ref = CONVERSION_LOGIT
        p = 1 / (1 + np.exp(-(a + b * np.log2(response / ref))))
        converted = rng.random(n) < p
        conv = np.nonzero(converted)[0]
        if len(conv) > n_orders:  # a tiny shop's day: more converted chats than paid orders
            drop = conv[n_orders:]
            self.counts["dropped_converted_chats"] += len(drop)
            keep = np.ones(n, bool)
            keep[drop] = False
            second, agent, response, converted = (x[keep] for x in (second, agent, response, converted))
            conv = np.nonzero(converted)[0]
            n = len(second)
        chosen = np.sort(rng.choice(n_orders, size=len(conv), replace=False))
        conv = conv[np.argsort(second[conv], kind="stable")]  # pair chats and orders in time order
        order_time = rows["order_time"][order_rows[chosen]]
        when = _epoch_day(day) * SECONDS_PER_DAY + second
        when[conv] = order_time - response[conv] - rng.integers(60, 1200, len(conv))
        customer = SERVICE_ID_BASE + self.counts["visitors"] + np.arange(n)
        self.counts["visitors"] += n
        customer[conv] = rows["customer"][order_rows[chosen]]
        slow = np.zeros(n_orders, bool)
        slow[chosen] = response[conv] > SLOW_RESPONSE_SECONDS
        if day >= self.first_day and n:
            self.buffers["service"].append({"chat_time": when, "customer": customer, "agent": agent,
                                            "response": response, "converted": converted})
        return {"slow_order": slow}

    def _refund_lines(self, day: int, rows: dict[str, np.ndarray], lines: dict[str, np.ndarray],
                      ship: dict[str, np.ndarray], hit: np.ndarray, hit_shipped: np.ndarray,
                      hit_inside: np.ndarray) -> dict[str, np.ndarray]:
        """Move the day's after-shipping refunds towards defective lines and late parcels.

        The simulator drew refunds with the category probability p (x 1.5 on campaign lines);
        a fraction s of them came after shipping. Among lines not refunded before shipping,
        the after-shipping probability becomes q = c x p_ship x (6 if defective) x (1.8 if
        late), p_ship = p s / (1 - p (1 - s)), where c (per category and campaign flag, from
        all lines so far) keeps the category's expected refunds unchanged. Existing refunds
        are kept with probability min(1, q / p_ship); other lines are refunded with
        probability max(0, (q - p_ship) / (1 - p_ship)), so each line ends with probability q.
        """
        rng, sim = self.rng, self.sim
        row, prod, tagged = lines["row"], lines["product"], lines["tagged"]
        n = len(row)
        position = np.full(len(rows["paid"]), -1)
        position[row] = np.arange(n)
        at = position[hit]
        before = np.zeros(n, bool)
        before[at[~hit_shipped]] = True  # refunded before shipping: not in the parcel
        old = np.zeros(n, bool)
        old[at[hit_shipped]] = True
        defect = rng.random(n) < self.defect_prob[prod]
        late = ship["late"][lines["order"]]
        p = sim.refund_prob[prod] * np.where(tagged, CAMPAIGN_REFUND_MULTIPLIER, 1.0)
        s = np.where(sim.apparel[prod], SHIPPED_PROB[True], SHIPPED_PROB[False])
        p_ship = p * s / (1 - p * (1 - s))
        mult = np.where(defect, DEFECT_REFUND_MULTIPLIER, 1.0) * np.where(
            late, LATE_REFUND_MULTIPLIER, 1.0)
        group = self.cat[prod] * 2 + tagged
        np.add.at(self.norm[0], group[~before], p_ship[~before])
        np.add.at(self.norm[1], group[~before], (p_ship * mult)[~before])
        q = self.norm[0][group] / self.norm[1][group] * p_ship * mult
        self.counts["capped_lines"] += int((q > REFUND_PROB_CAP).sum())
        q = np.minimum(q, REFUND_PROB_CAP)
        u = rng.random(n)
        keep = old & (u < q / p_ship)
        add = ~before & ~old & (u < (q - p_ship) / (1 - p_ship))
        if day < N_DAYS - 21:
            any_refund = p * (1 - s) + (1 - p * (1 - s)) * q
            np.add.at(self.expected[0], prod, 1.0)
            np.add.at(self.expected[1], prod, any_refund)
        # the day's refunds: drop the removed ones, add the new ones
        buffer = sim.refund_buffer[-1]
        dropped = old & ~keep
        kept_rows = ~np.isin(at[hit_inside], np.nonzero(dropped)[0])
        new = np.nonzero(add)[0]
        m = len(new)
        apparel = sim.apparel[prod[new]]
        generic = np.where(apparel, _draw_reason(rng, REASON_WEIGHTS_APPAREL, m),
                           _draw_reason(rng, REASON_WEIGHTS_OTHER, m))
        reason = np.where(defect[new], self.defect_reason[prod[new]],
                          np.where(late[new], REFUND_REASONS.index("物流太慢"), generic))
        partial = np.isin(reason, PARTIAL_REASONS) & (rng.random(m) < 0.35)
        cents = rows["paid_cents"][row[new]]
        amount = np.where(partial, np.floor(cents * rng.uniform(0.2, 0.5, m)).astype(np.int64), cents)
        pay = rows["pay_time"][row[new]]
        received = (ship["delivered"][lines["order"][new]] - pay) / SECONDS_PER_DAY
        lo = np.minimum(np.maximum(REFUND_DAYS_SHIPPED[0], received + 0.5), REFUND_DAYS_SHIPPED[1])
        after = np.rint(rng.uniform(lo, REFUND_DAYS_SHIPPED[1]) * SECONDS_PER_DAY).astype(np.int64)
        when = pay + after
        inside = when < self.end
        added = {"order_id": rows["order_id"][row[new]], "product": prod[new], "refund_time": when,
                 "amount": amount, "quantity": np.where(partial, 0, rows["units"][row[new]]),
                 "reason": reason, "shipped": np.ones(m, bool)}
        sim.refund_buffer[-1] = {k: np.concatenate([buffer[k][kept_rows], added[k][inside]])
                                 for k in buffer}
        refunded = (old & keep) | add
        lines_per_order = np.bincount(lines["order"], minlength=len(ship["pay"]))
        before_per_order = np.bincount(lines["order"], weights=before, minlength=len(ship["pay"]))
        return {"before": before, "refunded": refunded, "defect": defect, "late": late,
                "cancelled_order": before_per_order >= lines_per_order}

    def _reviews(self, day: int, rows: dict[str, np.ndarray], lines: dict[str, np.ndarray],
                 ship: dict[str, np.ndarray], refunds: dict[str, np.ndarray],
                 slow_order: np.ndarray) -> None:
        """Reviews and DSR scores of delivered lines (scores of every day feed the DSR table)."""
        rng = self.rng
        order = lines["order"]
        n = len(order)
        delivered = ship["delivered"][order]
        delay = REVIEW_DELAY_DAYS[0] + rng.exponential(REVIEW_DELAY_DAYS[1], n)
        when = delivered + np.rint(delay * SECONDS_PER_DAY).astype(np.int64)
        reviewed = (rng.random(n) < REVIEW_PROB) & ~refunds["before"] & (when < self.end)
        late, defect = refunds["late"].astype(float), refunds["defect"].astype(float)
        u = rng.random((n, 4))
        bad = u[:, 0] < BAD_REVIEW["base"] + BAD_REVIEW["late"] * late + BAD_REVIEW["defect"] * defect
        neutral = ~bad & (u[:, 1] < NEUTRAL_PROB)
        rating = np.where(bad, np.where(u[:, 2] < 0.55, 1, 2),
                          np.where(neutral, 3, np.where(u[:, 3] < 0.82, 5, 4)))
        indicators = {"defect": defect, "late": late, "refunded": refunds["refunded"].astype(float),
                      "slow_response": slow_order[order].astype(float)}
        scores = []
        for loss in DSR_LOSS.values():
            prob = loss["base"] + sum(v * indicators[k] for k, v in loss.items() if k != "base")
            scores.append(5 - rng.binomial(4, prob))
        scores = np.stack(scores, 1)
        review_day = (when // SECONDS_PER_DAY) - _epoch_day(0)
        keep = reviewed & (review_day < N_DAYS)
        np.add.at(self.dsr_sum, review_day[keep], scores[keep])
        np.add.at(self.dsr_n, review_day[keep], 1)
        if day < self.first_day or not reviewed.any():
            return
        idx = np.nonzero(reviewed)[0]
        prod = lines["product"][idx]
        texts = [self._text(int(r), int(self.cat[pr]), int(self.theme[pr]) if d else -1, bool(lt))
                 for r, pr, d, lt in zip(rating[idx], prod, defect[idx], late[idx], strict=True)]
        self.buffers["reviews"].append({
            "order_id": rows["order_id"][lines["row"][idx]], "product": prod,
            "review_time": when[idx], "rating": rating[idx], "text": texts,
            "scores": scores[idx]})

    def _text(self, rating: int, category: int, theme: int, late: bool) -> str | None:
        """Review text from phrase templates (a planted theme when the line was defective)."""
        rng = self.rng
        pick = lambda bank: bank[int(rng.integers(len(bank)))]  # noqa: E731
        themes = list(THEME_PHRASES)
        if rng.random() < EMPTY_TEXT_PROB:
            return None
        parts: list[str] = []
        if rating <= 2:
            if theme >= 0 and rng.random() < 0.85:
                parts.append(pick(THEME_PHRASES[themes[theme]]))
            if late and rng.random() < 0.8:
                parts.append(pick(THEME_PHRASES["物流慢"]))
            if not parts or rng.random() < 0.5:
                parts.append(pick(PHRASES["bad"]))
            if rng.random() < 0.06:  # buyers of any product complain about anything, now and then
                parts.append(pick(THEME_PHRASES[themes[int(rng.integers(len(themes)))]]))
            end = "！" if rng.random() < 0.4 else "。"
        elif rating == 3:
            parts.append(pick(PHRASES["neutral"]))
            if (theme >= 0 or late) and rng.random() < 0.5:
                parts.append(pick(THEME_PHRASES[themes[theme] if theme >= 0 else "物流慢"]))
            end = "。"
        else:
            if rng.random() < 0.08:
                return EMPTY_REVIEW
            bank = PHRASES["good"] + CATEGORY_PHRASES[CATEGORIES[category].name]
            k = 1 + int(rng.integers(3))
            parts.extend(bank[i] for i in rng.choice(len(bank), size=k, replace=False))
            if late and rng.random() < 0.15:
                parts.append(pick(PHRASES["late_mild"]))
            end = "！" if rng.random() < 0.3 else "。"
        text = "，".join(parts) + end
        if rng.random() < 0.06:
            text += pick(PHRASES["extras"])
        return text

    def _buffer_shipments(self, oid: np.ndarray, ship: dict[str, np.ndarray],
                          cancelled: np.ndarray) -> None:
        keep = ~cancelled
        self.counts["orders_window"] += int(keep.sum())
        self.counts["late_orders_window"] += int((keep & ship["late"]).sum())
        self.buffers["shipments"].append({"order_id": oid[keep], **{k: v[keep] for k, v in ship.items()}})

    # -- output
    def flush(self) -> None:
        """Write the buffered shipments, reviews and chats."""
        product_ids = list(self.sim.products["id"])
        for name, parts in self.buffers.items():
            if not parts:
                continue
            rows = {k: (np.concatenate([p[k] for p in parts]) if k != "text"
                        else [t for p in parts for t in p[k]]) for k in parts[0]}
            self.writers[name].write(getattr(self, f"_{name}_columns")(rows, product_ids))
        self.buffers = {n: [] for n in self.writers}

    def _shipments_columns(self, rows: dict, product_ids: list[str]) -> dict[str, pa.Array]:
        shipped = rows["shipped"] < self.end
        delivered = shipped & (rows["delivered"] < self.end)
        return {
            "order_id": pa.array(rows["order_id"]).cast(pa.string()),
            "shipped_time": _timestamps(rows["shipped"], shipped),
            "delivered_time": _timestamps(rows["delivered"], delivered),
            "promised_hours": pa.array(rows["promised"], pa.int64()),
            "warehouse": _take(WAREHOUSES, rows["warehouse"]),
            "carrier": _take(CARRIERS, rows["carrier"]),
        }

    def _reviews_columns(self, rows: dict, product_ids: list[str]) -> dict[str, pa.Array]:
        scores = rows["scores"]
        return {
            "order_id": pa.array(rows["order_id"]).cast(pa.string()),
            "product_id": _take(product_ids, rows["product"]),
            "review_time": _timestamps(rows["review_time"]),
            "rating": pa.array(rows["rating"], pa.int64()),
            "text": pa.array(rows["text"], pa.string()),
            "dsr_description": pa.array(scores[:, 0], pa.int64()),
            "dsr_service": pa.array(scores[:, 1], pa.int64()),
            "dsr_logistics": pa.array(scores[:, 2], pa.int64()),
        }

    def _service_columns(self, rows: dict, product_ids: list[str]) -> dict[str, pa.Array]:
        return {
            "chat_time": _timestamps(rows["chat_time"]),
            "customer_id": _customer_ids(rows["customer"]),
            "agent": _take(AGENTS, rows["agent"]),
            "first_response_seconds": pa.array(rows["response"].astype(float)),
            "converted": pa.array(rows["converted"], pa.bool_()),
        }

    def close(self) -> dict[str, int]:
        """Finish the files, write the DSR table and return the row counts."""
        self.flush()
        rows = {name: writer.close() for name, writer in self.writers.items()}
        rows["dsr"] = _write_table(self.out_dir, "dsr", self.fmt, self._dsr_columns())
        return rows

    def _dsr_columns(self) -> dict[str, pa.Array]:
        """Daily DSR: each score's mean over the reviews of the last DSR_WINDOW days."""
        total = _rolling_sum_trailing(self.dsr_sum, DSR_WINDOW)
        count = _rolling_sum_trailing(self.dsr_n[:, None], DSR_WINDOW)
        days = np.arange(DSR_FIRST_DAY, N_DAYS)
        ours = np.where(count[days] > 0, total[days] / np.maximum(count[days], 1), 5.0)
        season = np.sin(2 * np.pi * days / 365.25)[:, None]
        raw = self.rng.normal(0, DSR_PEER_NOISE_SD * math.sqrt(DSR_PEER_SMOOTH_DAYS),
                              (len(days) + DSR_PEER_SMOOTH_DAYS - 1, 3))
        kernel = np.ones(DSR_PEER_SMOOTH_DAYS) / DSR_PEER_SMOOTH_DAYS
        noise = np.stack([np.convolve(raw[:, j], kernel, mode="valid") for j in range(3)], 1)
        peer = np.array([DSR_PEER[k] for k in DSR_LOSS])[None, :] + 0.01 * season + noise
        columns = {"date": _dates(days)}
        for j, name in enumerate(DSR_LOSS):
            columns[name] = pa.array(ours[:, j])
            columns[f"peer_{name}"] = pa.array(np.minimum(peer[:, j], 5.0))
        return {c.name: columns[c.name] for c in TABLES["dsr"].columns}

    def truth(self) -> dict:
        """What the after-sales simulation planted, for tests and notebooks."""
        names = [c.name for c in CATEGORIES]
        ids = self.sim.products["id"]
        lines, expected = self.expected
        seen = lines > 0
        by_cat = {names[c]: float(expected[self.cat == c].sum() / max(lines[self.cat == c].sum(), 1))
                  for c in range(len(CATEGORIES))}

        def late_share(median: float, backlog: float, promised: float) -> float:
            return _normal_tail(math.log(promised / (median * backlog)) / SHIP_SIGMA)

        a, b, ref = CONVERSION_LOGIT
        return {
            "window": {"from": _iso(self.first_day), "to": _iso(N_DAYS - 1), "days": AFTER_SALES_DAYS,
                       "covers": "shipments and reviews of the orders paid from `from`; chats "
                                 "from `from`; dsr for every day from " + _iso(DSR_FIRST_DAY)},
            "shipping": {
                "promised_hours": {"normal": PROMISED_HOURS, "platform_event": EVENT_PROMISED_HOURS},
                "backlog_multiplier": dict(BACKLOG), "ship_sigma": SHIP_SIGMA,
                "transit_sigma": TRANSIT_SIGMA,
                "warehouses": {w: {"weight": wt, "median_hours_to_ship": h,
                                   "expected_late_share_normal_day": late_share(h, 1.0, PROMISED_HOURS),
                                   "expected_late_share_platform_event": late_share(
                                       h, BACKLOG["platform_event"], EVENT_PROMISED_HOURS)}
                               for w, wt, h in zip(WAREHOUSES, WAREHOUSE_WEIGHTS,
                                                   WAREHOUSE_SHIP_HOURS, strict=True)},
                "carriers": {c: {"weight": wt, "median_transit_hours": h}
                             for c, wt, h in zip(CARRIERS, CARRIER_WEIGHTS, CARRIER_TRANSIT_HOURS,
                                                 strict=True)},
                "late_share_of_window_orders": self.counts["late_orders_window"] / max(
                    self.counts["orders_window"], 1),
                "definition": "hours to ship = median(warehouse) x backlog x lognormal(sd); late = "
                              "hours to ship > promised hours; warehouses and carriers are drawn "
                              "independently of the products",
            },
            "defects": {str(ids[i]): {"category": CATEGORIES[self.cat[i]].name, "theme": theme,
                                      "refund_reason": reason, "defect_line_probability": DEFECT_LINE_PROB,
                                      "expected_refund_rate": float(expected[i] / max(lines[i], 1))}
                        for i, (theme, reason) in sorted(self.defects.items())},
            "refunds": {
                "late_shipping_relative_risk": LATE_REFUND_MULTIPLIER,
                "defect_line_relative_risk": DEFECT_REFUND_MULTIPLIER,
                "capped_lines": self.counts["capped_lines"], "cap": REFUND_PROB_CAP,
                "definition": "among lines not refunded before shipping, P(refund after shipping) "
                              "= c x p_ship x 6 (defective line) x 1.8 (late parcel); c keeps each "
                              "category's (and campaign flag's) refund rate at the REFUND truth, so "
                              "the relative risks hold within a category and campaign flag",
                "expected_refund_rate_by_product": {str(ids[i]): float(expected[i] / lines[i])
                                                    for i in np.nonzero(seen)[0]},
                "expected_refund_rate_by_category": by_cat,
                "expected_rates_cover": "paid lines up to 21 days before the end",
            },
            "reviews": {
                "review_probability": REVIEW_PROB,
                "bad_review_probability": dict(BAD_REVIEW),
                "late_effect_on_bad_review_rate": BAD_REVIEW["late"],
                "neutral_probability": NEUTRAL_PROB, "empty_text_probability": EMPTY_TEXT_PROB,
                "ratings": "bad: 1 or 2 stars; neutral: 3; good: 4 or 5",
                "themes": {k: list(v) for k, v in THEME_PHRASES.items()},
                "late_theme": "物流慢",
                "definition": "lines delivered by the end are reviewed with review_probability, "
                              "whatever happened; P(1-2 stars) = base + late x late + defect x "
                              "defective line",
            },
            "service": {
                "chats_per_paid_order": CHATS_PER_ORDER,
                "agents": {ag: {"median_first_response_seconds": s} for ag, s in
                           zip(AGENTS, AGENT_SECONDS, strict=True)},
                "night_agent": AGENTS[-1], "busy_multiplier": dict(RESPONSE_BUSY),
                "conversion_logit": {"intercept": a, "per_doubling_of_seconds": b,
                                     "reference_seconds": ref},
                "definition": "logit P(converted) = intercept + per_doubling x log2(first response "
                              "seconds / reference); converted chats lead to one of the day's paid "
                              "orders, chat a few minutes before the order",
                "dropped_converted_chats": self.counts["dropped_converted_chats"],
                "slow_response_seconds": SLOW_RESPONSE_SECONDS,
            },
            "dsr": {
                "window_days": DSR_WINDOW, "first_day": _iso(DSR_FIRST_DAY),
                "star_loss_probability": {k: dict(v) for k, v in DSR_LOSS.items()},
                "effects_on_expected_score": {k: {e: -4 * v for e, v in loss.items() if e != "base"}
                                              for k, loss in DSR_LOSS.items()},
                "peer_average": dict(DSR_PEER),
                "definition": "each reviewed line scores 5 - Binomial(4, base + sum(effects)); "
                              "slow_response = the order came from a chat answered after "
                              f"{SLOW_RESPONSE_SECONDS} s; refunded = the line was refunded",
            },
        }


def _rolling_sum_trailing(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` rows (fewer at the start), along axis 0."""
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[window:] = c[window:] - c[:-window]
    return out


# ---------------------------------------------------------------------------- main
def generate_sample(out_dir: str | Path, seed: int = DEFAULT_SEED, scale: float = 1.0,
                    fmt: str = "csv") -> dict:
    """Simulate the sample shop and write every contract table plus its ground truth.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing); existing files are overwritten.
    seed : int
        Seed of the run; the same seed and scale give byte-identical files.
    scale : float
        Multiplies traffic and order volume (1 = committed sample, ~70k order lines;
        134 = ~10 million lines). Orders and refunds are streamed month by month.
    fmt : {"csv", "parquet"}
        ``csv``: ``<table>.csv`` UTF-8 without BOM, ISO dates, empty cells for nulls;
        ``parquet``: ``<table>.parquet`` with contract types (zstd).

    Returns
    -------
    dict
        The ground truth, as written to ``ground_truth.json``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if not (isinstance(scale, int | float) and scale > 0):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    products = _build_products(rng)
    price, price_events = _price_paths(rng, products)
    price_tests = _price_tests(products, price, price_events)
    demand = _Demand(products, price, float(scale))
    sim = _Simulator(rng, float(scale), demand, out, fmt)
    sim.after_sales = _AfterSales(seed, sim, out, fmt)
    sim.run()
    rows = dict(sim.rows)
    _write_customer_truth(out, fmt, sim)
    rows["traffic"] = _write_table(out, "traffic", fmt, _traffic_columns(sim))
    rows["products"] = _write_table(out, "products", fmt, _product_columns(products, price))
    rows["campaigns"] = _write_table(out, "campaigns", fmt, _campaign_columns(float(scale)))
    ads, ads_truth = _ads(rng, sim)
    rows["ads"] = _write_table(out, "ads", fmt, ads)
    market, market_truth = _market(rng, sim)
    rows["market"] = _write_table(out, "market", fmt, market)
    keywords, keyword_truth = _keywords(rng)
    rows["keywords"] = _write_table(out, "keywords", fmt, keywords)
    peers, peer_truth = _peers(rng, sim)
    rows["peers"] = _write_table(out, "peers", fmt, peers)
    touches, touch_truth = _touchpoints(seed, sim)
    rows["touchpoints"] = _write_table(out, "touchpoints", fmt, touches)
    tests, tests_truth = _product_tests(seed, products)
    rows["product_tests"] = _write_table(out, "product_tests", fmt, tests)
    candidates, candidates_truth = _candidates(seed, products)
    rows["candidates"] = _write_table(out, "candidates", fmt, candidates)
    keyword_truth["missing_from_titles"] = _title_gaps(products)
    inventory, inventory_truth = _inventory(seed, sim)
    rows["inventory"] = _write_table(out, "inventory", fmt, inventory)
    _, windows = _excluded_days()
    truth = _clean({
        "generator": "helpers.sample.generate_sample",
        "seed": seed,
        "scale": float(scale),
        "format": fmt,
        "period": {"start": _iso(0), "end": _iso(N_DAYS - 1), "days": N_DAYS},
        "shop": {"name": SHOP, "tier": TIER},
        "sources": _source_truth(sim),
        "normal_days": {
            "definition": "days outside every campaign's warm-up..post window, the Spring "
                          "Festival windows and the anomaly days",
            "excluded_windows": windows},
        "traffic_model": {
            "annual_growth": ANNUAL_GROWTH, "visitor_noise_sd": VISITOR_NOISE_SD,
            "shop_season_amplitude": SHOP_SEASON_AMP,
            "shop_season_peak_day_of_year": SHOP_SEASON_PEAK,
            "unpaid_ratio": UNPAID_RATIO, "cancelled_share_of_unpaid": CANCELLED_SHARE,
            "cart_rate": CART_RATE, "warmup_cart_multiplier": WARMUP_CART_MULTIPLIER,
            "pay_time": "same day as order_time, seconds to minutes later"},
        "categories": _category_truth(sim),
        "products": {
            str(pid): {"popularity": pop, "reference_price": p0 / 100,
                       "category": CATEGORIES[c].name}
            for pid, pop, p0, c in zip(products["id"], products["popularity"],
                                       products["price0"], products["category"], strict=True)},
        "price_effect": {
            "formula": "demand multiplier = (price / reference_price) ** elasticity; the "
                       "shop's conversion moves with the demand-weighted multiplier divided "
                       "by normaliser",
            "reference_price": "the product's first list price (before its first change)",
            "normaliser": demand.normaliser,
            "changes": price_events,
            "new_product_ramp_days": NEW_PRODUCT_RAMP_DAYS},
        "campaigns": _campaign_truth(demand, seed),
        "spring_festival": [
            {"date": t, "window_start": _iso(_day(t) - SF_HALF_WINDOW),
             "window_end": _iso(_day(t) + SF_HALF_WINDOW),
             "bottom_start": _iso(_day(t) - SF_BOTTOM_HALF),
             "bottom_end": _iso(_day(t) + SF_BOTTOM_HALF),
             "visitors_multiplier_bottom": SF_VISIT_BOTTOM,
             "conversion_multiplier_bottom": SF_CONV_BOTTOM} for t in SPRING_FESTIVALS],
        "anomalies": [{"source": a.source, "metric": a.metric, "start": a.start, "end": a.end,
                       "multiplier": a.multiplier, "description": a.description,
                       "kind": a.kind, **price_tests.get(k, {})}
                      for k, a in enumerate(ANOMALIES)],
        "repeat_purchase": _repeat_truth(sim),
        "refunds": {
            "probability_by_category": {c.name: c.refund_prob for c in CATEGORIES},
            "campaign_line_multiplier": CAMPAIGN_REFUND_MULTIPLIER,
            "days_after_payment": {"shipped": list(REFUND_DAYS_SHIPPED),
                                   "not_shipped": list(REFUND_DAYS_UNSHIPPED)},
            "shipped_probability": {"apparel": SHIPPED_PROB[True], "other": SHIPPED_PROB[False]},
            "censored_after": _iso(N_DAYS - 1),
            "reasons": list(REFUND_REASONS)},
        "ads": ads_truth,
        "market": market_truth,
        "keywords": keyword_truth,
        "product_tests": tests_truth,
        "candidates": candidates_truth,
        "inventory": inventory_truth,
        "peers": peer_truth,
        "touchpoints": touch_truth,
        "after_sales": sim.after_sales.truth(),
        "lines": sim.line_counts,
        "rows": rows,
    })
    text = json.dumps(truth, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    (out / "ground_truth.json").write_text(text, encoding="utf-8")
    return truth
