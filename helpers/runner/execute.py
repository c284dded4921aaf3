"""One run: execute a notebook with papermill in a kernel of its own, then publish its outputs.

The kernel gets its settings through its own environment (the kernel manager), never by
changing the environment of the process that starts it: ``WORKBOOK_STATIC=1`` (Explore
sections show their default slice), the engine's share of memory in parallel runs, and a
pinned inline plot backend (an inherited ``MPLBACKEND=Agg`` would strip every plot from the
report). Outputs are written to a temporary folder and moved into place only on success,
so a failed or killed run never replaces the last good report; a failed run keeps its
executed notebook as ``<run>.failed.ipynb``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from helpers import settings
from helpers.core.secrets import mask_text, mask_url, secret_values
from helpers.core.shop import resolve_data_dir
from helpers.present.display import METRIC_MIME
from helpers.present.files import publish_staged
from helpers.runner.config import (
    RunResult,
    RunSpec,
    check_parameters,
    effective_data_dir,
    package_versions,
)
from helpers.runner.publish import (
    prepare_for_html,
    render_html,
    render_pdf,
    report_language,
    write_tables_xlsx,
)

KERNEL_NAME = "python3"
RUN_TEMP_PREFIX = ".run-"  # + the pid of the process running it: a dead pid's folder is left over
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: What Voilà tells a dashboard kernel about its page: a batch run started from such a process must
#: not pass it on, or its reports would read the page's shop instead of their own data_dir.
DASHBOARD_ENV = ("QUERY_STRING", "SERVER_SOFTWARE", "SCRIPT_NAME", "PATH_INFO", "SERVER_NAME", "SERVER_PORT",
                 "SERVER_PROTOCOL")


def data_fingerprint(data_dir: str | None) -> str:
    """SHA-256 (first 12 hex digits) over the names and bytes of a data folder's files, or of the URL's identity."""
    if not data_dir:
        url = settings.get().db_url
        return "warehouse:" + hashlib.sha256(mask_url(url).encode()).hexdigest()[:12] if url else "none"
    folder = resolve_data_dir(data_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:12]


def code_fingerprint() -> str:
    """SHA-256 (first 12 hex digits) over the helpers package's code and label table: a change
    of code can change any report."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.toml")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def run_key(spec: RunSpec, params: dict[str, Any], show_code: bool, data: str | None = None,
            code: str | None = None) -> str:
    """What a run's report depends on, as one digest: the notebook's bytes, the helpers' code,
    the data's bytes (:func:`data_fingerprint`), the resolved parameters (relative dates
    already turned into days), whether code is shown and the packages' versions. Two runs with
    one key give the same report. ``data`` and ``code`` may be given when already computed."""
    digest = hashlib.sha256()
    digest.update(Path(spec.notebook).read_bytes())
    digest.update((code or code_fingerprint()).encode())
    digest.update((data or data_fingerprint(effective_data_dir(spec, params))).encode())
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    # the salt masks the customer ids a report shows: a new salt, new reports (its hash only, never the salt)
    salt = hashlib.sha256(settings.get().id_salt.encode()).hexdigest()
    digest.update(json.dumps([show_code, spec.pdf, package_versions(), salt], sort_keys=True).encode())
    return digest.hexdigest()[:24]


def collect_metrics(nb) -> list[dict[str, Any]]:
    """Key figures recorded with ``present.display.record`` in an executed notebook, in order (last one per name wins)."""
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRIC_MIME)
            if payload:
                found[payload["name"]] = dict(payload)
    return list(found.values())


def kernel_socket_dir(pid: int) -> Path:
    """Where the kernels started by process ``pid`` keep their IPC sockets."""
    return Path(tempfile.gettempdir()) / f"workbook-kernels-{pid}"


#: The thread pools of the numeric libraries (OpenMP, OpenBLAS, MKL).
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def kernel_env(run_settings: settings.Settings) -> dict[str, str]:
    """What a run's kernel adds to the environment it inherits: the run's ``WORKBOOK_*``
    settings, the inline plot backend and, when the run has a share of the cores
    (``duckdb_threads``), the numeric libraries' threads capped to that share: on cores
    busy with parallel runs, BLAS threads beyond it spin instead of working."""
    env = {**run_settings.to_env(), "MPLBACKEND": INLINE_BACKEND}
    if run_settings.duckdb_threads:
        env.update(dict.fromkeys(BLAS_THREAD_VARIABLES, run_settings.duckdb_threads))
    return env


def server_env(run_settings: settings.Settings) -> dict[str, str]:
    """The environment of a batch's kernel server (:mod:`.kernels`): what its kernels would
    inherit, so that what libraries read once at import (thread counts, the plot backend) is
    what a fresh kernel of the batch would read."""
    return {k: v for k, v in {**os.environ, **kernel_env(run_settings)}.items()
            if k not in DASHBOARD_ENV and not k.startswith("VOILA_")}


def kernel_manager_class(env: dict[str, str], server: str | None = None):
    """A kernel manager on local IPC sockets (no TCP ports, no 'running over TCP without
    encryption' noise) whose kernel starts with ``env`` added to the inherited environment;
    with ``server`` (a :class:`.kernels.KernelServer`'s socket), the kernel is forked warm by
    that server instead of started from scratch."""
    import sys

    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            # the socket path prefix must be unique: parallel kernels in one folder would share it
            sockets = kernel_socket_dir(os.getpid())
            sockets.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.ip = str(sockets / uuid.uuid4().hex[:16])

        async def _async_pre_start_kernel(self, **kw):
            inherited = {k: v for k, v in {**os.environ, **kw.get("env", {})}.items() if k not in DASHBOARD_ENV
                         and not k.startswith("VOILA_")}
            kw["env"] = {**inherited, **env}
            return await super()._async_pre_start_kernel(**kw)

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if server and "ipykernel_launcher" in cmd:
                rest = cmd[cmd.index("ipykernel_launcher") + 1:]
                return [sys.executable, "-m", "helpers.runner.kernels", "launch", server, *rest]
            return cmd

    return RunKernelManager


class RunTimeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - exercised through run timeouts
    raise RunTimeout()


def execute_run(spec: RunSpec, out_dir: str | Path, params: dict[str, Any] | None = None,
                show_code: bool = False, run_settings: settings.Settings | None = None,
                progress: bool = False, kernel_server: str | None = None) -> RunResult:
    """Execute one run and publish its outputs atomically.

    Parameters
    ----------
    spec : the run.
    out_dir : reports folder; outputs go to ``out_dir/<notebook-stem>/``.
    params : resolved parameters (default: ``check_parameters(spec)``).
    show_code : keep code cells in the HTML.
    run_settings : the kernel's settings (default: this process's, with ``static`` on).
    progress : show a bar of the notebook's cells as they run (a single run in a terminal).
    kernel_server : socket of the batch's warm-kernel server (:mod:`.kernels`); None starts
        the kernel from scratch.

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
    # Explore sections of a published report show their default slice
    run_settings = run_settings or settings.get()
    secrets = secret_values(run_settings.db_url)
    with tempfile.TemporaryDirectory(dir=target, prefix=f"{RUN_TEMP_PREFIX}{os.getpid()}-") as tmp:
        # exports (the CRM recall list) wait here until the whole report succeeded
        staging = Path(tmp) / "exports"
        env = kernel_env(run_settings.replace(static=True, export_staging=str(staging)))
        tmp_nb = Path(tmp) / f"{spec.name}.ipynb"
        previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
        if use_alarm:
            signal.alarm(spec.timeout)
        try:
            # the data as it was when the run started is what the report shows
            fingerprint = data_fingerprint(effective_data_dir(spec, params))
            key = run_key(spec, params, show_code, data=fingerprint)
            pm.execute_notebook(str(notebook), str(tmp_nb), parameters=params, kernel_name=KERNEL_NAME,
                                cwd=str(notebook.parent), progress_bar=progress, request_save_on_cell_execute=False,
                                kernel_manager_class=kernel_manager_class(env, kernel_server),
                                execution_timeout=spec.timeout if spec.timeout > 0 else None)
            nb = scrub_secrets(nbformat.read(tmp_nb, as_version=4), secrets)
            nbformat.write(nb, tmp_nb)
            result.metrics = collect_metrics(nb)
            tmp_html = Path(tmp) / f"{spec.name}.html"
            lang = report_language(spec, params)
            shown = prepare_for_html(nbformat.from_dict(json.loads(json.dumps(nb))), spec, params, fingerprint, lang)
            render_html(shown, tmp_html, spec.name, show_code, lang)
            # the tables as a workbook and the report as PDF: what operators forward
            tmp_xlsx, tmp_pdf = Path(tmp) / f"{spec.name}.xlsx", Path(tmp) / f"{spec.name}.pdf"
            write_tables_xlsx(shown, tmp_xlsx)
            result.pdf_error = render_pdf(tmp_html, tmp_pdf) if spec.pdf else None
            tmp_metrics = Path(tmp) / f"{spec.name}.metrics.json"
            record = {"run": spec.name, "notebook": notebook.name, "notebook_path": str(notebook),
                      "parameters": params, "metrics": result.metrics,
                      "run_key": key, "seconds": round(time.perf_counter() - started, 1),
                      "finished": dt.datetime.now().isoformat(timespec="seconds")}
            tmp_metrics.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            for produced in (tmp_nb, tmp_html, tmp_metrics, tmp_xlsx, tmp_pdf):
                if produced.exists():
                    os.replace(produced, target / produced.name)
                else:  # an earlier run's copy would no longer match the report
                    (target / produced.name).unlink(missing_ok=True)
            publish_staged(staging)
            (target / f"{spec.name}.failed.ipynb").unlink(missing_ok=True)
            result.status = "ok"
            result.html = str(target / f"{spec.name}.html")
            result.ipynb = str(target / f"{spec.name}.ipynb")
        except RunTimeout:
            result.error = f"timed out after {spec.timeout} s (set `timeout:` for this run to allow more)"
            _keep_failed(tmp_nb, target, spec.name, secrets)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            result.error = mask_text(_short_error(exc), secrets)
            _keep_failed(tmp_nb, target, spec.name, secrets)
        finally:
            if use_alarm:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, previous)
    if result.status != "ok" and (target / f"{spec.name}.html").exists():
        result.html = str(target / f"{spec.name}.html")  # the last good report, still in place
    result.seconds = time.perf_counter() - started
    result.finished = dt.datetime.now().isoformat(timespec="seconds")
    return result


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _keep_failed(tmp_nb: Path, target: Path, name: str, secrets: list[str]) -> None:
    import nbformat

    if tmp_nb.exists():
        try:
            nbformat.write(scrub_secrets(nbformat.read(tmp_nb, as_version=4), secrets), tmp_nb)
        except Exception:  # an unreadable partial notebook is kept as papermill left it
            pass
        os.replace(tmp_nb, target / f"{name}.failed.ipynb")


def scrub_secrets(nb, secrets: list[str]):
    """The notebook with every credential masked in every text output (streams, HTML, Markdown,
    errors and tracebacks): an engine's error message can quote the connection URL it was given.
    Images are left alone (a short password could be a piece of any base64 picture)."""
    def clean(value):
        if isinstance(value, str):
            return mask_text(value, secrets)
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = clean(output[key])
            for mime, value in output.get("data", {}).items():
                if not mime.startswith("image/"):
                    output["data"][mime] = clean(value) if isinstance(value, str | list) else value
    return nb


def _short_error(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        return f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell else "")
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def run_worker(task: tuple) -> RunResult:
    """Execute one run in a worker process (or a Dask worker); always reports back.

    ``task``: (spec, out_dir, params, show_code, run_settings[, progress[, kernel_server]])."""
    spec, out_dir, params, show_code, run_settings, *more = task
    progress, server = (more + [False, None][len(more):])[:2]
    try:
        return execute_run(spec, out_dir, params, show_code, run_settings, progress=bool(progress),
                           kernel_server=server)
    except Exception as exc:  # a worker reports every failure back (but a SIGTERM ends it)
        return RunResult(spec.name, spec.notebook, "failed", 0.0, error=_short_error(exc), parameters=params)
