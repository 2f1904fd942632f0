"""Point lookups (``SELECT ?p ?o WHERE { <x> ?p ?o }``) answered from the store's index.

The most common query linked-data clients send. pyoxigraph's query engine lets go of the GIL
while it parses and evaluates a query, and in a web worker whose request threads take turns
at the GIL each such call hands it to another thread and waits to get it back: with four
threads a lookup through the engine took about 235 µs in process, against 165 µs read from
``Store.quads_for_pattern`` (which keeps the GIL) and written by kgpub's own writers.

The answer is the engine's, byte for byte: the quads of the subject in every graph (the
union default graph keeps a triple once per graph it is in, as the engine does), in the
index's order, written as the engine writes them. That holds for SPARQL JSON and CSV, whose
writers in :mod:`kgpub.sparql.results` give pyoxigraph's bytes exactly
(``tests/test_point_lookups.py`` compares them for every subject of the published data).
Any other format or query, a dataset in the request, or more quads than the budget go to
the engine.

Measured under gunicorn (8 connections, distinct queries, 4 interleaved rounds against the
engine path): lookups of IRIs with no quads 3,228 -> 4,557 answers/s (median); lookups of
things of the data 3,338 -> 3,487, within the noise. In one thread alone the engine is
faster for a subject of many quads (kgpub's writer costs about 1.8 µs a row); the gain is
the hand-overs of the GIL it saves when a web worker's threads are busy. ``DESCRIBE`` read
the same way (the engine's triples in the engine's order) measured no faster (3,208
against 3,309) and was left to the engine.
"""

from __future__ import annotations

from itertools import islice

import pyoxigraph

from kgpub.formats import SPARQL_CSV, SPARQL_JSON, Format, from_key
from kgpub.sparql.bounded import point_lookup
from kgpub.sparql.query_worker import Job
from kgpub.sparql.results import serialize_solutions

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
