"""The page's language: UI text from the message catalogs, and numbers, amounts and dates as
a Swedish or English reader expects them (Babel's CLDR data).

UI text lives in ``kgpub/locale/LANG/LC_MESSAGES/messages.po`` (msgids are the English text,
with ``%(name)s`` placeholders); the catalogs are compiled in memory when first used.

Swedish: ``144,0 mnkr``, ``1,2 mdkr``, ``5 mars 2024``; English: ``SEK 144.0 million``,
``SEK 1.2 billion``, ``5 March 2024``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from decimal import Decimal, InvalidOperation
from gettext import GNUTranslations
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"sv": "sv_SE", "en": "en_GB"}
LANGUAGES = tuple(LOCALES)
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)

# Swedish writes SEK amounts as "mnkr"/"mdkr" (miljoner/miljarder kronor)
SEK_SCALES = {
    "sv": ((BILLION, "{n} mdkr"), (MILLION, "{n} mnkr")),
    "en": ((BILLION, "SEK {n} billion"), (MILLION, "SEK {n} million")),
}


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["sv"])


def to_decimal(value: object) -> Decimal | None:
    """A literal's lexical form as a Decimal, or None if it is not a number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number(value: Decimal | float | int, lang: str, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=locale(lang)))


def decimal(value: Decimal, lang: str) -> str:
    """A number with the decimals it has (up to six), grouped as the language groups it."""
    exponent = value.normalize().as_tuple().exponent
    decimals = min(6, max(0, -exponent)) if isinstance(exponent, int) else 0
    return number(value, lang, decimals)


def amount(value: Decimal | float | int, currency: str, lang: str) -> str:
    """A budget amount, scaled to millions or billions of kronor where it is that large."""
    value = Decimal(str(value))
    if currency == "SEK":
        for scale, template in SEK_SCALES.get(lang, SEK_SCALES["sv"]):
            if abs(value) >= scale:
                return template.format(n=number(value / scale, lang, 1))
        if lang == "sv":
            return f"{number(value, lang)} kr"
        return f"SEK {number(value, lang)}"
    return str(format_currency(value, currency, locale=locale(lang)))


def share(fraction: float, lang: str) -> str:
    """A share of a total, one decimal: ``21,4 %`` / ``21.4%``."""
    pattern = "#,##0.0%" if lang == "en" else "#,##0.0\u00a0%"
    return str(format_percent(fraction, format=pattern, locale=locale(lang)))


def date(lexical: str, lang: str) -> str:
    """An xsd:date, xsd:dateTime, xsd:gYearMonth or xsd:gYear written out for ``lang``;
    anything else is returned as it is."""
    text = lexical.strip()
    try:
        if len(text) == 4 and text.isdigit():  # gYear
            return text
        if len(text) == 7 and text[4] == "-":  # gYearMonth
            day = dt.date(int(text[:4]), int(text[5:7]), 1)
            return str(format_date(day, format="LLLL y", locale=locale(lang)))
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return lexical
    return str(format_date(day, format="long", locale=locale(lang)))


def pick_label(by_lang: dict[str, str], lang: str) -> str | None:
    """The label in ``lang``, else Swedish, else English, else untagged, else any."""
    for key in (lang, "sv", "en", ""):
        if key in by_lang:
            return by_lang[key]
    return next(iter(by_lang.values()), None)


def N_(message: str) -> str:
    """Marks ``message`` for extraction where it is translated later, by ``gettext(name)``."""
    return message


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> GNUTranslations:
    """The UI text of ``lang`` (Swedish for a language kgpub has no catalog of), compiled from
    its ``.po`` file in memory once per process. Fuzzy entries are left out, as msgfmt does."""
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return GNUTranslations(mo)
