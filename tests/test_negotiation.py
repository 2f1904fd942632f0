"""Content negotiation is pure: Accept (+ suffix) -> Format, or NotAcceptable / NotFound."""

from __future__ import annotations

import pytest

from kgpub.errors import NotAcceptable, NotFound
from kgpub.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, from_extension
from kgpub.negotiation import negotiate, negotiate_language


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("*/*", HTML),
        ("text/turtle", TURTLE),
        ("application/ld+json", JSON_LD),
        ("application/rdf+xml", RDF_XML),
        ("application/n-triples", N_TRIPLES),
        ("text/html;q=0.5, text/turtle", TURTLE),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", JSON_LD),
        ("application/*", JSON_LD),
        ("text/*;q=0.1, application/rdf+xml;q=0.5", RDF_XML),
        ("application/xhtml+xml", HTML),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
        ("image/png, */*;q=0.1", HTML),
        ("TEXT/TURTLE", TURTLE),
    ],
)
def test_accept_headers(accept: str | None, expected: object) -> None:
    assert negotiate(accept) is expected


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "application/pdf, text/csv"])
def test_nothing_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate(accept)
    assert "text/turtle" in info.value.offers


@pytest.mark.parametrize(
    "accept",
    [";;;", "text/", "/", "q=1", "text/turtle;q=abc", "*/*;q=", "\x00\x01", "a" * 5000, ",,,"],
)
def test_malformed_accept_never_raises_anything_else(accept: str) -> None:
    try:
        fmt = negotiate(accept)
    except NotAcceptable:
        return
    assert fmt.media_type


def test_suffix_wins_over_accept() -> None:
    assert negotiate("text/html", "ttl") is TURTLE
    assert negotiate("image/png", "jsonld") is JSON_LD
    with pytest.raises(NotFound):
        negotiate(None, "docx")


def test_formats_by_extension() -> None:
    assert from_extension("rdf") is RDF_XML
    assert from_extension(".NT") is N_TRIPLES
    assert from_extension("pdf") is None
    assert TURTLE.content_type == "text/turtle; charset=utf-8"


@pytest.mark.parametrize(
    ("header", "explicit", "expected"),
    [
        (None, None, "sv"),
        ("en-GB,en;q=0.9", None, "en"),
        ("sv-SE, en;q=0.5", None, "sv"),
        ("de", None, "sv"),
        ("en", "sv", "sv"),
        ("sv", "en", "en"),
        ("en", "fi", "en"),
        ("!!!", None, "sv"),
    ],
)
def test_language(header: str | None, explicit: str | None, expected: str) -> None:
    assert negotiate_language(header, explicit) == expected
