"""The overview of one municipality: vision, promise, priorities, goal trees down to targets
and indicators, budget allocations with their shares, linked objectives and sources, read
from the municipality's own named graphs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph

from kgpub.rendering.l10n import to_decimal
from kgpub.site.describe import _iri, add_label, graph_triples, labels_for
from kgpub.site.triple_index import Index
from kgpub.store.base import Store
from kgpub.vocab import (
    DCAT,
    DCT,
    FOAF,
    LABEL_PREDICATES,
    MATCH_PREDICATES,
    RDF_TYPE,
    SCHEMA_ITEM_LIST,
    SDMX_ATTRIBUTE,
    SKOS,
)

TARGET_FACTS = ("baselineValue", "baselineYear", "targetValue", "targetYear", "unit")


def link_predicates(kgpub_ns: str) -> tuple[str, ...]:
    """The properties that link a local goal to an objective: the SKOS mappings, and
    kgpub:inLineWith to a whole scheme (such as the 2030 Agenda)."""
    return (*MATCH_PREDICATES, kgpub_ns + "inLineWith")


@dataclass
class Match:
    """A local goal's link to a national or international objective."""

    relation: str  # the SKOS mapping property, or kgpub:inLineWith
    objective: str
    basis: str | None = None  # kgpub:StatedBySource or kgpub:InterpretedLink, if recorded
    alignment: str | None = None  # the kgpub:Alignment node that records it, if any


@dataclass
class TreeNode:
    iri: str
    kind: str = "goal"  # goal, target or indicator
    children: list[TreeNode] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    facts: list[tuple[str, pyoxigraph.Literal]] = field(default_factory=list)  # (property, value)

    @property
    def expandable(self) -> bool:
        return bool(self.children or self.matches or self.facts)

    def count(self) -> int:
        return 1 + sum(c.count() for c in self.children)


@dataclass
class BudgetLine:
    iri: str
    recipient: str | None
    year: str | None
    amount: Decimal
    currency: str
    stated: str | None  # the amount as the source writes it
    share: float = 0.0  # of the total for the same year and currency
    scaled: StatedAmount | None = None  # the number the source states, in its scale


@dataclass(frozen=True)
class StatedAmount:
    """kgpub:statedAmount with its sdmx-attribute:unitMult (a power of ten: 6 for millions)
    and sdmx-attribute:decimals: ``252.9``, 6, 1 for "252,9 miljoner kronor"."""

    number: Decimal
    unit_mult: int
    decimals: int


@dataclass
class Budget:
    """Allocations of one budget (or, for allocations no budget lists, of one fiscal year)
    in one currency, largest first. ``total`` is the sum of the lines listed, which is not
    necessarily the budget's total: sources often list only some allocations."""

    iri: str | None  # the kgpub:Budget the allocations belong to
    year: str | None
    currency: str
    lines: list[BudgetLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def largest(self) -> Decimal:
        return max((line.amount for line in self.lines), default=Decimal(0))


@dataclass
class MunicipalityView:
    iri: str
    index: Index
    graphs: list[str]
    vision: str | None
    statements: list[str]
    areas: list[str]
    promise: str | None
    commitments: list[str]
    priorities: list[Priority]
    priority_lists: list[str]  # the municipality's headed lists of priorities (schema:ItemList)
    county: str | None
    schemes: list[tuple[str, list[TreeNode]]]
    budgets: list[Budget]
    documents: list[str]
    objectives: list[str]

    @property
    def allocations(self) -> list[str]:
        return [line.iri for b in self.budgets for line in b.lines]

    def goal_count(self) -> int:
        return sum(n.count() for _, roots in self.schemes for n in roots)


def municipalities(store: Store, kgpub_ns: str) -> list[str]:
    """Every municipality in the store, in IRI order."""
    rows = store.select(
        f"SELECT DISTINCT ?m WHERE {{ GRAPH ?g {{ ?m a {_iri(kgpub_ns + 'Municipality')} }} }}"
        " ORDER BY ?m"
    )
    return [r["m"].value for r in rows if "m" in r]


def municipality_labels(store: Store, kgpub_ns: str) -> dict[str, dict[str, str]]:
    """Every municipality with its labels by language (an empty dict when it has none)."""
    wanted = ", ".join(_iri(p) for p in LABEL_PREDICATES)
    triples = store.construct(
        f"CONSTRUCT {{ ?m ?p ?l }} WHERE {{ GRAPH ?g {{ ?m a {_iri(kgpub_ns + 'Municipality')} }}"
        f" OPTIONAL {{ GRAPH ?g {{ ?m ?p ?l FILTER(?p IN ({wanted})) }} }} }}"
    )
    labels: dict[str, dict[str, str]] = {m: {} for m in municipalities(store, kgpub_ns)}
    for t in triples:
        add_label(labels, t)
    return labels


def municipality_graphs(store: Store, iri: str, kgpub_ns: str) -> list[str]:
    rows = store.select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {_iri(iri)} a "
        f"{_iri(kgpub_ns + 'Municipality')} }} }}"
    )
    return sorted(r["g"].value for r in rows if "g" in r)


def _alignments(idx: Index, k: str) -> dict[tuple[str, str], tuple[str | None, str]]:
    """(local goal, objective) -> (basis, alignment node), from kgpub:Alignment nodes."""
    found: dict[tuple[str, str], tuple[str | None, str]] = {}
    for a in idx.of_type(k + "Alignment"):
        bases = idx.iris(a, k + "basis")
        for goal in idx.iris(a, k + "localGoal"):
            for objective in idx.iris(a, k + "objective"):
                found[(goal, objective)] = (bases[0] if bases else None, a)
    return found


class TreeBuilder:
    """Goal hierarchies of one scheme: skos:broader/narrower, targets under their goals,
    indicators (kgpub:measures) under what they measure."""

    def __init__(self, idx: Index, k: str) -> None:
        self.idx = idx
        self.k = k
        self.aligned = _alignments(idx, k)
        self.objectives: set[str] = set()
        self.measured_by: dict[str, list[str]] = defaultdict(list)
        for ind in idx.of_type(k + "Indicator"):
            for goal in idx.iris(ind, k + "measures"):
                self.measured_by[goal].append(ind)

    def roots(self, scheme: str) -> list[TreeNode]:
        idx = self.idx
        members = set(idx.subjects(SKOS + "inScheme", scheme))
        members |= set(idx.iris(scheme, SKOS + "hasTopConcept"))
        children: dict[str, set[str]] = defaultdict(set)
        has_parent: set[str] = set()
        for m in list(members):
            for parent in idx.iris(m, SKOS + "broader"):
                if parent in members:
                    children[parent].add(m)
                    has_parent.add(m)
            for child in idx.iris(m, SKOS + "narrower"):
                children[m].add(child)
                has_parent.add(child)
                members.add(child)
        members -= set(idx.of_type(self.k + "Indicator"))
        return [self.build(m, frozenset(), children) for m in idx.ordered(members - has_parent)]

    def build(self, node: str, seen: frozenset[str], children: dict[str, set[str]]) -> TreeNode:
        idx, k = self.idx, self.k
        types = set(idx.iris(node, RDF_TYPE))
        kind = (
            "indicator"
            if k + "Indicator" in types
            else "target"
            if k + "Target" in types
            else "goal"
        )
        tn = TreeNode(node, kind)
        for rel in link_predicates(k):
            for target in idx.iris(node, rel):
                basis, alignment = self.aligned.get((node, target), (None, None))
                tn.matches.append(Match(rel, target, basis, alignment))
                self.objectives.add(target)
        for name in TARGET_FACTS:
            for value in idx.objects(node, k + name):
                if isinstance(value, pyoxigraph.Literal):
                    tn.facts.append((k + name, value))
        below = [c for c in idx.ordered(children.get(node, ())) if c not in seen]
        below += [i for i in idx.ordered(self.measured_by.get(node, ())) if i not in seen]
        tn.children = [self.build(c, seen | {node}, children) for c in below]
        return tn


def budgets(idx: Index, k: str) -> list[Budget]:
    """Allocations grouped by budget (else fiscal year) and currency, largest first."""
    budget_of = {
        line: budget
        for budget in idx.of_type(k + "Budget")
        for line in idx.iris(budget, k + "hasAllocation")
    }
    groups: dict[tuple[str | None, str | None, str], list[BudgetLine]] = defaultdict(list)
    for a in idx.ordered(idx.of_type(k + "BudgetAllocation")):
        line = budget_line(idx, k, a)
        if line is not None:
            groups[(budget_of.get(a), line.year, line.currency)].append(line)
    result = []
    for (budget, fiscal_year, currency), lines in sorted(
        groups.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] or "", kv[0][2])
    ):
        lines.sort(key=lambda line: (-line.amount, line.iri))
        group = Budget(budget, fiscal_year, currency, lines)
        total = group.total
        for line in lines:
            line.share = float(line.amount / total) if total else 0.0
        result.append(group)
    return result


def budget_line(idx: Index, k: str, a: str) -> BudgetLine | None:
    value = idx.one(a, k + "amount")
    amount = to_decimal(value.value) if value is not None else None
    if amount is None:
        return None
    year_lit = idx.one(a, k + "fiscalYear")
    currency_lit = idx.one(a, k + "currency")
    stated = idx.one(a, k + "amountAsStated")
    recipients = idx.iris(a, k + "recipient")
    return BudgetLine(
        scaled=stated_amount(idx, k, a),
        iri=a,
        recipient=recipients[0] if recipients else None,
        year=year_lit.value if year_lit is not None else None,
        amount=amount,
        currency=currency_lit.value if currency_lit is not None else "SEK",
        stated=stated.value if stated is not None else None,
    )


@dataclass
class Priority:
    """A priority area or strategic priority shown on the overview."""

    iri: str
    start: str | None = None  # of its period of validity
    end: str | None = None
    defined_in: list[str] = field(default_factory=list)  # documents that set it out
    areas: list[str] = field(default_factory=list)  # vision areas it supports


def _priority_iris(idx: Index, owned: set[str], k: str) -> list[str]:
    """Priorities the municipality owns, those its own goal sets (or goals) rest on, and
    those set out in a document its graphs describe (a ruling majority's platform, whose
    areas have no owner)."""
    documents = set(idx.of_type(FOAF + "Document"))
    candidates = set(owned)
    for s in owned:
        candidates.update(idx.iris(s, k + "restsOn"))
    for s in idx.spo:
        if documents & set(idx.iris(s, k + "definedIn")):
            candidates.add(s)
    kinds = {k + "StrategicPriority", k + "PriorityArea"}
    return idx.ordered(s for s in candidates if kinds & set(idx.iris(s, RDF_TYPE)))


def stated_amount(idx: Index, k: str, a: str) -> StatedAmount | None:
    """The allocation's number as the source states it, when the data gives its scale."""
    number, mult, decimals = (
        idx.one(a, k + "statedAmount"),
        idx.one(a, SDMX_ATTRIBUTE + "unitMult"),
        idx.one(a, SDMX_ATTRIBUTE + "decimals"),
    )
    if number is None or mult is None:
        return None
    value = to_decimal(number.value)
    scale = to_decimal(mult.value)
    places = to_decimal(decimals.value) if decimals is not None else None
    if value is None or scale is None or scale != int(scale):
        return None
    exponent = value.as_tuple().exponent
    default_places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return StatedAmount(value, int(scale), int(places) if places is not None else default_places)


def priorities(idx: Index, owned: set[str], k: str) -> list[Priority]:
    found: list[Priority] = []
    for p in _priority_iris(idx, owned, k):
        item = Priority(p, defined_in=idx.iris(p, k + "definedIn"))
        item.areas = idx.ordered(idx.iris(p, k + "supportsArea"))
        for period in idx.iris(p, DCT + "temporal"):
            so, eo = idx.one(period, DCAT + "startDate"), idx.one(period, DCAT + "endDate")
            item.start = so.value if so is not None else item.start
            item.end = eo.value if eo is not None else item.end
        found.append(item)
    return found


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
    trees = TreeBuilder(idx, k)
    schemes = [
        (scheme, trees.roots(scheme))
        for scheme in idx.ordered(
            s for s in owned if SKOS + "ConceptScheme" in idx.iris(s, RDF_TYPE)
        )
    ]
    counties = idx.iris(iri, k + "county")
    linked = set(trees.objectives) | set(counties)
    for node in idx.spo:
        linked.update(idx.iris(node, k + "decidedBy"))
    for key, value in labels_for(store, linked).items():
        idx.labels.setdefault(key, value)
    return MunicipalityView(
        iri=iri,
        index=idx,
        graphs=graphs,
        vision=vision,
        statements=idx.ordered(idx.iris(vision, k + "hasStatement")) if vision else [],
        areas=idx.ordered(idx.iris(vision, k + "hasArea")) if vision else [],
        promise=promise,
        commitments=idx.ordered(idx.iris(promise, k + "hasCommitment")) if promise else [],
        priorities=priorities(idx, owned, k),
        priority_lists=idx.ordered(s for s in owned if SCHEMA_ITEM_LIST in idx.iris(s, RDF_TYPE)),
        county=counties[0] if counties else None,
        schemes=schemes,
        budgets=budgets(idx, k),
        documents=sorted(idx.of_type(FOAF + "Document")),
        objectives=sorted(trees.objectives),
    )
