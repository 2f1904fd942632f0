"""How municipalities' goals line up against national and international objectives.

Three views share this module: the alignment matrix of one municipality (its goals against
every objective of the national schemes), the list of municipality goals linked to one
objective, and the side-by-side comparison of several municipalities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from kgpub.site.describe import Description, _iri, graph_triples
from kgpub.site.municipality import (
    Match,
    MunicipalityView,
    TreeNode,
    link_predicates,
    municipalities,
)
from kgpub.site.triple_index import Index
from kgpub.store.base import Store
from kgpub.vocab import SKOS

OBJECTIVE_LIST_LIMIT = 1000


@dataclass
class ObjectiveScheme:
    """A national or international scheme (e.g. the environmental quality objectives)."""

    iri: str
    objectives: list[str]  # its members, in the scheme's order


@dataclass
class NationalObjectives:
    """Every objective scheme no municipality owns, with the labels of its terms."""

    schemes: list[ObjectiveScheme]
    index: Index

    def scheme_of(self, objective: str) -> str | None:
        for scheme in self.schemes:
            if objective == scheme.iri or objective in scheme.objectives:
                return scheme.iri
        return None


def national_objectives(store: Store, base: str) -> NationalObjectives:
    """The schemes without a kgpub:owner, read from the graphs that state them."""
    k = base + "ontology#"
    # two plain queries and a filter here: one query with a nested FILTER NOT EXISTS costs
    # five times as much, and grows with the number of municipalities
    known = set(municipalities(store, k))
    rows = store.select(
        f"SELECT DISTINCT ?g ?s ?o WHERE {{ GRAPH ?g {{ ?s a <{SKOS}ConceptScheme> "
        f"OPTIONAL {{ ?s <{k}owner> ?o }} }} }}"
    )
    skip = {base + "ontology", base + "shapes"}
    owned = {r["s"].value for r in rows if "o" in r and r["o"].value in known}
    found = [
        (r["g"].value, r["s"].value)
        for r in rows
        if r["g"].value not in skip and r["s"].value not in owned
    ]
    graphs = sorted({g for g, _ in found})
    triples = [t for g in graphs for t in graph_triples(store, g)]
    idx = Index(triples)
    schemes = []
    for scheme in sorted({s for _, s in found}, key=idx.position):
        members = set(idx.subjects(SKOS + "inScheme", scheme))
        members |= set(idx.iris(scheme, SKOS + "hasTopConcept"))
        schemes.append(ObjectiveScheme(scheme, _in_hierarchy_order(idx, members)))
    return NationalObjectives(schemes, idx)


def _in_hierarchy_order(idx: Index, members: set[str]) -> list[str]:
    """Top concepts first (in position order), each followed by its narrower concepts."""
    children: dict[str, list[str]] = defaultdict(list)
    tops = []
    for m in idx.ordered(members):
        parents = [p for p in idx.iris(m, SKOS + "broader") if p in members]
        if parents:
            children[parents[0]].append(m)
        else:
            tops.append(m)
    ordered: list[str] = []

    def walk(node: str) -> None:
        if node in ordered:
            return
        ordered.append(node)
        for child in children.get(node, []):
            walk(child)

    for top in tops:
        walk(top)
    return ordered


# --- the alignment matrix of one municipality -------------------------------------------


@dataclass
class MatrixRow:
    goal: str
    depth: int
    scheme: str  # the municipality's goal scheme the goal belongs to
    cells: dict[str, Match] = field(default_factory=dict)  # objective -> match


@dataclass
class MatrixColumnGroup:
    scheme: str
    columns: list[str]  # objectives; the scheme itself when a goal links to it as a whole


@dataclass
class AlignmentMatrix:
    municipality: str
    rows: list[MatrixRow]
    groups: list[MatrixColumnGroup]
    other: list[str]  # linked objectives outside every national scheme

    @property
    def links(self) -> int:
        return sum(len(r.cells) for r in self.rows)

    def count(self, basis: str) -> int:
        return sum(1 for r in self.rows for m in r.cells.values() if m.basis == basis)


def _flatten(nodes: list[TreeNode], depth: int, scheme: str) -> list[MatrixRow]:
    rows = []
    for n in nodes:
        if n.kind != "indicator":
            rows.append(MatrixRow(n.iri, depth, scheme, {m.objective: m for m in n.matches}))
        rows.extend(_flatten(n.children, depth + 1, scheme))
    return rows


def alignment_matrix(view: MunicipalityView, national: NationalObjectives) -> AlignmentMatrix:
    """Rows: the municipality's goals (all of them, linked or not); columns: every objective of
    every national scheme, so an empty cell visibly means "no link in the data"."""
    rows = [row for scheme, roots in view.schemes for row in _flatten(roots, 0, scheme)]
    linked = {objective for row in rows for objective in row.cells}
    groups = []
    for scheme in national.schemes:
        columns = ([scheme.iri] if scheme.iri in linked else []) + scheme.objectives
        groups.append(MatrixColumnGroup(scheme.iri, columns))
    in_schemes = {c for g in groups for c in g.columns}
    return AlignmentMatrix(view.iri, rows, groups, sorted(linked - in_schemes))


# --- the municipality goals linked to one objective --------------------------------------


@dataclass
class ObjectiveLink:
    municipality: str
    goal: str
    match: Match


@dataclass
class ObjectiveLinks:
    links: list[ObjectiveLink]
    total: int

    @property
    def complete(self) -> bool:
        return len(self.links) == self.total


def _linked_goals_pattern(o: str, k: str) -> str:
    """Goals owned by a municipality that map to ``o`` by a SKOS mapping property or are in
    line with it (kgpub:inLineWith); national schemes map among themselves too, those are
    left out."""
    rels = " ".join(f"<{r}>" for r in link_predicates(k))
    return (
        f"VALUES ?rel {{ {rels} }} GRAPH ?g {{ ?goal ?rel {o} . ?goal <{k}owner> ?m }} "
        f"GRAPH ?gm {{ ?m a <{k}Municipality> }}"
    )


def objective_links_query(objective: str, k: str, limit: int | None) -> str:
    o = _iri(objective)
    tail = f" ORDER BY ?m ?goal LIMIT {limit}" if limit is not None else " ORDER BY ?m ?goal"
    return (
        f"SELECT ?goal ?rel ?m ?basis ?al WHERE {{ {_linked_goals_pattern(o, k)} "
        f"OPTIONAL {{ GRAPH ?g2 {{ ?al <{k}localGoal> ?goal ; <{k}objective> {o} . "
        f"OPTIONAL {{ ?al <{k}basis> ?basis }} }} }} }}" + tail
    )


def objective_links(
    store: Store, objective: str, base: str, limit: int = OBJECTIVE_LIST_LIMIT
) -> ObjectiveLinks:
    """Goals owned by a municipality that map to ``objective`` (first ``limit``, and the total)."""
    k = base + "ontology#"
    rows = store.select(objective_links_query(objective, k, limit))
    links = [
        ObjectiveLink(
            municipality=r["m"].value,
            goal=r["goal"].value,
            match=Match(
                r["rel"].value,
                objective,
                r["basis"].value if "basis" in r else None,
                r["al"].value if "al" in r else None,
            ),
        )
        for r in rows
    ]
    total = len(links)
    if total >= limit:
        pattern = _linked_goals_pattern(_iri(objective), k)
        counted = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        total = int(counted[0]["n"].value) if counted and "n" in counted[0] else total
    return ObjectiveLinks(links, total)


# --- comparing municipalities -----------------------------------------------------------


@dataclass
class ComparedMunicipality:
    view: MunicipalityView
    goals_by_scheme: list[tuple[str, int]]  # the municipality's own goal schemes
    goals_by_national_scheme: dict[str, int]  # national scheme -> goals linked to it
    addressed: dict[str, list[str]]  # objective -> the municipality's goals linked to it
    budget_totals: list[tuple[str | None, str, Decimal]]  # year, currency, total


@dataclass
class Comparison:
    columns: list[ComparedMunicipality]
    national: NationalObjectives
    objectives: list[str]  # every objective addressed by at least one, in scheme order


def compare(views: list[MunicipalityView], national: NationalObjectives) -> Comparison:
    columns = []
    for view in views:
        matrix = alignment_matrix(view, national)
        addressed: dict[str, list[str]] = defaultdict(list)
        for row in matrix.rows:
            for objective in row.cells:
                addressed[objective].append(row.goal)
        by_national: dict[str, set[str]] = defaultdict(set)
        for objective, goals in addressed.items():
            scheme = national.scheme_of(objective)
            if scheme is not None:
                by_national[scheme].update(goals)
        columns.append(
            ComparedMunicipality(
                view=view,
                goals_by_scheme=[(s, sum(n.count() for n in roots)) for s, roots in view.schemes],
                goals_by_national_scheme={s: len(g) for s, g in by_national.items()},
                addressed=dict(addressed),
                budget_totals=[(b.year, b.currency, b.total) for b in view.budgets],
            )
        )
    order = [o for s in national.schemes for o in [s.iri, *s.objectives]]
    everything = {o for c in columns for o in c.addressed}
    objectives = [o for o in order if o in everything] + sorted(everything - set(order))
    return Comparison(columns, national, objectives)


def is_objective(types: list[str], k: str) -> bool:
    """Whether a resource page should list the municipality goals linked to it."""
    return bool({k + "Goal", SKOS + "ConceptScheme", SKOS + "Concept"} & set(types))


def may_have_linked_goals(desc: Description, k: str) -> bool:
    """False when the description's incoming links are all there and none is a SKOS
    mapping or kgpub:inLineWith: :func:`objective_links` would then find nothing, so its
    query is skipped."""
    if len(desc.incoming) < desc.incoming_total:
        return True
    return any(p in link_predicates(k) for _s, p in desc.incoming)
