"""Building the site search index: which resources and labels it holds (a few SPARQL SELECT
queries, so it works the same over the embedded and a remote store), and the postings
(folded word -> labels -> resources) the queries in ``site/search.py`` look words up in."""

from __future__ import annotations

import gc
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph

from kgpub.site.search_folding import fold
from kgpub.store.base import Store, Term
from kgpub.vocab import DCT, FOAF_DOCUMENT, ORG, RDFS_LABEL, SKOS

#: Result groups, in the order they are shown.
GROUPS = ("municipalities", "goals", "objectives", "committees", "other")
#: Indexed for reconciliation (``site/reconcile.py``) but not shown by site search.
UNLISTED = "unlisted"
ALL_GROUPS = (*GROUPS, UNLISTED)

#: Languages a label can be in, as bits of a mask (untagged labels count as "other").
LANG_BITS = {"sv": 1, "en": 2}
OTHER_LANG_BIT = 4


@dataclass(slots=True)
class IndexedResource:
    """What the index keeps per resource (display labels in the languages it has; equal
    label sets of different resources are one shared dict after the build)."""

    iri: str
    type_iri: str
    group: int = len(GROUPS) - 1
    owner: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class IndexedLabel:
    """One distinct folded label text and the resources it names, by group (compact
    arrays of resource numbers once the index is built)."""

    folded: str
    original: str
    words: tuple[str, ...]
    langs: int = 0
    docs: list[int] = field(default_factory=list)
    by_group: tuple[array[int], ...] = ()


@dataclass
class IndexParts:
    """What a built index is made of: the resources (sorted by IRI), the distinct labels,
    the postings per folded word with their sorted vocabulary, and the owners' labels."""

    resources: list[IndexedResource]
    labels: list[IndexedLabel]
    postings: dict[str, list[int]]
    vocabulary: list[str]
    owner_labels: dict[str, dict[str, str]]


def build_parts(store: Store, base_iri: str) -> IndexParts:
    """Index every labelled municipality, goal, objective, committee and part of a vision
    or promise that ``store`` holds (kgpub's namespace is under ``base_iri``)."""
    paused = gc.isenabled()
    gc.disable()  # millions of small objects: collections would only slow the build
    try:
        return _build(store, base_iri)
    finally:
        if paused:
            gc.enable()


def _build(store: Store, base_iri: str) -> IndexParts:
    kgpub = base_iri + "ontology#"
    queries = _queries(kgpub)
    resources = _typed_resources(store.select(queries["types"]), _kinds(kgpub))
    by_iri = {r.iri: r for r in resources}
    for row in store.select(queries["parents"]):
        res = by_iri.get(row["s"].value)
        if res is not None and res.owner is None:
            res.owner = row["o"].value
    _assign_groups(resources, by_iri, kgpub)
    labels = _LabelCollector()
    ids = {res.iri: i for i, res in enumerate(resources)}
    folded: dict[str, str] = {}  # the same label recurs in every municipality
    for display in (True, False):
        rows = store.select(queries["display" if display else "extra"])
        for iri, text, lang in _label_rows(rows, by_iri, display):
            key = folded.get(text)
            if key is None:
                key = folded[text] = fold(text)
            labels.add(ids[iri], text, key, lang)
    _share(resources)
    postings = labels.finish([res.group for res in resources])
    owner_labels = _owner_labels(store, resources, by_iri)
    return IndexParts(resources, labels.labels, postings, sorted(postings), owner_labels)


class _LabelCollector:
    """Distinct folded labels and the resources each names, as rows come in."""

    def __init__(self) -> None:
        self.labels: list[IndexedLabel] = []
        self._ids: dict[str, int] = {}

    def add(self, doc: int, text: str, folded: str, lang: str) -> None:
        if not folded:
            return
        label_id = self._ids.get(folded)
        if label_id is None:
            label_id = len(self.labels)
            self._ids[folded] = label_id
            self.labels.append(IndexedLabel(folded, text, tuple(folded.split())))
        label = self.labels[label_id]
        label.langs |= LANG_BITS.get(lang, OTHER_LANG_BIT)
        if not label.docs or label.docs[-1] != doc:
            label.docs.append(doc)

    def finish(self, groups: list[int]) -> dict[str, list[int]]:
        """Each label's resources as compact arrays per group; the postings per word."""
        postings: dict[str, list[int]] = {}
        for label_id, label in enumerate(self.labels):
            by_group: tuple[array[int], ...] = tuple(array("i") for _ in ALL_GROUPS)
            for doc in sorted(set(label.docs)):
                by_group[groups[doc]].append(doc)
            label.by_group, label.docs = by_group, []
            for word in set(label.words):
                postings.setdefault(word, []).append(label_id)
        return postings


# -- what is indexed -------------------------------------------------------------------


def _kinds(kgpub: str) -> dict[str, str]:
    """Indexed classes -> the group they go to (goals and schemes are sorted later by
    whether their owner is a municipality)."""
    return {
        kgpub + "Municipality": "municipalities",
        kgpub + "Goal": "goals",
        SKOS + "ConceptScheme": "goals",
        kgpub + "Target": "goals",
        kgpub + "Indicator": "goals",
        kgpub + "Committee": "committees",
        kgpub + "ExecutiveBoard": "committees",
        kgpub + "MunicipalCouncil": "committees",
        ORG + "OrganizationalUnit": "committees",
        kgpub + "Vision": "other",
        kgpub + "VisionStatement": "other",
        kgpub + "VisionArea": "other",
        kgpub + "Promise": "other",
        kgpub + "PromiseCommitment": "other",
        kgpub + "PriorityArea": "other",
        kgpub + "StrategicPriority": "other",
        kgpub + "BudgetAllocation": UNLISTED,
        FOAF_DOCUMENT: UNLISTED,
    }


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(pyoxigraph.NamedNode(i)) for i in iris)


def _queries(kgpub: str) -> dict[str, str]:
    """The SELECT queries the index is built from (few variables and rows: turning rows
    into Python objects is most of the build's time).

    - ``types``: typed resources and their owner (kgpub:owner or org:unitOf) if any;
    - ``parents``: for those without one (parts of a vision, a promise or a goal), the
      owner of what they are part of;
    - ``display``: names shown (skos:prefLabel, else rdfs:label in that language);
    - ``extra``: names only searched (skos:altLabel, skos:notation, the SCB code).
    """
    types = _values(_kinds(kgpub))
    pref, label = f"<{SKOS}prefLabel>", f"<{RDFS_LABEL}>"
    owned = f"(<{kgpub}owner>|<{ORG}unitOf>|<{DCT}publisher>)"
    typed = f"VALUES ?t {{ {types} }} GRAPH ?g {{ ?s a ?t }}"
    return {
        "types": (
            f"SELECT ?s ?t ?o WHERE {{ {typed} OPTIONAL {{ GRAPH ?g2 {{ ?s {owned} ?o }} }} }}"
        ),
        "parents": (
            f"SELECT ?s ?o WHERE {{ {typed} FILTER NOT EXISTS {{ GRAPH ?g3 {{ ?s {owned} ?x }} }}"
            f" GRAPH ?g2 {{ ?s {_up_path(kgpub)}+ ?parent . ?parent <{kgpub}owner> ?o }} }}"
        ),
        "display": (
            f"SELECT DISTINCT ?s ?l WHERE {{ {typed} GRAPH ?g2 {{ {{ ?s {pref} ?l }} UNION "
            f"{{ ?s {label} ?l FILTER NOT EXISTS {{ ?s {pref} ?x FILTER(lang(?x) = lang(?l)) }}"
            " } } }"
        ),
        "extra": (
            f"SELECT DISTINCT ?s ?l WHERE {{ {typed} VALUES ?p {{ <{SKOS}altLabel> "
            f"<{SKOS}notation> <{kgpub}municipalityCode> }} GRAPH ?g2 {{ ?s ?p ?l }} }}"
        ),
    }


def _up_path(kgpub: str) -> str:
    """A property path from a part to what it is part of: a vision statement or area to its
    vision, a commitment to its promise, a sub-goal or target to its goal, an indicator to
    what it measures, a concept to its scheme, a budget allocation to its budget."""
    down = ("hasStatement", "hasArea", "hasCommitment", "hasAllocation")
    steps = [f"^<{kgpub}{p}>" for p in down]
    steps += [f"^<{SKOS}narrower>", f"<{SKOS}broader>", f"<{kgpub}measures>", f"<{SKOS}inScheme>"]
    return "(" + "|".join(steps) + ")"


def _type_rank(kinds: dict[str, str]) -> dict[str, int]:
    """Which of a resource's types names it: the first listed in ``_kinds`` wins
    (kgpub:Committee over org:OrganizationalUnit)."""
    return {t: i for i, t in enumerate(kinds)}


# -- building helpers ------------------------------------------------------------------


def _typed_resources(rows: list[dict[str, Term]], kinds: dict[str, str]) -> list[IndexedResource]:
    """One resource per IRI (not blank nodes), typed by its highest-ranked indexed class,
    with its owner if it names one."""
    rank = _type_rank(kinds)
    chosen: dict[str, str] = {}
    owners: dict[str, str] = {}
    for row in rows:
        s, t = row["s"], row["t"].value
        if not isinstance(s, pyoxigraph.NamedNode):
            continue
        current = chosen.get(s.value)
        if current is None or rank[t] < rank[current]:
            chosen[s.value] = t
        if "o" in row:
            owners[s.value] = row["o"].value
    groups = {key: i for i, key in enumerate(ALL_GROUPS)}
    return [
        IndexedResource(iri, t, groups[kinds[t]], owners.get(iri))
        for iri, t in sorted(chosen.items())  # sorted: the same index for the same data
    ]


def _label_rows(
    rows: list[dict[str, Term]], by_iri: dict[str, IndexedResource], display: bool
) -> Iterator[tuple[str, str, str]]:
    """(iri, text, language) of every searchable label; display labels are also recorded
    on the resource."""
    for row in rows:
        s, lit = row["s"], row["l"]
        res = by_iri.get(s.value)
        if not isinstance(lit, pyoxigraph.Literal) or res is None:
            continue
        lang = lit.language or ""
        if display:
            res.labels[lang] = lit.value
        yield s.value, lit.value, lang


def _share(resources: list[IndexedResource]) -> None:
    """Resources with equal display labels (a municipality's "Kommunstyrelsen" and the
    next one's) share one dict and its strings: most of the index's memory otherwise."""
    shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for res in resources:
        key = tuple(sorted(res.labels.items()))
        res.labels = shared.setdefault(key, res.labels)


def _assign_groups(
    resources: list[IndexedResource], by_iri: dict[str, IndexedResource], kgpub: str
) -> None:
    """Goals and goal schemes of a municipality are goals; the others (national and
    international objectives and their schemes) are objectives."""
    municipality = kgpub + "Municipality"
    goals, objectives = GROUPS.index("goals"), GROUPS.index("objectives")
    for res in resources:
        if res.group != goals or res.type_iri in (kgpub + "Target", kgpub + "Indicator"):
            continue
        owner = by_iri.get(res.owner) if res.owner else None
        if owner is None or owner.type_iri != municipality:
            res.group = objectives


def _owner_labels(
    store: Store, resources: list[IndexedResource], by_iri: dict[str, IndexedResource]
) -> dict[str, dict[str, str]]:
    """Labels of every owner: indexed ones (municipalities) from the index, the few others
    (the Riksdag, the government) with one more query."""
    from kgpub.site.describe import labels_for

    owners = {res.owner for res in resources if res.owner}
    known = {iri: by_iri[iri].labels for iri in owners if iri in by_iri}
    known.update(labels_for(store, owners - set(known)))
    return known
