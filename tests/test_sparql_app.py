"""/sparql inside the full linked-data app (kgpub.web.app.create_app)."""

from __future__ import annotations

from collections.abc import Iterator

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
