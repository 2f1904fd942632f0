"""Site search: ``/search`` (an HTML page, works without JavaScript) and ``/search.json``
(the same grouped results for the suggestions ``static/search.js`` shows as you type).

The index lives in ``app.extensions["kgpub_search"]`` (a ``SearchCache``): built on the first
search after a snapshot is published, then reused until the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, cast
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from kgpub.rendering.html import PageContext
from kgpub.site.search import GROUPS, MAX_QUERY_CHARS, Hit, SearchCache, SearchResults
from kgpub.web.documents import page_language

bp = Blueprint("search", __name__)

EXTENSION = "kgpub_search"
PAGE_LIMIT = 20  # hits per group on the results page
GROUP_LIMIT = 500  # hits on the page of one group ("show all")
JSON_LIMIT, JSON_MAX = 5, 50
SKOS_SCHEME = "http://www.w3.org/2004/02/skos/core#ConceptScheme"
ORG_UNIT = "http://www.w3.org/ns/org#OrganizationalUnit"

TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Sök",
        "title_for": "Sökresultat för ”{q}”",
        "help": "Sök på namnet på en kommun, ett kommunalt mål, ett nationellt eller "
        "internationellt mål eller en nämnd, på svenska eller engelska. Det räcker med början "
        "av orden, och å, ä, ö och accenter spelar ingen roll: ”malinriktat” hittar "
        "”Målinriktat miljöarbete”.",
        "none": "Inga träffar för ”{q}”. Pröva färre ord, början av ett ord eller namnet på "
        "engelska.",
        "results_0": "Inga träffar",
        "results_1": "1 träff",
        "results_n": "{n} träffar",
        "shown": "visar {shown} av {count}",
        "show_all": "Visa alla {count} i gruppen",
        "back": "Tillbaka till alla grupper",
        "matched": "träff på ”{m}”",
        "of": "tillhör",
        "suggestions": "Förslag",
        "municipalities": "Kommuner",
        "goals": "Kommunernas mål",
        "objectives": "Nationella och internationella mål",
        "committees": "Fullmäktige, styrelser och nämnder",
        "other": "Visioner, löften och prioriteringar",
        SKOS_SCHEME: "Målsystem",
        ORG_UNIT: "Organisatorisk enhet",
    },
    "en": {
        "title": "Search",
        "title_for": "Search results for “{q}”",
        "help": "Search for the name of a municipality, a municipal goal, a national or "
        "international objective or a committee, in Swedish or English. The start of each "
        "word is enough, and å, ä, ö and accents do not matter: “malinriktat” finds "
        "“Målinriktat miljöarbete”.",
        "none": "Nothing matches “{q}”. Try fewer words, the start of a word or the Swedish name.",
        "results_0": "No results",
        "results_1": "1 result",
        "results_n": "{n} results",
        "shown": "showing {shown} of {count}",
        "show_all": "Show all {count} in this group",
        "back": "Back to all groups",
        "matched": "matched “{m}”",
        "of": "of",
        "suggestions": "Suggestions",
        "municipalities": "Municipalities",
        "goals": "Municipal goals",
        "objectives": "National and international objectives",
        "committees": "Councils, boards and committees",
        "other": "Visions, promises and priorities",
        SKOS_SCHEME: "Goal scheme",
        ORG_UNIT: "Organisational unit",
    },
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


def results_text(lang: str, n: int) -> str:
    """``"3 results"`` / ``"1 träff"`` / ``"No results"``."""
    key = "results_0" if n == 0 else "results_1" if n == 1 else "results_n"
    return TEXT[lang][key].format(n=n)


def type_label(ctx: PageContext, type_iri: str) -> str:
    """The class's label from the ontology (or ours for SKOS and ORG classes), capitalised."""
    text = TEXT[ctx.lang].get(type_iri) or ctx.label(type_iri)
    return text[:1].upper() + text[1:]


def hit_view(ctx: PageContext, hit: Hit) -> dict[str, Any]:
    """What the page and the JSON show of one hit."""
    label = hit.label(ctx.lang)
    return {
        "iri": hit.iri,
        "href": ctx.link(hit.iri),
        "label": label,
        "type": type_label(ctx, hit.type_iri),
        "owner": hit.owner_label(ctx.lang),
        "owner_href": ctx.link(hit.owner_iri) if hit.owner_iri else None,
        "matched": hit.matched if hit.matched != label else None,
    }


def results_view(ctx: PageContext, results: SearchResults) -> dict[str, Any]:
    """Grouped results as plain data (the JSON body, and what the template iterates)."""
    text = TEXT[ctx.lang]
    return {
        "query": results.query,
        "lang": ctx.lang,
        "total": results.total,
        "status": results_text(ctx.lang, results.total),
        "groups": [
            {
                "key": g.key,
                "title": text[g.key],
                "count": g.count,
                "hits": [hit_view(ctx, h) for h in g.hits],
            }
            for g in results.groups
        ],
    }


def _query() -> str:
    return " ".join(request.args.get("q", "").split())[:MAX_QUERY_CHARS]


def _context(lang: str, query: str, group: str) -> SearchPageContext:
    from kgpub.web.app import site

    base = site().context(lang, request.host_url, "/search")
    values = {f.name: getattr(base, f.name) for f in fields(PageContext)}
    return SearchPageContext(**values, query=query, group=group)


@bp.get("/search")
def search_page() -> Response:
    """The results page: the form's help text when there is no query, else the hits
    grouped by type (``group=KEY`` shows one group in full)."""
    from kgpub.web.app import site

    lang = page_language()
    query = _query()
    group = request.args.get("group", "")
    group = group if group in GROUPS else ""
    ctx = _context(lang, query, group)
    view = None
    if query:
        limit = GROUP_LIMIT if group else PAGE_LIMIT
        view = results_view(ctx, search_cache().search(query, lang, limit))
        if group:
            view["groups"] = [g for g in view["groups"] if g["key"] == group]
    text = TEXT[lang]
    title = text["title_for"].format(q=query) if query else text["title"]
    body = site().html.render(
        "search.html",
        ctx,
        title=title,
        text=text,
        search_query=query,
        results=view,
        group=group,
        group_url=lambda key: "/search?" + urlencode({"q": query, "group": key, "lang": lang}),
        all_url="/search?" + urlencode({"q": query, "lang": lang}),
    )
    resp = Response(body, content_type="text/html; charset=utf-8")
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    return resp


@bp.get("/search.json")
def search_json() -> Response:
    """The grouped results as JSON: ``q``, ``lang`` and ``limit`` (hits per group, default 5,
    at most 50)."""
    lang = page_language()
    query = _query()
    try:
        limit = max(0, min(int(request.args.get("limit", JSON_LIMIT)), JSON_MAX))
    except ValueError:
        limit = JSON_LIMIT
    ctx = _context(lang, query, "")
    results = search_cache().search(query, lang, limit)
    resp = jsonify(results_view(ctx, results))
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if "lang" not in request.args:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    return resp
