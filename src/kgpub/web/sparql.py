"""The /sparql endpoint (thin): read the request, call the core, write the response.

``register_sparql(app, settings, store)`` adds GET/POST/OPTIONS /sparql to a Flask app.
``create_sparql_app()`` builds a stand-alone app over data/*.ttl (used by the tests and the
benchmark; the full server registers the same blueprint in its own app).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_accept_header

from kgpub.sparql import results as rf
from kgpub.sparql.pool import QueryPool
from kgpub.sparql.protocol import (
    Policy,
    QueryForm,
    QueryTooLong,
    SparqlError,
    SparqlNotAcceptable,
    SparqlRequest,
    parse_request,
)
from kgpub.store.base import Store, in_process

EXTENSION = "kgpub_sparql"
DEFAULT_BASE = "https://w3id.org/kgpub/"
HTML = "text/html"

sparql_blueprint = Blueprint(
    "sparql",
    __name__,
    template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
    static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    static_url_path="/sparql-static",
)

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_RESULT_FORMATS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/n-triples": "N-Triples",
}

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Goals of a municipality (Haninge)",
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
        "Goals aligned to a national environmental objective",
        """SELECT ?goal ?goalLabel ?relation ?objective ?objectiveLabel WHERE {
  ?alignment a kgpub:Alignment ;
             kgpub:localGoal ?goal ;
             kgpub:objective ?objective ;
             kgpub:mappingRelation ?relation .
  ?objective skos:inScheme <https://w3id.org/kgpub/id/se/environmental-objectives> .
  OPTIONAL { ?goal skos:prefLabel ?goalLabel . FILTER(lang(?goalLabel) = "sv") }
  OPTIONAL { ?objective skos:prefLabel ?objectiveLabel . FILTER(lang(?objectiveLabel) = "sv") }
}
ORDER BY ?objectiveLabel""",
    ),
    (
        "Budget by committee",
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
        "The goal hierarchy",
        """SELECT ?broader ?broaderLabel ?narrower ?narrowerLabel WHERE {
  ?narrower skos:broader ?broader .
  OPTIONAL { ?broader skos:prefLabel ?broaderLabel . FILTER(lang(?broaderLabel) = "sv") }
  OPTIONAL { ?narrower skos:prefLabel ?narrowerLabel . FILTER(lang(?narrowerLabel) = "sv") }
}
ORDER BY ?broader ?narrower""",
    ),
    (
        "Everything about one thing (DESCRIBE)",
        "DESCRIBE <https://w3id.org/kgpub/id/haparanda>",
    ),
    (
        "Named graphs and their sizes",
        """SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph ORDER BY ?graph""",
    ),
)


def prefix_block(base: str) -> str:
    prefixes = {
        "kgpub": f"{base}ontology#",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "org": "http://www.w3.org/ns/org#",
        "dcterms": "http://purl.org/dc/terms/",
        "prov": "http://www.w3.org/ns/prov#",
    }
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())


class SparqlService:
    """What the views need: the policy, the store and its query pool."""

    def __init__(
        self,
        store: object,
        policy: Policy,
        workers: int = 4,
        memory_headroom: int | None = 1 << 30,
        cache_bytes: int = 16 << 20,
    ) -> None:
        self.store = store
        self.policy = policy
        self.pool = QueryPool(
            store,
            size=workers,
            timeout=policy.timeout,
            result_limit=policy.result_limit,
            base_iri=policy.base_iri,
            isolate_network=not policy.service_allowlist,
            memory_headroom=memory_headroom,
            cache_bytes=cache_bytes,
        )

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
    app: Flask, settings: object, store: object, start: bool = True
) -> SparqlService:
    """Add /sparql to ``app``, answering from ``store`` under ``settings``' limits.

    The zygote that forks the query workers is forked now, while the process is (normally)
    still single-threaded; ``start`` also pre-forks the workers (otherwise they are forked
    on demand, by the zygote). A gunicorn worker forked from a master that created the app
    (``--preload``) gets its own zygote at once, through an at-fork hook.
    """
    policy = Policy.from_settings(settings)
    workers = int(str(getattr(settings, "query_workers", 4)))
    memory = getattr(settings, "query_memory_limit", 1 << 30)
    cache = int(str(getattr(settings, "query_cache_bytes", 16 << 20)))
    service = SparqlService(
        store, policy, workers, int(str(memory)) if memory else None, cache_bytes=cache
    )
    app.extensions[EXTENSION] = service
    service.pool.start(prefork=start)
    if "sparql" not in app.blueprints:
        app.register_blueprint(sparql_blueprint)
    return service


def _service() -> SparqlService:
    service: SparqlService = current_app.extensions[EXTENSION]
    return service


def _cors(response: Response, preflight: bool = False) -> Response:
    """Open CORS. The methods, headers and max-age matter only in the answer to a
    preflight (Fetch standard, CORS protocol), so other answers carry just the origin."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if preflight:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept")
    return response


def _error(exc: SparqlError, html: bool = False, query: str = "") -> Response:
    if html:
        body = render_template(
            "sparql.html", **_page_context(query=query, error=exc.message, status=exc.status)
        )
        response = Response(body, status=exc.status, content_type="text/html; charset=utf-8")
    else:
        text = exc.message
        if isinstance(exc, SparqlNotAcceptable) and exc.offers:
            text += "\n\nOffered media types:\n" + "\n".join(exc.offers)
        response = Response(
            text + "\n", status=exc.status, content_type="text/plain; charset=utf-8"
        )
    if exc.status == 503:
        response.headers["Retry-After"] = "5"
    return _cors(response)


def _wants_html(accept: str | None, offers: Sequence[str]) -> bool:
    """True when Accept prefers HTML to every machine format (what browsers send)."""
    if not accept:
        return False
    parsed = parse_accept_header(accept, MIMEAccept)
    return parsed.best_match([*offers, HTML]) == HTML and parsed[HTML] > 0


def _page_context(**extra: Any) -> dict[str, Any]:
    base = _service().policy.base_iri
    prefixes = prefix_block(base)
    context: dict[str, Any] = {
        "base_iri": base,
        "prefixes": prefixes,
        "examples": [(title, prefixes + "\n" + q) for title, q in EXAMPLES],
        "query": extra.pop("query", "") or prefixes + "\n" + EXAMPLES[0][1],
        "formats": rf.SOLUTION_FORMATS,
        "graph_formats": rf.GRAPH_FORMATS,
        "endpoint": request.base_url,
        "timeout": _service().policy.timeout,
        "result_limit": _service().policy.result_limit,
        "error": None,
        "table": None,
        "boolean": None,
        "graph_text": None,
        "form": None,
    }
    context.update(extra)
    return context


def local_href(iri: str, base: str) -> str | None:
    """The link on this server for a kgpub IRI (``{base}id/x`` → ``/id/x``), else None."""
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return None


def _html_results(sparql_request: SparqlRequest) -> Response:
    service = _service()
    form = sparql_request.form
    context = _page_context(query=sparql_request.query, form=form)
    if form is not None and form.is_graph:
        body = service.pool.run(sparql_request, rf.TURTLE)
        context["graph_text"] = body.decode("utf-8")
    else:
        data = json.loads(service.pool.run(sparql_request, rf.SRJ))
        if "boolean" in data:
            context["boolean"] = bool(data["boolean"])
        else:
            variables = data["head"]["vars"]
            rows = []
            for binding in data["results"]["bindings"]:
                row: list[dict[str, Any] | None] = []
                for var in variables:
                    cell = binding.get(var)
                    if cell is None:
                        row.append(None)
                        continue
                    href = None
                    if cell["type"] == "uri":
                        href = local_href(cell["value"], service.policy.base_iri) or cell["value"]
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
            context["table"] = {"vars": variables, "rows": rows}
    html = render_template("sparql.html", **context)
    return _cors(Response(html, content_type="text/html; charset=utf-8"))


def _service_description(accept: str | None) -> Response:
    offers = rf.GRAPH_FORMATS
    fmt = rf.choose(accept, QueryForm.CONSTRUCT)
    endpoint = pyoxigraph.NamedNode(request.base_url)
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(local: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(SD + local)

    service = pyoxigraph.BlankNode("service")
    dataset = pyoxigraph.BlankNode("dataset")
    default_graph = pyoxigraph.BlankNode("defaultGraph")
    T = pyoxigraph.Triple
    triples = [
        T(service, rdf_type, sd("Service")),
        T(service, sd("endpoint"), endpoint),
        T(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        T(service, sd("feature"), sd("UnionDefaultGraph")),
        T(service, sd("feature"), sd("BasicFederatedQuery"))
        if _service().policy.service_allowlist
        else None,
        T(service, sd("defaultDataset"), dataset),
        T(dataset, rdf_type, sd("Dataset")),
        T(dataset, sd("defaultGraph"), default_graph),
        T(default_graph, rdf_type, sd("Graph")),
        T(
            service,
            pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            pyoxigraph.Literal(
                "Read-only SPARQL 1.1 Query endpoint of kgpub. The default graph is the union "
                f"of all named graphs. Time limit {_service().policy.timeout:g} s, at most "
                f"{_service().policy.result_limit:,} results, no SERVICE calls.",
                language="en",
            ),
        ),
    ]
    for media, name in _SD_RESULT_FORMATS.items():
        triples.append(T(service, sd("resultFormat"), pyoxigraph.NamedNode(FORMATS_NS + name)))
        del media
    for i, graph in enumerate(_service().graph_names()):
        node = pyoxigraph.BlankNode(f"g{i}")
        triples += [
            T(dataset, sd("namedGraph"), node),
            T(node, rdf_type, sd("NamedGraph")),
            T(node, sd("name"), pyoxigraph.NamedNode(graph)),
        ]
    body = rf.serialize_triples([t for t in triples if t is not None], fmt)
    del offers
    return _cors(Response(body, content_type=fmt.content_type))


@sparql_blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql_endpoint() -> Response:
    if request.method == "OPTIONS":
        return _cors(Response(status=204), preflight=True)
    service = _service()
    accept = request.headers.get("Accept")
    html_offers = [f.media_type for f in rf.ALL_FORMATS]
    html = _wants_html(accept, html_offers)
    args = {k: request.args.getlist(k) for k in request.args}
    # never read a body larger than the longest query could need (UTF-8, url-encoded)
    request.max_content_length = service.policy.max_length * 9 + 65_536
    is_form = request.mimetype == "application/x-www-form-urlencoded"
    try:
        form = {k: request.form.getlist(k) for k in request.form} if is_form else {}
        body = b"" if is_form else request.get_data(cache=False)
    except RequestEntityTooLarge:
        too_long = QueryTooLong(
            f"The request body is too large; this endpoint accepts queries of at most "
            f"{service.policy.max_length:,} characters."
        )
        return _error(too_long, html=html)
    try:
        parsed = parse_request(
            request.method, request.content_type, args, form, body, service.policy
        )
    except SparqlError as exc:
        return _error(exc, html=html, query=(args.get("query") or [""])[0])
    if parsed is None:
        if _wants_html(accept, [f.media_type for f in rf.GRAPH_FORMATS]):
            page = render_template("sparql.html", **_page_context())
            return _cors(Response(page, content_type="text/html; charset=utf-8"))
        try:
            return _service_description(accept)
        except SparqlError as exc:
            return _error(exc)
    try:
        if html and not parsed.format_hint:
            return _html_results(parsed)
        fmt = rf.choose(accept, parsed.form, parsed.format_hint)
        result = service.pool.run(parsed, fmt)
    except SparqlError as exc:
        return _error(exc, html=html and not parsed.format_hint, query=parsed.query)
    response = Response(result, content_type=fmt.content_type)
    if parsed.format_hint:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="query-results.{fmt.extension}"'
        )
    return _cors(response)


# -- a stand-alone app -------------------------------------------------------------------


class _EnvSettings:
    """Settings from KGPUB_* variables, for when kgpub.config is not used."""

    def __init__(self) -> None:
        env = os.environ
        self.query_timeout = float(env.get("KGPUB_QUERY_TIMEOUT", "30"))
        self.query_max_length = int(env.get("KGPUB_QUERY_MAX_LENGTH", "100000"))
        self.result_limit = int(env.get("KGPUB_RESULT_LIMIT", "100000"))
        allow = env.get("KGPUB_SERVICE_ALLOWLIST", "")
        self.service_allowlist = tuple(a for a in allow.replace(",", " ").split() if a)
        self.base_iri = env.get("KGPUB_BASE_IRI", DEFAULT_BASE)
        self.query_workers = int(env.get("KGPUB_QUERY_WORKERS", "4"))
        self.query_cache_bytes = int(env.get("KGPUB_QUERY_CACHE_BYTES", str(16 << 20)))
        self.data_dir = env.get("KGPUB_DATA_DIR", "data")


def load_store(data_dir: str | Path, base_iri: str = DEFAULT_BASE) -> pyoxigraph.Store:
    """A pyoxigraph store with one named graph ``{base}graph/NAME`` per data/NAME.ttl."""
    store = pyoxigraph.Store()
    for path in sorted(Path(data_dir).glob("*.ttl")):
        store.bulk_load(
            path=str(path),
            format=pyoxigraph.RdfFormat.TURTLE,
            base_iri=base_iri,
            to_graph=pyoxigraph.NamedNode(f"{base_iri}graph/{path.stem}"),
        )
    return store


def create_sparql_app(settings: object | None = None, store: object | None = None) -> Flask:
    """A Flask app serving only /sparql (tests, benchmark, or before the full app exists)."""
    settings = settings or _EnvSettings()
    if store is None:
        base = str(getattr(settings, "base_iri", DEFAULT_BASE))
        store = load_store(str(getattr(settings, "data_dir", "data")), base)
    app = Flask(__name__)
    register_sparql(app, settings, store)
    return app
