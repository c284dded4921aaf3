"""Many runs: check them all, execute them one after another, in worker processes or on a Dask
cluster, and write the index."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from helpers import settings
from helpers.core.shop import default_memory_limit
from helpers.runner.config import RunConfigError, RunResult, RunSpec, check_names, check_parameters
from helpers.runner.execute import run_worker
from helpers.runner.publish import write_index


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
    kernel_settings = run_settings(jobs if executor == "local" else 1, len(specs))
    tasks = [(spec, str(out_dir), params, show_code, kernel_settings)
             for spec, params in zip(specs, resolved, strict=True)]
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
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(run_worker, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def run_settings(jobs: int, runs: int) -> settings.Settings:
    """The kernels' settings: this process's, and, for parallel runs on this machine without a
    memory cap of the user's, each engine's share of the default cap (parallel runs share the
    machine's memory)."""
    current = settings.get()
    parallel = min(jobs, runs)
    if parallel > 1 and not current.duckdb_memory_limit:
        share = default_memory_limit(parallel)
        if share:
            return current.replace(duckdb_memory_limit=share)
    return current


def _remove_stale_temp(out_dir: Path) -> None:
    """Temporary folders left by a killed run (older than a day are surely dead) are removed."""
    cutoff = time.time() - 86400
    for tmp in out_dir.glob("*/.run-*"):
        if tmp.is_dir() and tmp.stat().st_mtime < cutoff:
            shutil.rmtree(tmp, ignore_errors=True)
