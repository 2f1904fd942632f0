"""What the ``/check`` page says about an uploaded file (no web framework, no files here).

An official uploads the strategy workbook (XLSX), the CSV folder (a ZIP of it, or its CSV
files chosen together) or a Turtle file. Workbooks are read by the same code as
``kgpub import``; Turtle is parsed and validated by the same code and shapes as
``kgpub validate``. Either way the upload is checked together with the published data,
taking the place of the municipality's own published graph, so links to counties and
national objectives resolve. Nothing is kept.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kgpub.errors import BadRequest, KgpubError
from kgpub.publish.publisher import Publisher
from kgpub.publish.source_lines import LineFinder
from kgpub.publish.sources import SnapshotLike, load_snapshot, parse_turtle
from kgpub.publish.spreadsheet.importer import Problem
from kgpub.publish.spreadsheet.specs import SHEETS, SheetSpec
from kgpub.publish.spreadsheet.tables import UnreadableWorkbook
from kgpub.publish.spreadsheet.workbook import CheckReport, import_workbook
from kgpub.publish.validate import Violation, swedish_message, validate_graph
from kgpub.vocab import bind_prefixes, prefixes_for

#: What the form takes, by file name ending.
KINDS = {".xlsx": "xlsx", ".zip": "csv", ".csv": "csv", ".ttl": "turtle"}
#: A ZIP may unpack to at most this many times the upload limit (no "zip bombs").
ZIP_RATIO = 20


class UploadTooLarge(KgpubError):
    """The upload is over ``check_max_bytes``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the limit of {limit:,} bytes".replace(",", " "))
        self.limit = limit


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as the browser sent it and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Finding:
    """One problem as the page and the JSON show it.

    ``sheet``, ``cell`` and ``row`` place a workbook problem (``row`` is the spreadsheet's
    row number); ``line`` and ``column`` place a Turtle problem. ``shape`` is the anchor of
    the node shape on ``/shapes`` that says what is expected, when known.
    """

    message_sv: str
    message_en: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    line: int | None = None
    column: int | None = None
    shape: str | None = None

    def message(self, lang: str) -> str:
        return self.message_sv if lang == "sv" else self.message_en

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "message_sv": self.message_sv,
            "message_en": self.message_en,
            "shape": self.shape,
        }


@dataclass
class Outcome:
    """The report on one upload: what it was, what it describes, what is wrong."""

    filename: str
    kind: str
    findings: list[Finding] = field(default_factory=list)
    municipality: str | None = None
    triples: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """The machine twin's body (messages in both languages)."""
        return {
            "ok": self.ok,
            "file": self.filename,
            "kind": self.kind,
            "municipality": self.municipality,
            "triples": self.triples,
            "problems": [f.as_json() for f in self.findings],
        }


@dataclass(frozen=True)
class RowGroup:
    """The problems of one row (or one line of a Turtle file; ``number`` None: the whole
    sheet or file)."""

    number: int | None
    findings: list[Finding]


@dataclass(frozen=True)
class SheetGroup:
    """The problems of one sheet (or of the Turtle file), row by row."""

    sheet: SheetSpec | None
    title: str
    shape: str | None
    rows: list[RowGroup]


def kind_of(uploads: list[Upload]) -> str:
    """``xlsx``, ``csv`` or ``turtle``; BadRequest for anything the form does not take."""
    if not uploads:
        raise BadRequest("no file was sent: choose a file in the form field 'file'")
    kinds = {KINDS.get(PurePosixPath(u.name.lower()).suffix) for u in uploads}
    if None in kinds:
        raise BadRequest(
            "choose an Excel workbook (.xlsx), the CSV folder as .zip or .csv files, "
            "or a Turtle file (.ttl)"
        )
    if len(uploads) > 1 and kinds != {"csv"}:
        raise BadRequest("send one file, or several .csv files of one CSV folder")
    return str(kinds.pop())


def check_size(uploads: list[Upload], limit: int) -> None:
    if sum(len(u.data) for u in uploads) > limit:
        raise UploadTooLarge(limit)


def csv_files(uploads: list[Upload], limit: int) -> dict[str, bytes]:
    """The CSV folder's files by name, from a ZIP of the folder or from CSV files."""
    files: dict[str, bytes] = {}
    for upload in uploads:
        if upload.name.lower().endswith(".zip"):
            files.update(_unzip(upload, limit * ZIP_RATIO))
        else:
            files[PurePosixPath(upload.name).name] = upload.data
    return files


def _unzip(upload: Upload, most: int) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
        if sum(m.file_size for m in members) > most:
            raise UploadTooLarge(most)
        return {PurePosixPath(m.filename).name: archive.read(m) for m in members}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise UnreadableWorkbook(f"{upload.name}: not a readable ZIP file: {exc}") from None


class Checker:
    """Checks uploads against one published snapshot (built once per snapshot)."""

    def __init__(self, snapshot: SnapshotLike) -> None:
        self.snapshot = snapshot
        self.base = snapshot.settings.base_iri
        self.prefixes = prefixes_for(self.base)
        self.anchors = _shape_anchors(snapshot.shapes)
        self.sheets = {name: spec for spec in SHEETS for name in _names(spec)}

    def check(self, uploads: list[Upload]) -> Outcome:
        """The report on the uploads (raises BadRequest, UploadTooLarge, UnreadableWorkbook)."""
        limit = self.snapshot.settings.check_max_bytes
        check_size(uploads, limit)
        kind = kind_of(uploads)
        if kind == "turtle":
            return self.check_turtle(uploads[0])
        name = uploads[0].name if len(uploads) == 1 else "CSV"
        data: bytes | dict[str, bytes] = uploads[0].data
        if kind == "csv":
            data = csv_files(uploads, limit)
        return self.from_report(import_workbook(self.snapshot, data, name), kind)

    def groups(self, outcome: Outcome) -> list[SheetGroup]:
        """The findings by sheet (in the workbook's order of sheets) and row; a Turtle
        file's by line, under the file's name."""
        by_sheet: dict[str | None, dict[int | None, list[Finding]]] = {}
        for f in outcome.findings:
            number = f.line if outcome.kind == "turtle" else f.row
            by_sheet.setdefault(f.sheet, {}).setdefault(number, []).append(f)
        order = {spec.key: i for i, spec in enumerate(SHEETS)}

        def position(sheet: str | None) -> tuple[int, str]:
            spec = self.sheets.get(sheet or "")
            return (order[spec.key] if spec else len(order), sheet or "")

        out = []
        for sheet in sorted(by_sheet, key=position):
            spec = self.sheets.get(sheet or "")
            rows = sorted(by_sheet[sheet].items(), key=lambda r: (r[0] is not None, r[0] or 0))
            title = sheet or outcome.filename
            out.append(
                SheetGroup(spec, title, self.sheet_shape(spec), [RowGroup(n, f) for n, f in rows])
            )
        return out

    # -- workbooks ---------------------------------------------------------------------

    def from_report(self, report: CheckReport, kind: str) -> Outcome:
        findings = [self.workbook_finding(p) for p in report.problems]
        return Outcome(report.filename, kind, findings, report.municipality, report.triples)

    def workbook_finding(self, problem: Problem) -> Finding:
        spec = self.sheets.get(problem.sheet)
        return Finding(
            problem.sv,
            problem.en,
            sheet=problem.sheet or None,
            cell=problem.cell,
            row=problem.row,
            shape=self.sheet_shape(spec),
        )

    def sheet_shape(self, spec: SheetSpec | None) -> str | None:
        if spec is None:
            return None
        for cls in spec.classes:
            anchor = self.anchors.get(_expand(cls, self.prefixes))
            if anchor:
                return anchor
        return None

    # -- Turtle ------------------------------------------------------------------------

    def check_turtle(self, upload: Upload) -> Outcome:
        """Syntax first (every error with its line and column); then the shapes, with the
        published data whose graph the file would not replace."""
        path = Path(PurePosixPath(upload.name).name)
        triples, problems = parse_turtle(upload.data, path, self.base)
        if problems:
            found = [Finding(p.message, p.message, line=p.line, column=p.column) for p in problems]
            return Outcome(path.name, "turtle", found)
        graph = bind_prefixes(Graph(), self.base)
        for triple in triples:
            graph.add(triple)
        outcome = Outcome(path.name, "turtle", triples=len(graph))
        outcome.municipality = self._municipality(graph)
        outcome.findings = self._violations(graph, path, upload.data)
        return outcome

    def _municipality(self, graph: Graph) -> str | None:
        kind = URIRef(self.base + "ontology#Municipality")
        found = sorted(str(m) for m in graph.subjects(RDF.type, kind))
        prefix = self.base + "id/"
        return found[0].removeprefix(prefix) if found else None

    def _violations(self, graph: Graph, path: Path, raw: bytes) -> list[Finding]:
        snapshot = self.snapshot
        union = snapshot.union_data(excluding=self._replaced(graph, path))
        union += graph
        report = validate_graph(
            union, snapshot.shapes, snapshot.ontology, base_iri=self.base, inplace=True
        )
        lines = LineFinder(self.base)
        lines.index_text(path, raw.decode("utf-8", errors="replace"))
        subjects = {str(s): self._type_shape(graph, s) for s in set(graph.subjects())}
        found = [
            self.turtle_finding(v, lines, path, subjects)
            for v in report.violations
            if v.severity == "Violation"
        ]
        return sorted(found, key=lambda f: (f.line is None, f.line or 0))

    def _replaced(self, graph: Graph, path: Path) -> set[str]:
        """The published graphs the file takes the place of: the one of its name
        (``haninge.ttl``: ``graph/haninge``) and any describing a municipality it describes."""
        replaced = {f"{self.base}graph/{path.stem}"}
        kind = URIRef(self.base + "ontology#Municipality")
        for municipality in graph.subjects(RDF.type, kind):
            for source in self.snapshot.sources_of(municipality):
                if source.kind == "data":
                    replaced.add(source.graph_iri)
        return replaced

    def _type_shape(self, graph: Graph, subject: Any) -> str | None:
        """The anchor of the node shape for one of the subject's classes (kgpub's own
        classes first: they have the most specific shapes), if any."""
        own = self.base + "ontology#"
        classes = sorted(
            graph.objects(subject, RDF.type), key=lambda c: (not str(c).startswith(own), str(c))
        )
        for cls in classes:
            if str(cls) in self.anchors:
                return self.anchors[str(cls)]
        return None

    def turtle_finding(
        self, v: Violation, lines: LineFinder, path: Path, subjects: dict[str, str | None]
    ) -> Finding:
        line = lines.find(path, v.focus_node) if v.focus_node in subjects else None
        focus = v.focus_node
        if v.focus_kind == "iri":
            focus = f"<{focus.removeprefix(self.base)}>"
        prop = f" {v.path}" if v.path else ""
        value = f" ({v.value})" if v.value else ""
        sv = swedish_message(self.snapshot.shapes, v.message)
        return Finding(
            f"{focus}{prop}: {sv}{value}",
            f"{focus}{prop}: {v.message}{value}",
            line=line,
            shape=subjects.get(v.focus_node),
        )


def _names(spec: SheetSpec) -> tuple[str, ...]:
    """The names a problem may give a sheet: its Swedish title (XLSX), its key (CSV)."""
    return (spec.name_sv, spec.key, spec.name_en)


def _expand(compact_iri: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = compact_iri.partition(":")
    return prefixes.get(prefix, prefix + ":") + local


def _shape_anchors(shapes: Graph) -> dict[str, str]:
    """Each target class's node shape, as its anchor on ``/shapes`` (the local name); of
    several shapes targeting a class, the one that targets the fewest classes (the most
    specific: ``MunicipalityShape`` rather than ``DescribedResourceShape``)."""
    targets: dict[URIRef, int] = {}
    for shape in shapes.subjects(SH.targetClass, None, unique=True):
        if isinstance(shape, URIRef):
            targets[shape] = len(set(shapes.objects(shape, SH.targetClass)))
    anchors: dict[str, str] = {}
    for shape in sorted(targets, key=lambda s: (targets[s], s)):
        for cls in shapes.objects(shape, SH.targetClass):
            anchors.setdefault(str(cls), str(shape).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    return anchors


class CheckerCache:
    """One :class:`Checker` per published snapshot, shared by the requests of a worker.

    A host that serves a remote store read-only has no snapshot of its own: it loads the
    sources it is configured with (once per published load).
    """

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._lock = threading.Lock()
        self._held: tuple[str, Checker] | None = None

    def get(self) -> Checker:
        published = self.publisher.require()
        with self._lock:
            if self._held is None or self._held[0] != published.digest:
                snapshot = published.snapshot
                if snapshot is None:
                    snapshot = load_snapshot(self.publisher.settings)
                self._held = (published.digest, Checker(snapshot))
            return self._held[1]
