"""Which sheets the strategy workbook has, and the few choices the shapes cannot make.

The columns of each sheet come from the shapes and the ontology (``template.py``); a sheet
spec says only which classes a sheet holds (the "type" drop-down and the types each choice
stands for), where its IRIs are minted, which properties that no shape mentions it offers as
well (comments, alternative names, links), and which shape properties make no sense on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgpub.vocab import prefixes_for

#: Prefixes a cell may use besides the vocabularies' (national schemes, counties, formats).
#: Values are relative to the base IRI when they do not start with a scheme.
LOCAL_PREFIXES: dict[str, str] = {
    "se": "id/se/",
    "seo": "id/se/environmental-objective/",
    "seg": "id/se/gender-equality-goal/",
    "county": "id/se/county/",
    "un": "id/un/",
    "filetype": "http://publications.europa.eu/resource/authority/file-type/",
    "language": "http://publications.europa.eu/resource/authority/language/",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
}


def cell_prefixes(base_iri: str) -> dict[str, str]:
    """Every prefix a cell may use, with namespaces resolved against ``base_iri``."""
    out = dict(prefixes_for(base_iri))
    for prefix, ns in LOCAL_PREFIXES.items():
        out[prefix] = ns if ":" in ns else base_iri + ns
    return out


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the workbook.

    Attributes:
        key: Stable English key (CSV file name, ``csv-metadata.json``).
        name_sv, name_en: Sheet title (Swedish) and its English name.
        types: The type choices: each a compact class and the classes it stands for.
        path: Where rows mint IRIs: ``{m}`` is the municipality's IRI (``…/id/haninge``),
            ``{base}`` the base IRI, ``{parent}`` the IRI of the row named in the ``parent``
            column.
        parent: The column key whose row gives ``{parent}``, if the path uses it.
        extras: Properties no shape gives this sheet but the data uses (``p@sv`` for text,
            ``p@`` for text without a language; a property of ``PARTS`` gives one column
            per part of the blank node it points to).
        omit: Shape properties that do not belong on this sheet.
        order: Column keys that come first, in this order.
    """

    key: str
    name_sv: str
    name_en: str
    types: tuple[tuple[str, tuple[str, ...]], ...]
    path: str
    parent: str | None = None
    extras: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    mirror_label: bool = False

    @property
    def classes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for _choice, expansion in self.types:
            seen.update(dict.fromkeys(expansion))
        return tuple(seen)


_COMMENT = ("rdfs:comment@sv", "rdfs:comment@en")
_DECISION = ("kgpub:owner", "kgpub:decidedBy", "kgpub:decisionDate", "kgpub:decidedIn")
_NOT_DECIDED = (*_DECISION, "kgpub:supportsVision", "kgpub:restsOn")
_NAMES = ("rdfs:label@sv", "rdfs:label@en")
_ADDRESS = ("street-address", "postal-code", "locality", "country-name")
_DATES = ("dcterms:issued", "dcterms:modified", "dcterms:created")

SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "municipality",
        "Kommun",
        "Municipality",
        (
            (
                "kgpub:Municipality",
                ("kgpub:Municipality", "org:FormalOrganization", "cv:PublicOrganisation"),
            ),
        ),
        "id/{slug}",
        extras=(
            "skos:altLabel@sv",
            "skos:altLabel@en",
            "schema:sameAs",
            "kgpub:worksTowards",
            "cv:contactPoint",
            "foaf:page",
            *_COMMENT,
        ),
        omit=(*_NOT_DECIDED, "schema:position", "org:hasUnit"),
        order=(*_NAMES, "kgpub:municipalityCode", "kgpub:county", "foaf:homepage"),
        mirror_label=True,
    ),
    SheetSpec(
        "sources",
        "Källor",
        "Sources",
        (("foaf:Document", ("foaf:Document",)), ("prov:Entity", ("foaf:Document", "prov:Entity"))),
        "{m}/document/{slug}",
        extras=(
            "dcterms:description@sv",
            "dcterms:description@en",
            "dcterms:source",
            "dcterms:language",
            "dcterms:creator",
            "dcterms:title@sv",
            "dcterms:title@en",
            "dcterms:title@",
            *_DATES,
            *_COMMENT,
        ),
        order=(*_NAMES, "dcterms:title@sv", "dcterms:title@en", "dcterms:title"),
    ),
    SheetSpec(
        "provenance",
        "Proveniens",
        "Provenance",
        (("prov:Entity", ("prov:Entity",)),),
        "{base}graph/{slug}",
        extras=(*_NAMES, "prov:wasDerivedFrom", "prov:generatedAtTime", *_COMMENT),
        order=(*_NAMES, "prov:wasDerivedFrom", "prov:generatedAtTime"),
    ),
    SheetSpec(
        "bodies",
        "Organ",
        "Bodies",
        (
            ("kgpub:MunicipalCouncil", ("kgpub:MunicipalCouncil", "org:OrganizationalUnit")),
            ("kgpub:ExecutiveBoard", ("kgpub:ExecutiveBoard", "org:OrganizationalUnit")),
            ("kgpub:Committee", ("kgpub:Committee", "org:OrganizationalUnit")),
            ("org:Organization", ("org:Organization",)),
        ),
        "{m}/{slug}",
        extras=_COMMENT,
        omit=(*_NOT_DECIDED, "kgpub:vision", "kgpub:promise", "kgpub:worksTowards"),
        order=(*_NAMES, "org:unitOf"),
    ),
    SheetSpec(
        "contact",
        "Kontakt",
        "Contact",
        (("vcard:Organization", ("vcard:Organization",)),),
        "{m}/{slug}",
        extras=(
            *_NAMES,
            "vcard:fn",
            "vcard:hasEmail",
            "vcard:hasTelephone",
            "schema:openingHours",
            "vcard:hasAddress",
            "dcterms:source",
            *_COMMENT,
        ),
        order=(
            *_NAMES,
            "vcard:fn",
            "vcard:hasEmail",
            "vcard:hasTelephone",
            *(f"vcard:hasAddress/vcard:{p}" for p in _ADDRESS),
        ),
    ),
    SheetSpec(
        "vision",
        "Vision",
        "Vision",
        (("kgpub:Vision", ("kgpub:Vision",)),),
        "{m}/{slug}",
        extras=("skos:altLabel@sv", "skos:altLabel@en", "foaf:page", *_COMMENT),
        omit=(
            "kgpub:supportsVision",
            "kgpub:restsOn",
            "schema:position",
            "kgpub:hasStatement",
            "kgpub:hasArea",
        ),
    ),
    SheetSpec(
        "vision_statements",
        "Visionsformuleringar",
        "Vision statements",
        (("kgpub:VisionStatement", ("kgpub:VisionStatement",)),),
        "{parent}/{slug}",
        parent="^kgpub:hasStatement",
        extras=_COMMENT,
        omit=_NOT_DECIDED,
    ),
    SheetSpec(
        "vision_areas",
        "Visionsområden",
        "Vision areas",
        (("kgpub:VisionArea", ("kgpub:VisionArea",)),),
        "{parent}/area/{slug}",
        parent="^kgpub:hasArea",
        extras=_COMMENT,
        omit=_NOT_DECIDED,
    ),
    SheetSpec(
        "promise",
        "Löfte",
        "Promise",
        (("kgpub:Promise", ("kgpub:Promise",)),),
        "{m}/{slug}",
        extras=_COMMENT,
        omit=("kgpub:supportsVision", "kgpub:restsOn", "schema:position", "kgpub:hasCommitment"),
    ),
    SheetSpec(
        "commitments",
        "Löftespunkter",
        "Promise commitments",
        (("kgpub:PromiseCommitment", ("kgpub:PromiseCommitment",)),),
        "{parent}/{slug}",
        parent="^kgpub:hasCommitment",
        extras=_COMMENT,
        omit=_NOT_DECIDED,
    ),
    SheetSpec(
        "priorities",
        "Prioriteringar",
        "Priorities",
        (
            ("kgpub:PriorityArea", ("kgpub:PriorityArea",)),
            ("kgpub:StrategicPriority", ("kgpub:StrategicPriority", "kgpub:PriorityArea")),
        ),
        "{m}/priority-area/{slug}",
        extras=_COMMENT,
        omit=("kgpub:restsOn",),
    ),
    SheetSpec(
        "priority_lists",
        "Prioriteringslistor",
        "Lists of priorities",
        (("schema:ItemList", ("schema:ItemList",)),),
        "{m}/{slug}",
        extras=("schema:numberOfItems", "schema:itemListElement", *_COMMENT),
        omit=("kgpub:supportsVision", "kgpub:restsOn", "schema:position"),
    ),
    SheetSpec(
        "periods",
        "Perioder",
        "Periods",
        (("dcterms:PeriodOfTime", ("dcterms:PeriodOfTime",)),),
        "{m}/{slug}",
        extras=(*_NAMES, *_COMMENT),
    ),
    SheetSpec(
        "goal_sets",
        "Målsamlingar",
        "Goal sets",
        (("skos:ConceptScheme", ("skos:ConceptScheme",)),),
        "{m}/{slug}",
        extras=("skos:scopeNote@sv", "skos:scopeNote@en", "foaf:page", *_COMMENT),
        omit=("kgpub:supportsVision", "schema:position", "skos:hasTopConcept"),
        mirror_label=True,
    ),
    SheetSpec(
        "goals",
        "Mål",
        "Goals",
        (
            ("kgpub:Goal", ("kgpub:Goal",)),
            ("kgpub:Target", ("kgpub:Target",)),
            ("kgpub:Indicator", ("kgpub:Indicator",)),
        ),
        "{m}/goal/{slug}",
        extras=("skos:definition@sv", "skos:definition@en", *_COMMENT),
        omit=(
            "kgpub:decidedBy",
            "kgpub:decidedIn",
            "kgpub:decisionDate",
            "kgpub:restsOn",
            *(f"skos:{m}Match" for m in ("exact", "close", "broad", "narrow", "related")),
        ),
        order=(
            "skos:inScheme",
            "skos:broader",
            "kgpub:measures",
            "schema:position",
            "skos:notation",
            *_NAMES,
        ),
        mirror_label=True,
    ),
    SheetSpec(
        "budgets",
        "Budget",
        "Budgets",
        (("kgpub:Budget", ("kgpub:Budget",)),),
        "{m}/budget/{slug}",
        extras=_COMMENT,
        omit=("kgpub:supportsVision", "kgpub:restsOn", "schema:position", "kgpub:hasAllocation"),
        order=("kgpub:fiscalYear", *_NAMES),
    ),
    SheetSpec(
        "allocations",
        "Budgetanslag",
        "Budget allocations",
        (("kgpub:BudgetAllocation", ("kgpub:BudgetAllocation",)),),
        "{parent}/{slug}",
        parent="^kgpub:hasAllocation",
        extras=_COMMENT,
        omit=_NOT_DECIDED,
        order=(
            "^kgpub:hasAllocation",
            "kgpub:fiscalYear",
            "kgpub:recipient",
            "kgpub:amount",
            "kgpub:currency",
            "kgpub:amountAsStated@sv",
            "kgpub:statedAmount",
            "sdmx-attribute:unitMult",
            "sdmx-attribute:decimals",
        ),
    ),
    SheetSpec(
        "alignments",
        "Målkopplingar",
        "Alignments",
        (("kgpub:Alignment", ("kgpub:Alignment",)),),
        "{m}/alignment/{slug}",
        extras=_COMMENT,
        omit=_NOT_DECIDED,
        order=(
            "kgpub:localGoal",
            "kgpub:mappingRelation",
            "kgpub:objective",
            "kgpub:basis",
            *_COMMENT,
            *_NAMES,
        ),
    ),
)

#: The sheet of statements that no column holds (a last resort; export fills it rarely).
EXTRA_SHEET = ("extra", "Övrigt", "Other statements")
#: The instructions and the lists behind the drop-downs.
INSTRUCTIONS_SHEET = ("instructions", "Instruktioner", "Instructions")
LISTS_SHEET = ("lists", "Listor", "Lists")

#: Column keys of the extra statements sheet.
EXTRA_COLUMNS = ("subject", "property", "value", "language", "datatype")

#: Properties that, set on a row, imply the inverse triple (checked by export).
MIRRORS: dict[str, str] = {
    "org:unitOf": "org:hasUnit",
    "skos:topConceptOf": "skos:hasTopConcept",
}

#: Swedish and English column names for properties whose shapes or ontology name them
#: awkwardly or not at all.
NAMES: dict[str, tuple[str, str]] = {
    "rdfs:label": ("namn", "name"),
    "rdfs:comment": ("kommentar", "comment"),
    "dcterms:title": ("titel", "title"),
    "dcterms:description": ("beskrivning", "description"),
    "dcterms:source": ("källa", "source"),
    "dcterms:language": ("språk", "language"),
    "dcterms:creator": ("upphov", "creator"),
    "dcterms:issued": ("utgiven", "issued"),
    "dcterms:modified": ("senast ändrad", "last modified"),
    "dcterms:created": ("skapad", "created"),
    "prov:wasDerivedFrom": ("hämtad ur källa", "derived from source"),
    "prov:generatedAtTime": ("sammanställd (tid)", "generated at (time)"),
    "vcard:hasAddress": ("adress", "address"),
    "vcard:street-address": ("gatuadress", "street address"),
    "vcard:postal-code": ("postnummer", "postal code"),
    "vcard:locality": ("ort", "locality"),
    "vcard:country-name": ("land", "country"),
    "kgpub:owner": ("ägare", "owner"),
    "skos:altLabel": ("annat namn", "alternative name"),
    "skos:scopeNote": ("omfattning", "scope note"),
    "skos:definition": ("definition", "definition"),
    "schema:sameAs": ("samma som (Wikidata)", "same as (Wikidata)"),
    "foaf:page": ("dokument", "documents"),
    "cv:contactPoint": ("kontakt", "contact point"),
    "vcard:fn": ("namn i kontaktkortet", "name on the contact card"),
    "vcard:hasEmail": ("e-post (mailto:)", "email (mailto:)"),
    "vcard:hasTelephone": ("telefon (tel:)", "telephone (tel:)"),
    "schema:openingHours": ("öppettider", "opening hours"),
    "schema:numberOfItems": ("antal", "number of items"),
    "schema:itemListElement": ("prioriteringar i listan", "priorities in the list"),
    "^kgpub:hasStatement": ("vision", "vision"),
    "^kgpub:hasArea": ("vision", "vision"),
    "^kgpub:hasCommitment": ("löfte", "promise"),
    "^kgpub:hasAllocation": ("budget", "budget"),
}

#: Datatypes of the extras that are literals (None: plain text).
LITERAL_EXTRAS: dict[str, str | None] = {
    "schema:numberOfItems": "http://www.w3.org/2001/XMLSchema#integer",
    "vcard:fn": None,
    "schema:openingHours": None,
}

#: Extras whose values are dates: a year, a month, a date or a date and time.
DATE_EXTRAS = frozenset({*_DATES, "prov:generatedAtTime"})

#: Properties that point to a blank node of one class, given as one column per part (a
#: property of that node with a plain text value): the contact's address.
PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "vcard:hasAddress": (
        "vcard:Address",
        tuple(f"vcard:{p}" for p in _ADDRESS),
    ),
}

#: Drop-down lists that come from the published data rather than from an ``sh:in``.
DATA_CHOICES: dict[str, str] = {
    "kgpub:objective": "objectives",
    "kgpub:county": "counties",
    "kgpub:unit": "units",
    "dcterms:format": "formats",
}

#: Drop-downs that suggest values but take others too.
OPEN_CHOICES = frozenset({"kgpub:unit", "dcterms:format"})

#: File formats the format drop-down offers (from the EU's file type list), each with the
#: class and the Swedish and English names that import states about it: choosing
#: ``filetype:PDF`` says that it is a ``dcterms:MediaTypeOrExtent`` named "PDF".
FILE_TYPES: dict[str, tuple[str, str, str]] = {
    f"filetype:{code}": ("dcterms:MediaTypeOrExtent", code, code)
    for code in ("PDF", "HTML", "DOCX", "XLSX", "PPTX", "ODT", "ODS", "CSV", "JSON", "XML")
}
