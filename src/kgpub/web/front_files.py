"""What the nginx in front of ``kgpub serve`` answers itself: resource documents rendered
ahead (:mod:`kgpub.site.ahead`), read from their files as a static file server reads them.

A crawler or a harvester asks for every document once, so no cache of the app answers it,
and a Python process spends most of a request on the request itself (reading the file is the
least of it). nginx answers such a request from the snapshot's directory with the same
bytes and the same headers as the app: the same choice of format (Accept or suffix) and of
language (the language cookie, else Accept-Language), ``Vary``, ``Link``, ``ETag`` (the
snapshot's), ``Last-Modified`` (the file's date is the snapshot's), ``Cache-Control``,
CORS and security headers, and a 304 when ``If-None-Match`` names the ETag.

Everything else goes to the app, which answers it as it always did:

* anything but GET and HEAD, and any request with a query string (``?lang=``, ``?table=``);
* a host the app does not answer for, and, for an HTML page, another address than the one
  the pages were rendered for (their links are absolute);
* an Accept, Accept-Language or Cookie header outside a plain grammar (the app's parser is
  the reference: nginx's regular expressions decide only where they agree with it, so
  quality values with more than one decimal, quoted parameters and ``*`` languages go to
  the app);
* a municipality's documents (they also come as CSV and JSON, which are not rendered ahead);
* a document whose file is not there (not rendered yet, or no such thing: a 404 or 406 is
  the app's to write).

When ``kgpub serve`` publishes a new snapshot it writes the configuration again and reloads
nginx (:meth:`kgpub.web.front.NginxFront.serve_files`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kgpub.formats import DOCUMENT_FORMATS, HTML
from kgpub.nginx_conneg import (
    accept_maps,
    charset_types,
    language_maps,
    mime_types,
    quoted,
    suffix_map,
)
from kgpub.web.documents import DOCUMENT_SHARING, PATH_SLOT, link_template
from kgpub.web.headers import SECURITY_HEADERS

#: Quality values nginx's rules compare as the app does: one decimal at most.
_Q = r"[qQ]\s*=\s*(?:0(?:\.[0-9])?|1(?:\.0)?|\.[0-9])"
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_PARAM = rf"\s*;\s*(?:{_Q}|(?![qQ]\s*=){_TOKEN}={_TOKEN})"
#: An Accept header of plain entries (``type/subtype``, token parameters, ``q`` to one decimal).
PLAIN_ACCEPT = rf"^(?:\s*{_TOKEN}/{_TOKEN}(?:{_PARAM})*\s*(?:,|$))*$"
#: An Accept-Language header of plain language tags (no ``*``), ``q`` to one decimal.
PLAIN_LANGUAGES = rf"^(?:\s*[A-Za-z]{{1,8}}(?:[-_][A-Za-z0-9]{{1,8}})*(?:\s*;\s*{_Q})?\s*(?:,|$))*$"
#: A Cookie header of plain ``name=value`` pairs (no quoting for the parsers to differ on).
PLAIN_COOKIES = r"^(?:\s*[A-Za-z0-9_.-]+=[A-Za-z0-9_.%-]*\s*(?:;|$))*$"
#: The path of a document nginx may answer: slug segments, then an optional suffix.
DOCUMENT_PATH = r"^/doc/(?<kgstem>[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*)(?:\.(?<kgsfx>[A-Za-z]+))?$"


@dataclass(frozen=True)
class FrontFiles:
    """One snapshot's documents rendered ahead, as the front is to answer them.

    ``page_hosts``: the ``Host`` values whose HTML pages are the files (the address they were
    rendered for); ``trusted_names``: the host names the app answers for (any port);
    ``overviews``: the /doc/ stems of the municipalities, which the app answers.
    """

    directory: Path
    etag: str
    page_hosts: tuple[str, ...]
    trusted_names: tuple[str, ...]
    overviews: tuple[str, ...]


def page_hosts(host_url: str, public: bool) -> tuple[str, ...]:
    """The ``Host`` values the pages rendered for ``host_url`` are served to: with a public
    address every request is answered as made to it (any trusted host), else only a request
    to ``host_url`` itself."""
    if public:
        return ()
    return (urlsplit(host_url).netloc.lower(),)


def _host_name_pattern(name: str) -> str:
    return r"\[" + re.escape(name) + r"\]" if ":" in name else re.escape(name)


def _host_map(files: FrontFiles) -> str:
    """``$kg_host``: 2 where the HTML pages are the files, 1 another trusted host, 0 else."""
    names = "|".join(_host_name_pattern(n) for n in files.trusted_names) or "(?!)"
    trusted = quoted(f"~*^(?:{names})(?::[0-9]+)?$")
    if files.page_hosts:
        exact = "".join(f"    {quoted(h)} 2;\n" for h in files.page_hosts)
        return f"  map $http_host $kg_host {{\n{exact}    {trusted} 1;\n    default 0;\n  }}\n"
    return f"  map $http_host $kg_host {{\n    {trusted} 2;\n    default 0;\n  }}\n"


def _flag(source: str, name: str, pattern: str) -> str:
    """A map that is 1 where ``source`` is empty or matches ``pattern``, else 0."""
    matches = quoted("~" + pattern)
    return f'  map {source} {name} {{\n    "" 1;\n    {matches} 1;\n    default 0;\n  }}\n'


def _plain_maps() -> str:
    """``$kg_plain``: 1 for a request nginx may answer from a file (method, no query string,
    plain headers, not a municipality's document)."""
    return (
        "  map $request_method $kg_method {\n    GET 1;\n    HEAD 1;\n    default 0;\n  }\n"
        + _flag("$http_accept", "$kg_accept_ok", PLAIN_ACCEPT)
        + _flag("$http_accept_language", "$kg_lang_ok", PLAIN_LANGUAGES)
        + _flag("$http_cookie", "$kg_cookie_ok", PLAIN_COOKIES)
        + '  map "$kg_method$kg_accept_ok$kg_lang_ok$kg_cookie_ok$kg_overview|$is_args" '
        "$kg_plain {\n    11110| 1;\n    default 0;\n  }\n"
    )


def _file_maps(files: FrontFiles) -> str:
    """Which file answers (``$kg_file``), whether the host may have it (``$kg_from_file``),
    its Vary, its ETag, and whether ``If-None-Match`` names that ETag."""
    overviews = "".join(f"    {quoted(stem)} 1;\n" for stem in files.overviews)
    return (
        f"  map $kgstem $kg_overview {{\n{overviews}    default 0;\n  }}\n"
        '  map $kgsfx $kg_file {\n    "" $kg_v_doc;\n    default $kg_sfx;\n  }\n'
        '  map "$kg_plain|$kg_host|$kg_file" $kg_from_file {\n'
        '    "~^1\\|2\\|" 1;\n    "~^1\\|1\\|[a-z]+$" 1;\n    default 0;\n  }\n'
        # the app's compression names Accept-Encoding in every answer's Vary; so does this
        "  map $kg_file $kg_vary {\n"
        f'    "~\\.{HTML.extension}$" "Accept, Accept-Language, Cookie, Accept-Encoding";\n'
        '    default "Accept, Accept-Encoding";\n  }\n'
        "  map $kg_file $kg_tag {\n"
        f'    "~^(?<kgl>[a-z]+)\\.{HTML.extension}$" "{files.etag}-{HTML.extension}-$kgl";\n'
        f'    "~^(?<kge>[a-z]+)$" "{files.etag}-$kge-";\n    default "";\n  }}\n'
        '  map "$http_if_none_match|$kg_tag" $kg_not_modified {\n'
        # the tag alone or anywhere in a list, weak or strong (If-None-Match compares weakly)
        '    "~^(?:[^|]*,)?\\s*(?:W/)?\\"(?<kgt>[^\\"|]+)\\"\\s*(?:,[^|]*)?\\|\\k<kgt>$" 1;\n'
        '    "~^\\s*\\*\\s*\\|." 1;\n    default 0;\n  }\n'
    )


def http_maps(files: FrontFiles) -> str:
    """The ``http``-level part: types, charsets and the maps the document location reads."""
    return (
        mime_types()
        + accept_maps((("doc", DOCUMENT_FORMATS),))
        + language_maps()
        + suffix_map(DOCUMENT_FORMATS)
        + _host_map(files)
        + _plain_maps()
        + _file_maps(files)
    )


def _headers() -> str:
    link = link_template(DOCUMENT_FORMATS).replace(PATH_SLOT, "/doc/$kgstem")
    headers = {
        "Vary": "$kg_vary",
        "Link": "'" + link + "'",  # its values hold double quotes
        "ETag": '"\\"$kg_tag\\""',
        **{name: quoted(value) for name, value in (*DOCUMENT_SHARING, *SECURITY_HEADERS.items())},
    }
    return "".join(f"            add_header {n} {v};\n" for n, v in headers.items())


def document_location(files: FrontFiles) -> str:
    """The ``location`` that answers documents from ``files.directory`` (else the app)."""
    return f"""
        location ~ {quoted(DOCUMENT_PATH)} {{
            error_page 418 = @kgpub;
            root {quoted(str(files.directory))};
            if ($kg_from_file = 0) {{ return 418; }}
            if (!-f $document_root/doc/$kgstem.$kg_file) {{ return 418; }}
            charset utf-8;
            charset_types {charset_types()};
            sendfile on;
            tcp_nopush on;
            etag off;
            max_ranges 0;
            if_modified_since before;
            gzip on;
            gzip_vary off;
            gzip_min_length 500;
            gzip_types {charset_types()};
{_headers()}            if ($kg_not_modified) {{ return 304; }}
            try_files /doc/$kgstem.$kg_file @kgpub;
        }}
        location @kgpub {{ proxy_pass http://kgpub; }}"""
