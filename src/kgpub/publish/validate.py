"""SHACL validation with pyshacl, reported in plain words with file and line.

The data graph is the union of all data graphs (so links between sources resolve), the
ontology is mixed in (so ``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf``)
and pyshacl runs in advanced mode (SPARQL-based constraints and targets work).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kgpub.errors import InvalidShapes, display_path
from kgpub.publish.pyshacl_remedies import memoised_copy, tune_pyshacl
from kgpub.publish.sources import Snapshot
from kgpub.vocab import DEFAULT_BASE_IRI, compact, prefixes_for

SEVERITIES = ("Violation", "Warning", "Info")
_COUNT_COMPONENTS = {"MinCountConstraintComponent", "MaxCountConstraintComponent"}

#: Finds the source files describing a node (used for file:line in reports).
SourceLocator = Callable[[Node], Sequence[Path]]


@dataclass
class Violation:
    """One SHACL result, ready to show to a person.

    Attributes:
        severity: ``"Violation"``, ``"Warning"`` or ``"Info"``.
        focus_node: The IRI of the node that fails (without ``<>``), or for a blank node a
            description such as ``[] (kgpub:target of <https://...>)``.
        path: The property path in compact form (``kgpub:owner``, ``^org:hasSubOrganization``)
            or None for node-level constraints.
        value: The offending value as written in Turtle (``"abc"@sv``, ``<https://...>``).
        message: A sentence: the shape's ``sh:message`` (English preferred) or one made up
            from the constraint; count constraints get ``(found N)``.
        shape: The shape that was violated (compact form or a description).
        source_files: Files (relative to the project root) that describe the focus node.
        line: First line in ``source_files[0]`` where the focus node appears, if found.
        constraint: The SHACL constraint component, compact (``sh:MinCountConstraintComponent``).
        focus_kind: ``"iri"``, ``"blank"`` or ``"literal"``.
    """

    severity: str
    focus_node: str
    path: str | None
    value: str | None
    message: str
    shape: str
    source_files: list[str] = field(default_factory=list)
    line: int | None = None
    constraint: str | None = None
    focus_kind: str = "iri"

    def location(self) -> str | None:
        """``data/x.ttl:42`` (or ``data/x.ttl`` when the line is unknown), None if no file."""
        if not self.source_files:
            return None
        return self.source_files[0] + (f":{self.line}" if self.line is not None else "")

    def focus_display(self) -> str:
        return f"<{self.focus_node}>" if self.focus_kind == "iri" else self.focus_node

    def sort_key(self) -> tuple[int, str, int, int, str, str, str]:
        """File, line, then severity (violations first), focus node, path, message."""
        has_file = 0 if self.source_files else 1
        first = self.source_files[0] if self.source_files else ""
        rank = SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 0
        return (
            has_file,
            first,
            self.line or 0,
            rank,
            self.focus_node,
            self.path or "",
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValidationReport:
    """The outcome of validating data against the shapes.

    ``conforms`` is False only when there is a result of severity Violation; warnings and
    infos are reported but do not fail.
    """

    conforms: bool
    violations: list[Violation]
    data_files: list[str] = field(default_factory=list)
    triples: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for v in self.violations if v.severity == severity)

    def files_involved(self) -> list[str]:
        return sorted({v.source_files[0] for v in self.violations if v.source_files})

    def summary(self) -> str:
        """One line: ``2 violations, 1 warning in 1 file`` or ``All 3 data files conform...``."""
        n_files = len(self.files_involved())
        in_files = f" in {_plural(n_files, 'file')}" if n_files else ""
        parts = [
            _plural(self.count("Violation"), "violation"),
            _plural(self.count("Warning"), "warning"),
        ]
        infos = self.count("Info")
        if infos:
            parts.append(_plural(infos, "info", "infos"))
        if not self.conforms:
            return ", ".join(parts) + in_files
        ok = (
            f"All {_plural(len(self.data_files), 'data file')} conform to the shapes "
            f"({_plural(self.triples, 'triple')})"
        )
        if self.violations:
            return ok + ", with " + ", ".join(parts[1:]) + in_files
        return ok

    def format_text(self, root: Path | None = None) -> str:
        """Human-readable report: one block per result, sorted by file and line, then the summary.

        ::

            data/haninge.ttl:42: <https://w3id.org/kgpub/id/haninge/goal/x>
              kgpub:owner: A goal must have exactly one owner organisation (found 0).

            1 violation, 0 warnings in 1 file

        ``root`` makes any absolute file paths relative (paths are normally relative already).
        """
        blocks: list[str] = []
        for v in sorted(self.violations, key=Violation.sort_key):
            files = [_relative(f, root) for f in v.source_files]
            location = files[0] + (f":{v.line}" if v.line is not None else "") if files else None
            label = "" if v.severity == "Violation" else v.severity.lower() + ": "
            header = f"{label}{v.focus_display()}"
            if location:
                header = f"{location}: {header}"
            lines = [header, f"  {v.path}: {v.message}" if v.path else f"  {v.message}"]
            if v.value is not None and v.value != v.focus_display():
                lines.append(f"    value: {v.value}")
            if len(files) > 1:
                lines.append(f"    also described in: {', '.join(files[1:])}")
            blocks.append("\n".join(lines))
        blocks.append(self.summary())
        return "\n\n".join(blocks) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``summary``, counts and every result)."""
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "violations_count": self.count("Violation"),
            "warnings_count": self.count("Warning"),
            "infos_count": self.count("Info"),
            "data_files": list(self.data_files),
            "triples": self.triples,
            "violations": [v.to_dict() for v in sorted(self.violations, key=Violation.sort_key)],
        }


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _relative(path: str, root: Path | None) -> str:
    p = Path(path)
    return display_path(p, root) if p.is_absolute() and root is not None else path


# -- running ----------------------------------------------------------------------------------


def validate(snapshot: Snapshot, *, inference: str | None = None) -> ValidationReport:
    """Validate the union of the snapshot's data graphs against its shapes.

    ``inference`` defaults to ``settings.shacl_inference`` (``"none"``).

    Raises:
        InvalidShapes: pyshacl cannot use the shapes graph.
    """
    settings = snapshot.settings
    root = settings.root

    def locate(node: Node) -> list[Path]:
        found = [s.path for s in snapshot.sources_of(node) if s.kind == "data"]
        return found or [s.path for s in snapshot.sources_of(node)]

    report = _validate(
        snapshot.union_data(),
        snapshot.shapes,
        snapshot.ontology,
        inference=inference or settings.shacl_inference,
        inplace=True,
        locate=locate,
        root=root,
        base_iri=settings.base_iri,
    )
    report.data_files = [display_path(s.path, root) for s in snapshot.data_sources]
    report.triples = snapshot.data_triple_count()
    return report


def validate_graph(
    data_graph: Graph,
    shapes_graph: Graph,
    ontology_graph: Graph | None = None,
    *,
    inference: str = "none",
    locate: SourceLocator | None = None,
    root: Path | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    inplace: bool = False,
) -> ValidationReport:
    """Validate one graph. ``locate`` maps a node to the files describing it.

    The graph is left unchanged unless ``inplace``: then pyshacl adds the ontology (and
    any inferred triples) to it instead of to a copy, which saves copying a graph that
    the caller throws away afterwards.

    Raises:
        InvalidShapes: pyshacl cannot use the shapes graph.
    """
    triples = len(data_graph)
    report = _validate(
        data_graph,
        shapes_graph,
        ontology_graph,
        inference=inference,
        inplace=inplace,
        locate=locate,
        root=root,
        base_iri=base_iri,
    )
    report.triples = triples
    return report


def _validate(
    data_graph: Graph,
    shapes_graph: Graph,
    ontology_graph: Graph | None,
    *,
    inference: str,
    inplace: bool,
    locate: SourceLocator | None,
    root: Path | None,
    base_iri: str,
) -> ValidationReport:
    tune_pyshacl()
    shapes_graph = memoised_copy(shapes_graph)
    try:
        _conforms, results_graph, _text = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            ont_graph=ontology_graph if ontology_graph else None,
            inference=inference,
            advanced=True,
            inplace=inplace,
            allow_warnings=True,
            allow_infos=True,
        )
    except ReportableRuntimeError as exc:
        raise InvalidShapes(f"the shapes cannot be used: {exc.message}") from None
    # With inplace=True, data_graph now also holds the ontology (and any inferred triples):
    # exactly what the shapes saw, so "found N" counts agree with the engine.
    builder = _ReportBuilder(results_graph, data_graph, shapes_graph, locate, root, base_iri)
    violations = builder.build()
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms=conforms, violations=violations)


# -- turning results into sentences -------------------------------------------------------------


class _ReportBuilder:
    def __init__(
        self,
        results: Graph,
        data: Graph,
        shapes: Graph,
        locate: SourceLocator | None,
        root: Path | None,
        base_iri: str,
    ) -> None:
        self.results = results
        self.data = data
        self.shapes = shapes
        self.locate = locate
        self.root = root
        self.base_iri = base_iri
        self.prefixes = prefixes_for(base_iri)
        self.lines = _LineFinder(base_iri)

    def c(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return compact(str(node), self.prefixes)
        if isinstance(node, Literal):
            return _literal_n3(node, self.prefixes)
        return "[]"

    def build(self) -> list[Violation]:
        out: list[Violation] = []
        seen: set[tuple[str, str, str | None, str | None, str]] = set()
        for result in set(self.results.objects(None, SH.result)):
            v = self.violation(result)
            # Two constraints that share one sh:message (say sh:datatype and sh:pattern)
            # fail together; a person needs to read that sentence once.
            key = (v.severity, v.focus_node, v.path, v.value, v.message)
            if key not in seen:
                seen.add(key)
                out.append(v)
        out.sort(key=Violation.sort_key)
        return out

    def one(self, subject: Node, predicate: URIRef) -> Node | None:
        return next(iter(self.results.objects(subject, predicate)), None)

    def violation(self, result: Node) -> Violation:
        focus = self.one(result, SH.focusNode)
        path_node = self.one(result, SH.resultPath)
        value = self.one(result, SH.value)
        shape = self.one(result, SH.sourceShape)
        component = self.one(result, SH.sourceConstraintComponent)
        severity_node = self.one(result, SH.resultSeverity)
        severity = str(severity_node).rsplit("#", 1)[-1] if severity_node is not None else ""
        if severity not in SEVERITIES:
            severity = "Violation"

        anchor, link, focus_text, focus_kind = self.describe_focus(focus)
        files: list[str] = []
        line: int | None = None
        if anchor is not None and self.locate is not None:
            paths = list(self.locate(anchor))
            files = [display_path(p, self.root) for p in paths]
            if paths and isinstance(anchor, URIRef):
                line = self.lines.find(paths[0], str(anchor))
                if line is not None and link is not None:
                    # A blank node: point at the property that leads to it, if found.
                    line = self.lines.find(paths[0], str(link), after=line) or line
        component_local = str(component).rsplit("#", 1)[-1] if component is not None else ""
        path_text = _render_path(self.results, path_node, self.c) if path_node is not None else None
        message = self.message(result, shape, component_local, focus, path_node)
        return Violation(
            severity=severity,
            focus_node=focus_text,
            path=path_text,
            value=self.c(value) if value is not None else None,
            message=message,
            shape=self.describe_shape(shape),
            source_files=files,
            line=line,
            constraint=self.c(component) if component is not None else None,
            focus_kind=focus_kind,
        )

    def describe_focus(self, focus: Node | None) -> tuple[Node | None, Node | None, str, str]:
        """(IRI to locate in files, property leading from it, text, kind) for a focus node.

        A blank node is described by the chain of properties that leads to it from the
        nearest IRI, and located where that IRI is described.
        """
        if isinstance(focus, URIRef):
            return focus, None, str(focus), "iri"
        if isinstance(focus, Literal):
            return None, None, self.c(focus), "literal"
        if isinstance(focus, BNode):
            node: Node = focus
            steps: list[str] = []
            for _ in range(5):
                parent = next(iter(sorted(self.data.subject_predicates(node))), None)
                if parent is None:
                    break
                subject, predicate = parent
                steps.append(self.c(predicate))
                if isinstance(subject, URIRef):
                    chain = " of the ".join(steps)
                    return subject, predicate, f"[] (the {chain} of <{subject}>)", "blank"
                node = subject
            return focus, None, "[] (a blank node)", "blank"
        return None, None, "(unknown node)", "iri"

    def describe_shape(self, shape: Node | None) -> str:
        if shape is None:
            return ""
        if isinstance(shape, URIRef):
            return self.c(shape)
        parent = next(iter(self.shapes.subjects(SH.property, shape)), None)
        path = next(iter(self.shapes.objects(shape, SH.path)), None)
        path_text = _render_path(self.shapes, path, self.c) if path is not None else "?"
        if isinstance(parent, URIRef):
            return f"{self.c(parent)} (property {path_text})"
        return f"[] (property {path_text})" if path is not None else "[]"

    def message(
        self,
        result: Node,
        shape: Node | None,
        component: str,
        focus: Node | None,
        path: Node | None,
    ) -> str:
        # pyshacl's own messages for core constraints are technical; replace them with a
        # sentence unless the shape has its own sh:message. Other constraints (SPARQL,
        # custom components) carry the message their authors wrote: keep it.
        authored = component not in _CORE_COMPONENTS or (
            shape is not None and (shape, SH.message, None) in self.shapes
        )
        text = None
        if authored:
            text = _pick_message(list(self.results.objects(result, SH.resultMessage)))
        if not text:
            text = self.synthesise(shape, component, result)
        text = text.strip()
        if component in _COUNT_COMPONENTS and "found" not in text.lower():
            found = _count_values(self.data, focus, path, self.results)
            if found is not None:
                text = text.rstrip(".") + f" (found {found})."
        if text and text[0].islower():
            text = text[0].upper() + text[1:]
        if text and text[-1] not in ".!?)":
            text += "."
        return text

    def param(self, shape: Node | None, name: str) -> Node | None:
        if shape is None:
            return None
        return next(iter(self.shapes.objects(shape, SH[name])), None)

    def synthesise(self, shape: Node | None, component: str, result: Node) -> str:
        p = self.param
        c = self.c

        def val(name: str) -> str:
            node = p(shape, name)
            return c(node) if node is not None else "?"

        def number(name: str) -> int:
            node = p(shape, name)
            try:
                return int(str(node))
            except (TypeError, ValueError):
                return 0

        simple: dict[str, Callable[[], str]] = {
            "MinCountConstraintComponent": lambda: (
                f"Needs at least {_plural(number('minCount'), 'value')}"
            ),
            "MaxCountConstraintComponent": lambda: (
                f"Allows at most {_plural(number('maxCount'), 'value')}"
            ),
            "ClassConstraintComponent": lambda: f"The value must be an instance of {val('class')}",
            "DatatypeConstraintComponent": lambda: (
                f"The value must be a valid literal of datatype {val('datatype')}"
            ),
            "NodeKindConstraintComponent": lambda: (
                f"The value must be {_NODE_KINDS.get(str(p(shape, 'nodeKind')), val('nodeKind'))}"
            ),
            "MinInclusiveConstraintComponent": lambda: (
                f"The value must be at least {val('minInclusive')}"
            ),
            "MaxInclusiveConstraintComponent": lambda: (
                f"The value must be at most {val('maxInclusive')}"
            ),
            "MinExclusiveConstraintComponent": lambda: (
                f"The value must be greater than {val('minExclusive')}"
            ),
            "MaxExclusiveConstraintComponent": lambda: (
                f"The value must be less than {val('maxExclusive')}"
            ),
            "MinLengthConstraintComponent": lambda: (
                f"The value must be at least {_plural(number('minLength'), 'character')} long"
            ),
            "MaxLengthConstraintComponent": lambda: (
                f"The value must be at most {_plural(number('maxLength'), 'character')} long"
            ),
            "PatternConstraintComponent": lambda: (
                f"The value must match the pattern {str(p(shape, 'pattern'))!r}"
            ),
            "LanguageInConstraintComponent": lambda: (
                "The language tag must be one of " + ", ".join(self.list_param(shape, "languageIn"))
            ),
            "UniqueLangConstraintComponent": lambda: "Only one value per language is allowed",
            "InConstraintComponent": lambda: (
                "The value must be one of " + ", ".join(self.list_param(shape, "in"))
            ),
            "HasValueConstraintComponent": lambda: f"Must have the value {val('hasValue')}",
            "EqualsConstraintComponent": lambda: f"Values must equal those of {val('equals')}",
            "DisjointConstraintComponent": lambda: (
                f"Values must differ from those of {val('disjoint')}"
            ),
            "LessThanConstraintComponent": lambda: (
                f"Each value must be less than the values of {val('lessThan')}"
            ),
            "LessThanOrEqualsConstraintComponent": lambda: (
                f"Each value must be less than or equal to the values of {val('lessThanOrEquals')}"
            ),
            "NodeConstraintComponent": lambda: (
                f"The value must conform to the shape {self.describe_shape(p(shape, 'node'))}"
            ),
            "QualifiedMinCountConstraintComponent": lambda: (
                f"Needs at least {_plural(number('qualifiedMinCount'), 'value')} conforming to "
                f"the shape {self.describe_shape(p(shape, 'qualifiedValueShape'))}"
            ),
            "QualifiedMaxCountConstraintComponent": lambda: (
                f"Allows at most {_plural(number('qualifiedMaxCount'), 'value')} conforming to "
                f"the shape {self.describe_shape(p(shape, 'qualifiedValueShape'))}"
            ),
            "ClosedConstraintComponent": lambda: "This property is not allowed here (closed shape)",
            "NotConstraintComponent": lambda: "The value must not conform to the given shape",
            "AndConstraintComponent": lambda: "The value must conform to all the given shapes",
            "OrConstraintComponent": lambda: "The value must conform to at least one given shape",
            "XoneConstraintComponent": lambda: "The value must conform to exactly one given shape",
        }
        make = simple.get(component)
        if make is not None:
            return make()
        if component.startswith("SPARQL"):
            return f"Violates a SPARQL constraint of {self.describe_shape(shape)}"
        fallback = _pick_message(list(self.results.objects(result, SH.resultMessage)))
        return fallback or f"Violates {component or 'a constraint'} of {self.describe_shape(shape)}"

    def list_param(self, shape: Node | None, name: str) -> list[str]:
        head = self.param(shape, name)
        if head is None:
            return []
        items = list(Collection(self.shapes, head))
        return [str(i) if name == "languageIn" else self.c(i) for i in items]


_CORE_COMPONENTS = frozenset(
    f"{name}ConstraintComponent"
    for name in (
        "Class",
        "Datatype",
        "NodeKind",
        "MinCount",
        "MaxCount",
        "MinExclusive",
        "MinInclusive",
        "MaxExclusive",
        "MaxInclusive",
        "MinLength",
        "MaxLength",
        "Pattern",
        "LanguageIn",
        "UniqueLang",
        "Equals",
        "Disjoint",
        "LessThan",
        "LessThanOrEquals",
        "Not",
        "And",
        "Or",
        "Xone",
        "Node",
        "QualifiedMinCount",
        "QualifiedMaxCount",
        "Closed",
        "HasValue",
        "In",
    )
)

_NODE_KINDS = {
    str(SH.IRI): "an IRI",
    str(SH.Literal): "a literal",
    str(SH.BlankNode): "a blank node",
    str(SH.BlankNodeOrIRI): "an IRI or a blank node",
    str(SH.BlankNodeOrLiteral): "a blank node or a literal",
    str(SH.IRIOrLiteral): "an IRI or a literal",
}


def _pick_message(messages: list[Node]) -> str | None:
    """English first, then untagged, then any (sorted, for stable output)."""
    literals = sorted((m for m in messages if isinstance(m, Literal)), key=str)
    for wanted in ("en", None):
        for m in literals:
            lang = (m.language or "").lower().split("-")[0] or None
            if lang == wanted:
                return str(m)
    return str(literals[0]) if literals else None


def _count_values(data: Graph, focus: Node | None, path: Node | None, results: Graph) -> int | None:
    if focus is None or path is None:
        return None
    if isinstance(path, URIRef):
        return len(set(data.objects(focus, path)))
    inverse = next(iter(results.objects(path, SH.inversePath)), None)
    if isinstance(inverse, URIRef):
        return len(set(data.subjects(inverse, focus)))
    return None


def _render_path(graph: Graph, path: Node | None, c: Callable[[Node], str]) -> str:
    """SHACL property path in SPARQL-like syntax: ``a/b``, ``^a``, ``a|b``, ``a*``."""
    if path is None:
        return "?"
    if isinstance(path, URIRef):
        return c(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_render_path(graph, p, c) for p in Collection(graph, path))
    for predicate, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = next(iter(graph.objects(path, predicate)), None)
        if inner is not None:
            text = _render_path(graph, inner, c)
            if not isinstance(inner, URIRef):
                text = f"({text})"
            return fmt.format(text)
    alternatives = next(iter(graph.objects(path, SH.alternativePath)), None)
    if alternatives is not None:
        return "|".join(_render_path(graph, p, c) for p in Collection(graph, alternatives))
    return "[]"


def _literal_n3(literal: Literal, prefixes: dict[str, Namespace]) -> str:
    text = str(literal).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if len(text) > 80:
        text = text[:77] + "..."
    if literal.language:
        return f'"{text}"@{literal.language}'
    if literal.datatype is not None:
        return f'"{text}"^^{compact(str(literal.datatype), prefixes)}'
    return f'"{text}"'


# -- finding lines ------------------------------------------------------------------------------

_PREFIX_DECL = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)
_TERM = re.compile(
    r"<([^<>\"{}|^`\\\s]*)>"  # <iri>
    r"|(?<![\w.:\\-])([A-Za-z][\w.-]*)?:"  # prefix:
    r"((?:[\w:%-]|\\[~!$&'()*+,;=/?#@%_.-]|\.(?=[\w:%\\-]))*)"  # local name
)
_LOCAL_UNESCAPE = re.compile(r"\\(.)")


def _resolve(base: str, reference: str) -> str:
    """Resolve a relative IRI reference; unlike plain urljoin, keeps an empty fragment."""
    if reference.endswith("#"):
        return urljoin(base, reference[:-1]) + "#"
    return urljoin(base, reference)


@dataclass
class _FileIndex:
    subject_line: dict[str, int]
    lines_of: dict[str, list[int]]


class _LineFinder:
    """Finds where an IRI appears in a Turtle file (best effort).

    Each file is indexed once: every ``<iri>`` (relative ones resolved against the base)
    and every prefixed name (expanded with the file's own prefixes) maps to the lines it
    is on, and to the line where it starts a description (column 1: a subject).
    """

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.files: dict[Path, _FileIndex] = {}

    def index(self, path: Path) -> _FileIndex:
        if path in self.files:
            return self.files[path]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        prefixes = {
            m.group(1) or "": _resolve(self.base_iri, m.group(2))
            for m in _PREFIX_DECL.finditer(text)
        }
        subject_line: dict[str, int] = {}
        lines_of: dict[str, list[int]] = {}
        for number, line in enumerate(text.split("\n"), start=1):
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#") or _PREFIX_DECL.match(line):
                continue
            for match in _TERM.finditer(line):
                iri_ref, prefix, local = match.groups()
                if iri_ref is not None:
                    iri = _resolve(self.base_iri, iri_ref)
                else:
                    namespace = prefixes.get(prefix or "")
                    if namespace is None:
                        continue
                    iri = namespace + _LOCAL_UNESCAPE.sub(r"\1", local or "")
                on = lines_of.setdefault(iri, [])
                if not on or on[-1] != number:
                    on.append(number)
                if match.start() == 0 and iri not in subject_line:
                    subject_line[iri] = number
        index = _FileIndex(subject_line, lines_of)
        self.files[path] = index
        return index

    def find(self, path: Path, iri: str, after: int | None = None) -> int | None:
        """The line where ``iri`` is a subject (column 1), else where it first appears.

        With ``after``, the first line on or after that one where it appears at all.
        """
        index = self.index(path)
        lines = index.lines_of.get(iri, [])
        if after is not None:
            position = bisect.bisect_left(lines, after)
            return lines[position] if position < len(lines) else None
        if iri in index.subject_line:
            return index.subject_line[iri]
        return lines[0] if lines else None
