"""Many reports: an agency's batch of shops x notebooks, on worker processes and on Dask.

Writes ``--shops`` sample shops (different seeds, ``--scale`` each), then runs every chosen
notebook on every shop (default 20 x 5 = 100 runs) twice: with ``workbook run --jobs 2``'s
worker processes and on a local Dask cluster of two single-threaded workers. Prints
throughput in runs per minute and where one run's time goes, from papermill's own cell
timings: kernel start-up and saving, the set-up cell (imports, connecting, validating the
data), and the analysis cells. Usage::

    .venv/bin/python benchmarks/bench_many.py                       # 20 shops x 5 notebooks
    .venv/bin/python benchmarks/bench_many.py --shops 4 --executors local
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from helpers import sample
from helpers.core.shop import project_root
from helpers.runner import batch, config

NOTEBOOKS = ("00-shop-overview", "03-traffic-analysis", "04-campaign-postmortem", "05-customers", "06-service")


def make_shops(root: Path, shops: int, scale: float) -> list[Path]:
    folders = []
    for i in range(shops):
        folder = root / f"shop-{i:02d}"
        if not (folder / "orders.csv").exists() and not (folder / "orders.parquet").exists():
            sample.generate_sample(folder, seed=1000 + i, scale=scale)
        folders.append(folder)
    return folders


def make_specs(folders: list[Path], notebooks: tuple[str, ...]) -> list[batch.RunSpec]:
    root = project_root()
    return [config.RunSpec(f"{folder.name}-{nb}", str(root / "notebooks" / f"{nb}.ipynb"),
                          {"data_dir": str(folder)}, timeout=1800)
            for folder in folders for nb in notebooks]


def run(specs: list[batch.RunSpec], out: Path, executor: str, scheduler: str | None) -> float:
    started = time.perf_counter()
    results = batch.run_batch(specs, out, jobs=2, executor=executor, scheduler=scheduler, quiet=True)
    elapsed = time.perf_counter() - started
    failed = [(r.name, r.error) for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} runs failed, e.g. {failed[:3]}")
    return elapsed


def where_time_goes(out: Path) -> dict[str, list[float]]:
    """Per run: papermill total, kernel start & save, set-up cell, analysis cells (seconds)."""
    parts: dict[str, list] = {"name": [], "total": [], "kernel": [], "setup": [], "analysis": []}
    for executed in sorted(out.glob("*/*.ipynb")):
        if executed.name.endswith(".failed.ipynb"):
            continue
        nb = nbformat.read(executed, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        durations = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in cells]
        total = nb.metadata.get("papermill", {}).get("duration") or 0.0
        # parameters, injected parameters, then the set-up cell: imports, connect, checks
        setup = sum(durations[:3])
        analysis = sum(durations[3:])
        parts["name"].append(executed.stem)
        parts["total"].append(total)
        parts["kernel"].append(total - setup - analysis)
        parts["setup"].append(setup)
        parts["analysis"].append(analysis)
    return parts


def report(label: str, runs: int, elapsed: float, parts: dict[str, list[float]]) -> None:
    mean = {k: statistics.fmean(v) for k, v in parts.items() if k != "name"}
    overhead = mean["kernel"] + mean["setup"]
    print(f"{label:<24} {runs} runs in {elapsed / 60:5.1f} min = {runs / (elapsed / 60):5.1f} runs/min; "
          f"per run {mean['total']:.1f} s = kernel start & save {mean['kernel']:.1f} s + set-up cell "
          f"{mean['setup']:.1f} s + analysis {mean['analysis']:.1f} s (overhead {overhead / mean['total']:.0%})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shops", type=int, default=20)
    ap.add_argument("--scale", type=float, default=0.5, help="volume of each shop (1 = the sample shop)")
    ap.add_argument("--notebooks", nargs="+", default=list(NOTEBOOKS))
    ap.add_argument("--executors", nargs="+", choices=("local", "dask"), default=["local", "dask"])
    ap.add_argument("--data-root", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "workbook-shops")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    folders = make_shops(args.data_root, args.shops, args.scale)
    print(f"{len(folders)} shops at scale {args.scale:g} ready in {time.perf_counter() - started:.0f} s")
    specs = make_specs(folders, tuple(args.notebooks))
    for executor in args.executors:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            if executor == "dask":
                from dask.distributed import LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
                    elapsed = run(specs, out, "dask", cluster.scheduler_address)
                label = "Dask LocalCluster (2)"
            else:
                elapsed = run(specs, out, "local", None)
                label = "workbook run --jobs 2"
            report(label, len(specs), elapsed, where_time_goes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
