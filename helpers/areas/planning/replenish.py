"""Replenishment (补货): lead times, reorder point and order quantity per product, the purchase
plan for a campaign, and the purchase-plan workbook for suppliers.

Lead time L per supplier from ``receipts`` (received - ordered, days): mean and sd.

Reorder point (再订货点) = d x E[L] + SS, safety stock (安全库存)
SS = z x sqrt(E[L] x s_d^2 + d^2 x sd(L)^2), where d = forecast units per day, s_d^2 = one
week's forecast variance / 7 (daily variance of demand), z = the normal quantile of the
service level (the probability of not running out in a replenishment cycle).

Order quantity: the economic order quantity EOQ = sqrt(2 D S / H), D = d x 365 units a
year, S = cost of placing an order (元), H = unit cost x yearly holding rate (元 per unit and
year); ordered when the stock position (on hand + on order) is at or below the reorder
point, at least enough to bring it back above the reorder point plus a cycle's demand.

Campaign purchase plan (大促备货): demand D_c from today to the campaign's last day = the
baseline forecast per day x days + the extra of the campaign days (baseline x (lift - 1) x
event days, with each product's own lift when given), sd from the forecast's interval; to hold by the campaign's first day,
ordered by that day - E[L] - z sd(L). Quantity = max(0, the service-level quantile of D_c -
stock position). Risk of running out = P(D_c > position + quantity), expected leftovers
E[(position + quantity - D_c)+] (normal loss function).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.present.files import write_xlsx


def lead_times(receipts: pd.DataFrame) -> pd.DataFrame:
    """Lead time per supplier from received purchase orders: orders, mean_days, sd_days, p90_days."""
    done = receipts[receipts["lead_days"].notna()]
    g = done.groupby("supplier")["lead_days"]
    return pd.DataFrame({"orders": g.size(), "mean_days": g.mean(), "sd_days": g.std(ddof=1).fillna(0.0),
                         "p90_days": g.quantile(0.9)})


def product_suppliers(receipts: pd.DataFrame) -> pd.Series:
    """Each product's supplier: the one of its latest purchase order."""
    return receipts.sort_values("ordered").groupby("product_id")["supplier"].last()


def on_order(receipts: pd.DataFrame) -> pd.Series:
    """Units ordered but not yet received, per product."""
    return receipts[receipts["received"].isna()].groupby("product_id")["quantity"].sum()


def reorder_points(forecast: pd.DataFrame, stock: pd.Series, leads: pd.DataFrame, suppliers: pd.Series,
                   pending: pd.Series, unit_cost: pd.Series, service_level: float = 0.95,
                   order_cost: float = 200.0, holding_rate: float = 0.25) -> pd.DataFrame:
    """Reorder point, safety stock and order quantity per forecast product (module docstring).

    Returns
    -------
    One row per product: daily_demand, lead_mean, lead_sd, safety_stock, reorder_point,
    position, eoq, order_now (bool), order_qty (units, 0 when not ordering), order_value (元).
    """
    z = float(stats.norm.ppf(service_level))
    out = pd.DataFrame(index=forecast.index)
    out["daily_demand"] = forecast["weekly_mean"] / 7
    var_day = forecast["week_sd"] ** 2 / 7
    sup = suppliers.reindex(out.index)
    out["supplier"] = sup
    out["lead_mean"] = sup.map(leads["mean_days"]).fillna(leads["mean_days"].mean())
    out["lead_sd"] = sup.map(leads["sd_days"]).fillna(leads["sd_days"].mean())
    out["safety_stock"] = z * np.sqrt(out["lead_mean"] * var_day + out["daily_demand"] ** 2 * out["lead_sd"] ** 2)
    out["reorder_point"] = out["daily_demand"] * out["lead_mean"] + out["safety_stock"]
    out["stock"] = stock.reindex(out.index).fillna(0.0)
    out["position"] = out["stock"] + pending.reindex(out.index).fillna(0.0)
    cost = unit_cost.reindex(out.index)
    yearly = out["daily_demand"] * 365
    out["eoq"] = np.sqrt(2 * yearly * order_cost / (cost * holding_rate).where(cost > 0))
    out["order_now"] = out["position"] <= out["reorder_point"]
    need = out["reorder_point"] + out["eoq"].fillna(0.0) - out["position"]
    out["order_qty"] = np.where(out["order_now"], np.ceil(np.maximum(need, out["eoq"].fillna(0.0))), 0.0)
    out["order_value"] = out["order_qty"] * cost
    return out


def campaign_plan(forecast: pd.DataFrame, points: pd.DataFrame, lift: float | pd.Series, today: pd.Timestamp,
                  start: pd.Timestamp, event_days: int, service_level: float = 0.95) -> pd.DataFrame:
    """Purchase plan to hold before a campaign (module docstring).

    ``lift`` is the template campaign's lift, one for the shop or one per product
    (:func:`.forecast.product_lifts`; a product without its own takes none: lift 1).

    Returns
    -------
    One row per product: demand (units to the campaign's end), demand_sd, hold_by, order_by,
    quantity, risk_out (probability of running out with the plan), leftover (expected units
    left after the campaign).
    """
    z = float(stats.norm.ppf(service_level))
    days = (start - today).days + event_days - 1
    daily = forecast["weekly_mean"] / 7
    lift = (lift.reindex(forecast.index) if isinstance(lift, pd.Series)
            else pd.Series(lift, index=forecast.index, dtype=float)).fillna(1.0)
    demand = daily * days + daily * (lift - 1) * event_days
    sd = forecast["week_sd"] * np.sqrt(days / 7) * np.sqrt(max(days / 7, 1.0)) * lift
    sd = sd.clip(lower=np.sqrt(demand.clip(lower=0)))  # never tighter than Poisson noise
    position = points["position"].reindex(forecast.index).fillna(0.0)
    quantity = np.ceil((demand + z * sd - position).clip(lower=0))
    cover = position + quantity
    gap = (cover - demand) / sd
    lead = points["lead_mean"] + z * points["lead_sd"]
    out = pd.DataFrame({"supplier": points["supplier"], "lift": lift, "demand": demand, "demand_sd": sd, "position": position,
                        "quantity": quantity,
                        "risk_out": 1 - stats.norm.cdf(gap),
                        "leftover": sd * (gap * stats.norm.cdf(gap) + stats.norm.pdf(gap))},
                       index=forecast.index)
    out["hold_by"] = start
    out["order_by"] = start - pd.to_timedelta(np.ceil(lead.reindex(out.index)), unit="D")
    out["late"] = out["order_by"] < today
    return out


def write_purchase_plan(plan: pd.DataFrame, titles: pd.Series, unit_cost: pd.Series, path: str) -> str:
    """The purchase plan as an XLSX an operator can send to suppliers: one sheet per supplier.

    Columns: product_id (text), title, quantity, unit_cost, amount (元), order_by, hold_by.
    Only lines with a quantity above 0. Returns the written path.
    """
    lines = plan[plan["quantity"] > 0].copy()
    lines["title"] = titles.reindex(lines.index)
    lines["unit_cost"] = unit_cost.reindex(lines.index)
    lines["amount"] = lines["quantity"] * lines["unit_cost"]
    lines = lines.reset_index()
    cols = ["product_id", "title", "quantity", "unit_cost", "amount", "order_by", "hold_by"]
    sheets = {str(s): g[cols].sort_values("amount", ascending=False) for s, g in lines.groupby("supplier")}
    if not sheets:
        sheets = {"plan": lines.reindex(columns=cols)}
    fmts = {s: {"unit_cost": "#,##0.00", "amount": "#,##0.00", "order_by": "yyyy-mm-dd", "hold_by": "yyyy-mm-dd"}
            for s in sheets}
    return str(write_xlsx(sheets, path, text_columns={s: ["product_id"] for s in sheets}, number_formats=fmts))
