"""SHACL validation at scale: per source graph, in parallel, skipping unchanged graphs.

One pyshacl run over the union of all data uses one core, holds everything in memory at
once and must be redone whole after any edit. Here every data source is validated on its
own, together with the sources it refers to -- the graphs that describe
the IRIs it uses as objects, followed transitively (for a municipality: the national
objective schemes it aligns to) -- so ``sh:class`` and SPARQL constraints still see the
linked nodes. Only results whose focus node the source itself describes are reported for
it (the referred-to sources are reported on their own).

Graphs run in a process pool across cores, each with the ontology and shapes parsed once
per worker. A graph is skipped, and its last result reused, when its file, the files of
the sources it refers to, the ontology, the shapes and the inference mode are all byte for
byte unchanged since the last run (SHA-256; the cache is ``validation.json`` in the cache
directory, ``.kgpub-cache/`` under the project root by default).

The per-graph check itself is :func:`kgpub.publish.validate.validate_graph`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from kgpub.config import Settings
from kgpub.errors import KgpubError, SyntaxProblem, display_path
from kgpub.publish.pyshacl_remedies import memoised_copy
from kgpub.publish.sources import Source, discover_sources, parse_source
from kgpub.publish.validate import Violation, validate_graph

CACHE_FILE = "validation.json"
_CACHE_VERSION = 2
#: How many links away from a source the descriptions of linked resources are added.
_CONTEXT_DEPTH = 2


@dataclass
class GraphResult:
    """The validation of one data source.

    Attributes:
        graph_iri: The named graph of the source.
        path: The source file, relative to the project root.
        depends_on: Files of the sources validated with it (relative to the root).
        triples: Triples in the source itself.
        seconds: Wall time of its validation (0 when ``cached``).
        cached: True when skipped because nothing it depends on changed.
        conforms: No result of severity Violation (and no error).
        violations: Results whose focus node this source describes.
        error: A syntax or shapes problem that stopped the validation, if any.
    """

    graph_iri: str
    path: str
    depends_on: list[str]
    triples: int
    seconds: float
    cached: bool
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "graph": self.graph_iri,
            "path": self.path,
            "depends_on": self.depends_on,
            "triples": self.triples,
            "seconds": round(self.seconds, 4),
            "cached": self.cached,
            "conforms": self.conforms,
            "violations": [v.to_dict() for v in self.violations],
            "error": self.error,
        }


@dataclass
class BatchReport:
    """All per-graph results of one run."""

    graphs: list[GraphResult]
    seconds: float
    workers: int

    @property
    def conforms(self) -> bool:
        return all(g.conforms for g in self.graphs)

    @property
    def violations(self) -> list[Violation]:
        out = [v for g in self.graphs for v in g.violations]
        return sorted(out, key=lambda v: v.sort_key())

    @property
    def validated(self) -> int:
        return sum(1 for g in self.graphs if not g.cached)

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def summary(self) -> str:
        n = len(self.graphs)
        cached = n - self.validated
        head = (
            f"{n} graph{'s' if n != 1 else ''} ({self.triples:,} triples): "
            f"{self.validated} validated, {cached} unchanged (cached), "
            f"{self.seconds:.2f} s with {self.workers} worker{'s' if self.workers != 1 else ''}"
        )
        bad = [g for g in self.graphs if not g.conforms]
        if not bad:
            return head + "; all conform"
        errors = sum(1 for g in bad if g.error)
        violations = sum(1 for v in self.violations if v.severity == "Violation")
        return (
            head + f"; {len(bad)} do not conform ({violations} violations"
            f"{f', {errors} errors' if errors else ''})"
        )

    def format_text(self) -> str:
        lines = []
        for g in self.graphs:
            state = "ok" if g.conforms else "INVALID"
            when = "cached" if g.cached else f"{g.seconds:.3f} s"
            lines.append(f"{g.path}: {state} ({g.triples} triples, {when})")
            if g.error:
                lines.append(f"  {g.error}")
            for v in g.violations:
                where = v.location() or g.path
                lines.append(
                    f"  {where}: {v.severity}: {v.focus_display()} {v.path or ''}: {v.message}"
                )
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "seconds": round(self.seconds, 4),
            "workers": self.workers,
            "graphs": [g.to_dict() for g in self.graphs],
        }


# -- dependency analysis --------------------------------------------------------------------


def _index(source: Source, base_iri: str) -> tuple[set[str], set[str]]:
    """(IRIs the source describes as subjects, IRIs it uses as objects)."""
    subjects: set[str] = set()
    objects: set[str] = set()
    try:
        for t in ox.parse(path=source.path, format=ox.RdfFormat.TURTLE, base_iri=base_iri):
            if isinstance(t.subject, ox.NamedNode):
                subjects.add(t.subject.value)
            if isinstance(t.object, ox.NamedNode):
                objects.add(t.object.value)
    except (SyntaxError, OSError):
        pass  # reported when the graph itself is validated
    return subjects, objects


def dependencies(
    sources: Sequence[Source], base_iri: str, *, max_owners: int = 2
) -> dict[Source, list[Source]]:
    """For each source, the other sources describing IRIs it refers to, transitively.

    An IRI the source describes itself adds nothing. An IRI that several sources describe
    (a shared external node) adds at most ``max_owners`` of them, so one source never
    drags in a whole copy of the data set.
    """
    indexed = {s: _index(s, base_iri) for s in sources}
    owner: dict[str, list[Source]] = {}
    for s, (subjects, _objects) in indexed.items():
        for iri in subjects:
            owner.setdefault(iri, []).append(s)
    direct: dict[Source, set[Source]] = {}
    for s, (subjects, objects) in indexed.items():
        direct[s] = {
            o for iri in objects - subjects for o in owner.get(iri, ())[:max_owners] if o != s
        }
    result: dict[Source, list[Source]] = {}
    for s in sources:
        seen: set[Source] = set()
        todo = list(direct[s])
        while todo:
            d = todo.pop()
            if d in seen or d == s:
                continue
            seen.add(d)
            todo.extend(direct[d])
        result[s] = sorted(seen, key=lambda x: str(x.path))
    return result


# -- hashing and the cache ------------------------------------------------------------------


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _context_hash(settings: Settings, schema: Sequence[Source]) -> str:
    h = hashlib.sha256(
        f"{_CACHE_VERSION}\n{settings.base_iri}\n{settings.shacl_inference}\n".encode()
    )
    for s in schema:
        h.update(f"{s.kind}:{s.path}:{_file_hash(s.path)}\n".encode())
    return h.hexdigest()


def _read_cache(path: Path, context: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("context") != context:
        return {}
    graphs = data.get("graphs")
    return graphs if isinstance(graphs, dict) else {}


def _write_cache(path: Path, context: str, graphs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"context": context, "graphs": graphs}), encoding="utf-8")
    tmp.replace(path)


# -- the worker side ------------------------------------------------------------------------

_SCHEMA: dict[str, tuple[Graph, Graph]] = {}


def _schema(settings: Settings, schema: Sequence[Source]) -> tuple[Graph, Graph]:
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


def _parse_shared_dependencies(settings: Settings, tasks: Sequence[_Task]) -> None:
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
class _Task:
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


def _run_task(task: _Task) -> dict[str, Any]:
    """Validate one source with its dependencies; a picklable result dict."""
    started = time.perf_counter()
    settings = task.settings
    shown = display_path(task.source.path, settings.root)
    try:
        ontology, shapes = _schema(settings, task.schema)
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


# -- running --------------------------------------------------------------------------------


def validate_sources(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    *,
    workers: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Callable[[GraphResult, int, int], None] | None = None,
) -> BatchReport:
    """Validate every data source of the project (or ``paths``) per graph.

    Args:
        workers: Processes to use (default: the CPU count); 1 validates in this process.
        cache_dir: Where ``validation.json`` lives (default ``{root}/.kgpub-cache``).
        use_cache: False validates everything and does not touch the cache.
        progress: Called with each result, its 1-based number and the total, as they come.

    Raises:
        SourceNotFound: a configured or given file does not exist.
    """
    started = time.perf_counter()
    all_sources = discover_sources(settings, paths)
    schema = tuple(s for s in all_sources if s.kind != "data")
    data = [s for s in all_sources if s.kind == "data"]
    context = _context_hash(settings, schema)
    cache_path = (cache_dir or settings.resolve(".kgpub-cache")) / CACHE_FILE
    cache = _read_cache(cache_path, context) if use_cache else {}
    hashes = {s.path: _file_hash(s.path) for s in data}
    known_files = {str(s.path) for s in data}

    def still_valid(s: Source) -> dict[str, Any] | None:
        entry = cache.get(s.graph_iri)
        if not isinstance(entry, dict) or entry.get("hash") != hashes[s.path]:
            return None
        if set(entry.get("files", ())) != known_files:
            return None  # a source appeared or went: what it refers to may differ
        for dep_path, dep_hash in entry.get("deps", {}).items():
            if hashes.get(Path(dep_path)) != dep_hash:
                return None
        return dict(entry)

    reused = {s: e for s in data if (e := still_valid(s)) is not None}
    todo = [s for s in data if s not in reused]
    deps = dependencies(data, settings.base_iri) if todo else {}

    results: dict[Source, GraphResult] = {}
    total = len(data)
    done = 0

    def finish(s: Source, outcome: dict[str, Any], cached: bool, dep_list: list[str]) -> None:
        nonlocal done
        done += 1
        result = GraphResult(
            graph_iri=s.graph_iri,
            path=display_path(s.path, settings.root),
            depends_on=[display_path(Path(d), settings.root) for d in dep_list],
            triples=int(outcome["triples"]),
            seconds=0.0 if cached else float(outcome["seconds"]),
            cached=cached,
            conforms=bool(outcome["conforms"]),
            violations=[Violation(**v) for v in outcome["violations"]],
            error=outcome["error"],
        )
        results[s] = result
        if not cached and outcome["error"] is None:
            cache[s.graph_iri] = {
                "hash": hashes[s.path],
                "deps": {d: hashes[Path(d)] for d in dep_list},
                "files": sorted(known_files),
                **{k: outcome[k] for k in ("triples", "seconds", "conforms", "violations")},
                "error": None,
            }
        if progress is not None:
            progress(result, done, total)

    for s, entry in reused.items():
        finish(s, entry, True, list(entry.get("deps", {})))

    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    tasks = [_Task(settings, schema, s, tuple(deps[s])) for s in todo]
    if n_workers == 1:
        for task in tasks:
            finish(task.source, _run_task(task), False, [str(d.path) for d in task.deps])
    else:
        _schema(settings, schema)  # parsed once here; forked workers inherit it
        _parse_shared_dependencies(settings, tasks)
        context_mp = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context_mp) as pool:
            futures: dict[Future[dict[str, Any]], _Task] = {
                pool.submit(_run_task, t): t for t in tasks
            }

            for future in as_completed(futures):
                task = futures[future]
                finish(task.source, future.result(), False, [str(d.path) for d in task.deps])

    if use_cache and todo:
        live = {s.graph_iri for s in data}
        _write_cache(cache_path, context, {k: v for k, v in cache.items() if k in live})
    ordered = [results[s] for s in data]
    return BatchReport(ordered, time.perf_counter() - started, n_workers if todo else 0)
