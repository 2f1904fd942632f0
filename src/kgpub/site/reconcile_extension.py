"""Data extension: the values of the properties a spreadsheet asks for, for the entities it
has reconciled (SCB code and owner from what the service knows, the rest with one query per
property)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kgpub.errors import BadRequest
from kgpub.site.reconcile_schema import Catalogue, Property
from kgpub.site.search import SearchIndex
from kgpub.store.base import Store, iri_ref
from kgpub.vocab import OWL_SAME_AS, SCHEMA_SAME_AS, SKOS, WD

MAX_IDS = 1000  # entities in one data-extension request


def parse_extend(raw: Any, properties: Mapping[str, Property]) -> tuple[list[str], list[str]]:
    """The entity ids and property ids of an ``extend=`` request, each once, in order."""
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
        if pid not in properties:
            raise BadRequest(f"extend: unknown property {pid!r} (see /reconcile/properties)")
    return list(dict.fromkeys(ids)), list(dict.fromkeys(pids))


def property_values(
    pid: str, ids: list[str], index: SearchIndex, catalogue: Catalogue, store: Store, lang: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(entity, value) pairs of one property for the entities ``ids``."""
    kgpub = catalogue.kgpub
    if pid == kgpub + "municipalityCode":
        yield from ((i, {"str": catalogue.codes[i]}) for i in ids if i in catalogue.codes)
    elif pid == kgpub + "owner":
        for i in ids:
            hit = index.get(i)
            if hit is not None and hit.owner_iri:
                name = hit.owner_label(lang) or hit.owner_iri
                yield i, {"id": hit.owner_iri, "name": name}
    elif ids:
        yield from _queried_values(pid, ids, index, store, kgpub, lang)


def _queried_values(
    pid: str, ids: list[str], index: SearchIndex, store: Store, kgpub: str, lang: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    for row in store.select(extension_query(kgpub, pid, ids)):
        iri, value = row["id"].value, row["v"].value
        if pid == kgpub + "objective":
            hit = index.get(value)
            yield iri, {"id": value, "name": hit.label(lang) if hit else value}
        elif pid == SCHEMA_SAME_AS:
            yield iri, {"str": value.removeprefix(WD)}
        else:
            yield iri, number_value(value)


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
    elif pid == SCHEMA_SAME_AS:
        where = f'?id (<{SCHEMA_SAME_AS}>|<{OWL_SAME_AS}>) ?v FILTER(STRSTARTS(STR(?v), "{WD}"))'
        head, order = "SELECT DISTINCT ?id ?v", "?id ?v"
    else:
        where = f"{{ ?id <{pid}> ?v }} UNION {{ ?a <{kgpub}recipient> ?id ; <{pid}> ?v }}"
        head, order = "SELECT ?id ?v", "?id ?a"
    values = " ".join(map(iri_ref, ids))
    return f"{head} WHERE {{ VALUES ?id {{ {values} }} GRAPH ?g {{ {where} }} }} ORDER BY {order}"
