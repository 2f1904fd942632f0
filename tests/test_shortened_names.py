"""Shortened names (``kgpub:Goal`` for the full IRI) are remembered for the IRIs pages show
again and again, but what the memo holds stays small whatever IRIs come along."""

from __future__ import annotations

from kgpub.rendering import rdf

BASE = "https://w3id.org/kgpub/"


def test_an_iri_under_a_known_namespace_gets_its_prefix() -> None:
    assert rdf.shorten("http://www.w3.org/2004/02/skos/core#prefLabel", BASE) == "skos:prefLabel"
    assert rdf.shorten("http://example.org/nothing-known", BASE) == (
        "http://example.org/nothing-known"
    )


def test_a_very_long_iri_is_shortened_but_not_remembered() -> None:
    long_iri = "http://www.w3.org/2004/02/skos/core#" + "x" * 100_000
    before = rdf._shorten_remembered.cache_info().currsize
    assert rdf.shorten(long_iri, BASE) == "skos:" + "x" * 100_000
    assert rdf._shorten_remembered.cache_info().currsize == before


def test_the_memo_holds_a_bounded_number_of_short_iris() -> None:
    for i in range(rdf._SHORTEN_MEMO + 100):
        rdf.shorten(f"http://example.org/thing-{i}", BASE)
    assert rdf._shorten_remembered.cache_info().currsize <= rdf._SHORTEN_MEMO
