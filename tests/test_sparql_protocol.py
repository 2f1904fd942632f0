"""/sparql through the Flask test client: protocol, formats, errors, safety limits."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyoxigraph
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from kgpub.config import Settings
from kgpub.store.base import in_process
from kgpub.web.app import create_app
from kgpub.web.sparql import EXTENSION

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/kgpub/"
HANINGE = f"{BASE}graph/haninge"
HAPARANDA = f"{BASE}graph/haparanda"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SRX_NS = "{http://www.w3.org/2005/sparql-results#}"


MakeApp = Callable[..., Flask]
#: The limits these tests run under unless a test says otherwise.
LIMITS: dict[str, object] = {"query_timeout": 10.0, "query_workers": 2}


def _app(make_app: MakeApp, **overrides: object) -> Iterator[Flask]:
    """The one app (create_app over the repository's data) with ``overrides``."""
    yield make_app(**(LIMITS | overrides))


@pytest.fixture(scope="module")
def app(make_app: MakeApp) -> Flask:
    return make_app(**LIMITS)


@pytest.fixture(scope="module")
def store(app: Flask) -> pyoxigraph.Store:
    """The published store (data, ontology and shapes graphs) the app answers from."""
    raw = in_process(app.extensions["kgpub_publisher"].store)
    assert raw is not None
    return raw


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def count_of(response_json: dict[str, object]) -> int:
    bindings = response_json["results"]["bindings"]  # type: ignore[index]
    return int(bindings[0]["n"]["value"])


def total(store: pyoxigraph.Store) -> int:
    return len(store)


# -- the three ways to send a query ------------------------------------------------------


def test_get_query(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.get("/sparql", query_string={"query": COUNT})
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert count_of(r.get_json(force=True)) == total(store)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in r.headers["Vary"]


def test_post_form(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.post("/sparql", data={"query": COUNT})
    assert r.status_code == 200
    assert count_of(r.get_json(force=True)) == total(store)


def test_post_direct(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.post("/sparql", data=COUNT.encode(), content_type="application/sparql-query")
    assert r.status_code == 200
    assert count_of(r.get_json(force=True)) == total(store)


def test_cors_preflight(client: FlaskClient) -> None:
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]


def test_cors_on_answers_names_the_origin_only(client: FlaskClient) -> None:
    r = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x.example"}
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Methods" not in r.headers  # preflight answers only


# -- dataset from the protocol -----------------------------------------------------------


def graph_count(store: pyoxigraph.Store, graph: str) -> int:
    return len(list(store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(graph))))


def test_default_graph_uri(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": HANINGE})
    assert count_of(r.get_json(force=True)) == graph_count(store, HANINGE)
    r = client.post("/sparql", data={"query": COUNT, "default-graph-uri": [HANINGE, HAPARANDA]})
    expected = graph_count(store, HANINGE) + graph_count(store, HAPARANDA)
    assert count_of(r.get_json(force=True)) == expected


def test_named_graph_uri(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.get("/sparql", query_string={"query": query, "named-graph-uri": HAPARANDA})
    bindings = r.get_json(force=True)["results"]["bindings"]
    assert [b["g"]["value"] for b in bindings] == [HAPARANDA]


# -- result formats, parsed back ---------------------------------------------------------

SELECT = (
    "SELECT ?goal ?label WHERE { ?goal a <https://w3id.org/kgpub/ontology#Goal> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label . "
    "FILTER(STRSTARTS(STR(?goal), 'https://w3id.org/kgpub/id/haninge/')) } ORDER BY ?goal ?label"
)


def expected_rows(store: pyoxigraph.Store) -> list[tuple[str, str]]:
    solutions = store.query(SELECT, use_default_graph_as_union=True)
    return [(s["goal"].value, s["label"].value) for s in solutions]  # type: ignore[union-attr]


def test_select_json(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.get(
        "/sparql",
        query_string={"query": SELECT},
        headers={"Accept": "application/sparql-results+json"},
    )
    data = json.loads(r.data)
    rows = [(b["goal"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]
    assert rows == expected_rows(store) and len(rows) >= 9
    assert any(b["label"].get("xml:lang") == "sv" for b in data["results"]["bindings"])


def test_select_xml(client: FlaskClient, store: pyoxigraph.Store) -> None:
    r = client.get(
        "/sparql",
        query_string={"query": SELECT},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert r.mimetype == "application/sparql-results+xml"
    root = ElementTree.fromstring(r.data)
    rows = []
    for result in root.iter(f"{SRX_NS}result"):
        values = {b.get("name"): b[0].text for b in result.findall(f"{SRX_NS}binding")}
        rows.append((values["goal"], values["label"]))
    assert rows == expected_rows(store)


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
def test_select_csv_tsv(client: FlaskClient, store: pyoxigraph.Store, accept: str) -> None:
    r = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert r.mimetype == accept
    if accept == "text/csv":
        table = list(csv.reader(io.StringIO(r.data.decode(), newline="")))
        rows = [(g, label) for g, label in table[1:]]
    else:
        parsed = pyoxigraph.parse_query_results(r.data, format=pyoxigraph.QueryResultsFormat.TSV)
        rows = [(s["goal"].value, s["label"].value) for s in parsed]  # type: ignore[union-attr]
    assert rows == expected_rows(store)
    if accept == "text/csv":
        assert next(csv.reader(io.StringIO(r.data.decode()))) == ["goal", "label"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_ask(client: FlaskClient, accept: str) -> None:
    query = f"ASK {{ GRAPH <{HANINGE}> {{ ?s ?p ?o }} }}"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert b"true" in r.data


CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{HANINGE}> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
def test_construct_formats(
    client: FlaskClient, store: pyoxigraph.Store, accept: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    graph = rdflib.Graph().parse(data=r.data, format=rdflib_format)
    assert len(graph) == graph_count(store, HANINGE)


def test_describe(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": f"DESCRIBE <{BASE}id/haparanda>"})
    assert r.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=r.data, format="turtle")
    assert (rdflib.URIRef(f"{BASE}id/haparanda"), None, None) in graph


def test_accept_q_values_and_wildcards(client: FlaskClient) -> None:
    def mimetype(query: str, accept: str) -> str:
        r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        return r.mimetype

    accept = "application/sparql-results+xml;q=0.5, text/csv;q=0.9"
    assert mimetype(COUNT, accept) == "text/csv"
    assert mimetype(COUNT, "*/*") == "application/sparql-results+json"
    assert mimetype(CONSTRUCT, "*/*") == "text/turtle"
    assert mimetype(CONSTRUCT, "application/*") == "application/ld+json"
    assert mimetype(COUNT, "application/json") == "application/sparql-results+json"


def test_format_parameter_for_download_links(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]


# -- service description and query page ---------------------------------------------------


def test_service_description(client: FlaskClient) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    services = list(graph.subjects(rdflib.RDF.type, sd.Service))
    assert len(services) == 1
    assert graph.value(services[0], sd.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert (services[0], sd.supportedLanguage, sd.SPARQL11Query) in graph
    names = {str(n) for n in graph.objects(None, sd.name)}
    assert {HANINGE, HAPARANDA} <= names
    for accept, fmt in [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
        r = client.get("/sparql", headers={"Accept": accept})
        assert len(rdflib.Graph().parse(data=r.data, format=fmt)) == len(graph)


def test_query_page_for_browsers(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/sparql?lang=en", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.data.decode()
    assert "<textarea" in page and "PREFIX kgpub:" in page
    for title in (
        "Goals of a municipality",
        "national environmental objective",
        "Budget by committee",
        "goal hierarchy",
    ):
        assert title in page
    assert "http://" not in page.split("<script")[1].split(">")[0]  # no CDN
    js = client.get("/static/sparql.js")
    assert js.status_code == 200


def test_query_results_as_html_without_javascript(client: FlaskClient) -> None:
    r = client.get(
        "/sparql",
        query_string={"query": SELECT},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.data.decode()
    assert '<a href="/id/haninge/goal/' in page  # links into the HTML pages
    assert "format=csv" in page


def test_examples_all_answer(client: FlaskClient) -> None:
    from kgpub.web.sparql import examples

    for title, query in examples(BASE):
        r = client.get("/sparql", query_string={"query": query})
        assert r.status_code == 200, title
        if r.mimetype == "application/sparql-results+json":
            assert r.get_json(force=True)["results"]["bindings"], title


# -- errors ------------------------------------------------------------------------------


def test_missing_query(client: FlaskClient) -> None:
    r = client.post("/sparql", data={"default-graph-uri": HANINGE})
    assert r.status_code == 400 and b"Missing" in r.data


def test_two_queries(client: FlaskClient) -> None:
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400 and b"exactly one" in r.data


def test_malformed_query_reports_parser_message(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert r.status_code == 400
    text = r.data.decode()
    assert "line 3, column" in text and "expected" in text


def test_wrong_content_type(client: FlaskClient) -> None:
    r = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert r.status_code == 415 and b"application/sparql-query" in r.data


def test_not_acceptable(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert b"application/sparql-results+json" in r.data
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and b"text/turtle" in r.data


@pytest.mark.parametrize(
    "send",
    [
        lambda c, u: c.post("/sparql", data=u.encode(), content_type="application/sparql-update"),
        lambda c, u: c.post("/sparql", data={"update": u}),
        lambda c, u: c.get("/sparql", query_string={"query": u}),
        lambda c, u: c.post("/sparql", data=u.encode(), content_type="application/sparql-query"),
    ],
)
def test_update_refused_and_nothing_changes(
    client: FlaskClient, store: pyoxigraph.Store, send: object
) -> None:
    before = total(store)
    for update in (
        "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
        "CLEAR ALL",
        "DELETE WHERE { ?s ?p ?o }",
    ):
        r = send(client, update)  # type: ignore[operator]
        assert r.status_code == 400
        assert b"read-only" in r.data
    assert total(store) == before
    r = client.get("/sparql", query_string={"query": COUNT})
    assert count_of(r.get_json(force=True)) == before


def test_service_refused_and_no_connection_made(client: FlaskClient) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    accepted: list[object] = []

    def watch() -> None:
        with contextlib.suppress(OSError):
            accepted.append(listener.accept())

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        ):
            r = client.get("/sparql", query_string={"query": query})
            assert r.status_code == 400
            assert b"Federated queries are not allowed" in r.data
    finally:
        thread.join()
        listener.close()
    assert accepted == []


def _namespaces_allowed() -> bool:
    """Whether this kernel lets an unprivileged process make its own network namespace
    (what the query workers are isolated with), tried in a throwaway child process."""
    import ctypes

    pid = os.fork()
    if pid == 0:
        ok = False
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            ok = libc.unshare(0x10000000 | 0x40000000) == 0  # CLONE_NEWUSER | CLONE_NEWNET
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _connections_from_a_worker(store: pyoxigraph.Store, isolate: bool) -> list[object]:
    """Run a federated query to a listener here in a query worker (as if the protocol's
    refusal of SERVICE were got round: the allowlist names the listener); the connections
    the listener accepted."""
    from kgpub.errors import KgpubError
    from kgpub.formats import SPARQL_JSON
    from kgpub.sparql.pool import QueryPool
    from kgpub.sparql.protocol import Policy, parse_request

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(3.0)
    port = listener.getsockname()[1]
    accepted: list[object] = []

    def watch() -> None:
        with contextlib.suppress(OSError):
            conn, _addr = listener.accept()
            accepted.append(conn)
            conn.close()  # the query then fails at once instead of waiting for an answer

    pool = QueryPool(store, size=1, timeout=5.0, isolate_network=isolate)
    thread = threading.Thread(target=watch)
    thread.start()
    try:
        pool.start()
        assert pool.network_isolated is isolate
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        allow = Policy(service_allowlist=(f"http://127.0.0.1:{port}/",))
        request = parse_request("GET", None, {"query": [query]}, {}, b"", allow)
        assert request is not None
        with contextlib.suppress(KgpubError):
            pool.run(request, SPARQL_JSON)
    finally:
        thread.join()
        listener.close()
        pool.close()
    return accepted


def test_query_workers_have_no_network(store: pyoxigraph.Store) -> None:
    """Defence in depth behind the protocol's refusal of SERVICE: a query worker cannot
    open a connection, not even to this machine's loopback."""
    if not _namespaces_allowed():
        pytest.skip("this kernel does not let an unprivileged process make a network namespace")
    assert _connections_from_a_worker(store, isolate=True) == []


def test_without_isolation_a_worker_would_connect(store: pyoxigraph.Store) -> None:
    """The check above can see a connection: a worker that is not isolated (as when a
    SERVICE allowlist is configured) does connect."""
    assert len(_connections_from_a_worker(store, isolate=False)) == 1


def test_length_limit(make_app: MakeApp) -> None:
    for app in _app(make_app, query_max_length=40):
        r = app.test_client().get("/sparql", query_string={"query": COUNT + " " * 40})
        assert r.status_code == 400 and b"at most 40" in r.data
        r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert r.status_code == 200


def test_result_limit(make_app: MakeApp) -> None:
    for app in _app(make_app, result_limit=5):
        client = app.test_client()
        r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 400 and b"more than 5 rows" in r.data
        r = client.get("/sparql", query_string={"query": CONSTRUCT})
        assert r.status_code == 400 and b"more than 5 triples" in r.data
        r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
        assert r.status_code == 200
        assert len(r.get_json(force=True)["results"]["bindings"]) == 5


def test_timeout_in_process(make_app: MakeApp) -> None:
    for app in _app(make_app, query_timeout=1.0, query_workers=1):
        client = app.test_client()
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        r = client.get("/sparql", query_string={"query": slow})
        assert r.status_code == 503 and b"stopped after 1 s" in r.data
        # the single worker was replaced: the next query is answered
        r = client.get("/sparql", query_string={"query": "ASK {}"})
        assert r.status_code == 200


def test_memory_hungry_query_kills_only_its_worker(make_app: MakeApp) -> None:
    for app in _app(make_app, query_memory_limit=256 << 20, query_workers=1, query_timeout=30.0):
        client = app.test_client()
        hungry = (
            "SELECT (COUNT(?x) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
            "BIND(CONCAT(STR(?c), STR(?f), STR(?a), STR(?d)) AS ?x) } "
            "GROUP BY ?x HAVING(COUNT(?x) > 5)"
        )
        r = client.get("/sparql", query_string={"query": hungry})
        assert r.status_code == 503 and b"needed more than 256 MB" in r.data
        r = client.get("/sparql", query_string={"query": "ASK {}"})
        assert r.status_code == 200


def test_new_snapshot_is_seen_and_cache_invalidated(make_app: MakeApp) -> None:
    app = make_app(**LIMITS)
    store = app.extensions["kgpub_publisher"].store
    client = app.test_client()
    published = store.count()
    r = client.get("/sparql", query_string={"query": COUNT})
    assert count_of(r.get_json(force=True)) == published
    r = client.get("/sparql", query_string={"query": COUNT})  # now cached
    assert count_of(r.get_json(force=True)) == published
    # publishing replaces the store's contents (a new pyoxigraph object in memory)
    store.replace(
        [
            pyoxigraph.Quad(
                pyoxigraph.NamedNode("http://example.org/s"),
                pyoxigraph.NamedNode("http://example.org/p"),
                pyoxigraph.Literal("o"),
                pyoxigraph.NamedNode("http://example.org/g"),
            )
        ]
    )
    r = client.get("/sparql", query_string={"query": COUNT})
    assert count_of(r.get_json(force=True)) == 1


def test_busy_endpoint_answers_503_not_hang(make_app: MakeApp) -> None:
    app = make_app(query_timeout=1.5, query_workers=1)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    results: list[int] = []

    def run() -> None:
        client = app.test_client()
        results.append(client.get("/sparql", query_string={"query": slow}).status_code)

    try:
        first = threading.Thread(target=run)
        first.start()
        time.sleep(0.2)
        started = time.monotonic()
        r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        first.join()
        # the only worker was busy: the second query waited at most the limit and got its
        # turn once the slow one was cut (or a clear 503) - it never hangs
        assert r.status_code in (200, 503)
        assert time.monotonic() - started < 3.0
        assert results == [503]
    finally:
        app.extensions[EXTENSION].pool.close()


def test_a_lookup_is_answered_while_every_query_worker_is_busy(make_app: MakeApp) -> None:
    """A bounded lookup runs in the request's thread: it needs no query worker, so a busy
    endpoint answers it (GET before Flask, POST in the view) while other queries get 503."""
    app = make_app(query_timeout=3, query_workers=1, query_queue=0, sparql_per_client=0)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    lookup = f"SELECT ?p ?o WHERE {{ <{BASE}id/haparanda> ?p ?o }}"
    json_accept = {"Accept": "application/sparql-results+json"}
    slow_status: list[int] = []

    def run_slow() -> None:
        client = app.test_client()
        slow_status.append(client.get("/sparql", query_string={"query": slow}).status_code)

    busy = threading.Thread(target=run_slow)
    busy.start()
    try:
        deadline = time.monotonic() + 5
        while app.extensions[EXTENSION].admission.running < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.extensions[EXTENSION].admission.running == 1
        client = app.test_client()
        by_get = client.get("/sparql", query_string={"query": lookup}, headers=json_accept)
        by_post = client.post("/sparql", data={"query": lookup}, headers=json_accept)
        other = client.get("/sparql", query_string={"query": COUNT}, headers=json_accept)
        assert app.extensions[EXTENSION].admission.running == 1  # the slow query still runs
    finally:
        busy.join()
    for answer in (by_get, by_post):
        assert answer.status_code == 200, answer.get_data(as_text=True)
        bindings = answer.get_json(force=True)["results"]["bindings"]
        assert {"type": "uri", "value": f"{BASE}ontology#Municipality"} in [
            b["o"] for b in bindings
        ]
    assert other.status_code == 503
    assert b"All query workers are busy" in other.data
    assert slow_status == [503]


def test_a_query_waits_in_the_queue_while_every_query_worker_is_busy(make_app: MakeApp) -> None:
    """With its query worker busy, the endpoint keeps a query in the queue and answers it
    when the worker is free again; a query beyond the queue is refused at once with 503."""
    app = make_app(
        query_timeout=1.5,
        query_workers=1,
        query_queue=1,
        query_queue_seconds=20,
        sparql_per_client=0,
    )
    admission = app.extensions[EXTENSION].admission
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    answers: dict[str, Any] = {}

    def ask(name: str, query: str) -> None:
        answers[name] = app.test_client().get("/sparql", query_string={"query": query})

    def until(done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done()

    busy = threading.Thread(target=ask, args=("slow", slow))
    queued = threading.Thread(target=ask, args=("queued", COUNT))
    busy.start()
    try:
        until(lambda: admission.running == 1)
        queued.start()
        until(lambda: admission.waiting == 1)
        beyond = app.test_client().get("/sparql", query_string={"query": COUNT})
    finally:
        busy.join()
        if queued.ident is not None:
            queued.join()
    assert beyond.status_code == 503
    assert b"All query workers are busy" in beyond.data
    assert answers["slow"].status_code == 503  # cut at the time limit
    assert answers["queued"].status_code == 200, answers["queued"].get_data(as_text=True)
    assert count_of(answers["queued"].get_json(force=True)) > 0
    assert admission.running == admission.waiting == 0


def test_query_processes_hold_no_server_sockets(store: pyoxigraph.Store) -> None:
    import os
    import stat

    from kgpub.sparql.pool import QueryPool

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    pool = QueryPool(store, size=1)
    try:
        pool.start()
        zygote = pool._zygote_pid

        def zygote_sockets() -> list[str]:
            found = []
            for name in os.listdir(f"/proc/{zygote}/fd"):
                try:
                    if stat.S_ISSOCK(os.stat(f"/proc/{zygote}/fd/{name}").st_mode):
                        found.append(name)
                except OSError:
                    pass
            return found

        # (the end of a socket pair just handed to a new worker is closed a moment later)
        deadline = time.monotonic() + 2.0
        while len(zygote_sockets()) > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(zygote_sockets()) == 1  # only its control socket
    finally:
        pool.close()
        listener.close()


def test_w3c_service_description_tests(client: FlaskClient) -> None:
    """The three W3C service-description tests: GET returns RDF (with no Accept at all),
    it has an sd:endpoint triple matching the endpoint, and it uses the SD vocabulary."""
    r = client.get("/sparql", headers={"Accept": ""})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    (service,) = graph.subjects(rdflib.RDF.type, sd.Service)
    assert (service, sd.endpoint, rdflib.URIRef("http://localhost/sparql")) in graph
    dataset = graph.value(service, sd.defaultDataset)
    assert (dataset, rdflib.RDF.type, sd.Dataset) in graph
    assert (graph.value(dataset, sd.defaultGraph), rdflib.RDF.type, sd.Graph) in graph
    for named in graph.objects(dataset, sd.namedGraph):
        assert (named, rdflib.RDF.type, sd.NamedGraph) in graph
        assert isinstance(graph.value(named, sd.name), rdflib.URIRef)
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats


def test_browser_sees_errors_on_the_query_page(client: FlaskClient) -> None:
    r = client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p }"},
        headers={"Accept": "text/html,*/*;q=0.8"},
    )
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.data.decode()
    assert 'class="error"' in page and "Malformed query" in page
    assert "SELECT * WHERE { ?s ?p }" in page  # the query stays in the editor


def test_forked_server_process_gets_its_own_query_engine(store: pyoxigraph.Store) -> None:
    """Like a gunicorn worker forked from a master that loaded the app (--preload)."""
    import os

    from kgpub import formats
    from kgpub.sparql.pool import QueryPool
    from kgpub.sparql.protocol import parse_request

    pool = QueryPool(store, size=1, timeout=10.0)
    pool.start()
    parent_zygote = pool._zygote_pid
    request = parse_request("GET", None, {"query": [COUNT]}, {}, b"")
    assert request is not None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "worker": answer through its own zygote, report, exit
        code = 1
        try:
            os.close(read_end)
            own = pool._zygote_pid
            body = pool.run(request, formats.SPARQL_CSV)
            os.write(write_end, f"{own}|{body.decode().split()[1]}".encode())
            code = 0
        finally:
            os._exit(code)
    try:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as fh:
            report = fh.read().decode()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        child_zygote, count = report.split("|")
        assert int(child_zygote) not in (0, parent_zygote)
        assert int(count) == len(store)
        # the parent's engine is untouched
        assert pool._zygote_pid == parent_zygote
        assert pool.run(request, formats.SPARQL_CSV).split()[1] == str(len(store)).encode()
    finally:
        pool.close()


def test_result_byte_limit(store: pyoxigraph.Store) -> None:
    from kgpub import formats
    from kgpub.errors import ResultTooLarge
    from kgpub.sparql.pool import QueryPool
    from kgpub.sparql.protocol import parse_request

    pool = QueryPool(store, size=1, max_result_bytes=10_000)
    try:
        request = parse_request("GET", None, {"query": ["SELECT * { ?s ?p ?o }"]}, {}, b"")
        assert request is not None
        with pytest.raises(ResultTooLarge, match="larger than"):
            pool.run(request, formats.SPARQL_JSON)
        small = parse_request("GET", None, {"query": ["ASK {}"]}, {}, b"")
        assert small is not None
        assert b"true" in pool.run(small, formats.SPARQL_JSON)
    finally:
        pool.close()


class FailingRemote:
    """A store that answers like the remote store does when things go wrong."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, sparql: str, default_graph_uris: object = (), named: object = ()) -> object:
        raise self.error

    def graph_names(self) -> list[str]:
        return []


@pytest.mark.parametrize(
    ("error", "status"),
    [("BadRequest", 400), ("StoreUnavailable", 503), ("KgpubError", 500)],
)
def test_store_errors_keep_their_meaning(error: str, status: int) -> None:
    from kgpub import errors

    exc = getattr(errors, error)("error at 1:3: expected something")
    settings = Settings.load(root=ROOT, env={}, query_workers=1)
    app = create_app(settings, sparql_store=FailingRemote(exc))
    try:
        r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert r.status_code == status
        assert b"expected something" in r.data
    finally:
        app.extensions[EXTENSION].pool.close()


def test_huge_body_is_not_read(make_app: MakeApp) -> None:
    app = make_app(query_max_length=100, query_workers=1)
    try:
        client = app.test_client()
        huge = b"ASK {}" + b" " * 200_000
        r = client.post("/sparql", data=huge, content_type="application/sparql-query")
        assert r.status_code == 400 and b"at most 100 characters" in r.data
        r = client.post("/sparql", data={"query": huge.decode()})
        assert r.status_code == 400 and b"at most 100 characters" in r.data
    finally:
        app.extensions[EXTENSION].pool.close()
