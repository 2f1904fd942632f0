"""The Store protocol: what serving needs from a triplestore.

Terms are pyoxigraph terms, whichever store is behind it (a remote store parses its SPARQL
results with pyoxigraph too), so the core never depends on one implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import pyoxigraph

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


def solution_rows(result: object) -> list[dict[str, Term]]:
    """SELECT results as rows mapping variable name (no '?') to its bound term.

    Raises:
        TypeError: ``result`` is not the result of a SELECT query.
    """
    if not isinstance(result, pyoxigraph.QuerySolutions):
        raise TypeError("not a SELECT query")
    names = [v.value for v in result.variables]
    return [
        {name: value for name in names if (value := solution[name]) is not None}
        for solution in result
    ]


@runtime_checkable
class Store(Protocol):
    def replace(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        """Replace the whole content with ``quads`` (readers see old or new, never half)."""

    def construct(self, query: str) -> list[pyoxigraph.Triple]:
        """Run a CONSTRUCT/DESCRIBE query and return its triples."""

    def select(self, query: str) -> list[dict[str, Term]]:
        """Run a SELECT query; each row maps variable name (no '?') to its bound term."""

    def query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> object:
        """Run any read-only query as the SPARQL protocol would (dataset from the request)."""

    def describe(self, iri: str) -> list[pyoxigraph.Triple]:
        """The triples with ``iri`` as subject, in any graph."""

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        """Everything, serialised (triple formats get the union of all graphs)."""

    def count(self) -> int:
        """Number of quads."""

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs."""
