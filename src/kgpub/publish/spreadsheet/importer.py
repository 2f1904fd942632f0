"""Tables to a graph: mint IRIs from slugs, read every cell, and remember where each came from.

Every problem names its cell. The importer keeps a map from each minted resource (and each
of its properties) to the cell that gave it, so that SHACL results can be traced back too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kgpub.publish.spreadsheet.specs import EXTRA_SHEET, FILE_TYPES, MIRRORS, OPEN_CHOICES, PARTS
from kgpub.publish.spreadsheet.tables import Table, cell_name
from kgpub.publish.spreadsheet.template import Column, Sheet, Template
from kgpub.publish.spreadsheet.values import (
    Cell,
    CellError,
    check_slug,
    literal_for,
    parse_date,
    slugify,
    split_values,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at one cell (``cell`` is None for the whole sheet or file)."""

    file: str
    sheet: str
    cell: str | None
    en: str
    sv: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{self.file}:{where}: {self.en}"


@dataclass
class Imported:
    """The graph read from a workbook, the cells it came from and the problems found."""

    graph: Graph
    municipality: str | None
    problems: list[Problem] = field(default_factory=list)
    cells: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)
    rows: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Row:
    sheet: Sheet
    table: Table
    index: int
    iri: URIRef


class Importer:
    """Reads tables (by sheet title or key) against a template."""

    def __init__(self, template: Template, base_iri: str, filename: str) -> None:
        self.template = template
        self.base = base_iri
        self.file = filename
        self.out = Imported(Graph(), None)
        self.slugs: dict[str, dict[str, URIRef]] = {}
        self.rows: list[_Row] = []
        self.parts: dict[tuple[URIRef, str], BNode] = {}

    # -- problems and cells --

    def problem(self, table: Table, row: int | None, col: int | None, err: CellError) -> None:
        cell = cell_name(row, col) if row is not None and col is not None else None
        number = row + 4 if row is not None else None
        self.out.problems.append(Problem(self.file, table.title, cell, err.en, err.sv, number))

    def remember(self, subject: Node, key: str, table: Table, row: int, col: int) -> None:
        self.out.cells.setdefault((str(subject), key), (table.title, cell_name(row, col), row + 4))

    # -- the whole workbook --

    def run(self, tables: dict[str, Table]) -> Imported:
        by_name = {t.title: t for t in tables.values()} | {t.key: t for t in tables.values()}
        found = [
            (s, by_name.get(s.spec.name_sv) or by_name.get(s.spec.key))
            for s in self.template.sheets
        ]
        present = [(s, t) for s, t in found if t is not None]
        self.municipality(present)
        if self.out.municipality is None:
            return self.out
        for sheet, table in present:
            self.out.columns[table.title] = list(table.keys)
            self.mint(sheet, table)
        for row in self.rows:
            self.fill(row)
        self.cycles()
        extra = by_name.get(EXTRA_SHEET[1]) or by_name.get(EXTRA_SHEET[0])
        if extra is not None:
            self.extras(extra)
        return self.out

    def municipality(self, present: list[tuple[Sheet, Table]]) -> None:
        table = next((t for s, t in present if s.spec.key == "municipality"), None)
        if table is None or not _data_rows(table):
            title = table.title if table else "Kommun"
            self.out.problems.append(
                Problem(
                    self.file,
                    title,
                    "A4" if table else None,
                    "the municipality row is missing: fill in its name (and its slug) on row 4",
                    "raden om kommunen saknas: fyll i dess namn (och slug) på rad 4",
                )
            )
            return
        row = _data_rows(table)[0]
        sheet = next(s for s, t in present if t is table)
        slug = self.slug_of(sheet, table, row, strip_suffix=True)
        if slug is not None:
            self.out.municipality = slug

    # -- minting --

    def slug_of(
        self, sheet: Sheet, table: Table, row: int, strip_suffix: bool = False
    ) -> str | None:
        id_col = _col(table, "id")
        given = table.cell(row, id_col).text() if id_col is not None else ""
        if not given and sheet.spec.key == "provenance" and self.out.municipality:
            given = self.out.municipality  # the record of the municipality's own graph
        if not given:
            name_col = _col(table, "rdfs:label@sv")
            name = table.cell(row, name_col).text() if name_col is not None else ""
            if strip_suffix:
                for suffix in (" kommun", " stad", " municipality"):
                    name = name.removesuffix(suffix)
            given = slugify(name)
            if not given:
                self.problem(
                    table,
                    row,
                    id_col or 0,
                    CellError(
                        "the ID is missing and there is no Swedish name to make one from",
                        "ID saknas och det finns inget svenskt namn att göra ett av",
                    ),
                )
                return None
        try:
            return check_slug(given)
        except CellError as err:
            self.problem(table, row, id_col or 0, err)
            return None

    def mint(self, sheet: Sheet, table: Table) -> None:
        registry = self.slugs.setdefault(sheet.spec.key, {})
        for row in _data_rows(table):
            slug = self.slug_of(sheet, table, row, strip_suffix=sheet.spec.key == "municipality")
            id_col = _col(table, "id") or 0
            if slug is None:
                # reported once, here: references to the row are not reported again
                given = table.cell(row, id_col).text()
                registry.setdefault(given, URIRef(f"{self.base}invalid/{slugify(given)}"))
                continue
            if slug in registry:
                self.problem(
                    table,
                    row,
                    id_col,
                    CellError(
                        f"the ID {slug!r} is used twice on this sheet",
                        f"ID:t {slug!r} används två gånger på bladet",
                    ),
                )
                continue
            iri = self.iri_for(sheet, table, row, slug)
            if iri is None:
                continue
            registry[slug] = iri
            self.rows.append(_Row(sheet, table, row, iri))
            self.out.rows.setdefault(str(iri), (table.title, cell_name(row, id_col), row + 4))

    def iri_for(self, sheet: Sheet, table: Table, row: int, slug: str) -> URIRef | None:
        spec = sheet.spec
        m = f"{self.base}id/{self.out.municipality}"
        if spec.key == "municipality":
            return URIRef(f"{self.base}id/{slug}")
        if slug.startswith("./") or "/" in slug:
            return URIRef(f"{m}/{slug.removeprefix('./')}")
        parent = ""
        if spec.parent:
            column = sheet.column(spec.parent)
            col = _col(table, spec.parent)
            text = table.cell(row, col).text() if col is not None else ""
            targets = column.targets if column else ()
            found = next(
                (self.slugs[k][text] for k in targets if text in self.slugs.get(k, {})), None
            )
            if found is None:
                self.problem(
                    table,
                    row,
                    col if col is not None else 0,
                    CellError(
                        f"the parent {text!r} is not a row of the sheet it points to"
                        if text
                        else "the parent is missing: this row must belong to another row",
                        f"den överordnade {text!r} finns inte som rad på bladet den pekar på"
                        if text
                        else "överordnad saknas: raden måste höra till en annan rad",
                    ),
                )
                return None
            parent = str(found)
        return URIRef(spec.path.format(m=m, slug=slug, parent=parent, base=self.base))

    # -- values --

    def fill(self, row: _Row) -> None:
        table = row.table
        subject = row.iri
        types_given = False
        for col_index, key in enumerate(table.keys):
            column = row.sheet.column(key)
            cell = table.cell(row.index, col_index)
            if column is None or column.kind == "id" or cell.empty:
                continue
            try:
                terms = self.terms(column, cell, row.sheet)
            except CellError as err:
                self.problem(table, row.index, col_index, err)
                continue
            types_given |= column.kind == "type"
            self.remember(subject, key.split("@")[0], table, row.index, col_index)
            for term in terms:
                self.add(row, column, term)
        if not types_given:
            for cls in row.sheet.spec.types[0][1]:
                self.out.graph.add((subject, RDF.type, self.ref(cls)))
        self.after_row(row)

    def add(self, row: _Row, column: Column, term: Node) -> None:
        g = self.out.graph
        prop = URIRef(column.prop)
        if column.inverse:
            g.add((term, prop, row.iri))
            return
        if column.kind == "part":
            self.add_part(row.iri, column, term)
            return
        g.add((row.iri, prop, term))
        self.describe(column, term)
        if column.key in MIRRORS:
            g.add((term, self.ref(MIRRORS[column.key]), row.iri))
        if row.sheet.spec.mirror_label and column.key.startswith("rdfs:label@"):
            g.add((row.iri, self.ref("skos:prefLabel"), term))

    def add_part(self, subject: URIRef, column: Column, term: Node) -> None:
        """A part of the blank node the row's property points to (one node per row)."""
        g = self.out.graph
        key = (subject, column.prop)
        node = self.parts.get(key)
        if node is None:
            node = self.parts[key] = BNode()
            cls = PARTS[column.key.split("/")[0]][0]
            g.add((subject, URIRef(column.prop), node))
            g.add((node, RDF.type, self.ref(cls)))
        g.add((node, URIRef(column.part or ""), term))

    def describe(self, column: Column, term: Node) -> None:
        """A file format from the drop-down is stated to be one, with its names."""
        if column.key != "dcterms:format" or not isinstance(term, URIRef):
            return
        token = next((k for k in FILE_TYPES if self.ref(k) == term), None)
        if token is None:
            return
        cls, sv, en = FILE_TYPES[token]
        label = self.ref("rdfs:label")
        self.out.graph.add((term, RDF.type, self.ref(cls)))
        self.out.graph.add((term, label, Literal(sv, lang="sv")))
        self.out.graph.add((term, label, Literal(en, lang="en")))

    def after_row(self, row: _Row) -> None:
        """An alignment also states its link directly: local goal, relation, objective."""
        if row.sheet.spec.key != "alignments":
            return
        g = self.out.graph
        goal = g.value(row.iri, self.ref("kgpub:localGoal"))
        relation = g.value(row.iri, self.ref("kgpub:mappingRelation"))
        objective = g.value(row.iri, self.ref("kgpub:objective"))
        if goal is not None and isinstance(relation, URIRef) and objective is not None:
            g.add((goal, relation, objective))

    def terms(self, column: Column, cell: Cell, sheet: Sheet) -> list[Node]:
        if column.kind in {"text", "part"}:
            return [Literal(cell.text(), lang=column.lang)]
        if column.kind == "literal":
            values = (
                split_values(cell.text())
                if column.multi and isinstance(cell.value, str)
                else [None]
            )
            return [
                literal_for(Cell(v) if v is not None else cell, column.datatype) for v in values
            ]
        if column.kind == "date":
            return [parse_date(Cell(v)) for v in split_values(cell.text())]
        if column.kind == "type":
            return [t for v in split_values(cell.text()) for t in self.types(v, sheet)]
        tokens = split_values(cell.text())
        if not column.multi and len(tokens) > 1:
            raise CellError("this column takes one value only", "kolumnen tar bara ett värde")
        return [self.resolve(token, column) for token in tokens]

    def types(self, token: str, sheet: Sheet) -> list[URIRef]:
        for choice, expansion in sheet.spec.types:
            if token == choice:
                return [self.ref(c) for c in expansion]
        return [self.ref(token)]

    def resolve(self, token: str, column: Column) -> URIRef:
        """A slug of a row on the column's target sheets, a prefixed name or an IRI."""
        for key in column.targets:
            found = self.slugs.get(key, {}).get(token)
            if found is not None:
                return found
        if column.choices and column.choices in self.template.choices:
            known = {value for value, _label in self.template.choices[column.choices]}
            if known and token not in known and column.key not in OPEN_CHOICES:
                raise _unknown(token, column, "choice")
        try:
            return self.ref(token)
        except CellError:
            raise _unknown(token, column, "ref") from None

    def ref(self, token: str) -> URIRef:
        if token.startswith("<") and token.endswith(">"):
            inner = token[1:-1]
            return URIRef(inner if ":" in inner.split("/", 1)[0] else self.base + inner)
        if token.startswith(("http://", "https://", "mailto:", "tel:", "urn:")):
            return URIRef(token)
        prefix, sep, local = token.partition(":")
        if sep and prefix in self.template.prefixes:
            return URIRef(self.template.prefixes[prefix] + local)
        raise CellError(f"{token!r} is not a known name", f"{token!r} är inget känt namn")

    def cycles(self) -> None:
        """A goal that is, through its parents, its own parent: reported at its parent cell."""
        g = self.out.graph
        broader = self.ref("skos:broader")
        for row in self.rows:
            if row.sheet.spec.key != "goals":
                continue
            seen: set[Node] = set()
            node: Node | None = g.value(row.iri, broader)
            while node is not None and node not in seen and node != row.iri:
                seen.add(node)
                node = g.value(node, broader)
            if node == row.iri:
                col = _col(row.table, "skos:broader") or 0
                self.problem(
                    row.table,
                    row.index,
                    col,
                    CellError(
                        "the goal hierarchy goes round in a circle: this goal ends up as its own "
                        "parent",
                        "målhierarkin går runt i en cirkel: målet blir sitt eget överordnade mål",
                    ),
                )

    # -- the extra statements --

    def extras(self, table: Table) -> None:
        blanks: dict[str, BNode] = {}
        for row in _data_rows(table):
            cells = [table.cell(row, i).text() for i in range(5)]
            subject, prop, value, lang, datatype = cells
            try:
                s = (
                    blanks.setdefault(subject, BNode())
                    if subject.startswith("_:")
                    else self.ref(subject)
                )
                p = self.ref(prop)
                o = self.extra_object(value, lang, datatype, blanks)
            except CellError as err:
                self.problem(table, row, 0, err)
                continue
            self.out.graph.add((s, p, o))

    def extra_object(self, value: str, lang: str, datatype: str, blanks: dict[str, BNode]) -> Node:
        if datatype == "IRI":
            return blanks.setdefault(value, BNode()) if value.startswith("_:") else self.ref(value)
        if lang:
            return Literal(value, lang=lang)
        return Literal(value, datatype=self.ref(datatype) if datatype else None)


def _unknown(token: str, column: Column, what: str) -> CellError:
    sheets = ", ".join(column.targets)
    if what == "choice":
        return CellError(
            f"{token!r} is not one of the values this column offers (see the drop-down)",
            f"{token!r} är inte ett av värdena som kolumnen erbjuder (se listan)",
        )
    return CellError(
        f"{token!r} does not name a row"
        + (f" on the sheets for {sheets}" if sheets else "")
        + ", nor a known prefixed name or web address",
        f"{token!r} är varken ID för en rad, ett känt prefixnamn eller en webbadress",
    )


def _col(table: Table, key: str) -> int | None:
    return table.keys.index(key) if key in table.keys else None


def _data_rows(table: Table) -> list[int]:
    return [i for i, cells in enumerate(table.rows) if any(not c.empty for c in cells)]
