"""Reconciliation queries: reading a ``queries=`` batch's members into checked values, and
scoring a candidate's name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kgpub.errors import BadRequest
from kgpub.site.search import EXACT, LABEL_PREFIX, WORD_PREFIX, Hit, fold

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def value_text(value: Any) -> str:
    """A property value as text: ``{"id": ...}`` gives its id, numbers lose a ``.0``."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    raise BadRequest(f"a property value must be a string, number, boolean or {{id}}: {value!r}")


def scb_code(text: str) -> str:
    """An SCB code as written in the data: a spreadsheet that dropped the leading zero
    (``136``) still finds ``0136``."""
    text = text.strip()
    return text.zfill(4) if text.isdigit() else text


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    phrase: str  # the query string, folded as the search index folds
    types: frozenset[str] | None
    limit: int
    properties: tuple[tuple[str, tuple[str, ...]], ...]

    def values(self, pid: str) -> tuple[str, ...]:
        return tuple(v for p, values in self.properties for v in values if p == pid)


QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}


def limit_of(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise BadRequest(f"limit must be a number: {value!r}")
    return max(0, min(MAX_LIMIT, int(value)))


@dataclass(frozen=True)
class Scored:
    hit: Hit
    score: float
    exact: bool  # an exact name (or, without a name, code) match that no property contradicts
    features: list[dict[str, Any]]


def name_score(quality: int, phrase: str, label: str) -> float:
    """100 for the exact name; else by how the (folded) query matched the label (the start
    of the name, the start of a word, inside a word) and how much of the name it covers."""
    if quality == EXACT:
        return 100.0
    base = {LABEL_PREFIX: 50.0, WORD_PREFIX: 30.0}.get(quality, 10.0)
    return round(base + 40.0 * min(1.0, len(phrase) / max(1, len(fold(label)))), 1)


def matches(prefix: str, names: list[str]) -> bool:
    """Whether every folded word of ``prefix`` starts a word of one of ``names``."""
    terms = fold(prefix).split()
    return any(
        all(any(w.startswith(t) for w in fold(name).split()) for t in terms) for name in names
    )
