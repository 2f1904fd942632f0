"""A municipality's published graph as filled tables: the template with one row per resource.

Every triple ends up in exactly one cell: a column that holds it, or (a last resort) a row of
the extra statements sheet. A triple that import would add by itself (the inverse of
``org:unitOf``, ``skos:prefLabel`` beside ``rdfs:label``, an alignment's direct link) goes
into a column only if the graph really has it, so export then import gives the same graph.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kgpub.publish.spreadsheet.specs import (
    EXTRA_COLUMNS,
    EXTRA_SHEET,
    FILE_TYPES,
    MIRRORS,
    PARTS,
)
from kgpub.publish.spreadsheet.tables import Table
from kgpub.publish.spreadsheet.template import Column, Sheet, Template
from kgpub.publish.spreadsheet.values import Cell, cell_value, decimal_format
from kgpub.vocab import XSD, compact

Triple = tuple[Node, Node, Node]


class Exporter:
    def __init__(self, template: Template, graph: Graph, municipality: URIRef, base: str) -> None:
        self.t = template
        self.g = graph
        self.m = municipality
        self.base = base
        self.left: set[Triple] = set(graph)
        self.homes: dict[URIRef, tuple[Sheet, str]] = {}

    def run(self) -> list[Table]:
        placed = self.place()
        tables = [self.table(sheet, placed.get(sheet.spec.key, [])) for sheet in self.t.sheets]
        return [*tables, self.extra_table()]

    # -- which row is which resource --

    def place(self) -> dict[str, list[URIRef]]:
        placed: dict[str, list[URIRef]] = {}
        subjects = sorted({s for s in self.g.subjects() if isinstance(s, URIRef)}, key=str)
        for subject in subjects:
            types = {self.c(str(o)) for o in self.g.objects(subject, RDF.type)}
            sheet = self.sheet_for(subject, types)
            if sheet is None:
                continue
            placed.setdefault(sheet.spec.key, []).append(subject)
        for key, subjects_of in placed.items():
            sheet = self.t.sheet(key)
            subjects_of.sort(key=lambda s: (self.position(s), str(s)))
            for subject in subjects_of:
                self.homes[subject] = (sheet, self.slug(sheet, subject))
        return placed

    def sheet_for(self, subject: URIRef, types: set[str]) -> Sheet | None:
        for sheet in self.t.sheets:
            if (sheet.spec.key == "municipality") != (subject == self.m):
                continue
            if any(set(expansion) == types for _c, expansion in sheet.spec.types):
                return sheet
        return None

    def position(self, subject: URIRef) -> int:
        value = self.g.value(subject, URIRef("https://schema.org/position"))
        return int(value) if isinstance(value, Literal) and str(value).isdigit() else 1 << 30

    def slug(self, sheet: Sheet, subject: URIRef) -> str:
        iri = str(subject)
        if sheet.spec.key == "municipality":
            return iri.removeprefix(self.base + "id/")
        m = str(self.m)
        parent = ""
        if sheet.spec.parent:
            column = sheet.column(sheet.spec.parent)
            owner = next(self.g.subjects(URIRef(column.prop), subject), None) if column else None
            parent = str(owner) if owner is not None else ""
        prefix = sheet.spec.path.format(m=m, slug="", parent=parent, base=self.base)
        local = iri.removeprefix(prefix)
        if iri.startswith(prefix) and "/" not in local and local:
            return local
        rel = iri.removeprefix(m + "/")
        return rel if "/" in rel else "./" + rel

    # -- one sheet --

    def table(self, sheet: Sheet, subjects: list[URIRef]) -> Table:
        table = _empty_table(sheet)
        for subject in subjects:
            cells = [self.cell(sheet, subject, column) for column in sheet.columns]
            table.rows.append(cells)
            self.consume_alignment(sheet, subject)
        return table

    def cell(self, sheet: Sheet, subject: URIRef, column: Column) -> Cell:
        if column.kind == "id":
            return Cell(self.homes[subject][1])
        if column.kind == "type":
            return self.type_cell(sheet, subject)
        if column.kind == "part":
            return self.part_cell(subject, column)
        if column.inverse:
            terms: list[Node] = [s for s in self.g.subjects(URIRef(column.prop), subject)]
            return self.refs(column, [(t, URIRef(column.prop), subject) for t in terms])
        triples: list[Triple] = [
            (subject, p, o)
            for p, o in self.g.predicate_objects(subject)
            if str(p) == column.prop and (subject, p, o) in self.left
        ]
        fitting = [t for t in triples if self.fits(sheet, column, t)]
        fitting.sort(key=lambda t: t[2].n3())
        if not column.multi:
            fitting = fitting[:1]
        if column.kind == "ref":
            return self.refs(column, fitting)
        return self.literals(sheet, column, fitting)

    def fits(self, sheet: Sheet, column: Column, triple: Triple) -> bool:
        s, _p, o = triple
        if column.kind == "ref":
            ok = isinstance(o, URIRef)
            mirror = MIRRORS.get(column.key)
            ok = ok and (mirror is None or (o, self.iri(mirror), s) in self.g)
            return ok and all(t in self.g for t in self.described(column, o))
        if not isinstance(o, Literal):
            return False
        if column.kind == "text":
            ok = o.language == column.lang and (column.lang is not None or o.datatype is None)
            if ok and sheet.spec.mirror_label and column.key.startswith("rdfs:label@"):
                ok = (s, self.iri("skos:prefLabel"), o) in self.g
            return ok
        datatype = str(o.datatype) if o.datatype else None
        if column.kind == "date":
            return datatype in {XSD + t for t in ("date", "gYearMonth", "gYear", "dateTime")}
        return o.language is None and datatype == column.datatype

    def type_cell(self, sheet: Sheet, subject: URIRef) -> Cell:
        types = {self.c(str(o)) for o in self.g.objects(subject, RDF.type)}
        for triple in [(subject, RDF.type, o) for o in self.g.objects(subject, RDF.type)]:
            self.left.discard(triple)
        for choice, expansion in sheet.spec.types:
            if set(expansion) == types:
                return Cell(choice)
        return Cell("\n".join(sorted(types)))

    def refs(self, column: Column, triples: list[Triple]) -> Cell:
        tokens = []
        for s, p, o in triples:
            self.left.discard((s, p, o))
            if column.key in MIRRORS:
                self.left.discard((o, self.iri(MIRRORS[column.key]), s))
            self.left.difference_update(self.described(column, o))
            node = s if column.inverse else o
            tokens.append(self.token(node, column))
        return Cell("\n".join(sorted(tokens)) if tokens else None)

    def literals(self, sheet: Sheet, column: Column, triples: list[Triple]) -> Cell:
        for s, p, o in triples:
            self.left.discard((s, p, o))
            if sheet.spec.mirror_label and column.key.startswith("rdfs:label@"):
                self.left.discard((s, self.iri("skos:prefLabel"), o))
        terms = [o for _s, _p, o in triples if isinstance(o, Literal)]
        if not terms:
            return Cell(None)
        if len(terms) > 1:
            return Cell("\n".join(str(t) for t in terms), "@")
        term = terms[0]
        if column.datatype == XSD + "decimal":
            return Cell(cell_value(term), decimal_format(term))
        if column.datatype in {XSD + "integer", XSD + "gYear"}:
            return Cell(cell_value(term))
        return Cell(str(term), "@")

    def described(self, column: Column, node: Node) -> list[Triple]:
        """What import states about a file format chosen in the drop-down (``FILE_TYPES``)."""
        if column.key != "dcterms:format" or not isinstance(node, URIRef):
            return []
        known = FILE_TYPES.get(self.c(str(node)))
        if known is None:
            return []
        cls, sv, en = known
        label = self.iri("rdfs:label")
        return [
            (node, RDF.type, self.iri(cls)),
            (node, label, Literal(sv, lang="sv")),
            (node, label, Literal(en, lang="en")),
        ]

    def part_cell(self, subject: URIRef, column: Column) -> Cell:
        """A part of the one blank node ``column.prop`` points to, if the columns hold it all."""
        link = URIRef(column.prop)
        nodes = list(self.g.objects(subject, link))
        if len(nodes) != 1 or not self.whole_in_parts(nodes[0], column):
            return Cell(None)
        node = nodes[0]
        value = self.g.value(node, URIRef(column.part or ""))
        cls = PARTS[column.key.split("/")[0]][0]
        self.left.difference_update({(subject, link, node), (node, RDF.type, self.iri(cls))})
        self.left.discard((node, URIRef(column.part or ""), value))
        return Cell(str(value) if value is not None else None, "@")

    def whole_in_parts(self, node: Node, column: Column) -> bool:
        """A blank node of the part's class, named once, with one plain text per part."""
        cls, parts = PARTS[column.key.split("/")[0]]
        if not isinstance(node, BNode) or len(list(self.g.subject_predicates(node))) != 1:
            return False
        allowed = {self.iri(p) for p in parts}
        found = set()
        for p, o in self.g.predicate_objects(node):
            if p == RDF.type and o == self.iri(cls):
                continue
            plain = isinstance(o, Literal) and o.language is None and o.datatype is None
            if p not in allowed or p in found or not plain:
                return False
            found.add(p)
        return bool(found) and (node, RDF.type, self.iri(cls)) in self.g

    def consume_alignment(self, sheet: Sheet, subject: URIRef) -> None:
        if sheet.spec.key != "alignments":
            return
        goal = self.g.value(subject, self.iri("kgpub:localGoal"))
        relation = self.g.value(subject, self.iri("kgpub:mappingRelation"))
        objective = self.g.value(subject, self.iri("kgpub:objective"))
        if goal is not None and relation is not None and objective is not None:
            self.left.discard((goal, relation, objective))

    # -- names --

    def token(self, node: Node, column: Column | None) -> str:
        if isinstance(node, URIRef) and node in self.homes and column is not None:
            sheet, slug = self.homes[node]
            if sheet.spec.key in column.targets:
                return slug
        if isinstance(node, BNode):
            return f"_:{self.blank(node)}"
        text = self.c(str(node))
        if text.startswith("<") and text[1:].startswith(self.base):
            return "<" + text[1 + len(self.base) :]
        return text

    def blank(self, node: BNode) -> str:
        order = sorted({str(n) for t in self.g for n in t if isinstance(n, BNode)})
        return f"b{order.index(str(node))}"

    def c(self, iri: str) -> str:
        return compact(iri, self.t.prefixes)

    def iri(self, name: str) -> URIRef:
        prefix, local = name.split(":", 1)
        return URIRef(self.t.prefixes[prefix] + local)

    # -- the rest --

    def extra_table(self) -> Table:
        key, sv, _en = EXTRA_SHEET
        table = Table(
            key,
            sv,
            names_sv=["subjekt", "egenskap", "värde", "språk", "datatyp"],
            names_en=["subject", "property", "value", "language", "datatype"],
            keys=list(EXTRA_COLUMNS),
            required=[True, True, True, False, False],
        )
        rows = []
        for s, p, o in self.left:
            if isinstance(o, Literal):
                datatype = self.c(str(o.datatype)) if o.datatype else ""
                value = [str(o), o.language or "", datatype]
            else:
                value = [self.token(o, None), "", "IRI"]
            rows.append([self.token(s, None), self.c(str(p)), *value])
        for row in sorted(rows):
            table.rows.append([Cell(v or None, "@") for v in row])
        return table


def _empty_table(sheet: Sheet) -> Table:
    return Table(
        sheet.spec.key,
        sheet.spec.name_sv,
        names_sv=[c.label_sv for c in sheet.columns],
        names_en=[c.label_en for c in sheet.columns],
        keys=[c.key for c in sheet.columns],
        required=[c.required for c in sheet.columns],
        choices={i: c.choices for i, c in enumerate(sheet.columns) if c.choices},
    )


def template_tables(template: Template) -> list[Table]:
    """The empty template: every sheet's header rows, and the extra statements sheet."""
    exporter = Exporter(template, Graph(), URIRef(""), "")
    return [_empty_table(sheet) for sheet in template.sheets] + [exporter.extra_table()]
