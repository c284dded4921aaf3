"""Secrets never reach an output: one mask for every message, URL and parameter."""

from __future__ import annotations

import pytest

from helpers import settings
from helpers.core.secrets import has_secret, mask_text, mask_url, secret_values

LEAKY = [
    ("postgres://bob:s3cret@db.example:5432/shop", "postgres://***@db.example:5432/shop"),
    ("postgres://bob:pa/ss@db.example/shop", "postgres://***@db.example/shop"),
    ("postgres://:s3cret@db.example/shop", "postgres://***@db.example/shop"),
    ("mysql://bob:p@ss@db.example/shop", "mysql://***@db.example/shop"),
    ("postgres://bob:two words@db.example/shop", "postgres://***@db.example/shop"),
    ("trino://db.example:8080/hive?user=bob&password=s3cret&x=1", "trino://db.example:8080/hive?user=bob&password=***&x=1"),
    ("snowflake://acct/db?token=abc123", "snowflake://acct/db?token=***"),
    ("Driver={PostgreSQL};Server=db;Uid=bob;Password=s3cret;", "Driver={PostgreSQL};Server=db;Uid=***;Password=***;"),
]


@pytest.mark.parametrize(("url", "masked"), LEAKY)
def test_every_credential_shape_is_masked(url, masked):
    assert mask_url(url) == masked
    assert has_secret(url)
    assert mask_url(f"cannot connect to {url} (refused)") == f"cannot connect to {masked} (refused)"


@pytest.mark.parametrize("text", ["data/sample", "duckdb:///srv/shop.duckdb", "https://example.com/docs",
                                  "2026-11-01 ~ 2026-11-07", "pyspark://", "手淘搜索"])
def test_text_without_secrets_is_left_alone(text):
    assert mask_url(text) == text and not has_secret(text)


def test_a_password_quoted_without_its_url_is_masked_too():
    url = "postgres://bob:s3cret/x@db.example/shop"
    assert "s3cret/x" in secret_values(url)
    assert mask_text('FATAL: password "s3cret/x" rejected', secret_values(url)) == 'FATAL: password "***" rejected'


def test_settings_never_print_the_url_or_the_salt():
    shown = repr(settings.Settings(db_url="postgres://bob:s3cret@db/shop", id_salt="salty"))
    assert "s3cret" not in shown and "salty" not in shown and "postgres://***@db/shop" in shown
