"""Explore sections: widgets drive the same helpers as the report, and batch runs get a static view."""

from __future__ import annotations

import functools

import matplotlib
import pandas as pd
import pytest

from helpers import settings
from helpers.core.calendar import Period
from helpers.core.params import check_params
from helpers.core.shop import connect
from helpers.present import explore, slices

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    shop = connect("data/sample")
    checked = check_params(shop)
    controls = slices.slice_controls(shop, checked.period, checked.data_first, checked.data_last, "en")
    shown = []

    def render(**values):
        shown.append(values)
        return slices.render_slice(shop, lang="en", **values)

    with settings.override(static=False):
        explorer = explore.explore(render, controls, "en")
    yield shop, checked, controls, explorer, shown
    from helpers.present import charts

    charts.set_theme("zh")  # the chart tests expect the default language


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
    period = Period(*controls["dates"].value)
    frame, total = slices.daily_slice(shop, period, "conversion_rate", source="直通车")
    t = shop.table("traffic")
    t = t.filter((t.source == "直通车") & (t.date >= period.start.date()) & (t.date <= period.end.date()))
    sums = t.aggregate(b=t.paid_buyers.sum(), v=t.visitors.sum()).execute().iloc[0]
    assert total == pytest.approx(sums["b"] / sums["v"])
    title = slices.render_slice(shop, "conversion_rate", "直通车", None, controls["dates"].value, lang="en")
    assert f"{total:.2%}" in title.axes[0].get_title() and "pooled" in title.axes[0].get_title()
    controls["rate_method"].value = "daily_mean"
    daily = slices.daily_slice(shop, period, "conversion_rate", source="直通车", rate_method="daily_mean")[1]
    assert daily != pytest.approx(total)  # the two 口径 give different figures
    assert explorer.seconds < 5  # a sanity bound only; benchmarks/bench_widgets.py measures


def test_sales_slice_by_category_matches_orders(live):
    shop, checked, controls, explorer, shown = live
    period = checked.period
    frame, total = slices.daily_slice(shop, period, "sales", category="女装T恤")
    o = shop.table("orders")
    p = shop.table("products").filter(lambda p: p.category == "女装T恤").select("product_id")
    lines = o.filter((o.status == "paid") & (o.pay_time >= period.start) & (o.pay_time < period.end_exclusive))
    expected = lines.semi_join(p, "product_id").paid_amount.sum().execute()
    assert total == pytest.approx(expected) and frame["value"].sum() == pytest.approx(expected)
    assert len(frame) == period.days


def test_traffic_metric_by_category_is_refused_with_a_note(live):
    shop, checked, *_ = live
    from helpers.core.notes import MetricNote

    with pytest.warns(MetricNote, match="`traffic` has no categories"):
        frame, total = slices.daily_slice(shop, checked.period, "visitors", category="女装T恤")
    assert pd.isna(total) and frame["value"].isna().all()


def test_reversed_dates_show_a_message_not_an_error(live):
    shop, checked, controls, explorer, shown = live
    out = slices.render_slice(shop, "sales", None, None, (checked.period.end, checked.period.start), lang="en")
    assert "end date is before the start date" in out.iloc[0, 0]


def test_static_mode_renders_the_default_slice(monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_STATIC", "1")
    settings.reload()
    calls = []
    controls = {"metric": explore.choice(["sales", "visitors"], "visitors")}
    result = explore.explore(lambda metric: calls.append(metric), controls, "en")
    assert result is None and calls == ["visitors"]


@pytest.mark.parametrize("static", [True, False])
def test_a_slices_notes_are_shown_under_it_not_as_warnings(monkeypatch, static):
    """A zero denominator in the chosen slice reads as a note in the report, not as a stderr warning."""
    import warnings

    from IPython.display import Markdown

    from helpers.core.notes import MetricNote, note

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda item, *a, **k: shown.append(item))

    def render(metric):
        note(f"{metric}：7 天中有 2 天分母为 0 <b>", f"{metric}: 2 of 7 days have a denominator of 0 <b>")
        return pd.DataFrame({"value": [1.0]})

    with warnings.catch_warnings(), settings.override(static=static):
        warnings.simplefilter("error", MetricNote)  # a note that escaped would raise here
        explore.explore(render, {"metric": explore.choice(["cvr", "uv"], "cvr")}, "en")
        explore.explore(render, {"metric": explore.choice(["cvr", "uv"], "cvr")}, "zh")
    notes = [item.data for item in shown if isinstance(item, Markdown) and "- cvr" in item.data]
    assert notes == ["**Notes on the data**\n\n- cvr: 2 of 7 days have a denominator of 0 &lt;b&gt;",
                     "**数据说明**\n\n- cvr：7 天中有 2 天分母为 0 &lt;b&gt;"]


def test_render_errors_are_shown_in_place(monkeypatch):

    def broken(metric):
        raise ValueError(f"no data for {metric}")

    with settings.override(static=False):
        explorer = explore.explore(broken, {"metric": explore.choice(["a", "b"], "a")}, "en")
    explorer.controls["metric"].value = "b"
    assert explorer.errors == ["ValueError: no data for a", "ValueError: no data for b"]


def test_overview_partial_is_what_the_notebook_uses(live):
    shop, checked, controls, explorer, shown = live
    render = functools.partial(slices.render_slice, shop, lang="zh")
    fig = render(**explorer.values())
    assert fig.axes and fig.axes[0].lines


def report_total(fig) -> float:
    """The period total written at the end of an Explore chart's title (¥12.34万 or ¥1,234)."""
    text = fig.axes[0].get_title().rsplit("·", 1)[-1].strip().split(" ")[0].lstrip("¥").replace(",", "")
    for suffix, factor in (("万", 1e4), ("亿", 1e8), ("k", 1e3), ("M", 1e6)):
        if text.endswith(suffix):
            return float(text[:-1]) * factor
    return float(text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_visitors_by_category_is_a_sentence_in_the_pages_language_not_an_empty_chart(live, lang):
    """Visitors have no category: the reader is told why and what to pick, in the page's language."""
    from IPython.display import Markdown

    shop, checked, controls, *_ = live
    category = controls["category"].options[1][1]
    for metric in slices.TRAFFIC_METRICS:
        shown = slices.render_slice(shop, metric, None, category, controls["dates"].value, lang=lang)
        assert isinstance(shown, Markdown), metric  # no chart: an empty one drew a 1970-01-01 axis
    text = slices.render_slice(shop, "visitors", None, category, controls["dates"].value, lang=lang).data
    if lang == "zh":
        assert "访客数" in text and "没有类目" in text and "全部" in text
        assert not any(word in text for word in ("categories", "cannot", "Visitors"))
    else:
        assert "Visitors" in text and "no categories" in text and "All" in text


def test_visitors_by_category_in_the_live_widgets_shows_the_sentence_and_no_english_note(live):
    import warnings

    from helpers.core.notes import MetricNote

    shop, checked, controls, explorer, shown = live
    drawn = []

    def render(**values):
        drawn.append(slices.render_slice(shop, lang="zh", **values))
        return drawn[-1]

    with settings.override(static=False):
        zh_explorer = explore.explore(render, slices.slice_controls(shop, checked.period, checked.data_first,
                                                                    checked.data_last, "zh"), "zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricNote)  # no note (the English one reached the page) at all
        zh_explorer.controls["category"].value = zh_explorer.controls["category"].options[1][1]
        zh_explorer.controls["metric"].value = "visitors"
    assert not zh_explorer.errors
    assert "没有类目" in drawn[-1].data
    shown_text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                         for o in zh_explorer.output.outputs)
    assert "Figure" not in shown_text and "categories" not in shown_text


def test_the_rate_toggle_is_enabled_only_for_rates_and_labelled_in_full(live):
    shop, checked, controls, explorer, shown = live
    toggle = controls["rate_method"]
    assert toggle.description == "Definition" and toggle.style.button_width == "auto"
    for metric, disabled in (("sales", True), ("paid_orders", True), ("visitors", True),
                             ("conversion_rate", False), ("uv_value", False), ("aov", False)):
        controls["metric"].value = metric
        assert toggle.disabled is disabled, metric


def test_the_campaign_and_traffic_sections_follow_the_same_rules(live):
    from IPython.display import Markdown

    from helpers.areas.campaigns import explore as campaign_explore
    from helpers.areas.traffic import explore as traffic_explore

    shop, checked, *_ = live
    campaign = campaign_explore.explore_controls(shop, "618-2026", "zh")
    assert campaign["rate_method"].disabled  # starts on sales, a sum
    campaign["metric"].value = "uv_value"
    assert not campaign["rate_method"].disabled
    shown = campaign_explore.render_explore(shop, "618-2026", "visitors", None,
                                            campaign["category"].options[1][1], lang="zh")
    assert isinstance(shown, Markdown) and "没有类目" in shown.data
    traffic = traffic_explore.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "zh")
    assert traffic["metric"].value == "visitors" and traffic["rate_method"].disabled
