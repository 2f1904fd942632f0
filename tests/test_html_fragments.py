"""The HTML of linked resources, literals and property tables, written without a template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kgpub.rendering.fragments import link, property_table, value
from kgpub.rendering.html import HtmlRenderer, PageContext

BASE = "https://w3id.org/kgpub/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def ctx(lang: str = "sv", path: str = "/doc/x", **labels: dict[str, str]) -> PageContext:
    return PageContext(BASE, "http://example.org/", lang, path, labels=dict(labels))


def test_a_resource_links_to_its_document_by_its_label() -> None:
    page = ctx(**{BASE + "id/haninge": {"sv": "Haninge <kommun>"}})
    assert link(page, BASE + "id/haninge") == (
        '<a href="http://example.org/doc/haninge" title="https://w3id.org/kgpub/id/haninge">'
        "Haninge &lt;kommun&gt;</a>"
    )


def test_an_iri_of_a_scheme_that_is_no_web_address_is_text() -> None:
    assert link(ctx(), "javascript:alert(1)") == (
        '<span class="iri" title="javascript:alert(1)">javascript:alert(1)</span>'
    )


def test_a_number_is_written_as_the_reader_reads_it_beside_its_lexical_form() -> None:
    number = ox.Literal("1234.5", datatype=ox.NamedNode(XSD + "decimal"))
    assert value(ctx("sv"), number) == (
        '<data class="lit" value="1234.5" title="1234.5">1\xa0234,5</data>'
        ' <small class="tag">xsd:decimal</small>'
    )


def test_a_text_shows_its_language_and_a_plain_string_nothing() -> None:
    assert value(ctx(), ox.Literal("Trygg & säker", language="sv")) == (
        '<span class="lit" lang="sv">Trygg &amp; säker</span> <small class="tag">@sv</small>'
    )
    assert value(ctx(), ox.Literal("x")) == '<span class="lit">x</span>'


def test_a_linked_value_is_an_anchor_even_when_it_cannot_be_followed() -> None:
    assert value(ctx(), ox.NamedNode("urn:x:1")) == '<a href="" title="urn:x:1">urn:x:1</a>'


@dataclass
class Desc:
    blank: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def test_a_blank_node_value_carries_its_own_properties_in_a_nested_table() -> None:
    node = ox.BlankNode("b1")
    p, inner = BASE + "ontology#address", BASE + "ontology#street"
    desc = Desc({"b1": {inner: [ox.Literal("Storgatan 1")]}})
    html = property_table(ctx(), desc, [(p, [node])])
    assert html == (
        '<table class="props">\n'
        '<tr><th scope="row"><a href="http://example.org/ontology#address" '
        'title="https://w3id.org/kgpub/ontology#address">kgpub:address</a></th>\n'
        '<td><ul><li><span class="bnode">_:b1</span>\n'
        '<table class="props nested"><tr><th>kgpub:street</th><td>'
        '<span class="lit">Storgatan 1</span> </td></tr></table>\n'
        "</li></ul></td></tr>\n"
        "</table>\n"
    )


def test_the_header_is_in_the_page_language_and_links_this_page_in_the_other() -> None:
    renderer = HtmlRenderer()
    pages = {
        (lang, path): renderer.render("error.html", ctx(lang, path), title="T", message="M")
        for lang in ("sv", "en", "sv")
        for path in ("/doc/a", "/doc/b")
    }
    swedish, english = pages[("sv", "/doc/a")], pages[("en", "/doc/b")]
    assert '<nav aria-label="Webbplatsen">' in swedish
    assert 'hreflang="en" lang="en" href="/doc/a?lang=en">In English</a>' in swedish
    assert '<nav aria-label="Site">' in english
    assert 'hreflang="sv" lang="sv" href="/doc/b?lang=sv">På svenska</a>' in english
    assert '<a href="/dataset?lang=en">Dataset description</a> · <a href="/sitemap.xml">' in english
    assert 'href="/doc/b?lang=en">In English</a>' in pages[("sv", "/doc/b")]


def test_a_search_box_shows_the_words_searched_for_escaped() -> None:
    page = HtmlRenderer().render("error.html", ctx(), title="T", message="M", search_query='"a"<b>')
    assert 'name="q" value="&#34;a&#34;&lt;b&gt;" placeholder=' in page
