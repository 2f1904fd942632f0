"""The W3C Reconciliation Service API 0.2 over one published snapshot (no web framework).

Spreadsheet tools (OpenRefine and others) send batches of names; each is matched against
the site search index (``site/search.py``, built once per snapshot: the same accent-
insensitive folding, ``"Malinriktat"`` finds ``"Målinriktat miljöarbete"``), filtered by
type and by property values (the SCB municipality code, the owner), and scored 0-100.
Entity ids are kgpub's IRIs, type ids the ontology's class IRIs, property ids predicate IRIs.
Besides reconciliation: suggest (entities, types, properties), a small preview card, and data
extension (SCB code, owner, linked objectives, budget year and amount, Wikidata item).

Every method takes and returns plain values; a malformed request raises ``BadRequest``.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import TYPE_CHECKING, Any

from kgpub.errors import BadRequest, NotFound
from kgpub.rendering.l10n import pick_label
from kgpub.site.search import EXACT, LABEL_PREFIX, WORD_PREFIX, Hit, SearchIndex, fold
from kgpub.store.base import Store, iri_ref

if TYPE_CHECKING:
    from kgpub.publish.publisher import Publisher

VERSION = "0.2"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_QUERIES = 1000  # queries in one batch
MAX_IDS = 1000  # entities in one data-extension request
WINDOW = 50  # name candidates looked at beyond the limit (property values may reorder them)
SUGGEST_LIMIT = 10
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 160

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG_UNIT = "http://www.w3.org/ns/org#OrganizationalUnit"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
SAME_AS = "https://schema.org/sameAs"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
WIKIDATA = "http://www.wikidata.org/entity/"

#: Names of the classes the ontology does not label (kgpub's own come from the ontology).
OTHER_TYPE_LABELS = {
    SKOS + "ConceptScheme": {"sv": "målsystem", "en": "goal scheme"},
    ORG_UNIT: {"sv": "organisatorisk enhet", "en": "organisational unit"},
    FOAF_DOCUMENT: {"sv": "dokument", "en": "document"},
}
_KGPUB_TYPES = (
    "Municipality", "Goal", "Target", "Indicator", "MunicipalCouncil", "ExecutiveBoard",
    "Committee", "Vision", "VisionStatement", "VisionArea", "Promise", "PromiseCommitment",
    "PriorityArea", "StrategicPriority", "BudgetAllocation",
)  # fmt: skip
_DEFAULT_TYPES = ("Municipality", "Goal", "Committee", "Vision", "Promise", "BudgetAllocation")


def type_ids(kgpub: str) -> tuple[str, ...]:
    """The classes a candidate can have (those the search index files resources under)."""
    return (*(kgpub + name for name in _KGPUB_TYPES), *OTHER_TYPE_LABELS)


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
    owned = tuple(t for t in (*_KGPUB_TYPES, *OTHER_TYPE_LABELS) if t != "Municipality")
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
        Property(SAME_AS, {"sv": "Wikidata-objekt", "en": "Wikidata item"},
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
        labels = {**labels_for(store, types[: len(_KGPUB_TYPES)]), **OTHER_TYPE_LABELS}
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


# -- parsing requests -------------------------------------------------------------------


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def _value_text(value: Any) -> str:
    """A property value as text: ``{"id": ...}`` gives its id, numbers lose a ``.0``."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    raise BadRequest(f"a property value must be a string, number, boolean or {{id}}: {value!r}")


def scb_code(text: str) -> str:
    """An SCB code as written in the data: a spreadsheet that dropped the leading zero
    (``136``) still finds ``0136``."""
    text = text.strip()
    return text.zfill(4) if text.isdigit() else text


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    phrase: str  # the query string, folded as the search index folds
    types: frozenset[str] | None
    limit: int
    properties: tuple[tuple[str, tuple[str, ...]], ...]

    def values(self, pid: str) -> tuple[str, ...]:
        return tuple(v for p, values in self.properties for v in values if p == pid)


_QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}


def _limit(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise BadRequest(f"limit must be a number: {value!r}")
    return max(0, min(MAX_LIMIT, int(value)))


# -- the service ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    hit: Hit
    score: float
    exact: bool  # an exact name (or, without a name, code) match that no property contradicts
    features: list[dict[str, Any]]


class Reconciler:
    """Answers the reconciliation API for one snapshot (its index, catalogue and store)."""

    def __init__(
        self, index: SearchIndex, catalogue: Catalogue, store: Store, lang: str = "sv"
    ) -> None:
        self.index, self.catalogue, self.store, self.lang = index, catalogue, store, lang
        self.kgpub = catalogue.kgpub
        self.properties = properties(self.kgpub)

    # -- manifest ------------------------------------------------------------------------
    def manifest(self, service_url: str, base_iri: str) -> dict[str, Any]:
        """The service manifest; ``service_url`` is where ``/reconcile`` is served."""
        names = {"sv": "kgpub: kommunala mål och strategier", "en": "kgpub: municipal strategy"}
        return {
            "versions": [VERSION],
            "name": pick_label(names, self.lang),
            "identifierSpace": base_iri,
            "schemaSpace": self.kgpub,
            "defaultTypes": [self._type(self.kgpub + t) for t in _DEFAULT_TYPES],
            "view": {"url": service_url + "/view?id={{id}}"},
            "preview": {
                "url": service_url + "/preview?id={{id}}",
                "width": PREVIEW_WIDTH,
                "height": PREVIEW_HEIGHT,
            },
            "suggest": {
                kind: {"service_url": service_url, "service_path": f"/suggest/{kind}"}
                for kind in ("entity", "type", "property")
            },
            "extend": {
                "propose_properties": {"service_url": service_url, "service_path": "/properties"}
            },
        }

    def _type(self, type_iri: str) -> dict[str, str]:
        return {"id": type_iri, "name": self.catalogue.type_name(type_iri, self.lang)}

    # -- reconciliation ------------------------------------------------------------------
    def reconcile(self, queries_json: str) -> dict[str, Any]:
        """Answers a ``queries=`` batch: ``{key: {"result": [candidate, ...]}}``."""
        batch = parse_json(queries_json, "queries")
        if not isinstance(batch, dict):
            raise BadRequest("queries must be a JSON object of named queries")
        if len(batch) > MAX_QUERIES:
            raise BadRequest(f"at most {MAX_QUERIES} queries in one batch")
        parsed = {str(key): self.parse_query(key, q) for key, q in batch.items()}
        return {key: {"result": self.candidates(q)} for key, q in parsed.items()}

    def parse_query(self, key: str, raw: Any) -> Query:
        if not isinstance(raw, dict):
            raise BadRequest(f"query {key!r} must be a JSON object")
        unknown = sorted(set(raw) - _QUERY_KEYS)
        if unknown:
            raise BadRequest(f"query {key!r}: unknown member {unknown[0]!r}")
        text = raw.get("query", "")
        if not isinstance(text, str):
            raise BadRequest(f"query {key!r}: 'query' must be a string")
        props = self._query_properties(key, raw.get("properties", []))
        if not fold(text) and not props:
            raise BadRequest(f"query {key!r} has neither a query string nor properties")
        limit = _limit(raw["limit"]) if "limit" in raw else DEFAULT_LIMIT
        return Query(fold(text), self.types_of(raw.get("type")), limit, props)

    def types_of(self, value: Any) -> frozenset[str] | None:
        """The indexed types a ``type`` (one id or a list) stands for; ``None``: any."""
        if value is None or value == []:
            return None
        given = [value] if isinstance(value, str) else value
        if not isinstance(given, list) or not all(isinstance(t, str) for t in given):
            raise BadRequest("type must be a type id or a list of type ids")
        found: set[str] = set()
        for type_iri in given:
            if type_iri not in self.catalogue.subtypes:
                raise BadRequest(f"unknown type {type_iri!r} (see /reconcile/suggest/type)")
            found |= self.catalogue.subtypes[type_iri]
        return frozenset(found)

    def _query_properties(self, key: str, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(raw, list):
            raise BadRequest(f"query {key!r}: 'properties' must be a list")
        found = []
        for item in raw:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("pid"), str)
                or "v" not in item
            ):
                raise BadRequest(f"query {key!r}: each property needs a 'pid' and a 'v'")
            prop = self.properties.get(item["pid"])
            if prop is None or not prop.matchable:
                usable = ", ".join(p.id for p in self.properties.values() if p.matchable)
                raise BadRequest(f"property {item['pid']!r} cannot be matched on; use {usable}")
            values = item["v"] if isinstance(item["v"], list) else [item["v"]]
            found.append((prop.id, tuple(_value_text(v) for v in values)))
        return tuple(found)

    def candidates(self, q: Query) -> list[dict[str, Any]]:
        """The best ``q.limit`` candidates, best first; ``match`` on the one candidate (if
        just one) that is an exact name or code match that no property contradicts."""
        if q.limit == 0:
            return []
        found: dict[str, tuple[Hit, int | None]] = {}
        if q.phrase:
            # the index ranks as the score does; property values may reorder a wider window
            window = q.limit + (WINDOW if q.properties else 1)
            for hit, quality in islice(self.index.ranked(q.phrase, self.lang, q.types), window):
                found[hit.iri] = (hit, quality)
        for code in map(scb_code, q.values(self.kgpub + "municipalityCode")):
            for hit, _quality in islice(self.index.ranked(code, self.lang, q.types), WINDOW):
                if self.catalogue.codes.get(hit.iri) == code:
                    found.setdefault(hit.iri, (hit, None))
        scored = [self._score(q, hit, quality) for hit, quality in found.values()]
        scored.sort(key=lambda s: -s.score)  # stable: the index's order among equals
        exact = [s for s in scored if s.exact]
        return [self._candidate(s, len(exact) == 1 and s is exact[0]) for s in scored[: q.limit]]

    def _score(self, q: Query, hit: Hit, quality: int | None) -> Scored:
        """The name's score (100 exact, less for a prefix or a part of a word, and for a
        shorter part of a longer name) averaged with 100 per property matched, 0 per miss."""
        checks = [(pid, self._has_value(hit, pid, values)) for pid, values in q.properties]
        if q.phrase:
            name = name_score(quality, q.phrase, hit.matched) if quality is not None else 0.0
            parts, exact = [name, *(100.0 * ok for _, ok in checks)], quality == EXACT
        else:
            parts, exact = [100.0 * ok for _, ok in checks], True
        features: list[dict[str, Any]] = [{"id": "name", "value": parts[0]}] if q.phrase else []
        features += [{"id": pid, "value": ok} for pid, ok in checks]
        ok_all = all(ok for _, ok in checks)
        return Scored(hit, round(sum(parts) / len(parts), 1), exact and ok_all, features)

    def _has_value(self, hit: Hit, pid: str, values: tuple[str, ...]) -> bool:
        if pid == self.kgpub + "municipalityCode":
            code = self.catalogue.codes.get(hit.iri)
            return code is not None and any(scb_code(v) == code for v in values)
        owner = hit.owner_iri
        if owner is None:
            return False
        names = {fold(label) for label in hit.owner_labels.values()}
        code = self.catalogue.codes.get(owner)
        return any(v == owner or fold(v) in names or scb_code(v) == code for v in values)

    def _candidate(self, s: Scored, match: bool) -> dict[str, Any]:
        return {
            "id": s.hit.iri,
            "name": s.hit.label(self.lang),
            "description": self._description(s.hit),
            "score": s.score,
            "match": match,
            "type": [self._type(s.hit.type_iri)],
            "features": s.features,
        }

    def _description(self, hit: Hit) -> str:
        """``"Goal, Haninge Municipality"``: the type, the owner and the SCB code if any."""
        parts = [self.catalogue.type_name(hit.type_iri, self.lang)]
        owner = hit.owner_label(self.lang)
        parts += [owner] if owner else []
        code = self.catalogue.codes.get(hit.iri)
        parts += [f"{'kommunkod' if self.lang == 'sv' else 'code'} {code}"] if code else []
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    # -- suggest -------------------------------------------------------------------------
    def suggest_entities(self, prefix: str, type_id: str | None, cursor: int) -> dict[str, Any]:
        types = self.types_of(type_id)
        hits = islice(self.index.ranked(prefix, self.lang, types), cursor, cursor + SUGGEST_LIMIT)
        return {
            "result": [
                {
                    "id": hit.iri,
                    "name": hit.label(self.lang),
                    "description": self._description(hit),
                    "notable": [self._type(hit.type_iri)],
                }
                for hit, _quality in hits
            ]
        }

    def suggest_types(self, prefix: str, cursor: int) -> dict[str, Any]:
        found = [
            self._type(t)
            for t in type_ids(self.kgpub)
            if _matches(prefix, [*self.catalogue.type_labels[t].values(), t.rsplit("#")[-1]])
        ]
        return {"result": found[cursor : cursor + SUGGEST_LIMIT]}

    def suggest_properties(self, prefix: str, cursor: int) -> dict[str, Any]:
        found = [
            {"id": p.id, "name": p.name(self.lang)}
            for p in self.properties.values()
            if _matches(prefix, [*p.names.values(), p.id.rsplit("#")[-1].rsplit("/")[-1]])
        ]
        return {"result": found[cursor : cursor + SUGGEST_LIMIT]}

    def propose_properties(self, type_id: str | None, limit: int) -> dict[str, Any]:
        """The properties worth fetching for entities of ``type_id`` (all, without one)."""
        if type_id is not None:
            self.types_of(type_id)  # unknown types are an error
        local = None if type_id is None else type_id.removeprefix(self.kgpub)
        found = [
            {"id": p.id, "name": p.name(self.lang)}
            for p in self.properties.values()
            if local is None or local in p.types
        ]
        answer: dict[str, Any] = {"properties": found[:limit], "limit": limit}
        if type_id is not None:
            answer["type"] = type_id
        return answer

    # -- data extension ------------------------------------------------------------------
    def extend(self, extend_json: str) -> dict[str, Any]:
        """Answers an ``extend=`` request: the values of each property for each entity."""
        ids, pids = self._parse_extend(parse_json(extend_json, "extend"))
        known = [i for i in ids if self.index.get(i) is not None]
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {i: {p: [] for p in pids} for i in ids}
        for pid in pids:
            for iri, value in self._values(pid, known):
                rows[iri][pid].append(value)
        meta = [{"id": p, "name": self.properties[p].name(self.lang)} for p in pids]
        return {"meta": meta, "rows": rows}

    def _parse_extend(self, raw: Any) -> tuple[list[str], list[str]]:
        if not isinstance(raw, dict):
            raise BadRequest("extend must be a JSON object with 'ids' and 'properties'")
        ids, props = raw.get("ids"), raw.get("properties")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadRequest("extend: 'ids' must be a list of entity ids")
        if len(ids) > MAX_IDS:
            raise BadRequest(f"extend: at most {MAX_IDS} ids in one request")
        if not isinstance(props, list) or not all(
            isinstance(p, dict) and isinstance(p.get("id"), str) for p in props
        ):
            raise BadRequest("extend: 'properties' must be a list of {\"id\": ...}")
        pids = [p["id"] for p in props]
        for pid in pids:
            if pid not in self.properties:
                raise BadRequest(f"extend: unknown property {pid!r} (see /reconcile/properties)")
        return list(dict.fromkeys(ids)), list(dict.fromkeys(pids))

    def _values(self, pid: str, ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(entity, value) pairs of one property for the entities ``ids``."""
        if pid == self.kgpub + "municipalityCode":
            yield from (
                (i, {"str": self.catalogue.codes[i]}) for i in ids if i in self.catalogue.codes
            )
        elif pid == self.kgpub + "owner":
            for i in ids:
                hit = self.index.get(i)
                if hit is not None and hit.owner_iri:
                    name = hit.owner_label(self.lang) or hit.owner_iri
                    yield i, {"id": hit.owner_iri, "name": name}
        elif ids:
            yield from self._queried_values(pid, ids)

    def _queried_values(self, pid: str, ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = self.store.select(extension_query(self.kgpub, pid, ids))
        for row in rows:
            iri, value = row["id"].value, row["v"].value
            if pid == self.kgpub + "objective":
                hit = self.index.get(value)
                yield iri, {"id": value, "name": hit.label(self.lang) if hit else value}
            elif pid == SAME_AS:
                yield iri, {"str": value.removeprefix(WIKIDATA)}
            else:
                yield iri, number_value(value)

    # -- preview -------------------------------------------------------------------------
    def preview(self, iri: str, page_url: str) -> str:
        """A small HTML card (no script) naming the entity, its type, owner and code."""
        hit = self.index.get(iri)
        if hit is None:
            raise NotFound(f"no entity {iri}")
        esc = html.escape
        lines = [
            f'<a href="{esc(page_url)}" target="_blank"><strong>{esc(hit.label(self.lang))}'
            "</strong></a>",
            f"<p>{esc(self._description(hit))}</p>",
        ]
        other = [v for k, v in sorted(hit.labels.items()) if v != hit.label(self.lang)]
        lines += [f"<p><em>{esc(' / '.join(other))}</em></p>"] if other else []
        return (
            f'<!DOCTYPE html><html lang="{esc(self.lang)}"><head><meta charset="utf-8">'
            f"<title>{esc(hit.label(self.lang))}</title></head>"
            '<body style="font-family:sans-serif;font-size:0.9em;margin:0.5em">'
            + "".join(lines)
            + "</body></html>"
        )


def name_score(quality: int, phrase: str, label: str) -> float:
    """100 for the exact name; else by how the (folded) query matched the label (the start
    of the name, the start of a word, inside a word) and how much of the name it covers."""
    if quality == EXACT:
        return 100.0
    base = {LABEL_PREFIX: 50.0, WORD_PREFIX: 30.0}.get(quality, 10.0)
    return round(base + 40.0 * min(1.0, len(phrase) / max(1, len(fold(label)))), 1)


def number_value(lexical: str) -> dict[str, Any]:
    """``{"int": 2024}``, ``{"float": 1.5}``, or ``{"str": ...}`` if it is not a number."""
    try:
        number = Decimal(lexical)
    except InvalidOperation:
        return {"str": lexical}
    if not number.is_finite():
        return {"str": lexical}
    return (
        {"int": int(number)} if number == number.to_integral_value() else {"float": float(number)}
    )


def extension_query(kgpub: str, pid: str, ids: Iterable[str]) -> str:
    """The SELECT (?id ?v) for one queried property, over the given entities (budget values
    of a committee are those of the allocations it receives, in one order for both)."""
    if pid == kgpub + "objective":
        maps = "|".join(
            f"<{SKOS}{m}Match>" for m in ("exact", "close", "broad", "narrow", "related")
        )
        where = (
            f"{{ ?a <{kgpub}localGoal> ?id ; <{kgpub}objective> ?v }} UNION "
            f"{{ ?id ({maps}|<{kgpub}worksTowards>) ?v }}"
        )
        head, order = "SELECT DISTINCT ?id ?v", "?id ?v"
    elif pid == SAME_AS:
        where = f'?id (<{SAME_AS}>|<{OWL_SAME_AS}>) ?v FILTER(STRSTARTS(STR(?v), "{WIKIDATA}"))'
        head, order = "SELECT DISTINCT ?id ?v", "?id ?v"
    else:
        where = f"{{ ?id <{pid}> ?v }} UNION {{ ?a <{kgpub}recipient> ?id ; <{pid}> ?v }}"
        head, order = "SELECT ?id ?v", "?id ?a"
    values = " ".join(map(iri_ref, ids))
    return f"{head} WHERE {{ VALUES ?id {{ {values} }} GRAPH ?g {{ {where} }} }} ORDER BY {order}"


def _matches(prefix: str, names: list[str]) -> bool:
    """Whether every folded word of ``prefix`` starts a word of one of ``names``."""
    terms = fold(prefix).split()
    return any(
        all(any(w.startswith(t) for w in fold(name).split()) for t in terms) for name in names
    )
