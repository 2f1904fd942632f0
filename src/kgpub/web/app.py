"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from flask_compress import Compress
from flask_cors import CORS

from kgpub import formats
from kgpub.negotiation import LANG_COOKIE, LANG_COOKIE_MAX_AGE, LANGUAGES
from kgpub.publish.publisher import Publisher
from kgpub.site.ahead import Ahead
from kgpub.site.site import Site
from kgpub.web.current import EXTENSION
from kgpub.web.headers import add_security_headers

if TYPE_CHECKING:
    from kgpub.config import Settings

#: Media types worth compressing: the site's assets and every format of the registry.
COMPRESSIBLE = [
    "text/css",
    "application/javascript",
    "application/xml",
    *dict.fromkeys(f.media_type for f in formats.ALL_FORMATS + formats.RESULT_FORMATS),
]


def _remember_language(response: Response) -> Response:
    """A page asked for with ?lang= keeps that language on the pages linked from it."""
    lang = request.args.get("lang")
    if (
        lang in LANGUAGES
        and response.mimetype == "text/html"
        and request.cookies.get(LANG_COOKIE) != lang
    ):
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax")
    return response


def create_app(
    settings: Settings,
    publisher: Publisher | None = None,
    sparql: bool = True,
    sparql_store: object | None = None,
) -> Flask:
    """Build the app over ``publisher`` (loading, validating and publishing the data from
    ``settings`` if it has nothing published yet; raises ``ValidationFailed`` if invalid).

    ``/sparql`` answers from the publisher's store, or from ``sparql_store`` (the W3C
    protocol tests' data, a remote store that fails on purpose) through the same layers."""
    if publisher is None:
        publisher = Publisher(settings)
    if publisher.current is None:
        publisher.start()
    app = _flask_app()
    app.extensions[EXTENSION] = Site(publisher, ahead=Ahead.for_settings(settings))
    app.extensions["kgpub_publisher"] = publisher
    Compress(app)
    _allow_cross_origin_reads(app)
    _register_pages(app)
    if sparql:
        from kgpub.web.sparql import EXTENSION as SPARQL
        from kgpub.web.sparql import register_sparql
        from kgpub.web.sparql_plain import PlainQueries

        register_sparql(app, settings, publisher.store if sparql_store is None else sparql_store)
        app.wsgi_app = PlainQueries(  # type: ignore[method-assign]
            app.wsgi_app, lambda: app.extensions[SPARQL]
        )
    _cache_responses(app, settings, publisher, sparql)
    _guard_requests(app, settings)
    return app


def _flask_app() -> Flask:
    app = Flask(
        "kgpub",
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
        static_url_path="/static",
    )
    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSIBLE,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=500,
        COMPRESS_REGISTER=True,
        JSON_AS_ASCII=False,
    )
    return app


def _allow_cross_origin_reads(app: Flask) -> None:
    """Dumps, the dataset description, the ontology and the shapes may be read from any origin."""
    open_get = {
        "origins": "*",
        "send_wildcard": True,
        "methods": ["GET", "HEAD", "OPTIONS"],
        "expose_headers": ["Link", "ETag", "Last-Modified", "Vary"],
    }
    CORS(
        app,
        resources={
            r"/dumps/*": open_get,
            r"/dataset*": open_get,
            r"/ontology*": open_get,
            r"/shapes*": open_get,
        },
    )


def _register_pages(app: Flask) -> None:
    """Every page family's blueprint, the language cookie and the one error mapper."""
    from kgpub.web.check import bp as check_bp
    from kgpub.web.dataset import bp as dataset_bp
    from kgpub.web.documents import bp as resources_bp
    from kgpub.web.errors import register_errors
    from kgpub.web.municipalities import bp as views_bp
    from kgpub.web.reconcile import bp as reconcile_bp
    from kgpub.web.search import bp as search_bp

    app.register_blueprint(resources_bp)
    app.after_request(_remember_language)
    app.after_request(add_security_headers)
    app.register_blueprint(dataset_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(views_bp)
    app.register_blueprint(reconcile_bp)
    app.register_blueprint(check_bp)
    register_errors(app)


def _cache_responses(app: Flask, settings: Settings, publisher: Publisher, sparql: bool) -> None:
    """Put the response cache in front of Flask: documents and SPARQL GET answers are pure
    functions of the snapshot and the request."""
    from kgpub.web.response_cache import DocumentResponseCache

    cached = ("/doc/", "/sparql") if sparql and settings.query_cache_bytes > 0 else ("/doc/",)
    app.wsgi_app = DocumentResponseCache(  # type: ignore[method-assign]
        app.wsgi_app, publisher, prefixes=cached, max_bytes=settings.response_cache_bytes
    )


def _guard_requests(app: Flask, settings: Settings) -> None:
    """Refuse untrusted hosts and control characters before the cache sees a request."""
    from kgpub.web.gate import RequestGate

    app.wsgi_app = RequestGate(app.wsgi_app, settings)  # type: ignore[method-assign]
