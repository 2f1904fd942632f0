"""The W3C SPARQL 1.1 Protocol tests (data under ../shared/standards/w3c), as far as they
apply to a read-only endpoint: every query test passes as the manifest says; every update
test's update request is refused with 400 and a read-only message instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph
import pytest
import rdflib
from flask import Flask
from rdflib import RDF, Namespace

from kgpub.config import Settings
from kgpub.web.app import create_app
from kgpub.web.sparql import EXTENSION

ROOT = Path(__file__).resolve().parents[1]

SHARED = Path(
    os.environ.get("KGPUB_STANDARDS", Path(__file__).resolve().parents[2] / "shared" / "standards")
)
PROTOCOL = SHARED / "w3c" / "sparql11" / "protocol"
MANIFEST = PROTOCOL / "manifest.ttl"

pytestmark = pytest.mark.skipif(not MANIFEST.exists(), reason="W3C test data not present")

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")


def _tests() -> list[tuple[str, dict[str, Any]]]:
    if not MANIFEST.exists():
        return []
    g = rdflib.Graph().parse(MANIFEST, format="turtle")
    out = []
    for test in sorted(g.subjects(RDF.type, MF.ProtocolTest)):
        action = g.value(test, MF.action)
        requests = list(rdflib.collection.Collection(g, g.value(action, HT.requests)))
        req = requests[0]
        headers = {}
        header_list = g.value(req, HT.headers)
        if header_list is not None:
            for h in rdflib.collection.Collection(g, header_list):
                headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
        body_node = g.value(req, HT.body)
        body = None
        if body_node is not None:
            encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
            body = str(g.value(body_node, CNT.chars)).encode(encoding)
        resp = g.value(req, HT.resp)
        out.append(
            (
                str(test).rsplit("#", 1)[-1],
                {
                    "name": str(g.value(test, MF.name)),
                    "method": str(g.value(req, HT.methodName)),
                    "path": str(g.value(req, HT.absolutePath)),
                    "headers": headers,
                    "body": body,
                    "statuses": {str(s) for s in g.objects(resp, MF.expectedStatus)},
                    "format": str(g.value(resp, MF.expectedFormat) or ""),
                    "boolean": g.value(resp, MF.expectedBoolean),
                },
            )
        )
    return out


TESTS = _tests()


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    store = pyoxigraph.Store()
    for name in ("data1", "data2", "data3"):
        graph = f"http://kasei.us/2009/09/sparql/data/{name}.rdf"
        store.bulk_load(
            path=str(PROTOCOL / f"{name}.nt"),
            format=pyoxigraph.RdfFormat.N_TRIPLES,
            to_graph=pyoxigraph.NamedNode(graph),
        )
    # the one app factory, every layer of it (bounded GET queries are answered before
    # Flask); /sparql answers from the W3C test data instead of kgpub's
    settings = Settings.load(
        root=ROOT,
        env={},
        query_timeout=10.0,
        query_workers=2,
        base_iri="http://www.example/sparql/",
    )
    flask_app = create_app(settings, sparql_store=store)
    yield flask_app
    flask_app.extensions[EXTENSION].pool.close()


def _is_update(t: dict[str, Any]) -> bool:
    ctype = t["headers"].get("content-type", "")
    body = t["body"] or b""
    return (
        "sparql-update" in ctype
        or body.startswith(b"update=")
        or "update=" in t["path"]
        or "update" in t["name"].split(" with ")[0]
    )


@pytest.mark.parametrize(("test_id", "t"), TESTS, ids=[tid for tid, _ in TESTS])
def test_w3c_protocol(app: Flask, test_id: str, t: dict[str, Any]) -> None:
    client = app.test_client()
    parts = urlsplit(t["path"])
    path = "/sparql" + ("?" + parts.query if parts.query else "")
    headers = {k: v for k, v in t["headers"].items() if k != "content-type"}
    response = client.open(
        path,
        method=t["method"],
        data=t["body"],
        headers=headers,
        content_type=t["headers"].get("content-type"),
    )
    if _is_update(t):
        # a read-only endpoint: the update is refused, clearly, whatever its form
        assert 400 <= response.status_code < 500, response.data
        if t["method"] in ("GET", "POST") and response.status_code == 400:
            assert b"read-only" in response.data or b"update" in response.data.lower()
        return
    statuses = t["statuses"]
    if str(HTS.StatusCode4xx) in statuses:
        assert 400 <= response.status_code < 500, response.data
        return
    assert 200 <= response.status_code < 400, response.data
    mimetype = response.mimetype
    if t["format"] == "boolean" or t["boolean"] is not None:
        assert mimetype in ("application/sparql-results+json", "application/sparql-results+xml")
        expected = str(t["boolean"]).lower() if t["boolean"] is not None else None
        if expected:
            assert expected.encode() in response.data
    elif t["format"] in ("", "simple"):
        pass
    elif "RDF/XML" in t["name"] or t["format"] == "rdfxml":
        assert mimetype in ("application/rdf+xml", "text/turtle", "application/n-triples")
    if "expect one of: XML, JSON, CSV, TSV" in t["name"]:
        assert mimetype in (
            "application/sparql-results+xml",
            "application/sparql-results+json",
            "text/csv",
            "text/tab-separated-values",
        )
    elif "expect one of: XML, JSON" in t["name"]:
        assert mimetype in ("application/sparql-results+xml", "application/sparql-results+json")
    elif "RDF/XML, Turtle, N-Triples" in t["name"]:
        assert mimetype in ("application/rdf+xml", "text/turtle", "application/n-triples")
        fmt = {"application/rdf+xml": "xml", "text/turtle": "turtle"}.get(mimetype, "nt")
        rdflib.Graph().parse(data=response.data, format=fmt)
