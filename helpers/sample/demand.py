"""Demand: expected visitors and conversion per (day, source), and what buyers put in baskets.

:class:`_Demand` multiplies the calendar effects into expected visitors and conversion, and
weighs the products a buyer picks (popularity x category weight x launch ramp x season x
price elasticity), with and without each campaign; the counterfactual is what the
``campaigns`` truth is measured against. :func:`_baskets` draws orders' products, units and
paid cents under the day's mechanic (满减 with 凑单 top-ups, 免邮, 限时折扣, 买一送一), and
:func:`_expected_order_value` is the Monte Carlo behind the ``campaigns`` truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import (
    _anomaly_effects,
    _bot_visitors,
    _campaign_effects,
    _spring_festival,
    _trend,
    _weekday,
    _yearly_cosine,
)
from .draws import _lognormal_noise
from .specs import (
    CAMPAIGNS,
    CART_RATE,
    CATEGORIES,
    DAY_CONVERSION_CV,
    N_DAYS,
    NEW_PRODUCT_RAMP_DAYS,
    SHOP_SEASON_AMP,
    SHOP_SEASON_PEAK,
    SOURCES,
    STREAMS,
    TAG_RULE,
    WEEKDAY,
)

TOPUP_PROB = 0.55  # buyers just below a threshold who add a filler item (凑单)
TOPUP_BAND = 0.3  # filler price lies in [gap, gap + band * threshold]
MC_ORDERS = 20_000  # Monte Carlo baskets per day for the expected order value


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
    campaigns (the counterfactual is what the campaign truth is measured against).

    ``day_effect`` multiplies the conversion of every (day, source), with and without the
    campaign alike (common random numbers: the campaign truth stays the campaign's own
    effect): mean-1 log-normal, CV ``DAY_CONVERSION_CV``, from the stream
    ``[seed, STREAMS["day_effect"]]``.
    """

    def __init__(self, products: dict, price: np.ndarray, scale: float, seed: int) -> None:
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
        sd = float(np.sqrt(np.log1p(DAY_CONVERSION_CV**2)))  # log-normal CV -> log sd
        self.day_effect = _lognormal_noise(np.random.default_rng([seed, STREAMS["day_effect"]]),
                                           sd, (N_DAYS, len(SOURCES)))
        conv_common = p[None, :] * sf_conv[:, None] * anom_conv * self.day_effect
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
    rng = np.random.default_rng([seed, STREAMS["order_value"], day])
    return float(_baskets(rng, demand.context(day, with_campaign), MC_ORDERS)["order_paid"].mean())
