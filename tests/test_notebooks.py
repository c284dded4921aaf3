"""Notebook hygiene: one numbered notebook per area, no committed outputs, one parameters cell of
typed literals with comments, every text cell once per report language."""

import ast
import re

import nbformat
import pytest

from helpers.runner.config import list_notebooks

NOTEBOOKS = list_notebooks()
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
AREAS = {"00-shop-overview": "overview", "01-market-research": "market", "02-product-selection": "products",
         "03-traffic-analysis": "traffic", "04-campaign-postmortem": "campaigns", "05-customers": "customers",
         "06-service": "service", "07-planning": "planning"}


def test_every_area_has_its_numbered_notebook_using_it():
    assert [nb.stem for nb in NOTEBOOKS] == list(AREAS)
    for path in NOTEBOOKS:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert f"helpers.areas.{AREAS[path.stem]}" in code, f"{path.name} reads like a report of its own area"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_text_cells_come_once_per_language(path):
    """The runner keeps the report language's cells: a zh report reads wholly in Chinese, an en one in English."""
    nb = nbformat.read(path, as_version=4)
    text = [c for c in nb.cells if c.cell_type == "markdown"]
    tags = [next((t for t in c.metadata.get("tags", []) if t.startswith("lang-")), None) for c in text]
    assert None not in tags, f"{path.name}: every text cell is tagged lang-zh or lang-en"
    assert tags == ["lang-zh", "lang-en"] * (len(tags) // 2), f"{path.name}: a Chinese cell, then its English twin"
    for cell, tag in zip(text, tags, strict=True):
        prose = re.sub(r"`[^`]*`", "", cell.source)  # code and file names are no language
        if tag == "lang-en":
            assert not CJK.search(prose), f"{path.name}: Chinese in an English cell: {cell.source[:80]!r}"
        else:
            assert CJK.search(prose), f"{path.name}: a Chinese cell without Chinese: {cell.source[:80]!r}"
            words = re.findall(r"\b[a-z]{4,}\b", prose)  # prose; names such as JupyterLab or UV are fine
            assert not words, f"{path.name}: English words in a Chinese cell: {words}"
    assert text[0].source.startswith("# ") and text[1].source.startswith("# "), "titles first"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_as_the_filter_writes_them(path):
    """Cell ids numbered in order, as nbstripout writes them: a fresh clone shows no notebook as modified."""
    nb = nbformat.read(path, as_version=4)
    assert [c.id for c in nb.cells] == [str(i) for i in range(len(nb.cells))]


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
    from helpers.runner.config import SECRET_NAME

    for name in names:  # the runner's own rule (keyword_weeks is no key; api_key, db_url would be)
        assert not SECRET_NAME.search(name) and "url" not in name.lower(), \
            f"{name}: credentials come from environment variables, not parameters"


@pytest.mark.reports
def test_overview_renders_in_english_with_the_figures_of_the_helpers(tmp_path):
    """The English report shows the same sales figure the helpers compute for the default week."""
    import pandas as pd

    from helpers.areas.overview import calc
    from helpers.core.params import check_params
    from helpers.core.shop import connect
    from helpers.present.format import format_value
    from helpers.runner.config import RunSpec
    from helpers.runner.execute import execute_run

    result = execute_run(RunSpec("overview-en", str(NOTEBOOKS[0]), {"lang": "en"}), tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / "00-shop-overview" / "overview-en.html").read_text(encoding="utf-8")
    shop = connect("data/sample")
    period = check_params(shop).period
    sales = calc.summarize_period(shop, period)["sales"]
    assert {m["name"]: m["value"] for m in result.metrics}["sales"] == pytest.approx(sales)
    assert f"Sales in {period.start:%Y-%m-%d}" in html
    assert format_value(sales, "yuan", "en") in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no warning or error reaches the reader
    assert "Static view of the default slice" in html  # the Explore section degrades to a static chart
    assert '<script type="application/vnd.jupyter.widget-view+json">' not in html
    assert not re.search(r'<script[^>]*src="https?:', html), "self-contained: opens offline"
    assert html.count('src="data:image/png;base64,') >= 4, "plots are embedded"
    assert pd.Timestamp(period.end).weekday() == 6  # a complete Monday-Sunday week
    assert "Key figures" in html and "核心指标" not in html, "the English report carries the English text cells"
    from tests.xlsx_checks import formatted_number_cells

    assert not formatted_number_cells(tmp_path / "00-shop-overview" / "overview-en.xlsx"), \
        "the report's XLSX holds numbers, not the text shown for them"
