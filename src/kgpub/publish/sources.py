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
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kgpub.config import Settings
from kgpub.errors import SourceNotFound, SyntaxErrors, SyntaxProblem, display_path
from kgpub.uris import UriScheme
from kgpub.vocab import bind_prefixes

SourceKind = TypingLiteral["ontology", "shapes", "data"]
Triple = tuple[Node, Node, Node]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
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
        line, column, message, repaired = _diagnose(error, text)
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


def _convert(text: str, base_iri: str) -> list[Triple]:
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
                elif t.datatype.value == _XSD_STRING:
                    node = Literal(t.value)
                else:
                    node = Literal(t.value, datatype=URIRef(t.datatype.value))
            else:  # pragma: no cover - RDF-star triple terms are not used in Turtle sources
                raise SyntaxError(f"unsupported term {t!r}")
            cache[t] = node
        return node

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


# -- diagnosing syntax errors ----------------------------------------------------------------

_OX_PREFIX = re.compile(
    r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): ",
)
_UNDECLARED = re.compile(r"^The prefix (\S*?):? has not been declared$")
_OPENERS = {
    '"': "string literal",
    "'": "string literal",
    "<": "IRI",
    "[": "'[' (blank node)",
    "(": "'(' (collection)",
}


def _diagnose(exc: SyntaxError, text: str) -> tuple[int, int, str, str | None]:
    """(line, column, message, repaired text or None) for a pyoxigraph SyntaxError.

    The repaired text lets parsing continue and find later problems: a missing ``.`` is
    inserted, any other broken statement is blanked out (line numbers are kept).
    """
    lines = text.split("\n")
    line = exc.lineno or 1
    column = exc.offset or 1
    end_line = exc.end_lineno or line
    end_column = exc.end_offset or column
    raw_message = _OX_PREFIX.sub("", str(exc.msg)).strip()

    at_eof = raw_message.startswith("Unexpected end") and (line, column) == (end_line, end_column)
    if raw_message.startswith("A dot is expected") or at_eof:
        prev = _previous_token_end(lines, line, column)
        if prev is not None and prev[2] != ".":
            p_line, p_col, token = prev
            if at_eof:
                # Nothing follows, so there is nothing left to check: no repair.
                message = (
                    f"unexpected end of file after {token!r}: the statement is not finished "
                    "(missing '.'?)"
                )
                return p_line, p_col, message, None
            found = _token_at(lines, line, column)
            if line == p_line:
                message = f"expected '.', ';' or ',' before {found!r}"
                return line, column, message, _blank_statement(lines, line)
            if _starts_statement(lines[line - 1]):
                message = (
                    f"expected '.' at the end of the statement "
                    f"(the next statement starts at line {line} with {found!r})"
                )
                return p_line, p_col, message, _insert(lines, p_line, p_col, " .")
            message = (
                f"expected ';' or '.' after {token!r} "
                f"(line {line} continues the statement with {found!r})"
            )
            return p_line, p_col, message, _insert(lines, p_line, p_col, " ;")

    if raw_message.startswith("Unexpected end"):
        opener = _char_at(lines, line, column)
        what = _OPENERS.get(opener)
        if what is not None:
            message = f"this {what} is never closed (reached the end of the file)"
        else:
            message = "unexpected end of file in the statement starting here"
        return line, column, message, _blank_statement(lines, line)

    undeclared = _UNDECLARED.match(raw_message)
    if "'/' is not allowed" in raw_message:
        token = _token_before_slash(lines, line, column)
        message = (
            f"'/' is not allowed in a prefixed name ({token!r}): declare a prefix for the "
            "longer namespace, write the full IRI in <...>, or escape it as '\\/'"
        )
    elif undeclared:
        prefix = undeclared.group(1)
        message = f"undefined prefix '{prefix}:' (declare it, e.g. @prefix {prefix}: <...> .)"
    else:
        message = _lower_first(raw_message)
    return line, column, message, _blank_statement(lines, line)


def _lower_first(message: str) -> str:
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        return message[0].lower() + message[1:]
    return message


def _code_part(line: str) -> str:
    """``line`` without its ``#`` comment (IRIs and single-line strings respected)."""
    quote: str | None = None
    in_iri = False
    i = 0
    while i < len(line):
        c = line[i]
        if quote is not None:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif in_iri:
            if c == ">":
                in_iri = False
        elif c in "\"'":
            quote = c
        elif c == "<":
            in_iri = True
        elif c == "#":
            return line[:i]
        i += 1
    return line


def _previous_token_end(lines: list[str], line: int, column: int) -> tuple[int, int, str] | None:
    """Position just after the last significant character before (line, column)."""
    index = min(line, len(lines)) - 1
    code = _code_part(lines[index])[: column - 1] if index >= 0 else ""
    while index >= 0:
        stripped = code.rstrip()
        if stripped:
            token = stripped.split()[-1][-40:]
            return index + 1, len(stripped) + 1, token
        index -= 1
        code = _code_part(lines[index]) if index >= 0 else ""
    return None


def _token_at(lines: list[str], line: int, column: int) -> str:
    if 1 <= line <= len(lines):
        rest = lines[line - 1][column - 1 :].split()
        if rest:
            return rest[0][:40]
    return ""


def _token_before_slash(lines: list[str], line: int, column: int) -> str:
    if not 1 <= line <= len(lines):
        return "/"
    text = lines[line - 1]
    start = column - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = column - 1
    while end < len(text) and not text[end].isspace() and text[end] not in ";,":
        end += 1
    return text[start:end].rstrip(".")[:60]


def _char_at(lines: list[str], line: int, column: int) -> str:
    if 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]):
        return lines[line - 1][column - 1]
    return ""


def _insert(lines: list[str], line: int, column: int, text: str) -> str:
    copy = list(lines)
    target = copy[line - 1]
    copy[line - 1] = target[: column - 1] + text + target[column - 1 :]
    return "\n".join(copy)


def _starts_statement(line: str) -> bool:
    return bool(line) and not line[0].isspace() and line[0] not in "#]),;.\"'}"


def _blank_statement(lines: list[str], line: int) -> str | None:
    """Blank out the statement around ``line`` (subjects start at column 1) or None.

    Returns None when nothing would change or when a prefix declaration would be removed
    (every later use of the prefix would then be reported again: noise, not help).
    """
    index = min(max(line, 1), len(lines)) - 1
    start = index
    while start > 0 and not _starts_statement(lines[start]):
        start -= 1
    end = index + 1
    while end < len(lines) and not _starts_statement(lines[end]):
        end += 1
    block = lines[start:end]
    if not any(s.strip() for s in block):
        return None
    if any(re.match(r"\s*(@prefix|@base|prefix\s|base\s)", s, re.IGNORECASE) for s in block):
        return None
    return "\n".join(lines[:start] + [""] * (end - start) + lines[end:])


# -- snapshots -------------------------------------------------------------------------------


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

    def union_data(self) -> Graph:
        """A new graph holding the triples of all data graphs (prefixes bound)."""
        union = Graph()
        bind_prefixes(union, self.settings.base_iri)
        for source in self.data_sources:
            union.addN((s, p, o, union) for s, p, o in self.data_graph(source))
        return union


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
