"""Batch runs: execute notebooks with papermill and publish self-contained HTML reports.

A run is a notebook, a name and parameters. Runs come from a config file
(``runs.yaml``: shared ``defaults`` plus a ``runs`` list) or from the command
line. Before anything executes, every run's parameters are checked against the
notebook's own ``parameters`` cell (names, types, dates); relative dates for
cron (``today``, ``yesterday``, ``last_7_days``, ``last_week``, ``last_month``)
are resolved then.

Each run writes ``<out>/<notebook-stem>/<run-name>.html`` (code hidden, a
header with parameters, data fingerprint and versions), the executed
``.ipynb`` beside it as the run record, and ``<run-name>.metrics.json`` with
the key figures the notebook recorded (``report.record``). Outputs are written
to a temporary folder and moved into place only on success, so a failed or
killed run never leaves a half-written file and never replaces the last good
report; a failed run keeps its executed notebook as ``<run-name>.failed.ipynb``.
``<out>/index.html`` lists every run ever made into that folder with its latest
status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from helpers.data import mask_url, project_root

KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 1200  # seconds for a whole run
RELATIVE_DATES = ("today", "yesterday", "last_7_days", "last_week", "last_month")
SECRET_NAME = re.compile(r"pass(word)?|pwd|token|secret|api_?key|private_?key|credential|dsn", re.I)
CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
SAFE_NAME = re.compile(r"^[\w.\-]+$")
METRIC_MIME = "application/vnd.workbook.metric+json"


class RunConfigError(ValueError):
    """A run cannot start: bad config, unknown notebook, or a parameter that does not fit."""


@dataclass
class RunSpec:
    name: str
    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    timeout: int = DEFAULT_TIMEOUT


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
    metrics: list[dict[str, Any]] = field(default_factory=list)
    finished: str = ""


# ---------------------------------------------------------------------------
# Config and parameter checks
# ---------------------------------------------------------------------------


def list_notebooks(root: Path | None = None) -> list[Path]:
    """The report notebooks, in their numbered order."""
    return sorted((root or project_root()).joinpath("notebooks").glob("[0-9][0-9]-*.ipynb"))


def load_config(path: str | Path) -> list[RunSpec]:
    """Read a runs file: ``defaults`` (parameters, timeout) and ``runs`` (name, notebook, parameters).

    Notebook paths are relative to the config file's folder.

    Raises
    ------
    RunConfigError
        naming the run for a missing notebook, a duplicate or unsafe name, or a malformed entry.
    """
    import yaml

    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RunConfigError(f"{path}: cannot read the runs file ({exc})") from exc
    defaults = config.get("defaults") or {}
    unknown = set(defaults) - {"parameters", "timeout"}
    if unknown:
        raise RunConfigError(f"{path}: unknown keys in defaults: {sorted(unknown)}; use parameters, timeout")
    base = path.parent
    specs = []
    for i, entry in enumerate(config.get("runs") or []):
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise RunConfigError(f"{path}: run #{i + 1} needs at least `notebook:`")
        extra = set(entry) - {"name", "notebook", "parameters", "timeout"}
        if extra:
            raise RunConfigError(f"{path}: run #{i + 1}: unknown keys {sorted(extra)}")
        notebook = (base / entry["notebook"]).resolve()
        name = str(entry.get("name") or notebook.stem)
        params = {**(defaults.get("parameters") or {}), **(entry.get("parameters") or {})}
        timeout = int(entry.get("timeout", defaults.get("timeout", DEFAULT_TIMEOUT)))
        specs.append(RunSpec(name, str(notebook), params, timeout))
    if not specs:
        raise RunConfigError(f"{path}: no runs listed under `runs:`")
    check_names(specs)
    return specs


def check_names(specs: Iterable[RunSpec]) -> None:
    """Run names are unique per notebook and safe as file names; notebooks exist."""
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if not SAFE_NAME.match(spec.name):
            raise RunConfigError(f"run {spec.name!r}: names may use letters, digits, '.', '-' and '_' only")
        if not Path(spec.notebook).is_file():
            raise RunConfigError(f"run {spec.name!r}: notebook not found: {spec.notebook}")
        key = (Path(spec.notebook).stem, spec.name)
        if key in seen:
            raise RunConfigError(f"run {spec.name!r} appears twice for {Path(spec.notebook).name}")
        seen.add(key)


def resolve_relative_date(token: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a relative date stands for, seen from ``today``.

    ``today`` and ``yesterday`` are single days; ``last_7_days`` ends yesterday;
    ``last_week`` is the last complete Monday-Sunday week; ``last_month`` the
    last complete calendar month.
    """
    one = dt.timedelta(days=1)
    if token == "today":
        return today, today
    if token == "yesterday":
        return today - one, today - one
    if token == "last_7_days":
        return today - 7 * one, today - one
    if token == "last_week":
        end = today - dt.timedelta(days=today.weekday() + 1)
        return end - 6 * one, end
    if token == "last_month":
        end = today.replace(day=1) - one
        return end.replace(day=1), end
    raise ValueError(f"unknown relative date {token!r}; use one of {RELATIVE_DATES}")


def _is_date_param(name: str, default: Any) -> bool:
    return name == "date" or name.endswith("_date") or bool(
        isinstance(default, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", default))


def check_parameters(spec: RunSpec, today: dt.date | None = None) -> dict[str, Any]:
    """Check a run's parameters against the notebook's ``parameters`` cell and resolve them.

    Rules: the name must be declared in the notebook; the value must have the
    declared type (``int`` accepts whole numbers only; ``float`` accepts ints;
    ``bool`` only true/false); date parameters take an ISO date, empty, or a
    relative date (resolved against ``today``: a range token given to a
    ``start`` parameter also fills the matching empty ``end`` parameter); names
    that look secret and URLs with credentials are refused, because papermill
    writes parameters into the executed notebook and the report.

    Returns
    -------
    The resolved parameters (what the notebook will receive).

    Raises
    ------
    RunConfigError
        naming the run and the parameter.
    """
    import papermill

    today = today or dt.date.today()
    try:
        declared = papermill.inspect_notebook(spec.notebook)
    except Exception as exc:
        raise RunConfigError(f"run {spec.name!r}: cannot read the notebook's parameters ({exc})") from exc
    resolved: dict[str, Any] = {}
    range_ends: dict[str, dt.date] = {}
    for name, value in spec.parameters.items():
        where = f"run {spec.name!r}: parameter {name!r}"
        if SECRET_NAME.search(name):
            raise RunConfigError(f"{where} looks like a credential; pass credentials through environment "
                                 "variables (e.g. WORKBOOK_DB_URL), never as parameters")
        if isinstance(value, str) and CREDENTIAL_URL.search(value):
            raise RunConfigError(f"{where} holds a URL with a password ({mask_url(value)}); use WORKBOOK_DB_URL")
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise RunConfigError(f"{where} is not declared in {Path(spec.notebook).name} (it has: {known})")
        info = declared[name]
        kind = (info.get("inferred_type_name") or "None").split("[")[0]
        default = _literal(info.get("default"))
        if _is_date_param(name, default):
            value = _check_date(where, value, today, name, range_ends)
        else:
            value = _check_type(where, value, kind)
        resolved[name] = value
    for name, end in range_ends.items():
        partner = re.sub(r"start", "end", name)
        if partner in declared and not resolved.get(partner):
            resolved[partner] = end.isoformat()
    return resolved


def _literal(text: Any) -> Any:
    import ast

    try:
        return ast.literal_eval(text) if isinstance(text, str) else text
    except (ValueError, SyntaxError):
        return text


def _check_date(where: str, value: Any, today: dt.date, name: str, range_ends: dict[str, dt.date]) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if text in RELATIVE_DATES:
        start, end = resolve_relative_date(text, today)
        if "end" in name:
            return end.isoformat()
        if "start" in name:
            range_ends[name] = end
        return start.isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise RunConfigError(f"{where}={value!r} is not a date: use YYYY-MM-DD, empty, or one of "
                             f"{', '.join(RELATIVE_DATES)}") from exc


def _check_type(where: str, value: Any, kind: str) -> Any:
    checks = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
    }
    if kind not in checks:  # untyped or container parameters: accept what YAML gave
        return value
    if not checks[kind](value):
        raise RunConfigError(f"{where}={value!r} should be {kind}")
    return float(value) if kind == "float" else value


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------


def data_fingerprint(data_dir: str | None) -> str:
    """SHA-256 (first 12 hex digits) over the names and bytes of a data folder's files, or of the URL's identity."""
    if not data_dir:
        url = os.environ.get("WORKBOOK_DB_URL", "")
        return "warehouse:" + hashlib.sha256(mask_url(url).encode()).hexdigest()[:12] if url else "none"
    from helpers.data import resolve_data_dir

    folder = resolve_data_dir(data_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:12]


def package_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("ecommerce-workbook", "pandas", "ibis-framework", "duckdb", "papermill", "matplotlib", "seaborn"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def collect_metrics(nb) -> list[dict[str, Any]]:
    """Key figures recorded with ``report.record`` in an executed notebook, in order (last one per name wins)."""
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRIC_MIME)
            if payload:
                found[payload["name"]] = dict(payload)
    return list(found.values())


def _header_cell(spec: RunSpec, params: dict[str, Any], fingerprint: str):
    import nbformat

    title = html.escape(spec.name)
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in params.items())
    versions = html.escape(", ".join(f"{k} {v}" for k, v in package_versions().items()))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return nbformat.v4.new_markdown_cell(
        f'<div class="workbook-header"><p><b>{title}</b> · {html.escape(Path(spec.notebook).name)} · '
        f"generated {now} · data fingerprint <code>{fingerprint}</code></p>"
        f'<table class="workbook-params"><tr><th>parameter</th><th>value</th></tr>{rows}</table>'
        f'<p class="workbook-versions">{versions}</p></div>')


def prepare_for_html(nb, spec: RunSpec, params: dict[str, Any], fingerprint: str):
    """Drop papermill's injected-parameters cell and show the parameters as a header table instead."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    # Widgets cannot live in a static page (Explore sections show their default slice instead); their
    # saved state would only make the page fetch a widget renderer from a CDN and carry data text in
    # a script block.
    nb.metadata.pop("widgets", None)
    hidden = (METRIC_MIME, "application/vnd.jupyter.widget-view+json")
    for cell in nb.cells:  # key figures are data for the index, not part of the page
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not any(m in o.get("data", {}) for m in hidden)]
    position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(position, _header_cell(spec, params, fingerprint))
    return nb


_EXTRA_CSS = """<style>
img{max-width:100%;height:auto} .jp-Notebook{padding:0 8px} table{display:block;overflow-x:auto}
.workbook-header{font-size:90%;color:#444;border-bottom:1px solid #ddd;margin-bottom:1em}
.workbook-params th,.workbook-params td{padding:2px 8px;text-align:left}
.workbook-versions{font-size:85%;color:#888}
</style>"""


def render_html(nb, html_path: Path, title: str, show_code: bool = False) -> None:
    """Render an executed notebook to one self-contained HTML file (plots embedded as base64 PNG)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # self-contained and offline: no CDN scripts (require.js, MathJax); the report needs neither
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = body.replace("</head>", _EXTRA_CSS + "\n</head>", 1)
    html_path.write_text(body, encoding="utf-8")


def _kernel_manager_class():
    """A kernel manager on local IPC sockets: no TCP ports, no 'running over TCP without encryption' noise."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            # the socket path prefix must be unique: parallel kernels in one folder would share it
            self.ip = str(Path(tempfile.gettempdir()) / f"workbook-kernel-{uuid.uuid4().hex[:16]}")

    return IPCKernelManager


class RunTimeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - exercised through run timeouts
    raise RunTimeout()


def execute_run(spec: RunSpec, out_dir: str | Path, params: dict[str, Any] | None = None,
                show_code: bool = False) -> RunResult:
    """Execute one run and publish its outputs atomically.

    Parameters
    ----------
    spec : the run.
    out_dir : reports folder; outputs go to ``out_dir/<notebook-stem>/``.
    params : resolved parameters (default: ``check_parameters(spec)``).
    show_code : keep code cells in the HTML.

    Returns
    -------
    RunResult; on failure ``error`` holds the failing cell's error and the
    last good report is untouched.
    """
    import nbformat
    import papermill as pm

    started = time.perf_counter()
    notebook = Path(spec.notebook).resolve()
    target = Path(out_dir).resolve() / notebook.stem
    target.mkdir(parents=True, exist_ok=True)
    params = check_parameters(spec) if params is None else params
    result = RunResult(spec.name, str(notebook), "failed", 0.0, parameters=params)
    use_alarm = spec.timeout > 0 and hasattr(signal, "SIGALRM") and _in_main_thread()
    static_before = os.environ.get("WORKBOOK_STATIC")
    os.environ["WORKBOOK_STATIC"] = "1"  # the kernel inherits it: Explore sections render their default slice
    with tempfile.TemporaryDirectory(dir=target, prefix=".run-") as tmp:
        tmp_nb = Path(tmp) / f"{spec.name}.ipynb"
        previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
        if use_alarm:
            signal.alarm(spec.timeout)
        try:
            pm.execute_notebook(str(notebook), str(tmp_nb), parameters=params, kernel_name=KERNEL_NAME,
                                cwd=str(notebook.parent), progress_bar=False, request_save_on_cell_execute=False,
                                kernel_manager_class=_kernel_manager_class(),
                                execution_timeout=spec.timeout if spec.timeout > 0 else None)
            nb = nbformat.read(tmp_nb, as_version=4)
            result.metrics = collect_metrics(nb)
            fingerprint = data_fingerprint(params.get("data_dir"))
            tmp_html = Path(tmp) / f"{spec.name}.html"
            render_html(prepare_for_html(nb, spec, params, fingerprint), tmp_html, spec.name, show_code)
            tmp_metrics = Path(tmp) / f"{spec.name}.metrics.json"
            tmp_metrics.write_text(json.dumps({"run": spec.name, "notebook": notebook.name, "parameters": params,
                                               "metrics": result.metrics}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
            for produced in (tmp_nb, tmp_html, tmp_metrics):
                os.replace(produced, target / produced.name)
            (target / f"{spec.name}.failed.ipynb").unlink(missing_ok=True)
            result.status = "ok"
            result.html = str(target / f"{spec.name}.html")
            result.ipynb = str(target / f"{spec.name}.ipynb")
        except RunTimeout:
            result.error = f"timed out after {spec.timeout} s (set `timeout:` for this run to allow more)"
            _keep_failed(tmp_nb, target, spec.name)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            result.error = _short_error(exc)
            _keep_failed(tmp_nb, target, spec.name)
        finally:
            if use_alarm:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, previous)
            if static_before is None:  # leave the caller's environment as it was
                os.environ.pop("WORKBOOK_STATIC", None)
            else:
                os.environ["WORKBOOK_STATIC"] = static_before
    if result.status != "ok" and (target / f"{spec.name}.html").exists():
        result.html = str(target / f"{spec.name}.html")  # the last good report, still in place
    result.seconds = time.perf_counter() - started
    result.finished = dt.datetime.now().isoformat(timespec="seconds")
    return result


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _keep_failed(tmp_nb: Path, target: Path, name: str) -> None:
    if tmp_nb.exists():
        os.replace(tmp_nb, target / f"{name}.failed.ipynb")


def _short_error(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        return f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell else "")
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _worker(args: tuple[RunSpec, str, dict[str, Any], bool]) -> RunResult:
    spec, out_dir, params, show_code = args
    try:
        return execute_run(spec, out_dir, params, show_code)
    except BaseException as exc:  # a worker must always report back
        return RunResult(spec.name, spec.notebook, "failed", 0.0, error=_short_error(exc), parameters=params)


# ---------------------------------------------------------------------------
# Many runs
# ---------------------------------------------------------------------------


def run_batch(specs: list[RunSpec], out_dir: str | Path, *, jobs: int = 1, show_code: bool = False,
              executor: str = "local", scheduler: str | None = None, quiet: bool = False,
              today: dt.date | None = None, echo: Callable[[str], None] = print) -> list[RunResult]:
    """Check every run's parameters, then execute the runs and write the index.

    Parameters
    ----------
    specs : the runs.
    out_dir : reports folder.
    jobs : parallel worker processes (local executor).
    executor : "local" (worker processes on this machine) or "dask" (a Dask
        distributed cluster at ``scheduler``; workers need the project installed
        and the data reachable at the same paths).
    quiet : no progress bar and no per-run lines (for cron); failures still print.

    Raises
    ------
    RunConfigError
        before anything runs, if any run's parameters do not fit its notebook.
    """
    check_names(specs)
    resolved = [check_parameters(spec, today) for spec in specs]  # all errors before any run starts
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp(out_dir)
    tasks = [(spec, str(out_dir), params, show_code) for spec, params in zip(specs, resolved, strict=True)]
    results: list[RunResult] = []
    bar = None
    if not quiet:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), unit="run", desc="runs", leave=False)

    def report(result: RunResult) -> None:
        results.append(result)
        if bar is not None:
            bar.update(1)
        if not quiet or result.status != "ok":
            where = _display_path(result.html) if result.status == "ok" else result.error
            line = f"{result.status:6} {result.seconds:6.1f}s  {result.name}  {where}"
            if bar is not None:
                bar.write(line)
            else:
                echo(line)

    try:
        for result in _execute(tasks, jobs, executor, scheduler):
            report(result)
    finally:
        if bar is not None:
            bar.close()
    order = {spec.name + spec.notebook: i for i, spec in enumerate(specs)}
    results.sort(key=lambda r: order.get(r.name + r.notebook, 0))
    write_index(out_dir, results)
    return results


def _display_path(path: str) -> str:
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _execute(tasks, jobs: int, executor: str, scheduler: str | None) -> Iterable[RunResult]:
    if executor == "dask":
        from dask.distributed import Client, as_completed

        if not scheduler:
            raise RunConfigError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        with Client(scheduler) as client:
            futures = [client.submit(_worker, task, pure=False, key=f"run-{task[0].name}-{i}")
                       for i, task in enumerate(tasks)]
            for future in as_completed(futures):
                yield future.result()
        return
    if executor != "local":
        raise RunConfigError(f"unknown executor {executor!r}; use local or dask")
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield _worker(task)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from helpers.data import MEMORY_LIMIT_ENV, default_memory_limit

    # Parallel runs share the machine's memory: unless the user set a cap, each run's engine
    # gets its part of the default (the workers and their kernels inherit the environment).
    shared = None if os.environ.get(MEMORY_LIMIT_ENV, "").strip() else default_memory_limit(min(jobs, len(tasks)))
    if shared:
        os.environ[MEMORY_LIMIT_ENV] = shared
    try:
        # spawn: workers start clean (no inherited ZMQ or DuckDB state) and stay alive for all their runs
        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_worker, task) for task in tasks]
            for future in as_completed(futures):
                yield future.result()
    finally:
        if shared:
            os.environ.pop(MEMORY_LIMIT_ENV, None)


def _remove_stale_temp(out_dir: Path) -> None:
    """Temporary folders left by a killed run (older than a day are surely dead) are removed."""
    cutoff = time.time() - 86400
    for tmp in out_dir.glob("*/.run-*"):
        if tmp.is_dir() and tmp.stat().st_mtime < cutoff:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# Index and metrics across runs
# ---------------------------------------------------------------------------


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


def write_index(out_dir: Path, results: list[RunResult]) -> Path:
    """Update ``runs.json`` (latest result per run) and write ``index.html`` listing every run.

    Runs from earlier batches stay listed with their last result, so the index
    is the catalogue of everything published in the folder.
    """
    out_dir = Path(out_dir)
    registry_path = out_dir / "runs.json"
    try:
        registry = {(r["notebook"], r["name"]): r for r in json.loads(registry_path.read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError, TypeError):
        registry = {}
    for r in results:
        registry[(r.notebook, r.name)] = asdict(r)
    entries = sorted(registry.values(), key=lambda e: (Path(e["notebook"]).name, e["name"]))
    tmp = registry_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, registry_path)

    rows = []
    for e in entries:
        link = html.escape(e["name"])
        if e.get("html") and Path(e["html"]).exists():
            link = f'<a href="{html.escape(os.path.relpath(e["html"], out_dir))}">{link}</a>'
        status = "✅ ok" if e["status"] == "ok" else "❌ failed" + (" (showing last good report)" if e.get("html") else "")
        error = f"<pre>{html.escape(e['error'])}</pre>" if e.get("error") else ""
        params = "<br>".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in e["parameters"].items())
        figures = "<br>".join(f"{html.escape(str(m.get('label') or m['name']))}: {html.escape(_format_metric(m))}"
                              for m in e.get("metrics") or [])
        rows.append(f"<tr><td>{link}</td><td>{html.escape(Path(e['notebook']).name)}</td><td>{status}{error}</td>"
                    f"<td>{e['seconds']:.1f}s<br><small>{html.escape(e.get('finished') or '')}</small></td>"
                    f"<td>{params}</td><td>{figures}</td></tr>")
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!doctype html>
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
    index = out_dir / "index.html"
    tmp_index = out_dir / "index.html.tmp"
    tmp_index.write_text(page, encoding="utf-8")
    os.replace(tmp_index, index)
    return index


def metrics_table(out_dir: str | Path):
    """All key figures recorded under a reports folder: one row per run, one column per figure."""
    import pandas as pd

    rows = []
    for path in sorted(Path(out_dir).glob("*/*.metrics.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        row = {"notebook": record["notebook"], "run": record["run"]}
        row.update({m["name"]: m.get("value") for m in record["metrics"]})
        rows.append(row)
    return pd.DataFrame(rows)
