"""Text as the search index matches it: lower case, accents removed, words split at
punctuation and whitespace. Site search and reconciliation fold both the labels and the query
with :func:`fold`, so ``malinriktat`` finds "Målinriktat"."""

from __future__ import annotations

import re
import unicodedata

# What folding deletes or replaces after NFKD: the combining marks NFKD splits off (every
# one in the Basic Multilingual Plane), and letters it does not take apart (ø is not o + a
# combining mark).
_STRIP: dict[int, str | None] = {c: None for c in range(0x10000) if unicodedata.combining(chr(c))}
_LETTERS = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
_STRIP.update({ord(letter): plain for letter, plain in _LETTERS.items()})
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Text as it is matched: lower case, accents removed, punctuation and runs of
    whitespace turned into single spaces (``"Målinriktat  miljö-arbete"`` ->
    ``"malinriktat miljo arbete"``)."""
    bare = unicodedata.normalize("NFKD", text.casefold()).translate(_STRIP)
    return _NON_WORD.sub(" ", bare).strip()


def words(text: str) -> list[str]:
    """The folded words of ``text`` (what a query is split into)."""
    return fold(text).split()
