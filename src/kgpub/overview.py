"""The overview of one municipality: vision, promise, priorities, goal trees, budget,
linked objectives and sources, read from the municipality's own named graphs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph

from kgpub.resources import (
    DCAT,
    DCT,
    FOAF,
    MATCH_PREDICATES,
    RDF_TYPE,
    SKOS,
    Index,
    _iri,
    graph_triples,
    labels_for,
)
from kgpub.store.base import Store


@dataclass
class TreeNode:
    iri: str
    children: list[TreeNode] = field(default_factory=list)
    matches: list[tuple[str, str]] = field(default_factory=list)  # (relation, objective)


@dataclass
class MunicipalityView:
    iri: str
    index: Index
    vision: str | None
    statements: list[str]
    areas: list[str]
    promise: str | None
    commitments: list[str]
    priorities: list[tuple[str, str | None, str | None]]  # iri, start, end
    schemes: list[tuple[str, list[TreeNode]]]
    allocations: list[str]
    documents: list[str]
    objectives: list[str]


def municipality_graphs(store: Store, iri: str, kgpub_ns: str) -> list[str]:
    rows = store.select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {_iri(iri)} a "
        f"{_iri(kgpub_ns + 'Municipality')} }} }}"
    )
    return sorted(r["g"].value for r in rows if "g" in r)


def municipality_view(store: Store, iri: str, kgpub_ns: str) -> MunicipalityView | None:
    """The structured content of a municipality page, or None if ``iri`` is not one."""
    graphs = municipality_graphs(store, iri, kgpub_ns)
    if not graphs:
        return None
    triples: list[pyoxigraph.Triple] = []
    for g in graphs:
        triples.extend(graph_triples(store, g))
    idx = Index(triples)
    k = kgpub_ns
    owned = set(idx.subjects(k + "owner", iri))
    visions = idx.iris(iri, k + "vision")
    promises = idx.iris(iri, k + "promise")
    vision = visions[0] if visions else None
    promise = promises[0] if promises else None
    statements = idx.ordered(idx.iris(vision, k + "hasStatement")) if vision else []
    areas = idx.ordered(idx.iris(vision, k + "hasArea")) if vision else []
    commitments = idx.ordered(idx.iris(promise, k + "hasCommitment")) if promise else []
    prio = [
        s
        for s in owned
        if {k + "StrategicPriority", k + "PriorityArea"} & set(idx.iris(s, RDF_TYPE))
    ]
    priorities: list[tuple[str, str | None, str | None]] = []
    for p in idx.ordered(prio):
        start = end = None
        for period in idx.iris(p, DCT + "temporal"):
            so, eo = idx.one(period, DCAT + "startDate"), idx.one(period, DCAT + "endDate")
            start = so.value if so is not None else start
            end = eo.value if eo is not None else end
        priorities.append((p, start, end))
    objectives: set[str] = set()
    schemes: list[tuple[str, list[TreeNode]]] = []
    for scheme in sorted(s for s in owned if SKOS + "ConceptScheme" in idx.iris(s, RDF_TYPE)):
        members = set(idx.subjects(SKOS + "inScheme", scheme))
        children: dict[str, set[str]] = defaultdict(set)
        has_parent: set[str] = set()
        for m in list(members):
            for parent in idx.iris(m, SKOS + "broader"):
                children[parent].add(m)
                has_parent.add(m)
            for child in idx.iris(m, SKOS + "narrower"):
                children[m].add(child)
                has_parent.add(child)
                members.add(child)

        def build(
            node: str, seen: frozenset[str], children: dict[str, set[str]] = children
        ) -> TreeNode:
            tn = TreeNode(node)
            for rel in MATCH_PREDICATES:
                for target in idx.iris(node, rel):
                    tn.matches.append((rel, target))
                    objectives.add(target)
            tn.children = [
                build(c, seen | {node})
                for c in idx.ordered(children.get(node, ()))
                if c not in seen
            ]
            return tn

        roots = [build(m, frozenset()) for m in idx.ordered(members - has_parent)]
        schemes.append((scheme, roots))
    allocations = idx.ordered(idx.of_type(k + "BudgetAllocation"))
    documents = sorted(idx.of_type(FOAF + "Document"))
    labels = labels_for(store, objectives)
    for key, value in labels.items():
        idx.labels.setdefault(key, value)
    return MunicipalityView(
        iri=iri,
        index=idx,
        vision=vision,
        statements=statements,
        areas=areas,
        promise=promise,
        commitments=commitments,
        priorities=priorities,
        schemes=schemes,
        allocations=allocations,
        documents=documents,
        objectives=sorted(objectives),
    )
