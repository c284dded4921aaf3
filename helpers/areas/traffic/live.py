"""Live and creators (直播, 达人): per session and per creator, and whether their sales are incremental.

Reads ``live_sessions`` (one row per session) and, for the incremental effect, the daily paid
amount of the live sources in ``product_traffic``.

口径
----
- Per session: 商品点击率 = product clicks / viewers, 点击转化率 = orders / product clicks (Wilson
  intervals), amount per viewer (yuan), average watch time (seconds). These are the figures the
  platform attributes to the session.
- Incremental sales (增量): whether the live sources sell more on the days a creator is live than
  on days without a session. Ordinary least squares of the day's live-source paid amount on a
  dummy per creator (1 on the creator's session days), weekday dummies and a linear trend, over
  the days of ``product_traffic`` outside campaigns and the Spring Festival
  (:func:`helpers.core.calendar.abnormal_days`), with heteroskedasticity-robust (HC3) standard
  errors and t quantiles (statsmodels). A creator's coefficient is the incremental amount per session day
  (yuan) with its interval; set beside the amount the platform attributes to the session, it
  says how much of that would have been sold anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.calendar import abnormal_days
from helpers.core.findings import Finding, not_enough_data
from helpers.core.notes import note
from helpers.core.stats import rate_with_interval
from helpers.i18n import pick
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

LIVE_GROUPS = ("live",)


def session_table(shop: Shop, period: Period, confidence: float = 0.95) -> pd.DataFrame:
    """The period's sessions with their rates.

    Returns
    -------
    DataFrame: session_id, start, creator, duration_min, viewers, avg_watch_seconds,
    product_clicks, orders, amount, click_rate (clicks / viewers), conversion_rate/_low/_high
    (orders / clicks), amount_per_viewer (yuan); by start.
    """
    t = shop.table("live_sessions")
    t = t.filter((t.start >= period.start) & (t.start < period.end_exclusive))
    out = t.execute().sort_values("start").reset_index(drop=True)
    out["click_rate"] = out["product_clicks"] / out["viewers"].where(out["viewers"] > 0)
    conv = rate_with_interval(out["orders"].astype(float), out["product_clicks"].astype(float), confidence)
    out["conversion_rate"], out["conversion_low"], out["conversion_high"] = conv["rate"], conv["low"], conv["high"]
    out["amount_per_viewer"] = out["amount"] / out["viewers"].where(out["viewers"] > 0)
    return out


def creator_table(sessions: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per creator: sessions, viewers, clicks, orders, amount and their rates (from :func:`session_table`).

    Returns
    -------
    DataFrame indexed by creator: sessions, viewers, product_clicks, orders, amount,
    amount_per_session (yuan), avg_watch_seconds (viewer-weighted), click_rate,
    conversion_rate/_low/_high; most amount first.
    """
    g = sessions.assign(watch=sessions["avg_watch_seconds"] * sessions["viewers"]).groupby("creator")
    out = g.agg(sessions=("session_id", "count"), viewers=("viewers", "sum"), product_clicks=("product_clicks", "sum"),
                orders=("orders", "sum"), amount=("amount", "sum"), watch=("watch", "sum")).astype(float)
    out["amount_per_session"] = out["amount"] / out["sessions"]
    out["avg_watch_seconds"] = out.pop("watch") / out["viewers"].where(out["viewers"] > 0)
    out["click_rate"] = out["product_clicks"] / out["viewers"].where(out["viewers"] > 0)
    conv = rate_with_interval(out["orders"], out["product_clicks"], confidence)
    out["conversion_rate"], out["conversion_low"], out["conversion_high"] = conv["rate"], conv["low"], conv["high"]
    return out.sort_values("amount", ascending=False)


def live_sources(shop: Shop) -> list[str]:
    """The sources of the live group (``traffic.source_group`` = live); 淘宝直播 without ``traffic``."""
    from helpers.core.lines import source_groups

    groups = source_groups(shop)
    found = sorted(groups[groups.isin(LIVE_GROUPS)].index)
    return found or ["淘宝直播"]


def daily_live_sales(shop: Shop, sources: list[str] | None = None) -> pd.DataFrame:
    """Per day of ``product_traffic``: the live sources' paid amount and the session's creator.

    Returns
    -------
    DataFrame: date, amount (yuan, 0 on a day without live-source sales), creator ("" without
    a session; the first session's creator on a day with several), sessions (count), abnormal
    (campaign id or 春节, "" for an ordinary day).
    """
    sources = sources or live_sources(shop)
    t = shop.table("product_traffic")
    first, last = t.aggregate(first=t.date.min(), last=t.date.max()).execute().iloc[0]
    days = pd.date_range(first, last)
    live = t.filter(t.source.isin(sources))
    amount = live.group_by("date").aggregate(amount=live.paid_amount.sum()).execute()
    amount["date"] = pd.to_datetime(amount["date"])
    out = pd.DataFrame({"date": days}).merge(amount, on="date", how="left").fillna({"amount": 0.0})
    s = shop.table("live_sessions").select("start", "creator").execute()
    s["date"] = pd.to_datetime(s["start"]).dt.normalize()
    s = s.sort_values("start")
    per_day = s.groupby("date").agg(creator=("creator", "first"), sessions=("creator", "size"))
    out = out.merge(per_day, on="date", how="left").fillna({"creator": "", "sessions": 0})
    campaigns = None
    if shop.has("campaigns"):
        campaigns = shop.table("campaigns").execute()
    out["abnormal"] = abnormal_days(campaigns, pd.DatetimeIndex(out["date"]), post_days=7).to_numpy()
    return out


def incremental_by_creator(daily: pd.DataFrame, confidence: float = 0.95, min_sessions: int = 5,
                           min_control_days: int = 14) -> tuple[pd.DataFrame, list[Finding]]:
    """Incremental live-source sales per session day of each creator, with an interval.

    Formula: OLS amount_d = a + Σ_c b_c·[creator c live on d] + weekday effects + t·d + e_d over
    the ordinary days of ``daily`` (:func:`daily_live_sales`), HC3 standard errors; b_c is the
    incremental amount per session day (yuan), its interval b_c ± t·se (t with the residual degrees
    of freedom).

    Returns
    -------
    (table, findings): table indexed by creator: session_days, incremental, incremental_low,
    incremental_high (yuan per session day); findings: not enough data
    (``traffic.live_incremental``) for creators with fewer than ``min_sessions`` session days, or
    for all when fewer than ``min_control_days`` ordinary days have no session. The verdicts on
    the others come from :func:`judge_creators`.
    """
    import statsmodels.api as sm

    days = daily[daily["abnormal"] == ""].reset_index(drop=True)
    creators = sorted(c for c in days["creator"].unique() if c)
    counts = {c: int((days["creator"] == c).sum()) for c in creators}
    control = int((days["creator"] == "").sum())
    rule = "traffic.live_incremental"
    usable = [c for c in creators if counts[c] >= min_sessions]
    findings = [not_enough_data(rule, c, session_days=counts[c], min_sessions=min_sessions,
                                control_days=control, min_control_days=min_control_days)
                for c in creators if c not in usable or control < min_control_days]
    rows = []
    if usable and control >= min_control_days:
        x = pd.DataFrame({c: (days["creator"] == c).astype(float) for c in usable})
        other = days["creator"].ne("") & ~days["creator"].isin(usable)
        if other.any():
            x["other_sessions"] = other.astype(float)
        weekday = pd.get_dummies(days["date"].dt.day_of_week, prefix="wd", drop_first=True, dtype=float)
        x = pd.concat([x, weekday], axis=1)
        x["trend"] = (days["date"] - days["date"].min()).dt.days.astype(float)
        fit = sm.OLS(days["amount"].astype(float), sm.add_constant(x)).fit(cov_type="HC3", use_t=True)
        bounds = fit.conf_int(alpha=1 - confidence)
        for c in usable:
            rows.append({"creator": c, "session_days": counts[c], "incremental": float(fit.params[c]),
                         "incremental_low": float(bounds.loc[c, 0]), "incremental_high": float(bounds.loc[c, 1])})
    else:
        note("直播增量：场次天数或无直播的普通日太少，未估计", "live incremental: too few session days or ordinary days "
             "without a session; not estimated")
    table = pd.DataFrame(rows, columns=["creator", "session_days", "incremental", "incremental_low",
                                        "incremental_high"]).set_index("creator")
    table.attrs["control_days"] = control
    return table, findings


def judge_creators(incremental: pd.DataFrame, creators: pd.DataFrame, findings: list[Finding] | None = None,
                   confidence: float = 0.95) -> list[Finding]:
    """Whether each creator's sales are incremental, against what the platform attributes to them.

    Rules: interval of the incremental amount wholly above 0 -> ``incremental`` (keep booking
    the creator); wholly below half the attributed amount per session -> ``not_incremental``
    (most attributed sales would have happened anyway: renegotiate the fee or stop); otherwise
    ``unclear``. Creators of ``findings`` (not enough data) are passed through.
    """
    out = list(findings or [])
    for c, r in incremental.iterrows():
        attributed = float(creators["amount_per_session"].get(c, np.nan)) if len(creators) else np.nan
        evidence = {"incremental": r["incremental"], "incremental_low": r["incremental_low"],
                    "incremental_high": r["incremental_high"], "session_days": int(r["session_days"]),
                    "attributed_per_session": attributed}
        if r["incremental_low"] > 0:
            verdict = "incremental"
        elif np.isfinite(attributed) and r["incremental_high"] < 0.5 * attributed:
            verdict = "not_incremental"
        else:
            verdict = "unclear"
        out.append(Finding("traffic.live_incremental", str(c), verdict, evidence, confidence))
    return out


def describe_live(findings: list[Finding], lang: str) -> str:
    """Per creator: attributed sales per session against the incremental effect, and the verdict."""
    yuan = lambda v: format_value(v, "yuan", lang)  # noqa: E731
    if not findings:
        return pick(lang, "没有直播场次。", "No live sessions.")
    parts = []
    for f in findings:
        e, name = f.evidence, escape(f.subject)
        if not f.enough_data:
            parts.append(pick(lang, f"「{name}」直播天数 {e['session_days']}（至少 {e['min_sessions']}），暂不判断增量。",
                              f"“{name}”: {e['session_days']} session days (needs {e['min_sessions']}); no verdict "
                              "on incremental sales yet."))
            continue
        band = f"{yuan(e['incremental'])}（{yuan(e['incremental_low'])} 至 {yuan(e['incremental_high'])}）"
        band_en = f"{yuan(e['incremental'])} ({yuan(e['incremental_low'])} to {yuan(e['incremental_high'])})"
        attributed = yuan(e["attributed_per_session"])
        zh_verdict = {"incremental": "是真增量，值得继续合作", "not_incremental": "大部分本来就会成交，不是增量：重新谈佣金或停止合作",
                      "unclear": "增量还不确定，继续观察"}[f.verdict]
        en_verdict = {"incremental": "real extra sales: keep booking", "not_incremental":
                      "mostly sales that would have happened anyway: renegotiate the fee or stop",
                      "unclear": "not yet clear: keep watching"}[f.verdict]
        parts.append(pick(lang, f"「{name}」每场平台归因成交 {attributed}，直播日比无直播日多卖 {band}：{zh_verdict}。",
                          f"“{name}”: {attributed} attributed per session, {band_en} more live sales on its "
                          f"days than on days without a session: {en_verdict}."))
    return " ".join(parts)
