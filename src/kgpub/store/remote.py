"""The remote store: any SPARQL 1.1 server (tested: Oxigraph server and OpenLink Virtuoso;
see docs/scaling.md, "Triplestores").

Reads go to the query endpoint as ``GET`` (or form-encoded ``POST`` for long queries),
writes to the update endpoint as ``application/sparql-update`` bodies
(:mod:`kgpub.store.sparql_client`); answers are parsed into pyoxigraph terms so the rest of
kgpub never sees the difference (:mod:`kgpub.store.remote_terms`).

The server must answer queries without ``GRAPH`` over the union of its named graphs, as
the embedded store does (``oxigraph serve --union-default-graph``, Fuseki
``tdb2:unionDefaultGraph true``, Virtuoso by default). Queries that name graphs
(``GRAPH ?g``) work on any server.

Only kgpub's own graphs are counted, listed, dumped and dropped: the ones the record graph
lists (:mod:`kgpub.store.load_record`), never every graph on the server.

Writing a graph: when it fits in one request (``max_update_bytes``, ``max_update_triples``)
``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } } ; INSERT DATA { <record>
hasPart <g> }``, one request and so one transaction. A larger graph is written in several
requests into a staging graph, then ``MOVE``d into place in one request: a reader asking
for ``<g>`` sees the old graph or the new one, never half.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

import pyoxigraph

from kgpub import formats
from kgpub.errors import StoreBadAnswer
from kgpub.store.base import Term, group_by_graph, iri_ref, solution_rows
from kgpub.store.load_record import (
    part_update,
    parts_query,
    record_graph,
    record_statements_drop,
)
from kgpub.store.remote_terms import Skolem, read_json_results, read_triples, reading
from kgpub.store.sparql_client import (
    ReadMethod,
    SparqlClient,
    StoreRefused,
    dataset_params,
)
from kgpub.vocab import DEFAULT_BASE_IRI, PREFIXES, sparql_prologue

__all__ = ["RemoteStore", "StoreRefused"]

_PREFIXES = sparql_prologue(
    {p: PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "owl", "skos", "dcterms")}
)
ACCEPT_RESULTS = formats.SPARQL_JSON.media_type
#: N-Triples first: it writes every literal with its datatype (Virtuoso's Turtle writes an
#: xsd:decimal without a fraction as a bare number, which reads back as xsd:integer).
ACCEPT_TRIPLES = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.5"


class RemoteStore:
    """A :class:`~kgpub.store.base.Store` backed by a SPARQL 1.1 server."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        timeout: float = 10.0,
        *,
        base_iri: str = DEFAULT_BASE_IRI,
        read_method: ReadMethod = "auto",
        max_update_bytes: int = 256 * 1024,
        max_update_triples: int = 1000,
    ) -> None:
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.base_iri = base_iri
        self.client = SparqlClient(
            query_endpoint, update_endpoint, timeout=timeout, read_method=read_method
        )
        #: Largest update request (bytes of UTF-8) and most triples in one.
        self.max_update_bytes = max_update_bytes
        self.max_update_triples = max_update_triples
        #: What :meth:`construct` and :meth:`dump` ask the server for.
        self.accept_triples = ACCEPT_TRIPLES
        self.skolem = Skolem(base_iri)
        self._record = record_graph(base_iri)
        self._token = object()
        self._blank_filters = _blank_filter_rewriter(self.skolem.prefix)

    @property
    def timeout(self) -> float:
        return self.client.timeout

    @property
    def writable(self) -> bool:
        """Whether kgpub may write here (an update endpoint is configured)."""
        return bool(self.update_endpoint)

    @property
    def contents_token(self) -> object:
        """A new object whenever kgpub knows the server's contents changed: after each of
        its own writes, and when :meth:`changed` is called (a web host seeing a newer
        ``kgpub load``). Caches of answers are kept per token."""
        return self._token

    @property
    def contents(self) -> None:
        """None: the data is on the server, read through SPARQL."""
        return None

    def changed(self) -> None:
        self._token = object()

    def flush(self) -> None:
        """Nothing to do: the server makes each update request durable."""

    # -- reading ------------------------------------------------------------------------

    def _solutions(
        self, query: str, dataset: str = "", *, user: bool = False
    ) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
        body, _ctype = self.client.read(query, ACCEPT_RESULTS, dataset, user=user)
        return read_json_results(body, self.query_endpoint, self.skolem, checked=user)

    def _rows(self, query: str) -> list[dict[str, Term]]:
        """kgpub's own SELECT, read whole (a row that does not parse is a StoreBadAnswer)."""
        result = self._solutions(query)
        with reading(self.query_endpoint):
            return solution_rows(result)
        raise AssertionError("unreachable")  # pragma: no cover

    def _triples(
        self, query: str, dataset: str = "", *, user: bool = False
    ) -> list[pyoxigraph.Triple]:
        body, ctype = self.client.read(query, self.accept_triples, dataset, user=user)
        return read_triples(body, ctype, self.query_endpoint, self.skolem)

    def check(self) -> None:
        """Raise :class:`~kgpub.errors.StoreUnavailable` unless the server answers ``ASK {}``."""
        self._solutions("ASK {}")

    def construct(self, query: str) -> list[pyoxigraph.Triple]:
        return self._triples(_PREFIXES + self._blank_filters(query))

    def select(self, query: str) -> list[dict[str, Term]]:
        return self._rows(_PREFIXES + self._blank_filters(query))

    def query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> object:
        """Run a user's read query; returns pyoxigraph results like the embedded store does.

        Raises:
            BadRequest: the query does not parse (checked locally first, keeping pyoxigraph's
                message and position), or the server refuses it (HTTP 400).
            StoreBadAnswer: the server's answer cannot be read.
        """
        dataset = dataset_params(default_graph_uris, named_graph_uris)
        form = query_form(sparql)
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = self._triples(sparql, dataset, user=True)
            holder = pyoxigraph.Store()
            holder.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
            return holder.query("CONSTRUCT WHERE { ?s ?p ?o }")
        return self._solutions(sparql, dataset, user=True)

    def describe(self, iri: str) -> list[pyoxigraph.Triple]:
        node = pyoxigraph.NamedNode(iri)
        rows = self._rows(f"SELECT ?p ?o WHERE {{ GRAPH ?g {{ {iri_ref(iri)} ?p ?o }} }}")
        out: list[pyoxigraph.Triple] = []
        for row in rows:
            p, o = row.get("p"), row.get("o")
            if isinstance(p, pyoxigraph.NamedNode) and o is not None:
                out.append(pyoxigraph.Triple(node, p, o))
        return out

    def graph_names(self) -> list[str]:
        """kgpub's data graphs: those the record graph lists, never the server's other
        graphs (nor the record graph, which is bookkeeping)."""
        rows = self._rows(parts_query(self.base_iri))
        return sorted(g.value for r in rows if isinstance(g := r.get("g"), pyoxigraph.NamedNode))

    def graph_triples(self, graph_iri: str) -> list[pyoxigraph.Triple]:
        """Every triple of one named graph (as the server gives it back)."""
        g = iri_ref(graph_iri)
        return self._triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")

    def _all_quads(self) -> Iterator[pyoxigraph.Quad]:
        """kgpub's quads, graph by graph (CONSTRUCT answers are far lighter than one SELECT
        of every quad)."""
        for iri in self.graph_names():
            graph = pyoxigraph.NamedNode(iri)
            for t in self.graph_triples(iri):
                yield pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        quads = list(self._all_quads())
        if fmt.supports_datasets:
            return pyoxigraph.serialize(sorted(quads, key=str), format=fmt) or b""
        triples = {pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads}
        return pyoxigraph.serialize(sorted(triples, key=str), format=fmt) or b""

    def count(self) -> int:
        """Number of quads in kgpub's graphs."""
        names = self.graph_names()
        if not names:
            return 0
        values = " ".join(iri_ref(n) for n in names)
        query = (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        rows = self._rows(query)
        n = rows[0].get("n") if rows else None
        try:
            return int(n.value) if isinstance(n, pyoxigraph.Literal) else 0
        except ValueError:
            raise StoreBadAnswer(
                f"the triplestore at {self.query_endpoint} counted {n} quads"
            ) from None

    # -- writing ------------------------------------------------------------------------

    def update(self, request: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        try:
            self.client.update(request)
        finally:  # even a failed request may have been applied
            self.changed()

    def replace(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        """Replace kgpub's content: each graph of ``quads`` atomically, then drop kgpub's
        graphs that are not in ``quads`` (a reader may see some graphs new and others still
        old while it runs). Other graphs on the server are left alone; there is no
        ``DROP ALL``.

        Raises:
            ValueError: ``quads`` holds default-graph triples (a remote store keeps named
                graphs only, so that it knows which are kgpub's).
        """
        graphs = group_by_graph(quads)
        if graphs.pop(None, None):
            raise ValueError("a remote store keeps named graphs only; got default-graph triples")
        old = set(self.graph_names())
        for iri, triples in graphs.items():
            assert iri is not None
            self.replace_graph(iri, triples)
        for iri in sorted(old - set(graphs)):
            self.replace_graph(iri, [])
        if self._record not in graphs:  # what is there now was not written by `kgpub load`
            self.update(record_statements_drop(self.base_iri))

    def replace_graph(self, graph_iri: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        """Replace one named graph so that readers see it old or new, never half (see the
        module docstring); no triples drops it. The record graph keeps its list of graphs."""
        target = iri_ref(graph_iri)
        out = [self.skolem.triple_out(t) for t in triples]
        if graph_iri == self._record:
            inserts = list(self._inserts(graph_iri, out))
            self.update(" ;\n".join([record_statements_drop(self.base_iri), *inserts]))
            return
        listing = part_update(self.base_iri, graph_iri, listed=bool(out))
        chunks = list(self._inserts(graph_iri, out))
        if len(chunks) <= 1:
            self.update(" ;\n".join([f"DROP SILENT GRAPH {target}", *chunks, listing]))
            return
        staging = self._staging(graph_iri)
        self.update(f"DROP SILENT GRAPH {iri_ref(staging)}")
        for chunk in self._inserts(staging, out):
            self.update(chunk)
        self.update(f"MOVE SILENT GRAPH {iri_ref(staging)} TO {target} ;\n{listing}")

    def _staging(self, graph_iri: str) -> str:
        key = hashlib.sha256(graph_iri.encode("utf-8")).hexdigest()[:24]
        return f"{self.base_iri}graph/kgpub-staging/{key}"

    def _inserts(self, graph_iri: str, triples: Sequence[pyoxigraph.Triple]) -> Iterator[str]:
        """``INSERT DATA`` requests for ``triples`` into ``graph_iri``, each within
        :attr:`max_update_bytes` and :attr:`max_update_triples`."""
        head = f"INSERT DATA {{ GRAPH {iri_ref(graph_iri)} {{\n"
        tail = "\n} }"
        budget = self.max_update_bytes - len(head) - len(tail) - 512  # room for the rest
        lines: list[str] = []
        size = 0
        for t in triples:
            line = f"{t.subject} {t.predicate} {t.object} ."
            n = len(line.encode("utf-8")) + 1
            if lines and (size + n > budget or len(lines) >= self.max_update_triples):
                yield head + "\n".join(lines) + tail
                lines, size = [], 0
            lines.append(line)
            size += n
        if lines:
            yield head + "\n".join(lines) + tail

    def drop_graph(self, graph_iri: str) -> None:
        self.replace_graph(graph_iri, [])


def _blank_filter_rewriter(prefix: str) -> Callable[[str], str]:
    """kgpub's own queries test ``isBlank(?x)``/``isIRI(?x)``; on the server blank nodes
    are Skolem IRIs under ``prefix``, so the tests are widened to say the same there."""
    quoted = '"' + prefix.replace("\\", "\\\\").replace('"', '\\"') + '"'
    pattern = re.compile(r"\b(isBlank|isIRI|isURI)\((\?\w+)\)", re.IGNORECASE)

    def swap(m: re.Match[str]) -> str:
        var = m.group(2)
        skolem = f"STRSTARTS(STR({var}), {quoted})"
        if m.group(1).lower() == "isblank":
            return f"(isBlank({var}) || {skolem})"
        return f"({m.group(1)}({var}) && !{skolem})"

    def rewrite(query: str) -> str:
        return pattern.sub(swap, query) if "is" in query else query

    return rewrite


def query_form(sparql: str) -> str:
    """SELECT, ASK or CONSTRUCT (DESCRIBE counts as CONSTRUCT), as pyoxigraph parses it.

    Raises:
        BadRequest: the query does not parse.
    """
    from kgpub.errors import BadRequest

    try:
        result = pyoxigraph.Store().query(sparql, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise BadRequest(f"the query does not parse: {exc}") from None
    except Exception:  # e.g. SERVICE without a network: guess from the text
        upper = re.sub(r"#[^\n]*", "", sparql).upper()
        found = [(upper.find(f), f) for f in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")]
        found = [(i, f) for i, f in found if i >= 0]
        return min(found)[1] if found else "SELECT"
    if isinstance(result, pyoxigraph.QueryTriples):
        return "CONSTRUCT"
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "ASK"
    return "SELECT"
