"""The municipalities by name: alphabetical order and initial letters, per language.

Swedish sorts Å, Ä and Ö as letters of their own after Z; English sorts them with A and O.
A list of every municipality suits the home page of one country (290 in Sweden); past a
few hundred the site shows the initial letters instead, each with its own list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from kgpub.errors import NotFound

#: Letters Swedish sorts after Z, in this order.
_SWEDISH_AFTER_Z = {"å": 1, "ä": 2, "æ": 2, "ö": 3, "ø": 3}


def _base_letter(ch: str) -> str:
    """``é`` -> ``e``: the character without its accents."""
    return unicodedata.normalize("NFKD", ch)[0]


def collation_key(text: str, lang: str) -> tuple[tuple[int, str], ...]:
    """A sort key that orders names as a reader of ``lang`` expects."""
    key: list[tuple[int, str]] = []
    for ch in text.casefold():
        if lang == "sv" and ch in _SWEDISH_AFTER_Z:
            key.append((1, str(_SWEDISH_AFTER_Z[ch])))
        else:
            key.append((0, _base_letter(ch)))
    return tuple(key)


def initial(text: str, lang: str) -> str:
    """The letter a name is filed under: ``Östra`` is under Ö in Swedish, O in English."""
    first = next((ch for ch in text.strip() if ch.isalnum()), "")
    if not first:
        return "#"
    if first.isdigit():
        return "#"
    upper = first.upper()
    if lang == "sv" and first.casefold() in _SWEDISH_AFTER_Z:
        return upper
    return _base_letter(upper)


@dataclass
class Group:
    letter: str
    iris: list[str] = field(default_factory=list)


@dataclass
class Directory:
    """Every municipality, sorted by name and grouped by initial letter."""

    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(len(g.iris) for g in self.groups)

    @property
    def ordered(self) -> list[str]:
        return [iri for g in self.groups for iri in g.iris]

    def letter(self, letter: str) -> Group | None:
        return next((g for g in self.groups if g.letter == letter), None)


def directory(names: Mapping[str, str], lang: str) -> Directory:
    """``names`` maps each municipality IRI to its name in ``lang`` (or the IRI itself)."""
    ordered = sorted(names, key=lambda iri: (collation_key(names[iri], lang), iri))
    groups: list[Group] = []
    for iri in ordered:
        letter = initial(names[iri], lang)
        if not groups or groups[-1].letter != letter:
            groups.append(Group(letter))
        groups[-1].iris.append(iri)
    return Directory(groups)


@dataclass(frozen=True)
class Paging:
    """Page ``page`` (from 1) of ``total`` items, ``size`` a page."""

    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.page * self.size, self.total)


def listing(
    found: Directory, letter: str | None, page: int, size: int, list_max: int
) -> tuple[list[Group], Paging | None]:
    """The groups a municipality list shows: page ``page`` of ``letter``'s group (``size`` a
    page), or every group when there are at most ``list_max`` municipalities (else none: the
    initial letters only). Raises :class:`NotFound` for a letter or page that has none."""
    if letter is None:
        return (found.groups if found.count <= list_max else []), None
    group = found.letter(letter)
    if group is None:
        raise NotFound(f"no municipality's name starts with {letter}")
    paging = Paging(page, size, len(group.iris))
    if page > paging.pages:
        raise NotFound(f"{letter} has {paging.pages} pages of municipalities")
    return [Group(letter, group.iris[paging.first - 1 : paging.last])], paging


#: Municipalities on one page of a letter's list.
LETTER_PAGE = 500


#: Up to this many municipalities the home page lists them all; above, it lists the
#: initial letters, each linking to its own list.
HOME_LIST_MAX = 300
