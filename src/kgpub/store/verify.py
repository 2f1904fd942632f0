"""Nothing lost: after ``kgpub load``, read every graph back and compare it with what was sent.

Each graph is read back whole (one ``CONSTRUCT`` of the graph), and both sides are reduced
to sorted canonical N-Triples (:func:`~kgpub.store.remote_terms.canonical`: numbers and
booleans by value, so ``"1.50"`` and ``"1.5"`` of the same datatype are the same, while a
decimal read back as an integer is not) and their SHA-256 digests compared. A difference
fails the load with the graph, the counts and the first triples that differ.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph

from kgpub.errors import StoreUnavailable
from kgpub.store.base import Store, iri_ref
from kgpub.store.remote_terms import canonical_lines, digest

#: How many differing triples a failure shows, of each side.
SHOWN = 3


class LoadNotVerified(StoreUnavailable):
    """The store gave back something else than ``kgpub load`` wrote."""


@dataclass(frozen=True)
class GraphCheck:
    graph: str
    sent: int
    read: int
    sent_digest: str
    read_digest: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def same(self) -> bool:
        return self.sent_digest == self.read_digest

    def describe(self) -> str:
        lines = [
            f"<{self.graph}>: sent {self.sent} triples (digest {self.sent_digest[:12]}), "
            f"read back {self.read} (digest {self.read_digest[:12]})"
        ]
        lines += [f"  sent, not read back: {t}" for t in self.missing]
        lines += [f"  read back, not sent: {t}" for t in self.extra]
        return "\n".join(lines)


def check_graph(
    graph: str, sent: Sequence[pyoxigraph.Triple], read: Sequence[pyoxigraph.Triple]
) -> GraphCheck:
    mine, theirs = canonical_lines(sent), canonical_lines(read)
    a, b = set(mine), set(theirs)
    return GraphCheck(
        graph=graph,
        sent=len(mine),
        read=len(theirs),
        sent_digest=digest(mine),
        read_digest=digest(theirs),
        missing=tuple(sorted(a - b)[:SHOWN]),
        extra=tuple(sorted(b - a)[:SHOWN]),
    )


def read_graph(store: Store, graph: str) -> list[pyoxigraph.Triple]:
    return store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(graph)} {{ ?s ?p ?o }} }}"
    )


def verify_graphs(
    store: Store,
    graphs: Mapping[str, Sequence[pyoxigraph.Triple]],
    where: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Read every graph of ``graphs`` back from ``store`` and compare.

    Raises:
        LoadNotVerified: some graph differs (the message lists each one and how).
    """
    failed: list[GraphCheck] = []
    for done, (graph, sent) in enumerate(graphs.items(), 1):
        check = check_graph(graph, sent, read_graph(store, graph))
        if not check.same:
            failed.append(check)
        if progress is not None:
            progress(graph, done, len(graphs))
    if failed:
        detail = "\n".join(c.describe() for c in failed[:SHOWN])
        more = f"\n(and {len(failed) - SHOWN} more graphs)" if len(failed) > SHOWN else ""
        raise LoadNotVerified(
            f"{where} changed the data it was given: {len(failed)} of {len(graphs)} graphs "
            f"read back differ from what was loaded\n{detail}{more}\n"
            'The load record was not written; see docs/scaling.md, "Triplestores", for '
            "what each server is known to change"
        )
