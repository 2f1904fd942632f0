"""UI text comes from the gettext catalogs under src/kgpub/locale: every message the templates
and the code mark (``_()``, ``gettext``, ``ngettext``, ``pgettext``, ``{% trans %}``) is in the
committed messages.pot and has a Swedish translation, and the pages show it in the reader's
language. When a test here fails after a UI text change: ``make messages``, then fill in the
empty (or fuzzy) msgstrs in ``src/kgpub/locale/sv/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kgpub.rendering import l10n
from kgpub.rendering.html import PageContext, install_translations, make_environment

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kgpub"
POT = l10n.LOCALE_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)")

# a message as the catalogs key it: (msgctxt, msgid), msgid a (singular, plural) pair for plurals
Key = tuple[str | None, str | tuple[str, ...]]


def extracted(directory: Path) -> set[Key]:
    """What ``make messages`` extracts from ``directory``, by babel.cfg's mapping."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: set[Key] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        directory, method_map, options_map
    ):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=lang)


def keys(catalog: Catalog) -> set[Key]:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def described(found: Iterable[Key]) -> str:
    return "\n  ".join(sorted(repr(k) for k in found))


# --- the catalogs against the sources -----------------------------------------------------


def test_committed_template_lists_every_message_of_the_sources() -> None:
    in_sources = extracted(PACKAGE)
    in_pot = keys(read_catalog(POT))
    assert in_sources, "nothing extracted: is babel.cfg's mapping right?"
    assert not in_sources - in_pot, (
        "marked in the sources but not in messages.pot (run `make messages`):\n  "
        + described(in_sources - in_pot)
    )
    assert not in_pot - in_sources, (
        "in messages.pot but no longer in the sources (run `make messages`):\n  "
        + described(in_pot - in_sources)
    )


@pytest.mark.parametrize("lang", l10n.LANGUAGES)
def test_each_language_catalog_has_exactly_the_template_messages(lang: str) -> None:
    in_pot = keys(read_catalog(POT))
    in_po = keys(read_catalog(l10n.catalog_path(lang), lang))
    assert in_po == in_pot, (
        f"{lang} catalog differs from messages.pot (run `make messages`); missing:\n  "
        + described(in_pot - in_po)
        + "\nobsolete:\n  "
        + described(in_po - in_pot)
    )


def test_every_message_has_a_swedish_translation() -> None:
    catalog = read_catalog(l10n.catalog_path("sv"), "sv")
    untranslated = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert not untranslated, (
        "no Swedish msgstr (or a fuzzy one, which pages do not use) in "
        "locale/sv/LC_MESSAGES/messages.po:\n  " + described((None, str(u)) for u in untranslated)
    )


def fills_in(text: str, msgids: Iterable[str]) -> str | None:
    """Why ``text`` cannot be formatted with the placeholders of ``msgids`` (every message is
    %-formatted when shown, so ``%(x)s`` must be one of them and a literal % is ``%%``)."""
    values = {name: 1 for msgid in msgids for name in PLACEHOLDER.findall(msgid)}
    try:
        text % values
    except (KeyError, ValueError, TypeError) as e:
        return f"{text!r}: {type(e).__name__} {e}"
    return None


@pytest.mark.parametrize("lang", l10n.LANGUAGES)
def test_translations_use_only_the_placeholders_of_their_msgid(lang: str) -> None:
    catalog = read_catalog(l10n.catalog_path(lang), lang)
    problems = [f"{m.id!r}: {'; '.join(map(str, errors))}" for m, errors in catalog.check()]
    for m in catalog:
        if not m.id:
            continue  # the header
        msgids = [m.id] if isinstance(m.id, str) else list(m.id)
        msgstrs = [m.string] if isinstance(m.string, str) else list(m.string or ())
        problems += [p for t in msgids + msgstrs if t and (p := fills_in(t, msgids))]
    assert not problems, "\n".join(problems)


def test_a_new_template_is_extracted_whatever_its_name(tmp_path: Path) -> None:
    """`make messages` and the tests above cover any template, also one not yet written."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "new-page.html").write_text(
        '{% extends "_base.html" %}{% block main %}\n'
        '<input placeholder="{{ _("Type a query") }}">\n'
        "{% trans count=rows|length %}One row{% pluralize %}{{ count }} rows{% endtrans %}\n"
        '{{ pgettext("verb", "Run") }}\n'
        "{% endblock %}\n"
    )
    assert extracted(tmp_path) == {
        (None, "Type a query"),
        (None, ("One row", "%(count)s rows")),
        ("verb", "Run"),
    }


# --- what pages show -----------------------------------------------------------------------


def render(lang: str, source: str, **data: object) -> str:
    return make_environment(lang).from_string(source).render(**data)


def test_templates_show_the_readers_language() -> None:
    assert render("sv", '{{ _("Search") }}') == "Sök"
    assert render("en", '{{ _("Search") }}') == "Search"
    link = '{{ pgettext("the link to this page in the other language", "På svenska") }}'
    assert render("sv", link) == "In English"
    assert render("en", link) == "På svenska"


@pytest.mark.parametrize(
    ("lang", "n", "shown"),
    [("sv", 1, "1 kommun."), ("sv", 290, "290 kommuner."), ("en", 1, "1 municipality.")],
)
def test_counts_choose_the_plural_form(lang: str, n: int, shown: str) -> None:
    source = '{{ ngettext("%(num)s municipality.", "%(num)s municipalities.", n) }}'
    assert render(lang, source, n=n) == shown


def test_python_code_shares_the_catalogs() -> None:
    ctx = PageContext("https://w3id.org/kgpub/", "http://localhost/", "sv", "/")
    assert ctx.gettext("Municipalities starting with %(letter)s", letter="Å") == "Kommuner på Å"
    assert ctx.ngettext("%(num)d result", "%(num)d results", 3) == "3 träffar"
    assert ctx.relation("http://www.w3.org/2004/02/skos/core#closeMatch") == "motsvarar nära"


def test_a_language_without_a_catalog_reads_swedish() -> None:
    assert l10n.translations("fi").gettext("Search") == "Sök"


def test_a_translation_is_text_not_markup() -> None:
    """A translation cannot add markup or end an attribute; values are escaped too."""
    catalog = Catalog(locale="sv")
    catalog.add("Key %(name)s", 'Nyckel "<b>" & %(name)s')
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    env = make_environment("sv")
    install_translations(env, GNUTranslations(mo))
    shown = env.from_string('<p title="{{ _("Key %(name)s", name=n) }}">').render(n="<i>")
    assert shown == '<p title="Nyckel &#34;&lt;b&gt;&#34; &amp; &lt;i&gt;">'
