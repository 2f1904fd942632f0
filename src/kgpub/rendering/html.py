"""HTML pages with kgpub's own Jinja environment (autoescape on for every template)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from jinja2 import Environment, PackageLoader, select_autoescape

from kgpub.formats import DOCUMENT_FORMATS, Format
from kgpub.rendering import l10n
from kgpub.rendering.l10n import pick_label
from kgpub.rendering.rdf import shorten
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
        "municipalities_all": "Alla kommuner",
        "municipalities_under": "Kommuner på {letter}",
        "municipalities_count": "{n} kommuner.",
        "municipalities_count_one": "{n} kommun.",
        "municipalities_choose": "Välj en begynnelsebokstav.",
        "municipalities_letters": "Begynnelsebokstäver",
        "pages": "Sidor",
        "showing_range": "Visar {first}–{last} av {total}.",
        "previous": "Föregående sida",
        "next": "Nästa sida",
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
        "search_placeholder": "Kommun, mål, nämnd …",
        "overview_links": "Mer om kommunen",
        "alignment": "Koppling till nationella och globala mål",
        "alignment_of": "{name}: mål mot nationella och globala mål",
        "alignment_intro": "Raderna är kommunens mål, kolumnerna målen i de nationella "
        "miljökvalitetsmålen, jämställdhetsmålen och Agenda 2030. En markerad cell betyder att "
        "datan kopplar målet till det nationella eller globala målet; en tom cell att ingen "
        "sådan koppling finns i datan.",
        "alignment_none": "Datan anger inga kopplingar mellan kommunens mål och nationella eller "
        "globala mål.",
        "alignment_summary": "{links} kopplingar: {stated} anges i källan, {interpreted} är "
        "tolkningar.",
        "alignment_list": "Alla kopplingar som lista",
        "legend": "Teckenförklaring",
        "basis_stated": "anges i källan",
        "basis_interpreted": "tolkning",
        "basis_unknown": "grund ej angiven",
        "local_goal": "Kommunens mål",
        "objective": "Nationellt eller globalt mål",
        "relation": "Relation",
        "basis": "Grund",
        "other_objectives": "Övriga mål",
        "compare": "Jämför kommuner",
        "compare_with": "Jämför med andra kommuner",
        "compare_intro": "Välj två eller fler kommuner att visa sida vid sida.",
        "compare_pick": "Kommuner att jämföra",
        "compare_slug": "Kommunens identifierare (till exempel haninge)",
        "compare_button": "Jämför",
        "goal_count": "Antal mål",
        "goals_in": "Mål per målsamling",
        "goals_linked": "Mål kopplade till nationella och globala mål",
        "budget_total": "Budget: summa av redovisade fördelningar",
        "objectives_addressed": "Nationella och globala mål som kommunernas mål kopplas till",
        "unknown": "uppgift saknas",
        "horizon": "Tidshorisont",
        "decided_by": "Beslutat av",
        "decision_date": "Beslutsår",
        "expand_all": "Visa alla",
        "collapse_all": "Dölj alla",
        "tree_help": "Pilknapparna flyttar mellan målen; höger visar och vänster döljer det som "
        "ligger under ett mål.",
        "sub_items": "Delmål, målvärden och indikatorer ({n})",
        "linked_count": "Kopplade mål ({n})",
        "kind_goal": "Mål",
        "kind_target": "Målvärde",
        "kind_indicator": "Indikator",
        "budget_chart": "Fördelning per mottagare",
        "budget_desc": "Stapeldiagram. Summa av fördelningarna: {total}.",
        "share": "Andel",
        "total": "Summa av fördelningarna ovan",
        "as_stated": "Som det står i källan",
        "made_of": "Vad sidan består av",
        "made_of_query": "En SPARQL-fråga som ger samma data",
        "made_of_graph": "Den namngivna grafen i Turtle",
        "incoming_more": "Visar {shown} av {total} länkar hit.",
        "incoming_query": "Alla länkar hit med SPARQL",
        "made_of_linked": "En SPARQL-fråga som listar alla kommunmål kopplade hit",
        "made_of_format": "Resursen som {fmt}",
        "linked_goals": "Kommunernas mål som kopplas till detta mål",
        "linked_goals_more": "Visar de första {shown} av {total}; SPARQL-frågan längst ned ger "
        "alla.",
        "municipality": "Kommun",
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
        "municipalities_all": "All municipalities",
        "municipalities_under": "Municipalities starting with {letter}",
        "municipalities_count": "{n} municipalities.",
        "municipalities_count_one": "{n} municipality.",
        "municipalities_choose": "Choose an initial letter.",
        "municipalities_letters": "Initial letters",
        "pages": "Pages",
        "showing_range": "Showing {first}–{last} of {total}.",
        "previous": "Previous page",
        "next": "Next page",
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
        "search_placeholder": "Municipality, goal, committee …",
        "overview_links": "More about the municipality",
        "alignment": "Alignment with national and global objectives",
        "alignment_of": "{name}: goals against national and global objectives",
        "alignment_intro": "The rows are the municipality's goals, the columns the objectives of "
        "Sweden's environmental quality objectives, its gender-equality goals and the 2030 "
        "Agenda. A marked cell means the data links the goal to that objective; an empty cell "
        "means the data holds no such link.",
        "alignment_none": "The data records no links between the municipality's goals and "
        "national or global objectives.",
        "alignment_summary": "{links} links: {stated} stated by the source, {interpreted} "
        "interpretations.",
        "alignment_list": "All links as a list",
        "legend": "Key",
        "basis_stated": "stated by the source",
        "basis_interpreted": "interpretation",
        "basis_unknown": "basis not recorded",
        "local_goal": "Municipality's goal",
        "objective": "National or global objective",
        "relation": "Relation",
        "basis": "Basis",
        "other_objectives": "Other objectives",
        "compare": "Compare municipalities",
        "compare_with": "Compare with other municipalities",
        "compare_intro": "Choose two or more municipalities to show side by side.",
        "compare_pick": "Municipalities to compare",
        "compare_slug": "The municipality's identifier (for example haninge)",
        "compare_button": "Compare",
        "goal_count": "Number of goals",
        "goals_in": "Goals per goal set",
        "goals_linked": "Goals linked to national and global objectives",
        "budget_total": "Budget: sum of the allocations listed",
        "objectives_addressed": "National and global objectives the municipalities' goals link to",
        "unknown": "not known",
        "horizon": "Horizon",
        "decided_by": "Decided by",
        "decision_date": "Year of decision",
        "expand_all": "Expand all",
        "collapse_all": "Collapse all",
        "tree_help": "The arrow keys move between goals; right shows and left hides what lies "
        "under a goal.",
        "sub_items": "Sub-goals, targets and indicators ({n})",
        "linked_count": "Linked objectives ({n})",
        "kind_goal": "Goal",
        "kind_target": "Target",
        "kind_indicator": "Indicator",
        "budget_chart": "Allocation by recipient",
        "budget_desc": "Bar chart. Sum of the allocations: {total}.",
        "share": "Share",
        "total": "Sum of the allocations listed",
        "as_stated": "As the source states it",
        "made_of": "What this page is made of",
        "made_of_query": "A SPARQL query that returns the same data",
        "made_of_graph": "The named graph in Turtle",
        "incoming_more": "Showing {shown} of {total} links to here.",
        "incoming_query": "Every link to here, by SPARQL",
        "made_of_linked": "A SPARQL query listing every municipality goal linked here",
        "made_of_format": "The resource as {fmt}",
        "linked_goals": "Municipality goals linked to this objective",
        "linked_goals_more": "Showing the first {shown} of {total}; the SPARQL query below "
        "returns them all.",
        "municipality": "Municipality",
        "search_label": "Search municipalities, goals and committees",
        "intro": "Visions, goals, targets, strategic priorities and budget allocations of "
        "Swedish municipalities, linked to the national environmental and gender-equality "
        "objectives and the 2030 Agenda, published as validated linked open data (CC0).",
    },
}


SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
RELATIONS: dict[str, dict[str, str]] = {
    "sv": {
        "exactMatch": "motsvarar exakt",
        "closeMatch": "motsvarar nära",
        "relatedMatch": "hör ihop med",
        "broadMatch": "ingår i det bredare",
        "narrowMatch": "omfattar det smalare",
    },
    "en": {
        "exactMatch": "exact match of",
        "closeMatch": "close match of",
        "relatedMatch": "related to",
        "broadMatch": "part of the broader",
        "narrowMatch": "covers the narrower",
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

    def literal_text(self, lexical: str, datatype: str) -> str:
        """Dates and numbers as the reader's language writes them; anything else as it is."""
        local = datatype.rsplit("#", 1)[-1] if datatype.startswith(XSD_NS) else ""
        if local in ("date", "dateTime"):
            return l10n.date(lexical, self.lang)
        if local in ("decimal", "integer", "nonNegativeInteger", "positiveInteger"):
            number = l10n.to_decimal(lexical)
            if number is not None:
                return l10n.decimal(number, self.lang)
        return lexical

    def relation(self, iri: str) -> str:
        """A SKOS mapping property in words (``skos:closeMatch`` -> "close match of")."""
        name = iri.removeprefix(SKOS_NS)
        return RELATIONS[self.lang].get(name, self.label(iri))

    def amount(self, value: Decimal | float, currency: str = "SEK") -> str:
        return l10n.amount(value, currency, self.lang)

    def share(self, fraction: float) -> str:
        return l10n.share(fraction, self.lang)

    def date(self, lexical: str) -> str:
        return l10n.date(lexical, self.lang)

    def number(self, value: Decimal | float | int, decimals: int = 0) -> str:
        return l10n.number(value, self.lang, decimals)

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
                "text": self.literal_text(obj.value, dt),
                "lexical": obj.value,
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
