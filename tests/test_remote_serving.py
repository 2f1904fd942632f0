"""Serving from a remote triplestore: pages, dumps and /sparql through a RemoteStore in front
of a real ``oxigraph serve``; the server going away gives 503 + Retry-After quickly, and
its return is picked up without restarting kgpub."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest
from flask import Flask

from kgpub.config import Settings
from kgpub.publish.publisher import Publisher
from kgpub.store.remote import RemoteStore
from kgpub.web.app import create_app
from oxigraph_server import free_port, run_oxigraph


def _server(port: int | None = None, location: Path | None = None) -> Generator[str, None, None]:
    """``run_oxigraph`` typed as the generator it is (the tests close it)."""
    return cast("Generator[str, None, None]", run_oxigraph(port, location))


pytestmark = pytest.mark.server


class Remote:
    """An ``oxigraph serve`` on a fixed port over a directory, which a test can restart."""

    def __init__(self, location: Path) -> None:
        self.port = free_port()
        self.location = location
        self.server = _server(self.port, location)
        self.url = next(self.server)

    def stop(self) -> None:
        self.server.close()

    def start(self) -> None:
        self.server = _server(self.port, self.location)
        next(self.server)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    server = Remote(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(remote: Remote, project_root: Path) -> Flask:
    url = remote.url
    settings = Settings.load(root=project_root, env={})
    store = RemoteStore(url + "/query", url + "/update", timeout=2)
    return create_app(settings, Publisher(settings, store=store), sparql=True)


def test_pages_come_from_the_remote_store(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/doc/haninge", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Haninge" in page.get_data(as_text=True)
    ttl = client.get("/doc/haninge.ttl")
    assert ttl.status_code == 200
    assert len(list(ox.parse(ttl.data, format=ox.RdfFormat.TURTLE))) > 10


def test_dumps_hold_every_graph(app: Flask, remote: Remote) -> None:
    url = remote.url
    response = app.test_client().get("/dumps/kgpub.trig")
    assert response.status_code == 200
    quads = list(ox.parse(response.data, format=ox.RdfFormat.TRIG))
    assert len(quads) == RemoteStore(url + "/query").count()


def test_sparql_endpoint_answers_from_the_remote_store(app: Flask) -> None:
    response = app.test_client().get(
        "/sparql",
        query_string={"query": "ASK { <https://w3id.org/kgpub/id/haninge> ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.get_json()["boolean"] is True


def test_store_down_then_back(app: Flask, remote: Remote) -> None:
    client = app.test_client()
    remote.stop()

    started = time.monotonic()
    down = client.get("/doc/haparanda/vision", headers={"Accept": "text/turtle"})
    assert time.monotonic() - started < 2
    assert down.status_code == 503
    assert down.headers["Retry-After"]
    assert "cannot be reached" in down.get_data(as_text=True)

    remote.start()  # same address, same data directory; kgpub is not restarted
    up = client.get("/doc/haparanda/vision", headers={"Accept": "text/turtle"})
    assert up.status_code == 200
