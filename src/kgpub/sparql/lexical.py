"""What can be read off a SPARQL query's text without parsing it: its dataset clauses and
how deeply it nests.

Strings, IRIs and comments are masked first, so a word or bracket inside them never
counts. Both checks run on every query, before it reaches a query worker, and cost a few
microseconds per kilobyte.
"""

from __future__ import annotations

import re

_OPAQUE = re.compile(
    r"""
      '''(?:[^'\\]|\\.|'(?!''))*'''          # long strings
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'                  # short strings
    | "(?:[^"\\\n\r]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>              # IRIs
    | \#[^\n\r]*                             # comments
    """,
    re.VERBOSE | re.DOTALL,
)
_DATASET_CLAUSE = re.compile(r"(?<![?$\w:])from(?![\w:-])", re.IGNORECASE)
_BRACKETS = re.compile(r"[{}()\[\]]")
_OPENING = frozenset("{([")


def masked(query: str) -> str:
    """``query`` with every string, IRI and comment blanked out (same length)."""
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), query)


def names_a_dataset(query: str) -> bool:
    """Whether the query has a ``FROM`` or ``FROM NAMED`` clause of its own."""
    return bool(_DATASET_CLAUSE.search(masked(query)))


def nesting_depth(query: str) -> int:
    """How deeply groups, parentheses and blank-node brackets nest in the query."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(masked(query)):
        if m.group(0) in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest
