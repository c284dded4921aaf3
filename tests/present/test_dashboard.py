"""The dashboard: shops chosen by configured name, a landing page, and (in a real browser,
served as ``make dashboard`` serves it) live widgets, a change of shop and the slice defects."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urljoin

import pytest

from helpers import settings
from helpers.core.shop import project_root
from helpers.present import dashboard

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def in_browser(test):
    """A test of the served dashboard in Chromium (the reports tier)."""
    needs = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package `chromium`)")
    return pytest.mark.reports(needs(test))


def test_shops_are_the_sample_then_the_configured_ones_in_order():
    shops = dashboard.configured_shops(" 旗舰店=/data/shop1 ;二店 = /data/shop 2;")
    assert shops == {"样例店": "data/sample", "旗舰店": "/data/shop1", "二店": "/data/shop 2"}
    assert dashboard.configured_shops("") == {"样例店": "data/sample"}


@pytest.mark.parametrize("text, says", [("旗舰店", "not name=folder"), ("=/data/x", "not name=folder"),
                                        ("a=/x;a=/y", "twice")])
def test_a_malformed_shop_list_is_an_error_naming_the_variable(text, says):
    with pytest.raises(ValueError, match=says) as error:
        dashboard.configured_shops(text)
    assert "WORKBOOK_SHOPS" in str(error.value)


def test_the_page_address_picks_a_configured_shop_by_name():
    with settings.override(shops="二店=/data/shop2", query_string=f"shop={quote('二店')}&x=1"):
        assert dashboard.chosen_data_dir("data/sample") == "/data/shop2"
    with settings.override(shops="二店=/data/shop2", query_string=""):  # JupyterLab, papermill, no shop asked
        assert dashboard.chosen_data_dir("my/exports") == "my/exports"


@pytest.mark.parametrize("asked", ["三店", "/etc", "../data/sample", "data/sample"])
def test_a_name_not_in_the_list_is_refused_never_read_as_a_folder(asked, monkeypatch):
    displayed = []
    monkeypatch.setattr("IPython.display.display", lambda item, *a, **k: displayed.append(item.data))
    with settings.override(shops="二店=/data/shop2", query_string=f"shop={quote(asked)}"):
        with pytest.raises(ValueError, match="not a configured shop"):
            dashboard.chosen_data_dir("data/sample")
    shown = "".join(displayed)
    assert "样例店、二店" in shown and "/data/shop2" not in shown  # names offered, folders never shown


def test_the_landing_page_describes_every_report_and_links_each_shop_by_name():
    entries = dashboard.list_notebooks()
    numbered = sorted(p.name for p in (project_root() / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert [e.path.name for e in entries] == numbered and len(entries) >= 7
    assert entries[0].title_zh == "店铺周报" and entries[0].title_en == "Shop overview"
    assert all(e.summary_zh and "\n" not in e.summary_zh for e in entries)
    page = dashboard.landing_markdown({"样例店": "data/sample", "二店": "/secret/folder"}, entries)
    for e in entries:
        assert e.title_zh in page and f"../notebooks/{e.path.name}?shop={quote('二店')}" in page
    assert "/secret/folder" not in page


# --- in a browser, served as `make dashboard` serves it -------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _week_sales(folder: Path) -> str:
    """The sales of the overview's default week, as the page writes them."""
    from helpers.core.params import check_params
    from helpers.core.shop import connect
    from helpers.present.format import format_value
    from helpers.present.slices import daily_slice

    shop = connect(folder)
    checked = check_params(shop, tables=("orders",), default="last_complete_week")
    return format_value(daily_slice(shop, checked.period, "sales")[1], "yuan", "zh")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two small shops configured in WORKBOOK_SHOPS, and Voilà started as `make dashboard` starts it."""
    from helpers.sample import generate_sample

    root = tmp_path_factory.mktemp("dashboard")
    shops = {"甲店": root / "a", "乙店": root / "b"}
    for folder, (seed, scale) in zip(shops.values(), ((11, 0.05), (12, 0.1)), strict=True):
        generate_sample(folder, seed=seed, scale=scale)
    sales = {name: _week_sales(folder) for name, folder in shops.items()}
    assert sales["甲店"] != sales["乙店"]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "WORKBOOK_STATIC"}  # live widgets, whatever ran before
    env["WORKBOOK_SHOPS"] = ";".join(f"{name}={folder}" for name, folder in shops.items())
    env["JUPYTER_PATH"] = str(project_root() / "dashboard")
    log_path = root / "voila.log"
    log = log_path.open("a")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("voila")), ".", "--no-browser",
                             "--Voila.ip=127.0.0.1", f"--port={port}",
                             f"--Voila.config_file_paths={project_root() / 'dashboard'}", "--debug"],
                            cwd=project_root(), stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/", sales, log_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def _open(browser, url: str, ready: str, log_path: Path):
    """Open ``url`` and return the page once ``ready`` (a selector) is there."""
    page = browser.new_page()
    # Voilà's page links fonts on a public CDN; offline (as here, and on many company
    # networks) refuse them at once: the test is about the dashboard, not the CDN.
    page.route(lambda address: not address.startswith("http://127.0.0.1:"), lambda route: route.abort())
    try:
        # Voilà answers once the whole notebook has run: allow for a loaded machine. No second
        # try: a page that never fills is the bug this test guards against (Voilà hung on a
        # third of loads while Explore captured its first view through the Output widget).
        page.goto(url, timeout=150_000, wait_until="commit")
        page.wait_for_selector(ready, state="attached", timeout=150_000)
        return page
    except Exception as exc:
        try:
            shown = page.inner_text("body", timeout=5_000)[-1500:]
        except Exception as err:  # noqa: BLE001 - only for the message
            shown = f"(page unreadable: {err})"
        raise AssertionError(f"{url} never showed {ready}. The page shows:\n{shown}\nVoilà's log:\n"
                             + log_path.read_text(encoding="utf-8")[-6000:]) from exc


def _report_url(base: str, shop: str) -> str:
    return f"{base}voila/render/notebooks/00-shop-overview.ipynb?shop={quote(shop)}"


@in_browser
def test_the_landing_page_lists_the_reports_and_the_shops(server, browser):
    base, sales, log_path = server
    page = _open(browser, base, "text=店铺周报", log_path)  # "/" leads to the landing page
    assert page.url.endswith("/voila/render/dashboard/index.ipynb")
    body = page.inner_text("body")
    for entry in dashboard.list_notebooks():
        assert entry.title_zh in body
    for shop in ("样例店", "甲店", "乙店"):
        assert page.locator(f"a:text-is('{shop}')").count() == len(dashboard.list_notebooks())
    page.close()


@in_browser
def test_a_change_of_shop_shows_the_other_shops_figures(server, browser):
    base, sales, log_path = server
    landing = _open(browser, base, "text=店铺周报", log_path)
    href = landing.locator("tr", has_text="店铺周报").locator("a:text-is('甲店')").get_attribute("href")
    landing.close()
    first = _open(browser, urljoin(landing.url, href), "select >> text=直通车", log_path).inner_text("body")
    assert sales["甲店"] in first and sales["乙店"] not in first
    second = _open(browser, _report_url(base, "乙店"), "select >> text=直通车", log_path).inner_text("body")
    assert sales["乙店"] in second and sales["甲店"] not in second
    page = _open(browser, _report_url(base, "/etc"), "text=没有名为", log_path)
    refused = page.locator(".jp-RenderedMarkdown", has_text="没有名为").first.text_content()
    assert "甲店" in refused and "乙店" in refused and str(project_root()) not in refused


@in_browser
def test_live_widgets_redraw_and_explain_what_a_slice_cannot_show(server, browser):
    base, sales, log_path = server
    page = _open(browser, _report_url(base, "样例店"), "select >> text=直通车", log_path)
    plot = page.locator(".widget-output img").last
    before = plot.get_attribute("src")
    assert before.startswith("data:image/png;base64,")
    source = page.locator("select", has=page.locator("option", has_text="直通车")).first
    assert source.input_value() == "全部"  # starts from the notebook's parameters: the whole shop
    source.select_option(label="直通车")
    page.wait_for_function(
        "before => { const img = [...document.querySelectorAll('.widget-output img')].pop();"
        " return img && img.src !== before; }", arg=before, timeout=60_000)
    # the 口径 toggle: off for a sum, on for a rate, its buttons' text never cut short
    buttons = page.locator(".widget-toggle-buttons button")
    assert buttons.count() == 2 and all(buttons.nth(i).is_disabled() for i in range(2))
    assert page.evaluate("[...document.querySelectorAll('.widget-toggle-buttons button')]"
                         ".every(b => b.scrollWidth <= b.clientWidth + 1)")
    metric = page.locator("select", has=page.locator("option", has_text="访客数")).first
    metric.select_option(label="支付转化率")
    page.wait_for_function("() => [...document.querySelectorAll('.widget-toggle-buttons button')]"
                           ".every(b => !b.disabled)", timeout=60_000)
    # visitors by category: a sentence in Chinese, no chart
    category = page.locator("select", has=page.locator("option", has_text="厨房用品")).first
    category.select_option(label="厨房用品")
    metric.select_option(label="访客数")
    page.wait_for_selector(".widget-output >> text=没有类目", timeout=60_000)
    shown = page.locator(".widget-output").last.inner_text()
    assert "请把类目选为「全部」" in shown and "categories" not in shown and "1970" not in shown
    assert page.locator(".widget-output").last.locator("img").count() == 0
    assert page.locator("text=Traceback").count() == 0
    page.close()


def test_a_dashboard_page_shows_a_configured_shop_and_writes_its_own_exports(tmp_path):
    """Under Voilà a page never runs on the folder a notebook (an executed report's copy) was given,
    and its exports go to its shop's own folder, never over the batch's published files."""
    import pandas as pd

    from helpers import settings
    from helpers.core.shop import resolve_export_dir
    from helpers.present import dashboard, files

    with settings.override(voila_page=True, query_string="", shops=""):
        assert dashboard.chosen_data_dir("/private/folder") == dashboard.configured_shops("")[dashboard.SAMPLE_SHOP]
        written = files.write_csv(pd.DataFrame({"a": [1]}), resolve_export_dir(tmp_path / "exports") / "list.csv")
    assert written.parent.parent.name == "dashboard" and not (tmp_path / "exports" / "list.csv").exists()
    with settings.override(voila_page=True, query_string="shop=二店", shops="二店=/data/two"):
        assert dashboard.chosen_data_dir("x") == "/data/two"
        assert resolve_export_dir(tmp_path) == tmp_path / "dashboard" / "二店"
    with settings.override(voila_page=False, query_string=""):
        assert dashboard.chosen_data_dir("/private/folder") == "/private/folder"  # JupyterLab, batch: unchanged
