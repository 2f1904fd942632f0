"""/sparql inside the full linked-data app (kgpub.web.app.create_app)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask

from kgpub.config import Settings
from kgpub.web.app import create_app
from kgpub.web.sparql import EXTENSION

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = create_app(settings)
    yield flask_app
    flask_app.extensions[EXTENSION].pool.close()


def count(app: Flask) -> int:
    r = app.test_client().get("/sparql", query_string={"query": COUNT})
    assert r.status_code == 200
    return int(r.get_json(force=True)["results"]["bindings"][0]["n"]["value"])


def test_sparql_in_the_app(app: Flask) -> None:
    client = app.test_client()
    assert count(app) > 1000
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and b"sparql-service-description#Service" in r.data
    r = client.get("/sparql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and b"<textarea" in r.data
    r = client.get("/sparql", query_string={"query": "SELEC"})
    assert r.status_code == 400 and b"Malformed query" in r.data
    r = client.get("/sparql", query_string={"query": COUNT})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_a_new_snapshot_is_queried(app: Flask) -> None:
    before = count(app)
    store = app.extensions["kgpub_publisher"].store
    quad = pyoxigraph.Quad(
        pyoxigraph.NamedNode("http://example.org/s"),
        pyoxigraph.NamedNode("http://example.org/p"),
        pyoxigraph.Literal("o"),
        pyoxigraph.NamedNode("http://example.org/g"),
    )
    store.replace([quad])
    assert count(app) == 1 != before


def test_a_repeated_query_is_answered_without_running_it_again(app: Flask) -> None:
    pool = app.extensions[EXTENSION].pool
    first = app.test_client().get("/sparql", query_string={"query": COUNT})
    runs = pool.stats["queries"] + pool.stats["cache_hits"]
    again = app.test_client().get("/sparql", query_string={"query": COUNT})
    assert again.status_code == 200 and again.data == first.data
    assert pool.stats["queries"] + pool.stats["cache_hits"] == runs  # never reached the pool
    # a different Accept is a different answer
    csv = app.test_client().get(
        "/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"}
    )
    assert csv.content_type.startswith("text/csv")


def test_a_published_snapshot_empties_the_answer_cache(project_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(project_root / "data", data)
    settings = Settings.load(root=project_root, env={}, data_dir=data)
    app = create_app(settings)
    try:
        before = count(app)
        with (data / "haninge.ttl").open("a", encoding="utf-8") as fh:
            fh.write('\n<id/haninge> rdfs:comment "An extra comment."@en .\n')
        app.extensions["kgpub_publisher"].publish()
        assert count(app) == before + 1
    finally:
        app.extensions[EXTENSION].pool.close()


def test_no_answer_cache_when_it_is_switched_off(settings: Settings) -> None:
    from dataclasses import replace

    off = create_app(replace(settings, query_cache_bytes=0))
    try:
        pool = off.extensions[EXTENSION].pool
        for _ in range(2):
            assert (
                off.test_client().get("/sparql", query_string={"query": COUNT}).status_code == 200
            )
        assert pool.stats["queries"] == 2
    finally:
        off.extensions[EXTENSION].pool.close()
