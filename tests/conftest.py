"""Shared test set-up."""

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import settings
from helpers.core.shop import connect
from helpers.present.format import set_report_lang

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory):
    """Tests (and the kernels they start) cache parsed exports in a temporary folder, not in ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))
    settings.reload()
    yield
    mp.undo()
    settings.reload()


@pytest.fixture(scope="session")
def truth() -> dict:
    """The sample generator's ground truth: the values the analyses must recover."""
    return json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample():
    """The sample shop, connected once per test module (modules may override it)."""
    return connect(SAMPLE)


@pytest.fixture()
def anonymous_buyers(tmp_path) -> Path:
    """A folder whose orders.parquet has 7 paid lines on 2026-11-10..12 (¥380), 4 of them (¥140) without a known buyer.

    Known buyers c1 (11-10, 11-12) and c2 (11-11); the others have "", a missing id or spaces,
    which Parquet keeps as they are (a CSV reader makes every one of them an empty cell).
    """
    rows = [  # order, pay time, customer, paid
        ("o1", "2026-11-10 10:00", "c1", 100.0), ("o2", "2026-11-10 11:00", "", 50.0),
        ("o3", "2026-11-10 12:00", None, 30.0), ("o4", "2026-11-11 09:00", "  ", 20.0),
        ("o5", "2026-11-11 10:00", "c2", 80.0), ("o6", "2026-11-12 10:00", "c1", 60.0),
        ("o7", "2026-11-12 11:00", "", 40.0),
    ]
    pd.DataFrame({
        "order_id": [r[0] for r in rows], "order_time": pd.to_datetime([r[1] for r in rows]),
        "pay_time": pd.to_datetime([r[1] for r in rows]), "customer_id": [r[2] for r in rows],
        "product_id": "p1", "quantity": 1, "list_price": 120.0, "paid_amount": [r[3] for r in rows],
        "source": "搜索", "campaign_id": None, "status": "paid",
    }).to_parquet(tmp_path / "orders.parquet")
    return tmp_path


@pytest.fixture(autouse=True)
def _settings_follow_the_environment():
    """Settings are read once (helpers.settings); a test that changes the environment calls
    ``settings.reload()``, and every test ends with the settings of the restored environment
    and the default report language (a report test may have set English)."""
    yield
    settings.reload()
    set_report_lang("zh")


def pytest_collection_modifyitems(items):
    """Notebooks run under nbval belong to the reports tier (`make test-reports`)."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.reports)
