"""Batch speed: `workbook run` (--jobs 1 and 2) against `jupyter nbconvert --execute --to html` one by one.

Runs every notebook once on the sample shop with its default parameters, in
one process run, and prints wall times and ratios (baseline / ours): HTML and
XLSX only (what nbconvert makes, and the tables), then with the PDFs too, then
an unchanged rerun (every report kept), and `--jobs 2` with kernels started from scratch
(``--fresh-kernels``) for comparison, then where the time of one run goes
(kernel start-up and set-up cell vs analysis cells vs rendering). Usage::

    .venv/bin/python benchmarks/bench_batch.py [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_many import where_time_goes  # same folder: run as a script

from helpers.core.shop import project_root
from helpers.runner import batch, config

ROOT = project_root()


def one_run_per_notebook(pdf: bool = False) -> list[batch.RunSpec]:
    return [config.RunSpec(nb.stem, str(nb), {}, timeout=1200, pdf=pdf) for nb in config.list_notebooks()]


def time_nbconvert(specs, out: Path) -> float:
    jupyter = Path(sys.executable).with_name("jupyter")
    started = time.perf_counter()
    for spec in specs:
        subprocess.run([str(jupyter), "nbconvert", "--execute", "--to", "html", "--no-input",
                        "--output-dir", str(out), spec.notebook], check=True, capture_output=True,
                       cwd=Path(spec.notebook).parent)
    return time.perf_counter() - started


def time_batch(specs, out: Path, jobs: int, force: bool = True, warm: bool = True) -> float:
    started = time.perf_counter()
    results = batch.run_batch(specs, out, jobs=jobs, quiet=True, force=force, warm_kernels=warm)
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"runs failed: {[(r.name, r.error) for r in failed]}")
    return elapsed


def breakdown(out: Path) -> None:
    print("\nWhere one run's time goes (papermill's cell timings, jobs=1 run):")
    parts = where_time_goes(out)
    for name, total, kernel, setup, analysis in zip(parts["name"], parts["total"], parts["kernel"], parts["setup"],
                                                    parts["analysis"], strict=True):
        print(f"  {name:28} papermill {total:5.1f}s = kernel start & save "
              f"{kernel:4.1f}s + set-up cell {setup:4.1f}s + analysis {analysis:4.1f}s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="repeat each measurement, keep the best")
    args = parser.parse_args(argv)
    specs = one_run_per_notebook()
    print(f"{len(specs)} notebooks on the sample shop, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = min(time_nbconvert(specs, tmp / f"nbconvert{i}") for i in range(args.repeat))
        one = min(time_batch(specs, tmp / f"jobs1-{i}", 1) for i in range(args.repeat))
        two = min(time_batch(specs, tmp / f"jobs2-{i}", 2) for i in range(args.repeat))
        cold = min(time_batch(specs, tmp / f"cold2-{i}", 2, warm=False) for i in range(args.repeat))
        with_pdf = min(time_batch(one_run_per_notebook(pdf=True), tmp / f"pdf-{i}", 2) for i in range(args.repeat))
        rerun = min(time_batch(one_run_per_notebook(pdf=True), tmp / "pdf-0", 2, force=False)
                    for _ in range(args.repeat))
        print(f"  nbconvert --execute one by one : {base:6.1f}s  (1.00x)")
        print(f"  workbook run --jobs 1          : {one:6.1f}s  ({base / one:.2f}x faster)")
        print(f"  workbook run --jobs 2          : {two:6.1f}s  ({base / two:.2f}x faster)")
        print(f"  --jobs 2 --fresh-kernels       : {cold:6.1f}s  ({base / cold:.2f}x faster)")
        print(f"  workbook run --jobs 2, + PDFs  : {with_pdf:6.1f}s  ({base / with_pdf:.2f}x faster)")
        print(f"  unchanged rerun (reports kept) : {rerun:6.1f}s")
        breakdown(tmp / "jobs1-0")


if __name__ == "__main__":
    main()
