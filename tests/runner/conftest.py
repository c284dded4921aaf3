"""Runner test set-up: a tiny parameterized notebook."""

import pytest

from tests.runner.tiny import tiny_notebook


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    return tiny_notebook(tmp_path_factory.mktemp("nb") / "01-tiny.ipynb")
