"""What a resource document holds, read from the store with SPARQL (so a remote store works).

A description is: the resource's outgoing triples, the closure over blank nodes it points to
(two levels deep, which covers every shape kgpub publishes), the labels and types of the
resources it links to, and the incoming links with their subjects' labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph

from kgpub.rendering.l10n import pick_label
from kgpub.site.local_lookups import incoming_count, walk_description, walk_labels
from kgpub.store.base import Store, Term
from kgpub.vocab import DCT_TITLE, LABEL_PREDICATES, ORG, RDF_TYPE, RDFS_LABEL, SKOS, SKOS_PREF

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
    return "{ " + owner_query(r, k) + " }"


def owner_query(r: str, k: str) -> str:
    """``SELECT ?m``: the one owner of ``r`` (an IRI in SPARQL form; ``k`` is kgpub:owner).

    The ways to an owner are ranked: ``k`` itself, then org:unitOf, then the owner of the
    scheme it is in, then the owner of a resource linking to it; among owners found the
    same way, the first IRI in code-point order. The in-process lookup
    (:func:`~kgpub.site.local_lookups.walk_description`) picks the same one, so a page
    names the same owner whichever way the store is read.
    """
    return f"""SELECT ?m WHERE {{
      {{ GRAPH ?g {{ {r} {k} ?m }} BIND(1 AS ?rank) }}
      UNION {{ GRAPH ?g {{ {r} <{ORG}unitOf> ?m }} BIND(2 AS ?rank) }}
      UNION {{ GRAPH ?g {{ {r} <{SKOS}inScheme> ?sch }} GRAPH ?g2 {{ ?sch {k} ?m }}
               BIND(3 AS ?rank) }}
      UNION {{ GRAPH ?g {{ ?parent ?pp {r} . ?parent {k} ?m }} BIND(4 AS ?rank) }}
      FILTER(isIRI(?m))
    }} ORDER BY ?rank STR(?m) LIMIT 1"""


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


@dataclass(frozen=True)
class OwnersRead:
    """The owner chain of a described resource and the owners' labels, read by the
    queries of :func:`describe`: given back to :func:`owner_chain` and :func:`labels_for`,
    they answer from it instead of asking the store again."""

    kgpub_ns: str
    owners: tuple[str, ...]
    labels: dict[str, dict[str, str]]

    def labels_of(self, iris: set[str]) -> dict[str, dict[str, str]] | None:
        """The labels of ``iris`` when they are all owners read here, else None."""
        if not iris <= set(self.owners):
            return None
        return {i: dict(self.labels[i]) for i in iris if i in self.labels}


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
    #: What :func:`describe` read of the owners along with the resource (None when it
    #: did not look for them).
    owners_read: OwnersRead | None = None

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
    named, triple = pyoxigraph.NamedNode, pyoxigraph.Triple
    for t in unique:
        s, p, o = t.subject, t.predicate.value, t.object
        if isinstance(s, named):
            _index_named(desc, outgoing, s.value, p, o, iri)
        elif isinstance(s, pyoxigraph.BlankNode) and not isinstance(o, triple):
            blank[s.value][p].append(o)
        if p in LABEL_PREDICATES:
            add_label(desc.labels, t)
    desc.outgoing = dict(outgoing)
    desc.blank = {k: dict(v) for k, v in blank.items()}
    desc.incoming_total = len(desc.incoming)
    return desc


def _index_named(
    desc: Description, outgoing: dict[str, list[Obj]], s: str, p: str, o: object, iri: str
) -> None:
    """A triple of a named subject ``s``: an outgoing value of ``iri``, an incoming link to
    it, a type."""
    if s == iri and not isinstance(o, pyoxigraph.Triple):
        outgoing[p].append(o)  # type: ignore[arg-type]
    if isinstance(o, pyoxigraph.NamedNode):
        if o.value == iri:
            desc.incoming.append((s, p))
        if p == RDF_TYPE:
            desc.types.setdefault(s, []).append(o.value)


def describe(store: Store, iri: str, kgpub_ns: str | None = None) -> Description:
    """The description of ``iri`` as the store holds it now: its own triples, then the
    labels and types of the resources it links to and of those linking to it (at most
    :data:`MAX_INCOMING` of them; ``incoming_total`` counts all). Two queries (a third, the
    count, only when the incoming links reach the cap); a store in this process answers
    by index lookups instead (see :mod:`kgpub.site.local_lookups`).

    They also fetch what :func:`owner_chain` and then :func:`labels_for` of the owners ask
    next for ``kgpub_ns`` (by default ``{base}ontology#`` for an IRI ``{base}id/...``), so
    a page costs two requests to a remote store, not four: given the description, those two
    functions answer from its :attr:`Description.owners_read`.
    """
    ns = kgpub_ns if kgpub_ns is not None else _guess_kgpub_ns(iri)
    contents = store.contents
    found = _Rows(iri)
    if contents is not None:  # index lookups, no query planning
        walk_description(found, contents.quads_for_pattern, store, ns, MAX_INCOMING)
    else:
        for row in store.select(description_query(iri, ns)):
            found.add(row)
        if found.incoming_rows >= MAX_INCOMING:  # capped: count them all (hubs only)
            found.total = incoming_count(store, pyoxigraph.NamedNode(iri))
    wide = found.anywhere | set(found.owners)
    local = {(g, x) for g, x in found.local if x not in wide}
    if contents is not None:
        labels = walk_labels(contents.quads_for_pattern, local, wide)
    else:
        query = linked_labels_query(local, wide)
        labels = store.construct(query) if query is not None else []
    linked = found.anywhere | {x for _g, x in found.local}
    desc = build_description(iri, found.triples + [t for t in labels if _about(t) in linked])
    desc.incoming_total = max(found.total, desc.incoming_total)
    if ns is not None:
        desc.owners_read = _owners_read(ns, found.owners, labels)
    return desc


def _owners_read(ns: str, owners: list[str], labels: list[pyoxigraph.Triple]) -> OwnersRead:
    owner_labels: dict[str, dict[str, str]] = {}
    for t in labels if owners else ():
        if _about(t) in owners:
            add_label(owner_labels, t)
    return OwnersRead(ns, tuple(owners), owner_labels)


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


def graph_triples(store: Store, graph: str) -> list[pyoxigraph.Triple]:
    g = _iri(graph)
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")


def labels_for(
    store: Store, iris: Iterable[str], described: Description | None = None
) -> dict[str, dict[str, str]]:
    """Labels of many IRIs in one query; none when they are owners of the ``described``
    resource (:func:`describe` has read their labels already)."""
    wanted = set(iris)
    read = described.owners_read if described is not None else None
    known = read.labels_of(wanted) if read is not None else None
    if known is not None:
        return known
    query = labels_query(wanted, with_types=False)
    if query is None:
        return {}
    triples = store.construct(query)
    labels: dict[str, dict[str, str]] = {}
    for t in triples:
        add_label(labels, t)
    return labels


def owner_chain(
    store: Store, iri: str, kgpub_ns: str, described: Description | None = None
) -> list[str]:
    """The owning municipality (and the path to it) for a breadcrumb: via kgpub:owner,
    org:unitOf, skos:inScheme→owner, or the resource a blank-free parent points from.

    Given the description of ``iri`` (from :func:`describe`), answered from what it read."""
    read = described.owners_read if described is not None and described.iri == iri else None
    if read is not None and read.kgpub_ns == kgpub_ns:
        return list(read.owners)
    rows = store.select(owner_query(_iri(iri), _iri(kgpub_ns + "owner")))
    return [rows[0]["m"].value] if rows and "m" in rows[0] else []
