"""The remote store: any SPARQL 1.1 server (Oxigraph, Fuseki, GraphDB, Virtuoso...).

Reads go to the query endpoint, writes to the update endpoint, both through SPARQLWrapper;
results are parsed into pyoxigraph terms so the rest of kgpub never sees the difference.

The server must answer queries without ``GRAPH`` over the union of its named graphs, as
the embedded store does (``oxigraph serve --union-default-graph``, Fuseki
``tdb2:unionDefaultGraph true``, GraphDB and Virtuoso do so by default for the default
graph of all loaded data). Queries that name graphs (``GRAPH ?g``) work on any server.

Every write is one SPARQL Update request, which SPARQL 1.1 servers run as one
transaction: :meth:`RemoteStore.replace_graph` sends ``DROP SILENT GRAPH <g> ; INSERT DATA
{ GRAPH <g> { ... } }`` so a reader sees the old graph or the new one, never half of it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import threading
import urllib.error
import urllib.parse
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from http.client import HTTPException

import pyoxigraph
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from kgpub.errors import BadRequest, StoreUnavailable
from kgpub.store.base import (
    Term,
    group_by_graph,
    insert_data,
    iri_ref,
    replace_graph_update,
    solution_rows,
)
from kgpub.vocab import PREFIXES, sparql_prologue

_PREFIXES = sparql_prologue(
    {p: PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "owl", "skos", "dcterms")}
)


class StoreRefused(StoreUnavailable):
    """The server answered but refused the request (no update endpoint, 4xx, 5xx)."""


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper told the query form by its caller.

    SPARQLWrapper finds the form of every query with regular expressions run over the whole
    text; a page's label query lists many IRIs, and that scan, with URL-encoding the query
    into a form body, was about two thirds of a remote page's store time (profiled: 1.7 ms
    and 1 ms a page). kgpub knows the form of every read it sends (its own queries, and
    user queries after pyoxigraph has parsed them), and POSTs reads unencoded.
    """

    def __init__(self, endpoint: str, form: str | None, update_endpoint: str | None) -> None:
        self._known_form = form
        super().__init__(endpoint, updateEndpoint=update_endpoint)

    def _parseQueryType(self, query: str) -> str | None:
        return self._known_form or super()._parseQueryType(query)


@dataclass(frozen=True)
class _Prepared:
    """A read request as SPARQLWrapper builds it, all but the body (the query)."""

    method: str
    url: urllib.parse.SplitResult
    target: str
    headers: dict[str, str]


class RemoteStore:
    """A :class:`~kgpub.store.base.Store` backed by a SPARQL 1.1 server."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.timeout = timeout
        #: Largest update request :meth:`replace` sends (characters of SPARQL).
        self.max_request_bytes = 64 * 1024 * 1024
        self._local = threading.local()
        self._templates: dict[tuple[str, str], _Prepared] = {}
        self._token = object()
        _LIVE.add(self)

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

    # -- plumbing -----------------------------------------------------------------------

    def _wrapper(self, text: str, form: str | None = None) -> SPARQLWrapper:
        """A POST of ``text`` as ``application/sparql-query`` (no URL-encoding of the query)."""
        sw = _Wrapper(self.query_endpoint, form, self.update_endpoint)
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
        # urllib accepts float timeouts although SPARQLWrapper annotates int.
        sw.setTimeout(self.timeout)  # type: ignore[arg-type]
        sw.setQuery(text)
        return sw

    def _prepared(
        self,
        form: str,
        return_format: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> _Prepared:
        """The request SPARQLWrapper builds for a read of this form, result format and
        dataset, with the query left out: only the body differs from one read to the next
        (the query is POSTed directly), so it is built once per store and kind of read
        instead of once per query (which was a fifth of a page's client time). Reads that
        name a dataset (a user's ``default-graph-uri``...) are rare and could name any
        graphs, so their requests are built each time rather than kept."""
        key = (form, return_format)
        keep = not default_graph_uris and not named_graph_uris
        found = self._templates.get(key) if keep else None
        if found is None:
            sw = self._wrapper("", form)
            for uri in default_graph_uris:
                sw.addDefaultGraph(uri)
            for uri in named_graph_uris:
                sw.addNamedGraph(uri)
            sw.setReturnFormat(return_format)
            request = sw._createRequest()
            url = urllib.parse.urlsplit(request.full_url)
            found = _Prepared(
                method=request.get_method(),
                url=url,
                target=(url.path or "/") + (f"?{url.query}" if url.query else ""),
                headers=dict(request.header_items()),
            )
            if keep:
                self._templates[key] = found
        return found

    def _connection(self, url: urllib.parse.SplitResult, fresh: bool) -> http.client.HTTPConnection:
        """This thread's kept-alive connection to the query endpoint's host (per process)."""
        key = (url.scheme, url.netloc)
        conns: dict[tuple[str, str], tuple[int, http.client.HTTPConnection]] = getattr(
            self._local, "conns", {}
        )
        self._local.conns = conns
        held = conns.get(key)
        if held is not None and (fresh or held[0] != os.getpid()):
            if held[0] == os.getpid():
                held[1].close()
            else:
                _forget(held[1])
            held = None
        if held is None:
            cls = (
                http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            )
            held = (os.getpid(), cls(url.netloc, timeout=self.timeout))
            conns[key] = held
        return held[1]

    def _send_kept_alive(self, prepared: _Prepared, body: bytes) -> tuple[bytes, str]:
        """Send a read over a persistent connection.

        SPARQLWrapper (through urllib) opens a new connection per request, which costs
        more than most of kgpub's queries; reusing one per thread is ~7x faster. A stale
        kept-alive connection (closed by the server) is retried once on a new one.
        """
        for attempt in (0, 1):
            conn = self._connection(prepared.url, fresh=attempt > 0)
            try:
                conn.request(prepared.method, prepared.target, body=body, headers=prepared.headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if attempt:
                    raise
                continue
            except BaseException:
                conn.close()
                raise
            if response.status >= 400:
                raise urllib.error.HTTPError(
                    prepared.url.geturl(), response.status, response.reason, response.headers, None
                )
            return data, response.headers.get("Content-Type", "") or ""
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, prepared: _Prepared, query: str) -> tuple[bytes, str]:
        """Run a read query; errors as kgpub's (see :meth:`_failures`)."""
        with self._failures("query", self.query_endpoint):
            return self._send_kept_alive(prepared, query.encode("utf-8"))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def _failures(self, what: str, endpoint: str) -> Iterator[None]:
        """Turn what SPARQLWrapper, urllib and http.client raise into kgpub's errors:
        :class:`BadRequest` for a request the server rejects as malformed,
        :class:`StoreRefused` when it refuses it, :class:`StoreUnavailable` when it
        cannot be reached or does not answer in time."""
        try:
            yield
        except QueryBadFormed as exc:
            raise BadRequest(f"the triplestore at {endpoint} rejected the {what}: {exc}") from None
        except (Unauthorized, EndPointNotFound, URITooLong, EndPointInternalError) as exc:
            raise StoreRefused(
                f"the triplestore at {endpoint} refused the {what}: {_short(exc)}"
            ) from None
        except urllib.error.HTTPError as exc:
            if exc.code == 400:
                raise BadRequest(
                    f"the triplestore at {endpoint} rejected the {what}: HTTP 400 {exc.reason}"
                ) from None
            raise StoreRefused(
                f"the triplestore at {endpoint} refused the {what}: HTTP {exc.code} {exc.reason}"
            ) from None
        except urllib.error.URLError as exc:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} cannot be reached: {exc.reason}"
            ) from None
        except ConnectionError as exc:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} cannot be reached: {exc.strerror or exc}"
            ) from None
        except TimeoutError:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} did not answer within {self.timeout:g} s"
            ) from None
        except (OSError, HTTPException) as exc:
            raise StoreUnavailable(
                f"the triplestore at {endpoint} failed: {type(exc).__name__}: {exc}"
            ) from None

    def _select_raw(
        self,
        query: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        form: str = "SELECT",
    ) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
        prepared = self._prepared(form, JSON, default_graph_uris, named_graph_uris)
        body, _ctype = self._read(prepared, query)
        return pyoxigraph.parse_query_results(body, pyoxigraph.QueryResultsFormat.JSON)

    def _graph_raw(
        self,
        query: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> list[pyoxigraph.Triple]:
        prepared = self._prepared("CONSTRUCT", TURTLE, default_graph_uris, named_graph_uris)
        body, ctype = self._read(prepared, query)
        fmt = pyoxigraph.RdfFormat.from_media_type(ctype.split(";")[0].strip()) if ctype else None
        if fmt is None or fmt.supports_datasets:
            fmt = pyoxigraph.RdfFormat.TURTLE
        return [q.triple for q in pyoxigraph.parse(body, format=fmt)]

    def update(self, request: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        if not self.update_endpoint:
            raise StoreRefused(
                f"the triplestore at {self.query_endpoint} has no update endpoint configured "
                "(set remote_update_endpoint), so it cannot be written to"
            )
        sw = SPARQLWrapper(self.query_endpoint, updateEndpoint=self.update_endpoint)
        sw.setMethod(POST)
        sw.setTimeout(self.timeout)  # type: ignore[arg-type]
        sw.setQuery(request)
        try:
            with self._failures("update", self.update_endpoint):
                sw.query().response.read()
        finally:  # even a failed request may have been applied
            self.changed()

    # -- health -------------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` unless the query endpoint answers ``ASK {}``."""
        self._select_raw("ASK {}")

    # -- Store protocol -----------------------------------------------------------------

    def replace(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        """Replace everything: one update request (one transaction) when it is small enough.

        Servers cap request bodies (Oxigraph: 128 MB), so above :attr:`max_request_bytes`
        the named graphs are replaced one request each (each graph atomically; a reader
        may see some graphs new and others still old while it runs) and graphs that are
        not in ``quads`` are dropped at the end.
        """
        graphs = group_by_graph(quads)
        insert = insert_data(graphs)
        if len(insert) <= self.max_request_bytes:
            self.update("DROP SILENT ALL" + (f" ;\n{insert}" if insert else ""))
            return
        del insert
        default = graphs.pop(None, None)
        self.update("DROP SILENT DEFAULT")
        if default:
            self.update(insert_data({None: default}))
        named = {iri: triples for iri, triples in graphs.items() if iri is not None}
        for iri, triples in named.items():
            self.replace_graph(iri, triples)
        for iri in set(self.graph_names()) - set(named):
            self.drop_graph(iri)

    def replace_graph(self, graph_iri: str, triples: Iterable[pyoxigraph.Triple]) -> None:
        """Replace one named graph atomically (one update request)."""
        self.update(replace_graph_update(graph_iri, triples))

    def drop_graph(self, graph_iri: str) -> None:
        self.update(f"DROP SILENT GRAPH {iri_ref(graph_iri)}")

    def construct(self, query: str) -> list[pyoxigraph.Triple]:
        return self._graph_raw(_PREFIXES + query)

    def select(self, query: str) -> list[dict[str, Term]]:
        result = self._select_raw(_PREFIXES + query)
        return solution_rows(result)

    def query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> object:
        """Run a read query; returns pyoxigraph results like the embedded store does.

        Raises:
            BadRequest: the query does not parse (a SyntaxError from pyoxigraph's parser,
                checked locally first, keeps the message and position).
        """
        form = _query_form(sparql)
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = self._graph_raw(sparql, default_graph_uris, named_graph_uris)
            holder = pyoxigraph.Store()
            holder.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
            return holder.query("CONSTRUCT WHERE { ?s ?p ?o }")
        return self._select_raw(sparql, default_graph_uris, named_graph_uris, form)

    def describe(self, iri: str) -> list[pyoxigraph.Triple]:
        node = pyoxigraph.NamedNode(iri)
        rows = self._select_raw(f"SELECT ?p ?o WHERE {{ GRAPH ?g {{ {iri_ref(iri)} ?p ?o }} }}")
        assert isinstance(rows, pyoxigraph.QuerySolutions)
        out: list[pyoxigraph.Triple] = []
        for row in rows:
            p, o = row["p"], row["o"]
            if isinstance(p, pyoxigraph.NamedNode) and o is not None:
                out.append(pyoxigraph.Triple(node, p, o))
        return out

    def _all_quads(self) -> list[pyoxigraph.Quad]:
        """Every quad, fetched graph by graph as CONSTRUCT results (far lighter than one
        SELECT of every quad as JSON)."""
        quads: list[pyoxigraph.Quad] = []
        for iri in self.graph_names():
            graph = pyoxigraph.NamedNode(iri)
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(iri)} {{ ?s ?p ?o }} }}"
            quads.extend(
                pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)
                for t in self._graph_raw(query)
            )
        return quads

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        quads = self._all_quads()
        if fmt.supports_datasets:
            return pyoxigraph.serialize(sorted(quads, key=str), format=fmt) or b""
        triples = {pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads}
        return pyoxigraph.serialize(sorted(triples, key=str), format=fmt) or b""

    def count(self) -> int:
        rows = self._select_raw("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(rows, pyoxigraph.QuerySolutions)
        for row in rows:
            n = row["n"]
            return int(n.value) if isinstance(n, pyoxigraph.Literal) else 0
        return 0

    def graph_names(self) -> list[str]:
        rows = self._select_raw("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(rows, pyoxigraph.QuerySolutions)
        return sorted(g.value for r in rows if isinstance(g := r["g"], pyoxigraph.NamedNode))


def _query_form(sparql: str) -> str:
    """SELECT, ASK or CONSTRUCT (DESCRIBE counts as CONSTRUCT), as pyoxigraph parses it."""
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


def _forget(conn: http.client.HTTPConnection) -> None:
    """Drop a connection inherited through fork without closing its descriptor.

    The descriptor belongs to the parent; in the child it may already have been closed and
    its number reused (a query worker's own socket). Letting the garbage collector close
    it would close that other socket.
    """
    sock = conn.sock
    conn.sock = None
    if sock is not None:
        sock.detach()


#: Every RemoteStore of this process, so a forked child can forget inherited connections.
_LIVE: weakref.WeakSet[RemoteStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for store in list(_LIVE):
        conns = getattr(store._local, "conns", {})
        for _pid, conn in conns.values():
            _forget(conn)
        conns.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
