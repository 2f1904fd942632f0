"""What ``kgpub load`` leaves in the store about itself, so read-only web hosts can follow.

Web hosts in front of a shared triplestore have no update endpoint and publish nothing:
they serve what the last ``kgpub load`` put there. That load ends by writing one small
named graph, ``{base}graph/kgpub-load``, saying which snapshot it loaded (the digest of the
sources) and when::

    <{base}graph/kgpub-load> dcterms:identifier "3f2a…" ;
        dcterms:modified "2026-11-23T15:00:00Z"^^xsd:dateTime .

A web host reads it at start and again every ``remote_poll_seconds``; a new digest is a new
snapshot to it (its page and answer caches are keyed by the digest).

The same graph lists the graphs kgpub wrote to a remote store, one ``dcterms:hasPart`` each,
kept up to date in the same update request that writes or drops the graph::

    <{base}graph/kgpub-load> dcterms:hasPart <{base}graph/haninge> , <{base}ontology> .

A remote store counts, lists, dumps and drops these graphs and no others: a server's own
graphs (Virtuoso keeps four, 2,656 quads) or another application's are never kgpub's, and
reading the list is one lookup where scanning every graph on the server took half a minute
(Virtuoso, 290 municipalities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph

from kgpub.store.base import Store, iri_ref
from kgpub.vocab import DCT, XSD

PART = DCT + "hasPart"


def record_graph(base_iri: str) -> str:
    return base_iri + "graph/kgpub-load"


def parts_query(base_iri: str) -> str:
    """``?g``: every graph the record lists (the record graph itself is bookkeeping, not
    data: it is not listed, so counts, dumps and pages are those of the embedded store)."""
    r = iri_ref(record_graph(base_iri))
    return f"SELECT DISTINCT ?g WHERE {{ GRAPH {r} {{ {r} <{PART}> ?g }} }}"


def part_update(base_iri: str, graph_iri: str, *, listed: bool) -> str:
    """The update that lists (``listed``) or unlists ``graph_iri`` in the record graph."""
    r = iri_ref(record_graph(base_iri))
    verb = "INSERT" if listed else "DELETE"
    return f"{verb} DATA {{ GRAPH {r} {{ {r} <{PART}> {iri_ref(graph_iri)} }} }}"


def record_statements_drop(base_iri: str) -> str:
    """The update that removes the record's own statements but keeps its list of graphs."""
    r = iri_ref(record_graph(base_iri))
    return (
        f"DELETE {{ GRAPH {r} {{ {r} ?p ?o }} }} WHERE {{ GRAPH {r} {{ {r} ?p ?o "
        f"FILTER(?p != <{PART}>) }} }}"
    )


@dataclass(frozen=True)
class LoadRecord:
    digest: str
    loaded_at: datetime

    def triples(self, base_iri: str) -> list[pyoxigraph.Triple]:
        me = pyoxigraph.NamedNode(record_graph(base_iri))
        when = self.loaded_at.astimezone(UTC).replace(microsecond=0)
        return [
            pyoxigraph.Triple(
                me, pyoxigraph.NamedNode(DCT + "identifier"), pyoxigraph.Literal(self.digest)
            ),
            pyoxigraph.Triple(
                me,
                pyoxigraph.NamedNode(DCT + "modified"),
                pyoxigraph.Literal(
                    when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    datatype=pyoxigraph.NamedNode(XSD + "dateTime"),
                ),
            ),
        ]


def read_record(store: Store, base_iri: str) -> LoadRecord | None:
    """The record of the last ``kgpub load`` into ``store``, or None if there is none."""
    g = iri_ref(record_graph(base_iri))
    rows = store.select(
        f"SELECT ?digest ?when WHERE {{ GRAPH {g} {{ {g} <{DCT}identifier> ?digest ; "
        f"<{DCT}modified> ?when }} }} LIMIT 1"
    )
    if not rows or "digest" not in rows[0] or "when" not in rows[0]:
        return None
    try:
        when = datetime.fromisoformat(rows[0]["when"].value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return LoadRecord(rows[0]["digest"].value, when)
