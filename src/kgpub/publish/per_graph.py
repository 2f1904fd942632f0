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

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgpub.config import Settings
from kgpub.errors import display_path
from kgpub.publish.graph_task import Task, parse_shared_dependencies, run_task, schema_graphs
from kgpub.publish.sources import Source, discover_sources
from kgpub.publish.validate import Violation

CACHE_FILE = "validation.json"
_CACHE_VERSION = 2


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
    run = _Run(settings, data, _read_cache(cache_path, context) if use_cache else {}, progress)
    reused = {s: e for s in data if (e := run.still_valid(s)) is not None}
    todo = [s for s in data if s not in reused]
    for s, entry in reused.items():
        run.finish(s, entry, True, list(entry.get("deps", {})))
    deps = dependencies(data, settings.base_iri) if todo else {}
    tasks = [Task(settings, schema, s, tuple(deps[s])) for s in todo]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    for task, outcome in _outcomes(tasks, n_workers):
        run.finish(task.source, outcome, False, [str(d.path) for d in task.deps])
    if use_cache and todo:
        live = {s.graph_iri for s in data}
        _write_cache(cache_path, context, {k: v for k, v in run.cache.items() if k in live})
    ordered = [run.results[s] for s in data]
    return BatchReport(ordered, time.perf_counter() - started, n_workers if todo else 0)


class _Run:
    """The results of one :func:`validate_sources` as they come, and the cache entries."""

    def __init__(
        self,
        settings: Settings,
        data: Sequence[Source],
        cache: dict[str, Any],
        progress: Callable[[GraphResult, int, int], None] | None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.progress = progress
        self.hashes = {s.path: _file_hash(s.path) for s in data}
        self.known_files = {str(s.path) for s in data}
        self.results: dict[Source, GraphResult] = {}
        self.total = len(data)

    def still_valid(self, s: Source) -> dict[str, Any] | None:
        """The cached outcome of ``s`` when neither it nor what it refers to changed."""
        entry = self.cache.get(s.graph_iri)
        if not isinstance(entry, dict) or entry.get("hash") != self.hashes[s.path]:
            return None
        if set(entry.get("files", ())) != self.known_files:
            return None  # a source appeared or went: what it refers to may differ
        for dep_path, dep_hash in entry.get("deps", {}).items():
            if self.hashes.get(Path(dep_path)) != dep_hash:
                return None
        return dict(entry)

    def finish(self, s: Source, outcome: dict[str, Any], cached: bool, deps: list[str]) -> None:
        """Record the outcome of ``s`` (cache it when it was validated now), tell progress."""
        root = self.settings.root
        result = GraphResult(
            graph_iri=s.graph_iri,
            path=display_path(s.path, root),
            depends_on=[display_path(Path(d), root) for d in deps],
            triples=int(outcome["triples"]),
            seconds=0.0 if cached else float(outcome["seconds"]),
            cached=cached,
            conforms=bool(outcome["conforms"]),
            violations=[Violation(**v) for v in outcome["violations"]],
            error=outcome["error"],
        )
        self.results[s] = result
        if not cached and outcome["error"] is None:
            self.cache[s.graph_iri] = {
                "hash": self.hashes[s.path],
                "deps": {d: self.hashes[Path(d)] for d in deps},
                "files": sorted(self.known_files),
                **{k: outcome[k] for k in ("triples", "seconds", "conforms", "violations")},
                "error": None,
            }
        if self.progress is not None:
            self.progress(result, len(self.results), self.total)


def _outcomes(tasks: Sequence[Task], n_workers: int) -> Iterator[tuple[Task, dict[str, Any]]]:
    """Run the tasks, in this process or in ``n_workers`` forked ones; outcomes as they come."""
    if n_workers == 1:
        for task in tasks:
            yield task, run_task(task)
        return
    first = tasks[0]
    schema_graphs(first.settings, first.schema)  # parsed once here; forked workers inherit it
    parse_shared_dependencies(first.settings, tasks)
    context_mp = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context_mp) as pool:
        futures: dict[Future[dict[str, Any]], Task] = {pool.submit(run_task, t): t for t in tasks}
        for future in as_completed(futures):
            yield futures[future], future.result()
