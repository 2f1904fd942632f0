"""Amounts, shares and dates read as a Swedish or an English reader expects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kgpub.rendering import l10n


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (144_000_000, "sv", "144,0 mnkr"),
        (144_000_000, "en", "SEK 144.0 million"),
        (Decimal("252900000"), "sv", "252,9 mnkr"),
        (1_234_500_000, "sv", "1,2 mdkr"),
        (1_234_500_000, "en", "SEK 1.2 billion"),
        (52_000, "sv", "52\u00a0000 kr"),
        (52_000, "en", "SEK 52,000"),
    ],
)
def test_sek_amounts_are_scaled_and_written_per_language(
    value: int | Decimal, lang: str, expected: str
) -> None:
    assert l10n.amount(value, "SEK", lang) == expected


def test_other_currencies_use_the_locale_currency_format() -> None:
    assert l10n.amount(1000, "EUR", "en") == "€1,000.00"
    assert l10n.amount(1000, "EUR", "sv") == "1\u00a0000,00\u00a0€"


def test_shares_have_one_decimal_and_the_language_decimal_mark() -> None:
    assert l10n.share(0.2143, "sv") == "21,4\u00a0%"
    assert l10n.share(0.2143, "en") == "21.4%"


@pytest.mark.parametrize(
    ("lexical", "lang", "expected"),
    [
        ("2024-03-05", "sv", "5 mars 2024"),
        ("2024-03-05", "en", "5 March 2024"),
        ("2024-03-05T10:00:00Z", "en", "5 March 2024"),
        ("2024-03", "sv", "mars 2024"),
        ("2035", "sv", "2035"),
        ("not a date", "en", "not a date"),
    ],
)
def test_dates_are_written_out(lexical: str, lang: str, expected: str) -> None:
    assert l10n.date(lexical, lang) == expected


def test_non_numbers_are_not_amounts() -> None:
    assert l10n.to_decimal("12.5") == Decimal("12.5")
    assert l10n.to_decimal("twelve") is None
    assert l10n.to_decimal("NaN") is None
