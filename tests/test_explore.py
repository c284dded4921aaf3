"""Explore sections: widgets drive the same helpers, and batch runs get a static view."""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers import data, explore, overview, params

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    shop = data.connect("data/sample")
    checked = params.check_params(shop)
    controls = overview.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "en")
    shown = []

    def render(**values):
        shown.append(values)
        return overview.render_slice(shop, lang="en", **values)

    mp = pytest.MonkeyPatch()
    mp.delenv(explore.STATIC_ENV, raising=False)
    explorer = explore.explore(render, controls, "en")
    mp.undo()
    yield shop, checked, controls, explorer, shown
    from helpers import plots

    plots.set_theme("zh")  # the plots tests expect the default language


def _title(explorer):
    import matplotlib.pyplot as plt

    return explorer.render(**explorer.values()).axes[0].get_title(), plt


def test_widgets_start_from_the_parameters(live):
    shop, checked, controls, explorer, shown = live
    assert explorer is not None and explorer.updates >= 1 and not explorer.errors
    start, end = controls["dates"].value
    assert end == checked.period.end and (end - start).days == 8 * 7 - 1
    assert shown[0]["metric"] == "sales" and shown[0]["source"] is None


def test_changing_a_selector_redraws_with_the_slice_figures(live):
    shop, checked, controls, explorer, shown = live
    before = explorer.updates
    controls["source"].value = "直通车"
    controls["metric"].value = "conversion_rate"
    assert explorer.updates == before + 2 and not explorer.errors
    assert shown[-1]["source"] == "直通车" and shown[-1]["metric"] == "conversion_rate"
    # the widget holds the new view only: one chart, nothing left from the earlier ones (a
    # kernel sends it as an image, plain Python as its text)
    shown_text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                         for o in explorer.output.outputs)
    assert shown_text.count("Figure") == 1
    period = params.Period(*controls["dates"].value)
    frame, total = overview.daily_slice(shop, period, "conversion_rate", source="直通车")
    t = shop.table("traffic")
    t = t.filter((t.source == "直通车") & (t.date >= period.start.date()) & (t.date <= period.end.date()))
    sums = t.aggregate(b=t.paid_buyers.sum(), v=t.visitors.sum()).execute().iloc[0]
    assert total == pytest.approx(sums["b"] / sums["v"])
    title = overview.render_slice(shop, "conversion_rate", "直通车", None, controls["dates"].value, lang="en")
    assert f"{total:.2%}" in title.axes[0].get_title() and "pooled" in title.axes[0].get_title()
    controls["rate_method"].value = "daily_mean"
    daily = overview.daily_slice(shop, period, "conversion_rate", source="直通车", rate_method="daily_mean")[1]
    assert daily != pytest.approx(total)  # the two 口径 give different figures
    assert explorer.seconds < 5  # a sanity bound only; benchmarks/bench_widgets.py measures


def test_sales_slice_by_category_matches_orders(live):
    shop, checked, controls, explorer, shown = live
    period = checked.period
    frame, total = overview.daily_slice(shop, period, "sales", category="女装T恤")
    o = shop.table("orders")
    p = shop.table("products").filter(lambda p: p.category == "女装T恤").select("product_id")
    lines = o.filter((o.status == "paid") & (o.pay_time >= period.start) & (o.pay_time < period.end_exclusive))
    expected = lines.semi_join(p, "product_id").paid_amount.sum().execute()
    assert total == pytest.approx(expected) and frame["value"].sum() == pytest.approx(expected)
    assert len(frame) == period.days


def test_traffic_metric_by_category_is_refused_with_a_note(live):
    shop, checked, *_ = live
    from helpers.metrics import MetricNote

    with pytest.warns(MetricNote, match="`traffic` has no categories"):
        frame, total = overview.daily_slice(shop, checked.period, "visitors", category="女装T恤")
    assert pd.isna(total) and frame["value"].isna().all()


def test_reversed_dates_show_a_message_not_an_error(live):
    shop, checked, controls, explorer, shown = live
    out = overview.render_slice(shop, "sales", None, None, (checked.period.end, checked.period.start), lang="en")
    assert "end date is before the start date" in out.iloc[0, 0]


def test_static_mode_renders_the_default_slice(monkeypatch, capsys):
    monkeypatch.setenv(explore.STATIC_ENV, "1")
    calls = []
    controls = {"metric": explore.choice(["sales", "visitors"], "visitors")}
    result = explore.explore(lambda metric: calls.append(metric), controls, "en")
    assert result is None and calls == ["visitors"]


@pytest.mark.parametrize("static", [True, False])
def test_a_slices_notes_are_shown_under_it_not_as_warnings(monkeypatch, static):
    """A zero denominator in the chosen slice reads as a note in the report, not as a stderr warning."""
    import warnings

    from IPython.display import Markdown

    from helpers.metrics import MetricNote

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda item, *a, **k: shown.append(item))
    if static:
        monkeypatch.setenv(explore.STATIC_ENV, "1")
    else:
        monkeypatch.delenv(explore.STATIC_ENV, raising=False)

    def render(metric):
        warnings.warn(MetricNote(f"{metric}: 2 of 7 days have a denominator of 0 <b>"), stacklevel=2)
        return pd.DataFrame({"value": [1.0]})

    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricNote)  # a note that escaped would raise here
        explore.explore(render, {"metric": explore.choice(["cvr", "uv"], "cvr")}, "en")
    notes = [item.data for item in shown if isinstance(item, Markdown) and "Notes on the data" in item.data]
    assert notes == ["**Notes on the data**\n\n- cvr: 2 of 7 days have a denominator of 0 &lt;b&gt;"]


def test_render_errors_are_shown_in_place(monkeypatch):
    monkeypatch.delenv(explore.STATIC_ENV, raising=False)

    def broken(metric):
        raise ValueError(f"no data for {metric}")

    explorer = explore.explore(broken, {"metric": explore.choice(["a", "b"], "a")}, "en")
    explorer.controls["metric"].value = "b"
    assert explorer.errors == ["ValueError: no data for a", "ValueError: no data for b"]


def test_overview_partial_is_what_the_notebook_uses(live):
    shop, checked, controls, explorer, shown = live
    render = functools.partial(overview.render_slice, shop, lang="zh")
    fig = render(**explorer.values())
    assert fig.axes and fig.axes[0].lines


def test_traffic_explore_shows_the_chosen_sources_funnel(monkeypatch):
    from helpers import traffic

    monkeypatch.delenv(explore.STATIC_ENV, raising=False)
    shop = data.connect("data/sample")
    checked = params.check_params(shop, date_table="traffic")
    controls = traffic.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "en")
    assert "category" not in controls and controls["metric"].value == "visitors"
    shown = []
    explorer = explore.explore(lambda **v: shown.append(traffic.render_explore(shop, lang="en", **v)), controls, "en")
    controls["source"].value = "直通车"
    assert not explorer.errors and len(shown) == 2
    funnel_view, figure = shown[-1]
    expected = traffic.build_funnel(shop, params.Period(*controls["dates"].value)).loc["直通车"]
    assert funnel_view.data.index.tolist() == ["直通车"]
    assert funnel_view.data.iloc[0]["Visitors"] == expected["visitors"]
    assert "直通车" in figure.axes[0].get_title()


def test_customers_explore_slices_segments_and_masks_ids(monkeypatch):
    import warnings

    from helpers import customers

    monkeypatch.delenv(explore.STATIC_ENV, raising=False)
    shop = data.connect("data/sample")
    period = params.check_params(shop, default="all").period
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = customers.summarize_customers(shop, period)
        rfm = customers.score_rfm(summary, customers.split_rfm(summary))
        life = customers.score_lifetime(summary, 90)
    salt = "test-salt"
    controls = customers.explore_controls(summary, "en")
    shown = []
    render = functools.partial(customers.render_explore, rfm, life, summary, salt, lang="en")
    explorer = explore.explore(lambda **v: shown.append(render(**v)) or shown[-1], controls, "en")
    controls["segment"].value = "important_value"
    source = summary["first_source"].value_counts().index[0]
    controls["first_source"].value = source
    assert not explorer.errors
    head, top = shown[-1]
    expected = ((rfm["segment"] == "important_value") & (summary.loc[rfm.index, "first_source"] == source)).sum()
    assert head.data.iloc[0, 0] == expected  # the customers in the slice
    assert len(top.data) == min(20, expected)
    assert not set(top.data.index) & set(rfm.index), "customer ids are masked in the view"
    from helpers import plots

    assert (top.data[plots.label("monetary", "en")].diff().dropna() <= 0).all()  # ranked by spend
    # ranked by a model score: the slice's customers with the highest expected value, in order
    controls["sort_by"].value = "expected_value"
    assert not explorer.errors
    head, top = shown[-1]
    in_slice = rfm.index[(rfm["segment"] == "important_value") & (summary.loc[rfm.index, "first_source"] == source)]
    best = life.scores.loc[in_slice, "expected_value"].sort_values(ascending=False, kind="stable").head(20)
    np.testing.assert_allclose(top.data[plots.label("expected_value", "en")].to_numpy(float), best.to_numpy())
    assert list(top.data.index) == list(customers.mask_ids(best.index, salt))


def test_campaign_explore_spans_the_chosen_campaign(monkeypatch):
    from helpers import campaigns

    monkeypatch.delenv(explore.STATIC_ENV, raising=False)
    shop = data.connect("data/sample")
    controls = campaigns.explore_controls(shop, "618-2026", "en")
    shown = []
    explorer = explore.explore(lambda **v: shown.append(campaigns.render_explore(shop, lang="en", **v)) or shown[-1],
                               controls, "en")
    controls["campaign"].value = "1111-2025"
    assert not explorer.errors
    fig = shown[-1]
    c = campaigns.get_campaign(campaigns.read_campaigns(shop), "1111-2025")
    from matplotlib.dates import num2date

    x = fig.axes[0].lines[0].get_xdata()
    first, last = (pd.Timestamp(num2date(v)).tz_localize(None).normalize() for v in (min(x), max(x)))
    assert first == c.warmup_start - pd.Timedelta(days=14) and last == c.end + pd.Timedelta(days=14)
    frame, total = overview.daily_slice(shop, params.Period(first, last), "sales")
    assert report_total(fig) == pytest.approx(total, rel=1e-3)


def report_total(fig) -> float:
    """The period total written at the end of an Explore chart's title (¥12.34万 or ¥1,234)."""
    text = fig.axes[0].get_title().rsplit("·", 1)[-1].strip().split(" ")[0].lstrip("¥").replace(",", "")
    for suffix, factor in (("万", 1e4), ("亿", 1e8), ("k", 1e3), ("M", 1e6)):
        if text.endswith(suffix):
            return float(text[:-1]) * factor
    return float(text)


def test_service_explore_shows_a_products_complaints(monkeypatch):
    import warnings

    from helpers import service

    monkeypatch.delenv(explore.STATIC_ENV, raising=False)
    shop = data.connect("data/sample")
    period = params.check_params(shop, default="all").period
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reviews = service.load_reviews(shop, period)
    controls = service.explore_controls(reviews, "en")
    shown = []
    render = functools.partial(service.render_explore, reviews, period, lang="en")
    explorer = explore.explore(lambda **v: shown.append(render(**v)) or shown[-1], controls, "en")
    import json

    truth = json.loads((data.project_root() / "data" / "sample" / "ground_truth.json").read_text(encoding="utf-8"))
    offered = {v for _, v in controls["product"].options}
    planted = {pid: d["theme"] for pid, d in truth["after_sales"]["defects"].items() if pid in offered}
    assert planted, "the planted defective products are among the most reviewed"
    for pid, theme in planted.items():
        controls["product"].value = pid
        assert not explorer.errors
        phrases = shown[-1][0].data
        assert any(theme[:2] in str(v) for v in phrases.to_numpy().ravel()), (theme, phrases)
