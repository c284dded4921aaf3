"""The simulated calendar: day indices, weekday, season, trend, Spring Festival and campaign days.

Day ``0`` is :data:`~.specs.START` (2025-01-01), day ``N_DAYS - 1`` is :data:`~.specs.END`.
The per-day multipliers here (weekday profile, yearly season, growth trend, the Spring
Festival dip, campaign warm-up / event / post-event effects, injected anomalies, bot visits)
draw nothing: the demand model multiplies them into expected visitors and conversion.
Writes the ``campaigns`` table; :func:`_excluded_days` is the ``normal_days`` truth.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .specs import (
    ANNUAL_GROWTH,
    ANOMALIES,
    CAMPAIGN_VISIT_AMPLIFIER,
    CAMPAIGNS,
    EVENT_CPC_MULTIPLIER,
    N_DAYS,
    SF_BOTTOM_HALF,
    SF_CONV_BOTTOM,
    SF_HALF_WINDOW,
    SF_VISIT_BOTTOM,
    SOURCES,
    SPRING_FESTIVALS,
    START,
    WARMUP_CART_MULTIPLIER,
    WARMUP_CPC_MULTIPLIER,
    CampaignSpec,
)


def _day_index(text: str) -> int:
    """Day index of an ISO date in the simulated period (0 = 2025-01-01)."""
    return int((np.datetime64(text, "D") - START).astype(np.int64))


def _iso_date(day: int) -> str:
    """ISO date of a day index."""
    return str(START + np.timedelta64(int(day), "D"))


def _epoch_day(day: np.ndarray | int) -> np.ndarray | int:
    """Days since 1970-01-01 of day indices (the date32 representation)."""
    return day + int(START.astype(np.int64))


def _dates(days: np.ndarray) -> pa.Array:
    """Day indices as a date32 array."""
    epoch = _epoch_day(np.asarray(days, dtype=np.int64))
    return pa.array(epoch, pa.int64()).cast(pa.int32()).cast(pa.date32())


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
        dist = np.abs(np.arange(N_DAYS) - _day_index(text))
        # Depth 1 at the bottom, falling linearly to 0 at the edge of the window.
        depth = np.clip((SF_HALF_WINDOW - dist) / ramp, 0.0, 1.0)
        vis *= 1 - (1 - SF_VISIT_BOTTOM) * depth
        conv *= 1 - (1 - SF_CONV_BOTTOM) * depth
    return vis, conv


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


def _campaign_windows(spec: CampaignSpec) -> dict[str, tuple[int, int] | None]:
    """Day-index windows (inclusive) of a campaign's warm-up, event and post-event dip."""
    start, end = _day_index(spec.start), _day_index(spec.end)
    warm = (_day_index(spec.warmup_start), start - 1) if spec.warmup_start else None
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
        win = _campaign_windows(spec)
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
            p = _day_index(spec.peak_day)
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
        target[_day_index(a.start):_day_index(a.end) + 1, names.index(a.source)] *= a.multiplier
    return vis, conv


def _bot_visitors(people: np.ndarray) -> np.ndarray:
    """Expected bot visits per (day, source): (multiplier - 1) x the expected people."""
    names = [s.name for s in SOURCES]
    bots = np.zeros((N_DAYS, len(SOURCES)))
    for a in ANOMALIES:
        if a.kind == "bots":
            lo, hi, s = _day_index(a.start), _day_index(a.end) + 1, names.index(a.source)
            bots[lo:hi, s] += people[lo:hi, s] * (a.multiplier - 1.0)
    return bots


def _excluded_days() -> tuple[np.ndarray, list[dict]]:
    """Days outside 'normal' trading: campaign windows, Spring Festival, anomalies."""
    excluded = np.zeros(N_DAYS, dtype=bool)
    windows = []
    for spec in CAMPAIGNS:
        win = _campaign_windows(spec)
        lo = (win["warmup"] or win["event"])[0]
        hi = (win["post"] or win["event"])[1]
        excluded[lo:hi + 1] = True
        windows.append({"start": _iso_date(lo), "end": _iso_date(hi), "reason": spec.campaign_id})
    for text in SPRING_FESTIVALS:
        lo, hi = _day_index(text) - SF_HALF_WINDOW, _day_index(text) + SF_HALF_WINDOW
        excluded[lo:hi + 1] = True
        windows.append({"start": _iso_date(lo), "end": _iso_date(hi), "reason": f"spring festival {text}"})
    for a in ANOMALIES:
        excluded[_day_index(a.start):_day_index(a.end) + 1] = True
        windows.append({"start": a.start, "end": a.end, "reason": f"anomaly {a.source} {a.metric}"})
    return excluded, windows


def _campaign_columns(scale: float) -> dict[str, pa.Array]:
    """Typed campaigns columns; fixed costs scale with the shop."""
    def days(texts: list[str | None]) -> pa.Array:
        idx = np.array([_day_index(t) if t else 0 for t in texts])
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
