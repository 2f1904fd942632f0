"""Site search: ``/search`` (an HTML page, works without JavaScript), ``/search.json``
(the same grouped results, also for the suggestions ``static/search.js`` shows as you type)
and ``/search.csv`` (the hits as a table); ``/search`` gives either by Accept.

The index lives in ``app.extensions["kgpub_search"]`` (a ``SearchCache``): built on the first
search after a snapshot is published, then reused until the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, cast
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from kgpub import vocab
from kgpub.formats import CSV, HTML, JSON, TABLE_FORMATS
from kgpub.negotiation import negotiate
from kgpub.rendering.html import PageContext
from kgpub.rendering.l10n import N_
from kgpub.rendering.tables import Labels
from kgpub.site import twins
from kgpub.site.search import GROUPS, MAX_QUERY_CHARS, Hit, SearchCache, SearchResults
from kgpub.site.tables import search_tables
from kgpub.web.current import site
from kgpub.web.documents import page_language, table_name

bp = Blueprint("search", __name__)

EXTENSION = "kgpub_search"
PAGE_LIMIT = 20  # hits per group on the results page
GROUP_LIMIT = 500  # hits on the page of one group ("show all")
JSON_LIMIT, JSON_MAX = 5, 50

# the result groups' headings, by group key
GROUP_TITLES = {
    "municipalities": N_("Municipalities"),
    "goals": N_("Municipal goals"),
    "objectives": N_("National and international objectives"),
    "committees": N_("Councils, boards and committees"),
    "other": N_("Visions, promises and priorities"),
}
# names of the SKOS and ORG classes, which the ontology's labels do not cover
TYPE_NAMES = {
    vocab.SKOS + "ConceptScheme": N_("Goal scheme"),
    vocab.ORG_UNIT: N_("Organisational unit"),
}


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    """One search cache per app, over the app's publisher."""
    state.app.extensions[EXTENSION] = SearchCache(state.app.extensions["kgpub_publisher"])


def search_cache() -> SearchCache:
    return cast(SearchCache, current_app.extensions[EXTENSION])


@dataclass
class SearchPageContext(PageContext):
    """A page context whose language link keeps the query (and the group shown)."""

    query: str = ""
    group: str = ""

    def lang_url(self, lang: str) -> str:
        params = {"q": self.query, "group": self.group, "lang": lang}
        return f"{self.path}?{urlencode({k: v for k, v in params.items() if v})}"


def results_text(ctx: PageContext, n: int) -> str:
    """``"3 results"`` / ``"1 träff"`` / ``"No results"``."""
    if n == 0:
        return ctx.gettext("No results")
    return ctx.ngettext("%(num)d result", "%(num)d results", n)


def type_label(ctx: PageContext, type_iri: str) -> str:
    """The class's label from the ontology (or ours for SKOS and ORG classes), capitalised."""
    name = TYPE_NAMES.get(type_iri)
    text = ctx.gettext(name) if name else ctx.label(type_iri)
    return text[:1].upper() + text[1:]


def hit_view(ctx: PageContext, hit: Hit) -> dict[str, Any]:
    """What the page and the JSON show of one hit."""
    label = hit.label(ctx.lang)
    return {
        "iri": hit.iri,
        "href": ctx.link(hit.iri),
        "label": label,
        "labels": Labels(hit.labels).as_json(),
        "type": type_label(ctx, hit.type_iri),
        "type_iri": hit.type_iri,
        "owner": hit.owner_label(ctx.lang),
        "owner_iri": hit.owner_iri,
        "owner_href": ctx.link(hit.owner_iri) if hit.owner_iri else None,
        "matched": hit.matched if hit.matched != label else None,
    }


def results_view(ctx: PageContext, results: SearchResults) -> dict[str, Any]:
    """Grouped results as plain data (the JSON body, and what the template iterates)."""
    return {
        "query": results.query,
        "lang": ctx.lang,
        "total": results.total,
        "status": results_text(ctx, results.total),
        "groups": [
            {
                "key": g.key,
                "title": ctx.gettext(GROUP_TITLES[g.key]),
                "count": g.count,
                "hits": [hit_view(ctx, h) for h in g.hits],
            }
            for g in results.groups
        ],
    }


def _query() -> str:
    return " ".join(request.args.get("q", "").split())[:MAX_QUERY_CHARS]


def _context(lang: str, query: str, group: str) -> SearchPageContext:

    base = site().context(lang, request.host_url, "/search")
    values = {f.name: getattr(base, f.name) for f in fields(PageContext)}
    return SearchPageContext(**values, query=query, group=group)


def _group() -> str:
    group = request.args.get("group", "")
    return group if group in GROUPS else ""


@bp.get("/search")
def search_page() -> Response:
    """The results page: the form's help text when there is no query, else the hits
    grouped by type (``group=KEY`` shows one group in full). By Accept, the same results
    as JSON or CSV (406 with the offers for anything else)."""

    fmt = negotiate(request.headers.get("Accept"), None, TABLE_FORMATS)
    if fmt is JSON:
        return _vary_accept(search_json())
    if fmt is CSV:
        return _vary_accept(search_csv())
    lang = page_language()
    query = _query()
    group = _group()
    ctx = _context(lang, query, group)
    if query:
        params = [("q", query)] + ([("group", group)] if group else [])
        ctx.downloads = twins.downloads(ctx, "/search", params, TABLE_FORMATS)
    view = None
    if query:
        limit = GROUP_LIMIT if group else PAGE_LIMIT
        view = results_view(ctx, search_cache().search(query, lang, limit))
        if group:
            view["groups"] = [g for g in view["groups"] if g["key"] == group]
    title = (
        ctx.gettext("Search results for “%(query)s”", query=query)
        if query
        else ctx.gettext("Search")
    )
    body = site().html.render(
        "search.html",
        ctx,
        title=title,
        search_query=query,
        results=view,
        group=group,
        group_url=lambda key: "/search?" + urlencode({"q": query, "group": key, "lang": lang}),
        all_url="/search?" + urlencode({"q": query, "lang": lang}),
    )
    resp = Response(body, content_type=HTML.content_type)
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    return _vary_accept(resp)


def _vary_accept(resp: Response) -> Response:
    vary = resp.headers.get("Vary")
    resp.headers["Vary"] = f"Accept, {vary}" if vary else "Accept"
    return resp


def _limit() -> int:
    """``limit`` hits per group (default 5 when it is not a number, at most 50); without
    it, as many as the results page shows (every hit of the group with ``group=KEY``)."""
    given = request.args.get("limit")
    if given is None:
        return GROUP_LIMIT if _group() else PAGE_LIMIT
    try:
        return max(0, min(int(given), JSON_MAX))
    except ValueError:
        return JSON_LIMIT


def _results(lang: str, query: str) -> SearchResults:
    results = search_cache().search(query, lang, _limit())
    group = _group()
    if group:
        return SearchResults(
            results.query, results.lang, [g for g in results.groups if g.key == group]
        )
    return results


@bp.get("/search.json")
def search_json() -> Response:
    """The grouped results as JSON: ``q``, ``lang``, ``group`` and ``limit`` (hits per group,
    at most 50; see :func:`_limit`)."""
    lang = page_language()
    query = _query()
    ctx = _context(lang, query, _group())
    resp = jsonify(results_view(ctx, _results(lang, query)))
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    return resp


@bp.get("/search.csv")
def search_csv() -> Response:
    """The hits the results page shows as CSV (``table=groups``: each group's count), the
    header in the page's language."""
    lang = page_language()
    rendered = twins.render(search_tables(_results(lang, _query())), CSV, lang, table_name())
    resp = Response(rendered.body, content_type=rendered.content_type)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    return resp
