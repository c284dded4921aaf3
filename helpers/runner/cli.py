"""`workbook`: everything that is not a notebook.

    workbook check DIR [--json]        validate a data folder, print rows, dates and totals per table
    workbook sample --out DIR          write the seeded sample shop (--scale K for large shops)
    workbook run [CONFIG]              execute the runs of runs.yaml (or ad hoc: --notebook NB -p KEY VALUE)
    workbook metrics [DIR] [--csv]     key figures of every run under a reports folder
    workbook docs [--check]            regenerate docs/data.md and docs/metrics.md from the code
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_check(args) -> int:
    from helpers.core.errors import DataError
    from helpers.core.shop import check_folder

    try:
        summary = check_folder(args.dir)
    except DataError as exc:  # the folder itself: missing, empty, no engine
        summary = {"origin": str(args.dir), "tables": {}, "missing": [], "notes": [], "errors": [exc],
                   "recognised": [], "ignored": []}
    problems = [p for error in summary.pop("errors") for p in error.problems]
    if args.json:
        print(json.dumps({"ok": not problems, **summary,
                          "problems": [{"file": p.file, "column": p.column, "problem": p.problem,
                                        "examples": p.examples, "fix": p.fix} for p in problems]},
                         ensure_ascii=False, indent=1, default=str))
        return 1 if problems else 0
    print(f"data: {summary['origin']}")
    for item in summary["recognised"]:
        print(f"  {Path(item['file']).name}: {item['table']} <- {item['as']}")
    for file in summary["ignored"]:
        print(f"  {Path(file).name}: not recognised (no profile or table fits its header), ignored")
    for name, info in summary["tables"].items():
        totals = "  ".join(f"{k}={v:,}" if v is not None else f"{k}=-" for k, v in info["totals"].items())
        print(f"  {name:10} {info['rows']:>10,} rows  {info['start'] or '-'} .. {info['end'] or '-'}  {totals}")
    if summary["missing"]:
        print("  missing (sections that need them are skipped): " + ", ".join(summary["missing"]))
    for note in summary["notes"]:
        print(f"  note: {note.en}")
    by_file: dict[str, list] = {}
    for p in problems:
        by_file.setdefault(p.file or summary["origin"], []).append(p)
    for file, found in by_file.items():
        print(f"ERROR {file}: {len(found)} problem{'s' if len(found) > 1 else ''}", file=sys.stderr)
        for p in found:
            print("  - " + p.describe(with_file=False).replace("\n", "\n    "), file=sys.stderr)
    return 1 if problems else 0


def _cmd_sample(args) -> int:
    from helpers.sample import generate_sample

    truth = generate_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.format)
    rows = truth.get("rows", {})
    print(f"wrote sample shop to {args.out} (seed {args.seed}, scale {args.scale}): "
          + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


def _parse_value(text: str):
    """A -p value as YAML reads it: 5 -> int, 0.5 -> float, true -> bool, 2026-11-01 -> date, else text."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):  # ValueError: a date that does not exist, such as 2026-02-30
        return text
    return text if value is None or isinstance(value, list | dict) else value


def _cmd_run(args) -> int:
    from helpers.runner.batch import run_batch
    from helpers.runner.config import DEFAULT_TIMEOUT, RunConfigError, RunSpec, load_config

    try:
        if args.notebook:
            if args.name and len(args.notebook) > 1:
                raise RunConfigError("--name names one run: give one --notebook with it")
            params = {key: _parse_value(value) for key, value in args.parameter or []}
            specs = [RunSpec(args.name or Path(nb).stem, str(Path(nb).resolve()), dict(params),
                             args.timeout or DEFAULT_TIMEOUT) for nb in args.notebook]
        else:
            specs = load_config(args.config)
            if args.parameter:
                raise RunConfigError("-p applies to ad hoc runs (--notebook); put parameters in the config")
            if args.timeout:
                for spec in specs:
                    spec.timeout = args.timeout
        if args.no_pdf:
            for spec in specs:
                spec.pdf = False
        if args.only:
            unknown = set(args.only) - {s.name for s in specs}
            if unknown:
                raise RunConfigError(f"--only: no runs named {sorted(unknown)}; "
                                     f"known: {', '.join(s.name for s in specs)}")
            specs = [s for s in specs if s.name in set(args.only)]
        results = run_batch(specs, Path(args.out), jobs=args.jobs, show_code=args.show_code,
                            executor=args.executor, scheduler=args.scheduler, quiet=args.quiet,
                            force=args.force, warm_kernels=not args.fresh_kernels)
    except RunConfigError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a reports folder that cannot be written (read-only, full)
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    failed = [r for r in results if r.status != "ok"]
    if not args.quiet or failed:
        print(f"{len(results) - len(failed)} ok, {len(failed)} failed; index: {Path(args.out) / 'index.html'}")
    for r in failed:
        print(f"FAILED {r.name} ({Path(r.notebook).name}): {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_metrics(args) -> int:
    from helpers.runner.publish import metrics_table

    table = metrics_table(args.dir, long=not (args.csv or args.wide))
    if args.run and not table.empty:
        table = table[table["run"].isin(args.run)]
    if table.empty:
        print(f"no metrics.json under {args.dir}" + (f" for runs {args.run}" if args.run else ""), file=sys.stderr)
        return 1
    if args.csv:
        from helpers.present.files import write_csv_stream

        write_csv_stream(table, sys.stdout)
        return 0
    import pandas as pd

    if args.wide:
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(table.to_string(index=False))
        return 0
    for (notebook, run), figures in table.groupby(["notebook", "run"], sort=False):
        print(f"{run}  ({notebook})")
        width = max(_width(text) for text in figures["figure"])
        for figure, value in zip(figures["figure"], figures["value"], strict=True):
            print(f"  {figure}{' ' * (width - _width(figure))}  {value}")
    return 0


def _width(text: str) -> int:
    """Columns a text takes in a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _cmd_params(args) -> int:
    from helpers.runner.config import declared_parameters

    path = Path(args.notebook)
    if not path.exists():
        from helpers.runner.config import list_notebooks

        matches = [nb for nb in list_notebooks() if nb.stem.startswith(args.notebook) or nb.name == args.notebook]
        if len(matches) != 1:
            known = ", ".join(nb.stem for nb in list_notebooks())
            print(f"ERROR no notebook {args.notebook!r}; the notebooks are: {known}", file=sys.stderr)
            return 2
        path = matches[0]
    try:
        declared = declared_parameters(path)
    except Exception as exc:
        print(f"ERROR cannot read the parameters of {path}: {exc}", file=sys.stderr)
        return 2
    print(f"{path.name}: {len(declared)} parameters (give them with -p NAME VALUE or under `parameters:` in runs.yaml)")
    width = max((len(n) for n in declared), default=0)
    for name, info in declared.items():
        shown = f"{info['type']} = {info['default']!r}"
        print(f"  {name:<{width}}  {shown:<28}  {info['help']}")
    return 0


def _cmd_docs(args) -> int:
    from helpers.core.contract import render_data_doc
    from helpers.core.metrics import render_metrics_doc
    from helpers.core.shop import project_root

    docs = project_root() / "docs"
    stale = []
    for path, text in ((docs / "data.md", render_data_doc()), (docs / "metrics.md", render_metrics_doc())):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + " (run `workbook docs`)", file=sys.stderr)
        return 1
    print("docs up to date" if not stale else "rewrote " + ", ".join(stale))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbook", description="E-commerce operations workbook (电商运营).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate a data folder and summarise its tables")
    p.add_argument("dir", nargs="?", default="", help="data folder (default: the warehouse in WORKBOOK_DB_URL)")
    p.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("sample", help="write the seeded sample shop")
    p.add_argument("--out", required=True, help="folder to write (created if absent)")
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (about 75,000 order lines each: 134 = ~10 million)")
    p.add_argument("--seed", type=int, default=20261115, help="random seed; same seed, same bytes")
    p.add_argument("--format", choices=("csv", "parquet"), default=None,
                   help="file format (default: csv at scale <= 5, parquet above)")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("run", help="execute notebooks with papermill into HTML reports")
    p.add_argument("config", nargs="?", default="runs.yaml", help="runs file (default: runs.yaml)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these runs of the config")
    p.add_argument("--notebook", nargs="+", metavar="NB", help="ad hoc: run these notebooks, no config")
    p.add_argument("--name", help="ad hoc: the run name (default: the notebook's stem)")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"),
                   help="ad hoc: a parameter (repeatable); values read as YAML: 5, 0.5, true, 2026-11-01")
    p.add_argument("--jobs", type=int, default=None, help="parallel worker processes (default: one per core)")
    p.add_argument("--force", action="store_true",
                   help="run every run, also those whose report is current (same notebook, code, data, parameters)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start every run's kernel from scratch instead of forking it from a process that "
                        "imported the notebooks' modules once (slower; for a library that misbehaves after fork)")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--timeout", type=int, default=0, help="seconds allowed per run (default: config or 1200)")
    p.add_argument("--quiet", action="store_true", help="print only failures (for cron)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    p.add_argument("--no-pdf", action="store_true", help="no PDF beside each report (PDFs need a Chromium)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local worker processes, or a Dask distributed cluster")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("metrics", help="key figures of every run under a reports folder")
    p.add_argument("dir", nargs="?", default="reports", help="reports folder (default: reports)")
    p.add_argument("--run", nargs="+", metavar="NAME", help="only these runs")
    p.add_argument("--wide", action="store_true", help="one row per run, one column per figure")
    p.add_argument("--csv", action="store_true", help="CSV for spreadsheets (wide, UTF-8 with BOM)")
    p.set_defaults(func=_cmd_metrics)

    p = sub.add_parser("params", help="list a notebook's parameters: name, type, default and meaning")
    p.add_argument("notebook", help="a notebook path, name or number prefix (e.g. 05 or 05-customers)")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("docs", help="regenerate docs/data.md and docs/metrics.md from the code")
    p.add_argument("--check", action="store_true", help="fail if they are out of date instead of writing")
    p.set_defaults(func=_cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "format", "unset") is None:
        args.format = "csv" if args.scale <= 5 else "parquet"
    try:
        return args.func(args)
    except BrokenPipeError:  # `workbook metrics | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
