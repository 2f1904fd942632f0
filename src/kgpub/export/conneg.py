"""Content and language negotiation as nginx ``map`` blocks, written from the format registry.

nginx has no Accept parser, so the choice :func:`kgpub.negotiation.negotiate` makes is spelled
as an ordered list of regular expressions over the header (the first that matches wins):
quality levels from 1 down, and within a level explicit media types in the server's order of
preference, then ``type/*``, then ``*/*``, as werkzeug's ``best_match`` orders them. Quality
values are compared to their first decimal (``q=0.55`` counts as ``q=0.5``); q=0 excludes.
"""

from __future__ import annotations

import re

from kgpub.formats import Format
from kgpub.negotiation import LANGUAGES

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
    """A regex as an nginx string: in double quotes, so that ``{ } ;`` and spaces are safe."""
    if '"' in regex or "\\\\" in regex:
        raise ValueError(f"cannot quote {regex!r} for nginx")
    return '"' + regex + '"'
