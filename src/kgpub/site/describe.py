"""What a resource document holds, read from the store with SPARQL (so a remote store works).

A description is: the resource's outgoing triples, the closure over blank nodes it points to
(two levels deep, which covers every shape kgpub publishes), the labels and types of the
resources it links to, and the incoming links with their subjects' labels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pyoxigraph

from kgpub.rendering.l10n import pick_label
from kgpub.store.base import Store, Term

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT_TITLE = "http://purl.org/dc/terms/title"
LABEL_PREDICATES = (SKOS_PREF, RDFS_LABEL, DCT_TITLE)

Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode
Obj = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


def _iri(value: str) -> str:
    """``<value>`` for a SPARQL query; pyoxigraph rejects anything that is not an IRI."""
    return str(pyoxigraph.NamedNode(value))


#: At most this many incoming links are fetched for a description; ``incoming_total``
#: says how many there are.
MAX_INCOMING = 200


def description_query(iri: str, kgpub_ns: str | None = None) -> str:
    """Rows ``?g ?s ?p ?o ?here ?m`` of everything a page needs about ``iri`` but labels.

    Which variables a row binds says what it is (see :meth:`_Rows.add`): ``?m`` alone, the
    owner that :func:`owner_chain` finds with ``kgpub_ns``; ``?s ?p ?g`` without ``?o``, an
    incoming link (at most :data:`MAX_INCOMING`; only when that many come back does
    :func:`describe` count them all, in a second query); ``?p ?o`` without ``?s``, a triple
    of ``iri`` stated in graph ``?g``; all of them, a triple of the blank-node closure two
    levels deep. ``?here`` is true when graph ``?g`` also describes the linked resource
    (``?o`` is a subject there; an incoming link's subject always is): its labels are then
    taken from that graph alone (see :func:`linked_labels_query`).

    The server parses and plans the query for every page, and that costs more than
    running it, in proportion to its size; so it has no ``BIND`` and tags no rows.
    """
    r = _iri(iri)
    parts = [_own_triples(r), _incoming(r)]
    if kgpub_ns is not None:
        parts.append(_owner(r, _iri(kgpub_ns + "owner")))
    return "SELECT ?g ?s ?p ?o ?here ?m WHERE {\n  " + "\n  UNION ".join(parts) + "\n}"


_HERE = "BIND(EXISTS { GRAPH ?g { ?o ?hp ?ho } } AS ?here)"


def _own_triples(r: str) -> str:
    return f"""{{ GRAPH ?g {{ {r} ?p ?o }} {_HERE} }}
  UNION {{ GRAPH ?g {{ {r} ?p0 ?s . FILTER(isBlank(?s)) ?s ?p ?o }} {_HERE} }}
  UNION {{ GRAPH ?g {{ {r} ?p0 ?b . FILTER(isBlank(?b))
                    ?b ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o }} {_HERE} }}"""


def _incoming(r: str) -> str:
    links = f"SELECT DISTINCT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {r} }} }}"
    return f"{{ {links} LIMIT {MAX_INCOMING} }}"


def _owner(r: str, k: str) -> str:
    """The first owner :func:`owner_chain` would find."""
    return f"""{{ SELECT ?m WHERE {{
      {{ GRAPH ?g {{ {r} {k} ?m }} }}
      UNION {{ GRAPH ?g {{ {r} <{ORG}unitOf> ?m }} }}
      UNION {{ GRAPH ?g {{ {r} skos:inScheme ?sch }} GRAPH ?g2 {{ ?sch {k} ?m }} }}
      UNION {{ GRAPH ?g {{ ?parent ?pp {r} . ?parent {k} ?m }} }}
    }} LIMIT 1 }}"""


def linked_labels_query(
    local: Iterable[tuple[str, str]], anywhere: Iterable[str], with_types: bool = True
) -> str | None:
    """Labels (and types) of resources: of each ``(graph, iri)`` in ``local`` as that graph
    states them, of each IRI in ``anywhere`` as any graph does.

    A node that thousands of sources each describe (a file type, a shared concept) then
    costs one lookup, not one per source. (Graph and subject are bound together in VALUES
    rows, so each row is one index range of a few triples; see :func:`labels_query`.)
    """
    wanted = ", ".join(_PREFIXED[p] for p in _label_predicates(with_types))
    rows = " ".join(f"({_iri(g)} {_iri(s)})" for g, s in sorted(set(local)))
    branches = (
        [f"{{ VALUES (?g ?s) {{ {rows} }} GRAPH ?g {{ ?s ?p ?l FILTER(?p IN ({wanted})) }} }}"]
        if rows
        else []
    )
    wide = _pairs_pattern(anywhere, with_types)
    if wide is not None:
        branches.append(wide)
    if not branches:
        return None
    return "CONSTRUCT { ?s ?p ?l } WHERE { " + " UNION ".join(branches) + " }"


_PREFIXED = {
    "rdfs:label": _iri(RDFS_LABEL),
    "skos:prefLabel": _iri(SKOS_PREF),
    "dcterms:title": _iri(DCT_TITLE),
    "rdf:type": _iri(RDF_TYPE),
}


def _label_predicates(with_types: bool) -> list[str]:
    predicates = ["rdfs:label", "skos:prefLabel", "dcterms:title"]
    return [*predicates, "rdf:type"] if with_types else predicates


def labels_query(iris: Iterable[str], with_types: bool = True) -> str | None:
    """Labels (and types) of the given IRIs.

    Subject and predicate are bound together, as (?s ?p) pairs: pyoxigraph then looks each
    pair up in its index, so the cost follows the number of IRIs, not the store's size
    (a VALUES ?s block joined with a VALUES ?p block was 100x slower at 290 municipalities).
    """
    pattern = _pairs_pattern(iris, with_types)
    return None if pattern is None else "CONSTRUCT { ?s ?p ?l } WHERE " + pattern


def _pairs_pattern(iris: Iterable[str], with_types: bool) -> str | None:
    subjects = sorted(set(iris))
    if not subjects:
        return None
    predicates = _label_predicates(with_types)
    pairs = " ".join(f"({_iri(s)} {p})" for s in subjects for p in predicates)
    return "{ VALUES (?s ?p) { " + pairs + " } GRAPH ?g { ?s ?p ?l } }"


@dataclass
class Description:
    """A resource document's content, plus indexes the HTML rendering uses."""

    iri: str
    triples: list[pyoxigraph.Triple]
    outgoing: dict[str, list[Obj]] = field(default_factory=dict)
    incoming: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate)
    #: How many resources link here: ``len(incoming)`` unless more than
    #: :data:`MAX_INCOMING` do (then only that many are in ``incoming``).
    incoming_total: int = 0
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # iri -> lang -> label
    types: dict[str, list[str]] = field(default_factory=dict)  # iri -> type IRIs
    blank: dict[str, dict[str, list[Obj]]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing) or bool(self.incoming)

    def label(self, iri: str, lang: str) -> str | None:
        return pick_label(self.labels.get(iri, {}), lang)

    def outgoing_iris(self) -> list[str]:
        return sorted(
            {
                o.value
                for objs in self.outgoing.values()
                for o in objs
                if isinstance(o, pyoxigraph.NamedNode)
            }
        )


def add_label(labels: dict[str, dict[str, str]], triple: pyoxigraph.Triple) -> None:
    if triple.predicate.value not in LABEL_PREDICATES:
        return
    obj = triple.object
    if not isinstance(obj, pyoxigraph.Literal) or not isinstance(
        triple.subject, pyoxigraph.NamedNode
    ):
        return
    by_lang = labels.setdefault(triple.subject.value, {})
    lang = obj.language or ""
    # skos:prefLabel beats rdfs:label beats dcterms:title within a language
    if lang not in by_lang or triple.predicate.value == SKOS_PREF:
        by_lang[lang] = obj.value


def build_description(iri: str, triples: Iterable[pyoxigraph.Triple]) -> Description:
    unique = sorted(set(triples), key=str)
    desc = Description(iri=iri, triples=unique)
    outgoing: dict[str, list[Obj]] = defaultdict(list)
    blank: dict[str, dict[str, list[Obj]]] = defaultdict(lambda: defaultdict(list))
    for t in unique:
        s, p, o = t.subject, t.predicate.value, t.object
        if isinstance(s, pyoxigraph.NamedNode) and s.value == iri:
            if isinstance(o, pyoxigraph.Triple):
                continue
            outgoing[p].append(o)
        elif isinstance(s, pyoxigraph.BlankNode) and not isinstance(o, pyoxigraph.Triple):
            blank[s.value][p].append(o)
        if (
            isinstance(o, pyoxigraph.NamedNode)
            and o.value == iri
            and isinstance(s, pyoxigraph.NamedNode)
        ):
            desc.incoming.append((s.value, p))
        if (
            p == RDF_TYPE
            and isinstance(s, pyoxigraph.NamedNode)
            and isinstance(o, pyoxigraph.NamedNode)
        ):
            desc.types.setdefault(s.value, []).append(o.value)
        add_label(desc.labels, t)
    desc.outgoing = dict(outgoing)
    desc.blank = {k: dict(v) for k, v in blank.items()}
    desc.incoming_total = len(desc.incoming)
    return desc


def describe(store: Store, iri: str, kgpub_ns: str | None = None) -> Description:
    """The description of ``iri`` as the store holds it now: its own triples, then the
    labels and types of the resources it links to and of those linking to it (at most
    :data:`MAX_INCOMING` of them; ``incoming_total`` counts all). Two queries (a third, the
    count, only when the incoming links reach the cap).

    They also fetch what :func:`owner_chain` and then :func:`labels_for` of the owners ask
    next for ``kgpub_ns`` (by default ``{base}ontology#`` for an IRI ``{base}id/...``), so
    a page costs two requests to a remote store, not four: those two functions answer from
    it once each, in this thread, for this store and IRI.
    """
    ns = kgpub_ns if kgpub_ns is not None else _guess_kgpub_ns(iri)
    walk = getattr(store, "quads_for_pattern", None)
    found = _Rows(iri)
    if callable(walk):  # a store in this process: index lookups, no query planning
        _walk_description(found, walk, store, ns)
    else:
        for row in store.select(description_query(iri, ns)):
            found.add(row)
        if found.incoming_rows >= MAX_INCOMING:  # capped: count them all (hubs only)
            found.total = _incoming_count(store, pyoxigraph.NamedNode(iri))
    wide = found.anywhere | set(found.owners)
    local = {(g, x) for g, x in found.local if x not in wide}
    if callable(walk):
        labels = _walk_labels(walk, local, wide)
    else:
        query = linked_labels_query(local, wide)
        labels = store.construct(query) if query is not None else []
    linked = found.anywhere | {x for _g, x in found.local}
    desc = build_description(iri, found.triples + [t for t in labels if _about(t) in linked])
    desc.incoming_total = max(found.total, desc.incoming_total)
    if ns is not None:
        owner_labels: dict[str, dict[str, str]] = {}
        for t in labels:
            if _about(t) in found.owners:
                add_label(owner_labels, t)
        _LOCAL.prefetched = _Prefetched(id(store), iri, ns, found.owners, owner_labels)
    return desc


def _about(triple: pyoxigraph.Triple) -> str:
    s = triple.subject
    return s.value if isinstance(s, pyoxigraph.NamedNode) else ""


def _guess_kgpub_ns(iri: str) -> str | None:
    at = iri.find("/id/")
    return iri[: at + 1] + "ontology#" if at >= 0 else None


class _Rows:
    """Rows of :func:`description_query`, sorted into what :func:`describe` needs."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self.node = pyoxigraph.NamedNode(iri)
        self.triples: list[pyoxigraph.Triple] = []
        self.local: set[tuple[str, str]] = set()  # (graph, linked IRI) to label from there
        self.anywhere: set[str] = set()  # linked IRIs to label from every graph
        self.owners: list[str] = []
        self.total = 0  # all incoming links when capped; else build_description counts
        self.incoming_rows = 0

    def add(self, row: dict[str, Term]) -> None:
        """One row of :func:`description_query`, told apart by what it binds."""
        owner, s, p, o = row.get("m"), row.get("s"), row.get("p"), row.get("o")
        if owner is not None:
            if isinstance(owner, pyoxigraph.NamedNode):
                self.owners.append(owner.value)
            return
        if not isinstance(p, pyoxigraph.NamedNode):
            return
        graph = row.get("g")
        if o is None:  # an incoming link
            if isinstance(s, Node):
                self.incoming_rows += 1
                self.add_triple(pyoxigraph.Triple(s, p, self.node), graph, True)
            return
        subject = self.node if s is None else s
        if isinstance(subject, Node):
            here = row.get("here")
            local = here is not None and here.value == "true"
            self.add_triple(pyoxigraph.Triple(subject, p, o), graph, local)

    def add_triple(self, triple: pyoxigraph.Triple, graph: object, here: bool) -> None:
        """A triple of the description, stated in ``graph``; ``here``: that graph describes
        the resource it links to."""
        self.triples.append(triple)
        s, o = triple.subject, triple.object
        node = s if o == self.node else o
        if not isinstance(node, pyoxigraph.NamedNode) or node.value == self.iri:
            return
        if isinstance(graph, pyoxigraph.NamedNode) and here:
            self.local.add((graph.value, node.value))
        else:
            self.anywhere.add(node.value)


# -- the same lookups as quad patterns, for a store in this process ---------------------

QuadWalk = Callable[..., Iterator[pyoxigraph.Quad]]


def _named(quads: Iterable[pyoxigraph.Quad]) -> Iterator[pyoxigraph.Quad]:
    """The quads in named graphs (what ``GRAPH ?g`` matches)."""
    return (q for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode))


def _walk_description(found: _Rows, walk: QuadWalk, store: Store, ns: str | None) -> None:
    """What :func:`description_query` selects, by index lookups."""
    r = pyoxigraph.NamedNode(found.iri)
    for q in _named(walk(r, None, None, None)):
        _walk_link(found, walk, q, depth=0)
    _walk_incoming(found, walk, store, r)
    if ns is not None:
        owner = _walk_owner(walk, r, pyoxigraph.NamedNode(ns + "owner"))
        found.owners = [owner] if owner is not None else []


def _walk_link(found: _Rows, walk: QuadWalk, q: pyoxigraph.Quad, depth: int) -> None:
    o, g = q.object, q.graph_name
    here = isinstance(o, Node) and next(iter(walk(o, None, None, g)), None) is not None
    found.add_triple(pyoxigraph.Triple(q.subject, q.predicate, o), g, here)
    if isinstance(o, pyoxigraph.BlankNode) and depth < 2:
        for inner in walk(o, None, None, g):
            _walk_link(found, walk, inner, depth + 1)


def _walk_incoming(found: _Rows, walk: QuadWalk, store: Store, r: pyoxigraph.NamedNode) -> None:
    seen: set[tuple[object, object, object]] = set()
    for q in _named(walk(None, None, r, None)):
        key = (q.subject, q.predicate, q.graph_name)
        if key in seen:
            continue
        if len(seen) == MAX_INCOMING:  # more than shown: count them all in the store
            found.total = _incoming_count(store, r)
            return
        seen.add(key)
        found.add_triple(pyoxigraph.Triple(q.subject, q.predicate, r), q.graph_name, True)
    found.total = len({(s, p) for s, p, _g in seen if isinstance(s, pyoxigraph.NamedNode)})


def _incoming_count(store: Store, r: pyoxigraph.NamedNode) -> int:
    rows = store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s ?p WHERE "
        f"{{ GRAPH ?g {{ ?s ?p {r} }} FILTER(isIRI(?s)) }} }} }}"
    )
    n = rows[0].get("n") if rows else None
    return int(n.value) if isinstance(n, pyoxigraph.Literal) else 0


def _walk_owner(walk: QuadWalk, r: pyoxigraph.NamedNode, k: pyoxigraph.NamedNode) -> str | None:
    """The first owner the query of :func:`owner_chain` finds, in the same order."""
    unit_of = pyoxigraph.NamedNode(ORG + "unitOf")
    for p in (k, unit_of):
        for q in _named(walk(r, p, None, None)):
            return _iri_value(q.object)
    for q in _named(walk(r, pyoxigraph.NamedNode(SKOS + "inScheme"), None, None)):
        for q2 in _named(walk(q.object, k, None, None)):
            return _iri_value(q2.object)
    for q in _named(walk(None, None, r, None)):
        for q2 in walk(q.subject, k, None, q.graph_name):
            return _iri_value(q2.object)
    return None


def _iri_value(term: object) -> str | None:
    return term.value if isinstance(term, pyoxigraph.NamedNode) else None


def _walk_labels(
    walk: QuadWalk, local: set[tuple[str, str]], anywhere: set[str]
) -> list[pyoxigraph.Triple]:
    """What :func:`linked_labels_query` constructs, by index lookups."""
    wanted = {RDFS_LABEL, SKOS_PREF, DCT_TITLE, RDF_TYPE}
    out: list[pyoxigraph.Triple] = []
    for g, x in sorted(local):
        node, graph = pyoxigraph.NamedNode(x), pyoxigraph.NamedNode(g)
        out += [_triple(q) for q in walk(node, None, None, graph) if q.predicate.value in wanted]
    for x in sorted(anywhere):
        node = pyoxigraph.NamedNode(x)
        for p in wanted:
            out += [_triple(q) for q in _named(walk(node, pyoxigraph.NamedNode(p), None, None))]
    return out


def _triple(q: pyoxigraph.Quad) -> pyoxigraph.Triple:
    return pyoxigraph.Triple(q.subject, q.predicate, q.object)


@dataclass
class _Prefetched:
    """What :func:`describe` fetched for the :func:`owner_chain` call that follows it."""

    store: int
    iri: str
    kgpub_ns: str
    owners: list[str]
    labels: dict[str, dict[str, str]]
    owners_used: bool = False


_LOCAL = threading.local()


def _take_owners(store: Store, iri: str, kgpub_ns: str) -> list[str] | None:
    found: _Prefetched | None = getattr(_LOCAL, "prefetched", None)
    if found is None or found.owners_used:
        return None
    if (found.store, found.iri, found.kgpub_ns) != (id(store), iri, kgpub_ns):
        return None
    found.owners_used = True
    return list(found.owners)


def _take_owner_labels(store: Store, iris: set[str]) -> dict[str, dict[str, str]] | None:
    found: _Prefetched | None = getattr(_LOCAL, "prefetched", None)
    if found is None or not found.owners_used or found.store != id(store):
        return None
    if not iris <= set(found.owners):
        return None
    _LOCAL.prefetched = None
    return {i: dict(found.labels[i]) for i in iris if i in found.labels}


def graph_of(store: Store, iri: str) -> list[str]:
    """Named graphs that state something about ``iri``."""
    rows = store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {_iri(iri)} ?p ?o }} }}")
    return sorted(r["g"].value for r in rows if "g" in r)


def graph_triples(store: Store, graph: str) -> list[pyoxigraph.Triple]:
    g = _iri(graph)
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")


def labels_for(store: Store, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """Labels of many IRIs in one query (the owners :func:`owner_chain` just gave come
    from the query of :func:`describe`)."""
    wanted = set(iris)
    prefetched = _take_owner_labels(store, wanted)
    if prefetched is not None:
        return prefetched
    query = labels_query(wanted, with_types=False)
    if query is None:
        return {}
    triples = store.construct(query)
    labels: dict[str, dict[str, str]] = {}
    for t in triples:
        add_label(labels, t)
    return labels


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded, thread-safe least-recently-used cache."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_create(self, key: K, create: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = create()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


# --- municipality page ------------------------------------------------------------------

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA_POSITION = "https://schema.org/position"
MATCH_PREDICATES = (
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "relatedMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
)


class Index:
    """subject -> predicate -> objects, over a list of triples."""

    def __init__(self, triples: Iterable[pyoxigraph.Triple]) -> None:
        self.spo: dict[str, dict[str, list[Obj]]] = defaultdict(lambda: defaultdict(list))
        self.labels: dict[str, dict[str, str]] = {}
        for t in triples:
            if isinstance(t.object, pyoxigraph.Triple) or isinstance(t.subject, pyoxigraph.Triple):
                continue
            self.spo[t.subject.value][t.predicate.value].append(t.object)
            add_label(self.labels, t)

    def objects(self, s: str, p: str) -> list[Obj]:
        return list(self.spo.get(s, {}).get(p, []))

    def iris(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.objects(s, p) if isinstance(o, pyoxigraph.NamedNode)]

    def one(self, s: str, p: str) -> Obj | None:
        found = self.objects(s, p)
        return found[0] if found else None

    def subjects(self, p: str, o: str) -> list[str]:
        return [
            s
            for s, po in self.spo.items()
            if any(isinstance(x, pyoxigraph.NamedNode) and x.value == o for x in po.get(p, []))
        ]

    def of_type(self, t: str) -> list[str]:
        return self.subjects(RDF_TYPE, t)

    def position(self, s: str) -> tuple[int, str]:
        pos = self.one(s, SCHEMA_POSITION)
        try:
            return (int(pos.value) if pos is not None else 10_000, s)
        except ValueError:
            return (10_000, s)

    def ordered(self, items: Iterable[str]) -> list[str]:
        return sorted(set(items), key=self.position)


def owner_chain(store: Store, iri: str, kgpub_ns: str) -> list[str]:
    """The owning municipality (and the path to it) for a breadcrumb: via kgpub:owner,
    org:unitOf, skos:inScheme→owner, or the resource a blank-free parent points from.

    Right after :func:`describe` of ``iri`` in the same thread, answered from its query."""
    prefetched = _take_owners(store, iri, kgpub_ns)
    if prefetched is not None:
        return prefetched
    r = _iri(iri)
    k = _iri(kgpub_ns + "owner")
    rows = store.select(
        f"""SELECT ?m WHERE {{
          {{ GRAPH ?g {{ {r} {k} ?m }} }}
          UNION {{ GRAPH ?g {{ {r} <{ORG}unitOf> ?m }} }}
          UNION {{ GRAPH ?g {{ {r} skos:inScheme ?sch }} GRAPH ?g2 {{ ?sch {k} ?m }} }}
          UNION {{ GRAPH ?g {{ ?parent ?p {r} . ?parent {k} ?m }} }}
        }} LIMIT 1"""
    )
    return [rows[0]["m"].value] if rows and "m" in rows[0] else []
