"""A query that needs more memory than one query may use gets 503 saying so, with a log line;
the endpoint goes on answering."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask

HUNGRY = "SELECT ?c ?f { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"  # sorts ~8M rows


def test_a_query_over_the_memory_cap_is_a_503_naming_the_cap(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(query_workers=1, query_memory_limit=64 << 20, query_timeout=30)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="kgpub.sparql"):
        r = client.get("/sparql", query_string={"query": HUNGRY})
    assert r.status_code == 503
    assert "needed more than 64 MB" in r.get_data(as_text=True)
    assert r.headers["Retry-After"]
    assert any("memory cap 64 MB" in m for m in caplog.messages), caplog.messages
    # the next query gets a fresh worker
    ok = client.get("/sparql", query_string={"query": "ASK {}"})
    assert ok.status_code == 200


def test_the_default_cap_is_a_modest_512_mb() -> None:
    from kgpub.config import Settings

    assert Settings.load(env={}).query_memory_limit == 512 << 20
