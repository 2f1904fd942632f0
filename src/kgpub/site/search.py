"""Site search: an accent-insensitive label index, built once per published snapshot.

The index is plain Python (no web framework). It is built (``site/search_build.py``) from a
few SPARQL SELECT queries, so it works the same over the embedded and a remote store, and it
answers a query without scanning every label: folded label words (``site/search_folding.py``)
are kept in a sorted vocabulary with postings (word -> labels -> resources), so a query word
is looked up as a range of that vocabulary. Identical labels (every municipality has a
"Kommunfullmäktige") are stored once and ranked once; only the resources behind the matching
labels are visited.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgpub.rendering.l10n import pick_label
from kgpub.site.search_build import (
    ALL_GROUPS,
    GROUPS,
    LANG_BITS,
    OTHER_LANG_BIT,
    UNLISTED,
    IndexedLabel,
    IndexParts,
    build_parts,
)
from kgpub.site.search_folding import fold
from kgpub.store.base import Store

if TYPE_CHECKING:
    from kgpub.publish.publisher import Publisher

__all__ = [
    "EXACT",
    "GROUPS",
    "LABEL_PREFIX",
    "MAX_QUERY_CHARS",
    "SUBSTRING",
    "UNLISTED",
    "WORD_PREFIX",
    "GroupResult",
    "Hit",
    "SearchCache",
    "SearchIndex",
    "SearchResults",
    "fold",
]

#: Match quality, best first.
EXACT, LABEL_PREFIX, WORD_PREFIX, SUBSTRING = range(4)

MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class Hit:
    """One resource found: what to link, how to name it and whose it is."""

    iri: str
    group: str
    type_iri: str
    labels: dict[str, str]  # language ("" untagged) -> display label
    matched: str  # the label text that matched the query (as written in the data)
    owner_iri: str | None
    owner_labels: dict[str, str]

    def label(self, lang: str) -> str:
        return pick_label(self.labels, lang) or self.matched

    def owner_label(self, lang: str) -> str | None:
        return pick_label(self.owner_labels, lang) or self.owner_iri


@dataclass(frozen=True)
class GroupResult:
    """The best hits of one group and how many resources of the group matched in all."""

    key: str
    count: int
    hits: list[Hit]


@dataclass(frozen=True)
class SearchResults:
    query: str
    lang: str
    groups: list[GroupResult]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


# -- the index -------------------------------------------------------------------------


class SearchIndex:
    """Folded label words -> labels -> resources, with ranking and grouping."""

    def __init__(self, parts: IndexParts):
        self._resources = parts.resources
        self._owner_labels = parts.owner_labels
        self._labels = parts.labels
        self._postings = parts.postings
        self._vocabulary = parts.vocabulary

    def __len__(self) -> int:
        return len(self._resources)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    @property
    def label_count(self) -> int:
        return len(self._labels)

    @classmethod
    def build(cls, store: Store, base_iri: str) -> SearchIndex:
        """Index every labelled municipality, goal, objective, committee and part of a
        vision or promise that ``store`` holds (kgpub's namespace is under ``base_iri``)."""
        return cls(build_parts(store, base_iri))

    # -- matching ------------------------------------------------------------------------
    def _words_with_prefix(self, prefix: str) -> Iterator[str]:
        vocab = self._vocabulary
        start = bisect.bisect_left(vocab, prefix)
        for i in range(start, len(vocab)):
            if not vocab[i].startswith(prefix):
                return
            yield vocab[i]

    def _labels_of_words(self, words: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for word in words:
            found.update(self._postings[word])
        return found

    def _matching_labels(self, terms: list[str]) -> tuple[set[int], bool]:
        """Labels where every term starts a word; failing that, where every term occurs
        inside a word (a scan of the vocabulary, not of the labels). The flag says whether
        the substring fallback was used."""
        first, *rest = sorted(terms, key=len, reverse=True)  # the longest is most selective
        found = {
            i
            for i in self._labels_of_words(self._words_with_prefix(first))
            if all(any(w.startswith(t) for w in self._labels[i].words) for t in rest)
        }
        if found:
            return found, False
        inside = (w for w in self._vocabulary if first in w)
        return {
            i
            for i in self._labels_of_words(inside)
            if all(any(t in w for w in self._labels[i].words) for t in rest)
        }, True

    def _rank(
        self, label: IndexedLabel, phrase: str, substring: bool, lang_bit: int
    ) -> tuple[int, int, int, str]:
        """Exact label before label prefix before word prefix (before substring); a label
        in the page's language first; then the shorter label."""
        if label.folded == phrase:
            quality = EXACT
        elif label.folded.startswith(phrase):
            quality = LABEL_PREFIX
        else:
            quality = SUBSTRING if substring else WORD_PREFIX
        return (quality, 0 if label.langs & lang_bit else 1, len(label.folded), label.folded)

    # -- searching -----------------------------------------------------------------------
    def search(self, query: str, lang: str = "sv", limit_per_group: int = 10) -> SearchResults:
        """Resources whose labels match every word of ``query``, best first, grouped (all
        groups, in ``GROUPS`` order, each with its total count and at most
        ``limit_per_group`` hits)."""
        terms = fold(query[:MAX_QUERY_CHARS]).split()
        counts = [0] * len(GROUPS)
        hits: list[list[Hit]] = [[] for _ in GROUPS]
        if terms:
            matched, substring = self._matching_labels(terms)
            phrase = " ".join(terms)
            lang_bit = LANG_BITS.get(lang, OTHER_LANG_BIT)
            ranked = sorted(
                matched, key=lambda i: self._rank(self._labels[i], phrase, substring, lang_bit)
            )
            labels = [self._labels[i] for i in ranked]
            for group in range(len(GROUPS)):
                counts[group], hits[group] = self._group(labels, group, limit_per_group)
        groups = [GroupResult(key, counts[i], hits[i]) for i, key in enumerate(GROUPS)]
        return SearchResults(query, lang, groups)

    def ranked(
        self, query: str, lang: str = "sv", types: frozenset[str] | None = None
    ) -> Iterator[tuple[Hit, int]]:
        """Every resource (of ``types``, if given; unlisted ones too) whose labels match
        ``query``, best first across groups, each once with the quality (``EXACT`` ...
        ``SUBSTRING``) of its best label. Lazy: stop reading when you have enough."""
        terms = fold(query[:MAX_QUERY_CHARS]).split()
        if not terms:
            return
        matched, substring = self._matching_labels(terms)
        phrase, lang_bit = " ".join(terms), LANG_BITS.get(lang, OTHER_LANG_BIT)
        ranks = {i: self._rank(self._labels[i], phrase, substring, lang_bit) for i in matched}
        seen: set[int] = set()
        for i in sorted(matched, key=ranks.__getitem__):
            for doc in (d for docs in self._labels[i].by_group for d in docs):
                if doc in seen or (types and self._resources[doc].type_iri not in types):
                    continue
                seen.add(doc)
                yield self._hit(doc, self._labels[i].original), ranks[i][0]

    def get(self, iri: str) -> Hit | None:
        """The indexed resource ``iri``, if any (resources are kept sorted by IRI)."""
        i = bisect.bisect_left(self._resources, iri, key=lambda res: res.iri)
        if i < len(self._resources) and self._resources[i].iri == iri:
            return self._hit(i, "")
        return None

    def _group(self, labels: list[IndexedLabel], group: int, limit: int) -> tuple[int, list[Hit]]:
        """How many resources of ``group`` the ranked ``labels`` name (each once, counted
        with set unions, not a loop per resource), and the first ``limit`` of them."""
        lists = [label.by_group[group] for label in labels if label.by_group[group]]
        count = len(lists[0]) if len(lists) == 1 else len(set().union(*lists))
        hits: list[Hit] = []
        seen: set[int] = set()
        for label in labels:
            if len(hits) >= limit:
                break
            for doc in label.by_group[group]:
                if doc not in seen:
                    seen.add(doc)
                    hits.append(self._hit(doc, label.original))
                    if len(hits) >= limit:
                        break
        return count, hits

    def _hit(self, doc: int, matched: str) -> Hit:
        res = self._resources[doc]
        owner_labels = self._owner_labels.get(res.owner, {}) if res.owner else {}
        group = ALL_GROUPS[res.group]
        return Hit(res.iri, group, res.type_iri, res.labels, matched, res.owner, owner_labels)

    def all_label_texts(self) -> list[str]:
        """Every resource's folded labels, one entry per resource and label: what a search
        without an index would have to scan (the benchmark's baseline; not used to serve)."""
        return [label.folded for label in self._labels for docs in label.by_group for _doc in docs]


# -- one index per published snapshot --------------------------------------------------


class SearchCache:
    """The search index of the publisher's current snapshot, rebuilt on first use after a
    new snapshot is published. One build at a time: while it runs, other requests get the
    previous snapshot's index if there is one (and wait for the build if there is not)."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._lock = threading.Lock()
        self._built: tuple[str, SearchIndex] | None = None
        self.builds = 0

    def index(self) -> SearchIndex:
        digest = self.publisher.require().digest
        built = self._built
        if built is not None and built[0] == digest:
            return built[1]
        if not self._lock.acquire(blocking=built is None):
            assert built is not None
            return built[1]  # another thread is building the new one
        try:
            built = self._built
            if built is not None and built[0] == digest:
                return built[1]
            store, base = self.publisher.store, str(self.publisher.settings.base_iri)
            index = SearchIndex.build(store, base)
            self._built = (digest, index)
            self.builds += 1
            return index
        finally:
            self._lock.release()

    def search(self, query: str, lang: str = "sv", limit_per_group: int = 10) -> SearchResults:
        return self.index().search(query, lang, limit_per_group)
