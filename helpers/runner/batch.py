"""Many runs: check them all, execute them one after another, in worker processes or on a Dask
cluster, and write the index."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from helpers import settings
from helpers.core.shop import default_memory_limit
from helpers.runner import kernels
from helpers.runner.config import (
    RunConfigError,
    RunResult,
    RunSpec,
    check_names,
    check_parameters,
    effective_data_dir,
)
from helpers.runner.execute import (
    RUN_TEMP_PREFIX,
    code_fingerprint,
    data_fingerprint,
    kernel_socket_dir,
    run_key,
    run_worker,
    server_env,
)
from helpers.runner.publish import find_browser, write_index


def run_batch(specs: list[RunSpec], out_dir: str | Path, *, jobs: int | None = None, show_code: bool = False,
              executor: str = "local", scheduler: str | None = None, quiet: bool = False,
              today: dt.date | None = None, echo: Callable[[str], None] = print,
              force: bool = False, warm_kernels: bool = True) -> list[RunResult]:
    """Check every run's parameters, then execute the runs and write the index.

    Parameters
    ----------
    specs : the runs.
    out_dir : reports folder.
    jobs : parallel worker processes (local executor); None: one per core.
    executor : "local" (worker processes on this machine) or "dask" (a Dask
        distributed cluster at ``scheduler``; workers need the project installed
        and the data reachable at the same paths).
    quiet : no progress bar and no per-run lines (for cron); failures still print.
    force : run every run; otherwise a run whose report was made from the same notebook,
        code, data, parameters and packages (:func:`.execute.run_key`) is kept as it is.
    warm_kernels : with two runs or more on this machine, fork each run's kernel from a
        server that imported the notebooks' modules once (:mod:`.kernels`); False starts every
        kernel from scratch.

    Raises
    ------
    RunConfigError
        before anything runs, if any run's parameters do not fit its notebook.
    """
    check_names(specs)
    resolved = [check_parameters(spec, today) for spec in specs]  # all errors before any run starts
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)
    jobs = jobs or os.cpu_count() or 1
    results: list[RunResult] = []
    kept = [] if force else kept_results(specs, resolved, out_dir, show_code)
    kept_names = {(r.name, r.notebook) for r in kept}
    todo = [(spec, params) for spec, params in zip(specs, resolved, strict=True)
            if (spec.name, str(Path(spec.notebook).resolve())) not in kept_names]
    kernel_settings = run_settings(jobs if executor == "local" else 1, len(todo))
    tasks = [(spec, str(out_dir), params, show_code, kernel_settings) for spec, params in todo]
    if kept:
        results.extend(kept)
        write_index(out_dir, kept)
        if not quiet:
            echo(f"{len(kept)} of {len(specs)} runs unchanged since their report (same notebook, code, data and "
                 "parameters): kept; `--force` runs them again")
    bar = None
    if len(tasks) == 1 and executor == "local" and not quiet:  # one run: a bar of its cells instead
        tasks = [(*tasks[0], True)]
    elif not quiet and tasks:  # nothing to run (every report current): no empty bar
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), unit="run", desc="runs", leave=False)

    def report(result: RunResult) -> None:
        results.append(result)
        # each run's entry is in the index as soon as its report is in place: a batch killed
        # half-way leaves an index that describes every page beside it
        write_index(out_dir, [result])
        if bar is not None:
            bar.update(1)
        if not quiet or result.status != "ok":
            where = _display_path(result.html) if result.status == "ok" else result.error
            line = f"{result.status:6} {result.seconds:6.1f}s  {result.name}  {where}"
            if bar is not None:
                bar.write(line)
            else:
                echo(line)

    server = None
    if warm_kernels and executor == "local" and len(tasks) > 1 and kernels.supported():
        path = kernel_socket_dir(os.getpid()) / "warm.sock"
        if len(str(path)) < 100:  # a Unix socket's path is limited to about 100 bytes
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.chmod(0o700)  # whoever can reach the socket can have a kernel run code as this user
            server = kernels.KernelServer(path, kernels.notebook_imports(sorted({s.notebook for s, _ in todo})),
                                          server_env(kernel_settings))
            # the first run starts its own kernel: it imports on one core while the server imports on the other
            tasks = [(*task, False, str(path) if i else None) for i, task in enumerate(tasks)]
    try:
        with server or contextlib.nullcontext():
            for result in _execute(tasks, jobs, executor, scheduler):
                report(result)
    finally:
        if bar is not None:
            bar.close()
    remove_leftovers(out_dir)  # the workers have ended: their kernels' socket folders go too
    order = {spec.name + spec.notebook: i for i, spec in enumerate(specs)}
    results.sort(key=lambda r: order.get(r.name + r.notebook, 0))
    return results


def kept_results(specs: list[RunSpec], resolved: list[dict], out_dir: Path, show_code: bool) -> list[RunResult]:
    """The runs whose published report is current: its ``metrics.json`` holds the run key the run
    would have now. A warehouse's data cannot be fingerprinted, so its runs always run."""
    code = code_fingerprint()
    fingerprints: dict[str, str | None] = {}
    kept = []
    for spec, params in zip(specs, resolved, strict=True):
        notebook = Path(spec.notebook).resolve()
        target = out_dir / notebook.stem
        html, record_path = target / f"{spec.name}.html", target / f"{spec.name}.metrics.json"
        if not html.exists() or not record_path.exists():
            continue
        if spec.pdf and not html.with_suffix(".pdf").exists() and find_browser():  # a PDF it could now have
            continue
        data_dir = effective_data_dir(spec, params)
        if data_dir not in fingerprints:
            try:
                fingerprints[data_dir] = data_fingerprint(data_dir)
            except (OSError, ValueError):  # the run itself says what is wrong with the folder
                fingerprints[data_dir] = None
        data = fingerprints[data_dir]
        if not data or data.startswith("warehouse:"):
            continue
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("run_key") != run_key(spec, params, show_code, data, code):
            continue
        ipynb = target / f"{spec.name}.ipynb"
        kept.append(RunResult(spec.name, str(notebook), "ok", 0.0, html=str(html),
                              ipynb=str(ipynb) if ipynb.exists() else None, parameters=params,
                              metrics=record.get("metrics", []), finished=record.get("finished", "")))
    return kept


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
            futures = [client.submit(run_worker, task, pure=False, key=f"run-{task[0].name}-{i}")
                       for i, task in enumerate(tasks)]
            for future in as_completed(futures):
                yield future.result()
        return
    if executor != "local":
        raise RunConfigError(f"unknown executor {executor!r}; use local or dask")
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_worker(task)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: workers start clean (no inherited ZMQ or DuckDB state) and stay alive for all their runs
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                             initializer=_die_with_parent) as pool:
        futures = [pool.submit(run_worker, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def run_settings(jobs: int, runs: int) -> settings.Settings:
    """The kernels' settings: this process's, and, for parallel runs on this machine, each
    engine's share of the default memory cap and of the cores (unless the user set them):
    parallel runs share the machine, and threads beyond a run's share only wait for their turn
    (:func:`.execute.kernel_env` gives BLAS the same share)."""
    current = settings.get()
    parallel = min(jobs, runs)
    if parallel <= 1:
        return current
    if not current.duckdb_memory_limit:
        share = default_memory_limit(parallel)
        if share:
            current = current.replace(duckdb_memory_limit=share)
    if not current.duckdb_threads:
        current = current.replace(duckdb_threads=str(max(1, (os.cpu_count() or 1) // parallel)))
    return current


def remove_leftovers(out_dir: Path) -> None:
    """What killed runs left behind: their temporary folders in the reports folder and their
    kernels' socket folders. A leftover is one whose process is gone; a run still going (a
    batch of another process publishing into the same folder) keeps its own."""
    for tmp in out_dir.glob(f"*/{RUN_TEMP_PREFIX}*"):
        pid = tmp.name.removeprefix(RUN_TEMP_PREFIX).split("-", 1)[0]
        if tmp.is_dir() and not _alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)
    for sockets in Path(tempfile.gettempdir()).glob("workbook-kernels-*"):
        if not _alive(sockets.name.rsplit("-", 1)[-1]):
            shutil.rmtree(sockets, ignore_errors=True)


def _alive(pid: str) -> bool:
    """Whether a process of this pid runs; anything that is not a pid counts as gone."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _die_with_parent() -> None:
    """Worker initializer: a worker ends at once when the batch that started it dies (Linux sends
    it SIGTERM). Its kernel follows (a kernel polls its parent), and what the run left in the
    reports folder is removed by the next batch (:func:`remove_leftovers`)."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))  # not unwinding: nobody waits for a result
    kernels.die_with_parent(signal.SIGTERM)  # not Linux: the kernels' own parent poller still applies
    if os.getppid() == 1:  # the batch died before the line above took effect
        os._exit(143)
