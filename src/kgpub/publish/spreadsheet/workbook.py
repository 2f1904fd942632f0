"""What the command line and the web call: template, import (with validation), export, check.

All functions take and return bytes (or ``{file name: bytes}`` for a CSV folder); the callers
read and write the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS

from kgpub.config import Settings
from kgpub.errors import KgpubError
from kgpub.publish.sources import SnapshotLike, load_snapshot
from kgpub.publish.spreadsheet.exporter import Exporter, template_tables
from kgpub.publish.spreadsheet.importer import Imported, Importer, Problem
from kgpub.publish.spreadsheet.instructions import instructions_table
from kgpub.publish.spreadsheet.specs import FILE_TYPES
from kgpub.publish.spreadsheet.tables import (
    Table,
    column_letter,
    csv_metadata,
    read_csv,
    read_xlsx,
    write_csv,
    write_xlsx,
)
from kgpub.publish.spreadsheet.template import Template, build_template
from kgpub.publish.spreadsheet.turtle import write_turtle
from kgpub.publish.spreadsheet.values import Cell
from kgpub.publish.validate import swedish_message, validate_graph
from kgpub.vocab import compact


class UnknownMunicipality(KgpubError):
    """No published data file holds the municipality asked for."""


def template_for(snapshot: SnapshotLike) -> Template:
    """The template for the snapshot's shapes and ontology, drop-downs from its data."""
    base = snapshot.settings.base_iri
    template = build_template(snapshot.shapes, snapshot.ontology, base)
    template.choices = _choices(template, snapshot)
    return template


def _choices(template: Template, snapshot: SnapshotLike) -> dict[str, list[tuple[str, str]]]:
    data = snapshot.union_data()

    def c(iri: Any) -> str:
        return compact(str(iri), template.prefixes)

    out: dict[str, list[tuple[str, str]]] = {}
    for sheet in template.sheets:
        out[f"type:{sheet.spec.key}"] = [(choice, choice) for choice, _e in sheet.spec.types]
        for shape in snapshot.shapes.subjects(SH.path, None):
            _collect_in(snapshot.shapes, shape, template, out)
    kgpub = template.prefixes["kgpub"]
    municipalities = {str(m) for m in data.subjects(RDF.type, URIRef(kgpub + "Municipality"))}
    objectives = set()
    for kind in (URIRef(kgpub + "Goal"), SKOS.ConceptScheme, SKOS.Concept):
        for node in data.subjects(RDF.type, kind):
            owner = str(data.value(node, URIRef(kgpub + "owner")))
            local = any(str(node).startswith(m + "/") for m in municipalities)
            if owner not in municipalities and not local:
                objectives.add(node)
    out["objectives"] = sorted((c(n), _label(data, n)) for n in objectives)
    counties = data.subjects(RDF.type, URIRef(template.prefixes["kgpub"] + "County"))
    out["counties"] = sorted((c(n), _label(data, n)) for n in counties)
    units = {str(o) for o in data.objects(None, URIRef(template.prefixes["kgpub"] + "unit"))}
    out["units"] = [(u, u) for u in sorted(units | {"procent", "antal", "kronor", "ton CO2e"})]
    out["formats"] = [(token, sv) for token, (_cls, sv, _en) in FILE_TYPES.items()]
    return out


def _collect_in(shapes: Graph, shape: Any, template: Template, out: dict[str, Any]) -> None:
    path = shapes.value(shape, SH.path)
    if not isinstance(path, URIRef):
        return
    key = compact(str(path), template.prefixes)
    nodes = [
        shape,
        *[m for lst in shapes.objects(shape, SH["or"]) for m in Collection(shapes, lst)],
    ]
    for node in nodes:
        for listed in shapes.objects(node, SH["in"]):
            values = [compact(str(v), template.prefixes) for v in Collection(shapes, listed)]
            out[key] = sorted(set(out.get(key, [])) | {(v, v) for v in values})


def _label(graph: Graph, node: Any) -> str:
    for label in graph.objects(node, RDFS.label):
        if isinstance(label, Literal) and label.language == "sv":
            return str(label)
    return compact(str(node))


# -- template and export --------------------------------------------------------------------


def template_tables_for(
    snapshot: SnapshotLike,
    name: str | None = None,
    code: str | None = None,
    slug: str | None = None,
) -> tuple[Template, list[Table]]:
    """The empty template's tables, optionally with the municipality row filled in."""
    template = template_for(snapshot)
    tables = [instructions_table(), *template_tables(template)]
    if name or slug:
        table = next(t for t in tables if t.key == "municipality")
        values = {
            "id": slug,
            "rdfs:label@sv": name,
            "kgpub:municipalityCode": code,
            "rdf:type": "kgpub:Municipality",
        }
        table.rows.append([Cell(values.get(k), "@") for k in table.keys])
    return template, tables


def export_tables(snapshot: SnapshotLike, municipality: str) -> tuple[Template, list[Table]]:
    """The published data of one municipality (``haninge``) as filled tables."""
    base = snapshot.settings.base_iri
    source = next(
        (s for s in snapshot.data_sources if s.graph_iri == f"{base}graph/{municipality}"), None
    )
    if source is None:
        raise UnknownMunicipality(
            f"no published data for {municipality!r} (no graph/{municipality})"
        )
    template = template_for(snapshot)
    graph = snapshot.data_graph(source)
    exporter = Exporter(template, graph, URIRef(f"{base}id/{municipality}"), base)
    return template, [instructions_table(), *exporter.run()]


def render(tables: list[Table], template: Template, *, csv: bool) -> bytes | dict[str, bytes]:
    """XLSX bytes, or the CSV folder's files (with ``csv-metadata.json``)."""
    if not csv:
        return write_xlsx(tables, template.choices)
    files = write_csv(tables)
    props = {
        s.spec.key: {c.key: [c.part or c.prop, c.datatype or ""] for c in s.columns}
        for s in template.sheets
    }
    files["csv-metadata.json"] = csv_metadata(tables, props)
    return files


# -- import and check --------------------------------------------------------------------------


@dataclass
class CheckReport:
    """The outcome of checking a workbook: its problems, grouped by sheet and row on demand."""

    filename: str
    problems: list[Problem] = field(default_factory=list)
    turtle: str | None = None
    municipality: str | None = None
    triples: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_sheet(self) -> dict[str, dict[int | None, list[Problem]]]:
        grouped: dict[str, dict[int | None, list[Problem]]] = {}
        for p in self.problems:
            grouped.setdefault(p.sheet, {}).setdefault(p.row, []).append(p)
        return grouped


def read_tables(data: bytes | dict[str, bytes], filename: str) -> dict[str, Table]:
    """Tables from XLSX bytes or from a CSV folder's files (raises UnreadableWorkbook)."""
    if isinstance(data, dict):
        return read_csv(data, filename)
    return read_xlsx(data, filename)


def import_workbook(
    snapshot: SnapshotLike, data: bytes | dict[str, bytes], filename: str
) -> CheckReport:
    """Read, build the graph, validate it with the published data; Turtle only if all is well."""
    template = template_for(snapshot)
    imported = Importer(template, snapshot.settings.base_iri, filename).run(
        read_tables(data, filename)
    )
    report = CheckReport(
        filename,
        list(imported.problems),
        municipality=imported.municipality,
        triples=len(imported.graph),
    )
    if report.problems or imported.municipality is None:
        return report
    report.problems = _shacl_problems(snapshot, template, imported, filename)
    if not report.problems:
        order = list(dict.fromkeys(URIRef(k) for k in imported.rows))
        report.turtle = write_turtle(
            imported.graph, snapshot.settings.base_iri, template.prefixes, order, _header(filename)
        )
    return report


def check_workbook(data: bytes, filename: str, settings: Settings) -> CheckReport:
    """Check an uploaded XLSX workbook against the published data and the shapes."""
    return import_workbook(load_snapshot(settings), data, filename)


def _header(filename: str) -> str:
    return (
        f"Imported by kgpub from the workbook {filename}.\n"
        "IRIs are relative to kgpub's base IRI (default https://w3id.org/kgpub/)."
    )


def _shacl_problems(
    snapshot: SnapshotLike, template: Template, imported: Imported, filename: str
) -> list[Problem]:
    base = snapshot.settings.base_iri
    own = f"{base}graph/{imported.municipality}"
    union = snapshot.union_data(excluding={own})
    union += imported.graph
    report = validate_graph(union, snapshot.shapes, snapshot.ontology, base_iri=base, inplace=True)
    problems = []
    for v in report.violations:
        if v.severity != "Violation":
            continue
        problems.append(_locate(v, template, imported, filename, snapshot.shapes))
    return sorted(set(problems), key=lambda p: (p.sheet, p.row or 0, p.cell or "", p.en))


def _locate(
    v: Any, template: Template, imported: Imported, filename: str, shapes: Graph
) -> Problem:
    sv = swedish_message(shapes, v.message)
    row = imported.rows.get(v.focus_node)
    paths = [p.strip() for p in (v.path or "").strip("()").split("|") if p.strip()]
    keys = []
    for path in paths:
        if path.startswith("<") or path.startswith("^<"):
            inverse = path.startswith("^")
            path = ("^" if inverse else "") + compact(path.strip("^<>"), template.prefixes)
        keys.append(path)
    for key in keys if v.value is not None or row is None else ():
        hit = imported.cells.get((v.focus_node, key))
        if hit is not None:
            return Problem(filename, hit[0], hit[1], v.message, sv, hit[2])
    if row is not None:
        columns = imported.columns.get(row[0], [])
        for key in keys:
            for candidate in (key, f"{key}@sv"):
                if candidate in columns:
                    cell = f"{column_letter(columns.index(candidate))}{row[2]}"
                    return Problem(filename, row[0], cell, v.message, sv, row[2])
        return Problem(
            filename, row[0], row[1], f"{v.path or ''}: {v.message}".lstrip(": "), sv, row[2]
        )
    return Problem(filename, "", None, f"{v.focus_display()} {v.path or ''}: {v.message}", sv)
