"""Point lookups answered from the store's index (``kgpub.sparql.lookup``): recognised only
in their plain form, and answered with the query engine's bytes exactly."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph
import pytest
from flask import Flask

from kgpub.formats import SPARQL_CSV, SPARQL_JSON, SPARQL_TSV, SPARQL_XML, Format
from kgpub.sparql.bounded import PointLookup, point_lookup
from kgpub.sparql.lookup import answer_point_lookup
from kgpub.sparql.query_worker import Job
from kgpub.sparql.results import _NATIVE
from kgpub.store.base import in_process

EX = "http://example.org/"


@pytest.fixture(scope="module")
def published(make_app: Callable[..., Flask]) -> pyoxigraph.Store:
    """The store of the published data (both municipalities)."""
    app = make_app(query_workers=1)
    raw = in_process(app.extensions["kgpub_publisher"].store)
    assert raw is not None
    return raw


def job(query: str, fmt: Format = SPARQL_JSON, limit: int = 100_000) -> Job:
    return Job(query, (), (), fmt.key, limit, None)


def engine(raw: pyoxigraph.Store, query: str, fmt: Format) -> bytes:
    found = raw.query(query, use_default_graph_as_union=True)
    assert isinstance(found, pyoxigraph.QuerySolutions)
    return found.serialize(format=_NATIVE[fmt.key]) or b""


@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        (
            f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}",
            PointLookup(f"{EX}a", ("p", "o"), ("predicate", "object")),
        ),
        (
            f"select ?o ?p {{ <{EX}a> ?p ?o . }}",
            PointLookup(f"{EX}a", ("o", "p"), ("object", "predicate")),
        ),
        (
            f"PREFIX ex: <{EX}>\nSELECT $o WHERE {{ ex:a ?p ?o }}",
            PointLookup(f"{EX}a", ("o",), ("object",)),
        ),
    ],
)
def test_a_plain_point_lookup_is_recognised(query: str, lookup: PointLookup) -> None:
    assert point_lookup(query) == lookup


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ <{EX}a> ?p ?o }}",  # the engine orders the columns of *
        f"SELECT DISTINCT ?p ?o WHERE {{ <{EX}a> ?p ?o }}",
        f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }} LIMIT 1",
        f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o FILTER(?o != 1) }}",
        f"SELECT ?p ?p WHERE {{ <{EX}a> ?p ?o }}",
        f"SELECT ?p ?x WHERE {{ <{EX}a> ?p ?o }}",  # a variable not in the pattern
        f"SELECT ?p WHERE {{ <{EX}a> ?p ?p }}",
        f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o }}",
        f'SELECT ?p WHERE {{ <{EX}a> ?p "x" }}',
        "SELECT ?p ?o WHERE { ?s ?p ?o }",
        "SELECT ?p ?o WHERE { a ?p ?o }",  # 'a' is no subject: a syntax error for the engine
        "SELECT ?p ?o WHERE { <relative> ?p ?o }",
        f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o . <{EX}b> ?p ?o }}",
        f"ASK {{ <{EX}a> ?p ?o }}",
        f"DESCRIBE <{EX}a>",
    ],
)
def test_anything_else_is_no_point_lookup(query: str) -> None:
    assert point_lookup(query) is None


@pytest.mark.parametrize("fmt", [SPARQL_JSON, SPARQL_CSV])
@pytest.mark.parametrize("select", ["?p ?o", "?o ?p", "?o"])
def test_every_subject_is_answered_with_the_engines_bytes(
    published: pyoxigraph.Store, fmt: Format, select: str
) -> None:
    subjects = {q.subject for q in published if isinstance(q.subject, pyoxigraph.NamedNode)}
    assert len(subjects) > 100
    for subject in subjects:
        query = f"SELECT {select} WHERE {{ <{subject.value}> ?p ?o }}"
        assert answer_point_lookup(published, job(query, fmt), 4096) == engine(
            published, query, fmt
        )


def test_a_triple_in_several_graphs_is_answered_once_per_graph_as_the_engine_does() -> None:
    store = pyoxigraph.Store()
    a, p = pyoxigraph.NamedNode(f"{EX}a"), pyoxigraph.NamedNode(f"{EX}p")
    store.add(pyoxigraph.Quad(a, p, pyoxigraph.Literal("x")))
    for graph in ("g1", "g2"):
        store.add(pyoxigraph.Quad(a, p, pyoxigraph.Literal("x"), pyoxigraph.NamedNode(EX + graph)))
    store.add(pyoxigraph.Quad(a, p, pyoxigraph.BlankNode("b"), pyoxigraph.NamedNode(f"{EX}g1")))
    query = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}"
    answer = answer_point_lookup(store, job(query), 4096)
    assert answer == engine(store, query, SPARQL_JSON)
    assert answer is not None and answer.count(b'"value":"x"') == 3


@pytest.mark.parametrize(
    ("fmt", "budget", "limit"),
    [
        (SPARQL_XML, 4096, 100_000),  # kgpub's XML and TSV writers are not the engine's bytes
        (SPARQL_TSV, 4096, 100_000),
        (SPARQL_JSON, 2, 100_000),  # more quads than the budget: the bounds check decides
        (SPARQL_JSON, 4096, 2),  # more rows than the limit: the engine refuses it
    ],
)
def test_other_formats_and_larger_answers_go_to_the_engine(
    fmt: Format, budget: int, limit: int
) -> None:
    store = pyoxigraph.Store()
    a = pyoxigraph.NamedNode(f"{EX}a")
    for i in range(3):
        store.add(pyoxigraph.Quad(a, pyoxigraph.NamedNode(f"{EX}p{i}"), pyoxigraph.Literal("x")))
    query = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}"
    assert answer_point_lookup(store, job(query, fmt, limit), budget) is None


def test_a_request_naming_a_dataset_goes_to_the_engine() -> None:
    query = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}"
    with_graph = Job(query, (f"{EX}g",), (), SPARQL_JSON.key, 100_000, None)
    assert answer_point_lookup(pyoxigraph.Store(), with_graph, 4096) is None
