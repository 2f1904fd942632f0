"""What the reconciliation service offers for one snapshot: the types a candidate can have,
the properties data extension fetches (and queries may match on), and the catalogue of type
names, subclasses and SCB codes built once per snapshot."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgpub.rendering.l10n import pick_label
from kgpub.store.base import Store, iri_ref
from kgpub.vocab import FOAF_DOCUMENT, ORG_UNIT, RDFS, SCHEMA_SAME_AS, SKOS

if TYPE_CHECKING:
    from kgpub.publish.publisher import Publisher

#: Names of the classes the ontology does not label (kgpub's own come from the ontology).
OTHER_TYPE_LABELS = {
    SKOS + "ConceptScheme": {"sv": "målsystem", "en": "goal scheme"},
    ORG_UNIT: {"sv": "organisatorisk enhet", "en": "organisational unit"},
    FOAF_DOCUMENT: {"sv": "dokument", "en": "document"},
}
KGPUB_TYPES = (
    "Municipality", "Goal", "Target", "Indicator", "MunicipalCouncil", "ExecutiveBoard",
    "Committee", "Vision", "VisionStatement", "VisionArea", "Promise", "PromiseCommitment",
    "PriorityArea", "StrategicPriority", "BudgetAllocation",
)  # fmt: skip
DEFAULT_TYPES = ("Municipality", "Goal", "Committee", "Vision", "Promise", "BudgetAllocation")


def type_ids(kgpub: str) -> tuple[str, ...]:
    """The classes a candidate can have (those the search index files resources under)."""
    return (*(kgpub + name for name in KGPUB_TYPES), *OTHER_TYPE_LABELS)


@dataclass(frozen=True)
class Property:
    """A property that data extension fetches (and, if ``matchable``, queries may give)."""

    id: str
    names: dict[str, str]
    types: tuple[str, ...]  # local names of the kgpub classes (or full IRIs) it applies to
    matchable: bool = False

    def name(self, lang: str) -> str:
        return pick_label(self.names, lang) or self.id


def properties(kgpub: str) -> dict[str, Property]:
    committees = ("Committee", "ExecutiveBoard", "MunicipalCouncil", ORG_UNIT)
    owned = tuple(t for t in (*KGPUB_TYPES, *OTHER_TYPE_LABELS) if t != "Municipality")
    found = (
        Property(kgpub + "municipalityCode",
                 {"sv": "kommunkod (SCB)", "en": "municipality code (SCB)"},
                 ("Municipality",), matchable=True),
        Property(kgpub + "owner", {"sv": "ägare", "en": "owner"}, owned, matchable=True),
        Property(kgpub + "objective",
                 {"sv": "kopplade nationella och globala mål",
                  "en": "linked national and global objectives"},
                 ("Municipality", "Goal", "Target", SKOS + "ConceptScheme")),
        Property(kgpub + "fiscalYear", {"sv": "budgetår", "en": "budget year"},
                 ("BudgetAllocation", *committees)),
        Property(kgpub + "amount", {"sv": "belopp (SEK)", "en": "amount (SEK)"},
                 ("BudgetAllocation", *committees)),
        Property(SCHEMA_SAME_AS, {"sv": "Wikidata-objekt", "en": "Wikidata item"},
                 ("Municipality", SKOS + "ConceptScheme")),
    )  # fmt: skip
    return {p.id: p for p in found}


# -- what reconciliation knows of a snapshot besides the search index -------------------


@dataclass(frozen=True)
class Catalogue:
    """Type names, which indexed types fall under a type, and every SCB code (a few small
    queries per snapshot, none per reconciliation query)."""

    kgpub: str
    type_labels: dict[str, dict[str, str]]
    subtypes: dict[str, frozenset[str]]  # a type -> itself and its indexed subclasses
    codes: dict[str, str]  # municipality IRI -> SCB code

    @classmethod
    def build(cls, store: Store, base_iri: str) -> Catalogue:
        from kgpub.site.describe import labels_for

        kgpub = base_iri + "ontology#"
        types = type_ids(kgpub)
        labels = {**labels_for(store, types[: len(KGPUB_TYPES)]), **OTHER_TYPE_LABELS}
        subtypes = {t: {t} for t in types}
        rows = store.select(
            f"SELECT ?sub ?sup WHERE {{ VALUES ?sub {{ {' '.join(map(iri_ref, types))} }} "
            f"GRAPH ?g {{ ?sub <{RDFS}subClassOf>+ ?sup }} }}"
        )
        for row in rows:
            if row["sup"].value in subtypes:
                subtypes[row["sup"].value].add(row["sub"].value)
        codes = store.select(
            f"SELECT ?s ?c WHERE {{ GRAPH ?g {{ ?s <{kgpub}municipalityCode> ?c }} }}"
        )
        return cls(
            kgpub,
            {t: labels.get(t, {}) for t in types},
            {t: frozenset(s) for t, s in subtypes.items()},
            {row["s"].value: row["c"].value for row in codes},
        )

    def type_name(self, type_iri: str, lang: str) -> str:
        return pick_label(self.type_labels.get(type_iri, {}), lang) or type_iri.split("#")[-1]


class CatalogueCache:
    """The catalogue of the publisher's current snapshot, built on first use after each
    new snapshot (the search index has its own cache, ``SearchCache``)."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._lock = threading.Lock()
        self._built: tuple[str, Catalogue] | None = None

    def catalogue(self) -> Catalogue:
        digest = self.publisher.require().digest
        with self._lock:
            if self._built is None or self._built[0] != digest:
                base = str(self.publisher.settings.base_iri)
                self._built = (digest, Catalogue.build(self.publisher.store, base))
            return self._built[1]
