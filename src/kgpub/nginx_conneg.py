"""Content and language negotiation as nginx ``map`` blocks, written from the format registry.

nginx has no Accept parser, so the choice :func:`kgpub.negotiation.negotiate` makes is spelled
as an ordered list of regular expressions over the header (the first that matches wins):
quality levels from 1 down, and within a level explicit media types in the server's order of
preference, then ``type/*``, then ``*/*``, as werkzeug's ``best_match`` orders them. Quality
values are compared to their first decimal (``q=0.55`` counts as ``q=0.5``); q=0 excludes.
"""

from __future__ import annotations

import re

from kgpub.formats import ALL_FORMATS, CSV, HTML, RDF_XML, Format
from kgpub.negotiation import LANG_COOKIE, LANGUAGES

#: Quality levels, highest first: (name, regular expression of the parameters).
_NOT_ZERO = r"(?![^,]*q\s*=\s*[0.])"
LEVELS: tuple[str, ...] = ("1", *(f"0.{d}" for d in range(9, 0, -1)), "0.0")


def _entry(value: str, level: str) -> str:
    """A regex for one header entry ``value`` (already a regex) at quality ``level``."""
    head = rf"(?:^|,)\s*{value}\s*"
    if level == "1":
        return head + rf"(?:;{_NOT_ZERO}[^,]*)?(?:,|$)"
    q = r"0?\.0*[1-9][0-9]*" if level == "0.0" else rf"0?\.{level[-1]}[0-9]*"
    return head + rf";[^,]*?q\s*=\s*{q}\s*(?:;[^,]*)?(?:,|$)"


def _types(fmt: Format) -> str:
    names = (fmt.media_type, *fmt.aliases)
    return "(?:" + "|".join(re.escape(n) for n in names) + ")"


def _wildcards(offers: tuple[Format, ...]) -> list[tuple[str, Format]]:
    """``major/*`` for each major type offered, with the format it picks (primaries first)."""
    found: dict[str, Format] = {}
    for mt in [f.media_type for f in offers] + [a for f in offers for a in f.aliases]:
        fmt = next(f for f in offers if mt == f.media_type or mt in f.aliases)
        found.setdefault(mt.split("/", 1)[0], fmt)
    return [(re.escape(major) + r"/\*", fmt) for major, fmt in found.items()]


def accept_rules(offers: tuple[Format, ...]) -> list[tuple[str, Format]]:
    """(regex, format) pairs in the order nginx must try them; no match means 406."""
    rules: list[tuple[str, Format]] = []
    for level in LEVELS:
        rules.extend((_entry(_types(fmt), level), fmt) for fmt in offers)
        rules.extend((_entry(major, level), fmt) for major, fmt in _wildcards(offers))
        rules.append((_entry(r"\*/\*", level), offers[0]))
    return rules


def language_rules() -> list[str]:
    """Regexes capturing ``kglang``: the first offered language at the highest quality."""
    tags = "|".join(LANGUAGES)
    return [_entry(rf"(?<kglang>{tags})(?:[-_][^,;]*)?", level) for level in LEVELS]


def quoted(regex: str) -> str:
    """A value (a regex, a path, a header) as an nginx string: in double quotes, so that
    ``{ } ;`` and spaces are safe."""
    if '"' in regex or "\\\\" in regex:
        raise ValueError(f"cannot quote {regex!r} for nginx")
    return '"' + regex + '"'


def variant(fmt: Format) -> str:
    """The end of a negotiated variant's file name, as an nginx value."""
    if fmt is HTML:
        return f"$kg_lang.{fmt.extension}"
    if fmt is CSV:
        return f"$kg_lang$kg_table.{fmt.extension}"
    return fmt.extension


def mime_types() -> str:
    known: dict[str, list[str]] = {}
    for fmt in (*ALL_FORMATS, CSV):
        known.setdefault(fmt.media_type, []).extend(fmt.extensions)
    known.update({"text/css": ["css"], "application/javascript": ["js"]})
    known.update({"application/xml": ["xml"], "application/gzip": ["gz"]})
    known[RDF_XML.media_type] = [RDF_XML.extension]  # .xml is the sitemap
    lines = [f"    {mt} {' '.join(dict.fromkeys(exts))};" for mt, exts in known.items()]
    return "  types {\n" + "\n".join(lines) + "\n  }\n"


def charset_types() -> str:
    textual = [f.media_type for f in (*ALL_FORMATS, CSV) if "charset" in f.content_type]
    extra = ["text/plain", "text/css", "application/javascript", "application/xml"]
    # text/html is always in both lists: naming it again is a warning
    return " ".join(t for t in dict.fromkeys([*textual, *extra]) if t != "text/html")


def accept_maps(families: tuple[tuple[str, tuple[Format, ...]], ...]) -> str:
    out = []
    for family, offers in families:
        rules = [f'    "" {variant(offers[0])};']
        rules += [f"    {quoted('~*' + rx)} {variant(fmt)};" for rx, fmt in accept_rules(offers)]
        out.append(
            f"  map $http_accept $kg_v_{family} {{\n"
            + "\n".join(rules)
            + "\n    default 406;\n  }\n"
        )
    return "".join(out)


def language_maps() -> str:
    rules = "\n".join(f"    {quoted('~*' + rx)} $kglang;" for rx in language_rules())
    named = "\n".join(f"    ~*^{lang}$ {lang};" for lang in LANGUAGES)
    exact = "\n".join(f"    {lang} {lang};" for lang in LANGUAGES)
    first = LANGUAGES[0]
    return (
        f"  map $http_accept_language $kg_al_raw {{\n{rules}\n    default {first};\n  }}\n"
        f"  map $kg_al_raw $kg_al {{\n{named}\n    default {first};\n  }}\n"
        f'  map $arg_lang $kg_explicit {{\n    "" $cookie_{LANG_COOKIE};\n'
        "    default $arg_lang;\n  }\n"
        f"  map $kg_explicit $kg_lang {{\n{exact}\n    default $kg_al;\n  }}\n"
    )


def suffix_map(offers: tuple[Format, ...]) -> str:
    """``$kg_sfx``: the end of the file a suffix (``$kgsfx``, in any case, as the app reads
    it) names among ``offers``; ``none`` for any other suffix."""
    rows = [f"    ~*^{ext}$ {variant(fmt)};" for fmt in offers for ext in fmt.extensions]
    return "  map $kgsfx $kg_sfx {\n" + "\n".join(rows) + "\n    default none;\n  }\n"
