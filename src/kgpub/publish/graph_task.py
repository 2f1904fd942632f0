"""Validating one data source in a worker process, with what it refers to.

What workers parse (the ontology and shapes, the sources many others refer to) is kept per
process: parsed before the pool forks, it is shared by every worker.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from kgpub.config import Settings
from kgpub.errors import KgpubError, SyntaxProblem, display_path
from kgpub.publish.pyshacl_remedies import memoised_copy
from kgpub.publish.sources import Source, parse_source
from kgpub.publish.validate import validate_graph

#: How many links away from a source the descriptions of linked resources are added.
_CONTEXT_DEPTH = 2

_SCHEMA: dict[str, tuple[Graph, Graph]] = {}


def schema_graphs(settings: Settings, schema: Sequence[Source]) -> tuple[Graph, Graph]:
    """The ontology and the shapes, parsed once per process.

    The shapes are a :class:`~kgpub.publish.pyshacl_remedies.MemoisedGraph`, so what pyshacl
    looks up in them for one graph is remembered for the next ones this worker validates. An edited
    file (another modification time or size) is parsed again.
    """
    key = repr([(s.kind, str(s.path), _version(s.path)) for s in schema])
    if key not in _SCHEMA:
        _SCHEMA.clear()  # only the newest schema is kept
        ontology, shapes = Graph(), Graph()
        for s in schema:
            target = ontology if s.kind == "ontology" else shapes
            for triple in parse_source(s, settings.base_iri, settings.root):
                target.add(triple)
        _SCHEMA[key] = (ontology, memoised_copy(shapes))
    return _SCHEMA[key]


def _version(path: Path) -> tuple[int, int] | None:
    """(modification time in ns, size) of a file, None if it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


#: Parsed dependency sources by path, with the (modification time, size) they had.
_DEPENDENCIES: dict[Path, tuple[tuple[int, int], Graph]] = {}


def _dependency(source: Source, settings: Settings) -> Graph:
    """A source that others refer to, parsed once per process while its file is unchanged.

    Most sources refer to the same few (the national objective schemes), which were
    parsed again for every graph before.

    Raises:
        SourceNotFound, SyntaxProblem: as :func:`kgpub.publish.sources.parse_source`.
    """
    version = _version(source.path)
    if version is None:
        return parse_source(source, settings.base_iri, settings.root)
    known = _DEPENDENCIES.get(source.path)
    if known is not None and known[0] == version:
        return known[1]
    graph = parse_source(source, settings.base_iri, settings.root)
    _DEPENDENCIES[source.path] = (version, graph)
    return graph


def parse_shared_dependencies(settings: Settings, tasks: Sequence[Task]) -> None:
    """Parse, before the workers fork, the sources that two or more tasks refer to."""
    uses: dict[Source, int] = {}
    for task in tasks:
        for d in task.deps:
            uses[d] = uses.get(d, 0) + 1
    for d, n in uses.items():
        if n >= 2:
            with contextlib.suppress(KgpubError):  # reported by the task that validates it
                _dependency(d, settings)


@dataclass(frozen=True)
class Task:
    """One data source to validate, with the sources it refers to (picklable)."""

    settings: Settings
    schema: tuple[Source, ...]
    source: Source
    deps: tuple[Source, ...]


def _describe(graph: Graph, node: Node, into: Graph) -> None:
    """Add the triples about ``node`` in ``graph`` and, recursively, about its blank nodes."""
    todo = [node]
    seen: set[Node] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for _s, p, o in graph.triples((current, None, None)):
            into.add((current, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _add_context(
    union: Graph,
    owners: dict[Node, Path],
    own: Graph,
    dep_graphs: Sequence[tuple[Path, Graph]],
    depth: int = _CONTEXT_DEPTH,
) -> None:
    """Add to ``union`` what the dependencies say about the IRIs ``own`` refers to.

    Only the descriptions of the referenced IRIs (and of the IRIs those refer to, up to
    ``depth`` levels) are added, not whole dependency graphs: the shapes can follow the
    links (``sh:class``, ``sh:node``) while pyshacl's work stays proportional to the
    source itself instead of re-checking every dependency each time.
    """
    wanted = {o for o in own.objects() if isinstance(o, URIRef)} - set(owners)
    for _level in range(depth):
        found: set[Node] = set()
        for path, graph in dep_graphs:
            for node in wanted:
                if (node, None, None) in graph:
                    before = len(union)
                    _describe(graph, node, union)
                    if len(union) > before:
                        owners.setdefault(node, path)
                        found.add(node)
        wanted = {
            o
            for node in found
            for o in union.objects(node, None)
            if isinstance(o, URIRef) and o not in owners
        }
        if not wanted:
            return


def run_task(task: Task) -> dict[str, Any]:
    """Validate one source with its dependencies; a picklable result dict."""
    started = time.perf_counter()
    settings = task.settings
    shown = display_path(task.source.path, settings.root)
    try:
        ontology, shapes = schema_graphs(settings, task.schema)
        own = parse_source(task.source, settings.base_iri, settings.root)
        union = Graph()
        union += own
        owners: dict[Node, Path] = {s: task.source.path for s in own.subjects()}
        dep_graphs = [(d.path, _dependency(d, settings)) for d in task.deps]
        _add_context(union, owners, own, dep_graphs)

        def locate(node: Node) -> list[Path]:
            where = owners.get(node)
            return [where] if where is not None else []

        report = validate_graph(
            union,
            shapes,
            ontology,
            inference=settings.shacl_inference,
            locate=locate,
            root=settings.root,
            base_iri=settings.base_iri,
            inplace=True,  # union is this task's own; pyshacl need not copy it
        )
        mine = [v for v in report.violations if v.source_files and v.source_files[0] == shown]
        return {
            "triples": len(own),
            "seconds": time.perf_counter() - started,
            "conforms": not any(v.severity == "Violation" for v in mine),
            "violations": [v.to_dict() for v in mine],
            "error": None,
        }
    except SyntaxProblem as exc:
        error = str(exc)
    except KgpubError as exc:
        error = f"{shown}: {exc}"
    return {
        "triples": 0,
        "seconds": time.perf_counter() - started,
        "conforms": False,
        "violations": [],
        "error": error,
    }
