"""Site search: an accent-insensitive label index, built once per published snapshot.

The index is plain Python (no web framework). It is built from a few SPARQL SELECT queries,
so it works the same over the embedded and a remote store, and it answers a query without
scanning every label: folded label words are kept in a sorted vocabulary with postings
(word -> labels -> resources), so a query word is looked up as a range of that vocabulary.
Identical labels (every municipality has a "Kommunfullmäktige") are stored once and ranked
once; only the resources behind the matching labels are visited.
"""

from __future__ import annotations

import bisect
import gc
import re
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph

from kgpub.rendering.l10n import pick_label
from kgpub.store.base import Store, Term

if TYPE_CHECKING:
    from kgpub.publish.publisher import Publisher

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
DCTERMS_PUBLISHER = "http://purl.org/dc/terms/publisher"

#: Result groups, in the order they are shown.
GROUPS = ("municipalities", "goals", "objectives", "committees", "other")
#: Indexed for reconciliation (``site/reconcile.py``) but not shown by site search.
UNLISTED = "unlisted"
_ALL_GROUPS = (*GROUPS, UNLISTED)

#: Languages a label can be in, as bits of a mask (untagged labels count as "other").
LANG_BITS = {"sv": 1, "en": 2}
OTHER_LANG_BIT = 4

#: Match quality, best first.
EXACT, LABEL_PREFIX, WORD_PREFIX, SUBSTRING = range(4)

MAX_QUERY_CHARS = 200

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


@dataclass(slots=True)
class _Resource:
    """What the index keeps per resource (display labels in the languages it has; equal
    label sets of different resources are one shared dict after the build)."""

    iri: str
    type_iri: str
    group: int = len(GROUPS) - 1
    owner: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Label:
    """One distinct folded label text and the resources it names, by group (compact
    arrays of resource numbers once the index is built)."""

    folded: str
    original: str
    words: tuple[str, ...]
    langs: int = 0
    docs: list[int] = field(default_factory=list)
    by_group: tuple[array[int], ...] = ()


# -- what is indexed -------------------------------------------------------------------


def _kinds(kgpub: str) -> dict[str, str]:
    """Indexed classes -> the group they go to (goals and schemes are sorted later by
    whether their owner is a municipality)."""
    return {
        kgpub + "Municipality": "municipalities",
        kgpub + "Goal": "goals",
        SKOS + "ConceptScheme": "goals",
        kgpub + "Target": "goals",
        kgpub + "Indicator": "goals",
        kgpub + "Committee": "committees",
        kgpub + "ExecutiveBoard": "committees",
        kgpub + "MunicipalCouncil": "committees",
        ORG + "OrganizationalUnit": "committees",
        kgpub + "Vision": "other",
        kgpub + "VisionStatement": "other",
        kgpub + "VisionArea": "other",
        kgpub + "Promise": "other",
        kgpub + "PromiseCommitment": "other",
        kgpub + "PriorityArea": "other",
        kgpub + "StrategicPriority": "other",
        kgpub + "BudgetAllocation": UNLISTED,
        FOAF_DOCUMENT: UNLISTED,
    }


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(pyoxigraph.NamedNode(i)) for i in iris)


def _queries(kgpub: str) -> dict[str, str]:
    """The SELECT queries the index is built from (few variables and rows: turning rows
    into Python objects is most of the build's time).

    - ``types``: typed resources and their owner (kgpub:owner or org:unitOf) if any;
    - ``parents``: for those without one (parts of a vision, a promise or a goal), the
      owner of what they are part of;
    - ``display``: names shown (skos:prefLabel, else rdfs:label in that language);
    - ``extra``: names only searched (skos:altLabel, skos:notation, the SCB code).
    """
    types = _values(_kinds(kgpub))
    pref, label = f"<{SKOS}prefLabel>", f"<{RDFS_LABEL}>"
    owned = f"(<{kgpub}owner>|<{ORG}unitOf>|<{DCTERMS_PUBLISHER}>)"
    typed = f"VALUES ?t {{ {types} }} GRAPH ?g {{ ?s a ?t }}"
    return {
        "types": (
            f"SELECT ?s ?t ?o WHERE {{ {typed} OPTIONAL {{ GRAPH ?g2 {{ ?s {owned} ?o }} }} }}"
        ),
        "parents": (
            f"SELECT ?s ?o WHERE {{ {typed} FILTER NOT EXISTS {{ GRAPH ?g3 {{ ?s {owned} ?x }} }}"
            f" GRAPH ?g2 {{ ?s {_up_path(kgpub)}+ ?parent . ?parent <{kgpub}owner> ?o }} }}"
        ),
        "display": (
            f"SELECT DISTINCT ?s ?l WHERE {{ {typed} GRAPH ?g2 {{ {{ ?s {pref} ?l }} UNION "
            f"{{ ?s {label} ?l FILTER NOT EXISTS {{ ?s {pref} ?x FILTER(lang(?x) = lang(?l)) }}"
            " } } }"
        ),
        "extra": (
            f"SELECT DISTINCT ?s ?l WHERE {{ {typed} VALUES ?p {{ <{SKOS}altLabel> "
            f"<{SKOS}notation> <{kgpub}municipalityCode> }} GRAPH ?g2 {{ ?s ?p ?l }} }}"
        ),
    }


def _up_path(kgpub: str) -> str:
    """A property path from a part to what it is part of: a vision statement or area to its
    vision, a commitment to its promise, a sub-goal or target to its goal, an indicator to
    what it measures, a concept to its scheme, a budget allocation to its budget."""
    down = ("hasStatement", "hasArea", "hasCommitment", "hasAllocation")
    steps = [f"^<{kgpub}{p}>" for p in down]
    steps += [f"^<{SKOS}narrower>", f"<{SKOS}broader>", f"<{kgpub}measures>", f"<{SKOS}inScheme>"]
    return "(" + "|".join(steps) + ")"


def _type_rank(kinds: dict[str, str]) -> dict[str, int]:
    """Which of a resource's types names it: the first listed in ``_kinds`` wins
    (kgpub:Committee over org:OrganizationalUnit)."""
    return {t: i for i, t in enumerate(kinds)}


# -- the index -------------------------------------------------------------------------


class SearchIndex:
    """Folded label words -> labels -> resources, with ranking and grouping."""

    def __init__(self, resources: list[_Resource], owner_labels: dict[str, dict[str, str]]):
        self._resources = resources
        self._owner_labels = owner_labels
        self._labels: list[_Label] = []
        self._label_ids: dict[str, int] = {}
        self._postings: dict[str, list[int]] = {}
        self._vocabulary: list[str] = []

    def __len__(self) -> int:
        return len(self._resources)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    @property
    def label_count(self) -> int:
        return len(self._labels)

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, store: Store, base_iri: str) -> SearchIndex:
        """Index every labelled municipality, goal, objective, committee and part of a
        vision or promise that ``store`` holds (kgpub's namespace is under ``base_iri``)."""
        paused = gc.isenabled()
        gc.disable()  # millions of small objects: collections would only slow the build
        try:
            return cls._build(store, base_iri)
        finally:
            if paused:
                gc.enable()

    @classmethod
    def _build(cls, store: Store, base_iri: str) -> SearchIndex:
        kgpub = base_iri + "ontology#"
        queries = _queries(kgpub)
        resources = _typed_resources(store.select(queries["types"]), _kinds(kgpub))
        by_iri = {r.iri: r for r in resources}
        for row in store.select(queries["parents"]):
            res = by_iri.get(row["s"].value)
            if res is not None and res.owner is None:
                res.owner = row["o"].value
        _assign_groups(resources, by_iri, kgpub)
        index = cls(resources, {})
        ids = {res.iri: i for i, res in enumerate(resources)}
        folded: dict[str, str] = {}  # the same label recurs in every municipality
        for display in (True, False):
            rows = store.select(queries["display" if display else "extra"])
            for iri, text, lang in _label_rows(rows, by_iri, display):
                key = folded.get(text)
                if key is None:
                    key = folded[text] = fold(text)
                index._add(ids[iri], text, key, lang)
        _share(resources)
        index._owner_labels = _owner_labels(store, resources, by_iri)
        index._finish()
        return index

    def _add(self, doc: int, text: str, folded: str, lang: str) -> None:
        if not folded:
            return
        label_id = self._label_ids.get(folded)
        if label_id is None:
            label_id = len(self._labels)
            self._label_ids[folded] = label_id
            self._labels.append(_Label(folded, text, tuple(folded.split())))
        label = self._labels[label_id]
        label.langs |= LANG_BITS.get(lang, OTHER_LANG_BIT)
        if not label.docs or label.docs[-1] != doc:
            label.docs.append(doc)

    def _finish(self) -> None:
        """Postings per word, and the sorted vocabulary a prefix is looked up in."""
        postings: dict[str, list[int]] = {}
        groups = [res.group for res in self._resources]
        for label_id, label in enumerate(self._labels):
            by_group: tuple[array[int], ...] = tuple(array("i") for _ in _ALL_GROUPS)
            for doc in sorted(set(label.docs)):
                by_group[groups[doc]].append(doc)
            label.by_group, label.docs = by_group, []
            for word in set(label.words):
                postings.setdefault(word, []).append(label_id)
        self._postings = postings
        self._vocabulary = sorted(postings)

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
        self, label: _Label, phrase: str, substring: bool, lang_bit: int
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

    def _group(self, labels: list[_Label], group: int, limit: int) -> tuple[int, list[Hit]]:
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
        group = _ALL_GROUPS[res.group]
        return Hit(res.iri, group, res.type_iri, res.labels, matched, res.owner, owner_labels)

    def all_label_texts(self) -> list[str]:
        """Every resource's folded labels, one entry per resource and label: what a search
        without an index would have to scan (the benchmark's baseline; not used to serve)."""
        return [label.folded for label in self._labels for docs in label.by_group for _doc in docs]


# -- building helpers ------------------------------------------------------------------


def _typed_resources(rows: list[dict[str, Term]], kinds: dict[str, str]) -> list[_Resource]:
    """One resource per IRI (not blank nodes), typed by its highest-ranked indexed class,
    with its owner if it names one."""
    rank = _type_rank(kinds)
    chosen: dict[str, str] = {}
    owners: dict[str, str] = {}
    for row in rows:
        s, t = row["s"], row["t"].value
        if not isinstance(s, pyoxigraph.NamedNode):
            continue
        current = chosen.get(s.value)
        if current is None or rank[t] < rank[current]:
            chosen[s.value] = t
        if "o" in row:
            owners[s.value] = row["o"].value
    groups = {key: i for i, key in enumerate(_ALL_GROUPS)}
    return [
        _Resource(iri, t, groups[kinds[t]], owners.get(iri))
        for iri, t in sorted(chosen.items())  # sorted: the same index for the same data
    ]


def _label_rows(
    rows: list[dict[str, Term]], by_iri: dict[str, _Resource], display: bool
) -> Iterator[tuple[str, str, str]]:
    """(iri, text, language) of every searchable label; display labels are also recorded
    on the resource."""
    for row in rows:
        s, lit = row["s"], row["l"]
        res = by_iri.get(s.value)
        if not isinstance(lit, pyoxigraph.Literal) or res is None:
            continue
        lang = lit.language or ""
        if display:
            res.labels[lang] = lit.value
        yield s.value, lit.value, lang


def _share(resources: list[_Resource]) -> None:
    """Resources with equal display labels (a municipality's "Kommunstyrelsen" and the
    next one's) share one dict and its strings: most of the index's memory otherwise."""
    shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for res in resources:
        key = tuple(sorted(res.labels.items()))
        res.labels = shared.setdefault(key, res.labels)


def _assign_groups(resources: list[_Resource], by_iri: dict[str, _Resource], kgpub: str) -> None:
    """Goals and goal schemes of a municipality are goals; the others (national and
    international objectives and their schemes) are objectives."""
    municipality = kgpub + "Municipality"
    goals, objectives = GROUPS.index("goals"), GROUPS.index("objectives")
    for res in resources:
        if res.group != goals or res.type_iri in (kgpub + "Target", kgpub + "Indicator"):
            continue
        owner = by_iri.get(res.owner) if res.owner else None
        if owner is None or owner.type_iri != municipality:
            res.group = objectives


def _owner_labels(
    store: Store, resources: list[_Resource], by_iri: dict[str, _Resource]
) -> dict[str, dict[str, str]]:
    """Labels of every owner: indexed ones (municipalities) from the index, the few others
    (the Riksdag, the government) with one more query."""
    from kgpub.site.describe import labels_for

    owners = {res.owner for res in resources if res.owner}
    known = {iri: by_iri[iri].labels for iri in owners if iri in by_iri}
    known.update(labels_for(store, owners - set(known)))
    return known


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
