"""The cost model: what an order costs the shop besides the goods, so that every profit figure
(contribution per product, campaign profit, break-even ROI, highest affordable CPC) counts the
platform's and the logistics' share.

口径 used here
--------------
Per order line (yuan), for a line of ``quantity`` units paid ``paid_amount`` in an order:

- **commission** (扣点, 技术服务费) = commission_rate x (paid amount - refund amount): Tmall
  charges its software service fee on the confirmed amount and gives it back on refunds;
- **payment fee** (支付手续费) = payment_fee_rate x paid amount (not given back on a refund);
- **freight** (运费) of an order the shop ships free (its paid amount is at least
  ``free_shipping_over``) = freight_first + freight_extra x ceil(max(weight - 1 kg, 0)),
  weight = Σ quantity x unit_weight_kg; below the threshold the buyer pays it. A flat rate
  is freight_extra = 0;
- **per-order costs**: shipping insurance (运费险, bought by the shop), packaging, gift and
  coupon cost (a coupon the shop funds outside the paid amount, e.g. a 淘宝客 coupon fee);
- freight and per-order costs are shared over the order's lines by their units;
- **return cost** = returned units x (return_freight + unsellable_share x unit cost): the
  return parcel and handling the shop pays, and the returned units that cannot be sold again;
- **contribution** (贡献利润, before ads) = paid amount - refund amount - cost of the goods
  kept - commission - payment fee - freight - per-order costs - return cost.

Rates come from the optional ``costs`` table (one row per platform and category; the category
``*`` (or ``全部``) is the platform-wide row; an empty cost cell is the default), from the parameters of
:func:`load_costs`, or from the defaults below. Per-order items (freight, insurance,
packaging, gift, coupon, free-shipping threshold) are the platform-wide row's; commission,
payment fee, unit weight, return freight and unsellable share may differ by category. Every
report whose figures use a default says so (a note naming the items).

Defaults and their sources
--------------------------
- commission_rate 5%: the most common rate of Tmall's software service fee (软件服务费/技术服务费)
  schedule (天猫 资费标准, https://rule.tmall.com, 服饰、家居、厨具 and most categories; 2% for
  数码、家电; 4% for 美妆). Practitioner summaries: https://m.39zn.cn/labels/148707.htm ,
  https://kname.net/ask/tag/%e5%a4%a9%e7%8c%ab%e8%b4%b9%e7%8e%87 .
- payment_fee_rate 0.6%: Alipay's standard merchant fee (支付宝 交易服务费 0.6%), also the
  rate of Taobao's basic software service fee; https://m.maijia.com/labels/224540.htm .
- freight_first ¥4, freight_extra ¥2 per kg, unit_weight_kg 0.5: e-commerce contract rates
  of the 通达 carriers for a first kg and each extra kg (retail price lists are ¥10-12 and
  ¥2-5; shops with volume pay ¥3-5 first weight),
  http://fengdujob.net/go/申通快递首重续重如何计费.html .
- shipping_insurance ¥0.8 per order: seller-bought 退货运费险/退货宝 premiums run about
  ¥0.3-1.5 per order, priced on the shop's return rate; https://m.maijia.com/labels/169420.htm .
- packaging ¥1 per order (carton or bag, filler, label); gift and coupon ¥0.
- return_freight ¥3 per returned unit: the part of the return parcel the insurance does not
  pay, plus receiving and inspection (an assumption: give your own figure).
- unsellable_share 10% of returned units written off (an assumption: give your own figure).
- free_shipping_over ¥0: every order ships free (包邮, the Tmall norm).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

DEFAULT_PLATFORM = "天猫"
PLATFORM_WIDE = ("*", "全部")  # the category of the platform-wide row
FIRST_WEIGHT_KG = 1.0  # the carriers' first-weight step
#: Default commission by a word of the category (the first that matches), else the default rate.
COMMISSION_BY_WORD = (("数码", 0.02), ("家电", 0.02), ("手机", 0.02), ("电脑", 0.02), ("美妆", 0.04),
                      ("护肤", 0.04), ("彩妆", 0.04))


@dataclass(frozen=True)
class CostRates:
    """The cost items of one scope (a platform, or one category of it). Money in yuan.

    Attributes
    ----------
    commission_rate : 扣点, a fraction of the paid amount after refunds.
    payment_fee_rate : 支付手续费, a fraction of the paid amount.
    freight_first : 首重运费, yuan per order (its first kg).
    freight_extra : 续重运费, yuan per extra kg (0 for a flat rate).
    unit_weight_kg : shipping weight of one unit, kg.
    free_shipping_over : paid amount per order from which the shop pays the freight (0: always).
    shipping_insurance : 运费险 the shop buys, yuan per order.
    packaging : yuan per order.
    gift_cost : 赠品, yuan per order.
    coupon_cost : coupons the shop funds outside the paid amount, yuan per order.
    return_freight : yuan per returned unit (return parcel and handling).
    unsellable_share : fraction of returned units that cannot be sold again.
    """

    commission_rate: float = 0.05
    payment_fee_rate: float = 0.006
    freight_first: float = 4.0
    freight_extra: float = 2.0
    unit_weight_kg: float = 0.5
    free_shipping_over: float = 0.0
    shipping_insurance: float = 0.8
    packaging: float = 1.0
    gift_cost: float = 0.0
    coupon_cost: float = 0.0
    return_freight: float = 3.0
    unsellable_share: float = 0.1


ITEMS = tuple(f.name for f in fields(CostRates))
#: Items that may differ by category; the others are per order and taken from the platform row.
LINE_ITEMS = ("commission_rate", "payment_fee_rate", "unit_weight_kg", "return_freight", "unsellable_share")
ORDER_ITEMS = tuple(i for i in ITEMS if i not in LINE_ITEMS)
#: Cost columns :func:`cost_lines` adds (yuan per line).
COST_COLUMNS = ("commission", "payment_fee", "freight", "shipping_insurance", "packaging", "gift_cost",
                "coupon_cost", "return_cost")


def default_commission(category: str | None) -> float:
    """The default commission rate of a category (:data:`COMMISSION_BY_WORD`, else 5%)."""
    if not isinstance(category, str):  # a product without a category (NaN, None) takes the default
        return CostRates.commission_rate
    for word, rate in COMMISSION_BY_WORD:
        if word in category:
            return rate
    return CostRates.commission_rate


@dataclass(frozen=True)
class CostModel:
    """The shop's costs: a platform-wide :class:`CostRates` and per-category overrides.

    ``defaulted`` names the items no table row or parameter gave (the defaults are used);
    ``origin`` says where the rest came from ("defaults", "parameters", "costs table").
    """

    platform: str = DEFAULT_PLATFORM
    base: CostRates = field(default_factory=CostRates)
    categories: dict[str, dict[str, float]] = field(default_factory=dict)  # category -> item -> value
    defaulted: tuple[str, ...] = ITEMS
    origin: str = "defaults"

    def rates(self, category: str | None) -> CostRates:
        """The rates of one category: its row's items over the platform row's."""
        given = dict(self.categories.get(category or "", {}))
        if "commission_rate" in self.defaulted and "commission_rate" not in given:
            given["commission_rate"] = default_commission(category)
        return replace(self.base, **{k: v for k, v in given.items() if k in LINE_ITEMS})

    def note_defaults(self) -> None:
        """A report note naming the cost items taken from the defaults (none: no note)."""
        if not self.defaulted:
            return
        items = ", ".join(self.defaulted)
        note(f"利润口径：以下成本项没有店铺自己的数字，使用默认值（见 docs/costs.md，可用 costs 表提供）：{items}",
             f"profit figures: these cost items are not the shop's own and use the defaults (see "
             f"docs/costs.md; give a costs table to replace them): {items}", stacklevel=3, sticky=True)


def _check_value(item: str, value: float, where: str) -> float:
    value = float(value)
    rate = item in ("commission_rate", "payment_fee_rate", "unsellable_share")
    if not np.isfinite(value) or value < 0 or (rate and value > 1):
        raise DataError(f"{item} is {value!r}", file=where, column=item,
                        fix="give a fraction between 0 and 1 (0.05 = 5%)" if rate
                        else "give a non-negative amount in yuan (kg for unit_weight_kg)")
    return value


def load_costs(shop: Shop | None = None, platform: str | None = None, as_of: pd.Timestamp | None = None,
               **parameters: float | None) -> CostModel:
    """The shop's cost model: the ``costs`` table's rows, then ``parameters``, then defaults.

    Parameters
    ----------
    shop : connected data; its ``costs`` table is read when there is one.
    platform : the rows of this platform; None takes the table's only platform (several
        platforms need a choice), or 天猫 without a table.
    as_of : rows with ``valid_from`` after this day are left out; of the rest each scope's
        latest row counts.
    parameters : items of :class:`CostRates` (e.g. ``commission_rate=0.05``) for the
        platform-wide scope, used where the table gives none; None means not given.

    Returns
    -------
    CostModel; a sticky note names the items left at their defaults.

    Raises
    ------
    DataError
        on an unknown item, a value out of bounds, or several platforms without ``platform``.
    """
    unknown = sorted(set(parameters) - set(ITEMS))
    if unknown:
        raise DataError(f"unknown cost item(s) {', '.join(unknown)}", column=", ".join(unknown),
                        fix=f"use one of {', '.join(ITEMS)}")
    given = {k: _check_value(k, v, "parameters") for k, v in parameters.items() if v is not None}
    rows = _table_rows(shop, platform, as_of)
    chosen = platform or (str(rows["platform"].iloc[0]) if len(rows) else DEFAULT_PLATFORM)
    base_row = rows[rows["category"] == ""]
    table_base = {k: _check_value(k, v, "costs") for k, v in base_row.iloc[0].items()
                  if k in ITEMS and pd.notna(v)} if len(base_row) else {}
    categories: dict[str, dict[str, float]] = {}
    ignored = set()
    for _, r in rows[rows["category"] != ""].iterrows():
        items = {k: _check_value(k, v, "costs") for k, v in r.items() if k in ITEMS and pd.notna(v)}
        ignored |= {k for k in items if k in ORDER_ITEMS}
        categories[str(r["category"])] = {k: v for k, v in items.items() if k in LINE_ITEMS}
    if ignored:
        note(f"costs 表：{', '.join(sorted(ignored))} 是每单的成本，只取平台整体那一行（类目为空），类目行的值未使用",
             f"costs table: {', '.join(sorted(ignored))} are per-order items, taken from the platform-wide row "
             "(empty category) only; the category rows' values are not used", sticky=True)
    merged = {**given, **table_base}
    seen = set(merged) | {k for items in categories.values() for k in items}
    model = CostModel(platform=chosen, base=replace(CostRates(), **merged), categories=categories,
                      defaulted=tuple(i for i in ITEMS if i not in seen),
                      origin="costs table" if len(rows) else "parameters" if given else "defaults")
    model.note_defaults()
    return model


def _table_rows(shop: Shop | None, platform: str | None, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """The ``costs`` rows in force for one platform: each scope's latest row (category "" =
    platform-wide); an empty frame without the table."""
    if shop is None or not shop.has("costs"):
        return pd.DataFrame(columns=["platform", "category", *ITEMS])
    rows = shop.table("costs").execute()
    rows["category"] = rows["category"].replace(dict.fromkeys(PLATFORM_WIDE, ""))
    platforms = sorted(rows["platform"].dropna().astype(str).unique())
    if platform is None and len(platforms) > 1:
        raise DataError(f"the costs table has rows for several platforms ({', '.join(platforms)})",
                        file="costs", column="platform", fix="choose one with load_costs(shop, platform=...)")
    if platform is not None:
        rows = rows[rows["platform"] == platform]
        if rows.empty:
            raise DataError(f"the costs table has no row for platform {platform!r}", file="costs",
                            column="platform", fix=f"use one of {', '.join(platforms)} or add its rows")
    start = pd.to_datetime(rows["valid_from"])
    if as_of is not None:
        rows, start = rows[start <= as_of], start[start <= as_of]
    rows = rows.assign(_start=start).sort_values("_start", kind="stable")
    return rows.groupby("category", sort=True).tail(1).drop(columns="_start").reset_index(drop=True)


def _rates_table(model: CostModel, categories: list[str | None]):
    """The per-category rates as an in-memory Ibis table (category, the line items)."""
    import ibis

    frame = pd.DataFrame([{"category": c, **{k: getattr(model.rates(c), k) for k in LINE_ITEMS}}
                          for c in categories])
    return ibis.memtable(frame.astype({"category": "string", **{k: "float64" for k in LINE_ITEMS}}))


def cost_lines(lines: Any, model: CostModel) -> Any:
    """Order lines with their platform and logistics costs (an Ibis table; 口径 in the module).

    Parameters
    ----------
    lines : paid order lines with order_id, quantity, paid_amount, category and unit_cost
        (:func:`helpers.core.lines.with_products` or
        :func:`helpers.core.lines.lines_with_refunds`); with refund_amount and returned when
        refunds are known (else no refund and no return is assumed).
    model : :func:`load_costs`.

    Returns
    -------
    The lines with :data:`COST_COLUMNS` (yuan per line), order_freight (the order's freight
    the shop pays, yuan), waived_freight (the line's share of the freight of an order under
    the free-shipping threshold, which the buyer pays unless a 免邮 campaign waives it) and
    platform_costs (the sum of :data:`COST_COLUMNS`).
    """
    import ibis

    b = model.base
    cats = lines.select("category").distinct().execute()["category"].tolist()
    rates = _rates_table(model, cats)
    lines = lines.left_join(rates, lines.category.identical_to(rates.category)).drop("category_right")
    if "refund_amount" not in lines.columns:
        lines = lines.mutate(refund_amount=ibis.literal(0.0), returned=ibis.literal(0))
    lines = lines.mutate(weight=lines.quantity * lines.unit_weight_kg)
    orders = lines.group_by("order_id").aggregate(order_paid=lines.paid_amount.sum(), order_units=lines.quantity.sum(),
                                                  order_weight=lines.weight.sum())
    # weights summed in another order differ in the 16th digit (0.4 + 0.2 + 0.3 + 0.1 = 1.0000000000000002);
    # rounded to the gram first, an order of exactly 1 kg never costs an extra kg on one engine only
    steps = ibis.greatest((orders.order_weight - FIRST_WEIGHT_KG).round(3).ceil(), 0)
    freight = b.freight_first + b.freight_extra * steps
    orders = orders.mutate(order_freight=ibis.ifelse(orders.order_paid >= b.free_shipping_over, freight, 0.0),
                           buyer_freight=ibis.ifelse(orders.order_paid >= b.free_shipping_over, 0.0, freight))
    lines = lines.left_join(orders, "order_id").drop("order_id_right")
    share = ibis.ifelse(lines.order_units > 0, lines.quantity / lines.order_units.cast("float64"), 0.0)
    unit_cost = lines.unit_cost.fill_null(0.0)
    refund = lines.refund_amount.fill_null(0.0)
    returned = lines.returned.fill_null(0)
    out = lines.mutate(
        commission=lines.commission_rate * (lines.paid_amount - refund),
        payment_fee=lines.payment_fee_rate * lines.paid_amount,
        freight=lines.order_freight * share,
        waived_freight=lines.buyer_freight * share,
        shipping_insurance=b.shipping_insurance * share,
        packaging=b.packaging * share,
        gift_cost=b.gift_cost * share,
        coupon_cost=b.coupon_cost * share,
        return_cost=returned * (lines.return_freight + lines.unsellable_share * unit_cost),
    )
    total = out.commission
    for c in COST_COLUMNS[1:]:
        total = total + out[c]
    return out.mutate(platform_costs=total)


def contribution_by_product(shop: Shop, period: Period, model: CostModel | None = None) -> pd.DataFrame:
    """Per product, the period's costs beyond the goods and the contribution before ads.

    Formula (yuan): contribution = sales - refund_amount - cogs - platform_costs, where cogs =
    units kept x unit cost (a refund before shipping keeps nothing, a return keeps the units
    not returned) and platform_costs = commission + payment fee + freight + insurance +
    packaging + gift + coupon + return cost (:func:`cost_lines`).

    Returns
    -------
    DataFrame indexed by product_id: units, orders, sales, refund_amount, cogs,
    :data:`COST_COLUMNS`, platform_costs, contribution (yuan).
    """
    import ibis

    from helpers.core.lines import lines_with_refunds

    model = model or load_costs(shop)
    lines = lines_with_refunds(shop, period)
    back = ibis.ifelse(lines.shipped == False, lines.quantity,  # noqa: E712
                       ibis.least(lines.returned, lines.quantity))
    lines = cost_lines(lines.mutate(kept=lines.quantity - back), model)
    agg = lines.group_by("product_id").aggregate(
        units=lines.quantity.sum(), orders=lines.order_id.nunique(), sales=lines.paid_amount.sum(),
        refund_amount=lines.refund_amount.sum(), cogs=(lines.kept * lines.unit_cost).sum(),
        **{c: lines[c].sum() for c in (*COST_COLUMNS, "platform_costs")}).execute().set_index("product_id")
    agg["contribution"] = agg["sales"] - agg["refund_amount"] - agg["cogs"].fillna(0.0) - agg["platform_costs"]
    return agg


def daily_costs(shop: Shop, model: CostModel | None = None) -> pd.DataFrame:
    """Platform and logistics costs of the paid lines by pay day and campaign, refunds aside.

    Formula (yuan): platform_costs = Σ :func:`cost_lines` costs of the day's lines (commission
    on the paid amount, no return cost: a postmortem counts refunds on their own);
    waived_freight = Σ freight of the orders under the free-shipping threshold (what a 免邮
    campaign pays for its orders).

    Returns
    -------
    DataFrame: date (pay day), campaign_id ("" for none), paid, platform_costs, waived_freight.
    """
    from helpers.core.lines import paid_order_lines, with_products

    model = model or load_costs(shop)
    lines = paid_order_lines(shop)
    lines = with_products(shop, lines.mutate(date=lines.pay_time.date(), campaign_id=lines.campaign_id.fill_null("")))
    lines = cost_lines(lines, model)
    out = lines.group_by(["date", "campaign_id"]).aggregate(
        paid=lines.paid_amount.sum(), platform_costs=lines.platform_costs.sum(),
        waived_freight=lines.waived_freight.sum()).execute()
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["date", "campaign_id"]).reset_index(drop=True)


def contribution_margin(shop: Shop, period: Period, model: CostModel | None = None) -> float:
    """Contribution margin before ads of the period's paid lines (a fraction).

    Formula: Σ contribution / Σ paid amount over lines of products with a unit cost
    (:func:`contribution_by_product`): what each yuan an ad brings in leaves after refunds,
    goods, platform and logistics costs. Lines of products without a cost are left out.
    NaN when no line has a cost.
    """
    c = contribution_by_product(shop, period, model)
    costed = c[c["cogs"].notna()] if shop.has("products") else c.iloc[0:0]
    sales = float(costed["sales"].sum())
    return float(costed["contribution"].sum() / sales) if sales > 0 else float("nan")


def break_even_roi(margin: float | pd.Series) -> float | pd.Series:
    """Break-even ROI 保本ROI on the contribution margin before ads.

    Formula: 1 / contribution margin before ads (:func:`contribution_margin`), where the margin
    = (paid - refunds - goods - commission - payment fee - freight - per-order costs - return
    cost) / paid. An ad whose ROI (attributed amount / spend) is above it adds profit.

    Returns
    -------
    A ratio; NaN where the margin is not positive (no ROI breaks even).
    """
    m = pd.Series(margin, dtype=float) if not np.isscalar(margin) else pd.Series([margin], dtype=float)
    out = 1.0 / m.where(m > 0)
    return float(out.iloc[0]) if np.isscalar(margin) else out.set_axis(margin.index)


def max_cpc(value_per_click: float | pd.Series, margin: float) -> float | pd.Series:
    """Highest affordable CPC 最高可承受点击花费.

    Formula: attributed amount per click (yuan) x contribution margin before ads
    (:func:`contribution_margin`): the cost per click at which a click's contribution pays
    exactly for it.

    Returns
    -------
    Yuan per click; NaN where the margin is not positive.
    """
    return value_per_click * (margin if margin > 0 else float("nan"))
