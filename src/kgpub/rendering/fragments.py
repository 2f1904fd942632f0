"""The HTML of the values every page shows many of (a linked resource, a literal, a
property table), written in Python: the same markup a Jinja macro would give, without a
macro call per value. Every text is escaped; the result is :class:`~markupsafe.Markup`, so a
template inserts it as it is.

The templates call them as globals: ``{{ link(ctx, iri) }}``, ``{{ value(ctx, term) }}``,
``{{ property_table(ctx, desc, props) }}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import pyoxigraph
from markupsafe import Markup, escape


class PageLinks(Protocol):
    """What the fragments ask of a page (:class:`kgpub.rendering.html.PageContext` is one)."""

    def label(self, iri: str) -> str: ...

    def link(self, iri: str) -> str: ...

    def linkable(self, iri: str) -> bool: ...

    def term(self, obj: Any) -> dict[str, Any]: ...


class Described(Protocol):
    """What :func:`property_table` reads of a description: its blank nodes' properties."""

    @property
    def blank(self) -> Mapping[str, Mapping[str, Sequence[Any]]]: ...


def link(ctx: PageLinks, iri: str) -> Markup:
    """A resource by its label: a link to its document, or plain text when its IRI is of a
    scheme that is not a web address."""
    label = escape(ctx.label(iri))
    if ctx.linkable(iri):
        return Markup(f'<a href="{escape(ctx.link(iri))}" title="{escape(iri)}">{label}</a>')
    return Markup(f'<span class="iri" title="{escape(iri)}">{label}</span>')


def value(ctx: PageLinks, obj: Any) -> Markup:
    """An object of a triple: a resource as a link, a literal as the reader's language
    writes it (with its lexical form, language tag or datatype beside it), a blank node by
    its label."""
    if isinstance(obj, pyoxigraph.NamedNode):
        iri = obj.value
        return Markup(
            f'<a href="{escape(ctx.link(iri))}" title="{escape(iri)}">{escape(ctx.label(iri))}</a>'
        )
    if isinstance(obj, pyoxigraph.Literal):
        return _literal(ctx, obj)
    return Markup(f'<span class="bnode">{escape("_:" + str(getattr(obj, "value", obj)))}</span>')


def _literal(ctx: PageLinks, obj: pyoxigraph.Literal) -> Markup:
    term = ctx.term(obj)
    text, lexical = escape(term["text"]), term["lexical"]
    lang, datatype = term["lang"], term["datatype"]
    if term["text"] != lexical:
        shown = (
            f'<data class="lit" value="{escape(lexical)}" title="{escape(lexical)}">{text}</data>'
        )
        tag = f' <small class="tag">{escape(datatype)}</small>' if datatype else ""
        return Markup(shown + tag)
    if lang:
        lang = escape(lang)
        return Markup(
            f'<span class="lit" lang="{lang}">{text}</span> <small class="tag">@{lang}</small>'
        )
    tag = f' <small class="tag">{escape(datatype)}</small>' if datatype else ""
    return Markup(f'<span class="lit">{text}</span>{tag}')


def property_table(
    ctx: PageLinks, desc: Described, props: Iterable[tuple[str, Sequence[Any]]]
) -> Markup:
    """A resource's properties, one row each with its values; a blank node's own properties
    in a table nested under it."""
    out = ['<table class="props">\n']
    for p, objs in props:
        out.append(
            f'<tr><th scope="row"><a href="{escape(ctx.link(p))}" title="{escape(p)}">'
            f"{escape(ctx.label(p))}</a></th>\n<td><ul>"
        )
        for o in objs:
            out.append(f"<li>{value(ctx, o)}\n")
            if isinstance(o, pyoxigraph.BlankNode) and o.value in desc.blank:
                out.append(_nested(ctx, desc.blank[o.value]))
            out.append("</li>")
        out.append("</ul></td></tr>\n")
    out.append("</table>\n")
    return Markup("".join(out))


def _nested(ctx: PageLinks, properties: Mapping[str, Sequence[Any]]) -> str:
    rows = "".join(
        f"<tr><th>{escape(ctx.label(bp))}</th><td>"
        + "".join(f"{value(ctx, bo)} " for bo in bos)
        + "</td></tr>"
        for bp, bos in properties.items()
    )
    return f'<table class="props nested">{rows}</table>\n'
