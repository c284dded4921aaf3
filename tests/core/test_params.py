"""Notebook parameters: defaults from the data, and clear errors for bad values."""

import pandas as pd
import pytest

from helpers.core import params
from helpers.core.calendar import Period
from helpers.core.notes import caught
from helpers.core.shop import connect

HEADER = "order_id,order_time,pay_time,customer_id,product_id,quantity,list_price,paid_amount,source,status"


@pytest.fixture()
def shop(tmp_path):
    days = pd.date_range("2026-10-01", "2026-11-18", freq="D")  # ends on a Wednesday
    lines = [HEADER] + [f"o{i},{d:%Y-%m-%d} 10:00,{d:%Y-%m-%d} 10:01,c{i},p1,1,10,10,s,paid"
                        for i, d in enumerate(days)]
    (tmp_path / "orders.csv").write_text("\n".join(lines), encoding="utf-8")
    return connect(tmp_path)


def test_empty_period_defaults_to_the_latest_complete_week(shop):
    with caught() as notes:
        checked = params.check_params(shop, lang="en")
    assert checked.period == Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    assert checked.period.start.weekday() == 0 and checked.period.days == 7
    assert "defaults to 2026-11-09 ~ 2026-11-15" in notes[0].en
    assert "分析期默认为 2026-11-09 ~ 2026-11-15" in notes[0].zh


def test_other_default_rules(shop):
    assert params.check_params(shop, default="last_complete_month").period == Period(
        pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))
    assert params.check_params(shop, default="all").period.days == 49


def test_periods_compare_with_previous_and_last_year():
    p = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    assert p.previous() == Period(pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-08"))
    assert p.last_year().start.weekday() == p.start.weekday()
    assert p.last_year().start == pd.Timestamp("2025-11-10")
    assert Period.ending(pd.Timestamp("2026-11-15"), 7) == p


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start_date": "2026-11-10", "end_date": "2026-11-01"}, "is after end_date"),
    ({"start_date": "2026-13-01"}, "start_date='2026-13-01' is not a date"),
    ({"end_date": "11/15/2026"}, "end_date='11/15/2026' is not a date"),
    ({"start_date": "2024-01-01", "end_date": "2024-01-31"}, "has no data"),
    ({"lang": "fr"}, "lang='fr' is not supported"),
    ({"tables": ("orders", "traffic")}, "needs the `traffic` table"),
    ({"default": "fortnight"}, "unknown default period"),
])
def test_bad_parameters_are_named(shop, kwargs, message):
    with pytest.raises(ValueError, match=message):
        params.check_params(shop, **kwargs)


def test_explicit_period_partly_outside_the_data_is_noted(shop):
    with caught() as notes:
        checked = params.check_params(shop, start_date="2026-11-10", end_date="2026-11-30", lang="en")
    assert checked.period.days == 21 and "extends beyond the data" in notes[0].en
    assert "超出数据范围" in notes[0].zh


def test_campaign_defaults_and_checks(tmp_path, shop):
    with pytest.raises(ValueError, match="no campaigns table"):
        params.check_params(shop, campaign_id="618-2026")
    assert params.check_params(shop, campaign_id="").campaign_id is None
    (tmp_path / "campaigns.csv").write_text(
        "campaign_id,name,mechanic,threshold,reduction,discount_rate,warmup_start,start,end,budget\n"
        "old,旧,bogo,,,,,2026-10-01,2026-10-03,0\nfuture,新,bogo,,,,,2026-12-01,2026-12-03,0\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text(HEADER + "\no1,2026-11-01 10:00,2026-11-01 10:01,c,p1,1,10,10,s,paid\n",
                                         encoding="utf-8")
    assert params.check_params(connect(tmp_path), campaign_id="").campaign_id == "old"
