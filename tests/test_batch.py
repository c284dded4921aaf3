"""Batch runs: papermill execution, self-contained HTML, and a failed run never replaces a good report."""

from __future__ import annotations

import json

import nbformat
import pytest

from helpers import batch


def tiny_notebook(path, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('label: str = "ok"  # text to show\nfail: bool = False  # raise on purpose')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


BODY = """import pandas as pd
from IPython.display import display
if fail:
    raise ValueError("broken on purpose")
display(pd.DataFrame({"title": [label]}))"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    return tiny_notebook(tmp_path_factory.mktemp("nb") / "01-tiny.ipynb", BODY)


def test_run_writes_executed_notebook_and_html(tmp_path, notebook):
    result = batch.run_notebook(notebook, tmp_path, {"label": "<script>alert(1)</script>"}, name="t")
    assert result.status == "ok", result.error
    html = (tmp_path / "01-tiny" / "t.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # data text is escaped in the report
    assert "<script>alert(1)</script>" not in html
    assert "import pandas" not in html  # code is hidden from readers
    executed = nbformat.read(tmp_path / "01-tiny" / "t.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)


def test_failed_run_keeps_the_last_good_report(tmp_path, notebook):
    good = batch.run_notebook(notebook, tmp_path, {"label": "first"}, name="t")
    assert good.status == "ok"
    before = (tmp_path / "01-tiny" / "t.html").read_text(encoding="utf-8")
    bad = batch.run_notebook(notebook, tmp_path, {"fail": True}, name="t")
    assert bad.status == "failed" and "ValueError: broken on purpose" in bad.error
    assert (tmp_path / "01-tiny" / "t.html").read_text(encoding="utf-8") == before
    assert not list((tmp_path / "01-tiny").glob(".run-*")), "temporary files are cleaned up"


def test_index_links_runs_and_escapes_errors(tmp_path, notebook):
    results = [batch.run_notebook(notebook, tmp_path, {"label": "x"}, name="good"),
               batch.run_notebook(notebook, tmp_path, {"fail": True}, name="bad<i>")]
    index = batch.write_index(tmp_path, results).read_text(encoding="utf-8")
    assert 'href="01-tiny/good.html"' in index
    assert "bad&lt;i&gt;" in index and "broken on purpose" in index
    runs = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in runs] == ["ok", "failed"]
