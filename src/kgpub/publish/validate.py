"""SHACL validation with pyshacl, reported in plain words with file and line.

The data graph is the union of all data graphs (so links between sources resolve), the
ontology is mixed in (so ``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf``)
and pyshacl runs in advanced mode (SPARQL-based constraints and targets work).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from kgpub.errors import InvalidShapes, display_path
from kgpub.publish.pyshacl_remedies import memoised_copy, tune_pyshacl
from kgpub.publish.report import SEVERITIES, ValidationReport, Violation
from kgpub.publish.result_sentences import ReportBuilder, SourceLocator
from kgpub.publish.sources import Snapshot
from kgpub.vocab import DEFAULT_BASE_IRI

__all__ = [
    "SEVERITIES",
    "SourceLocator",
    "ValidationReport",
    "Violation",
    "swedish_message",
    "validate",
    "validate_graph",
]


def swedish_message(shapes: Graph, english: str) -> str:
    """The shape's Swedish ``sh:message`` for an English one (the English when none)."""
    for shape in shapes.subjects(SH.message, Literal(english, lang="en")):
        for message in shapes.objects(shape, SH.message):
            if isinstance(message, Literal) and message.language == "sv":
                return str(message)
    return english


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
    builder = ReportBuilder(results_graph, data_graph, shapes_graph, locate, root, base_iri)
    violations = builder.build()
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms=conforms, violations=violations)
