"""HTML pages with kgpub's own Jinja environment (autoescape on for every template)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from gettext import GNUTranslations
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from kgpub import vocab
from kgpub.formats import DOCUMENT_FORMATS, Format
from kgpub.rendering import fragments, l10n
from kgpub.rendering.l10n import N_, pick_label
from kgpub.rendering.rdf import shorten
from kgpub.uris import UriScheme

# the properties that link a goal to an objective in words, by local name: the SKOS
# mappings, and kgpub:inLineWith (a goal in line with a whole scheme)
RELATIONS = {
    "exactMatch": N_("exact match of"),
    "closeMatch": N_("close match of"),
    "relatedMatch": N_("related to"),
    "broadMatch": N_("part of the broader"),
    "narrowMatch": N_("covers the narrower"),
    "inLineWith": N_("in line with"),
}

# a SEK amount in the unit a power of ten gives (sdmx-attribute:unitMult), as each language
# writes it; the same units as :func:`kgpub.rendering.l10n.amount`
SEK_UNITS = {
    "sv": {0: "{n} kr", 3: "{n} tkr", 6: "{n} mnkr", 9: "{n} mdkr"},
    "en": {0: "SEK {n}", 3: "SEK {n} thousand", 6: "SEK {n} million", 9: "SEK {n} billion"},
}


#: The only IRI schemes that become links on a page; any other IRI is shown as text.
LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def linkable(iri: str) -> bool:
    """Whether ``iri`` may be the target of a link (a web address, e-mail or telephone)."""
    return iri.strip().lower().startswith(LINK_SCHEMES)


@functools.lru_cache(maxsize=8)
def _scheme(base_iri: str) -> UriScheme:
    return UriScheme(base_iri)


@dataclass
class PageContext:
    """What every page needs: language, where it is served, how to link and label."""

    base_iri: str
    host_url: str  # e.g. "http://127.0.0.1:8000/"
    lang: str
    path: str  # request path, e.g. "/doc/haninge"
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    alternates: list[tuple[Format, str]] = field(default_factory=list)
    #: the page's machine twins: (link text, media type, URL), shown as "Download: CSV · JSON"
    downloads: list[tuple[str, str, str]] = field(default_factory=list)

    def gettext(self, message: str, **variables: object) -> str:
        """``message`` (an English msgid) in the page's language, its ``%(name)s``
        placeholders filled in (plain text: the templates escape it)."""
        return l10n.translations(self.lang).gettext(message) % variables

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        """The singular or plural form for ``n`` (``%(num)s`` is ``n`` unless given)."""
        text = l10n.translations(self.lang).ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    @property
    def other_lang(self) -> str:
        return "en" if self.lang == "sv" else "sv"

    def lang_url(self, lang: str) -> str:
        return f"{self.path}?{urlencode({'lang': lang})}"

    def url(self, local: str) -> str:
        """A site-relative URL carrying the chosen language when it was chosen explicitly."""
        return local

    def link(self, iri: str) -> str:
        """Where an HTML link to ``iri`` goes: a thing to its document, under the host the
        page is served from; IRIs outside the base stay as they are. An IRI of a scheme that
        is not a web address (``javascript:``, ``data:``...) gives no target at all."""
        if not linkable(iri):
            return ""
        uris = _scheme(self.base_iri)
        return uris.to_local_url(uris.doc_of(iri) or iri, self.host_url)

    def linkable(self, iri: str) -> bool:
        return linkable(iri)

    def label(self, iri: str) -> str:
        found = pick_label(self.labels.get(iri, {}), self.lang)
        return found if found is not None else shorten(iri, self.base_iri)

    def literal_text(self, lexical: str, datatype: str) -> str:
        """Dates and numbers as the reader's language writes them; anything else as it is."""
        local = datatype.rsplit("#", 1)[-1] if datatype.startswith(vocab.XSD) else ""
        if local in ("date", "dateTime"):
            return l10n.date(lexical, self.lang)
        if local in ("decimal", "integer", "nonNegativeInteger", "positiveInteger"):
            number = l10n.to_decimal(lexical)
            if number is not None:
                return l10n.decimal(number, self.lang)
        return lexical

    def relation(self, iri: str) -> str:
        """A link to an objective in words (``skos:closeMatch`` -> "close match of",
        ``kgpub:inLineWith`` -> "in line with")."""
        for namespace in (vocab.SKOS, self.base_iri + "ontology#"):
            name = iri.removeprefix(namespace)
            if name != iri and name in RELATIONS:
                return self.gettext(RELATIONS[name])
        return self.label(iri)

    def amount(self, value: Decimal | float, currency: str = "SEK") -> str:
        return l10n.amount(value, currency, self.lang)

    def stated_amount(self, number: Decimal, unit_mult: int, decimals: int, currency: str) -> str:
        """An amount exactly as the source states it: ``number`` with ``decimals`` decimals,
        in the unit ``unit_mult`` gives (6: "252,9 mnkr" / "SEK 252.9 million")."""
        template = SEK_UNITS.get(self.lang, SEK_UNITS["sv"]).get(unit_mult)
        if currency != "SEK" or template is None:
            return self.amount(number.scaleb(unit_mult), currency)
        return template.format(n=l10n.number(number, self.lang, max(0, decimals)))

    def share(self, fraction: float) -> str:
        return l10n.share(fraction, self.lang)

    def date(self, lexical: str) -> str:
        return l10n.date(lexical, self.lang)

    def number(self, value: Decimal | float | int, decimals: int = 0) -> str:
        return l10n.number(value, self.lang, decimals)

    def term(self, obj: Any) -> dict[str, Any]:
        """A value as the templates show it."""
        if isinstance(obj, pyoxigraph.NamedNode):
            return {
                "kind": "iri",
                "href": self.link(obj.value),
                "text": self.label(obj.value),
                "iri": obj.value,
            }
        if isinstance(obj, pyoxigraph.Literal):
            dt = obj.datatype.value if obj.datatype else ""
            return {
                "kind": "literal",
                "text": self.literal_text(obj.value, dt),
                "lexical": obj.value,
                "lang": obj.language or "",
                "datatype": ""
                if obj.language or dt.endswith("#string")
                else shorten(dt, self.base_iri),
            }
        return {"kind": "blank", "text": "_:" + str(getattr(obj, "value", obj))}


def make_environment(lang: str) -> Environment:
    """The templates in ``lang``: ``_()``, ``gettext``, ``ngettext``, ``pgettext`` and
    ``{% trans %}`` (whitespace trimmed) read the language's message catalog."""
    env = Environment(
        loader=PackageLoader("kgpub", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # package data: no stat of every template for every page
    )
    env.policies["ext.i18n.trimmed"] = True
    install_translations(env, l10n.translations(lang))
    env.globals["DOCUMENT_FORMATS"] = DOCUMENT_FORMATS
    env.globals["link"] = fragments.link
    env.globals["property_table"] = fragments.property_table
    return env


def install_translations(env: Environment, catalog: GNUTranslations) -> None:
    """Jinja's newstyle gettext over ``catalog``, with a message treated as plain text: it is
    escaped like any other value (a translation cannot add markup or break an attribute), and
    its ``%(name)s`` placeholders are filled in with escaped values.

    ``_``/``gettext`` and ``pgettext`` are then replaced by plain functions that do the same
    (every template here escapes) and keep each message without values, once translated and
    escaped: a page shows some twenty-five fixed strings, and Jinja's context-passing
    wrappers cost more than the page's own values."""
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: escape(catalog.gettext(message)),
        ngettext=lambda singular, plural, n: escape(catalog.ngettext(singular, plural, n)),
        pgettext=lambda context, message: escape(catalog.pgettext(context, message)),
        npgettext=lambda context, singular, plural, n: escape(
            catalog.npgettext(context, singular, plural, n)
        ),
        newstyle=True,
    )
    env.globals["_"] = env.globals["gettext"] = _fixed_gettext(catalog)
    env.globals["pgettext"] = _fixed_pgettext(catalog)


def _fixed_gettext(catalog: GNUTranslations) -> Callable[..., Markup]:
    """Newstyle ``gettext`` (``escape(translation) % variables``), a message without
    variables kept once computed."""
    fixed: dict[str, Markup] = {}

    def gettext(message: str, **variables: object) -> Markup:
        if variables:
            return escape(catalog.gettext(message)) % variables
        found = fixed.get(message)
        if found is None:
            found = fixed[message] = escape(catalog.gettext(message)) % variables
        return found

    return gettext


def _fixed_pgettext(catalog: GNUTranslations) -> Callable[..., Markup]:
    """Newstyle ``pgettext`` (``context`` is a variable too), kept like :func:`_fixed_gettext`."""
    fixed: dict[tuple[str, str], Markup] = {}

    def pgettext(context: str, message: str, **variables: object) -> Markup:
        variables.setdefault("context", context)
        if len(variables) > 1:
            return escape(catalog.pgettext(context, message)) % variables
        found = fixed.get((context, message))
        if found is None:
            found = escape(catalog.pgettext(context, message)) % variables
            fixed[(context, message)] = found
        return found

    return pgettext


class HtmlRenderer:
    """One Jinja environment per language, each with that language's catalog installed."""

    def __init__(self) -> None:
        self.envs = {lang: make_environment(lang) for lang in l10n.LANGUAGES}
        self._chrome: dict[str, dict[str, Markup]] = {}

    def render(self, template: str, ctx: PageContext, **data: Any) -> str:
        env = self.envs.get(ctx.lang) or self.envs[l10n.LANGUAGES[0]]
        chrome = self._chrome.get(ctx.lang) or self._render_chrome(env, ctx)
        return env.get_template(template).render(ctx=ctx, chrome=chrome, **data)

    def _render_chrome(self, env: Environment, ctx: PageContext) -> dict[str, Markup]:
        """The blocks of ``_chrome.html`` (the header and footer text of a language),
        rendered once per language."""
        chrome = env.get_template("_chrome.html")
        values = chrome.new_context({"lang": ctx.lang, "other_lang": ctx.other_lang})
        blocks = {name: Markup("".join(block(values))) for name, block in chrome.blocks.items()}
        self._chrome[ctx.lang] = blocks
        return blocks
