"""Point lookups (``SELECT ?p ?o WHERE { <x> ?p ?o }``) and ``DESCRIBE <x>`` answered from
the store's index.

The most common queries linked-data clients send. pyoxigraph's query engine lets go of the GIL
while it parses and evaluates a query, and in a web worker whose request threads take turns
at the GIL each such call hands it to another thread and waits to get it back: with four
threads a lookup through the engine took about 235 µs in process, against 165 µs read from
``Store.quads_for_pattern`` (which keeps the GIL) and written by kgpub's own writers.

The answer is the engine's, byte for byte: the quads of the subject in every graph (the
union default graph keeps a triple once per graph it is in, as the engine does), in the
index's order, written as the engine writes them. That holds for SPARQL JSON and CSV, whose
writers in :mod:`kgpub.sparql.results` give pyoxigraph's bytes exactly; a description is
the engine's triples in the engine's order (the subject's quads, then those of each blank
node object, last found first), written by the same writer the engine's triples go to
(``tests/test_point_lookups.py`` compares both for every subject of the published data).
Any other format or query, a dataset in the request, or more quads than the budget go to
the engine.
"""

from __future__ import annotations

from itertools import islice

import pyoxigraph

from kgpub.formats import GRAPH_FORMATS, SPARQL_CSV, SPARQL_JSON, Format, from_key
from kgpub.sparql.bounded import Unbounded, point_lookup, shape
from kgpub.sparql.query_worker import Job
from kgpub.sparql.results import serialize_solutions, serialize_triples

#: The formats kgpub writes exactly as pyoxigraph does.
DIRECT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_CSV)


def answer_point_lookup(raw: pyoxigraph.Store, job: Job, budget: int) -> bytes | None:
    """The answer to ``job`` when it is a point lookup of at most ``budget`` quads (and at
    most its result limit), in one of :data:`DIRECT_FORMATS`; else None."""
    fmt = from_key(job.format_key, DIRECT_FORMATS)
    if fmt is None or job.default_graph_uris or job.named_graph_uris:
        return None
    found = point_lookup(job.query)
    if found is None:
        return None
    try:
        subject = pyoxigraph.NamedNode(found.subject)
    except ValueError:  # the engine says what is wrong with it
        return None
    most = min(budget, job.limit)
    quads = list(islice(raw.quads_for_pattern(subject, None, None), most + 1))
    if len(quads) > most:
        return None
    rows = [[getattr(quad, place) for place in found.positions] for quad in quads]
    return serialize_solutions(found.variables, rows, fmt)


def answer_description(raw: pyoxigraph.Store, job: Job, budget: int) -> bytes | None:
    """The answer to ``job`` when it is ``DESCRIBE`` of one IRI whose description has at most
    ``budget`` triples (and at most its result limit), in a graph format; else None."""
    fmt = from_key(job.format_key, GRAPH_FORMATS)
    if fmt is None or job.default_graph_uris or job.named_graph_uris:
        return None
    try:
        found = shape(job.query)
        if len(found.described) != 1:
            return None
        subject = pyoxigraph.NamedNode(found.described[0])
    except (Unbounded, ValueError):
        return None
    triples = _description(raw, subject, min(budget, job.limit))
    return None if triples is None else serialize_triples(triples, fmt)


def _description(
    raw: pyoxigraph.Store, subject: pyoxigraph.NamedNode, most: int
) -> list[pyoxigraph.Triple] | None:
    """What the engine's ``DESCRIBE`` gives for ``subject``, or None past ``most`` triples."""
    triples: list[pyoxigraph.Triple] = []
    seen: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = {subject}
    todo: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [subject]
    while todo:
        node = todo.pop()
        for quad in islice(raw.quads_for_pattern(node, None, None), most - len(triples) + 1):
            triples.append(pyoxigraph.Triple(quad.subject, quad.predicate, quad.object))
            if isinstance(quad.object, pyoxigraph.BlankNode) and quad.object not in seen:
                seen.add(quad.object)
                todo.append(quad.object)
        if len(triples) > most:
            return None
    return triples
