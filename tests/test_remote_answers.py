"""What the remote store sends and how it takes what comes back, against a scripted server:
requests every SPARQL 1.1 server takes, answers it cannot read (502, the server's fault, not
the client's), the server's reasons kept short, server-labelled blank nodes read."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from kgpub.errors import BadRequest, StoreBadAnswer, StoreUnavailable
from kgpub.store.remote import RemoteStore
from kgpub.store.sparql_client import MAX_GET_URL, reason_of


class Scripted:
    """The requests seen, and the answer (status, content type, body) to give them all."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, bytes]] = []  # method, path, content type, body
        self.status = 200
        self.ctype = "application/sparql-results+json"
        self.body = b'{"head": {}, "boolean": true}'


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, str]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append(
                (self.command, self.path, self.headers.get("Content-Type", ""), body)
            )
            self.send_response(script.status)
            self.send_header("Content-Type", script.ctype)
            self.send_header("Content-Length", str(len(script.body)))
            self.end_headers()
            self.wfile.write(script.body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            """Quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_reads_are_get_and_long_reads_form_encoded_posts(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    store = RemoteStore(url, timeout=5)
    store.check()
    method, path, _ctype, _body = script.seen[-1]
    assert method == "GET"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["query"] == ["ASK {}"]
    many = ", ".join(f"<urn:x:{i}>" for i in range(400))
    long_query = f"ASK {{ ?s ?p ?o FILTER(?s IN ({many})) }}"
    assert len(long_query) > MAX_GET_URL
    store.query(long_query)
    method, path, ctype, body = script.seen[-1]
    assert (method, path, ctype) == ("POST", "/sparql", "application/x-www-form-urlencoded")
    assert urllib.parse.parse_qs(body.decode())["query"] == [long_query]


def test_a_setting_forces_form_encoded_posts(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    RemoteStore(url, timeout=5, read_method="post").check()
    assert script.seen[-1][0] == "POST"
    assert script.seen[-1][2] == "application/x-www-form-urlencoded"


def test_updates_are_sparql_update_bodies_capped_in_size(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.ctype, script.body = "text/plain", b"ok"
    store = RemoteStore(url, url, timeout=5, max_update_bytes=8192, max_update_triples=1000)
    triples = [
        ox.Triple(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal("v" * 100))
        for i in range(300)
    ]
    store.replace_graph("https://w3id.org/kgpub/graph/big", triples)
    updates = [s for s in script.seen if s[0] == "POST"]
    assert all(s[2].startswith("application/sparql-update") for s in updates)
    assert all(len(s[3]) <= 8192 for s in updates)
    inserts = [s[3].decode() for s in updates if s[3].startswith(b"INSERT DATA")]
    assert sum(i.count("<urn:x:p>") for i in inserts) == 300
    assert updates[-1][3].startswith(b"MOVE SILENT GRAPH")


def test_an_answer_that_cannot_be_read_is_the_servers_fault(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.body = b"<html>Service temporarily overloaded</html>"
    store = RemoteStore(url, timeout=5)
    with pytest.raises(StoreBadAnswer, match=f"triplestore at {url} sent an answer kgpub cannot"):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    script.ctype, script.body = "application/n-triples", b"<a> <b> nonsense"
    with pytest.raises(StoreBadAnswer):
        store.construct("CONSTRUCT WHERE { ?s ?p ?o }")


def test_a_page_over_an_unreadable_answer_is_502_naming_the_server(
    scripted: tuple[Scripted, str],
) -> None:
    from flask import Flask

    from kgpub.web.errors import register_errors

    script, url = scripted
    script.body = b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": 1}]}}'
    app = Flask("t")
    register_errors(app)
    store = RemoteStore(url, timeout=5)

    @app.get("/page")
    def page() -> str:
        return str(store.select("SELECT ?s WHERE { ?s ?p ?o }"))

    response = app.test_client().get("/page")
    assert response.status_code == 502
    text = response.get_data(as_text=True)
    assert url in text and "Malformed" not in text


def test_server_labelled_blank_nodes_are_read(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.body = (
        b'{"head": {"vars": ["b", "c"]}, "results": {"bindings": ['
        b'{"b": {"type": "bnode", "value": "nodeID://b10006"},'
        b' "c": {"type": "bnode", "value": "nodeID://b10007"}},'
        b'{"b": {"type": "bnode", "value": "nodeID://b10006"}}]}}'
    )
    rows = RemoteStore(url, timeout=5).query("SELECT ?b ?c WHERE { ?b ?p ?c }")
    assert isinstance(rows, ox.QuerySolutions)
    found = [(r["b"], r["c"]) for r in rows]
    assert isinstance(found[0][0], ox.BlankNode) and found[0][0] == found[1][0]
    assert found[0][0] != found[0][1] and found[1][1] is None


VIRTUOSO_500 = (
    b"Virtuoso 37000 Error SP031: SPARQL: Internal error: The length of generated SQL text "
    b"has exceeded 10000 lines of code\n\nSPARQL query:\ndefine sql:big-data-const 0 "
    + b"INSERT DATA { <a> <b> <c> . }\n"
    * 3000
)
JETTY_500 = (
    b"<html><head><title>Error 500</title></head><body><h2>HTTP ERROR 500 "
    b"org.eclipse.jetty.http.BadMessageException: 400: Unable to parse form content</h2>"
    b"<table><tr><th>URI:</th><td>/ds/update</td></tr><tr><th>CAUSED BY:</th><td>"
    b"java.lang.IllegalStateException: Form is larger than max length 200000</td></tr>"
    b"</table></body></html>"
)


@pytest.mark.parametrize(
    ("body", "ctype", "kept"),
    [
        (VIRTUOSO_500, "text/plain", "SP031: SPARQL: Internal error: The length of generated SQL"),
        (JETTY_500, "text/html", "HTTP ERROR 500"),
    ],
)
def test_a_refusal_keeps_the_servers_reason_on_one_short_line(
    scripted: tuple[Scripted, str], body: bytes, ctype: str, kept: str
) -> None:
    script, url = scripted
    script.status, script.ctype, script.body = 500, ctype, body
    store = RemoteStore(url, url, timeout=5)
    with pytest.raises(StoreUnavailable) as caught:
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400
    assert f"triplestore at {url} refused the update: HTTP 500" in message
    assert kept in message
    assert "INSERT DATA" not in reason_of(body, ctype)


def test_a_user_query_the_server_refuses_is_a_bad_request(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.status, script.ctype = 400, "text/plain"
    script.body = (
        b"Virtuoso 37000 Error SP031: Built-in function is not implemented\n\nSPARQL query:\n..."
    )
    store = RemoteStore(url, timeout=5)
    with pytest.raises(BadRequest, match="not implemented"):
        store.query("SELECT (BNODE() AS ?b) WHERE {}")
    with pytest.raises(StoreUnavailable, match="refused the query") as own:
        store.select("SELECT ?s WHERE { ?s ?p ?o }")  # kgpub's own query: not the client's fault
    assert not isinstance(own.value, BadRequest)
