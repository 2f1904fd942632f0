"""Loading and validating the sources: the one place publishing does it, in this process or
in a child process that hands back only what publishing needs.

Parsing the sources into rdflib and validating them with pyshacl takes several times the
memory of the store that serves them (about 260 MB at 290 municipalities), and a process
does not give all of it back once the graphs are dropped. A server therefore loads and
validates in a forked child (:func:`validated_in_child`): the same code runs there, and the
master receives the data as N-Quads bytes (which the store loads directly), the sources,
the digests, the ontology and the shapes as N-Triples, and the report; or the error the
child met (a report of violations, syntax errors...), raised again in the master.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kgpub.errors import KgpubError, ValidationFailed
from kgpub.vocab import bind_prefixes

if TYPE_CHECKING:
    from kgpub.config import Settings
    from kgpub.publish.sources import Source
    from kgpub.publish.stored import StoredSnapshot
    from kgpub.store.base import Store

T = TypeVar("T")

Loader = Callable[["Settings"], Any]
Validator = Callable[[Any], Any]


def load_validated(
    settings: Settings, load: Loader | None = None, validate: Validator | None = None
) -> tuple[Any, Any]:
    """Load the sources and validate them: the snapshot and its report.

    ``load`` and ``validate`` default to :func:`~kgpub.publish.sources.load_snapshot` and
    :func:`~kgpub.publish.validate.validate`.

    Raises:
        ValidationFailed: the data does not conform (with the report).
        SyntaxErrors, SourceNotFound, InvalidShapes: as loading and validating raise them.
    """
    if load is None:
        from kgpub.publish.sources import load_snapshot

        load = load_snapshot
    if validate is None:
        from kgpub.publish.validate import validate as default_validate

        validate = default_validate
    snapshot = load(settings)
    report = validate(snapshot)
    if not report.conforms:
        raise ValidationFailed(report)
    return snapshot, report


def _graph_quads(graph: Any, graph_iri: str | None) -> Iterator[ox.Quad]:
    data = graph.serialize(format="nt", encoding="utf-8")
    g = ox.NamedNode(graph_iri) if graph_iri else ox.DefaultGraph()
    for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(q.subject, q.predicate, q.object, g)


def snapshot_quads(snapshot: Any, base_iri: str) -> Iterator[ox.Quad]:
    """Every quad to publish: the data's named graphs, the ontology and the shapes."""
    if hasattr(snapshot, "quads"):
        yield from snapshot.quads()
        return
    nquads = snapshot.data.serialize(format="nquads", encoding="utf-8")
    yield from ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    yield from _graph_quads(snapshot.ontology, base_iri + "ontology")
    if snapshot.shapes is not None:
        yield from _graph_quads(snapshot.shapes, base_iri + "shapes")


@dataclass(frozen=True)
class Validated:
    """Validated sources as publishing needs them, without rdflib data graphs: the data as
    N-Quads (every source's named graph), the ontology and the shapes as N-Triples."""

    nquads: bytes
    sources: list[Source]
    digest: str
    loaded_at: datetime
    graph_digests: dict[str, str]
    ontology: bytes
    shapes: bytes
    report: Any

    @classmethod
    def of(cls, snapshot: Any, report: Any) -> Validated:
        """What publishing needs of a loaded :class:`~kgpub.publish.sources.Snapshot`."""
        quads = snapshot_quads(snapshot, str(snapshot.settings.base_iri))
        return cls(
            nquads=ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"",
            sources=list(snapshot.sources),
            digest=str(snapshot.digest),
            loaded_at=snapshot.loaded_at,
            graph_digests=snapshot.graph_digests(),
            ontology=_ntriples(snapshot.ontology),
            shapes=_ntriples(snapshot.shapes),
            report=report,
        )

    def stored(self, settings: Settings, store: Store) -> StoredSnapshot:
        """The published snapshot, once ``store`` holds :attr:`nquads`."""
        from kgpub.publish.stored import StoredSnapshot
        from kgpub.uris import UriScheme

        scheme = UriScheme(settings.base_iri)
        return StoredSnapshot(
            settings=settings,
            digest=self.digest,
            loaded_at=self.loaded_at,
            sources=self.sources,
            ontology=_graph(self.ontology, scheme.ontology(), settings.base_iri),
            shapes=_graph(self.shapes, scheme.shapes(), settings.base_iri),
            store=store,
            digests=self.graph_digests,
        )


def _ntriples(graph: Graph | None) -> bytes:
    if graph is None:
        return b""
    return graph.serialize(format="nt", encoding="utf-8")


def _graph(ntriples: bytes, identifier: str, base_iri: str) -> Graph:
    graph = bind_prefixes(Graph(identifier=URIRef(identifier)), base_iri)
    if ntriples:
        graph.parse(data=ntriples, format="nt")
    return graph


def validated_in_child(
    settings: Settings, load: Loader | None = None, validate: Validator | None = None
) -> Validated:
    """:func:`load_validated` run in a forked child, which hands back a :class:`Validated`:
    this process never holds the rdflib graphs of the data.

    Raises:
        what :func:`load_validated` raises (raised again here), or RuntimeError when the
        child died without an answer (its traceback, if any, is on stderr).
    """
    return in_child(lambda: Validated.of(*load_validated(settings, load, validate)))


def in_child(work: Callable[[], T]) -> T:
    """``work()`` run in a forked child process; its result (pickled) or its
    :class:`~kgpub.errors.KgpubError` comes back through a pipe. Nothing the child
    allocated stays in this process."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(work, sending), name="kgpub-load")
    child.start()
    sending.close()  # the child holds the other end: EOF if it dies without answering
    try:
        answer = receiving.recv_bytes()
    except EOFError:
        answer = None
    finally:
        receiving.close()
        child.join()
    if answer is None:
        raise RuntimeError(
            f"loading the sources failed in a child process (exit status {child.exitcode})"
        )
    kind, value = pickle.loads(answer)
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def _answer(work: Callable[[], object], sending: Connection) -> None:
    """In the child: send ``("ok", result)`` or ``("error", the KgpubError)``. Any other
    exception ends the child with its traceback on stderr (the parent then sees EOF)."""
    try:
        answer: tuple[str, object] = ("ok", work())
    except KgpubError as exc:
        answer = ("error", exc)
    sending.send_bytes(_dumps(answer))
    sending.close()


class _Pickler(pickle.Pickler):
    """Pickles kgpub's errors by their attributes: their constructors take other arguments
    than the message they keep as ``args``, which the default pickling passes back."""

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, KgpubError):
            return _rebuild_error, (type(obj), obj.args, dict(vars(obj)))
        return NotImplemented


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _rebuild_error(cls: type[KgpubError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    vars(error).update(state)
    return error
