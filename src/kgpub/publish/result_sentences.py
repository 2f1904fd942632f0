"""pyshacl's validation results turned into sentences, with the file and line to look at."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kgpub.errors import display_path
from kgpub.publish.report import SEVERITIES, Violation, plural
from kgpub.publish.source_lines import LineFinder
from kgpub.vocab import compact, prefixes_for

_COUNT_COMPONENTS = {"MinCountConstraintComponent", "MaxCountConstraintComponent"}

#: Finds the source files describing a node (used for file:line in reports).
SourceLocator = Callable[[Node], Sequence[Path]]


class ReportBuilder:
    """Turns pyshacl's results graph into :class:`Violation` sentences a person reads."""

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
        self.lines = LineFinder(base_iri)

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
        """A sentence for a result of ``component`` that has no message of its own."""
        make = _SENTENCES.get(component)
        if make is not None:
            return make(_Params(self, shape))
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


class _Params:
    """The parameters of the shape a result comes from, as text for a sentence."""

    def __init__(self, builder: ReportBuilder, shape: Node | None) -> None:
        self.builder = builder
        self.shape = shape

    def raw(self, name: str) -> Node | None:
        return self.builder.param(self.shape, name)

    def val(self, name: str) -> str:
        node = self.raw(name)
        return self.builder.c(node) if node is not None else "?"

    def count(self, name: str, word: str) -> str:
        """``n word(s)`` for an integer parameter (0 when it is not one)."""
        try:
            n = int(str(self.raw(name)))
        except (TypeError, ValueError):
            n = 0
        return plural(n, word)

    def shape_of(self, name: str) -> str:
        return self.builder.describe_shape(self.raw(name))

    def items(self, name: str) -> str:
        return ", ".join(self.builder.list_param(self.shape, name))

    def node_kind(self) -> str:
        return _NODE_KINDS.get(str(self.raw("nodeKind")), self.val("nodeKind"))


#: A sentence for each core constraint component, from the parameters of its shape.
_SENTENCES: dict[str, Callable[[_Params], str]] = {
    "MinCountConstraintComponent": lambda p: f"Needs at least {p.count('minCount', 'value')}",
    "MaxCountConstraintComponent": lambda p: f"Allows at most {p.count('maxCount', 'value')}",
    "ClassConstraintComponent": lambda p: f"The value must be an instance of {p.val('class')}",
    "DatatypeConstraintComponent": lambda p: (
        f"The value must be a valid literal of datatype {p.val('datatype')}"
    ),
    "NodeKindConstraintComponent": lambda p: f"The value must be {p.node_kind()}",
    "MinInclusiveConstraintComponent": lambda p: (
        f"The value must be at least {p.val('minInclusive')}"
    ),
    "MaxInclusiveConstraintComponent": lambda p: (
        f"The value must be at most {p.val('maxInclusive')}"
    ),
    "MinExclusiveConstraintComponent": lambda p: (
        f"The value must be greater than {p.val('minExclusive')}"
    ),
    "MaxExclusiveConstraintComponent": lambda p: (
        f"The value must be less than {p.val('maxExclusive')}"
    ),
    "MinLengthConstraintComponent": lambda p: (
        f"The value must be at least {p.count('minLength', 'character')} long"
    ),
    "MaxLengthConstraintComponent": lambda p: (
        f"The value must be at most {p.count('maxLength', 'character')} long"
    ),
    "PatternConstraintComponent": lambda p: (
        f"The value must match the pattern {str(p.raw('pattern'))!r}"
    ),
    "LanguageInConstraintComponent": lambda p: (
        "The language tag must be one of " + p.items("languageIn")
    ),
    "UniqueLangConstraintComponent": lambda p: "Only one value per language is allowed",
    "InConstraintComponent": lambda p: "The value must be one of " + p.items("in"),
    "HasValueConstraintComponent": lambda p: f"Must have the value {p.val('hasValue')}",
    "EqualsConstraintComponent": lambda p: f"Values must equal those of {p.val('equals')}",
    "DisjointConstraintComponent": lambda p: (
        f"Values must differ from those of {p.val('disjoint')}"
    ),
    "LessThanConstraintComponent": lambda p: (
        f"Each value must be less than the values of {p.val('lessThan')}"
    ),
    "LessThanOrEqualsConstraintComponent": lambda p: (
        f"Each value must be less than or equal to the values of {p.val('lessThanOrEquals')}"
    ),
    "NodeConstraintComponent": lambda p: (
        f"The value must conform to the shape {p.shape_of('node')}"
    ),
    "QualifiedMinCountConstraintComponent": lambda p: (
        f"Needs at least {p.count('qualifiedMinCount', 'value')} conforming to "
        f"the shape {p.shape_of('qualifiedValueShape')}"
    ),
    "QualifiedMaxCountConstraintComponent": lambda p: (
        f"Allows at most {p.count('qualifiedMaxCount', 'value')} conforming to "
        f"the shape {p.shape_of('qualifiedValueShape')}"
    ),
    "ClosedConstraintComponent": lambda p: "This property is not allowed here (closed shape)",
    "NotConstraintComponent": lambda p: "The value must not conform to the given shape",
    "AndConstraintComponent": lambda p: "The value must conform to all the given shapes",
    "OrConstraintComponent": lambda p: "The value must conform to at least one given shape",
    "XoneConstraintComponent": lambda p: "The value must conform to exactly one given shape",
}

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


def _literal_n3(literal: Literal, prefixes: dict[str, str]) -> str:
    text = str(literal).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if len(text) > 80:
        text = text[:77] + "..."
    if literal.language:
        return f'"{text}"@{literal.language}'
    if literal.datatype is not None:
        return f'"{text}"^^{compact(str(literal.datatype), prefixes)}'
    return f'"{text}"'
