"""Fixtures of the traffic tests: the hand-built shop (:mod:`tests.areas.traffic.shop`)."""

import pytest

from helpers.core.shop import connect
from tests.areas.traffic.shop import write_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The hand-built shop of :func:`tests.areas.traffic.shop.write_shop`, connected once per
    module: tests read it and never change its files."""
    return connect(write_shop(tmp_path_factory.mktemp("traffic-shop")))


@pytest.fixture()
def shop_dir(tmp_path):
    """A fresh folder with the hand-built shop's files, for a test that changes them."""
    return write_shop(tmp_path)
