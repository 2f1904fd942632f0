"""The workbook's columns, generated from the shapes and the ontology.

For every sheet (``specs.SHEETS``) the columns are: the row's id (slug) and type, then one
column per property that a shape targeting the sheet's classes constrains (a property that
takes text in a language gets one column per language), the properties the ontology gives
those classes as their domain, and the sheet's extras. A column is required where a shape
says ``sh:minCount`` 1 or more; its kind (text, number, year, date, reference) and its
drop-down choices (``sh:in``) come from the shapes too, so the template follows the shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from kgpub.publish.spreadsheet.specs import (
    DATA_CHOICES,
    DATE_EXTRAS,
    LITERAL_EXTRAS,
    NAMES,
    PARTS,
    SHEETS,
    SheetSpec,
    cell_prefixes,
)
from kgpub.vocab import XSD, compact

LANGS = ("sv", "en")
DATE_TYPES = frozenset(XSD + t for t in ("date", "gYearMonth", "gYear", "dateTime"))
LANG_STRING = str(RDF.langString)


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is what row 3 of the sheet holds (``rdfs:label@sv``, ``^p``).

    ``kind`` is ``id``, ``type``, ``text`` (language ``lang``, None for text without a
    language), ``literal`` (``datatype``, None for plain text), ``date``, ``ref`` or ``part``
    (the plain text value of property ``part`` of the blank node that ``prop`` points to);
    ``multi`` columns take several values, one a line. ``required_for`` names the classes
    for which a shape requires a value.
    """

    key: str
    prop: str
    kind: str
    label_sv: str
    label_en: str
    lang: str | None = None
    datatype: str | None = None
    inverse: bool = False
    multi: bool = True
    required_for: tuple[str, ...] = ()
    choices: str | None = None
    targets: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    part: str | None = None

    @property
    def required(self) -> bool:
        return bool(self.required_for)


@dataclass
class Sheet:
    spec: SheetSpec
    columns: list[Column] = field(default_factory=list)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class Template:
    sheets: list[Sheet]
    prefixes: dict[str, str]
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def sheet(self, key: str) -> Sheet:
        return next(s for s in self.sheets if s.spec.key == key)


@dataclass
class _Draft:
    prop: str
    inverse: bool = False
    required_for: set[str] = field(default_factory=set)
    single: bool = False
    datatypes: set[str] = field(default_factory=set)
    ref: bool = False
    literal: bool = False
    classes: set[str] = field(default_factory=set)
    choices: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def build_template(shapes: Graph, ontology: Graph, base_iri: str) -> Template:
    """The workbook's sheets and columns for these shapes and this ontology."""
    prefixes = cell_prefixes(base_iri)
    reader = _ShapeReader(shapes, ontology, prefixes)
    sheets = [Sheet(spec, reader.columns(spec)) for spec in SHEETS]
    template = Template(sheets, prefixes)
    _link_targets(template)
    return template


class _ShapeReader:
    def __init__(self, shapes: Graph, ontology: Graph, prefixes: dict[str, str]) -> None:
        self.shapes = shapes
        self.ontology = ontology
        self.prefixes = prefixes

    def iri(self, compact_name: str) -> str:
        prefix, local = compact_name.split(":", 1)
        return self.prefixes[prefix] + local

    def c(self, iri: str) -> str:
        return compact(iri, self.prefixes)

    def node_shapes(self, classes: set[str]) -> Iterator[tuple[Node, set[str]]]:
        """Node shapes that apply to any of ``classes``, with the classes they target."""
        for shape in sorted(set(self.shapes.subjects(RDF.type, SH.NodeShape)), key=str):
            targeted = {str(c) for c in self.shapes.objects(shape, SH.targetClass)}
            for target in self.shapes.objects(shape, SH.target):
                targeted |= {
                    str(o)
                    for p, o in self.shapes.predicate_objects(target)
                    if str(p).endswith("#class")
                }
            hit = targeted & classes
            if hit:
                yield shape, hit

    def columns(self, spec: SheetSpec) -> list[Column]:
        classes = {self.iri(c) for c in spec.classes}
        drafts: dict[str, _Draft] = {}
        for shape, hit in self.node_shapes(classes):
            for prop_shape in self.shapes.objects(shape, SH.property):
                self.read_property(prop_shape, hit, drafts)
        self.add_domain_properties(classes, drafts)
        for extra in spec.extras:
            prop = extra.split("@")[0]
            drafts.setdefault(prop, _Draft(self.iri(prop)))
        for omitted in (*spec.omit, "skos:prefLabel"):
            drafts.pop(omitted, None)
        columns = [
            Column("id", "", "id", "ID (slug)", "ID (slug)", multi=False),
            Column("rdf:type", str(RDF.type), "type", "Typ", "Type", choices=f"type:{spec.key}"),
        ]
        for key, draft in drafts.items():
            columns.extend(self.make_columns(key, draft, spec))
        return _ordered(columns, spec)

    def read_property(self, prop_shape: Node, hit: set[str], drafts: dict[str, _Draft]) -> None:
        path = self.shapes.value(prop_shape, SH.path)
        inverse = False
        if path is not None and not isinstance(path, URIRef):
            inverse_of = self.shapes.value(path, SH.inversePath)
            if not isinstance(inverse_of, URIRef):
                self.read_alternatives(prop_shape, path, hit, drafts)
                return  # alternative paths are checks across columns, not columns
            path, inverse = inverse_of, True
        if not isinstance(path, URIRef):
            return
        key = ("^" if inverse else "") + self.c(str(path))
        draft = drafts.setdefault(key, _Draft(str(path), inverse))
        self.merge(prop_shape, hit, draft)

    def read_alternatives(
        self, ps: Node, path: Node, hit: set[str], drafts: dict[str, _Draft]
    ) -> None:
        """A name required in Swedish (``sh:qualifiedMinCount`` with ``sh:languageIn``)
        makes the first alternative's Swedish column required."""
        g = self.shapes
        count = g.value(ps, SH.qualifiedMinCount)
        alternatives = g.value(path, SH.alternativePath)
        if not isinstance(count, Literal) or int(count) < 1 or alternatives is None:
            return
        first = next(iter(Collection(g, alternatives)), None)
        if isinstance(first, URIRef):
            key = self.c(str(first))
            draft = drafts.setdefault(key, _Draft(str(first)))
            draft.required_for |= hit
            draft.datatypes.add(LANG_STRING)

    def merge(self, ps: Node, hit: set[str], draft: _Draft) -> None:
        g = self.shapes
        min_count = g.value(ps, SH.minCount)
        if isinstance(min_count, Literal) and int(min_count) >= 1:
            draft.required_for |= hit
        max_count = g.value(ps, SH.maxCount)
        if isinstance(max_count, Literal) and int(max_count) == 1:
            draft.single = True
        if (ps, SH.uniqueLang, None) in g:
            draft.datatypes.add(LANG_STRING)
        for name in g.objects(ps, SH.name):
            if isinstance(name, Literal) and name.language and name.language not in draft.names:
                draft.names[name.language] = str(name)
        for node in [ps, *self.or_members(ps)]:
            draft.datatypes |= {str(d) for d in g.objects(node, SH.datatype)}
            draft.classes |= {str(c) for c in g.objects(node, SH["class"])}
            if (node, SH.nodeKind, SH.IRI) in g or (node, SH.node, None) in g:
                draft.ref = True
            if (node, SH.nodeKind, SH.Literal) in g:
                draft.literal = True
            for listed in g.objects(node, SH["in"]):
                draft.choices += [self.c(str(v)) for v in Collection(g, listed)]

    def or_members(self, ps: Node) -> list[Node]:
        return [
            m for lst in self.shapes.objects(ps, SH["or"]) for m in Collection(self.shapes, lst)
        ]

    def add_domain_properties(self, classes: set[str], drafts: dict[str, _Draft]) -> None:
        for prop in sorted(set(self.ontology.subjects(RDFS.domain, None)), key=str):
            domains = {str(d) for d in self.ontology.objects(prop, RDFS.domain)}
            if domains & classes:
                drafts.setdefault(self.c(str(prop)), _Draft(str(prop)))

    def make_columns(self, key: str, draft: _Draft, spec: SheetSpec) -> list[Column]:
        names = self.names(draft)
        required = tuple(sorted(self.c(c) for c in draft.required_for))
        base = Column(
            key,
            draft.prop,
            "ref",
            names[0],
            names[1],
            inverse=draft.inverse,
            multi=not draft.single,
            required_for=required,
            classes=tuple(sorted(self.c(c) for c in draft.classes)),
        )
        if key in PARTS:
            return self.part_columns(key, base)
        kind, datatype = self.kind(draft, key, spec)
        if kind == "text":
            langs = [k.split("@")[1] for k in spec.extras if k.startswith(key + "@")] or LANGS
            return [_text_column(base, lang, required if lang == "sv" else ()) for lang in langs]
        choices = key if draft.choices else DATA_CHOICES.get(key)
        return [replace(base, kind=kind, datatype=datatype, choices=choices)]

    def part_columns(self, key: str, base: Column) -> list[Column]:
        """One column per part of the blank node the property points to (``PARTS``)."""
        _cls, parts = PARTS[key]
        columns = []
        for part in parts:
            sv, en = NAMES.get(part, (part, part))
            columns.append(
                replace(
                    base,
                    key=f"{key}/{part}",
                    kind="part",
                    part=self.iri(part),
                    multi=False,
                    label_sv=f"{base.label_sv}: {sv}",
                    label_en=f"{base.label_en}: {en}",
                )
            )
        return columns

    def kind(self, draft: _Draft, key: str, spec: SheetSpec) -> tuple[str, str | None]:
        if key in LITERAL_EXTRAS:
            return "literal", LITERAL_EXTRAS[key]
        if key in DATE_EXTRAS:
            return "date", None
        if draft.inverse or draft.ref or draft.classes or draft.choices:
            return "ref", None
        datatypes = draft.datatypes or self.ontology_range(draft.prop)
        if LANG_STRING in datatypes or any(e.startswith(key + "@") for e in spec.extras):
            return "text", None
        if datatypes and datatypes <= DATE_TYPES:
            return ("date", None) if len(datatypes) > 1 else ("literal", next(iter(datatypes)))
        if len(datatypes) == 1:
            only = next(iter(datatypes))
            return "literal", None if only == XSD + "string" else only
        if draft.literal or self.is_datatype_property(draft.prop):
            return "literal", None
        return "ref", None

    def ontology_range(self, prop: str) -> set[str]:
        ranges = {str(r) for r in self.ontology.objects(URIRef(prop), RDFS.range)}
        return {r for r in ranges if r.startswith(XSD) or r == LANG_STRING}

    def is_datatype_property(self, prop: str) -> bool:
        return (URIRef(prop), RDF.type, OWL.DatatypeProperty) in self.ontology

    def names(self, draft: _Draft) -> tuple[str, str]:
        key = ("^" if draft.inverse else "") + self.c(draft.prop)
        if key in NAMES:
            return NAMES[key]
        prop = URIRef(draft.prop)
        for label in self.ontology.objects(prop, RDFS.label):
            if isinstance(label, Literal) and label.language in LANGS:
                draft.names[label.language] = str(label)
        fallback = self.c(draft.prop)
        return draft.names.get("sv", fallback), draft.names.get("en", fallback)


def _text_column(base: Column, lang: str, required: tuple[str, ...]) -> Column:
    """A text column in language ``lang`` (``""``: text without a language)."""
    if not lang:
        return replace(
            base,
            kind="text",
            multi=False,
            label_sv=f"{base.label_sv} (utan språk)",
            label_en=f"{base.label_en} (no language)",
            required_for=(),
        )
    return replace(
        base,
        key=f"{base.key}@{lang}",
        kind="text",
        lang=lang,
        multi=False,
        label_sv=f"{base.label_sv} ({lang})",
        label_en=f"{base.label_en} ({lang})",
        required_for=required,
    )


def _ordered(columns: list[Column], spec: SheetSpec) -> list[Column]:
    first = ["id", "rdf:type", *spec.order]
    if spec.parent:
        first.insert(2, spec.parent)
    rank = {key: i for i, key in enumerate(first)}
    fixed = sorted((c for c in columns if c.key in rank), key=lambda c: rank[c.key])
    label_keys = ("rdfs:label@sv", "rdfs:label@en")
    rest = [c for c in columns if c.key not in rank]
    rest.sort(key=lambda c: (c.key not in label_keys, c.key.startswith("rdfs:comment"), c.key))
    return fixed + rest


def _link_targets(template: Template) -> None:
    """Each reference column learns which sheets its slugs name: the sheets holding the
    classes its shapes require (``sh:class``), else the sheets the property points into."""
    for sheet in template.sheets:
        for i, col in enumerate(sheet.columns):
            if col.kind != "ref":
                continue
            by_class = tuple(
                s.spec.key for s in template.sheets if set(s.spec.classes) & set(col.classes)
            )
            targets = by_class or _RANGE_SHEETS.get(col.key, ())
            sheet.columns[i] = replace(col, targets=targets)


_RANGE_SHEETS: dict[str, tuple[str, ...]] = {
    "kgpub:owner": ("municipality", "bodies"),
    "kgpub:decidedBy": ("bodies", "municipality"),
    "org:unitOf": ("municipality", "bodies"),
    "dcterms:publisher": ("municipality", "bodies"),
    "dcterms:creator": ("bodies", "municipality"),
    "dcterms:source": ("sources",),
    "foaf:page": ("sources",),
    "^kgpub:hasStatement": ("vision",),
    "^kgpub:hasArea": ("vision",),
    "^kgpub:hasCommitment": ("promise",),
    "^kgpub:hasAllocation": ("budgets",),
    "schema:itemListElement": ("priorities",),
    "kgpub:localGoal": ("goals",),
    "cv:contactPoint": ("contact",),
    "prov:wasDerivedFrom": ("sources",),
    "kgpub:vision": ("vision",),
    "kgpub:promise": ("promise",),
}
