"""Publishing: a run's self-contained HTML report, and the index of every run in a folder.

The HTML has code hidden (``show_code`` keeps it), a header with the parameters, the data
fingerprint and the package versions, plots embedded and no script from a CDN: it opens
offline and can be forwarded. ``<out>/index.html`` lists every run ever published into the
folder with its latest status and key figures (``runs.json`` is its catalogue).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from helpers.core.atomic import write_atomically
from helpers.i18n import check_lang, is_zh
from helpers.present.display import METRIC_MIME
from helpers.runner.config import RunResult, RunSpec, package_versions


def report_language(spec: RunSpec, params: dict[str, Any]) -> str:
    """The language a run's report is in: its ``lang`` parameter, else the notebook's default."""
    import ast

    if "lang" in params:
        return check_lang(params["lang"])
    import papermill

    default = papermill.inspect_notebook(spec.notebook).get("lang", {}).get("default") or '"zh"'
    return check_lang(ast.literal_eval(default))


def _header_cell(spec: RunSpec, params: dict[str, Any], fingerprint: str, lang: str):
    import nbformat

    zh = is_zh(lang)
    title = html.escape(spec.name)
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in params.items())
    versions = html.escape(", ".join(f"{k} {v}" for k, v in package_versions().items()))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    made, data, parameter, value = (("生成于", "数据指纹", "参数", "值") if zh else
                                    ("generated", "data fingerprint", "parameter", "value"))
    return nbformat.v4.new_markdown_cell(
        f'<div class="workbook-header"><p><b>{title}</b> · {html.escape(Path(spec.notebook).name)} · '
        f"{made} {now} · {data} <code>{fingerprint}</code></p>"
        f'<table class="workbook-params"><tr><th>{parameter}</th><th>{value}</th></tr>{rows}</table>'
        f'<p class="workbook-versions">{versions}</p></div>')


def in_language(cell, lang: str) -> bool:
    """Whether a cell belongs in a report in ``lang``: a cell tagged ``lang-xx`` is written in
    language xx only (a notebook carries each text cell once per language)."""
    tags = cell.get("metadata", {}).get("tags", [])
    langs = [t.removeprefix("lang-") for t in tags if t.startswith("lang-")]
    return not langs or lang in langs


def prepare_for_html(nb, spec: RunSpec, params: dict[str, Any], fingerprint: str, lang: str):
    """The executed notebook as its reader sees it: the text cells of the report's language, the
    parameters as a header table (not papermill's injected cell), no widget state, no key-figure
    outputs."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
                and in_language(c, lang)]
    # Widgets cannot live in a static page (Explore sections show their default slice instead); their
    # saved state would only make the page fetch a widget renderer from a CDN and carry data text in
    # a script block.
    nb.metadata.pop("widgets", None)
    hidden = (METRIC_MIME, "application/vnd.jupyter.widget-view+json")
    for cell in nb.cells:  # key figures are data for the index, not part of the page
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not any(m in o.get("data", {}) for m in hidden)]
    position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(position, _header_cell(spec, params, fingerprint, lang))
    return nb


_EXTRA_CSS = """<style>
img{max-width:100%;height:auto} .jp-Notebook{padding:0 8px} table{display:block;overflow-x:auto}
.workbook-header{font-size:90%;color:#444;border-bottom:1px solid #ddd;margin-bottom:1em}
.workbook-params th,.workbook-params td{padding:2px 8px;text-align:left}
.workbook-versions{font-size:85%;color:#888}
</style>"""


def render_html(nb, html_path: Path, title: str, show_code: bool = False, lang: str = "zh") -> None:
    """Render an executed notebook to one self-contained HTML file (plots embedded as base64 PNG)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # self-contained and offline: no CDN scripts (require.js, MathJax); the report needs neither
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = body.replace("</head>", _EXTRA_CSS + "\n</head>", 1)
    body = re.sub(r"<html(\s[^>]*)?>", f'<html lang="{"zh-CN" if is_zh(lang) else "en"}">', body, count=1)
    html_path.write_text(body, encoding="utf-8")


def collect_tables(nb) -> list[tuple[str, dict]]:
    """The tables a report shows, in order, each with a sheet name: its number and the heading
    of the section it is in (``3 流量来源``), at most 31 characters, unique."""
    from helpers.present.tables import TABLE_MIME

    found, heading, names = [], "", set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            titles = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            heading = titles[-1] if titles else heading
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload:
                base = f"{len(found) + 1} {heading}".strip()[:31]
                name, extra = base, 1
                while name in names:
                    extra += 1
                    name = f"{base[:27]}~{extra}"
                names.add(name)
                found.append((name, payload))
    return found


def write_tables_xlsx(nb, path: Path) -> int:
    """Every table of a report as one XLSX: a sheet per table named after its section, the
    numbers with the formats the report shows (yuan, percent, counts), every text cell text
    (never a formula), frozen headers. Returns the number of tables; none: no file."""
    import pandas as pd

    from helpers.present.files import publish_file_now, write_xlsx

    tables = collect_tables(nb)
    if not tables:
        return 0
    sheets, formats, texts, cells = {}, {}, {}, {}
    for name, payload in tables:
        frame = pd.DataFrame(payload["rows"], columns=payload["columns"])
        sheets[name] = frame
        formats[name] = payload.get("formats", {})
        if payload.get("cell_formats"):
            cells[name] = payload["cell_formats"]
        texts[name] = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str)).any()
                       and c not in formats[name]]
    publish_file_now(path, lambda tmp: write_xlsx(sheets, tmp, text_columns=texts, number_formats=formats,
                                                  cell_formats=cells))
    return len(tables)


#: Browsers that print a report to PDF, looked for in this order on the PATH.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge")


def find_browser() -> str | None:
    """A headless-capable Chromium on this machine (``WORKBOOK_BROWSER`` first), or None."""
    import shutil

    from helpers import settings

    chosen = settings.get().browser
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).exists() else None)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def render_pdf(html_path: Path, pdf_path: Path, timeout: int = 180) -> str | None:
    """Print a report to PDF with headless Chromium (A4, backgrounds, no browser header and
    footer). Returns None when written, else why not (no browser found, the browser failed):
    the HTML report stands either way."""
    import subprocess
    import tempfile

    browser = find_browser()
    if browser is None:
        return "no Chromium found for the PDF (install chromium, or set WORKBOOK_BROWSER to a Chrome/Edge)"
    with tempfile.TemporaryDirectory(prefix="workbook-pdf-") as profile:
        # a server often has no Chinese font: the copy printed uses the one the charts use (Noto
        # Sans SC, shipped with the workbook), so the PDF never shows empty boxes for 汉字
        printed = Path(profile) / html_path.name
        printed.write_text(html_path.read_text(encoding="utf-8").replace("</head>", _pdf_font_css() + "</head>", 1),
                           encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                   f"--print-to-pdf={pdf_path}", printed.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the browser did not print the PDF ({type(exc).__name__})"
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        return f"the browser did not print the PDF (exit {done.returncode})"
    return None


def _pdf_font_css() -> str:
    """CSS that makes a printed report use the workbook's own Chinese font (a local file URL)."""
    from helpers.present.charts import font_path

    url = Path(font_path()).as_uri()
    return (f'<style>@font-face{{font-family:"Workbook Sans SC";src:url("{url}") format("opentype")}}'
            'body,h1,h2,h3,h4,p,li,td,th,div,span,a,strong,em{font-family:"Workbook Sans SC",sans-serif}</style>')


def _format_metric(m: dict[str, Any]) -> str:
    value, unit = m.get("value"), m.get("unit")
    if value is None:
        return "—"
    if isinstance(value, int | float):
        if unit == "pct":
            return f"{value:.2%}"
        if unit == "yuan":
            return f"¥{value:,.0f}" if abs(value) >= 100 else f"¥{value:,.2f}"
        if unit == "ratio":
            return f"{value:.2f}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)


class PublishError(OSError):
    """A report folder that cannot be written (read-only, full): the reports already published stay."""


@contextlib.contextmanager
def folder_lock(out_dir: Path):
    """Hold the reports folder's lock: processes publishing into one folder (one Airflow task per
    report) update its catalogue one at a time."""
    import fcntl

    with (out_dir / ".index.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_catalogue(out_dir: Path) -> dict[tuple[str, str], dict]:
    """The catalogue of runs published in a folder (``runs.json``), latest result per run.

    A catalogue that cannot be read is rebuilt from the published files (each run's
    ``<run>.metrics.json`` beside its report) and kept aside as ``runs.json.corrupt-<time>``:
    the list of what was published is never silently emptied.
    """
    path = out_dir / "runs.json"
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return {(e["notebook"], e["name"]): e for e in entries}
    except (OSError, ValueError, KeyError, TypeError):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        os.replace(path, path.with_name(f"runs.json.corrupt-{stamp}"))
        return recover_catalogue(out_dir)


def recover_catalogue(out_dir: Path) -> dict[tuple[str, str], dict]:
    """The catalogue as the published files tell it: every run with a report and its key figures."""
    found = {}
    for record_path in sorted(out_dir.glob("*/*.metrics.json")):
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            name, notebook = record["run"], str(record.get("notebook_path") or record["notebook"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        html_path = record_path.with_name(f"{name}.html")
        found[(notebook, name)] = asdict(RunResult(
            name, notebook, "ok", float(record.get("seconds") or 0.0),
            html=str(html_path) if html_path.exists() else None,
            ipynb=str(record_path.with_name(f"{name}.ipynb")), parameters=record.get("parameters") or {},
            metrics=record.get("metrics") or [], finished=record.get("finished") or ""))
    return found


def write_index(out_dir: Path, results: list[RunResult]) -> Path:
    """Add ``results`` to the folder's catalogue (``runs.json``) and write ``index.html`` listing
    every run ever published there, under the folder's lock and atomically.

    Raises
    ------
    PublishError
        when the folder cannot be written; the reports already in it are untouched.
    """
    out_dir = Path(out_dir)
    try:
        with folder_lock(out_dir):
            registry = read_catalogue(out_dir)
            for r in results:
                registry[(r.notebook, r.name)] = asdict(r)
            entries = sorted(registry.values(), key=lambda e: (Path(e["notebook"]).name, e["name"]))
            write_atomically(out_dir / "runs.json", json.dumps(entries, ensure_ascii=False, indent=1))
            write_atomically(out_dir / "index.html", _index_page(out_dir, entries))
    except OSError as exc:
        raise PublishError(f"cannot write the index of {out_dir} ({exc.strerror or exc}); the reports "
                           "already published there are unchanged") from exc
    return out_dir / "index.html"


def _index_page(out_dir: Path, entries: list[dict]) -> str:
    rows = []
    for e in entries:
        link = html.escape(e["name"])
        if e.get("html") and Path(e["html"]).exists():
            link = f'<a href="{html.escape(os.path.relpath(e["html"], out_dir))}">{link}</a>'
            for suffix, what in ((".xlsx", "XLSX"), (".pdf", "PDF")):
                beside = Path(e["html"]).with_suffix(suffix)
                if beside.exists():
                    link += f' · <a href="{html.escape(os.path.relpath(beside, out_dir))}">{what}</a>'
        status = "✅ ok" if e["status"] == "ok" else "❌ failed" + (" (showing last good report)" if e.get("html") else "")
        if e["status"] != "ok":
            candidate = out_dir / Path(e["notebook"]).stem / f"{e['name']}.failed.ipynb"
            if candidate.exists():
                status += f' <a href="{html.escape(os.path.relpath(candidate, out_dir))}">failed notebook</a>'
        error = f"<pre>{html.escape(e['error'])}</pre>" if e.get("error") else ""
        if e.get("pdf_error"):
            error += f"<br><small>PDF: {html.escape(e['pdf_error'])}</small>"
        params = "<br>".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in e["parameters"].items())
        figures = "<br>".join(f"{html.escape(str(m.get('label') or m['name']))}: {html.escape(_format_metric(m))}"
                              for m in e.get("metrics") or [])
        rows.append(f"<tr><td>{link}</td><td>{html.escape(Path(e['notebook']).name)}</td><td>{status}{error}</td>"
                    f"<td>{e['seconds']:.1f}s<br><small>{html.escape(e.get('finished') or '')}</small></td>"
                    f"<td>{params}</td><td>{figures}</td></tr>")
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>电商运营报告 · Reports</title>
<style>body{{font-family:-apple-system,"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1em}}
table{{border-collapse:collapse;display:block;overflow-x:auto}}td,th{{border:1px solid #ddd;padding:.4em .6em;vertical-align:top;font-size:90%}}
th{{background:#f4f4f4}}pre{{white-space:pre-wrap;max-width:40em;margin:.3em 0 0;color:#a00}}</style></head>
<body><h1>电商运营报告 · Reports</h1><p>Updated {stamp}. {len(entries)} runs.</p>
<table><tr><th>report</th><th>notebook</th><th>status</th><th>time</th><th>parameters</th><th>key figures</th></tr>
{''.join(rows)}
</table></body></html>
"""


def metrics_table(out_dir: str | Path, long: bool = False):
    """All key figures recorded under a reports folder.

    Wide (default): one row per run, one column per figure (for spreadsheets). Long: one row
    per run and figure with its label, unit and the value as the report shows it (for
    reading in a terminal). A ``metrics.json`` that cannot be read is skipped and named on
    stderr (the others still count).
    """
    import sys

    import pandas as pd

    rows = []
    for path in sorted(Path(out_dir).glob("*/*.metrics.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if long:
                found = [{"run": record["run"], "notebook": record["notebook"], "figure": m.get("label") or m["name"],
                          "name": m["name"], "value": _format_metric(m), "unit": m.get("unit", "")}
                         for m in record["metrics"]]
            else:
                row = {"notebook": record["notebook"], "run": record["run"]}
                row.update({m["name"]: m.get("value") for m in record["metrics"]})
                found = [row]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"skipped {path}: not a metrics record ({exc})", file=sys.stderr)
            continue
        rows.extend(found)
    return pd.DataFrame(rows)
