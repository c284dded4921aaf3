"""A tiny notebook with typed parameters, for the runner's tests."""

from __future__ import annotations

import nbformat

from helpers.runner.config import RunSpec

PARAMS = '''label: str = "ok"  # text to show
fail: bool = False  # raise on purpose
pause: float = 0.0  # seconds to sleep
start_date: str = ""  # first day, YYYY-MM-DD
end_date: str = ""  # last day, YYYY-MM-DD
top_n: int = 5  # rows to show'''

BODY = """import time
import pandas as pd
from IPython.display import display
from helpers.present.display import record
time.sleep(pause)
if fail:
    raise ValueError("broken on purpose")
display(pd.DataFrame({"title": [label]}))
record("rows", 1, "count", "Rows")
record("share", 0.25, "pct", "Share")
import os
record("engine_memory", os.environ.get("WORKBOOK_DUCKDB_MEMORY_LIMIT", "default"), "text", "Engine memory")
record("static", os.environ.get("WORKBOOK_STATIC", ""), "text", "Static")
record("backend", os.environ.get("MPLBACKEND", ""), "text", "Plot backend")"""


def tiny_notebook(path, body=BODY):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny report"), params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def spec(notebook, name="t", **params):
    return RunSpec(name, str(notebook), params, timeout=120)
