"""kgpub on the triplestores agencies run, as a deployer would use them: a fresh server,
``kgpub load`` of the real data, a read-only web host in front. The same checks on
``oxigraph serve`` and on OpenLink Virtuoso (docs/scaling.md, "Triplestores").

Pages, documents and dumps must say what the embedded store says; invalid data changes
nothing; the server going away answers 503 and its return is picked up; kgpub load notices
when a server changes the data (Virtuoso's Turtle writes an xsd:decimal as a bare integer).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from flask import Flask

from kgpub.cli import main
from kgpub.config import Settings
from kgpub.store import remote as remote_module
from kgpub.store.remote import RemoteStore
from kgpub.web.app import create_app
from oxigraph_server import free_port, run_oxigraph
from virtuoso_server import Virtuoso, run_virtuoso

pytestmark = pytest.mark.server

PROJECT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PAGES = [
    "/",
    "/doc/haninge",
    "/doc/haparanda",
    "/doc/haparanda/budget/2024",
    "/doc/haparanda/budget/2024/kommunstyrelsen",
    "/alignment/haparanda",
    "/doc/se/environmental-objective/frisk-luft",
]
DOCUMENTS = ["/doc/haninge.ttl", "/doc/haparanda.ttl", "/dumps/kgpub.nq"]


@dataclass
class Server:
    """A triplestore a test can stop and start again (same address, same data)."""

    name: str
    query: str
    update: str
    stop: object
    start: object


@pytest.fixture(autouse=True)
def _no_kgpub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KGPUB_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "virtuoso":
        runner = run_virtuoso()
        v: Virtuoso = next(runner)
        yield Server("virtuoso", v.endpoint, v.endpoint, v.stop, v.start)
        runner.close()
        return
    port, where = free_port(), tmp_path_factory.mktemp("oxigraph")
    held = {"gen": run_oxigraph(port, where)}
    url = next(held["gen"])

    def stop() -> None:
        held["gen"].close()

    def start() -> None:
        held["gen"] = run_oxigraph(port, where)
        next(held["gen"])

    yield Server("oxigraph", url + "/query", url + "/update", stop, start)
    held["gen"].close()


def project(where: Path, server: Server, *, update: bool) -> Path:
    """A copy of the repository's project (its real data) set up for ``kgpub load``
    (``update``) or as a read-only web host."""
    where.mkdir(parents=True)
    for part in ("ontology", "shapes", "data"):
        shutil.copytree(PROJECT / part, where / part)
    lines = (
        f'store = "remote"\nremote_query_endpoint = "{server.query}"\n'
        f"remote_poll_seconds = 0\nremote_timeout = 30\n"
    )
    if update:
        lines += f'remote_update_endpoint = "{server.update}"\n'
    config = where / "kgpub.toml"
    config.write_text(lines, encoding="utf-8")
    return config


def load(config: Path) -> int:
    return main(["load", "--config", str(config), "--workers", "1"])


@pytest.fixture(scope="module")
def loaded(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project loaded into the server (verified by kgpub load itself)."""
    config = project(tmp_path_factory.mktemp("ci") / "p", server, update=True)
    assert load(config) == 0
    return config


@pytest.fixture(scope="module")
def web(server: Server, loaded: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    config = project(tmp_path_factory.mktemp("web") / "p", server, update=False)
    return create_app(Settings.load(config_file=config, env={}), sparql=True)


#: The home page's "… quads · DATE HH:MM UTC": when that host published its snapshot.
LOAD_TIME = re.compile(r"· [^<]* UTC</small>")


@pytest.fixture(scope="module")
def embedded() -> Flask:
    return create_app(Settings.load(root=PROJECT, env={}), sparql=True)


def _page(response: Any) -> str:
    """The page, less the time its host published the data (each host shows its own)."""
    return LOAD_TIME.sub("· (published) UTC</small>", response.get_data(as_text=True))


def test_pages_are_the_same_as_from_the_embedded_store(web: Flask, embedded: Flask) -> None:
    for path in PAGES:
        here = embedded.test_client().get(path, headers={"Accept": "text/html"})
        there = web.test_client().get(path, headers={"Accept": "text/html"})
        assert here.status_code == there.status_code == 200, path
        assert _page(there) == _page(here), path


def test_documents_and_dumps_hold_the_same_triples(web: Flask, embedded: Flask) -> None:
    for path in DOCUMENTS:
        fmt = "nquads" if path.endswith(".nq") else "turtle"
        graphs = []
        for app in (embedded, web):
            response = app.test_client().get(path)
            assert response.status_code == 200, path
            data = rdflib.Dataset() if fmt == "nquads" else rdflib.Graph()
            data.parse(data=response.data, format=fmt)
            graphs.append(rdflib.Graph().parse(data=data.serialize(format="nt"), format="nt"))
        assert rdflib.compare.isomorphic(graphs[0], graphs[1]), path


def test_budget_amounts_keep_their_decimal_datatype(web: Flask) -> None:
    for name in ("kommunstyrelsen", "socialnamnden", "barn-och-ungdomsnamnden"):
        response = web.test_client().get(f"/doc/haparanda/budget/2024/{name}.nt")
        assert response.status_code == 200
        amounts = [
            t.object
            for t in ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)
            if t.predicate.value == BASE + "ontology#amount"
        ]
        assert [a.datatype.value for a in amounts] == [XSD + "decimal"], name  # type: ignore[union-attr]


def test_the_sparql_endpoint_answers_with_blank_nodes(web: Flask) -> None:
    query = (
        "SELECT ?a ?street WHERE { ?m <http://www.w3.org/2006/vcard/ns#hasAddress> ?a . "
        "?a ?p ?street FILTER(isLiteral(?street)) }"
    )
    json = {"Accept": "application/sparql-results+json"}
    response = web.test_client().get("/sparql", query_string={"query": query}, headers=json)
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert rows and all(r["a"]["type"] == "bnode" for r in rows)


def test_invalid_data_changes_nothing(server: Server, loaded: Path, tmp_path: Path) -> None:
    store = RemoteStore(server.query, timeout=30)
    before = store.dump(ox.RdfFormat.N_QUADS)
    config = project(tmp_path / "p", server, update=True)
    data = config.parent / "data" / "haninge.ttl"
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("kgpub:owner <id/haninge> ;", "kgpub:owner <id/nobody> ;"))
    assert load(config) == 1
    assert store.dump(ox.RdfFormat.N_QUADS) == before


def test_kgpub_load_notices_when_the_store_changes_the_data(
    server: Server,
    loaded: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Read through Turtle, Virtuoso gives Haparanda's xsd:decimal budget amounts back as
    xsd:integer; kgpub load must say so and fail (Oxigraph's Turtle keeps them)."""
    monkeypatch.setattr(remote_module, "ACCEPT_TRIPLES", "text/turtle")
    capsys.readouterr()
    status = load(loaded)
    err = capsys.readouterr().err
    if server.name == "oxigraph":
        assert status == 0, err
        return
    assert status == 2
    assert "changed the data it was given" in err
    assert "graph/haparanda>" in err
    assert '"144000000"^^<http://www.w3.org/2001/XMLSchema#decimal>' in err
    assert '"144000000"^^<http://www.w3.org/2001/XMLSchema#integer>' in err
    assert len(max(err.splitlines(), key=len)) < 400  # readable lines, no echo of a request


def test_store_down_then_back(server: Server, web: Flask) -> None:
    client = web.test_client()
    server.stop()  # type: ignore[operator]
    try:
        started = time.monotonic()
        down = client.get("/doc/haparanda/vision", headers={"Accept": "text/turtle"})
        assert time.monotonic() - started < 5
        assert down.status_code == 503
        assert down.headers["Retry-After"]
        assert "cannot be reached" in down.get_data(as_text=True)
    finally:
        server.start()  # type: ignore[operator]
    up = client.get("/doc/haparanda/vision", headers={"Accept": "text/turtle"})
    assert up.status_code == 200
