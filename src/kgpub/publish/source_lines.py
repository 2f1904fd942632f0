"""Where an IRI is written in a Turtle file: the line a validation report points at."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

_PREFIX_DECL = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)
_TERM = re.compile(
    r"<([^<>\"{}|^`\\\s]*)>"  # <iri>
    r"|(?<![\w.:\\-])([A-Za-z][\w.-]*)?:"  # prefix:
    r"((?:[\w:%-]|\\[~!$&'()*+,;=/?#@%_.-]|\.(?=[\w:%\\-]))*)"  # local name
)
_LOCAL_UNESCAPE = re.compile(r"\\(.)")


def _resolve(base: str, reference: str) -> str:
    """Resolve a relative IRI reference; unlike plain urljoin, keeps an empty fragment."""
    if reference.endswith("#"):
        return urljoin(base, reference[:-1]) + "#"
    return urljoin(base, reference)


@dataclass
class _FileIndex:
    subject_line: dict[str, int]
    lines_of: dict[str, list[int]]


class LineFinder:
    """Finds where an IRI appears in a Turtle file (best effort).

    Each file is indexed once: every ``<iri>`` (relative ones resolved against the base)
    and every prefixed name (expanded with the file's own prefixes) maps to the lines it
    is on, and to the line where it starts a description (column 1: a subject).
    """

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.files: dict[Path, _FileIndex] = {}

    def index(self, path: Path) -> _FileIndex:
        if path in self.files:
            return self.files[path]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        return self.index_text(path, text)

    def index_text(self, path: Path, text: str) -> _FileIndex:
        """Index ``text`` as the content of ``path`` (a file that is not on disk, such as
        an upload); later look-ups in ``path`` use it."""
        prefixes = {
            m.group(1) or "": _resolve(self.base_iri, m.group(2))
            for m in _PREFIX_DECL.finditer(text)
        }
        subject_line: dict[str, int] = {}
        lines_of: dict[str, list[int]] = {}
        for number, line in enumerate(text.split("\n"), start=1):
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#") or _PREFIX_DECL.match(line):
                continue
            for match in _TERM.finditer(line):
                iri_ref, prefix, local = match.groups()
                if iri_ref is not None:
                    iri = _resolve(self.base_iri, iri_ref)
                else:
                    namespace = prefixes.get(prefix or "")
                    if namespace is None:
                        continue
                    iri = namespace + _LOCAL_UNESCAPE.sub(r"\1", local or "")
                on = lines_of.setdefault(iri, [])
                if not on or on[-1] != number:
                    on.append(number)
                if match.start() == 0 and iri not in subject_line:
                    subject_line[iri] = number
        index = _FileIndex(subject_line, lines_of)
        self.files[path] = index
        return index

    def find(self, path: Path, iri: str, after: int | None = None) -> int | None:
        """The line where ``iri`` is a subject (column 1), else where it first appears.

        With ``after``, the first line on or after that one where it appears at all.
        """
        index = self.index(path)
        lines = index.lines_of.get(iri, [])
        if after is not None:
            position = bisect.bisect_left(lines, after)
            return lines[position] if position < len(lines) else None
        if iri in index.subject_line:
            return index.subject_line[iri]
        return lines[0] if lines else None
