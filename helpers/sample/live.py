"""Live sessions (直播场次): the shop's own host and two creators, with a known incremental effect.

The sessions are scheduled first (own stream, :data:`LIVE_STREAM`) on days outside every
campaign window of the product-traffic window, one session a day at most. On a session day the
淘宝直播 visitors of ``product_traffic`` convert ``1 + incremental_lift`` times as often as on
other days (:mod:`.product_traffic` applies it): that is the session's incremental effect, the
truth a days-with against days-without comparison recovers. The session's own report
(``live_sessions``: viewers, product clicks, orders, amount) is what the platform attributes to
it; for the creator 阿杰 it is large while his incremental lift is 0 (his viewers would have
bought anyway), the trap an operator reading attributed sales falls into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import _campaign_windows, _epoch_day, _iso_date
from .draws import _lognormal_noise
from .specs import CAMPAIGNS, N_DAYS, SECONDS_PER_DAY, SOURCES
from .writers import _timestamps

if TYPE_CHECKING:
    from .simulator import _Simulator

LIVE_STREAM = 41  # [seed, LIVE_STREAM]: the sessions' own random stream
LIVE_SOURCE = "淘宝直播"
WINDOW_DAYS = 112  # product_traffic covers the last 16 weeks; sessions fall in it
CAMPAIGN_MARGIN_DAYS = 7  # no session this close to a campaign window (its effect would mix in)


@dataclass(frozen=True)
class CreatorSpec:
    """A host of live sessions and the truth of their effect."""

    name: str
    sessions: int  # sessions in the window (at scale 1 and any other)
    incremental_lift: float  # relative rise of the live source's conversion on a session day
    click_share: float  # share of the day's live-source visitors that come from the session
    attributed_conversion: float  # orders the platform attributes per product click
    viewers_per_click: float  # viewers per product click
    watch_seconds: float  # mean average watch time
    duration_min: tuple[float, float]


CREATORS: tuple[CreatorSpec, ...] = (
    CreatorSpec("悦家优品官方店播", 24, 0.25, 0.45, 0.05, 12.0, 75.0, (120.0, 240.0)),
    CreatorSpec("达人·小雅", 10, 1.0, 0.7, 0.09, 25.0, 110.0, (90.0, 150.0)),
    CreatorSpec("达人·阿杰", 10, 0.0, 0.8, 0.12, 40.0, 45.0, (60.0, 120.0)),
)


def _window_start() -> int:
    return N_DAYS - WINDOW_DAYS


def _free_days() -> np.ndarray:
    """Days of the window a session may fall on: away from every campaign window."""
    ok = np.zeros(N_DAYS, dtype=bool)
    ok[_window_start():] = True
    for spec in CAMPAIGNS:
        win = _campaign_windows(spec)
        lo = (win["warmup"] or win["event"])[0] - CAMPAIGN_MARGIN_DAYS
        hi = (win["post"] or win["event"])[1] + CAMPAIGN_MARGIN_DAYS
        ok[max(lo, 0):hi + 1] = False
    return np.nonzero(ok)[0]


def _schedule(seed: int) -> dict[int, int]:
    """Day index -> creator index of every session (at most one a day)."""
    rng = np.random.default_rng([seed, LIVE_STREAM])
    days = _free_days()
    n = sum(c.sessions for c in CREATORS)
    chosen = rng.choice(days, size=n, replace=False)
    creator = np.repeat(np.arange(len(CREATORS)), [c.sessions for c in CREATORS])
    return {int(d): int(c) for d, c in zip(chosen, creator, strict=True)}


def _session_lift(schedule: dict[int, int]) -> np.ndarray:
    """Multiplier of the live source's conversion per day (1 without a session)."""
    lift = np.ones(N_DAYS)
    for day, c in schedule.items():
        lift[day] = 1.0 + CREATORS[c].incremental_lift
    return lift


def _live_sessions(seed: int, sim: _Simulator, schedule: dict[int, int],
                   incremental: dict[str, float]) -> tuple[dict, dict]:
    """The ``live_sessions`` table and its truth.

    ``incremental`` is the expected incremental paid amount per session day of each creator
    (yuan), computed by :mod:`.product_traffic` from the conversion it drew with. A session's
    order value is the live source's mean paid amount per buyer.
    """
    rng = np.random.default_rng([seed, LIVE_STREAM, 1])
    src = [s.name for s in SOURCES].index(LIVE_SOURCE)
    mean_price = sim.traffic["paid_cents"][:, src].sum() / max(sim.traffic["paid_buyers"][:, src].sum(), 1) / 100
    days = np.array(sorted(schedule), dtype=np.int64)
    who = np.array([schedule[int(d)] for d in days], dtype=np.int64)
    specs = [CREATORS[c] for c in who]
    live_visitors = sim.traffic["visitors"][days, src]
    clicks = rng.binomial(live_visitors, [s.click_share for s in specs])
    viewers = clicks + rng.poisson(clicks * np.array([s.viewers_per_click - 1 for s in specs]))
    orders = rng.binomial(clicks, [s.attributed_conversion for s in specs])
    amount = np.rint(orders * mean_price * _lognormal_noise(rng, 0.15, len(days)) * 100) / 100
    start_sec = (19 * 3600 + rng.integers(0, 6, len(days)) * 900).astype(np.int64)
    lo = np.array([s.duration_min[0] for s in specs])
    hi = np.array([s.duration_min[1] for s in specs])
    duration = np.rint(rng.uniform(lo, hi) / 5) * 5
    watch = np.rint(np.array([s.watch_seconds for s in specs]) * _lognormal_noise(rng, 0.2, len(days)))
    ids = [f"L{_iso_date(int(d)).replace('-', '')}{c + 1:02d}" for d, c in zip(days, who, strict=True)]
    columns = {
        "session_id": pa.array(ids, pa.string()),
        "start": _timestamps(_epoch_day(days) * SECONDS_PER_DAY + start_sec),
        "duration_min": pa.array(duration.astype(float)),
        "viewers": pa.array(viewers, pa.int64()),
        "avg_watch_seconds": pa.array(watch.astype(float)),
        "product_clicks": pa.array(clicks, pa.int64()),
        "orders": pa.array(orders, pa.int64()),
        "amount": pa.array(amount),
        "creator": pa.array([s.name for s in specs], pa.string()),
    }
    truth = {
        "source": LIVE_SOURCE,
        "window": {"start": _iso_date(_window_start()), "end": _iso_date(N_DAYS - 1)},
        "model": "sessions on days away from campaign windows, one a day; on a session day the live source's "
                 "visitors in product_traffic convert (1 + incremental_lift) times as often; the session's "
                 "orders and amount are what the platform attributes to it, not its incremental effect",
        "creators": {
            c.name: {"sessions": c.sessions, "incremental_lift": c.incremental_lift,
                     "attributed_conversion": c.attributed_conversion,
                     "expected_incremental_amount_per_session": incremental.get(c.name, 0.0),
                     "attributed_amount": float(amount[who == k].sum()),
                     "incremental": c.incremental_lift > 0}
            for k, c in enumerate(CREATORS)},
        "session_days": {_iso_date(d): CREATORS[c].name for d, c in sorted(schedule.items())},
        "no_session_days_in_window": int(WINDOW_DAYS - len(schedule)),
        "campaign_margin_days": CAMPAIGN_MARGIN_DAYS,
    }
    return columns, truth
