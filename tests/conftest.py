"""Shared test set-up."""

import json
from pathlib import Path

import pytest

from helpers import data

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory):
    """Tests (and the kernels they start) cache parsed exports in a temporary folder, not in ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def truth() -> dict:
    """The sample generator's ground truth: the values the analyses must recover."""
    return json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample():
    """The sample shop, connected once per test module (modules may override it)."""
    return data.connect(SAMPLE)
