"""Lookups by IRI are answered in the request's own thread; every query whose cost the text
and the store cannot bound still goes to a killable query worker, and both give the same
bytes (``kgpub.sparql.bounded``)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph
import pytest

from kgpub.errors import QuerySyntaxError, ResultTooLarge
from kgpub.formats import GRAPH_FORMATS, SOLUTION_FORMATS
from kgpub.sparql.bounded import MAX_TERMS, within
from kgpub.sparql.pool import QueryPool
from kgpub.sparql.protocol import SparqlRequest

EX = "http://example.org/"
PROLOGUE = f"PREFIX ex: <{EX}>\n"
CLASS_SIZE = 50


def node(local: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(EX + local)


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    """``ex:a`` with a few values and a chain of two blank nodes; ``CLASS_SIZE`` things of
    ``ex:Thing``, each with a label; all in one named graph."""
    g = node("g")
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    first, second = pyoxigraph.BlankNode("first"), pyoxigraph.BlankNode("second")
    quads = [
        pyoxigraph.Quad(node("a"), node("p"), node("b"), g),
        pyoxigraph.Quad(node("a"), label, pyoxigraph.Literal("A", language="sv"), g),
        pyoxigraph.Quad(node("a"), node("part"), first, g),
        pyoxigraph.Quad(first, node("part"), second, g),
        pyoxigraph.Quad(second, label, pyoxigraph.Literal("deep"), g),
    ]
    for i in range(CLASS_SIZE):
        quads.append(pyoxigraph.Quad(node(f"t{i}"), rdf_type, node("Thing"), g))
        quads.append(pyoxigraph.Quad(node(f"t{i}"), label, pyoxigraph.Literal(f"thing {i}"), g))
    found = pyoxigraph.Store()
    found.extend(quads)
    return found


BOUNDED = [
    f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}",
    f"select * {{ <{EX}a> ?p ?o }}",
    f"DESCRIBE <{EX}a>",
    f"DESCRIBE <{EX}a> <{EX}b>",
    PROLOGUE + "DESCRIBE ex:a",
    PROLOGUE + "ASK { ex:a ex:p ex:b }",
    PROLOGUE + "ASK WHERE { ex:a ex:p ?x }",
    PROLOGUE + "SELECT DISTINCT ?o WHERE { ex:a ?p ?o ; ex:p ?b , ?c . } LIMIT 5 OFFSET 1",
    PROLOGUE + "SELECT ?t WHERE { ?t a ex:Thing }",  # 50 matches, within the budget
    PROLOGUE + 'SELECT * WHERE { ?t a ex:Thing ; <http://example.org/p> "x" }',
    PROLOGUE + "# a comment { FILTER }\nSELECT ?o WHERE { ex:a ex:p ?o . } # more",
    PROLOGUE + "SELECT ?o WHERE { ex:nothing ?p ?o . ?o ?q ex:a }",
    PROLOGUE + "SELECT ?s WHERE { ?s ex:part ?o }",  # a predicate's matches are counted too
]

UNBOUNDED = [
    "SELECT * WHERE { ?s ?p ?o }",  # no IRI anywhere
    'SELECT ?s WHERE { ?s ?p "thing 1" }',  # a literal alone is never counted,
    PROLOGUE + 'SELECT ?s WHERE { ?s ?p "thing 1" ; a ex:Thing }',  # whatever the others
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o FILTER(?o != ex:b) }",
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o OPTIONAL { ?o ?q ?r } }",
    PROLOGUE + "SELECT * WHERE { { ex:a ?p ?o } UNION { ex:b ?p ?o } }",
    PROLOGUE + "SELECT * WHERE { GRAPH ?g { ex:a ?p ?o } }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part* ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part/ex:part ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ^ex:part ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part+ ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part? ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part|ex:p ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:part [ ?p ?o ] }",
    PROLOGUE + "SELECT * WHERE { _:b ex:part ex:a }",
    PROLOGUE + "SELECT * WHERE { ex:a ex:p ?o } ORDER BY ?o",
    PROLOGUE + "SELECT (COUNT(*) AS ?n) WHERE { ex:a ?p ?o }",
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o } VALUES ?o { ex:b }",
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o { SELECT * WHERE { ?s ?p ?x } } }",
    PROLOGUE + "SELECT * WHERE { SERVICE <http://example.org/sparql> { ex:a ?p ?o } }",
    PROLOGUE + "SELECT * FROM ex:g WHERE { ex:a ?p ?o }",
    PROLOGUE + "CONSTRUCT { ex:a ?p ?o } WHERE { ex:a ?p ?o }",
    PROLOGUE + "DESCRIBE ?x WHERE { ?x a ex:Thing }",
    PROLOGUE + "DESCRIBE *",
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o } LIMIT 1 LIMIT 2",
    "SELECT * WHERE { <a> ?p ?o }",  # relative: resolved against a base
    f"SELECT * WHERE {{ <{EX}x/../a> ?p ?o }}",  # dot segments: resolved away
    "SELECT * WHERE { ex:a ?p ?o }",  # an undeclared prefix
    f"SELECT * WHERE {{ <{EX}\\u0061> ?p ?o }}",  # escapes apply before parsing
    PROLOGUE + 'SELECT * WHERE { ex:a ?p """long""" }',
    PROLOGUE + "SELECT * WHERE { ex:a:b ?o }",  # a prefixed name with a colon in it
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o } }",
    PROLOGUE + "SELECT * WHERE { ex:a ?p ?o",
    PROLOGUE + "INSERT DATA { ex:a ex:p ex:b }",
    "",
]


@pytest.mark.parametrize("query", BOUNDED)
def test_lookups_by_iri_are_bounded(query: str, store: pyoxigraph.Store) -> None:
    assert within(query, store, budget=1000)


@pytest.mark.parametrize("query", UNBOUNDED)
def test_what_the_text_cannot_bound_goes_to_a_worker(query: str, store: pyoxigraph.Store) -> None:
    assert not within(query, store, budget=1000)


def test_the_budget_counts_the_matches_of_every_pattern(store: pyoxigraph.Store) -> None:
    things = PROLOGUE + "SELECT ?t WHERE { ?t a ex:Thing }"
    assert within(things, store, budget=CLASS_SIZE)
    assert not within(things, store, budget=CLASS_SIZE - 1)
    # two patterns of 50 matches each: a nested loop may do 50 x 50 lookups
    pairs = PROLOGUE + "SELECT * WHERE { ?t a ex:Thing . ?u a ex:Thing }"
    assert within(pairs, store, budget=2 * CLASS_SIZE * CLASS_SIZE)
    assert not within(pairs, store, budget=CLASS_SIZE * CLASS_SIZE)
    # a pattern with no match anywhere does not excuse the others from being counted
    empty_first = PROLOGUE + "SELECT * WHERE { ex:nothing ?p ?o . ?t a ex:Thing }"
    assert not within(empty_first, store, budget=CLASS_SIZE)


def test_a_description_counts_the_blank_nodes_it_follows(store: pyoxigraph.Store) -> None:
    triples = store.query(f"DESCRIBE <{EX}a>", use_default_graph_as_union=True)
    assert isinstance(triples, pyoxigraph.QueryTriples)
    described = len(list(triples))
    assert described == 5  # ex:a's three, then each blank node's one
    assert within(f"DESCRIBE <{EX}a>", store, budget=described)
    assert not within(f"DESCRIBE <{EX}a>", store, budget=described - 1)


def test_a_query_of_many_patterns_goes_to_a_worker(store: pyoxigraph.Store) -> None:
    def lookups(n: int) -> str:
        return "SELECT * WHERE { " + " . ".join(f"<{EX}a> ?p{i} ?o{i}" for i in range(n)) + " }"

    assert within(lookups(1), store, budget=1000)
    assert not within(lookups(MAX_TERMS + 1), store, budget=10**30)
    assert not within("DESCRIBE" + f" <{EX}a>" * (MAX_TERMS + 1), store, budget=10**30)


def test_no_budget_means_every_query_goes_to_a_worker(store: pyoxigraph.Store) -> None:
    assert not within(BOUNDED[0], store, budget=0)


@pytest.fixture(scope="module")
def pools(store: pyoxigraph.Store) -> Iterator[tuple[QueryPool, QueryPool]]:
    """The same store behind a pool that answers bounded queries itself and one that never
    does."""
    here = QueryPool(store, size=1, in_thread_budget=1000, cache_bytes=0, base_iri=EX)
    away = QueryPool(store, size=1, in_thread_budget=0, cache_bytes=0, base_iri=EX)
    yield here, away
    here.close()
    away.close()


@pytest.mark.parametrize("query", BOUNDED)
def test_an_answer_in_the_thread_is_the_workers_answer_byte_for_byte(
    query: str, pools: tuple[QueryPool, QueryPool]
) -> None:
    here, away = pools
    for fmt in GRAPH_FORMATS if "DESCRIBE" in query else SOLUTION_FORMATS:
        before = here.stats["in_thread"], away.stats["in_thread"]
        assert here.run(SparqlRequest(query=query), fmt) == away.run(
            SparqlRequest(query=query), fmt
        )
        assert (here.stats["in_thread"], away.stats["in_thread"]) == (before[0] + 1, before[1])


def test_an_unbounded_query_still_runs_in_a_worker(pools: tuple[QueryPool, QueryPool]) -> None:
    here, _ = pools
    before = here.stats["in_thread"]
    here.run(SparqlRequest(query="SELECT * WHERE { ?s ?p ?o } LIMIT 1"), SOLUTION_FORMATS[0])
    assert here.stats["in_thread"] == before


def test_the_result_limit_holds_in_the_thread(store: pyoxigraph.Store) -> None:
    pool = QueryPool(store, size=1, in_thread_budget=1000, cache_bytes=0, result_limit=10)
    try:
        with pytest.raises(ResultTooLarge):
            pool.run(
                SparqlRequest(query=PROLOGUE + "SELECT ?t WHERE { ?t a ex:Thing }"),
                SOLUTION_FORMATS[0],
            )
        assert pool.stats["in_thread"] == 1
    finally:
        pool.close()


def test_an_error_in_the_thread_is_the_same_domain_error(
    pools: tuple[QueryPool, QueryPool],
) -> None:
    # within the subset, yet refused by the SPARQL parser: a variable projected twice
    query = "SELECT ?o ?o WHERE { <http://example.org/a> ?p ?o }"
    assert within(query, pools[0].store, budget=1000)  # type: ignore[arg-type]
    for pool in pools:
        with pytest.raises(QuerySyntaxError):
            pool.run(SparqlRequest(query=query), SOLUTION_FORMATS[0])
