"""The shop reduced to day grain for a postmortem: sales, orders, buyers, campaign lines,
categories, ads and refund cohorts per day (:func:`load_frames`).

Reductions run in the engine (Ibis): a few grouped queries over the order lines, each
returning at most a row per day, campaign, category and refund delay, so a postmortem stays
fast whatever the shop's size; the models and sentences then work on these small frames.

口径 used here
--------------
- **Sales** (支付金额): paid order lines (:func:`helpers.core.lines.paid_order_lines`) by
  **pay date**, the whole shop (the campaign's effect on the shop, not only on its tagged
  lines). **Campaign lines**: order lines whose ``campaign_id`` is the campaign's.
- **List value** (原价金额) = list price x quantity; **cost** = quantity x
  ``products.unit_cost`` (null without a cost).
- **Buyers**: distinct known customers per day (:func:`helpers.core.lines.known_customer`);
  **new buyers**: customers whose first paid order in the data is that day.
- **Refund cohorts**: the paid lines of a day with the refunds they received, whenever they
  came; **refund delay**: whole days from payment to the line's last refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.campaigns.campaign import read_campaigns
from helpers.core.costs import daily_costs
from helpers.core.lines import known_customer, paid_order_lines, with_products
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.shop import Shop

CAMPAIGN_COLUMNS = ["campaign_id", "name", "mechanic", "threshold", "reduction", "discount_rate",
                    "warmup_start", "start", "end", "budget"]


@dataclass
class Frames:
    """Everything a postmortem needs, reduced in the engine to day grain (small frames).

    ``daily`` is indexed by every day from the first to the last pay date; the optional
    tables' frames are None when the table is missing. Money in yuan.
    """

    campaigns: pd.DataFrame
    daily: pd.DataFrame  # sales, orders, buyers, units, list_value, cost, costed_list_value
    campaign_daily: pd.DataFrame  # date, campaign_id, paid, list_value, cost, lines, orders, units
    new_buyers: pd.Series  # customers whose first paid order is on that day
    category_daily: pd.DataFrame | None = None  # date x category: sales
    campaign_categories: pd.DataFrame | None = None  # campaign_id, category, paid, lines
    ads_daily: pd.Series | None = None  # spend per day
    refund_cohorts: pd.DataFrame | None = None  # date, campaign_id ("" none), category, lines, paid, refunds
    refund_delays: pd.Series | None = None  # refunds by whole days after payment
    refunds_daily: pd.Series | None = None  # refund amount per refund day
    costs: pd.DataFrame | None = None  # date, campaign_id: paid, platform_costs, waived_freight (core.costs)
    origin: str = ""

    @property
    def data_first(self) -> pd.Timestamp:
        """The first pay day of the data."""
        return self.daily.index[0]

    @property
    def data_last(self) -> pd.Timestamp:
        """The last pay day of the data."""
        return self.daily.index[-1]


def dated_paid_lines(shop: Shop):
    """:func:`helpers.core.lines.paid_order_lines` with ``date``, the pay day (an Ibis expression)."""
    lines = paid_order_lines(shop)
    return lines.mutate(date=lines.pay_time.date())


def paid_lines(shop: Shop):
    """Paid order lines with ``date`` (pay day), ``list_value`` (list price x quantity, yuan), the
    product's category and unit cost (:func:`helpers.core.lines.with_products`) and ``cost``
    (quantity x unit cost); an Ibis expression."""
    lines = with_products(shop, dated_paid_lines(shop))
    return lines.mutate(list_value=lines.list_price * lines.quantity, cost=lines.quantity * lines.unit_cost)


def _by_day(frame: pd.DataFrame, days: pd.DatetimeIndex, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.set_index("date")[columns].reindex(days).fillna(0.0)


def _line_cube(shop: Shop) -> pd.DataFrame:
    """Paid lines added up by pay day, campaign_id, category and refund delay (one query).

    delay is the whole days from payment to the line's last refund (null when not refunded
    or without a refunds table); refund_amount is the line's refunds, summed. Every sum of
    :class:`Frames` that is not a distinct count is read from this frame: each added
    grouping was another pass over every order line.
    """
    import ibis

    lines = paid_lines(shop)
    if shop.has("refunds"):
        r = shop.table("refunds")
        r = r.group_by(["order_id", "product_id"]).aggregate(refund_time=r.refund_time.max(),
                                                             refund_amount=r.refund_amount.sum())
        lines = lines.left_join(r, ["order_id", "product_id"])
        delay = ((lines.refund_time.epoch_seconds() - lines.pay_time.epoch_seconds()) / 86400).floor()
        lines = lines.mutate(delay=ibis.ifelse(lines.refund_amount.notnull(), delay, ibis.null()))
    else:
        lines = lines.mutate(refund_amount=ibis.null().cast("float64"), delay=ibis.null().cast("float64"))
    cube = lines.group_by(["date", "campaign_id", "category", "delay"]).aggregate(
        lines=lines.count(), paid=lines.paid_amount.sum(), units=lines.quantity.sum(),
        list_value=lines.list_value.sum(), cost=lines.cost.sum(),
        costed_list_value=ibis.ifelse(lines.unit_cost.isnull(), 0.0, lines.list_value).sum(),
        refund_lines=ibis.ifelse(lines.refund_amount.notnull(), 1, 0).sum(),
        refund_amount=lines.refund_amount.fill_null(0.0).sum(),
    ).execute()
    cube["date"] = pd.to_datetime(cube["date"])
    return cube


def _add_up(cube: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Sums of ``columns`` by ``keys`` (null keys kept; a sum over nothing but nulls stays NaN,
    as in the engine)."""
    return cube.groupby(keys, dropna=False, sort=True)[columns].sum(min_count=1).reset_index()


def _tagged(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["campaign_id"].notna() & (frame["campaign_id"] != "")]


def _note_anonymous(anonymous: int, lines: int) -> None:
    if anonymous:
        note(f"{lines} 条已支付订单行中有 {anonymous} 条买家ID为空：其销售额和订单计入，但不计为买家或新客",
             f"{anonymous} of {lines} paid order lines have an empty customer_id: their sales and orders "
             "count, but they are not among the buyers or first-time buyers", stacklevel=3)


def load_frames(shop: Shop) -> Frames:
    """Reduce the shop's orders, refunds, ads and products to the day-grain frames of :class:`Frames`.

    Four grouped queries over the order lines run in the engine (the sums by day, campaign,
    category and refund delay; distinct orders and buyers by day; distinct orders by day
    and campaign; first-purchase days); each returns at most a row per day, campaign,
    category and delay, so this stays fast on large shops. Lines without a known buyer are
    a note.

    Raises
    ------
    ValueError
        when the orders table has no paid line (nothing to review).
    """
    cube = _line_cube(shop)
    if cube.empty:
        raise ValueError(f"orders in {shop.origin} has no paid line (status paid with a pay_time): "
                         "there is nothing to review")
    days = pd.date_range(cube["date"].min(), cube["date"].max())
    lines = dated_paid_lines(shop)
    known = known_customer(lines)
    distinct = lines.group_by("date").aggregate(orders=lines.order_id.nunique(),
                                                buyers=lines.customer_id.nunique(where=known),
                                                anonymous=(~known).sum()).execute()
    _note_anonymous(int(distinct.pop("anonymous").sum()), int(cube["lines"].sum()))
    sums = ["paid", "units", "list_value", "cost", "costed_list_value"]
    daily = _add_up(cube, ["date"], sums).merge(distinct.assign(date=pd.to_datetime(distinct["date"])), on="date")
    daily = _by_day(daily.rename(columns={"paid": "sales"}), days,
                    ["sales", "orders", "buyers", "units", "list_value", "cost", "costed_list_value"])
    tagged = lines.filter(lines.campaign_id.notnull() & (lines.campaign_id != ""))
    orders = tagged.group_by(["date", "campaign_id"]).aggregate(orders=tagged.order_id.nunique()).execute()
    orders["date"] = pd.to_datetime(orders["date"])
    campaign_daily = _add_up(_tagged(cube), ["date", "campaign_id"], ["paid", "list_value", "cost", "lines", "units"])
    campaign_daily = campaign_daily.merge(orders, on=["date", "campaign_id"], how="left")[
        ["date", "campaign_id", "paid", "list_value", "cost", "lines", "orders", "units"]]
    firsts = lines.filter(known).group_by("customer_id").aggregate(first=lines.date.min())
    new = firsts.group_by("first").aggregate(n=firsts.count()).execute()
    new_buyers = (pd.Series(new["n"].to_numpy(float), index=pd.to_datetime(new["first"]))
                  .reindex(days).fillna(0.0))
    campaigns = read_campaigns(shop) if shop.has("campaigns") else pd.DataFrame(columns=CAMPAIGN_COLUMNS)
    frames = Frames(campaigns=campaigns, daily=daily, campaign_daily=campaign_daily, new_buyers=new_buyers,
                    origin=shop.origin, costs=daily_costs(shop))
    if shop.has("products"):
        cat = _add_up(cube.assign(category=cube["category"].fillna("?")), ["date", "category"], ["paid"])
        frames.category_daily = (cat.pivot_table(index="date", columns="category", values="paid",
                                                 aggfunc="sum").reindex(days).fillna(0.0))
        frames.campaign_categories = _add_up(_tagged(cube), ["campaign_id", "category"], ["paid", "lines"])
    if shop.has("ads"):
        a = shop.table("ads")
        ads = a.group_by("date").aggregate(spend=a.spend.sum()).execute()
        frames.ads_daily = _by_day(ads, days, ["spend"])["spend"]
    if shop.has("refunds"):
        _load_refunds(shop, cube, frames, days)
    return frames


def _load_refunds(shop: Shop, cube: pd.DataFrame, frames: Frames, days: pd.DatetimeIndex) -> None:
    """Refund cohorts by pay day and campaign, delays after payment, refunds per refund day."""
    cohorts = _add_up(cube.assign(campaign_id=cube["campaign_id"].fillna(""), category=cube["category"].fillna("?")),
                      ["date", "campaign_id", "category"], ["lines", "paid", "refund_lines", "refund_amount"])
    frames.refund_cohorts = cohorts
    refunded = cube[cube["refund_lines"] > 0]
    frames.refund_delays = (refunded.groupby(refunded["delay"].astype(int))["refund_lines"].sum()
                            .astype(float).sort_index().rename_axis("delay").rename(None))
    rr = shop.table("refunds")
    per_day = rr.group_by(date=rr.refund_time.date()).aggregate(amount=rr.refund_amount.sum()).execute()
    per_day["date"] = pd.to_datetime(per_day["date"])
    frames.refunds_daily = per_day.set_index("date")["amount"].reindex(days).fillna(0.0)
