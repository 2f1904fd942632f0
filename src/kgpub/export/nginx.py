"""The nginx configuration of a static export: ``nginx -p DIR -c DIR/nginx.conf`` serves the
files under ``DIR/site`` as ``kgpub serve`` serves documents: ``/id/`` answers 303 to
``/doc/``, a document is negotiated by suffix or Accept (406 with the offers when nothing
fits), its language by ``?lang=``, the language cookie and Accept-Language, with the same
Vary, Link, Cache-Control and CORS headers; nginx adds ETag, Last-Modified and 304s.
"""

from __future__ import annotations

from pathlib import Path

from kgpub.export.documents import ERRORS
from kgpub.formats import (
    DATASET_FORMATS,
    DOCUMENT_FORMATS,
    OVERVIEW_FORMATS,
    Format,
)
from kgpub.negotiation import LANG_COOKIE, LANG_COOKIE_MAX_AGE, LANGUAGES
from kgpub.nginx_conneg import (
    accept_maps,
    charset_types,
    language_maps,
    mime_types,
    suffix_map,
)
from kgpub.site.site import Site
from kgpub.uris import UriScheme

GRAPH_FORMATS = (*DOCUMENT_FORMATS, *DATASET_FORMATS)
#: The families of negotiable documents: (name, offers).
FAMILIES = (("doc", DOCUMENT_FORMATS), ("overview", OVERVIEW_FORMATS), ("graph", GRAPH_FORMATS))
_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _header_maps(site: Site) -> str:
    """Which variant, Link header, Vary and language cookie a request gets."""
    uris = UriScheme(site.base)
    munis = sorted(
        uris.to_local_url(i, "/").replace("/id/", "/doc/", 1) for i in site.municipality_names()
    )
    links = []
    for family, offers in FAMILIES:
        alts = ", ".join(
            f'<$kgstem.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in offers
        )
        links.append(f"    {family} '{alts}';")
    langs = "|".join(LANGUAGES)
    cookie = f"{LANG_COOKIE}=$kgc; Max-Age={LANG_COOKIE_MAX_AGE}; Path=/; SameSite=Lax"
    families = "\n".join(f"    {m} overview;" for m in munis)
    return (
        "  map $kgstem $kg_family {\n    ~^/graph/ graph;\n"
        f"{families}\n    default doc;\n  }}\n"
        "  map $kg_family $kg_v_first {\n    graph $kg_v_graph;\n    default $kg_v_overview;\n  }\n"
        "  map $kg_family $kg_v_second {\n    graph $kg_v_graph;\n    default $kg_v_doc;\n  }\n"
        "  map $kg_family $kg_link {\n" + "\n".join(links) + "\n  }\n"
        '  map "$arg_lang|$uri" $kg_vary {\n'
        '    "~^\\|.*\\.(?:html|csv)$" "Accept, Accept-Language, Cookie";\n'
        "    default Accept;\n  }\n"
        '  map "$arg_lang|$uri" $kg_page_vary {\n    "~^\\|" "Accept-Language, Cookie";\n'
        '    default "";\n  }\n'
        f'  map "$arg_lang|$cookie_{LANG_COOKIE}|$uri" $kg_cookie {{\n'
        f'    "~^(?<kgc>{langs})\\|(?!\\k<kgc>\\|)[^|]*\\|.*\\.html$" "{cookie}";\n'
        '    default "";\n  }\n'
        '  map $arg_table $kg_table {\n    "" "";\n'
        '    "~^(?<kgt>[A-Za-z0-9_-]+)$" ".table-$kgt";\n    default ".table-?";\n  }\n'
        + suffix_map(tuple(dict.fromkeys((*OVERVIEW_FORMATS, *DATASET_FORMATS))))
    )


_DOC_HEADERS = """      add_header Vary $kg_vary;
      add_header Link $kg_link;
      add_header Cache-Control "public, max-age=60";
      add_header Access-Control-Allow-Origin *;
      add_header Access-Control-Expose-Headers "ETag, Last-Modified, Link, Vary";
      add_header Set-Cookie $kg_cookie;
"""
_PAGE_HEADERS = """      add_header Vary $kg_page_vary;
      add_header Cache-Control "public, max-age=60";
      add_header Set-Cookie $kg_cookie;
"""
_STEM = "/(?:(?:doc|graph)/.+?|ontology|shapes|dataset)"


def _not_acceptable(offers: tuple[Format, ...]) -> str:
    listed = "\\n".join(f.media_type for f in offers)
    return f'"406 Not Acceptable. Available formats:\\n{listed}\\n"'


def _server(listen: str) -> str:
    doc, overview, graph = (_not_acceptable(o) for _, o in FAMILIES)
    return f"""  server {{
    listen {listen};
    root site;
    absolute_redirect off;
    server_tokens off;
    error_page 404 /{ERRORS}/404.$kg_err;
    include conf.d/*.conf;
    location /{ERRORS}/ {{
      internal;
      add_header Vary Accept always;
    }}
    location / {{
      try_files $uri =404;
    }}
    location = / {{
      try_files /index.$kg_lang.html =404;
{_PAGE_HEADERS}    }}
    location = /dumps/ {{
      try_files /dumps/index.$kg_lang.html =404;
{_PAGE_HEADERS}    }}
    location ~ "^/dumps/(?<kgdump>[^/]+)$" {{
      add_header Access-Control-Allow-Origin *;
      add_header Content-Disposition 'inline; filename="$kgdump"';
    }}
    location ~ "^/id/(?<kgrest>.*)$" {{
      add_header Vary Accept;
      add_header Access-Control-Allow-Origin *;
      return 303 /doc/$kgrest$is_args$args;
    }}
    location ~ "^(?<kgstem>{_STEM})\\.(?<kgsfx>[A-Za-z]+)$" {{
{_DOC_HEADERS}      try_files $kgstem.$kg_sfx =404;
    }}
    location ~ "^(?<kgstem>{_STEM.replace(".+?", ".+")})$" {{
{_DOC_HEADERS}      try_files $kgstem.$kg_v_first $kgstem.$kg_v_second @kg_miss;
    }}
    location @kg_miss {{
      default_type text/plain;
      add_header Vary Accept always;
      if (-f $document_root$kgstem.json) {{ return 406 {overview}; }}
      if (-f $document_root$kgstem.nq) {{ return 406 {graph}; }}
      if (-f $document_root$kgstem.ttl) {{ return 406 {doc}; }}
      return 404;
    }}
  }}
"""


def config(out: Path, listen: str, site: Site) -> str:
    """``nginx.conf`` for the export in ``out``, listening on ``listen`` (HOST:PORT)."""
    (out / "tmp").mkdir(parents=True, exist_ok=True)
    (out / "conf.d").mkdir(parents=True, exist_ok=True)
    temp = "".join(f"  {name}_temp_path tmp/{name};\n" for name in _TEMP)
    return (
        "# Written by `kgpub export --static`; the next export writes it again. Put your own\n"
        "# server-level directives (a /sparql proxy, TLS) in conf.d/*.conf.\n"
        "# Run: nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'\n"
        "worker_processes auto;\npid nginx.pid;\nerror_log stderr warn;\n"
        "events {\n  worker_connections 1024;\n}\n"
        "http {\n  access_log off;\n"
        f"{temp}{mime_types()}  default_type application/octet-stream;\n"
        f"  charset utf-8;\n  charset_types {charset_types()};\n"
        "  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n"
        "  open_file_cache max=10000 inactive=60s;\n"
        "  gzip on;\n  gzip_vary on;\n  gzip_min_length 500;\n"
        f"  gzip_types {charset_types()};\n"
        f"{accept_maps(FAMILIES)}{language_maps()}{_header_maps(site)}"
        '  map $kg_v_doc $kg_err {\n    "~\\.html$" $kg_lang.html;\n    default txt;\n  }\n'
        f"{_server(listen)}}}\n"
    )
