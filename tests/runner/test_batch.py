"""Batch runs: config and parameter checks before anything runs, atomic outputs, index, metrics, executors."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import nbformat
import pytest

from helpers import settings
from helpers.core.shop import default_memory_limit, project_root
from helpers.runner import batch, config, execute, publish
from helpers.runner.cli import main as cli_main
from helpers.runner.config import RunConfigError, RunSpec
from tests.runner.tiny import spec, tiny_notebook

# --- checks before anything runs ------------------------------------------------


def test_unknown_mistyped_and_malformed_parameters_name_the_run(notebook):
    with pytest.raises(RunConfigError, match="run 't': parameter 'colour' is not declared in 01-tiny.ipynb"):
        config.check_parameters(spec(notebook, colour="red"))
    with pytest.raises(RunConfigError, match="parameter 'top_n'='5' should be int"):
        config.check_parameters(spec(notebook, top_n="5"))
    with pytest.raises(RunConfigError, match="parameter 'fail'=1 should be bool"):
        config.check_parameters(spec(notebook, fail=1))
    with pytest.raises(RunConfigError, match="'start_date'='2026-02-30' is not a date"):
        config.check_parameters(spec(notebook, start_date="2026-02-30"))
    assert config.check_parameters(spec(notebook, pause=1)) == {"pause": 1.0}  # an int is a fine float


@pytest.mark.parametrize(("token", "start", "end"), [
    ("today", "2026-11-18", "2026-11-18"),
    ("yesterday", "2026-11-17", "2026-11-17"),
    ("last_7_days", "2026-11-11", "2026-11-17"),
    ("last_week", "2026-11-09", "2026-11-15"),
    ("last_month", "2026-10-01", "2026-10-31"),
])
def test_relative_dates_resolve_at_run_time(notebook, token, start, end):
    wednesday = dt.date(2026, 11, 18)
    resolved = config.check_parameters(spec(notebook, start_date=token), today=wednesday)
    assert resolved == {"start_date": start, "end_date": end}
    assert config.check_parameters(spec(notebook, end_date=token), today=wednesday) == {"end_date": end}


def test_credentials_are_refused_before_running(notebook, tmp_path):
    with pytest.raises(RunConfigError, match="looks like a credential"):
        config.check_parameters(spec(notebook, db_password="hunter2"))
    with pytest.raises(RunConfigError, match="holds a credential") as err:
        config.check_parameters(spec(notebook, label="postgres://bob:hunter2@db/shop"))
    assert "hunter2" not in str(err.value)
    with pytest.raises(RunConfigError):
        batch.run_batch([spec(notebook, "good"), spec(notebook, "bad", api_token="abc123")], tmp_path, quiet=True)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [], "nothing runs (and nothing is written) when any run is refused"


def test_config_errors(tmp_path, notebook):
    (tmp_path / "runs.yaml").write_text(f"runs:\n  - name: a\n    notebook: {notebook}\n  - name: a\n"
                                        f"    notebook: {notebook}\n", encoding="utf-8")
    with pytest.raises(RunConfigError, match="run 'a' appears twice"):
        config.load_config(tmp_path / "runs.yaml")
    (tmp_path / "runs.yaml").write_text("runs:\n  - name: x\n    notebook: nope.ipynb\n", encoding="utf-8")
    with pytest.raises(RunConfigError, match="run 'x': notebook not found"):
        config.load_config(tmp_path / "runs.yaml")
    (tmp_path / "runs.yaml").write_text(f"runs:\n  - name: ../evil\n    notebook: {notebook}\n", encoding="utf-8")
    with pytest.raises(RunConfigError, match="names may use"):
        config.load_config(tmp_path / "runs.yaml")
    (tmp_path / "runs.yaml").write_text(f"defaults: {{params: {{}}}}\nruns:\n  - notebook: {notebook}\n",
                                        encoding="utf-8")
    with pytest.raises(RunConfigError, match="unknown keys in defaults"):
        config.load_config(tmp_path / "runs.yaml")


def test_shipped_config_lists_every_notebook():
    specs = config.load_config(project_root() / "runs.yaml")
    listed = {spec.notebook for spec in specs}
    for notebook in config.list_notebooks():
        assert str(notebook.resolve()) in listed, f"add a run for {notebook.name} to runs.yaml"
    for s in specs:
        config.check_parameters(s)


# --- one run ----------------------------------------------------------------------


@pytest.mark.reports
def test_run_publishes_html_notebook_and_metrics(tmp_path, notebook):
    result = execute.execute_run(spec(notebook, label="<script>alert(1)</script>", top_n=3), tmp_path)
    assert result.status == "ok", result.error
    folder = tmp_path / "01-tiny"
    html = (folder / "t.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)</script>" not in html
    assert "broken on purpose" not in html, "code is hidden by default"
    assert "# Parameters" not in html, "papermill's injected cell is replaced by the header table"
    assert '<table class="workbook-params">' in html and "<th>top_n</th><td>3</td>" in html
    assert "数据指纹" in html and "pandas" in html  # a notebook without a lang parameter reports in zh
    assert '<html lang="zh-CN">' in html
    assert "application/vnd.workbook.metric+json" not in html
    executed = nbformat.read(folder / "t.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells), "run record intact"
    metrics = json.loads((folder / "t.metrics.json").read_text(encoding="utf-8"))
    recorded = {m["name"]: m["value"] for m in metrics["metrics"]}
    assert (recorded["rows"], recorded["share"]) == (1, 0.25)
    assert set(recorded) == {"rows", "share", "engine_memory", "static", "backend"}
    assert recorded["static"] == "1", "the kernel is told to show Explore sections statically"
    assert not list(folder.glob(".run-*"))
    assert "WORKBOOK_STATIC" not in os.environ, "the static switch is only for the kernel"


@pytest.mark.reports
def test_show_code_keeps_code(tmp_path, notebook):
    execute.execute_run(spec(notebook), tmp_path, show_code=True)
    assert "broken on purpose" in (tmp_path / "01-tiny" / "t.html").read_text(encoding="utf-8")


@pytest.mark.reports
def test_failed_run_keeps_the_last_good_report(tmp_path, notebook):
    assert execute.execute_run(spec(notebook, label="first"), tmp_path).status == "ok"
    folder = tmp_path / "01-tiny"
    before = (folder / "t.html").read_bytes()
    bad = execute.execute_run(spec(notebook, fail=True), tmp_path)
    assert bad.status == "failed" and "ValueError: broken on purpose" in bad.error
    assert (folder / "t.html").read_bytes() == before
    failed = nbformat.read(folder / "t.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in failed.cells for o in c.get("outputs", []))
    index = publish.write_index(tmp_path, [bad]).read_text(encoding="utf-8")
    assert "broken on purpose" in index and "showing last good report" in index and 'href="01-tiny/t.html"' in index
    assert execute.execute_run(spec(notebook, label="again"), tmp_path).status == "ok"
    assert not (folder / "t.failed.ipynb").exists()


@pytest.mark.reports
def test_run_timeout(tmp_path, notebook):
    slow = RunSpec("slow", str(notebook), {"pause": 30.0}, timeout=3)
    result = execute.execute_run(slow, tmp_path)
    assert result.status == "failed" and "timed out after 3 s" in result.error
    assert result.seconds < 25
    assert not (tmp_path / "01-tiny" / "slow.html").exists()


# --- many runs ---------------------------------------------------------------------


@pytest.mark.reports
def test_batch_in_parallel_workers_and_index_keeps_earlier_runs(tmp_path, notebook, monkeypatch):
    monkeypatch.delenv("WORKBOOK_DUCKDB_MEMORY_LIMIT", raising=False)
    settings.reload()
    specs = [spec(notebook, "a", label="A"), spec(notebook, "b", label="B"), spec(notebook, "c", fail=True)]
    results = batch.run_batch(specs, tmp_path, jobs=2, quiet=True)
    assert [r.name for r in results] == ["a", "b", "c"]
    assert [r.status for r in results] == ["ok", "ok", "failed"]
    # two runs at once split the engines' default memory; the setting ends with the batch
    memory = [{m["name"]: m["value"] for m in r.metrics}["engine_memory"] for r in results[:2]]
    assert memory == [default_memory_limit(2)] * 2 and "WORKBOOK_DUCKDB_MEMORY_LIMIT" not in os.environ
    batch.run_batch([spec(notebook, "d")], tmp_path, quiet=True)
    registry = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))
    assert sorted(e["name"] for e in registry) == ["a", "b", "c", "d"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Share: 25.00%" in index and "Rows: 1" in index
    table = publish.metrics_table(tmp_path)
    assert sorted(table["run"]) == ["a", "b", "d"] and set(table["share"]) == {0.25}


@pytest.mark.reports
def test_cli_ad_hoc_run_exit_status_and_summary(tmp_path, notebook, capsys):
    out = str(tmp_path / "r")
    assert cli_main(["run", "--notebook", str(notebook), "--name", "adhoc", "-p", "top_n", "7",
                     "-p", "start_date", "2026-11-01", "--out", out, "--quiet"]) == 0
    assert (tmp_path / "r" / "01-tiny" / "adhoc.html").exists()
    assert cli_main(["run", "--notebook", str(notebook), "-p", "fail", "true", "--out", out, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "FAILED 01-tiny (01-tiny.ipynb): ValueError: broken on purpose" in err
    assert cli_main(["run", "--notebook", str(notebook), "-p", "nope", "1", "--out", out]) == 2
    assert "parameter 'nope' is not declared" in capsys.readouterr().err
    assert cli_main(["metrics", out, "--csv"]) == 0
    assert "adhoc" in capsys.readouterr().out


@pytest.mark.reports
def test_dask_executor_gives_the_same_reports(tmp_path, notebook):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = batch.run_batch([spec(notebook, "x", label="same")], tmp_path / "dask", executor="dask",
                                  scheduler=cluster.scheduler_address, quiet=True)
    local = batch.run_batch([spec(notebook, "x", label="same")], tmp_path / "local", quiet=True)
    assert results[0].status == local[0].status == "ok"
    assert results[0].metrics == local[0].metrics
    dask_html = (tmp_path / "dask" / "01-tiny" / "x.html").read_text(encoding="utf-8")
    assert "same" in dask_html and '<table class="workbook-params">' in dask_html


# --- text from data cannot run in a shared report ----------------------------------

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
       "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
       "<script>document.body.setAttribute('data-pwned','script')</script>"]


def _chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.reports
@pytest.mark.skipif(_chromium() is None, reason="needs Chromium (Debian package `chromium`; .ci/run installs it)")
def test_titles_with_script_do_not_run_in_the_browser(tmp_path):
    import shutil
    import subprocess

    import pandas as pd

    sample = project_root() / "data" / "sample"
    data_dir = tmp_path / "shop"
    shutil.copytree(sample, data_dir)
    products = pd.read_csv(data_dir / "products.csv", dtype=str, keep_default_na=False)
    products["title"] = [XSS[i % len(XSS)] + f" #{i}" for i in range(len(products))]
    products.loc[products.index % 2 == 0, "category"] = XSS[1]
    products.to_csv(data_dir / "products.csv", index=False)
    notebook = project_root() / "notebooks" / "00-shop-overview.ipynb"
    result = execute.execute_run(RunSpec("xss", str(notebook), {"data_dir": str(data_dir)}, 300), tmp_path / "out")
    assert result.status == "ok", result.error
    page = tmp_path / "out" / "00-shop-overview" / "xss.html"
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text or "&lt;script&gt;alert\\(1\\)" in text
    assert "widget-state+json" not in text, "no widget state (with data text in a script block) in the page"
    try:
        dom = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
             page.as_uri()],
            capture_output=True, text=True, timeout=90, check=True).stdout
    except subprocess.TimeoutExpired:
        pytest.fail("Chromium hung: an alert() from the data ran in the report")
    import re

    assert 'data-pwned="' not in dom, "a script or event handler from the data ran"
    assert not re.search(r"<img[^>]*onerror", dom), "an <img> element from the data was created"
    assert not re.search(r"<script[^>]*>[^<]*(alert|data-pwned)", dom), "a <script> element from the data"
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # shown as text instead


# --- what the kernel gets, and what the reader sees -------------------------------

PLOT = """import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2, 3])"""


@pytest.mark.reports
def test_an_inherited_plot_backend_cannot_strip_the_plots(tmp_path, monkeypatch):
    """MPLBACKEND=Agg in the shell that starts a batch (a cron job, a CI runner) would make every
    plot invisible in the kernel; the runner pins the inline backend in the kernel's environment."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = tiny_notebook(tmp_path / "02-plot.ipynb", PLOT)
    result = execute.execute_run(spec(notebook, "plot"), tmp_path / "out")
    assert result.status == "ok", result.error
    html = (tmp_path / "out" / "02-plot" / "plot.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html
    assert os.environ["MPLBACKEND"] == "Agg", "the runner's own environment is left as it was"


def test_the_kernel_gets_the_runs_settings_and_the_inline_backend():
    env = execute.kernel_env(settings.Settings(duckdb_memory_limit="2GB", static=True))
    assert env == {"WORKBOOK_DUCKDB_MEMORY_LIMIT": "2GB", "WORKBOOK_STATIC": "1",
                   "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def test_parallel_runs_share_the_cores_and_blas_keeps_to_the_share(monkeypatch):
    """Two runs on two cores: each kernel's engine and BLAS get one core, so no thread spins
    waiting for a core the other run holds; a user's own setting is kept; one run keeps all."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with settings.override(duckdb_threads="", duckdb_memory_limit="1GB"):
        shared = batch.run_settings(jobs=2, runs=5)
        assert shared.duckdb_threads == "1" and batch.run_settings(jobs=2, runs=1).duckdb_threads == ""
        env = execute.kernel_env(shared)
        assert env["WORKBOOK_DUCKDB_THREADS"] == env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
        assert "OPENBLAS_NUM_THREADS" not in execute.kernel_env(batch.run_settings(jobs=1, runs=5))
    with settings.override(duckdb_threads="4"):
        assert batch.run_settings(jobs=2, runs=5).duckdb_threads == "4"


def test_a_report_keeps_the_text_cells_of_its_language(notebook):
    nb = nbformat.v4.new_notebook()
    zh, en, both = (nbformat.v4.new_markdown_cell(t) for t in ("## 核心指标", "## Key figures", "both"))
    zh.metadata["tags"], en.metadata["tags"] = ["lang-zh"], ["lang-en"]
    nb.cells = [zh, en, both, nbformat.v4.new_code_cell("1")]
    for lang, kept in (("zh", "## 核心指标"), ("en", "## Key figures")):
        copy = nbformat.from_dict(json.loads(json.dumps(nb)))
        shown = publish.prepare_for_html(copy, spec(notebook), {"lang": lang}, "fp", lang)
        texts = [c.source for c in shown.cells if c.cell_type == "markdown"]
        assert kept in texts and "both" in texts
        assert {"## 核心指标", "## Key figures"} - {kept} & set(texts) == set()
    assert publish.report_language(spec(notebook), {"lang": "en"}) == "en"
    assert publish.report_language(spec(notebook), {}) == "zh"  # the notebook declares no lang: zh
    with pytest.raises(ValueError, match="use one of zh, en"):
        publish.report_language(spec(notebook), {"lang": "fr"})


LEAK = """import os
url = os.environ.get("WORKBOOK_DB_URL")
print("engine at", url)
password = url.split("//")[1].rsplit("@", 1)[0].split(":", 1)[1]
if fail:
    raise ValueError(f'could not connect: password "{password}" refused for {url}')"""


@pytest.mark.reports
def test_the_warehouse_password_reaches_no_output(tmp_path, monkeypatch):
    """An engine's error quotes the URL it was given: the report, the run record, the failed
    notebook, the index and its catalogue show it masked."""
    url = "postgres://bob:pa/ss@1@db.example:5432/shop"
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    settings.reload()
    notebook = tiny_notebook(tmp_path / "03-leak.ipynb", LEAK)
    out = tmp_path / "out"
    ok = execute.execute_run(spec(notebook, "ok"), out)
    bad = execute.execute_run(spec(notebook, "bad", fail=True), out)
    publish.write_index(out, [ok, bad])
    assert ok.status == "ok" and bad.status == "failed"
    written = {p.name: _readable_text(p) for p in out.rglob("*") if p.is_file()}
    assert {"ok.html", "ok.ipynb", "bad.failed.ipynb", "index.html", "runs.json"} <= set(written)
    for name, text in written.items():
        assert "pa/ss" not in text, f"{name} shows the password"
    assert "postgres://***@db.example:5432/shop" in written["ok.html"]
    assert "***" in bad.error and "pa/ss" not in bad.error


def _readable_text(path: Path) -> str:
    """A published file's text: an XLSX's XML parts, a PDF's decompressed streams, else the file."""
    import re
    import zipfile
    import zlib

    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    if path.suffix == ".pdf":
        parts = []
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
            try:
                parts.append(zlib.decompress(stream).decode("latin-1"))
            except zlib.error:
                parts.append(stream.decode("latin-1"))
        return "".join(parts)
    return path.read_text(encoding="utf-8")


def _processes_with(marker: str) -> list[int]:
    """Pids of the processes whose command line or environment mentions ``marker``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            seen = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in seen:
            found.append(int(proc.name))
    return found


@pytest.mark.reports
def test_a_killed_batch_leaves_no_workers_kernels_or_temporary_folders(tmp_path):
    """A batch killed outright (kill -9, an OOM kill): its workers and their kernels end with it,
    the index lists only what was published, and the next batch removes what the dead runs left."""
    import signal
    import subprocess
    import sys
    import time

    notebook = tiny_notebook(tmp_path / "04-slow.ipynb")
    config_path = tmp_path / "runs.yaml"
    config_path.write_text(f"runs:\n  - {{name: fast, notebook: {notebook}}}\n"
                           f"  - {{name: slow1, notebook: {notebook}, parameters: {{pause: 120.0}}}}\n"
                           f"  - {{name: slow2, notebook: {notebook}, parameters: {{pause: 120.0}}}}\n",
                           encoding="utf-8")
    out = tmp_path / "out"
    batch_proc = subprocess.Popen([sys.executable, "-m", "helpers.runner.cli", "run", str(config_path), "--out",
                                   str(out), "--jobs", "2", "--quiet"], cwd=project_root(),
                                  env={**os.environ, "WORKBOOK_TEST_MARKER": str(tmp_path)})
    deadline = time.time() + 120
    while time.time() < deadline and not ((out / "runs.json").exists() and len(list(out.glob("04-slow/.run-*"))) == 2):
        time.sleep(0.5)  # the fast run is published and both slow runs have started, in the two workers
    time.sleep(3)
    assert len(_processes_with(str(tmp_path))) >= 3, "the batch, its workers and their kernels are running"
    batch_proc.send_signal(signal.SIGKILL)
    batch_proc.wait(10)
    deadline = time.time() + 30
    while time.time() < deadline and _processes_with(str(tmp_path)):
        time.sleep(0.5)
    assert _processes_with(str(tmp_path)) == [], "orphaned workers or kernels keep running"
    entries = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in entries] == ["fast"], "the index lists what was published, nothing else"
    assert list(out.glob("04-slow/.run-*")), "the killed runs left their temporary folders"
    batch.run_batch([spec(notebook, "next")], out, quiet=True)
    assert not list(out.glob("04-slow/.run-*")), "the next batch removes them"
    assert not (out / "04-slow" / "slow1.html").exists()


EXPORTING = """from pathlib import Path
import pandas as pd
from helpers.present.files import write_csv
write_csv(pd.DataFrame({"who": [label]}), Path(%r))
if fail:
    raise ValueError("broken on purpose")"""


@pytest.mark.reports
def test_a_failed_run_keeps_the_last_good_export(tmp_path):
    export = tmp_path / "exports" / "list.csv"
    nb = tiny_notebook(tmp_path / "02-export.ipynb", EXPORTING % str(export))
    assert execute.execute_run(spec(nb, label="first"), tmp_path / "out").status == "ok"
    assert "first" in export.read_text(encoding="utf-8-sig")
    assert execute.execute_run(spec(nb, label="second", fail=True), tmp_path / "out").status == "failed"
    assert "first" in export.read_text(encoding="utf-8-sig")  # the failed run's list never replaced it
    assert execute.execute_run(spec(nb, label="third"), tmp_path / "out").status == "ok"
    assert "third" in export.read_text(encoding="utf-8-sig")


@pytest.mark.reports
def test_an_unchanged_run_is_kept_and_any_change_runs_it_again(tmp_path, capsys):
    nb = tiny_notebook(tmp_path / "03-keep.ipynb")
    out = tmp_path / "out"
    first = batch.run_batch([spec(nb, "k", label="a")], out, quiet=True)
    html = out / "03-keep" / "k.html"
    stamp = html.stat().st_mtime_ns
    again = batch.run_batch([spec(nb, "k", label="a")], out, echo=print)
    assert again[0].status == "ok" and again[0].seconds == 0.0 and html.stat().st_mtime_ns == stamp
    assert again[0].metrics == first[0].metrics
    assert "1 of 1 runs unchanged" in capsys.readouterr().out
    changed = batch.run_batch([spec(nb, "k", label="b")], out, quiet=True)  # another parameter value
    assert changed[0].seconds > 0 and html.stat().st_mtime_ns != stamp
    stamp = html.stat().st_mtime_ns
    forced = batch.run_batch([spec(nb, "k", label="b")], out, quiet=True, force=True)
    assert forced[0].seconds > 0 and html.stat().st_mtime_ns != stamp
    tiny_notebook(nb, body="print('edited')")  # the notebook changed
    stamp = html.stat().st_mtime_ns
    assert batch.run_batch([spec(nb, "k", label="b")], out, quiet=True)[0].seconds > 0
    assert html.stat().st_mtime_ns != stamp


def test_a_run_key_follows_the_data_the_parameters_and_the_notebook(tmp_path, notebook):
    data = tmp_path / "shop"
    data.mkdir()
    (data / "orders.csv").write_text("order_id\n1\n", encoding="utf-8")
    base = execute.run_key(spec(notebook), {"data_dir": str(data)}, False)
    assert execute.run_key(spec(notebook), {"data_dir": str(data)}, False) == base
    assert execute.run_key(spec(notebook), {"data_dir": str(data)}, True) != base  # code shown
    assert execute.run_key(spec(notebook), {"data_dir": str(data), "top_n": 3}, False) != base
    with settings.override(id_salt="another secret"):  # the ids a report masks would change
        assert execute.run_key(spec(notebook), {"data_dir": str(data)}, False) != base
    (data / "orders.csv").write_text("order_id\n2\n", encoding="utf-8")  # same size, other bytes
    assert execute.run_key(spec(notebook), {"data_dir": str(data)}, False) != base


TABLES = """import pandas as pd
from IPython.display import display
from helpers.present.notes import start_report
from helpers.present.tables import style_table
start_report("zh")
display(style_table(pd.DataFrame({"sales": [1234.5, 99.0], "conversion_rate": [0.0312, 0.05],
                                  "title": ["=HYPERLINK(1)", "平底锅"]},
                                 index=pd.Index(["000123", "p2"], name="product_id")),
                    {"sales": "yuan", "conversion_rate": "pct"}, "zh"))
display(style_table(pd.DataFrame({"visitors": [10]}), {"visitors": "count"}, "zh"))
display(pd.DataFrame({"渠道": ["手淘搜索"], "访客数": [120]}))  # a table shown without the styler"""


@pytest.mark.reports
def test_a_report_publishes_its_tables_as_xlsx_and_itself_as_pdf(tmp_path):
    import shutil

    from openpyxl import load_workbook

    nb = tiny_notebook(tmp_path / "04-tables.ipynb", TABLES)
    shaped = nbformat.read(nb, as_version=4)
    shaped.cells.insert(2, nbformat.v4.new_markdown_cell("## 2. 销售\n\nWhat sold."))
    nbformat.write(shaped, nb)
    run = execute.execute_run(spec(nb, "t"), tmp_path / "out")
    assert run.status == "ok", run.error
    folder = tmp_path / "out" / "04-tables"
    book = load_workbook(folder / "t.xlsx")
    assert book.sheetnames[0].startswith("1 2. 销售") and len(book.sheetnames) == 3
    assert [c.value for c in book.worksheets[2][2]] == ["手淘搜索", 120]  # every table shown, styled or not
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["商品ID", "支付金额", "支付转化率", "商品标题"]  # headers as the report shows
    assert sheet["A2"].value == "000123" and sheet["A2"].data_type == "s"  # ids keep their zeros
    assert sheet["B2"].value == 1234.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].value == 0.0312 and sheet["C2"].number_format == "0.00%"
    assert sheet["D2"].value == "=HYPERLINK(1)" and sheet["D2"].data_type == "s"  # text, never a formula
    index = publish.write_index(tmp_path / "out", [run]).read_text(encoding="utf-8")
    assert 'href="04-tables/t.xlsx"' in index
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        pdf = (folder / "t.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and 'href="04-tables/t.pdf"' in index
        assert b"NotoSansSC" in pdf  # the Chinese text is set in the shipped font, not empty boxes
    else:
        assert "no Chromium found" in run.pdf_error
    no_pdf = execute.execute_run(RunSpec("t", str(nb), {}, timeout=120, pdf=False), tmp_path / "out")
    assert no_pdf.status == "ok" and not (folder / "t.pdf").exists()  # no stale PDF beside a newer report


@pytest.mark.reports
def test_a_single_run_shows_its_cells_progress(tmp_path, notebook, capsys):
    batch.run_batch([spec(notebook, "one")], tmp_path, echo=print)
    err = capsys.readouterr().err
    assert "Executing" in err and "cell" in err  # papermill's bar of the notebook's cells, not 0/1 -> 1/1


@pytest.mark.reports
def test_a_dashboard_page_address_never_reaches_a_batch_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "shop=二店")
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5")
    body = ("import os\nfrom helpers.present.display import record\n"
            "record('query', os.environ.get('QUERY_STRING', 'none'), 'text', 'q')\n"
            "record('server', os.environ.get('SERVER_SOFTWARE', 'none'), 'text', 's')")
    nb = tiny_notebook(tmp_path / "05-env.ipynb", body)
    result = execute.execute_run(spec(nb, "env"), tmp_path / "out")
    assert {m["name"]: m["value"] for m in result.metrics} == {"query": "none", "server": "none"}
