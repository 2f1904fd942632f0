"""Triples indexed by subject and predicate, for pages built from a few graphs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph

from kgpub.site.describe import Obj, add_label
from kgpub.vocab import RDF_TYPE, SCHEMA_POSITION


class Index:
    """subject -> predicate -> objects, over a list of triples."""

    def __init__(self, triples: Iterable[pyoxigraph.Triple]) -> None:
        self.spo: dict[str, dict[str, list[Obj]]] = defaultdict(lambda: defaultdict(list))
        self.labels: dict[str, dict[str, str]] = {}
        for t in triples:
            if isinstance(t.object, pyoxigraph.Triple) or isinstance(t.subject, pyoxigraph.Triple):
                continue
            self.spo[t.subject.value][t.predicate.value].append(t.object)
            add_label(self.labels, t)

    def objects(self, s: str, p: str) -> list[Obj]:
        return list(self.spo.get(s, {}).get(p, []))

    def iris(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.objects(s, p) if isinstance(o, pyoxigraph.NamedNode)]

    def one(self, s: str, p: str) -> Obj | None:
        found = self.objects(s, p)
        return found[0] if found else None

    def subjects(self, p: str, o: str) -> list[str]:
        return [
            s
            for s, po in self.spo.items()
            if any(isinstance(x, pyoxigraph.NamedNode) and x.value == o for x in po.get(p, []))
        ]

    def of_type(self, t: str) -> list[str]:
        return self.subjects(RDF_TYPE, t)

    def position(self, s: str) -> tuple[int, str]:
        pos = self.one(s, SCHEMA_POSITION)
        try:
            return (int(pos.value) if pos is not None else 10_000, s)
        except ValueError:
            return (10_000, s)

    def ordered(self, items: Iterable[str]) -> list[str]:
        return sorted(set(items), key=self.position)
