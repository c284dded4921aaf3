"""After-sales: shipments, refunds by defect and lateness, reviews, service chats and DSR.

Planted product defects and a late-shipping effect move refunds, bad reviews and DSR scores.
All of it draws from its own random stream (``STREAMS["after_sales"]``): orders, traffic and
every other table are byte-identical with or without it. Refunds keep each category's rate
(the ``refunds`` truth, per campaign flag): the after-sales model only moves refunds within a
category towards defective products and late parcels (see :meth:`_AfterSales._refund_lines`).
Writes ``shipments``, ``reviews``, ``service`` and ``dsr``; truth ``after_sales``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from helpers.core.contract import TABLES

from .calendar import _dates, _day_index, _epoch_day, _iso_date
from .draws import _draw_reasons
from .specs import (
    CAMPAIGN_REFUND_MULTIPLIER,
    CAMPAIGNS,
    CATEGORIES,
    HOURS,
    N_DAYS,
    PARTIAL_REASONS,
    REASON_WEIGHTS_APPAREL,
    REASON_WEIGHTS_OTHER,
    REFUND_DAYS_SHIPPED,
    REFUND_REASONS,
    SECONDS_PER_DAY,
    SHIPPED_PROB,
    STREAMS,
)
from .writers import _customer_ids, _TableWriter, _take, _timestamps, _write_table

if TYPE_CHECKING:
    from .simulator import _Simulator

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


def _trailing_rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` rows (fewer at the start), along axis 0."""
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[window:] = c[window:] - c[:-window]
    return out


def _defect_products(products: dict) -> dict[int, tuple[str, str]]:
    """Product index -> (complaint theme, refund reason) of the planted defective products."""
    cut = _day_index(DEFECT_LAUNCHED_BEFORE)
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
        self.rng = np.random.default_rng([seed, STREAMS["after_sales"]])
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
        self.writers = {n: _TableWriter(out_dir, n, fmt) for n in ("shipments", "reviews", "service")}
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
        generic = np.where(apparel, _draw_reasons(rng, REASON_WEIGHTS_APPAREL, m),
                           _draw_reasons(rng, REASON_WEIGHTS_OTHER, m))
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
        total = _trailing_rolling_sum(self.dsr_sum, DSR_WINDOW)
        count = _trailing_rolling_sum(self.dsr_n[:, None], DSR_WINDOW)
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
            "window": {"from": _iso_date(self.first_day), "to": _iso_date(N_DAYS - 1), "days": AFTER_SALES_DAYS,
                       "covers": "shipments and reviews of the orders paid from `from`; chats "
                                 "from `from`; dsr for every day from " + _iso_date(DSR_FIRST_DAY)},
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
                "window_days": DSR_WINDOW, "first_day": _iso_date(DSR_FIRST_DAY),
                "star_loss_probability": {k: dict(v) for k, v in DSR_LOSS.items()},
                "effects_on_expected_score": {k: {e: -4 * v for e, v in loss.items() if e != "base"}
                                              for k, loss in DSR_LOSS.items()},
                "peer_average": dict(DSR_PEER),
                "definition": "each reviewed line scores 5 - Binomial(4, base + sum(effects)); "
                              "slow_response = the order came from a chat answered after "
                              f"{SLOW_RESPONSE_SECONDS} s; refunded = the line was refunded",
            },
        }
