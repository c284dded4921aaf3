"""Sample shops generated for the planning tests (a few seconds each), with their truth."""

from __future__ import annotations

import json

import pytest

from helpers.core.shop import connect
from helpers.sample import DEFAULT_SEED, generate_sample


def sample_shop(folder, seed: int):
    """The sample shop of ``seed`` written to ``folder``: (shop, planning truth)."""
    generate_sample(folder, seed=seed)
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))["planning"]
    return connect(folder), truth


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """The default-seed sample shop, generated once for the session: (shop, planning truth, folder)."""
    folder = tmp_path_factory.mktemp("planning_sample")
    shop, truth = sample_shop(folder, seed=DEFAULT_SEED)
    return shop, truth, folder
