"""Every document the site serves, as bytes, cached per snapshot (no web framework here)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import pyoxigraph as ox

from kgpub.cache import ByteBoundedCache
from kgpub.errors import NotFound
from kgpub.formats import (
    ALIGNMENT_FORMATS,
    DOCUMENT_FORMATS,
    HTML,
    JSON_LD,
    OVERVIEW_FORMATS,
    TABLE_FORMATS,
    Format,
)
from kgpub.publish.publisher import Publisher
from kgpub.rendering import rdf
from kgpub.rendering.html import HtmlRenderer, PageContext
from kgpub.rendering.l10n import LANGUAGES, pick_label
from kgpub.rendering.rdf import shorten
from kgpub.rendering.rendered import Rendered
from kgpub.site import catalog, reference, twins
from kgpub.site.ahead import Ahead
from kgpub.site.alignment import (
    NationalObjectives,
    alignment_matrix,
    compare,
    is_objective,
    may_have_linked_goals,
    national_objectives,
    objective_links,
    objective_links_query,
)
from kgpub.site.describe import (
    Description,
    describe,
    graph_triples,
    labels_for,
    owner_chain,
)
from kgpub.site.directory import HOME_LIST_MAX, LETTER_PAGE, Directory, directory, listing
from kgpub.site.municipality import (
    MunicipalityView,
    municipality_labels,
    municipality_view,
)
from kgpub.site.triple_index import Index
from kgpub.uris import UriScheme
from kgpub.vocab import RDF_TYPE

COMPARE_CHECKBOXES = 200  # above this many municipalities, /compare asks for names instead
T = TypeVar("T")


class Site:
    """Renders documents from the publisher's current snapshot; caches bytes per snapshot."""

    def __init__(self, publisher: Publisher, ahead: Ahead | None = None) -> None:
        self.publisher = publisher
        self.base = str(publisher.settings.base_iri)
        self.kgpub = self.base + "ontology#"
        self.html = HtmlRenderer()
        self.cache: ByteBoundedCache[tuple[Any, ...], Rendered] = ByteBoundedCache(
            publisher.settings.page_cache_bytes
        )
        self._memo: dict[str, tuple[str, Any]] = {}  # name -> (snapshot digest, value)
        #: where documents rendered ahead are read from (None: always rendered on request)
        self.ahead: Ahead | None = ahead

    # -- helpers -------------------------------------------------------------------------
    @property
    def digest(self) -> str:
        return self.publisher.require().digest

    @property
    def loaded_at(self) -> datetime:
        return self.publisher.require().loaded_at

    def _cached(self, key: tuple[Any, ...], make: Any) -> Rendered:
        result: Rendered = self.cache.get_or_create((self.digest, *key), make)
        return result

    def _per_snapshot(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, computed once per published snapshot."""
        digest = self.digest
        held = self._memo.get(name)
        if held is not None and held[0] == digest:
            return cast("T", held[1])
        value = make()
        self._memo[name] = (digest, value)
        return value

    def warm(self) -> None:
        """Build every per-snapshot memo now (the server does before it forks its workers,
        so they share one copy rather than each building its own)."""
        self.vocab_labels()
        self.national()
        self.municipality_names()
        for lang in LANGUAGES:
            self.directory(lang)
        self.sitemap_paths()

    def vocab_labels(self) -> dict[str, dict[str, str]]:
        """Labels of the ontology's terms (used for property names on every page)."""

        def make() -> dict[str, dict[str, str]]:
            return Index(graph_triples(self.publisher.store, self.base + "ontology")).labels

        return self._per_snapshot("vocab", make)

    def context(
        self, lang: str, host_url: str, path: str, fmt_path: str | None = None
    ) -> PageContext:
        ctx = PageContext(self.base, host_url, lang, path, labels=dict(self.vocab_labels()))
        if fmt_path is not None:
            ctx.alternates = [(f, f"{fmt_path}.{f.extension}") for f in DOCUMENT_FORMATS]
        return ctx

    def rdf_document(self, triples: list[ox.Triple], fmt: Format) -> Rendered:
        return Rendered(rdf.serialize(triples, fmt, self.base), fmt.content_type)

    def page(self, template: str, ctx: PageContext, **data: Any) -> Rendered:
        return Rendered(self.html.render(template, ctx, **data).encode(), HTML.content_type)

    def jsonld(self, triples: list[ox.Triple]) -> str:
        text = rdf.serialize(triples, JSON_LD, self.base).decode()
        # safe inside <script>: JSON may spell "<" as \u003c, so no tag can start or end
        return text.replace("<", "\\u003c")

    # -- resource documents ------------------------------------------------------------
    def thing_iri(self, path: str) -> str:
        """The IRI of the thing at ``/id/{path}``; 404 when that is not even an IRI."""
        iri = UriScheme(self.base).thing(path)
        try:
            ox.NamedNode(iri)
        except ValueError:  # spaces, quotes, angle brackets...
            raise NotFound(f"{iri!r} is not a valid IRI") from None
        return iri

    def describe(self, path: str) -> Description:
        iri = self.thing_iri(path)
        desc = describe(self.publisher.store, iri)
        if not desc.exists:
            raise NotFound(f"nothing is known about {iri}")
        return desc

    def document_offers(self, path: str) -> tuple[Format, ...]:
        """A municipality's overview also comes as its tables (CSV, JSON)."""
        known = self.thing_iri(path) in self.municipality_names()
        return OVERVIEW_FORMATS if known else DOCUMENT_FORMATS

    def resource(self, path: str, fmt: Format, lang: str, host_url: str) -> Rendered:
        """The document of the thing at ``path``: read when it was rendered ahead (see
        :mod:`kgpub.site.ahead`), else rendered now (and kept in the page cache)."""
        if fmt not in DOCUMENT_FORMATS:  # a municipality overview's tables
            return self.twin("overview", (path,), fmt, lang)
        if self.ahead is not None:
            body = self.ahead.body(self.digest, path, fmt, lang, host_url)
            if body is not None:
                return Rendered(body, fmt.content_type)
        key = ("doc", path, fmt.name, lang if fmt is HTML else "", host_url if fmt is HTML else "")
        return self._cached(key, lambda: self.render_resource(path, fmt, lang, host_url))

    def render_resource(self, path: str, fmt: Format, lang: str, host_url: str) -> Rendered:
        """The document of the thing at ``path``, rendered now (neither cached nor read)."""
        desc = self.describe(path)
        if fmt is not HTML:
            return self.rdf_document(desc.triples, fmt)
        ctx = self.context(lang, host_url, f"/doc/{path}", f"/doc/{path}")
        ctx.labels.update(desc.labels)
        store = self.publisher.store
        owners = owner_chain(store, desc.iri, self.kgpub, desc)
        ctx.labels.update(labels_for(store, owners, desc))
        muni = None
        if self.kgpub + "Municipality" in desc.types.get(desc.iri, []):
            muni = municipality_view(store, desc.iri, self.kgpub)
            if muni is not None:
                ctx.downloads = twins.overview_downloads(ctx, path)
                for k, v in muni.index.labels.items():
                    ctx.labels.setdefault(k, v)
        props = sorted(desc.outgoing.items(), key=lambda kv: (kv[0] != RDF_TYPE, kv[0]))
        incoming: dict[str, list[str]] = defaultdict(list)
        for s, p in desc.incoming:
            incoming[p].append(s)
        linked_goals = None
        if (
            muni is None
            and is_objective(desc.types.get(desc.iri, []), self.kgpub)
            and may_have_linked_goals(desc, self.kgpub)
        ):
            linked_goals = objective_links(store, desc.iri, self.base)
            iris = [x for link in linked_goals.links for x in (link.goal, link.municipality)]
            ctx.labels.update(labels_for(store, iris))
        return self.page(
            "municipality.html" if muni is not None else "resource.html",
            ctx,
            desc=desc,
            iri=desc.iri,
            title=ctx.label(desc.iri),
            types=[t for t in desc.types.get(desc.iri, [])],
            props=props,
            incoming=sorted(incoming.items()),
            owners=[o for o in owners if o != desc.iri],
            muni=muni,
            linked_goals=linked_goals,
            made_of=self.made_of(
                desc.iri, muni, linked_goals is not None and bool(linked_goals.links)
            ),
            jsonld=self.jsonld(desc.triples),
        )

    def made_of(
        self, iri: str, muni: MunicipalityView | None, linked_goals: bool = False
    ) -> list[tuple[str, str]]:
        """(label key, URL) of the data behind a page: a SPARQL query that returns it, for
        an objective the query listing every goal linked to it, and for a municipality the
        named graphs its overview is built from."""
        if muni is None:
            query = f"DESCRIBE <{iri}>"
            links = [("made_of_query", "/sparql?" + urlencode({"query": query}))]
            if linked_goals:
                every = objective_links_query(iri, self.kgpub, None)
                links.append(("made_of_linked", "/sparql?" + urlencode({"query": every})))
        else:
            union = " UNION ".join(f"{{ GRAPH <{g}> {{ ?s ?p ?o }} }}" for g in muni.graphs)
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {union} }}"
            links = [("made_of_query", "/sparql?" + urlencode({"query": query}))]
            uris = UriScheme(self.base)
            for g in muni.graphs:
                local = uris.to_local_url(g, "/")
                links.append(("made_of_graph", local + ".ttl"))
        return links

    # -- views across resources: alignment matrix, comparison ----------------------------
    def national(self) -> NationalObjectives:
        """The national and international objective schemes (once per snapshot)."""
        return self._per_snapshot(
            "national", lambda: national_objectives(self.publisher.store, self.base)
        )

    def municipality(self, path: str) -> MunicipalityView:
        iri = self.thing_iri(path)
        view = municipality_view(self.publisher.store, iri, self.kgpub)
        if view is None:
            raise NotFound(f"{iri} is not a municipality")
        return view

    def alignment(self, path: str, lang: str, host_url: str) -> Rendered:
        return self._cached(
            ("alignment", path, lang, host_url), lambda: self._alignment(path, lang, host_url)
        )

    def twin(
        self, view: str, args: tuple[Any, ...], fmt: Format, lang: str, table: str | None = None
    ) -> Rendered:
        """The machine twin of a view (``twins.VIEWS``) in ``fmt``, cached like its page."""
        lang = lang if twins.language_dependent(fmt) else ""
        key = ("twin", view, args, fmt.name, lang, table)
        return self._cached(key, lambda: twins.VIEWS[view](self, *args, fmt, lang, table))

    def _alignment(self, path: str, lang: str, host_url: str) -> Rendered:
        view = self.municipality(path)
        national = self.national()
        matrix = alignment_matrix(view, national)
        ctx = self.context(lang, host_url, f"/alignment/{path}")
        ctx.downloads = twins.downloads(ctx, f"/alignment/{path}", [], ALIGNMENT_FORMATS)
        ctx.labels.update(national.index.labels)
        ctx.labels.update(view.index.labels)
        ctx.labels.update(labels_for(self.publisher.store, matrix.other))
        return self.page(
            "alignment.html",
            ctx,
            view=view,
            matrix=matrix,
            national=national,
            title=ctx.gettext(
                "%(name)s: goals against national and global objectives", name=ctx.label(view.iri)
            ),
        )

    def municipality_names(self) -> dict[str, dict[str, str]]:
        """Every municipality with its labels, read once per snapshot."""
        return self._per_snapshot(
            "names", lambda: municipality_labels(self.publisher.store, self.kgpub)
        )

    def directory(self, lang: str) -> Directory:
        """The municipalities in ``lang``'s order, sorted once per snapshot and language."""
        make = functools.partial(self._directory, lang)
        return self._per_snapshot("directory-" + lang, make) if lang in LANGUAGES else make()

    def _directory(self, lang: str) -> Directory:
        names = self.municipality_names()
        shown = {iri: pick_label(ls, lang) or shorten(iri, self.base) for iri, ls in names.items()}
        return directory(shown, lang)

    def municipality_list(
        self, letter: str | None, lang: str, host_url: str, page: int = 1
    ) -> Rendered:
        """``/municipalities``: all of them by initial letter, or those under ``letter``
        (:data:`LETTER_PAGE` a page)."""
        key = ("municipalities", letter, page, lang, host_url)
        return self._cached(key, lambda: self._municipality_list(letter, lang, host_url, page))

    def _municipality_list(
        self, letter: str | None, lang: str, host_url: str, page: int
    ) -> Rendered:
        found = self.directory(lang)
        groups, paging = listing(found, letter, page, LETTER_PAGE, HOME_LIST_MAX)
        ctx = self.context(lang, host_url, "/municipalities")
        query = [("letter", letter), ("page", str(page))] if letter is not None else []
        ctx.downloads = twins.downloads(ctx, "/municipalities", query, TABLE_FORMATS)
        ctx.labels.update(self.municipality_names())
        title = ctx.gettext("Municipalities")
        if letter is not None:
            title = ctx.gettext("Municipalities starting with %(letter)s", letter=letter)
        return self.page(
            "municipalities.html",
            ctx,
            directory=found,
            groups=groups,
            letter=letter,
            paging=paging,
            title=title,
        )

    def compare(self, paths: list[str], lang: str, host_url: str) -> Rendered:
        key = ("compare", tuple(paths), lang, host_url)
        return self._cached(key, lambda: self._compare(paths, lang, host_url))

    def _compare(self, paths: list[str], lang: str, host_url: str) -> Rendered:
        views = [self.municipality(p) for p in paths]
        national = self.national()
        ctx = self.context(lang, host_url, "/compare")
        if views:
            query = [("m", p) for p in paths]
            ctx.downloads = twins.downloads(ctx, "/compare", query, TABLE_FORMATS)
        ctx.labels.update(national.index.labels)
        for view in views:
            for key, value in view.index.labels.items():
                ctx.labels.setdefault(key, value)
        choices = self.directory(lang).ordered  # by name, as the home page lists them
        if len(choices) <= COMPARE_CHECKBOXES:
            ctx.labels.update(self.municipality_names())
        uris = UriScheme(self.base)
        return self.page(
            "compare.html",
            ctx,
            comparison=compare(views, national) if views else None,
            choices=choices,
            slug=lambda iri: uris.to_local_url(iri, "/").removeprefix("/id/"),
            many=len(choices) > COMPARE_CHECKBOXES,
            title=ctx.gettext("Compare municipalities"),
        )

    # -- named graphs (one per source) ------------------------------------------------
    def graph(self, name: str, fmt: Format, lang: str, host_url: str) -> Rendered:
        key = (
            "graph",
            name,
            fmt.name,
            lang if fmt is HTML else "",
            host_url if fmt is HTML else "",
        )
        return self._cached(key, lambda: reference.graph_page(self, name, fmt, lang, host_url))

    # -- ontology and shapes -----------------------------------------------------------
    def ontology(self, fmt: Format, lang: str, host_url: str) -> Rendered:
        return self._cached(
            ("ontology", fmt.name, lang, host_url),
            lambda: reference.ontology_page(self, fmt, lang, host_url),
        )

    def shapes(self, fmt: Format, lang: str, host_url: str) -> Rendered:
        return self._cached(
            ("shapes", fmt.name, lang, host_url),
            lambda: reference.shapes_page(self, fmt, lang, host_url),
        )

    # -- dataset, dumps, home, sitemap ------------------------------------------------
    def dataset_triples(self) -> list[ox.Triple]:
        s = self.publisher.settings
        return catalog.dataset_description(
            self.publisher.store,
            self.base,
            self.loaded_at,
            str(getattr(s, "publisher_name", "kgpub")),
            getattr(s, "publisher_email", None),
        )

    def dataset(self, fmt: Format, lang: str, host_url: str) -> Rendered:
        return self._cached(
            ("dataset", fmt.name, lang, host_url), lambda: self._dataset(fmt, lang, host_url)
        )

    def _dataset(self, fmt: Format, lang: str, host_url: str) -> Rendered:
        triples = self.dataset_triples()
        if fmt is not HTML:
            return self.rdf_document(triples, fmt)
        desc = Description(self.base + "dataset", triples)
        from kgpub.site.describe import build_description

        desc = build_description(self.base + "dataset", triples)
        ctx = self.context(lang, host_url, "/dataset", "/dataset")
        ctx.labels.update(desc.labels)
        props = sorted(desc.outgoing.items(), key=lambda kv: (kv[0] != RDF_TYPE, kv[0]))
        return self.page(
            "resource.html",
            ctx,
            desc=desc,
            iri=desc.iri,
            title=ctx.gettext("Dataset description"),
            types=desc.types.get(desc.iri, []),
            props=props,
            incoming=[],
            owners=[],
            muni=None,
            jsonld=self.jsonld(triples),
        )

    def dump(self, name: str) -> Rendered:
        dump = catalog.dump_named(name)
        if dump is None:
            raise NotFound(f"no dump called {name}")
        ctype = (
            "application/gzip"
            if dump.gzip
            else dump.media_type
            + ("; charset=utf-8" if dump.media_type.startswith("text/") else "")
        )
        return self._cached(
            ("dump", name), lambda: Rendered(catalog.dump_bytes(self.publisher.store, dump), ctype)
        )

    def dumps_index(self, lang: str, host_url: str) -> Rendered:
        def make() -> Rendered:
            ctx = self.context(lang, host_url, "/dumps/")
            sizes = {d.name: len(self.dump(d.name).body) for d in catalog.DUMPS}
            return self.page(
                "dumps.html", ctx, dumps=catalog.DUMPS, sizes=sizes, title=ctx.gettext("Downloads")
            )

        return self._cached(("dumps-index", lang, host_url), make)

    def home(self, lang: str, host_url: str) -> Rendered:
        return self._cached(("home", lang, host_url), lambda: self._home(lang, host_url))

    def _home(self, lang: str, host_url: str) -> Rendered:
        store = self.publisher.store
        found = self.directory(lang)
        schemes = [s.iri for s in self.national().schemes]
        ctx = self.context(lang, host_url, "/")
        ctx.labels.update(self.municipality_names())
        ctx.labels.update(labels_for(store, schemes))
        pub = self.publisher.require()
        return self.page(
            "home.html",
            ctx,
            directory=found,
            list_all=found.count <= HOME_LIST_MAX,
            schemes=schemes,
            quads=pub.quads,
            loaded_at=pub.loaded_at,
            title=ctx.gettext("kgpub – municipal strategy as linked data"),
        )

    def not_found(self, lang: str, host_url: str, path: str) -> bytes:
        ctx = self.context(lang, host_url, path)
        return self.html.render(
            "error.html",
            ctx,
            title=ctx.gettext("Not found"),
            message=ctx.gettext("There is no resource at this address."),
        ).encode()

    def sitemap_paths(self) -> list[str]:
        """Every page's site-relative path, once per snapshot: built in the master before
        the workers fork (:meth:`warm`), because listing them reads the whole store, and a
        worker that read it would hold its own copy of every page of the store (about
        550 MB at 3,000 municipalities)."""
        return self._per_snapshot(
            "sitemap_paths", lambda: catalog.sitemap_paths(self.publisher.store, self.base)
        )

    def sitemap(self, host_url: str) -> Rendered:
        def make() -> Rendered:
            body = catalog.sitemap_xml(self.sitemap_paths(), host_url, self.loaded_at)
            return Rendered(body, "application/xml; charset=utf-8")

        return self._cached(("sitemap", host_url), make)
