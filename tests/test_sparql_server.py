"""/sparql under a real gunicorn process, driven by SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from kgpub_server import kgpub_serve_process

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/kgpub/"
GOALS = (
    "PREFIX kgpub: <https://w3id.org/kgpub/ontology#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?goal ?label WHERE { ?goal a kgpub:Goal ; skos:prefLabel ?label . "
    "FILTER(lang(?label) = 'sv') } ORDER BY ?goal"
)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """``kgpub serve`` (gunicorn, the one app factory; the query engine made in the master)."""
    env = {"KGPUB_QUERY_TIMEOUT": str(TIMEOUT), "KGPUB_QUERY_WORKERS": "3"}
    with kgpub_serve_process(workers=1, env=env) as (url, _, _):
        yield url + "sparql"


def wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_sparqlwrapper_json(endpoint: str) -> None:
    result = wrapper(endpoint, GOALS, JSON).query().convert()
    bindings = result["results"]["bindings"]  # type: ignore[index]
    assert len(bindings) >= 40
    assert any(b["goal"]["value"] == f"{BASE}id/haninge/goal/tryggare-invanare" for b in bindings)


def test_sparqlwrapper_xml(endpoint: str) -> None:
    doc = wrapper(endpoint, GOALS, XML).query().convert()
    ns = "http://www.w3.org/2005/sparql-results#"
    assert len(doc.getElementsByTagNameNS(ns, "result")) >= 40  # type: ignore[union-attr]


def test_sparqlwrapper_csv(endpoint: str) -> None:
    data = wrapper(endpoint, GOALS, CSV).query().convert()
    lines = data.decode("utf-8").splitlines()  # type: ignore[union-attr]
    assert lines[0] == "goal,label" and len(lines) >= 41


def test_sparqlwrapper_construct_turtle(endpoint: str) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BASE}graph/haninge> {{ ?s ?p ?o }} }}"
    data = wrapper(endpoint, query, TURTLE).query().convert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert len(graph) > 100


def test_sparqlwrapper_post(endpoint: str) -> None:
    sparql = wrapper(endpoint, GOALS, JSON)
    sparql.setMethod("POST")
    result = sparql.query().convert()
    assert len(result["results"]["bindings"]) >= 40  # type: ignore[index]


def test_rdflib_sparqlstore(endpoint: str) -> None:
    store = SPARQLStore(endpoint)
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(GOALS))
    assert len(rows) >= 40
    assert all(isinstance(row[0], rdflib.URIRef) for row in rows)  # type: ignore[index]
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    triples = list(graph.triples((rdflib.URIRef(f"{BASE}id/haparanda"), None, None)))
    assert triples


def test_slow_query_cut_while_second_client_answered(endpoint: str) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        start = time.monotonic()
        req = urllib.request.Request(
            endpoint + "?" + urllib.parse.urlencode({"query": SLOW}),
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            urllib.request.urlopen(req, timeout=30)
            outcome["status"] = 200
        except urllib.error.HTTPError as exc:
            outcome["status"] = exc.code
            outcome["body"] = exc.read().decode()
        outcome["elapsed"] = time.monotonic() - start

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    # meanwhile another client is answered, quickly
    answered = []
    while thread.is_alive():
        t0 = time.monotonic()
        result = wrapper(endpoint, GOALS, JSON).query().convert()
        answered.append(time.monotonic() - t0)
        assert result["results"]["bindings"]  # type: ignore[index]
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 503
    assert "stopped after 2 s" in str(outcome["body"])
    assert TIMEOUT <= float(str(outcome["elapsed"])) < TIMEOUT + 2.0
    assert len(answered) >= 3 and max(answered) < 1.0
    # and the endpoint still works afterwards
    assert wrapper(endpoint, "ASK {}", JSON).query().convert()["boolean"] is True  # type: ignore[index]
