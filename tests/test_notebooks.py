"""Notebook hygiene: no committed outputs, one parameters cell of typed literals with comments."""

import ast
import re

import nbformat
import pytest

from helpers.batch import list_notebooks

NOTEBOOKS = list_notebooks()


def test_there_are_notebooks():
    assert [nb.name for nb in NOTEBOOKS][:1] == ["00-shop-overview.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: run nbstripout"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_is_plain_typed_literals_with_comments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells[0] is tagged[0], "the parameters cell is the first code cell"
    source = tagged[0].source
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), f"{path.name}: `name: type = literal` only"
        ast.literal_eval(node.value)  # a literal, nothing computed
        names.append(node.target.id)
    for line in source.splitlines():
        assert "#" in line, f"{path.name}: every parameter needs a comment: {line!r}"
    assert "lang" in names and "data_dir" in names
    import papermill

    # papermill skips a line it cannot parse (e.g. a second "=" in the comment) with only a warning
    assert list(papermill.inspect_notebook(str(path))) == names
    for name in names:
        for secret in ("password", "token", "secret", "url", "key"):
            assert secret not in name.lower(), "credentials come from environment variables, not parameters"


def test_overview_renders_in_english_with_the_figures_of_the_helpers(tmp_path):
    """The English report shows the same sales figure the helpers compute for the default week."""
    import pandas as pd

    from helpers import batch, data, overview, params, report

    result = batch.execute_run(batch.RunSpec("overview-en", str(NOTEBOOKS[0]), {"lang": "en"}), tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "00-shop-overview" / "overview-en.html").read_text(encoding="utf-8")
    shop = data.connect("data/sample")
    period = params.check_params(shop).period
    sales = overview.summarize_period(shop, period)["sales"]
    assert {m["name"]: m["value"] for m in result.metrics}["sales"] == pytest.approx(sales)
    assert f"Sales in {period.start:%Y-%m-%d}" in html
    assert report.format_value(sales, "yuan", "en") in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning or error reaches the reader
    assert "Static view of the default slice" in html  # the Explore section degrades to a static chart
    assert '<script type="application/vnd.jupyter.widget-view+json">' not in html
    assert not re.search(r'<script[^>]*src="https?:', html), "self-contained: opens offline"
    assert html.count('src="data:image/png;base64,') >= 4, "plots are embedded"
    assert pd.Timestamp(period.end).weekday() == 6  # a complete Monday-Sunday week
