"""Execute notebooks with papermill and render self-contained HTML reports.

Each run writes ``<out>/<notebook-stem>/<run-name>.ipynb`` (the executed run
record) and ``.html`` beside it, then ``<out>/index.html`` links every run with
its status. A run executes into a temporary file and is moved into place only
when it succeeded, so a failed run leaves the last good report untouched.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from helpers.data import project_root

KERNEL_NAME = "python3"


@dataclass
class RunResult:
    name: str
    notebook: str
    status: str  # "ok" or "failed"
    seconds: float
    html: str | None = None
    ipynb: str | None = None
    error: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


def list_notebooks(root: Path | None = None) -> list[Path]:
    """The report notebooks, in their numbered order."""
    return sorted((root or project_root()).joinpath("notebooks").glob("[0-9][0-9]-*.ipynb"))


def render_html(notebook_path: Path, html_path: Path, title: str | None = None) -> None:
    """Render an executed notebook to one self-contained HTML file with the code hidden.

    Plots are embedded as base64 PNG by the inline backend, so the file needs
    nothing beside it and can be mailed or shared as is.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or notebook_path.stem}})
    html_path.write_text(body, encoding="utf-8")


def run_notebook(notebook: Path, out_dir: Path, parameters: dict[str, Any] | None = None,
                 name: str | None = None, timeout: int = 900) -> RunResult:
    """Execute one notebook with papermill and render its HTML.

    Parameters
    ----------
    notebook : the template notebook.
    out_dir : reports folder; the run goes to ``out_dir/<stem>/<name>.{ipynb,html}``.
    parameters : values for the notebook's ``parameters`` cell.
    name : run name (default: the notebook's stem).
    timeout : seconds allowed per cell.

    Returns
    -------
    RunResult with status "ok" or "failed" and, on failure, the error (the
    previous report, if any, is left in place).
    """
    import papermill as pm

    notebook = Path(notebook).resolve()
    name = name or notebook.stem
    target = Path(out_dir) / notebook.stem
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parameters = dict(parameters or {})
    with tempfile.TemporaryDirectory(dir=target, prefix=".run-") as tmp:
        tmp_nb, tmp_html = Path(tmp) / f"{name}.ipynb", Path(tmp) / f"{name}.html"
        try:
            pm.execute_notebook(str(notebook), str(tmp_nb), parameters=parameters, kernel_name=KERNEL_NAME,
                                cwd=str(notebook.parent), progress_bar=False, execution_timeout=timeout,
                                report_mode=False)
            render_html(tmp_nb, tmp_html, title=name)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's traceback
            message = _short_error(exc)
            return RunResult(name, str(notebook), "failed", time.perf_counter() - started,
                             error=message, parameters=parameters)
        final_nb, final_html = target / f"{name}.ipynb", target / f"{name}.html"
        os.replace(tmp_nb, final_nb)
        os.replace(tmp_html, final_html)
    return RunResult(name, str(notebook), "ok", time.perf_counter() - started, html=str(final_html),
                     ipynb=str(final_nb), parameters=parameters)


def _short_error(exc: Exception) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def write_index(out_dir: Path, results: list[RunResult]) -> Path:
    """Write ``index.html`` linking every run, with status, time and error; and ``runs.json``."""
    out_dir = Path(out_dir)
    rows = []
    for r in results:
        link = (f'<a href="{html.escape(os.path.relpath(r.html, out_dir))}">{html.escape(r.name)}</a>'
                if r.html else html.escape(r.name))
        status = "✅ ok" if r.status == "ok" else "❌ failed"
        error = f"<pre>{html.escape(r.error)}</pre>" if r.error else ""
        params = html.escape(", ".join(f"{k}={v}" for k, v in r.parameters.items()))
        rows.append(f"<tr><td>{link}</td><td>{html.escape(Path(r.notebook).name)}</td><td>{status}</td>"
                    f"<td>{r.seconds:.1f}s</td><td>{params}</td><td>{error}</td></tr>")
    stamp = time.strftime("%Y-%m-%d %H:%M")
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>电商运营报告 · Reports</title>
<style>body{{font-family:-apple-system,"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:.4em .8em;vertical-align:top}}
th{{background:#f4f4f4}}pre{{white-space:pre-wrap;max-width:60em;margin:0}}</style></head>
<body><h1>电商运营报告 · Reports</h1><p>Generated {stamp}.</p>
<table><tr><th>report</th><th>notebook</th><th>status</th><th>time</th><th>parameters</th><th>error</th></tr>
{''.join(rows)}
</table></body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    (out_dir / "runs.json").write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    return index


def run_all(out_dir: Path, notebooks: list[Path] | None = None, parameters: dict[str, Any] | None = None,
            echo=print) -> list[RunResult]:
    """Execute every notebook (default parameters = the sample shop) and write the index."""
    results = []
    for nb in notebooks or list_notebooks():
        result = run_notebook(nb, out_dir, parameters)
        echo(f"{result.status:6} {result.seconds:6.1f}s  {result.html or result.error}")
        results.append(result)
    write_index(out_dir, results)
    return results
