"""A document rendered for one format: its bytes and their Content-Type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str

    @property
    def nbytes(self) -> int:
        """What the page cache counts it for."""
        return len(self.body) + len(self.content_type)
