"""The W3C Reconciliation Service API 0.2 over one published snapshot (no web framework).

Spreadsheet tools (OpenRefine and others) send batches of names; each is matched against
the site search index (``site/search.py``, built once per snapshot: the same accent-
insensitive folding, ``"Malinriktat"`` finds ``"Målinriktat miljöarbete"``), filtered by
type and by property values (the SCB municipality code, the owner), and scored 0-100.
Entity ids are kgpub's IRIs, type ids the ontology's class IRIs, property ids predicate IRIs.
Besides reconciliation: suggest (entities, types, properties), a small preview card, and data
extension (SCB code, owner, linked objectives, budget year and amount, Wikidata item).

Every method takes and returns plain values; a malformed request raises ``BadRequest``.
What the service offers is in ``reconcile_schema``, reading and scoring queries in
``reconcile_queries``, data extension in ``reconcile_extension``.
"""

from __future__ import annotations

import html
from itertools import islice
from typing import Any

from kgpub.errors import BadRequest, NotFound
from kgpub.rendering.l10n import pick_label
from kgpub.site.reconcile_extension import parse_extend, property_values
from kgpub.site.reconcile_queries import (
    DEFAULT_LIMIT,
    QUERY_KEYS,
    Query,
    Scored,
    limit_of,
    matches,
    name_score,
    parse_json,
    scb_code,
    value_text,
)
from kgpub.site.reconcile_schema import (
    DEFAULT_TYPES,
    Catalogue,
    CatalogueCache,
    properties,
    type_ids,
)
from kgpub.site.search import EXACT, Hit, SearchIndex, fold
from kgpub.store.base import Store

__all__ = ["Catalogue", "CatalogueCache", "Reconciler"]

VERSION = "0.2"
MAX_QUERIES = 1000  # queries in one batch
WINDOW = 50  # name candidates looked at beyond the limit (property values may reorder them)
SUGGEST_LIMIT = 10
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 160


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
            "defaultTypes": [self._type(self.kgpub + t) for t in DEFAULT_TYPES],
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
        unknown = sorted(set(raw) - QUERY_KEYS)
        if unknown:
            raise BadRequest(f"query {key!r}: unknown member {unknown[0]!r}")
        text = raw.get("query", "")
        if not isinstance(text, str):
            raise BadRequest(f"query {key!r}: 'query' must be a string")
        props = self._query_properties(key, raw.get("properties", []))
        if not fold(text) and not props:
            raise BadRequest(f"query {key!r} has neither a query string nor properties")
        limit = limit_of(raw["limit"]) if "limit" in raw else DEFAULT_LIMIT
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
            found.append((prop.id, tuple(value_text(v) for v in values)))
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
            if matches(prefix, [*self.catalogue.type_labels[t].values(), t.rsplit("#")[-1]])
        ]
        return {"result": found[cursor : cursor + SUGGEST_LIMIT]}

    def suggest_properties(self, prefix: str, cursor: int) -> dict[str, Any]:
        found = [
            {"id": p.id, "name": p.name(self.lang)}
            for p in self.properties.values()
            if matches(prefix, [*p.names.values(), p.id.rsplit("#")[-1].rsplit("/")[-1]])
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
        ids, pids = parse_extend(parse_json(extend_json, "extend"), self.properties)
        known = [i for i in ids if self.index.get(i) is not None]
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {i: {p: [] for p in pids} for i in ids}
        for pid in pids:
            values = property_values(pid, known, self.index, self.catalogue, self.store, self.lang)
            for iri, value in values:
                rows[iri][pid].append(value)
        meta = [{"id": p, "name": self.properties[p].name(self.lang)} for p in pids]
        return {"meta": meta, "rows": rows}

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
