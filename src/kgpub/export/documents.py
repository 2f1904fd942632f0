"""Which files the static export writes, and their bytes: every document of a snapshot in
every format and language, under the names the generated nginx configuration looks for.

A document at ``/doc/{p}`` becomes ``doc/{p}.{lang}.html`` for each language, ``doc/{p}.ttl``
(and ``.jsonld .rdf .nt``); a municipality also ``doc/{p}.{lang}.csv`` (its first table),
``doc/{p}.{lang}.table-{name}.csv`` (each table by name) and ``doc/{p}.json``. A named graph
adds ``.nq`` and ``.trig``. Every name ends in the format's extension, so nginx's ``types``
give the Content-Type, and a document never collides with the folder of the things under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kgpub.formats import CSV, DATASET_FORMATS, DOCUMENT_FORMATS, HTML, JSON, Format
from kgpub.negotiation import LANGUAGES, variants
from kgpub.rendering.rendered import Rendered
from kgpub.site import catalog, tables
from kgpub.site.site import Site

#: Reference documents at the top of the site (each negotiable like a resource document).
REFERENCES = ("ontology", "shapes", "dataset")
#: Where the error pages go (nginx serves them only as error pages).
ERRORS = "_kgpub"


@dataclass(frozen=True)
class Job:
    """One unit of rendering: ``kind`` is doc, graph, reference or site (the pages that
    depend on the whole snapshot); ``name`` the path under its family."""

    kind: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


def variant(stem: str, fmt: Format, lang: str = "", table: str | None = None) -> str:
    """The file name of one variant of the document at ``stem`` (no leading slash)."""
    if fmt is HTML or fmt is CSV:
        middle = f".{lang}" + (f".table-{table}" if table else "")
        return f"{stem}{middle}.{fmt.extension}"
    return f"{stem}.{fmt.extension}"


def plan(site: Site) -> list[Job]:
    """Every job of the current snapshot: things, named graphs, references, the site pages."""
    base = site.base
    docs = [Job("doc", stem) for stem in catalog.document_stems(site.sitemap_paths())]
    prefix = base + "graph/"
    graphs = sorted(
        g.removeprefix(prefix) for g in site.publisher.store.graph_names() if g.startswith(prefix)
    )
    return [
        *docs,
        *(Job("graph", g) for g in graphs),
        *(Job("reference", r) for r in REFERENCES),
        Job("site", "pages"),
    ]


def render(site: Site, job: Job, host_url: str) -> Iterator[tuple[str, bytes]]:
    """(file name under the site root, bytes) of every file of ``job``."""
    if job.kind == "doc":
        yield from _thing(site, job.name, host_url)
    elif job.kind == "graph":
        stem = f"graph/{job.name}"
        for lang, fmt in variants((*DOCUMENT_FORMATS, *DATASET_FORMATS)):
            yield variant(stem, fmt, lang), site.graph(job.name, fmt, lang, host_url).body
    elif job.kind == "reference":
        page = getattr(site, job.name)
        for lang, fmt in variants(DOCUMENT_FORMATS):
            yield variant(job.name, fmt, lang), page(fmt, lang, host_url).body
    else:
        yield from _site_pages(site, host_url)


def _thing(site: Site, path: str, host_url: str) -> Iterator[tuple[str, bytes]]:
    stem = f"doc/{path}"
    for lang, fmt in variants(DOCUMENT_FORMATS):
        yield variant(stem, fmt, lang), site.resource(path, fmt, lang, host_url).body
    if site.thing_iri(path) not in site.municipality_names():
        return
    names = [t.name for t in tables.municipality_tables(site.municipality(path), {}).tables]
    for lang in LANGUAGES:
        for table in (None, *names):
            twin: Rendered = site.twin("overview", (path,), CSV, lang, table)
            yield variant(stem, CSV, lang, table), twin.body
    yield variant(stem, JSON), site.twin("overview", (path,), JSON, "").body


def _site_pages(site: Site, host_url: str) -> Iterator[tuple[str, bytes]]:
    """The home page, the downloads and their index, robots.txt and the error pages (the
    sitemap is written by the exporter, which knows how many files it needs)."""
    for lang in LANGUAGES:
        yield f"index.{lang}.html", site.home(lang, host_url).body
        yield f"dumps/index.{lang}.html", site.dumps_index(lang, host_url).body
        yield f"{ERRORS}/404.{lang}.html", site.not_found(lang, host_url, "/")
    for dump in catalog.DUMPS:
        yield f"dumps/{dump.name}", site.dump(dump.name).body
    yield f"{ERRORS}/404.txt", b"404 Not Found: there is no document at this address\n"
    yield "robots.txt", f"User-agent: *\nAllow: /\nSitemap: {host_url}sitemap.xml\n".encode()
