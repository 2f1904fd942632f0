"""HTML pages with kgpub's own Jinja environment (autoescape on for every template)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from jinja2 import Environment, PackageLoader, select_autoescape

from kgpub.formats import DOCUMENT_FORMATS, Format
from kgpub.rendering.rdf import shorten
from kgpub.resources import pick_label
from kgpub.uris import UriScheme

TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "site": "kgpub – kommunal styrning som länkade data",
        "home": "Start",
        "site_nav": "Webbplatsen",
        "crumbs": "Du är här",
        "types": "Typ",
        "properties": "Egenskaper",
        "incoming": "Länkar hit",
        "formats": "Andra format",
        "iri": "Identifierare",
        "sparql": "SPARQL-ändpunkt",
        "dataset": "Datamängdsbeskrivning",
        "ontology": "Ontologi",
        "shapes": "SHACL-former",
        "dumps": "Nedladdningar",
        "municipalities": "Kommuner",
        "schemes": "Målsystem",
        "vision": "Vision",
        "promise": "Löfte till invånarna",
        "priorities": "Prioriterade områden och strategiska inriktningar",
        "goals": "Mål",
        "budget": "Budget",
        "recipient": "Mottagare",
        "amount": "Belopp",
        "year": "År",
        "objectives": "Kopplade nationella och globala mål",
        "sources": "Källor",
        "period": "Period",
        "decided": "Beslutat",
        "all_data": "All information om resursen",
        "not_found": "Hittades inte",
        "not_found_text": "Det finns ingen resurs med den adressen.",
        "classes": "Klasser",
        "props": "Egenskaper",
        "domain": "Domän",
        "range": "Värdemängd",
        "used_by": "Används av former",
        "definition": "Definition",
        "language": "In English",
        "search": "Sök",
        "search_label": "Sök kommuner, mål och nämnder",
        "intro": "Visioner, mål, målvärden, strategiska prioriteringar och budgetfördelning "
        "från svenska kommuner, kopplade till de nationella miljö- och jämställdhetsmålen "
        "och Agenda 2030, publicerade som validerade länkade öppna data (CC0).",
    },
    "en": {
        "site": "kgpub – municipal strategy as linked data",
        "home": "Home",
        "site_nav": "Site",
        "crumbs": "You are here",
        "types": "Type",
        "properties": "Properties",
        "incoming": "Links to here",
        "formats": "Other formats",
        "iri": "Identifier",
        "sparql": "SPARQL endpoint",
        "dataset": "Dataset description",
        "ontology": "Ontology",
        "shapes": "SHACL shapes",
        "dumps": "Downloads",
        "municipalities": "Municipalities",
        "schemes": "Objective schemes",
        "vision": "Vision",
        "promise": "Promise to residents",
        "priorities": "Priority areas and strategic priorities",
        "goals": "Goals",
        "budget": "Budget",
        "recipient": "Recipient",
        "amount": "Amount",
        "year": "Year",
        "objectives": "Linked national and global objectives",
        "sources": "Sources",
        "period": "Period",
        "decided": "Decided",
        "all_data": "Everything about this resource",
        "not_found": "Not found",
        "not_found_text": "There is no resource at this address.",
        "classes": "Classes",
        "props": "Properties",
        "domain": "Domain",
        "range": "Range",
        "used_by": "Used by shapes",
        "definition": "Definition",
        "language": "På svenska",
        "search": "Search",
        "search_label": "Search municipalities, goals and committees",
        "intro": "Visions, goals, targets, strategic priorities and budget allocations of "
        "Swedish municipalities, linked to the national environmental and gender-equality "
        "objectives and the 2030 Agenda, published as validated linked open data (CC0).",
    },
}


@dataclass
class PageContext:
    """What every page needs: language, where it is served, how to link and label."""

    base_iri: str
    host_url: str  # e.g. "http://127.0.0.1:8000/"
    lang: str
    path: str  # request path, e.g. "/doc/haninge"
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    alternates: list[tuple[Format, str]] = field(default_factory=list)

    def t(self, key: str) -> str:
        return TEXT[self.lang].get(key, key)

    @property
    def other_lang(self) -> str:
        return "en" if self.lang == "sv" else "sv"

    def lang_url(self, lang: str) -> str:
        return f"{self.path}?{urlencode({'lang': lang})}"

    def url(self, local: str) -> str:
        """A site-relative URL carrying the chosen language when it was chosen explicitly."""
        return local

    def link(self, iri: str) -> str:
        """Where an HTML link to ``iri`` goes: a thing to its document, under the host the
        page is served from; IRIs outside the base stay as they are."""
        uris = UriScheme(self.base_iri)
        return uris.to_local_url(uris.doc_of(iri) or iri, self.host_url)

    def label(self, iri: str) -> str:
        found = pick_label(self.labels.get(iri, {}), self.lang)
        return found if found is not None else shorten(iri, self.base_iri)

    def has_label(self, iri: str) -> bool:
        return iri in self.labels

    def term(self, obj: Any) -> dict[str, Any]:
        """A value as the templates show it."""
        if isinstance(obj, pyoxigraph.NamedNode):
            return {
                "kind": "iri",
                "href": self.link(obj.value),
                "text": self.label(obj.value),
                "iri": obj.value,
            }
        if isinstance(obj, pyoxigraph.Literal):
            dt = obj.datatype.value if obj.datatype else ""
            return {
                "kind": "literal",
                "text": obj.value,
                "lang": obj.language or "",
                "datatype": ""
                if obj.language or dt.endswith("#string")
                else shorten(dt, self.base_iri),
            }
        return {"kind": "blank", "text": "_:" + str(getattr(obj, "value", obj))}


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kgpub", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["DOCUMENT_FORMATS"] = DOCUMENT_FORMATS
    return env


class HtmlRenderer:
    def __init__(self) -> None:
        self.env = make_environment()

    def render(self, template: str, ctx: PageContext, **data: Any) -> str:
        return self.env.get_template(template).render(ctx=ctx, **data)
