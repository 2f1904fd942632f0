"""The table the scale benchmarks print after their JSON lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def print_table(rows: Sequence[dict[str, Any]], cols: Sequence[tuple[str, str]]) -> None:
    """One line of column names, then a line per row; ``-`` where a row has no value."""
    print(" | ".join(name for name, _f in cols))
    for row in rows:
        print(" | ".join(f.format(row[c]) if c in row else "-" for c, f in cols))
