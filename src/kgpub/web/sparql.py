"""The /sparql endpoint (thin): read the request, call the core, write the response.

``register_sparql(app, settings, store)`` adds GET/POST/OPTIONS /sparql to the app that
:func:`kgpub.web.app.create_app` builds. Refusals and failures are raised as domain errors
(:mod:`kgpub.errors`); :mod:`kgpub.web.errors` turns them into answers (the query page with
the error for a browser, plain text otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyoxigraph
from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory
from werkzeug.exceptions import RequestEntityTooLarge

from kgpub import formats
from kgpub.errors import QueryTooLong
from kgpub.negotiation import negotiate_result, prefers_html
from kgpub.rendering.html import linkable
from kgpub.rendering.l10n import N_
from kgpub.sparql import results as rf
from kgpub.sparql.pool import QueryPool
from kgpub.sparql.protocol import (
    Policy,
    SparqlRequest,
    parse_request,
    result_offers,
)
from kgpub.store.base import Store, in_process
from kgpub.vocab import RDF_TYPE, RDFS, SD, prefixes_for, sparql_prologue
from kgpub.web.admission import Admission
from kgpub.web.current import site
from kgpub.web.headers import QUERY_PAGE_POLICY

if TYPE_CHECKING:
    from kgpub.config import Settings

EXTENSION = "kgpub_sparql"
#: Where the query layer in front of Flask (:mod:`kgpub.web.sparql_plain`) leaves the error
#: a query it ran met, for this view to raise (the one error mapper writes every error
#: answer, and the query is not run twice).
RAISED_BEFORE_FLASK = "kgpub.sparql.raised"
#: Where the YASGUI build is served from (files of ``Settings.yasgui_dir``).
YASGUI_URL = "/vendor/yasgui/"
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")

sparql_blueprint = Blueprint("sparql", __name__)


#: The query page's examples; ``{base}`` stands for the configured base IRI.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        N_("Goals of a municipality (Haninge)"),
        """SELECT ?goal ?label WHERE {
  ?goal a kgpub:Goal ;
        kgpub:owner ?municipality ;
        skos:prefLabel ?label .
  ?municipality rdfs:label "Haninge kommun"@sv .
  FILTER(lang(?label) = "sv")
}
ORDER BY ?label""",
    ),
    (
        N_("Goals aligned to a national environmental objective"),
        """SELECT ?goal ?goalLabel ?relation ?objective ?objectiveLabel WHERE {
  ?alignment a kgpub:Alignment ;
             kgpub:localGoal ?goal ;
             kgpub:objective ?objective ;
             kgpub:mappingRelation ?relation .
  ?objective skos:inScheme <{base}id/se/environmental-objectives> .
  OPTIONAL { ?goal skos:prefLabel ?goalLabel . FILTER(lang(?goalLabel) = "sv") }
  OPTIONAL { ?objective skos:prefLabel ?objectiveLabel . FILTER(lang(?objectiveLabel) = "sv") }
}
ORDER BY ?objectiveLabel""",
    ),
    (
        N_("Budget by committee"),
        """SELECT ?committee ?committeeLabel ?year ?amount ?currency WHERE {
  ?allocation a kgpub:BudgetAllocation ;
              kgpub:recipient ?committee ;
              kgpub:fiscalYear ?year ;
              kgpub:amount ?amount .
  OPTIONAL { ?allocation kgpub:currency ?currency }
  OPTIONAL { ?committee rdfs:label ?committeeLabel . FILTER(lang(?committeeLabel) = "sv") }
}
ORDER BY DESC(?amount)""",
    ),
    (
        N_("The goal hierarchy"),
        """SELECT ?broader ?broaderLabel ?narrower ?narrowerLabel WHERE {
  ?narrower skos:broader ?broader .
  OPTIONAL { ?broader skos:prefLabel ?broaderLabel . FILTER(lang(?broaderLabel) = "sv") }
  OPTIONAL { ?narrower skos:prefLabel ?narrowerLabel . FILTER(lang(?narrowerLabel) = "sv") }
}
ORDER BY ?broader ?narrower""",
    ),
    (
        N_("Everything about one thing (DESCRIBE)"),
        "DESCRIBE <{base}id/haparanda>",
    ),
    (
        N_("Named graphs and their sizes"),
        """SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph ORDER BY ?graph""",
    ),
)


#: The prefixes the examples declare (and the query page's editor knows).
QUERY_PAGE_PREFIXES = ("kgpub", "rdf", "rdfs", "xsd", "skos", "dcterms", "org", "prov")


def prefixes(base: str) -> dict[str, str]:
    """The prefixes the examples use (and the query page's editor knows)."""
    return prefixes_for(base, only=QUERY_PAGE_PREFIXES)


def prefix_block(base: str) -> str:
    return sparql_prologue(prefixes(base))


def examples(base: str) -> list[tuple[str, str]]:
    """The examples as complete queries (prologue included) for the configured base IRI."""
    block = prefix_block(base)
    return [(title, block + "\n" + query.replace("{base}", base)) for title, query in EXAMPLES]


class SparqlService:
    """What the views need: the policy, the store and its query pool."""

    def __init__(self, store: object, settings: Settings) -> None:
        self.store = store
        self.policy = Policy.from_settings(settings)
        self.yasgui_dir = settings.resolve(settings.yasgui_dir)
        self.pool = QueryPool(
            store,
            size=settings.query_workers,
            timeout=self.policy.timeout,
            result_limit=self.policy.result_limit,
            base_iri=self.policy.base_iri,
            isolate_network=not self.policy.service_allowlist,
            memory_headroom=settings.query_memory_limit or None,
            recycle_bytes=settings.query_worker_private_bytes,
            in_thread_budget=settings.query_in_thread_budget,
            cache_bytes=settings.query_cache_bytes,
        )
        #: one slot per query worker, and a queue of waiting queries; the web worker's
        #: other threads are the pages' (``kgpub.web.server.request_threads``)
        self.admission = Admission(
            settings.query_workers,
            settings.sparql_per_client,
            queue=settings.query_queue,
            wait=settings.query_queue_seconds,
        )

    def answer(self, request: SparqlRequest, fmt: formats.Format, client: str) -> bytes:
        """The serialised result of ``request`` for ``client``: in this thread when it is
        bounded, else in a query worker, each within what :attr:`admission` allows."""
        body = self.answer_in_thread(request, fmt, client)
        if body is not None:
            return body
        with self.admission.admit(client):
            return self.pool.run(request, fmt, in_thread=False)

    def answer_in_thread(
        self, request: SparqlRequest, fmt: formats.Format, client: str
    ) -> bytes | None:
        """The result when ``request`` is bounded enough to be answered in this thread (no
        query worker's slot taken, the client's share counted), else None."""
        with self.admission.admit(client, worker=False):
            return self.pool.run_in_thread(request, fmt)

    @property
    def has_yasgui(self) -> bool:
        return all((self.yasgui_dir / name).is_file() for name in YASGUI_FILES)

    def graph_names(self) -> list[str]:
        if isinstance(self.store, Store):
            return self.store.graph_names()
        raw = in_process(self.store)
        if raw is not None:
            return sorted(
                g.value for g in raw.named_graphs() if isinstance(g, pyoxigraph.NamedNode)
            )
        return []


def register_sparql(
    app: Flask, settings: Settings, store: object, start: bool = True
) -> SparqlService:
    """Add /sparql to ``app``, answering from ``store`` under ``settings``' limits.

    The zygote that forks the query workers is forked now, while the process is (normally)
    still single-threaded; ``start`` also pre-forks the workers (otherwise they are forked
    on demand, by the zygote). A gunicorn worker forked from a master that created the app
    (``--preload``) gets its own zygote at once, through an at-fork hook.
    """
    service = SparqlService(store, settings)
    app.extensions[EXTENSION] = service
    service.pool.start(prefork=start)
    if "sparql" not in app.blueprints:
        app.register_blueprint(sparql_blueprint)
    return service


def service() -> SparqlService:
    found: SparqlService = current_app.extensions[EXTENSION]
    return found


def cors(response: Response, preflight: bool = False) -> Response:
    """Open CORS. The methods, headers and max-age matter only in the answer to a
    preflight (Fetch standard, CORS protocol), so other answers carry just the origin."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if preflight:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept")
    return response


def _html(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, content_type=formats.HTML.content_type)
    response.headers["Content-Security-Policy"] = QUERY_PAGE_POLICY
    return cors(response)


def _yasgui_config(endpoint: str, base: str, gettext: Callable[[str], str]) -> str:
    """What static/sparql.js configures YASGUI with (read from a data attribute: no inline
    script, so a strict Content-Security-Policy can forbid them)."""
    return json.dumps(
        {
            "endpoint": endpoint,
            "base": base,
            "prefixes": prefixes(base),
            "examples": [{"title": gettext(t), "query": q} for t, q in examples(base)],
        },
        ensure_ascii=False,
    )


def query_page(query: str = "", status: int = 200, **extra: Any) -> Response:
    """The query page inside the site's frame, with ``extra`` (results or an error)."""
    from kgpub.web.documents import page_language

    the_site, the_service = site(), service()
    base = the_service.policy.base_iri
    ctx = the_site.context(page_language(), request.host_url, request.path)
    ctx.alternates = [(formats.TURTLE, request.base_url)]
    data: dict[str, Any] = {
        "title": ctx.gettext("SPARQL query"),
        "endpoint": request.base_url,
        "examples": examples(base),
        "query": query or examples(base)[0][1],
        "formats": formats.SOLUTION_FORMATS,
        "graph_formats": formats.GRAPH_FORMATS,
        "timeout": the_service.policy.timeout,
        "result_limit": the_service.policy.result_limit,
        "yasgui": YASGUI_URL if the_service.has_yasgui else None,
        "config": _yasgui_config(request.base_url, base, ctx.gettext),
        "status": status,
        "error": None,
        "table": None,
        "boolean": None,
        "graph_text": None,
        "form": None,
    }
    data.update(extra)
    return _html(the_site.html.render("sparql.html", ctx, **data), status)


def local_href(iri: str, base: str) -> str | None:
    """The link on this server for a kgpub IRI (``{base}id/x`` → ``/id/x``), else None."""
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return None


def _table(data: dict[str, Any], base: str) -> dict[str, Any]:
    """SPARQL JSON results as the page's table: variables, and rows of cells (or None)."""
    variables: list[str] = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row: list[dict[str, Any] | None] = []
        for var in variables:
            cell = binding.get(var)
            if cell is None:
                row.append(None)
                continue
            href = None
            if cell["type"] == "uri" and linkable(cell["value"]):
                href = local_href(cell["value"], base) or cell["value"]
            row.append(
                {
                    "value": cell["value"],
                    "href": href,
                    "lang": cell.get("xml:lang"),
                    "datatype": cell.get("datatype"),
                    "type": cell["type"],
                }
            )
        rows.append(row)
    return {"vars": variables, "rows": rows}


def _html_results(sparql_request: SparqlRequest) -> Response:
    """The results of ``sparql_request`` shown in the query page (browsers without JS)."""
    the_service = service()
    form = sparql_request.form
    if form is not None and form.is_graph:
        body = the_service.pool.run(sparql_request, formats.TURTLE)
        return query_page(sparql_request.query, form=form, graph_text=body.decode("utf-8"))
    data = json.loads(the_service.pool.run(sparql_request, formats.SPARQL_JSON))
    if "boolean" in data:
        return query_page(sparql_request.query, form=form, boolean=bool(data["boolean"]))
    table = _table(data, the_service.policy.base_iri)
    return query_page(sparql_request.query, form=form, table=table)


def _description_triples() -> list[pyoxigraph.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint."""
    policy = service().policy
    rdf_type = pyoxigraph.NamedNode(RDF_TYPE)

    def sd(local: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(SD + local)

    endpoint, T = pyoxigraph.BlankNode("service"), pyoxigraph.Triple
    dataset = pyoxigraph.BlankNode("dataset")
    default_graph = pyoxigraph.BlankNode("defaultGraph")
    comment = (
        "Read-only SPARQL 1.1 Query endpoint of kgpub. The default graph is the union "
        f"of all named graphs. Time limit {policy.timeout:g} s, at most "
        f"{policy.result_limit:,} results, no SERVICE calls."
    )
    triples = [
        T(endpoint, rdf_type, sd("Service")),
        T(endpoint, sd("endpoint"), pyoxigraph.NamedNode(request.base_url)),
        T(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        T(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        T(endpoint, sd("defaultDataset"), dataset),
        T(dataset, rdf_type, sd("Dataset")),
        T(dataset, sd("defaultGraph"), default_graph),
        T(default_graph, rdf_type, sd("Graph")),
        T(
            endpoint,
            pyoxigraph.NamedNode(RDFS + "comment"),
            pyoxigraph.Literal(comment, language="en"),
        ),
    ]
    if policy.service_allowlist:
        triples.append(T(endpoint, sd("feature"), sd("BasicFederatedQuery")))
    triples += [
        T(endpoint, sd("resultFormat"), pyoxigraph.NamedNode(f.w3c_iri))
        for f in formats.RESULT_FORMATS
        if f.w3c_iri
    ]
    for i, graph in enumerate(service().graph_names()):
        node = pyoxigraph.BlankNode(f"g{i}")
        triples += [
            T(dataset, sd("namedGraph"), node),
            T(node, rdf_type, sd("NamedGraph")),
            T(node, sd("name"), pyoxigraph.NamedNode(graph)),
        ]
    return triples


def _service_description(accept: str | None) -> Response:
    fmt = negotiate_result(accept, formats.GRAPH_FORMATS)
    body = rf.serialize_triples(_description_triples(), fmt)
    return cors(Response(body, content_type=fmt.content_type))


def _read_request(policy: Policy) -> SparqlRequest | None:
    """The request's query operation (None: no query), never reading an oversized body."""
    args = {k: request.args.getlist(k) for k in request.args}
    # never read a body larger than the longest query could need (UTF-8, url-encoded)
    request.max_content_length = policy.max_length * 9 + 65_536
    is_form = request.mimetype == "application/x-www-form-urlencoded"
    try:
        form = {k: request.form.getlist(k) for k in request.form} if is_form else {}
        body = b"" if is_form else request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise QueryTooLong(
            f"The request body is too large; this endpoint accepts queries of at most "
            f"{policy.max_length:,} characters."
        ) from None
    g.sparql_query = (form.get("query") or args.get("query") or [""])[0]
    return parse_request(request.method, request.content_type, args, form, body, policy)


def wants_query_page(accept: str | None, offers: tuple[formats.Format, ...]) -> bool:
    """True when Accept prefers HTML to every machine format offered (what browsers send)."""
    return prefers_html(accept, offers, html_wins_ties=False)


@sparql_blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql_endpoint() -> Response:
    if request.method == "OPTIONS":
        return cors(Response(status=204), preflight=True)
    accept = request.headers.get("Accept")
    html = wants_query_page(accept, formats.RESULT_FORMATS)
    g.sparql_page = html
    parsed = _read_request(service().policy)
    if parsed is None:
        if wants_query_page(accept, formats.GRAPH_FORMATS):
            return query_page()
        g.sparql_page = False
        return _service_description(accept)
    client = request.remote_addr or ""
    if html and not parsed.format_hint:
        with service().admission.admit(client):
            return _html_results(parsed)
    g.sparql_page = False
    fmt = negotiate_result(accept, result_offers(parsed.form), parsed.format_hint)
    raised = request.environ.pop(RAISED_BEFORE_FLASK, None)
    if raised is not None:
        raise raised
    body = service().answer(parsed, fmt, client)
    response = Response(body, content_type=fmt.content_type)
    if parsed.format_hint:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="query-results.{fmt.extension}"'
        )
    return cors(response)


@sparql_blueprint.route(YASGUI_URL + "<path:filename>")
def yasgui_file(filename: str) -> Response:
    """The YASGUI build, from this server (works offline, no third-party host)."""
    directory = service().yasgui_dir
    if not directory.is_dir():
        abort(404)
    return send_from_directory(directory, filename, max_age=86400)
