"""Shared test set-up."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory):
    """Tests (and the kernels they start) cache parsed exports in a temporary folder, not in ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))
    yield
    mp.undo()
