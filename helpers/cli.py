"""`workbook`: everything that is not a notebook.

    workbook check DIR [--json]        validate a data folder, print rows, dates and totals per table
    workbook sample --out DIR          write the seeded sample shop (--scale K for large shops)
    workbook reports [--out DIR]       execute every notebook on the sample shop and render HTML
    workbook docs [--check]            regenerate docs/data.md and docs/metrics.md from the code
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_check(args) -> int:
    from helpers.data import DataError, check_folder

    try:
        summary = check_folder(args.dir)
    except DataError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc), "file": exc.file, "column": exc.column},
                             ensure_ascii=False, indent=1))
        else:
            print(f"ERROR {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"ok": True, **summary}, ensure_ascii=False, indent=1, default=str))
        return 0
    print(f"data: {summary['origin']}")
    for name, info in summary["tables"].items():
        totals = "  ".join(f"{k}={v:,}" for k, v in info["totals"].items())
        print(f"  {name:10} {info['rows']:>10,} rows  {info['start'] or '-'} .. {info['end'] or '-'}  {totals}")
    if summary["missing"]:
        print("  missing (sections that need them are skipped): " + ", ".join(summary["missing"]))
    for note in summary["notes"]:
        print(f"  note: {note}")
    return 0


def _cmd_sample(args) -> int:
    from helpers.sample import generate_sample

    truth = generate_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.format)
    rows = truth.get("rows", {})
    print(f"wrote sample shop to {args.out} (seed {args.seed}, scale {args.scale}): "
          + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


def _cmd_reports(args) -> int:
    from helpers.batch import list_notebooks, run_all

    notebooks = [Path(n) for n in args.notebooks] if args.notebooks else list_notebooks()
    params = {"data_dir": str(Path(args.data).resolve())} if args.data else None
    results = run_all(Path(args.out), notebooks, params)
    failed = [r for r in results if r.status != "ok"]
    print(f"{len(results) - len(failed)} ok, {len(failed)} failed; index: {Path(args.out) / 'index.html'}")
    for r in failed:
        print(f"FAILED {r.name}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_docs(args) -> int:
    from helpers.contract import render_data_doc
    from helpers.data import project_root
    from helpers.metrics import render_metrics_doc

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
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (150 = ~10 million order lines)")
    p.add_argument("--seed", type=int, default=20261115, help="random seed; same seed, same bytes")
    p.add_argument("--format", choices=("csv", "parquet"), default=None,
                   help="file format (default: csv at scale <= 5, parquet above)")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("reports", help="execute every notebook and render HTML into reports/")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--data", default="", help="data folder (default: each notebook's own, the sample shop)")
    p.add_argument("notebooks", nargs="*", help="notebooks to run (default: all of notebooks/)")
    p.set_defaults(func=_cmd_reports)

    p = sub.add_parser("docs", help="regenerate docs/data.md and docs/metrics.md from the code")
    p.add_argument("--check", action="store_true", help="fail if they are out of date instead of writing")
    p.set_defaults(func=_cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "format", "unset") is None:
        args.format = "csv" if args.scale <= 5 else "parquet"
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
