"""Turtle source files -> rdflib graphs; syntax errors name file, line and column.

Source files are written without ``@base`` and may use relative IRIs (``<id/haninge>``,
``@prefix kgpub: <ontology#> .``). They are resolved against ``settings.base_iri`` when
parsed, so a deployer can publish the same files under another base.

Parsing goes through pyoxigraph (fast, exact ``line:column`` positions) and the triples
are then converted to rdflib terms (the validation path uses rdflib + pyshacl). When a
file has a syntax error, parsing resumes after the broken statement so that one run
reports every problem in every file, like a compiler.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kgpub.config import Settings
from kgpub.errors import SourceNotFound, SyntaxErrors, SyntaxProblem, display_path
from kgpub.publish.turtle_errors import diagnose
from kgpub.uris import UriScheme
from kgpub.vocab import XSD_STRING, bind_prefixes

SourceKind = TypingLiteral["ontology", "shapes", "data"]
Triple = tuple[Node, Node, Node]

_MAX_PROBLEMS_PER_FILE = 25


@dataclass(frozen=True)
class Source:
    """One Turtle file and the named graph it is loaded into."""

    path: Path
    graph_iri: str
    kind: SourceKind


def discover_sources(settings: Settings, data_paths: Sequence[Path] | None = None) -> list[Source]:
    """The ontology, shapes and data sources of a project, in load order.

    Ontology files go to the graph ``{base}ontology``, shapes to ``{base}shapes`` and each
    data file ``data/NAME.ttl`` to ``{base}graph/NAME`` (nested: ``data/a/b.ttl`` ->
    ``graph/a/b``). If ``data_paths`` is given (relative paths resolve against the current
    directory), those are the data files instead of ``settings.data_dir``; a directory
    stands for every ``*.ttl`` below it.

    Raises:
        SourceNotFound: a configured or given file or directory does not exist.
    """
    scheme = UriScheme(settings.base_iri)
    sources: list[Source] = []
    configured: tuple[tuple[SourceKind, tuple[Path, ...], str], ...] = (
        ("ontology", settings.ontology, scheme.ontology()),
        ("shapes", settings.shapes, scheme.shapes()),
    )
    for kind, paths, graph_iri in configured:
        for rel in paths:
            path = settings.resolve(rel)
            if not path.is_file():
                raise SourceNotFound(path, settings.root, kind)
            sources.append(Source(path, graph_iri, kind))

    data_dir = settings.resolve(settings.data_dir)
    files: list[tuple[Path, Path | None]] = []  # (file, directory it was found in)
    if data_paths is None:
        if not data_dir.is_dir():
            raise SourceNotFound(data_dir, settings.root, "data_dir")
        files = [(p, data_dir) for p in settings.data_files()]
    else:
        for given in data_paths:
            path = Path(given).expanduser().absolute()
            if path.is_dir():
                files.extend((p, path) for p in _ttl_files(path))
            elif path.is_file():
                files.append((path, None))
            else:
                raise SourceNotFound(path, settings.root)

    seen: set[Path] = set()
    for path, found_in in files:
        if path in seen:
            continue
        seen.add(path)
        sources.append(Source(path, scheme.graph(_graph_name(path, data_dir, found_in)), "data"))
    return sources


def _ttl_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*.ttl")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def _graph_name(path: Path, data_dir: Path, found_in: Path | None) -> str:
    for base in (data_dir, found_in):
        if base is not None:
            try:
                return path.relative_to(base).with_suffix("").as_posix()
            except ValueError:
                continue
    return path.stem


# -- parsing ---------------------------------------------------------------------------------


def parse_source(source: Source, base_iri: str, root: Path | None = None) -> Graph:
    """Parse one source into a new graph whose identifier is ``source.graph_iri``.

    Relative IRIs resolve against ``base_iri``. An empty file is fine (zero triples).

    Raises:
        SourceNotFound: the file does not exist.
        SyntaxProblem: the first syntax problem (``line``/``column`` 1-based, path shown
            relative to ``root``); any later ones in the same file are in its ``further``.
    """
    graph = Graph(identifier=URIRef(source.graph_iri))
    bind_prefixes(graph, base_iri)
    raw = _read(source.path, root)
    triples, problems = parse_turtle(raw, source.path, base_iri, root)
    if problems:
        first = problems[0]
        first.further = problems[1:]
        raise first
    _add_all(graph, triples)
    return graph


def decode_source(raw: bytes, path: Path, root: Path | None = None) -> str:
    """The text of a source file (UTF-8, a byte order mark is dropped).

    Raises:
        SyntaxProblem: at the first byte that is not UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position_of_byte(raw, exc.start)
        message = (
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02X} cannot be decoded); "
            "save it with UTF-8 encoding"
        )
        raise SyntaxProblem(path, line, column, message, root) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_turtle(
    raw: bytes | str, path: Path, base_iri: str, root: Path | None = None
) -> tuple[list[Triple], list[SyntaxProblem]]:
    """Parse Turtle (bytes or decoded text); returns the triples and every syntax problem.

    The triples are only complete when there are no problems.
    """
    try:
        text = raw if isinstance(raw, str) else decode_source(raw, path, root)
    except SyntaxProblem as problem:
        return [], [problem]

    try:
        return _convert(text, base_iri), []
    except SyntaxError as first:
        error: SyntaxError | None = first

    # Report the error, repair the text (line numbers unchanged) and parse again (without
    # building rdflib terms) to find the next one, until the rest parses or nothing helps.
    problems: list[SyntaxProblem] = []
    seen: set[tuple[int, int, str]] = set()
    while error is not None:
        line, column, message, repaired = diagnose(error, text)
        if (line, column, message) in seen:
            break
        seen.add((line, column, message))
        problems.append(SyntaxProblem(path, line, column, message, root))
        if repaired is None or len(problems) >= _MAX_PROBLEMS_PER_FILE:
            break
        text = repaired
        error = _first_error(text, base_iri)
    return [], problems


def _first_error(text: str, base_iri: str) -> SyntaxError | None:
    try:
        for _ in ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base_iri):
            pass
    except SyntaxError as exc:
        return exc
    return None


def rdflib_terms() -> Callable[[object], Node]:
    """A converter of pyoxigraph terms to rdflib terms (an IRI, blank node or literal met
    again gives the same rdflib object back)."""
    cache: dict[object, Node] = {}

    def term(t: object) -> Node:
        node = cache.get(t)
        if node is None:
            if isinstance(t, ox.NamedNode):
                node = URIRef(t.value)
            elif isinstance(t, ox.BlankNode):
                node = BNode(t.value)
            elif isinstance(t, ox.Literal):
                if t.language:
                    node = Literal(t.value, lang=t.language)
                elif t.datatype.value == XSD_STRING:
                    node = Literal(t.value)
                else:
                    node = Literal(t.value, datatype=URIRef(t.datatype.value))
            else:  # pragma: no cover - RDF-star triple terms are not used in Turtle sources
                raise SyntaxError(f"unsupported term {t!r}")
            cache[t] = node
        return node

    return term


def _convert(text: str, base_iri: str) -> list[Triple]:
    term = rdflib_terms()
    return [
        (term(q.subject), term(q.predicate), term(q.object))
        for q in ox.parse(
            text, format=ox.RdfFormat.TURTLE, base_iri=base_iri, rename_blank_nodes=True
        )
    ]


def _add_all(graph: Graph, triples: Iterable[Triple]) -> None:
    graph.addN((s, p, o, graph) for s, p, o in triples)


def _read(path: Path, root: Path | None) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceNotFound(path, root) from None
    except IsADirectoryError:
        raise SourceNotFound(path, root) from None


def _position_of_byte(raw: bytes, index: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, index) + 1
    line = raw.count(b"\n", 0, index) + 1
    column = len(raw[line_start:index].decode("utf-8", errors="replace")) + 1
    return line, column


# -- snapshots -------------------------------------------------------------------------------


class SnapshotLike(Protocol):
    """What checking an upload and the workbook import and export read from a snapshot: a
    loaded :class:`Snapshot`, or the :class:`~kgpub.publish.stored.StoredSnapshot` that is
    published (its data graphs read from the store)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def ontology(self) -> Graph: ...

    @property
    def shapes(self) -> Graph: ...

    @property
    def data_sources(self) -> list[Source]: ...

    def sources_of(self, node: Node) -> list[Source]: ...

    def data_graph(self, source: Source) -> Graph: ...

    def union_data(self, excluding: Collection[str] = ()) -> Graph: ...


@dataclass
class Snapshot:
    """Everything loaded from the sources at one moment.

    Attributes:
        ontology: All ontology files, in the graph ``{base}ontology``.
        shapes: All shapes files, in the graph ``{base}shapes``.
        data: One named graph per data source (``{base}graph/NAME``).
        sources: The sources in load order.
        subject_sources: For every subject, the sources that have triples about it.
        loaded_at: When loading finished (UTC).
        digest: SHA-256 (hex) over the base IRI and each source's relative path and bytes,
            in load order; changes whenever any input changes (used for ETags).
        settings: The settings the snapshot was loaded with.
        texts: The decoded text of every source, aligned with ``sources``.
    """

    ontology: Graph
    shapes: Graph
    data: Dataset
    sources: list[Source]
    subject_sources: dict[Node, list[Source]]
    loaded_at: datetime
    digest: str
    settings: Settings
    texts: list[str] = field(default_factory=list, repr=False)
    _triples: int = field(default=-1, repr=False)

    def sources_of(self, node: Node) -> list[Source]:
        """The sources that describe ``node`` (have it as a subject), in load order."""
        return self.subject_sources.get(node, [])

    @property
    def data_sources(self) -> list[Source]:
        return [s for s in self.sources if s.kind == "data"]

    def data_graph(self, source: Source) -> Graph:
        """The named graph of one data source."""
        return self.data.graph(URIRef(source.graph_iri))

    def data_triple_count(self) -> int:
        """Number of triples over all data graphs."""
        if self._triples < 0:
            self._triples = sum(len(self.data_graph(s)) for s in self.data_sources)
        return self._triples

    def quads(self) -> Iterator[ox.Quad]:
        """Every source's triples as pyoxigraph quads in the source's named graph.

        Parsed again from the text that was loaded (not re-read from disk), which is far
        faster than converting the rdflib graphs: use it to fill a pyoxigraph store.
        Blank node identifiers differ from those in the rdflib graphs.
        """
        for source, text in zip(self.sources, self.texts, strict=True):
            graph = ox.NamedNode(source.graph_iri)
            for triple in ox.parse(
                text,
                format=ox.RdfFormat.TURTLE,
                base_iri=self.settings.base_iri,
                rename_blank_nodes=True,
            ):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def union_data(self, excluding: Collection[str] = ()) -> Graph:
        """A new graph holding the triples of all data graphs (prefixes bound), but those
        of the named graphs in ``excluding``."""
        union = Graph()
        bind_prefixes(union, self.settings.base_iri)
        for source in self.data_sources:
            if source.graph_iri not in excluding:
                union.addN((s, p, o, union) for s, p, o in self.data_graph(source))
        return union

    def graph_digests(self) -> dict[str, str]:
        """A SHA-256 (hex) of the sources' text by the named graph they are loaded into."""
        found: dict[str, Any] = {}
        if not self.texts:
            return {}
        for source, text in zip(self.sources, self.texts, strict=True):
            found.setdefault(source.graph_iri, hashlib.sha256()).update(text.encode())
        return {g: h.hexdigest() for g, h in found.items()}


def load_snapshot(settings: Settings, paths: Sequence[Path] | None = None) -> Snapshot:
    """Parse all sources of a project into a :class:`Snapshot`.

    ``paths``, if given, replace the data files (see :func:`discover_sources`).

    Raises:
        SourceNotFound: a source file or directory does not exist.
        SyntaxErrors: with every syntax problem of every file, if there is any.
    """
    scheme = UriScheme(settings.base_iri)
    base = settings.base_iri
    sources = discover_sources(settings, paths)
    ontology = bind_prefixes(Graph(identifier=URIRef(scheme.ontology())), base)
    shapes = bind_prefixes(Graph(identifier=URIRef(scheme.shapes())), base)
    data = Dataset()
    bind_prefixes(data, base)

    digest = hashlib.sha256(base.encode("utf-8"))
    problems: list[SyntaxProblem] = []
    texts: list[str] = []
    subject_sources: dict[Node, list[Source]] = {}
    for source in sources:
        raw = _read(source.path, settings.root)
        name = display_path(source.path, settings.root).encode("utf-8")
        digest.update(b"\0%d:%s\0%d:" % (len(name), name, len(raw)))
        digest.update(raw)
        try:
            text = decode_source(raw, source.path, settings.root)
        except SyntaxProblem as problem:
            problems.append(problem)
            continue
        texts.append(text)
        triples, found = parse_turtle(text, source.path, base, settings.root)
        if found:
            problems.extend(found)
            continue
        if source.kind == "ontology":
            target = ontology
        elif source.kind == "shapes":
            target = shapes
        else:
            target = data.graph(URIRef(source.graph_iri))
        _add_all(target, triples)
        for subject in {t[0] for t in triples}:
            holders = subject_sources.setdefault(subject, [])
            if not holders or holders[-1] is not source:
                holders.append(source)
    if problems:
        raise SyntaxErrors(problems)
    return Snapshot(
        ontology=ontology,
        shapes=shapes,
        data=data,
        sources=sources,
        subject_sources=subject_sources,
        loaded_at=datetime.now(UTC),
        digest=digest.hexdigest(),
        settings=settings,
        texts=texts,
    )
