"""Making pyshacl's repeated work cheap, without changing what it checks.

pyshacl evaluates a shape again for every batch of value nodes a parent shape hands it
(``sh:property``, ``sh:node``, ``sh:or``): a municipality's validation runs about 1,900
shape evaluations. Each evaluation re-reads the shape's parameters from the shapes graph
and matches them against the list of known constraint parameters, and every
SPARQL-based constraint hands rdflib its query text to parse. Profiled on the synthetic
290-municipality set, that bookkeeping, not checking data, was most of the time.

The remedies, each leaving pyshacl's results as they were (``tests/test_shacl_tuning.py``
compares against pyshacl as shipped, in a process of its own):

- :class:`MemoisedGraph`: the shapes graph answers a repeated triple pattern from a memo
  (a change to the graph empties it).
- :func:`tune_pyshacl` gives pyshacl its table of constraint parameters as a list whose
  membership test is a set lookup (pyshacl tests ``p in <list of ~40 IRIs>`` for every
  predicate of a shape, at every evaluation), remembers per shape which custom
  constraint components apply to it, and has rdflib parse each SPARQL text once per
  process.

Written against the pinned pyshacl (see ``pyproject.toml``); where an internal it relies
on is missing, that remedy is skipped and pyshacl runs as shipped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

_Triple = tuple[Node, Node, Node]
_Pattern = tuple[Node | None, Node | None, Node | None]


class MemoisedGraph(Graph):
    """A graph that answers each triple pattern from a memo after the first time.

    Meant for graphs that are read far more often than written, such as a shapes graph
    during validation. Any change through this object (``add``, ``addN``, ``remove``,
    ``set``...) empties the memo, so answers stay right; changes made to its store by
    other means are not seen, so build it with :func:`memoised_copy`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[_Pattern, tuple[_Triple, ...]] = {}

    def triples(self, triple: Any) -> Any:
        p = triple[1]
        if not (p is None or isinstance(p, Node)):
            return super().triples(triple)  # a property path: evaluated, not memoised
        found = self._memo.get(triple)
        if found is None:
            found = tuple(super().triples(triple))
            self._memo[triple] = found
        return iter(found)

    def add(self, triple: Any) -> Any:
        # pyshacl adds two system triples to the shapes graph at every run; adding what
        # is already there changes nothing, and keeps what was remembered.
        if triple not in self:
            self._memo.clear()
        return super().add(triple)

    def addN(self, quads: Iterable[Any]) -> Any:
        self._memo.clear()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:
        self._memo.clear()
        return super().remove(triple)


def memoised_copy(graph: Graph) -> MemoisedGraph:
    """A :class:`MemoisedGraph` with ``graph``'s triples, identifier and prefixes."""
    if isinstance(graph, MemoisedGraph):
        return graph
    copy = MemoisedGraph(identifier=graph.identifier)
    copy.namespace_manager = graph.namespace_manager
    copy.addN((s, p, o, copy) for s, p, o in graph)
    return copy


class _ParameterList(list[Any]):
    """A list whose ``in`` is a set lookup; ``copy``, ``append``, ``extend`` and ``insert``
    keep it so (pyshacl only copies and appends; nothing removes)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def copy(self) -> _ParameterList:
        return _ParameterList(self)

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self.append(item)

    def insert(self, index: Any, item: Any) -> None:
        super().insert(index, item)
        self._members.add(item)


_TUNED = threading.Lock()
_tuned = False


def tune_pyshacl() -> None:
    """Apply the process-wide remedies once (safe to call from any thread, any number of
    times)."""
    global _tuned
    with _TUNED:
        if _tuned:
            return
        _parameters_as_set()
        _custom_constraints_once_per_shape()
        _parse_sparql_once()
        _tuned = True


def _parameters_as_set() -> None:
    """Fill pyshacl's lazily built parameter table with a set-backed list.

    ``pyshacl.shape`` keeps ``(ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP)`` as
    the module attribute ``CONSTRAINT_PARAMS`` once first needed, and copies the list
    (appending ``sh:expression`` in advanced mode) before testing each shape predicate
    against it. Measured: 29% of a municipality's validation time before this.
    """
    try:
        from pyshacl import shape
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    current = getattr(shape, "CONSTRAINT_PARAMS", (None, None))
    if not isinstance(current, tuple) or current[0] not in (None, ALL_CONSTRAINT_PARAMETERS):
        return  # not the layout this was written for: leave pyshacl alone
    shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _ParameterList(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )


def _custom_constraints_once_per_shape() -> None:
    """Remember, per shapes graph and shape, which custom constraint components apply.

    pyshacl's ``Shape.find_custom_constraints`` reads the shapes graph again at every
    evaluation of the shape (12% of a municipality's validation); its answer depends only
    on the shapes graph and the shape's node, so it is kept on pyshacl's ``ShapesGraph``
    object, which lives as long as one validation run.
    """
    try:
        from pyshacl.shape import Shape
    except ImportError:
        return
    original = getattr(Shape, "find_custom_constraints", None)
    if original is None or getattr(original, "_kgpub_memo", False):
        return

    def find_custom_constraints(self: Any) -> Any:
        memo = getattr(self.sg, "_kgpub_custom_constraints", None)
        if memo is None:
            memo = {}
            try:
                self.sg._kgpub_custom_constraints = memo
            except AttributeError:  # a ShapesGraph that takes no new attributes
                return original(self)
        found = memo.get(self.node)
        if found is None:
            found = original(self)
            memo[self.node] = found
        return found

    find_custom_constraints._kgpub_memo = True  # type: ignore[attr-defined]
    setattr(Shape, "find_custom_constraints", find_custom_constraints)  # noqa: B010


#: Parsed SPARQL of the shapes' custom constraint components, by (text, base, prefixes).
_PREPARED: OrderedDict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = OrderedDict()
_PREPARED_MAX = 1024
_PREPARED_LOCK = threading.Lock()


def _prepared(text: str, base: str | None, init_ns: Mapping[str, Any] | None) -> Query:
    """``text`` parsed and translated once, as rdflib's ``prepareQuery`` does."""
    key = (text, base, tuple(sorted((k, str(v)) for k, v in (init_ns or {}).items())))
    with _PREPARED_LOCK:
        found = _PREPARED.get(key)
        if found is not None:
            _PREPARED.move_to_end(key)
            return found
    query = translateQuery(parseQuery(text), base, init_ns)
    with _PREPARED_LOCK:
        _PREPARED[key] = query
        while len(_PREPARED) > _PREPARED_MAX:
            _PREPARED.popitem(last=False)
    return query


def _parse_sparql_once() -> None:
    """Make rdflib parse each SPARQL text once per process.

    pyshacl hands the SPARQL of every SPARQL-based constraint component to rdflib as text,
    once per shape and focus batch; rdflib parses it with pyparsing every time, which was
    half the time of validating one municipality. A prepared query is what rdflib offers
    for reuse (``prepareQuery``); evaluating it does not change it.
    """
    original = SPARQLProcessor.query
    if getattr(original, "_kgpub_prepared", False):
        return

    def query(
        self: SPARQLProcessor,
        str_or_query: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(str_or_query, str):
            str_or_query = _prepared(str_or_query, base, initNs)
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    query._kgpub_prepared = True  # type: ignore[attr-defined]
    setattr(SPARQLProcessor, "query", query)  # noqa: B010
