"""``kgpub export --static DIR``: the published snapshot as files under ``DIR/site``, an
nginx configuration ``DIR/nginx.conf`` that serves them, and ``DIR/manifest.json``.

The export is incremental: the manifest keeps the snapshot digest, a digest per named graph
and per file. The same snapshot again writes nothing; a named graph whose content did not
change is not rendered again; any other file is written only when its bytes changed (so its
mtime, and with it nginx's ETag and Last-Modified, stay as they were). Documents are rendered
by a pool of forked processes, each with the published store it inherits.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kgpub.export import nginx
from kgpub.export.documents import Job, plan, render
from kgpub.site import catalog
from kgpub.site.site import Site

MANIFEST = "manifest.json"
SITEMAP_MAX = 50_000  # URLs in one sitemap file (sitemaps.org)
_BATCH = 64  # jobs per task handed to a worker process

_site: Site | None = None  # the site a forked worker renders from (inherited, not pickled)
_old_files: dict[str, str] = {}


@dataclass
class Summary:
    """What an export did."""

    jobs: int = 0
    rendered: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    urls: int = 0
    files: dict[str, dict[str, str]] = field(default_factory=dict)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def graph_digests(site: Site) -> dict[str, str]:
    """A digest of each source's bytes by the named graph it is published as (none when the
    snapshot was not loaded here, as with a read-only remote store: then every graph counts
    as changed)."""
    snapshot = site.publisher.require().snapshot
    if snapshot is None or not hasattr(snapshot, "graph_digests"):
        return {}
    found: dict[str, str] = snapshot.graph_digests()
    return found


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        found = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_file(root: Path, name: str, data: bytes) -> None:
    """Write atomically (a reader never sees half a file)."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _run_batch(jobs: list[Job], root: str, host_url: str) -> list[tuple[str, dict[str, str], int]]:
    """In a worker: render ``jobs``, write what changed; (job key, files, written) each."""
    assert _site is not None
    out = []
    for job in jobs:
        files, written = {}, 0
        for name, data in render(_site, job, host_url):
            files[name] = digest(data)
            if _old_files.get(name) != files[name] or not (Path(root) / name).exists():
                write_file(Path(root), name, data)
                written += 1
        out.append((job.key, files, written))
    return out


def _batches(jobs: list[Job]) -> Iterator[list[Job]]:
    for i in range(0, len(jobs), _BATCH):
        yield jobs[i : i + _BATCH]


def render_all(
    site: Site, jobs: list[Job], root: Path, host_url: str, workers: int, old: dict[str, str]
) -> list[tuple[str, dict[str, str], int]]:
    """Render ``jobs`` in ``workers`` forked processes (in this one when 1)."""
    global _site, _old_files
    _site, _old_files = site, old
    try:
        if workers <= 1 or len(jobs) <= _BATCH:
            return _run_batch(jobs, str(root), host_url)
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_run_batch, b, str(root), host_url) for b in _batches(jobs)]
            return [row for f in futures for row in f.result()]
    finally:
        _site, _old_files = None, {}


def sitemaps(site: Site, host_url: str) -> Iterator[tuple[str, bytes]]:
    """``sitemap.xml``: the URL set, or above :data:`SITEMAP_MAX` URLs an index of
    ``sitemap-N.xml`` files of at most that many each."""
    paths = site.sitemap_paths()
    lastmod = site.loaded_at.strftime("%Y-%m-%d")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    chunks = [paths[i : i + SITEMAP_MAX] for i in range(0, len(paths), SITEMAP_MAX)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        name = "sitemap.xml" if len(chunks) == 1 else f"sitemap-{n}.xml"
        yield name, catalog.sitemap_xml(chunk, host_url, site.loaded_at)
    if len(chunks) > 1:
        entries = "".join(
            f"<sitemap><loc>{escape(host_url)}sitemap-{n}.xml</loc>"
            f"<lastmod>{lastmod}</lastmod></sitemap>"
            for n in range(1, len(chunks) + 1)
        )
        yield "sitemap.xml", f"{head}<sitemapindex {xmlns}>{entries}</sitemapindex>\n".encode()


def _copy_assets(root: Path) -> None:
    """The stylesheets and scripts the pages load from ``/static/``."""
    assets = Path(__file__).resolve().parent.parent / "static"
    shutil.copytree(assets, root / "static", dirs_exist_ok=True)


def _todo(site: Site, jobs: list[Job], old: dict[str, Any], host_url: str) -> list[Job]:
    """The jobs to render: all of them for a new snapshot, except named graphs whose content
    did not change; none for the snapshot the manifest records."""
    done = old.get("jobs", {})
    if old.get("host_url") != host_url:
        return jobs
    if old.get("snapshot") == site.publisher.require().digest:
        return [j for j in jobs if j.key not in done]
    graphs, before = graph_digests(site), old.get("graphs", {})

    def unchanged(job: Job) -> bool:
        iri = site.base + "graph/" + job.name
        return job.kind == "graph" and iri in graphs and before.get(iri) == graphs[iri]

    return [j for j in jobs if j.key not in done or not unchanged(j)]


def _remove(root: Path, names: set[str]) -> int:
    for name in names:
        (root / name).unlink(missing_ok=True)
    return len(names)


def export(site: Site, out: Path, host_url: str, listen: str, workers: int) -> Summary:
    """Export the published snapshot of ``site`` to ``out`` (see the module docstring);
    ``host_url`` is the address the pages link to, ``listen`` nginx's address."""
    start = time.monotonic()
    old = read_manifest(out)
    root = out / "site"
    jobs = plan(site)
    todo = _todo(site, jobs, old, host_url)
    done: dict[str, dict[str, str]] = {k: dict(v) for k, v in old.get("jobs", {}).items()}
    old_files = {name: d for files in done.values() for name, d in files.items()}
    summary = Summary(jobs=len(jobs), rendered=len(todo))
    for key, files, written in render_all(site, todo, root, host_url, workers, old_files):
        summary.removed += _remove(root, set(done.get(key, {})) - set(files))
        done[key] = files
        summary.written += written
    maps = dict(sitemaps(site, host_url))
    for name, data in maps.items():
        if old_files.get(name) != digest(data) or not (root / name).exists():
            write_file(root, name, data)
            summary.written += 1
    summary.removed += _remove(root, set(done.get("sitemap:", {})) - set(maps))
    done["sitemap:"] = {name: digest(data) for name, data in maps.items()}
    keep = {j.key for j in jobs} | {"sitemap:"}
    for key in set(done) - keep:
        summary.removed += _remove(root, set(done.pop(key)))
    _copy_assets(root)
    write_file(out, "nginx.conf", nginx.config(out, listen, site).encode())
    manifest = {
        "snapshot": site.publisher.require().digest,
        "host_url": host_url,
        "graphs": graph_digests(site),
        "jobs": done,
    }
    write_file(out, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    summary.files = done
    summary.urls = len(site.sitemap_paths())
    summary.unchanged = sum(len(f) for f in done.values()) - summary.written
    summary.seconds = time.monotonic() - start
    return summary
