"""The analyst install is lean and the conda file installs what pip installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: conda-forge's names for the PyPI distributions whose names differ
CONDA_NAMES = {"ibis-framework[duckdb]": "ibis-duckdb", "matplotlib": "matplotlib-base"}


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"([A-Za-z0-9_.\-\[\]]+)\s*(.*)", requirement).groups()
    return name.lower(), spec.replace(" ", "")


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_analyst_install_has_no_test_spark_or_browser_tooling():
    runtime = {_split(d)[0] for d in _project()["dependencies"]}
    dev = {_split(d)[0] for d in _project()["optional-dependencies"]["dev"]}
    for tool in ("pytest", "nbval", "pyspark", "playwright", "ruff", "nbstripout", "xlwt"):
        assert tool not in runtime and tool in dev, tool
    for needed in ("jupyterlab", "papermill", "voila", "ipywidgets", "seaborn"):
        assert needed in runtime, needed
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    analyst = makefile.split("$(VENV)/.installed:")[1].split("\n\n")[0]
    assert "-e ." in analyst and "[dev]" not in analyst


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {}
    for entry in conda + pip:
        name, spec = _split(entry)
        listed[name] = spec
    assert listed.pop("python") == _project()["requires-python"]  # the same Python range as pip's
    for requirement in _project()["dependencies"]:
        name, spec = _split(requirement)
        name = CONDA_NAMES.get(name, name)
        assert listed.get(name) == spec, f"{name}: pyproject says {spec!r}, environment.yml {listed.get(name)!r}"
    assert "-e" in " ".join(pip)  # the workbook itself


def test_notebooks_name_the_projects_kernel():
    import json

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ipykernel install --sys-prefix --name ecommerce-workbook" in makefile
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert spec["name"] == "ecommerce-workbook", path.name
