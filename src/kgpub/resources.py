"""What a resource document holds, read from the store with SPARQL (so a remote store works).

A description is: the resource's outgoing triples, the closure over blank nodes it points to
(two levels deep, which covers every shape kgpub publishes), the labels and types of the
resources it links to, and the incoming links with their subjects' labels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pyoxigraph

from kgpub.store.base import Store

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


def description_query(iri: str) -> str:
    """Outgoing triples, blank-node closure (two levels) and incoming links of ``iri``."""
    r = _iri(iri)
    return f"""
CONSTRUCT {{ {r} ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 . ?s ?ip {r} . }}
WHERE {{
  {{ GRAPH ?g {{ {r} ?p ?o }} }}
  UNION {{ GRAPH ?g {{ {r} ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }} }}
  UNION {{ GRAPH ?g {{ {r} ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 .
                      FILTER(isBlank(?o2)) ?o2 ?p3 ?o3 }} }}
  UNION {{ GRAPH ?g {{ ?s ?ip {r} }} }}
}}"""


def labels_query(iris: Iterable[str], with_types: bool = True) -> str | None:
    """Labels (and types) of the given IRIs.

    Subject and predicate are bound together, as (?s ?p) pairs: pyoxigraph then looks each
    pair up in its index, so the cost follows the number of IRIs, not the store's size
    (a VALUES ?s block joined with a VALUES ?p block was 100x slower at 290 municipalities).
    """
    subjects = sorted(set(iris))
    if not subjects:
        return None
    predicates = ["rdfs:label", "skos:prefLabel", "dcterms:title"]
    if with_types:
        predicates.append("rdf:type")
    pairs = " ".join(f"({_iri(s)} {p})" for s in subjects for p in predicates)
    return "CONSTRUCT { ?s ?p ?l } WHERE { VALUES (?s ?p) { " + pairs + " } GRAPH ?g { ?s ?p ?l } }"


@dataclass
class Description:
    """A resource document's content, plus indexes the HTML rendering uses."""

    iri: str
    triples: list[pyoxigraph.Triple]
    outgoing: dict[str, list[Obj]] = field(default_factory=dict)
    incoming: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate)
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


def pick_label(by_lang: dict[str, str], lang: str) -> str | None:
    """The label in ``lang``, else Swedish, else English, else untagged, else any."""
    for key in (lang, "sv", "en", ""):
        if key in by_lang:
            return by_lang[key]
    return next(iter(by_lang.values()), None)


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
    return desc


def describe(store: Store, iri: str) -> Description:
    """The description of ``iri`` as the store holds it now: its own triples, then the
    labels and types of the resources it links to and of those linking to it."""
    triples = store.construct(description_query(iri))
    linked: set[str] = set()
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, pyoxigraph.NamedNode) and term.value != iri:
                linked.add(term.value)
    query = labels_query(linked)
    if query is not None:
        triples.extend(store.construct(query))
    return build_description(iri, triples)


def graph_of(store: Store, iri: str) -> list[str]:
    """Named graphs that state something about ``iri``."""
    rows = store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {_iri(iri)} ?p ?o }} }}")
    return sorted(r["g"].value for r in rows if "g" in r)


def graph_triples(store: Store, graph: str) -> list[pyoxigraph.Triple]:
    g = _iri(graph)
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")


def labels_for(store: Store, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """Labels of many IRIs in one query."""
    query = labels_query(iris, with_types=False)
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
    org:unitOf, skos:inScheme→owner, or the resource a blank-free parent points from."""
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
